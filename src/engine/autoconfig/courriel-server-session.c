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

#include <stdlib.h>
#include <string.h>

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
courriel_server_session_authenticate_async (GObject *session, const char *mechanism, const char *username,
                                            const char *password, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  if (COURRIEL_IS_IMAP_CLIENT (session))
    courriel_imap_client_authenticate_async (COURRIEL_IMAP_CLIENT (session), mechanism, username, password,
                                             cancellable, callback, user_data);
  else if (COURRIEL_IS_POP3_CLIENT (session))
    courriel_pop3_client_authenticate_async (COURRIEL_POP3_CLIENT (session), mechanism, username, password,
                                             cancellable, callback, user_data);
  else
    courriel_smtp_client_authenticate_async (COURRIEL_SMTP_CLIENT (session), mechanism, username, password,
                                             cancellable, callback, user_data);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The SASL mechanisms the server advertises once connected, upper case, sorted. */
GStrv
courriel_server_session_dup_mechanisms (GObject *session)
{
  g_auto (GStrv) words = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GStrv mechanisms;
  gboolean imap = COURRIEL_IS_IMAP_CLIENT (session);

  if (imap)
    words = courriel_imap_client_dup_capabilities (COURRIEL_IMAP_CLIENT (session));
  else if (COURRIEL_IS_POP3_CLIENT (session))
    words = courriel_pop3_client_dup_mechanisms (COURRIEL_POP3_CLIENT (session));
  else
    words = courriel_smtp_client_dup_mechanisms (COURRIEL_SMTP_CLIENT (session));
  for (guint i = 0; words != NULL && words[i] != NULL; i++)
    {
      const char *name = words[i];

      /* IMAP names them among its capabilities: AUTH=PLAIN. */
      if (imap && g_ascii_strncasecmp (name, "AUTH=", 5) != 0)
        continue;
      name += imap ? 5 : 0;
      if (*name != '\0')
        {
          g_autofree char *upper = g_ascii_strup (name, -1);
          g_strv_builder_add (builder, upper);
        }
    }
  mechanisms = g_strv_builder_end (builder);
  /* IMAP's come in no order: a list the user reads stays the same from one time to the next. */
  qsort (mechanisms, g_strv_length (mechanisms), sizeof (char *), compare_names);
  return mechanisms;
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
