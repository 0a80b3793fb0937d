/* test-test-message.c — CourrielTestMessage against the bench: an account's message to itself
 * through Postfix, followed until Dovecot's Inbox brings it, or until it is late
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The accounts are saved with their passwords in the test session's keyring and pin the bench's
 * certificate; the sync service that sends and syncs them is the one the app uses.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-certificate.h"
#include "courriel-draft.h"
#include "courriel-outbox.h"
#include "courriel-sync-service.h"
#include "courriel-test-bench.h"
#include "courriel-test-message.h"
#include "courriel-test-util.h"

static CourrielTestBench *bench;
static char *fingerprint;

typedef struct
{
  CourrielStore       *store;
  CourrielSyncService *service;
  GArray              *states; /* CourrielTestMessageState, as notified */
} Fixture;

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
  f->states = g_array_new (FALSE, FALSE, sizeof (CourrielTestMessageState));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->service);
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  g_array_unref (f->states);
}

/* An account for @address that logs in to the bench's IMAP and submission servers as @login. */
static gint64
add_account (Fixture *f, const char *address, const char *login)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  const char *password = courriel_test_bench_get_password (bench, login);
  gint64 id;

  account->incoming = (CourrielServer){ g_strdup ("127.0.0.1"),
                                        courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS, g_strdup (login), NULL, g_strdup (fingerprint) };
  account->outgoing = (CourrielServer){ g_strdup ("127.0.0.1"),
                                        courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSIONS),
                                        COURRIEL_SECURITY_TLS, g_strdup (login), NULL, g_strdup (fingerprint) };
  courriel_account_save_async (f->store, account, password, password, NULL, courriel_test_got_result, &result);
  id = courriel_account_save_finish (courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  return id;
}

static void
on_state (CourrielTestMessage *message, GParamSpec *pspec, Fixture *f)
{
  CourrielTestMessageState state = courriel_test_message_get_state (message);

  g_array_append_val (f->states, state);
}

static CourrielTestMessage *
new_message (Fixture *f, gint64 account_id, const char *address, guint timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("Élodie Martin", address);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GBytes) raw = NULL;
  CourrielTestMessage *message;

  g_ptr_array_add (draft->to, g_strdup (address));
  draft->subject = g_strdup ("Un essai");
  draft->text = g_strdup ("Ceci est un message d’essai.");
  raw = courriel_draft_build (draft, now, &error);
  g_assert_no_error (error);
  message = courriel_test_message_new (f->service, account_id, address, raw, timeout, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (courriel_test_message_get_message_id (message), "<"));
  g_signal_connect (message, "notify::state", G_CALLBACK (on_state), f);
  return message;
}

/* Runs the main loop until @message is in @state or another final one, for at most @seconds. */
static void
wait_until (CourrielTestMessage *message, CourrielTestMessageState state, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (courriel_test_message_get_state (message) != state
         && courriel_test_message_get_state (message) != COURRIEL_TEST_MESSAGE_ARRIVED
         && courriel_test_message_get_state (message) != COURRIEL_TEST_MESSAGE_FAILED
         && g_get_monotonic_time () < deadline)
    {
      g_usleep (5000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  if (courriel_test_message_get_error (message) != NULL)
    g_test_message ("failed: %s", courriel_test_message_get_error (message)->message);
  g_assert_cmpint (courriel_test_message_get_state (message), ==, state);
}

static gpointer
read_count (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *count = g_new0 (gint64, 1);

  g_assert_cmpint (sqlite3_prepare_v2 (db, data, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  *count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

/* How many messages with this Message-ID the account's Inbox has in the store. */
static gint64
in_inbox (Fixture *f, gint64 account_id, const char *message_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *sql = sqlite3_mprintf ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = %lld AND f.role = 'inbox' AND m.message_id = %Q",
                               (long long)account_id, message_id);
  g_autofree gint64 *count = NULL;

  courriel_store_read_async (f->store, read_count, sql, sqlite3_free, g_free, NULL, courriel_test_got_result, &result);
  count = courriel_store_read_finish (f->store, courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  return *count;
}

static guint
outbox_length (Fixture *f, gint64 account_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) items = NULL;

  courriel_outbox_list_async (f->store, account_id, NULL, courriel_test_got_result, &result);
  items = courriel_outbox_list_finish (f->store, courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  return items->len;
}

/* Sent through Postfix, delivered by Dovecot, brought by the sync: SENDING, WAITING, ARRIVED. */
static void
test_arrives (Fixture *f, gconstpointer data)
{
  const char *address = "alice@example.test";
  gint64 id = add_account (f, address, address);
  g_autoptr (CourrielTestMessage) message = new_message (f, id, address, 60);
  gint64 started = g_get_monotonic_time ();

  courriel_test_message_send (message);
  g_assert_cmpint (courriel_test_message_get_state (message), ==, COURRIEL_TEST_MESSAGE_SENDING);
  wait_until (message, COURRIEL_TEST_MESSAGE_ARRIVED, 60);
  g_test_message ("arrived %" G_GINT64_FORMAT " ms after it was queued", (g_get_monotonic_time () - started) / 1000);
  g_assert_cmpuint (f->states->len, >=, 2);
  g_assert_cmpint (g_array_index (f->states, CourrielTestMessageState, 0), ==, COURRIEL_TEST_MESSAGE_SENDING);
  g_assert_cmpint (g_array_index (f->states, CourrielTestMessageState, f->states->len - 1), ==,
                   COURRIEL_TEST_MESSAGE_ARRIVED);
  g_assert_cmpint (in_inbox (f, id, courriel_test_message_get_message_id (message)), ==, 1);
  g_assert_cmpuint (outbox_length (f, id), ==, 0);
  g_assert_null (courriel_test_message_get_error (message));
}

/* Sent, but to a mailbox this account does not read (its address is not its login's): the
 * server took it, it never comes, and after the deadline it is LATE, with no error. Cancelled
 * then, it changes no more. */
static void
test_late (Fixture *f, gconstpointer data)
{
  const char *address = "nobody-reads-this@example.test";
  gint64 id = add_account (f, address, "bob@example.test");
  g_autoptr (CourrielTestMessage) message = new_message (f, id, address, 3);
  gint64 until;
  guint notified;

  courriel_test_message_send (message);
  wait_until (message, COURRIEL_TEST_MESSAGE_LATE, 60);
  g_assert_cmpint (g_array_index (f->states, CourrielTestMessageState, 1), ==, COURRIEL_TEST_MESSAGE_WAITING);
  g_assert_null (courriel_test_message_get_error (message));
  g_assert_cmpuint (outbox_length (f, id), ==, 0); /* it did leave */
  g_assert_cmpint (in_inbox (f, id, courriel_test_message_get_message_id (message)), ==, 0);

  courriel_test_message_cancel (message);
  notified = f->states->len;
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->states->len, ==, notified);
}

/* Not a message: no Message-ID to recognise it by. */
static void
test_no_message_id (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = g_bytes_new_static ("Subject: hello\r\n\r\nhi\r\n", 22);
  g_autoptr (CourrielTestMessage) message = courriel_test_message_new (f->service, 1, "a@example.test", raw, 10,
                                                                       &error);

  g_assert_null (message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
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

  g_test_add ("/test-message/arrives", Fixture, NULL, fixture_set_up, test_arrives, fixture_tear_down);
  g_test_add ("/test-message/late", Fixture, NULL, fixture_set_up, test_late, fixture_tear_down);
  g_test_add ("/test-message/no-message-id", Fixture, NULL, fixture_set_up, test_no_message_id, fixture_tear_down);
  status = g_test_run ();
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  g_free (fingerprint);
  return status;
}
