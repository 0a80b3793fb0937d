/* courriel-message-list-view.h — the message list: rows, multi-selection, search bar, placeholders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "courriel-message-list.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_MESSAGE_LIST_VIEW (courriel_message_list_view_get_type ())
G_DECLARE_FINAL_TYPE (CourrielMessageListView, courriel_message_list_view, COURRIEL, MESSAGE_LIST_VIEW, GtkBox)

GtkWidget           *courriel_message_list_view_new             (void);
void                 courriel_message_list_view_set_model       (CourrielMessageListView *self,
                                                                 CourrielMessageList     *model);
CourrielMessageList *courriel_message_list_view_get_model       (CourrielMessageListView *self);
GtkSelectionModel   *courriel_message_list_view_get_selection   (CourrielMessageListView *self);
void                 courriel_message_list_view_set_search_mode (CourrielMessageListView *self,
                                                                 gboolean                 search_mode);
gboolean             courriel_message_list_view_get_search_mode (CourrielMessageListView *self);

G_END_DECLS
