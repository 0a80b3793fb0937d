/* courriel-message-list-view.c — the message list: rows, multi-selection, search bar, placeholders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkListView over a CourrielMessageList through a GtkMultiSelection. The list view only asks
 * for the rows it shows, so a 100,000-message folder costs the same as a small one; rows fill
 * in when their page arrives. Typing anywhere in the list opens the search bar; each change of
 * the entry (GtkSearchEntry already waits for a pause in the typing) narrows the model.
 * "message-activated" says which message the reader should show: the one activated, or the
 * only one selected.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-message-list-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "courriel-message-list-row.h"

struct _CourrielMessageListView
{
  GtkBox               parent_instance;

  CourrielMessageList *model;
  GtkMultiSelection   *selection;
  gint64               last_activated;

  /* template children */
  GtkSearchBar        *search_bar;
  GtkSearchEntry      *search_entry;
  GtkStack            *stack;
  GtkListView         *list_view;
  AdwStatusPage       *empty_page;
};

G_DEFINE_FINAL_TYPE (CourrielMessageListView, courriel_message_list_view, GTK_TYPE_BOX)

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_SEARCH_MODE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_MESSAGE_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
update_placeholder (CourrielMessageListView *self)
{
  const GError *error = self->model != NULL ? courriel_message_list_get_error (self->model) : NULL;
  gboolean searching = self->model != NULL && courriel_message_list_get_search (self->model) != NULL;

  if (self->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }
  if (self->model != NULL && courriel_message_list_get_loading (self->model))
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }
  if (error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Cannot Show the Messages"));
      adw_status_page_set_description (self->empty_page, error->message);
    }
  else if (searching)
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results"));
      adw_status_page_set_description (self->empty_page, _("No message in this folder matches the search."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "mail-read-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Messages"));
      adw_status_page_set_description (self->empty_page, NULL);
    }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static gint64
id_at (CourrielMessageListView *self, guint position)
{
  return self->model != NULL ? courriel_message_list_get_id (self->model, position) : 0;
}

static void
activate_message (CourrielMessageListView *self, gint64 id)
{
  if (id == 0)
    return;
  self->last_activated = id;
  g_signal_emit (self, signals[SIGNAL_MESSAGE_ACTIVATED], 0, id);
}

static void
list_activated (CourrielMessageListView *self, guint position)
{
  activate_message (self, id_at (self, position));
}

static void
selection_changed (CourrielMessageListView *self)
{
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  gint64 id;

  if (gtk_bitset_get_size (selected) != 1)
    return;
  id = id_at (self, gtk_bitset_get_nth (selected, 0));
  /* A sync moving the selected row is not a new choice. */
  if (id != self->last_activated)
    activate_message (self, id);
}

static void
search_changed (CourrielMessageListView *self)
{
  if (self->model != NULL)
    courriel_message_list_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
search_mode_changed (CourrielMessageListView *self)
{
  /* Closing the search bar shows the whole folder again. */
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
start_search (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  courriel_message_list_view_set_search_mode (COURRIEL_MESSAGE_LIST_VIEW (widget), TRUE);
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, courriel_message_list_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  courriel_message_list_row_set_summary (COURRIEL_MESSAGE_LIST_ROW (gtk_list_item_get_child (item)),
                                         gtk_list_item_get_item (item));
}

static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  courriel_message_list_row_set_summary (COURRIEL_MESSAGE_LIST_ROW (gtk_list_item_get_child (item)), NULL);
}

/**
 * courriel_message_list_view_set_model:
 * @model: (nullable): the folder (or search, or unified Inbox) to show
 *
 * The search typed so far applies to the new model too.
 */
void
courriel_message_list_view_set_model (CourrielMessageListView *self, CourrielMessageList *model)
{
  const char *text;

  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST_VIEW (self));
  g_return_if_fail (model == NULL || COURRIEL_IS_MESSAGE_LIST (model));

  if (self->model == model)
    return;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  self->last_activated = 0;
  text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  if (model != NULL)
    {
      courriel_message_list_set_search (model, text);
      g_signal_connect_swapped (model, "items-changed", G_CALLBACK (update_placeholder), self);
      g_signal_connect_swapped (model, "notify::loading", G_CALLBACK (update_placeholder), self);
      g_signal_connect_swapped (model, "notify::error", G_CALLBACK (update_placeholder), self);
    }
  gtk_multi_selection_set_model (self->selection, G_LIST_MODEL (model));
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

CourrielMessageList *
courriel_message_list_view_get_model (CourrielMessageListView *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_VIEW (self), NULL);
  return self->model;
}

/* The rows selected: a GtkMultiSelection over the model, for the actions on many messages. */
GtkSelectionModel *
courriel_message_list_view_get_selection (CourrielMessageListView *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_VIEW (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

void
courriel_message_list_view_set_search_mode (CourrielMessageListView *self, gboolean search_mode)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST_VIEW (self));
  gtk_search_bar_set_search_mode (self->search_bar, search_mode);
  if (search_mode)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

gboolean
courriel_message_list_view_get_search_mode (CourrielMessageListView *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_VIEW (self), FALSE);
  return gtk_search_bar_get_search_mode (self->search_bar);
}

static void
courriel_message_list_view_dispose (GObject *object)
{
  CourrielMessageListView *self = COURRIEL_MESSAGE_LIST_VIEW (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_MESSAGE_LIST_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (courriel_message_list_view_parent_class)->dispose (object);
}

static void
courriel_message_list_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielMessageListView *self = COURRIEL_MESSAGE_LIST_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, courriel_message_list_view_get_search_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_message_list_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielMessageListView *self = COURRIEL_MESSAGE_LIST_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      courriel_message_list_view_set_model (self, g_value_get_object (value));
      break;
    case PROP_SEARCH_MODE:
      courriel_message_list_view_set_search_mode (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_message_list_view_class_init (CourrielMessageListViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_message_list_view_dispose;
  object_class->get_property = courriel_message_list_view_get_property;
  object_class->set_property = courriel_message_list_view_set_property;

  properties[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, COURRIEL_TYPE_MESSAGE_LIST,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_MODE] = g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                                                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                           | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CourrielMessageListView::message-activated:
   * @id: the store's messages.id
   *
   * The user chose one message to read: activated it, or selected it alone.
   */
  signals[SIGNAL_MESSAGE_ACTIVATED] = g_signal_new ("message-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-message-list-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListView, stack);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListView, list_view);
  gtk_widget_class_bind_template_child (widget_class, CourrielMessageListView, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);
  gtk_widget_class_bind_template_callback (widget_class, search_mode_changed);
  gtk_widget_class_bind_template_callback (widget_class, list_activated);
  gtk_widget_class_bind_template_callback (widget_class, setup_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row);

  /* Ctrl+F searches; Escape in the entry closes the search bar (GtkSearchBar). */
  gtk_widget_class_install_action (widget_class, "message-list.search", NULL, start_search);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "message-list.search", NULL);

  gtk_widget_class_set_css_name (widget_class, "messagelistview");
}

static void
courriel_message_list_view_init (CourrielMessageListView *self)
{
  g_type_ensure (COURRIEL_TYPE_MESSAGE_LIST_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = gtk_multi_selection_new (NULL);
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (selection_changed), self);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  update_placeholder (self);
}

GtkWidget *
courriel_message_list_view_new (void)
{
  return g_object_new (COURRIEL_TYPE_MESSAGE_LIST_VIEW, NULL);
}
