/* courriel-server-verify.c — logging in to a server found for an address, as the wizard's last step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A discovered configuration is only proven by logging in. The user names tried are the one the
 * source gave (or the full address), then the other of full address and local part (RFC 6186
 * §4): two attempts at most, since providers lock accounts after a few failed logins. The
 * password is never sent before the certificate is trusted (the user is shown its fingerprint
 * instead), nor to a server that only allows OAuth2. Providers known to refuse account
 * passwords from mail apps (Gmail, Outlook.com, Yahoo, iCloud, AOL) get an outcome of their own
 * with their help page, rather than a "wrong password" the user would keep retyping.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-server-verify.h"

#include <glib/gi18n-lib.h>

#include "courriel-net-error.h"
#include "courriel-server-session.h"
#include "courriel-smtp-client.h"

typedef struct
{
  CourrielVerifyResult *result;
  char                 *password;
  char                 *fingerprint;
  char                 *mechanism;  /* nullable: the best offered */
  gboolean              probe_only; /* connect and read the mechanisms, no login */
  CourrielVerifyFlags   flags;
  GTlsDatabase         *database;
  GPtrArray            *usernames;
  guint                 next;
  CourrielConnection   *connection;
  GObject              *session;
} Verify;

static const struct
{
  const char *suffix; /* of the server's host name */
  const char *help;
  gboolean    oauth2_only;
} providers[] = {
  { ".gmail.com", "https://support.google.com/accounts/answer/185833", FALSE },
  { ".googlemail.com", "https://support.google.com/accounts/answer/185833", FALSE },
  { ".office365.com", "https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040", TRUE },
  { ".outlook.com", "https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040", TRUE },
  { ".hotmail.com", "https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040", TRUE },
  { ".live.com", "https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040", TRUE },
  { ".yahoo.com", "https://help.yahoo.com/kb/SLN15241.html", FALSE },
  { ".mail.me.com", "https://support.apple.com/102654", FALSE },
  { ".aol.com", "https://help.aol.com/articles/Create-and-manage-app-password", FALSE },
};

const char *
courriel_server_verify_provider_help (const char *host, gboolean *oauth2_only)
{
  g_autofree char *dotted = g_strconcat (".", host, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_str_has_suffix (dotted, providers[i].suffix))
      {
        if (oauth2_only != NULL)
          *oauth2_only = providers[i].oauth2_only;
        return providers[i].help;
      }
  return NULL;
}

char *
courriel_verify_result_describe (const CourrielVerifyResult *result, const char *provider, gboolean was_pinned,
                                 const char **title)
{
  const char *host = result->server->host;

  if (provider == NULL)
    provider = host;
  switch (result->outcome)
    {
    case COURRIEL_VERIFY_OK:
      *title = _("Logged In");
      return g_strdup_printf (_("Courriel logged in to %s."), host);
    case COURRIEL_VERIFY_WRONG_PASSWORD:
      *title = _("Wrong Password");
      return g_strdup_printf (_("%s refused this user name and password. Check your password (is Caps Lock on?) "
                                "and try again."),
                              host);
    case COURRIEL_VERIFY_CERTIFICATE:
      *title = _("This Server’s Certificate Is Not Trusted");
      return g_strdup_printf (
          was_pinned
              ? _("%s now presents a different certificate from the one you trusted. Someone may be intercepting the "
                  "connection, or the server changed its certificate. Trust the new one only if your provider "
                  "confirms this fingerprint. Your password has not been sent.")
              : _("%s presents a certificate that this computer does not trust: a small server may sign its own, or "
                  "someone may be intercepting the connection. Trust it only if this fingerprint matches the one "
                  "your provider gives. Your password has not been sent."),
          host);
    case COURRIEL_VERIFY_NEEDS_APP_PASSWORD:
      *title = _("Your Provider Wants an App Password");
      return g_strdup_printf (_("%s does not accept your usual password from mail apps. Create an “app password” "
                                "in your provider’s security settings, then go back and enter it instead."),
                              provider);
    case COURRIEL_VERIFY_NEEDS_OAUTH2:
      *title = _("Your Provider Requires Its Own Sign-In Page");
      return g_strdup_printf (_("%s only lets mail apps sign in through its own web page (OAuth2), which Courriel "
                                "cannot do yet. If your provider offers app passwords, create one and use it "
                                "instead."),
                              provider);
    case COURRIEL_VERIFY_UNREACHABLE:
      *title = _("Cannot Reach the Server");
      return g_strdup_printf (_("Courriel could not reach %s on port %u (%s). Check that this computer is online, "
                                "and go back to check the server name and port."),
                              host, result->server->port, result->message != NULL ? result->message : "?");
    case COURRIEL_VERIFY_FAILED:
    default:
      *title = _("Could Not Log In");
      return g_strdup_printf ("%s: %s", host, result->message != NULL ? result->message : _("unknown error"));
    }
}

void
courriel_verify_result_free (CourrielVerifyResult *result)
{
  if (result == NULL)
    return;
  courriel_mail_server_free (result->server);
  g_free (result->message);
  g_free (result->fingerprint);
  g_strfreev (result->mechanisms);
  g_free (result);
}

static void
close_session (Verify *verify)
{
  if (verify->connection != NULL)
    courriel_connection_close (verify->connection);
  g_clear_object (&verify->session);
  g_clear_object (&verify->connection);
}

static void
verify_free (Verify *verify)
{
  close_session (verify);
  courriel_verify_result_free (verify->result);
  if (verify->password != NULL)
    memset (verify->password, 0, strlen (verify->password));
  g_free (verify->password);
  g_free (verify->fingerprint);
  g_free (verify->mechanism);
  g_clear_object (&verify->database);
  g_ptr_array_unref (verify->usernames);
  g_free (verify);
}

static void
finish (GTask *task, CourrielVerifyOutcome outcome, const char *message)
{
  Verify *verify = g_task_get_task_data (task);
  CourrielVerifyResult *result = verify->result;

  close_session (verify);
  if (g_task_return_error_if_cancelled (task))
    return;
  result->outcome = outcome;
  g_free (result->message);
  result->message = g_strdup (message);
  g_debug ("Verified %s %s:%u as %s after %u logins: outcome %d%s%s",
           courriel_mail_server_type_to_string (result->server->type), result->server->host, result->server->port,
           result->server->username, result->attempts, outcome, message != NULL ? ": " : "",
           message != NULL ? message : "");
  g_task_return_pointer (task, g_steal_pointer (&verify->result), (GDestroyNotify)courriel_verify_result_free);
}

/* A refused login: the provider's own reason when it is one that refuses passwords. */
static void
refused (GTask *task, const GError *error)
{
  Verify *verify = g_task_get_task_data (task);
  gboolean oauth2_only = FALSE;
  const char *help = courriel_server_verify_provider_help (verify->result->server->host, &oauth2_only);

  verify->result->help_url = help;
  if (help != NULL && oauth2_only)
    finish (task, COURRIEL_VERIFY_NEEDS_OAUTH2,
            _("This provider only lets mail apps sign in with its own sign-in page (OAuth2), which Courriel cannot "
              "do yet."));
  else if (help != NULL)
    finish (task, COURRIEL_VERIFY_NEEDS_APP_PASSWORD,
            _("This provider refuses the account’s usual password in mail apps: create an app password on its "
              "website and use it here."));
  else
    finish (task, COURRIEL_VERIFY_WRONG_PASSWORD, error->message);
}

static void try_next (GTask *task);

static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Verify *verify = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (courriel_server_session_authenticate_finish (verify->session, result, &error))
    {
      g_free (verify->result->server->username);
      verify->result->server->username = g_strdup (verify->usernames->pdata[verify->next - 1]);
      /* Saved with the account, for the composer's warning before a message is too large. */
      if (COURRIEL_IS_SMTP_CLIENT (verify->session))
        verify->result->smtp_size_limit = courriel_smtp_client_get_max_size (COURRIEL_SMTP_CLIENT (verify->session));
      finish (task, COURRIEL_VERIFY_OK, NULL);
    }
  else if (courriel_server_session_is_login_refused (error) && verify->next < verify->usernames->len)
    {
      close_session (verify);
      try_next (task);
      return;
    }
  else if (courriel_server_session_is_login_refused (error))
    refused (task, error);
  else if (g_error_matches (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT)
           || g_error_matches (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED))
    finish (task, COURRIEL_VERIFY_UNREACHABLE, error->message);
  else
    finish (task, COURRIEL_VERIFY_FAILED, error->message);
  g_object_unref (task);
}

/* The login method chosen is not one the server offers: said before any password is sent. */
static void
not_offered (GTask *task)
{
  Verify *verify = g_task_get_task_data (task);
  g_autofree char *offered = g_strjoinv (", ", verify->result->mechanisms);
  g_autofree char *message = NULL;

  /* The message is said after the server's name (courriel_verify_result_describe()). */
  if (*offered == '\0')
    message = g_strdup_printf (_("The server does not offer the login method %s, nor any other to choose from: "
                                 "choose Automatic."),
                               verify->mechanism);
  else
    /* Translators: the first %s is a login method (PLAIN), the second a list of them. */
    message = g_strdup_printf (_("The server does not offer the login method %s. It offers: %s."),
                               verify->mechanism, offered);
  finish (task, COURRIEL_VERIFY_FAILED, message);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Verify *verify = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (courriel_server_session_connect_finish (verify->session, result, &error))
    {
      g_strfreev (verify->result->mechanisms);
      verify->result->mechanisms = courriel_server_session_dup_mechanisms (verify->session);
      if (verify->probe_only)
        finish (task, COURRIEL_VERIFY_OK, NULL);
      else if (verify->mechanism != NULL
               && !g_strv_contains ((const char *const *)verify->result->mechanisms, verify->mechanism))
        not_offered (task);
      else
        {
          verify->result->attempts++;
          courriel_server_session_authenticate_async (verify->session, verify->mechanism,
                                                      verify->usernames->pdata[verify->next - 1],
                                                      verify->password, g_task_get_cancellable (task),
                                                      on_authenticated, task);
          return;
        }
      g_object_unref (task);
      return;
    }
  if (g_error_matches (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED))
    {
      verify->result->fingerprint = g_strdup (courriel_net_error_get_fingerprint (error));
      verify->result->certificate_errors = courriel_net_error_get_certificate_errors (error);
      finish (task, COURRIEL_VERIFY_CERTIFICATE, error->message);
    }
  else if (error->domain == COURRIEL_NET_ERROR && error->code != COURRIEL_NET_ERROR_TLS_FAILED
           && error->code != COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE)
    finish (task, COURRIEL_VERIFY_UNREACHABLE, error->message);
  else if (error->domain == G_IO_ERROR)
    finish (task, COURRIEL_VERIFY_UNREACHABLE, error->message);
  else
    finish (task, COURRIEL_VERIFY_FAILED, error->message);
  g_object_unref (task);
}

static void
try_next (GTask *task)
{
  Verify *verify = g_task_get_task_data (task);
  const CourrielMailServer *server = verify->result->server;

  verify->next++;
  verify->connection = courriel_connection_new (server->host, server->port, server->security);
  if (verify->fingerprint != NULL)
    courriel_connection_set_pinned_fingerprint (verify->connection, verify->fingerprint);
  if (verify->database != NULL)
    courriel_connection_set_tls_database (verify->connection, verify->database);
  /* Without the user's consent, courriel_connection_check_credentials_allowed() refuses
   * before the password leaves. */
  courriel_connection_set_allow_insecure_auth (verify->connection,
                                               (verify->flags & COURRIEL_VERIFY_ALLOW_INSECURE_AUTH) != 0);
  verify->session = courriel_server_session_new (server->type, verify->connection);
  courriel_server_session_connect_async (verify->session, g_task_get_cancellable (task), on_connected, task);
}

static void
start (const CourrielMailServer *server, const char *mechanism, const char *address, const char *password,
       const char *fingerprint, GTlsDatabase *database, CourrielVerifyFlags flags, gboolean probe_only,
       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Verify *verify = g_new0 (Verify, 1);
  const char *at = strrchr (address, '@');
  g_autofree char *local_part = at != NULL ? g_strndup (address, at - address) : g_strdup (address);
  const char *first = server->username != NULL ? server->username : address;

  verify->result = g_new0 (CourrielVerifyResult, 1);
  verify->result->server = courriel_mail_server_copy (server);
  verify->password = g_strdup (password);
  verify->fingerprint = g_strdup (fingerprint);
  verify->mechanism = mechanism != NULL ? g_ascii_strup (mechanism, -1) : NULL;
  verify->probe_only = probe_only;
  verify->flags = flags;
  verify->database = database != NULL ? g_object_ref (database) : NULL;
  verify->usernames = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (verify->usernames, g_strdup (first));
  if (g_strcmp0 (first, address) != 0)
    g_ptr_array_add (verify->usernames, g_strdup (address));
  else if (g_strcmp0 (first, local_part) != 0)
    g_ptr_array_add (verify->usernames, g_steal_pointer (&local_part));
  g_task_set_source_tag (task, courriel_server_verify_async);
  g_task_set_task_data (task, verify, (GDestroyNotify)verify_free);
  /* The password is not for a server that only takes OAuth2. */
  if (server->auth == COURRIEL_MAIL_AUTH_OAUTH2 && !probe_only)
    {
      gboolean oauth2_only;
      verify->result->help_url = courriel_server_verify_provider_help (server->host, &oauth2_only);
      finish (task, COURRIEL_VERIFY_NEEDS_OAUTH2,
              _("This server only lets mail apps sign in with the provider’s own sign-in page (OAuth2), which "
                "Courriel cannot do yet."));
      g_object_unref (task);
      return;
    }
  try_next (task);
}

/**
 * courriel_server_verify_async:
 * @server: the server, with the user name its source gave (or NULL)
 * @address: the user's e-mail address
 *
 * @flags: %COURRIEL_VERIFY_ALLOW_INSECURE_AUTH when the user confirmed that the password may be
 *   sent over a connection without encryption (security None); without it, such a login is
 *   %COURRIEL_VERIFY_FAILED before the password is sent
 *
 * Logs in (and out) without reading or sending any mail, with the best login method the server
 * offers. Fails only when cancelled.
 */
void
courriel_server_verify_async (const CourrielMailServer *server, const char *address, const char *password,
                              const char *fingerprint, GTlsDatabase *database, CourrielVerifyFlags flags,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  start (server, NULL, address, password, fingerprint, database, flags, FALSE, cancellable, callback, user_data);
}

/**
 * courriel_server_verify_mechanism_async:
 * @mechanism: (nullable): the SASL mechanism to log in with; %NULL: the best offered
 *
 * As courriel_server_verify_async(), with this login method: a method the server does not
 * offer is %COURRIEL_VERIFY_FAILED, said in plain words, before any password is sent.
 */
void
courriel_server_verify_mechanism_async (const CourrielMailServer *server, const char *mechanism, const char *address,
                                        const char *password, const char *fingerprint, GTlsDatabase *database,
                                        CourrielVerifyFlags flags, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  start (server, mechanism, address, password, fingerprint, database, flags, FALSE, cancellable, callback,
         user_data);
}

/**
 * courriel_server_probe_mechanisms_async:
 *
 * Connects (and secures the connection) without logging in: the result's mechanisms are the
 * login methods the server advertises, its outcome %COURRIEL_VERIFY_OK, or why the server could
 * not be reached or trusted. Finish with courriel_server_verify_finish().
 */
void
courriel_server_probe_mechanisms_async (const CourrielMailServer *server, const char *fingerprint,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  start (server, NULL, "", NULL, fingerprint, NULL, COURRIEL_VERIFY_FLAGS_NONE, TRUE, cancellable, callback,
         user_data);
}

CourrielVerifyResult *
courriel_server_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
