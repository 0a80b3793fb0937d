/* test-preferences.c — the preferences change the settings and the accounts a user would notice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows are found by the titles a person reads and changed as a click would change them; the
 * accounts are read back from a real SQLite store.
 */
#include "config.h"

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-engine.h"
#include "courriel-preferences-window.h"
#include "courriel-test-util.h"

static CourrielStore *store;
static char *folder;

static void
save_account (const char *address, CourrielProtocol protocol)
{
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  account->protocol = protocol;
  account->incoming.host = g_strdup ("mail.example.fr");
  account->incoming.port = protocol == COURRIEL_PROTOCOL_POP3 ? 995 : 993;
  account->incoming.username = g_strdup (address);
  courriel_account_save_async (store, account, NULL, NULL, NULL, courriel_test_got_result, &result);
  g_assert_cmpint (courriel_account_save_finish (courriel_test_wait_for (&result), &error), >, 0);
  g_assert_no_error (error);
}

/* The account as the store has it now. */
static CourrielAccount *
load_account (const char *address)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;

  courriel_account_list_async (store, NULL, courriel_test_got_result, &result);
  accounts = courriel_account_list_finish (store, courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    {
      CourrielAccount *account = accounts->pdata[i];
      if (g_str_equal (account->address, address))
        return courriel_account_copy (account);
    }
  g_assert_not_reached ();
}

typedef gboolean (*AccountCheck) (const CourrielAccount *account);

/* Saves run in the store's writer thread: the store reaches @check within ten seconds. */
static void
wait_for_account (const char *address, AccountCheck check)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (CourrielAccount) account = load_account (address);
      if (check (account))
        return;
      g_usleep (20000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_assert_not_reached ();
}

/* The widget of @type under @root whose own title, or whose group's title (@group), is @title. */
static GtkWidget *
find_row (GtkWidget *root, const char *group, const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = NULL;

      if (group != NULL && ADW_IS_PREFERENCES_GROUP (child))
        {
          if (g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (child)), group) == 0)
            found = find_row (child, NULL, title);
        }
      else if (group == NULL && ADW_IS_PREFERENCES_ROW (child)
               && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        found = child;
      else
        found = find_row (child, group, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_suffix (GtkWidget *root, GType type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (child, type) ? child : find_suffix (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
row (GtkWindow *window, const char *group, const char *title)
{
  GtkWidget *found = find_row (GTK_WIDGET (window), group, title);

  g_assert_nonnull (found);
  return found;
}

static GtkSwitch *
switch_of (GtkWindow *window, const char *group, const char *title)
{
  GtkWidget *found = find_suffix (row (window, group, title), GTK_TYPE_SWITCH);

  g_assert_nonnull (found);
  return GTK_SWITCH (found);
}

/* The accounts are listed in a reader thread: waits until they show. */
static void
wait_for_accounts (GtkWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (find_row (GTK_WIDGET (window), "bob@example.fr", "Keep on the Server") == NULL
         && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_nonnull (find_row (GTK_WIDGET (window), "bob@example.fr", "Keep on the Server"));
}

static GtkWindow *
open_window (void)
{
  GtkWindow *window = courriel_preferences_window_new (NULL, store);

  gtk_window_present (window);
  wait_for_accounts (window);
  return window;
}

static void
test_general (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  GtkWindow *window = open_window ();
  GtkSpinButton *interval = GTK_SPIN_BUTTON (find_suffix (row (window, NULL, "Check Every (Minutes)"),
                                                          GTK_TYPE_SPIN_BUTTON));
  AdwComboRow *mark_read = ADW_COMBO_ROW (row (window, NULL, "Mark Messages as Read"));
  AdwComboRow *remote = ADW_COMBO_ROW (row (window, NULL, "Remote Images"));

  /* The widgets start from the settings. */
  g_assert_cmpfloat (gtk_spin_button_get_value (interval), ==, 5);
  g_assert_true (gtk_switch_get_active (switch_of (window, NULL, "Notifications")));
  g_assert_false (gtk_switch_get_active (switch_of (window, NULL, "Run in the Background")));
  g_assert_false (gtk_switch_get_active (switch_of (window, NULL, "Group Messages into Conversations")));
  g_assert_cmpuint (adw_combo_row_get_selected (mark_read), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (remote), ==, 0);

  /* Changing them changes the settings. */
  gtk_spin_button_set_value (interval, 15);
  g_assert_cmpuint (g_settings_get_uint (settings, "check-interval"), ==, 15);
  gtk_spin_button_set_value (interval, 0);
  g_assert_cmpuint (g_settings_get_uint (settings, "check-interval"), ==, 0);
  gtk_switch_set_active (switch_of (window, NULL, "Notifications"), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "notifications"));
  gtk_switch_set_active (switch_of (window, NULL, "Run in the Background"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
  gtk_switch_set_active (switch_of (window, NULL, "Group Messages into Conversations"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "conversation-view"));
  adw_combo_row_set_selected (mark_read, 2);
  g_assert_cmpint (g_settings_get_int (settings, "mark-read-delay"), ==, 5);
  adw_combo_row_set_selected (mark_read, 4);
  g_assert_cmpint (g_settings_get_int (settings, "mark-read-delay"), ==, -1);
  adw_combo_row_set_selected (remote, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "remote-content"), ==, "never");

  /* A key changed elsewhere shows; a delay this window does not offer shows as the nearest one. */
  g_settings_set_int (settings, "mark-read-delay", 3);
  g_assert_cmpuint (adw_combo_row_get_selected (mark_read), ==, 1);
  g_settings_set_string (settings, "remote-content", "ask");
  g_assert_cmpuint (adw_combo_row_get_selected (remote), ==, 0);
  g_settings_set_uint (settings, "check-interval", 30);
  g_assert_cmpfloat (gtk_spin_button_get_value (interval), ==, 30);

  gtk_window_destroy (window);
  g_settings_reset (settings, "check-interval");
  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "run-in-background");
  g_settings_reset (settings, "conversation-view");
  g_settings_reset (settings, "mark-read-delay");
  g_settings_reset (settings, "remote-content");
}

static gboolean
offline_30 (const CourrielAccount *account)
{
  return account->offline_days == 30;
}

static gboolean
keeps_always (const CourrielAccount *account)
{
  return account->pop3_keep_days == -1;
}

static gboolean
all_three_changes (const CourrielAccount *account)
{
  return account->pop3_keep_days == 30 && !account->pop3_delete_when_deleted_here;
}

static void
test_accounts (void)
{
  GtkWindow *window = open_window ();
  AdwComboRow *offline = ADW_COMBO_ROW (row (window, "alice@example.fr", "Download for Offline Reading"));
  AdwComboRow *keep = ADW_COMBO_ROW (row (window, "bob@example.fr", "Keep on the Server"));
  g_autoptr (CourrielAccount) alice = NULL;
  g_autoptr (CourrielAccount) bob = NULL;

  /* An IMAP account has no POP3 policy; a POP3 account shows its own (14 days by default) and no
   * offline period: POP3 downloads every message whole. */
  g_assert_null (find_row (GTK_WIDGET (window), "alice@example.fr", "Keep on the Server"));
  g_assert_null (find_row (GTK_WIDGET (window), "bob@example.fr", "Download for Offline Reading"));
  g_assert_cmpuint (adw_combo_row_get_selected (keep), ==, 2);
  g_assert_true (gtk_switch_get_active (switch_of (window, "bob@example.fr", "Delete from the Server When Deleted Here")));

  adw_combo_row_set_selected (offline, 2);
  wait_for_account ("alice@example.fr", offline_30);
  adw_combo_row_set_selected (keep, 4);
  wait_for_account ("bob@example.fr", keeps_always);

  /* Quick changes of one account, faster than the store writes: none is lost. */
  gtk_switch_set_active (switch_of (window, "bob@example.fr", "Delete from the Server When Deleted Here"), FALSE);
  adw_combo_row_set_selected (keep, 1);
  adw_combo_row_set_selected (keep, 3);
  wait_for_account ("bob@example.fr", all_three_changes);

  /* Only the field changed: the other account and the servers are as they were. */
  alice = load_account ("alice@example.fr");
  bob = load_account ("bob@example.fr");
  g_assert_cmpint (alice->pop3_keep_days, ==, 14);
  g_assert_cmpstr (bob->incoming.host, ==, "mail.example.fr");
  g_assert_cmpint (bob->incoming.port, ==, 995);

  /* A new window shows what was saved. */
  gtk_window_destroy (window);
  window = open_window ();
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (window, "alice@example.fr",
                                                                    "Download for Offline Reading"))),
                    ==, 2);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (window, "bob@example.fr", "Keep on the Server"))),
                    ==, 3);
  gtk_window_destroy (window);
}

static void
test_no_store (void)
{
  GtkWindow *window = courriel_preferences_window_new (NULL, NULL);

  gtk_window_present (window);
  g_assert_null (find_row (GTK_WIDGET (window), "alice@example.fr", "Download for Offline Reading"));
  g_assert_nonnull (row (window, NULL, "Notifications"));
  gtk_window_destroy (window);
}

static GtkWindow *
preferences_window_of (CourrielApplication *app)
{
  GtkWindow *found = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (COURRIEL_IS_PREFERENCES_WINDOW (l->data))
      {
        g_assert_null (found);
        found = l->data;
      }
  return found;
}

/* Ctrl+comma or the menu: app.preferences opens one window, on the application's own store. */
static void
test_application_action (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielApplication) app = NULL;
  g_auto (GStrv) accels = NULL;
  GtkWindow *window;

  app = courriel_application_new ();
  /* Other tests run an application of the same id on the same bus at the same time. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  g_assert_true (g_strv_contains ((const char *const *)accels, "<Control>comma"));

  g_assert_null (preferences_window_of (app));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  window = preferences_window_of (app);
  g_assert_nonnull (window);
  wait_for_accounts (window);

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (preferences_window_of (app) == window);
  gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (app));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  adw_init ();

  folder = g_dir_make_tmp ("courriel-preferences-XXXXXX", &error);
  g_assert_no_error (error);
  /* The application of test_application_action opens the same store. */
  g_assert_true (courriel_engine_set_data_dir (folder, &error));
  path = courriel_engine_dup_database_path ();
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  save_account ("alice@example.fr", COURRIEL_PROTOCOL_IMAP);
  save_account ("bob@example.fr", COURRIEL_PROTOCOL_POP3);

  g_test_add_func ("/preferences/general", test_general);
  g_test_add_func ("/preferences/accounts", test_accounts);
  g_test_add_func ("/preferences/no-store", test_no_store);
  g_test_add_func ("/preferences/application-action", test_application_action);
  status = g_test_run ();

  courriel_store_close (store);
  g_clear_object (&store);
  courriel_test_remove_tree (folder);
  g_free (folder);
  return status;
}
