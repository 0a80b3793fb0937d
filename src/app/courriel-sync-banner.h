/* courriel-sync-banner.h — the banner above the message list: what is wrong with syncing, and what to do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* An account's synchronisation, as courriel_window_set_sync_status() is told it: the same values,
 * in the same order, as the sync service's CourrielSyncState. */
typedef enum
{
  COURRIEL_WINDOW_SYNC_IDLE,
  COURRIEL_WINDOW_SYNC_SYNCING,
  COURRIEL_WINDOW_SYNC_OFFLINE,
  COURRIEL_WINDOW_SYNC_ERROR,
} CourrielWindowSyncState;

#define COURRIEL_TYPE_SYNC_BANNER (courriel_sync_banner_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSyncBanner, courriel_sync_banner, COURRIEL, SYNC_BANNER, AdwBin)

void        courriel_sync_banner_set_status  (CourrielSyncBanner      *self,
                                              gint64                   account_id,
                                              const char              *address,
                                              CourrielWindowSyncState  state,
                                              const GError            *error);
void        courriel_sync_banner_set_outbox_error (CourrielSyncBanner *self,
                                                   gint64              account_id,
                                                   const GError       *error);
gboolean    courriel_sync_banner_is_revealed (CourrielSyncBanner      *self);
const char *courriel_sync_banner_get_text    (CourrielSyncBanner      *self);

G_END_DECLS
