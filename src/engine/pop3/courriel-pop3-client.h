/* courriel-pop3-client.h — a POP3 session: greeting, capabilities, STLS, authentication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-connection.h"

G_BEGIN_DECLS

#define COURRIEL_POP3_ERROR (courriel_pop3_error_quark ())

typedef enum
{
  COURRIEL_POP3_ERROR_PROTOCOL,    /* the server's answer is not POP3: the connection is dropped */
  COURRIEL_POP3_ERROR_ERR,         /* the server answered -ERR */
  COURRIEL_POP3_ERROR_AUTH_FAILED, /* login refused: wrong user name or password */
} CourrielPop3Error;

GQuark courriel_pop3_error_quark (void);

/* A line of LIST (number, size) or of UIDL (number, uid). */
typedef struct
{
  guint   number;
  guint64 size;
  char   *uid;
} CourrielPop3Entry;

void courriel_pop3_entry_free (CourrielPop3Entry *entry);

#define COURRIEL_TYPE_POP3_CLIENT (courriel_pop3_client_get_type ())
G_DECLARE_FINAL_TYPE (CourrielPop3Client, courriel_pop3_client, COURRIEL, POP3_CLIENT, GObject)

CourrielPop3Client *courriel_pop3_client_new               (CourrielConnection  *connection);
CourrielConnection *courriel_pop3_client_get_connection    (CourrielPop3Client  *self);
gboolean            courriel_pop3_client_has_capability    (CourrielPop3Client  *self,
                                                            const char          *name);
gboolean            courriel_pop3_client_is_authenticated  (CourrielPop3Client  *self);
GStrv               courriel_pop3_client_dup_mechanisms    (CourrielPop3Client  *self);

void     courriel_pop3_client_connect_async       (CourrielPop3Client  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_pop3_client_connect_finish      (CourrielPop3Client  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void     courriel_pop3_client_authenticate_async  (CourrielPop3Client  *self,
                                                   const char          *mechanism,
                                                   const char          *username,
                                                   const char          *password,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_pop3_client_authenticate_finish (CourrielPop3Client  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void       courriel_pop3_client_stat_async  (CourrielPop3Client  *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean   courriel_pop3_client_stat_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             guint               *count,
                                             guint64             *size,
                                             GError             **error);
void       courriel_pop3_client_list_async  (CourrielPop3Client  *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray *courriel_pop3_client_list_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void       courriel_pop3_client_uidl_async  (CourrielPop3Client  *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray *courriel_pop3_client_uidl_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void       courriel_pop3_client_top_async   (CourrielPop3Client  *self,
                                             guint                number,
                                             guint                lines,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GBytes    *courriel_pop3_client_top_finish  (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void       courriel_pop3_client_retr_async  (CourrielPop3Client  *self,
                                             guint                number,
                                             GOutputStream       *sink,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GBytes    *courriel_pop3_client_retr_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void       courriel_pop3_client_dele_async  (CourrielPop3Client  *self,
                                             guint                number,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean   courriel_pop3_client_dele_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void       courriel_pop3_client_rset_async  (CourrielPop3Client  *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean   courriel_pop3_client_rset_finish (CourrielPop3Client  *self,
                                             GAsyncResult        *result,
                                             GError             **error);

void     courriel_pop3_client_quit_async          (CourrielPop3Client  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_pop3_client_quit_finish         (CourrielPop3Client  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
