/* courriel-preferences-window.c — the preferences: GSettings keys and each account's offline and POP3 policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The General page is bound to GSettings, so a change applies at once and the widgets follow a
 * key changed elsewhere (gsettings set, another window). The Accounts page edits columns of the
 * accounts table: each change reads the account afresh and saves it with that one field changed,
 * so that what another part of the app saved meanwhile (an accepted certificate, a new server) is
 * not overwritten by the copy this window was opened with. Changes are saved one after the
 * other, so that a second change never reads the account before the first is written.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-preferences-window.h"

#include <glib/gi18n.h>

#include "courriel-account-dialog.h"
#include "courriel-account.h"
#include "courriel-application.h"

struct _CourrielPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
  GSettings           *settings;
  CourrielStore       *store;       /* NULL: no accounts to show */
  GCancellable        *cancellable; /* the account list and saves, cancelled when the window goes */
  GQueue               changes;     /* Change*, waiting for the one being saved */
  gboolean             saving;

  GtkSpinButton       *check_interval_spin;
  GtkSwitch           *notifications_switch;
  GtkSwitch           *background_switch;
  AdwComboRow         *mark_read_row;
  GtkSwitch           *conversation_switch;
  AdwComboRow         *remote_content_row;
  AdwPreferencesPage  *accounts_page;
  AdwPreferencesGroup *no_accounts_group;
};

G_DEFINE_FINAL_TYPE (CourrielPreferencesWindow, courriel_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The choices of the combo rows, in the order of their items. */
static const int mark_read_delays[] = { 0, 2, 5, 10, -1 };
static const char *const remote_content_values[] = { "ask", "never" };
static const int offline_days_choices[] = { 0, 7, 30, 90, 365 };
static const int pop3_keep_days_choices[] = { 0, 7, 14, 30, -1 };

typedef struct
{
  const int *values;
  guint      n_values;
} Choices;

static const Choices mark_read_choices = { mark_read_delays, G_N_ELEMENTS (mark_read_delays) };
static const Choices offline_choices = { offline_days_choices, G_N_ELEMENTS (offline_days_choices) };
static const Choices keep_choices = { pop3_keep_days_choices, G_N_ELEMENTS (pop3_keep_days_choices) };

/* The item for @value: itself, or for a value set outside this window (gsettings, an older
 * version) the nearest one, -1 ("never", "always") only for -1. */
static guint
choices_find (const Choices *choices, int value)
{
  guint best = 0;
  int best_distance = G_MAXINT;

  for (guint i = 0; i < choices->n_values; i++)
    {
      int v = choices->values[i];
      int distance;

      if ((v < 0) != (value < 0))
        continue;
      distance = ABS (v - value);
      if (distance < best_distance)
        {
          best = i;
          best_distance = distance;
        }
    }
  return best;
}

/* GSettings mappings ------------------------------------------------------------------------------ */

/* An integer key ('i' or 'u') shown in a spin button's double "value". */
static gboolean
get_number (GValue *value, GVariant *variant, gpointer user_data)
{
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_UINT32))
    g_value_set_double (value, g_variant_get_uint32 (variant));
  else
    g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
set_number (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  double number = g_value_get_double (value);
  gint64 rounded = (gint64)(number < 0 ? number - 0.5 : number + 0.5);

  if (g_variant_type_equal (expected_type, G_VARIANT_TYPE_UINT32))
    return g_variant_new_uint32 (rounded < 0 ? 0 : (guint32)rounded);
  return g_variant_new_int32 ((gint32)rounded);
}

/* An 'i' key shown as the "selected" item of a combo row; user_data: its Choices. */
static gboolean
get_choice (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value, choices_find (user_data, g_variant_get_int32 (variant)));
  return TRUE;
}

static GVariant *
set_choice (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  const Choices *choices = user_data;
  guint selected = g_value_get_uint (value);

  if (selected >= choices->n_values)
    return NULL;
  return g_variant_new_int32 (choices->values[selected]);
}

static gboolean
get_remote_content (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *policy = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (remote_content_values); i++)
    if (g_str_equal (policy, remote_content_values[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
set_remote_content (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (remote_content_values))
    return NULL;
  return g_variant_new_string (remote_content_values[selected]);
}

static void
bind_settings (CourrielPreferencesWindow *self)
{
  g_settings_bind_with_mapping (self->settings, "check-interval", self->check_interval_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, get_number, set_number, NULL, NULL);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "mark-read-delay", self->mark_read_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, get_choice, set_choice, (gpointer)&mark_read_choices, NULL);
  g_settings_bind (self->settings, "conversation-view", self->conversation_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "remote-content", self->remote_content_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, get_remote_content, set_remote_content, NULL, NULL);
}

/* Accounts ---------------------------------------------------------------------------------------- */

typedef enum
{
  FIELD_OFFLINE_DAYS,
  FIELD_POP3_KEEP_DAYS,
  FIELD_POP3_DELETE_WHEN_DELETED_HERE,
} Field;

typedef struct
{
  CourrielPreferencesWindow *self; /* (owned) */
  char                      *address;
  Field                      field;
  int                        value;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->self);
  g_free (change->address);
  g_free (change);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

static void
show_save_error (CourrielPreferencesWindow *self, const GError *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Translators: %s says why, e.g. "The database is locked". */
  text = g_strdup_printf (_("The account’s settings could not be saved: %s"), error->message);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void save_next (CourrielPreferencesWindow *self);

static void
change_done (Change *change, const GError *error)
{
  if (error != NULL)
    show_save_error (change->self, error);
  if (!g_cancellable_is_cancelled (change->self->cancellable))
    save_next (change->self);
}

static void
on_account_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Change) change = user_data;
  g_autoptr (GError) error = NULL;

  courriel_account_save_finish (result, &error);
  change_done (change, error);
}

static void
on_account_reread (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Change) change = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (change->self->store, result, &error);
  CourrielAccount *account = NULL;
  CourrielPreferencesWindow *self;

  if (accounts == NULL)
    {
      change_done (change, error);
      return;
    }
  for (guint i = 0; i < accounts->len && account == NULL; i++)
    if (g_str_equal (((CourrielAccount *)accounts->pdata[i])->address, change->address))
      account = accounts->pdata[i];
  if (account == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The account %s was removed."), change->address);
      change_done (change, error);
      return;
    }

  switch (change->field)
    {
    case FIELD_OFFLINE_DAYS:
      account->offline_days = change->value;
      break;
    case FIELD_POP3_KEEP_DAYS:
      account->pop3_keep_days = change->value;
      break;
    case FIELD_POP3_DELETE_WHEN_DELETED_HERE:
      account->pop3_delete_when_deleted_here = change->value != 0;
      break;
    default:
      g_assert_not_reached ();
    }
  self = change->self;
  courriel_account_save_async (self->store, account, NULL, NULL, self->cancellable, on_account_saved,
                               g_steal_pointer (&change));
}

static void
save_next (CourrielPreferencesWindow *self)
{
  Change *change = g_queue_pop_head (&self->changes);

  self->saving = change != NULL;
  if (change != NULL)
    courriel_account_list_async (self->store, self->cancellable, on_account_reread, change);
}

static void
save_field (CourrielPreferencesWindow *self, const char *address, Field field, int value)
{
  Change *change = g_new0 (Change, 1);

  change->self = g_object_ref (self);
  change->address = g_strdup (address);
  change->field = field;
  change->value = value;
  g_queue_push_tail (&self->changes, change);
  if (!self->saving)
    save_next (self);
}

static const char *
row_address (gpointer row)
{
  return g_object_get_data (G_OBJECT (row), "courriel-address");
}

static void
on_offline_days_selected (AdwComboRow *row, GParamSpec *pspec, CourrielPreferencesWindow *self)
{
  save_field (self, row_address (row), FIELD_OFFLINE_DAYS, offline_days_choices[adw_combo_row_get_selected (row)]);
}

static void
on_keep_days_selected (AdwComboRow *row, GParamSpec *pspec, CourrielPreferencesWindow *self)
{
  save_field (self, row_address (row), FIELD_POP3_KEEP_DAYS, pop3_keep_days_choices[adw_combo_row_get_selected (row)]);
}

static void
on_delete_here_active (GtkSwitch *button, GParamSpec *pspec, CourrielPreferencesWindow *self)
{
  save_field (self, row_address (button), FIELD_POP3_DELETE_WHEN_DELETED_HERE, gtk_switch_get_active (button));
}

/* A combo row of @labels (NULL-terminated), showing @value, that calls @on_selected when the user picks another. */
static GtkWidget *
new_combo_row (CourrielPreferencesWindow *self, const CourrielAccount *account, const char *title,
               const char *const *labels, const Choices *choices, int value, GCallback on_selected)
{
  g_autoptr (GtkStringList) model = gtk_string_list_new ((const char *const *)labels);
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (row, choices_find (choices, value));
  g_object_set_data_full (G_OBJECT (row), "courriel-address", g_strdup (account->address), g_free);
  g_signal_connect_object (row, "notify::selected", on_selected, self, 0);
  return GTK_WIDGET (row);
}

static GtkWidget *
new_switch_row (CourrielPreferencesWindow *self, const CourrielAccount *account, const char *title, gboolean value,
                GCallback on_active)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (button), value);
  g_object_set_data_full (G_OBJECT (button), "courriel-address", g_strdup (account->address), g_free);
  g_signal_connect_object (button, "notify::active", on_active, self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

static void
on_account_removed (AdwPreferencesGroup *group, gint64 account_id)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (group), ADW_TYPE_PREFERENCES_PAGE);

  if (page != NULL)
    adw_preferences_page_remove (ADW_PREFERENCES_PAGE (page), group);
}

/* The account's name, password and servers, and removing it: in the account dialog. */
static void
on_account_settings_activated (AdwActionRow *row, CourrielPreferencesWindow *self)
{
  GApplication *app = g_application_get_default ();
  CourrielSyncService *sync_service = COURRIEL_IS_APPLICATION (app)
                                          ? courriel_application_get_sync_service (COURRIEL_APPLICATION (app))
                                          : NULL;
  gint64 account_id = *(gint64 *)g_object_get_data (G_OBJECT (row), "courriel-account-id");
  GtkWindow *dialog = courriel_account_dialog_new (GTK_WINDOW (self), self->store, sync_service, account_id,
                                                   COURRIEL_ACCOUNT_DIALOG_SETTINGS);

  g_signal_connect_object (dialog, "removed", G_CALLBACK (on_account_removed),
                           gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_PREFERENCES_GROUP), G_CONNECT_SWAPPED);
  gtk_window_present (dialog);
}

static GtkWidget *
new_settings_row (CourrielPreferencesWindow *self, const CourrielAccount *account)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Name, Password and Servers"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "courriel-account-id", g_memdup2 (&account->id, sizeof account->id), g_free);
  g_signal_connect_object (row, "activated", G_CALLBACK (on_account_settings_activated), self, 0);
  return row;
}

/* IMAP: how much to download ahead (POP3 downloads every message whole). POP3: how long the
 * server keeps a copy. The explanation is the group's, so that the rows' values have room. */
static GtkWidget *
new_account_group (CourrielPreferencesWindow *self, const CourrielAccount *account)
{
  const char *offline_labels[] = {
    _("When Opened"), _("Last 7 Days"), _("Last 30 Days"), _("Last 90 Days"), _("Last Year"), NULL,
  };
  const char *keep_labels[] = {
    _("Delete After Download"), _("7 Days"), _("14 Days"), _("30 Days"), _("Always"), NULL,
  };
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_preferences_group_set_title (group, account->address);
  if (account->protocol == COURRIEL_PROTOCOL_POP3)
    {
      adw_preferences_group_set_description (
        group, _("POP3: mail is downloaded to this computer. A copy can stay on the server a while, for your other "
                 "devices."));
      adw_preferences_group_add (group, new_combo_row (self, account, _("Keep on the Server"), keep_labels,
                                                       &keep_choices, account->pop3_keep_days,
                                                       G_CALLBACK (on_keep_days_selected)));
      adw_preferences_group_add (group, new_switch_row (self, account, _("Delete from the Server When Deleted Here"),
                                                        account->pop3_delete_when_deleted_here,
                                                        G_CALLBACK (on_delete_here_active)));
    }
  else
    {
      adw_preferences_group_set_description (
        group, _("IMAP: mail stays on the server. Recent messages can be downloaded ahead, to read them offline; "
                 "the others are downloaded when opened."));
      adw_preferences_group_add (group, new_combo_row (self, account, _("Download for Offline Reading"),
                                                       offline_labels, &offline_choices, account->offline_days,
                                                       G_CALLBACK (on_offline_days_selected)));
    }
  adw_preferences_group_add (group, new_settings_row (self, account));
  return GTK_WIDGET (group);
}

static void
on_accounts_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (self->store, result, &error);

  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          adw_preferences_group_set_title (self->no_accounts_group, _("Accounts Unavailable"));
          adw_preferences_group_set_description (self->no_accounts_group, error->message);
        }
      return;
    }
  if (accounts->len > 0)
    gtk_widget_set_visible (GTK_WIDGET (self->no_accounts_group), FALSE);
  for (guint i = 0; i < accounts->len; i++)
    adw_preferences_page_add (self->accounts_page,
                              ADW_PREFERENCES_GROUP (new_account_group (self, accounts->pdata[i])));
}

/* The object ------------------------------------------------------------------------------------- */

static void
courriel_preferences_window_dispose (GObject *object)
{
  CourrielPreferencesWindow *self = COURRIEL_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->changes, (GDestroyNotify)change_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (courriel_preferences_window_parent_class)->dispose (object);
}

static void
courriel_preferences_window_finalize (GObject *object)
{
  CourrielPreferencesWindow *self = COURRIEL_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (courriel_preferences_window_parent_class)->finalize (object);
}

static void
courriel_preferences_window_class_init (CourrielPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_preferences_window_dispose;
  object_class->finalize = courriel_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, check_interval_spin);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, mark_read_row);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, conversation_switch);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, remote_content_row);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, CourrielPreferencesWindow, no_accounts_group);
}

static void
courriel_preferences_window_init (CourrielPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APPLICATION_ID);
  bind_settings (self);
}

GtkWindow *
courriel_preferences_window_new (GtkWindow *parent, CourrielStore *store)
{
  CourrielPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (store == NULL || COURRIEL_IS_STORE (store), NULL);

  self = g_object_new (COURRIEL_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", parent != NULL, NULL);
  if (store == NULL)
    {
      adw_preferences_group_set_title (self->no_accounts_group, _("Accounts Unavailable"));
      adw_preferences_group_set_description (self->no_accounts_group, _("The mail store could not be opened."));
      return GTK_WINDOW (self);
    }

  self->store = g_object_ref (store);
  courriel_account_list_async (store, self->cancellable, on_accounts_listed, g_object_ref (self));
  return GTK_WINDOW (self);
}
