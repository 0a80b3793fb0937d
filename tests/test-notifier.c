/* test-notifier.c — new mail reaches the desktop as one notification per sync, through the real
 * org.gtk.Notifications protocol, and clicking it shows the message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test session's bus has no notification server: this test is one. It owns
 * org.gtk.Notifications on a connection of its own (GApplication's first choice outside a
 * sandbox), records every AddNotification, and "clicks" by activating the notification's default
 * action on the application over org.gtk.Actions, as GNOME Shell does.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-application.h"
#include "courriel-engine.h"
#include "courriel-window.h"

static CourrielApplication *app;
static GDBusConnection *server;
static GPtrArray *calls; /* (ss@a{sv}) of each AddNotification */
static GPtrArray *removals; /* char*: the id of each RemoveNotification */
static gint64 shown;     /* the last "show-message" */
static gint64 account_id;

static const char introspection[] =
  "<node><interface name='org.gtk.Notifications'>"
  "<method name='AddNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='a{sv}' direction='in'/></method>"
  "<method name='RemoveNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/></method>"
  "</interface></node>";

static void
on_method_call (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
                const char *method, GVariant *parameters, GDBusMethodInvocation *invocation, gpointer user_data)
{
  if (g_str_equal (method, "AddNotification"))
    g_ptr_array_add (calls, g_variant_ref (parameters));
  else if (g_str_equal (method, "RemoveNotification"))
    {
      const char *id = NULL;

      g_variant_get (parameters, "(&s&s)", NULL, &id);
      g_ptr_array_add (removals, g_strdup (id));
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

static void
wait_for_calls (guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (calls->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (calls->len, ==, n);
}

static void
start_notification_server (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, &error);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { NULL } };
  gboolean acquired = FALSE;

  g_assert_no_error (error);
  server = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (server, "/org/gtk/Notifications", info->interfaces[0], &vtable, NULL, NULL,
                                     &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (server, "org.gtk.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired, NULL,
                                &acquired, NULL);
  while (!acquired)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
write_mail (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (
    db,
    sqlite3_exec (db,
                  "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                  "incoming_security, incoming_username, created) VALUES (7, 'alice@example.test', 'imap', "
                  "'127.0.0.1', 9, 'tls', 'alice@example.test', 0);"
                  "INSERT INTO folders (id, account_id, name, raw_name, role) VALUES (70, 7, 'INBOX', 'INBOX', 'inbox');"
                  "INSERT INTO messages (id, folder_id, uid, date, subject, sender) VALUES "
                  "(701, 70, 1, 1000, 'Réunion de lundi', '\"Élodie Martin\" <elodie@example.org>'),"
                  "(702, 70, 2, 2000, 'Facture', 'factures@example.com'),"
                  "(703, 70, 3, 3000, 'Re: Réunion', 'Élodie Martin <elodie@example.org>'),"
                  "(704, 70, 4, 4000, 'Photos', 'Bruno <bruno@example.net>'),"
                  "(705, 70, 5, 5000, '', 'Bruno <bruno@example.net>');",
                  NULL, NULL, NULL),
    error);
}

static void
new_messages (const gint64 *ids, guint n)
{
  g_autoptr (GArray) array = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_append_vals (array, ids, n);
  g_signal_emit_by_name (courriel_application_get_sync_service (app), "new-messages", account_id, array);
}

/* The call's notification id, title, body and default action target; checks the rest. */
static void
check_call (guint i, const char *title, const char *body, gint64 target)
{
  GVariant *call = calls->pdata[i];
  const char *app_id = NULL;
  const char *id = NULL;
  g_autoptr (GVariant) notification = NULL;
  g_autoptr (GVariantDict) dict = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autofree char *expected_id = g_strdup_printf ("new-mail-%" G_GINT64_FORMAT, account_id);
  const char *text = NULL;

  g_variant_get (call, "(&s&s@a{sv})", &app_id, &id, &notification);
  g_assert_cmpstr (app_id, ==, APPLICATION_ID);
  g_assert_cmpstr (id, ==, expected_id);
  dict = g_variant_dict_new (notification);
  g_assert_true (g_variant_dict_lookup (dict, "title", "&s", &text));
  g_assert_cmpstr (text, ==, title);
  g_assert_true (g_variant_dict_lookup (dict, "body", "&s", &text));
  g_assert_cmpstr (text, ==, body);
  g_assert_true (g_variant_dict_lookup (dict, "default-action", "&s", &text));
  g_assert_cmpstr (text, ==, "app.show-message");
  value = g_variant_dict_lookup_value (dict, "default-action-target", G_VARIANT_TYPE_INT64);
  g_assert_nonnull (value);
  g_assert_cmpint (g_variant_get_int64 (value), ==, target);
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
on_show_message (CourrielApplication *application, gint64 id, gpointer user_data)
{
  shown = id;
}

static void
test_one_notification_per_batch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielStore *store = courriel_application_get_store (app);
  const gint64 batch[] = { 701, 702, 703 };
  const gint64 one[] = { 704 };
  const gint64 unseen[] = { 705 };

  g_assert_nonnull (store);
  courriel_store_write_async (store, write_mail, NULL, NULL, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store, result, &error));
  g_assert_no_error (error);
  account_id = 7;

  /* Three messages of one sync: one notification, the senders each named once. */
  new_messages (batch, G_N_ELEMENTS (batch));
  wait_for_calls (1);
  check_call (0, "3 new messages", "Élodie Martin, factures@example.com", 703);

  /* The next sync's single message: one more, with its sender and subject, under the same id
   * (it replaces the first on the desktop). The count of calls also proves the first batch
   * sent no second notification: D-Bus keeps their order. */
  new_messages (one, G_N_ELEMENTS (one));
  wait_for_calls (2);
  check_call (1, "New message from Bruno", "Photos", 704);

  /* Notifications off: nothing; back on, the next batch is the next call. */
  g_settings_set_boolean (settings, "notifications", FALSE);
  new_messages (unseen, G_N_ELEMENTS (unseen));
  g_settings_set_boolean (settings, "notifications", TRUE);
  new_messages (one, G_N_ELEMENTS (one));
  wait_for_calls (3);
  check_call (2, "New message from Bruno", "Photos", 704);
}

static void
test_click_shows_message (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (app));
  gulong handler = g_signal_connect (app, "show-message", G_CALLBACK (on_show_message), NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GtkWindow *window;

  /* What the desktop does with a click on the notification: the default action, over D-Bus. */
  shown = 0;
  g_dbus_connection_call (server, g_dbus_connection_get_unique_name (connection),
                          g_application_get_dbus_object_path (G_APPLICATION (app)), "org.gtk.Actions", "Activate",
                          g_variant_new_parsed ("('show-message', [<int64 704>], @a{sv} {})"), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, got_result, &result);
  while ((shown == 0 || result == NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  reply = g_dbus_connection_call_finish (server, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shown, ==, 704);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (COURRIEL_IS_WINDOW (window));
  g_signal_handler_disconnect (app, handler);
  gtk_window_destroy (window);
}

static gboolean
exec_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

/* @sql written in the store, at once. */
static void
run_sql (CourrielStore *store, const char *sql)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_store_write_async (store, exec_sql, (gpointer)sql, NULL, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_store_write_finish (store, result, &error));
  g_assert_no_error (error);
}

/* A refused message, as the Outbox keeps it. */
static const char refusal_sql[] =
  "INSERT OR IGNORE INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
  "incoming_security, incoming_username, created) VALUES (7, 'alice@example.test', 'imap', '127.0.0.1', 9, 'tls', "
  "'alice@example.test', 0);"
  "INSERT INTO outbox (id, account_id, sender, recipients, created, state, last_error) VALUES "
  "(90, 7, 'alice@example.test', 'bob@example.test\ncarol@example.test', 0, 'failed', "
  "'The message is too large: it is 11.0 MB, 760.0 kB more than the 10.2 MB that smtp.example.test accepts.');"
  "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (90, X'4869')";

/* A click on the refusal's notification, as the desktop makes it: account 7's Outbox shows. */
static void
click_shows_outbox (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (app));
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  CourrielFolderItem *folder = NULL;
  GtkWindow *window = NULL;

  g_dbus_connection_call (server, g_dbus_connection_get_unique_name (connection),
                          g_application_get_dbus_object_path (G_APPLICATION (app)), "org.gtk.Actions", "Activate",
                          g_variant_new_parsed ("('show-outbox', [<int64 7>], @a{sv} {})"), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, got_result, &result);
  while (g_get_monotonic_time () < deadline
         && (result == NULL || folder == NULL || courriel_folder_item_get_kind (folder) != COURRIEL_FOLDER_KIND_OUTBOX))
    {
      g_main_context_iteration (NULL, TRUE);
      window = gtk_application_get_active_window (GTK_APPLICATION (app));
      folder = COURRIEL_IS_WINDOW (window) ? courriel_window_get_selected_folder (COURRIEL_WINDOW (window)) : NULL;
    }
  g_assert_nonnull (result);
  reply = g_dbus_connection_call_finish (server, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (folder);
  g_assert_cmpint (courriel_folder_item_get_kind (folder), ==, COURRIEL_FOLDER_KIND_OUTBOX);
  g_assert_cmpint (courriel_folder_item_get_account_id (folder), ==, 7);
  g_assert_true (gtk_widget_get_visible (courriel_window_get_outbox_view (COURRIEL_WINDOW (window))));
  gtk_window_destroy (window);
}

/* A message the server refused for good (here, too large) reaches the desktop with the reason,
 * once: the Outbox changing again does not repeat it. */
static void
test_refused_message (void)
{
  CourrielStore *store = courriel_application_get_store (app);
  guint before = calls->len;
  const char *id = NULL;
  const char *text = NULL;
  g_autoptr (GVariant) notification = NULL;
  g_autoptr (GVariantDict) dict = NULL;

  run_sql (store, refusal_sql);
  wait_for_calls (before + 1);
  g_variant_get (calls->pdata[before], "(&s&s@a{sv})", NULL, &id, &notification);
  g_assert_cmpstr (id, ==, "outbox-failed-90");
  dict = g_variant_dict_new (notification);
  g_assert_true (g_variant_dict_lookup (dict, "title", "&s", &text));
  g_assert_cmpstr (text, ==, "A Message Could Not Be Sent");
  g_assert_true (g_variant_dict_lookup (dict, "body", "&s", &text));
  g_assert_cmpstr (text, ==, "To bob@example.test,carol@example.test: The message is too large: it is 11.0 MB, "
                             "760.0 kB more than the 10.2 MB that smtp.example.test accepts.");

  /* The Outbox changes again (the message tried once more, say): no second notification. */
  run_sql (store, "UPDATE outbox SET attempts = attempts + 1 WHERE id = 90");
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_cmpuint (calls->len, ==, before + 1);

  /* Clicked, it opens the account's Outbox, where the message can be sent again. */
  g_assert_true (g_variant_dict_lookup (dict, "default-action", "&s", &text));
  g_assert_cmpstr (text, ==, "app.show-outbox");
  click_shows_outbox ();

  /* Deleted from the Outbox: the notification leaves the desktop; refused again later (the same
   * message queued anew), it is told again. */
  run_sql (store, "DELETE FROM outbox_bodies WHERE outbox_id = 90; DELETE FROM outbox WHERE id = 90");
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !g_ptr_array_find_with_equal_func (removals, "outbox-failed-90", g_str_equal, NULL)
       && g_get_monotonic_time () < deadline;)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_true (g_ptr_array_find_with_equal_func (removals, "outbox-failed-90", g_str_equal, NULL));
  run_sql (store, refusal_sql);
  wait_for_calls (before + 2);
  g_variant_get (calls->pdata[before + 1], "(&s&s@a{sv})", NULL, &id, NULL);
  g_assert_cmpstr (id, ==, "outbox-failed-90");
}

static void
test_check_interval (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielSyncService *service = courriel_application_get_sync_service (app);

  g_assert_cmpuint (courriel_sync_service_get_interval (service), ==, g_settings_get_uint (settings, "check-interval")
                                                                        * 60);
  g_settings_set_uint (settings, "check-interval", 12);
  g_assert_cmpuint (courriel_sync_service_get_interval (service), ==, 12 * 60);
  g_settings_set_uint (settings, "check-interval", 0);
  g_assert_cmpuint (courriel_sync_service_get_interval (service), ==, 0);
}

typedef struct
{
  guint    step;
  gboolean alive; /* the application still ran after its last window closed */
} Background;

static gboolean
background_step (gpointer user_data)
{
  Background *b = user_data;
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (b->step++ == 0)
    {
      /* The user closes the window. */
      g_assert_nonnull (window);
      gtk_window_destroy (window);
      return G_SOURCE_CONTINUE;
    }
  /* Still here a while after: syncing and notifying go on. Then the option goes off, and with
   * it the last reason to run. */
  g_assert_null (window);
  b->alive = TRUE;
  g_settings_set_boolean (settings, "run-in-background", FALSE);
  return G_SOURCE_REMOVE;
}

/* Last: g_application_run() ends with the application's shutdown. */
static void
test_run_in_background (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  Background b = { 0, FALSE };

  g_settings_set_boolean (settings, "run-in-background", TRUE);
  g_application_release (G_APPLICATION (app));
  g_timeout_add (300, background_step, &b);
  /* Opens a window (activate), and returns once nothing holds the application any more. */
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);
  g_assert_true (b.alive);
  g_assert_cmpuint (b.step, ==, 2);
  g_application_hold (G_APPLICATION (app));
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_remove (path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  calls = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  removals = g_ptr_array_new_with_free_func (g_free);
  start_notification_server ();

  /* The application's store in a folder of the test's own. */
  dir = g_dir_make_tmp ("courriel-notifier-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (courriel_engine_set_data_dir (dir, &error));
  app = courriel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/notifier/one-notification-per-batch", test_one_notification_per_batch);
  g_test_add_func ("/notifier/click-shows-message", test_click_shows_message);
  g_test_add_func ("/notifier/check-interval", test_check_interval);
  g_test_add_func ("/notifier/refused-message", test_refused_message);
  g_test_add_func ("/notifier/run-in-background", test_run_in_background);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  g_clear_object (&server);
  g_ptr_array_unref (calls);
  g_ptr_array_unref (removals);
  remove_tree (dir);
  return status;
}
