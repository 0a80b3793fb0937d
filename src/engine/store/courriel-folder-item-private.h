/* courriel-folder-item-private.h — what only CourrielFolderList may do to its items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-folder-item.h"

G_BEGIN_DECLS

CourrielFolderItem *courriel_folder_item_new         (CourrielFolderKind  kind,
                                                      gint64              account_id,
                                                      gint64              folder_id);
void                courriel_folder_item_set_fields  (CourrielFolderItem *self,
                                                      const char         *name,
                                                      const char         *full_name,
                                                      const char         *role,
                                                      const char         *icon_name,
                                                      gint64              unread,
                                                      gint64              total,
                                                      guint               depth);
void                courriel_folder_item_update_from (CourrielFolderItem *self,
                                                      CourrielFolderItem *source);

G_END_DECLS
