/* courriel-certificate-review.h — a server's changed certificate shown to the user, who may pin it to the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"
#include "courriel-sync-service.h"

G_BEGIN_DECLS

GtkWindow *courriel_certificate_review_new (GtkWindow           *parent,
                                            CourrielStore       *store,
                                            CourrielSyncService *sync_service,
                                            gint64               account_id,
                                            const char          *address,
                                            gboolean             outgoing,
                                            const char          *fingerprint,
                                            GTlsCertificate     *certificate);

G_END_DECLS
