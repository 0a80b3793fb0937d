/* courriel-cli-account.c — `courriel-cli account add|list|remove`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `account add` verifies the login on the incoming server before anything is saved: an
 * account that cannot connect is never stored.
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "courriel-account.h"
#include "courriel-engine.h"
#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-net-error.h"
#include "courriel-pop3-client.h"
#include "courriel-smtp-client.h"

/* imaps://host[:port] and friends. */
static gboolean
parse_server (const char *url, gboolean outgoing, gboolean insecure, CourrielProtocol *protocol,
              CourrielServer *server, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  const struct
  {
    const char      *scheme;
    gboolean         outgoing;
    CourrielProtocol protocol;
    CourrielSecurity security;
    guint16          port;
  } schemes[] = {
    { "imaps", FALSE, COURRIEL_PROTOCOL_IMAP, COURRIEL_SECURITY_TLS, 993 },
    { "imap", FALSE, COURRIEL_PROTOCOL_IMAP, COURRIEL_SECURITY_STARTTLS, 143 },
    { "pop3s", FALSE, COURRIEL_PROTOCOL_POP3, COURRIEL_SECURITY_TLS, 995 },
    { "pop3", FALSE, COURRIEL_PROTOCOL_POP3, COURRIEL_SECURITY_STARTTLS, 110 },
    { "smtps", TRUE, 0, COURRIEL_SECURITY_TLS, 465 },
    { "smtp", TRUE, 0, COURRIEL_SECURITY_STARTTLS, 587 },
  };

  for (guint i = 0; scheme != NULL && i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strcasecmp (scheme, schemes[i].scheme) == 0 && schemes[i].outgoing == outgoing
        && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0')
      {
        if (protocol != NULL)
          *protocol = schemes[i].protocol;
        server->host = g_strdup (g_uri_get_host (uri));
        server->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : schemes[i].port;
        /* Without TLS in the scheme, STARTTLS is required, unless the user asked for plain text. */
        server->security = schemes[i].security == COURRIEL_SECURITY_STARTTLS && insecure ? COURRIEL_SECURITY_NONE
                                                                                        : schemes[i].security;
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               outgoing ? _("“%s” is not an outgoing server: use smtps://HOST[:PORT] or smtp://HOST[:PORT]")
                        : _("“%s” is not an incoming server: use imaps://, imap://, pop3s:// or pop3://HOST[:PORT]"),
               url);
  return FALSE;
}

/* Logs in to the incoming IMAP server as the account would, and out again. */
static gboolean
verify_imap (CourrielAccount *account, const char *password, GError **error)
{
  g_autoptr (CourrielImapClient) client = courriel_cli_log_in (account, password, error);
  g_autoptr (GAsyncResult) result = NULL;

  if (client == NULL)
    return FALSE;
  courriel_imap_client_logout_async (client, NULL, courriel_cli_got_result, &result);
  courriel_imap_client_logout_finish (client, courriel_cli_wait (&result), NULL);
  return TRUE;
}

/* The same for a POP3 server. */
static gboolean
verify_pop3 (CourrielAccount *account, const char *password, GError **error)
{
  g_autoptr (CourrielPop3Client) client = courriel_cli_log_in_pop3 (account, password, error);
  g_autoptr (GAsyncResult) quit = NULL;

  if (client == NULL)
    return FALSE;
  courriel_pop3_client_quit_async (client, NULL, courriel_cli_got_result, &quit);
  courriel_pop3_client_quit_finish (client, courriel_cli_wait (&quit), NULL);
  return TRUE;
}

/* Logs in to the outgoing SMTP server as sending will, and out again. */
static gboolean
verify_smtp (CourrielAccount *account, const char *password, GError **error)
{
  g_autoptr (CourrielConnection) connection = courriel_account_new_connection (account, &account->outgoing);
  g_autoptr (CourrielSmtpClient) client = NULL;
  g_autoptr (GAsyncResult) connected = NULL;
  g_autoptr (GAsyncResult) logged_in = NULL;
  g_autoptr (GAsyncResult) quit = NULL;
  client = courriel_smtp_client_new (connection);
  courriel_smtp_client_connect_async (client, NULL, courriel_cli_got_result, &connected);
  if (!courriel_smtp_client_connect_finish (client, courriel_cli_wait (&connected), error))
    return FALSE;
  courriel_smtp_client_authenticate_async (client, account->outgoing.auth, account->outgoing.username, password, NULL,
                                           courriel_cli_got_result, &logged_in);
  if (!courriel_smtp_client_authenticate_finish (client, courriel_cli_wait (&logged_in), error))
    return FALSE;
  /* Saved with the account, as the wizard does: the composer warns above it. */
  account->smtp_size_limit = courriel_smtp_client_get_max_size (client);
  courriel_smtp_client_quit_async (client, NULL, courriel_cli_got_result, &quit);
  courriel_smtp_client_quit_finish (client, courriel_cli_wait (&quit), NULL);
  return TRUE;
}

static int
account_add (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("— add an account, after checking that it can log in"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autofree char *email = NULL;
  g_autofree char *name = NULL;
  g_autofree char *incoming = NULL;
  g_autofree char *outgoing = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_auto (GStrv) fingerprints = NULL;
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  gboolean json = courriel_cli_json;
  int offline_days = 0;
  int keep_days = 14;
  gboolean keep_when_deleted = FALSE;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("The e-mail address"), N_("ADDRESS") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Your name, as others see it"), N_("NAME") },
    { "incoming", 0, 0, G_OPTION_ARG_STRING, &incoming, N_("imaps://, imap://, pop3s:// or pop3://HOST[:PORT]"), N_("URL") },
    { "outgoing", 0, 0, G_OPTION_ARG_STRING, &outgoing, N_("smtps:// or smtp://HOST[:PORT]"), N_("URL") },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, N_("The user name, if not the address"), N_("USER") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    { "accept-certificate", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fingerprints,
      N_("Accept the certificate with this SHA-256 fingerprint (repeatable)"), N_("SHA256") },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &insecure, N_("Allow a connection without encryption"), NULL },
    { "pop3-keep-days", 0, 0, G_OPTION_ARG_INT, &keep_days,
      N_("POP3: days messages stay on the server once downloaded (-1: always, 0: not at all; 14)"), "N" },
    { "pop3-keep-when-deleted", 0, 0, G_OPTION_ARG_NONE, &keep_when_deleted,
      N_("POP3: deleting a message here does not delete it on the server"), NULL },
    { "offline-days", 0, 0, G_OPTION_ARG_INT, &offline_days,
      N_("Download the messages of the last N days at each sync, for offline reading (0: when opened)"), "N" },
    { NULL }
  };
  gint64 id;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || email == NULL || incoming == NULL
      || outgoing == NULL || !password_stdin || offline_days < 0 || keep_days < -1)
    {
      g_printerr ("courriel-cli: %s\n", error != NULL ? error->message
                                                     : _("account add needs --email, --incoming, --outgoing and "
                                                         "--password-stdin"));
      return 2;
    }

  account = courriel_account_new (email);
  account->offline_days = offline_days;
  account->pop3_keep_days = keep_days;
  account->pop3_delete_when_deleted_here = !keep_when_deleted;
  g_free (account->display_name);
  account->display_name = g_strdup (name != NULL ? name : "");
  account->allow_insecure = insecure;
  if (!parse_server (incoming, FALSE, insecure, &account->protocol, &account->incoming, &error)
      || !parse_server (outgoing, TRUE, insecure, NULL, &account->outgoing, &error))
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 2;
    }
  account->incoming.username = g_strdup (username != NULL ? username : email);
  account->outgoing.username = g_strdup (username != NULL ? username : email);
  /* One fingerprint for both servers, or one each, in order. */
  if (fingerprints != NULL && fingerprints[0] != NULL)
    {
      account->incoming.fingerprint = g_strdup (fingerprints[0]);
      account->outgoing.fingerprint = g_strdup (fingerprints[1] != NULL ? fingerprints[1] : fingerprints[0]);
    }

  password = courriel_cli_read_password ();
  if (password == NULL || *password == '\0')
    {
      g_printerr ("courriel-cli: %s\n", _("no password on standard input"));
      return 2;
    }

  if ((account->protocol == COURRIEL_PROTOCOL_POP3 ? !verify_pop3 (account, password, &error)
                                                   : !verify_imap (account, password, &error))
      || !verify_smtp (account, password, &error))
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }

  store = courriel_cli_open_store (&error);
  if (store == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_save_async (store, account, password, password, NULL, courriel_cli_got_result, &result);
    id = courriel_account_save_finish (courriel_cli_wait (&result), &error);
  }
  memset (password, 0, strlen (password));
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  courriel_store_close (store);
  if (json)
    {
      g_autofree char *address = courriel_cli_json_string (email);
      g_print ("{\"id\": %" G_GINT64_FORMAT ", \"address\": %s}\n", id, address);
    }
  else
    {
      g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      g_print (_("Account %s added (id %s).\n"), email, id_text);
    }
  return 0;
}

static int
account_list (int argc, char **argv, gboolean json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_cli_open_store (&error);
  g_autoptr (GPtrArray) accounts = NULL;
  static const char *securities[] = { "tls", "starttls", "none" };

  if (store == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_list_async (store, NULL, courriel_cli_got_result, &result);
    accounts = courriel_account_list_finish (store, courriel_cli_wait (&result), &error);
  }
  if (accounts == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (json)
    g_print ("[");
  for (guint i = 0; i < accounts->len; i++)
    {
      CourrielAccount *a = accounts->pdata[i];

      if (json)
        {
          g_autofree char *address = courriel_cli_json_string (a->address);
          g_autofree char *name = courriel_cli_json_string (a->display_name);
          g_autofree char *host = courriel_cli_json_string (a->incoming.host);
          g_autofree char *out_host = courriel_cli_json_string (a->outgoing.host);

          g_print ("%s{\"id\": %" G_GINT64_FORMAT ", \"address\": %s, \"name\": %s, \"protocol\": \"%s\", "
                   "\"incoming\": {\"host\": %s, \"port\": %u, \"security\": \"%s\"}, "
                   "\"outgoing\": {\"host\": %s, \"port\": %u, \"security\": \"%s\"}, \"offline_days\": %u, "
                   "\"smtp_size_limit\": %" G_GUINT64_FORMAT "}",
                   i > 0 ? ", " : "", a->id, address, name, a->protocol == COURRIEL_PROTOCOL_POP3 ? "pop3" : "imap",
                   host, a->incoming.port, securities[a->incoming.security], out_host, a->outgoing.port,
                   securities[a->outgoing.security], a->offline_days, a->smtp_size_limit);
        }
      else
        g_print ("%" G_GINT64_FORMAT "\t%s\t%s://%s:%u\n", a->id, a->address,
                 a->protocol == COURRIEL_PROTOCOL_POP3 ? "pop3" : "imap", a->incoming.host, a->incoming.port);
    }
  if (json)
    g_print ("]\n");
  return 0;
}

static int
account_remove (const char *which)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_cli_open_store (&error);
  g_autoptr (CourrielAccount) account = NULL;

  if (store != NULL)
    account = courriel_cli_find_account (store, which, &error);
  if (account == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_remove_async (store, account->address, NULL, courriel_cli_got_result, &result);
    if (!courriel_account_remove_finish (courriel_cli_wait (&result), &error))
      {
        g_printerr ("courriel-cli: %s\n", error->message);
        return 1;
      }
  }
  courriel_store_close (store);
  if (courriel_cli_json)
    {
      g_autofree char *address = courriel_cli_json_string (account->address);
      g_print ("{\"removed\": {\"id\": %" G_GINT64_FORMAT ", \"address\": %s}}\n", account->id, address);
    }
  return 0;
}

int
courriel_cli_account (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "add"))
    return account_add (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "list"))
    return account_list (argc - 1, argv + 1, courriel_cli_json);
  if (argc == 3 && g_str_equal (argv[1], "remove"))
    return account_remove (argv[2]);
  g_printerr ("%s\n", _("Usage: courriel-cli account add|list|remove ACCOUNT"));
  return 2;
}
