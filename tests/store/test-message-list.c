/* test-message-list.c — the message list over a real store file: newest first, rows read a page
 * at a time, store changes as the smallest items-changed, the unified Inbox, search as you
 * type, and conversations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-message-list.h"
#include "courriel-message-summary-private.h"
#include "courriel-search-query.h"

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

static gboolean
write_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static void
run_write (CourrielStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_write_async (store, write_sql, g_strdup (sql), g_free, NULL, got_result, &result);
  courriel_store_write_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
}

/* Two accounts, each with an Inbox (folders 1 and 3) and an Archive (2 and 4). */
static CourrielStore *
open_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("list-%u.db", g_random_int ());
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "courriel", name, NULL);
  CourrielStore *store = courriel_store_open (path, &error);

  g_assert_no_error (error);
  run_write (store,
             "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
             "incoming_username, created) VALUES "
             "(1, 'alice@example.test', 'imap', 'h', 993, 'tls', 'alice', 0),"
             "(2, 'bob@example.test', 'pop3', 'h', 995, 'tls', 'bob', 0);"
             "INSERT INTO folders (id, account_id, name, raw_name, role) VALUES "
             "(1, 1, 'INBOX', 'INBOX', 'inbox'), (2, 1, 'Archive', 'Archive', 'archive'),"
             "(3, 2, 'Inbox', 'Inbox', 'inbox'), (4, 2, 'Archive', 'Archive', NULL);");
  return store;
}

/* Inserts message @id (its text searchable too). */
static char *
message_sql (gint64 id, gint64 folder, gint64 date, const char *subject, const char *sender, guint flags)
{
  return g_strdup_printf ("INSERT INTO messages (id, folder_id, uid, flags, date, subject, sender, preview, "
                          "has_attachments, message_id) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                          ", %" G_GINT64_FORMAT ", %u, %" G_GINT64_FORMAT ", '%s', '%s', 'Preview of %s', %d, "
                          "'<%" G_GINT64_FORMAT "@example.test>');"
                          "INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (%" G_GINT64_FORMAT
                          ", '%s', '%s', 'body of %s');",
                          id, folder, id, flags, date, subject, sender, subject, (int)(id % 2), id, id, subject,
                          sender, subject);
}

static void
insert (CourrielStore *store, gint64 id, gint64 folder, gint64 date, const char *subject)
{
  g_autofree char *sql = message_sql (id, folder, date, subject, "Élodie Martin <elodie@example.test>", 0);
  run_write (store, sql);
}

static void
wait_loaded_list (CourrielMessageList *list)
{
  while (courriel_message_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (courriel_message_list_get_error (list));
}

static CourrielMessageSummary *
item (CourrielMessageList *list, guint position)
{
  return g_list_model_get_item (G_LIST_MODEL (list), position);
}

static void
wait_loaded (CourrielMessageSummary *summary)
{
  while (!courriel_message_summary_get_loaded (summary))
    g_main_context_iteration (NULL, TRUE);
}

/* The list's ids, "3,1,2". */
static char *
ids_of (CourrielMessageList *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr (CourrielMessageSummary) summary = item (list, i);
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", courriel_message_summary_get_id (summary));
    }
  return g_string_free (out, FALSE);
}

static void
test_order_and_rows (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autoptr (CourrielMessageSummary) first = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *sql = message_sql (5, 1, 5000, "Réunion lundi", "Élodie Martin <elodie@example.test>", 1 | 4);

  insert (store, 1, 1, 1000, "Oldest");
  insert (store, 2, 1, 3000, "Middle");
  insert (store, 3, 1, 2000, "Second oldest");
  insert (store, 4, 2, 9000, "In the archive");
  insert (store, 6, 1, 3000, "Same date as 2, larger id");
  run_write (store, sql);

  list = courriel_message_list_new (store, 1);
  g_assert_true (courriel_message_list_get_loading (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  wait_loaded_list (list);
  ids = ids_of (list);
  g_assert_cmpstr (ids, ==, "5,6,2,3,1");

  first = item (list, 0);
  wait_loaded (first);
  g_assert_cmpint (courriel_message_summary_get_id (first), ==, 5);
  g_assert_cmpint (courriel_message_summary_get_folder_id (first), ==, 1);
  g_assert_cmpint (courriel_message_summary_get_account_id (first), ==, 1);
  g_assert_cmpstr (courriel_message_summary_get_subject (first), ==, "Réunion lundi");
  g_assert_cmpstr (courriel_message_summary_get_sender_name (first), ==, "Élodie Martin");
  g_assert_cmpstr (courriel_message_summary_get_sender_address (first), ==, "elodie@example.test");
  g_assert_cmpstr (courriel_message_summary_get_preview (first), ==, "Preview of Réunion lundi");
  g_assert_cmpint (courriel_message_summary_get_date (first), ==, 5000);
  g_assert_false (courriel_message_summary_get_unread (first));
  g_assert_true (courriel_message_summary_get_starred (first));
  g_assert_true (courriel_message_summary_get_has_attachments (first));
  g_assert_cmpuint (courriel_message_summary_get_thread_size (first), ==, 1);
  {
    gint64 id = 0;
    g_object_get (first, "id", &id, NULL);
    g_assert_cmpint (id, ==, 5);
  }
  /* The same message is the same object while someone holds it. */
  {
    g_autoptr (CourrielMessageSummary) again = item (list, 0);
    g_assert_true (again == first);
  }
  /* The rest of the page came with it. */
  {
    g_autoptr (CourrielMessageSummary) last = item (list, 4);
    g_assert_true (courriel_message_summary_get_loaded (last));
    g_assert_true (courriel_message_summary_get_unread (last));
    g_assert_false (courriel_message_summary_get_starred (last));
  }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 5));
}

/* Damaged text in the store (bytes that are not UTF-8, control characters) reaches the list
 * as one line of valid UTF-8. */
static gboolean
write_damaged (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT INTO messages (id, folder_id, uid, date, subject, sender, preview) "
                                   "VALUES (1, 1, 1, 1, ?1, ?2, ?3)",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, "Caf\xe9 \xff\xfe ok", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, "Jos\xe9 <jose@example.test>", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, "line one\r\nline two\ttab\x01", -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
test_damaged_text (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autoptr (CourrielMessageSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_write_async (store, write_damaged, NULL, NULL, NULL, got_result, &result);
  courriel_store_write_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  list = courriel_message_list_new (store, 1);
  wait_loaded_list (list);
  summary = item (list, 0);
  wait_loaded (summary);
  g_assert_true (g_utf8_validate (courriel_message_summary_get_subject (summary), -1, NULL));
  g_assert_true (g_str_has_prefix (courriel_message_summary_get_subject (summary), "Caf"));
  g_assert_true (g_str_has_suffix (courriel_message_summary_get_subject (summary), " ok"));
  g_assert_true (g_utf8_validate (courriel_message_summary_get_sender_name (summary), -1, NULL));
  g_assert_cmpstr (courriel_message_summary_get_sender_address (summary), ==, "jose@example.test");
  g_assert_cmpstr (courriel_message_summary_get_preview (summary), ==, "line one  line two tab ");
}

static void
test_split_sender (void)
{
  struct
  {
    const char *sender, *name, *address;
  } cases[] = {
    { "Élodie Martin <elodie@example.test>", "Élodie Martin", "elodie@example.test" },
    { "bob@example.test", "", "bob@example.test" },
    { "a@example.test, b@example.test", "", "a@example.test" },
    { "<c@example.test>", "", "c@example.test" },
    { "Broken <d@example.test", "", "Broken <d@example.test" },
    { NULL, "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *address = NULL;
      courriel_message_summary_split_sender (cases[i].sender, &name, &address);
      g_assert_cmpstr (name, ==, cases[i].name);
      g_assert_cmpstr (address, ==, cases[i].address);
    }
}

/* 100,000 rows in one transaction. */
static gboolean
fill_many (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT INTO messages (id, folder_id, uid, date, subject, sender) "
                                   "VALUES (?1, 1, ?1, ?1, 'Message ' || ?1, 'sender' || ?1 || '@example.test')",
                               -1, &stmt, NULL);

  for (gint64 id = 1; rc == SQLITE_OK && id <= GPOINTER_TO_INT (data); id++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
fill (CourrielStore *store, int count)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_write_async (store, fill_many, GINT_TO_POINTER (count), NULL, NULL, got_result, &result);
  courriel_store_write_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
}

typedef struct
{
  guint position, removed, added;
} Change;

static void
record_change (GListModel *model, guint position, guint removed, guint added, GArray *changes)
{
  Change change = { position, removed, added };

  /* The model already says what the signal says. */
  g_assert_cmpuint (position + added, <=, g_list_model_get_n_items (model));
  g_array_append_val (changes, change);
}

static void
test_paging (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autoptr (CourrielMessageSummary) oldest = NULL;
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));

  fill (store, 100000);
  list = courriel_message_list_new (store, 1);
  g_signal_connect (list, "items-changed", G_CALLBACK (record_change), changes);

  /* The newest rows come first, loaded, before the whole list is known. */
  while (g_list_model_get_n_items (G_LIST_MODEL (list)) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 200);
  g_assert_true (courriel_message_list_get_loading (list));
  {
    g_autoptr (CourrielMessageSummary) newest = item (list, 0);
    g_autoptr (CourrielMessageSummary) last_of_head = item (list, 199);

    g_assert_true (courriel_message_summary_get_loaded (newest));
    g_assert_cmpstr (courriel_message_summary_get_subject (newest), ==, "Message 100000");
    g_assert_true (courriel_message_summary_get_loaded (last_of_head));
    g_assert_cmpstr (courriel_message_summary_get_subject (last_of_head), ==, "Message 99801");
  }
  /* Then the rest, added after them: a row shown stays where it is. */
  wait_loaded_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100000);
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_cmpuint (g_array_index (changes, Change, 1).position, ==, 200);
  g_assert_cmpuint (g_array_index (changes, Change, 1).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 1).added, ==, 99800);

  /* Asking for the last row answers at once, unread, and its page arrives later. */
  oldest = item (list, 99999);
  g_assert_cmpint (courriel_message_summary_get_id (oldest), ==, 1);
  g_assert_false (courriel_message_summary_get_loaded (oldest));
  g_assert_cmpstr (courriel_message_summary_get_subject (oldest), ==, "");
  wait_loaded (oldest);
  g_assert_cmpstr (courriel_message_summary_get_subject (oldest), ==, "Message 1");
  g_assert_cmpstr (courriel_message_summary_get_sender_address (oldest), ==, "sender1@example.test");

  /* Its page came along; a page far away did not. */
  {
    g_autoptr (CourrielMessageSummary) same_page = item (list, 99900);
    g_autoptr (CourrielMessageSummary) other_page = item (list, 99899);
    g_autoptr (CourrielMessageSummary) middle = item (list, 50000);

    g_assert_true (courriel_message_summary_get_loaded (same_page));
    g_assert_cmpstr (courriel_message_summary_get_subject (same_page), ==, "Message 100");
    g_assert_false (courriel_message_summary_get_loaded (other_page));
    g_assert_false (courriel_message_summary_get_loaded (middle));
    g_assert_cmpint (courriel_message_summary_get_id (middle), ==, 50000);
    wait_loaded (middle);
    wait_loaded (other_page);
    g_assert_cmpstr (courriel_message_summary_get_subject (other_page), ==, "Message 101");
  }

  /* Many rows asked for at once: each page read once, all filled. */
  {
    g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 50000; i < 50500; i++)
      g_ptr_array_add (held, item (list, i));
    for (guint i = 0; i < held->len; i++)
      {
        CourrielMessageSummary *summary = held->pdata[i];
        g_autofree char *expected = g_strdup_printf ("Message %u", 100000 - 50000 - i);

        wait_loaded (summary);
        g_assert_cmpstr (courriel_message_summary_get_subject (summary), ==, expected);
      }
  }
}

static void
wait_changes (GArray *changes, guint count)
{
  while (changes->len < count)
    g_main_context_iteration (NULL, TRUE);
  /* Nothing more comes after. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (20000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
count (guint *counter)
{
  (*counter)++;
}

static void
test_changes (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr (CourrielMessageSummary) held = NULL;
  g_autoptr (GString) sql = g_string_new (NULL);
  guint notified = 0;

  fill (store, 1000);
  list = courriel_message_list_new (store, 1);
  wait_loaded_list (list);
  held = item (list, 10);
  wait_loaded (held);
  g_assert_cmpint (courriel_message_summary_get_id (held), ==, 990);
  g_signal_connect (list, "items-changed", G_CALLBACK (record_change), changes);

  /* A sync brings 500 newer messages: one insertion at the top. */
  for (gint64 id = 1001; id <= 1500; id++)
    g_string_append_printf (sql, "INSERT INTO messages (id, folder_id, uid, date, subject) VALUES (%" G_GINT64_FORMAT
                                 ", 1, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'New');",
                            id, id, id);
  run_write (store, sql->str);
  wait_changes (changes, 1);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 500);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1500);
  {
    g_autoptr (CourrielMessageSummary) same = item (list, 510);
    g_assert_true (same == held);
  }

  /* Two messages deleted, one moved elsewhere, one older added in the middle: four changes. */
  g_array_set_size (changes, 0);
  run_write (store, "DELETE FROM messages WHERE id IN (1497, 1496);"
                    "UPDATE messages SET folder_id = 2 WHERE id = 5;"
                    "INSERT INTO messages (id, folder_id, uid, date) VALUES (2000, 1, 2000, 500);");
  wait_changes (changes, 3);
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 3);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 2);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 1).position, ==, 998);  /* id 500, new */
  g_assert_cmpuint (g_array_index (changes, Change, 1).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 1).added, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 2).position, ==, 1494); /* id 5 */
  g_assert_cmpuint (g_array_index (changes, Change, 2).removed, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 2).added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1498);

  /* Flags changed elsewhere reach a row already shown, with no items-changed. */
  g_array_set_size (changes, 0);
  g_assert_true (courriel_message_summary_get_unread (held));
  g_signal_connect_swapped (held, "notify::unread", G_CALLBACK (count), &notified);
  run_write (store, "UPDATE messages SET flags = 5 WHERE id = 990");
  while (courriel_message_summary_get_unread (held))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (courriel_message_summary_get_starred (held));
  g_assert_cmpuint (changes->len, ==, 0);
}

static void
test_unified_inbox (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *after = NULL;

  insert (store, 1, 1, 100, "Alice inbox old");
  insert (store, 2, 3, 200, "Bob inbox");
  insert (store, 3, 2, 300, "Alice archive");
  insert (store, 4, 1, 400, "Alice inbox new");
  insert (store, 5, 4, 500, "Bob archive");
  list = courriel_message_list_new_unified_inbox (store);
  wait_loaded_list (list);
  ids = ids_of (list);
  g_assert_cmpstr (ids, ==, "4,2,1");
  {
    g_autoptr (CourrielMessageSummary) bob = item (list, 1);
    wait_loaded (bob);
    g_assert_cmpint (courriel_message_summary_get_account_id (bob), ==, 2);
  }

  /* A folder that becomes an Inbox joins. */
  run_write (store, "UPDATE folders SET role = 'inbox' WHERE id = 4");
  while (g_list_model_get_n_items (G_LIST_MODEL (list)) != 4)
    g_main_context_iteration (NULL, TRUE);
  after = ids_of (list);
  g_assert_cmpstr (after, ==, "5,4,2,1");
}

static void
test_search (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autofree char *all = NULL;

  insert (store, 1, 1, 100, "Facture avril");
  insert (store, 2, 1, 200, "Réunion lundi");
  insert (store, 3, 1, 300, "Facture mai");
  insert (store, 4, 2, 400, "Facture juin");  /* another folder */
  insert (store, 5, 1, 500, "Vacances");
  list = courriel_message_list_new (store, 1);
  wait_loaded_list (list);

  courriel_message_list_set_search (list, "factu");
  g_assert_true (courriel_message_list_get_loading (list));
  wait_loaded_list (list);
  {
    g_autofree char *ids = ids_of (list);
    g_assert_cmpstr (ids, ==, "3,1");
  }

  /* Typing on: each query replaces the one before, whatever finishes first. */
  courriel_message_list_set_search (list, "r");
  courriel_message_list_set_search (list, "re");
  courriel_message_list_set_search (list, "reunion");
  wait_loaded_list (list);
  {
    g_autofree char *ids = ids_of (list);
    g_assert_cmpstr (ids, ==, "2");
  }
  courriel_message_list_set_search (list, "nothing matches this");
  wait_loaded_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  /* Syntax FTS5 would choke on is only text. */
  courriel_message_list_set_search (list, "\"unbalanced OR NEAR(");
  wait_loaded_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  courriel_message_list_set_search (list, "  ");
  g_assert_null (courriel_message_list_get_search (list));
  wait_loaded_list (list);
  all = ids_of (list);
  g_assert_cmpstr (all, ==, "5,3,2,1");
}

static void
test_threaded (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;
  g_autofree char *flat = NULL;

  run_write (store,
             "INSERT INTO messages (id, folder_id, date, subject, message_id, in_reply_to, refs) VALUES "
             "(1, 1, 100, 'Plan', '<p1@x>', NULL, NULL),"
             "(2, 1, 200, 'Other', '<o1@x>', NULL, NULL),"
             "(3, 1, 300, 'Re: Plan', '<p2@x>', '<p1@x>', '<p1@x>'),"
             "(4, 1, 400, 'Re: Re: Plan', '<p3@x>', '<p2@x>', '<p1@x> <p2@x>'),"
             "(5, 1, 50, 'Re: Trip', '<t2@x>', '<t1@x>', '<t1@x>'),"
             "(6, 1, 60, 'Re: Trip', '<t3@x>', '<t1@x>', '<t1@x>'),"
             "(7, 2, 999, 'Re: Plan', '<p4@x>', '<p3@x>', '<p1@x> <p2@x> <p3@x>');"
             "INSERT INTO messages_fts (rowid, subject, addresses, body) SELECT id, subject, '', '' FROM messages;");
  list = courriel_message_list_new (store, 1);
  wait_loaded_list (list);
  flat = ids_of (list);
  g_assert_cmpstr (flat, ==, "4,3,2,1,6,5");

  courriel_message_list_set_threaded (list, TRUE);
  wait_loaded_list (list);
  {
    g_autofree char *ids = ids_of (list);
    g_autoptr (CourrielMessageSummary) plan = item (list, 0);
    g_autoptr (CourrielMessageSummary) other = item (list, 1);
    g_autoptr (CourrielMessageSummary) trip = item (list, 2);

    /* One row per conversation, its newest message; the other folder's reply is not counted. */
    g_assert_cmpstr (ids, ==, "4,2,6");
    g_assert_cmpuint (courriel_message_summary_get_thread_size (plan), ==, 3);
    g_assert_cmpuint (courriel_message_summary_get_thread_size (other), ==, 1);
    g_assert_cmpuint (courriel_message_summary_get_thread_size (trip), ==, 2);

    /* A new reply moves its conversation's row and counts it. */
    run_write (store, "INSERT INTO messages (id, folder_id, date, subject, message_id, in_reply_to, refs) VALUES "
                      "(8, 1, 500, 'Re: Trip', '<t4@x>', '<t3@x>', '<t1@x> <t3@x>')");
    while (courriel_message_list_get_id (list, 0) != 8)
      g_main_context_iteration (NULL, TRUE);
    {
      g_autofree char *moved = ids_of (list);
      g_autoptr (CourrielMessageSummary) top = item (list, 0);

      g_assert_cmpstr (moved, ==, "8,4,2");
      g_assert_cmpuint (courriel_message_summary_get_thread_size (top), ==, 3);
    }
  }

  /* Searching a threaded list groups the results. */
  courriel_message_list_set_search (list, "subject:plan");
  wait_loaded_list (list);
  {
    g_autofree char *ids = ids_of (list);
    g_autoptr (CourrielMessageSummary) plan = item (list, 0);

    g_assert_cmpstr (ids, ==, "4");
    g_assert_cmpuint (courriel_message_summary_get_thread_size (plan), ==, 3);
  }
  courriel_message_list_set_threaded (list, FALSE);
  courriel_message_list_set_search (list, NULL);
  wait_loaded_list (list);
  {
    g_autofree char *ids = ids_of (list);
    g_assert_cmpstr (ids, ==, "8,4,3,2,1,6,5");
  }
}

static void
test_bad_store (void)
{
  g_autoptr (CourrielStore) store = open_store ();
  g_autoptr (CourrielMessageList) list = NULL;

  /* A folder that does not exist is an empty list, not an error. */
  list = courriel_message_list_new (store, 42);
  wait_loaded_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_clear_object (&list);

  /* A closed store is an error the window can show. */
  courriel_store_close (store);
  list = courriel_message_list_new (store, 1);
  while (courriel_message_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (courriel_message_list_get_error (list), COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_CLOSED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/message-list/order-and-rows", test_order_and_rows);
  g_test_add_func ("/message-list/split-sender", test_split_sender);
  g_test_add_func ("/message-list/damaged-text", test_damaged_text);
  g_test_add_func ("/message-list/paging", test_paging);
  g_test_add_func ("/message-list/changes", test_changes);
  g_test_add_func ("/message-list/unified-inbox", test_unified_inbox);
  g_test_add_func ("/message-list/search", test_search);
  g_test_add_func ("/message-list/threaded", test_threaded);
  g_test_add_func ("/message-list/bad-store", test_bad_store);
  return g_test_run ();
}
