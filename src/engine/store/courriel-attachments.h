/* courriel-attachments.h — a message's attachments in the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-message-text.h"
#include "courriel-store.h"

G_BEGIN_DECLS

gboolean courriel_store_write_attachments (sqlite3    *db,
                                           gint64      message_id,
                                           GPtrArray  *attachments,
                                           GError    **error);

G_END_DECLS
