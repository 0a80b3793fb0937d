/* courriel-imap-server-search.h — the server searches what the store cannot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

void    courriel_imap_server_search_async  (CourrielImapClient  *client,
                                            CourrielStore       *store,
                                            gint64               account_id,
                                            const char          *criteria,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GArray *courriel_imap_server_search_finish (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
