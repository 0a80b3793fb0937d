/* courriel-message-list-row.h — one row of the message list: sender, subject, date, preview, marks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "courriel-message-summary.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_MESSAGE_LIST_ROW (courriel_message_list_row_get_type ())
G_DECLARE_FINAL_TYPE (CourrielMessageListRow, courriel_message_list_row, COURRIEL, MESSAGE_LIST_ROW, GtkWidget)

GtkWidget              *courriel_message_list_row_new         (void);
void                    courriel_message_list_row_set_summary (CourrielMessageListRow *self,
                                                               CourrielMessageSummary *summary);
CourrielMessageSummary *courriel_message_list_row_get_summary (CourrielMessageListRow *self);
char                   *courriel_message_list_row_describe    (CourrielMessageListRow *self);

G_END_DECLS
