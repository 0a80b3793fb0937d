/* courriel-server-session.h — connecting and logging in to an IMAP, POP3 or SMTP server alike
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-mail-config.h"

G_BEGIN_DECLS

/* The protocol's client (CourrielImapClient, CourrielPop3Client or CourrielSmtpClient) over
 * @connection. */
GObject *courriel_server_session_new                 (CourrielMailServerType  type,
                                                      CourrielConnection     *connection);
/* Greeting, capabilities, STARTTLS when the connection asks for it. */
void     courriel_server_session_connect_async       (GObject                *session,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
gboolean courriel_server_session_connect_finish      (GObject                *session,
                                                      GAsyncResult           *result,
                                                      GError                **error);
/* @mechanism: nullable: the best the server offers. */
void     courriel_server_session_authenticate_async  (GObject                *session,
                                                      const char             *mechanism,
                                                      const char             *username,
                                                      const char             *password,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
gboolean courriel_server_session_authenticate_finish (GObject                *session,
                                                      GAsyncResult           *result,
                                                      GError                **error);
GStrv    courriel_server_session_dup_mechanisms      (GObject                *session);
/* The server refused the user name or the password (not the connection, not the security). */
gboolean courriel_server_session_is_login_refused    (const GError           *error);

G_END_DECLS
