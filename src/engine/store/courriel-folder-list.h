/* courriel-folder-list.h — the sidebar's rows: accounts and their folders, read from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-folder-item.h"
#include "courriel-store.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_FOLDER_LIST (courriel_folder_list_get_type ())
G_DECLARE_FINAL_TYPE (CourrielFolderList, courriel_folder_list, COURRIEL, FOLDER_LIST, GObject)

CourrielFolderList *courriel_folder_list_new            (CourrielStore      *store);
CourrielStore      *courriel_folder_list_get_store      (CourrielFolderList *self);
gboolean            courriel_folder_list_get_loaded     (CourrielFolderList *self);
guint               courriel_folder_list_get_n_accounts (CourrielFolderList *self);
void                courriel_folder_list_reload         (CourrielFolderList *self);
CourrielFolderItem *courriel_folder_list_find_folder    (CourrielFolderList *self,
                                                         gint64              folder_id);
CourrielFolderItem *courriel_folder_list_find_role      (CourrielFolderList *self,
                                                         gint64              account_id,
                                                         const char         *role);

G_END_DECLS
