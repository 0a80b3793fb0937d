/* courriel-connection.h — a connection to a mail server: TCP, TLS or STARTTLS, lines and bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_SECURITY_TLS,      /* implicit TLS from the first byte (993, 995, 465) */
  COURRIEL_SECURITY_STARTTLS, /* clear text, upgraded with the protocol's STARTTLS before anything else */
  COURRIEL_SECURITY_NONE,     /* clear text: only when the user chose it */
} CourrielSecurity;

#define COURRIEL_TYPE_CONNECTION (courriel_connection_get_type ())
G_DECLARE_FINAL_TYPE (CourrielConnection, courriel_connection, COURRIEL, CONNECTION, GObject)

CourrielConnection *courriel_connection_new                     (const char          *host,
                                                                 guint16              port,
                                                                 CourrielSecurity     security);
const char         *courriel_connection_get_host                (CourrielConnection  *self);
guint16             courriel_connection_get_port                (CourrielConnection  *self);
CourrielSecurity    courriel_connection_get_security            (CourrielConnection  *self);
void                courriel_connection_set_pinned_fingerprint  (CourrielConnection  *self,
                                                                 const char          *fingerprint);
void                courriel_connection_set_allow_insecure_auth (CourrielConnection  *self,
                                                                 gboolean             allow);
void                courriel_connection_set_timeout             (CourrielConnection  *self,
                                                                 guint                seconds);
guint               courriel_connection_get_timeout             (CourrielConnection  *self);
void                courriel_connection_set_max_line_length     (CourrielConnection  *self,
                                                                 gsize                max);
void                courriel_connection_set_tls_database        (CourrielConnection  *self,
                                                                 GTlsDatabase        *database);
gboolean            courriel_connection_is_encrypted            (CourrielConnection  *self);
guint64             courriel_connection_get_bytes_received      (CourrielConnection  *self);
guint64             courriel_connection_get_bytes_sent          (CourrielConnection  *self);
GTlsCertificate    *courriel_connection_get_peer_certificate    (CourrielConnection  *self);
gboolean            courriel_connection_check_credentials_allowed (CourrielConnection *self,
                                                                   GError            **error);

void     courriel_connection_connect_async         (CourrielConnection  *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean courriel_connection_connect_finish        (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_start_tls_async       (CourrielConnection  *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean courriel_connection_start_tls_finish      (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_read_line_async       (CourrielConnection  *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
char    *courriel_connection_read_line_finish      (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    gsize               *length,
                                                    GError             **error);
void     courriel_connection_read_async            (CourrielConnection  *self,
                                                    gsize                max_size,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GBytes  *courriel_connection_read_finish           (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_read_to_stream_async  (CourrielConnection  *self,
                                                    guint64              count,
                                                    GOutputStream       *sink,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean courriel_connection_read_to_stream_finish (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_write_async           (CourrielConnection  *self,
                                                    GBytes              *bytes,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean courriel_connection_write_finish          (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_close_async           (CourrielConnection  *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean courriel_connection_close_finish          (CourrielConnection  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void     courriel_connection_close                 (CourrielConnection  *self);

G_END_DECLS
