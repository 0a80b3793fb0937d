/* test-window-sync.c — the real application against the bench: synced folders in the sidebar, a refused password in the banner, actions that reach the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two accounts on the bench's Dovecot: alice's with her password, bob's with a wrong one. The
 * application starts its sync service as it does for a user; the window shows alice's synced
 * folders with her unread count, says that bob's password was refused, and a message marked
 * read in the window reaches the server (the queued change is replayed and leaves the queue).
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-message-list-view.h"
#include "courriel-message-summary.h"
#include "courriel-test-curl.h"
#include "courriel-test-bench.h"
#include "courriel-window.h"
#include "window-test-util.h"

static CourrielTestBench *bench;
static CourrielApplication *app;

static gint64
query (const char *sql)
{
  return test_query (courriel_application_get_store (app), sql);
}

static void
iterate (void)
{
  g_usleep (5000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Message @n of alice's Inbox, on the @n-th of March: the higher @n, the newer. */
static void
deliver (guint n, const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Élodie Martin <elodie@example.org>\r\nTo: alice@example.test\r\n"
                                          "Subject: %s\r\nMessage-ID: <message%u@example.org>\r\n"
                                          "Date: Mon, %02u Mar 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, c’est le message %u.\r\n",
                                          subject, n, n, n);
  gsize length = strlen (raw);
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&raw), length);

  g_assert_true (courriel_test_bench_add_message (bench, "alice@example.test", "INBOX", bytes, "", 0, &error));
  g_assert_no_error (error);
}

/* Both accounts, written where the application will find them, before it starts. */
static void
add_accounts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench),
                                                                            &error);
  g_autofree char *fingerprint = NULL;
  g_autofree char *path = courriel_engine_dup_database_path ();
  g_autoptr (CourrielStore) store = NULL;
  const char *addresses[] = { "alice@example.test", "bob@example.test" };

  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr (CourrielAccount) account = courriel_account_new (addresses[i]);
      g_autoptr (GAsyncResult) result = NULL;
      const char *password = i == 0 ? courriel_test_bench_get_password (bench, addresses[i]) : "not-the-password";

      account->incoming = (CourrielServer){ g_strdup ("127.0.0.1"),
                                            courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                            COURRIEL_SECURITY_TLS, g_strdup (addresses[i]), NULL,
                                            g_strdup (fingerprint) };
      courriel_account_save_async (store, account, password, NULL, NULL, test_got_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      courriel_account_save_finish (result, &error);
      g_assert_no_error (error);
    }
  courriel_store_close (store);
}

typedef struct
{
  CourrielWindow *window;
  const char     *text;
} Shown;

static gboolean
label_shown (Shown *shown)
{
  GtkWidget *label = test_find_label (GTK_WIDGET (shown->window), shown->text);
  return label != NULL && gtk_widget_get_mapped (label);
}

static void
wait_for_label (CourrielWindow *window, const char *text)
{
  Shown shown = { window, text };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!label_shown (&shown) && g_get_monotonic_time () < deadline)
    iterate ();
  if (!label_shown (&shown))
    g_error ("The window never showed “%s”", text);
}

static void
wait_for_query (const char *sql, gint64 expected)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (query (sql) != expected && g_get_monotonic_time () < deadline)
    for (guint i = 0; i < 20; i++)
      iterate ();
  g_assert_cmpint (query (sql), ==, expected);
}

static void
test_synced_window (void)
{
  g_autoptr (GtkSelectionModel) selection = NULL;
  CourrielWindow *window;
  gint64 id;

  g_application_activate (G_APPLICATION (app));
  window = COURRIEL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  /* The sync the application started brings alice's folders, and her Inbox with 3 unread. */
  wait_for_label (window, "All Inboxes");
  wait_for_label (window, "alice@example.test");
  wait_for_query ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.role = 'inbox'", 3);
  wait_for_label (window, "3");
  /* Bob's password is refused: the window says so, without a dialog in the way. */
  wait_for_label (window, "Courriel could not sign in to bob@example.test: the password was refused.");

  /* Marked read in the window: the store at once, the server at the next sync. */
  id = query ("SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.role = 'inbox' "
              "AND f.account_id = 1 ORDER BY m.id LIMIT 1");
  selection = test_select_messages (&id, 1);
  courriel_window_set_message_selection (window, selection);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mark-read", NULL));
  wait_for_query ("SELECT count (*) FROM pending_ops WHERE account_id = 1", 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL));
  wait_for_query ("SELECT count (*) FROM pending_ops WHERE account_id = 1", 0);
  wait_for_query ("SELECT unread FROM folders WHERE account_id = 1 AND role = 'inbox'", 2);
  wait_for_label (window, "2");

  courriel_window_set_message_selection (window, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 20; i++)
    iterate ();
}

static CourrielMessageListView *
message_list (CourrielWindow *window)
{
  return COURRIEL_MESSAGE_LIST_VIEW (adw_bin_get_child (courriel_window_get_message_list_slot (window)));
}

/* The subjects of the list's first @n rows, once they are read, "Troisième|Deuxième|…". */
static char *
listed_subjects (CourrielWindow *window, guint n)
{
  GListModel *model = G_LIST_MODEL (courriel_message_list_view_get_selection (message_list (window)));
  g_autoptr (GString) subjects = g_string_new (NULL);

  if (g_list_model_get_n_items (model) < n)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CourrielMessageSummary) summary = g_list_model_get_item (model, i);
      g_autofree char *subject = NULL;
      gboolean loaded = FALSE;

      g_object_get (summary, "subject", &subject, "loaded", &loaded, NULL);
      if (!loaded)
        return NULL;
      g_string_append_printf (subjects, "%s%s", i > 0 ? "|" : "", subject);
    }
  return g_strdup (subjects->str);
}

static void
wait_for_subjects (CourrielWindow *window, guint n, const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  g_autofree char *subjects = NULL;

  while ((g_free (subjects), subjects = listed_subjects (window, n), g_strcmp0 (subjects, expected) != 0)
         && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_cmpstr (subjects, ==, expected);
}

static GtkWidget *
find_text_view (GtkWidget *widget)
{
  if (GTK_IS_TEXT_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_text_view (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
body_shows (CourrielWindow *window, const char *text)
{
  GtkWidget *view = find_text_view (GTK_WIDGET (courriel_window_get_reader_slot (window)));
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *shown = NULL;

  if (view == NULL || !gtk_widget_get_mapped (view))
    return FALSE;
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return strstr (shown, text) != NULL;
}

/* The reader's text, its body downloaded on demand if it was not yet. */
static void
wait_for_body (CourrielWindow *window, const char *text)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!body_shows (window, text) && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_true (body_shows (window, text));
}

/* What the server says: the UIDs in @mailbox that match @criteria ("" for none). */
static char *
on_server (const char *mailbox, const char *criteria)
{
  return courriel_test_imap_search (bench, "alice@example.test", TRUE, mailbox, criteria);
}

static void
wait_for_server (const char *mailbox, const char *criteria, gboolean found)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  g_autofree char *uids = NULL;

  while ((g_free (uids), uids = on_server (mailbox, criteria), (*uids != '\0') != found)
         && g_get_monotonic_time () < deadline)
    for (guint i = 0; i < 100; i++)
      iterate ();
  g_assert_cmpint (*uids != '\0', ==, found);
}

/* The composer window the application opened, if any. */
static GtkWindow *
find_composer (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (COURRIEL_IS_COMPOSER (l->data))
      return l->data;
  return NULL;
}

/* The user's way through the window: the Inbox lists the newest first, a click opens a message
 * in the reader, a star and a delete reach the server (checked there over IMAP, not in
 * Courriel's store), and the window is saved as pictures in light and dark style. */
static void
test_reading_and_acting (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  CourrielWindow *window;
  GtkSelectionModel *selection;
  GtkWindow *composer;
  GtkEditable *subject;
  gint64 inbox = query ("SELECT id FROM folders WHERE account_id = 1 AND role = 'inbox'");
  gint64 trash = query ("SELECT count (*) FROM folders WHERE account_id = 1 AND role = 'trash'");

  g_application_activate (G_APPLICATION (app));
  window = COURRIEL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  wait_for_label (window, "alice@example.test");
  g_assert_true (courriel_window_select_folder (window, inbox));
  wait_for_subjects (window, 3, "Troisième|Deuxième|Premier");

  /* A click on the newest: the reader shows it. */
  selection = courriel_message_list_view_get_selection (message_list (window));
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  wait_for_label (window, "Troisième");
  wait_for_body (window, "Bonjour, c’est le message 3.");
  test_save_screenshot (GTK_WIDGET (window), "app-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  test_save_screenshot (GTK_WIDGET (window), "app-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* Reply: a composer on that message. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reply", NULL));
  composer = find_composer ();
  g_assert_nonnull (composer);
  subject = GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER,
                                                         "subject_entry"));
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
       *gtk_editable_get_text (subject) == '\0' && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_cmpstr (gtk_editable_get_text (subject), ==, "Re: Troisième");
  gtk_window_destroy (composer);

  /* Starred in the window, flagged on the server after the next sync. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.star", NULL));
  /* The action reads its messages first: the change is queued once the star is in the store. */
  wait_for_query ("SELECT count (*) FROM messages WHERE message_id LIKE '%message3@example.org%' AND flags & 4 != 0", 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL));
  wait_for_server ("INBOX", "FLAGGED HEADER Message-ID message3", TRUE);

  /* Deleted in the window: gone from the list at once, in the server's Trash after a sync. */
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete", NULL));
  if (trash > 0)
    {
      wait_for_subjects (window, 2, "Troisième|Premier");
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL));
      wait_for_server ("INBOX", "UNDELETED HEADER Message-ID message2", FALSE);
      wait_for_server ("Trash", "HEADER Message-ID message2", TRUE);
    }
  else
    g_test_message ("alice has no Trash on the bench: the delete asks for confirmation instead");

  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 20; i++)
    iterate ();
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
  deliver (1, "Premier");
  deliver (2, "Deuxième");
  deliver (3, "Troisième");
  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "window-data", NULL);
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));
  add_accounts ();

  app = test_start_application ();

  g_test_add_func ("/window-sync/synced-window", test_synced_window);
  g_test_add_func ("/window-sync/reading-and-acting", test_reading_and_acting);
  status = g_test_run ();

  test_stop_application (g_steal_pointer (&app));
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  return status;
}
