/* test-imap-folder-sync.c — folders and their roles, from the server into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-imap-folder-sync.h"
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

  courriel_imap_folder_sync_async (client, store, 1, NULL, got_result, &result);
  g_assert_true (courriel_imap_folder_sync_finish (wait_for (&result), &error));
  g_assert_no_error (error);
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
  g_autoptr (GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\nx\r\n", 17);

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
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-folder-sync/roles-by-name", test_roles_by_name);
  g_test_add_func ("/imap-folder-sync/from-dovecot", test_sync_from_dovecot);
  return g_test_run ();
}
