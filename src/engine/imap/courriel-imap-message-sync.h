/* courriel-imap-message-sync.h — one IMAP folder's messages (headers and flags) into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

/* How far a long step went: @done of @total messages. */
typedef void (*CourrielImapProgress) (gint64   done,
                                      gint64   total,
                                      gpointer user_data);

guint               courriel_imap_flags_to_bits   (const char * const *flags);
const char * const *courriel_imap_flags_from_bits (guint               bits,
                                                   const char        **names);

void   courriel_imap_message_sync_async  (CourrielImapClient  *client,
                                          CourrielStore       *store,
                                          gint64               folder_id,
                                          const char          *mailbox,
                                          guint                batch,
                                          CourrielImapProgress progress,
                                          gpointer             progress_data,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gint64 courriel_imap_message_sync_finish (GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
