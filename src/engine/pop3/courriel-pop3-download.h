/* courriel-pop3-download.h — a POP3 mailbox into the account's local Inbox, by its policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-pop3-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint downloaded; /* messages stored */
  guint deleted;    /* messages marked for deletion on the server (done at QUIT) */
} CourrielPop3DownloadReport;

typedef void (*CourrielPop3Progress) (gint64   done,
                                      gint64   total,
                                      gpointer user_data);

void                        courriel_pop3_download_async  (CourrielPop3Client  *client,
                                                           CourrielStore       *store,
                                                           gint64               account_id,
                                                           gint64               now,
                                                           CourrielPop3Progress progress,
                                                           gpointer             progress_data,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
CourrielPop3DownloadReport *courriel_pop3_download_finish (GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
