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
#include "courriel-notifier.h"
#include "courriel-preferences-window.h"
#include "courriel-window.h"

struct _CourrielApplication
{
  AdwApplication       parent_instance;
  GSettings           *settings;
  CourrielStore       *store;        /* NULL when it cannot be opened */
  CourrielSyncService *sync_service; /* idem */
  CourrielNotifier    *notifier;
  gboolean             held;         /* for run-in-background */
};

G_DEFINE_FINAL_TYPE (CourrielApplication, courriel_application, ADW_TYPE_APPLICATION)

enum { SIGNAL_SHOW_MESSAGE, SIGNAL_SHOW_OUTBOX, N_SIGNALS };
static guint signals[N_SIGNALS];

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

/* `courriel mailto:…`, and the desktop's x-scheme-handler/mailto: a composer filled from it. */
static void
courriel_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *uri = g_file_get_uri (files[i]);
      CourrielStore *store = courriel_application_get_store (COURRIEL_APPLICATION (app));
      CourrielComposer *composer = NULL;

      if (store == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The mail database cannot be opened."));
      else
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

/* One preferences window: asking again brings it back. */
static void
show_preferences (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CourrielApplication *self = COURRIEL_APPLICATION (user_data);
  GtkWindow *window = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && window == NULL; l = l->next)
    if (COURRIEL_IS_PREFERENCES_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    {
      window = courriel_preferences_window_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                                self->store);
      gtk_window_set_application (window, GTK_APPLICATION (self));
    }
  gtk_window_present (window);
}

static void
quit (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

/* A notification was clicked: the window comes up, and whoever shows messages (the window)
 * hears "show-message". */
static void
show_message (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_activate (G_APPLICATION (user_data));
  g_signal_emit (user_data, signals[SIGNAL_SHOW_MESSAGE], 0, g_variant_get_int64 (parameter));
}

/* A notification about a message not sent was clicked: the window comes up, and shows that
 * account's Outbox ("show-outbox"). */
static void
show_outbox (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_activate (G_APPLICATION (user_data));
  g_signal_emit (user_data, signals[SIGNAL_SHOW_OUTBOX], 0, g_variant_get_int64 (parameter));
}

/* A new message from the first account (the composer's From offers the others). */
static void
compose (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CourrielApplication *self = COURRIEL_APPLICATION (user_data);

  if (self->store == NULL)
    return;
  gtk_window_present (GTK_WINDOW (courriel_composer_new (GTK_APPLICATION (self), self->store, 0)));
}

static const GActionEntry app_actions[] = {
  { "about", show_about },
  { "compose", compose },
  { "preferences", show_preferences },
  { "quit", quit },
  { "show-message", show_message, "x" },
  { "show-outbox", show_outbox, "x" },
};

/* Running in the background is holding the application: it stays when its last window closes. */
static void
on_run_in_background (GSettings *settings, const char *key, gpointer user_data)
{
  CourrielApplication *self = user_data;
  gboolean wanted = g_settings_get_boolean (settings, "run-in-background");

  if (wanted && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!wanted && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = wanted;
}

static void
on_check_interval (GSettings *settings, const char *key, gpointer user_data)
{
  CourrielApplication *self = user_data;

  if (self->sync_service != NULL)
    courriel_sync_service_set_interval (self->sync_service, g_settings_get_uint (settings, "check-interval") * 60);
}

/* The store, the accounts' sync and the notifications of new mail live as long as the
 * application, windows or not. */
static void
start_engine (CourrielApplication *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = courriel_engine_dup_database_path ();

  self->store = courriel_store_open (path, &error);
  if (self->store == NULL)
    {
      g_warning ("The mail store cannot be opened: %s", error->message);
      return;
    }
  self->sync_service = courriel_sync_service_new (self->store);
  courriel_sync_service_set_push (self->sync_service, TRUE); /* new mail as it comes (IMAP IDLE) */
  self->notifier = courriel_notifier_new (G_APPLICATION (self), self->sync_service, self->settings);
  g_signal_connect (self->settings, "changed::check-interval", G_CALLBACK (on_check_interval), self);
  on_check_interval (self->settings, "check-interval", self);
  courriel_sync_service_sync_all (self->sync_service);
}

/* The main window's shortcuts (listed in ui/help-overlay.ui). Ctrl+R checks for mail, as F5
 * does; replying takes Ctrl+Alt+R and Ctrl+Shift+R replies to all. Delete and Ctrl+Z are the
 * window's own (courriel-window.c): application shortcuts would take them from text fields. */
static const struct
{
  const char *action;
  const char *accels[3];
} window_accels[] = {
  { "win.mark-read", { "<Control>i", NULL } },
  { "win.mark-unread", { "<Control>u", NULL } },
  { "win.star", { "<Control>s", NULL } },
  { "win.unstar", { "<Control><Shift>s", NULL } },
  { "win.archive", { "<Control>e", NULL } },
  { "win.mark-junk", { "<Control>j", NULL } },
  { "win.move", { "<Control>m", NULL } },
  { "win.reply", { "<Control><Alt>r", NULL } },
  { "win.reply-all", { "<Control><Shift>r", NULL } },
  { "win.forward", { "<Control>l", NULL } },
  { "win.refresh", { "F5", "<Control>r", NULL } },
  { "win.new-folder", { "<Control><Shift>n", NULL } },
  { "win.rename-folder", { "F2", NULL } },
  { "win.go-back", { "<Alt>Left", NULL } },
};

static void
courriel_application_startup (GApplication *app)
{
  CourrielApplication *self = COURRIEL_APPLICATION (app);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *compose_accels[] = { "<Control>n", NULL };
  const char *close_accels[] = { "<Control>w", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (courriel_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.compose", compose_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  for (guint i = 0; i < G_N_ELEMENTS (window_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), window_accels[i].action, window_accels[i].accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);

  self->settings = g_settings_new (APPLICATION_ID);
  g_signal_connect (self->settings, "changed::run-in-background", G_CALLBACK (on_run_in_background), self);
  on_run_in_background (self->settings, "run-in-background", self);
  start_engine (self);
}

static void
courriel_application_shutdown (GApplication *app)
{
  CourrielApplication *self = COURRIEL_APPLICATION (app);

  g_clear_object (&self->notifier);
  g_clear_object (&self->sync_service);
  if (self->store != NULL)
    courriel_store_close (self->store);
  g_clear_object (&self->store);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  G_APPLICATION_CLASS (courriel_application_parent_class)->shutdown (app);
}

static void
courriel_application_class_init (CourrielApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->handle_local_options = courriel_application_handle_local_options;
  app_class->startup = courriel_application_startup;
  app_class->activate = courriel_application_activate;
  app_class->shutdown = courriel_application_shutdown;

  /* (message id): show this message; app.show-message (a clicked notification) emits it after
   * presenting the window, which connects to it. */
  signals[SIGNAL_SHOW_MESSAGE] = g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                               NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* (account id): show this account's Outbox; app.show-outbox emits it after presenting the window. */
  signals[SIGNAL_SHOW_OUTBOX] = g_signal_new ("show-outbox", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
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

/* The application's store and sync service, or NULL when the store could not be opened (the
 * reason was logged). Valid between startup and shutdown. */
CourrielStore *
courriel_application_get_store (CourrielApplication *self)
{
  g_return_val_if_fail (COURRIEL_IS_APPLICATION (self), NULL);

  return self->store;
}

CourrielSyncService *
courriel_application_get_sync_service (CourrielApplication *self)
{
  g_return_val_if_fail (COURRIEL_IS_APPLICATION (self), NULL);

  return self->sync_service;
}
