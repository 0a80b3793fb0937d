/* courriel-folder-item.h — one row of the folder list: the unified Inbox, an account, a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_FOLDER_KIND_UNIFIED_INBOX,
  COURRIEL_FOLDER_KIND_ACCOUNT,
  COURRIEL_FOLDER_KIND_FOLDER,
  COURRIEL_FOLDER_KIND_OUTBOX, /* an account's messages waiting to leave: unread = total = how many */
} CourrielFolderKind;

#define COURRIEL_TYPE_FOLDER_KIND (courriel_folder_kind_get_type ())
GType courriel_folder_kind_get_type (void);

#define COURRIEL_TYPE_FOLDER_ITEM (courriel_folder_item_get_type ())
G_DECLARE_FINAL_TYPE (CourrielFolderItem, courriel_folder_item, COURRIEL, FOLDER_ITEM, GObject)

CourrielFolderKind  courriel_folder_item_get_kind       (CourrielFolderItem *self);
gint64              courriel_folder_item_get_account_id (CourrielFolderItem *self);
gint64              courriel_folder_item_get_folder_id  (CourrielFolderItem *self);
const char         *courriel_folder_item_get_name       (CourrielFolderItem *self);
const char         *courriel_folder_item_get_full_name  (CourrielFolderItem *self);
const char         *courriel_folder_item_get_role       (CourrielFolderItem *self);
const char         *courriel_folder_item_get_icon_name  (CourrielFolderItem *self);
gint64              courriel_folder_item_get_unread     (CourrielFolderItem *self);
gint64              courriel_folder_item_get_total      (CourrielFolderItem *self);
guint               courriel_folder_item_get_depth      (CourrielFolderItem *self);
gboolean            courriel_folder_item_same_row       (CourrielFolderItem *self,
                                                         CourrielFolderItem *other);

G_END_DECLS
