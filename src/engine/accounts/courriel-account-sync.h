/* courriel-account-sync.h — one account brought up to date once: its Outbox, its queued changes,
 * its mail (IMAP or POP3), and logging in to its servers with the passwords of the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-account.h"
#include "courriel-imap-account-sync.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_ACCOUNT_SYNC_DEFAULT = 0,
  COURRIEL_ACCOUNT_SYNC_ALL_BODIES = 1 << 0, /* every body, not only those of the account's offline days */
} CourrielAccountSyncFlags;

typedef struct
{
  GPtrArray *folders;           /* CourrielImapFolderReport, in sync order; POP3: the Inbox alone */
  guint      deleted_on_server; /* POP3: deleted on the server by the account's policy */
  guint64    bytes_received;    /* on the incoming server's connection */
  guint64    bytes_sent;
  double     seconds;           /* logging in and synchronising */
} CourrielAccountSyncReport;

CourrielAccountSyncReport *courriel_account_sync_report_copy (const CourrielAccountSyncReport *report);
void                       courriel_account_sync_report_free (CourrielAccountSyncReport       *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielAccountSyncReport, courriel_account_sync_report_free)

/* Sends what is due in the account's Outbox: finish returns TRUE when something was due (sent
 * or deferred), FALSE without an error when nothing was. A failure leaves the messages queued;
 * it is an error when the outgoing server's certificate is not trusted or its login refused. */
void                       courriel_account_send_due_async  (CourrielStore         *store,
                                                             const CourrielAccount *account,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
gboolean                   courriel_account_send_due_finish (GAsyncResult          *result,
                                                             GError               **error);

/* The incoming server's mail into the store; IMAP replays the queued changes first.
 * @progress gets the folder, "headers" or "bodies", and how far it is (POP3: "INBOX", "bodies"). */
void                       courriel_account_sync_async   (CourrielStore            *store,
                                                          const CourrielAccount    *account,
                                                          CourrielAccountSyncFlags  flags,
                                                          CourrielImapSyncProgress  progress,
                                                          gpointer                  progress_data,
                                                          GCancellable             *cancellable,
                                                          GAsyncReadyCallback       callback,
                                                          gpointer                  user_data);
CourrielAccountSyncReport *courriel_account_sync_finish  (GAsyncResult             *result,
                                                          GError                  **error);

/* Connects to the account's incoming server and logs in with the password of the keyring:
 * returns a CourrielImapClient or a CourrielPop3Client, as the account's protocol. */
void                       courriel_account_log_in_async  (const CourrielAccount    *account,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
GObject                   *courriel_account_log_in_finish (GAsyncResult             *result,
                                                           GError                  **error);

G_END_DECLS
