/* courriel-sync-service.h — keeps the accounts in sync for the app: queued, coalesced, periodic,
 * pushed by IMAP servers (IDLE), retried when offline, with their state and each sync's new mail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-account-sync.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_SYNC_STATE_IDLE,    /* up to date, or never synchronised yet */
  COURRIEL_SYNC_STATE_SYNCING,
  COURRIEL_SYNC_STATE_OFFLINE, /* the server is out of reach: retried later and when the network is back */
  COURRIEL_SYNC_STATE_ERROR,   /* the user must act: see the last error (password, certificate, …) */
} CourrielSyncState;

#define COURRIEL_TYPE_SYNC_SERVICE (courriel_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSyncService, courriel_sync_service, COURRIEL, SYNC_SERVICE, GObject)

CourrielSyncService *courriel_sync_service_new          (CourrielStore        *store);
CourrielStore       *courriel_sync_service_get_store    (CourrielSyncService  *self);
void                 courriel_sync_service_sync_account (CourrielSyncService  *self,
                                                         gint64                account_id);
void                 courriel_sync_service_sync_all     (CourrielSyncService  *self);
void                 courriel_sync_service_sync_account_async  (CourrielSyncService      *self,
                                                                gint64                    account_id,
                                                                CourrielAccountSyncFlags  flags,
                                                                GCancellable             *cancellable,
                                                                GAsyncReadyCallback       callback,
                                                                gpointer                  user_data);
CourrielAccountSyncReport *courriel_sync_service_sync_account_finish (CourrielSyncService  *self,
                                                                      GAsyncResult         *result,
                                                                      GError              **error);
const GError        *courriel_sync_service_get_outbox_error (CourrielSyncService *self,
                                                             gint64               account_id);
void                 courriel_sync_service_retry_outbox (CourrielSyncService *self,
                                                         gint64               account_id);
void                 courriel_sync_service_poke         (CourrielSyncService  *self,
                                                         gint64                account_id);
void                 courriel_sync_service_set_interval (CourrielSyncService  *self,
                                                         guint                 seconds);
guint                courriel_sync_service_get_interval (CourrielSyncService  *self);
void                 courriel_sync_service_set_push     (CourrielSyncService  *self,
                                                         gboolean              push);
gboolean             courriel_sync_service_get_push     (CourrielSyncService  *self);
gboolean             courriel_sync_service_is_pushing   (CourrielSyncService  *self,
                                                         gint64                account_id);
void                 courriel_sync_service_set_retry_delay (CourrielSyncService *self,
                                                            guint                seconds);
CourrielSyncState    courriel_sync_service_get_state    (CourrielSyncService  *self,
                                                         gint64                account_id,
                                                         const GError        **last_error);

void                 courriel_sync_service_fetch_body_async  (CourrielSyncService  *self,
                                                              gint64                message_id,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
GBytes              *courriel_sync_service_fetch_body_finish (CourrielSyncService  *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);

G_END_DECLS
