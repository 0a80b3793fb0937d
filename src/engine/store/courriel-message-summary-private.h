/* courriel-message-summary-private.h — how CourrielMessageList creates and fills its summaries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-message-summary.h"

G_BEGIN_DECLS

/* One message's row as read from the store; strings owned by the struct. */
typedef struct
{
  gint64   id;
  gint64   folder_id;
  gint64   account_id;
  char    *sender;   /* "Name <address>" or "address", as the store keeps it */
  char    *subject;
  gint64   date;
  char    *preview;
  guint    flags;    /* CourrielMessageFlags */
  gboolean has_attachments;
} CourrielMessageRow;

void                    courriel_message_row_clear            (CourrielMessageRow     *row);

CourrielMessageSummary *courriel_message_summary_new          (gint64                  id,
                                                               guint                   thread_size);
void                    courriel_message_summary_fill         (CourrielMessageSummary *self,
                                                               const CourrielMessageRow *row);
void                    courriel_message_summary_set_thread_size (CourrielMessageSummary *self,
                                                                  guint                   thread_size);
void                    courriel_message_summary_split_sender (const char             *sender,
                                                               char                  **name,
                                                               char                  **address);

G_END_DECLS
