/* test-window.c — the main window: honest without an account; with one, its sidebar, actions and undo, banner, narrow mode, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against a real store file: the sidebar lists special folders first with icons and unread
 * counts, selecting a folder asks for its list, the actions change the store and the queued
 * changes for the selected ids and undo takes them back, a narrow window shows one pane at a
 * time with back navigation, the banner says what is wrong, and the window really draws, in
 * light and in dark.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-application.h"
#include "courriel-changes.h"
#include "courriel-engine.h"
#include "courriel-imap-error.h"
#include "courriel-net-error.h"
#include "courriel-setup-wizard.h"
#include "courriel-window.h"
#include "window-test-util.h"

static CourrielApplication *app;

/* Widgets --------------------------------------------------------------------------------------- */

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The folders' list (the message list is a list view too). */
static GtkWidget *
sidebar_list (gpointer window)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), COURRIEL_TYPE_WINDOW, "sidebar_list"));
}

static GtkWidget *
find_button (GtkWidget *widget, const char *action_name)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, action_name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The sidebar as a person reads it: each row's label, badge and icon, visible ones only. */
static void
describe_rows (GtkWidget *widget, GString *text)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_IMAGE (widget) && gtk_image_get_icon_name (GTK_IMAGE (widget)) != NULL)
    g_string_append_printf (text, "[%s] ", gtk_image_get_icon_name (GTK_IMAGE (widget)));
  else if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, gtk_widget_has_css_class (widget, "unread-badge") ? "(%s) " : "%s ",
                            gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    describe_rows (child, text);
  if (g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkListItemWidget"))
    {
      g_strchomp (text->str);
      text->len = strlen (text->str);
      g_string_append_c (text, '\n');
    }
}

static void
iterate (guint times)
{
  for (guint i = 0; i < times; i++)
    {
      g_usleep (2000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static void
wait_for (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    iterate (1);
  g_assert_true (done (data));
}

static gboolean
has_size (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static CourrielWindow *
open_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (COURRIEL_IS_WINDOW (window));
  wait_for (has_size, window);
  return COURRIEL_WINDOW (window);
}

static void
close_window (CourrielWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (5);
}

static gboolean
folders_loaded (gpointer window)
{
  CourrielFolderList *folders = courriel_window_get_folder_list (window);
  return folders != NULL && courriel_folder_list_get_loaded (folders);
}

/* The store ------------------------------------------------------------------------------------ */

static CourrielStore *
store (void)
{
  CourrielStore *store = courriel_application_get_store (app);

  g_assert_nonnull (store);
  return store;
}

static gboolean
write_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static void
run_write (const char *sql)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_store_write_async (store (), write_sql, g_strdup (sql), g_free, NULL, test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store (), result, &error));
  g_assert_no_error (error);
  iterate (20);
}

static gint64
query (const char *sql)
{
  return test_query (store (), sql);
}

typedef struct
{
  const char *sql;
  gint64      expected;
} Expectation;

static gboolean
query_gives (gpointer data)
{
  Expectation *expectation = data;
  return query (expectation->sql) == expectation->expected;
}

/* Waits until the store answers @sql with @expected (an action runs asynchronously). */
static void
assert_store (const char *sql, gint64 expected)
{
  Expectation expectation = { sql, expected };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!query_gives (&expectation) && g_get_monotonic_time () < deadline)
    iterate (5);
  g_assert_cmpint (query (sql), ==, expected);
}

/* Ada's IMAP account: an Inbox with 3 unread of 5, Sent, Drafts, Trash, and "Work" with a
 * subfolder, written in an order that is not the sidebar's. */
static const char *mailbox_sql =
  "INSERT INTO accounts (id, address, display_name, incoming_protocol, incoming_host, incoming_port, "
  "  incoming_security, incoming_username, created) "
  "VALUES (1, 'ada@example.org', 'Ada Lovelace', 'imap', 'imap.example.org', 993, 'tls', 'ada', 0);"
  "INSERT INTO folders (id, account_id, name, raw_name, delimiter, role, total, unread) VALUES "
  "  (10, 1, 'Work', 'Work', '/', NULL, 1, 1),"
  "  (11, 1, 'Trash', 'Trash', '/', 'trash', 0, 0),"
  "  (12, 1, 'Work/Reports', 'Work/Reports', '/', NULL, 0, 0),"
  "  (13, 1, 'INBOX', 'INBOX', '/', 'inbox', 5, 3),"
  "  (14, 1, 'Sent', 'Sent', '/', 'sent', 0, 0),"
  "  (15, 1, 'Drafts', 'Drafts', '/', 'drafts', 0, 0);"
  "INSERT INTO messages (id, folder_id, uid, flags, subject, sender, date) VALUES "
  "  (101, 13, 1, 0, 'One', 'a@example.org', 1),"
  "  (102, 13, 2, 0, 'Two', 'b@example.org', 2),"
  "  (103, 13, 3, 0, 'Three', 'c@example.org', 3),"
  "  (104, 13, 4, 1, 'Four', 'd@example.org', 4),"
  "  (105, 13, 5, 5, 'Five', 'e@example.org', 5),"
  "  (110, 10, 1, 0, 'Plans', 'f@example.org', 6);";

static gboolean
has_account (gpointer window)
{
  CourrielFolderList *folders = courriel_window_get_folder_list (window);
  return folders != NULL && courriel_folder_list_get_n_accounts (folders) > 0;
}

static void
ensure_mailbox (void)
{
  if (query ("SELECT count (*) FROM accounts") == 0)
    run_write (mailbox_sql);
}

/* A selection of these ids, given to the window. */
static GtkSelectionModel *
select_messages (CourrielWindow *window, const gint64 *ids, guint n)
{
  GtkSelectionModel *selection = test_select_messages (ids, n);

  courriel_window_set_message_selection (window, selection);
  return selection;
}

/* Tests ------------------------------------------------------------------------------------------ */

static void
test_first_window_is_honest (void)
{
  CourrielWindow *window = open_window ();
  AdwStatusPage *page = ADW_STATUS_PAGE (find_descendant (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE));
  GtkWindow *wizard;
  GtkWidget *button;
  GtkWidget *list;

  wait_for (folders_loaded, window);
  iterate (5);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Courriel");

  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Mail Account Yet");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "finds your provider’s servers"));
  g_assert_true (g_str_has_prefix (adw_status_page_get_description (page), "Courriel reads and sends your e-mail."));

  /* The way to add an account is there: it opens the setup wizard, over the window. */
  button = adw_status_page_get_child (page);
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.add-account");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Add Account…");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  wizard = NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (COURRIEL_IS_SETUP_WIZARD (l->data))
      wizard = l->data;
  g_assert_nonnull (wizard);
  g_assert_true (gtk_window_get_transient_for (wizard) == GTK_WINDOW (window));
  gtk_window_destroy (wizard);

  /* No made-up mailbox: the folder list is not on screen, and empty. */
  list = sidebar_list (window);
  g_assert_false (list != NULL && gtk_widget_get_mapped (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (courriel_window_get_folder_list (window))), ==, 0);

  close_window (window);
}

static void
test_window_remembers_size (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielWindow *window;
  int width, height;

  g_settings_set_int (settings, "window-width", 820);
  g_settings_set_int (settings, "window-height", 610);

  window = open_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 820);
  g_assert_cmpint (height, ==, 610);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 650);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  close_window (window);

  window = open_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 650);
  close_window (window);
}

/* The action that the window's own shortcut for @trigger activates. */
static const char *
window_shortcut_action (CourrielWindow *window, const char *trigger)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  static char name[64];

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      for (guint j = 0; GTK_IS_SHORTCUT_CONTROLLER (controller) && j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *text = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (g_str_equal (text, trigger) && GTK_IS_NAMED_ACTION (action))
            {
              g_strlcpy (name, gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), sizeof name);
              return name;
            }
        }
    }
  return NULL;
}

static void
test_shortcuts (void)
{
  static const char *expected[][2] = {
    { "app.quit", "<Control>q" },        { "window.close", "<Control>w" },  { "win.mark-read", "<Control>i" },
    { "win.mark-unread", "<Control>u" }, { "win.star", "<Control>s" },      { "win.reply-all", "<Control><Shift>r" },
    { "win.archive", "<Control>e" },     { "win.mark-junk", "<Control>j" }, { "win.move", "<Control>m" },
    { "win.refresh", "F5" },             { "win.refresh", "<Control>r" },   { "win.rename-folder", "F2" },
  };
  g_autoptr (GBytes) overlay = NULL;
  CourrielWindow *window;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), expected[i][0]);
      guint key, wanted_key;
      GdkModifierType mods, wanted_mods;
      gboolean found = FALSE;

      g_assert_true (gtk_accelerator_parse (expected[i][1], &wanted_key, &wanted_mods));
      for (guint a = 0; accels[a] != NULL; a++)
        found |= gtk_accelerator_parse (accels[a], &key, &mods) && key == wanted_key && mods == wanted_mods;
      g_assert_true (found);
    }
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));

  /* The shortcuts window is where GtkApplication looks for it, and lists the actions. */
  overlay = g_resources_lookup_data (RESOURCE_BASE "/gtk/help-overlay.ui", 0, NULL);
  g_assert_nonnull (overlay);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (overlay, NULL), -1, "win.archive"));
  window = open_window ();
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  /* Delete and Ctrl+Z are the window's, after the focused widget (a text field keeps them). */
  g_assert_cmpstr (window_shortcut_action (window, "Delete"), ==, "win.delete");
  g_assert_cmpstr (window_shortcut_action (window, "<Control>z"), ==, "win.undo");
  close_window (window);
}

/* Renders the first window as the compositor would and saves it next to the test, so that a
 * person can look at it; asserts that the picture has content, not a blank surface. */
static void
test_window_renders (void)
{
  CourrielWindow *window = open_window ();

  wait_for (folders_loaded, window);
  test_save_screenshot (GTK_WIDGET (window), "window-first-run.png");
  close_window (window);
}

/* The folder pane's edge, which can be dragged. */
static GtkWidget *
find_handle (GtkWidget *widget)
{
  if (GTK_IS_SEPARATOR (widget) && gtk_widget_has_css_class (widget, "pane-handle")
      && gtk_widget_has_css_class (widget, "sidebar"))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_handle (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Drags a pane's edge (the separator after it) by @dx pixels, as a pointer would. */
static void
drag_pane_edge (GtkWidget *separator, double dx)
{
  g_autoptr (GListModel) controllers = NULL;
  GtkGesture *drag = NULL;

  g_assert_true (GTK_IS_SEPARATOR (separator));
  controllers = gtk_widget_observe_controllers (separator);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_DRAG (controller))
        drag = GTK_GESTURE (controller);
    }
  g_assert_nonnull (drag);
  g_signal_emit_by_name (drag, "drag-begin", 0.0, 0.0);
  g_signal_emit_by_name (drag, "drag-update", dx, 0.0);
  g_signal_emit_by_name (drag, "drag-end", dx, 0.0);
}

static void
test_sidebar (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielWindow *window;
  g_autoptr (GString) rows = g_string_new (NULL);
  GtkWidget *list;
  GtkWidget *pane;
  int width;

  g_settings_set_int (settings, "window-width", 1200);
  g_settings_set_int (settings, "window-height", 700);
  g_settings_set_int (settings, "sidebar-width", 300);
  window = open_window ();
  wait_for (folders_loaded, window);
  g_assert_false (has_account (window));

  /* An account arrives (as a sync or the wizard would write it): the window shows its mail. */
  ensure_mailbox ();
  wait_for (has_account, window);
  iterate (30);

  list = sidebar_list (window);
  g_assert_nonnull (list);
  g_assert_true (gtk_widget_get_mapped (list));
  describe_rows (list, rows);
  /* Special folders first, in a fixed order, with their icons; then the others, subfolders
   * under theirs; unread counts as badges. One account: no "All Inboxes". */
  g_assert_cmpstr (rows->str, ==,
                   "Ada Lovelace\n"
                   "[mail-unread-symbolic] Inbox (3)\n"
                   "[document-edit-symbolic] Drafts\n"
                   "[mail-send-symbolic] Sent\n"
                   "[user-trash-symbolic] Trash\n"
                   "[folder-symbolic] Work (1)\n"
                   "[folder-symbolic] Reports\n");

  /* The Inbox is shown first; the title says which folder, and its unread count. */
  g_assert_cmpint (courriel_folder_item_get_folder_id (courriel_window_get_selected_folder (window)), ==, 13);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Inbox (3) — Courriel");

  /* The folder pane is as wide as it was left, and dragging its edge changes that. */
  pane = gtk_widget_get_parent (gtk_widget_get_parent (list));
  width = gtk_widget_get_width (pane);
  g_assert_cmpint (width, >=, 300);
  drag_pane_edge (find_handle (GTK_WIDGET (window)), 40);
  g_assert_cmpint (g_settings_get_int (settings, "sidebar-width"), ==, width + 40);
  iterate (10);
  g_assert_cmpint (gtk_widget_get_width (pane), >=, width + 40);

  /* Counts follow the store, and the selection stays. */
  run_write ("UPDATE folders SET unread = 2 WHERE id = 13");
  iterate (20);
  g_string_truncate (rows, 0);
  describe_rows (list, rows);
  g_assert_nonnull (strstr (rows->str, "Inbox (2)\n"));
  g_assert_cmpint (courriel_folder_item_get_folder_id (courriel_window_get_selected_folder (window)), ==, 13);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Inbox (2) — Courriel");
  run_write ("UPDATE folders SET unread = 3 WHERE id = 13");

  close_window (window);
}

static void
on_folder_selected (CourrielWindow *window, CourrielFolderItem *folder, gint64 *selected)
{
  *selected = courriel_folder_item_get_folder_id (folder);
}

static void
test_selecting_a_folder (void)
{
  CourrielWindow *window;
  gint64 selected = -1;
  GtkSelectionModel *model;

  ensure_mailbox ();
  window = open_window ();
  g_signal_connect (window, "folder-selected", G_CALLBACK (on_folder_selected), &selected);
  wait_for (has_account, window);
  iterate (10);

  /* A click on "Work" (row 5) asks the message list for Work's messages. */
  model = gtk_list_view_get_model (GTK_LIST_VIEW (sidebar_list (window)));
  gtk_selection_model_select_item (model, 5, TRUE);
  g_assert_cmpint (selected, ==, 10);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Work (1) — Courriel");

  g_assert_true (courriel_window_select_folder (window, 11));
  g_assert_cmpint (selected, ==, 11);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Trash — Courriel");
  g_assert_false (courriel_window_select_folder (window, 999));

  close_window (window);
}

static gboolean
toast_shown (gpointer window)
{
  return test_find_label (window, "_Undo") != NULL || find_descendant (window, GTK_TYPE_BUTTON) == NULL;
}

static void
undo_and_wait (CourrielWindow *window)
{
  iterate (10);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
}

static gint64
pending_changes (void)
{
  return query ("SELECT count (*) FROM pending_ops");
}

static void
test_actions_and_undo (void)
{
  static const gint64 ids[] = { 101, 102, 104 };
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr (GtkSelectionModel) selection = NULL;
  CourrielWindow *window;
  GtkWidget *archive;
  gint64 queued;

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);
  iterate (10);
  selection = select_messages (window, ids, G_N_ELEMENTS (ids));

  /* Mark read: the store and the queue for the server change; undo makes unread again only the
   * two that were unread (104 was read before). */
  queued = pending_changes ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mark-read", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE id IN (101, 102, 104) AND flags & 1", 3);
  assert_store ("SELECT unread FROM folders WHERE id = 13", 1);
  g_assert_cmpint (pending_changes (), ==, queued + 1);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'flags' AND payload LIKE '%101%102%'", 1);
  undo_and_wait (window);
  assert_store ("SELECT count (*) FROM messages WHERE id IN (101, 102) AND flags & 1 = 0", 2);
  assert_store ("SELECT flags & 1 FROM messages WHERE id = 104", 1);
  assert_store ("SELECT unread FROM folders WHERE id = 13", 3);

  /* Star: no toast for a mark, but the flag is set. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.star", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE id IN (101, 102, 104) AND flags & 4", 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.unstar", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE flags & 4", 1); /* 105 was starred before */

  /* Delete: to the Trash, and back where they were on undo. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 11", 3);
  assert_store ("SELECT total FROM folders WHERE id = 13", 2);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'move' AND payload LIKE '%Trash%'", 1);
  wait_for (toast_shown, window);
  undo_and_wait (window);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 13", 5);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'move' AND payload LIKE '(''Trash'', ''INBOX''%'", 1);

  /* Archive: unavailable while the account has no archive folder... */
  archive = find_button (GTK_WIDGET (window), "win.archive");
  g_assert_nonnull (archive);
  g_assert_false (gtk_widget_is_sensitive (archive));
  /* ...and there once it has one. */
  run_write ("INSERT INTO folders (id, account_id, name, raw_name, delimiter, role) VALUES "
             "(16, 1, 'Archive', 'Archive', '/', 'archive'), (17, 1, 'Junk', 'Junk', '/', 'junk')");
  iterate (20);
  g_assert_true (gtk_widget_is_sensitive (archive));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.archive", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 16", 3);
  undo_and_wait (window);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 13", 5);

  /* Junk, and Move to a folder, the same way. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mark-junk", NULL));
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 17", 3);
  undo_and_wait (window);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 13", 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.move-to", "x", (gint64)10));
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 10", 4);
  undo_and_wait (window);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 13", 5);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 10", 1);

  /* Reply, reply to all and forward are there, disabled while no message is open in the reader
   * (test-window-sync opens one and replies). */
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (window), "win.reply")));
  g_assert_false (gtk_widget_is_sensitive (find_button (GTK_WIDGET (window), "win.forward")));

  /* Auto-mark read when the reader opens a message (mark-read-delay 0: at once; -1: never). */
  courriel_window_message_opened (window, 103);
  assert_store ("SELECT flags & 1 FROM messages WHERE id = 103", 1);
  run_write ("UPDATE messages SET flags = 0 WHERE id = 103");
  g_settings_set_int (settings, "mark-read-delay", -1);
  courriel_window_message_opened (window, 103);
  iterate (50);
  g_assert_cmpint (query ("SELECT flags & 1 FROM messages WHERE id = 103"), ==, 0);
  g_settings_set_int (settings, "mark-read-delay", 0);

  /* Closing the window while an action runs: the change is made, nothing breaks. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
  courriel_window_set_message_selection (window, NULL);
  close_window (window);
  assert_store ("SELECT count (*) FROM messages WHERE folder_id = 11", 3);
  run_write ("UPDATE messages SET folder_id = 13 WHERE id IN (101, 102, 104);"
             "UPDATE folders SET total = 5, unread = 3 WHERE id = 13; UPDATE folders SET total = 0 WHERE id = 11");
}

static gboolean
undo_toast_gone (gpointer window)
{
  return test_find_label (window, "_Undo") == NULL;
}

/* Presses Undo (the toast's button when it is on screen, else Ctrl+Z's action) until the
 * messages are back in the Inbox: the undo is there once the action's toast was added. */
static void
undo_until_back (CourrielWindow *window, gboolean with_button)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (query ("SELECT count (*) FROM messages WHERE folder_id = 13") != 5 && g_get_monotonic_time () < deadline)
    {
      GtkWidget *label = with_button ? test_find_label (GTK_WIDGET (window), "_Undo") : NULL;
      GtkWidget *button = label != NULL ? gtk_widget_get_ancestor (label, GTK_TYPE_BUTTON) : NULL;

      if (button != NULL && gtk_widget_is_sensitive (button))
        g_signal_emit_by_name (button, "clicked");
      else
        gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
      iterate (1);
    }
  g_assert_cmpint (query ("SELECT count (*) FROM messages WHERE folder_id = 13"), ==, 5);
}

static void
add_other_toast (AdwToastOverlay *overlay)
{
  AdwToast *other = adw_toast_new ("Another toast");

  adw_toast_set_timeout (other, 1);
  adw_toast_overlay_add_toast (overlay, other);
}

/* Undo takes its toast away, soon, however fast the user goes and with another toast up:
 * no crash, no critical (G_DEBUG=fatal-criticals), and no undo toast showing up again later. */
static void
test_undo_toast_goes (void)
{
  static const gint64 ids[] = { 101, 102 };
  g_autoptr (GtkSelectionModel) selection = NULL;
  CourrielWindow *window;
  AdwToastOverlay *overlay;
  gint64 start, end;

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);
  iterate (10);
  selection = select_messages (window, ids, G_N_ELEMENTS (ids));
  overlay = ADW_TOAST_OVERLAY (find_descendant (GTK_WIDGET (window), ADW_TYPE_TOAST_OVERLAY));

  /* Undo after undo: each toast slides in while the one before slides out (the slowest case). */
  for (guint round = 0; round < 24; round++)
    {
      /* Then with another toast up: ours waits its turn behind it. (Not a high-priority one that
       * pushes ours aside: with toasts coming this fast, libadwaita 1.2.2 then crashes on its own,
       * 3 runs in 10 with main's window that never dismisses a toast.) */
      if (round == 12)
        add_other_toast (overlay);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
      assert_store ("SELECT count (*) FROM messages WHERE folder_id = 11", 2);
      /* Sometimes at once, sometimes while the toast slides in; by its button or by Ctrl+Z. */
      iterate (round % 4);
      undo_until_back (window, round % 2 == 0);
    }

  /* None that was waiting its turn behind the others comes up after them (1 s each). */
  wait_for (undo_toast_gone, window);
  end = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_assert_true (undo_toast_gone (window));
      iterate (5);
    }

  /* Undo as soon as each toast is on screen, sliding in while the one before slides out; each
   * goes well before the 5 s it would stay on its own. */
  for (guint round = 0; round < 6; round++)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
      wait_for (toast_shown, window);
      start = g_get_monotonic_time ();
      undo_until_back (window, round % 2 == 0);
      wait_for (undo_toast_gone, window);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
    }
  close_window (window);
}

static GtkWidget *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (toplevel))
        return toplevel;
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static void
test_delete_for_good_asks (void)
{
  static const gint64 ids[] = { 103 };
  g_autoptr (GtkSelectionModel) selection = NULL;
  CourrielWindow *window;
  GtkWidget *dialog;

  ensure_mailbox ();
  run_write ("UPDATE messages SET folder_id = 11 WHERE id = 103");
  window = open_window ();
  wait_for (has_account, window);
  g_assert_true (courriel_window_select_folder (window, 11));
  selection = select_messages (window, ids, 1);

  /* In the Trash, deleting is for good: a question first; "Cancel" keeps the message. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
  wait_for (dialog_shown, NULL);
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Delete Message for Good?");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate (10);
  assert_store ("SELECT count (*) FROM messages WHERE id = 103", 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
  wait_for (dialog_shown, NULL);
  dialog = find_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  gtk_window_destroy (GTK_WINDOW (dialog));
  assert_store ("SELECT count (*) FROM messages WHERE id = 103", 0);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'expunge'", 1);

  courriel_window_set_message_selection (window, NULL);
  close_window (window);
}

static void
answer_dialog (const char *text, const char *response)
{
  GtkWidget *dialog;

  wait_for (dialog_shown, NULL);
  dialog = find_dialog ();
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog))), text);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate (10);
}

/* A right click on the sidebar row named @name. */
static void
press_row (GtkWidget *window, const char *name)
{
  GtkWidget *row = gtk_widget_get_parent (test_find_label (sidebar_list (window), name));
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (row);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_CLICK (controller))
        g_signal_emit_by_name (controller, "pressed", 1, 10.0, 10.0);
    }
}

static GtkWidget *
find_open_popover (GtkWidget *widget)
{
  if (GTK_IS_POPOVER (widget) && gtk_widget_get_mapped (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_open_popover (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
popover_shown (gpointer window)
{
  return find_open_popover (window) != NULL;
}

static void
test_folder_actions (void)
{
  CourrielWindow *window;
  gint64 receipts;
  g_autoptr (GString) rows = g_string_new (NULL);

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-folder", NULL));
  answer_dialog ("Receipts", "ok");
  assert_store ("SELECT count (*) FROM folders WHERE name = 'Receipts'", 1);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'create-folder'", 1);
  iterate (20);
  describe_rows (sidebar_list (window), rows);
  g_assert_nonnull (strstr (rows->str, "[folder-symbolic] Receipts\n[folder-symbolic] Work (1)\n"));

  /* A right click on a row opens its menu; its actions are about that row, not the folder shown. */
  g_assert_true (courriel_window_select_folder (window, 13));
  press_row (GTK_WIDGET (window), "Work");
  wait_for (popover_shown, window);
  /* As a menu item does: the menu closes, then the action runs. */
  gtk_popover_popdown (GTK_POPOVER (find_open_popover (GTK_WIDGET (window))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rename-folder", NULL));
  wait_for (dialog_shown, NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (
                     ADW_MESSAGE_DIALOG (find_dialog ())))), ==, "Work");
  answer_dialog (NULL, "cancel");

  /* Special folders keep their names; others can be renamed and deleted (after a question). */
  g_assert_true (courriel_window_select_folder (window, 13));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.rename-folder", NULL) && dialog_shown (NULL));
  receipts = query ("SELECT id FROM folders WHERE name = 'Receipts'");
  g_assert_true (courriel_window_select_folder (window, receipts));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rename-folder", NULL));
  answer_dialog ("Zulu", "ok");
  assert_store ("SELECT count (*) FROM folders WHERE name = 'Zulu'", 1);
  iterate (20);
  /* Its row moved to the end: it is still the folder shown. */
  g_string_truncate (rows, 0);
  describe_rows (sidebar_list (window), rows);
  g_assert_true (g_str_has_suffix (rows->str, "[folder-symbolic] Reports\n[folder-symbolic] Zulu\n"));
  g_assert_cmpint (courriel_folder_item_get_folder_id (courriel_window_get_selected_folder (window)), ==, receipts);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Zulu — Courriel");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-folder", NULL));
  answer_dialog (NULL, "delete");
  assert_store ("SELECT count (*) FROM folders WHERE name = 'Zulu'", 0);
  iterate (20);
  /* The folder shown is gone: the Inbox is shown instead. */
  g_assert_cmpint (courriel_folder_item_get_folder_id (courriel_window_get_selected_folder (window)), ==, 13);
  assert_store ("SELECT count (*) FROM pending_ops WHERE kind = 'delete-folder'", 1);

  close_window (window);
}

static gboolean
revealed_label (CourrielWindow *window, const char *text)
{
  GtkWidget *label = test_find_label (GTK_WIDGET (window), text);
  GtkWidget *revealer = label != NULL ? gtk_widget_get_ancestor (label, GTK_TYPE_REVEALER) : NULL;

  return revealer != NULL && gtk_revealer_get_reveal_child (GTK_REVEALER (revealer));
}

/* Counts the refreshes, and keeps them from the sync service: the test's account is not real. */
static void
count_refresh (CourrielWindow *window, guint *count)
{
  (*count)++;
  g_signal_stop_emission_by_name (window, "refresh");
}

static void
test_banner_and_progress (void)
{
  g_autoptr (GError) refused = g_error_new_literal (COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED,
                                                    "Authentication failed.");
  g_autoptr (GError) changed = g_error_new_literal (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED,
                                                    "The certificate is not trusted.");
  guint refreshes = 0;
  CourrielSyncService *sync;
  CourrielWindow *window;
  GtkWidget *button;
  GtkWidget *progress;

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);

  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_OFFLINE, NULL);
  iterate (5);
  g_assert_true (revealed_label (window, "Offline — showing the mail already downloaded."));

  /* A refused password says so and what to do: the button opens the password dialog for that
   * account (tests/test-account-settings.c follows it to the end). */
  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_ERROR, refused);
  iterate (5);
  g_assert_true (revealed_label (window, "Courriel could not sign in to ada@example.org: the password was refused."));
  button = find_button (GTK_WIDGET (window), "win.enter-password");
  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Enter Password…");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpint (g_variant_get_int64 (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button))), ==, 1);

  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_ERROR, changed);
  iterate (5);
  g_assert_true (revealed_label (window, "The server’s certificate changed for ada@example.org: Courriel will not "
                                         "connect until you check it."));
  button = find_button (GTK_WIDGET (window), "win.review-certificate");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpint (g_variant_get_int64 (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button))), ==, 1);

  /* Other errors and being offline offer to try again: the window asks for a sync. */
  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_OFFLINE, NULL);
  g_signal_connect (window, "refresh", G_CALLBACK (count_refresh), &refreshes);
  g_signal_emit_by_name (find_button (GTK_WIDGET (window), "win.refresh"), "clicked");
  g_assert_cmpuint (refreshes, ==, 1);

  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_IDLE, NULL);
  iterate (5);
  g_assert_false (revealed_label (window, "Offline — showing the mail already downloaded."));
  g_assert_false (revealed_label (window, "Courriel could not sign in to ada@example.org: the password was refused."));

  /* A long first download shows how far it is, beside the list that can be read meanwhile. */
  courriel_window_set_sync_progress (window, "INBOX", 1200, 100000);
  iterate (5);
  progress = find_descendant (GTK_WIDGET (window), GTK_TYPE_PROGRESS_BAR);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (progress, GTK_TYPE_REVEALER))));
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (progress)), 0.012, 1e-9);
  g_assert_nonnull (test_find_label (GTK_WIDGET (window), "Downloading messages: 1200 of 100000"));
  test_save_screenshot (GTK_WIDGET (window), "window-syncing.png");
  courriel_window_set_sync_progress (window, "INBOX", 100000, 100000);
  iterate (5);
  g_assert_null (test_find_label (GTK_WIDGET (window), "Downloading messages: 1200 of 100000"));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (progress, GTK_TYPE_REVEALER))));

  /* The same from the application's sync service, as a sync reports it. */
  sync = courriel_application_get_sync_service (app);
  g_assert_nonnull (sync);
  g_signal_emit_by_name (sync, "progress", (gint64)1, "INBOX", (gint64)300, (gint64)1000);
  iterate (5);
  g_assert_nonnull (test_find_label (GTK_WIDGET (window), "Downloading messages: 300 of 1000"));
  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_OFFLINE, NULL);
  iterate (5);
  g_assert_true (revealed_label (window, "Offline — showing the mail already downloaded."));
  /* The service says the account is idle (it never synced it): no banner, no progress. */
  g_signal_emit_by_name (sync, "state-changed", (gint64)1);
  iterate (5);
  g_assert_false (revealed_label (window, "Offline — showing the mail already downloaded."));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (progress, GTK_TYPE_REVEALER))));

  close_window (window);
}

static gboolean
is_folded (gpointer leaflet)
{
  return adw_leaflet_get_folded (leaflet);
}

static void
test_narrow_window (void)
{
  CourrielWindow *window;
  AdwLeaflet *leaflet;
  GtkListView *list;

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 640);
  leaflet = ADW_LEAFLET (find_descendant (GTK_WIDGET (window), ADW_TYPE_LEAFLET));
  wait_for (is_folded, leaflet);

  /* One pane at a time: the folders first; choosing one shows its messages, with a way back. */
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  list = GTK_LIST_VIEW (sidebar_list (window));
  g_signal_emit_by_name (list, "activate", 1);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  /* A click selects a row: the same. */
  gtk_selection_model_select_item (gtk_list_view_get_model (list), 5, TRUE);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (window), "win.go-back")));
  iterate (50);
  test_save_screenshot (GTK_WIDGET (window), "window-narrow-list.png");

  /* Opening a message shows the reader; back goes to the list, then to the folders. */
  courriel_window_message_opened (window, 0);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "reader");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 700);
  close_window (window);
}

static void
test_screenshots (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  CourrielWindow *window;
  g_autoptr (GtkLabel) reader = NULL;
  g_autoptr (GtkLabel) messages = NULL;

  ensure_mailbox ();
  window = open_window ();
  wait_for (has_account, window);
  /* Stand-ins for the message list and reader widgets, which other branches build. */
  adw_bin_set_child (courriel_window_get_message_list_slot (window), gtk_label_new ("(message list)"));
  adw_bin_set_child (courriel_window_get_reader_slot (window), gtk_label_new ("(reader)"));
  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_OFFLINE, NULL);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  test_save_screenshot (GTK_WIDGET (window), "window-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  test_save_screenshot (GTK_WIDGET (window), "window-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  courriel_window_set_sync_status (window, 1, COURRIEL_WINDOW_SYNC_IDLE, NULL);
  close_window (window);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr (GSettings) settings = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS here: it empties XDG_DATA_DIRS, and GTK then finds no
   * shared-mime-info database to recognise SVG icons. GSettings are in memory (see
   * tests/meson.build), and the mail database is in a folder of its own. */
  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();
  data_dir = g_dir_make_tmp ("test-window-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));

  /* No periodic sync of the test's account, whose server does not exist. */
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_uint (settings, "check-interval", 0);

  app = courriel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  /* Keep the application alive between windows. */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/window/first-window-is-honest", test_first_window_is_honest);
  g_test_add_func ("/window/remembers-size", test_window_remembers_size);
  g_test_add_func ("/window/shortcuts", test_shortcuts);
  g_test_add_func ("/window/renders", test_window_renders);
  g_test_add_func ("/window/sidebar", test_sidebar);
  g_test_add_func ("/window/selecting-a-folder", test_selecting_a_folder);
  g_test_add_func ("/window/actions-and-undo", test_actions_and_undo);
  g_test_add_func ("/window/undo-toast-goes", test_undo_toast_goes);
  g_test_add_func ("/window/delete-for-good-asks", test_delete_for_good_asks);
  g_test_add_func ("/window/folder-actions", test_folder_actions);
  g_test_add_func ("/window/banner-and-progress", test_banner_and_progress);
  g_test_add_func ("/window/narrow", test_narrow_window);
  g_test_add_func ("/window/screenshots", test_screenshots);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  remove_tree (data_dir);
  return status;
}
