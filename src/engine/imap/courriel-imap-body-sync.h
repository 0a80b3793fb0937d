/* courriel-imap-body-sync.h — message bodies from an IMAP folder into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-imap-message-sync.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_IMAP_BODY_TEXT,  /* attachments stay on the server until asked for */
  COURRIEL_IMAP_BODY_WHOLE, /* the whole message, attachments included */
} CourrielImapBodyMode;

void   courriel_imap_body_sync_async  (CourrielImapClient       *client,
                                       CourrielStore            *store,
                                       gint64                    folder_id,
                                       const char               *mailbox,
                                       GArray                   *message_ids,
                                       gint64                    since,
                                       CourrielImapBodyMode      mode,
                                       CourrielImapProgress  progress,
                                       gpointer                  progress_data,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
gint64 courriel_imap_body_sync_finish (GAsyncResult             *result,
                                       GError                  **error);

G_END_DECLS
