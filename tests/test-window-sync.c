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

static CourrielTestBench *bench;
static CourrielApplication *app;

#define TEST_TYPE_MESSAGE (test_message_get_type ())
G_DECLARE_FINAL_TYPE (TestMessage, test_message, TEST, MESSAGE, GObject)

struct _TestMessage
{
  GObject parent_instance;
  gint64  id;
};

G_DEFINE_FINAL_TYPE (TestMessage, test_message, G_TYPE_OBJECT)

static void
test_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  g_value_set_int64 (value, TEST_MESSAGE (object)->id);
}

static void
test_message_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TEST_MESSAGE (object)->id = g_value_get_int64 (value);
}

static void
test_message_class_init (TestMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = test_message_get_property;
  G_OBJECT_CLASS (klass)->set_property = test_message_set_property;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
                                   g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, G_PARAM_READWRITE));
}

static void
test_message_init (TestMessage *self)
{
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
iterate (void)
{
  g_usleep (5000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GtkWidget *
find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
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
    {
      g_free (value);
      return NULL;
    }
  return value;
}

static gint64
query (const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree gint64 *value = NULL;
  CourrielStore *store = courriel_application_get_store (app);

  courriel_store_read_async (store, read_int, g_strdup (sql), g_free, g_free, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = courriel_store_read_finish (store, result, &error);
  g_assert_no_error (error);
  return *value;
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
      courriel_account_save_async (store, account, password, NULL, NULL, got_result, &result);
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
  GtkWidget *label = find_label (GTK_WIDGET (shown->window), shown->text);
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
  g_autoptr (GListStore) items = g_list_store_new (TEST_TYPE_MESSAGE);
  g_autoptr (GtkSelectionModel) selection = NULL;
  g_autoptr (GObject) item = NULL;
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
  item = g_object_new (TEST_TYPE_MESSAGE, "id", id, NULL);
  g_list_store_append (items, item);
  selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (items))));
  gtk_selection_model_select_all (selection);
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
