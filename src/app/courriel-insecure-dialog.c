/* courriel-insecure-dialog.c — asking before a password crosses the network without encryption
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The setup wizard and the account settings show it when the user chose Security "None" for a
 * server: only an explicit "Use Without Encryption" lets the password be sent (see
 * COURRIEL_VERIFY_ALLOW_INSECURE_AUTH). Meanwhile each such server is asked, without logging
 * in, whether it offers STARTTLS on the same port: if it does, the dialog says so and offers
 * to use it instead. Nothing is sent to the servers but their greeting's answer.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-insecure-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "courriel-server-verify.h"

struct _CourrielInsecureDialog
{
  AdwMessageDialog parent_instance;

  GCancellable    *cancellable;
  GPtrArray       *starttls; /* char*: "host:port" of the servers that offer it */
  guint            checking; /* probes still running */
};

G_DEFINE_FINAL_TYPE (CourrielInsecureDialog, courriel_insecure_dialog, ADW_TYPE_MESSAGE_DIALOG)

static char *
server_key (const char *host, guint16 port)
{
  return g_strdup_printf ("%s:%u", host, port);
}

static void
show_starttls (CourrielInsecureDialog *self, const char *host)
{
  g_autofree char *note = g_strdup_printf (_("%s offers STARTTLS: choose it to encrypt the connection on the same "
                                             "port."),
                                           host);
  g_autofree char *body = NULL;
  const char *current = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (self));

  /* Both servers may have the same name: said once. */
  if (strstr (current, note) == NULL)
    {
      body = g_strdup_printf ("%s\n\n%s", current, note);
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
    }
  if (!adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (self), COURRIEL_INSECURE_DIALOG_STARTTLS))
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (self), COURRIEL_INSECURE_DIALOG_STARTTLS,
                                       _("Use _STARTTLS"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), COURRIEL_INSECURE_DIALOG_STARTTLS,
                                                  ADW_RESPONSE_SUGGESTED);
    }
}

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielInsecureDialog) self = user_data;
  g_autoptr (CourrielVerifyResult) probed = courriel_server_verify_finish (result, NULL);

  if (probed == NULL) /* cancelled: answered or closed */
    return;
  self->checking--;
  /* An untrusted certificate still means STARTTLS is there: the wizard asks about it next. */
  if (probed->outcome == COURRIEL_VERIFY_OK || probed->outcome == COURRIEL_VERIFY_CERTIFICATE)
    {
      g_ptr_array_add (self->starttls, server_key (probed->server->host, probed->server->port));
      show_starttls (self, probed->server->host);
    }
  else
    g_debug ("%s:%u does not offer STARTTLS: %s", probed->server->host, probed->server->port,
             probed->message != NULL ? probed->message : "");
}

/* Answered: the checks still running are of no use any more. */
static void
on_response (CourrielInsecureDialog *self, const char *response)
{
  g_cancellable_cancel (self->cancellable);
}

static void
courriel_insecure_dialog_dispose (GObject *object)
{
  CourrielInsecureDialog *self = COURRIEL_INSECURE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (courriel_insecure_dialog_parent_class)->dispose (object);
}

static void
courriel_insecure_dialog_finalize (GObject *object)
{
  CourrielInsecureDialog *self = COURRIEL_INSECURE_DIALOG (object);

  g_ptr_array_unref (self->starttls);
  G_OBJECT_CLASS (courriel_insecure_dialog_parent_class)->finalize (object);
}

static void
courriel_insecure_dialog_class_init (CourrielInsecureDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_insecure_dialog_dispose;
  object_class->finalize = courriel_insecure_dialog_finalize;
}

static void
courriel_insecure_dialog_init (CourrielInsecureDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->starttls = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (self, "response", G_CALLBACK (on_response), NULL);
}

/**
 * courriel_insecure_dialog_new:
 * @parent: the window it is modal to
 * @servers: the servers chosen without encryption
 *
 * Returns: (transfer none): the dialog, not shown yet; it checks at once whether the servers
 *   offer STARTTLS
 */
GtkWindow *
courriel_insecure_dialog_new (GtkWindow *parent, const CourrielMailServer *const *servers, guint n_servers)
{
  CourrielInsecureDialog *self = g_object_new (COURRIEL_TYPE_INSECURE_DIALOG, "transient-for", parent, "modal", TRUE,
                                               NULL);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);
  g_autoptr (GString) hosts = g_string_new (NULL);
  g_autofree char *body = NULL;

  g_return_val_if_fail (n_servers > 0, NULL);
  for (guint i = 0; i < n_servers; i++)
    {
      if (i > 0 && g_str_equal (servers[i]->host, servers[0]->host))
        continue;
      if (i > 0)
        /* Translators: between two server names: "imap.example.com and smtp.example.com" */
        g_string_append (hosts, _(" and "));
      g_string_append (hosts, servers[i]->host);
    }
  body = g_strdup_printf (_("The connection to %s is not encrypted: your password and all your mail would cross the "
                            "network unprotected, and anyone on the same Wi-Fi or network could read them.\n\n"
                            "Prefer SSL/TLS or STARTTLS: most providers offer one of them."),
                          hosts->str);
  adw_message_dialog_set_heading (dialog, _("Send Your Password Without Encryption?"));
  adw_message_dialog_set_body (dialog, body);
  adw_message_dialog_add_responses (dialog, COURRIEL_INSECURE_DIALOG_CANCEL, _("_Cancel"),
                                    COURRIEL_INSECURE_DIALOG_INSECURE, _("_Use Without Encryption"), NULL);
  adw_message_dialog_set_response_appearance (dialog, COURRIEL_INSECURE_DIALOG_INSECURE, ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, COURRIEL_INSECURE_DIALOG_CANCEL);
  adw_message_dialog_set_close_response (dialog, COURRIEL_INSECURE_DIALOG_CANCEL);

  for (guint i = 0; i < n_servers; i++)
    {
      g_autoptr (CourrielMailServer) starttls = courriel_mail_server_copy (servers[i]);

      starttls->security = COURRIEL_SECURITY_STARTTLS;
      self->checking++;
      courriel_server_probe_mechanisms_async (starttls, NULL, self->cancellable, on_probed, g_object_ref (self));
    }
  return GTK_WINDOW (self);
}

/* Whether the server at @host:@port answered STARTTLS (known once the check is done). */
gboolean
courriel_insecure_dialog_offers_starttls (CourrielInsecureDialog *self, const char *host, guint16 port)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (COURRIEL_IS_INSECURE_DIALOG (self), FALSE);
  key = server_key (host, port);
  for (guint i = 0; i < self->starttls->len; i++)
    if (g_str_equal (self->starttls->pdata[i], key))
      return TRUE;
  return FALSE;
}

/* The servers are still being asked whether they offer STARTTLS. */
gboolean
courriel_insecure_dialog_is_checking (CourrielInsecureDialog *self)
{
  g_return_val_if_fail (COURRIEL_IS_INSECURE_DIALOG (self), FALSE);
  return self->checking > 0;
}
