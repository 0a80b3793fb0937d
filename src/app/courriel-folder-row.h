/* courriel-folder-row.h — one row of the folder sidebar: icon, name, unread badge
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "courriel-folder-item.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_FOLDER_ROW (courriel_folder_row_get_type ())
G_DECLARE_FINAL_TYPE (CourrielFolderRow, courriel_folder_row, COURRIEL, FOLDER_ROW, GtkBox)

GtkWidget          *courriel_folder_row_new      (void);
void                courriel_folder_row_set_item (CourrielFolderRow  *self,
                                                  CourrielFolderItem *item);
CourrielFolderItem *courriel_folder_row_get_item (CourrielFolderRow  *self);

G_END_DECLS
