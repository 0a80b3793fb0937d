/* courriel-folder-row.c — one row of the folder sidebar: icon, name, unread badge
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row follows its item: a sync updates an item's counts in place (CourrielFolderList
 * keeps items across updates), and the badge changes with it. Account headers are bold
 * titles, set apart from the folders above them.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-folder-row.h"

#include "courriel-date-format.h"

struct _CourrielFolderRow
{
  GtkBox              parent_instance;

  CourrielFolderItem *item;
  GtkWidget          *icon;
  GtkWidget          *label;
  GtkWidget          *badge;
};

G_DEFINE_FINAL_TYPE (CourrielFolderRow, courriel_folder_row, GTK_TYPE_BOX)

static void
update (CourrielFolderRow *self)
{
  gboolean header = courriel_folder_item_get_kind (self->item) == COURRIEL_FOLDER_KIND_ACCOUNT;
  gint64 unread = courriel_folder_item_get_unread (self->item);
  g_autofree char *count = courriel_format_count (unread);

  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), courriel_folder_item_get_icon_name (self->item));
  gtk_widget_set_visible (self->icon, !header);
  gtk_label_set_label (GTK_LABEL (self->label), courriel_folder_item_get_name (self->item));
  gtk_label_set_label (GTK_LABEL (self->badge), count);
  gtk_widget_set_visible (self->badge, unread > 0 && !header);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 12 * courriel_folder_item_get_depth (self->item));
  gtk_widget_set_margin_top (GTK_WIDGET (self), header ? 12 : 0);
  if (header)
    gtk_widget_add_css_class (self->label, "heading");
  else
    gtk_widget_remove_css_class (self->label, "heading");
}

/* Shows @item (or nothing), and follows its changes. */
void
courriel_folder_row_set_item (CourrielFolderRow *self, CourrielFolderItem *item)
{
  g_return_if_fail (COURRIEL_IS_FOLDER_ROW (self));

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_set_object (&self->item, item);
  if (item == NULL)
    return;
  g_signal_connect_swapped (item, "notify", G_CALLBACK (update), self);
  update (self);
}

CourrielFolderItem *
courriel_folder_row_get_item (CourrielFolderRow *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ROW (self), NULL);
  return self->item;
}

static void
courriel_folder_row_dispose (GObject *object)
{
  courriel_folder_row_set_item (COURRIEL_FOLDER_ROW (object), NULL);

  G_OBJECT_CLASS (courriel_folder_row_parent_class)->dispose (object);
}

static void
courriel_folder_row_class_init (CourrielFolderRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = courriel_folder_row_dispose;
}

static void
courriel_folder_row_init (CourrielFolderRow *self)
{
  gtk_box_set_spacing (GTK_BOX (self), 8);
  self->icon = gtk_image_new ();
  self->label = gtk_label_new (NULL);
  self->badge = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_widget_set_hexpand (self->label, TRUE);
  gtk_widget_add_css_class (self->badge, "unread-badge");
  gtk_widget_add_css_class (self->badge, "numeric");
  gtk_widget_set_valign (self->badge, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self), self->icon);
  gtk_box_append (GTK_BOX (self), self->label);
  gtk_box_append (GTK_BOX (self), self->badge);
}

GtkWidget *
courriel_folder_row_new (void)
{
  return g_object_new (COURRIEL_TYPE_FOLDER_ROW, NULL);
}
