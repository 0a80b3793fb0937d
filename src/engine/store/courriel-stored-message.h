/* courriel-stored-message.h — a whole downloaded message into a folder of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-message-text.h"
#include "courriel-store.h"

G_BEGIN_DECLS

gboolean courriel_stored_message_insert (sqlite3              *db,
                                         gint64                folder_id,
                                         GBytes               *raw,
                                         CourrielMessageText  *text,
                                         const char           *pop3_uidl,
                                         gint64                received,
                                         gint64               *id,
                                         GError              **error);

gboolean courriel_stored_message_recount_folder (sqlite3 *db,
                                                 gint64   folder_id,
                                                 GError **error);

G_END_DECLS
