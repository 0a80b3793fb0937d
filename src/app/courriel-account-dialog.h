/* courriel-account-dialog.h — one account's settings: address, name, password, servers, removal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"
#include "courriel-sync-service.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_ACCOUNT_DIALOG_SETTINGS, /* everything: name, password, servers, Remove */
  COURRIEL_ACCOUNT_DIALOG_PASSWORD, /* the password only, as the banner asks for it */
  COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD, /* the outgoing server's password only: the Outbox waits for it */
} CourrielAccountDialogMode;

#define COURRIEL_TYPE_ACCOUNT_DIALOG (courriel_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CourrielAccountDialog, courriel_account_dialog, COURRIEL, ACCOUNT_DIALOG, AdwWindow)

GtkWindow *courriel_account_dialog_new (GtkWindow                *parent,
                                        CourrielStore            *store,
                                        CourrielSyncService      *sync_service,
                                        gint64                    account_id,
                                        CourrielAccountDialogMode mode);

G_END_DECLS
