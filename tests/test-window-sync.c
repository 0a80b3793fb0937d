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
#include "courriel-engine.h"
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

static void
deliver (const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Élodie Martin <elodie@example.org>\r\nTo: alice@example.test\r\n"
                                          "Subject: %s\r\nMessage-ID: <%s@example.org>\r\n"
                                          "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n",
                                          subject, subject);
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

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *data_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  deliver ("Premier");
  deliver ("Deuxième");
  deliver ("Troisième");
  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "window-data", NULL);
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));
  add_accounts ();

  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_uint (settings, "check-interval", 0);
  g_settings_set_boolean (settings, "notifications", FALSE);
  app = courriel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/window-sync/synced-window", test_synced_window);
  status = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  return status;
}
