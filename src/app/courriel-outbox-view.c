/* courriel-outbox-view.c — an account's messages waiting to leave, and what can be done with them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per message of the Outbox that no server took yet: its recipients, subject and size,
 * and its state in words ("Waiting to be sent", "Sending…", "Not sent: <the server's reason>",
 * "Will retry at 14:05"). The list is read again whenever the store says the Outbox changed.
 *
 * Send Again makes the message due now (a refused one is queued again) and asks the sync
 * service to send. Edit opens a composer with the message taken back; the message leaves the
 * Outbox only once that composer saved it as a draft, so it is never in neither place. Delete
 * asks first.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-outbox-view.h"

#include <glib/gi18n.h>

#include "courriel-composer.h"
#include "courriel-date-format.h"
#include "courriel-draft.h"
#include "courriel-message-text.h"
#include "courriel-outbox.h"

struct _CourrielOutboxView
{
  GtkBox               parent_instance;

  CourrielStore       *store;
  CourrielSyncService *sync_service;
  gint64               account_id;
  GPtrArray           *items;       /* CourrielOutboxItem*, those shown */
  GCancellable        *cancellable; /* the read in flight */
  gboolean             reread;      /* a change came while a read was in flight */
  gulong               changed_id;

  /* template children */
  GtkStack            *stack;
  GtkLabel            *error_label;
  GtkListBox          *list;
};

G_DEFINE_FINAL_TYPE (CourrielOutboxView, courriel_outbox_view, GTK_TYPE_BOX)

/* The message @id, or NULL when it is gone or on its way to the server (see create_row): the
 * actions leave such a message alone. */
static CourrielOutboxItem *
find_item (CourrielOutboxView *self, gint64 id)
{
  for (guint i = 0; self->items != NULL && i < self->items->len; i++)
    {
      CourrielOutboxItem *item = self->items->pdata[i];

      if (item->id == id)
        return item->state == COURRIEL_OUTBOX_SENDING ? NULL : item;
    }
  return NULL;
}

static void
show_error (CourrielOutboxView *self, const char *what, const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s %s", what, error->message);

  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

/* Rows ----------------------------------------------------------------------------------------- */

/* The subject, from the headers only: an Outbox message may be megabytes of attachments. */
static char *
dup_subject (GBytes *raw)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (raw, &size);
  const char *end = g_strstr_len (data, size, "\n\n");
  const char *crlf_end = g_strstr_len (data, size, "\r\n\r\n");
  g_autoptr (GBytes) headers = NULL;
  g_autoptr (CourrielMessageText) text = NULL;

  if (crlf_end != NULL && (end == NULL || crlf_end < end))
    end = crlf_end;
  headers = g_bytes_new_from_bytes (raw, 0, end != NULL ? (gsize)(end - data) + 2 : size);
  text = courriel_message_text_new_from_bytes (headers, NULL);
  return g_strdup (text != NULL && text->subject != NULL && *text->subject != '\0' ? text->subject : NULL);
}

/* The state in words, as the user reads it. */
static char *
describe_state (const CourrielOutboxItem *item, gboolean *is_error)
{
  *is_error = FALSE;
  switch (item->state)
    {
    case COURRIEL_OUTBOX_SENDING:
      return g_strdup (_("Sending…"));
    case COURRIEL_OUTBOX_FAILED:
      *is_error = TRUE;
      /* Translators: %s is the reason the server gave */
      return g_strdup_printf (_("Not sent: %s"), item->last_error != NULL ? item->last_error
                                                                          : _("the server refused it."));
    case COURRIEL_OUTBOX_ACCEPTED:
      return g_strdup (_("Sent"));
    case COURRIEL_OUTBOX_QUEUED:
    default:
      if (item->next_attempt > g_get_real_time () / G_USEC_PER_SEC)
        {
          g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (item->next_attempt);
          g_autofree char *time = courriel_date_format_time (when);

          if (item->last_error != NULL)
            /* Translators: a time ("14:05"), then why the last attempt failed */
            return g_strdup_printf (_("Will retry at %s (%s)"), time, item->last_error);
          /* Translators: %s is a time: "14:05" */
          return g_strdup_printf (_("Will retry at %s"), time);
        }
      return g_strdup (_("Waiting to be sent"));
    }
}

static GtkWidget *
action_button (const char *label, const char *action, gint64 id)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (id));
  return button;
}

static GtkWidget *
wrapped_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  return label;
}

static GtkWidget *
create_row (const CourrielOutboxItem *item)
{
  g_autofree char *subject = dup_subject (item->raw);
  g_autofree char *recipients = g_strjoinv (", ", item->recipients);
  g_autofree char *size = g_format_size (g_bytes_get_size (item->raw));
  g_autofree char *to = NULL;
  g_autofree char *state = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = wrapped_label (subject != NULL ? subject : _("(No Subject)"));
  GtkWidget *state_label;
  GtkWidget *send;
  gboolean is_error;

  /* Translators: the recipients of a message waiting to be sent, then its size ("1.2 MB") */
  to = g_strdup_printf (_("To %s · %s"), recipients, size);
  state = describe_state (item, &is_error);
  state_label = wrapped_label (state);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (state_label, is_error ? "error" : "dim-label");
  g_object_set_data (G_OBJECT (state_label), "outbox-state", GINT_TO_POINTER (1));
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), wrapped_label (to));
  gtk_box_append (GTK_BOX (box), state_label);

  /* A message on its way to the server is left alone: sending it again or taking it out now could
   * send it twice. If it stays "Sending" (the session broke off), the Outbox decides at its next
   * run whether it may have left, and never sends it twice by itself. */
  if (item->state != COURRIEL_OUTBOX_SENDING)
    {
      send = action_button (_("_Send Again"), "outbox.send-again", item->id);
      gtk_widget_add_css_class (send, "suggested-action");
      gtk_box_append (GTK_BOX (buttons), send);
      gtk_box_append (GTK_BOX (buttons), action_button (_("_Edit"), "outbox.edit", item->id));
      gtk_box_append (GTK_BOX (buttons), action_button (_("_Delete"), "outbox.delete", item->id));
      gtk_widget_set_halign (buttons, GTK_ALIGN_END);
      gtk_box_append (GTK_BOX (box), buttons);
    }

  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "outbox-id", g_memdup2 (&item->id, sizeof item->id), g_free);
  return row;
}

static void
show_items (CourrielOutboxView *self, GPtrArray *items)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_outbox_item_free);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CourrielOutboxItem *item = items->pdata[i];

      /* A message a server took is only waiting to be filed in Sent: it has left. */
      if (item->state == COURRIEL_OUTBOX_ACCEPTED)
        continue;
      gtk_list_box_append (self->list, create_row (item));
      g_ptr_array_add (self->items, g_steal_pointer (&items->pdata[i]));
    }
  gtk_stack_set_visible_child_name (self->stack, self->items->len > 0 ? "list" : "empty");
}

/* Reading -------------------------------------------------------------------------------------- */

static void read_again (CourrielOutboxView *self);

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielOutboxView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = courriel_outbox_list_finish (COURRIEL_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (items == NULL)
    show_error (self, _("The Outbox cannot be read:"), error);
  else
    show_items (self, items); /* takes the items it shows */
  if (self->reread)
    read_again (self);
}

static void
read_again (CourrielOutboxView *self)
{
  if (self->store == NULL || self->account_id == 0)
    {
      show_items (self, NULL);
      return;
    }
  if (self->cancellable != NULL)
    {
      self->reread = TRUE;
      return;
    }
  self->reread = FALSE;
  self->cancellable = g_cancellable_new ();
  courriel_outbox_list_async (self->store, self->account_id, self->cancellable, on_listed, g_object_ref (self));
}

static void
on_store_changed (CourrielStore *store, guint tables, CourrielOutboxView *self)
{
  if (tables & COURRIEL_STORE_TABLE_OUTBOX)
    read_again (self);
}

/* Actions -------------------------------------------------------------------------------------- */

typedef struct
{
  CourrielOutboxView *self; /* a reference */
  gint64              account_id;
  const char         *failure; /* what the error message starts with */
} Done;

static Done *
done_new (CourrielOutboxView *self, gint64 account_id, const char *failure)
{
  Done *done = g_new0 (Done, 1);

  done->self = g_object_ref (self);
  done->account_id = account_id;
  done->failure = failure;
  return done;
}

static void
done_free (Done *done)
{
  g_object_unref (done->self);
  g_free (done);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Done, done_free)

static gboolean
write_done (Done *done, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;

  if (courriel_store_write_finish (done->self->store, result, &error))
    return TRUE;
  show_error (done->self, done->failure, error);
  return FALSE;
}

static void
on_requeued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Done) done = user_data;

  if (write_done (done, result) && done->self->sync_service != NULL)
    courriel_sync_service_retry_outbox (done->self->sync_service, done->account_id);
}

static void
send_again (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielOutboxView *self = COURRIEL_OUTBOX_VIEW (widget);
  CourrielOutboxItem *item = find_item (self, g_variant_get_int64 (parameter));

  if (item == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  /* Queued and due now, whether it was refused or waiting; never one a sender took meanwhile. */
  courriel_outbox_send_now_async (self->store, item->id, NULL, on_requeued,
                                  done_new (self, item->account_id, _("The message cannot be sent again:")));
}

static void
on_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Done) done = user_data;

  write_done (done, result);
}

typedef struct
{
  CourrielOutboxView *self; /* a reference */
  gint64              id;
  gboolean            removed;
} Taken;

static void
taken_free (gpointer data, GClosure *closure)
{
  Taken *taken = data;

  g_object_unref (taken->self);
  g_free (taken);
}

/* The composer saved the message as a draft: now it may leave the Outbox. */
static void
on_draft_saved (CourrielComposer *composer, gint64 draft_id, Taken *taken)
{
  if (taken->removed)
    return;
  taken->removed = TRUE;
  courriel_outbox_withdraw_async (taken->self->store, taken->id, NULL, on_removed,
                                  done_new (taken->self, 0, _("The message cannot be taken out of the Outbox:")));
}

static void
edit (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielOutboxView *self = COURRIEL_OUTBOX_VIEW (widget);
  CourrielOutboxItem *item = find_item (self, g_variant_get_int64 (parameter));
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  g_autoptr (CourrielDraft) draft = NULL;
  g_autoptr (GError) error = NULL;
  CourrielComposer *composer;
  Taken *taken;

  if (item == NULL)
    return;
  if (app == NULL)
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no window to write in."));
      show_error (self, _("The message cannot be edited:"), error);
      return;
    }
  draft = courriel_draft_new_from_message (item->raw, (const char * const *)item->recipients, &error);
  if (draft == NULL)
    {
      show_error (self, _("The message cannot be edited:"), error);
      return;
    }
  composer = courriel_composer_new_from_draft (app, self->store, item->account_id, draft);
  taken = g_new0 (Taken, 1);
  taken->self = g_object_ref (self);
  taken->id = item->id;
  g_signal_connect_data (composer, "draft-saved", G_CALLBACK (on_draft_saved), taken, taken_free, 0);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
on_delete_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  CourrielOutboxView *self = g_object_get_data (G_OBJECT (dialog), "outbox-view");
  gint64 id = *(gint64 *)user_data;

  if (!g_str_equal (response, "delete") || self == NULL)
    return;
  courriel_outbox_withdraw_async (self->store, id, NULL, on_removed,
                                  done_new (self, 0, _("The message cannot be deleted:")));
}

static void
delete (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielOutboxView *self = COURRIEL_OUTBOX_VIEW (widget);
  gint64 id = g_variant_get_int64 (parameter);
  GtkRoot *root = gtk_widget_get_root (widget);
  AdwMessageDialog *dialog;

  if (find_item (self, id) == NULL)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Delete This Message?"),
                                                       _("It will not be sent, and it cannot be recovered.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "outbox-view", g_object_ref (self), g_object_unref);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_delete_response), g_memdup2 (&id, sizeof id),
                         (GClosureNotify)(void (*) (void))g_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The class ------------------------------------------------------------------------------------ */

static void
courriel_outbox_view_dispose (GObject *object)
{
  CourrielOutboxView *self = COURRIEL_OUTBOX_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->sync_service);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_OUTBOX_VIEW);

  G_OBJECT_CLASS (courriel_outbox_view_parent_class)->dispose (object);
}

static void
courriel_outbox_view_class_init (CourrielOutboxViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = courriel_outbox_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/courriel/Courriel/ui/courriel-outbox-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielOutboxView, stack);
  gtk_widget_class_bind_template_child (widget_class, CourrielOutboxView, error_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielOutboxView, list);

  gtk_widget_class_install_action (widget_class, "outbox.send-again", "x", send_again);
  gtk_widget_class_install_action (widget_class, "outbox.edit", "x", edit);
  gtk_widget_class_install_action (widget_class, "outbox.delete", "x", delete);
}

static void
courriel_outbox_view_init (CourrielOutboxView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
courriel_outbox_view_new (CourrielStore *store, CourrielSyncService *sync_service)
{
  CourrielOutboxView *self;

  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);
  g_return_val_if_fail (sync_service == NULL || COURRIEL_IS_SYNC_SERVICE (sync_service), NULL);

  self = g_object_new (COURRIEL_TYPE_OUTBOX_VIEW, NULL);
  self->store = g_object_ref (store);
  self->sync_service = sync_service != NULL ? g_object_ref (sync_service) : NULL;
  self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (on_store_changed), self);
  return GTK_WIDGET (self);
}

void
courriel_outbox_view_set_account (CourrielOutboxView *self, gint64 account_id)
{
  g_return_if_fail (COURRIEL_IS_OUTBOX_VIEW (self));

  if (account_id == self->account_id)
    return;
  self->account_id = account_id;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  read_again (self);
}

gint64
courriel_outbox_view_get_account (CourrielOutboxView *self)
{
  g_return_val_if_fail (COURRIEL_IS_OUTBOX_VIEW (self), 0);
  return self->account_id;
}

GtkListBox *
courriel_outbox_view_get_list (CourrielOutboxView *self)
{
  g_return_val_if_fail (COURRIEL_IS_OUTBOX_VIEW (self), NULL);
  return self->list;
}
