/* test-imap-folder-sync.c — folders and their roles, from the server into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-imap-folder-sync.h"
#include "courriel-imap-message-sync.h"
#include "courriel-test-bench.h"

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
test_roles_by_name (void)
{
  struct
  {
    const char                   *name;
    CourrielImapMailboxAttributes attributes;
    const char                   *role;
  } cases[] = {
    { "INBOX", 0, "inbox" },
    { "inbox", 0, "inbox" },
    { "Anything", COURRIEL_IMAP_MAILBOX_SENT, "sent" },
    { "[Gmail]/Tous les messages", COURRIEL_IMAP_MAILBOX_ALL, "all" },
    { "Sent Items", 0, "sent" },
    { "INBOX.Sent", 0, "sent" },
    { "Éléments envoyés", 0, "sent" },
    { "Brouillons", 0, "drafts" },
    { "Corbeille", 0, "trash" },
    { "Deleted Items", 0, "trash" },
    { "Courrier indésirable", 0, "junk" },
    { "SPAM", 0, "junk" },
    { "Archives", 0, "archive" },
    { "Projets/Sent ideas", 0, NULL },
    { "Factures", 0, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (courriel_imap_folder_role (cases[i].name, cases[i].attributes), ==, cases[i].role);
}

static gpointer
read_folders (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db, "SELECT name, coalesce (role, '-'), total FROM folders ORDER BY name", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s=%s/%d;", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                            sqlite3_column_int (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static char *
folders (CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *text;

  courriel_store_read_async (store, read_folders, NULL, NULL, g_free, NULL, got_result, &result);
  text = courriel_store_read_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return text;
}

static gboolean
add_account (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (
    db,
    sqlite3_exec (db,
                  "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                  "incoming_security, incoming_username, created) VALUES (1, 'carol@example.test', 'imap', "
                  "'127.0.0.1', 993, 'tls', 'carol@example.test', 0)",
                  NULL, NULL, NULL),
    error);
}

static void
sync_folders (CourrielImapClient *client, CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) listing = NULL;

  courriel_imap_folder_sync_async (client, store, 1, NULL, got_result, &result);
  listing = courriel_imap_folder_sync_finish (wait_for (&result), &error);
  g_assert_nonnull (listing);
  g_assert_no_error (error);
}

static gpointer
read_messages (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db, "SELECT uid, flags & 1, subject, sender FROM messages ORDER BY uid", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%d:%d:%s:%s;", sqlite3_column_int (stmt, 0), sqlite3_column_int (stmt, 1),
                            sqlite3_column_text (stmt, 2), sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static char *
messages (CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *text;

  courriel_store_read_async (store, read_messages, NULL, NULL, g_free, NULL, got_result, &result);
  text = courriel_store_read_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return text;
}

static gpointer
read_count (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *value = g_new0 (gint64, 1);

  sqlite3_prepare_v2 (db, data, -1, &stmt, NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gint64
count (CourrielStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree gint64 *value = NULL;

  courriel_store_read_async (store, read_count, (gpointer)sql, NULL, g_free, NULL, got_result, &result);
  value = courriel_store_read_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return *value;
}

static gint64
sync_messages (CourrielImapClient *client, CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  gint64 inbox = count (store, "SELECT id FROM folders WHERE role = 'inbox'");
  gint64 added;

  /* A batch of 1: the batches and their order are exercised too. */
  courriel_imap_message_sync_async (client, store, inbox, "INBOX", 1, NULL, NULL, NULL, got_result, &result);
  added = courriel_imap_message_sync_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return added;
}

static void
mailbox_op (CourrielImapClient *client, CourrielImapMailboxOperation op, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_imap_client_mailbox_async (client, op, name, NULL, got_result, &result);
  g_assert_true (courriel_imap_client_mailbox_finish (client, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
test_sync_from_dovecot (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = courriel_test_bench_new (&error);
  g_autofree char *path = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autofree char *listing = NULL;
  const char *raw = "From: =?utf-8?q?=C3=89lodie?= <elodie@example.org>\r\nTo: carol@example.test\r\n"
                    "Subject: =?utf-8?q?R=C3=A9union?= de lundi\r\nMessage-ID: <m@example.org>\r\n"
                    "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\n\r\nBonjour\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (raw, strlen (raw));

  g_assert_no_error (error);
  /* In the bench's folder, removed with it (isolated XDG folders would hide the proxy
   * settings schema GIO's socket client needs). */
  path = g_build_filename (courriel_test_bench_get_dir (bench), "data", "courriel.db", NULL);
  courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", message, NULL, 0, &error);
  courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", message, "S", 0, &error);
  g_assert_no_error (error);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_store_write_async (store, add_account, NULL, NULL, NULL, got_result, &result);
    g_assert_true (courriel_store_write_finish (store, wait_for (&result), &error));
  }

  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);
  connection = courriel_connection_new ("127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS);
  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  client = courriel_imap_client_new (connection);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_connect_async (client, NULL, got_result, &result);
    g_assert_true (courriel_imap_client_connect_finish (client, wait_for (&result), &error));
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_login_async (client, "carol@example.test",
                                      courriel_test_bench_get_password (bench, "carol@example.test"), NULL, got_result,
                                      &result);
    g_assert_true (courriel_imap_client_login_finish (client, wait_for (&result), &error));
  }

  mailbox_op (client, COURRIEL_IMAP_MAILBOX_CREATE, "Factures");
  sync_folders (client, store);
  listing = folders (store);
  g_assert_cmpstr (listing, ==,
                   "Archive=archive/0;Drafts=drafts/0;Factures=-/0;INBOX=inbox/2;Junk=junk/0;Sent=sent/0;Trash=trash/0;");

  /* A folder deleted on the server (by another device, say) leaves the store. */
  mailbox_op (client, COURRIEL_IMAP_MAILBOX_DELETE, "Factures");
  sync_folders (client, store);
  g_free (listing);
  listing = folders (store);
  g_assert_null (strstr (listing, "Factures"));
  g_assert_nonnull (strstr (listing, "INBOX=inbox/2;"));

  /* The INBOX's messages: headers into the store, decoded for display, searchable. */
  g_assert_cmpint (sync_messages (client, store), ==, 2);
  g_free (listing);
  listing = messages (store);
  g_assert_cmpstr (listing, ==, "1:0:Réunion de lundi:Élodie <elodie@example.org>;2:1:Réunion de lundi:Élodie <elodie@example.org>;");
  g_assert_cmpint (count (store, "SELECT count (*) FROM messages_fts WHERE messages_fts MATCH 'reunion'"), ==, 2);
  g_assert_cmpint (count (store, "SELECT unread FROM folders WHERE role = 'inbox'"), ==, 1);

  /* Elsewhere: message 1 read, message 2 deleted, a new one arrives. Nothing is fetched twice. */
  courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", message, NULL, 0, &error);
  g_assert_no_error (error);
  {
    g_autoptr (CourrielImapUidSet) one = courriel_imap_uid_set_parse ("1", NULL);
    g_autoptr (CourrielImapUidSet) two = courriel_imap_uid_set_parse ("2", NULL);
    g_autoptr (CourrielImapSelection) selection = NULL;
    const char *seen[] = { "\\Seen", NULL };
    const char *deleted[] = { "\\Deleted", NULL };
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    g_autoptr (GAsyncResult) r3 = NULL;
    g_autoptr (GAsyncResult) r4 = NULL;
    g_autoptr (CourrielImapUidSet) m1 = NULL;
    g_autoptr (CourrielImapUidSet) m2 = NULL;

    courriel_imap_client_select_async (client, "INBOX", FALSE, NULL, NULL, got_result, &r1);
    selection = courriel_imap_client_select_finish (client, wait_for (&r1), &error);
    g_assert_no_error (error);
    courriel_imap_client_uid_store_async (client, one, COURRIEL_IMAP_STORE_ADD, seen, 0, NULL, got_result, &r2);
    m1 = courriel_imap_client_uid_store_finish (client, wait_for (&r2), &error);
    courriel_imap_client_uid_store_async (client, two, COURRIEL_IMAP_STORE_ADD, deleted, 0, NULL, got_result, &r3);
    m2 = courriel_imap_client_uid_store_finish (client, wait_for (&r3), &error);
    courriel_imap_client_expunge_async (client, two, NULL, got_result, &r4);
    g_assert_true (courriel_imap_client_expunge_finish (client, wait_for (&r4), &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (sync_messages (client, store), ==, 1);
  g_free (listing);
  listing = messages (store);
  g_assert_cmpstr (listing, ==, "1:1:Réunion de lundi:Élodie <elodie@example.org>;3:0:Réunion de lundi:Élodie <elodie@example.org>;");
  g_assert_cmpint (count (store, "SELECT total FROM folders WHERE role = 'inbox'"), ==, 2);
  g_assert_cmpint (count (store, "SELECT count (*) FROM messages_fts"), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-folder-sync/roles-by-name", test_roles_by_name);
  g_test_add_func ("/imap-folder-sync/from-dovecot", test_sync_from_dovecot);
  return g_test_run ();
}
