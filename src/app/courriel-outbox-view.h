/* courriel-outbox-view.h — an account's messages waiting to leave, and what can be done with them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"
#include "courriel-sync-service.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_OUTBOX_VIEW (courriel_outbox_view_get_type ())
G_DECLARE_FINAL_TYPE (CourrielOutboxView, courriel_outbox_view, COURRIEL, OUTBOX_VIEW, GtkBox)

/* @sync_service: (nullable): what sends a message again; without one it waits for the next sync */
GtkWidget *courriel_outbox_view_new         (CourrielStore       *store,
                                             CourrielSyncService *sync_service);
/* Shows @account_id's Outbox (0: none). */
void       courriel_outbox_view_set_account (CourrielOutboxView  *self,
                                             gint64               account_id);
gint64     courriel_outbox_view_get_account (CourrielOutboxView  *self);
/* The rows shown, in order (GtkListBoxRow; each has the message's id as "outbox-id"). */
GtkListBox *courriel_outbox_view_get_list   (CourrielOutboxView  *self);

G_END_DECLS
