/* test-window.c — the first window is honest: it says no account is set up, offers no fake
 * mail, keeps the add-account action visibly disabled, remembers its size, and really draws.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-application.h"
#include "courriel-window.h"

static CourrielApplication *app;

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

static void
wait_until (gboolean (*done) (GtkWidget *), GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (widget) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (widget));
}

static gboolean
has_size (GtkWidget *widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static GtkWindow *
open_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (COURRIEL_IS_WINDOW (window));
  wait_until (has_size, GTK_WIDGET (window));
  return window;
}

static void
close_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_first_window_is_honest (void)
{
  GtkWindow *window = open_window ();
  AdwStatusPage *page = ADW_STATUS_PAGE (find_descendant (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE));
  GtkWidget *button;

  g_assert_cmpstr (gtk_window_get_title (window), ==, "Courriel");

  g_assert_nonnull (page);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Mail Account Yet");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "cannot set up accounts yet"));

  /* The way to add an account is there, and plainly unavailable until the wizard exists. */
  button = adw_status_page_get_child (page);
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.add-account");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Add Account…");
  g_assert_false (gtk_widget_is_sensitive (button));

  /* No made-up mailbox: no message or folder list anywhere. */
  g_assert_null (find_descendant (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW));
  g_assert_null (find_descendant (GTK_WIDGET (window), GTK_TYPE_LIST_BOX));

  close_window (window);
}

static void
test_window_remembers_size (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  GtkWindow *window;
  int width, height;

  g_settings_set_int (settings, "window-width", 820);
  g_settings_set_int (settings, "window-height", 610);

  window = open_window ();
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 820);
  g_assert_cmpint (height, ==, 610);

  gtk_window_set_default_size (window, 900, 650);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  close_window (window);

  window = open_window ();
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 650);
  close_window (window);
}

static void
test_shortcuts (void)
{
  g_auto (GStrv) quit = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_auto (GStrv) close = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "window.close");

  g_assert_true (g_strv_contains ((const char * const *)quit, "<Control>q"));
  g_assert_true (g_strv_contains ((const char * const *)close, "<Control>w"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
}

/* Renders the window as the compositor would and saves it next to the test, so that a person
 * can look at it; asserts that the picture has content, not a blank surface. */
static void
test_window_renders (void)
{
  GtkWindow *window = open_window ();
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "window-first-run.png", NULL);
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));
  GHashTable *colours = g_hash_table_new (g_direct_hash, g_direct_equal);
  gsize stride = (gsize)width * 4;

  /* Let the first frames settle (fonts, icons). */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < height; y += 2)
    for (int x = 0; x < width; x += 2)
      g_hash_table_add (colours, GUINT_TO_POINTER (*(guint32 *)(pixels + y * stride + x * 4)));
  /* Text, icon, button and header bar: a drawn window has many colours, a blank one a few. */
  g_assert_cmpuint (g_hash_table_size (colours), >, 50);
  g_hash_table_unref (colours);

  close_window (window);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  /* No G_TEST_OPTION_ISOLATE_DIRS here: it empties XDG_DATA_DIRS, and GTK then finds no
   * shared-mime-info database to recognise SVG icons. GSettings are in memory (see
   * tests/meson.build) and the window writes no files. */
  g_test_init (&argc, &argv, NULL);

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

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  return status;
}
