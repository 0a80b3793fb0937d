/* test-composer.c — the composer over a real store file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Filled from mailto: links; Send puts the message (headers, attachment bytes) in the Outbox
 * only after the undo delay; Undo leaves nothing queued; drafts replace each other; the
 * attachment warning; completion from seen addresses; replies and forwards.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-mailto.h"
#include "courriel-message-text.h"
#include "courriel-outbox.h"
#include "courriel-store.h"
#include "courriel-stored-message.h"

static char *folder;
static char *app_folder;
static CourrielStore *store;
static GtkApplication *app;
static gint64 account_1;
static gint64 account_2;

/* Waiting ---------------------------------------------------------------------------------------- */

static void
wait_for (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (data));
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

static gboolean
id_set (gpointer data)
{
  return *(gint64 *)data != 0;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *)data == NULL;
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

/* The store -------------------------------------------------------------------------------------- */

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (courriel_store_write_finish (COURRIEL_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *)user_data = TRUE;
}

static gboolean
exec_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static void
write_and_wait (CourrielStoreWriteFunc func, gpointer data)
{
  gboolean done = FALSE;

  courriel_store_write_async (store, func, data, NULL, NULL, on_written, &done);
  wait_for (flag_set, &done);
}

static gpointer
read_int (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *value = g_new0 (gint64, 1);
  int rc = sqlite3_prepare_v2 (db, data, -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&value, g_free);
  return value;
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static gint64
query (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree gint64 *value = NULL;

  courriel_store_read_async (store, read_int, g_strdup (sql), g_free, g_free, NULL, got_result, &result);
  wait_for (result_set, &result);
  value = courriel_store_read_finish (store, result, &error);
  g_assert_no_error (error);
  return *value;
}

static gint64
count_drafts (void)
{
  return query ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.role = 'drafts'");
}

static GPtrArray *
list_outbox (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *items;

  courriel_outbox_list_async (store, 0, NULL, got_result, &result);
  wait_for (result_set, &result);
  items = courriel_outbox_list_finish (store, result, &error);
  g_assert_no_error (error);
  return items;
}

static void
on_account_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *)user_data = courriel_account_save_finish (result, &error);
  g_assert_no_error (error);
}

static gint64
save_account (const char *address, const char *name)
{
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  gint64 id = 0;

  g_free (account->display_name);
  account->display_name = g_strdup (name);
  account->protocol = COURRIEL_PROTOCOL_POP3;
  account->incoming.host = g_strdup ("pop.example.fr");
  account->incoming.port = 995;
  account->incoming.username = g_strdup (address);
  courriel_account_save_async (store, account, NULL, NULL, NULL, on_account_saved, &id);
  wait_for (id_set, &id);
  return id;
}

static const char *original_message =
  "From: Bob Martin <bob@example.org>\r\n"
  "To: Me <me@example.fr>, Carol <carol@example.net>\r\n"
  "Subject: Lunch\r\n"
  "Message-ID: <lunch-1@example.org>\r\n"
  "Date: Mon, 30 Nov 2026 12:00:00 +0100\r\n"
  "\r\n"
  "Shall we have lunch on Friday?\r\n";

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

  return text != NULL && courriel_stored_message_insert (db, 1, insert->raw, text, NULL, 1700000000, &insert->id, error);
}

static gint64 original_id;

static void
setup_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (GBytes) raw = g_bytes_new_static (original_message, strlen (original_message));
  Insert insert = { raw, 0 };

  folder = g_dir_make_tmp ("courriel-composer-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (folder, "courriel.db", NULL);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);

  account_1 = save_account ("me@example.fr", "Me");
  account_2 = save_account ("other@example.fr", "Other Me");
  sql = g_strdup_printf ("INSERT INTO folders (id, account_id, name, raw_name, role) VALUES "
                         "(1, %" G_GINT64_FORMAT ", 'Inbox', 'INBOX', 'inbox');"
                         "INSERT INTO messages (folder_id, date, sender, recipients_to) VALUES "
                         " (1, 100, 'Émilie Durand <emilie@example.fr>', 'me@example.fr'),"
                         " (1, 200, 'Émilie Durand <emilie@example.fr>', 'me@example.fr'),"
                         " (1, 300, 'Émile Zola <emile@example.fr>', 'me@example.fr');",
                         account_1);
  write_and_wait (exec_sql, sql);
  write_and_wait (insert_message, &insert);
  original_id = insert.id;
}

static void
remove_folder (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      if (g_file_test (file, G_FILE_TEST_IS_DIR))
        remove_folder (file);
      else
        g_unlink (file);
    }
  g_rmdir (path);
}

/* The composer ----------------------------------------------------------------------------------- */

static gpointer
child (CourrielComposer *composer, const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, name);

  g_assert_nonnull (object);
  return object;
}

static const char *
entry_text (CourrielComposer *composer, const char *name)
{
  return gtk_editable_get_text (GTK_EDITABLE (child (composer, name)));
}

static void
set_entry (CourrielComposer *composer, const char *name, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (child (composer, name)), text);
}

static char *
body_text (CourrielComposer *composer)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (composer, "text_view")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
type_text (CourrielComposer *composer, const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (composer, "text_view")));
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, text, -1);
}

static gboolean
accounts_loaded (gpointer composer)
{
  return g_list_model_get_n_items (G_LIST_MODEL (child (composer, "from_list"))) == 2;
}

static CourrielComposer *
new_composer (gint64 account_id)
{
  CourrielComposer *composer = courriel_composer_new (app, store, account_id);

  gtk_window_present (GTK_WINDOW (composer));
  wait_for (accounts_loaded, composer);
  return composer;
}

static void
on_id (CourrielComposer *composer, gint64 id, gpointer user_data)
{
  *(gint64 *)user_data = id;
}

static gboolean
visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

static void
test_mailto (void)
{
  g_autoptr (GError) error = NULL;
  CourrielComposer *composer = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GFile) file = g_file_new_for_uri ("mailto:joe@example.com?subject=Depuis%20la%20ligne%20de%20commande");
  GtkWindow *opened = NULL;

  composer = courriel_composer_new_from_mailto (app, store,
                                                "mailto:a@example.org,b@example.org?cc=c@example.org&bcc=d@example.org"
                                                "&subject=Caf%C3%A9&body=Bonjour%0D%0A%C3%A0%20vous"
                                                "&from=forged@example.org",
                                                &error);
  g_assert_no_error (error);
  wait_for (accounts_loaded, composer);
  g_assert_cmpstr (entry_text (composer, "to_entry"), ==, "a@example.org, b@example.org");
  g_assert_cmpstr (entry_text (composer, "cc_entry"), ==, "c@example.org");
  g_assert_cmpstr (entry_text (composer, "bcc_entry"), ==, "d@example.org");
  g_assert_cmpstr (entry_text (composer, "subject_entry"), ==, "Café");
  text = body_text (composer);
  g_assert_cmpstr (text, ==, "Bonjour\nà vous");
  /* The From is one of the accounts, never the link's. */
  g_assert_cmpuint (gtk_drop_down_get_selected (child (composer, "from_dropdown")), ==, 0);
  gtk_window_destroy (GTK_WINDOW (composer));

  g_assert_null (courriel_composer_new_from_mailto (app, store, "mailto:a@example.org?subject=%", &error));
  g_assert_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID);

  /* `courriel mailto:…`: the application opens a composer filled from the link. */
  g_application_open (G_APPLICATION (app), &file, 1, "");
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (COURRIEL_IS_COMPOSER (l->data))
      opened = l->data;
  g_assert_nonnull (opened);
  g_assert_cmpstr (entry_text (COURRIEL_COMPOSER (opened), "to_entry"), ==, "joe@example.com");
  g_assert_cmpstr (entry_text (COURRIEL_COMPOSER (opened), "subject_entry"), ==, "Depuis la ligne de commande");
  gtk_window_destroy (opened);

  /* app.compose (Ctrl+N): an empty composer. */
  opened = NULL;
  g_action_group_activate_action (G_ACTION_GROUP (app), "compose", NULL);
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (COURRIEL_IS_COMPOSER (l->data))
      opened = l->data;
  g_assert_nonnull (opened);
  g_assert_cmpstr (entry_text (COURRIEL_COMPOSER (opened), "to_entry"), ==, "");
  gtk_window_destroy (opened);
}

static const guint8 attachment_bytes[] = { 0x89, 'P', 'N', 'G', 0, 1, 2, 3, 0xff, 0xfe, '\r', '\n', 0, 'x' };

static void
test_send (void)
{
  g_autoptr (GError) error = NULL;
  CourrielComposer *composer = new_composer (account_2);
  gpointer alive = composer;
  g_autofree char *path = g_build_filename (folder, "photo.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GPtrArray) before = list_outbox ();
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (CourrielMessageText) text = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  GMimePartIter *iter;
  CourrielOutboxItem *item = NULL;
  gboolean found = FALSE;
  gint64 queued = 0;

  g_assert_true (g_file_set_contents (path, (const char *)attachment_bytes, sizeof attachment_bytes, &error));
  courriel_composer_set_delays (composer, 400, 60000);
  g_signal_connect (composer, "queued", G_CALLBACK (on_id), &queued);
  /* Two accounts: the identity can be chosen, and the one asked for is chosen. */
  g_assert_true (gtk_widget_get_sensitive (child (composer, "from_dropdown")));
  g_assert_cmpuint (gtk_drop_down_get_selected (child (composer, "from_dropdown")), ==, 1);

  set_entry (composer, "to_entry", "Émilie Durand <emilie@example.fr>, bob@example.org");
  set_entry (composer, "bcc_entry", "secret@example.net");
  set_entry (composer, "subject_entry", "Les photos");
  type_text (composer, "Bonjour,\nvoici la pièce jointe promise.\n");
  g_assert_true (gtk_widget_get_visible (child (composer, "attachment_warning")));

  courriel_composer_attach_file (composer, file);
  wait_for (visible, child (composer, "attachments_list"));
  g_assert_false (gtk_widget_get_visible (child (composer, "attachment_warning")));
  /* The account's server announced no SIZE: no size warning (see test-composer-size). */
  g_assert_false (gtk_widget_get_visible (child (composer, "size_warning")));

  /* A broken address is refused with a message, nothing is queued. */
  set_entry (composer, "cc_entry", "not an address");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  g_assert_true (gtk_widget_get_visible (child (composer, "error_label")));
  g_assert_true (gtk_widget_get_sensitive (child (composer, "form")));
  set_entry (composer, "cc_entry", "");

  g_object_add_weak_pointer (G_OBJECT (composer), &alive);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  g_assert_false (gtk_widget_get_sensitive (child (composer, "form")));
  /* During the undo delay, nothing is in the Outbox. */
  spin (150);
  after = list_outbox ();
  g_assert_cmpuint (after->len, ==, before->len);
  g_clear_pointer (&after, g_ptr_array_unref);

  wait_for (id_set, &queued);
  wait_for (pointer_cleared, &alive);
  after = list_outbox ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len; i++)
    if (((CourrielOutboxItem *)after->pdata[i])->id == queued)
      item = after->pdata[i];
  g_assert_nonnull (item);
  g_assert_cmpint (item->account_id, ==, account_2);
  g_assert_cmpstr (item->sender, ==, "other@example.fr");
  g_assert_true (g_strv_contains ((const char * const *)item->recipients, "emilie@example.fr"));
  g_assert_true (g_strv_contains ((const char * const *)item->recipients, "bob@example.org"));
  g_assert_true (g_strv_contains ((const char * const *)item->recipients, "secret@example.net"));

  text = courriel_message_text_new_from_bytes (item->raw, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text->subject, ==, "Les photos");
  g_assert_nonnull (strstr (text->from, "other@example.fr"));
  g_assert_nonnull (strstr (text->to, "Émilie Durand <emilie@example.fr>"));
  g_assert_null (strstr (g_bytes_get_data (item->raw, NULL), "secret@example.net"));
  g_assert_nonnull (strstr (text->text, "voici la pièce jointe promise."));

  /* The attachment, byte for byte. */
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (item->raw, NULL), g_bytes_get_size (item->raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);
  iter = g_mime_part_iter_new (message->mime_part);
  do
    {
      GMimeObject *part = g_mime_part_iter_get_current (iter);

      if (GMIME_IS_PART (part) && g_strcmp0 (g_mime_part_get_filename (GMIME_PART (part)), "photo.png") == 0)
        {
          g_autoptr (GMimeStream) out = g_mime_stream_mem_new ();
          GByteArray *bytes;

          g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), out);
          bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
          g_assert_cmpmem (bytes->data, bytes->len, attachment_bytes, sizeof attachment_bytes);
          found = TRUE;
        }
    }
  while (g_mime_part_iter_next (iter));
  g_mime_part_iter_free (iter);
  g_assert_true (found);
}

static void
test_undo (void)
{
  CourrielComposer *composer = new_composer (0);
  g_autoptr (GPtrArray) before = list_outbox ();
  g_autoptr (GPtrArray) after = NULL;
  gint64 queued = 0;

  courriel_composer_set_delays (composer, 300, 60000);
  g_signal_connect (composer, "queued", G_CALLBACK (on_id), &queued);
  set_entry (composer, "to_entry", "bob@example.org");
  set_entry (composer, "subject_entry", "Oops");
  type_text (composer, "Not for you.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  g_assert_false (gtk_widget_get_sensitive (child (composer, "form")));
  spin (100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.undo", NULL));
  /* Well past the delay: still nothing queued, and the message can be edited again. */
  spin (900);
  after = list_outbox ();
  g_assert_cmpuint (after->len, ==, before->len);
  g_assert_cmpint (queued, ==, 0);
  g_assert_true (gtk_widget_get_sensitive (child (composer, "form")));
  gtk_window_destroy (GTK_WINDOW (composer));
}

/* A composer whose @signal ("queued", "draft-saved") sets @id, and @alive cleared when it goes. */
static CourrielComposer *
watched_composer (guint undo_ms, guint draft_ms, const char *signal, gint64 *id, gpointer *alive)
{
  CourrielComposer *composer = new_composer (0);

  courriel_composer_set_delays (composer, undo_ms, draft_ms);
  g_signal_connect (composer, signal, G_CALLBACK (on_id), id);
  *alive = composer;
  g_object_add_weak_pointer (G_OBJECT (composer), alive);
  return composer;
}

/* Closed while Undo is offered: sent at once, as the user asked, not lost nor kept waiting. */
static void
test_close_sends_now (void)
{
  gpointer alive = NULL;
  gint64 queued = 0;
  CourrielComposer *composer = watched_composer (60000, 60000, "queued", &queued, &alive);

  set_entry (composer, "to_entry", "bob@example.org");
  set_entry (composer, "subject_entry", "Vite");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  gtk_window_close (GTK_WINDOW (composer));
  wait_for (id_set, &queued);
  wait_for (pointer_cleared, &alive);
  g_assert_cmpint (count_drafts (), ==, 0);
}

/* Send, Undo, Send again: the second send goes out and the window closes cleanly (libadwaita 1.2
 * crashed unmapping a window whose toasts were still animating). */
static void
test_send_after_undo (void)
{
  gpointer alive = NULL;
  gint64 queued = 0;
  CourrielComposer *composer = watched_composer (400, 60000, "queued", &queued, &alive);

  set_entry (composer, "to_entry", "bob@example.org");
  set_entry (composer, "subject_entry", "Second thoughts");
  type_text (composer, "Finally, yes.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  spin (5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.undo", NULL));
  spin (1000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wait_for (id_set, &queued);
  wait_for (pointer_cleared, &alive);
  g_assert_cmpint (queued, >, 0);
}

static void
test_drafts (void)
{
  CourrielComposer *composer = new_composer (0);
  gpointer alive = composer;
  gint64 saved = 0;
  gint64 first;
  gint64 queued = 0;
  g_autofree char *sql = NULL;

  g_assert_cmpint (count_drafts (), ==, 0);
  courriel_composer_set_delays (composer, 100, 200);
  g_signal_connect (composer, "draft-saved", G_CALLBACK (on_id), &saved);
  set_entry (composer, "to_entry", "emilie@example.fr");
  set_entry (composer, "subject_entry", "Brouillon");
  type_text (composer, "Premier jet.");
  wait_for (id_set, &saved);
  first = saved;
  g_assert_cmpint (count_drafts (), ==, 1);
  g_assert_cmpstr (gtk_label_get_label (child (composer, "draft_label")), !=, "");

  /* Edited again: the new draft replaces the first, never a second copy. */
  saved = 0;
  type_text (composer, " Second jet.");
  wait_for (id_set, &saved);
  g_assert_cmpint (saved, !=, first);
  g_assert_cmpint (count_drafts (), ==, 1);
  sql = g_strdup_printf ("SELECT count (*) FROM messages WHERE id = %" G_GINT64_FORMAT " AND subject = 'Brouillon'",
                         saved);
  g_assert_cmpint (query (sql), ==, 1);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count (*) FROM messages WHERE id = %" G_GINT64_FORMAT, first);
  g_assert_cmpint (query (sql), ==, 0);

  /* Sent: the draft goes. */
  g_signal_connect (composer, "queued", G_CALLBACK (on_id), &queued);
  g_object_add_weak_pointer (G_OBJECT (composer), &alive);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wait_for (id_set, &queued);
  wait_for (pointer_cleared, &alive);
  spin (200);
  g_assert_cmpint (count_drafts (), ==, 0);
}

static void
test_draft_on_close (void)
{
  gpointer alive = NULL;
  gint64 saved = 0;
  CourrielComposer *composer = watched_composer (100, 60000, "draft-saved", &saved, &alive);

  set_entry (composer, "subject_entry", "Fermé trop tôt");
  gtk_window_close (GTK_WINDOW (composer));
  /* Saved before the window goes, although the draft delay is far off. */
  wait_for (pointer_cleared, &alive);
  g_assert_cmpint (saved, >, 0);
  g_assert_cmpint (count_drafts (), ==, 1);
  g_assert_cmpint (query ("SELECT count (*) FROM messages WHERE subject = 'Fermé trop tôt'"), ==, 1);
}

static gboolean
has_completion (gpointer composer)
{
  GtkEntryCompletion *completion = gtk_entry_get_completion (child (composer, "cc_entry"));

  /* Typed again until the address book has been read. */
  set_entry (composer, "cc_entry", "bob@example.org, émi");
  return gtk_tree_model_iter_n_children (gtk_entry_completion_get_model (completion), NULL) > 0;
}

static void
test_completion (void)
{
  CourrielComposer *composer = new_composer (0);
  GtkEntryCompletion *completion = gtk_entry_get_completion (child (composer, "cc_entry"));
  GtkTreeModel *model = gtk_entry_completion_get_model (completion);
  GtkTreeIter iter;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  gboolean handled = FALSE;

  wait_for (has_completion, composer);
  /* Most frequent first; accents and case do not matter. */
  g_assert_cmpint (gtk_tree_model_iter_n_children (model, NULL), ==, 2);
  g_assert_true (gtk_tree_model_get_iter_first (model, &iter));
  gtk_tree_model_get (model, &iter, 0, &first, -1);
  g_assert_true (gtk_tree_model_iter_next (model, &iter));
  gtk_tree_model_get (model, &iter, 0, &second, -1);
  g_assert_cmpstr (first, ==, "Émilie Durand <emilie@example.fr>");
  g_assert_cmpstr (second, ==, "Émile Zola <emile@example.fr>");

  /* Choosing one completes the address being typed, after the others. */
  g_assert_true (gtk_tree_model_get_iter_first (model, &iter));
  g_signal_emit_by_name (completion, "match-selected", model, &iter, &handled);
  g_assert_true (handled);
  g_assert_cmpstr (entry_text (composer, "cc_entry"), ==, "bob@example.org, Émilie Durand <emilie@example.fr>, ");
  gtk_window_destroy (GTK_WINDOW (composer));
}

static gboolean
subject_filled (gpointer composer)
{
  return *entry_text (composer, "subject_entry") != '\0';
}

static void
test_reply (void)
{
  CourrielComposer *reply = courriel_composer_new_reply (app, store, original_id,
                                                         COURRIEL_REPLY_KIND_REPLY_ALL);
  CourrielComposer *forward = NULL;
  CourrielComposer *missing = NULL;
  g_autofree char *text = NULL;

  wait_for (subject_filled, reply);
  g_assert_cmpstr (entry_text (reply, "subject_entry"), ==, "Re: Lunch");
  g_assert_nonnull (strstr (entry_text (reply, "to_entry"), "bob@example.org"));
  g_assert_nonnull (strstr (entry_text (reply, "cc_entry"), "carol@example.net"));
  text = body_text (reply);
  g_assert_nonnull (strstr (text, "> Shall we have lunch on Friday?"));
  /* A reply quotes the original: its words do not make an attachment warning. */
  g_assert_false (gtk_widget_get_visible (child (reply, "attachment_warning")));
  gtk_window_destroy (GTK_WINDOW (reply));

  forward = courriel_composer_new_reply (app, store, original_id, COURRIEL_REPLY_KIND_FORWARD);
  wait_for (subject_filled, forward);
  g_assert_cmpstr (entry_text (forward, "subject_entry"), ==, "Fwd: Lunch");
  g_assert_cmpstr (entry_text (forward, "to_entry"), ==, "");
  g_assert_true (gtk_widget_get_visible (child (forward, "attachments_list")));
  gtk_window_destroy (GTK_WINDOW (forward));

  missing = courriel_composer_new_reply (app, store, 999999, COURRIEL_REPLY_KIND_REPLY);
  wait_for (visible, child (missing, "error_label"));
  gtk_window_destroy (GTK_WINDOW (missing));
}

/* Saved next to the test for a person to look at (and for the screenshots). */
static void
test_renders (void)
{
  CourrielComposer *composer = new_composer (0);
  g_autofree char *path = g_build_filename (folder, "photo.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (composer));
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "composer.png", NULL);

  courriel_composer_set_delays (composer, 60000, 60000);
  set_entry (composer, "to_entry", "Émilie Durand <emilie@example.fr>");
  set_entry (composer, "subject_entry", "Les photos de samedi");
  type_text (composer, "Bonjour Émilie,\n\nvoici les photos, en pièce jointe.\n\nÀ bientôt !");
  courriel_composer_attach_file (composer, file);
  wait_for (visible, child (composer, "attachments_list"));
  spin (300);

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (GTK_WIDGET (composer)),
                          gtk_widget_get_height (GTK_WIDGET (composer)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (composer)), node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_test_message ("Screenshot: %s", png);
  gtk_window_destroy (GTK_WINDOW (composer));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();
  setup_store ();

  /* The application has a data folder of its own, without accounts: its sync service must not
   * send the Outbox the tests look at. */
  app_folder = g_dir_make_tmp ("courriel-composer-app-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (courriel_engine_set_data_dir (app_folder, &error));
  app = GTK_APPLICATION (courriel_application_new ());
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/composer/mailto", test_mailto);
  g_test_add_func ("/composer/send", test_send);
  g_test_add_func ("/composer/undo", test_undo);
  g_test_add_func ("/composer/close-sends-now", test_close_sends_now);
  g_test_add_func ("/composer/send-after-undo", test_send_after_undo);
  g_test_add_func ("/composer/drafts", test_drafts);
  g_test_add_func ("/composer/draft-on-close", test_draft_on_close);
  g_test_add_func ("/composer/completion", test_completion);
  g_test_add_func ("/composer/reply", test_reply);
  g_test_add_func ("/composer/renders", test_renders);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  courriel_store_close (store);
  g_clear_object (&store);
  remove_folder (folder);
  remove_folder (app_folder);
  return status;
}
