/* courriel-net-error.h — the errors of connections, TLS and SASL, as the user will read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define COURRIEL_NET_ERROR (courriel_net_error_quark ())

typedef enum
{
  COURRIEL_NET_ERROR_CONNECTION_FAILED,     /* could not reach host:port */
  COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED, /* see courriel_net_error_get_certificate() */
  COURRIEL_NET_ERROR_TLS_FAILED,            /* the handshake failed for another reason */
  COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE,  /* STARTTLS asked for and not offered: never downgrade */
  COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED, /* credentials would travel in clear text */
  COURRIEL_NET_ERROR_TIMEOUT,               /* the server took longer than the connection's timeout */
  COURRIEL_NET_ERROR_CLOSED,                /* the connection was closed, by the server or here */
  COURRIEL_NET_ERROR_LINE_TOO_LONG,         /* a line exceeded the connection's maximum */
  COURRIEL_NET_ERROR_SASL,                  /* a SASL exchange failed on our side */
} CourrielNetError;

GQuark               courriel_net_error_quark                  (void);
GError              *courriel_net_error_new_untrusted          (const char           *host,
                                                                GTlsCertificate      *certificate,
                                                                GTlsCertificateFlags  errors);
GTlsCertificate     *courriel_net_error_get_certificate        (const GError         *error);
const char          *courriel_net_error_get_fingerprint        (const GError         *error);
GTlsCertificateFlags courriel_net_error_get_certificate_errors (const GError         *error);

G_END_DECLS
