/* window-test-util.h — what the window's tests share: message items with an "id", finding widgets, reading the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included by one test program each (test-window.c, test-window-sync.c, test-account-settings.c).
 */
#pragma once

#include <gtk/gtk.h>

#include "courriel-application.h"
#include "courriel-store.h"

/* A message list's item, as the message list widget has them: a GObject with an "id". */
#define TEST_TYPE_MESSAGE (test_message_get_type ())
G_DECLARE_FINAL_TYPE (TestMessage, test_message, TEST, MESSAGE, GObject)

struct _TestMessage
{
  GObject parent_instance;
  gint64  id;
};

G_DEFINE_FINAL_TYPE (TestMessage, test_message, G_TYPE_OBJECT)

static void
test_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  g_value_set_int64 (value, TEST_MESSAGE (object)->id);
}

static void
test_message_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TEST_MESSAGE (object)->id = g_value_get_int64 (value);
}

static void
test_message_class_init (TestMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = test_message_get_property;
  G_OBJECT_CLASS (klass)->set_property = test_message_set_property;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
                                   g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READWRITE));
}

static void
test_message_init (TestMessage *self)
{
}

/* A GtkMultiSelection over items with these ids, all selected. */
static inline GtkSelectionModel *
test_select_messages (const gint64 *ids, guint n)
{
  g_autoptr (GListStore) items = g_list_store_new (TEST_TYPE_MESSAGE);
  GtkSelectionModel *selection;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) item = g_object_new (TEST_TYPE_MESSAGE, "id", ids[i], NULL);
      g_list_store_append (items, item);
    }
  selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (items))));
  gtk_selection_model_select_all (selection);
  return selection;
}

static inline GtkWidget *
test_find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static inline void
test_got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static inline gpointer
test_read_int (sqlite3 *db, gpointer data, GError **error)
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

/* The first column of the first row @sql gives, read as the window would, off the main thread. */
static inline gint64
test_query (CourrielStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree gint64 *value = NULL;

  courriel_store_read_async (store, test_read_int, g_strdup (sql), g_free, g_free, NULL, test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = courriel_store_read_finish (store, result, &error);
  g_assert_no_error (error);
  return *value;
}

/* Lets the main loop run a little: what the window does asynchronously goes on. */
static inline void
test_iterate (void)
{
  g_usleep (5000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Waits up to a minute for @sql's first value to be @expected, then asserts it. */
static inline void
test_wait_for_query (CourrielStore *store, const char *sql, gint64 expected)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (test_query (store, sql) != expected && g_get_monotonic_time () < deadline)
    for (guint i = 0; i < 20; i++)
      test_iterate ();
  g_assert_cmpint (test_query (store, sql), ==, expected);
}

/* The widget under @widget named @name (gtk_widget_get_name: a template's ids), or NULL. */
static inline GtkWidget *
test_find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The same, asserted to be there. */
static inline GtkWidget *
test_named (GtkWindow *window, const char *name)
{
  GtkWidget *widget = test_find_named (GTK_WIDGET (window), name);

  g_assert_nonnull (widget);
  return widget;
}

/* Renders @window as the compositor would and saves it under the tests' build folder
 * (screenshots/NAME), for a person to look at; asserts that it has content, not a blank surface. */
static inline void
test_save_screenshot (GtkWidget *window, const char *name)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *folder = g_test_build_filename (G_TEST_BUILT, "screenshots", NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  GHashTable *colours = g_hash_table_new (g_direct_hash, g_direct_equal);
  gsize stride = (gsize)width * 4;

  /* Let the frames settle (fonts, icons, transitions). */
  for (guint i = 0; i < 100; i++)
    {
      g_usleep (2000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  /* A window mapped a moment ago may not have drawn yet: its paintable is empty until it has. */
  for (guint tries = 0; node == NULL && tries < 100; tries++)
    {
      g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < height; y += 2)
    for (int x = 0; x < width; x += 2)
      g_hash_table_add (colours, GUINT_TO_POINTER (*(guint32 *)(pixels + y * stride + x * 4)));
  /* Text, icons, buttons and header bars: a drawn window has many colours, a blank one a few. */
  g_assert_cmpuint (g_hash_table_size (colours), >, 50);
  g_hash_table_unref (colours);
}

/* The application as a user runs it, but without periodic checks or notifications: registered
 * (not unique, beside the user's own) and held until test_stop_application(). */
static inline CourrielApplication *
test_start_application (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielApplication *app;

  g_settings_set_uint (settings, "check-interval", 0);
  g_settings_set_boolean (settings, "notifications", FALSE);
  app = courriel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));
  return app;
}

static inline void
test_stop_application (CourrielApplication *app)
{
  g_application_release (G_APPLICATION (app));
  g_application_quit (G_APPLICATION (app));
  g_object_unref (app);
}
