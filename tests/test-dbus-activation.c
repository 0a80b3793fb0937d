/* test-dbus-activation.c — the session bus starts Courriel from its service file, as a desktop does for a DBusActivatable app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private bus (GTestDBus) is given the service file made from data/io.github.courriel.Courriel.service.in,
 * its @bindir@ pointing at the built binary. Nothing starts Courriel but the bus: the test calls
 * org.freedesktop.Application.Activate, as GNOME Shell does when the desktop file is launched,
 * then checks that a window appeared and that app.quit over D-Bus ends the process.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "courriel-test-util.h"

#define OBJECT_PATH "/io/github/courriel/Courriel"

static char *
write_service_file (const char *folder)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *template_path = g_test_build_filename (G_TEST_DIST, "..", "data", APPLICATION_ID ".service.in",
                                                          NULL);
  g_autofree char *template = NULL;
  g_autofree char *bindir = g_path_get_dirname (COURRIEL_APP);
  g_autofree char *path = g_build_filename (folder, APPLICATION_ID ".service", NULL);
  g_auto (GStrv) parts = NULL;
  g_autofree char *text = NULL;

  g_file_get_contents (template_path, &template, NULL, &error);
  g_assert_no_error (error);
  parts = g_strsplit (template, "@bindir@", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  text = g_strjoinv (bindir, parts);
  g_assert_nonnull (strstr (text, "Name=" APPLICATION_ID "\n"));
  g_assert_nonnull (strstr (text, "Exec=" COURRIEL_APP " --gapplication-service\n"));
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static GVariant *
call (GDBusConnection *bus, const char *name, const char *path, const char *interface, const char *method,
      GVariant *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (bus, name, path, interface, method, parameters, NULL,
                                                 G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

static gboolean
has_owner (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                     "NameHasOwner", g_variant_new ("(s)", APPLICATION_ID));
  gboolean owned = FALSE;

  g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* GtkApplication exports each of its windows' actions at OBJECT_PATH/window/N. */
static gboolean
has_window (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = call (bus, APPLICATION_ID, OBJECT_PATH "/window",
                                     "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
  const char *xml = NULL;

  g_variant_get (reply, "(&s)", &xml);
  return strstr (xml, "<node name=\"1\"") != NULL;
}

static void
test_activation (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("courriel-activation-XXXXXX", &error);
  g_autofree char *services = g_build_filename (home, "services", NULL);
  g_autofree char *data_home = g_build_filename (home, "data", NULL);
  g_autofree char *database = g_build_filename (data_home, "courriel", "courriel.db", NULL);
  g_autofree char *service_file = NULL;
  g_autoptr (GTestDBus) test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) names = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree const char **list = NULL;
  gint64 deadline;

  g_assert_no_error (error);
  g_mkdir (services, 0700);
  service_file = write_service_file (services);
  /* The bus's activation environment is the test's: Courriel keeps its mail in a folder of the test's. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_unsetenv ("COURRIEL_DATA_DIR");
  g_test_dbus_add_service_dir (test_bus, services);
  g_test_dbus_up (test_bus);
  bus = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);

  /* The bus knows Courriel from its service file, and nothing runs it yet. */
  names = call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListActivatableNames",
                NULL);
  g_variant_get (names, "(^a&s)", &list);
  g_assert_true (g_strv_contains (list, APPLICATION_ID));
  g_assert_false (has_owner (bus));

  /* Activating it starts it and shows its window. */
  reply = call (bus, APPLICATION_ID, OBJECT_PATH, "org.freedesktop.Application", "Activate",
                g_variant_new ("(a{sv})", NULL));
  g_assert_true (has_owner (bus));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!has_window (bus) && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_true (has_window (bus));
  g_assert_true (g_file_test (database, G_FILE_TEST_IS_REGULAR));

  /* Quitting over D-Bus ends the process: its name goes. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (bus, APPLICATION_ID, OBJECT_PATH, "org.freedesktop.Application", "ActivateAction",
                g_variant_new ("(sava{sv})", "quit", NULL, NULL));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (has_owner (bus) && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_false (has_owner (bus));

  g_dbus_connection_close_sync (bus, NULL, NULL);
  g_test_dbus_down (test_bus);
  courriel_test_remove_tree (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus-activation/activate-and-quit", test_activation);
  return g_test_run ();
}
