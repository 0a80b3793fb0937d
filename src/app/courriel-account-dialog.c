/* courriel-account-dialog.c — one account's settings: name, password, servers, removal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The account is read afresh from the store when the dialog opens, and each server is probed
 * (connected to, not logged in to) for the login methods it advertises: the Login Method rows
 * offer "Automatic" and those. Saving a new address, password, login method or changed server
 * settings first logs in to each server with courriel_server_verify_mechanism_async(), as the
 * setup wizard does, and saves only what worked (a typed password goes to the keyring, never
 * to the database; without one, each server is checked with its own saved password, which
 * stays; a new address moves the keyring's items with the row); a new name alone is saved at
 * once. After saving, the sync service syncs the account again, so that a banner
 * about a refused password goes away once the sync succeeds; the outgoing-password mode (the
 * banner's, when the Outbox could not be sent) checks and saves the outgoing server's password
 * alone, then sends the Outbox again. IMAP and POP3 keep different data here, so the protocol
 * is not switched in place: "Set Up Again…" opens the setup wizard with the address and name.
 * Removing asks first, then deletes the account with its folders, messages and password.
 * Changing a server's security to "None" asks first too (CourrielInsecureDialog), and the
 * Security row says "Not encrypted" while it is chosen.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-account-dialog.h"

#include <glib/gi18n.h>

#include "courriel-account.h"
#include "courriel-insecure-dialog.h"
#include "courriel-sasl.h"
#include "courriel-secrets.h"
#include "courriel-server-verify.h"
#include "courriel-setup-wizard.h"

enum { INCOMING, OUTGOING, N_DIRECTIONS };

struct _CourrielAccountDialog
{
  AdwWindow                 parent_instance;

  CourrielStore            *store;
  CourrielSyncService      *sync_service; /* nullable */
  GCancellable             *cancellable;
  gint64                    account_id;
  CourrielAccountDialogMode mode;
  CourrielAccount          *account;      /* as read from the store; NULL until then */
  CourrielAccount          *edited;       /* being verified and saved */
  char                     *password;     /* the incoming one verified (typed, or from the keyring) */
  char                     *outgoing_password; /* the outgoing one: typed, or its own keyring item */
  gboolean                  typed;        /* the passwords were typed: saved, else kept as they are */
  char                     *refusal;      /* the outgoing server refused the typed password: why */
  char                     *untrusted;    /* a certificate's fingerprint shown, not accepted yet */
  guint                     direction;    /* the server being verified */
  gboolean                  insecure_confirmed; /* "Use Without Encryption" for the security chosen now */
  GtkWidget                *not_encrypted[N_DIRECTIONS]; /* the Security rows' warnings */

  AdwWindowTitle           *window_title;
  GtkWidget                *save_button;
  GtkSpinner               *spinner;
  AdwPreferencesGroup      *status_group;
  GtkLabel                 *status_label;
  GtkWidget                *trust_button;
  AdwPreferencesGroup      *account_group;
  AdwEntryRow              *address_row;
  AdwEntryRow              *name_row;
  AdwPreferencesGroup      *password_group;
  GtkEditable              *password_row;
  AdwPreferencesGroup      *incoming_group;
  GtkEditable              *incoming_host;
  GtkSpinButton            *incoming_port;
  AdwComboRow              *incoming_security;
  GtkEditable              *incoming_username;
  AdwComboRow              *incoming_auth;
  AdwPreferencesGroup      *outgoing_group;
  GtkEditable              *outgoing_host;
  GtkSpinButton            *outgoing_port;
  AdwComboRow              *outgoing_security;
  GtkEditable              *outgoing_username;
  AdwComboRow              *outgoing_auth;
  AdwPreferencesGroup      *protocol_group;
  AdwActionRow             *protocol_row;
  AdwPreferencesGroup      *remove_group;
};

G_DEFINE_FINAL_TYPE (CourrielAccountDialog, courriel_account_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_SAVED, SIGNAL_REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void verify_next (CourrielAccountDialog *self);
static void on_own_outgoing_looked_up (GObject *source, GAsyncResult *result, gpointer user_data);

static void
set_busy (CourrielAccountDialog *self, gboolean busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "account.save", !busy && self->account != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "account.remove", !busy && self->account != NULL);
}

static void
show_status (CourrielAccountDialog *self, const char *message)
{
  gtk_label_set_label (self->status_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_group), message != NULL);
  gtk_widget_set_visible (self->trust_button, self->untrusted != NULL);
}

/* Saving (or @removing) failed; nothing is said of a cancellation: the dialog is closing. */
static void
show_failure (CourrielAccountDialog *self, gboolean removing, const GError *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = removing ? g_strdup_printf (_("The account could not be removed: %s"), error->message)
                     : g_strdup_printf (_("The account could not be saved: %s"), error->message);
  set_busy (self, FALSE);
  show_status (self, message);
}

static GtkEditable *
host_entry (CourrielAccountDialog *self, guint direction)
{
  return direction == INCOMING ? self->incoming_host : self->outgoing_host;
}

static AdwComboRow *
auth_row (CourrielAccountDialog *self, guint direction)
{
  return direction == INCOMING ? self->incoming_auth : self->outgoing_auth;
}

/* The login method chosen: NULL for "Automatic", the first item. */
static const char *
chosen_mechanism (CourrielAccountDialog *self, guint direction)
{
  AdwComboRow *row = auth_row (self, direction);
  guint selected = adw_combo_row_get_selected (row);
  GtkStringList *model = GTK_STRING_LIST (adw_combo_row_get_model (row));

  return selected == 0 || selected == GTK_INVALID_LIST_POSITION ? NULL : gtk_string_list_get_string (model, selected);
}

/* "Automatic", the mechanisms Courriel can log in with a password that @offered (nullable)
 * has, and @current when it is not among them (saved before, no longer offered), selected. */
static void
fill_mechanisms (CourrielAccountDialog *self, guint direction, const char *const *offered, const char *current)
{
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  const char *const *supported = courriel_sasl_get_supported ();
  guint selected = 0;

  gtk_string_list_append (model, _("Automatic"));
  for (guint i = 0; offered != NULL && offered[i] != NULL; i++)
    {
      /* OAuth2's take a token, not the password this dialog has. */
      if (!g_strv_contains (supported, offered[i]) || g_str_has_prefix (offered[i], "OAUTH")
          || g_str_has_prefix (offered[i], "XOAUTH"))
        continue;
      gtk_string_list_append (model, offered[i]);
      if (current != NULL && g_ascii_strcasecmp (current, offered[i]) == 0)
        selected = g_list_model_get_n_items (G_LIST_MODEL (model)) - 1;
    }
  if (current != NULL && selected == 0)
    {
      gtk_string_list_append (model, current);
      selected = g_list_model_get_n_items (G_LIST_MODEL (model)) - 1;
    }
  adw_combo_row_set_model (auth_row (self, direction), G_LIST_MODEL (model));
  adw_combo_row_set_selected (auth_row (self, direction), selected);
}

static void
fill_server (CourrielAccountDialog *self, guint direction, const CourrielServer *server)
{
  gboolean in = direction == INCOMING;

  gtk_editable_set_text (host_entry (self, direction), server->host != NULL ? server->host : "");
  gtk_spin_button_set_value (in ? self->incoming_port : self->outgoing_port, server->port);
  adw_combo_row_set_selected (in ? self->incoming_security : self->outgoing_security, server->security);
  gtk_editable_set_text (in ? self->incoming_username : self->outgoing_username,
                         server->username != NULL ? server->username : "");
}

/* The server as the page says it; @server keeps its authentication and pinned certificate. */
static void
read_server (CourrielAccountDialog *self, guint direction, CourrielServer *server)
{
  gboolean in = direction == INCOMING;
  const char *host = gtk_editable_get_text (host_entry (self, direction));
  const char *username = gtk_editable_get_text (in ? self->incoming_username : self->outgoing_username);
  g_autofree char *clean = courriel_mail_server_clean_host (host);

  g_free (server->host);
  server->host = *host == '\0' ? NULL : clean != NULL ? g_steal_pointer (&clean) : g_strdup (host);
  server->port = (guint16)gtk_spin_button_get_value_as_int (in ? self->incoming_port : self->outgoing_port);
  server->security = adw_combo_row_get_selected (in ? self->incoming_security : self->outgoing_security);
  g_free (server->username);
  server->username = *username != '\0' ? g_strdup (username) : NULL;
  g_free (server->auth);
  server->auth = g_strdup (chosen_mechanism (self, direction));
}

static gboolean
same_server (const CourrielServer *a, const CourrielServer *b)
{
  return g_strcmp0 (a->host, b->host) == 0 && a->port == b->port && a->security == b->security
         && g_strcmp0 (a->username, b->username) == 0 && g_strcmp0 (a->fingerprint, b->fingerprint) == 0
         && g_strcmp0 (a->auth, b->auth) == 0;
}

static CourrielServer *
edited_server (CourrielAccountDialog *self, guint direction)
{
  return direction == INCOMING ? &self->edited->incoming : &self->edited->outgoing;
}

/* Loading ------------------------------------------------------------------------------------- */

static CourrielMailServer *new_mail_server (CourrielAccountDialog *self, const CourrielAccount *account,
                                            guint direction);

typedef struct
{
  CourrielAccountDialog *self;
  guint                  direction;
} Probe;

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree Probe *probe = user_data;
  g_autoptr (CourrielAccountDialog) self = probe->self;
  g_autoptr (CourrielVerifyResult) probed = courriel_server_verify_finish (result, NULL);

  if (probed == NULL) /* cancelled: the dialog closed */
    return;
  if (probed->outcome != COURRIEL_VERIFY_OK)
    g_debug ("The login methods of %s are unknown: %s", probed->server->host,
             probed->message != NULL ? probed->message : "");
  fill_mechanisms (self, probe->direction, (const char *const *)probed->mechanisms,
                   chosen_mechanism (self, probe->direction));
}

/* What the server advertises, for the Login Method row; meanwhile it has the saved choice. */
static void
probe (CourrielAccountDialog *self, guint direction)
{
  const CourrielServer *server = direction == INCOMING ? &self->account->incoming : &self->account->outgoing;
  g_autoptr (CourrielMailServer) mail_server = new_mail_server (self, self->account, direction);
  Probe *data = g_new0 (Probe, 1);

  fill_mechanisms (self, direction, NULL, server->auth);
  data->self = g_object_ref (self);
  data->direction = direction;
  courriel_server_probe_mechanisms_async (mail_server, server->fingerprint, self->cancellable, on_probed, data);
}

static void
on_account_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);
  CourrielAccount *account = courriel_account_find (accounts, self->account_id);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (account == NULL)
    {
      show_status (self, error != NULL ? error->message : _("This account no longer exists."));
      return;
    }
  self->account = courriel_account_copy (account);
  adw_window_title_set_subtitle (self->window_title, account->address);
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), account->address);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), account->display_name != NULL ? account->display_name : "");
  fill_server (self, INCOMING, &account->incoming);
  fill_server (self, OUTGOING, &account->outgoing);
  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_group),
                          self->mode == COURRIEL_ACCOUNT_DIALOG_SETTINGS && account->outgoing.host != NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->protocol_row),
                                 account->protocol == COURRIEL_PROTOCOL_POP3
                                     ? _("POP3: mail downloaded to this computer")
                                     : _("IMAP: mail kept on the server"));
  set_busy (self, FALSE);
  if (self->mode != COURRIEL_ACCOUNT_DIALOG_SETTINGS)
    return;
  probe (self, INCOMING);
  if (account->outgoing.host != NULL)
    probe (self, OUTGOING);
}

/* Saving -------------------------------------------------------------------------------------- */

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (courriel_account_save_finish (result, &error) <= 0)
    {
      show_failure (self, FALSE, error);
      return;
    }
  set_busy (self, FALSE);
  /* The Outbox waits for the outgoing server: sent again now that it may work. */
  if (self->sync_service != NULL
      && (self->mode == COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD
          || !same_server (&self->account->outgoing, &self->edited->outgoing)))
    courriel_sync_service_retry_outbox (self->sync_service, self->account_id);
  else if (self->sync_service != NULL)
    courriel_sync_service_sync_account (self->sync_service, self->account_id);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, self->account_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_row (CourrielAccountDialog *self)
{
  gboolean outgoing_only = self->mode == COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD;
  const char *incoming_password = self->typed && !outgoing_only ? self->password : NULL;
  const char *outgoing_password = self->typed && self->edited->outgoing.host != NULL ? self->outgoing_password : NULL;

  self->edited->allow_insecure = self->edited->incoming.security == COURRIEL_SECURITY_NONE
                                 || (self->edited->outgoing.host != NULL
                                     && self->edited->outgoing.security == COURRIEL_SECURITY_NONE);
  courriel_account_save_async (self->store, self->edited, incoming_password, outgoing_password, self->cancellable,
                               on_saved, g_object_ref (self));
}

static void
on_address_changed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_account_set_address_finish (result, &error))
    {
      show_failure (self, FALSE, error);
      return;
    }
  /* Saved under its new address from now on, even if what follows fails. */
  g_free (self->account->address);
  self->account->address = g_strdup (self->edited->address);
  adw_window_title_set_subtitle (self->window_title, self->edited->address);
  save_row (self);
}

/* The row is found by its address: a new one first moves the row and the keyring's items. */
static void
save (CourrielAccountDialog *self)
{
  if (g_strcmp0 (self->account->address, self->edited->address) == 0)
    {
      save_row (self);
      return;
    }
  courriel_account_set_address_async (self->store, self->account_id, self->account->address, self->edited->address,
                                      self->cancellable, on_address_changed, g_object_ref (self));
}

/* What went wrong logging in, in the wizard's words; a certificate with its fingerprint. */
static char *
describe_failure (CourrielAccountDialog *self, const CourrielVerifyResult *verified)
{
  const char *title;
  g_autofree char *message = courriel_verify_result_describe (verified, NULL,
                                                              edited_server (self, self->direction)->fingerprint != NULL,
                                                              &title);

  if (verified->outcome == COURRIEL_VERIFY_CERTIFICATE && verified->fingerprint != NULL)
    return g_strdup_printf ("%s\n%s %s", message, _("SHA-256 fingerprint:"), verified->fingerprint);
  return g_steal_pointer (&message);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielVerifyResult) verified = courriel_server_verify_finish (result, &error);
  CourrielServer *server;
  g_autofree char *message = NULL;

  if (verified == NULL) /* cancelled: the dialog closed */
    return;
  server = edited_server (self, self->direction);
  /* The password typed for the incoming server may not be the outgoing server's own, saved when
   * that server refused the incoming one: tried before the typed one is said to be wrong. */
  if (verified->outcome == COURRIEL_VERIFY_WRONG_PASSWORD && self->direction == OUTGOING && self->typed
      && self->mode != COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD && self->refusal == NULL)
    {
      self->refusal = describe_failure (self, verified);
      courriel_secrets_lookup_async (self->account->address, "outgoing", self->cancellable,
                                     on_own_outgoing_looked_up, g_object_ref (self));
      return;
    }
  if (verified->outcome == COURRIEL_VERIFY_OK)
    {
      /* The user name that worked, as the wizard saves it. */
      if (verified->server->username != NULL)
        {
          g_free (server->username);
          server->username = g_strdup (verified->server->username);
        }
      if (self->direction == OUTGOING)
        self->edited->smtp_size_limit = verified->smtp_size_limit;
      self->direction++;
      verify_next (self);
      return;
    }
  set_busy (self, FALSE);
  g_clear_pointer (&self->untrusted, g_free);
  if (verified->outcome == COURRIEL_VERIFY_CERTIFICATE)
    self->untrusted = g_strdup (verified->fingerprint);
  message = describe_failure (self, verified);
  show_status (self, message);
  if (verified->outcome == COURRIEL_VERIFY_WRONG_PASSWORD)
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

/* The outgoing server's own saved password, when it refused the typed one: verified in its place
 * (and saved again as it is), or the refusal said. */
static void
on_own_outgoing_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autofree char *password = courriel_secrets_lookup_finish (result, NULL);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (password != NULL && g_strcmp0 (password, self->outgoing_password) != 0)
    {
      g_free (self->outgoing_password);
      self->outgoing_password = g_steal_pointer (&password);
      verify_next (self);
      return;
    }
  set_busy (self, FALSE);
  show_status (self, self->refusal);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

/* One of @account's servers, as the autoconfig code that logs in to it takes it. */
static CourrielMailServer *
new_mail_server (CourrielAccountDialog *self, const CourrielAccount *account, guint direction)
{
  const CourrielServer *server = direction == INCOMING ? &account->incoming : &account->outgoing;
  CourrielMailServer *mail_server = g_new0 (CourrielMailServer, 1);

  mail_server->type = direction == OUTGOING                           ? COURRIEL_MAIL_SERVER_SMTP
                      : account->protocol == COURRIEL_PROTOCOL_POP3 ? COURRIEL_MAIL_SERVER_POP3
                                                                     : COURRIEL_MAIL_SERVER_IMAP;
  mail_server->host = g_strdup (server->host);
  mail_server->port = server->port;
  mail_server->security = server->security;
  mail_server->username = g_strdup (server->username);
  mail_server->days_on_server = -1;
  return mail_server;
}

/* Logs in to the incoming server, then to the outgoing one if there is one, then saves. */
static void
verify_next (CourrielAccountDialog *self)
{
  CourrielServer *server;
  g_autoptr (CourrielMailServer) mail_server = NULL;

  if (self->direction == OUTGOING && self->edited->outgoing.host == NULL)
    self->direction++;
  if (self->direction >= N_DIRECTIONS)
    {
      save (self);
      return;
    }
  server = edited_server (self, self->direction);
  mail_server = new_mail_server (self, self->edited, self->direction);
  /* A server already saved without encryption was confirmed then; a new one just now
   * (start_saving()). */
  courriel_server_verify_mechanism_async (mail_server, server->auth, self->edited->address,
                                          self->direction == OUTGOING ? self->outgoing_password : self->password,
                                          server->fingerprint, NULL,
                                          server->security == COURRIEL_SECURITY_NONE
                                              ? COURRIEL_VERIFY_ALLOW_INSECURE_AUTH
                                              : COURRIEL_VERIFY_FLAGS_NONE,
                                          self->cancellable, on_verified,
                                          g_object_ref (self));
}

/* The outgoing server's own password, if it has one; else it takes the incoming one, as sending
 * does (courriel_account_send_due_async()). */
static void
on_outgoing_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autofree char *password = courriel_secrets_lookup_finish (result, NULL);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->outgoing_password = password != NULL ? g_steal_pointer (&password) : g_strdup (self->password);
  verify_next (self);
}

static void
on_password_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *password = courriel_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (password == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Courriel needs the password to check these settings: %s"),
                                                  error != NULL ? error->message
                                                                : _("none is saved in your keyring. Enter it."));
      set_busy (self, FALSE);
      show_status (self, message);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }
  self->password = g_steal_pointer (&password);
  courriel_secrets_lookup_async (self->account->address, "outgoing", self->cancellable, on_outgoing_looked_up,
                                 g_object_ref (self));
}

static void start_saving (CourrielAccountDialog *self);

static void
on_insecure_answered (CourrielInsecureDialog *dialog, const char *response, CourrielAccountDialog *self)
{
  AdwComboRow *security[N_DIRECTIONS] = { self->incoming_security, self->outgoing_security };

  if (g_str_equal (response, COURRIEL_INSECURE_DIALOG_INSECURE))
    self->insecure_confirmed = TRUE;
  else if (g_str_equal (response, COURRIEL_INSECURE_DIALOG_STARTTLS))
    for (guint d = 0; d < N_DIRECTIONS; d++)
      {
        const CourrielServer *server = edited_server (self, d);

        if (server->host != NULL && server->security == COURRIEL_SECURITY_NONE
            && courriel_insecure_dialog_offers_starttls (dialog, server->host, server->port))
          adw_combo_row_set_selected (security[d], COURRIEL_SECURITY_STARTTLS);
      }
  else
    return; /* Cancel: nothing was sent, nothing saved */
  start_saving (self);
}

/* A server whose security the user just changed to "None": asked about before any password is
 * sent. Returns whether the dialog is shown. */
static gboolean
confirm_insecure (CourrielAccountDialog *self)
{
  g_autoptr (CourrielMailServer) in = NULL;
  g_autoptr (CourrielMailServer) out = NULL;
  const CourrielMailServer *insecure[N_DIRECTIONS];
  const CourrielServer *saved[N_DIRECTIONS] = { &self->account->incoming, &self->account->outgoing };
  guint n = 0;
  GtkWindow *dialog;

  if (self->insecure_confirmed)
    return FALSE;
  for (guint d = 0; d < N_DIRECTIONS; d++)
    {
      const CourrielServer *server = edited_server (self, d);

      if (server->host == NULL || server->security != COURRIEL_SECURITY_NONE
          || saved[d]->security == COURRIEL_SECURITY_NONE)
        continue;
      if (d == INCOMING)
        insecure[n++] = in = new_mail_server (self, self->edited, d);
      else
        insecure[n++] = out = new_mail_server (self, self->edited, d);
    }
  if (n == 0)
    return FALSE;
  dialog = courriel_insecure_dialog_new (GTK_WINDOW (self), insecure, n);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_insecure_answered), self, 0);
  gtk_window_present (dialog);
  return TRUE;
}

static void
start_saving (CourrielAccountDialog *self)
{
  const char *typed = gtk_editable_get_text (self->password_row);

  gboolean settings = self->mode == COURRIEL_ACCOUNT_DIALOG_SETTINGS;
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));
  const char *at = strchr (address, '@');

  g_clear_pointer (&self->edited, courriel_account_free);
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->outgoing_password, g_free);
  g_clear_pointer (&self->refusal, g_free);
  self->typed = *typed != '\0';
  self->edited = courriel_account_copy (self->account);
  if (settings)
    {
      g_free (self->edited->display_name);
      self->edited->display_name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
      g_free (self->edited->address);
      self->edited->address = g_strdup (address);
      read_server (self, INCOMING, &self->edited->incoming);
      if (self->account->outgoing.host != NULL)
        read_server (self, OUTGOING, &self->edited->outgoing);
    }
  if (at == NULL || at == address || at[1] == '\0' || strchr (at + 1, '@') != NULL || strchr (address, ' ') != NULL)
    {
      show_status (self, _("Enter an e-mail address such as name@example.com."));
      return;
    }
  if (self->edited->incoming.host == NULL)
    {
      show_status (self, _("The incoming server needs a name."));
      return;
    }
  if (settings && confirm_insecure (self))
    return;
  set_busy (self, TRUE);
  show_status (self, NULL);
  /* The outgoing-password mode logs in to the outgoing server alone. */
  self->direction = self->mode == COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD ? OUTGOING : INCOMING;
  if (*typed != '\0')
    {
      self->password = g_strdup (typed);
      self->outgoing_password = g_strdup (typed);
      verify_next (self);
    }
  else if (!settings)
    {
      set_busy (self, FALSE);
      show_status (self, _("Enter the password."));
    }
  else if (same_server (&self->account->incoming, &self->edited->incoming)
           && same_server (&self->account->outgoing, &self->edited->outgoing)
           && g_strcmp0 (self->account->address, self->edited->address) == 0)
    save (self); /* nothing to log in for: the name alone changed */
  else
    courriel_secrets_lookup_async (self->account->address, "incoming", self->cancellable, on_password_looked_up,
                                   g_object_ref (self));
}

static void
save_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (widget);

  if (self->account != NULL)
    start_saving (self);
}

/* The certificate shown is accepted: pinned to the server being verified, and checked again. */
static void
trust_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (widget);
  CourrielServer *server;

  if (self->untrusted == NULL || self->edited == NULL)
    return;
  server = edited_server (self, MIN (self->direction, OUTGOING));
  g_free (server->fingerprint);
  server->fingerprint = g_steal_pointer (&self->untrusted);
  set_busy (self, TRUE);
  show_status (self, NULL);
  verify_next (self);
}

/* Setting up again ----------------------------------------------------------------------------- */

static void
on_wizard_account_added (GtkWindow *wizard, gint64 account_id, CourrielSyncService *sync_service)
{
  courriel_sync_service_sync_account (sync_service, account_id);
}

/* Another protocol is another account: the wizard, with this account's address and name. */
static void
set_up_again_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (widget);
  GApplication *app = g_application_get_default ();
  GtkWindow *wizard;

  if (self->account == NULL || !GTK_IS_APPLICATION (app))
    return;
  wizard = courriel_setup_wizard_new (GTK_APPLICATION (app), self->store);
  courriel_setup_wizard_set_identity (COURRIEL_SETUP_WIZARD (wizard), self->account->display_name,
                                      self->account->address);
  if (self->sync_service != NULL)
    g_signal_connect_object (wizard, "account-added", G_CALLBACK (on_wizard_account_added), self->sync_service, 0);
  gtk_window_present (wizard);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Removing ------------------------------------------------------------------------------------ */

static void
on_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_account_remove_finish (result, &error))
    {
      show_failure (self, TRUE, error);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, self->account_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_remove_confirmed (AdwMessageDialog *dialog, const char *response, CourrielAccountDialog *self)
{
  if (!g_str_equal (response, "remove") || self->account == NULL)
    return;
  set_busy (self, TRUE);
  courriel_account_remove_async (self->store, self->account->address, self->cancellable, on_removed,
                                 g_object_ref (self));
}

static void
remove_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (widget);
  GtkWidget *dialog;

  if (self->account == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove %s?"), self->account->address);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its folders and messages are deleted from this computer, and its password from "
                                 "your keyring. The mail on the server stays there."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject -------------------------------------------------------------------------------------- */

static void
courriel_account_dialog_dispose (GObject *object)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->sync_service);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_ACCOUNT_DIALOG);
  G_OBJECT_CLASS (courriel_account_dialog_parent_class)->dispose (object);
}

static void
courriel_account_dialog_finalize (GObject *object)
{
  CourrielAccountDialog *self = COURRIEL_ACCOUNT_DIALOG (object);

  g_clear_pointer (&self->account, courriel_account_free);
  g_clear_pointer (&self->edited, courriel_account_free);
  g_free (self->password);
  g_free (self->outgoing_password);
  g_free (self->refusal);
  g_free (self->untrusted);
  G_OBJECT_CLASS (courriel_account_dialog_parent_class)->finalize (object);
}

static void
courriel_account_dialog_class_init (CourrielAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_account_dialog_dispose;
  object_class->finalize = courriel_account_dialog_finalize;

  /**
   * CourrielAccountDialog::saved:
   * @account_id: the account saved (and asked to sync again)
   */
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * CourrielAccountDialog::removed:
   * @account_id: the account removed, with its folders, messages and password
   */
  signals[SIGNAL_REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/courriel/Courriel/ui/courriel-account-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CourrielAccountDialog, name)
  BIND (window_title);
  BIND (save_button);
  BIND (spinner);
  BIND (status_group);
  BIND (status_label);
  BIND (trust_button);
  BIND (account_group);
  BIND (address_row);
  BIND (name_row);
  BIND (password_group);
  BIND (password_row);
  BIND (incoming_group);
  BIND (incoming_host);
  BIND (incoming_port);
  BIND (incoming_security);
  BIND (incoming_username);
  BIND (incoming_auth);
  BIND (outgoing_group);
  BIND (outgoing_host);
  BIND (outgoing_port);
  BIND (outgoing_security);
  BIND (outgoing_username);
  BIND (outgoing_auth);
  BIND (protocol_group);
  BIND (protocol_row);
  BIND (remove_group);
#undef BIND
  gtk_widget_class_install_action (widget_class, "account.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "account.remove", NULL, remove_activated);
  gtk_widget_class_install_action (widget_class, "account.trust-certificate", NULL, trust_activated);
  gtk_widget_class_install_action (widget_class, "account.set-up-again", NULL, set_up_again_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

/* The Security row's reminder while "None" is chosen; choosing it again asks again. */
static void
on_security_changed (CourrielAccountDialog *self)
{
  gtk_widget_set_visible (self->not_encrypted[INCOMING],
                          adw_combo_row_get_selected (self->incoming_security) == COURRIEL_SECURITY_NONE);
  gtk_widget_set_visible (self->not_encrypted[OUTGOING],
                          adw_combo_row_get_selected (self->outgoing_security) == COURRIEL_SECURITY_NONE);
  self->insecure_confirmed = FALSE;
}

static GtkWidget *
add_not_encrypted (AdwComboRow *row, const char *name)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_name (box, name);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (box, "warning");
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  gtk_box_append (GTK_BOX (box), gtk_label_new (_("Not encrypted")));
  gtk_widget_set_visible (box, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  return box;
}

static void
courriel_account_dialog_init (CourrielAccountDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->not_encrypted[INCOMING] = add_not_encrypted (self->incoming_security, "incoming-not-encrypted");
  self->not_encrypted[OUTGOING] = add_not_encrypted (self->outgoing_security, "outgoing-not-encrypted");
  g_signal_connect_object (self->incoming_security, "notify::selected", G_CALLBACK (on_security_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->outgoing_security, "notify::selected", G_CALLBACK (on_security_changed), self,
                           G_CONNECT_SWAPPED);
  self->cancellable = g_cancellable_new ();
  gtk_window_set_default_widget (GTK_WINDOW (self), self->save_button);
  set_busy (self, FALSE);
}

/**
 * courriel_account_dialog_new:
 * @parent: (nullable): the window it is modal to
 * @sync_service: (nullable): asked to sync the account again once saved
 * @mode: everything, or the password only
 *
 * Returns: (transfer none): the dialog, not shown yet
 */
GtkWindow *
courriel_account_dialog_new (GtkWindow *parent, CourrielStore *store, CourrielSyncService *sync_service,
                             gint64 account_id, CourrielAccountDialogMode mode)
{
  CourrielAccountDialog *self = g_object_new (COURRIEL_TYPE_ACCOUNT_DIALOG, "transient-for", parent, NULL);
  gboolean settings = mode == COURRIEL_ACCOUNT_DIALOG_SETTINGS;

  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);

  self->store = g_object_ref (store);
  self->sync_service = sync_service != NULL ? g_object_ref (sync_service) : NULL;
  self->account_id = account_id;
  self->mode = mode;
  if (mode == COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD)
    adw_preferences_group_set_description (self->password_group,
                                           _("The outgoing server refused the saved password. Courriel logs in to it "
                                             "with the new one before saving it in your keyring, then sends the "
                                             "Outbox."));
  else if (!settings)
    adw_preferences_group_set_description (self->password_group,
                                           _("The server refused the saved password. Courriel logs in with the new "
                                             "one before saving it in your keyring."));
  if (!settings)
    {
      adw_window_title_set_title (self->window_title, _("Enter Password"));
      gtk_window_set_default_size (GTK_WINDOW (self), 460, 320);
    }
  else
    adw_preferences_group_set_description (self->password_group,
                                           _("Leave it empty to keep the saved one. Courriel logs in with a new one "
                                             "before saving it in your keyring."));
  gtk_widget_set_visible (GTK_WIDGET (self->account_group), settings);
  gtk_widget_set_visible (GTK_WIDGET (self->incoming_group), settings);
  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->protocol_group), settings);
  gtk_widget_set_visible (GTK_WIDGET (self->remove_group), settings);
  courriel_account_list_async (store, self->cancellable, on_account_listed, g_object_ref (self));
  if (!settings)
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  return GTK_WINDOW (self);
}
