/* courriel-window.c — the main window: folders, message list, reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three panes in an AdwLeaflet: the folders (a CourrielFolderList read off-thread from the
 * store), the message list and the reader, whose widgets are plugged into the two slots. A
 * narrow window shows one pane at a time, with back buttons. Without an account, the window
 * says so plainly: no sample mailbox, no fake folders; its "Add Account" action exists,
 * disabled, for the setup wizard to enable.
 *
 * Sync states come from the application's CourrielSyncService ("state-changed", "progress")
 * through courriel_window_set_sync_status() and _set_sync_progress(): a banner above the list
 * says what is wrong and what to do, and a thin progress bar with a count under the list's
 * title shows a long download without stopping anyone from reading. Refreshing asks the sync
 * service to check every account.
 *
 * The actions on messages work on the ids of the items selected in the message list's
 * selection model (courriel_window_set_message_selection()), through CourrielMessageActions;
 * the ones that take mail out of sight offer an undo toast.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-window.h"

#include <glib/gi18n.h>

#include "courriel-account-dialog.h"
#include "courriel-certificate-review.h"
#include "courriel-changes.h"
#include "courriel-composer.h"
#include "courriel-folder-row.h"
#include "courriel-message-actions.h"
#include "courriel-message-list-view.h"
#include "courriel-net-error.h"
#include "courriel-outbox-view.h"
#include "courriel-reader.h"
#include "courriel-safe-toasts.h"
#include "courriel-setup-wizard.h"
#include "courriel-sync-banner.h"

#define MIN_PANE_WIDTH 180
#define MAX_PANE_WIDTH 640

struct _CourrielWindow
{
  AdwApplicationWindow    parent_instance;

  GSettings              *settings;
  CourrielStore          *store;
  CourrielSyncService    *sync_service;
  CourrielFolderList     *folders;
  CourrielMessageActions *actions;
  GtkSingleSelection     *folder_selection;
  CourrielFolderItem     *selected_folder; /* the one whose notifications update the title */
  gint64                  last_folder_id;  /* the folder shown last, -1 before the first */
  gboolean                selecting;       /* the window, not the user, is choosing a folder */
  GtkSelectionModel      *message_selection;
  GCancellable           *cancellable;
  CourrielMessageListView *message_list;   /* in message_list_slot */
  CourrielReader         *reader;          /* in reader_slot */
  gint64                  pending_account; /* added by the wizard, its Inbox not shown yet */
  GtkWidget              *outbox_view;     /* in list_pane instead of the message list, made when first shown */
  gint64                  pending_outbox;  /* the account whose Outbox to show once the sidebar has it */

  CourrielUndo           *undo;            /* the last action's, while its toast is up */
  AdwToast               *undo_toast;
  CourrielSafeToasts     *safe_toasts;     /* takes undone toasts away (see courriel-safe-toasts.c) */
  guint                   mark_read_source;
  gint64                  mark_read_id;
  CourrielFolderItem     *context_folder;  /* the sidebar row whose menu is open */
  GtkWidget              *folder_popover;
  int                     drag_start_width;

  /* template children */
  AdwToastOverlay        *toast_overlay;
  GtkStack               *main_stack;
  AdwStatusPage          *empty_page;
  GtkButton              *add_account_button;
  AdwLeaflet             *leaflet;
  GtkWidget              *sidebar_pane;
  AdwHeaderBar           *sidebar_header;
  GtkListView            *sidebar_list;
  GtkWidget              *sidebar_separator;
  GtkWidget              *list_pane;
  AdwHeaderBar           *list_header;
  AdwWindowTitle         *list_title;
  GtkWidget              *list_back_button;
  CourrielSyncBanner     *sync_banner;
  GtkRevealer            *progress_revealer;
  GtkProgressBar         *progress_bar;
  AdwBin                 *message_list_slot;
  GtkWidget              *list_separator;
  AdwHeaderBar           *reader_header;
  GtkWidget              *reader_back_button;
  GtkMenuButton          *move_button;
  AdwBin                 *reader_slot;
  GMenuModel             *folder_menu;
};

G_DEFINE_FINAL_TYPE (CourrielWindow, courriel_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_STORE, PROP_SYNC_SERVICE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_FOLDER_SELECTED, SIGNAL_REFRESH, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *message_actions[] = { "win.mark-read", "win.mark-unread", "win.star",    "win.unstar", "win.delete",
                                         "win.archive",   "win.mark-junk",   "win.move-to", "win.move" };

/* Messages ------------------------------------------------------------------------------------ */

/* The "id" of every selected item of the message list. */
static GArray *
selected_ids (CourrielWindow *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->message_selection == NULL)
    return ids;
  selected = gtk_selection_model_get_selection (self->message_selection);
  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (self->message_selection), position);
      gint64 id = 0;

      if (item == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (item), "id") == NULL)
        continue;
      g_object_get (item, "id", &id, NULL);
      g_array_append_val (ids, id);
    }
  return ids;
}

static gint64
shown_account (CourrielWindow *self)
{
  return self->selected_folder != NULL ? courriel_folder_item_get_account_id (self->selected_folder) : 0;
}

static gboolean
has_selected_messages (CourrielWindow *self)
{
  g_autoptr (GtkBitset) selected = NULL;

  if (self->message_selection == NULL)
    return FALSE;
  /* Without reading the items: a paged list need not load a whole selection for this. */
  selected = gtk_selection_model_get_selection (self->message_selection);
  return !gtk_bitset_is_empty (selected);
}

static void
update_message_actions (CourrielWindow *self)
{
  gboolean any = has_selected_messages (self);

  for (guint i = 0; i < G_N_ELEMENTS (message_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), message_actions[i], any);
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.archive",
                                 any
                                   && courriel_message_actions_can_apply (self->actions, COURRIEL_MESSAGE_ACTION_ARCHIVE,
                                                                          shown_account (self)));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.mark-junk",
                                 any
                                   && courriel_message_actions_can_apply (self->actions, COURRIEL_MESSAGE_ACTION_JUNK,
                                                                          shown_account (self)));
}

static void
show_error_toast (CourrielWindow *self, const char *what, const GError *error)
{
  g_autoptr (AdwToast) toast = NULL;

  /* A closed window has no overlay left to show it in. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  /* Normal priority: libadwaita 1.2 can crash when a high-priority toast pushes a sliding one aside. */
  toast = adw_toast_new_format ("%s %s", what, error->message);
  adw_toast_overlay_add_toast (self->toast_overlay, g_steal_pointer (&toast));
}

static void
on_undo_toast_dismissed (AdwToast *toast, CourrielWindow *self)
{
  if (self->undo_toast != toast)
    return;
  self->undo_toast = NULL;
  g_clear_pointer (&self->undo, courriel_undo_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", FALSE);
}

static char *
describe_action (CourrielMessageAction action, guint n)
{
  switch (action)
    {
    case COURRIEL_MESSAGE_ACTION_MARK_READ:
      return g_strdup_printf (g_dngettext (NULL, "%'u message marked as read", "%'u messages marked as read", n), n);
    case COURRIEL_MESSAGE_ACTION_MARK_UNREAD:
      return g_strdup_printf (g_dngettext (NULL, "%'u message marked as unread", "%'u messages marked as unread", n),
                              n);
    case COURRIEL_MESSAGE_ACTION_DELETE:
      return g_strdup_printf (g_dngettext (NULL, "%'u message moved to the Trash", "%'u messages moved to the Trash", n),
                              n);
    case COURRIEL_MESSAGE_ACTION_ARCHIVE:
      return g_strdup_printf (g_dngettext (NULL, "%'u message archived", "%'u messages archived", n), n);
    case COURRIEL_MESSAGE_ACTION_JUNK:
      return g_strdup_printf (g_dngettext (NULL, "%'u message marked as junk", "%'u messages marked as junk", n), n);
    case COURRIEL_MESSAGE_ACTION_MOVE:
      return g_strdup_printf (g_dngettext (NULL, "%'u message moved", "%'u messages moved", n), n);
    case COURRIEL_MESSAGE_ACTION_STAR:
    case COURRIEL_MESSAGE_ACTION_UNSTAR:
      break;
    }
  return NULL;
}

typedef struct
{
  CourrielWindow         *self;
  CourrielMessageAction   action;
  gint64                  folder_id;
  guint                   n;
  gboolean                toast;
} ActionRequest;

static void
action_request_free (ActionRequest *request)
{
  g_object_unref (request->self);
  g_free (request);
}

static void
on_action_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionRequest *request = user_data;
  CourrielWindow *self = request->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielUndo) undo = courriel_message_actions_apply_finish (COURRIEL_MESSAGE_ACTIONS (source), result,
                                                                         &error);
  g_autofree char *text = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      /* The change is made (or failed) all the same; the window that asked is closed. */
      action_request_free (request);
      return;
    }
  if (undo == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_toast (self, _("The messages could not be changed:"), error);
      action_request_free (request);
      return;
    }
  text = describe_action (request->action, request->n);
  if (request->toast && text != NULL)
    {
      AdwToast *toast;

      if (!courriel_undo_is_empty (undo))
        {
          g_clear_pointer (&self->undo, courriel_undo_free);
          self->undo = g_steal_pointer (&undo);
          toast = courriel_safe_toasts_new_toast (text, _("_Undo"), "win.undo");
          gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", TRUE);
          /* The overlay replaces the toast shown before: its undo is gone with it. */
          self->undo_toast = toast;
          g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self, 0);
        }
      else
        toast = adw_toast_new (text);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
  action_request_free (request);
}

static void
apply_to_snapshot (CourrielWindow *self, CourrielMessageSnapshot *snapshot, ActionRequest *request)
{
  request->n = courriel_message_snapshot_get_n_messages (snapshot);
  /* Marks of one message need no toast: the change is in plain sight. */
  request->toast = request->action != COURRIEL_MESSAGE_ACTION_STAR && request->action != COURRIEL_MESSAGE_ACTION_UNSTAR
                   && (request->n > 1
                       || (request->action != COURRIEL_MESSAGE_ACTION_MARK_READ
                           && request->action != COURRIEL_MESSAGE_ACTION_MARK_UNREAD));
  courriel_message_actions_apply_async (self->actions, snapshot, request->action, request->folder_id,
                                        self->cancellable, on_action_applied, request);
}

typedef struct
{
  ActionRequest           *request;
  CourrielMessageSnapshot *snapshot;
} Confirmation;

static void
on_delete_confirmed (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  Confirmation *confirmation = user_data;

  if (g_str_equal (response, "delete"))
    apply_to_snapshot (confirmation->request->self, confirmation->snapshot, confirmation->request);
  else
    action_request_free (confirmation->request);
  courriel_message_snapshot_free (confirmation->snapshot);
  g_free (confirmation);
}

static void
confirm_delete_for_good (CourrielWindow *self, CourrielMessageSnapshot *snapshot, ActionRequest *request)
{
  guint n = courriel_message_snapshot_get_n_messages (snapshot);
  Confirmation *confirmation = g_new0 (Confirmation, 1);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                              g_dngettext (NULL, "Delete Message for Good?",
                                                           "Delete Messages for Good?", n),
                                              NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  g_dngettext (NULL, "The message will be deleted here and on the server. This cannot be undone.",
                                               "The %u messages will be deleted here and on the server. This cannot be undone.",
                                               n),
                                  n);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  confirmation->request = request;
  confirmation->snapshot = snapshot;
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_confirmed), confirmation);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_snapshot_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionRequest *request = user_data;
  CourrielWindow *self = request->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielMessageSnapshot) snapshot = courriel_message_actions_snapshot_finish (
    COURRIEL_MESSAGE_ACTIONS (source), result, &error);

  if (snapshot == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_toast (self, _("The messages could not be read:"), error);
      action_request_free (request);
      return;
    }
  if (courriel_message_snapshot_get_n_messages (snapshot) == 0 || g_cancellable_is_cancelled (self->cancellable))
    {
      action_request_free (request);
      return;
    }
  if (request->action == COURRIEL_MESSAGE_ACTION_DELETE && courriel_message_snapshot_deletes_for_good (snapshot))
    {
      confirm_delete_for_good (self, g_steal_pointer (&snapshot), request);
      return;
    }
  apply_to_snapshot (self, snapshot, request);
}

static void
run_message_action (CourrielWindow *self, CourrielMessageAction action, gint64 folder_id)
{
  g_autoptr (GArray) ids = selected_ids (self);
  ActionRequest *request;

  if (ids->len == 0 || self->actions == NULL)
    return;
  request = g_new0 (ActionRequest, 1);
  request->self = g_object_ref (self);
  request->action = action;
  request->folder_id = folder_id;
  courriel_message_actions_snapshot_async (self->actions, ids, self->cancellable, on_snapshot_read, request);
}

static void
message_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  static const struct
  {
    const char           *name;
    CourrielMessageAction action;
  } names[] = {
    { "win.mark-read", COURRIEL_MESSAGE_ACTION_MARK_READ },
    { "win.mark-unread", COURRIEL_MESSAGE_ACTION_MARK_UNREAD },
    { "win.star", COURRIEL_MESSAGE_ACTION_STAR },
    { "win.unstar", COURRIEL_MESSAGE_ACTION_UNSTAR },
    { "win.delete", COURRIEL_MESSAGE_ACTION_DELETE },
    { "win.archive", COURRIEL_MESSAGE_ACTION_ARCHIVE },
    { "win.mark-junk", COURRIEL_MESSAGE_ACTION_JUNK },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (action_name, names[i].name))
      run_message_action (COURRIEL_WINDOW (widget), names[i].action, 0);
}

static void
move_to (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  run_message_action (COURRIEL_WINDOW (widget), COURRIEL_MESSAGE_ACTION_MOVE, g_variant_get_int64 (parameter));
}

static void
move (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_menu_button_popup (COURRIEL_WINDOW (widget)->move_button);
}

static void
on_undone (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_message_actions_undo_finish (COURRIEL_MESSAGE_ACTIONS (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error_toast (self, _("The change could not be undone:"), error);
}

static void
undo (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  g_autoptr (CourrielUndo) undo = g_steal_pointer (&self->undo);

  if (undo == NULL)
    return;
  gtk_widget_action_set_enabled (widget, "win.undo", FALSE);
  courriel_message_actions_undo_async (self->actions, undo, self->cancellable, on_undone, g_object_ref (self));
  /* The toast goes too, its button disabled meanwhile. */
  if (self->undo_toast != NULL)
    {
      courriel_safe_toasts_dismiss (self->safe_toasts, self->undo_toast);
      self->undo_toast = NULL;
    }
}

static void
on_mark_read_snapshot (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielWindow) self = user_data;
  g_autoptr (CourrielMessageSnapshot) snapshot = courriel_message_actions_snapshot_finish (
    COURRIEL_MESSAGE_ACTIONS (source), result, NULL);
  ActionRequest *request;

  if (snapshot == NULL || g_cancellable_is_cancelled (self->cancellable)
      || courriel_message_snapshot_all_have_flags (snapshot, COURRIEL_MESSAGE_SEEN)
      || courriel_message_snapshot_get_n_messages (snapshot) == 0)
    return;
  request = g_new0 (ActionRequest, 1);
  request->self = g_object_ref (self);
  request->action = COURRIEL_MESSAGE_ACTION_MARK_READ;
  request->n = 1;
  courriel_message_actions_apply_async (self->actions, snapshot, COURRIEL_MESSAGE_ACTION_MARK_READ, 0,
                                        self->cancellable, on_action_applied, request);
}

static gboolean
mark_opened_read (gpointer user_data)
{
  CourrielWindow *self = user_data;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  self->mark_read_source = 0;
  g_array_append_val (ids, self->mark_read_id);
  courriel_message_actions_snapshot_async (self->actions, ids, self->cancellable, on_mark_read_snapshot,
                                           g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/**
 * courriel_window_message_opened:
 * @message_id: the store's id of the message the reader shows
 *
 * For the reader: marks the message read after the delay the user chose (mark-read-delay, in
 * seconds; -1: never), unless another message is opened first. In a narrow window, shows the
 * reader's pane.
 */
void
courriel_window_message_opened (CourrielWindow *self, gint64 message_id)
{
  int delay;

  g_return_if_fail (COURRIEL_IS_WINDOW (self));

  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "reader");
  delay = g_settings_get_int (self->settings, "mark-read-delay");
  if (delay < 0 || self->actions == NULL)
    return;
  self->mark_read_id = message_id;
  if (delay == 0)
    mark_opened_read (self);
  else
    self->mark_read_source = g_timeout_add_seconds (delay, mark_opened_read, self);
}

static void
on_message_selection_changed (CourrielWindow *self)
{
  update_message_actions (self);
}

/**
 * courriel_window_set_message_selection:
 * @selection: (nullable): the message list's selection; its items have a gint64 "id" property
 *
 * The message actions work on the items selected in @selection.
 */
void
courriel_window_set_message_selection (CourrielWindow *self, GtkSelectionModel *selection)
{
  g_return_if_fail (COURRIEL_IS_WINDOW (self));
  g_return_if_fail (selection == NULL || GTK_IS_SELECTION_MODEL (selection));

  if (self->message_selection != NULL)
    g_signal_handlers_disconnect_by_func (self->message_selection, on_message_selection_changed, self);
  g_set_object (&self->message_selection, selection);
  if (selection != NULL)
    {
      g_signal_connect_swapped (selection, "selection-changed", G_CALLBACK (on_message_selection_changed), self);
      g_signal_connect_swapped (selection, "items-changed", G_CALLBACK (on_message_selection_changed), self);
    }
  update_message_actions (self);
}

/* Panes: the message list and the reader ---------------------------------------------------- */

/* The selected folder's messages (every Inbox's for "All Inboxes"), in conversations or not. */
/* An account's Outbox takes the message list's place. */
static void
show_outbox (CourrielWindow *self, gint64 account_id)
{
  if (account_id != 0 && self->outbox_view == NULL && self->store != NULL)
    {
      self->outbox_view = courriel_outbox_view_new (self->store, self->sync_service);
      gtk_box_insert_child_after (GTK_BOX (self->list_pane), self->outbox_view,
                                  GTK_WIDGET (self->message_list_slot));
    }
  if (self->outbox_view != NULL)
    {
      courriel_outbox_view_set_account (COURRIEL_OUTBOX_VIEW (self->outbox_view), account_id);
      gtk_widget_set_visible (self->outbox_view, account_id != 0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->message_list_slot), account_id == 0 || self->outbox_view == NULL);
}

static void
show_folder_messages (CourrielWindow *self, CourrielFolderItem *folder)
{
  g_autoptr (CourrielMessageList) model = NULL;

  show_outbox (self, folder != NULL && courriel_folder_item_get_kind (folder) == COURRIEL_FOLDER_KIND_OUTBOX
                       ? courriel_folder_item_get_account_id (folder)
                       : 0);
  if (folder == NULL || courriel_folder_item_get_kind (folder) == COURRIEL_FOLDER_KIND_OUTBOX || courriel_folder_item_get_kind (folder) == COURRIEL_FOLDER_KIND_ACCOUNT)
    {
      courriel_message_list_view_set_model (self->message_list, NULL);
      return;
    }
  if (courriel_folder_item_get_kind (folder) == COURRIEL_FOLDER_KIND_UNIFIED_INBOX)
    model = courriel_message_list_new_unified_inbox (self->store);
  else
    model = courriel_message_list_new (self->store, courriel_folder_item_get_folder_id (folder));
  courriel_message_list_set_threaded (model, g_settings_get_boolean (self->settings, "conversation-view"));
  courriel_message_list_view_set_model (self->message_list, model);
}

static void
on_conversation_view_changed (CourrielWindow *self)
{
  CourrielMessageList *model = courriel_message_list_view_get_model (self->message_list);

  if (model != NULL)
    courriel_message_list_set_threaded (model, g_settings_get_boolean (self->settings, "conversation-view"));
}

static const char *reply_actions[] = { "win.reply", "win.reply-all", "win.forward" };

static void
open_message (CourrielWindow *self, gint64 message_id)
{
  courriel_reader_show_message (self->reader, self->store, message_id);
  courriel_window_message_opened (self, message_id);
  for (guint i = 0; i < G_N_ELEMENTS (reply_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), reply_actions[i], TRUE);
}

/* Reply, reply to all or forward: a composer on the message in the reader. */
static void
reply (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  gint64 message_id = self->reader != NULL ? courriel_reader_get_message_id (self->reader) : 0;
  CourrielReplyKind kind = g_str_equal (action_name, "win.reply-all") ? COURRIEL_REPLY_KIND_REPLY_ALL
                           : g_str_equal (action_name, "win.forward") ? COURRIEL_REPLY_KIND_FORWARD
                                                                       : COURRIEL_REPLY_KIND_REPLY;

  if (message_id == 0)
    return;
  gtk_window_present (GTK_WINDOW (courriel_composer_new_reply (gtk_window_get_application (GTK_WINDOW (self)),
                                                               self->store, message_id, kind)));
}

static void
on_message_activated (CourrielWindow *self, gint64 message_id)
{
  open_message (self, message_id);
}

typedef struct
{
  CourrielWindow *window; /* weak: NULL once the window is gone */
  CourrielReader *reader;
  gint64          message_id;
} BodyRequest;

static void
body_request_free (BodyRequest *request)
{
  g_clear_weak_pointer (&request->window);
  g_clear_object (&request->reader);
  g_free (request);
}

static void
on_body_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BodyRequest *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = courriel_sync_service_fetch_body_finish (COURRIEL_SYNC_SERVICE (source), result, &error);

  if (request->window != NULL)
    {
      if (raw != NULL)
        courriel_reader_body_arrived (request->reader, request->message_id);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        courriel_reader_body_failed (request->reader, request->message_id, error);
    }
  body_request_free (request);
}

/* The reader asks for a body that is not downloaded yet: the sync service fetches and stores it. */
static void
on_body_needed (CourrielWindow *self, gint64 message_id)
{
  BodyRequest *request;

  if (self->sync_service == NULL)
    {
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                      _("Courriel cannot download messages right now."));
      courriel_reader_body_failed (self->reader, message_id, error);
      return;
    }
  request = g_new0 (BodyRequest, 1);
  g_set_weak_pointer (&request->window, self);
  request->reader = g_object_ref (self->reader);
  request->message_id = message_id;
  courriel_sync_service_fetch_body_async (self->sync_service, message_id, self->cancellable, on_body_fetched, request);
}

static gpointer
read_message_folder (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *folder_id = g_new0 (gint64, 1);
  int rc = sqlite3_prepare_v2 (db, "SELECT folder_id FROM messages WHERE id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(gint64 *)data);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        *folder_id = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&folder_id, g_free);
  return folder_id;
}

typedef struct
{
  CourrielWindow *window; /* weak */
  gint64          message_id;
} ShowRequest;

static void
on_message_folder_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ShowRequest *request = user_data;
  g_autofree gint64 *folder_id = courriel_store_read_finish (COURRIEL_STORE (source), result, NULL);

  if (request->window != NULL && folder_id != NULL && *folder_id != 0)
    {
      courriel_window_select_folder (request->window, *folder_id);
      open_message (request->window, request->message_id);
    }
  g_clear_weak_pointer (&request->window);
  g_free (request);
}

/**
 * courriel_window_show_message:
 * @message_id: a message of the store
 *
 * Shows the message in the reader and its folder in the list (a clicked notification).
 */
void
courriel_window_show_message (CourrielWindow *self, gint64 message_id)
{
  ShowRequest *request;

  g_return_if_fail (COURRIEL_IS_WINDOW (self));

  if (self->store == NULL)
    return;
  request = g_new0 (ShowRequest, 1);
  g_set_weak_pointer (&request->window, self);
  request->message_id = message_id;
  courriel_store_read_async (self->store, read_message_folder, g_memdup2 (&message_id, sizeof message_id), g_free,
                             g_free, self->cancellable, on_message_folder_read, request);
}

static void
set_up_panes (CourrielWindow *self)
{

  self->message_list = COURRIEL_MESSAGE_LIST_VIEW (courriel_message_list_view_new ());
  adw_bin_set_child (self->message_list_slot, GTK_WIDGET (self->message_list));
  courriel_window_set_message_selection (self, courriel_message_list_view_get_selection (self->message_list));
  g_signal_connect_swapped (self->message_list, "message-activated", G_CALLBACK (on_message_activated), self);

  self->reader = COURRIEL_READER (courriel_reader_new ());
  adw_bin_set_child (self->reader_slot, GTK_WIDGET (self->reader));
  g_signal_connect_swapped (self->reader, "body-needed", G_CALLBACK (on_body_needed), self);

  g_signal_connect_swapped (self, "folder-selected", G_CALLBACK (show_folder_messages), self);
  g_signal_connect_swapped (self->settings, "changed::conversation-view", G_CALLBACK (on_conversation_view_changed),
                            self);
}

/* Accounts ------------------------------------------------------------------------------------ */

/* A new account: synced at once, and its Inbox shown once its folders arrive. */
static void
on_account_added (CourrielWindow *self, gint64 account_id)
{
  self->pending_account = account_id;
  if (self->sync_service != NULL)
    courriel_sync_service_sync_account (self->sync_service, account_id);
}

/* Shows the pending new account's Inbox, once the sidebar has it. */
static void
show_added_account (CourrielWindow *self)
{
  CourrielFolderItem *inbox;

  if (self->pending_account == 0)
    return;
  inbox = courriel_folder_list_find_role (self->folders, self->pending_account, "inbox");
  if (inbox != NULL && courriel_window_select_folder (self, courriel_folder_item_get_folder_id (inbox)))
    self->pending_account = 0;
}

static void
add_account (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  GtkWindow *wizard;

  if (self->store == NULL)
    return;
  wizard = courriel_setup_wizard_new (gtk_window_get_application (GTK_WINDOW (self)), self->store);
  g_signal_connect_object (wizard, "account-added", G_CALLBACK (on_account_added), self, G_CONNECT_SWAPPED);
  gtk_window_present (wizard);
}

/* Folders ------------------------------------------------------------------------------------- */

/* The folders a message can be moved to: those of the account shown, or of every account. */
static void
update_move_menu (CourrielWindow *self)
{
  g_autoptr (GMenu) menu = g_menu_new ();
  GListModel *model = G_LIST_MODEL (self->folders);
  gint64 account = shown_account (self);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);
      g_autoptr (GMenuItem) entry = NULL;

      if (courriel_folder_item_get_kind (item) != COURRIEL_FOLDER_KIND_FOLDER
          || (account != 0 && courriel_folder_item_get_account_id (item) != account)
          || item == self->selected_folder)
        continue;
      /* A flat menu: subfolders by their path ("Work/Reports"). */
      entry = g_menu_item_new (NULL, NULL);
      g_menu_item_set_label (entry, courriel_folder_item_get_depth (item) > 0 ? courriel_folder_item_get_full_name (item)
                                                                              : courriel_folder_item_get_name (item));
      g_menu_item_set_action_and_target_value (entry, "win.move-to",
                                               g_variant_new_int64 (courriel_folder_item_get_folder_id (item)));
      g_menu_append_item (menu, entry);
    }
  gtk_menu_button_set_menu_model (self->move_button, G_MENU_MODEL (menu));
}

static void
update_title (CourrielWindow *self)
{
  CourrielFolderItem *folder = self->selected_folder;
  g_autofree char *title = NULL;
  gint64 unread;

  if (folder == NULL || gtk_stack_get_visible_child_name (self->main_stack) == NULL
      || !g_str_equal (gtk_stack_get_visible_child_name (self->main_stack), "mail"))
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Courriel"));
      return;
    }
  unread = courriel_folder_item_get_unread (folder);
  /* The folder first, as GNOME apps name their windows after what they show; its unread count
   * is what a glance at a window list or a task switcher wants to know. */
  if (unread > 0)
    /* Translators: the window's title: a folder's name, its unread messages, the app's name */
    title = g_strdup_printf (_("%s (%'lld) — Courriel"), courriel_folder_item_get_name (folder), (long long)unread);
  else
    /* Translators: the window's title: a folder's name and the app's name */
    title = g_strdup_printf (_("%s — Courriel"), courriel_folder_item_get_name (folder));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->list_title, courriel_folder_item_get_name (folder));
}

static void
on_selected_folder_notify (CourrielWindow *self)
{
  update_title (self);
}

static void update_folder_actions (CourrielWindow *self);

static void
on_folder_selected (CourrielWindow *self)
{
  CourrielFolderItem *folder = gtk_single_selection_get_selected_item (self->folder_selection);

  if (folder == self->selected_folder)
    return;
  if (self->selected_folder != NULL)
    g_signal_handlers_disconnect_by_func (self->selected_folder, on_selected_folder_notify, self);
  g_set_object (&self->selected_folder, folder);
  if (folder != NULL)
    {
      g_signal_connect_swapped (folder, "notify", G_CALLBACK (on_selected_folder_notify), self);
      self->last_folder_id = courriel_folder_item_get_folder_id (folder);
    }
  update_title (self);
  update_move_menu (self);
  update_message_actions (self);
  update_folder_actions (self);
  if (folder == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_FOLDER_SELECTED], 0, folder);
  /* A folder chosen in a narrow window: its messages are what the user wants to see next. */
  if (!self->selecting && adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

/* The row to show when none is: the unified Inbox, else the first Inbox, else the first folder. */
static void
select_default_folder (CourrielWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->folders);
  guint fallback = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);
      CourrielFolderKind kind = courriel_folder_item_get_kind (item);

      if (kind == COURRIEL_FOLDER_KIND_UNIFIED_INBOX
          || g_strcmp0 (courriel_folder_item_get_role (item), "inbox") == 0)
        {
          fallback = i;
          break;
        }
      if (kind == COURRIEL_FOLDER_KIND_FOLDER && fallback == GTK_INVALID_LIST_POSITION)
        fallback = i;
    }
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->folder_selection, fallback);
  self->selecting = FALSE;
}

static void
update_stack (CourrielWindow *self)
{
  const char *page;

  if (self->store == NULL)
    page = "empty";
  else if (!courriel_folder_list_get_loaded (self->folders))
    page = "loading";
  else if (courriel_folder_list_get_n_accounts (self->folders) == 0)
    page = "empty";
  else
    page = "mail";
  gtk_stack_set_visible_child_name (self->main_stack, page);
  /* A folder whose row was replaced (renamed, moved in the list) stays the one shown. */
  if (g_str_equal (page, "mail") && gtk_single_selection_get_selected_item (self->folder_selection) == NULL
      && (self->last_folder_id < 0 || !courriel_window_select_folder (self, self->last_folder_id)))
    select_default_folder (self);
  update_title (self);
}

static void show_sync_states (CourrielWindow *self);

static void
on_folders_changed (CourrielWindow *self)
{
  update_stack (self);
  show_added_account (self);
  if (self->pending_outbox != 0)
    courriel_window_show_outbox (self, self->pending_outbox);
  update_move_menu (self);
  update_message_actions (self);
  update_folder_actions (self);
  show_sync_states (self);
}

/**
 * courriel_window_select_folder:
 * @folder_id: a folder's id, or 0 for the unified Inbox
 *
 * Returns: whether the folder is in the sidebar (and now selected)
 */
gboolean
courriel_window_select_folder (CourrielWindow *self, gint64 folder_id)
{
  GListModel *model;

  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), FALSE);
  if (self->folders == NULL)
    return FALSE;
  model = G_LIST_MODEL (self->folders);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);

      if (courriel_folder_item_get_kind (item) != COURRIEL_FOLDER_KIND_ACCOUNT
          && courriel_folder_item_get_kind (item) != COURRIEL_FOLDER_KIND_OUTBOX
          && courriel_folder_item_get_folder_id (item) == folder_id)
        {
          self->selecting = TRUE;
          gtk_single_selection_set_selected (self->folder_selection, i);
          self->selecting = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * courriel_window_show_outbox:
 * @account_id: the account whose messages waiting to leave to show
 *
 * Selects the account's Outbox row; if the sidebar was not read yet (the window just opened), as
 * soon as it is. A sidebar already read without that row means the Outbox is empty (the message
 * of a notification clicked late was sent or deleted since): nothing is remembered then, or the
 * next message sent, whose row comes and goes, would pull the window away from what it shows.
 *
 * Returns: whether the Outbox is shown now
 */
gboolean
courriel_window_show_outbox (CourrielWindow *self, gint64 account_id)
{
  GListModel *model;

  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), FALSE);
  self->pending_outbox = account_id;
  if (self->folders == NULL)
    return FALSE;
  model = G_LIST_MODEL (self->folders);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);

      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_OUTBOX
          && courriel_folder_item_get_account_id (item) == account_id)
        {
          self->pending_outbox = 0;
          gtk_single_selection_set_selected (self->folder_selection, i);
          if (adw_leaflet_get_folded (self->leaflet))
            adw_leaflet_set_visible_child_name (self->leaflet, "list");
          return TRUE;
        }
    }
  if (g_list_model_get_n_items (model) > 0)
    self->pending_outbox = 0;
  return FALSE;
}

static void
on_sidebar_activate (GtkListView *list, guint position, CourrielWindow *self)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

/* The folder a folder action is about: the row whose menu is open, else the one shown. */
static CourrielFolderItem *
target_folder (CourrielWindow *self)
{
  return self->context_folder != NULL ? self->context_folder : self->selected_folder;
}

static gboolean
is_plain_folder (CourrielFolderItem *item)
{
  /* Special folders keep their names: servers refuse to rename or delete the Inbox, and the
   * others are where Courriel and other clients look for sent mail, drafts and the Trash. */
  return item != NULL && courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_FOLDER
         && courriel_folder_item_get_role (item) == NULL;
}

static void
update_folder_actions (CourrielWindow *self)
{
  CourrielFolderItem *target = target_folder (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-folder",
                                 self->folders != NULL && courriel_folder_list_get_n_accounts (self->folders) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.account-settings",
                                 self->folders != NULL && courriel_folder_list_get_n_accounts (self->folders) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-folder", is_plain_folder (target));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-folder", is_plain_folder (target));
}

static void
on_folder_change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_store_write_finish (COURRIEL_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error_toast (self, _("The folder could not be changed:"), error);
}

typedef struct
{
  CourrielWindow *self;
  GtkEditable    *entry;
  gint64          id;      /* the account (new folder) or the folder (rename) */
  gboolean        rename;
} NameRequest;

static void
on_folder_named (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  NameRequest *request = user_data;
  CourrielWindow *self = request->self;
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (request->entry)));

  if (g_str_equal (response, "ok") && *name != '\0')
    {
      if (request->rename)
        courriel_changes_rename_folder_async (self->store, request->id, name, self->cancellable, on_folder_change_done,
                                              g_object_ref (self));
      else
        courriel_changes_create_folder_async (self->store, request->id, name, self->cancellable, on_folder_change_done,
                                              g_object_ref (self));
    }
  g_object_unref (request->self);
  g_free (request);
}

static void
ask_folder_name (CourrielWindow *self, const char *heading, const char *button, const char *initial, gint64 id,
                 gboolean rename)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, NULL);
  GtkWidget *entry = gtk_entry_new ();
  NameRequest *request = g_new0 (NameRequest, 1);

  gtk_editable_set_text (GTK_EDITABLE (entry), initial != NULL ? initial : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folder name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "ok", button, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  request->self = g_object_ref (self);
  request->entry = GTK_EDITABLE (entry);
  request->id = id;
  request->rename = rename;
  g_signal_connect (dialog, "response", G_CALLBACK (on_folder_named), request);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static gint64
first_account (CourrielWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->folders);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);
      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_ACCOUNT)
        return courriel_folder_item_get_account_id (item);
    }
  return 0;
}

static void
new_folder (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  CourrielFolderItem *target = target_folder (self);
  gint64 account = target != NULL ? courriel_folder_item_get_account_id (target) : 0;

  ask_folder_name (self, _("New Folder"), _("C_reate"), NULL, account != 0 ? account : first_account (self), FALSE);
}

static void
rename_folder (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  CourrielFolderItem *target = target_folder (self);

  if (!is_plain_folder (target))
    return;
  ask_folder_name (self, _("Rename Folder"), _("_Rename"), courriel_folder_item_get_full_name (target),
                   courriel_folder_item_get_folder_id (target), TRUE);
}

static void
on_delete_folder_confirmed (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CourrielWindow *self = COURRIEL_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  gint64 folder_id = GPOINTER_TO_SIZE (user_data);

  if (g_str_equal (response, "delete"))
    courriel_changes_delete_folder_async (self->store, folder_id, self->cancellable, on_folder_change_done,
                                          g_object_ref (self));
}

static void
delete_folder (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  CourrielFolderItem *target = target_folder (self);
  GtkWidget *dialog;
  gint64 total;

  if (!is_plain_folder (target))
    return;
  total = courriel_folder_item_get_total (target);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Delete the Folder “%s”?"),
                                     courriel_folder_item_get_name (target));
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  g_dngettext (NULL, "Its %'lld message will be deleted too, here and on the server.",
                                               "Its %'lld messages will be deleted too, here and on the server.",
                                               (gulong)MIN (total, G_MAXLONG)),
                                  (long long)total);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_folder_confirmed),
                    GSIZE_TO_POINTER (courriel_folder_item_get_folder_id (target)));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The sidebar's rows ------------------------------------------------------------------------- */

static void
on_row_pressed (GtkGestureClick *gesture, int n_press, double x, double y, GtkListItem *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  CourrielWindow *self = COURRIEL_WINDOW (gtk_widget_get_root (row));
  CourrielFolderItem *item = gtk_list_item_get_item (list_item);
  graphene_point_t point;

  if (item == NULL || courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_UNIFIED_INBOX
      || courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_OUTBOX)
    return;
  g_set_object (&self->context_folder, item);
  update_folder_actions (self);
  if (!gtk_widget_compute_point (row, self->sidebar_pane, &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->folder_popover),
                               &(GdkRectangle){ (int)point.x, (int)point.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->folder_popover));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  GtkWidget *row = courriel_folder_row_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed), list_item);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  CourrielFolderItem *item = gtk_list_item_get_item (list_item);
  gboolean header = courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_ACCOUNT;

  courriel_folder_row_set_item (COURRIEL_FOLDER_ROW (gtk_list_item_get_child (list_item)), item);
  gtk_list_item_set_selectable (list_item, !header);
  gtk_list_item_set_activatable (list_item, !header);
}

static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  courriel_folder_row_set_item (COURRIEL_FOLDER_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static gboolean
forget_context_folder (gpointer user_data)
{
  g_autoptr (CourrielWindow) self = user_data;

  g_clear_object (&self->context_folder);
  update_folder_actions (self);
  return G_SOURCE_REMOVE;
}

static void
on_folder_popover_closed (CourrielWindow *self)
{
  /* The menu closes before the action of its item runs: the row stays the target until then. */
  g_idle_add (forget_context_folder, g_object_ref (self));
}

/* Sync status and progress -------------------------------------------------------------------- */

/* The account's address, as its header in the sidebar knows it. */
static char *
account_address (CourrielWindow *self, gint64 account_id)
{
  GListModel *model = G_LIST_MODEL (self->folders);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);
      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_ACCOUNT
          && courriel_folder_item_get_account_id (item) == account_id)
        return g_strdup (courriel_folder_item_get_full_name (item));
    }
  return g_strdup (_("your account"));
}

/**
 * courriel_window_set_sync_status:
 * @state: the account's state, as the sync service's "state-changed" tells it
 * @error: (nullable): with %COURRIEL_WINDOW_SYNC_ERROR, what went wrong
 *
 * Shows what the user should know about the account's synchronisation in a banner: a refused
 * password, a changed certificate, another error, being offline.
 */
void
courriel_window_set_sync_status (CourrielWindow *self, gint64 account_id, CourrielWindowSyncState state,
                                 const GError *error)
{
  g_autofree char *address = NULL;

  g_return_if_fail (COURRIEL_IS_WINDOW (self));

  address = account_address (self, account_id);
  courriel_sync_banner_set_status (self->sync_banner, account_id, address, state, error);
}

/* The sync service's state for @account_id, in the banner; a sync that ended hides its progress. */
static void
on_sync_state_changed (CourrielSyncService *sync_service, gint64 account_id, CourrielWindow *self)
{
  const GError *error = NULL;
  CourrielSyncState state = courriel_sync_service_get_state (sync_service, account_id, &error);

  courriel_window_set_sync_status (self, account_id, (CourrielWindowSyncState)state, error);
  courriel_sync_banner_set_outbox_error (self->sync_banner, account_id,
                                         courriel_sync_service_get_outbox_error (sync_service, account_id));
  if (state != COURRIEL_SYNC_STATE_SYNCING)
    courriel_window_set_sync_progress (self, NULL, 0, 0);
}

static void
on_sync_progress (CourrielSyncService *sync_service, gint64 account_id, const char *folder, gint64 done,
                  gint64 total, CourrielWindow *self)
{
  courriel_window_set_sync_progress (self, folder, done, total);
}

/* A window opened while the application ran in the background learns the states already known. */
static void
show_sync_states (CourrielWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->folders);

  for (guint i = 0; self->sync_service != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);
      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_ACCOUNT)
        on_sync_state_changed (self->sync_service, courriel_folder_item_get_account_id (item), self);
    }
}

/**
 * courriel_window_set_sync_progress:
 * @folder: (nullable): the folder being downloaded
 * @done: how many messages are in
 * @total: of how many; 0 (or @done reaching it) hides the progress
 */
void
courriel_window_set_sync_progress (CourrielWindow *self, const char *folder, gint64 done, gint64 total)
{
  g_autofree char *text = NULL;

  g_return_if_fail (COURRIEL_IS_WINDOW (self));

  if (total <= 0 || done >= total)
    {
      gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
      adw_window_title_set_subtitle (self->list_title, NULL);
      return;
    }
  /* Translators: sync progress; %'lld writes a number with the locale's digit grouping (1,200) */
  text = g_strdup_printf (_("Downloading messages: %'lld of %'lld"), (long long)MAX (done, 0), (long long)total);
  gtk_progress_bar_set_fraction (self->progress_bar, (double)MAX (done, 0) / (double)total);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->progress_bar), folder);
  adw_window_title_set_subtitle (self->list_title, text);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
}

/* Panes --------------------------------------------------------------------------------------- */

static void
on_handle_drag_begin (GtkGestureDrag *gesture, double x, double y, CourrielWindow *self)
{
  GtkWidget *handle = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *pane = handle == self->sidebar_separator ? self->sidebar_pane : self->list_pane;

  self->drag_start_width = gtk_widget_get_width (pane);
}

static void
on_handle_drag_update (GtkGestureDrag *gesture, double x, double y, CourrielWindow *self)
{
  GtkWidget *handle = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *pane = handle == self->sidebar_separator ? self->sidebar_pane : self->list_pane;
  double offset = gtk_widget_get_direction (handle) == GTK_TEXT_DIR_RTL ? -x : x;

  gtk_widget_set_size_request (pane, CLAMP (self->drag_start_width + (int)offset, MIN_PANE_WIDTH, MAX_PANE_WIDTH), -1);
}

static void
on_handle_drag_end (GtkGestureDrag *gesture, double x, double y, CourrielWindow *self)
{
  int width;

  gtk_widget_get_size_request (self->sidebar_pane, &width, NULL);
  g_settings_set_int (self->settings, "sidebar-width", width);
  gtk_widget_get_size_request (self->list_pane, &width, NULL);
  g_settings_set_int (self->settings, "message-list-width", width);
}

static void
add_pane_handle (CourrielWindow *self, GtkWidget *handle)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_handle_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_handle_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_handle_drag_end), self);
  gtk_widget_add_controller (handle, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_cursor_from_name (handle, "col-resize");
}

static void
go_back (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  adw_leaflet_navigate (COURRIEL_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
refresh (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_REFRESH], 0);
}

static void
courriel_window_real_refresh (CourrielWindow *self)
{
  if (self->sync_service != NULL)
    courriel_sync_service_sync_all (self->sync_service);
}

/* Accounts ------------------------------------------------------------------------------------ */

static void
on_account_removed (CourrielWindow *self, gint64 account_id)
{
  /* The sync service forgets nothing by itself: the banner must not speak for a removed account. */
  courriel_sync_banner_set_status (self->sync_banner, account_id, NULL, COURRIEL_WINDOW_SYNC_IDLE, NULL);
  courriel_sync_banner_set_outbox_error (self->sync_banner, account_id, NULL);
}

static void
open_account_dialog (CourrielWindow *self, gint64 account_id, CourrielAccountDialogMode mode)
{
  GtkWindow *dialog;

  if (self->store == NULL || account_id <= 0)
    return;
  dialog = courriel_account_dialog_new (GTK_WINDOW (self), self->store, self->sync_service, account_id, mode);
  g_signal_connect_object (dialog, "removed", G_CALLBACK (on_account_removed), self, G_CONNECT_SWAPPED);
  gtk_window_present (dialog);
}

static void
enter_password (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  open_account_dialog (COURRIEL_WINDOW (widget), g_variant_get_int64 (parameter), COURRIEL_ACCOUNT_DIALOG_PASSWORD);
}

static void
enter_outgoing_password (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  open_account_dialog (COURRIEL_WINDOW (widget), g_variant_get_int64 (parameter),
                       COURRIEL_ACCOUNT_DIALOG_OUTGOING_PASSWORD);
}

static void
account_settings (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  CourrielFolderItem *target = target_folder (self);
  gint64 account = target != NULL ? courriel_folder_item_get_account_id (target) : 0;

  open_account_dialog (self, account > 0 ? account : first_account (self), COURRIEL_ACCOUNT_DIALOG_SETTINGS);
}

/* The certificate the account's last sync refused (its incoming server's, or its outgoing
 * server's when the Outbox could not be sent), shown with what the user can check. */
static void
review_certificate (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielWindow *self = COURRIEL_WINDOW (widget);
  gint64 account_id = g_variant_get_int64 (parameter);
  gboolean outgoing = g_str_equal (action_name, "win.review-outgoing-certificate");
  const GError *error = NULL;
  g_autofree char *address = NULL;
  const char *fingerprint;

  if (self->sync_service == NULL || self->store == NULL)
    return;
  if (outgoing)
    error = courriel_sync_service_get_outbox_error (self->sync_service, account_id);
  else
    courriel_sync_service_get_state (self->sync_service, account_id, &error);
  fingerprint = error != NULL ? courriel_net_error_get_fingerprint (error) : NULL;
  if (fingerprint == NULL)
    return; /* synced again meanwhile: nothing to check any more */
  address = account_address (self, account_id);
  gtk_window_present (courriel_certificate_review_new (GTK_WINDOW (self), self->store, self->sync_service, account_id,
                                                       address, outgoing, fingerprint,
                                                       courriel_net_error_get_certificate (error)));
}

/* GObject -------------------------------------------------------------------------------------- */

static void
courriel_window_constructed (GObject *object)
{
  CourrielWindow *self = COURRIEL_WINDOW (object);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  static const char *disabled_at_start[] = { "win.reply", "win.reply-all", "win.forward",
                                               "win.undo" };

  G_OBJECT_CLASS (courriel_window_parent_class)->constructed (object);

  for (guint i = 0; i < G_N_ELEMENTS (disabled_at_start); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), disabled_at_start[i], FALSE);

  if (self->store == NULL)
    {
      adw_status_page_set_title (self->empty_page, _("Cannot Open the Mail Database"));
      adw_status_page_set_description (self->empty_page,
                                       _("Courriel could not open the file that keeps your mail. The reason is "
                                         "in the system log."));
      gtk_widget_set_visible (GTK_WIDGET (self->add_account_button), FALSE);
      update_stack (self);
      update_message_actions (self);
      update_folder_actions (self);
      return;
    }

  self->folders = courriel_folder_list_new (self->store);
  self->actions = courriel_message_actions_new (self->folders);
  self->folder_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->folders)));
  gtk_single_selection_set_autoselect (self->folder_selection, FALSE);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->sidebar_list, factory);
  gtk_list_view_set_model (self->sidebar_list, GTK_SELECTION_MODEL (self->folder_selection));
  g_signal_connect (self->sidebar_list, "activate", G_CALLBACK (on_sidebar_activate), self);
  g_signal_connect_swapped (self->folder_selection, "notify::selected-item", G_CALLBACK (on_folder_selected), self);
  g_signal_connect_swapped (self->folders, "updated", G_CALLBACK (on_folders_changed), self);
  set_up_panes (self);
  if (self->sync_service != NULL)
    {
      g_signal_connect_object (self->sync_service, "state-changed", G_CALLBACK (on_sync_state_changed), self, 0);
      g_signal_connect_object (self->sync_service, "progress", G_CALLBACK (on_sync_progress), self, 0);
    }
  update_stack (self);
  update_message_actions (self);
  update_folder_actions (self);
}

static void
courriel_window_dispose (GObject *object)
{
  CourrielWindow *self = COURRIEL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->message_selection != NULL)
    g_signal_handlers_disconnect_by_func (self->message_selection, on_message_selection_changed, self);
  g_clear_object (&self->message_selection);
  if (self->selected_folder != NULL)
    g_signal_handlers_disconnect_by_func (self->selected_folder, on_selected_folder_notify, self);
  g_clear_object (&self->selected_folder);
  if (self->folders != NULL)
    g_signal_handlers_disconnect_by_data (self->folders, self);
  if (self->folder_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->folder_selection, self);
  g_clear_pointer (&self->folder_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_WINDOW);
  g_clear_object (&self->folder_selection);
  g_clear_object (&self->actions);
  g_clear_object (&self->folders);
  g_clear_object (&self->context_folder);
  if (self->sync_service != NULL)
    g_signal_handlers_disconnect_by_data (self->sync_service, self);
  g_clear_object (&self->sync_service);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->undo, courriel_undo_free);
  self->undo_toast = NULL;
  /* The overlay dismisses its own toasts as it goes. */
  g_clear_object (&self->safe_toasts);

  G_OBJECT_CLASS (courriel_window_parent_class)->dispose (object);
}

static void
courriel_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielWindow *self = COURRIEL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SYNC_SERVICE:
      self->sync_service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielWindow *self = COURRIEL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SYNC_SERVICE:
      g_value_set_object (value, self->sync_service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_window_class_init (CourrielWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = courriel_window_constructed;
  object_class->dispose = courriel_window_dispose;
  object_class->get_property = courriel_window_get_property;
  object_class->set_property = courriel_window_set_property;

  /* NULL: the window says the mail database could not be opened */
  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, COURRIEL_TYPE_STORE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* NULL: no sync states, and refreshing does nothing */
  properties[PROP_SYNC_SERVICE] = g_param_spec_object ("sync-service", NULL, NULL, COURRIEL_TYPE_SYNC_SERVICE,
                                                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                         | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CourrielWindow::folder-selected:
   * @folder: the #CourrielFolderItem chosen in the sidebar (the unified Inbox: folder-id 0)
   *
   * The message list should show @folder.
   */
  signals[SIGNAL_FOLDER_SELECTED] = g_signal_new ("folder-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 1, COURRIEL_TYPE_FOLDER_ITEM);
  /**
   * CourrielWindow::refresh:
   *
   * The user asked to check for new mail now. The default handler has the sync service check
   * every account.
   */
  signals[SIGNAL_REFRESH] = g_signal_new_class_handler ("refresh", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                        G_CALLBACK (courriel_window_real_refresh), NULL, NULL, NULL,
                                                        G_TYPE_NONE, 0);

  g_type_ensure (COURRIEL_TYPE_SYNC_BANNER);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, add_account_button);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, sidebar_separator);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, list_pane);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, list_header);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, list_back_button);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, sync_banner);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, message_list_slot);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, list_separator);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, reader_header);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, reader_back_button);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, move_button);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, reader_slot);
  gtk_widget_class_bind_template_child (widget_class, CourrielWindow, folder_menu);

  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account);
  gtk_widget_class_install_action (widget_class, "win.reply", NULL, reply);
  gtk_widget_class_install_action (widget_class, "win.reply-all", NULL, reply);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, reply);
  gtk_widget_class_install_action (widget_class, "win.enter-password", "x", enter_password);
  gtk_widget_class_install_action (widget_class, "win.review-certificate", "x", review_certificate);
  gtk_widget_class_install_action (widget_class, "win.enter-outgoing-password", "x", enter_outgoing_password);
  gtk_widget_class_install_action (widget_class, "win.review-outgoing-certificate", "x", review_certificate);
  gtk_widget_class_install_action (widget_class, "win.account-settings", NULL, account_settings);
  gtk_widget_class_install_action (widget_class, "win.mark-read", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.mark-unread", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.star", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.unstar", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.mark-junk", NULL, message_action);
  gtk_widget_class_install_action (widget_class, "win.move-to", "x", move_to);
  gtk_widget_class_install_action (widget_class, "win.move", NULL, move);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo);
  gtk_widget_class_install_action (widget_class, "win.new-folder", NULL, new_folder);
  gtk_widget_class_install_action (widget_class, "win.rename-folder", NULL, rename_folder);
  gtk_widget_class_install_action (widget_class, "win.delete-folder", NULL, delete_folder);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back);

  /* After the focused widget: a text field keeps Delete and Ctrl+Z for its text. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
}

static void
courriel_window_init (CourrielWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->last_folder_id = -1;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->safe_toasts = courriel_safe_toasts_new (self->toast_overlay);

  /* Size and maximized state follow the user from one start to the next, and so do the panes'. */
  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  gtk_widget_set_size_request (self->sidebar_pane,
                               CLAMP (g_settings_get_int (self->settings, "sidebar-width"), MIN_PANE_WIDTH,
                                      MAX_PANE_WIDTH),
                               -1);
  gtk_widget_set_size_request (self->list_pane,
                               CLAMP (g_settings_get_int (self->settings, "message-list-width"), MIN_PANE_WIDTH,
                                      MAX_PANE_WIDTH),
                               -1);
  add_pane_handle (self, self->sidebar_separator);
  add_pane_handle (self, self->list_separator);

  /* Unfolded, the panes share one title bar's buttons: the window controls sit at its ends. */
  g_object_bind_property (self->leaflet, "folded", self->sidebar_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->list_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->list_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->reader_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->list_back_button, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->reader_back_button, "visible", G_BINDING_SYNC_CREATE);

  self->folder_popover = gtk_popover_menu_new_from_model (self->folder_menu);
  gtk_widget_set_parent (self->folder_popover, self->sidebar_pane);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->folder_popover), FALSE);
  gtk_widget_set_halign (self->folder_popover, GTK_ALIGN_START);
  g_signal_connect_swapped (self->folder_popover, "closed", G_CALLBACK (on_folder_popover_closed), self);
}

CourrielWindow *
courriel_window_new (CourrielApplication *application)
{
  CourrielWindow *self = g_object_new (COURRIEL_TYPE_WINDOW,
                                       "application", application,
                                       "store", courriel_application_get_store (application),
                                       "sync-service", courriel_application_get_sync_service (application),
                                       NULL);

  /* Here rather than in constructed(): GtkWindow has no application yet at that point, and a
   * clicked notification ("show-message", "show-outbox") would reach no window. */
  g_signal_connect_object (application, "show-message", G_CALLBACK (courriel_window_show_message), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "show-outbox", G_CALLBACK (courriel_window_show_outbox), self,
                           G_CONNECT_SWAPPED);
  return self;
}

CourrielStore *
courriel_window_get_store (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->store;
}

/* Returns: (transfer none) (nullable): the sidebar's rows, %NULL without a store */
CourrielFolderList *
courriel_window_get_folder_list (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->folders;
}

/* Returns: (transfer none) (nullable): the folder the message list should show */
CourrielFolderItem *
courriel_window_get_selected_folder (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->selected_folder;
}

/* Returns: (transfer none) (nullable): the Outbox view, once an Outbox was shown */
GtkWidget *
courriel_window_get_outbox_view (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->outbox_view;
}

/* Returns: (transfer none): where the message list widget goes */
AdwBin *
courriel_window_get_message_list_slot (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->message_list_slot;
}

/* Returns: (transfer none): where the reader widget goes */
AdwBin *
courriel_window_get_reader_slot (CourrielWindow *self)
{
  g_return_val_if_fail (COURRIEL_IS_WINDOW (self), NULL);
  return self->reader_slot;
}
