/* courriel-smtp-client.h — an SMTP submission session: EHLO, STARTTLS, AUTH, sending
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-connection.h"

G_BEGIN_DECLS

#define COURRIEL_SMTP_ERROR (courriel_smtp_error_quark ())

typedef enum
{
  COURRIEL_SMTP_ERROR_PROTOCOL,          /* the server's answer is not SMTP: the connection is dropped */
  COURRIEL_SMTP_ERROR_AUTH_FAILED,       /* wrong user name or password */
  COURRIEL_SMTP_ERROR_RECIPIENTS_REFUSED,/* no recipient was accepted */
  COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE, /* over the server's SIZE, or refused as too large */
  COURRIEL_SMTP_ERROR_RELAY_DENIED,      /* the server does not send mail from here to there */
  COURRIEL_SMTP_ERROR_TEMPORARY,         /* 4xx: busy, try again later */
  COURRIEL_SMTP_ERROR_REFUSED,           /* any other refusal (5xx) */
} CourrielSmtpError;

GQuark courriel_smtp_error_quark (void);

/* A recipient the server refused, with its reply. */
typedef struct
{
  char *address;
  guint code;
  char *text;
} CourrielSmtpRefusal;

typedef struct
{
  GStrv      accepted; /* the recipients the server took */
  GPtrArray *refused;  /* CourrielSmtpRefusal */
} CourrielSmtpSendResult;

void courriel_smtp_send_result_free (CourrielSmtpSendResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielSmtpSendResult, courriel_smtp_send_result_free)

#define COURRIEL_TYPE_SMTP_CLIENT (courriel_smtp_client_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSmtpClient, courriel_smtp_client, COURRIEL, SMTP_CLIENT, GObject)

CourrielSmtpClient *courriel_smtp_client_new            (CourrielConnection  *connection);
CourrielConnection *courriel_smtp_client_get_connection (CourrielSmtpClient  *self);
gboolean            courriel_smtp_client_has_extension  (CourrielSmtpClient  *self,
                                                         const char          *name);
guint64             courriel_smtp_client_get_max_size   (CourrielSmtpClient  *self);
GStrv               courriel_smtp_client_dup_mechanisms (CourrielSmtpClient  *self);

void     courriel_smtp_client_connect_async       (CourrielSmtpClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_smtp_client_connect_finish      (CourrielSmtpClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void     courriel_smtp_client_authenticate_async  (CourrielSmtpClient  *self,
                                                   const char          *mechanism,
                                                   const char          *username,
                                                   const char          *password,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_smtp_client_authenticate_finish (CourrielSmtpClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* A message in two steps, for a caller that records something between the moment the whole
 * message is with the server but for its final dot (the server would discard it if the
 * connection ended) and the moment it can exist: begin, then end. */
void                    courriel_smtp_client_send_begin_async  (CourrielSmtpClient  *self,
                                                                const char          *from,
                                                                const char * const  *recipients,
                                                                GBytes              *message,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
gboolean                courriel_smtp_client_send_begin_finish (CourrielSmtpClient  *self,
                                                                GAsyncResult        *result,
                                                                GError             **error);
void                    courriel_smtp_client_send_end_async    (CourrielSmtpClient  *self,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
CourrielSmtpSendResult *courriel_smtp_client_send_end_finish   (CourrielSmtpClient  *self,
                                                                GAsyncResult        *result,
                                                                GError             **error);
/* Ends the message begun and begins the next: with PIPELINING, the final dot and the next
 * envelope in one write. */
void                    courriel_smtp_client_send_next_async   (CourrielSmtpClient  *self,
                                                                const char          *from,
                                                                const char * const  *recipients,
                                                                GBytes              *message,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
gboolean                courriel_smtp_client_send_next_finish  (CourrielSmtpClient      *self,
                                                                GAsyncResult            *result,
                                                                CourrielSmtpSendResult **ended,
                                                                GError                 **ended_error,
                                                                GError                 **error);
/* Both steps in one. */
void                    courriel_smtp_client_send_async  (CourrielSmtpClient  *self,
                                                          const char          *from,
                                                          const char * const  *recipients,
                                                          GBytes              *message,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
CourrielSmtpSendResult *courriel_smtp_client_send_finish (CourrielSmtpClient  *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
void     courriel_smtp_client_quit_async          (CourrielSmtpClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_smtp_client_quit_finish         (CourrielSmtpClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
