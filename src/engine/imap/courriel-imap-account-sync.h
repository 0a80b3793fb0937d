/* courriel-imap-account-sync.h — a whole IMAP account brought up to date with the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_IMAP_SYNC_HEADERS = 0,      /* headers and flags only */
  COURRIEL_IMAP_SYNC_BODIES = 1 << 0,  /* and the bodies, for offline reading */
} CourrielImapSyncFlags;

typedef struct
{
  gint64  id;     /* the folder's row in the store */
  char   *name;
  char   *role;   /* nullable */
  gint64  added;  /* new messages listed */
  gint64  bodies; /* bodies downloaded */
  gint64  total;  /* messages in the folder now */
  /* what the store knew of the folder before this sync */
  guint32 uidvalidity;
  guint32 uidnext;
  guint64 highestmodseq;
} CourrielImapFolderReport;

void courriel_imap_folder_report_free (CourrielImapFolderReport *report);

/* @stage is "headers" or "bodies". */
typedef void (*CourrielImapSyncProgress) (const char *folder,
                                          const char *stage,
                                          gint64      done,
                                          gint64      total,
                                          gpointer    user_data);

void       courriel_imap_account_sync_async  (CourrielImapClient       *client,
                                              CourrielStore            *store,
                                              gint64                    account_id,
                                              CourrielImapSyncFlags     flags,
                                              gint64                    bodies_since,
                                              CourrielImapSyncProgress  progress,
                                              gpointer                  progress_data,
                                              GCancellable             *cancellable,
                                              GAsyncReadyCallback       callback,
                                              gpointer                  user_data);
GPtrArray *courriel_imap_account_sync_finish (GAsyncResult             *result,
                                              GError                  **error);

G_END_DECLS
