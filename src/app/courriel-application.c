/* courriel-application.c — the Courriel desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-application.h"

#include <glib/gi18n.h>

#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-window.h"

struct _CourrielApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (CourrielApplication, courriel_application, ADW_TYPE_APPLICATION)

static int
courriel_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  g_autoptr (GError) error = NULL;
  const char *data_dir = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir)
      && !courriel_engine_set_data_dir (data_dir, &error))
    {
      g_printerr ("courriel: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* A private data folder (a demo, a test) gets its own instance beside the user's usual one,
   * instead of handing the request over to it. */
  if (courriel_engine_has_private_data_dir ())
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
courriel_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (courriel_window_new (COURRIEL_APPLICATION (app)));

  gtk_window_present (window);
}

/* The store a composer opened from the command line writes to. The window branch gives the
 * application one store for every window (courriel_application_get_store()); until it is
 * merged the composer keeps its own, opened on the first mailto: link. */
static CourrielStore *
mailto_store (GApplication *app, GError **error)
{
  CourrielStore *store = g_object_get_data (G_OBJECT (app), "courriel-mailto-store");

  if (store == NULL)
    {
      g_autofree char *path = courriel_engine_dup_database_path ();

      store = courriel_store_open (path, error);
      if (store != NULL)
        g_object_set_data_full (G_OBJECT (app), "courriel-mailto-store", store, g_object_unref);
    }
  return store;
}

/* `courriel mailto:…`, and the desktop's x-scheme-handler/mailto: a composer filled from it. */
static void
courriel_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *uri = g_file_get_uri (files[i]);
      CourrielStore *store = mailto_store (app, &error);
      CourrielComposer *composer = NULL;

      if (store != NULL)
        composer = courriel_composer_new_from_mailto (GTK_APPLICATION (app), store, uri, &error);
      if (composer == NULL)
        {
          g_printerr ("courriel: %s\n", error->message);
          continue;
        }
      gtk_window_present (GTK_WINDOW (composer));
    }
}

static void
show_about (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { _("The Courriel developers"), NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Courriel"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "copyright", _("© 2026 The Courriel developers"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", show_about },
  { "quit", quit },
};

static void
courriel_application_startup (GApplication *app)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (courriel_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
}

static void
courriel_application_class_init (CourrielApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->handle_local_options = courriel_application_handle_local_options;
  app_class->startup = courriel_application_startup;
  app_class->activate = courriel_application_activate;
  app_class->open = courriel_application_open;
}

static void
courriel_application_init (CourrielApplication *self)
{
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Use FOLDER for mail and settings instead of the usual one"), N_("FOLDER") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

CourrielApplication *
courriel_application_new (void)
{
  return g_object_new (COURRIEL_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", RESOURCE_BASE,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
