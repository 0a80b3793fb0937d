/* courriel-composer.c — the window where a message is written, sent through the Outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Send does not queue at once: the message is built, the form locks and an "Undo" toast stays
 * for a few seconds; only then is it put in the Outbox (courriel_outbox_queue_async()). Nothing
 * can leave during the undo delay because nothing is in the Outbox yet, and undoing needs no
 * write at all. Closing the window during the delay sends at once, as the user asked.
 *
 * A draft is saved a few seconds after the last change and when the window closes; each save
 * replaces the previous draft (courriel_changes_save_draft_async() with @replaces), and a sent
 * message's draft is deleted for good.
 *
 * Above the From account's SMTP SIZE (learned when the server was verified, refreshed by every
 * Outbox send), a warning says how large the attachments make the message; Send asks first, but
 * is never refused: servers sometimes take more than they announce.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-composer.h"

#include <glib/gi18n.h>

#include "courriel-account.h"
#include "courriel-address-book.h"
#include "courriel-application.h"
#include "courriel-attachment-hint.h"
#include "courriel-changes.h"
#include "courriel-draft.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-mailto.h"
#include "courriel-outbox.h"
#include "courriel-safe-toasts.h"
#include "courriel-spell-checker.h"

#define DEFAULT_UNDO_MS    5000
#define DEFAULT_DRAFT_MS   3000
#define COMPLETION_LIMIT   8
#define MAX_SUGGESTIONS    6

typedef struct
{
  char    *name;
  char    *mime_type;
  GBytes  *data;
  gboolean forwarded; /* the original message of a forward, attached whole */
} Attachment;

struct _CourrielComposer
{
  AdwWindow            parent_instance;

  AdwToastOverlay     *toast_overlay;
  GtkWidget           *form;
  GtkDropDown         *from_dropdown;
  GtkStringList       *from_list;
  GtkEntry            *to_entry;
  GtkEntry            *cc_entry;
  GtkEntry            *bcc_entry;
  GtkEntry            *subject_entry;
  GtkTextView         *text_view;
  GtkListBox          *attachments_list;
  GtkLabel            *error_label;
  GtkWidget           *attachment_warning;
  GtkLabel            *size_warning;
  GtkLabel            *draft_label;
  GtkMenuButton       *spell_button;

  GSettings           *settings;
  CourrielSpellChecker *spell_checker;
  GSimpleAction       *spell_language_action;
  GMenu               *spell_menu;        /* the text view's extra menu: empty off a misspelled word */
  GMenu               *spell_suggestions;
  GtkTextMark         *spell_start;       /* the misspelled word spell_menu is about */
  GtkTextMark         *spell_end;
  char                *spell_word;
  GCancellable        *spell_cancellable; /* its suggestions */

  CourrielStore       *store;
  CourrielAddressBook *address_book;
  GCancellable        *cancellable;
  GPtrArray           *accounts;    /* CourrielAccount*, in the order of from_list */
  gint64               account_id;  /* to select once accounts are read; 0: the first */
  gint64               reply_to;    /* message to reply to or forward, once accounts are read */
  CourrielReplyKind    reply_kind;
  GPtrArray           *attachments; /* Attachment* */
  char                *in_reply_to;
  char                *references;
  guint                undo_ms;
  guint                draft_ms;

  guint                draft_source;
  gint64               draft_id;         /* the saved draft, 0 before the first save */
  gint64               draft_account_id; /* the account it was saved into */
  gboolean             dirty;            /* changed since the last save */
  gboolean             saving;
  gboolean             filling;          /* the program is filling the fields: no draft */
  gboolean             closing;          /* hidden, finishing a save or a send */
  gboolean             save_at_once;     /* taken back from the Outbox: a draft once accounts are read */

  guint                send_source;      /* the undo delay is running */
  AdwToast            *send_toast;
  CourrielSafeToasts  *safe_toasts;   /* takes the send toast away on Undo (see courriel-safe-toasts.c) */
  GBytes              *send_raw;
  gint64               send_account_id;
  char                *send_sender;
  GStrv                send_recipients;
  gboolean             sent;
  AdwMessageDialog    *size_dialog;      /* "send it anyway?" is being asked */
};

G_DEFINE_FINAL_TYPE (CourrielComposer, courriel_composer, ADW_TYPE_WINDOW)

enum { SIGNAL_QUEUED, SIGNAL_DRAFT_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void schedule_draft (CourrielComposer *self);
static void save_draft (CourrielComposer *self);
static void set_locked (CourrielComposer *self, gboolean locked);

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->name);
  g_free (attachment->mime_type);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

static void
show_error (CourrielComposer *self, const char *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static CourrielAccount *
selected_account (CourrielComposer *self)
{
  guint selected = gtk_drop_down_get_selected (self->from_dropdown);

  if (self->accounts == NULL || selected >= self->accounts->len)
    return NULL;
  return self->accounts->pdata[selected];
}

static char *
buffer_text (CourrielComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Warnings ------------------------------------------------------------------------------------- */

/* The message's size as the server will count it (SIZE counts what is sent): attachments in
 * base64, 76 characters and a CRLF for every 57 bytes, each with its part's header. */
static guint64
estimated_size (CourrielComposer *self, const char *text)
{
  guint64 total = 2048 + strlen (text); /* the header, the text's part */

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = self->attachments->pdata[i];
      guint64 length = g_bytes_get_size (attachment->data);

      total += 256 + (attachment->forwarded ? length : (length + 56) / 57 * 78);
    }
  return total;
}

/* The From account's SIZE; 0: unknown or none. */
static guint64
size_limit (CourrielComposer *self)
{
  CourrielAccount *account = selected_account (self);

  return account != NULL ? account->smtp_size_limit : 0;
}

/* The warning above the limit, or NULL within it (or with no attachment, or no known limit). */
static char *
size_warning_text (CourrielComposer *self, const char *text)
{
  guint64 limit = size_limit (self);
  guint64 size = estimated_size (self, text);
  g_autofree char *have = NULL;
  g_autofree char *most = NULL;

  if (limit == 0 || self->attachments->len == 0 || size <= limit)
    return NULL;
  have = g_format_size (size);
  most = g_format_size (limit);
  return g_strdup_printf (_("These attachments make the message %s; the server accepts up to %s."), have, most);
}

static void
update_warnings (CourrielComposer *self)
{
  g_autofree char *text = buffer_text (self);
  g_autofree char *size_warning = size_warning_text (self, text);

  gtk_widget_set_visible (self->attachment_warning,
                          self->attachments->len == 0 && courriel_attachment_hint_mentioned (text));
  gtk_label_set_label (self->size_warning, size_warning != NULL ? size_warning : "");
  gtk_widget_set_visible (GTK_WIDGET (self->size_warning), size_warning != NULL);
}

static void
on_changed (CourrielComposer *self)
{
  show_error (self, NULL);
  update_warnings (self);
  schedule_draft (self);
}

/* Attachments ---------------------------------------------------------------------------------- */

static void
on_remove_attachment (GtkButton *button, CourrielComposer *self)
{
  Attachment *attachment = g_object_get_data (G_OBJECT (button), "attachment");
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  gtk_list_box_remove (self->attachments_list, row);
  g_ptr_array_remove (self->attachments, attachment);
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_list), self->attachments->len > 0);
  on_changed (self);
}

static void
add_attachment (CourrielComposer *self, Attachment *attachment)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  g_autofree char *size = g_format_size (g_bytes_get_size (attachment->data));
  g_autofree char *tooltip = g_strdup_printf (_("Remove “%s”"), attachment->name);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attachment->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data (G_OBJECT (remove), "attachment", attachment);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_attachment), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  gtk_list_box_append (self->attachments_list, row);
  g_ptr_array_add (self->attachments, attachment);
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_list), TRUE);
  on_changed (self);
}

static void
on_file_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *content_type = NULL;
  Attachment *attachment;

  if (data == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("“%s” could not be attached: %s"), name, error->message);
      show_error (self, message);
      return;
    }
  content_type = g_content_type_guess (name, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL);
  attachment = g_new0 (Attachment, 1);
  attachment->name = g_steal_pointer (&name);
  attachment->mime_type = g_content_type_get_mime_type (content_type);
  attachment->data = g_steal_pointer (&data);
  add_attachment (self, attachment);
}

void
courriel_composer_attach_file (CourrielComposer *self, GFile *file)
{
  g_return_if_fail (COURRIEL_IS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  g_file_load_bytes_async (file, self->cancellable, on_file_loaded, g_object_ref (self));
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  CourrielComposer *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GFile) file = g_list_model_get_item (files, i);
          courriel_composer_attach_file (self, file);
        }
    }
  g_object_unref (chooser);
}

static void
attach_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Attach Files"), GTK_WINDOW (widget),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"),
                                                               _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  CourrielComposer *self = user_data;
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) || self->send_source != 0)
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l != NULL; l = l->next)
    courriel_composer_attach_file (self, l->data);
  g_slist_free (files);
  return TRUE;
}

/* Recipients and their completion -------------------------------------------------------------- */

/* The addresses of a recipient field, each "Name <address>" or "address". */
static gboolean
add_recipients (GPtrArray *list, GtkEntry *entry, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autoptr (InternetAddressList) addresses = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    return TRUE;
  addresses = internet_address_list_parse (NULL, stripped);
  for (int i = 0; addresses != NULL && i < internet_address_list_length (addresses); i++)
    {
      InternetAddress *address = internet_address_list_get_address (addresses, i);
      const char *mailbox = INTERNET_ADDRESS_IS_MAILBOX (address)
                              ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address))
                              : NULL;

      if (mailbox == NULL || strchr (mailbox, '@') == NULL || mailbox[0] == '@')
        break;
      g_ptr_array_add (list, internet_address_to_string (address, NULL, FALSE));
      if (i == internet_address_list_length (addresses) - 1)
        return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a list of e-mail addresses."), stripped);
  return FALSE;
}

static gboolean
match_anything (GtkEntryCompletion *completion, const char *key, GtkTreeIter *iter, gpointer user_data)
{
  return TRUE;
}

/* What follows the last comma: the address being typed. */
static const char *
typed_part (const char *text)
{
  const char *comma = strrchr (text, ',');

  return comma != NULL ? comma + 1 : text;
}

static void
on_recipient_changed (GtkEditable *editable, CourrielComposer *self)
{
  GtkEntryCompletion *completion = gtk_entry_get_completion (GTK_ENTRY (editable));
  GtkListStore *model = GTK_LIST_STORE (gtk_entry_completion_get_model (completion));
  g_autoptr (GPtrArray) matches = NULL;

  gtk_list_store_clear (model);
  if (self->filling)
    return;
  matches = courriel_address_book_complete (self->address_book, typed_part (gtk_editable_get_text (editable)),
                                            COMPLETION_LIMIT);
  for (guint i = 0; i < matches->len; i++)
    {
      g_autofree char *text = courriel_address_entry_format (matches->pdata[i]);
      gtk_list_store_insert_with_values (model, NULL, -1, 0, text, -1);
    }
}

static gboolean
on_match_selected (GtkEntryCompletion *completion, GtkTreeModel *model, GtkTreeIter *iter, gpointer user_data)
{
  GtkEditable *editable = GTK_EDITABLE (gtk_entry_completion_get_entry (completion));
  const char *text = gtk_editable_get_text (editable);
  g_autofree char *chosen = NULL;
  g_autofree char *before = g_strndup (text, typed_part (text) - text);
  g_autofree char *replaced = NULL;

  gtk_tree_model_get (model, iter, 0, &chosen, -1);
  g_strchomp (before);
  replaced = g_strdup_printf ("%s%s%s, ", before, *before != '\0' ? " " : "", chosen);
  gtk_editable_set_text (editable, replaced);
  gtk_editable_set_position (editable, -1);
  return TRUE;
}

static void
setup_recipient (CourrielComposer *self, GtkEntry *entry)
{
  g_autoptr (GtkEntryCompletion) completion = gtk_entry_completion_new ();
  g_autoptr (GtkListStore) model = gtk_list_store_new (1, G_TYPE_STRING);

  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (model));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, match_anything, NULL, NULL);
  gtk_entry_completion_set_minimum_key_length (completion, 1);
  g_signal_connect (completion, "match-selected", G_CALLBACK (on_match_selected), NULL);
  g_signal_connect (entry, "changed", G_CALLBACK (on_recipient_changed), self);
  gtk_entry_set_completion (entry, completion);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (on_changed), self);
}

/* Building the message ------------------------------------------------------------------------- */

/* @lenient: for a draft, addresses that cannot be read are left out instead of failing. */
static CourrielDraft *
collect_draft (CourrielComposer *self, gboolean lenient, GError **error)
{
  CourrielAccount *account = selected_account (self);
  g_autoptr (CourrielDraft) draft = NULL;

  if (account == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no account to send from: add one first."));
      return NULL;
    }
  draft = courriel_draft_new (account->display_name, account->address);
  if (lenient)
    {
      add_recipients (draft->to, self->to_entry, NULL);
      add_recipients (draft->cc, self->cc_entry, NULL);
      add_recipients (draft->bcc, self->bcc_entry, NULL);
    }
  else if (!add_recipients (draft->to, self->to_entry, error) || !add_recipients (draft->cc, self->cc_entry, error)
           || !add_recipients (draft->bcc, self->bcc_entry, error))
    return NULL;
  g_free (draft->subject);
  draft->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  g_free (draft->text);
  draft->text = buffer_text (self);
  draft->in_reply_to = g_strdup (self->in_reply_to);
  draft->references = g_strdup (self->references);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = self->attachments->pdata[i];

      if (attachment->forwarded)
        draft->forwarded = g_bytes_ref (attachment->data);
      else
        courriel_draft_add_attachment (draft, attachment->name, attachment->mime_type, attachment->data);
    }
  return g_steal_pointer (&draft);
}

/* Drafts ----------------------------------------------------------------------------------------- */

static void
finish_closing (CourrielComposer *self)
{
  if (self->closing && !self->saving && self->send_source == 0)
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_draft_timeout (gpointer user_data)
{
  CourrielComposer *self = user_data;

  self->draft_source = 0;
  save_draft (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_draft (CourrielComposer *self)
{
  if (self->filling || self->sent)
    return;
  self->dirty = TRUE;
  g_clear_handle_id (&self->draft_source, g_source_remove);
  if (self->send_source == 0)
    self->draft_source = g_timeout_add (self->draft_ms, on_draft_timeout, self);
}

static void
on_draft_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 id = courriel_changes_save_draft_finish (COURRIEL_STORE (source), result, &error);

  self->saving = FALSE;
  if (id == 0)
    {
      g_autofree char *message = g_strdup_printf (_("The draft could not be saved: %s"), error->message);

      g_message ("%s", message);
      show_error (self, message);
      self->dirty = TRUE;
      if (self->closing)
        {
          /* Never lose the text silently: the window comes back with the reason. */
          self->closing = FALSE;
          set_locked (self, FALSE);
          return;
        }
    }
  else if (self->sent)
    /* Sent while it was being saved: this copy is not a draft any more. */
    courriel_changes_discard_draft_async (self->store, self->draft_account_id, id, NULL, NULL, NULL);
  else
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *time = g_date_time_format (now, "%X");
      g_autofree char *label = g_strdup_printf (_("Draft saved at %s"), time);

      self->draft_id = id;
      gtk_label_set_label (self->draft_label, label);
      g_signal_emit (self, signals[SIGNAL_DRAFT_SAVED], 0, id);
    }
  if (self->closing)
    {
      finish_closing (self);
      return;
    }
  if (self->dirty && !self->sent && self->draft_source == 0)
    self->draft_source = g_timeout_add (self->draft_ms, on_draft_timeout, self);
}

static void
save_draft (CourrielComposer *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) draft = NULL;
  g_autoptr (GBytes) raw = NULL;
  CourrielAccount *account = selected_account (self);
  gint64 replaces = self->draft_id;

  g_clear_handle_id (&self->draft_source, g_source_remove);
  if (self->saving || !self->dirty || self->sent || account == NULL)
    return;
  /* A draft is saved whatever the recipient fields hold: an unfinished address stays out of
   * it rather than losing the text. */
  draft = collect_draft (self, TRUE, NULL);
  raw = courriel_draft_build_unsent (draft, &error);
  if (raw == NULL)
    {
      show_error (self, error->message);
      return;
    }
  if (replaces != 0 && self->draft_account_id != account->id)
    {
      /* Moved to another identity: the draft of the first account goes, a new one is made. */
      courriel_changes_discard_draft_async (self->store, self->draft_account_id, replaces, NULL, NULL, NULL);
      replaces = 0;
    }
  self->saving = TRUE;
  self->dirty = FALSE;
  self->draft_account_id = account->id;
  courriel_changes_save_draft_async (self->store, account->id, raw, replaces, NULL, on_draft_saved,
                                     g_object_ref (self));
}

/* Sending ---------------------------------------------------------------------------------------- */

static void
set_locked (CourrielComposer *self, gboolean locked)
{
  gtk_widget_set_sensitive (self->form, !locked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", !locked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.attach", !locked);
}

/* Forgets the message waiting out its undo delay. Its toast is taken away when @dismiss_toast;
 * otherwise it is kept until the message is queued and the window closes, since libadwaita 1.2 can
 * crash on a toast dismissed just before its window is unmapped. */
static void
clear_pending_send (CourrielComposer *self, gboolean dismiss_toast)
{
  g_clear_handle_id (&self->send_source, g_source_remove);
  g_clear_pointer (&self->send_raw, g_bytes_unref);
  g_clear_pointer (&self->send_sender, g_free);
  g_clear_pointer (&self->send_recipients, g_strfreev);
  if (self->send_toast != NULL && dismiss_toast)
    {
      courriel_safe_toasts_dismiss (self->safe_toasts, self->send_toast);
      g_clear_object (&self->send_toast);
    }
}

static void
on_queued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 id = courriel_outbox_queue_finish (COURRIEL_STORE (source), result, &error);
  GtkApplication *app;

  if (id == 0)
    {
      g_autofree char *message = g_strdup_printf (_("The message could not be put in the Outbox: %s"),
                                                  error->message);

      self->sent = FALSE;
      self->closing = FALSE;
      clear_pending_send (self, TRUE);
      set_locked (self, FALSE);
      show_error (self, message);
      return;
    }
  if (self->draft_id != 0)
    courriel_changes_discard_draft_async (self->store, self->draft_account_id, self->draft_id, NULL, NULL, NULL);
  self->draft_id = 0;
  /* The application's sync service sends the Outbox: now rather than at the next check. */
  app = gtk_window_get_application (GTK_WINDOW (self));
  if (COURRIEL_IS_APPLICATION (app) && courriel_application_get_sync_service (COURRIEL_APPLICATION (app)) != NULL)
    courriel_sync_service_poke (courriel_application_get_sync_service (COURRIEL_APPLICATION (app)),
                                self->send_account_id);
  g_signal_emit (self, signals[SIGNAL_QUEUED], 0, id);
  self->closing = TRUE;
  finish_closing (self);
}

static gboolean
on_undo_delay_over (gpointer user_data)
{
  CourrielComposer *self = user_data;

  self->send_source = 0;
  self->sent = TRUE;
  courriel_outbox_queue_async (self->store, self->send_account_id, self->send_sender,
                               (const char * const *)self->send_recipients, self->send_raw, NULL, on_queued,
                               g_object_ref (self));
  /* The window closes once it is queued; the toast goes with it. */
  clear_pending_send (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
send_now (CourrielComposer *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) draft = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  if (self->send_source != 0 || self->sent)
    return;
  draft = collect_draft (self, FALSE, &error);
  if (draft != NULL)
    raw = courriel_draft_build (draft, now, &error);
  if (raw == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  g_clear_handle_id (&self->draft_source, g_source_remove);
  self->send_raw = g_steal_pointer (&raw);
  self->send_account_id = selected_account (self)->id;
  self->send_sender = g_strdup (draft->from_address);
  self->send_recipients = courriel_draft_dup_recipients (draft);
  set_locked (self, TRUE);
  self->send_toast = courriel_safe_toasts_new_toast (_("Sending…"), _("_Undo"), "composer.undo");
  adw_toast_set_timeout (self->send_toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->send_toast));
  self->send_source = g_timeout_add (self->undo_ms, on_undo_delay_over, self);
}

static void
on_size_confirmed (AdwMessageDialog *dialog, const char *response, CourrielComposer *self)
{
  if (self->size_dialog != dialog)
    return; /* answered already */
  self->size_dialog = NULL;
  if (g_str_equal (response, "send"))
    send_now (self);
}

/* Above the server's limit: the user decides, knowing it may come back refused. */
static void
confirm_size (CourrielComposer *self, const char *warning)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send a Message Larger Than the Server Accepts?"),
                                              NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s %s", warning,
                                  _("The server will probably refuse it, and it will stay in the Outbox with the "
                                    "reason. Servers sometimes accept more than they announce."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "send", _("_Send Anyway"),
                                    NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_size_confirmed), self, 0);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  self->size_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielComposer *self = COURRIEL_COMPOSER (widget);
  g_autofree char *text = NULL;
  g_autofree char *warning = NULL;

  if (self->send_source != 0 || self->sent || self->size_dialog != NULL)
    return;
  text = buffer_text (self);
  warning = size_warning_text (self, text);
  if (warning != NULL)
    confirm_size (self, warning);
  else
    send_now (self);
}

static void
undo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielComposer *self = COURRIEL_COMPOSER (widget);

  if (self->send_source == 0)
    return;
  clear_pending_send (self, TRUE);
  set_locked (self, FALSE);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Not sent")));
  if (self->dirty)
    schedule_draft (self);
}

static gboolean
courriel_composer_close_request (GtkWindow *window)
{
  CourrielComposer *self = COURRIEL_COMPOSER (window);

  if (self->closing)
    return TRUE;
  if (self->send_source != 0)
    {
      /* Closed during the undo delay: sent now, as the user asked. */
      g_source_remove (self->send_source);
      self->closing = TRUE;
      on_undo_delay_over (self);
      return TRUE;
    }
  if (self->saving || (self->dirty && !self->sent && selected_account (self) != NULL))
    {
      /* Not hidden: GTK 4.8 may still deliver a surface signal to a window hidden and destroyed
       * in the same frame. The save takes milliseconds; the form is locked meanwhile. */
      self->closing = TRUE;
      set_locked (self, TRUE);
      save_draft (self);
      finish_closing (self);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (courriel_composer_parent_class)->close_request (window);
}

/* Filling ---------------------------------------------------------------------------------------- */

static void
set_entry_list (GtkEntry *entry, GPtrArray *list)
{
  g_autoptr (GString) text = g_string_new (gtk_editable_get_text (GTK_EDITABLE (entry)));

  for (guint i = 0; list != NULL && i < list->len; i++)
    g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", (char *)list->pdata[i]);
  gtk_editable_set_text (GTK_EDITABLE (entry), text->str);
}

static void
fill_from_draft (CourrielComposer *self, CourrielDraft *draft)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start;

  self->filling = TRUE;
  set_entry_list (self->to_entry, draft->to);
  set_entry_list (self->cc_entry, draft->cc);
  set_entry_list (self->bcc_entry, draft->bcc);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), draft->subject != NULL ? draft->subject : "");
  gtk_text_buffer_set_text (buffer, draft->text != NULL ? draft->text : "", -1);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (draft->in_reply_to);
  g_free (self->references);
  self->references = g_strdup (draft->references);
  if (draft->forwarded != NULL)
    {
      Attachment *attachment = g_new0 (Attachment, 1);
      const char *subject = draft->subject != NULL && *draft->subject != '\0' ? draft->subject : _("Message");

      attachment->name = g_strdup_printf ("%s.eml", subject);
      attachment->mime_type = g_strdup ("message/rfc822");
      attachment->data = g_bytes_ref (draft->forwarded);
      attachment->forwarded = TRUE;
      add_attachment (self, attachment);
    }
  self->filling = FALSE;
  update_warnings (self);
  gtk_widget_grab_focus (gtk_editable_get_text (GTK_EDITABLE (self->to_entry))[0] == '\0'
                           ? GTK_WIDGET (self->to_entry)
                           : GTK_WIDGET (self->text_view));
}

typedef struct
{
  gint64  account_id;
  GBytes *raw;
} Original;

static void
original_free (Original *original)
{
  g_clear_pointer (&original->raw, g_bytes_unref);
  g_free (original);
}

static gpointer
read_original (sqlite3 *db, gpointer data, GError **error)
{
  gint64 message_id = *(gint64 *)data;
  sqlite3_stmt *stmt = NULL;
  Original *original = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT f.account_id, b.raw FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "LEFT JOIN bodies b ON b.message_id = m.id WHERE m.id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, message_id);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    {
      original = g_new0 (Original, 1);
      original->account_id = sqlite3_column_int64 (stmt, 0);
      original->raw = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         rc == SQLITE_ROW ? _("The message is not downloaded yet: open it once, then reply.")
                                          : _("The message is no longer here."));
  else
    courriel_store_set_error_from_db (db, rc, error);
  sqlite3_finalize (stmt);
  return original;
}

static void
select_account (CourrielComposer *self, gint64 account_id)
{
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    if (((CourrielAccount *)self->accounts->pdata[i])->id == account_id)
      gtk_drop_down_set_selected (self->from_dropdown, i);
}

static void
on_original_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  Original *original = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  g_autoptr (CourrielDraft) draft = NULL;
  CourrielAccount *account;

  if (original == NULL)
    {
      show_error (self, error->message);
      return;
    }
  self->filling = TRUE;
  select_account (self, original->account_id);
  self->filling = FALSE;
  account = selected_account (self);
  if (account == NULL)
    show_error (self, _("There is no account to send from: add one first."));
  else if (self->reply_kind == COURRIEL_REPLY_KIND_FORWARD)
    draft = courriel_draft_new_forward (original->raw, account->display_name, account->address, TRUE, &error);
  else
    draft = courriel_draft_new_reply (original->raw, account->display_name, account->address,
                                      self->reply_kind == COURRIEL_REPLY_KIND_REPLY_ALL, &error);
  if (draft != NULL)
    fill_from_draft (self, draft);
  else if (error != NULL)
    show_error (self, error->message);
  original_free (original);
}

static void
on_accounts_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);

  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  self->filling = TRUE;
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->accounts = g_ptr_array_ref (accounts);
  for (guint i = 0; i < accounts->len; i++)
    {
      CourrielAccount *account = accounts->pdata[i];
      g_autoptr (InternetAddress) address = internet_address_mailbox_new (account->display_name, account->address);
      g_autofree char *label = internet_address_to_string (address, NULL, FALSE);

      gtk_string_list_append (self->from_list, label);
    }
  /* The choice is shown only when there is one to make. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->from_dropdown), accounts->len > 1);
  select_account (self, self->account_id);
  self->filling = FALSE;
  update_warnings (self);
  if (accounts->len == 0)
    {
      show_error (self, _("There is no account to send from: add one first."));
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", FALSE);
      return;
    }
  if (self->save_at_once)
    {
      self->dirty = TRUE;
      save_draft (self);
    }
  if (self->reply_to != 0)
    {
      gint64 *id = g_new (gint64, 1);

      *id = self->reply_to;
      courriel_store_read_async (self->store, read_original, id, g_free, (GDestroyNotify)original_free,
                                 self->cancellable, on_original_read, g_object_ref (self));
    }
}

/* An Outbox send learned another SIZE for an account: the warning follows. */
static void
on_limits_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, NULL);

  if (accounts == NULL) /* the window closed (cancelled), or the store failed: the old limits stay */
    return;
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    {
      CourrielAccount *account = self->accounts->pdata[i];
      CourrielAccount *now = courriel_account_find (accounts, account->id);

      if (now != NULL)
        account->smtp_size_limit = now->smtp_size_limit;
    }
  update_warnings (self);
}

static void
on_store_changed (CourrielComposer *self, guint tables)
{
  if ((tables & COURRIEL_STORE_TABLE_ACCOUNTS) != 0 && self->accounts != NULL)
    courriel_account_list_async (self->store, self->cancellable, on_limits_read, g_object_ref (self));
}

static void
on_address_book_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!courriel_address_book_load_finish (COURRIEL_ADDRESS_BOOK (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("No address completion: %s", error->message);
}

/* The class -------------------------------------------------------------------------------------- */

void
courriel_composer_set_delays (CourrielComposer *self, guint undo_ms, guint draft_ms)
{
  g_return_if_fail (COURRIEL_IS_COMPOSER (self));

  self->undo_ms = undo_ms;
  self->draft_ms = draft_ms;
}

/* Spelling ------------------------------------------------------------------------------------- */

static void
spell_menu_set_suggestions (CourrielComposer *self, GStrv suggestions, const char *placeholder)
{
  g_menu_remove_all (self->spell_suggestions);
  for (guint i = 0; suggestions != NULL && suggestions[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (suggestions[i], NULL);

      g_menu_item_set_action_and_target (item, "composer.spell-replace", "s", suggestions[i]);
      g_menu_append_item (self->spell_suggestions, item);
    }
  if (placeholder != NULL)
    g_menu_append (self->spell_suggestions, placeholder, "composer.spell-none");
}

static void
on_suggested (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) suggestions = courriel_spell_checker_suggest_finish (COURRIEL_SPELL_CHECKER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->spell_word == NULL)
    return;
  spell_menu_set_suggestions (self, suggestions,
                              suggestions == NULL || suggestions[0] == NULL ? _("No Suggestions") : NULL);
}

static void
spell_menu_clear (CourrielComposer *self)
{
  g_cancellable_cancel (self->spell_cancellable);
  g_clear_object (&self->spell_cancellable);
  g_clear_pointer (&self->spell_word, g_free);
  if (self->spell_menu != NULL)
    g_menu_remove_all (self->spell_menu);
}

/* Fills the text view's context menu for the word at @iter: its corrections, Add to Dictionary
 * and Ignore All when it is misspelled, nothing more than the usual items when not. */
static void
spell_menu_update (CourrielComposer *self, const GtkTextIter *iter)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autoptr (GMenu) actions = NULL;
  g_autofree char *word = NULL;
  GtkTextIter start, end, old_start, old_end;

  if (self->spell_checker == NULL
      || !courriel_spell_checker_get_misspelled_word (self->spell_checker, iter, &start, &end, &word))
    {
      spell_menu_clear (self);
      return;
    }
  gtk_text_buffer_get_iter_at_mark (buffer, &old_start, self->spell_start);
  gtk_text_buffer_get_iter_at_mark (buffer, &old_end, self->spell_end);
  if (g_strcmp0 (word, self->spell_word) == 0 && gtk_text_iter_equal (&start, &old_start)
      && gtk_text_iter_equal (&end, &old_end))
    return;

  spell_menu_clear (self);
  gtk_text_buffer_move_mark (buffer, self->spell_start, &start);
  gtk_text_buffer_move_mark (buffer, self->spell_end, &end);
  self->spell_word = g_steal_pointer (&word);
  self->spell_cancellable = g_cancellable_new ();

  spell_menu_set_suggestions (self, NULL, _("Looking for Suggestions…"));
  g_menu_append_section (self->spell_menu, NULL, G_MENU_MODEL (self->spell_suggestions));
  actions = g_menu_new ();
  g_menu_append (actions, _("_Add to Dictionary"), "composer.spell-add");
  g_menu_append (actions, _("_Ignore All"), "composer.spell-ignore");
  g_menu_append_section (self->spell_menu, NULL, G_MENU_MODEL (actions));
  courriel_spell_checker_suggest_async (self->spell_checker, self->spell_word, MAX_SUGGESTIONS,
                                        self->spell_cancellable, on_suggested, g_object_ref (self));
}

static void
on_spell_click (GtkGesture *gesture, int n_press, double x, double y, CourrielComposer *self)
{
  GtkTextIter iter;
  int buffer_x, buffer_y;

  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, (int)x, (int)y, &buffer_x,
                                         &buffer_y);
  gtk_text_view_get_iter_at_location (self->text_view, &iter, buffer_x, buffer_y);
  spell_menu_update (self, &iter);
}

static void
on_spell_long_press (GtkGestureLongPress *gesture, double x, double y, CourrielComposer *self)
{
  on_spell_click (GTK_GESTURE (gesture), 1, x, y, self);
}

/* The menu follows the cursor too, for the keyboard's Menu key. */
static void
on_spell_mark_set (CourrielComposer *self, const GtkTextIter *location, GtkTextMark *mark)
{
  if (mark == gtk_text_buffer_get_insert (gtk_text_view_get_buffer (self->text_view)))
    spell_menu_update (self, location);
}

static gboolean
spell_word_bounds (CourrielComposer *self, GtkTextIter *start, GtkTextIter *end)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autofree char *text = NULL;

  if (self->spell_word == NULL)
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (buffer, start, self->spell_start);
  gtk_text_buffer_get_iter_at_mark (buffer, end, self->spell_end);
  text = gtk_text_iter_get_slice (start, end);
  /* The text changed under the menu: it is about nothing any more. */
  return g_str_equal (text, self->spell_word);
}

/* The placeholders' action, always disabled: they read as text, not as choices. */
static void
spell_none_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
}

static void
spell_replace_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielComposer *self = COURRIEL_COMPOSER (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  if (!spell_word_bounds (self, &start, &end))
    return;
  /* One user action: one Ctrl+Z brings the word back. */
  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_delete (buffer, &start, &end);
  gtk_text_buffer_insert (buffer, &start, g_variant_get_string (parameter, NULL), -1);
  gtk_text_buffer_end_user_action (buffer);
  spell_menu_clear (self);
}

static void
spell_add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielComposer *self = COURRIEL_COMPOSER (widget);
  g_autofree char *word = g_strdup (self->spell_word);

  if (word == NULL)
    return;
  spell_menu_clear (self);
  courriel_spell_checker_add_word (self->spell_checker, word);
}

static void
spell_ignore_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielComposer *self = COURRIEL_COMPOSER (widget);
  g_autofree char *word = g_strdup (self->spell_word);

  if (word == NULL)
    return;
  spell_menu_clear (self);
  courriel_spell_checker_ignore_word (self->spell_checker, word);
}

static void
on_spell_language_changed (CourrielComposer *self)
{
  const char *language = courriel_spell_checker_get_language (self->spell_checker);

  g_simple_action_set_state (self->spell_language_action, g_variant_new_string (language != NULL ? language : ""));
}

static void
on_spell_language_setting (CourrielComposer *self)
{
  g_autofree char *language = g_settings_get_string (self->settings, "spell-language");

  courriel_spell_checker_set_language (self->spell_checker, language);
}

static void
on_spell_language_chosen (GSimpleAction *action, GVariant *value, CourrielComposer *self)
{
  g_settings_set_string (self->settings, "spell-language", g_variant_get_string (value, NULL));
}

static void
setup_spelling (CourrielComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GAction) enabled = NULL;
  g_autoptr (GMenu) menu = g_menu_new ();
  g_autoptr (GMenu) toggle = g_menu_new ();
  g_autoptr (GMenu) languages_menu = g_menu_new ();
  g_auto (GStrv) languages = courriel_spell_checker_list_languages ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *long_press = gtk_gesture_long_press_new ();
  GtkTextIter start;

  gtk_text_buffer_get_start_iter (buffer, &start);
  self->spell_start = gtk_text_buffer_create_mark (buffer, NULL, &start, TRUE);
  self->spell_end = gtk_text_buffer_create_mark (buffer, NULL, &start, FALSE);
  self->spell_menu = g_menu_new ();
  self->spell_suggestions = g_menu_new ();
  gtk_text_view_set_extra_menu (self->text_view, G_MENU_MODEL (self->spell_menu));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.spell-none", FALSE);

  if (languages[0] == NULL)
    {
      /* Without a dictionary there is nothing to check: say why the button does nothing. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->spell_button), FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->spell_button),
                                   _("Spell checking is unavailable: no dictionary is installed"));
      return;
    }

  self->settings = g_settings_new (APPLICATION_ID);
  self->spell_checker = courriel_spell_checker_new (buffer);
  g_settings_bind (self->settings, "spell-checking", self->spell_checker, "enabled", G_SETTINGS_BIND_GET);
  on_spell_language_setting (self);
  g_signal_connect_object (self->settings, "changed::spell-language", G_CALLBACK (on_spell_language_setting), self,
                           G_CONNECT_SWAPPED);

  enabled = g_settings_create_action (self->settings, "spell-checking");
  g_action_map_add_action (G_ACTION_MAP (group), enabled);
  self->spell_language_action = g_simple_action_new_stateful ("language", G_VARIANT_TYPE_STRING,
                                                              g_variant_new_string (""));
  g_signal_connect_object (self->spell_language_action, "change-state", G_CALLBACK (on_spell_language_chosen), self,
                           G_CONNECT_DEFAULT);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (self->spell_language_action));
  on_spell_language_changed (self);
  g_signal_connect_object (self->spell_checker, "notify::language", G_CALLBACK (on_spell_language_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "spelling", G_ACTION_GROUP (group));

  g_menu_append (toggle, _("_Check Spelling"), "spelling.spell-checking");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (toggle));
  for (guint i = 0; languages[i] != NULL; i++)
    {
      g_autofree char *name = courriel_spell_checker_describe_language (languages[i]);
      g_autoptr (GMenuItem) item = g_menu_item_new (name, NULL);

      g_menu_item_set_action_and_target (item, "spelling.language", "s", languages[i]);
      g_menu_append_item (languages_menu, item);
    }
  g_menu_append_section (menu, _("Language"), G_MENU_MODEL (languages_menu));
  gtk_menu_button_set_menu_model (self->spell_button, G_MENU_MODEL (menu));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_spell_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (click));
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (long_press), GTK_PHASE_CAPTURE);
  g_signal_connect (long_press, "pressed", G_CALLBACK (on_spell_long_press), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (long_press));
  g_signal_connect_object (buffer, "mark-set", G_CALLBACK (on_spell_mark_set), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
}

/**
 * courriel_composer_get_spell_checker:
 *
 * Returns: (transfer none) (nullable): what underlines the text's misspelled words; NULL when
 *   no dictionary is installed
 */
CourrielSpellChecker *
courriel_composer_get_spell_checker (CourrielComposer *self)
{
  g_return_val_if_fail (COURRIEL_IS_COMPOSER (self), NULL);

  return self->spell_checker;
}

static void
courriel_composer_dispose (GObject *object)
{
  CourrielComposer *self = COURRIEL_COMPOSER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->draft_source, g_source_remove);
  clear_pending_send (self, FALSE);
  g_clear_object (&self->send_toast);
  g_clear_object (&self->safe_toasts);
  if (self->spell_cancellable != NULL)
    g_cancellable_cancel (self->spell_cancellable);
  g_clear_object (&self->spell_cancellable);
  g_clear_pointer (&self->spell_word, g_free);
  g_clear_object (&self->spell_checker);
  g_clear_object (&self->spell_language_action);
  g_clear_object (&self->spell_menu);
  g_clear_object (&self->spell_suggestions);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->address_book);
  g_clear_object (&self->store);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_COMPOSER);

  G_OBJECT_CLASS (courriel_composer_parent_class)->dispose (object);
}

static void
courriel_composer_class_init (CourrielComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_composer_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = courriel_composer_close_request;

  /**
   * CourrielComposer::queued:
   * @outbox_id: the message's row in the Outbox
   *
   * The message is in the Outbox (the undo delay is over); the window closes.
   */
  signals[SIGNAL_QUEUED] = g_signal_new ("queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * CourrielComposer::draft-saved:
   * @message_id: the draft in the account's Drafts folder (it replaced the previous one)
   */
  signals[SIGNAL_DRAFT_SAVED] = g_signal_new ("draft-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, form);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, from_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, from_list);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, to_entry);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, error_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, attachment_warning);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, size_warning);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, draft_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielComposer, spell_button);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.spell-replace", "s", spell_replace_action);
  gtk_widget_class_install_action (widget_class, "composer.spell-add", NULL, spell_add_action);
  gtk_widget_class_install_action (widget_class, "composer.spell-ignore", NULL, spell_ignore_action);
  gtk_widget_class_install_action (widget_class, "composer.spell-none", NULL, spell_none_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
courriel_composer_init (CourrielComposer *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->safe_toasts = courriel_safe_toasts_new (self->toast_overlay);
  self->cancellable = g_cancellable_new ();
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify)attachment_free);
  self->undo_ms = DEFAULT_UNDO_MS;
  self->draft_ms = DEFAULT_DRAFT_MS;

  setup_recipient (self, self->to_entry);
  setup_recipient (self, self->cc_entry);
  setup_recipient (self, self->bcc_entry);
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->text_view), "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected", G_CALLBACK (on_changed), self);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  setup_spelling (self);
}

static CourrielComposer *
composer_new (GtkApplication *app, CourrielStore *store, gint64 account_id, gint64 reply_to, CourrielReplyKind kind)
{
  CourrielComposer *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);

  self = g_object_new (COURRIEL_TYPE_COMPOSER, "application", app, NULL);
  self->store = g_object_ref (store);
  self->account_id = account_id;
  self->reply_to = reply_to;
  self->reply_kind = kind;
  self->address_book = courriel_address_book_new (store);
  g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed), self, G_CONNECT_SWAPPED);
  courriel_address_book_load_async (self->address_book, self->cancellable, on_address_book_loaded, NULL);
  courriel_account_list_async (store, self->cancellable, on_accounts_read, g_object_ref (self));
  return self;
}

/**
 * courriel_composer_new:
 * @account_id: the identity to write from, or 0 for the first account
 *
 * Returns: (transfer none): a new, empty composer window of @app
 */
CourrielComposer *
courriel_composer_new (GtkApplication *app, CourrielStore *store, gint64 account_id)
{
  return composer_new (app, store, account_id, 0, COURRIEL_REPLY_KIND_REPLY);
}

/**
 * courriel_composer_new_from_mailto:
 * @uri: "mailto:…" (RFC 6068)
 *
 * Returns: (transfer none): a composer filled from @uri, or %NULL with @error set when @uri
 *   cannot be read
 */
CourrielComposer *
courriel_composer_new_from_mailto (GtkApplication *app, CourrielStore *store, const char *uri, GError **error)
{
  g_autoptr (CourrielMailto) mailto = courriel_mailto_parse (uri, error);
  g_autoptr (CourrielDraft) draft = NULL;
  CourrielComposer *self;

  if (mailto == NULL)
    return NULL;
  self = composer_new (app, store, 0, 0, COURRIEL_REPLY_KIND_REPLY);
  draft = courriel_draft_new (NULL, NULL);
  g_ptr_array_extend (draft->to, mailto->to, (GCopyFunc)(void (*) (void))g_strdup, NULL);
  g_ptr_array_extend (draft->cc, mailto->cc, (GCopyFunc)(void (*) (void))g_strdup, NULL);
  g_ptr_array_extend (draft->bcc, mailto->bcc, (GCopyFunc)(void (*) (void))g_strdup, NULL);
  g_free (draft->subject);
  draft->subject = g_strdup (mailto->subject);
  g_free (draft->text);
  draft->text = g_strdup (mailto->body);
  draft->in_reply_to = g_strdup (mailto->in_reply_to);
  fill_from_draft (self, draft);
  return self;
}

/**
 * courriel_composer_new_from_draft:
 * @account_id: the identity to write from, or 0 for the first account
 * @draft: what the fields start with, its attachments included
 *
 * For a message taken back (from the Outbox): it is saved as a draft as soon as the accounts
 * are read, and "draft-saved" says when it is safe to let the original go.
 *
 * Returns: (transfer none): a composer filled from @draft
 */
CourrielComposer *
courriel_composer_new_from_draft (GtkApplication *app, CourrielStore *store, gint64 account_id,
                                  CourrielDraft *draft)
{
  CourrielComposer *self = composer_new (app, store, account_id, 0, COURRIEL_REPLY_KIND_REPLY);

  g_return_val_if_fail (draft != NULL, self);
  fill_from_draft (self, draft);
  self->filling = TRUE;
  for (guint i = 0; i < draft->attachments->len; i++)
    {
      CourrielDraftAttachment *from = draft->attachments->pdata[i];
      Attachment *attachment = g_new0 (Attachment, 1);

      attachment->name = g_strdup (from->filename);
      attachment->mime_type = g_strdup (from->mime_type);
      attachment->data = g_bytes_ref (from->data);
      add_attachment (self, attachment);
    }
  self->filling = FALSE;
  self->save_at_once = TRUE;
  return self;
}

/**
 * courriel_composer_new_reply:
 * @message_id: the message to answer or forward (its body must be in the store)
 * @kind: reply to the sender, to everyone, or forward (the original attached whole)
 *
 * Returns: (transfer none): a composer, filled as soon as the message is read; written from
 *   the account the message belongs to
 */
CourrielComposer *
courriel_composer_new_reply (GtkApplication *app, CourrielStore *store, gint64 message_id, CourrielReplyKind kind)
{
  return composer_new (app, store, 0, message_id, kind);
}
