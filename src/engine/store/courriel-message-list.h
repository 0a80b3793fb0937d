/* courriel-message-list.h — a folder's messages (or the unified Inbox) as a GListModel paged from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-message-summary.h"
#include "courriel-store.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_MESSAGE_LIST (courriel_message_list_get_type ())
G_DECLARE_FINAL_TYPE (CourrielMessageList, courriel_message_list, COURRIEL, MESSAGE_LIST, GObject)

CourrielMessageList *courriel_message_list_new                (CourrielStore       *store,
                                                               gint64               folder_id);
CourrielMessageList *courriel_message_list_new_unified_inbox  (CourrielStore       *store);
CourrielStore       *courriel_message_list_get_store          (CourrielMessageList *self);
gint64               courriel_message_list_get_folder_id      (CourrielMessageList *self);
void                 courriel_message_list_set_search         (CourrielMessageList *self,
                                                               const char          *query);
const char          *courriel_message_list_get_search         (CourrielMessageList *self);
void                 courriel_message_list_set_threaded       (CourrielMessageList *self,
                                                               gboolean             threaded);
gboolean             courriel_message_list_get_threaded       (CourrielMessageList *self);
gboolean             courriel_message_list_get_loading        (CourrielMessageList *self);
const GError        *courriel_message_list_get_error          (CourrielMessageList *self);
gint64               courriel_message_list_get_id             (CourrielMessageList *self,
                                                               guint                position);

G_END_DECLS
