/* test-composer-send.c — a message written in the composer reaches a real INBOX
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer queues it in the Outbox of a real store file; the engine's Outbox sender
 * (courriel_smtp_outbox_send_async(), what the sync service runs) sends it through the bench's
 * Postfix; curl, an independent client, finds it in Bob's INBOX on Dovecot with the attachment
 * identical to the byte.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-certificate.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-smtp-outbox.h"
#include "courriel-test-bench.h"
#include "courriel-test-curl.h"

#define SENDER "alice@example.test"
#define RECIPIENT "bob@example.test"

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
done (gpointer data)
{
  return *(gpointer *)data != NULL;
}

static gboolean
id_set (gpointer data)
{
  return *(gint64 *)data != 0;
}

static void
wait_for (gboolean (*check) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!check (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (check (data));
}

static gboolean
accounts_loaded (gpointer composer)
{
  GObject *list = gtk_widget_get_template_child (composer, COURRIEL_TYPE_COMPOSER, "from_list");

  return g_list_model_get_n_items (G_LIST_MODEL (list)) == 1;
}

static gboolean
attached (gpointer composer)
{
  return gtk_widget_get_visible (
    GTK_WIDGET (gtk_widget_get_template_child (composer, COURRIEL_TYPE_COMPOSER, "attachments_list")));
}

static void
on_queued (CourrielComposer *composer, gint64 id, gpointer user_data)
{
  *(gint64 *)user_data = id;
}

static void
set_entry (CourrielComposer *composer, const char *name, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER,
                                                                      name)),
                         text);
}

static void
test_sends_to_inbox (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = courriel_test_bench_new (&error);
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (SENDER);
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (GAsyncResult) saved = NULL;
  g_autoptr (GAsyncResult) sent = NULL;
  g_autofree CourrielSmtpOutboxReport *report = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *attachment_path = NULL;
  g_autofree char *uids = NULL;
  g_autofree char *raw = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GString) data = g_string_new (NULL);
  GtkApplication *app;
  CourrielComposer *composer;
  GtkTextBuffer *buffer;
  gint64 queued = 0;

  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel", NULL);
  g_mkdir (dir, 0700);
  path = g_build_filename (dir, "courriel.db", NULL);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);

  account->display_name = g_strdup ("Alice");
  account->incoming.host = g_strdup ("127.0.0.1");
  account->incoming.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS);
  account->incoming.username = g_strdup (SENDER);
  account->outgoing.host = g_strdup ("127.0.0.1");
  account->outgoing.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSION);
  account->outgoing.security = COURRIEL_SECURITY_STARTTLS;
  account->outgoing.username = g_strdup (SENDER);
  account->outgoing.fingerprint = courriel_certificate_get_fingerprint (certificate);
  courriel_account_save_async (store, account, NULL, NULL, NULL, got_result, &saved);
  wait_for (done, &saved);
  account->id = courriel_account_save_finish (saved, &error);
  g_assert_no_error (error);

  /* A binary attachment of 300 kB: every byte value, many times. */
  for (guint i = 0; i < 300 * 1024; i++)
    g_string_append_c (data, (char)(i * 7 % 256));
  attachment_path = g_build_filename (dir, "données.bin", NULL);
  g_assert_true (g_file_set_contents (attachment_path, data->str, data->len, &error));
  file = g_file_new_for_path (attachment_path);

  /* A plain application: CourrielApplication would open the user's own store and sync it. */
  app = GTK_APPLICATION (adw_application_new ("io.github.courriel.Courriel.TestComposerSend", G_APPLICATION_NON_UNIQUE));
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  composer = courriel_composer_new (app, store, 0);
  courriel_composer_set_delays (composer, 200, 60000);
  g_signal_connect (composer, "queued", G_CALLBACK (on_queued), &queued);
  gtk_window_present (GTK_WINDOW (composer));
  wait_for (accounts_loaded, composer);

  set_entry (composer, "to_entry", "Bob <" RECIPIENT ">");
  set_entry (composer, "subject_entry", "Le rapport de décembre");
  buffer = gtk_text_view_get_buffer (
    GTK_TEXT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, "text_view")));
  gtk_text_buffer_set_text (buffer, "Bonjour Bob,\nle rapport est en pièce jointe.\nAlice", -1);
  courriel_composer_attach_file (composer, file);
  wait_for (attached, composer);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wait_for (id_set, &queued);

  courriel_smtp_outbox_send_async (store, account, courriel_test_bench_get_password (bench, SENDER),
                                   g_get_real_time () / G_USEC_PER_SEC, NULL, got_result, &sent);
  wait_for (done, &sent);
  report = courriel_smtp_outbox_send_finish (sent, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->sent, ==, 1);

  /* Delivery is asynchronous in Postfix: look for a few seconds. */
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_free (uids);
      uids = courriel_test_imap_search (bench, RECIPIENT, TRUE, "INBOX", "SUBJECT \"rapport\"");
      if (*uids != '\0')
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (uids, !=, "");
  raw = courriel_test_imap_fetch (bench, RECIPIENT, "INBOX", uids, NULL);
  g_assert_nonnull (strstr (raw, "From: Alice <" SENDER ">"));
  g_assert_nonnull (strstr (raw, "To: Bob <" RECIPIENT ">"));
  {
    g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (raw, strlen (raw));
    g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
    GMimeMessage *parsed = g_mime_parser_construct_message (parser, NULL);
    GMimeObject *part = g_mime_multipart_get_part (GMIME_MULTIPART (g_mime_message_get_mime_part (parsed)), 1);
    GMimeStream *out = g_mime_stream_mem_new ();
    GByteArray *bytes;

    g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, "Le rapport de décembre");
    g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (part)), ==, "données.bin");
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), out);
    bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
    g_assert_cmpmem (bytes->data, bytes->len, data->str, data->len);
    g_object_unref (out);
    g_object_unref (parsed);
  }

  g_object_unref (app);
  courriel_store_close (store);
  courriel_test_bench_stop (bench);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  g_test_add_func ("/composer/sends-to-inbox", test_sends_to_inbox);
  return g_test_run ();
}
