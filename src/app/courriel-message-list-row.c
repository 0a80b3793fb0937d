/* courriel-message-list-row.c — one row of the message list: sender, subject, date, preview, marks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are recycled by the GtkListView: a row shows whichever summary it is given and follows
 * its notifications (the page arriving, flags changing). While the summary is not loaded yet
 * the row keeps its height with empty texts, so that nothing jumps when it fills.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-message-list-row.h"

#include <glib/gi18n.h>

#include "courriel-date-format.h"

struct _CourrielMessageListRow
{
  GtkBox                  parent_instance;

  CourrielMessageSummary *summary;
  gulong                  notify_id;

  /* template children */
  GtkWidget              *unread_dot;
  GtkLabel               *sender_label;
  GtkLabel               *thread_label;
  GtkWidget              *attachment_icon;
  GtkWidget              *star_icon;
  GtkLabel               *date_label;
  GtkLabel               *subject_label;
  GtkLabel               *preview_label;
};

G_DEFINE_FINAL_TYPE (CourrielMessageListRow, courriel_message_list_row, GTK_TYPE_BOX)

static void
set_css_class (GtkWidget *widget, const char *css_class, gboolean set)
{
  if (set)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static void
update (CourrielMessageListRow *self)
{
  CourrielMessageSummary *summary = self->summary;
  gboolean loaded = summary != NULL && courriel_message_summary_get_loaded (summary);
  gboolean unread = loaded && courriel_message_summary_get_unread (summary);
  guint thread_size = summary != NULL ? courriel_message_summary_get_thread_size (summary) : 1;
  const char *name = loaded ? courriel_message_summary_get_sender_name (summary) : "";
  const char *subject = loaded ? courriel_message_summary_get_subject (summary) : "";
  g_autofree char *date = NULL;
  g_autofree char *count = NULL;

  if (loaded)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      date = courriel_date_format_relative (courriel_message_summary_get_date (summary), now);
    }
  if (*name == '\0' && loaded)
    name = courriel_message_summary_get_sender_address (summary);
  if (*subject == '\0' && loaded)
    subject = _("(No subject)");
  gtk_label_set_text (self->sender_label, name);
  gtk_label_set_text (self->subject_label, subject);
  gtk_label_set_text (self->preview_label, loaded ? courriel_message_summary_get_preview (summary) : "");
  gtk_label_set_text (self->date_label, date != NULL ? date : "");
  if (thread_size > 1)
    count = g_strdup_printf ("%u", thread_size);
  gtk_label_set_text (self->thread_label, count != NULL ? count : "");
  gtk_widget_set_visible (GTK_WIDGET (self->thread_label), count != NULL);
  gtk_widget_set_visible (self->attachment_icon, loaded && courriel_message_summary_get_has_attachments (summary));
  gtk_widget_set_visible (self->star_icon, loaded && courriel_message_summary_get_starred (summary));
  /* The dot keeps its space when hidden: read and unread rows stay aligned. */
  gtk_widget_set_opacity (self->unread_dot, unread ? 1.0 : 0.0);
  set_css_class (GTK_WIDGET (self->sender_label), "heading", unread);
  set_css_class (GTK_WIDGET (self->subject_label), "heading", unread);
  set_css_class (GTK_WIDGET (self), "unread", unread);
}

static void
summary_notified (CourrielMessageListRow *self)
{
  update (self);
}

/* Shows @summary (NULL: nothing), following its changes. */
void
courriel_message_list_row_set_summary (CourrielMessageListRow *self, CourrielMessageSummary *summary)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST_ROW (self));

  if (self->summary == summary)
    return;
  if (self->summary != NULL)
    g_clear_signal_handler (&self->notify_id, self->summary);
  g_set_object (&self->summary, summary);
  if (summary != NULL)
    self->notify_id = g_signal_connect_swapped (summary, "notify", G_CALLBACK (summary_notified), self);
  update (self);
}

CourrielMessageSummary *
courriel_message_list_row_get_summary (CourrielMessageListRow *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_ROW (self), NULL);
  return self->summary;
}

static void
courriel_message_list_row_dispose (GObject *object)
{
  CourrielMessageListRow *self = COURRIEL_MESSAGE_LIST_ROW (object);

  courriel_message_list_row_set_summary (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_MESSAGE_LIST_ROW);

  G_OBJECT_CLASS (courriel_message_list_row_parent_class)->dispose (object);
}

static void
courriel_message_list_row_class_init (CourrielMessageListRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = courriel_message_list_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-message-list-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, unread_dot);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, thread_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, star_icon);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListRow, preview_label);
}

static void
courriel_message_list_row_init (CourrielMessageListRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

GtkWidget *
courriel_message_list_row_new (void)
{
  return g_object_new (COURRIEL_TYPE_MESSAGE_LIST_ROW, NULL);
}
