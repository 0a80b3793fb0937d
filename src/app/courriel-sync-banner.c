/* courriel-sync-banner.c — the banner above the message list: what is wrong with syncing, and what to do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AdwBanner arrives with libadwaita 1.3: this is the same thing from a GtkRevealer, a label and
 * one button. One banner speaks for all accounts: the first account that needs the user (a
 * refused password, a changed certificate, another error), else the first whose Outbox the
 * outgoing server stopped (the same problems, on that server), else being offline. Problems are
 * said here rather than in dialogs, so that reading what is already downloaded goes on.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-sync-banner.h"

#include <glib/gi18n.h>

#include "courriel-imap-error.h"
#include "courriel-net-error.h"
#include "courriel-pop3-client.h"
#include "courriel-smtp-client.h"

typedef struct
{
  CourrielWindowSyncState state;
  GError                 *error;
  GError                 *outbox_error; /* why the Outbox could not be sent, or NULL */
  char                   *address;
} Status;

struct _CourrielSyncBanner
{
  AdwBin      parent_instance;

  GHashTable *statuses; /* account id (gint64*) → Status* */
  GtkRevealer *revealer;
  GtkLabel    *label;
  GtkButton   *button;
};

G_DEFINE_FINAL_TYPE (CourrielSyncBanner, courriel_sync_banner, ADW_TYPE_BIN)

static void
status_free (Status *status)
{
  g_clear_error (&status->error);
  g_clear_error (&status->outbox_error);
  g_free (status->address);
  g_free (status);
}

static gboolean
is_auth_error (const GError *error)
{
  return g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED)
         || g_error_matches (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_AUTH_FAILED)
         || g_error_matches (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_AUTH_FAILED);
}

/* @account: the account the action is about (its target), or 0 for an action on all of them */
static void
show (CourrielSyncBanner *self, const char *text, const char *button, const char *action, gint64 account)
{
  gtk_label_set_label (self->label, text);
  gtk_button_set_label (self->button, button);
  /* The target first: the action's parameter type must match it once the name is set. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), NULL);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->button),
                                          account != 0 ? g_variant_new_int64 (account) : NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), action);
  gtk_revealer_set_reveal_child (self->revealer, TRUE);
}

/* What the user must act on: the incoming server's sync error, or (@outgoing) the outgoing
 * server's that stopped the Outbox, said alike, each with its action aimed at that server. */
static void
show_error (CourrielSyncBanner *self, gint64 account, const char *address, const GError *error, gboolean outgoing)
{
  g_autofree char *text = NULL;

  if (is_auth_error (error))
    {
      text = outgoing ? g_strdup_printf (_("The outgoing server refused the password for %s: mail waits in the "
                                           "Outbox."),
                                         address)
                      : g_strdup_printf (_("Courriel could not sign in to %s: the password was refused."), address);
      show (self, text, _("_Enter Password…"), outgoing ? "win.enter-outgoing-password" : "win.enter-password",
            account);
    }
  else if (g_error_matches (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED))
    {
      text = outgoing ? g_strdup_printf (_("The outgoing server’s certificate changed for %s: Courriel will not "
                                           "send mail until you check it."),
                                         address)
                      : g_strdup_printf (_("The server’s certificate changed for %s: Courriel will not connect "
                                           "until you check it."),
                                         address);
      show (self, text, _("_Check Certificate…"),
            outgoing ? "win.review-outgoing-certificate" : "win.review-certificate", account);
    }
  else
    {
      const char *message = error != NULL ? error->message : _("unknown error");

      text = outgoing ? g_strdup_printf (_("Courriel could not send the mail of %s: %s"), address, message)
                      : g_strdup_printf (_("Courriel could not check %s for new mail: %s"), address, message);
      show (self, text, _("_Try Again"), "win.refresh", 0);
    }
}

static void
update (CourrielSyncBanner *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 error_account = 0;
  Status *error_status = NULL;
  gint64 outbox_account = 0;
  Status *outbox_status = NULL;
  gboolean offline = FALSE;

  g_hash_table_iter_init (&iter, self->statuses);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Status *status = value;

      /* The same account each time when several fail: the one added first. */
      if (status->state == COURRIEL_WINDOW_SYNC_ERROR && (error_status == NULL || *(gint64 *)key < error_account))
        {
          error_account = *(gint64 *)key;
          error_status = status;
        }
      if (status->outbox_error != NULL && (outbox_status == NULL || *(gint64 *)key < outbox_account))
        {
          outbox_account = *(gint64 *)key;
          outbox_status = status;
        }
      offline |= status->state == COURRIEL_WINDOW_SYNC_OFFLINE;
    }
  /* Sync errors first: without the incoming server, nothing else works either. */
  if (error_status != NULL)
    show_error (self, error_account, error_status->address, error_status->error, FALSE);
  else if (outbox_status != NULL)
    show_error (self, outbox_account, outbox_status->address, outbox_status->outbox_error, TRUE);
  else if (offline)
    show (self, _("Offline — showing the mail already downloaded."), _("_Try Again"), "win.refresh", 0);
  else
    gtk_revealer_set_reveal_child (self->revealer, FALSE);
}

static Status *
lookup_status (CourrielSyncBanner *self, gint64 account_id)
{
  Status *status = g_hash_table_lookup (self->statuses, &account_id);

  if (status == NULL)
    {
      status = g_new0 (Status, 1);
      g_hash_table_insert (self->statuses, g_memdup2 (&account_id, sizeof account_id), status);
    }
  return status;
}

/**
 * courriel_sync_banner_set_status:
 * @address: the account's address, for the text
 * @error: (nullable): with %COURRIEL_WINDOW_SYNC_ERROR, what went wrong
 */
void
courriel_sync_banner_set_status (CourrielSyncBanner *self, gint64 account_id, const char *address,
                                 CourrielWindowSyncState state, const GError *error)
{
  Status *status;

  g_return_if_fail (COURRIEL_IS_SYNC_BANNER (self));

  status = lookup_status (self, account_id);
  status->state = state;
  g_clear_error (&status->error);
  status->error = error != NULL ? g_error_copy (error) : NULL;
  g_free (status->address);
  status->address = g_strdup (address);
  update (self);
}

/**
 * courriel_sync_banner_set_outbox_error:
 * @error: (nullable): why the account's Outbox could not be sent at its last sync, as
 *   courriel_sync_service_get_outbox_error() says; %NULL once it could
 *
 * Shown when no account has a sync error: a refused password or a changed certificate of the
 * outgoing server, with the actions on that server's settings.
 */
void
courriel_sync_banner_set_outbox_error (CourrielSyncBanner *self, gint64 account_id, const GError *error)
{
  Status *status;

  g_return_if_fail (COURRIEL_IS_SYNC_BANNER (self));

  status = lookup_status (self, account_id);
  g_clear_error (&status->outbox_error);
  status->outbox_error = error != NULL ? g_error_copy (error) : NULL;
  update (self);
}

gboolean
courriel_sync_banner_is_revealed (CourrielSyncBanner *self)
{
  g_return_val_if_fail (COURRIEL_IS_SYNC_BANNER (self), FALSE);
  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
courriel_sync_banner_get_text (CourrielSyncBanner *self)
{
  g_return_val_if_fail (COURRIEL_IS_SYNC_BANNER (self), NULL);
  return gtk_label_get_label (self->label);
}

static void
courriel_sync_banner_finalize (GObject *object)
{
  g_hash_table_unref (COURRIEL_SYNC_BANNER (object)->statuses);

  G_OBJECT_CLASS (courriel_sync_banner_parent_class)->finalize (object);
}

static void
courriel_sync_banner_class_init (CourrielSyncBannerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_sync_banner_finalize;
}

static void
courriel_sync_banner_init (CourrielSyncBanner *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  self->statuses = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)status_free);
  self->revealer = GTK_REVEALER (gtk_revealer_new ());
  self->label = GTK_LABEL (gtk_label_new (NULL));
  self->button = GTK_BUTTON (gtk_button_new ());
  gtk_revealer_set_transition_type (self->revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_widget_add_css_class (box, "courriel-banner");
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_xalign (self->label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_button_set_use_underline (self->button, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->button));
  gtk_revealer_set_child (self->revealer, box);
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->revealer));
}
