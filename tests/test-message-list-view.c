/* test-message-list-view.c — the message list widget over a real store file: rows show the
 * sender, subject, date, preview and marks; choosing a message says which; the search bar
 * narrows the list; placeholders when there is nothing to show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "courriel-date-format.h"
#include "courriel-message-list-row.h"
#include "courriel-message-list-view.h"

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
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_write_async (store, write_sql, g_strdup (sql), g_free, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  courriel_store_write_finish (store, result, &error);
  g_assert_no_error (error);
}

static gint64 today, yesterday;

static CourrielStore *
open_store (void)
{
  g_autoptr (GError) error = NULL;
  /* Not the user's data folder: GTK needs the real XDG dirs, so no G_TEST_OPTION_ISOLATE_DIRS. */
  g_autofree char *dir = g_dir_make_tmp ("courriel-list-view-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "view.db", NULL);
  CourrielStore *store = courriel_store_open (path, &error);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) noon = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now), 0, 30, 0);
  g_autoptr (GDateTime) before = g_date_time_add_days (noon, -1);
  g_autofree char *sql = NULL;

  g_assert_no_error (error);
  today = g_date_time_to_unix (noon);
  yesterday = g_date_time_to_unix (before);
  /* flags: 1 seen, 4 flagged */
  sql = g_strdup_printf (
    "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
    "incoming_username, created) VALUES (1, 'alice@example.test', 'imap', 'h', 993, 'tls', 'alice', 0);"
    "INSERT INTO folders (id, account_id, name, raw_name, role) VALUES (1, 1, 'INBOX', 'INBOX', 'inbox'),"
    "(2, 1, 'Empty', 'Empty', NULL);"
    "INSERT INTO messages (id, folder_id, uid, flags, date, subject, sender, preview, has_attachments, message_id, "
    "refs) VALUES "
    "(1, 1, 1, 1, %" G_GINT64_FORMAT ", 'Facture avril', 'Élodie Martin <elodie@example.test>', "
    "'Voici la facture du mois', 1, '<f1@x>', NULL),"
    "(2, 1, 2, 4, %" G_GINT64_FORMAT ", 'Réunion lundi', 'bob@example.test', 'On se voit à 10 h', 0, '<r1@x>', NULL),"
    "(3, 1, 3, 1, %" G_GINT64_FORMAT ", 'Re: Facture avril', 'Élodie Martin <elodie@example.test>', "
    "'Merci', 0, '<f2@x>', '<f1@x>');"
    "INSERT INTO messages_fts (rowid, subject, addresses, body) SELECT id, subject, sender, preview FROM messages;",
    yesterday, today, yesterday + 60);
  run_write (store, sql);
  return store;
}

static void
collect (GtkWidget *widget, GType type, GPtrArray *into)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (into, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    collect (child, type, into);
}

static GtkWidget *
find (GtkWidget *widget, GType type)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new ();

  collect (widget, type, found);
  return found->len > 0 ? found->pdata[0] : NULL;
}

/* The row showing message @id once it is drawn, loaded and mapped; NULL when not there. */
static CourrielMessageListRow *
row_for (GtkWidget *view, gint64 id)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect (view, COURRIEL_TYPE_MESSAGE_LIST_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      CourrielMessageSummary *summary = courriel_message_list_row_get_summary (rows->pdata[i]);

      if (summary != NULL && courriel_message_summary_get_id (summary) == id
          && courriel_message_summary_get_loaded (summary) && gtk_widget_get_mapped (rows->pdata[i]))
        return rows->pdata[i];
    }
  return NULL;
}

/* What a row shows (see courriel_message_list_row_describe()). */
static char *
row_text (CourrielMessageListRow *row)
{
  return courriel_message_list_row_describe (row);
}

static void
painted (GdkFrameClock *clock, gboolean *done)
{
  *done = TRUE;
}

/* Saves what @widget shows, on the window's background colour, as build/tests/NAME, for a person
 * to look at. The widget is drawn directly (its class's snapshot): a GtkWidgetPaintable has no
 * picture between two frames. */
static void
save_screenshot (GtkWidget *widget, const char *name)
{
  int width, height;
  GtkSnapshot *snapshot;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA background = dark ? (GdkRGBA){ 0.14f, 0.14f, 0.14f, 1.0f } : (GdkRGBA){ 0.98f, 0.98f, 0.98f, 1.0f };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean done = FALSE;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted), &done);

  /* Right after a frame, every allocation is current. */
  gtk_widget_queue_draw (widget);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static gboolean
is_bold (CourrielMessageListRow *row)
{
  return gtk_widget_has_css_class (GTK_WIDGET (row), "unread");
}

static void
wait_for_row (GtkWidget *view, gint64 id)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (row_for (view, id) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (row_for (view, id));
}

static void
wait_n_items (CourrielMessageList *list, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while ((courriel_message_list_get_loading (list) || g_list_model_get_n_items (G_LIST_MODEL (list)) != n)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
}

static void
record_id (CourrielMessageListView *view, gint64 id, GArray *ids)
{
  g_array_append_val (ids, id);
}

typedef struct
{
  CourrielStore *store;
  GtkWindow     *window;
  GtkWidget     *view;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->store = open_store ();
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 480, 600);
  f->view = courriel_message_list_view_new ();
  gtk_window_set_child (f->window, f->view);
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_autofree char *path = g_strdup (courriel_store_get_path (f->store));
  g_autofree char *dir = g_path_get_dirname (path);
  const char *suffixes[] = { "", "-wal", "-shm" };

  courriel_store_close (f->store);
  g_object_unref (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_remove (file);
    }
  g_assert_no_errno (g_rmdir (dir));
}

static void
test_rows (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielMessageList) list = courriel_message_list_new (f->store, 1);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = courriel_date_format_relative (today, now);
  g_autofree char *expected_today = NULL;
  g_autofree char *text = NULL;

  courriel_message_list_view_set_model (COURRIEL_MESSAGE_LIST_VIEW (f->view), list);
  wait_for_row (f->view, 2);
  wait_for_row (f->view, 1);

  /* Newest first: today's unread, starred message, from a sender without a name. */
  expected_today = g_strdup_printf ("bob@example.test|[starred]|%s|Réunion lundi|On se voit à 10 h|", time);
  text = row_text (row_for (f->view, 2));
  g_assert_cmpstr (text, ==, expected_today);
  g_assert_true (is_bold (row_for (f->view, 2)));
  g_clear_pointer (&text, g_free);

  /* Yesterday's, read, with an attachment. */
  text = row_text (row_for (f->view, 1));
  g_assert_cmpstr (text, ==, "Élodie Martin|[attachment]|Yesterday|Facture avril|Voici la facture du mois|");
  g_assert_false (is_bold (row_for (f->view, 1)));
  g_clear_pointer (&text, g_free);

  /* Marked unread elsewhere: the row turns bold without being rebuilt. */
  run_write (f->store, "UPDATE messages SET flags = 0 WHERE id = 1");
  while (!is_bold (row_for (f->view, 1)))
    g_main_context_iteration (NULL, TRUE);

  save_screenshot (f->view, "message-list-view.png");
  /* Right to left too (a picture to look at: the same texts, mirrored places). */
  gtk_widget_set_default_direction (GTK_TEXT_DIR_RTL);
  save_screenshot (f->view, "message-list-view-rtl.png");
  gtk_widget_set_default_direction (GTK_TEXT_DIR_LTR);
  /* And in the dark style: texts take the style's colours. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  save_screenshot (f->view, "message-list-view-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* Conversations: the reply and its original are one row, counted. */
  courriel_message_list_set_threaded (list, TRUE);
  wait_n_items (list, 2);
  wait_for_row (f->view, 3);
  text = row_text (row_for (f->view, 3));
  g_assert_true (g_str_has_prefix (text, "Élodie Martin|2|Yesterday|Re: Facture avril|"));
}

static void
test_selection (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielMessageList) list = courriel_message_list_new (f->store, 1);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  CourrielMessageListView *view = COURRIEL_MESSAGE_LIST_VIEW (f->view);
  GtkSelectionModel *selection = courriel_message_list_view_get_selection (view);

  g_signal_connect (view, "message-activated", G_CALLBACK (record_id), ids);
  courriel_message_list_view_set_model (view, list);
  wait_n_items (list, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 3);

  /* One message selected: the reader is told which. */
  gtk_selection_model_select_item (selection, 1, TRUE);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 3);

  /* A sync brings newer messages: the same message stays selected, and is not chosen again. */
  {
    g_autofree char *sql = g_strdup_printf ("INSERT INTO messages (id, folder_id, uid, date, subject) VALUES "
                                            "(20, 1, 20, %" G_GINT64_FORMAT ", 'Newer'), "
                                            "(21, 1, 21, %" G_GINT64_FORMAT ", 'Newest')",
                                            today + 60, today + 120);
    g_autoptr (GtkBitset) selected = NULL;

    run_write (f->store, sql);
    wait_n_items (list, 5);
    selected = gtk_selection_model_get_selection (selection);
    g_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
    g_assert_cmpint (courriel_message_list_get_id (list, gtk_bitset_get_nth (selected, 0)), ==, 3);
    g_assert_cmpuint (ids->len, ==, 1);
  }

  /* Several selected: nobody is told to show one of them. */
  gtk_selection_model_select_item (selection, 4, FALSE);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_true (gtk_selection_model_is_selected (selection, 3));
  g_assert_true (gtk_selection_model_is_selected (selection, 4));

  /* Activating a row (Enter, double click) shows it. */
  wait_for_row (f->view, 2);
  gtk_widget_activate_action (GTK_WIDGET (find (f->view, GTK_TYPE_LIST_VIEW)), "list.activate-item", "u", 2);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, 2);
}

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielMessageList) list = courriel_message_list_new (f->store, 1);
  CourrielMessageListView *view = COURRIEL_MESSAGE_LIST_VIEW (f->view);
  GtkWidget *entry = find (f->view, GTK_TYPE_SEARCH_ENTRY);
  GtkStack *stack = GTK_STACK (find (f->view, GTK_TYPE_STACK));
  AdwStatusPage *page = ADW_STATUS_PAGE (find (f->view, ADW_TYPE_STATUS_PAGE));

  courriel_message_list_view_set_model (view, list);
  wait_n_items (list, 3);
  g_assert_false (courriel_message_list_view_get_search_mode (view));
  /* The search action (bound to Ctrl+F) opens the search bar. */
  g_assert_true (gtk_widget_activate_action (f->view, "message-list.search", NULL));
  g_assert_true (courriel_message_list_view_get_search_mode (view));

  /* Typing narrows the list (after the entry's short pause). */
  gtk_editable_set_text (GTK_EDITABLE (entry), "factu");
  wait_n_items (list, 2);
  g_assert_cmpstr (courriel_message_list_get_search (list), ==, "factu");
  wait_for_row (f->view, 1);
  g_assert_null (row_for (f->view, 2));

  gtk_editable_set_text (GTK_EDITABLE (entry), "réunion");
  wait_n_items (list, 1);
  wait_for_row (f->view, 2);
  g_assert_null (row_for (f->view, 1));

  /* Nothing found: a placeholder says so. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "introuvable");
  wait_n_items (list, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Results");

  /* Closing the search bar shows the whole folder again. */
  courriel_message_list_view_set_search_mode (view, FALSE);
  wait_n_items (list, 3);
  g_assert_null (courriel_message_list_get_search (list));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
}

static void
test_placeholders (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielMessageList) empty = courriel_message_list_new (f->store, 2);
  CourrielMessageListView *view = COURRIEL_MESSAGE_LIST_VIEW (f->view);
  GtkStack *stack = GTK_STACK (find (f->view, GTK_TYPE_STACK));
  AdwStatusPage *page = ADW_STATUS_PAGE (find (f->view, ADW_TYPE_STATUS_PAGE));

  /* While the folder's list is read: a spinner, not "No Messages". */
  courriel_message_list_view_set_model (view, empty);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "loading");
  wait_n_items (empty, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Messages");

  /* A message arriving replaces the placeholder. */
  run_write (f->store, "INSERT INTO messages (id, folder_id, uid, date, subject) VALUES (10, 2, 10, 1, 'Hello')");
  wait_n_items (empty, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");

  courriel_message_list_view_set_model (view, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (courriel_message_list_view_get_selection (view))), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/message-list-view/rows", Fixture, NULL, fixture_set_up, test_rows, fixture_tear_down);
  g_test_add ("/message-list-view/selection", Fixture, NULL, fixture_set_up, test_selection, fixture_tear_down);
  g_test_add ("/message-list-view/search", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add ("/message-list-view/placeholders", Fixture, NULL, fixture_set_up, test_placeholders,
              fixture_tear_down);
  return g_test_run ();
}
