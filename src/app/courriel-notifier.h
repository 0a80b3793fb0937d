/* courriel-notifier.h — new mail as desktop notifications: one per sync that brought some
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-sync-service.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_NOTIFIER (courriel_notifier_get_type ())
G_DECLARE_FINAL_TYPE (CourrielNotifier, courriel_notifier, COURRIEL, NOTIFIER, GObject)

/* @settings: the application's, for its "notifications" key. */
CourrielNotifier *courriel_notifier_new (GApplication        *application,
                                         CourrielSyncService *service,
                                         GSettings           *settings);

G_END_DECLS
