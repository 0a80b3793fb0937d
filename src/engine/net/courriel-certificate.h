/* courriel-certificate.h — certificate fingerprints, for pinning what the user accepted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char    *courriel_certificate_get_fingerprint (GTlsCertificate *certificate);
gboolean courriel_certificate_matches         (GTlsCertificate *certificate,
                                               const char      *fingerprint);

G_END_DECLS
