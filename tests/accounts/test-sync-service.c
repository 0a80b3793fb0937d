/* test-sync-service.c — CourrielSyncService against the bench's real Dovecot: accounts synchronised,
 * new mail reported and pushed (IDLE) as delivered, errors kept, bodies fetched on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-certificate.h"
#include "courriel-changes.h"
#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-net-error.h"
#include "courriel-sync-service.h"
#include "courriel-test-bench.h"

static CourrielTestBench *bench;
static char *fingerprint;

typedef struct
{
  CourrielStore       *store;
  CourrielSyncService *service;
  guint                progress;  /* "progress" emissions */
  guint                listed;    /* "progress::headers" emissions */
  guint                syncing;   /* SYNCING states */
  guint                done;      /* states that end a sync */
  GPtrArray           *batches;   /* GArray of the "new-messages" emissions */
} Fixture;

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
on_progress (CourrielSyncService *service, gint64 account_id, const char *folder, gint64 done, gint64 total,
             Fixture *f)
{
  g_assert_nonnull (folder);
  g_assert_cmpint (done, <=, total);
  f->progress++;
}

static void
on_headers_progress (CourrielSyncService *service, gint64 account_id, const char *folder, gint64 done, gint64 total,
                     Fixture *f)
{
  f->listed++;
}

static void
on_state_changed (CourrielSyncService *service, gint64 account_id, Fixture *f)
{
  if (courriel_sync_service_get_state (service, account_id, NULL) == COURRIEL_SYNC_STATE_SYNCING)
    f->syncing++;
  else
    f->done++;
}

static void
on_new_messages (CourrielSyncService *service, gint64 account_id, GArray *ids, Fixture *f)
{
  g_ptr_array_add (f->batches, g_array_ref (ids));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel", NULL);
  g_autofree char *name = g_strdup_printf ("%08x.db", g_random_int ());
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_mkdir (dir, 0700);
  f->store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  f->service = courriel_sync_service_new (f->store);
  f->batches = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
  g_signal_connect (f->service, "progress", G_CALLBACK (on_progress), f);
  g_signal_connect (f->service, "progress::headers", G_CALLBACK (on_headers_progress), f);
  g_signal_connect (f->service, "state-changed", G_CALLBACK (on_state_changed), f);
  g_signal_connect (f->service, "new-messages", G_CALLBACK (on_new_messages), f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->service);
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  g_ptr_array_unref (f->batches);
}

static gint64
add_account (Fixture *f, const char *address, guint16 port, const char *pinned, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  gint64 id;

  account->incoming = (CourrielServer){ g_strdup ("127.0.0.1"), port, COURRIEL_SECURITY_TLS, g_strdup (address), NULL,
                                        g_strdup (pinned) };
  courriel_account_save_async (f->store, account, password, NULL, NULL, got_result, &result);
  id = courriel_account_save_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return id;
}

static gint64
add_pop3_account (Fixture *f, const char *address)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  gint64 id;

  account->protocol = COURRIEL_PROTOCOL_POP3;
  account->incoming = (CourrielServer){ g_strdup ("127.0.0.1"),
                                        courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_POP3S),
                                        COURRIEL_SECURITY_TLS, g_strdup (address), NULL, g_strdup (fingerprint) };
  courriel_account_save_async (f->store, account, courriel_test_bench_get_password (bench, address), NULL, NULL,
                               got_result, &result);
  id = courriel_account_save_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return id;
}

static gint64
add_bench_account (Fixture *f, const char *address)
{
  return add_account (f, address, courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS), fingerprint,
                      courriel_test_bench_get_password (bench, address));
}

static char *
new_message (const char *address, const char *subject)
{
  return g_strdup_printf ("From: Élodie Martin <elodie@example.org>\r\nTo: %s\r\n"
                          "Subject: %s\r\nMessage-ID: <%s.%08x@example.org>\r\n"
                          "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                          "Bonjour, ceci est « %s ».\r\n",
                          address, subject, subject, g_random_int (), subject);
}

static GBytes *
deliver (const char *address, const char *subject, const char *flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = new_message (address, subject);
  GBytes *bytes = g_bytes_new_take (g_steal_pointer (&raw), strlen (raw));

  courriel_test_bench_add_message (bench, address, "INBOX", bytes, flags, 0, &error);
  g_assert_no_error (error);
  return bytes;
}

/* Runs the main loop until the sync that was asked for (and any run after it) is over. */
static CourrielSyncState
sync_and_wait (Fixture *f, gint64 account_id, const GError **error)
{
  guint done = f->done;

  courriel_sync_service_sync_account (f->service, account_id);
  g_assert_cmpint (courriel_sync_service_get_state (f->service, account_id, NULL), ==, COURRIEL_SYNC_STATE_SYNCING);
  while (f->done == done || courriel_sync_service_get_state (f->service, account_id, NULL)
                              == COURRIEL_SYNC_STATE_SYNCING)
    g_main_context_iteration (NULL, TRUE);
  return courriel_sync_service_get_state (f->service, account_id, error);
}

typedef struct
{
  gint64 inbox;   /* messages in the account's Inbox */
  gint64 id;      /* the message asked about, by id or subject */
  char  *subject;
  guint  flags;
  gint64 stored;  /* its body in the store, in bytes; -1: none */
} Row;

static gpointer
read_row (sqlite3 *db, gpointer data, GError **error)
{
  Row *row = data; /* the account's Inbox, the message by id or subject */
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db,
                      "SELECT (SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                      "WHERE f.account_id = ?1 AND f.role = 'inbox'), m.id, m.subject, m.flags, "
                      "coalesce ((SELECT length (raw) FROM bodies WHERE message_id = m.id), -1) "
                      "FROM (SELECT 1) LEFT JOIN messages m ON m.id = ?2 OR m.subject = ?3",
                      -1, &stmt, NULL);
  sqlite3_bind_int64 (stmt, 1, row->inbox);
  sqlite3_bind_int64 (stmt, 2, row->id);
  sqlite3_bind_text (stmt, 3, row->subject, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  row->inbox = sqlite3_column_int64 (stmt, 0);
  row->id = sqlite3_column_int64 (stmt, 1);
  g_free (row->subject);
  row->subject = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
  row->flags = sqlite3_column_int (stmt, 3);
  row->stored = sqlite3_column_int64 (stmt, 4);
  sqlite3_finalize (stmt);
  return row;
}

static void
row_free (Row *row)
{
  g_free (row->subject);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Row, row_free)

static Row *
query (Fixture *f, gint64 account_id, gint64 message_id, const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  Row *row = g_new0 (Row, 1);

  row->inbox = account_id;
  row->id = message_id;
  row->subject = g_strdup (subject);
  courriel_store_read_async (f->store, read_row, row, NULL, NULL, NULL, got_result, &result);
  row = courriel_store_read_finish (f->store, wait_for (&result), &error);
  g_assert_no_error (error);
  return row;
}

static void
test_first_sync_then_new_mail (Fixture *f, gconstpointer data)
{
  const char *address = "alice@example.test";
  gint64 id = add_bench_account (f, address);
  const GError *error = NULL;

  g_bytes_unref (deliver (address, "premier", NULL));
  g_bytes_unref (deliver (address, "deuxieme", NULL));
  g_bytes_unref (deliver (address, "deja-lu", "S"));

  /* The first sync brings the mailbox, with progress, and no news. */
  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  g_assert_null (error);
  g_assert_cmpuint (f->progress, >, 0);
  g_assert_cmpuint (f->listed, >, 0);
  g_assert_cmpuint (f->batches->len, ==, 0);
  {
    g_autoptr (Row) row = query (f, id, 0, NULL);
    g_assert_cmpint (row->inbox, ==, 3);
  }

  /* Nothing new: nothing reported. */
  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  g_assert_cmpuint (f->batches->len, ==, 0);

  /* Two arrive, one of them already read elsewhere: one batch, with the unread one alone. The
   * sync's own report (what courriel-cli prints) counts both. */
  g_bytes_unref (deliver (address, "nouveau", NULL));
  g_bytes_unref (deliver (address, "lu-ailleurs", "S"));
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) sync_error = NULL;
    g_autoptr (CourrielAccountSyncReport) report = NULL;
    CourrielImapFolderReport *inbox;

    courriel_sync_service_sync_account_async (f->service, id, COURRIEL_ACCOUNT_SYNC_DEFAULT, NULL, got_result,
                                              &result);
    report = courriel_sync_service_sync_account_finish (f->service, wait_for (&result), &sync_error);
    g_assert_no_error (sync_error);
    inbox = report->folders->pdata[0];
    g_assert_cmpstr (inbox->role, ==, "inbox");
    g_assert_cmpint (inbox->added, ==, 2);
    g_assert_cmpint (inbox->total, ==, 5);
    g_assert_cmpuint (report->bytes_received, >, 0);
  }
  g_assert_cmpint (courriel_sync_service_get_state (f->service, id, NULL), ==, COURRIEL_SYNC_STATE_IDLE);
  g_assert_cmpuint (f->batches->len, ==, 1);
  {
    GArray *ids = f->batches->pdata[0];
    g_autoptr (Row) row = NULL;

    g_assert_cmpuint (ids->len, ==, 1);
    row = query (f, id, g_array_index (ids, gint64, 0), NULL);
    g_assert_cmpstr (row->subject, ==, "nouveau");
    g_assert_cmpint (row->inbox, ==, 5);
  }
}

static void
test_pop3_new_mail (Fixture *f, gconstpointer data)
{
  const char *address = "carol@example.test";
  gint64 id = add_pop3_account (f, address);
  const GError *sync_error = NULL;

  g_bytes_unref (deliver (address, "pop-premier", NULL));
  g_assert_cmpint (sync_and_wait (f, id, &sync_error), ==, COURRIEL_SYNC_STATE_IDLE);
  g_assert_null (sync_error);
  g_assert_cmpuint (f->batches->len, ==, 0);

  g_bytes_unref (deliver (address, "pop-nouveau", NULL));
  g_assert_cmpint (sync_and_wait (f, id, &sync_error), ==, COURRIEL_SYNC_STATE_IDLE);
  g_assert_cmpuint (f->batches->len, ==, 1);
  {
    GArray *ids = f->batches->pdata[0];
    g_autoptr (Row) row = NULL;

    g_assert_cmpuint (ids->len, ==, 1);
    row = query (f, id, g_array_index (ids, gint64, 0), NULL);
    g_assert_cmpstr (row->subject, ==, "pop-nouveau");
  }
}

static void
test_coalesced (Fixture *f, gconstpointer data)
{
  gint64 id = add_bench_account (f, "alice@example.test");
  guint syncing;

  /* Asked three times while the first runs: it runs once more, not three times. */
  courriel_sync_service_sync_account (f->service, id);
  courriel_sync_service_sync_account (f->service, id);
  courriel_sync_service_sync_account (f->service, id);
  syncing = f->syncing;
  g_assert_cmpuint (syncing, ==, 1);
  while (f->done < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->syncing, ==, 2);
  g_assert_cmpint (courriel_sync_service_get_state (f->service, id, NULL), ==, COURRIEL_SYNC_STATE_IDLE);

  /* Pokes after local changes: one sync soon after a burst of them, none at once. */
  courriel_sync_service_poke (f->service, id);
  courriel_sync_service_poke (f->service, id);
  g_assert_cmpuint (f->syncing, ==, 2);
  while (f->done < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->syncing, ==, 3);
}

static gboolean
quit_loop (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_dispose_while_syncing (Fixture *f, gconstpointer data)
{
  gint64 id = add_bench_account (f, "alice@example.test");
  gboolean over = FALSE;

  /* Gone in the middle of a sync: what runs is cancelled, nothing is emitted afterwards. */
  courriel_sync_service_sync_account (f->service, id);
  g_assert_cmpuint (f->syncing, ==, 1);
  while (f->progress == 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&f->service);
  g_timeout_add (1500, quit_loop, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->done, ==, 0);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  gint64 id = add_account (f, "carol@example.test", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                           fingerprint, "not-the-password");
  const GError *error = NULL;

  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_ERROR);
  g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED);

  /* An account that is not (or no longer) there: an error, not a crash. */
  g_assert_cmpint (sync_and_wait (f, id + 1000, &error), ==, COURRIEL_SYNC_STATE_ERROR);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_certificate_untrusted (Fixture *f, gconstpointer data)
{
  /* The bench's certificate is self-signed: without its fingerprint pinned, it is refused, and
   * the error carries it for the app to show and the user to accept. */
  gint64 id = add_account (f, "carol@example.test", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                           NULL, courriel_test_bench_get_password (bench, "carol@example.test"));
  const GError *error = NULL;

  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_ERROR);
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (courriel_net_error_get_certificate (error));
  g_assert_cmpstr (courriel_net_error_get_fingerprint (error), ==, fingerprint);
}

/* A port nothing listens on: bound, then closed. */
static guint16
closed_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint16 port;

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_listener_close (listener);
  return port;
}

static void
test_offline_retried (Fixture *f, gconstpointer data)
{
  gint64 id = add_account (f, "carol@example.test", closed_port (), fingerprint,
                           courriel_test_bench_get_password (bench, "carol@example.test"));
  const GError *error = NULL;
  gint64 start;

  courriel_sync_service_set_retry_delay (f->service, 1);
  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_OFFLINE);
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CONNECTION_FAILED);

  /* Not left there: tried again by itself after the back-off (1 s, then 2 s). */
  start = g_get_monotonic_time ();
  while (f->syncing < 3 && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->syncing, ==, 3);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
}

static void
test_fetch_body (Fixture *f, gconstpointer data)
{
  const char *address = "bob@example.test";
  gint64 id = add_bench_account (f, address);
  g_autoptr (GBytes) sent = deliver (address, "avec-corps", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (Row) before = NULL;
  g_autoptr (Row) after = NULL;
  const GError *sync_error = NULL;
  gint64 message_id;

  g_assert_cmpint (sync_and_wait (f, id, &sync_error), ==, COURRIEL_SYNC_STATE_IDLE);
  /* A message that does not exist is an error, not a crash. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_sync_service_fetch_body_async (f->service, G_MAXINT64, NULL, got_result, &result);
    g_assert_null (courriel_sync_service_fetch_body_finish (f->service, wait_for (&result), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  before = query (f, id, 0, "avec-corps");
  message_id = before->id;
  g_assert_cmpint (message_id, >, 0);
  /* Synchronised without its body (the account keeps no days offline). */
  g_assert_cmpint (before->stored, ==, -1);

  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_sync_service_fetch_body_async (f->service, message_id, NULL, got_result, &result);
    body = courriel_sync_service_fetch_body_finish (f->service, wait_for (&result), &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_bytes_equal (body, sent));
  after = query (f, id, message_id, NULL);
  g_assert_cmpint (after->stored, ==, g_bytes_get_size (sent));

  /* From the store now: the servers may be gone. */
  g_assert_true (courriel_test_bench_stop_servers (bench, &error));
  g_assert_no_error (error);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_sync_service_fetch_body_async (f->service, message_id, NULL, got_result, &result);
    again = courriel_sync_service_fetch_body_finish (f->service, wait_for (&result), &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_bytes_equal (again, sent));

  /* And a sync with the server down is OFFLINE, not an error to act on. */
  g_assert_cmpint (sync_and_wait (f, id, &sync_error), ==, COURRIEL_SYNC_STATE_OFFLINE);
  g_assert_true (courriel_test_bench_start_servers (bench, &error));
  g_assert_no_error (error);
}

/* Push ------------------------------------------------------------------------------------------- */

/* doveadm on the bench's Dovecot (one argument after the command at most, then the user): its
 * standard output. */
static char *
doveadm (const char *command, const char *option, const char *address)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = g_build_filename (courriel_test_bench_get_dir (bench), "dovecot.conf", NULL);
  const char *argv[] = { "doveadm", "-c", config, command, option != NULL ? option : address, address, NULL };
  char *output = NULL;
  int status = 0;

  if (option == NULL)
    argv[5] = NULL;
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &output,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return output;
}

/* The user's IMAP connections the server counts (logged in). */
static guint
imap_connections (const char *address)
{
  g_autofree char *who = doveadm ("who", "-1", address);
  g_auto (GStrv) lines = g_strsplit (who, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], address) && strstr (lines[i], " imap ") != NULL)
      count++;
  return count;
}

/* Runs the main loop for a while. */
static void
wait_ms (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, quit_loop, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main loop until @done says so, failing after @seconds. */
static void
run_until (gboolean (*done) (Fixture *f, gconstpointer data), Fixture *f, gconstpointer data, guint seconds,
           const char *what)
{
  gboolean late = FALSE;
  guint timeout = g_timeout_add_seconds (seconds, quit_loop, &late);

  while (!done (f, data) && !late)
    {
      /* Some conditions are read from outside (the store, the server): look again now and then. */
      gboolean tick = FALSE;
      guint again = g_timeout_add (20, quit_loop, &tick);
      while (!tick && !late)
        g_main_context_iteration (NULL, TRUE);
      if (!tick)
        g_source_remove (again);
    }
  if (late)
    g_error ("Not within %u s: %s", seconds, what);
  g_source_remove (timeout);
}

static gboolean
is_pushing (Fixture *f, gconstpointer data)
{
  return courriel_sync_service_is_pushing (f->service, *(const gint64 *)data);
}

static gboolean
is_not_pushing (Fixture *f, gconstpointer data)
{
  return !is_pushing (f, data);
}

static gboolean
has_new_batch (Fixture *f, gconstpointer data)
{
  return f->batches->len > GPOINTER_TO_UINT (data);
}

static gboolean
has_connections (Fixture *f, gconstpointer data)
{
  const char *const *wanted = data; /* address, then the count as text */

  return imap_connections (wanted[0]) == g_ascii_strtoull (wanted[1], NULL, 10);
}

static void
wait_connections (Fixture *f, const char *address, guint count)
{
  g_autofree char *text = g_strdup_printf ("%u", count);
  const char *wanted[] = { address, text };

  run_until (has_connections, f, wanted, 5, "the server's count of IMAP connections");
}

/* Delivered through the bench Dovecot's LMTP, as its Postfix does: when this returns, the
 * message is in the mailbox and the server tells those who listen. */
static void
lmtp_deliver (const char *address, const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GDataInputStream) input = NULL;
  g_autofree char *message = new_message (address, subject);
  g_autofree char *script = g_strdup_printf ("LHLO courriel.test\r\nMAIL FROM:<elodie@example.org>\r\n"
                                             "RCPT TO:<%s>\r\nDATA\r\n%s.\r\nQUIT\r\n",
                                             address, message);
  /* The replies: greeting, LHLO (many lines), MAIL, RCPT, DATA, the delivery, QUIT. */
  const char *expected[] = { "220", "250", "250", "250", "354", "250", "221" };
  GOutputStream *output;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_LMTP), NULL,
                                                &error);
  g_assert_no_error (error);
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  /* LMTP pipelines when the server says so (Dovecot does): the whole dialogue at once. */
  g_assert_true (g_output_stream_write_all (output, script, strlen (script), NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *line = NULL;

      do
        {
          g_free (line);
          line = g_data_input_stream_read_line (input, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (line);
          g_assert_true (g_str_has_prefix (line, expected[i]));
        }
      while (line[3] == '-');
    }
}

/* The service as the app has it: push on, a periodic sync too far off to matter. */
static gint64
start_pushing (Fixture *f, const char *address)
{
  gint64 id = add_bench_account (f, address);
  const GError *error = NULL;

  courriel_sync_service_set_interval (f->service, 60 * 60);
  courriel_sync_service_set_retry_delay (f->service, 1);
  courriel_sync_service_set_push (f->service, TRUE);
  g_assert_true (courriel_sync_service_get_push (f->service));
  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  run_until (is_pushing, f, &id, 5, "the Inbox watched");
  return id;
}

/* Delivers, then waits for the message in the store (its "new-messages"): the milliseconds. */
static gint64
deliver_and_wait (Fixture *f, gint64 id, const char *address, const char *subject)
{
  guint batches = f->batches->len;
  gint64 start;
  GArray *ids;

  lmtp_deliver (address, subject);
  start = g_get_monotonic_time ();
  run_until (has_new_batch, f, GUINT_TO_POINTER (batches), 5, "the delivered message in the store");
  ids = f->batches->pdata[batches];
  g_assert_cmpuint (ids->len, ==, 1);
  {
    g_autoptr (Row) row = query (f, id, g_array_index (ids, gint64, 0), NULL);
    g_assert_cmpstr (row->subject, ==, subject);
  }
  return (g_get_monotonic_time () - start) / 1000;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

static void
test_push_new_mail (Fixture *f, gconstpointer data)
{
  const char *address = "alice@example.test";
  gint64 id = start_pushing (f, address);
  guint listed = f->listed;
  gint64 latencies[7];
  g_autoptr (GString) text = g_string_new (NULL);

  /* One connection listens, the sync's went away. */
  wait_connections (f, address, 1);

  /* Each delivery is in the store within the second, without a sync asked for, and is news
   * (what the notifications show). */
  for (guint i = 0; i < G_N_ELEMENTS (latencies); i++)
    {
      g_autofree char *subject = g_strdup_printf ("pousse-%u", i);
      latencies[i] = deliver_and_wait (f, id, address, subject);
      g_assert_cmpint (latencies[i], <, 5000);
      g_string_append_printf (text, " %" G_GINT64_FORMAT, latencies[i]);
    }
  qsort (latencies, G_N_ELEMENTS (latencies), sizeof latencies[0], compare_gint64);
  g_test_message ("push latency, delivery to store (ms):%s; median %" G_GINT64_FORMAT, text->str,
                  latencies[G_N_ELEMENTS (latencies) / 2]);
  g_printerr ("push latency, delivery to store: median %" G_GINT64_FORMAT " ms (%s )\n",
              latencies[G_N_ELEMENTS (latencies) / 2], text->str);
  /* The Inbox alone was synchronised: no other folder was listed again. */
  g_assert_cmpuint (f->listed, ==, listed);
  g_assert_cmpint (courriel_sync_service_get_state (f->service, id, NULL), ==, COURRIEL_SYNC_STATE_IDLE);

  /* A burst is one sync, or two: not one per message. */
  {
    guint syncing = f->syncing;
    for (guint i = 0; i < 5; i++)
      {
        g_autofree char *subject = g_strdup_printf ("rafale-%u", i);
        lmtp_deliver (address, subject);
      }
    run_until (has_new_batch, f, GUINT_TO_POINTER (G_N_ELEMENTS (latencies)), 5, "the burst in the store");
    while (courriel_sync_service_get_state (f->service, id, NULL) == COURRIEL_SYNC_STATE_SYNCING)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (f->syncing - syncing, <=, 2);
    {
      g_autoptr (Row) row = query (f, id, 0, "rafale-4");
      g_assert_cmpstr (row->subject, ==, "rafale-4");
    }
  }
}

static gboolean
is_seen (Fixture *f, gconstpointer data)
{
  g_autoptr (Row) row = query (f, 0, 0, data);

  return (row->flags & COURRIEL_MESSAGE_SEEN) != 0;
}

/* Another client marks every message read: the store follows within seconds. */
static void
test_push_flags (Fixture *f, gconstpointer data)
{
  const char *address = "bob@example.test";
  g_autofree char *subject = g_strdup_printf ("a-lire-%08x", g_random_int ());
  gint64 id;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) other = NULL;
  g_autoptr (CourrielImapUidSet) all = courriel_imap_uid_set_new ();
  g_autoptr (GError) error = NULL;
  const char *seen[] = { "\\Seen", NULL };

  g_bytes_unref (deliver (address, subject, NULL));
  id = start_pushing (f, address);
  g_assert_false (is_seen (f, subject));

  connection = courriel_connection_new ("127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS);
  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  other = courriel_imap_client_new (connection);
  {
    g_autoptr (GAsyncResult) connected = NULL, logged_in = NULL, selected = NULL, stored = NULL;
    g_autoptr (CourrielImapSelection) selection = NULL;
    g_autoptr (CourrielImapUidSet) modified = NULL;

    courriel_imap_client_connect_async (other, NULL, got_result, &connected);
    g_assert_true (courriel_imap_client_connect_finish (other, wait_for (&connected), &error));
    courriel_imap_client_login_async (other, address, courriel_test_bench_get_password (bench, address), NULL,
                                      got_result, &logged_in);
    g_assert_true (courriel_imap_client_login_finish (other, wait_for (&logged_in), &error));
    courriel_imap_client_select_async (other, "INBOX", FALSE, NULL, NULL, got_result, &selected);
    selection = courriel_imap_client_select_finish (other, wait_for (&selected), &error);
    g_assert_no_error (error);
    courriel_imap_uid_set_add_range (all, 1, G_MAXUINT32);
    courriel_imap_client_uid_store_async (other, all, COURRIEL_IMAP_STORE_ADD, seen, 0, NULL, got_result, &stored);
    modified = courriel_imap_client_uid_store_finish (other, wait_for (&stored), &error);
    g_assert_no_error (error);
  }
  run_until (is_seen, f, subject, 5, "the message read elsewhere, read here");
  g_assert_cmpint (id, >, 0);
}

/* The server drops the watch (an administrator's kick, a restart): it comes back by itself, and
 * the next message is pushed as before. */
static void
test_push_reconnects (Fixture *f, gconstpointer data)
{
  const char *address = "carol@example.test";
  gint64 id = start_pushing (f, address);
  g_autofree char *kicked = NULL;

  wait_connections (f, address, 1);
  kicked = doveadm ("kick", NULL, address);
  run_until (is_not_pushing, f, &id, 5, "the watch seeing the kick");
  run_until (is_pushing, f, &id, 5, "the watch back");
  wait_connections (f, address, 1);
  g_assert_cmpint (deliver_and_wait (f, id, address, "apres-coupure"), <, 5000);

  /* The servers go down (Dovecot says BYE to those in IDLE some 10 s later): the watch waits and
   * retries (1 s, 2 s, 4 s, 8 s...). When the network comes back (as the network monitor says),
   * it does not wait for its next try. */
  {
    g_autoptr (GError) error = NULL;
    gint64 start;

    g_assert_true (courriel_test_bench_stop_servers (bench, &error));
    run_until (is_not_pushing, f, &id, 15, "the watch seeing the server go");
    /* Tries at 1, 3 and 7 s fail; the next is at 15 s. */
    wait_ms (7500);
    g_assert_false (courriel_sync_service_is_pushing (f->service, id));
    g_assert_true (courriel_test_bench_start_servers (bench, &error));
    g_assert_no_error (error);
    start = g_get_monotonic_time ();
    g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
    run_until (is_pushing, f, &id, 5, "the watch back with the network");
    /* Its next try was still seconds away. */
    g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
    g_assert_cmpint (deliver_and_wait (f, id, address, "apres-reseau"), <, 5000);
  }
}

/* Removing the account closes its watch; disposing the service closes them all, and nothing
 * is heard from it afterwards. */
static void
test_push_closed (Fixture *f, gconstpointer data)
{
  gint64 alice = start_pushing (f, "alice@example.test");
  gint64 bob = add_bench_account (f, "bob@example.test");
  const GError *error = NULL;
  guint done;

  g_assert_cmpint (sync_and_wait (f, bob, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  run_until (is_pushing, f, &bob, 5, "bob's Inbox watched");
  wait_connections (f, "alice@example.test", 1);
  wait_connections (f, "bob@example.test", 1);

  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) remove_error = NULL;
    courriel_account_remove_async (f->store, "bob@example.test", NULL, got_result, &result);
    g_assert_true (courriel_account_remove_finish (wait_for (&result), &remove_error));
    g_assert_no_error (remove_error);
  }
  run_until (is_not_pushing, f, &bob, 5, "bob's watch stopped");
  wait_connections (f, "bob@example.test", 0);
  g_assert_true (courriel_sync_service_is_pushing (f->service, alice));

  done = f->done;
  g_clear_object (&f->service);
  wait_connections (f, "alice@example.test", 0);
  /* Mail still comes, and the service, gone, says nothing. */
  lmtp_deliver ("alice@example.test", "trop-tard");
  wait_ms (1500);
  g_assert_cmpuint (f->done, ==, done);
}

/* The account's server changes (the user edits it): the watch leaves the old one at once and
 * follows to the new one. */
static void
test_push_server_changed (Fixture *f, gconstpointer data)
{
  const char *address = "bob@example.test";
  const char *password = courriel_test_bench_get_password (bench, address);
  gint64 id = start_pushing (f, address);

  wait_connections (f, address, 1);
  g_assert_cmpint (add_account (f, address, closed_port (), fingerprint, password), ==, id);
  run_until (is_not_pushing, f, &id, 5, "the watch leaving the old server");
  wait_connections (f, address, 0);
  wait_ms (1500);
  g_assert_false (courriel_sync_service_is_pushing (f->service, id));

  g_assert_cmpint (add_account (f, address, courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                fingerprint, password),
                   ==, id);
  run_until (is_pushing, f, &id, 3, "the watch on the server given");
  g_assert_cmpint (deliver_and_wait (f, id, address, "nouveau-serveur"), <, 5000);
}

/* A good sync, a second later: no watch, no connection left open. */
static void
sync_without_push (Fixture *f, gint64 id, const char *address)
{
  const GError *error = NULL;

  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  wait_ms (1000);
  g_assert_false (courriel_sync_service_is_pushing (f->service, id));
  g_assert_cmpuint (imap_connections (address), ==, 0);
}

/* Push is the app's choice: a one-shot user such as courriel-cli syncs and leaves nothing open. */
static void
test_push_off_by_default (Fixture *f, gconstpointer data)
{
  const char *address = "bob@example.test";

  g_assert_false (courriel_sync_service_get_push (f->service));
  sync_without_push (f, add_bench_account (f, address), address);
}

/* POP3 has no push: the periodic sync alone, and no connection left open. The same account set
 * up again on IMAP (same address, same id) is pushed from its next sync on, without a restart. */
static void
test_push_pop3 (Fixture *f, gconstpointer data)
{
  const char *address = "carol@example.test";
  gint64 id = add_pop3_account (f, address);
  const GError *error = NULL;

  courriel_sync_service_set_push (f->service, TRUE);
  sync_without_push (f, id, address);

  g_assert_cmpint (add_bench_account (f, address), ==, id);
  g_assert_cmpint (sync_and_wait (f, id, &error), ==, COURRIEL_SYNC_STATE_IDLE);
  run_until (is_pushing, f, &id, 5, "the account, now IMAP, watched");
  g_assert_cmpint (deliver_and_wait (f, id, address, "apres-imap"), <, 5000);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);

  g_test_add ("/sync-service/first-sync-then-new-mail", Fixture, NULL, fixture_set_up, test_first_sync_then_new_mail,
              fixture_tear_down);
  g_test_add ("/sync-service/pop3-new-mail", Fixture, NULL, fixture_set_up, test_pop3_new_mail, fixture_tear_down);
  g_test_add ("/sync-service/coalesced", Fixture, NULL, fixture_set_up, test_coalesced, fixture_tear_down);
  g_test_add ("/sync-service/wrong-password", Fixture, NULL, fixture_set_up, test_wrong_password, fixture_tear_down);
  g_test_add ("/sync-service/certificate-untrusted", Fixture, NULL, fixture_set_up, test_certificate_untrusted,
              fixture_tear_down);
  g_test_add ("/sync-service/offline-retried", Fixture, NULL, fixture_set_up, test_offline_retried,
              fixture_tear_down);
  g_test_add ("/sync-service/dispose-while-syncing", Fixture, NULL, fixture_set_up, test_dispose_while_syncing,
              fixture_tear_down);
  g_test_add ("/sync-service/fetch-body", Fixture, NULL, fixture_set_up, test_fetch_body, fixture_tear_down);
  g_test_add ("/sync-service/push/new-mail", Fixture, NULL, fixture_set_up, test_push_new_mail, fixture_tear_down);
  g_test_add ("/sync-service/push/flags", Fixture, NULL, fixture_set_up, test_push_flags, fixture_tear_down);
  g_test_add ("/sync-service/push/reconnects", Fixture, NULL, fixture_set_up, test_push_reconnects,
              fixture_tear_down);
  g_test_add ("/sync-service/push/closed", Fixture, NULL, fixture_set_up, test_push_closed, fixture_tear_down);
  g_test_add ("/sync-service/push/server-changed", Fixture, NULL, fixture_set_up, test_push_server_changed,
              fixture_tear_down);
  g_test_add ("/sync-service/push/off-by-default", Fixture, NULL, fixture_set_up, test_push_off_by_default,
              fixture_tear_down);
  g_test_add ("/sync-service/push/pop3", Fixture, NULL, fixture_set_up, test_push_pop3, fixture_tear_down);
  status = g_test_run ();
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  g_free (fingerprint);
  return status;
}
