/* courriel-message-summary.h — one row of a message list: what the list shows of a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_MESSAGE_SUMMARY (courriel_message_summary_get_type ())
G_DECLARE_FINAL_TYPE (CourrielMessageSummary, courriel_message_summary, COURRIEL, MESSAGE_SUMMARY, GObject)

gint64      courriel_message_summary_get_id              (CourrielMessageSummary *self);
gint64      courriel_message_summary_get_folder_id       (CourrielMessageSummary *self);
gint64      courriel_message_summary_get_account_id      (CourrielMessageSummary *self);
const char *courriel_message_summary_get_sender_name     (CourrielMessageSummary *self);
const char *courriel_message_summary_get_sender_address  (CourrielMessageSummary *self);
const char *courriel_message_summary_get_subject         (CourrielMessageSummary *self);
gint64      courriel_message_summary_get_date            (CourrielMessageSummary *self);
const char *courriel_message_summary_get_preview         (CourrielMessageSummary *self);
gboolean    courriel_message_summary_get_unread          (CourrielMessageSummary *self);
gboolean    courriel_message_summary_get_starred         (CourrielMessageSummary *self);
gboolean    courriel_message_summary_get_has_attachments (CourrielMessageSummary *self);
guint       courriel_message_summary_get_thread_size     (CourrielMessageSummary *self);
gboolean    courriel_message_summary_get_loaded          (CourrielMessageSummary *self);

G_END_DECLS
