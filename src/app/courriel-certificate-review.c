/* courriel-certificate-review.c — a server's changed certificate shown to the user, who may pin it to the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sync service refuses a server whose certificate is neither trusted by the system nor the
 * one pinned to the account (COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED, with the certificate).
 * This dialog shows its SHA-256 fingerprint, and what GIO tells of its subject, issuer and
 * validity; only the explicit "Trust This Certificate" pins that fingerprint to the account —
 * as `courriel-cli account add --accept-certificate` and the setup wizard do — and syncs again.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-certificate-review.h"

#include <glib/gi18n.h>

#include "courriel-account.h"

typedef struct
{
  CourrielStore       *store;
  CourrielSyncService *sync_service; /* nullable */
  GtkWindow           *parent;       /* weak: for an error */
  gint64               account_id;
  gboolean             outgoing;     /* the outgoing server's certificate, not the incoming one's */
  char                *fingerprint;
} Review;

static void
review_free (Review *review)
{
  g_object_unref (review->store);
  g_clear_object (&review->sync_service);
  g_clear_weak_pointer (&review->parent);
  g_free (review->fingerprint);
  g_free (review);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Review, review_free)

static void
show_error (Review *review, const GError *error)
{
  GtkWidget *dialog;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  dialog = adw_message_dialog_new (review->parent, _("The Certificate Could Not Be Trusted"), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Review) review = user_data;
  g_autoptr (GError) error = NULL;

  if (courriel_account_save_finish (result, &error) <= 0)
    {
      show_error (review, error);
      return;
    }
  if (review->sync_service != NULL && review->outgoing)
    courriel_sync_service_retry_outbox (review->sync_service, review->account_id);
  else if (review->sync_service != NULL)
    courriel_sync_service_sync_account (review->sync_service, review->account_id);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Review) review = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (review->store, result, &error);
  CourrielAccount *account = courriel_account_find (accounts, review->account_id);
  CourrielStore *store;

  if (account == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("This account no longer exists."));
      show_error (review, error);
      return;
    }
  /* The incoming server's certificate: an outgoing server on the same host presents the same
   * one. The outgoing server's alone: the incoming server is not concerned. */
  if (review->outgoing
      || (account->outgoing.host != NULL && g_strcmp0 (account->outgoing.host, account->incoming.host) == 0))
    {
      g_free (account->outgoing.fingerprint);
      account->outgoing.fingerprint = g_strdup (review->fingerprint);
    }
  if (!review->outgoing)
    {
      g_free (account->incoming.fingerprint);
      account->incoming.fingerprint = g_strdup (review->fingerprint);
    }
  store = review->store; /* not in the call: its arguments may be read after the review is stolen */
  courriel_account_save_async (store, account, NULL, NULL, NULL, on_saved, g_steal_pointer (&review));
}

static void
on_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  Review *review = user_data;

  /* One answer: closing the dialog after it would emit the close response too. */
  g_signal_handlers_disconnect_by_func (dialog, on_response, user_data);
  if (g_str_equal (response, "trust"))
    courriel_account_list_async (review->store, NULL, on_listed, review);
  else
    review_free (review);
}

static void
on_destroyed (GtkWidget *dialog, gpointer user_data)
{
  if (g_signal_handlers_disconnect_by_func (dialog, on_response, user_data) > 0)
    review_free (user_data);
}

static char *
format_date (GDateTime *date)
{
  return date != NULL ? g_date_time_format (date, "%x") : g_strdup ("?");
}

/* What GIO knows of the certificate, in lines; empty when it knows nothing. */
static char *
describe_certificate (GTlsCertificate *certificate)
{
  GString *text = g_string_new (NULL);
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autoptr (GDateTime) not_before = NULL;
  g_autoptr (GDateTime) not_after = NULL;

  if (certificate == NULL)
    return g_string_free (text, FALSE);
  subject = g_tls_certificate_get_subject_name (certificate);
  issuer = g_tls_certificate_get_issuer_name (certificate);
  not_before = g_tls_certificate_get_not_valid_before (certificate);
  not_after = g_tls_certificate_get_not_valid_after (certificate);
  if (subject != NULL)
    g_string_append_printf (text, "\n%s %s", _("Issued to:"), subject);
  if (issuer != NULL)
    g_string_append_printf (text, "\n%s %s", _("Issued by:"), issuer);
  if (not_before != NULL || not_after != NULL)
    {
      g_autofree char *from = format_date (not_before);
      g_autofree char *to = format_date (not_after);
      g_string_append (text, "\n");
      /* Translators: a certificate's validity: "Valid from 01/03/2026 to 01/03/2027" */
      g_string_append_printf (text, _("Valid from %s to %s"), from, to);
    }
  return g_string_free (text, FALSE);
}

/**
 * courriel_certificate_review_new:
 * @parent: the window it is modal to
 * @sync_service: (nullable): asked to sync the account again once the certificate is trusted
 * @address: the account's, for the text
 * @outgoing: the certificate is the outgoing (SMTP) server's: it is pinned to that server, and
 *   the Outbox is sent again once trusted
 * @fingerprint: the certificate's SHA-256 fingerprint, "AB:CD:…"
 * @certificate: (nullable): the certificate itself, for its subject, issuer and validity
 *
 * Returns: (transfer none): the dialog, not shown yet; its "trust" response pins the certificate
 */
GtkWindow *
courriel_certificate_review_new (GtkWindow *parent, CourrielStore *store, CourrielSyncService *sync_service,
                                 gint64 account_id, const char *address, gboolean outgoing, const char *fingerprint,
                                 GTlsCertificate *certificate)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, outgoing ? _("Check the Outgoing Server’s Certificate")
                                                               : _("Check the Server’s Certificate"),
                                              NULL);
  g_autofree char *details = describe_certificate (certificate);
  g_autofree char *text = g_strdup_printf ("%s\n%s%s", _("SHA-256 fingerprint:"), fingerprint, details);
  GtkWidget *label = gtk_label_new (text);
  Review *review = g_new0 (Review, 1);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  outgoing ? _("The outgoing server of %s presents a certificate that Courriel does "
                                               "not trust. Someone may be intercepting the connection, or the "
                                               "server changed its certificate. Trust it only if your provider "
                                               "confirms this fingerprint.")
                                           : _("The server of %s presents a certificate that Courriel does not trust. Someone "
                                    "may be intercepting the connection, or the server changed its certificate. "
                                    "Trust it only if your provider confirms this fingerprint."),
                                  address);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (label, "monospace");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), label);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "trust",
                                    _("_Trust This Certificate"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  review->store = g_object_ref (store);
  review->sync_service = sync_service != NULL ? g_object_ref (sync_service) : NULL;
  g_set_weak_pointer (&review->parent, parent);
  review->account_id = account_id;
  review->outgoing = outgoing;
  review->fingerprint = g_strdup (fingerprint);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), review);
  /* Closed without an answer (or destroyed with its parent): nothing trusted. */
  g_signal_connect (dialog, "destroy", G_CALLBACK (on_destroyed), review);
  return GTK_WINDOW (dialog);
}
