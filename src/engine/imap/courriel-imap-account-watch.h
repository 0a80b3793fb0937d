/* courriel-imap-account-watch.h — an IMAP account kept up to date while it is open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_IMAP_ACCOUNT_WATCH (courriel_imap_account_watch_get_type ())
G_DECLARE_FINAL_TYPE (CourrielImapAccountWatch, courriel_imap_account_watch, COURRIEL, IMAP_ACCOUNT_WATCH, GObject)

CourrielImapAccountWatch *courriel_imap_account_watch_new          (CourrielImapClient       *client,
                                                                    CourrielStore            *store,
                                                                    gint64                    account_id);
CourrielImapAccountWatch *courriel_imap_account_watch_new_listener (CourrielImapClient       *client,
                                                                    gint64                    folder_id,
                                                                    const char               *mailbox);
void                      courriel_imap_account_watch_set_interval (CourrielImapAccountWatch *self,
                                                                    guint                     seconds);
void                      courriel_imap_account_watch_poke         (CourrielImapAccountWatch *self);
void                      courriel_imap_account_watch_run_async    (CourrielImapAccountWatch *self,
                                                                    GCancellable             *cancellable,
                                                                    GAsyncReadyCallback       callback,
                                                                    gpointer                  user_data);
gboolean                  courriel_imap_account_watch_run_finish   (CourrielImapAccountWatch *self,
                                                                    GAsyncResult             *result,
                                                                    GError                  **error);

G_END_DECLS
