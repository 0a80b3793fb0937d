/* courriel-server-probe.h — does this host:port speak the protocol, securely, with a good certificate?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-mail-config.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_PROBE_OK,               /* the protocol answered, over the security asked, certificate valid */
  COURRIEL_PROBE_UNREACHABLE,      /* refused, silent past the timeout, or closed at once */
  COURRIEL_PROBE_NOT_THIS_PROTOCOL,/* something answered, not this protocol */
  COURRIEL_PROBE_NO_STARTTLS,      /* it answered in clear text and does not offer STARTTLS */
  COURRIEL_PROBE_CERTIFICATE,      /* encrypted, but the certificate is not trusted (see fingerprint) */
  COURRIEL_PROBE_TLS_FAILED,       /* the encryption itself failed */
} CourrielProbeOutcome;

typedef struct
{
  CourrielMailServer  *server;      /* what was probed (type, host, port, security) */
  CourrielProbeOutcome outcome;
  char                *message;     /* nullable: what went wrong, in plain words */
  char                *fingerprint; /* CERTIFICATE: the certificate's SHA-256, for the user to check */
  GTlsCertificateFlags certificate_errors;
  gint64               elapsed_us;
} CourrielProbeResult;

void courriel_probe_result_free (CourrielProbeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielProbeResult, courriel_probe_result_free)

/* @database: nullable: the system's trust store when NULL. Fails only when cancelled. */
void                 courriel_server_probe_async  (const CourrielMailServer *server,
                                                   guint                     timeout_seconds,
                                                   GTlsDatabase             *database,
                                                   GCancellable             *cancellable,
                                                   GAsyncReadyCallback       callback,
                                                   gpointer                  user_data);
CourrielProbeResult *courriel_server_probe_finish (GAsyncResult             *result,
                                                   GError                  **error);

G_END_DECLS
