/* courriel-server-session.c — connecting and logging in to an IMAP, POP3 or SMTP server alike
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Finding servers (probing, verifying a login) does the same with all three protocols; this is
 * the one place that picks the protocol's client for it.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-server-session.h"

#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-pop3-client.h"
#include "courriel-smtp-client.h"

GObject *
courriel_server_session_new (CourrielMailServerType type, CourrielConnection *connection)
{
  switch (type)
    {
    case COURRIEL_MAIL_SERVER_IMAP:
      return G_OBJECT (courriel_imap_client_new (connection));
    case COURRIEL_MAIL_SERVER_POP3:
      return G_OBJECT (courriel_pop3_client_new (connection));
    case COURRIEL_MAIL_SERVER_SMTP:
    default:
      return G_OBJECT (courriel_smtp_client_new (connection));
    }
}

void
courriel_server_session_connect_async (GObject *session, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  if (COURRIEL_IS_IMAP_CLIENT (session))
    courriel_imap_client_connect_async (COURRIEL_IMAP_CLIENT (session), cancellable, callback, user_data);
  else if (COURRIEL_IS_POP3_CLIENT (session))
    courriel_pop3_client_connect_async (COURRIEL_POP3_CLIENT (session), cancellable, callback, user_data);
  else
    courriel_smtp_client_connect_async (COURRIEL_SMTP_CLIENT (session), cancellable, callback, user_data);
}

gboolean
courriel_server_session_connect_finish (GObject *session, GAsyncResult *result, GError **error)
{
  if (COURRIEL_IS_IMAP_CLIENT (session))
    return courriel_imap_client_connect_finish (COURRIEL_IMAP_CLIENT (session), result, error);
  if (COURRIEL_IS_POP3_CLIENT (session))
    return courriel_pop3_client_connect_finish (COURRIEL_POP3_CLIENT (session), result, error);
  return courriel_smtp_client_connect_finish (COURRIEL_SMTP_CLIENT (session), result, error);
}

void
courriel_server_session_authenticate_async (GObject *session, const char *username, const char *password,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  if (COURRIEL_IS_IMAP_CLIENT (session))
    courriel_imap_client_authenticate_async (COURRIEL_IMAP_CLIENT (session), NULL, username, password, cancellable,
                                             callback, user_data);
  else if (COURRIEL_IS_POP3_CLIENT (session))
    courriel_pop3_client_authenticate_async (COURRIEL_POP3_CLIENT (session), NULL, username, password, cancellable,
                                             callback, user_data);
  else
    courriel_smtp_client_authenticate_async (COURRIEL_SMTP_CLIENT (session), NULL, username, password, cancellable,
                                             callback, user_data);
}

gboolean
courriel_server_session_authenticate_finish (GObject *session, GAsyncResult *result, GError **error)
{
  if (COURRIEL_IS_IMAP_CLIENT (session))
    return courriel_imap_client_authenticate_finish (COURRIEL_IMAP_CLIENT (session), result, error);
  if (COURRIEL_IS_POP3_CLIENT (session))
    return courriel_pop3_client_authenticate_finish (COURRIEL_POP3_CLIENT (session), result, error);
  return courriel_smtp_client_authenticate_finish (COURRIEL_SMTP_CLIENT (session), result, error);
}

gboolean
courriel_server_session_is_login_refused (const GError *error)
{
  return g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED)
         || g_error_matches (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_AUTH_FAILED)
         || g_error_matches (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_AUTH_FAILED);
}
