/* test-folder-list.c — the sidebar's folder list over a real store file: special folders first
 * in a fixed order with their icons and names, others alphabetically with their subfolders,
 * a unified Inbox from two accounts on, and updates that keep the rows they do not change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-folder-list.h"
#include "courriel-outbox.h"

typedef struct
{
  guint position;
  guint removed;
  guint added;
  guint count;
} Changes;

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
write_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static void
run_write (CourrielStore *store, const char *sql)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_store_write_async (store, write_sql, g_strdup (sql), g_free, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store, result, &error));
  g_assert_no_error (error);
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Changes *changes)
{
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
  changes->count++;
}

/* Waits until the list has handled the store's last change signal. */
static void
settle (CourrielFolderList *list, Changes *changes, guint expected_count)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while ((changes->count < expected_count || !courriel_folder_list_get_loaded (list))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* and whatever else was already queued */
  for (guint i = 0; i < 50; i++)
    {
      g_usleep (2000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

/* Lets go of @list and waits until it is gone: a read it started (the store changed) holds it until
 * its result comes back to this thread, which must happen before the test ends. */
static void
drop_list (CourrielFolderList **list)
{
  gpointer alive = *list;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (G_OBJECT (alive), &alive);
  g_clear_object (list);
  while (alive != NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (alive);
}

static void
count_note (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static CourrielFolderItem *
item_at (CourrielFolderList *list, guint position)
{
  CourrielFolderItem *item = g_list_model_get_item (G_LIST_MODEL (list), position);

  g_assert_nonnull (item);
  g_object_unref (item); /* the list holds it */
  return item;
}

static char *
describe (CourrielFolderList *list)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      CourrielFolderItem *item = item_at (list, i);

      for (guint d = 0; d < courriel_folder_item_get_depth (item); d++)
        g_string_append (text, "  ");
      g_string_append_printf (text, "%s%s", courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_ACCOUNT ? "# " : "",
                              courriel_folder_item_get_name (item));
      if (courriel_folder_item_get_unread (item) > 0)
        g_string_append_printf (text, " (%" G_GINT64_FORMAT ")", courriel_folder_item_get_unread (item));
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

static const char *account_sql =
  "INSERT INTO accounts (id, address, display_name, incoming_protocol, incoming_host, incoming_port, "
  "  incoming_security, incoming_username, created) "
  "VALUES (1, 'ada@example.org', 'Ada', 'imap', 'imap.example.org', 993, 'tls', 'ada', 0);"
  /* in the order a server may list them: nothing sorted */
  "INSERT INTO folders (id, account_id, name, raw_name, delimiter, role, total, unread) VALUES "
  "  (10, 1, 'Work', 'Work', '/', NULL, 4, 1),"
  "  (11, 1, 'Trash', 'Trash', '/', 'trash', 2, 0),"
  "  (12, 1, 'Work/Reports', 'Work/Reports', '/', NULL, 5, 0),"
  "  (13, 1, 'INBOX', 'INBOX', '/', 'inbox', 40, 3),"
  "  (14, 1, 'archives', 'archives', '/', NULL, 0, 0),"
  "  (15, 1, 'Sent Items', 'Sent Items', '/', 'sent', 9, 0),"
  "  (16, 1, 'INBOX/Lists', 'INBOX/Lists', '/', NULL, 7, 7),"
  "  (17, 1, '[Gmail]', '[Gmail]', '/', NULL, 0, 0),"
  "  (18, 1, '[Gmail]/Spam', '[Gmail]/Spam', '/', 'junk', 1, 1),"
  "  (19, 1, 'Drafts', 'Drafts', '/', 'drafts', 0, 0),"
  "  (20, 1, 'Zebra', 'Zebra', '/', NULL, 0, 0);"
  "UPDATE folders SET attributes = 1 WHERE id = 17;";

static void
test_order_names_and_icons (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "order", "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielFolderList) list = NULL;
  g_autofree char *text = NULL;
  Changes changes = { 0 };
  CourrielFolderItem *inbox, *trash, *junk;

  g_assert_no_error (error);
  run_write (store, account_sql);
  list = courriel_folder_list_new (store);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  settle (list, &changes, 1);

  text = describe (list);
  /* One account: no unified Inbox. Special folders first in a fixed order (Spam is Gmail's,
   * but the Junk folder all the same, at the top level); the others sorted without regard to
   * case, subfolders under their folder; "[Gmail]" holds no mail and nothing else: left out. */
  g_assert_cmpstr (text, ==,
                   "# Ada\n"
                   "Inbox (3)\n"
                   "  Lists (7)\n"
                   "Drafts\n"
                   "Sent\n"
                   "Junk (1)\n"
                   "Trash\n"
                   "archives\n"
                   "Work (1)\n"
                   "  Reports\n"
                   "Zebra\n");
  g_assert_cmpuint (courriel_folder_list_get_n_accounts (list), ==, 1);

  inbox = item_at (list, 1);
  g_assert_cmpint (courriel_folder_item_get_folder_id (inbox), ==, 13);
  g_assert_cmpint (courriel_folder_item_get_account_id (inbox), ==, 1);
  g_assert_cmpstr (courriel_folder_item_get_role (inbox), ==, "inbox");
  g_assert_cmpstr (courriel_folder_item_get_full_name (inbox), ==, "INBOX");
  g_assert_cmpint (courriel_folder_item_get_total (inbox), ==, 40);
  g_assert_cmpstr (courriel_folder_item_get_icon_name (item_at (list, 3)), ==, "document-edit-symbolic");
  g_assert_cmpstr (courriel_folder_item_get_icon_name (item_at (list, 4)), ==, "mail-send-symbolic");
  junk = item_at (list, 5);
  g_assert_cmpstr (courriel_folder_item_get_icon_name (junk), ==, "mail-mark-junk-symbolic");
  g_assert_cmpstr (courriel_folder_item_get_full_name (junk), ==, "[Gmail]/Spam");
  trash = item_at (list, 6);
  g_assert_cmpstr (courriel_folder_item_get_icon_name (trash), ==, "user-trash-symbolic");
  g_assert_cmpstr (courriel_folder_item_get_icon_name (item_at (list, 8)), ==, "folder-symbolic");
  g_assert_cmpuint (courriel_folder_item_get_depth (item_at (list, 9)), ==, 1);
  g_assert_cmpint (courriel_folder_item_get_kind (item_at (list, 0)), ==, COURRIEL_FOLDER_KIND_ACCOUNT);

  g_assert_true (courriel_folder_list_find_role (list, 1, "trash") == trash);
  g_assert_null (courriel_folder_list_find_role (list, 1, "archive"));
  g_assert_true (courriel_folder_list_find_folder (list, 13) == inbox);

  drop_list (&list);
  courriel_store_close (store);
}

static void
test_follows_changes (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "changes", "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielFolderList) list = NULL;
  g_autoptr (CourrielFolderItem) work = NULL;
  g_autofree char *text = NULL;
  Changes changes = { 0 };
  guint unread_notes = 0;
  CourrielFolderItem *unified;

  g_assert_no_error (error);
  run_write (store, account_sql);
  list = courriel_folder_list_new (store);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  settle (list, &changes, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 11);

  /* A sync that changes only counts: the same items, told of their new counts, no row replaced
   * (a selection stays where it was). */
  work = g_object_ref (item_at (list, 8));
  g_assert_cmpstr (courriel_folder_item_get_name (work), ==, "Work");
  g_signal_connect (work, "notify::unread", G_CALLBACK (count_note), &unread_notes);
  changes.count = 0;
  run_write (store, "UPDATE folders SET unread = 4 WHERE id = 10");
  settle (list, &changes, 0);
  g_assert_cmpuint (changes.count, ==, 0);
  g_assert_true (item_at (list, 8) == work);
  g_assert_cmpint (courriel_folder_item_get_unread (work), ==, 4);
  g_assert_cmpuint (unread_notes, ==, 1);

  /* A new folder: one row added where it belongs, nothing else replaced. */
  run_write (store, "INSERT INTO folders (id, account_id, name, raw_name, delimiter) VALUES (30, 1, 'Receipts', "
                    "'Receipts', '/')");
  settle (list, &changes, 1);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 8);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_true (item_at (list, 9) == work);

  /* A second account: "All Inboxes" on top, with both Inboxes' counts. */
  changes.count = 0;
  run_write (store,
             "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
             "  incoming_security, incoming_username, created) "
             "VALUES (2, 'bob@example.com', 'pop3', 'pop.example.com', 995, 'tls', 'bob', 0);"
             "INSERT INTO folders (id, account_id, name, raw_name, role, total, unread) VALUES "
             "  (40, 2, 'INBOX', 'INBOX', 'inbox', 10, 2), (41, 2, 'Trash', 'Trash', 'trash', 0, 0)");
  settle (list, &changes, 1);
  text = describe (list);
  g_assert_cmpstr (text, ==,
                   "All Inboxes (5)\n"
                   "# Ada\n"
                   "Inbox (3)\n"
                   "  Lists (7)\n"
                   "Drafts\n"
                   "Sent\n"
                   "Junk (1)\n"
                   "Trash\n"
                   "archives\n"
                   "Receipts\n"
                   "Work (4)\n"
                   "  Reports\n"
                   "Zebra\n"
                   "# bob@example.com\n"
                   "Inbox (2)\n"
                   "Trash\n");
  unified = item_at (list, 0);
  g_assert_cmpint (courriel_folder_item_get_kind (unified), ==, COURRIEL_FOLDER_KIND_UNIFIED_INBOX);
  g_assert_cmpint (courriel_folder_item_get_folder_id (unified), ==, 0);
  g_assert_cmpint (courriel_folder_item_get_total (unified), ==, 50);
  g_assert_cmpuint (courriel_folder_list_get_n_accounts (list), ==, 2);
  g_assert_true (item_at (list, 10) == work);

  /* A folder deleted: its row goes, and only it. */
  changes.count = 0;
  run_write (store, "DELETE FROM folders WHERE id = 20");
  settle (list, &changes, 1);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 12);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 0);

  drop_list (&list);
  courriel_store_close (store);
}

/* 2,000 folders (a large IMAP account's), read off the main thread: the time to the rows is
 * printed, and a sync that changes one count changes one item, not the list. */
static void
test_many_folders (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "many", "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielFolderList) list = NULL;
  g_autoptr (GString) sql = g_string_new (account_sql);
  Changes changes = { 0 };
  gint64 start;

  g_assert_no_error (error);
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (sql,
                            "INSERT INTO folders (account_id, name, raw_name, delimiter, total, unread) "
                            "VALUES (1, 'Projects/%04u', 'Projects/%04u', '/', 10, %u);",
                            1999 - i, 1999 - i, i % 3);
  run_write (store, sql->str);
  start = g_get_monotonic_time ();
  list = courriel_folder_list_new (store);
  while (!courriel_folder_list_get_loaded (list))
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("2,011 folders read and sorted in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 11 + 2000);
  /* Without a "Projects" folder, each keeps its whole name, sorted among the others. */
  g_assert_cmpstr (courriel_folder_item_get_name (item_at (list, 7)), ==, "archives");
  g_assert_cmpstr (courriel_folder_item_get_name (item_at (list, 8)), ==, "Projects/0000");
  g_assert_cmpstr (courriel_folder_item_get_name (item_at (list, 2007)), ==, "Projects/1999");
  g_assert_cmpstr (courriel_folder_item_get_name (item_at (list, 2008)), ==, "Work");
  g_assert_cmpuint (courriel_folder_item_get_depth (item_at (list, 8)), ==, 0);

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  run_write (store, "UPDATE folders SET unread = 99 WHERE name = 'Projects/1000'");
  settle (list, &changes, 0);
  g_assert_cmpuint (changes.count, ==, 0);
  drop_list (&list);
  courriel_store_close (store);
}

static void
count_update (guint *count)
{
  (*count)++;
}

/* A store that cannot be read (here: closed) is a warning and an empty list, never a crash. */
static void
test_closed_store (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "closed", "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielFolderList) list = NULL;
  Changes changes = { 0 };
  guint updates = 0;

  g_assert_no_error (error);
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      courriel_store_close (store);
      list = courriel_folder_list_new (store);
      g_signal_connect_swapped (list, "updated", G_CALLBACK (count_update), &updates);
      settle (list, &changes, 0);
      g_assert_true (courriel_folder_list_get_loaded (list));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
      g_assert_cmpuint (updates, ==, 1);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Could not read the folders*closed*");
}

static gint64
queue_message (CourrielStore *store, gint64 account_id, const char *subject)
{
  const char *recipients[] = { "bob@example.test", NULL };
  g_autofree char *text = g_strdup_printf ("From: ada@example.org\r\nTo: bob@example.test\r\nSubject: %s\r\n\r\nHi\r\n",
                                           subject);
  g_autoptr (GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id;

  courriel_outbox_queue_async (store, account_id, "ada@example.org", recipients, raw, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  id = courriel_outbox_queue_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
wait_write (CourrielStore *store, GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store, *result, &error));
  g_assert_no_error (error);
  g_clear_object (result);
}

/* An account with messages waiting to leave has an Outbox row after its special folders, with
 * how many: refused and queued ones count, one a server took does not; the row goes with the
 * last of them. */
static void
test_outbox_row (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "outbox", "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielFolderList) list = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) accepted = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *text = NULL;
  Changes changes = { 0 };
  CourrielFolderItem *outbox;
  gint64 refused, waiting, taken;

  g_assert_no_error (error);
  run_write (store, account_sql);
  list = courriel_folder_list_new (store);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  settle (list, &changes, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 11);

  changes.count = 0;
  refused = queue_message (store, 1, "Refused");
  courriel_outbox_set_state_async (store, refused, COURRIEL_OUTBOX_FAILED, 0, "552 5.3.4 Message too big", NULL,
                                   got_result, &result);
  wait_write (store, &result);
  waiting = queue_message (store, 1, "Waiting");
  taken = queue_message (store, 1, "Taken");
  g_array_append_val (accepted, taken);
  courriel_outbox_accepted_async (store, accepted, NULL, got_result, &result);
  wait_write (store, &result);
  settle (list, &changes, 1);

  text = describe (list);
  g_assert_cmpstr (text, ==,
                   "# Ada\n"
                   "Inbox (3)\n"
                   "  Lists (7)\n"
                   "Drafts\n"
                   "Sent\n"
                   "Junk (1)\n"
                   "Trash\n"
                   "Outbox (2)\n"
                   "archives\n"
                   "Work (1)\n"
                   "  Reports\n"
                   "Zebra\n");
  outbox = item_at (list, 7);
  g_assert_cmpint (courriel_folder_item_get_kind (outbox), ==, COURRIEL_FOLDER_KIND_OUTBOX);
  g_assert_cmpint (courriel_folder_item_get_account_id (outbox), ==, 1);
  g_assert_cmpstr (courriel_folder_item_get_icon_name (outbox), ==, "mail-send-receive-symbolic");
  /* not a folder a message can be looked up in */
  g_assert_null (courriel_folder_list_find_folder (list, 0));

  /* The store's change signal alone keeps the count: one fewer, then no row. */
  courriel_outbox_remove_async (store, refused, NULL, got_result, &result);
  wait_write (store, &result);
  settle (list, &changes, 0);
  g_assert_true (item_at (list, 7) == outbox);
  g_assert_cmpint (courriel_folder_item_get_unread (outbox), ==, 1);
  changes.count = 0;
  courriel_outbox_remove_async (store, waiting, NULL, got_result, &result);
  wait_write (store, &result);
  settle (list, &changes, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 11);
  g_assert_cmpstr (courriel_folder_item_get_name (item_at (list, 7)), ==, "archives");

  drop_list (&list);
  courriel_store_close (store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/folder-list/order-names-and-icons", test_order_names_and_icons);
  g_test_add_func ("/folder-list/follows-changes", test_follows_changes);
  g_test_add_func ("/folder-list/closed-store", test_closed_store);
  g_test_add_func ("/folder-list/many-folders", test_many_folders);
  g_test_add_func ("/folder-list/outbox-row", test_outbox_row);
  return g_test_run ();
}
