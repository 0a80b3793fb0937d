/* courriel-window.h — the main window: folders, message list, reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-application.h"
#include "courriel-folder-list.h"
#include "courriel-sync-banner.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_WINDOW (courriel_window_get_type ())
G_DECLARE_FINAL_TYPE (CourrielWindow, courriel_window, COURRIEL, WINDOW, AdwApplicationWindow)

CourrielWindow     *courriel_window_new                   (CourrielApplication     *application);

CourrielStore      *courriel_window_get_store             (CourrielWindow          *self);
CourrielFolderList *courriel_window_get_folder_list       (CourrielWindow          *self);
CourrielFolderItem *courriel_window_get_selected_folder   (CourrielWindow          *self);
gboolean            courriel_window_select_folder         (CourrielWindow          *self,
                                                           gint64                   folder_id);

AdwBin             *courriel_window_get_message_list_slot (CourrielWindow          *self);
gboolean            courriel_window_show_outbox           (CourrielWindow          *self,
                                                           gint64                   account_id);
GtkWidget          *courriel_window_get_outbox_view       (CourrielWindow          *self);
AdwBin             *courriel_window_get_reader_slot       (CourrielWindow          *self);
void                courriel_window_set_message_selection (CourrielWindow          *self,
                                                           GtkSelectionModel       *selection);
void                courriel_window_message_opened        (CourrielWindow          *self,
                                                           gint64                   message_id);
void                courriel_window_show_message          (CourrielWindow          *self,
                                                           gint64                   message_id);

void                courriel_window_set_sync_status       (CourrielWindow          *self,
                                                           gint64                   account_id,
                                                           CourrielWindowSyncState  state,
                                                           const GError            *error);
void                courriel_window_set_sync_progress     (CourrielWindow          *self,
                                                           const char              *folder,
                                                           gint64                   done,
                                                           gint64                   total);

G_END_DECLS
