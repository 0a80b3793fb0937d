/* courriel-remote-content.h — the senders whose messages may load remote content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-store.h"

G_BEGIN_DECLS

gboolean courriel_remote_content_is_allowed  (sqlite3             *db,
                                              const char          *address);
void     courriel_remote_content_allow_async (CourrielStore       *store,
                                              const char          *address,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean courriel_remote_content_allow_finish (CourrielStore      *store,
                                               GAsyncResult       *result,
                                               GError            **error);

G_END_DECLS
