/* courriel-setup-wizard.c — the window that sets up a mail account, from an address and a password
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pages: who (name, address, password) → looking (live discovery, cancellable) → what was found,
 * in plain words, with the IMAP/POP3 choice → (by hand, when asked or when nothing was found) →
 * logging in to both servers → done (saved, "account-added", an optional test message).
 *
 * The test message is sent by the application's sync service and followed until it is in the
 * account's Inbox (CourrielTestMessage); the page says where it is. Closing the wizard stops
 * following it: the message itself goes on its way.
 *
 * The server settings live in the "by hand" page's widgets only: discovery fills them, the user
 * may change them, verification and saving read them. Nothing here blocks: discovery,
 * verification, the keyring and the store are all asynchronous, and Back cancels what runs.
 *
 * The password entry is GTK's GtkPasswordEntry: it shows its own "Caps Lock is on" indicator.
 *
 * A server with Security "None" gets the password only after the user confirmed it in a
 * CourrielInsecureDialog (which also suggests STARTTLS when the server offers it); changing a
 * setting asks again. The account is then saved with allow_insecure.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-setup-wizard.h"

#include <glib/gi18n.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-discovery-environment.h"
#include "courriel-draft.h"
#include "courriel-insecure-dialog.h"
#include "courriel-server-verify.h"
#include "courriel-test-message.h"

/* How long the test message may take to arrive before the page says the server may be slow. */
#define TEST_MESSAGE_TIMEOUT 120

enum { INCOMING, OUTGOING, N_DIRECTIONS };

/* The authentication choices of the drop-downs, in their order. */
static const char *const auth_mechanisms[] = { NULL, "PLAIN", "SCRAM-SHA-256" };

struct _CourrielSetupWizard
{
  AdwWindow                parent_instance;

  CourrielStore           *store;
  CourrielDiscovery       *discovery;    /* made on first use, from the environment */
  GTlsDatabase            *database;     /* nullable: COURRIEL_AUTOCONFIG_CA_FILE */
  GCancellable            *cancellable;  /* what runs now: discovery, verification or saving */
  CourrielDiscoveryResult *found;        /* nullable: the last discovery's */
  GPtrArray               *progress;     /* char*: the sources asked, in words, in order */
  CourrielVerifyResult    *verified[N_DIRECTIONS];
  guint                    verifying;    /* verifications still running */
  guint                    found_auth[N_DIRECTIONS]; /* CourrielMailAuth of the discovered servers */
  char                    *trusted[N_DIRECTIONS];    /* fingerprints the user accepted */
  char                    *untrusted[N_DIRECTIONS];  /* fingerprints shown, not accepted yet */
  gboolean                 verify_failed;
  gboolean                 password_refused; /* back on the first page for another password */
  gboolean                 insecure_confirmed; /* "Use Without Encryption", for the settings as they are */
  gint64                   account_id;
  CourrielTestMessage     *test_message; /* nullable: not sent yet */

  AdwWindowTitle          *window_title;
  GtkButton               *next_button;
  GtkStack                *stack;
  GtkEditable             *name_entry;
  GtkEditable             *address_entry;
  GtkWidget               *password_entry;
  GtkLabel                *identity_error_label;
  GtkSpinner              *discovery_spinner;
  GtkLabel                *discovery_label;
  GtkLabel                *discovery_steps_label;
  GtkLabel                *result_summary_label;
  GtkWidget               *choice_box;
  GtkCheckButton          *imap_check;
  GtkCheckButton          *pop3_check;
  GtkWidget               *pop3_box;
  GtkSpinButton           *keep_days_spin;
  GtkCheckButton          *delete_here_check;
  GtkLabel                *advanced_intro_label;
  GtkDropDown             *incoming_protocol;
  GtkEditable             *incoming_host;
  GtkSpinButton           *incoming_port;
  GtkDropDown             *incoming_security;
  GtkEditable             *incoming_username;
  GtkDropDown             *incoming_auth;
  GtkEditable             *outgoing_host;
  GtkSpinButton           *outgoing_port;
  GtkDropDown             *outgoing_security;
  GtkEditable             *outgoing_username;
  GtkDropDown             *outgoing_auth;
  GtkWidget               *insecure_warning_label;
  GtkSpinner              *verify_spinner;
  GtkLabel                *verify_title_label;
  GtkLabel                *verify_message_label;
  GtkLabel                *fingerprint_label;
  GtkWidget               *trust_button;
  GtkLinkButton           *help_link;
  AdwStatusPage           *done_page;
  GtkLabel                *test_label;
  GtkSpinner              *test_spinner;
  GtkWidget               *test_arrived_icon;
  GtkWidget               *test_button;
  GtkLabel                *test_button_label;
};

G_DEFINE_FINAL_TYPE (CourrielSetupWizard, courriel_setup_wizard, ADW_TYPE_WINDOW)

enum { ACCOUNT_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- small helpers ---- */

static const char *
address (CourrielSetupWizard *self)
{
  return gtk_editable_get_text (self->address_entry);
}

static const char *
password (CourrielSetupWizard *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
}

/* name@domain.tld, no spaces: enough to look for its servers. */
static gboolean
address_looks_valid (const char *text)
{
  const char *at = strchr (text, '@');
  const char *dot;

  if (at == NULL || at == text || strchr (at + 1, '@') != NULL || strpbrk (text, " \t\r\n<>,;") != NULL)
    return FALSE;
  dot = strrchr (at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static void
renew_cancellable (CourrielSetupWizard *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

static void
update_buttons (CourrielSetupWizard *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean next = TRUE;
  const char *label = _("_Next");

  if (g_str_equal (page, "identity"))
    next = address_looks_valid (address (self));
  else if (g_str_equal (page, "discovery"))
    next = FALSE;
  else if (g_str_equal (page, "advanced"))
    next = *gtk_editable_get_text (self->incoming_host) != '\0' && *gtk_editable_get_text (self->outgoing_host) != '\0';
  else if (g_str_equal (page, "verify"))
    {
      next = self->verifying == 0 && self->verify_failed;
      label = _("_Try Again");
    }
  else if (g_str_equal (page, "done"))
    label = _("_Done");
  gtk_button_set_label (self->next_button, label);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", next);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back",
                                 !g_str_equal (page, "identity") && !g_str_equal (page, "done"));
}

static void
show_page (CourrielSetupWizard *self, const char *name)
{
  GtkStackPage *page;

  gtk_stack_set_visible_child_name (self->stack, name);
  page = gtk_stack_get_page (self->stack, gtk_stack_get_visible_child (self->stack));
  adw_window_title_set_subtitle (self->window_title, gtk_stack_page_get_title (page));
  update_buttons (self);
}

/* ---- the settings, in the "by hand" page ---- */

static void
fill_server (CourrielSetupWizard *self, guint direction, const CourrielMailServer *server)
{
  gboolean in = direction == INCOMING;

  if (in)
    gtk_drop_down_set_selected (self->incoming_protocol, server->type == COURRIEL_MAIL_SERVER_POP3 ? 1 : 0);
  gtk_editable_set_text (in ? self->incoming_host : self->outgoing_host, server->host);
  /* The port last: choosing the security may have changed it to the usual one. */
  gtk_drop_down_set_selected (in ? self->incoming_security : self->outgoing_security, server->security);
  gtk_spin_button_set_value (in ? self->incoming_port : self->outgoing_port, server->port);
  gtk_editable_set_text (in ? self->incoming_username : self->outgoing_username,
                         server->username != NULL ? server->username : address (self));
  gtk_drop_down_set_selected (in ? self->incoming_auth : self->outgoing_auth, 0);
  self->found_auth[direction] = server->auth;
}

/* The first server of @type the discovery found, best first. */
static CourrielDiscoveryServer *
found_server (CourrielSetupWizard *self, CourrielMailServerType type)
{
  GPtrArray *list;

  if (self->found == NULL)
    return NULL;
  list = type == COURRIEL_MAIL_SERVER_SMTP ? self->found->outgoing : self->found->incoming;
  for (guint i = 0; i < list->len; i++)
    if (((CourrielDiscoveryServer *)list->pdata[i])->server->type == type)
      return list->pdata[i];
  return NULL;
}

static CourrielMailServer *
server_from_page (CourrielSetupWizard *self, guint direction)
{
  gboolean in = direction == INCOMING;
  CourrielMailServer *server = g_new0 (CourrielMailServer, 1);
  const char *username = gtk_editable_get_text (in ? self->incoming_username : self->outgoing_username);
  guint auth = gtk_drop_down_get_selected (in ? self->incoming_auth : self->outgoing_auth);

  if (!in)
    server->type = COURRIEL_MAIL_SERVER_SMTP;
  else
    server->type = gtk_drop_down_get_selected (self->incoming_protocol) == 1 ? COURRIEL_MAIL_SERVER_POP3
                                                                             : COURRIEL_MAIL_SERVER_IMAP;
  server->host = courriel_mail_server_clean_host (gtk_editable_get_text (in ? self->incoming_host
                                                                            : self->outgoing_host));
  if (server->host == NULL)
    server->host = g_strdup (gtk_editable_get_text (in ? self->incoming_host : self->outgoing_host));
  server->port = (guint16)gtk_spin_button_get_value_as_int (in ? self->incoming_port : self->outgoing_port);
  server->security = gtk_drop_down_get_selected (in ? self->incoming_security : self->outgoing_security);
  server->username = *username != '\0' ? g_strdup (username) : NULL;
  server->auth = auth == 1   ? COURRIEL_MAIL_AUTH_PASSWORD
                 : auth == 2 ? COURRIEL_MAIL_AUTH_PASSWORD_ENCRYPTED
                             : self->found_auth[direction];
  server->days_on_server = -1;
  return server;
}

/* The usual port of a protocol with a security, [protocol][security]: IMAP, POP3, SMTP. */
static const guint16 usual_ports[3][3] = { { 993, 143, 143 }, { 995, 110, 110 }, { 465, 587, 587 } };

/* A usual port follows the protocol and security chosen; a port typed in stays. */
static void
follow_usual_port (GtkSpinButton *port, guint protocol, guint security)
{
  guint current = gtk_spin_button_get_value_as_int (port);

  for (guint p = 0; p < G_N_ELEMENTS (usual_ports); p++)
    for (guint s = 0; s < G_N_ELEMENTS (usual_ports[p]); s++)
      if (current == usual_ports[p][s] && (protocol == 2) == (p == 2))
        {
          gtk_spin_button_set_value (port, usual_ports[protocol][MIN (security, 2)]);
          return;
        }
}

static void
on_settings_changed (CourrielSetupWizard *self)
{
  follow_usual_port (self->incoming_port, gtk_drop_down_get_selected (self->incoming_protocol) == 1 ? 1 : 0,
                     gtk_drop_down_get_selected (self->incoming_security));
  follow_usual_port (self->outgoing_port, 2, gtk_drop_down_get_selected (self->outgoing_security));
  gtk_widget_set_visible (self->insecure_warning_label,
                          gtk_drop_down_get_selected (self->incoming_security) == COURRIEL_SECURITY_NONE
                              || gtk_drop_down_get_selected (self->outgoing_security) == COURRIEL_SECURITY_NONE);
  /* The confirmation was for other settings. */
  self->insecure_confirmed = FALSE;
  update_buttons (self);
}

static void
on_protocol_toggled (CourrielSetupWizard *self)
{
  gboolean pop3 = gtk_check_button_get_active (self->pop3_check);
  CourrielDiscoveryServer *chosen = found_server (self, pop3 ? COURRIEL_MAIL_SERVER_POP3 : COURRIEL_MAIL_SERVER_IMAP);

  gtk_widget_set_visible (self->pop3_box, pop3);
  if (chosen != NULL)
    fill_server (self, INCOMING, chosen->server);
}

/* ---- 2. looking for the servers ---- */

static const char *
step_words (CourrielSetupWizard *self, const char *source, char **owned)
{
  if (g_str_has_prefix (source, "provider"))
    {
      const char *at = strrchr (address (self), '@');

      *owned = g_strdup_printf (_("Asking %s for its settings…"), at != NULL ? at + 1 : address (self));
      return *owned;
    }
  if (g_str_has_prefix (source, "ispdb"))
    return _("Looking in the Thunderbird ISP database…");
  if (g_str_has_prefix (source, "dns"))
    return _("Looking up DNS records…");
  if (g_str_equal (source, "upgrade"))
    return _("Checking whether the servers offer encryption…");
  return _("Trying common server names…");
}

static void
on_step_started (CourrielSetupWizard *self, const char *source, const char *what)
{
  g_autofree char *owned = NULL;
  const char *words = step_words (self, source, &owned);
  g_autofree char *list = NULL;

  gtk_label_set_label (self->discovery_label, words);
  for (guint i = 0; i < self->progress->len; i++)
    if (g_str_equal (self->progress->pdata[i], words))
      return;
  g_ptr_array_add (self->progress, g_strdup (words));
  g_ptr_array_add (self->progress, NULL);
  list = g_strjoinv ("\n", (char **)self->progress->pdata);
  g_ptr_array_remove_index (self->progress, self->progress->len - 1);
  gtk_label_set_label (self->discovery_steps_label, list);
}

static const char *
source_words (CourrielDiscoverySource source)
{
  switch (source)
    {
    case COURRIEL_DISCOVERY_SOURCE_PROVIDER:
      return _("These settings come from your provider itself: Courriel is sure of them.");
    case COURRIEL_DISCOVERY_SOURCE_ISPDB:
      return _("These settings come from the Thunderbird ISP database, kept up to date by volunteers: they are "
               "usually right.");
    case COURRIEL_DISCOVERY_SOURCE_DNS_SRV:
      return _("Your domain announces these servers in its DNS records: they are very likely right.");
    case COURRIEL_DISCOVERY_SOURCE_ISPDB_MX:
      return _("These settings come from the Thunderbird ISP database, for the company that handles your domain’s "
               "mail: they are probably right.");
    case COURRIEL_DISCOVERY_SOURCE_GUESS:
      return _("Courriel guessed these servers by trying common names, and they answered: logging in will tell "
               "whether they are the right ones.");
    case COURRIEL_DISCOVERY_SOURCE_PROVIDER_HTTP:
      return _("These settings come from your provider over an unprotected connection: someone on the way could "
               "have changed them. Check them before going on.");
    case COURRIEL_DISCOVERY_N_SOURCES:
      break;
    }
  return "";
}

static const char *
security_words (CourrielSecurity security)
{
  switch (security)
    {
    case COURRIEL_SECURITY_TLS:
      return _("encrypted (SSL/TLS)");
    case COURRIEL_SECURITY_STARTTLS:
      return _("encrypted (STARTTLS)");
    case COURRIEL_SECURITY_NONE:
      break;
    }
  return _("NOT encrypted");
}

static void
describe_server (GString *out, const CourrielDiscoveryServer *found)
{
  g_autofree char *type = g_ascii_strup (courriel_mail_server_type_to_string (found->server->type), -1);

  /* Translators: "IMAP: imap.example.com, port 993, encrypted (SSL/TLS)" */
  g_string_append_printf (out, _("%s: %s, port %u, %s"), type, found->server->host, found->server->port,
                          security_words (found->server->security));
  g_string_append_c (out, '\n');
}

static void
show_result (CourrielSetupWizard *self)
{
  CourrielDiscoveryServer *imap = found_server (self, COURRIEL_MAIL_SERVER_IMAP);
  CourrielDiscoveryServer *pop3 = found_server (self, COURRIEL_MAIL_SERVER_POP3);
  CourrielDiscoveryServer *smtp = found_server (self, COURRIEL_MAIL_SERVER_SMTP);
  CourrielDiscoveryServer *best = imap != NULL ? imap : pop3;
  g_autoptr (GString) summary = g_string_new (NULL);

  if (self->found->display_name != NULL)
    g_string_append_printf (summary, _("Courriel found the servers of %s:"), self->found->display_name);
  else
    g_string_append_printf (summary, _("Courriel found the servers of %s:"), self->found->domain);
  g_string_append (summary, "\n\n");
  if (imap != NULL)
    describe_server (summary, imap);
  if (pop3 != NULL)
    describe_server (summary, pop3);
  describe_server (summary, smtp);
  g_string_append_c (summary, '\n');
  g_string_append (summary, source_words (MAX (best->source, smtp->source)));
  if (best->plaintext || smtp->plaintext)
    g_string_append_printf (summary, "\n\n%s",
                            _("Warning: a server offers no encryption. Your password would travel readable by anyone "
                              "on the network."));
  if (self->found->enable_url != NULL)
    g_string_append_printf (summary, "\n\n%s %s",
                            _("Your provider may require you to enable IMAP or POP first, here:"),
                            self->found->enable_url);
  gtk_label_set_label (self->result_summary_label, summary->str);

  gtk_widget_set_visible (self->choice_box, imap != NULL && pop3 != NULL);
  gtk_check_button_set_active (imap != NULL ? self->imap_check : self->pop3_check, TRUE);
  fill_server (self, INCOMING, best->server);
  fill_server (self, OUTGOING, smtp->server);
  gtk_widget_set_visible (self->pop3_box, imap == NULL);
  show_page (self, "result");
}

/* Nothing (or not everything) found: the page to type the settings in, with the usual names. */
static void
show_by_hand (CourrielSetupWizard *self, const char *why)
{
  const char *at = strrchr (address (self), '@');
  const char *domain = at != NULL ? at + 1 : "";
  g_autofree char *imap = g_strconcat ("imap.", domain, NULL);
  g_autofree char *smtp = g_strconcat ("smtp.", domain, NULL);
  CourrielMailServer in = { COURRIEL_MAIL_SERVER_IMAP, imap, 993, COURRIEL_SECURITY_TLS, NULL, 0, FALSE, -1, 0 };
  CourrielMailServer out = { COURRIEL_MAIL_SERVER_SMTP, smtp, 465, COURRIEL_SECURITY_TLS, NULL, 0, FALSE, -1, 0 };
  CourrielDiscoveryServer *found_in = found_server (self, COURRIEL_MAIL_SERVER_IMAP);
  CourrielDiscoveryServer *found_out = found_server (self, COURRIEL_MAIL_SERVER_SMTP);

  if (found_in == NULL)
    found_in = found_server (self, COURRIEL_MAIL_SERVER_POP3);
  fill_server (self, INCOMING, found_in != NULL ? found_in->server : &in);
  fill_server (self, OUTGOING, found_out != NULL ? found_out->server : &out);
  gtk_label_set_label (self->advanced_intro_label, why);
  show_page (self, "advanced");
}

static void
on_discovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielSetupWizard) self = user_data;
  g_autoptr (GError) error = NULL;
  CourrielDiscoveryResult *found = courriel_discovery_run_finish (COURRIEL_DISCOVERY (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (self->discovery_spinner);
  g_clear_pointer (&self->found, courriel_discovery_result_free);
  self->found = found;
  if (found == NULL)
    {
      show_by_hand (self, error->message);
      return;
    }
  if (found->incoming->len == 0 || found->outgoing->len == 0)
    {
      g_autofree char *why = g_strdup_printf (_("Courriel could not find all the settings of %s. Enter them by hand: "
                                                "your provider’s help pages list them."),
                                              found->domain);
      show_by_hand (self, why);
      return;
    }
  show_result (self);
}

static void
start_discovery (CourrielSetupWizard *self)
{
  g_autoptr (GError) error = NULL;

  renew_cancellable (self);
  if (self->discovery == NULL)
    {
      self->discovery = courriel_discovery_new_from_environment (&self->database, &error);
      if (self->discovery == NULL)
        {
          show_by_hand (self, error->message);
          return;
        }
      g_signal_connect_object (self->discovery, "step-started", G_CALLBACK (on_step_started), self,
                               G_CONNECT_SWAPPED);
    }
  g_ptr_array_set_size (self->progress, 0);
  gtk_label_set_label (self->discovery_label, _("Looking for your servers…"));
  gtk_label_set_label (self->discovery_steps_label, "");
  gtk_spinner_start (self->discovery_spinner);
  show_page (self, "discovery");
  courriel_discovery_run_async (self->discovery, address (self), self->cancellable, on_discovered,
                                g_object_ref (self));
}

/* ---- 4. logging in ---- */

static void save_account (CourrielSetupWizard *self);

static const CourrielVerifyResult *
first_failure (CourrielSetupWizard *self)
{
  static const CourrielVerifyOutcome order[] = { COURRIEL_VERIFY_CERTIFICATE, COURRIEL_VERIFY_WRONG_PASSWORD,
                                                 COURRIEL_VERIFY_NEEDS_OAUTH2, COURRIEL_VERIFY_NEEDS_APP_PASSWORD,
                                                 COURRIEL_VERIFY_UNREACHABLE, COURRIEL_VERIFY_FAILED };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    for (guint d = 0; d < N_DIRECTIONS; d++)
      if (self->verified[d]->outcome == order[i])
        return self->verified[d];
  return NULL;
}

static void
show_failure (CourrielSetupWizard *self, const CourrielVerifyResult *failed)
{
  const char *host = failed->server->host;
  const char *help = failed->help_url;
  /* The provider's name, when its configuration gave one, for what only the provider can change. */
  const char *provider = self->found != NULL && self->found->display_name != NULL ? self->found->display_name : host;
  g_autofree char *message = NULL;
  const char *title;

  if (help == NULL && self->found != NULL)
    help = self->found->documentation;
  message = courriel_verify_result_describe (failed, provider,
                                             self->trusted[INCOMING] != NULL || self->trusted[OUTGOING] != NULL,
                                             &title);
  gtk_label_set_label (self->verify_title_label, title);
  gtk_label_set_label (self->verify_message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_label), failed->outcome == COURRIEL_VERIFY_CERTIFICATE);
  gtk_label_set_label (self->fingerprint_label, failed->fingerprint != NULL ? failed->fingerprint : "");
  gtk_widget_set_visible (self->trust_button, failed->outcome == COURRIEL_VERIFY_CERTIFICATE);
  gtk_widget_set_visible (GTK_WIDGET (self->help_link),
                          help != NULL && (failed->outcome == COURRIEL_VERIFY_NEEDS_APP_PASSWORD
                                           || failed->outcome == COURRIEL_VERIFY_NEEDS_OAUTH2));
  if (help != NULL)
    gtk_link_button_set_uri (self->help_link, help);
}

static void
verification_done (CourrielSetupWizard *self)
{
  const CourrielVerifyResult *failed = first_failure (self);

  gtk_spinner_stop (self->verify_spinner);
  if (failed == NULL)
    {
      save_account (self);
      return;
    }
  self->verify_failed = TRUE;
  for (guint d = 0; d < N_DIRECTIONS; d++)
    {
      g_free (self->untrusted[d]);
      self->untrusted[d] = g_strdup (self->verified[d]->outcome == COURRIEL_VERIFY_CERTIFICATE
                                         ? self->verified[d]->fingerprint
                                         : NULL);
    }
  if (failed->outcome == COURRIEL_VERIFY_WRONG_PASSWORD)
    {
      const char *title;
      g_autofree char *message = courriel_verify_result_describe (failed, NULL, FALSE, &title);

      gtk_label_set_label (self->identity_error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->identity_error_label), TRUE);
      self->password_refused = TRUE;
      show_page (self, "identity");
      gtk_widget_grab_focus (self->password_entry);
      return;
    }
  show_failure (self, failed);
  update_buttons (self);
}

static void
on_verified (CourrielSetupWizard *self, guint direction, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  CourrielVerifyResult *verified = courriel_server_verify_finish (result, &error);

  if (verified == NULL) /* cancelled: Back, or the window closed */
    return;
  g_clear_pointer (&self->verified[direction], courriel_verify_result_free);
  self->verified[direction] = verified;
  if (--self->verifying == 0)
    verification_done (self);
}

static void
on_incoming_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielSetupWizard) self = user_data;

  on_verified (self, INCOMING, result);
}

static void
on_outgoing_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielSetupWizard) self = user_data;

  on_verified (self, OUTGOING, result);
}

static void
start_verification (CourrielSetupWizard *self)
{
  g_autoptr (CourrielMailServer) in = server_from_page (self, INCOMING);
  g_autoptr (CourrielMailServer) out = server_from_page (self, OUTGOING);
  /* Only after "Use Without Encryption" (confirm_then_verify()). */
  CourrielVerifyFlags flags = self->insecure_confirmed ? COURRIEL_VERIFY_ALLOW_INSECURE_AUTH
                                                       : COURRIEL_VERIFY_FLAGS_NONE;

  renew_cancellable (self);
  self->verify_failed = FALSE;
  self->verifying = N_DIRECTIONS;
  gtk_label_set_label (self->verify_title_label, _("Logging In to Your Servers…"));
  gtk_label_set_label (self->verify_message_label, _("Courriel checks that it can receive and send mail with "
                                                     "these settings. Nothing is read or sent."));
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_label), FALSE);
  gtk_widget_set_visible (self->trust_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->help_link), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->identity_error_label), FALSE);
  gtk_spinner_start (self->verify_spinner);
  show_page (self, "verify");
  courriel_server_verify_async (in, address (self), password (self), self->trusted[INCOMING], self->database, flags,
                                self->cancellable, on_incoming_verified, g_object_ref (self));
  courriel_server_verify_async (out, address (self), password (self), self->trusted[OUTGOING], self->database, flags,
                                self->cancellable, on_outgoing_verified, g_object_ref (self));
}

static void confirm_then_verify (CourrielSetupWizard *self);

static void
on_insecure_answered (CourrielInsecureDialog *dialog, const char *response, CourrielSetupWizard *self)
{
  GtkDropDown *security[N_DIRECTIONS] = { self->incoming_security, self->outgoing_security };

  if (g_str_equal (response, COURRIEL_INSECURE_DIALOG_INSECURE))
    {
      self->insecure_confirmed = TRUE;
      start_verification (self);
      return;
    }
  if (!g_str_equal (response, COURRIEL_INSECURE_DIALOG_STARTTLS))
    return; /* Cancel: nothing was sent, the settings stay for the user to change */
  for (guint d = 0; d < N_DIRECTIONS; d++)
    {
      g_autoptr (CourrielMailServer) server = server_from_page (self, d);

      if (server->security == COURRIEL_SECURITY_NONE
          && courriel_insecure_dialog_offers_starttls (dialog, server->host, server->port))
        gtk_drop_down_set_selected (security[d], COURRIEL_SECURITY_STARTTLS);
    }
  confirm_then_verify (self);
}

/* Security "None" is asked about first; SSL/TLS and STARTTLS are not. */
static void
confirm_then_verify (CourrielSetupWizard *self)
{
  g_autoptr (CourrielMailServer) in = server_from_page (self, INCOMING);
  g_autoptr (CourrielMailServer) out = server_from_page (self, OUTGOING);
  const CourrielMailServer *insecure[N_DIRECTIONS];
  guint n = 0;
  GtkWindow *dialog;

  if (in->security == COURRIEL_SECURITY_NONE)
    insecure[n++] = in;
  if (out->security == COURRIEL_SECURITY_NONE)
    insecure[n++] = out;
  if (n == 0 || self->insecure_confirmed)
    {
      start_verification (self);
      return;
    }
  dialog = courriel_insecure_dialog_new (GTK_WINDOW (self), insecure, n);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_insecure_answered), self, 0);
  gtk_window_present (dialog);
}

/* ---- 5. saving ---- */

static void
account_server (CourrielSetupWizard *self, guint direction, CourrielServer *server)
{
  const CourrielMailServer *verified = self->verified[direction]->server;
  guint auth = gtk_drop_down_get_selected (direction == INCOMING ? self->incoming_auth : self->outgoing_auth);

  server->host = g_strdup (verified->host);
  server->port = verified->port;
  server->security = verified->security;
  server->username = g_strdup (verified->username != NULL ? verified->username : address (self));
  server->auth = g_strdup (auth < G_N_ELEMENTS (auth_mechanisms) ? auth_mechanisms[auth] : NULL);
  server->fingerprint = g_strdup (self->trusted[direction]);
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielSetupWizard) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 id = courriel_account_save_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (self->verify_spinner);
  if (error != NULL)
    {
      self->verify_failed = TRUE;
      gtk_label_set_label (self->verify_title_label, _("Could Not Save the Account"));
      gtk_label_set_label (self->verify_message_label, error->message);
      update_buttons (self);
      return;
    }
  self->account_id = id;
  adw_status_page_set_description (self->done_page,
                                   _("Courriel now downloads your mail: your Inbox appears in the main window."));
  show_page (self, "done");
  g_signal_emit (self, signals[ACCOUNT_ADDED], 0, id);
}

static void
save_account (CourrielSetupWizard *self)
{
  g_autoptr (CourrielAccount) account = courriel_account_new (address (self));

  g_free (account->display_name);
  account->display_name = g_strdup (gtk_editable_get_text (self->name_entry));
  account->protocol = self->verified[INCOMING]->server->type == COURRIEL_MAIL_SERVER_POP3 ? COURRIEL_PROTOCOL_POP3
                                                                                          : COURRIEL_PROTOCOL_IMAP;
  account_server (self, INCOMING, &account->incoming);
  account_server (self, OUTGOING, &account->outgoing);
  account->smtp_size_limit = self->verified[OUTGOING]->smtp_size_limit;
  /* Verification succeeded: the user confirmed any server without encryption. */
  account->allow_insecure = self->insecure_confirmed
                            && (account->incoming.security == COURRIEL_SECURITY_NONE
                                || account->outgoing.security == COURRIEL_SECURITY_NONE);
  account->pop3_keep_days = gtk_spin_button_get_value_as_int (self->keep_days_spin);
  account->pop3_delete_when_deleted_here = gtk_check_button_get_active (self->delete_here_check);
  gtk_label_set_label (self->verify_title_label, _("Saving Your Account…"));
  gtk_spinner_start (self->verify_spinner);
  courriel_account_save_async (self->store, account, password (self), password (self), self->cancellable, on_saved,
                               g_object_ref (self));
}

/* ---- 6. the test message ---- */

static void
show_test_state (CourrielSetupWizard *self)
{
  CourrielTestMessageState state = courriel_test_message_get_state (self->test_message);
  gboolean running = state == COURRIEL_TEST_MESSAGE_SENDING || state == COURRIEL_TEST_MESSAGE_WAITING;
  g_autofree char *text = NULL;

  switch (state)
    {
    case COURRIEL_TEST_MESSAGE_SENDING:
      text = g_strdup (_("Sending the test message…"));
      break;
    case COURRIEL_TEST_MESSAGE_WAITING:
      text = g_strdup (_("Sent. Waiting for it to arrive in your Inbox…"));
      break;
    case COURRIEL_TEST_MESSAGE_ARRIVED:
      text = g_strdup (_("The test message arrived in your Inbox: your account can send and receive mail."));
      break;
    case COURRIEL_TEST_MESSAGE_FAILED:
      text = g_strdup_printf (_("The test message could not be sent. %s"),
                              courriel_test_message_get_error (self->test_message)->message);
      break;
    case COURRIEL_TEST_MESSAGE_LATE:
      text = g_strdup (_("The test message has not arrived yet. Your provider’s server may be slow: the message "
                         "will appear in your Inbox when it arrives."));
      break;
    }
  gtk_label_set_label (self->test_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->test_label), TRUE);
  if (state == COURRIEL_TEST_MESSAGE_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->test_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->test_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), running);
  gtk_spinner_set_spinning (self->test_spinner, running);
  gtk_widget_set_visible (self->test_arrived_icon, state == COURRIEL_TEST_MESSAGE_ARRIVED);
  gtk_widget_set_visible (self->test_button, state == COURRIEL_TEST_MESSAGE_FAILED);
  gtk_label_set_label (self->test_button_label, _("_Try Again"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.send-test", state == COURRIEL_TEST_MESSAGE_FAILED);
}

/* A failure before the message could even be queued. */
static void
show_test_error (CourrielSetupWizard *self, const char *message)
{
  gtk_label_set_label (self->test_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->test_label), TRUE);
}

/* The application's sync service, when it serves the store the account is in. */
static CourrielSyncService *
sync_service (CourrielSetupWizard *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  CourrielSyncService *service = COURRIEL_IS_APPLICATION (app)
                                   ? courriel_application_get_sync_service (COURRIEL_APPLICATION (app))
                                   : NULL;

  return service != NULL && courriel_sync_service_get_store (service) == self->store ? service : NULL;
}

static void
send_test (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (widget);
  g_autoptr (CourrielDraft) draft = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  CourrielSyncService *service = sync_service (self);

  if (self->test_message != NULL) /* Try Again: the same message, back in the queue */
    {
      courriel_test_message_send (self->test_message);
      return;
    }
  if (service == NULL)
    {
      show_test_error (self, _("Courriel cannot send mail now: its mail database is not open."));
      return;
    }
  draft = courriel_draft_new (gtk_editable_get_text (self->name_entry), address (self));
  now = g_date_time_new_now_local ();
  g_ptr_array_add (draft->to, g_strdup (address (self)));
  draft->subject = g_strdup (_("Courriel test message"));
  draft->text = g_strdup (_("Courriel sent this message to check that your account can send mail.\n\n"
                            "It arrived: everything works."));
  raw = courriel_draft_build (draft, now, &error);
  if (raw != NULL)
    self->test_message = courriel_test_message_new (service, self->account_id, address (self), raw,
                                                    TEST_MESSAGE_TIMEOUT, &error);
  if (self->test_message == NULL)
    {
      show_test_error (self, error->message);
      return;
    }
  g_signal_connect_object (self->test_message, "notify::state", G_CALLBACK (show_test_state), self,
                           G_CONNECT_SWAPPED);
  courriel_test_message_send (self->test_message);
}

/* ---- navigation ---- */

static void
go_next (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_str_equal (page, "identity"))
    {
      if (*password (self) == '\0')
        {
          gtk_label_set_label (self->identity_error_label,
                               _("Enter your password: your provider’s servers ask for it."));
          gtk_widget_set_visible (GTK_WIDGET (self->identity_error_label), TRUE);
          gtk_widget_grab_focus (self->password_entry);
          return;
        }
      gtk_widget_set_visible (GTK_WIDGET (self->identity_error_label), FALSE);
      /* Back for another password: the servers are known already. */
      if (self->password_refused && self->found != NULL && g_str_equal (self->found->address, address (self)))
        confirm_then_verify (self);
      else
        start_discovery (self);
      self->password_refused = FALSE;
    }
  else if (g_str_equal (page, "result") || g_str_equal (page, "advanced") || g_str_equal (page, "verify"))
    confirm_then_verify (self);
  else if (g_str_equal (page, "done"))
    gtk_window_close (GTK_WINDOW (self));
}

static void
go_back (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  g_cancellable_cancel (self->cancellable);
  self->verifying = 0;
  gtk_spinner_stop (self->discovery_spinner);
  gtk_spinner_stop (self->verify_spinner);
  if (g_str_equal (page, "advanced") && self->found != NULL && self->found->incoming->len > 0
      && self->found->outgoing->len > 0)
    show_page (self, "result");
  else if (g_str_equal (page, "verify") && self->found != NULL && self->found->incoming->len > 0
           && self->found->outgoing->len > 0)
    show_page (self, "result");
  else if (g_str_equal (page, "verify"))
    show_page (self, "advanced");
  else
    show_page (self, "identity");
}

static void
go_advanced (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (widget);

  gtk_label_set_label (self->advanced_intro_label,
                       _("Change any setting your provider gives differently. Courriel checks them by logging in."));
  show_page (self, "advanced");
}

static void
trust_certificate (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (widget);

  for (guint d = 0; d < N_DIRECTIONS; d++)
    if (self->untrusted[d] != NULL)
      {
        g_free (self->trusted[d]);
        self->trusted[d] = g_steal_pointer (&self->untrusted[d]);
      }
  start_verification (self);
}

/* ---- the object ---- */

static void
courriel_setup_wizard_dispose (GObject *object)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* A wait still running stops here; the message goes on its way. */
  if (self->test_message != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->test_message, self);
      courriel_test_message_cancel (self->test_message);
    }
  g_clear_object (&self->test_message);
  g_clear_object (&self->discovery);
  g_clear_object (&self->database);
  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_SETUP_WIZARD);
  G_OBJECT_CLASS (courriel_setup_wizard_parent_class)->dispose (object);
}

static void
courriel_setup_wizard_finalize (GObject *object)
{
  CourrielSetupWizard *self = COURRIEL_SETUP_WIZARD (object);

  g_clear_pointer (&self->found, courriel_discovery_result_free);
  g_ptr_array_unref (self->progress);
  for (guint d = 0; d < N_DIRECTIONS; d++)
    {
      g_clear_pointer (&self->verified[d], courriel_verify_result_free);
      g_free (self->trusted[d]);
      g_free (self->untrusted[d]);
    }
  G_OBJECT_CLASS (courriel_setup_wizard_parent_class)->finalize (object);
}

static void
courriel_setup_wizard_class_init (CourrielSetupWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_setup_wizard_dispose;
  object_class->finalize = courriel_setup_wizard_finalize;

  /**
   * CourrielSetupWizard::account-added:
   * @account_id: the saved account's id in the store
   *
   * The account and its password are saved: the application syncs it and shows its Inbox.
   */
  signals[ACCOUNT_ADDED] = g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/courriel/Courriel/ui/courriel-setup-wizard.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CourrielSetupWizard, name)
  BIND (window_title);
  BIND (next_button);
  BIND (stack);
  BIND (name_entry);
  BIND (address_entry);
  BIND (password_entry);
  BIND (identity_error_label);
  BIND (discovery_spinner);
  BIND (discovery_label);
  BIND (discovery_steps_label);
  BIND (result_summary_label);
  BIND (choice_box);
  BIND (imap_check);
  BIND (pop3_check);
  BIND (pop3_box);
  BIND (keep_days_spin);
  BIND (delete_here_check);
  BIND (advanced_intro_label);
  BIND (incoming_protocol);
  BIND (incoming_host);
  BIND (incoming_port);
  BIND (incoming_security);
  BIND (incoming_username);
  BIND (incoming_auth);
  BIND (outgoing_host);
  BIND (outgoing_port);
  BIND (outgoing_security);
  BIND (outgoing_username);
  BIND (outgoing_auth);
  BIND (insecure_warning_label);
  BIND (verify_spinner);
  BIND (verify_title_label);
  BIND (verify_message_label);
  BIND (fingerprint_label);
  BIND (trust_button);
  BIND (help_link);
  BIND (done_page);
  BIND (test_label);
  BIND (test_spinner);
  BIND (test_arrived_icon);
  BIND (test_button);
  BIND (test_button_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, update_buttons);
  gtk_widget_class_bind_template_callback (widget_class, on_settings_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_protocol_toggled);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, go_next);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, go_back);
  gtk_widget_class_install_action (widget_class, "wizard.advanced", NULL, go_advanced);
  gtk_widget_class_install_action (widget_class, "wizard.trust-certificate", NULL, trust_certificate);
  gtk_widget_class_install_action (widget_class, "wizard.send-test", NULL, send_test);
}

/* A check button's text wraps, as every text of the wizard must in a phone-wide window (GTK 4.8
 * has no gtk_check_button_set_child() to give it a wrapping label of our own). */
static void
wrap_check_button (GtkCheckButton *button)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (button)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child))
      {
        gtk_label_set_wrap (GTK_LABEL (child), TRUE);
        gtk_label_set_wrap_mode (GTK_LABEL (child), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_xalign (GTK_LABEL (child), 0);
      }
}

static void
courriel_setup_wizard_init (CourrielSetupWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  wrap_check_button (self->imap_check);
  wrap_check_button (self->pop3_check);
  wrap_check_button (self->delete_here_check);
  self->progress = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->next_button));
  show_page (self, "identity");
}

/**
 * courriel_setup_wizard_new:
 * @app: the application; the wizard is modal to its active window, when there is one
 * @store: where the account is saved
 *
 * Returns: (transfer none): the wizard, not shown yet
 */
GtkWindow *
courriel_setup_wizard_new (GtkApplication *app, CourrielStore *store)
{
  /* Asked before the wizard joins the application: it would be the active window then. */
  GtkWindow *parent = gtk_application_get_active_window (app);
  CourrielSetupWizard *self = g_object_new (COURRIEL_TYPE_SETUP_WIZARD, "application", app, NULL);

  self->store = g_object_ref (store);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      gtk_window_set_modal (GTK_WINDOW (self), TRUE);
    }
  return GTK_WINDOW (self);
}

/**
 * courriel_setup_wizard_set_identity:
 * @name: (nullable): the user's name
 * @address: (nullable): the e-mail address
 *
 * Fills the first page, as when an account is set up again with another protocol.
 */
void
courriel_setup_wizard_set_identity (CourrielSetupWizard *self, const char *name, const char *address)
{
  g_return_if_fail (COURRIEL_IS_SETUP_WIZARD (self));

  gtk_editable_set_text (self->name_entry, name != NULL ? name : "");
  gtk_editable_set_text (self->address_entry, address != NULL ? address : "");
}
