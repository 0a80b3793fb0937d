/* test-imap-account-sync.c — an account synchronised with a real Dovecot, changes both ways
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "The other device" is a second IMAP session on the same account: what it changes must reach
 * the store at the next sync, and what the user changes in the store (read, starred, moved,
 * deleted, folders) must reach the server — at once, or from the queue once it is reachable.
 * Messages written here (a sent message's copy, drafts) reach the server's Sent and Drafts.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-certificate.h"
#include "courriel-changes.h"
#include "courriel-imap-account-sync.h"
#include "courriel-imap-account-watch.h"
#include "courriel-imap-body-sync.h"
#include "courriel-imap-replay.h"
#include "courriel-outbox.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define ADDRESS "alice@example.test"

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  CourrielStore     *store;
  char              *path;
  CourrielImapClient *other; /* the other device */
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
add_message (Fixture *f, const char *folder, const char *subject, const char *body)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Élodie Martin <elodie@example.org>\r\nTo: " ADDRESS "\r\n"
                                          "Subject: %s\r\nMessage-ID: <%s@example.org>\r\n"
                                          "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
                                          subject, subject, body);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

  courriel_test_bench_add_message (f->bench, ADDRESS, folder, bytes, NULL, 0, &error);
  g_assert_no_error (error);
}

static CourrielImapClient *
connect_client (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;

  connection = courriel_connection_new ("127.0.0.1", courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS);
  courriel_connection_set_pinned_fingerprint (connection, f->fingerprint);
  client = courriel_imap_client_new (connection);
  courriel_imap_client_connect_async (client, NULL, got_result, &r1);
  g_assert_true (courriel_imap_client_connect_finish (client, wait_for (&r1), &error));
  courriel_imap_client_login_async (client, ADDRESS, courriel_test_bench_get_password (f->bench, ADDRESS), NULL,
                                    got_result, &r2);
  g_assert_true (courriel_imap_client_login_finish (client, wait_for (&r2), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static gboolean
add_account (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (
    db,
    sqlite3_exec (db,
                  "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                  "incoming_security, incoming_username, created) VALUES (1, '" ADDRESS "', 'imap', "
                  "'127.0.0.1', 993, 'tls', '" ADDRESS "', 0)",
                  NULL, NULL, NULL),
    error);
}

static gboolean
run_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static CourrielStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  CourrielStore *store = courriel_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;

  f->bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (f->bench), &error);
  g_assert_no_error (error);
  f->fingerprint = courriel_certificate_get_fingerprint (certificate);
  /* Not in the bench's data/ folder, which a server restart empties. */
  dir = g_build_filename (courriel_test_bench_get_dir (f->bench), "courriel", NULL);
  g_mkdir (dir, 0700);
  f->path = g_build_filename (dir, "courriel.db", NULL);
  f->store = open_store (f->path);
  courriel_store_write_async (f->store, add_account, NULL, NULL, NULL, got_result, &result);
  g_assert_true (courriel_store_write_finish (f->store, wait_for (&result), &error));
  add_message (f, "INBOX", "premier", "Bonjour, voici le premier message.");
  add_message (f, "INBOX", "deuxieme", "Le deuxième message parle de la réunion.");
  add_message (f, "INBOX", "troisieme", "Le troisième message est une facture.");
  f->other = connect_client (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->other);
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  courriel_test_bench_stop (f->bench);
  g_clear_object (&f->bench);
  g_free (f->fingerprint);
  g_free (f->path);
}

static GPtrArray *
try_sync_since (CourrielStore *store, CourrielImapClient *client, CourrielImapSyncFlags flags, gint64 since,
                GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_imap_account_sync_async (client, store, 1, flags, since, NULL, NULL, NULL, got_result, &result);
  return courriel_imap_account_sync_finish (wait_for (&result), error);
}

static GPtrArray *
try_sync (CourrielStore *store, CourrielImapClient *client, CourrielImapSyncFlags flags, GError **error)
{
  return try_sync_since (store, client, flags, 0, error);
}

static void
sync_store (CourrielStore *store, CourrielImapClient *client)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) reports = try_sync (store, client, COURRIEL_IMAP_SYNC_HEADERS, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reports);
}

/* Reads the store ---------------------------------------------------------------------------- */

static gpointer
read_text (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, data, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_string_append_printf (out, "%s%s", c > 0 ? ":" : "", sqlite3_column_text (stmt, c));
      g_string_append_c (out, ';');
    }
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* The query's rows as "a:b;c:d;". */
static char *
query (CourrielStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *text;

  courriel_store_read_async (store, read_text, (gpointer)sql, NULL, g_free, NULL, got_result, &result);
  text = courriel_store_read_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return text;
}

static gint64
message_id (CourrielStore *store, const char *subject)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM messages WHERE subject = '%s'", subject);
  g_autofree char *id = query (store, sql);

  g_assert_cmpstr (id, !=, "");
  return g_ascii_strtoll (id, NULL, 10);
}

static GArray *
ids_of (CourrielStore *store, const char *subject)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 id = message_id (store, subject);

  g_array_append_val (ids, id);
  return ids;
}

static gint64
folder_id (CourrielStore *store, const char *name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM folders WHERE name = '%s'", name);
  g_autofree char *id = query (store, sql);

  g_assert_cmpstr (id, !=, "");
  return g_ascii_strtoll (id, NULL, 10);
}

static void
wait_write (CourrielStore *store, GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (courriel_store_write_finish (store, wait_for (result), &error));
  g_assert_no_error (error);
  g_clear_object (result);
}

/* Reads the server, as the other device ------------------------------------------------------- */

static void
select_on_server (Fixture *f, const char *mailbox)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielImapSelection) selection = NULL;

  courriel_imap_client_select_async (f->other, mailbox, FALSE, NULL, NULL, got_result, &result);
  selection = courriel_imap_client_select_finish (f->other, wait_for (&result), &error);
  g_assert_no_error (error);
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char * const *)a, *(char * const *)b);
}

/* "subject=flags,flags;" (sorted) of the mailbox's messages, in UID order. */
static char *
server_state (Fixture *f, const char *mailbox)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielImapUidSet) all = courriel_imap_uid_set_parse ("1:*", NULL);
  g_autoptr (GPtrArray) fetches = NULL;
  GString *out = g_string_new (NULL);

  select_on_server (f, mailbox);
  courriel_imap_client_uid_fetch_async (f->other, all, "(UID FLAGS ENVELOPE)", 0, NULL, NULL, NULL, got_result,
                                        &result);
  fetches = courriel_imap_client_uid_fetch_finish (f->other, wait_for (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < fetches->len; i++)
    {
      CourrielImapFetch *fetch = fetches->pdata[i];
      g_auto (GStrv) sorted = g_strdupv (fetch->flags);
      g_autofree char *flags = NULL;

      qsort (sorted, g_strv_length (sorted), sizeof (char *), compare_strings);
      flags = g_strjoinv (",", sorted);

      g_string_append_printf (out, "%s=%s;", fetch->envelope->subject, flags);
    }
  return g_string_free (out, FALSE);
}

static void
store_on_server (Fixture *f, const char *mailbox, const char *uids, const char *flag)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielImapUidSet) set = courriel_imap_uid_set_parse (uids, NULL);
  g_autoptr (CourrielImapUidSet) modified = NULL;
  const char *flags[] = { flag, NULL };

  select_on_server (f, mailbox);
  courriel_imap_client_uid_store_async (f->other, set, COURRIEL_IMAP_STORE_ADD, flags, 0, NULL, got_result, &result);
  modified = courriel_imap_client_uid_store_finish (f->other, wait_for (&result), &error);
  g_assert_no_error (error);
}

/* Tests --------------------------------------------------------------------------------------- */

/* Read and starred, both ways; and a second device with a store of its own converges. */
static void
test_flags_both_ways (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) first = NULL;
  g_autofree char *path = g_build_filename (courriel_test_bench_get_dir (f->bench), "courriel", "second.db", NULL);
  g_autoptr (CourrielStore) second = open_store (path);
  g_autoptr (CourrielImapClient) second_client = connect_client (f);
  g_autofree char *listing = NULL;
  g_autofree char *server = NULL;
  g_autofree char *pending = NULL;

  sync_store (f->store, client);
  {
    /* Nothing changed: the folder list with its STATUS says so, no folder is selected. */
    CourrielConnection *connection = courriel_imap_client_get_connection (client);
    guint64 before = courriel_connection_get_bytes_received (connection);

    sync_store (f->store, client);
    g_test_message ("resync with nothing changed: %" G_GUINT64_FORMAT " bytes",
                    courriel_connection_get_bytes_received (connection) - before);
    g_assert_cmpuint (courriel_connection_get_bytes_received (connection) - before, <, 2048);
  }
  listing = query (f->store, "SELECT f.name, f.role, count (m.id), f.unread FROM folders f "
                             "LEFT JOIN messages m ON m.folder_id = f.id GROUP BY f.id ORDER BY f.name");
  g_assert_cmpstr (listing, ==, "Archive:archive:0:0;Drafts:drafts:0:0;INBOX:inbox:3:3;Junk:junk:0:0;"
                                "Sent:sent:0:0;Trash:trash:0:0;");

  /* Read here: at once in the store, queued, then on the server. */
  first = ids_of (f->store, "premier");
  courriel_changes_mark_async (f->store, first, COURRIEL_MESSAGE_SEEN | COURRIEL_MESSAGE_FLAGGED, 0, NULL,
                               got_result, &result);
  wait_write (f->store, &result);
  g_free (listing);
  listing = query (f->store, "SELECT flags, (SELECT unread FROM folders WHERE role = 'inbox') FROM messages "
                             "WHERE subject = 'premier'");
  g_assert_cmpstr (listing, ==, "5:2;");
  pending = query (f->store, "SELECT kind FROM pending_ops");
  g_assert_cmpstr (pending, ==, "flags;");
  sync_store (f->store, client);
  g_free (pending);
  pending = query (f->store, "SELECT kind FROM pending_ops");
  g_assert_cmpstr (pending, ==, "");
  server = server_state (f, "INBOX");
  g_assert_cmpstr (server, ==, "premier=\\Flagged,\\Seen;deuxieme=;troisieme=;");

  /* Unstarred here, read on the other device: both reach the other side. */
  courriel_changes_mark_async (f->store, first, 0, COURRIEL_MESSAGE_FLAGGED, NULL, got_result, &result);
  wait_write (f->store, &result);
  store_on_server (f, "INBOX", "2", "\\Seen");
  sync_store (f->store, client);
  g_free (server);
  server = server_state (f, "INBOX");
  g_assert_cmpstr (server, ==, "premier=\\Seen;deuxieme=\\Seen;troisieme=;");
  g_free (listing);
  listing = query (f->store, "SELECT subject, flags FROM messages ORDER BY uid");
  g_assert_cmpstr (listing, ==, "premier:1;deuxieme:1;troisieme:0;");

  /* A second device, with a store of its own, shows the same after its sync. */
  {
    g_autoptr (GAsyncResult) r = NULL;
    courriel_store_write_async (second, add_account, NULL, NULL, NULL, got_result, &r);
    wait_write (second, &r);
  }
  sync_store (second, second_client);
  g_free (listing);
  listing = query (second, "SELECT subject, flags FROM messages ORDER BY uid");
  g_assert_cmpstr (listing, ==, "premier:1;deuxieme:1;troisieme:0;");
  {
    g_autoptr (GArray) third = ids_of (second, "troisieme");
    courriel_changes_mark_async (second, third, COURRIEL_MESSAGE_FLAGGED, 0, NULL, got_result, &result);
    wait_write (second, &result);
  }
  sync_store (second, second_client);
  sync_store (f->store, client);
  g_free (listing);
  listing = query (f->store, "SELECT subject, flags FROM messages ORDER BY uid");
  g_assert_cmpstr (listing, ==, "premier:1;deuxieme:1;troisieme:4;");

  /* Expunged on the other device: QRESYNC's VANISHED takes it out of the store. */
  g_assert_true (courriel_imap_client_is_enabled (client, "QRESYNC"));
  store_on_server (f, "INBOX", "2", "\\Deleted");
  {
    g_autoptr (GAsyncResult) expunged = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (CourrielImapUidSet) two = courriel_imap_uid_set_parse ("2", NULL);
    courriel_imap_client_expunge_async (f->other, two, NULL, got_result, &expunged);
    g_assert_true (courriel_imap_client_expunge_finish (f->other, wait_for (&expunged), &error));
  }
  sync_store (f->store, client);
  g_free (listing);
  listing = query (f->store, "SELECT subject, flags FROM messages ORDER BY uid");
  g_assert_cmpstr (listing, ==, "premier:1;troisieme:4;");
  courriel_store_close (second);
}

/* Moves and deletions keep the message's id, never duplicate it, and reach the server. */
static void
test_move_and_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) third = NULL;
  g_autoptr (GArray) second = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *server = NULL;
  gint64 id;

  {
    g_autoptr (GAsyncResult) created = NULL;
    g_autoptr (GError) error = NULL;
    courriel_imap_client_mailbox_async (f->other, COURRIEL_IMAP_MAILBOX_CREATE, "Ancien", NULL, got_result, &created);
    g_assert_true (courriel_imap_client_mailbox_finish (f->other, wait_for (&created), &error));
  }
  sync_store (f->store, client);
  id = message_id (f->store, "troisieme");
  third = ids_of (f->store, "troisieme");

  /* Moved to Archive, then starred there before the server heard of the move. */
  courriel_changes_move_async (f->store, third, folder_id (f->store, "Archive"), NULL, got_result, &result);
  wait_write (f->store, &result);
  courriel_changes_mark_async (f->store, third, COURRIEL_MESSAGE_FLAGGED, 0, NULL, got_result, &result);
  wait_write (f->store, &result);
  listing = query (f->store, "SELECT f.name, coalesce (m.uid, 'none'), m.flags FROM messages m "
                             "JOIN folders f ON f.id = m.folder_id WHERE m.subject = 'troisieme'");
  g_assert_cmpstr (listing, ==, "Archive:none:4;");
  sync_store (f->store, client);
  server = server_state (f, "Archive");
  g_assert_cmpstr (server, ==, "troisieme=\\Flagged;");
  g_free (server);
  server = server_state (f, "INBOX");
  g_assert_cmpstr (server, ==, "premier=;deuxieme=;");
  g_free (listing);
  listing = query (f->store, "SELECT f.name, m.uid, m.id FROM messages m JOIN folders f ON f.id = m.folder_id "
                             "WHERE m.subject = 'troisieme'");
  {
    g_autofree char *expected = g_strdup_printf ("Archive:1:%" G_GINT64_FORMAT ";", id);
    g_assert_cmpstr (listing, ==, expected);
  }

  /* Deleted: to the Trash; deleted from the Trash: gone for good. */
  second = ids_of (f->store, "deuxieme");
  courriel_changes_delete_async (f->store, second, NULL, got_result, &result);
  wait_write (f->store, &result);
  sync_store (f->store, client);
  g_free (server);
  server = server_state (f, "Trash");
  g_assert_cmpstr (server, ==, "deuxieme=;");
  courriel_changes_delete_async (f->store, second, NULL, got_result, &result);
  wait_write (f->store, &result);
  g_free (listing);
  listing = query (f->store, "SELECT count (*) FROM messages WHERE subject = 'deuxieme'");
  g_assert_cmpstr (listing, ==, "0;");
  sync_store (f->store, client);
  g_free (server);
  server = server_state (f, "Trash");
  g_assert_cmpstr (server, ==, "");
  g_free (listing);
  listing = query (f->store, "SELECT f.name, m.subject FROM messages m JOIN folders f ON f.id = m.folder_id "
                             "ORDER BY m.subject");
  g_assert_cmpstr (listing, ==, "INBOX:premier;Archive:troisieme;");

  /* Folders: created, renamed, deleted here, then on the server. */
  courriel_changes_create_folder_async (f->store, 1, "Projets", NULL, got_result, &result);
  wait_write (f->store, &result);
  courriel_changes_rename_folder_async (f->store, folder_id (f->store, "Projets"), "Projets été", NULL, got_result,
                                        &result);
  wait_write (f->store, &result);
  courriel_changes_delete_folder_async (f->store, folder_id (f->store, "Ancien"), NULL, got_result, &result);
  wait_write (f->store, &result);
  sync_store (f->store, client);
  g_free (listing);
  listing = query (f->store, "SELECT name FROM folders ORDER BY name");
  g_assert_cmpstr (listing, ==, "Archive;Drafts;INBOX;Junk;Projets été;Sent;Trash;");
  select_on_server (f, "Projets été");
}

/* Changes made while the server is down wait in the queue, across a restart of Courriel too. */
static void
test_offline_queue (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) first = NULL;
  g_autoptr (GArray) second = NULL;
  g_autofree char *pending = NULL;
  g_autofree char *server = NULL;

  sync_store (f->store, client);
  g_assert_true (courriel_test_bench_stop_servers (f->bench, &error));
  g_assert_no_error (error);

  first = ids_of (f->store, "premier");
  second = ids_of (f->store, "deuxieme");
  courriel_changes_mark_async (f->store, first, COURRIEL_MESSAGE_SEEN, 0, NULL, got_result, &result);
  wait_write (f->store, &result);
  courriel_changes_move_async (f->store, second, folder_id (f->store, "Archive"), NULL, got_result, &result);
  wait_write (f->store, &result);
  /* The server cannot be reached: the changes wait. */
  g_clear_object (&client);
  {
    g_autoptr (CourrielConnection) connection = courriel_connection_new (
      "127.0.0.1", courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAPS), COURRIEL_SECURITY_TLS);
    g_autoptr (CourrielImapClient) offline = courriel_imap_client_new (connection);
    g_autoptr (GAsyncResult) connected = NULL;

    courriel_imap_client_connect_async (offline, NULL, got_result, &connected);
    g_assert_false (courriel_imap_client_connect_finish (offline, wait_for (&connected), &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }

  /* Courriel restarts; so does the server. */
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  f->store = open_store (f->path);
  pending = query (f->store, "SELECT kind FROM pending_ops ORDER BY id");
  g_assert_cmpstr (pending, ==, "flags;move;");
  g_assert_true (courriel_test_bench_start_servers (f->bench, &error));
  g_assert_no_error (error);
  g_clear_object (&f->other);
  f->other = connect_client (f);
  client = connect_client (f);
  sync_store (f->store, client);

  g_free (pending);
  pending = query (f->store, "SELECT kind FROM pending_ops");
  g_assert_cmpstr (pending, ==, "");
  server = server_state (f, "INBOX");
  g_assert_cmpstr (server, ==, "premier=\\Seen;troisieme=;");
  g_free (server);
  server = server_state (f, "Archive");
  g_assert_cmpstr (server, ==, "deuxieme=;");
  g_free (pending);
  pending = query (f->store, "SELECT count (*), count (DISTINCT message_id) FROM messages");
  g_assert_cmpstr (pending, ==, "3:3;");
}

/* A folder recreated on the server (new UIDVALIDITY) is synchronised again from scratch. */
static void
test_uidvalidity_change (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *listing = NULL;

  add_message (f, "Archive", "ancien", "Un vieux message.");
  sync_store (f->store, client);
  before = query (f->store, "SELECT uidvalidity FROM folders WHERE name = 'Archive'");
  listing = query (f->store, "SELECT subject FROM messages m JOIN folders f ON f.id = m.folder_id "
                             "WHERE f.name = 'Archive'");
  g_assert_cmpstr (listing, ==, "ancien;");

  courriel_imap_client_mailbox_async (f->other, COURRIEL_IMAP_MAILBOX_DELETE, "Archive", NULL, got_result, &r1);
  g_assert_true (courriel_imap_client_mailbox_finish (f->other, wait_for (&r1), &error));
  /* UIDVALIDITY is a timestamp in Dovecot: let a second pass. */
  g_usleep (1100 * 1000);
  courriel_imap_client_mailbox_async (f->other, COURRIEL_IMAP_MAILBOX_CREATE, "Archive", NULL, got_result, &r2);
  g_assert_true (courriel_imap_client_mailbox_finish (f->other, wait_for (&r2), &error));
  g_assert_no_error (error);
  add_message (f, "Archive", "nouveau", "Un nouveau message.");

  sync_store (f->store, client);
  after = query (f->store, "SELECT uidvalidity FROM folders WHERE name = 'Archive'");
  g_assert_cmpstr (before, !=, after);
  g_free (listing);
  listing = query (f->store, "SELECT subject, uid FROM messages m JOIN folders f ON f.id = m.folder_id "
                             "WHERE f.name = 'Archive'");
  g_assert_cmpstr (listing, ==, "nouveau:1;");
}

static void
on_updated (CourrielImapAccountWatch *watch, gint64 folder, gpointer user_data)
{
  (*(guint *)user_data)++;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("The new message did not arrive in time");
  return G_SOURCE_REMOVE;
}

/* A message delivered to the Inbox appears in the store without asking, through IDLE. */
static void
test_idle_push (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (CourrielImapAccountWatch) watch = courriel_imap_account_watch_new (client, f->store, 1);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listing = NULL;
  guint updates = 0, timeout;

  g_signal_connect (watch, "updated", G_CALLBACK (on_updated), &updates);
  courriel_imap_account_watch_run_async (watch, cancellable, got_result, &result);
  /* The first sync, then the Inbox again before IDLE. */
  while (updates < 2)
    g_main_context_iteration (NULL, TRUE);
  listing = query (f->store, "SELECT count (*) FROM messages");
  g_assert_cmpstr (listing, ==, "3;");

  timeout = g_timeout_add_seconds (20, on_timeout, NULL);
  add_message (f, "INBOX", "pousse", "Arrivé pendant IDLE.");
  while (updates < 3)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  g_free (listing);
  listing = query (f->store, "SELECT subject FROM messages ORDER BY uid DESC LIMIT 1");
  g_assert_cmpstr (listing, ==, "pousse;");

  /* A local change is sent at once when poked. */
  {
    g_autoptr (GArray) ids = ids_of (f->store, "pousse");
    g_autoptr (GAsyncResult) marked = NULL;
    courriel_changes_mark_async (f->store, ids, COURRIEL_MESSAGE_SEEN, 0, NULL, got_result, &marked);
    wait_write (f->store, &marked);
    courriel_imap_account_watch_poke (watch);
    while (updates < 4)
      g_main_context_iteration (NULL, TRUE);
    g_free (listing);
    listing = query (f->store, "SELECT count (*) FROM pending_ops");
    g_assert_cmpstr (listing, ==, "0;");
  }

  /* Another folder is not watched by IDLE: the periodic check of every folder brings it. */
  courriel_imap_account_watch_set_interval (watch, 2);
  add_message (f, "Archive", "periodique", "Vu au passage périodique.");
  timeout = g_timeout_add_seconds (20, on_timeout, NULL);
  for (;;)
    {
      g_autofree char *archived = query (f->store, "SELECT count (*) FROM messages WHERE subject = 'periodique'");
      if (g_str_equal (archived, "1;"))
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (timeout);

  g_cancellable_cancel (cancellable);
  g_assert_true (courriel_imap_account_watch_run_finish (watch, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
on_news (CourrielImapAccountWatch *watch, gint64 folder, gpointer user_data)
{
  g_assert_cmpint (folder, ==, 7);
  (*(guint *)user_data)++;
}

static gboolean
set_true (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_news (guint *news, guint count)
{
  guint timeout = g_timeout_add_seconds (20, on_timeout, NULL);

  while (*news < count)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

/* A listener says when its folder changes and writes nothing (its owner syncs); it keeps
 * listening across the re-issues of IDLE (RFC 2177) and a poke. */
static void
test_idle_listener (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (CourrielImapAccountWatch) watch = courriel_imap_account_watch_new_listener (client, 7, "INBOX");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listing = NULL;
  guint news = 0;
  gboolean waited = FALSE;

  courriel_imap_client_set_idle_keepalive (client, 1);
  g_signal_connect (watch, "news", G_CALLBACK (on_news), &news);
  courriel_imap_account_watch_run_async (watch, cancellable, got_result, &result);
  /* Once open: what came before it listened may be news. */
  wait_news (&news, 1);

  /* IDLE is re-issued every second here: after two of them, a delivery is still heard. */
  g_timeout_add (2500, set_true, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (news, ==, 1);
  add_message (f, "INBOX", "ecoute", "Entendu pendant IDLE.");
  wait_news (&news, 2);
  listing = query (f->store, "SELECT count (*) FROM messages");
  g_assert_cmpstr (listing, ==, "0;");

  courriel_imap_account_watch_poke (watch);
  add_message (f, "INBOX", "apres-poke", "Toujours entendu.");
  wait_news (&news, 3);

  g_cancellable_cancel (cancellable);
  g_assert_true (courriel_imap_account_watch_run_finish (watch, wait_for (&result), &error));
  g_assert_no_error (error);
}

/* Bodies for offline reading: stored raw, indexed, previewed, attachments listed. */
static void
test_bodies (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) reports = NULL;
  g_autofree char *listing = NULL;
  const char *raw = "From: Chloé <chloe@example.org>\r\nTo: " ADDRESS "\r\nSubject: Facture\r\n"
                    "Date: Tue, 03 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n\r\nVoici la facture de février.\r\n--b\r\n"
                    "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=facture.pdf\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (raw, strlen (raw));

  courriel_test_bench_add_message (f->bench, ADDRESS, "INBOX", bytes, NULL, 0, &error);
  g_assert_no_error (error);
  sync_store (f->store, client);
  listing = query (f->store, "SELECT count (*) FROM bodies");
  g_assert_cmpstr (listing, ==, "0;");

  /* Offline days: only the messages dated since then (these are all from March 2026). */
  reports = try_sync_since (f->store, client, COURRIEL_IMAP_SYNC_BODIES, 1775000000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((CourrielImapFolderReport *)reports->pdata[0])->bodies, ==, 0);
  g_clear_pointer (&reports, g_ptr_array_unref);

  reports = try_sync (f->store, client, COURRIEL_IMAP_SYNC_BODIES, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((CourrielImapFolderReport *)reports->pdata[0])->bodies, ==, 4);
  g_free (listing);
  listing = query (f->store, "SELECT count (*) FROM bodies");
  g_assert_cmpstr (listing, ==, "4;");
  g_free (listing);
  listing = query (f->store, "SELECT m.subject FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                             "WHERE messages_fts MATCH 'body:fevrier'");
  g_assert_cmpstr (listing, ==, "Facture;");
  g_free (listing);
  listing = query (f->store, "SELECT m.preview, m.has_attachments, a.filename, a.mime_type, a.size BETWEEN 8 AND 11, "
                             "b.complete, instr (b.raw, 'JVBERi0xLjQK') FROM messages m "
                             "JOIN attachments a ON a.message_id = m.id JOIN bodies b ON b.message_id = m.id");
  /* The attachment is known (from BODYSTRUCTURE) but not downloaded: only the text came. */
  g_assert_cmpstr (listing, ==, "Voici la facture de février.:1:facture.pdf:application/pdf:1:0:0;");

  /* Asked for: the whole message comes, and the attachment's exact size with it. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GArray) ids = ids_of (f->store, "Facture");
    courriel_imap_body_sync_async (client, f->store, folder_id (f->store, "INBOX"), "INBOX", ids, 0,
                                   COURRIEL_IMAP_BODY_WHOLE, NULL, NULL, NULL, got_result, &result);
    g_assert_cmpint (courriel_imap_body_sync_finish (wait_for (&result), &error), ==, 1);
    g_assert_no_error (error);
  }
  g_free (listing);
  listing = query (f->store, "SELECT a.size, b.complete, instr (b.raw, 'JVBERi0xLjQK') > 0 FROM messages m "
                             "JOIN attachments a ON a.message_id = m.id JOIN bodies b ON b.message_id = m.id");
  g_assert_cmpstr (listing, ==, "9:1:1;");
}

/* Messages written here ------------------------------------------------------------------------ */

static GBytes *
written_here (const char *subject, const char *text)
{
  g_autofree char *raw = g_strdup_printf ("From: " ADDRESS "\r\nTo: bob@example.test\r\nSubject: %s\r\n"
                                          "Message-ID: <%s@example.test>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
                                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
                                          subject, subject, text);

  return g_bytes_new (raw, strlen (raw));
}

/* The Outbox hands over a message the SMTP server accepted. */
static void
hand_over_sent (CourrielStore *store, const char *subject, const char *text)
{
  g_autoptr (GBytes) raw = written_here (subject, text);
  g_autoptr (GAsyncResult) result = NULL;
  const char *recipients[] = { "bob@example.test", NULL };
  g_autofree char *id = NULL;

  courriel_outbox_add_async (store, 1, ADDRESS, recipients, raw, NULL, got_result, &result);
  wait_write (store, &result);
  id = query (store, "SELECT max (id) FROM outbox");
  courriel_outbox_sent_async (store, g_ascii_strtoll (id, NULL, 10), NULL, got_result, &result);
  wait_write (store, &result);
}

/* A sent message's copy is in Sent at once, reaches the server's Sent by the next sync with
 * its UID, and is neither fetched twice nor loses its searchable text. */
static void
test_sent_copy (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *local = NULL;
  g_autofree char *server = NULL;

  sync_store (f->store, client);
  hand_over_sent (f->store, "envoye", "Le compte rendu du conseil, version xylophone.");
  local = query (f->store, "SELECT m.subject, m.flags, m.uid IS NULL, f.role FROM messages m JOIN folders f "
                           "ON f.id = m.folder_id WHERE f.name = 'Sent'");
  g_assert_cmpstr (local, ==, "envoye:1:1:sent;");
  g_free (local);
  local = query (f->store, "SELECT kind FROM pending_ops");
  g_assert_cmpstr (local, ==, "append;");

  sync_store (f->store, client);
  server = server_state (f, "Sent");
  g_assert_cmpstr (server, ==, "envoye=\\Seen;");
  sync_store (f->store, client);
  g_free (local);
  local = query (f->store, "SELECT m.subject, m.uid IS NOT NULL FROM messages m JOIN folders f ON f.id = m.folder_id "
                           "WHERE f.name = 'Sent'");
  g_assert_cmpstr (local, ==, "envoye:1;");
  g_free (local);
  local = query (f->store, "SELECT count (*) FROM messages_fts WHERE messages_fts MATCH 'body:xylophone'");
  g_assert_cmpstr (local, ==, "1;");
  g_free (local);
  local = query (f->store, "SELECT count (*) FROM pending_ops");
  g_assert_cmpstr (local, ==, "0;");

  /* The Sent folder here is one the server does not have (yet): it is created there. */
  courriel_store_write_async (f->store, run_sql,
                              "UPDATE folders SET role = NULL WHERE name = 'Sent'; INSERT INTO folders (account_id, "
                              "name, raw_name, delimiter, role) VALUES (1, 'Envoyés', 'Envoy&AOk-s', '/', 'sent')",
                              NULL, NULL, got_result, &result);
  wait_write (f->store, &result);
  hand_over_sent (f->store, "encore", "Une deuxième fois.");
  sync_store (f->store, client);
  g_free (server);
  server = server_state (f, "Envoyés");
  g_assert_cmpstr (server, ==, "encore=\\Seen;");
}

static gint64
save_draft (Fixture *f, const char *subject, gint64 replaces, GError **error)
{
  g_autoptr (GBytes) raw = written_here (subject, "Brouillon en cours.");
  g_autoptr (GAsyncResult) result = NULL;

  courriel_changes_save_draft_async (f->store, 1, raw, replaces, NULL, got_result, &result);
  return courriel_changes_save_draft_finish (f->store, wait_for (&result), error);
}

/* Drafts are saved here and on the server; a new version replaces the old one in both places,
 * even when the old one never reached the server; only drafts can be replaced. */
static void
test_drafts (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_client (f);
  g_autofree char *server = NULL;
  g_autofree char *local = NULL;
  gint64 first, second, third;

  sync_store (f->store, client);
  first = save_draft (f, "brouillon1", 0, &error);
  g_assert_no_error (error);
  sync_store (f->store, client);
  server = server_state (f, "Drafts");
  g_assert_cmpstr (server, ==, "brouillon1=\\Draft,\\Seen;");

  second = save_draft (f, "brouillon2", first, &error);
  g_assert_no_error (error);
  third = save_draft (f, "brouillon3", second, &error);
  g_assert_no_error (error);
  g_assert_cmpint (third, >, second);
  local = query (f->store, "SELECT m.subject FROM messages m JOIN folders f ON f.id = m.folder_id "
                           "WHERE f.name = 'Drafts'");
  g_assert_cmpstr (local, ==, "brouillon3;");
  sync_store (f->store, client);
  g_free (server);
  server = server_state (f, "Drafts");
  g_assert_cmpstr (server, ==, "brouillon3=\\Draft,\\Seen;");
  sync_store (f->store, client);
  g_free (local);
  local = query (f->store, "SELECT m.subject, m.uid IS NOT NULL FROM messages m JOIN folders f "
                           "ON f.id = m.folder_id WHERE f.name = 'Drafts'");
  g_assert_cmpstr (local, ==, "brouillon3:1;");

  /* A message of the Inbox is not a draft: nothing is saved, nothing deleted. */
  g_assert_cmpint (save_draft (f, "brouillon4", message_id (f->store, "premier"), &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_free (local);
  local = query (f->store, "SELECT count (*) FROM messages WHERE subject IN ('premier', 'brouillon4')");
  g_assert_cmpstr (local, ==, "1;");
}

/* Answers every command with OK, and notes them. */
static void
gmail_server (GSocketConnection *connection, gpointer user_data)
{
  GString *commands = user_data;
  GIOStream *stream = G_IO_STREAM (connection);

  net_test_send (stream, "* OK [CAPABILITY IMAP4rev1 UIDPLUS X-GM-EXT-1] Gimap ready\r\n");
  for (;;)
    {
      g_autofree char *line = net_test_receive_line (stream);
      g_auto (GStrv) words = line != NULL ? g_strsplit (g_strchomp (line), " ", 3) : NULL;
      g_autofree char *reply = NULL;

      if (words == NULL || words[0] == NULL || words[1] == NULL)
        return;
      g_string_append_printf (commands, "%s;", words[1]);
      reply = g_strdup_printf ("%s OK done\r\n", words[0]);
      net_test_send (stream, reply);
    }
}

/* Gmail files in its Sent folder what its SMTP server sent: no copy is appended, and the local
 * one makes way for Gmail's at the next sync. */
static void
test_gmail_files_sent_mail (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("courriel-gmail-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "courriel.db", NULL);
  g_autoptr (CourrielStore) store = open_store (path);
  g_autoptr (GString) commands = g_string_new (NULL);
  g_autoptr (GAsyncResult) made = NULL;
  g_autoptr (GAsyncResult) connected = NULL;
  g_autoptr (GAsyncResult) replayed = NULL;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autofree char *left = NULL;
  NetTestServer *server;

  courriel_store_write_async (store, run_sql,
                              "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                              "incoming_security, incoming_username, created, outgoing_host) VALUES (1, "
                              "'alice@gmail.com', 'imap', 'imap.gmail.com', 993, 'tls', 'alice', 0, 'smtp.gmail.com');"
                              "INSERT INTO folders (account_id, name, raw_name, delimiter, role) VALUES (1, "
                              "'[Gmail]/Sent Mail', '[Gmail]/Sent Mail', '/', 'sent')",
                              NULL, NULL, got_result, &made);
  wait_write (store, &made);
  hand_over_sent (store, "via-gmail", "Envoyé par Gmail.");

  server = net_test_server_start (gmail_server, commands);
  connection = courriel_connection_new ("127.0.0.1", server->port, COURRIEL_SECURITY_NONE);
  client = courriel_imap_client_new (connection);
  courriel_imap_client_connect_async (client, NULL, net_test_store_result, &connected);
  g_assert_true (courriel_imap_client_connect_finish (client, net_test_wait (&connected), &error));
  courriel_imap_replay_async (client, store, 1, NULL, net_test_store_result, &replayed);
  g_assert_cmpint (courriel_imap_replay_finish (net_test_wait (&replayed), &error), ==, 1);
  g_assert_no_error (error);
  courriel_connection_close (connection);
  net_test_server_finish (server);

  g_assert_null (strstr (commands->str, "APPEND"));
  left = query (store, "SELECT (SELECT count (*) FROM messages) || ':' || (SELECT count (*) FROM pending_ops)");
  g_assert_cmpstr (left, ==, "0:0;");
  courriel_store_close (store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/imap-account-sync/flags-both-ways", Fixture, NULL, fixture_set_up, test_flags_both_ways,
              fixture_tear_down);
  g_test_add ("/imap-account-sync/move-and-delete", Fixture, NULL, fixture_set_up, test_move_and_delete,
              fixture_tear_down);
  g_test_add ("/imap-account-sync/offline-queue", Fixture, NULL, fixture_set_up, test_offline_queue,
              fixture_tear_down);
  g_test_add ("/imap-account-sync/uidvalidity-change", Fixture, NULL, fixture_set_up, test_uidvalidity_change,
              fixture_tear_down);
  g_test_add ("/imap-account-sync/idle-push", Fixture, NULL, fixture_set_up, test_idle_push, fixture_tear_down);
  g_test_add ("/imap-account-sync/idle-listener", Fixture, NULL, fixture_set_up, test_idle_listener,
              fixture_tear_down);
  g_test_add ("/imap-account-sync/bodies", Fixture, NULL, fixture_set_up, test_bodies, fixture_tear_down);
  g_test_add ("/imap-account-sync/sent-copy", Fixture, NULL, fixture_set_up, test_sent_copy, fixture_tear_down);
  g_test_add ("/imap-account-sync/drafts", Fixture, NULL, fixture_set_up, test_drafts, fixture_tear_down);
  g_test_add_func ("/imap-account-sync/gmail-files-sent-mail", test_gmail_files_sent_mail);
  return g_test_run ();
}
