/* courriel-application.h — the Courriel desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"
#include "courriel-sync-service.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_APPLICATION (courriel_application_get_type ())
G_DECLARE_FINAL_TYPE (CourrielApplication, courriel_application, COURRIEL, APPLICATION, AdwApplication)

CourrielApplication *courriel_application_new              (void);
CourrielStore       *courriel_application_get_store        (CourrielApplication *self);
CourrielSyncService *courriel_application_get_sync_service (CourrielApplication *self);

G_END_DECLS
