/* test-outbox-view.c — the Outbox in the window: refused messages counted in the sidebar and
 * listed with their reason, then sent again, taken back to edit, and deleted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real application over a real store file and the bench's servers: alice's Outbox holds
 * three messages the server refused for good (written through the engine's Outbox API, as the
 * sender records a refusal). Send Again sends one through the bench's Postfix into Bob's INBOX
 * (found there by curl); Edit opens a composer with the message, and the Outbox lets it go only
 * once the composer saved it as a draft; Delete asks, then removes.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-date-format.h"
#include "courriel-composer.h"
#include "courriel-draft.h"
#include "courriel-engine.h"
#include "courriel-outbox.h"
#include "courriel-outbox-view.h"
#include "courriel-test-bench.h"
#include "courriel-test-curl.h"
#include "courriel-window.h"
#include "window-test-util.h"

#define SENDER "alice@example.test"
#define RECIPIENT "bob@example.test"
#define REASON "552 5.3.4 Message size exceeds fixed limit"

static CourrielTestBench *bench;
static CourrielApplication *app;
static gint64 account_id;
static gint64 ids[3]; /* to send again, to edit, to delete */

static gint64
query (const char *sql)
{
  return test_query (courriel_application_get_store (app), sql);
}

static gint64
outbox_count (gint64 id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM outbox WHERE id = %" G_GINT64_FORMAT, id);

  return query (sql);
}

static void
wait_write (CourrielStore *store, GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store, *result, &error));
  g_assert_no_error (error);
  g_clear_object (result);
}

/* A message as the composer builds it, then refused for good by the server. */
static gint64
add_refused (CourrielStore *store, const char *subject, const char *text)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("Alice", SENDER);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_auto (GStrv) recipients = NULL;
  gint64 id;

  g_ptr_array_add (draft->to, g_strdup ("Bob <" RECIPIENT ">"));
  g_free (draft->subject);
  draft->subject = g_strdup (subject);
  g_free (draft->text);
  draft->text = g_strdup (text);
  raw = courriel_draft_build (draft, now, &error);
  g_assert_no_error (error);
  recipients = courriel_draft_dup_recipients (draft);
  courriel_outbox_queue_async (store, account_id, SENDER, (const char * const *)recipients, raw, NULL,
                               test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  id = courriel_outbox_queue_finish (store, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  courriel_outbox_set_state_async (store, id, COURRIEL_OUTBOX_FAILED, 0, REASON, NULL, test_got_result, &result);
  wait_write (store, &result);
  return id;
}

/* Alice's account, written where the application will find it, with her refused messages. */
static void
add_account (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench),
                                                                            &error);
  g_autofree char *path = courriel_engine_dup_database_path ();
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (SENDER);
  g_autoptr (GAsyncResult) result = NULL;
  const char *password = courriel_test_bench_get_password (bench, SENDER);

  g_assert_no_error (error);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  account->display_name = g_strdup ("Alice");
  account->incoming.host = g_strdup ("127.0.0.1");
  account->incoming.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS);
  account->incoming.username = g_strdup (SENDER);
  account->incoming.fingerprint = courriel_certificate_get_fingerprint (certificate);
  account->outgoing.host = g_strdup ("127.0.0.1");
  account->outgoing.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSION);
  account->outgoing.security = COURRIEL_SECURITY_STARTTLS;
  account->outgoing.username = g_strdup (SENDER);
  account->outgoing.fingerprint = courriel_certificate_get_fingerprint (certificate);
  courriel_account_save_async (store, account, password, password, NULL, test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  account_id = courriel_account_save_finish (result, &error);
  g_assert_no_error (error);

  ids[0] = add_refused (store, "Le rapport refusé", "Bonjour Bob,\nvoici le rapport.\nAlice");
  ids[1] = add_refused (store, "À modifier", "Bob,\nce texte est à revoir.\nAlice");
  ids[2] = add_refused (store, "À supprimer", "Ce message ne partira pas.");
  courriel_store_close (store);
}

/* The sidebar's Outbox row of alice's account, or NULL. */
static CourrielFolderItem *
outbox_row (CourrielWindow *window)
{
  GListModel *model = G_LIST_MODEL (courriel_window_get_folder_list (window));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (model, i);

      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_OUTBOX
          && courriel_folder_item_get_account_id (item) == account_id)
        return item; /* the list holds it */
    }
  return NULL;
}

static guint
n_rows (GtkWidget *view)
{
  GtkListBox *list = courriel_outbox_view_get_list (COURRIEL_OUTBOX_VIEW (view));
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      n++;
  return n;
}

static gboolean
outbox_shows (CourrielWindow *window, gint64 count)
{
  CourrielFolderItem *row = outbox_row (window);
  GtkWidget *view = courriel_window_get_outbox_view (window);

  if (count == 0)
    return row == NULL && (view == NULL || n_rows (view) == 0);
  return row != NULL && courriel_folder_item_get_unread (row) == count && view != NULL
         && n_rows (view) == (guint)count;
}

static void
wait_for_outbox (CourrielWindow *window, gint64 count)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!outbox_shows (window, count) && g_get_monotonic_time () < deadline)
    test_iterate ();
  if (!outbox_shows (window, count))
    g_error ("The Outbox never showed %" G_GINT64_FORMAT " messages", count);
}

static void
wait_for_outbox_gone (gint64 id)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (outbox_count (id) != 0 && g_get_monotonic_time () < deadline)
    for (guint i = 0; i < 20; i++)
      test_iterate ();
  g_assert_cmpint (outbox_count (id), ==, 0);
}

static CourrielComposer *
find_composer (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (COURRIEL_IS_COMPOSER (l->data))
      return l->data;
  return NULL;
}

static AdwMessageDialog *
wait_for_dialog (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      GListModel *toplevels = gtk_window_get_toplevels (); /* (transfer none) */

      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

          if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
            return ADW_MESSAGE_DIALOG (window);
        }
      test_iterate ();
    }
  g_error ("No confirmation was asked");
}

static const char *
entry_text (CourrielComposer *composer, const char *name)
{
  return gtk_editable_get_text (
    GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, name)));
}

typedef struct
{
  gint64 draft_id;
} Saved;

static void
on_draft_saved (CourrielComposer *composer, gint64 draft_id, Saved *saved)
{
  if (saved->draft_id == 0)
    saved->draft_id = draft_id;
}

static void
test_outbox (void)
{
  CourrielWindow *window;
  GtkWidget *view;
  GtkWidget *label;
  CourrielComposer *composer;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autofree char *uids = NULL;
  Saved saved = { 0 };
  gint64 deadline, started, later;
  g_autofree char *retry = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *clock = NULL;

  g_application_activate (G_APPLICATION (app));
  window = COURRIEL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);

  /* The sidebar counts the refused messages; the row shows them with the server's reason. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (outbox_row (window) == NULL && g_get_monotonic_time () < deadline)
    test_iterate ();
  g_assert_nonnull (outbox_row (window));
  g_assert_cmpint (courriel_folder_item_get_unread (outbox_row (window)), ==, 3);
  g_assert_cmpstr (courriel_folder_item_get_name (outbox_row (window)), ==, "Outbox");
  g_assert_true (courriel_window_show_outbox (window, account_id));
  g_assert_true (courriel_window_get_selected_folder (window) == outbox_row (window));
  view = courriel_window_get_outbox_view (window);
  g_assert_nonnull (view);
  wait_for_outbox (window, 3);
  g_assert_true (gtk_widget_get_mapped (view));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (courriel_window_get_message_list_slot (window))));
  g_assert_nonnull (test_find_label (view, "Le rapport refusé"));
  g_assert_nonnull (test_find_label (view, "À supprimer"));
  label = test_find_label (view, "Not sent: " REASON);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (label, "error"));
  test_save_screenshot (GTK_WIDGET (window), "outbox.png");

  /* Send Again: through the sync service and the bench's Postfix into Bob's INBOX; the row goes. */
  started = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (view, "outbox.send-again", "x", ids[0]));
  wait_for_outbox_gone (ids[0]);
  g_test_message ("Send Again: out of the Outbox in %.0f ms", (g_get_monotonic_time () - started) / 1000.0);
  wait_for_outbox (window, 2);
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_free (uids);
      uids = courriel_test_imap_search (bench, RECIPIENT, TRUE, "INBOX", "SUBJECT \"rapport\"");
      if (*uids != '\0')
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (uids, !=, "");

  /* Edit: a composer with the same message; the Outbox lets it go once the draft is saved. */
  g_assert_true (gtk_widget_activate_action (view, "outbox.edit", "x", ids[1]));
  composer = find_composer ();
  g_assert_nonnull (composer);
  g_signal_connect (composer, "draft-saved", G_CALLBACK (on_draft_saved), &saved);
  g_assert_cmpstr (entry_text (composer, "to_entry"), ==, "Bob <" RECIPIENT ">");
  g_assert_cmpstr (entry_text (composer, "subject_entry"), ==, "À modifier");
  buffer = gtk_text_view_get_buffer (
    GTK_TEXT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, "text_view")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (g_strstrip (text), ==, "Bob,\nce texte est à revoir.\nAlice");
  /* Until the draft is saved, the message stays in the Outbox (the view takes it out from its own
   * "draft-saved" handler, which runs before the test's: the test watches the time before). */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (saved.draft_id == 0 && g_get_monotonic_time () < deadline)
    {
      g_assert_cmpint (outbox_count (ids[1]), ==, 1);
      test_iterate ();
    }
  g_assert_cmpint (saved.draft_id, >, 0);
  wait_for_outbox_gone (ids[1]);
  g_assert_cmpint (query ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                          "WHERE f.role = 'drafts' AND m.subject = 'À modifier'"),
                   ==, 1);
  wait_for_outbox (window, 1);
  gtk_window_destroy (GTK_WINDOW (composer));

  /* Delete: asked first; Cancel keeps it, Delete removes it, and the Outbox row goes. */
  g_assert_true (gtk_widget_activate_action (view, "outbox.delete", "x", ids[2]));
  adw_message_dialog_response (wait_for_dialog (), "cancel");
  for (guint i = 0; i < 50; i++)
    test_iterate ();
  g_assert_cmpint (outbox_count (ids[2]), ==, 1);
  g_assert_true (gtk_widget_activate_action (view, "outbox.delete", "x", ids[2]));
  adw_message_dialog_response (wait_for_dialog (), "delete");
  wait_for_outbox_gone (ids[2]);
  wait_for_outbox (window, 0);

  /* A refusal's notification clicked once its message is gone: nothing to show, and nothing
   * remembered either: the next message put in the Outbox does not pull the window there. */
  g_assert_false (courriel_window_show_outbox (window, account_id));

  /* A message the server put off (a temporary refusal): when it will be tried again, and why. */
  later = g_get_real_time () / G_USEC_PER_SEC + 3600;
  ids[2] = add_refused (courriel_application_get_store (app), "Plus tard", "Ce message attend.");
  courriel_outbox_set_state_async (courriel_application_get_store (app), ids[2], COURRIEL_OUTBOX_QUEUED, later,
                                   "451 4.3.0 Try again later", NULL, test_got_result, &result);
  wait_write (courriel_application_get_store (app), &result);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (outbox_row (window) == NULL && g_get_monotonic_time () < deadline)
    test_iterate ();
  g_assert_nonnull (outbox_row (window));
  for (guint i = 0; i < 20; i++)
    test_iterate ();
  g_assert_true (courriel_window_get_selected_folder (window) != outbox_row (window));
  g_assert_true (courriel_window_show_outbox (window, account_id));
  wait_for_outbox (window, 1);
  g_assert_true (gtk_widget_get_mapped (view));
  when = g_date_time_new_from_unix_local (later);
  clock = courriel_date_format_time (when);
  retry = g_strdup_printf ("Will retry at %s (451 4.3.0 Try again later)", clock);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (test_find_label (view, retry) == NULL && g_get_monotonic_time () < deadline)
    test_iterate ();
  g_assert_nonnull (test_find_label (view, retry));
  g_assert_false (gtk_widget_has_css_class (test_find_label (view, retry), "error"));

  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 20; i++)
    test_iterate ();
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "outbox-data", NULL);
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));
  add_account ();

  app = test_start_application ();

  g_test_add_func ("/outbox-view/refused-messages", test_outbox);
  status = g_test_run ();

  test_stop_application (g_steal_pointer (&app));
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  return status;
}
