/* courriel-imap-replay.h — the queue of local changes, told to the IMAP server in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

void courriel_imap_replay_async  (CourrielImapClient  *client,
                                  CourrielStore       *store,
                                  gint64               account_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gint courriel_imap_replay_finish (GAsyncResult        *result,
                                  GError             **error);

G_END_DECLS
