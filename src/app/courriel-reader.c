/* courriel-reader.c — the message reader pane: headers, sender verification, body, attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything about a message is read on one of the store's reader threads (the row, the body,
 * the MIME parsing, the verdict on its Authentication-Results), never on the main loop. A body
 * not downloaded yet shows a spinner and the reader asks for it with "body-needed"; whoever
 * fetches it answers with courriel_reader_body_arrived() or _body_failed().
 *
 * The body: the HTML part when there is one and an HTML view to show it (most clients do, and
 * many senders' plain parts are an afterthought), else the plain text as it is, with its web
 * links clickable. Links open in the browser, after a question when their text shows another
 * site than the one they lead to.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-reader.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-auth-results.h"
#include "courriel-date-format.h"
#include "courriel-file-name.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-html-view.h"
#include "courriel-link-check.h"
#include "courriel-message-body.h"
#include "courriel-net-error.h"
#include "courriel-remote-content.h"

typedef struct
{
  char  *section;
  char  *filename;  /* sanitised */
  char  *mime_type;
  gint64 size;
} Attachment;

/* A message as the reader thread leaves it for the main loop. */
typedef struct
{
  gint64               id;
  char                *subject;
  char                *sender;
  char                *to;
  char                *cc;
  gint64               date;
  char                *from_name;
  char                *from_address;
  char                *trusted_id;
  CourrielAuthVerdict  verdict;
  char                *verified_domain;
  GBytes              *raw;            /* NULL: not downloaded */
  CourrielMessageBody *body;
  char                *body_error;
  GPtrArray           *attachments;    /* Attachment* */
  gboolean             remote_allowed;
} Loaded;

struct _CourrielReader
{
  AdwBin          parent_instance;

  CourrielStore  *store;
  gint64          message_id;
  GCancellable   *cancellable;
  Loaded         *loaded;
  GtkWidget      *html_view;
  gboolean        waiting_for_body;

  /* template children */
  AdwToastOverlay *toast_overlay;
  GtkStack       *stack;
  AdwStatusPage  *error_page;
  GtkLabel       *subject_label;
  GtkLabel       *from_label;
  GtkLabel       *to_label;
  GtkLabel       *cc_label;
  GtkLabel       *date_label;
  GtkBox         *verification_box;
  GtkImage       *verification_icon;
  GtkLabel       *verification_label;
  GtkRevealer    *remote_revealer;
  GtkListBox     *attachments_list;
  GtkStack       *body_stack;
  GtkTextView    *body_view;
  GtkTextTag     *link_tag;
  struct _TextFill *fill;      /* the plain text still going into body_view */
  guint          fill_source;
  AdwBin         *html_slot;
  GtkSpinner     *fetch_spinner;
  AdwStatusPage  *offline_page;
  AdwStatusPage  *body_error_page;
};

G_DEFINE_FINAL_TYPE (CourrielReader, courriel_reader, ADW_TYPE_BIN)

enum { SIGNAL_BODY_NEEDED, SIGNAL_OPEN_URI, N_SIGNALS };
static guint signals[N_SIGNALS];

static void toast (CourrielReader *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
toast (CourrielReader *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* The HTML view --------------------------------------------------------------------------------- */

static const CourrielReaderHtmlView *html_view_factory;

/* The real one: CourrielHtmlView, closed to the network (tests may put another in its place). */
static void
html_view_load (GtkWidget *view, const char *html, GMimeMessage *message, gboolean remote)
{
  courriel_html_view_load (COURRIEL_HTML_VIEW (view), html, message, remote);
}

static void
html_view_clear (GtkWidget *view)
{
  courriel_html_view_clear (COURRIEL_HTML_VIEW (view));
}

static const CourrielReaderHtmlView *
builtin_html_view (void)
{
  static const CourrielReaderHtmlView html_view = { courriel_html_view_new, html_view_load, html_view_clear };

  return &html_view;
}

static const CourrielReaderHtmlView *
get_html_view_factory (void)
{
  return html_view_factory != NULL ? html_view_factory : builtin_html_view ();
}

/**
 * courriel_reader_set_html_view_factory:
 * @factory: (nullable): the functions that make and drive the HTML view, for readers created
 *   from now on; %NULL: the built-in one
 */
void
courriel_reader_set_html_view_factory (const CourrielReaderHtmlView *factory)
{
  html_view_factory = factory;
}

/* Loading, on a reader thread -------------------------------------------------------------------- */

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->section);
  g_free (attachment->filename);
  g_free (attachment->mime_type);
  g_free (attachment);
}

static void
loaded_free (Loaded *loaded)
{
  g_free (loaded->subject);
  g_free (loaded->sender);
  g_free (loaded->to);
  g_free (loaded->cc);
  g_free (loaded->from_name);
  g_free (loaded->from_address);
  g_free (loaded->trusted_id);
  g_free (loaded->verified_domain);
  g_clear_pointer (&loaded->raw, g_bytes_unref);
  g_clear_pointer (&loaded->body, courriel_message_body_free);
  g_free (loaded->body_error);
  g_clear_pointer (&loaded->attachments, g_ptr_array_unref);
  g_free (loaded);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Loaded, loaded_free)

static char *
column_text (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

static void
read_sender (Loaded *loaded)
{
  g_autoptr (InternetAddressList) list = NULL;
  InternetAddress *first;

  if (loaded->sender == NULL)
    return;
  list = internet_address_list_parse (NULL, loaded->sender);
  first = list != NULL && internet_address_list_length (list) > 0 ? internet_address_list_get_address (list, 0) : NULL;
  if (first == NULL || !INTERNET_ADDRESS_IS_MAILBOX (first))
    return;
  loaded->from_address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)));
  if (internet_address_get_name (first) != NULL && *internet_address_get_name (first) != '\0')
    loaded->from_name = g_strdup (internet_address_get_name (first));
}

static gboolean
read_attachments (sqlite3 *db, Loaded *loaded, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  /* Inline parts with a Content-ID are the HTML's images, not attachments to list. */
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT section, filename, mime_type, size FROM attachments WHERE message_id = ?1 "
                               "AND (disposition = 'attachment' OR content_id IS NULL) ORDER BY id",
                               -1, &stmt, NULL);

  loaded->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify)attachment_free);
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, loaded->id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Attachment *a = g_new0 (Attachment, 1);

      a->section = column_text (stmt, 0);
      a->filename = courriel_file_name_sanitize ((const char *)sqlite3_column_text (stmt, 1));
      a->mime_type = g_strdup (sqlite3_column_text (stmt, 2) != NULL ? (const char *)sqlite3_column_text (stmt, 2)
                                                                      : "application/octet-stream");
      a->size = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (loaded->attachments, a);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static gpointer
read_message (sqlite3 *db, gpointer data, GError **error)
{
  g_autoptr (Loaded) loaded = g_new0 (Loaded, 1);
  CourrielAccount account = { 0 };
  sqlite3_stmt *stmt = NULL;
  g_autofree char *auth_results = NULL;
  gboolean found = FALSE;
  int rc;

  loaded->id = *(gint64 *)data;
  rc = sqlite3_prepare_v2 (db,
                           "SELECT m.subject, m.sender, m.recipients_to, m.recipients_cc, m.date, m.auth_results, "
                           "a.incoming_host, json_extract (a.settings, '$.authserv_id'), b.raw "
                           "FROM messages m JOIN folders f ON f.id = m.folder_id JOIN accounts a ON a.id = f.account_id "
                           "LEFT JOIN bodies b ON b.message_id = m.id WHERE m.id = ?1",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, loaded->id);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      found = TRUE;
      loaded->subject = column_text (stmt, 0);
      loaded->sender = column_text (stmt, 1);
      loaded->to = column_text (stmt, 2);
      loaded->cc = column_text (stmt, 3);
      loaded->date = sqlite3_column_int64 (stmt, 4);
      auth_results = column_text (stmt, 5);
      account.incoming.host = column_text (stmt, 6);
      account.authserv_id = column_text (stmt, 7);
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        loaded->raw = g_bytes_new (sqlite3_column_blob (stmt, 8), sqlite3_column_bytes (stmt, 8));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  if (!found)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("This message is no longer in the mailbox."));
      return NULL;
    }

  read_sender (loaded); /* GMime was initialised by the class, on the main thread */
  loaded->trusted_id = courriel_account_get_authserv_id (&account);
  g_free (account.incoming.host);
  g_free (account.authserv_id);
  loaded->verdict = courriel_auth_results_verdict (auth_results, loaded->trusted_id, loaded->from_address,
                                                   &loaded->verified_domain);
  /* "Always for this sender" trusts a From address: not one the provider found forged. */
  loaded->remote_allowed = loaded->verdict != COURRIEL_AUTH_VERDICT_FAILED
                           && courriel_remote_content_is_allowed (db, loaded->from_address);
  if (!read_attachments (db, loaded, error))
    return NULL;
  if (loaded->raw != NULL)
    {
      g_autoptr (GError) parse_error = NULL;

      loaded->body = courriel_message_body_new_from_bytes (loaded->raw, &parse_error);
      if (loaded->body == NULL)
        loaded->body_error = g_strdup (parse_error->message);
    }
  return g_steal_pointer (&loaded);
}

/* Showing --------------------------------------------------------------------------------------- */

static void set_optional_label (GtkLabel *label, const char *value, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Shows the label with @format when @value is there, hides it otherwise. */
static void
set_optional_label (GtkLabel *label, const char *value, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  gtk_widget_set_visible (GTK_WIDGET (label), value != NULL && *value != '\0');
  if (value == NULL || *value == '\0')
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_text (label, text);
}

static void
show_headers (CourrielReader *self, Loaded *loaded)
{
  g_autofree char *from = NULL;

  gtk_label_set_text (self->subject_label, loaded->subject != NULL && *loaded->subject != '\0'
                                             ? loaded->subject : _("(No Subject)"));
  if (loaded->from_name != NULL)
    from = g_strdup_printf ("%s <%s>", loaded->from_name, loaded->from_address);
  else
    from = g_strdup (loaded->from_address != NULL ? loaded->from_address
                     : loaded->sender != NULL     ? loaded->sender : _("Unknown sender"));
  gtk_label_set_text (self->from_label, from);
  /* Translators: the recipients of a message, "To: alice@example.com, bob@example.com" */
  set_optional_label (self->to_label, loaded->to, _("To: %s"), loaded->to);
  /* Translators: the copied recipients of a message */
  set_optional_label (self->cc_label, loaded->cc, _("Cc: %s"), loaded->cc);
  if (loaded->date > 0)
    {
      g_autoptr (GTimeZone) local = g_time_zone_new_local ();
      g_autofree char *text = courriel_date_format_full (loaded->date, local);

      gtk_label_set_text (self->date_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->date_label), loaded->date > 0);
}

static void
show_verification (CourrielReader *self, Loaded *loaded)
{
  const char *checker = loaded->trusted_id != NULL ? loaded->trusted_id : _("your provider");
  g_autofree char *text = NULL;
  GtkWidget *box = GTK_WIDGET (self->verification_box);

  gtk_widget_remove_css_class (box, "success");
  gtk_widget_remove_css_class (box, "warning");
  gtk_widget_remove_css_class (box, "dim-label");
  switch (loaded->verdict)
    {
    case COURRIEL_AUTH_VERDICT_VERIFIED:
      /* Translators: the sender-verification line; the first %s is the sender's domain, the
       * second the provider that checked it: "Verified: sent from example.com (checked by example.fr)" */
      text = g_strdup_printf (_("Verified: sent from %s (checked by %s)"), loaded->verified_domain, checker);
      gtk_image_set_from_icon_name (self->verification_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (box, "success");
      break;
    case COURRIEL_AUTH_VERDICT_FAILED:
      text = g_strdup_printf (_("Warning: this message claims to come from %s, but %s found that it did not. "
                                "It may be forged."),
                              loaded->verified_domain, checker);
      gtk_image_set_from_icon_name (self->verification_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (box, "warning");
      break;
    case COURRIEL_AUTH_VERDICT_NOT_VERIFIED:
    default:
      text = g_strdup_printf (_("Sender not verified (no verification by %s)"), checker);
      /* A half shield: nothing proven either way. (Adwaita's "dialog-question" is a diamond with "?",
       * which reads as a broken character.) */
      gtk_image_set_from_icon_name (self->verification_icon, "security-medium-symbolic");
      gtk_widget_add_css_class (box, "dim-label");
      break;
    }
  gtk_label_set_text (self->verification_label, text);
}

static void show_text (CourrielReader *self, const char *text);
static void stop_text_fill (CourrielReader *self);
static void save_attachment_clicked (GtkButton *button, CourrielReader *self);
static void open_attachment_clicked (GtkButton *button, CourrielReader *self);

static GtkWidget *
attachment_button (CourrielReader *self, guint index, const char *icon, const char *tooltip, GCallback clicked)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data (G_OBJECT (button), "courriel-attachment", GUINT_TO_POINTER (index));
  g_signal_connect (button, "clicked", clicked, self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  return button;
}

static void
show_attachments (CourrielReader *self, Loaded *loaded)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_list))) != NULL)
    gtk_list_box_remove (self->attachments_list, child);
  for (guint i = 0; i < loaded->attachments->len; i++)
    {
      Attachment *a = loaded->attachments->pdata[i];
      g_autofree char *size = g_format_size ((guint64)MAX (a->size, 0));
      g_autofree char *content_type = g_content_type_from_mime_type (a->mime_type);
      g_autofree char *description = content_type != NULL && !g_content_type_is_unknown (content_type)
                                       ? g_content_type_get_description (content_type) : g_strdup (a->mime_type);
      /* Translators: an attachment's size and type: "12.3 kB — PDF document" */
      g_autofree char *subtitle = g_strdup_printf (_("%s — %s"), size, description);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), a->filename);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), attachment_button (self, i, "document-open-symbolic", _("Open"),
                                                                           G_CALLBACK (open_attachment_clicked)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), attachment_button (self, i, "document-save-symbolic",
                                                                           _("Save…"),
                                                                           G_CALLBACK (save_attachment_clicked)));
      gtk_list_box_append (self->attachments_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_list), loaded->attachments->len > 0);
}

/* The "remote-content" preference "never" turns remote content off for every message, those of
 * senders allowed "always" too (their list is kept for when it is back to "ask"), and the banner
 * never offers it. */
static gboolean
remote_content_never (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *policy = g_settings_get_string (settings, "remote-content");

  return g_str_equal (policy, "never");
}

static void
on_remote_content_blocked (CourrielReader *self)
{
  if (!remote_content_never ())
    gtk_revealer_set_reveal_child (self->remote_revealer, TRUE);
}

static void
on_html_link_activated (CourrielReader *self, const char *uri, const char *visible_text)
{
  /* Without the text (a link activated from the keyboard) the scheme is still checked. */
  courriel_reader_activate_link (self, uri, visible_text);
}

static GtkWidget *
ensure_html_view (CourrielReader *self)
{
  const CourrielReaderHtmlView *factory = get_html_view_factory ();

  if (self->html_view != NULL)
    return self->html_view;
  self->html_view = factory->create ();
  g_signal_connect_swapped (self->html_view, "remote-content-blocked", G_CALLBACK (on_remote_content_blocked), self);
  g_signal_connect_swapped (self->html_view, "link-activated", G_CALLBACK (on_html_link_activated), self);
  adw_bin_set_child (self->html_slot, self->html_view);
  return self->html_view;
}

static void
load_html (CourrielReader *self, gboolean allow_remote)
{
  const CourrielReaderHtmlView *factory = get_html_view_factory ();
  GtkWidget *view = ensure_html_view (self);

  gtk_revealer_set_reveal_child (self->remote_revealer, FALSE);
  factory->load (view, self->loaded->body->html, self->loaded->body->message, allow_remote);
}

static void
clear_html (CourrielReader *self)
{
  const CourrielReaderHtmlView *factory = get_html_view_factory ();

  if (self->html_view != NULL)
    factory->clear (self->html_view);
}

static void
show_body (CourrielReader *self, Loaded *loaded)
{
  self->waiting_for_body = FALSE;
  gtk_spinner_set_spinning (self->fetch_spinner, FALSE);
  if (loaded->raw == NULL)
    {
      self->waiting_for_body = TRUE;
      gtk_spinner_set_spinning (self->fetch_spinner, TRUE);
      gtk_stack_set_visible_child_name (self->body_stack, "fetching");
      g_signal_emit (self, signals[SIGNAL_BODY_NEEDED], 0, loaded->id);
      return;
    }
  if (loaded->body == NULL)
    {
      adw_status_page_set_title (self->body_error_page, _("This Message Cannot Be Read"));
      adw_status_page_set_description (self->body_error_page, loaded->body_error);
      gtk_stack_set_visible_child_name (self->body_stack, "failed");
      return;
    }
  if (loaded->body->html != NULL)
    {
      load_html (self, loaded->remote_allowed && !remote_content_never ());
      gtk_stack_set_visible_child_name (self->body_stack, "html");
      return;
    }
  show_text (self, loaded->body->plain != NULL ? loaded->body->plain : "");
  gtk_stack_set_visible_child_name (self->body_stack, "text");
}

static void
show_loaded (CourrielReader *self, Loaded *loaded)
{
  g_clear_pointer (&self->loaded, loaded_free);
  self->loaded = loaded;
  stop_text_fill (self);
  clear_html (self);
  gtk_revealer_set_reveal_child (self->remote_revealer, FALSE);
  show_headers (self, loaded);
  show_verification (self, loaded);
  show_attachments (self, loaded);
  gtk_stack_set_visible_child_name (self->stack, "message");
  show_body (self, loaded);
}

static void
on_message_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielReader) self = user_data;
  g_autoptr (GError) error = NULL;
  Loaded *loaded = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (loaded != NULL && loaded->id != self->message_id)
    {
      loaded_free (loaded); /* another message was asked for meanwhile */
      return;
    }
  if (loaded == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  show_loaded (self, loaded);
}

/**
 * courriel_reader_show_message:
 * @store: the store the message is in
 * @message_id: its messages.id
 *
 * Shows the message, read from @store on a reader thread. When its body is not in the store,
 * shows a spinner and emits "body-needed".
 */
void
courriel_reader_show_message (CourrielReader *self, CourrielStore *store, gint64 message_id)
{
  g_return_if_fail (COURRIEL_IS_READER (self));
  g_return_if_fail (COURRIEL_IS_STORE (store));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->store, store);
  if (self->message_id != message_id)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  self->message_id = message_id;
  self->waiting_for_body = FALSE;
  courriel_store_read_async (store, read_message, g_memdup2 (&message_id, sizeof message_id), g_free,
                             (GDestroyNotify)loaded_free, self->cancellable, on_message_read, g_object_ref (self));
}

void
courriel_reader_clear (CourrielReader *self)
{
  g_return_if_fail (COURRIEL_IS_READER (self));

  g_cancellable_cancel (self->cancellable);
  self->message_id = 0;
  self->waiting_for_body = FALSE;
  g_clear_pointer (&self->loaded, loaded_free);
  clear_html (self);
  stop_text_fill (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), "", 0);
  gtk_revealer_set_reveal_child (self->remote_revealer, FALSE);
  gtk_spinner_set_spinning (self->fetch_spinner, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

gint64
courriel_reader_get_message_id (CourrielReader *self)
{
  g_return_val_if_fail (COURRIEL_IS_READER (self), 0);
  return self->message_id;
}

/* The body on demand ---------------------------------------------------------------------------- */

/**
 * courriel_reader_body_arrived:
 *
 * The body asked for with "body-needed" is in the store now: shows it, if the message is
 * still the one shown.
 */
void
courriel_reader_body_arrived (CourrielReader *self, gint64 message_id)
{
  g_return_if_fail (COURRIEL_IS_READER (self));

  if (message_id == self->message_id && self->store != NULL)
    courriel_reader_show_message (self, self->store, message_id);
}

static gboolean
is_offline_error (const GError *error)
{
  static const int io_codes[] = {
    G_IO_ERROR_NETWORK_UNREACHABLE, G_IO_ERROR_HOST_UNREACHABLE, G_IO_ERROR_CONNECTION_REFUSED,
    G_IO_ERROR_TIMED_OUT, G_IO_ERROR_NOT_CONNECTED, G_IO_ERROR_HOST_NOT_FOUND, G_IO_ERROR_CONNECTION_CLOSED,
    G_IO_ERROR_BROKEN_PIPE,
  };

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;
  if (error->domain == COURRIEL_NET_ERROR)
    return error->code == COURRIEL_NET_ERROR_CONNECTION_FAILED || error->code == COURRIEL_NET_ERROR_TIMEOUT
           || error->code == COURRIEL_NET_ERROR_CLOSED;
  for (guint i = 0; error->domain == G_IO_ERROR && i < G_N_ELEMENTS (io_codes); i++)
    if (error->code == io_codes[i])
      return TRUE;
  return FALSE;
}

/**
 * courriel_reader_body_failed:
 * @error: why the body could not be fetched
 *
 * Offline (no network, server unreachable) shows that the message will come once online;
 * any other error is shown as it is.
 */
void
courriel_reader_body_failed (CourrielReader *self, gint64 message_id, const GError *error)
{
  g_return_if_fail (COURRIEL_IS_READER (self));
  g_return_if_fail (error != NULL);

  if (message_id != self->message_id || !self->waiting_for_body)
    return;
  gtk_spinner_set_spinning (self->fetch_spinner, FALSE);
  if (is_offline_error (error))
    {
      gtk_stack_set_visible_child_name (self->body_stack, "offline");
      return;
    }
  adw_status_page_set_title (self->body_error_page, _("The Message Could Not Be Downloaded"));
  adw_status_page_set_description (self->body_error_page, error->message);
  gtk_stack_set_visible_child_name (self->body_stack, "failed");
}

/* Plain text and links -------------------------------------------------------------------------- */

/* The plain text in a text view (a label lays a long body out at once: 30 s for a megabyte);
 * its web and mail addresses carry the link tag. Nothing is markup: "<b>" in a message is
 * shown as it is. A long text goes in by chunks, one a main-loop turn below the redraw
 * priority: the view lays out each before the next, and frames keep coming. */
#define TEXT_CHUNK 8192 /* bytes: about 25 ms of layout each */

typedef struct _TextFill
{
  char   *text;
  gsize   length;
  gsize   done;
  GArray *links;     /* CourrielLinkSpan */
  guint   next_link;
} TextFill;

static void
text_fill_free (TextFill *fill)
{
  g_free (fill->text);
  g_array_unref (fill->links);
  g_free (fill);
}

static void
stop_text_fill (CourrielReader *self)
{
  g_clear_handle_id (&self->fill_source, g_source_remove);
  g_clear_pointer (&self->fill, text_fill_free);
}

/* Adds the next chunk to the view; FALSE when the whole text is in. */
static gboolean
fill_text_chunk (CourrielReader *self)
{
  TextFill *fill = self->fill;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  gsize limit = fill->done + TEXT_CHUNK;
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  while (fill->done < fill->length && fill->done < limit)
    {
      CourrielLinkSpan *span = fill->next_link < fill->links->len
                                 ? &g_array_index (fill->links, CourrielLinkSpan, fill->next_link) : NULL;
      gsize stop = span != NULL ? span->start : fill->length;

      if (stop == fill->done && span != NULL)
        {
          gtk_text_buffer_insert_with_tags (buffer, &end, fill->text + span->start, (int)(span->end - span->start),
                                            self->link_tag, NULL);
          fill->done = span->end;
          fill->next_link++;
          continue;
        }
      if (stop > limit)
        {
          /* Cut after a line: never inside a character. */
          const char *newline = memchr (fill->text + limit, '\n', stop - limit);
          stop = newline != NULL ? (gsize)(newline + 1 - fill->text) : stop;
        }
      gtk_text_buffer_insert (buffer, &end, fill->text + fill->done, (int)(stop - fill->done));
      fill->done = stop;
    }
  return fill->done < fill->length;
}

static gboolean
on_fill_idle (gpointer user_data)
{
  CourrielReader *self = user_data;

  if (fill_text_chunk (self))
    return G_SOURCE_CONTINUE;
  self->fill_source = 0;
  g_clear_pointer (&self->fill, text_fill_free);
  return G_SOURCE_REMOVE;
}

static void
show_text (CourrielReader *self, const char *text)
{
  TextFill *fill = g_new0 (TextFill, 1);

  stop_text_fill (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), "", 0);
  fill->text = g_strdup (text);
  fill->length = strlen (text);
  fill->links = courriel_link_find_all (text);
  self->fill = fill;
  if (fill_text_chunk (self))
    self->fill_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_fill_idle, self, NULL);
  else
    g_clear_pointer (&self->fill, text_fill_free);
}

/* The link under a point of the text view, as its text; NULL when there is none. */
static char *
link_at (CourrielReader *self, double x, double y)
{
  GtkTextIter start, end;
  int buffer_x, buffer_y;

  gtk_text_view_window_to_buffer_coords (self->body_view, GTK_TEXT_WINDOW_WIDGET, (int)x, (int)y, &buffer_x,
                                         &buffer_y);
  if (!gtk_text_view_get_iter_at_location (self->body_view, &start, buffer_x, buffer_y)
      || !gtk_text_iter_has_tag (&start, self->link_tag))
    return NULL;
  end = start;
  if (!gtk_text_iter_starts_tag (&start, self->link_tag))
    gtk_text_iter_backward_to_tag_toggle (&start, self->link_tag);
  gtk_text_iter_forward_to_tag_toggle (&end, self->link_tag);
  return gtk_text_iter_get_text (&start, &end);
}

static void
on_body_released (GtkGestureClick *gesture, int n_press, double x, double y, CourrielReader *self)
{
  g_autofree char *text = NULL;
  g_autoptr (GArray) links = NULL;

  /* Selecting text across a link is not clicking it. */
  if (gtk_text_buffer_get_has_selection (gtk_text_view_get_buffer (self->body_view))
      || (text = link_at (self, x, y)) == NULL)
    return;
  links = courriel_link_find_all (text);
  if (links->len > 0)
    courriel_reader_activate_link (self, g_array_index (links, CourrielLinkSpan, 0).uri, text);
}

static void
on_body_motion (GtkEventControllerMotion *motion, double x, double y, CourrielReader *self)
{
  g_autofree char *text = link_at (self, x, y);

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->body_view), text != NULL ? "pointer" : "text");
}

static void
on_confirm_response (AdwMessageDialog *dialog, const char *response, CourrielReader *self)
{
  if (g_strcmp0 (response, "open") == 0)
    g_signal_emit (self, signals[SIGNAL_OPEN_URI], 0, g_object_get_data (G_OBJECT (dialog), "courriel-uri"));
}

/**
 * courriel_reader_activate_link:
 * @uri: where the link leads
 * @visible_text: (nullable): what the message shows for it
 *
 * Opens @uri in the browser ("open-uri"); first asks when @visible_text shows another site;
 * refuses anything but web and mail links.
 */
void
courriel_reader_activate_link (CourrielReader *self, const char *uri, const char *visible_text)
{
  g_autofree char *shown = NULL;
  g_autofree char *target = NULL;
  CourrielLinkVerdict verdict;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  g_return_if_fail (COURRIEL_IS_READER (self));

  verdict = courriel_link_check (visible_text, uri, &shown, &target);
  if (verdict == COURRIEL_LINK_OPEN)
    {
      g_signal_emit (self, signals[SIGNAL_OPEN_URI], 0, uri);
      return;
    }
  if (verdict == COURRIEL_LINK_REFUSED)
    {
      toast (self, "%s", _("Courriel does not open this kind of link"));
      return;
    }
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Open This Link?"), NULL);
  /* Translators: a phishing hint; the first %s is the site a link's text shows, the second where it leads */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The link shows “%s” but leads to “%s”. Open it only if you trust it."), shown,
                                  target != NULL ? target : uri);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "open", _("_Open Link"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "courriel-uri", g_strdup (uri), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
courriel_reader_real_open_uri (CourrielReader *self, const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

/* Remote content -------------------------------------------------------------------------------- */

static void
show_remote_once (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielReader *self = COURRIEL_READER (widget);

  if (self->loaded != NULL && self->loaded->body != NULL && self->loaded->body->html != NULL)
    load_html (self, TRUE);
}

static void
on_sender_allowed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielReader) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_remote_content_allow_finish (COURRIEL_STORE (source), result, &error))
    {
      toast (self, _("The choice could not be saved: %s"), error->message);
      return;
    }
  if (self->loaded != NULL)
    self->loaded->remote_allowed = TRUE;
  show_remote_once (GTK_WIDGET (self), NULL, NULL);
}

static void
always_remote (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CourrielReader *self = COURRIEL_READER (widget);

  if (self->loaded == NULL || self->loaded->from_address == NULL || self->store == NULL)
    return;
  courriel_remote_content_allow_async (self->store, self->loaded->from_address, NULL, on_sender_allowed,
                                       g_object_ref (self));
}

/* Attachments ----------------------------------------------------------------------------------- */

typedef struct
{
  GBytes *raw;
  char   *section;
  GFile  *file;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_bytes_unref (job->raw);
  g_free (job->section);
  g_object_unref (job->file);
  g_free (job);
}

/* On a worker thread: the message parsed again (GMime objects are not shared across threads),
 * the part decoded and written. */
static void
save_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SaveJob *job = data;
  GError *error = NULL;
  g_autoptr (CourrielMessageBody) body = courriel_message_body_new_from_bytes (job->raw, &error);
  GMimeObject *part = body != NULL ? courriel_message_find_part (body->message, job->section) : NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (part == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("This attachment has not been downloaded yet."));
      return;
    }
  bytes = courriel_message_part_get_bytes (part);
  if (!g_file_replace_contents (job->file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * courriel_reader_save_attachment_async:
 * @index: the attachment's place in the list shown
 * @file: where to write its decoded bytes (replaced when it exists)
 */
void
courriel_reader_save_attachment_async (CourrielReader *self, guint index, GFile *file, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  SaveJob *job;

  g_task_set_source_tag (task, courriel_reader_save_attachment_async);
  if (self->loaded == NULL || index >= self->loaded->attachments->len)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("This attachment is no longer shown."));
      return;
    }
  if (self->loaded->raw == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("This attachment has not been downloaded yet."));
      return;
    }
  job = g_new0 (SaveJob, 1);
  job->raw = g_bytes_ref (self->loaded->raw);
  job->section = g_strdup (((Attachment *)self->loaded->attachments->pdata[index])->section);
  job->file = g_object_ref (file);
  g_task_set_task_data (task, job, (GDestroyNotify)save_job_free);
  g_task_run_in_thread (task, save_in_thread);
}

gboolean
courriel_reader_save_attachment_finish (CourrielReader *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielReader *self = COURRIEL_READER (source);
  g_autoptr (GError) error = NULL;

  if (!courriel_reader_save_attachment_finish (self, result, &error))
    toast (self, _("The attachment could not be saved: %s"), error->message);
}

static void
on_save_response (GtkNativeDialog *chooser, int response, CourrielReader *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "courriel-attachment"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      courriel_reader_save_attachment_async (self, index, file, NULL, on_saved, NULL);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
save_attachment_clicked (GtkButton *button, CourrielReader *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "courriel-attachment"));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  if (self->loaded == NULL || index >= self->loaded->attachments->len)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Attachment"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser),
                                     ((Attachment *)self->loaded->attachments->pdata[index])->filename);
  g_object_set_data (G_OBJECT (chooser), "courriel-attachment", GUINT_TO_POINTER (index));
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_save_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielReader) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    toast (self, _("The attachment could not be opened: %s"), error->message);
}

static void
on_saved_for_opening (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielReader *self = COURRIEL_READER (source);
  g_autoptr (GFile) file = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkAppLaunchContext) context = NULL;
  g_autofree char *uri = NULL;

  if (!courriel_reader_save_attachment_finish (self, result, &error))
    {
      toast (self, _("The attachment could not be opened: %s"), error->message);
      return;
    }
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
  uri = g_file_get_uri (file);
  /* Through the OpenURI portal inside Flatpak. */
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL, on_launched,
                                           g_object_ref (self));
}

/* Opening writes the attachment to a private cache folder first, under its sanitised name. */
static void
open_attachment_clicked (GtkButton *button, CourrielReader *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "courriel-attachment"));
  g_autofree char *folder = NULL;
  g_autofree char *id = NULL;
  GFile *file;

  if (self->loaded == NULL || index >= self->loaded->attachments->len)
    return;
  id = g_strdup_printf ("%" G_GINT64_FORMAT "-%u", self->loaded->id, index);
  folder = g_build_filename (g_get_user_cache_dir (), "courriel", "attachments", id, NULL);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      toast (self, _("The attachment could not be opened: %s"), g_strerror (errno));
      return;
    }
  file = g_file_new_build_filename (folder, ((Attachment *)self->loaded->attachments->pdata[index])->filename, NULL);
  courriel_reader_save_attachment_async (self, index, file, NULL, on_saved_for_opening, file);
}

/* The widget ------------------------------------------------------------------------------------ */

static void
courriel_reader_dispose (GObject *object)
{
  CourrielReader *self = COURRIEL_READER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_text_fill (self);
  /* AdwBin holds the template's top child: it lets go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), COURRIEL_TYPE_READER);
  self->html_view = NULL;
  g_clear_pointer (&self->loaded, loaded_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (courriel_reader_parent_class)->dispose (object);
}

static void
courriel_reader_class_init (CourrielReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_reader_dispose;

  /**
   * CourrielReader::body-needed:
   * @message_id: the message whose body is not in the store
   *
   * Answer with courriel_reader_body_arrived() or courriel_reader_body_failed().
   */
  signals[SIGNAL_BODY_NEEDED] = g_signal_new ("body-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * CourrielReader::open-uri:
   * @uri: a link the user chose to open (checked, and confirmed when it needed to be)
   *
   * The default handler opens it in the default browser.
   */
  signals[SIGNAL_OPEN_URI] = g_signal_new_class_handler ("open-uri", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                         G_CALLBACK (courriel_reader_real_open_uri), NULL, NULL, NULL,
                                                         G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/courriel-reader.ui");
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, stack);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, error_page);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, subject_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, from_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, to_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, cc_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, date_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, verification_box);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, verification_icon);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, verification_label);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, remote_revealer);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, body_stack);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, body_view);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, html_slot);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, fetch_spinner);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, offline_page);
  gtk_widget_class_bind_template_child (widget_class, CourrielReader, body_error_page);

  gtk_widget_class_install_action (widget_class, "reader.show-remote-once", NULL, show_remote_once);
  gtk_widget_class_install_action (widget_class, "reader.always-remote", NULL, always_remote);

  g_mime_init ();
}

static void
courriel_reader_init (CourrielReader *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->link_tag = gtk_text_buffer_create_tag (gtk_text_view_get_buffer (self->body_view), "link", "underline",
                                               PANGO_UNDERLINE_SINGLE, "foreground", "#3584e4", NULL);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_body_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->body_view), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (motion, "motion", G_CALLBACK (on_body_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->body_view), motion);
}

GtkWidget *
courriel_reader_new (void)
{
  return g_object_new (COURRIEL_TYPE_READER, NULL);
}
