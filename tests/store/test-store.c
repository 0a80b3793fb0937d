/* test-store.c — the SQLite store: schema and migrations, batched writes on one thread where a
 * failing write undoes only itself, reads off the main loop, and a database that survives
 * SIGKILL at any moment
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "courriel-store.h"

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

static char *
store_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "courriel", name, NULL);
}

static gboolean
write_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static gboolean
run_write (CourrielStore *store, const char *sql, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_write_async (store, write_sql, g_strdup (sql), g_free, NULL, got_result, &result);
  return courriel_store_write_finish (store, wait_for (&result), error);
}

static gpointer
read_int (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *value = g_new0 (gint64, 1);
  int rc = sqlite3_prepare_v2 (db, data, -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_free (value);
      return NULL;
    }
  return value;
}

static gint64
query (CourrielStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree gint64 *value = NULL;

  courriel_store_read_async (store, read_int, g_strdup (sql), g_free, g_free, NULL, got_result, &result);
  value = courriel_store_read_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return *value;
}

static const char *account_sql =
  "INSERT INTO accounts (address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
  "incoming_username, created) VALUES ('alice@example.test', 'imap', 'imap.example.test', 993, 'tls', "
  "'alice@example.test', 0);"
  "INSERT INTO folders (account_id, name, raw_name, role) VALUES (1, 'INBOX', 'INBOX', 'inbox');";

static void
test_schema (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = store_path ("schema.db");
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (query (store, "PRAGMA user_version"), ==, courriel_store_get_schema_version ());
  g_assert_cmpint (query (store, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), ==, 1);
  g_assert_cmpint (query (store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query (store, "SELECT count(*) FROM sqlite_master WHERE name IN ('accounts', 'folders', "
                                 "'messages', 'bodies', 'attachments', 'pending_ops', 'messages_fts')"),
                   ==, 7);

  /* Opening again does not migrate twice. */
  courriel_store_close (store);
  g_clear_object (&store);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query (store, "PRAGMA user_version"), ==, courriel_store_get_schema_version ());
}

/* A database left by every earlier version opens with its data intact and the newest schema. */
static void
test_migrations_from_every_version (void)
{
  for (int version = 1; version < courriel_store_get_schema_version (); version++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("v%d.db", version);
      g_autofree char *path = store_path (name);
      g_autoptr (CourrielStore) store = NULL;
      sqlite3 *db = NULL;

      g_assert_true (courriel_store_create_at_version (path, version, &error));
      g_assert_no_error (error);
      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, account_sql, NULL, NULL, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db,
                                     "INSERT INTO messages (folder_id, uid, subject) VALUES (1, 7, 'Réunion');"
                                     "INSERT INTO pending_ops (account_id, kind, payload, created) "
                                     "VALUES (1, 'flags', '()', 0)",
                                     NULL, NULL, NULL),
                       ==, SQLITE_OK);
      /* Version 5 and later have an Outbox: its messages keep their bytes (in a table of their
       * own from version 7). */
      if (version == 5 || version == 6)
        g_assert_cmpint (sqlite3_exec (db,
                                       "INSERT INTO outbox (account_id, sender, recipients, raw, created) "
                                       "VALUES (1, 'a@example.org', 'b@example.org', X'4869', 0)",
                                       NULL, NULL, NULL),
                         ==, SQLITE_OK);
      if (version >= 7)
        g_assert_cmpint (sqlite3_exec (db,
                                       "INSERT INTO outbox (account_id, sender, recipients, created) "
                                       "VALUES (1, 'a@example.org', 'b@example.org', 0);"
                                       "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (last_insert_rowid (), X'4869')",
                                       NULL, NULL, NULL),
                         ==, SQLITE_OK);
      sqlite3_close (db);

      store = courriel_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (query (store, "PRAGMA user_version"), ==, courriel_store_get_schema_version ());
      g_assert_cmpint (query (store, "SELECT count (*) FROM messages WHERE subject = 'Réunion' AND uid = 7"), ==, 1);
      g_assert_cmpint (query (store, "SELECT count (*) FROM pending_ops"), ==, 1);
      /* Added by version 2: on demand only, as before. */
      g_assert_cmpint (query (store, "SELECT offline_days FROM accounts"), ==, 0);
      g_assert_cmpint (query (store, "SELECT count (*) FROM outbox o JOIN outbox_bodies b ON b.outbox_id = o.id "
                                     "WHERE b.raw = X'4869'"),
                       ==, version >= 5 ? 1 : 0);
      /* Added by version 8: nothing was accepted and left unfiled before it. */
      g_assert_cmpint (query (store, "SELECT count (*) FROM outbox_accepted"), ==, 0);
      /* Added by version 9: no sender is trusted with remote content until the user says so. */
      g_assert_cmpint (query (store, "SELECT count (*) FROM remote_content_senders"), ==, 0);
    }
}

static void
test_foreign_keys_and_savepoints (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = store_path ("keys.db");
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) bad = NULL;
  g_autoptr (GAsyncResult) last = NULL;

  g_assert_no_error (error);
  g_assert_true (run_write (store, account_sql, &error));
  g_assert_no_error (error);

  /* Three writes in one batch: the one breaking a foreign key is undone, alone. */
  courriel_store_write_async (store, write_sql, (gpointer) "INSERT INTO messages (folder_id, uid, subject) VALUES (1, 1, 'a')",
                              NULL, NULL, got_result, &first);
  courriel_store_write_async (store, write_sql,
                              (gpointer) "INSERT INTO messages (folder_id, uid, subject) VALUES (1, 2, 'b');"
                                         "INSERT INTO messages (folder_id, uid, subject) VALUES (99, 3, 'orphan')",
                              NULL, NULL, got_result, &bad);
  courriel_store_write_async (store, write_sql, (gpointer) "INSERT INTO messages (folder_id, uid, subject) VALUES (1, 4, 'c')",
                              NULL, NULL, got_result, &last);
  g_assert_true (courriel_store_write_finish (store, wait_for (&first), &error));
  g_assert_no_error (error);
  g_assert_false (courriel_store_write_finish (store, wait_for (&bad), &error));
  g_assert_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_SQL);
  g_clear_error (&error);
  g_assert_true (courriel_store_write_finish (store, wait_for (&last), &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages"), ==, 2);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages WHERE uid = 2"), ==, 0);

  /* Deleting the account takes its folders and messages with it. */
  g_assert_true (run_write (store, "DELETE FROM accounts", &error));
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages"), ==, 0);
}

static void
count_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (courriel_store_write_finish (COURRIEL_STORE (user_data), result, &error));
  g_assert_no_error (error);
}

static void
test_batching (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = store_path ("batch.db");
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  guint64 before;

  g_assert_no_error (error);
  g_assert_true (run_write (store, account_sql, &error));
  before = courriel_store_get_transaction_count (store);
  for (guint i = 1; i <= 1000; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO messages (folder_id, uid, subject) VALUES (1, %u, 'm')", i);
      courriel_store_write_async (store, write_sql, g_steal_pointer (&sql), g_free, NULL, count_done, store);
    }
  /* Closing lets every queued write finish first. */
  courriel_store_close (store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("1000 writes in %" G_GUINT64_FORMAT " transactions",
                  courriel_store_get_transaction_count (store) - before);
  g_assert_cmpuint (courriel_store_get_transaction_count (store) - before, <, 100);

  g_clear_object (&store);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages"), ==, 1000);
  courriel_store_close (store);
  g_assert_false (run_write (store, "SELECT 1", &error));
  g_assert_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_CLOSED);
}

static void
record_tables (CourrielStore *store, guint tables, gpointer user_data)
{
  GArray *emissions = user_data;

  g_array_append_val (emissions, tables);
}

/* The window's lists follow the store: every committed write is announced, with what it touched,
 * in the main context, and a write that failed announces nothing. */
static void
test_changed_signal (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = store_path ("changed.db");
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (GArray) emissions = g_array_new (FALSE, FALSE, sizeof (guint));
  guint tables;

  g_assert_no_error (error);
  g_signal_connect (store, "changed", G_CALLBACK (record_tables), emissions);
  g_assert_true (run_write (store, account_sql, &error));
  while (emissions->len == 0)
    g_main_context_iteration (NULL, TRUE);
  tables = g_array_index (emissions, guint, 0);
  g_assert_true (tables & COURRIEL_STORE_TABLE_ACCOUNTS);
  g_assert_true (tables & COURRIEL_STORE_TABLE_FOLDERS);
  g_assert_false (tables & COURRIEL_STORE_TABLE_MESSAGES);

  /* Many commits in a row come as few emissions, the last one covering the messages. */
  g_array_set_size (emissions, 0);
  for (guint i = 1; i <= 200; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO messages (folder_id, uid, subject) VALUES (1, %u, 'm')", i);
      courriel_store_write_async (store, write_sql, g_steal_pointer (&sql), g_free, NULL, count_done, store);
    }
  g_assert_true (run_write (store, "UPDATE messages SET flags = 1 WHERE uid = 1", &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (emissions->len, >=, 1);
  g_assert_cmpuint (emissions->len, <, 200);
  g_assert_true (g_array_index (emissions, guint, emissions->len - 1) & COURRIEL_STORE_TABLE_MESSAGES);

  /* A failed write changed nothing, so nothing is announced. */
  g_array_set_size (emissions, 0);
  g_assert_false (run_write (store, "INSERT INTO messages (folder_id, uid, subject) VALUES (99, 1, 'orphan')", &error));
  g_clear_error (&error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (emissions->len, ==, 0);
}

static void
test_refuses_newer_and_foreign_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *newer = store_path ("newer.db");
  g_autofree char *foreign = store_path ("not-a-database.db");
  g_autofree char *contents = NULL;
  sqlite3 *db = NULL;
  g_autoptr (CourrielStore) store = NULL;
  const char *text = "These are someone's notes, not a database.\n";

  g_autofree char *folder = g_path_get_dirname (newer);

  g_mkdir_with_parents (folder, 0700);
  g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL);
  sqlite3_close (db);
  store = courriel_store_open (newer, &error);
  g_assert_null (store);
  g_assert_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_TOO_NEW);
  g_clear_error (&error);

  g_file_set_contents (foreign, text, -1, NULL);
  store = courriel_store_open (foreign, &error);
  g_assert_null (store);
  g_assert_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_CORRUPT);
  g_file_get_contents (foreign, &contents, NULL, NULL);
  g_assert_cmpstr (contents, ==, text);
}

static void
test_search_ignores_accents (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = store_path ("fts.db");
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (run_write (store, "INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES "
                                   "(1, 'Réunion de lundi', 'Élodie <elodie@example.org>', 'Ordre du jour : été')",
                            &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'reunion'"), ==, 1);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'elodie AND ete'"), ==, 1);
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'mardi'"), ==, 0);
}

/* A process killed in the middle of writing leaves a consistent database holding at least
 * every write it saw committed. */
static void
test_survives_sigkill (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "courriel-sigkill-XXXXXX", NULL);
  g_autofree char *db_path = NULL;
  g_autofree char *progress_path = NULL;
  g_autofree char *progress = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  GPid child;
  guint64 committed;

  g_assert_nonnull (g_mkdtemp (path));
  db_path = g_build_filename (path, "store.db", NULL);
  progress_path = g_build_filename (path, "progress", NULL);

  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      /* The writer: batches of 50 messages, reporting each commit it saw. */
      g_autoptr (CourrielStore) writer = courriel_store_open (db_path, NULL);

      run_write (writer, account_sql, NULL);
      for (guint batch = 0;; batch++)
        {
          g_autoptr (GString) sql = g_string_new (NULL);
          g_autofree char *count = NULL;

          for (guint i = 0; i < 50; i++)
            g_string_append_printf (sql, "INSERT INTO messages (folder_id, uid, subject, preview) VALUES (1, %u, "
                                         "'message', randomblob (2000));",
                                    batch * 50 + i + 1);
          if (!run_write (writer, sql->str, NULL))
            _exit (3);
          count = g_strdup_printf ("%u", (batch + 1) * 50);
          g_file_set_contents (progress_path, count, -1, NULL);
        }
    }

  g_usleep (1500 * 1000);
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);

  g_assert_true (g_file_get_contents (progress_path, &progress, NULL, NULL));
  committed = g_ascii_strtoull (progress, NULL, 10);
  g_assert_cmpuint (committed, >, 0);

  store = courriel_store_open (db_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query (store, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), ==, 1);
  g_test_message ("%" G_GUINT64_FORMAT " messages reported committed before SIGKILL, %" G_GINT64_FORMAT " found",
                  committed, query (store, "SELECT count(*) FROM messages"));
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages"), >=, (gint64)committed);
  /* Whole batches only: never half a transaction. */
  g_assert_cmpint (query (store, "SELECT count(*) FROM messages") % 50, ==, 0);
  /* And it goes on from there. */
  g_assert_true (run_write (store, "INSERT INTO messages (folder_id, uid) VALUES (1, 1000000)", &error));
  g_assert_no_error (error);
  courriel_store_close (store);

  g_unlink (progress_path);
  g_unlink (db_path);
  {
    g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* First, while this process has no other thread: the test forks the writer it kills. */
  g_test_add_func ("/store/survives-sigkill", test_survives_sigkill);
  g_test_add_func ("/store/schema", test_schema);
  g_test_add_func ("/store/migrations-from-every-version", test_migrations_from_every_version);
  g_test_add_func ("/store/foreign-keys-and-savepoints", test_foreign_keys_and_savepoints);
  g_test_add_func ("/store/batching", test_batching);
  g_test_add_func ("/store/changed-signal", test_changed_signal);
  g_test_add_func ("/store/refuses-newer-and-foreign-files", test_refuses_newer_and_foreign_files);
  g_test_add_func ("/store/search-ignores-accents", test_search_ignores_accents);

  return g_test_run ();
}
