/* courriel-imap-folder-sync.h — an IMAP account's folder list, mirrored into the store with roles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

const char *courriel_imap_folder_role      (const char                    *name,
                                            CourrielImapMailboxAttributes  attributes);

void        courriel_imap_folder_sync_async  (CourrielImapClient  *client,
                                              CourrielStore       *store,
                                              gint64               account_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray  *courriel_imap_folder_sync_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
