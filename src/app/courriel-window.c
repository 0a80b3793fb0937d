/* courriel-window.c — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Until accounts can be set up, the window says so plainly: no sample mailbox, no fake
 * folders. Its "Add Account" action exists, disabled, for the setup wizard to enable.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-window.h"

#include <glib/gi18n.h>

struct _CourrielWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* template children */
  AdwStatusPage        *empty_page;
  GtkButton            *add_account_button;
};

G_DEFINE_FINAL_TYPE (CourrielWindow, courriel_window, ADW_TYPE_APPLICATION_WINDOW)

static void
add_account (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  /* Disabled for as long as Courriel has no setup wizard; see courriel_window_init(). */
  g_warning ("%s was activated while account setup is unavailable", action_name);
}

static void
courriel_window_dispose (GObject *object)
{
  CourrielWindow *self = COURRIEL_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (courriel_window_parent_class)->dispose (object);
}

static void
courriel_window_class_init (CourrielWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, add_account_button);

  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account);
}

static void
courriel_window_init (CourrielWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Size and maximized state follow the user from one start to the next. */
  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-account", FALSE);
}

CourrielWindow *
courriel_window_new (CourrielApplication *application)
{
  return g_object_new (COURRIEL_TYPE_WINDOW, "application", application, NULL);
}
