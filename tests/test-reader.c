/* test-reader.c — the reader pane over a real store file: escaped text with safe links, the
 * sender-verification line, attachments saved byte for byte under safe names, a body fetched
 * on demand or missing offline, HTML handed to the view, remote content allowed per sender
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-message-text.h"
#include "courriel-html-view.h"
#include "courriel-reader.h"
#include "courriel-store.h"
#include "courriel-stored-message.h"
#include "pointer-test-util.h"

static char *folder;
static CourrielStore *store;
static gint64 folder_id;

/* Waiting ---------------------------------------------------------------------------------------- */

/* 30 s: WebKit's web process starts slowly when the whole suite runs on two busy cores. */
static void
wait_for (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (data));
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (courriel_store_write_finish (COURRIEL_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *)user_data = TRUE;
}

static void
write_and_wait (CourrielStoreWriteFunc func, gpointer data)
{
  gboolean done = FALSE;

  courriel_store_write_async (store, func, data, NULL, NULL, on_written, &done);
  wait_for (flag_set, &done);
}

/* The store -------------------------------------------------------------------------------------- */

typedef struct
{
  GBytes *raw;
  gint64  id;
} Insert;

static gboolean
insert_message (sqlite3 *db, gpointer data, GError **error)
{
  Insert *insert = data;
  g_autoptr (CourrielMessageText) text = courriel_message_text_new_from_bytes (insert->raw, error);

  return text != NULL
         && courriel_stored_message_insert (db, folder_id, insert->raw, text, NULL, 1700000000, &insert->id, error);
}

/* A whole message in the store, as POP3 leaves it; returns its id. */
static gint64
add_message (const char *raw)
{
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));
  Insert insert = { bytes, 0 };

  write_and_wait (insert_message, &insert);
  g_assert_cmpint (insert.id, >, 0);
  return insert.id;
}

static gboolean
exec_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static void
on_account_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *)user_data = courriel_account_save_finish (result, &error);
  g_assert_no_error (error);
}

static gint64
save_account (CourrielAccount *account)
{
  gint64 id = 0;

  courriel_account_save_async (store, account, NULL, NULL, NULL, on_account_saved, &id);
  while (id == 0)
    g_main_context_iteration (NULL, TRUE);
  return id;
}

static void
setup_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new ("me@example.fr");
  gint64 account_id;

  folder = g_dir_make_tmp ("courriel-reader-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (folder, "mail.db", NULL);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);

  account->incoming.host = g_strdup ("imap.example.fr");
  account->incoming.port = 993;
  account->incoming.username = g_strdup ("me");
  account_id = save_account (account);
  sql = g_strdup_printf ("INSERT INTO folders (id, account_id, name, raw_name, role) "
                         "VALUES (1, %" G_GINT64_FORMAT ", 'Inbox', 'INBOX', 'inbox')",
                         account_id);
  write_and_wait (exec_sql, sql);
  folder_id = 1;
}

/* The reader ------------------------------------------------------------------------------------- */

static GtkWidget *
child (CourrielReader *reader, const char *name)
{
  GtkWidget *widget = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (reader), COURRIEL_TYPE_READER, name));

  g_assert_nonnull (widget);
  return widget;
}

static const char *
page (CourrielReader *reader, const char *stack)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (child (reader, stack)));
}

static const char *
label (CourrielReader *reader, const char *name)
{
  return gtk_label_get_label (GTK_LABEL (child (reader, name)));
}

/* The plain body as shown, and the parts of it that are links. */
static char *
body_text (CourrielReader *reader)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (reader, "body_view")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
}

static GStrv
linked_texts (CourrielReader *reader)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (reader, "body_view")));
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "link");
  g_autoptr (GStrvBuilder) links = g_strv_builder_new ();
  GtkTextIter start, end;

  g_assert_nonnull (tag);
  gtk_text_buffer_get_start_iter (buffer, &start);
  while (gtk_text_iter_starts_tag (&start, tag) || gtk_text_iter_forward_to_tag_toggle (&start, tag))
    {
      g_autofree char *text = NULL;

      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, tag);
      text = gtk_text_iter_get_text (&start, &end);
      g_strv_builder_add (links, text);
      start = end;
      if (!gtk_text_iter_forward_to_tag_toggle (&start, tag))
        break;
    }
  return g_strv_builder_end (links);
}

static gboolean
shows_message (gpointer reader)
{
  return g_strcmp0 (page (reader, "stack"), "message") == 0;
}

static CourrielReader *
new_reader (GtkWindow **window)
{
  CourrielReader *reader = COURRIEL_READER (courriel_reader_new ());

  *window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (*window, 700, 600);
  gtk_window_set_child (*window, GTK_WIDGET (reader));
  gtk_window_present (*window);
  return reader;
}

static void
show (CourrielReader *reader, gint64 id)
{
  courriel_reader_clear (reader);
  g_assert_cmpstr (page (reader, "stack"), ==, "empty");
  courriel_reader_show_message (reader, store, id);
  wait_for (shows_message, reader);
  g_assert_cmpint (courriel_reader_get_message_id (reader), ==, id);
}

static void
on_open_uri (CourrielReader *reader, const char *uri, char **opened)
{
  g_free (*opened);
  *opened = g_strdup (uri);
  /* No browser in a test: the default handler would start one. */
  g_signal_stop_emission_by_name (reader, "open-uri");
}

static AdwMessageDialog *
find_dialog (void)
{
  g_autoptr (GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* Plain text ------------------------------------------------------------------------------------- */

static const char plain_message[] =
  "From: Alice Martin <alice@shop.example>\r\n"
  "To: me@example.fr\r\n"
  "Cc: Bob <bob@shop.example>\r\n"
  "Subject: <i>Escaping</i> & links\r\n"
  "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Hello <b>bold</b> & co.\r\n"
  "See https://example.com/a?b=1&c=2 and www.example.org.\r\n"
  "Not a link: javascript:alert(1) nor file:///etc/passwd\r\n";

static void
test_plain_text (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  gint64 id = add_message (plain_message);
  g_autofree char *opened = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) links = NULL;
  AdwMessageDialog *dialog;

  g_signal_connect (reader, "open-uri", G_CALLBACK (on_open_uri), &opened);
  show (reader, id);

  /* Headers, as written: no markup. */
  g_assert_cmpstr (label (reader, "subject_label"), ==, "<i>Escaping</i> & links");
  g_assert_cmpstr (label (reader, "from_label"), ==, "Alice Martin <alice@shop.example>");
  g_assert_cmpstr (label (reader, "to_label"), ==, "To: me@example.fr");
  g_assert_cmpstr (label (reader, "cc_label"), ==, "Cc: Bob <bob@shop.example>");
  g_assert_true (strstr (label (reader, "date_label"), "2026") != NULL);

  /* The body: its text shown as it is, the web links clickable, nothing else. */
  g_assert_cmpstr (page (reader, "body_stack"), ==, "text");
  text = body_text (reader);
  g_assert_nonnull (strstr (text, "Hello <b>bold</b> & co.\r\nSee https://example.com/a?b=1&c=2 and www.example.org.\r\n"
                                  "Not a link: javascript:alert(1) nor file:///etc/passwd"));
  links = linked_texts (reader);
  g_assert_cmpuint (g_strv_length (links), ==, 2);
  g_assert_cmpstr (links[0], ==, "https://example.com/a?b=1&c=2");
  g_assert_cmpstr (links[1], ==, "www.example.org");

  /* A link that reads as where it leads opens without a question. */
  courriel_reader_activate_link (reader, "https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2");
  g_assert_cmpstr (opened, ==, "https://example.com/a?b=1&c=2");
  g_assert_null (find_dialog ());

  /* A link whose text shows another site asks first. */
  g_clear_pointer (&opened, g_free);
  courriel_reader_activate_link (reader, "https://mybank.example.evil.test/login", "www.mybank.example");
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "www.mybank.example"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "mybank.example.evil.test"));
  g_assert_null (opened);
  adw_message_dialog_response (dialog, "open");
  g_assert_cmpstr (opened, ==, "https://mybank.example.evil.test/login");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Cancelled, it does not open. */
  g_clear_pointer (&opened, g_free);
  courriel_reader_activate_link (reader, "https://mybank.example.evil.test/login", "www.mybank.example");
  dialog = find_dialog ();
  adw_message_dialog_response (dialog, "cancel");
  g_assert_null (opened);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* A script link never opens, nor asks. */
  courriel_reader_activate_link (reader, "javascript:alert(1)", "www.mybank.example");
  g_assert_null (opened);
  g_assert_null (find_dialog ());

  gtk_window_destroy (window);
}

#ifdef HAVE_XTEST
static gboolean
html_page_ready (gpointer data)
{
  GtkWidget *html_view = adw_bin_get_child (ADW_BIN (child (data, "html_slot")));
  GtkWidget *web_view = COURRIEL_IS_HTML_VIEW (html_view) ? adw_bin_get_child (ADW_BIN (html_view)) : NULL;

  return WEBKIT_IS_WEB_VIEW (web_view) && !webkit_web_view_is_loading (WEBKIT_WEB_VIEW (web_view))
         && gtk_widget_get_mapped (web_view);
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}
#endif

/* In HTML mail too, a link whose text shows another site than the one it leads to asks before it
 * opens: clicked with the real pointer in the real WebKit view. */
static void
test_html_look_alike_link (void)
{
#ifdef HAVE_XTEST
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  Display *display = test_pointer_display (GTK_WIDGET (reader));
  gint64 id = add_message ("From: bank@mybank.example\r\n"
                           "Subject: Your account\r\n"
                           "Content-Type: text/html\r\n"
                           "\r\n"
                           "<body style=\"margin:0\"><a href=\"https://evil.example/\" "
                           "style=\"display:block;height:200px;font-size:30px\">https://mybank.example/</a></body>\r\n");
  g_autofree char *opened = NULL;
  gboolean over_link = FALSE;
  GtkWidget *web_view;
  AdwMessageDialog *dialog;
  gint64 deadline;

  if (display == NULL)
    {
      gtk_window_destroy (window);
      return;
    }
  g_signal_connect (reader, "open-uri", G_CALLBACK (on_open_uri), &opened);
  show (reader, id);
  wait_for (html_page_ready, reader);
  web_view = adw_bin_get_child (ADW_BIN (adw_bin_get_child (ADW_BIN (child (reader, "html_slot")))));
  g_signal_connect (web_view, "mouse-target-changed", G_CALLBACK (test_pointer_track_link), &over_link);

  /* The page may still be laid out: the pointer goes over the link until WebKit sees it there. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (int step = 0; !over_link && g_get_monotonic_time () < deadline; step++)
    {
      gint64 until = g_get_monotonic_time () + 50 * 1000;

      test_pointer_move (display, web_view, 40 + step % 2, 60);
      while (!over_link && g_get_monotonic_time () < until)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
    }
  g_assert_true (over_link);
  test_pointer_click (display);
  wait_for (dialog_shown, NULL);

  dialog = find_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "mybank.example"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "evil.example"));
  g_assert_null (opened);
  adw_message_dialog_response (dialog, "cancel");
  g_assert_null (opened);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (window);
#else
  g_test_skip ("built without XTEST (libxtst-dev): no way to move the real pointer");
#endif
}

/* Sender verification ---------------------------------------------------------------------------- */

static gint64
add_authenticated (const char *auth_results)
{
  g_autofree char *raw = g_strdup_printf ("Authentication-Results: %s\r\n"
                                          "From: news@shop.example\r\n"
                                          "Subject: Offers\r\n"
                                          "\r\n"
                                          "Text.\r\n",
                                          auth_results);
  return add_message (raw);
}

static void
assert_verification (CourrielReader *reader, gint64 id, const char *expected, const char *css_class)
{
  show (reader, id);
  g_test_message ("%s", label (reader, "verification_label"));
  g_assert_true (g_str_has_prefix (label (reader, "verification_label"), expected));
  g_assert_true (gtk_widget_has_css_class (child (reader, "verification_box"), css_class));
}

static void
test_verification (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  gint64 trusted_pass = add_authenticated ("mx2.example.fr; dkim=pass header.d=shop.example");
  gint64 untrusted_pass = add_authenticated ("mx.google.com; dkim=pass header.d=shop.example; "
                                             "dmarc=pass header.from=shop.example");
  gint64 trusted_fail = add_authenticated ("mx2.example.fr; dkim=fail header.d=shop.example; "
                                           "dmarc=fail header.from=shop.example");
  g_autoptr (CourrielAccount) account = courriel_account_new ("me@example.fr");

  /* The account's IMAP server is imap.example.fr: mx2.example.fr is its provider. */
  assert_verification (reader, trusted_pass, "Verified: sent from shop.example (checked by example.fr)", "success");
  assert_verification (reader, untrusted_pass, "Sender not verified (no verification by example.fr)", "dim-label");
  assert_verification (reader, trusted_fail, "Warning: this message claims to come from shop.example", "warning");
  g_assert_nonnull (strstr (label (reader, "verification_label"), "example.fr found that it did not"));

  /* Trusting google.com instead, as the user may set it per account. */
  account->incoming.host = g_strdup ("imap.example.fr");
  account->incoming.port = 993;
  account->incoming.username = g_strdup ("me");
  courriel_account_set_authserv_id (account, "google.com");
  save_account (account);
  assert_verification (reader, untrusted_pass, "Verified: sent from shop.example (checked by google.com)", "success");
  assert_verification (reader, trusted_pass, "Sender not verified (no verification by google.com)", "dim-label");
  courriel_account_set_authserv_id (account, NULL);
  save_account (account);
  assert_verification (reader, trusted_pass, "Verified", "success");

  gtk_window_destroy (window);
}

/* Attachments ------------------------------------------------------------------------------------ */

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  courriel_reader_save_attachment_finish (COURRIEL_READER (source), result, error);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "saved"); /* a marker: done, no error */
}

static gboolean
error_set (gpointer data)
{
  return *(GError **)data != NULL;
}

static void
test_attachments (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  guchar binary[3000];
  g_autofree char *encoded = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *saved_path = g_build_filename (folder, "saved.bin", NULL);
  g_autoptr (GFile) saved = g_file_new_for_path (saved_path);
  g_autofree char *contents = NULL;
  g_autofree char *size = NULL;
  GError *error = NULL;
  gsize length;
  GtkWidget *list, *row;
  gint64 id;

  for (guint i = 0; i < sizeof binary; i++)
    binary[i] = (guchar)(i * 7 + i / 256);
  encoded = g_base64_encode (binary, sizeof binary);
  raw = g_strdup_printf ("From: alice@shop.example\r\n"
                         "Subject: Files\r\n"
                         "MIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
                         "\r\n"
                         "--b\r\n"
                         "Content-Type: text/plain\r\n"
                         "\r\n"
                         "Two files.\r\n"
                         "--b\r\n"
                         "Content-Type: application/octet-stream\r\n"
                         "Content-Disposition: attachment; filename=\"../../.bashrc\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n"
                         "\r\n"
                         "%s\r\n"
                         "--b\r\n"
                         "Content-Type: application/pdf; name=\"report\xe2\x80\xae" "fdp.exe\"\r\n"
                         "Content-Disposition: attachment\r\n"
                         "\r\n"
                         "%%PDF-1.4 not really\r\n"
                         "--b--\r\n",
                         encoded);
  id = add_message (raw);
  show (reader, id);

  list = child (reader, "attachments_list");
  g_assert_true (gtk_widget_get_visible (list));
  row = gtk_widget_get_first_child (list);
  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "bashrc");
  size = g_format_size (sizeof binary);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), size));
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "application/octet-stream"));
  row = gtk_widget_get_next_sibling (row);
  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "report_fdp.exe");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "PDF"));
  g_assert_null (gtk_widget_get_next_sibling (row));

  /* Save writes exactly the decoded bytes. */
  courriel_reader_save_attachment_async (reader, 0, saved, NULL, on_saved, &error);
  wait_for (error_set, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (saved_path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, binary, sizeof binary);

  /* An attachment that is not in the list is an error, not a crash. */
  courriel_reader_save_attachment_async (reader, 7, saved, NULL, on_saved, &error);
  wait_for (error_set, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  gtk_window_destroy (window);
}

/* A body fetched on demand ----------------------------------------------------------------------- */

static void
on_body_needed (CourrielReader *reader, gint64 id, gint64 *asked)
{
  *asked = id;
}

static gboolean
insert_body (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT INTO bodies (message_id, raw, fetched) VALUES (?1, ?2, 0)", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, ((Insert *)data)->id);
      sqlite3_bind_blob (stmt, 2, g_bytes_get_data (((Insert *)data)->raw, NULL),
                         (int)g_bytes_get_size (((Insert *)data)->raw), SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
test_missing_body (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  g_autofree char *text = NULL;
  g_autoptr (GError) offline = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "Network unreachable");
  g_autoptr (GError) refused = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                    "The server refused: mailbox locked");
  g_autoptr (GBytes) body = g_bytes_new_static (plain_message, strlen (plain_message));
  gint64 asked = 0;
  Insert insert = { body, 0 };

  write_and_wait (exec_sql, "INSERT INTO messages (id, folder_id, uid, subject, sender) "
                            "VALUES (500, 1, 42, 'Not here yet', 'alice@shop.example')");
  g_signal_connect (reader, "body-needed", G_CALLBACK (on_body_needed), &asked);
  show (reader, 500);

  /* Headers at once, a spinner for the body, and the question to whoever can fetch it. */
  g_assert_cmpstr (label (reader, "subject_label"), ==, "Not here yet");
  g_assert_cmpstr (page (reader, "body_stack"), ==, "fetching");
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (child (reader, "fetch_spinner"))));
  g_assert_cmpint (asked, ==, 500);

  /* An answer about another message changes nothing. */
  courriel_reader_body_failed (reader, 501, offline);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "fetching");

  /* Offline: the placeholder says what will happen. */
  courriel_reader_body_failed (reader, 500, offline);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "offline");
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (child (reader, "fetch_spinner"))));
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (child (reader, "offline_page"))), ==,
                   "This message has not been downloaded yet. It will be shown when Courriel is back online.");

  /* Another failure is shown as it is. */
  asked = 0;
  show (reader, 500);
  g_assert_cmpint (asked, ==, 500);
  courriel_reader_body_failed (reader, 500, refused);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "failed");
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (child (reader, "body_error_page"))), ==,
                   "The server refused: mailbox locked");

  /* Back online: the body arrives and shows. */
  show (reader, 500);
  insert.id = 500;
  write_and_wait (insert_body, &insert);
  courriel_reader_body_arrived (reader, 500);
  while (g_strcmp0 (page (reader, "body_stack"), "text") != 0)
    g_main_context_iteration (NULL, TRUE);
  g_free (text);
  text = body_text (reader);
  g_assert_nonnull (strstr (text, "Hello <b>bold</b>"));

  gtk_window_destroy (window);
}

/* HTML and remote content ------------------------------------------------------------------------ */

/* What the reader hands to its HTML view, recorded by a view of the test's own with the real
 * view's signals. */
typedef struct
{
  guint         loads;
  char         *html;
  GMimeMessage *message;
  gboolean      allow_remote;
} Loads;

static Loads loads;

#define TEST_TYPE_HTML_VIEW (test_html_view_get_type ())
G_DECLARE_FINAL_TYPE (TestHtmlView, test_html_view, TEST, HTML_VIEW, GtkWidget)

struct _TestHtmlView
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (TestHtmlView, test_html_view, GTK_TYPE_WIDGET)

static void
test_html_view_class_init (TestHtmlViewClass *klass)
{
  g_signal_new ("remote-content-blocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
  g_signal_new ("link-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                G_TYPE_STRING, G_TYPE_STRING);
}

static void
test_html_view_init (TestHtmlView *self)
{
}

static GtkWidget *
html_view_create (void)
{
  return g_object_new (TEST_TYPE_HTML_VIEW, NULL);
}

static void
html_view_load (GtkWidget *view, const char *html, GMimeMessage *message, gboolean allow_remote)
{
  loads.loads++;
  g_free (loads.html);
  loads.html = g_strdup (html);
  g_set_object (&loads.message, message);
  loads.allow_remote = allow_remote;
}

static void
html_view_clear (GtkWidget *view)
{
}

static const CourrielReaderHtmlView test_html_view = { html_view_create, html_view_load, html_view_clear };

static const char html_message[] =
  "From: News <news@shop.example>\r\n"
  "Subject: Our offers\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
  "\r\n"
  "--b\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "Plain offers.\r\n"
  "--b\r\n"
  "Content-Type: text/html; charset=utf-8\r\n"
  "\r\n"
  "<p>Offers <img src=\"https://tracker.example/pixel.gif\"></p>\r\n"
  "--b--\r\n";

static gboolean
loaded_remote (gpointer data)
{
  return loads.allow_remote;
}

static void
test_html_and_remote_content (void)
{
  GtkWindow *window;
  CourrielReader *reader;
  GtkRevealer *banner;
  gint64 first = add_message (html_message);
  gint64 second = add_message (html_message);
  g_autofree char *forged_raw = g_strconcat ("Authentication-Results: mx.example.fr; dmarc=fail header.from=shop.example\r\n",
                                             html_message, NULL);
  gint64 forged = add_message (forged_raw);
  g_autofree char *opened = NULL;
  GtkWidget *view;

  courriel_reader_set_html_view_factory (&test_html_view);
  reader = new_reader (&window);
  g_signal_connect (reader, "open-uri", G_CALLBACK (on_open_uri), &opened);
  banner = GTK_REVEALER (child (reader, "remote_revealer"));

  /* The HTML part goes to the view in the html_slot, with its message; remote content off. */
  show (reader, first);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "html");
  view = adw_bin_get_child (ADW_BIN (child (reader, "html_slot")));
  g_assert_true (TEST_IS_HTML_VIEW (view));
  g_assert_cmpuint (loads.loads, ==, 1);
  g_assert_cmpstr (loads.html, ==, "<p>Offers <img src=\"https://tracker.example/pixel.gif\"></p>");
  g_assert_nonnull (loads.message);
  g_assert_cmpstr (g_mime_message_get_subject (loads.message), ==, "Our offers");
  g_assert_false (loads.allow_remote);
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  /* The view blocked an image: the banner. "Show Once" loads it again with remote content. */
  g_signal_emit_by_name (view, "remote-content-blocked");
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  gtk_widget_activate_action (GTK_WIDGET (reader), "reader.show-remote-once", NULL);
  g_assert_cmpuint (loads.loads, ==, 2);
  g_assert_true (loads.allow_remote);
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  /* Once was once: the next message from the sender is blocked again. */
  show (reader, second);
  g_assert_false (loads.allow_remote);

  /* "Always for This Sender" is stored, and holds for a new reader. */
  g_signal_emit_by_name (view, "remote-content-blocked");
  gtk_widget_activate_action (GTK_WIDGET (reader), "reader.always-remote", NULL);
  wait_for (loaded_remote, NULL);
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  gtk_window_destroy (window);

  reader = new_reader (&window);
  loads.allow_remote = FALSE;
  show (reader, first);
  g_assert_true (loads.allow_remote);

  /* The preference "never" blocks it even for that sender, and the banner does not offer it. */
  {
    g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);

    banner = GTK_REVEALER (child (reader, "remote_revealer"));
    g_settings_set_string (settings, "remote-content", "never");
    show (reader, first);
    g_assert_false (loads.allow_remote);
    view = adw_bin_get_child (ADW_BIN (child (reader, "html_slot")));
    g_signal_emit_by_name (view, "remote-content-blocked");
    g_assert_false (gtk_revealer_get_reveal_child (banner));
    g_settings_reset (settings, "remote-content");
    show (reader, second);
    g_assert_true (loads.allow_remote);
  }

  /* Not for a message the provider found forged in the sender's name. */
  show (reader, forged);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "html");
  g_assert_false (loads.allow_remote);

  /* Links from the view: web links open, scripts do not. */
  g_signal_connect (reader, "open-uri", G_CALLBACK (on_open_uri), &opened);
  view = adw_bin_get_child (ADW_BIN (child (reader, "html_slot")));
  g_signal_emit_by_name (view, "link-activated", "javascript:alert(1)", "Offers");
  g_assert_null (opened);
  g_signal_emit_by_name (view, "link-activated", "https://shop.example/offers", NULL);
  g_assert_cmpstr (opened, ==, "https://shop.example/offers");
  g_clear_pointer (&opened, g_free);
  g_signal_emit_by_name (view, "link-activated", "https://shop.example/offers", "Our offers");
  g_assert_cmpstr (opened, ==, "https://shop.example/offers");
  g_assert_null (find_dialog ());

  /* A link whose visible text shows another site asks first, in HTML as in plain text. */
  g_clear_pointer (&opened, g_free);
  g_signal_emit_by_name (view, "link-activated", "https://evil.example/", "https://mybank.example/");
  g_assert_null (opened);
  {
    AdwMessageDialog *dialog = find_dialog ();

    g_assert_nonnull (dialog);
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "mybank.example"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "evil.example"));
    adw_message_dialog_response (dialog, "cancel");
    g_assert_null (opened);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  gtk_window_destroy (window);

  courriel_reader_set_html_view_factory (NULL);
  g_clear_pointer (&loads.html, g_free);
  g_clear_object (&loads.message);
}

/* By default the reader's HTML view is the real one, closed to the network. */
static void
test_real_html_view (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  gint64 html_only = add_message ("From: news@shop.example\r\n"
                                  "Subject: Only HTML\r\n"
                                  "Content-Type: text/html\r\n"
                                  "\r\n"
                                  "<p>Hi</p>\r\n");

  show (reader, html_only);
  g_assert_cmpstr (page (reader, "body_stack"), ==, "html");
  g_assert_true (COURRIEL_IS_HTML_VIEW (adw_bin_get_child (ADW_BIN (child (reader, "html_slot")))));
  gtk_window_destroy (window);
}

static gboolean
text_complete (gpointer reader)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (reader, "body_view")));

  return gtk_text_buffer_get_char_count (buffer) >= GPOINTER_TO_INT (g_object_get_data (reader, "test-chars"));
}

/* A long text goes into the view a part at a time, the window drawing in between; it ends up
 * whole, its links on every line. */
static void
test_long_text (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);
  GString *raw = g_string_new ("From: a@shop.example\r\nSubject: Long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  GString *body = g_string_new (NULL);
  GtkTextBuffer *buffer;
  g_autofree char *text = NULL;
  g_auto (GStrv) links = NULL;
  guint lines = 0;

  for (lines = 1; body->len < 300000; lines++)
    g_string_append_printf (body, "Ligne n° %u, with a link https://example.com/%u & <b>é</b>.\r\n", lines, lines);
  lines--;
  g_string_append (raw, body->str);
  g_object_set_data (G_OBJECT (reader), "test-chars", GINT_TO_POINTER (g_utf8_strlen (body->str, -1)));
  show (reader, add_message (raw->str));

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (reader, "body_view")));
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), >, 0);
  g_assert_false (text_complete (reader));
  wait_for (text_complete, reader);

  text = body_text (reader);
  /* Compared by length and bytes: a mismatch printed whole would be 300 kB. */
  g_assert_cmpuint (strlen (text), ==, body->len);
  g_assert_true (memcmp (text, body->str, body->len) == 0);
  links = linked_texts (reader);
  g_assert_cmpuint (g_strv_length (links), ==, lines);
  g_free (text);
  text = g_strdup_printf ("https://example.com/%u", lines);
  g_assert_cmpstr (links[lines - 1], ==, text);

  g_string_free (raw, TRUE);
  g_string_free (body, TRUE);
  gtk_window_destroy (window);
}

/* A message gone from the store, and one whose id never existed, say so. */
static void
test_missing_message (void)
{
  GtkWindow *window;
  CourrielReader *reader = new_reader (&window);

  courriel_reader_show_message (reader, store, 999999);
  while (g_strcmp0 (page (reader, "stack"), "error") != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (child (reader, "error_page"))), ==,
                   "This message is no longer in the mailbox.");
  gtk_window_destroy (window);
}

static void
remove_folder (void)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_unlink (path);
    }
  g_rmdir (folder);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  adw_init ();
  setup_store ();

  g_test_add_func ("/reader/plain-text", test_plain_text);
  g_test_add_func ("/reader/verification", test_verification);
  g_test_add_func ("/reader/attachments", test_attachments);
  g_test_add_func ("/reader/missing-body", test_missing_body);
  g_test_add_func ("/reader/html-and-remote-content", test_html_and_remote_content);
  g_test_add_func ("/reader/real-html-view", test_real_html_view);
  g_test_add_func ("/reader/html-look-alike-link", test_html_look_alike_link);
  g_test_add_func ("/reader/missing-message", test_missing_message);
  g_test_add_func ("/reader/long-text", test_long_text);

  status = g_test_run ();
  courriel_store_close (store);
  g_clear_object (&store);
  remove_folder ();
  return status;
}
