/* test-account-settings.c — the account dialog and the banner's actions against the bench: a new password, a changed certificate, a new name, removing an account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two accounts on the bench, written before the application starts: bob's (1) with a wrong
 * password, alice's (2) pinned to a certificate the server does not present. The banner speaks
 * for bob first: its Enter Password… takes a wrong password (refused, nothing saved) then the
 * right one, and bob syncs. The banner then speaks for alice: its Check Certificate… shows the
 * bench's real fingerprint, and trusting it makes her sync work. Alice's name is edited and
 * saved and shown in the sidebar, and a wrong port is refused; bob is removed from the preferences, with his folders, messages, sidebar rows and keyring item.
 * Then alice's login method: the dialog lists what the bench advertises, PLAIN then SCRAM-SHA-1
 * are saved and she still syncs, and a method the server does not offer is refused in plain
 * words; her address changes, in the store and the keyring, and she still syncs. Last, her
 * outgoing server pinned to a wrong certificate: a message sent stays in the Outbox and the
 * banner says the outgoing server's certificate changed; Check Certificate… shows the bench's
 * fingerprint, and trusting it sends the message, which arrives in bob's INBOX; then its
 * outgoing password refused: Enter Password… saves the right one for the outgoing server and the
 * message arrives. Set Up Again… opens the wizard with alice's address and name.
 */
#include "config.h"

#include "courriel-account-dialog.h"
#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-engine.h"
#include "courriel-outbox.h"
#include "courriel-preferences-window.h"
#include "courriel-secrets.h"
#include "courriel-setup-wizard.h"
#include "courriel-sync-banner.h"
#include "courriel-test-bench.h"
#include "courriel-test-curl.h"
#include "courriel-window.h"
#include "window-test-util.h"

#define WRONG_FINGERPRINT                                                                                              \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"

static CourrielTestBench *bench;
static CourrielApplication *app;
static char *fingerprint; /* the bench's real one */

static gint64
query (const char *sql)
{
  return test_query (courriel_application_get_store (app), sql);
}

static void
iterate (void)
{
  test_iterate ();
}

static CourrielWindow *
main_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (COURRIEL_IS_WINDOW (l->data))
      return l->data;
  g_application_activate (G_APPLICATION (app));
  return COURRIEL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
}

/* The toplevel of @type that is showing, if any. */
static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (window)
          && gtk_widget_get_width (window) > 0)
        return window;
    }
  return NULL;
}

static GtkWidget *
wait_for_toplevel (GType type)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (find_toplevel (type) == NULL && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_nonnull (find_toplevel (type));
  return find_toplevel (type);
}

static GtkWidget *
find_widget_with_text (GtkWidget *widget, GType type, const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      const char *shown = GTK_IS_BUTTON (widget) ? gtk_button_get_label (GTK_BUTTON (widget))
                                                 : gtk_label_get_label (GTK_LABEL (widget));
      if (shown != NULL && strstr (shown, text) != NULL && gtk_widget_is_drawable (widget))
        return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget_with_text (child, type, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every label shown, for a failure's message. */
static void
collect_labels (GtkWidget *widget, GString *out)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_drawable (widget))
    g_string_append_printf (out, "\n  %s", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    collect_labels (child, out);
}

static void
wait_for_text (GtkWidget *widget, const char *text, gboolean shown)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while ((find_widget_with_text (widget, GTK_TYPE_LABEL, text) != NULL) != shown
         && g_get_monotonic_time () < deadline)
    iterate ();
  if ((find_widget_with_text (widget, GTK_TYPE_LABEL, text) != NULL) != shown)
    {
      g_autoptr (GString) labels = g_string_new (NULL);

      collect_labels (widget, labels);
      g_error ("“%s” was %s; shown:%s", text, shown ? "never shown" : "still shown", labels->str);
    }
}

static void
wait_for_query (const char *sql, gint64 expected)
{
  test_wait_for_query (courriel_application_get_store (app), sql, expected);
}

/* The banner's button, as a user clicks it. */
static void
click_banner_button (CourrielWindow *window, const char *label)
{
  GtkWidget *button = find_widget_with_text (GTK_WIDGET (window), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* As a click on the response's button: the response, then the dialog closes. */
static void
click_response (AdwMessageDialog *dialog, const char *response)
{
  g_assert_true (adw_message_dialog_has_response (dialog, response));
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
}

static GtkWidget *
dialog_child (GtkWidget *dialog, const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (dialog, COURRIEL_TYPE_ACCOUNT_DIALOG, name));
}

/* The dialog can save once it has read the account from the store. */
static void
wait_loaded (GtkWidget *dialog)
{
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
       !gtk_widget_is_sensitive (dialog_child (dialog, "save_button")) && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_true (gtk_widget_is_sensitive (dialog_child (dialog, "save_button")));
}

static char *
lookup_role_password (const char *address, const char *role)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *password;

  courriel_secrets_lookup_async (address, role, NULL, test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  password = courriel_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
  return password;
}

static char *
lookup_password (const char *address)
{
  return lookup_role_password (address, "incoming");
}

static void
store_account (CourrielStore *store, CourrielAccount *account, const char *password, const char *outgoing_password)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_account_save_async (store, account, password, outgoing_password, NULL, test_got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  courriel_account_save_finish (result, &error);
  g_assert_no_error (error);
}

static void
save_account (CourrielStore *store, const char *address, const char *password, const char *pinned,
              gboolean outgoing)
{
  g_autoptr (CourrielAccount) account = courriel_account_new (address);

  account->incoming = (CourrielServer){ g_strdup ("127.0.0.1"),
                                        courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS, g_strdup (address), NULL, g_strdup (pinned) };
  if (outgoing)
    account->outgoing = (CourrielServer){ g_strdup ("127.0.0.1"),
                                          courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSIONS),
                                          COURRIEL_SECURITY_TLS, g_strdup (address), NULL, g_strdup (pinned) };
  store_account (store, account, password, outgoing ? password : NULL);
}

/* Bob has mail, for his removal to take away. */
static void
deliver_to_bob (void)
{
  g_autoptr (GError) error = NULL;
  const char *raw = "From: Élodie Martin <elodie@example.org>\r\nTo: bob@example.test\r\nSubject: Bonjour\r\n"
                    "Message-ID: <bob1@example.org>\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\n\r\nBonjour Bob.\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (raw, strlen (raw));

  g_assert_true (courriel_test_bench_add_message (bench, "bob@example.test", "INBOX", bytes, "", 0, &error));
  g_assert_no_error (error);
}

static void
add_accounts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench),
                                                                            &error);
  g_autofree char *path = courriel_engine_dup_database_path ();
  g_autoptr (CourrielStore) store = NULL;

  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  save_account (store, "bob@example.test", "not-the-password", fingerprint, TRUE);
  save_account (store, "alice@example.test", courriel_test_bench_get_password (bench, "alice@example.test"),
                WRONG_FINGERPRINT, FALSE);
  courriel_store_close (store);
}

/* Enter Password… from the banner: a wrong password is refused and not saved; the right one is
 * saved, the account syncs, and the banner stops speaking for it. */
static void
test_password_from_banner (void)
{
  CourrielWindow *window = main_window ();
  const char *right = courriel_test_bench_get_password (bench, "bob@example.test");
  GtkWidget *dialog;
  GtkEditable *entry;
  g_autofree char *saved = NULL;

  wait_for_text (GTK_WIDGET (window), "Courriel could not sign in to bob@example.test: the password was refused.",
                 TRUE);
  click_banner_button (window, "Enter Password");
  dialog = wait_for_toplevel (COURRIEL_TYPE_ACCOUNT_DIALOG);
  g_object_ref (dialog);
  wait_loaded (dialog);
  entry = GTK_EDITABLE (dialog_child (dialog, "password_row"));
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (entry)));
  g_assert_false (gtk_widget_get_visible (dialog_child (dialog, "incoming_group")));

  gtk_editable_set_text (entry, "still-not-the-password");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, "refused this user name and password", TRUE);
  saved = lookup_password ("bob@example.test");
  g_assert_cmpstr (saved, ==, "not-the-password");
  test_save_screenshot (dialog, "account-password-refused.png");

  gtk_editable_set_text (entry, right);
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  for (gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
       gtk_widget_get_visible (dialog) && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_false (gtk_widget_get_visible (dialog));
  g_object_unref (dialog);
  g_free (saved);
  saved = lookup_password ("bob@example.test");
  g_assert_cmpstr (saved, ==, right);
  /* The outgoing server was verified too: the SIZE it announced is saved, for the composer. */
  g_assert_cmpint (query ("SELECT smtp_size_limit FROM accounts WHERE id = 1"), ==, 10240000);

  /* Synced again: bob's Inbox is in the store, and the banner no longer speaks for him. */
  wait_for_query ("SELECT count (*) FROM folders WHERE account_id = 1 AND role = 'inbox'", 1);
  wait_for_text (GTK_WIDGET (window), "could not sign in to bob@example.test", FALSE);
}

/* Check Certificate… from the banner: the bench's real fingerprint, trusted explicitly, pinned;
 * then alice syncs and the banner goes away. */
static void
test_certificate_from_banner (void)
{
  CourrielWindow *window = main_window ();
  GtkWidget *dialog;

  g_assert_cmpint (query ("SELECT count (*) FROM folders WHERE account_id = 2"), ==, 0);
  wait_for_text (GTK_WIDGET (window), "The server’s certificate changed for alice@example.test", TRUE);
  click_banner_button (window, "Check Certificate");
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (find_widget_with_text (dialog, GTK_TYPE_LABEL, fingerprint));
  g_assert_null (find_widget_with_text (dialog, GTK_TYPE_LABEL, WRONG_FINGERPRINT));
  test_save_screenshot (dialog, "account-certificate.png");
  click_response (ADW_MESSAGE_DIALOG (dialog), "trust");

  wait_for_query ("SELECT count (*) FROM folders WHERE account_id = 2 AND role = 'inbox'", 1);
  wait_for_text (GTK_WIDGET (window), "The server’s certificate changed", FALSE);
  g_assert_false (courriel_sync_banner_is_revealed (COURRIEL_SYNC_BANNER (
      gtk_widget_get_template_child (GTK_WIDGET (window), COURRIEL_TYPE_WINDOW, "sync_banner"))));
}

static GtkWidget *
open_settings (gint64 account_id)
{
  GtkWindow *dialog = courriel_account_dialog_new (GTK_WINDOW (main_window ()), courriel_application_get_store (app),
                                                   courriel_application_get_sync_service (app), account_id,
                                                   COURRIEL_ACCOUNT_DIALOG_SETTINGS);

  gtk_window_present (dialog);
  wait_loaded (GTK_WIDGET (dialog));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (dialog_child (GTK_WIDGET (dialog), "incoming_host"))), ==,
                   "127.0.0.1");
  return GTK_WIDGET (dialog);
}

static void
wait_closed (GtkWidget *dialog)
{
  for (gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
       gtk_widget_get_visible (dialog) && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_false (gtk_widget_get_visible (dialog));
}

/* A new name is saved; a wrong port is refused by logging in, and nothing is saved. */
static void
test_edit (void)
{
  GtkWidget *dialog = g_object_ref (open_settings (2));
  gint64 port = query ("SELECT incoming_port FROM accounts WHERE id = 2");

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (dialog_child (dialog, "incoming_port")), 1);
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, "Courriel could not reach 127.0.0.1 on port 1", TRUE);
  g_assert_cmpint (query ("SELECT incoming_port FROM accounts WHERE id = 2"), ==, port);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (dialog_child (dialog, "incoming_port")), (double)port);
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "name_row")), "Alice Martin");
  test_save_screenshot (dialog, "account-settings.png");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_closed (dialog);
  g_object_unref (dialog);
  wait_for_query ("SELECT count (*) FROM accounts WHERE id = 2 AND display_name = 'Alice Martin'", 1);
  g_assert_cmpint (query ("SELECT incoming_port FROM accounts WHERE id = 2"), ==, port);
  /* The sidebar's account header says the new name. */
  wait_for_text (GTK_WIDGET (main_window ()), "Alice Martin", TRUE);

  /* The sidebar's menu opens the same dialog, for an account of the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window ()), "win.account-settings", NULL));
  dialog = wait_for_toplevel (COURRIEL_TYPE_ACCOUNT_DIALOG);
  wait_loaded (dialog);
  g_assert_true (gtk_widget_get_visible (dialog_child (dialog, "incoming_group")));
  gtk_window_close (GTK_WINDOW (dialog));
}

/* A new password for an account whose pinned certificate no longer matches: the dialog shows
 * the certificate and pins it only when the user trusts it. */
static void
test_trust_in_dialog (void)
{
  CourrielStore *store = courriel_application_get_store (app);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GAsyncResult) listed = NULL;
  g_autoptr (GAsyncResult) saved = NULL;
  g_autoptr (GError) error = NULL;
  CourrielAccount *alice;
  GtkWidget *dialog;
  g_autofree char *pinned = g_strdup_printf ("SELECT count (*) FROM accounts WHERE id = 2 AND incoming_fingerprint = '%s'",
                                             fingerprint);

  courriel_account_list_async (store, NULL, test_got_result, &listed);
  while (listed == NULL)
    g_main_context_iteration (NULL, TRUE);
  accounts = courriel_account_list_finish (store, listed, &error);
  g_assert_no_error (error);
  alice = courriel_account_find (accounts, 2);
  g_assert_nonnull (alice);
  g_free (alice->incoming.fingerprint);
  alice->incoming.fingerprint = g_strdup (WRONG_FINGERPRINT);
  courriel_account_save_async (store, alice, NULL, NULL, NULL, test_got_result, &saved);
  while (saved == NULL)
    g_main_context_iteration (NULL, TRUE);
  courriel_account_save_finish (saved, &error);
  g_assert_no_error (error);

  dialog = g_object_ref (open_settings (2));
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "password_row")),
                         courriel_test_bench_get_password (bench, "alice@example.test"));
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, fingerprint, TRUE);
  g_assert_true (gtk_widget_get_visible (dialog_child (dialog, "trust_button")));
  g_assert_cmpint (query (pinned), ==, 0);
  g_assert_true (gtk_widget_activate_action (dialog, "account.trust-certificate", NULL));
  wait_closed (dialog);
  g_object_unref (dialog);
  wait_for_query (pinned, 1);
}

/* The account group's row that opens the account dialog, in the preferences. */
static GtkWidget *
settings_row (GtkWidget *widget, const char *address)
{
  GtkWidget *group = gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_GROUP);

  if (ADW_IS_ACTION_ROW (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "Name, Password and Servers") == 0
      && group != NULL && g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group)), address) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = settings_row (child, address);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Removing asks first; then the account's rows, sidebar entry and keyring item are gone. */
static void
test_remove (void)
{
  CourrielWindow *window = main_window ();
  GtkWidget *dialog;
  GtkWidget *confirm;
  GtkWidget *preferences;
  g_autofree char *password = NULL;

  g_assert_cmpint (query ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                          "WHERE f.account_id = 1"),
                   >, 0);
  wait_for_text (GTK_WIDGET (window), "bob@example.test", TRUE);
  /* From the preferences' Accounts page, as a user would. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = wait_for_toplevel (COURRIEL_TYPE_PREFERENCES_WINDOW);
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
       settings_row (preferences, "bob@example.test") == NULL && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_nonnull (settings_row (preferences, "bob@example.test"));
  g_signal_emit_by_name (settings_row (preferences, "bob@example.test"), "activated");
  dialog = g_object_ref (wait_for_toplevel (COURRIEL_TYPE_ACCOUNT_DIALOG));
  wait_loaded (dialog);
  g_assert_true (gtk_widget_activate_action (dialog, "account.remove", NULL));
  confirm = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (confirm)), ==, "Remove bob@example.test?");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (confirm), "remove"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  click_response (ADW_MESSAGE_DIALOG (confirm), "remove");
  wait_closed (dialog);
  g_object_unref (dialog);

  wait_for_query ("SELECT count (*) FROM accounts WHERE address = 'bob@example.test'", 0);
  g_assert_cmpint (query ("SELECT count (*) FROM folders WHERE account_id = 1"), ==, 0);
  g_assert_cmpint (query ("SELECT count (*) FROM messages m LEFT JOIN folders f ON f.id = m.folder_id "
                          "WHERE f.id IS NULL OR f.account_id = 1"),
                   ==, 0);
  wait_for_text (GTK_WIDGET (window), "bob@example.test", FALSE);
  wait_for_text (GTK_WIDGET (window), "Alice Martin", TRUE);
  /* The preferences no longer list bob either. */
  g_assert_null (settings_row (preferences, "bob@example.test"));
  g_assert_nonnull (settings_row (preferences, "alice@example.test"));
  gtk_window_destroy (GTK_WINDOW (preferences));
  password = lookup_password ("bob@example.test");
  g_assert_null (password);
}

/* Alice as the store has her now. */
static CourrielAccount *
read_alice (void)
{
  CourrielStore *store = courriel_application_get_store (app);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GAsyncResult) listed = NULL;
  g_autoptr (GError) error = NULL;

  courriel_account_list_async (store, NULL, test_got_result, &listed);
  while (listed == NULL)
    g_main_context_iteration (NULL, TRUE);
  accounts = courriel_account_list_finish (store, listed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (courriel_account_find (accounts, 2));
  return courriel_account_copy (courriel_account_find (accounts, 2));
}

/* A sync of alice through the application's sync service succeeds. */
static void
assert_alice_syncs (void)
{
  CourrielSyncService *service = courriel_application_get_sync_service (app);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAccountSyncReport) report = NULL;

  courriel_sync_service_sync_account_async (service, 2, COURRIEL_ACCOUNT_SYNC_DEFAULT, NULL, test_got_result,
                                            &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  report = courriel_sync_service_sync_account_finish (service, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
}

/* The incoming Login Method row, once the server's advertised methods are in it. */
static GListModel *
wait_for_mechanisms (GtkWidget *dialog)
{
  AdwComboRow *row = ADW_COMBO_ROW (dialog_child (dialog, "incoming_auth"));

  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
       g_list_model_get_n_items (adw_combo_row_get_model (row)) < 3 && g_get_monotonic_time () < deadline;)
    iterate ();
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), >=, 3);
  return adw_combo_row_get_model (row);
}

static void
choose_mechanism (GtkWidget *dialog, const char *mechanism)
{
  GListModel *model = wait_for_mechanisms (dialog);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), mechanism) == 0)
      {
        adw_combo_row_set_selected (ADW_COMBO_ROW (dialog_child (dialog, "incoming_auth")), i);
        return;
      }
  g_error ("%s is not among the login methods offered", mechanism);
}

/* The methods the bench's Dovecot advertises are listed; choosing one logs in with it before it
 * is saved, and alice syncs with it. */
static void
test_login_method (void)
{
  static const char *const methods[] = { "PLAIN", "SCRAM-SHA-1" };
  static const char *const advertised[] = { "PLAIN", "LOGIN", "SCRAM-SHA-1", "SCRAM-SHA-256" };
  GtkWidget *dialog;
  GListModel *model;

  dialog = open_settings (2);
  model = wait_for_mechanisms (dialog);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==, "Automatic");
  for (guint m = 0; m < G_N_ELEMENTS (advertised); m++)
    {
      gboolean listed = FALSE;
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        listed |= g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), advertised[m]) == 0;
      g_assert_true (listed);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM accounts WHERE id = 2 AND incoming_auth = '%s'",
                                              methods[i]);

      dialog = g_object_ref (open_settings (2));
      choose_mechanism (dialog, methods[i]);
      if (i == 0)
        test_save_screenshot (dialog, "account-login-method.png");
      g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
      wait_closed (dialog);
      g_object_unref (dialog);
      wait_for_query (sql, 1);
      assert_alice_syncs ();
    }
}

/* A method saved before that the server does not offer is refused, by name, before any password
 * is sent, and nothing is saved. */
static void
test_login_method_not_offered (void)
{
  g_autoptr (CourrielAccount) alice = read_alice ();
  GtkWidget *dialog;

  g_free (alice->incoming.auth);
  alice->incoming.auth = g_strdup ("CRAM-MD5");
  store_account (courriel_application_get_store (app), alice, NULL, NULL);

  dialog = g_object_ref (open_settings (2));
  wait_for_mechanisms (dialog);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (ADW_COMBO_ROW (
                                                   dialog_child (dialog, "incoming_auth")))),
                                               adw_combo_row_get_selected (ADW_COMBO_ROW (
                                                   dialog_child (dialog, "incoming_auth")))),
                   ==, "CRAM-MD5");
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "name_row")), "Alice M.");
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "password_row")),
                         courriel_test_bench_get_password (bench, "alice@example.test"));
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, "127.0.0.1: The server does not offer the login method CRAM-MD5. It offers: LOGIN, PLAIN", TRUE);
  test_save_screenshot (dialog, "account-login-method-refused.png");
  g_assert_cmpint (query ("SELECT count (*) FROM accounts WHERE id = 2 AND display_name = 'Alice Martin' "
                          "AND incoming_auth = 'CRAM-MD5'"),
                   ==, 1);

  /* Back to Automatic: saved, and she syncs. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (dialog_child (dialog, "incoming_auth")), 0);
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "name_row")), "Alice Martin");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_closed (dialog);
  g_object_unref (dialog);
  wait_for_query ("SELECT count (*) FROM accounts WHERE id = 2 AND incoming_auth IS NULL", 1);
  assert_alice_syncs ();
}

/* A new address: the same account (its folders stay), its password found under the new address
 * and no longer under the old one, and it syncs. A malformed address is refused. */
static void
test_address (void)
{
  gint64 folders = query ("SELECT count (*) FROM folders WHERE account_id = 2");
  GtkWidget *dialog = g_object_ref (open_settings (2));
  g_autofree char *moved = NULL;
  g_autofree char *left = NULL;

  g_assert_cmpint (folders, >, 0);
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "address_row")), "alice.martin");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, "Enter an e-mail address such as name@example.com.", TRUE);

  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "address_row")), "alice.martin@example.test");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_closed (dialog);
  g_object_unref (dialog);
  wait_for_query ("SELECT count (*) FROM accounts WHERE id = 2 AND address = 'alice.martin@example.test' "
                  "AND incoming_username = 'alice@example.test'",
                  1);
  g_assert_cmpint (query ("SELECT count (*) FROM accounts"), ==, 1);
  g_assert_cmpint (query ("SELECT count (*) FROM folders WHERE account_id = 2"), ==, folders);
  moved = lookup_password ("alice.martin@example.test");
  g_assert_cmpstr (moved, ==, courriel_test_bench_get_password (bench, "alice@example.test"));
  left = lookup_password ("alice@example.test");
  g_assert_null (left);
  assert_alice_syncs ();
}

static CourrielSyncBanner *
banner (void)
{
  return COURRIEL_SYNC_BANNER (gtk_widget_get_template_child (GTK_WIDGET (main_window ()), COURRIEL_TYPE_WINDOW,
                                                               "sync_banner"));
}

/* A message from alice to bob in her Outbox, sent at her next sync. */
static void
queue_to_bob (const char *subject)
{
  CourrielStore *store = courriel_application_get_store (app);
  g_autoptr (GAsyncResult) queued = NULL;
  g_autoptr (GError) error = NULL;
  const char *recipients[] = { "bob@example.test", NULL };
  g_autofree char *raw = g_strdup_printf ("From: Alice Martin <alice@example.test>\r\nTo: bob@example.test\r\n"
                                          "Subject: %s\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\n"
                                          "Bonjour Bob.\r\n",
                                          subject);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

  courriel_outbox_queue_async (store, 2, "alice@example.test", recipients, bytes, NULL, test_got_result, &queued);
  while (queued == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (courriel_outbox_queue_finish (store, queued, &error), >, 0);
  g_assert_no_error (error);
}

/* The message left the Outbox and is in bob's INBOX on the bench (delivery takes Postfix a moment). */
static void
assert_arrived (const char *subject)
{
  g_autofree char *criteria = g_strdup_printf ("SUBJECT \"%s\"", subject);
  g_autofree char *uids = NULL;

  wait_for_query ("SELECT count (*) FROM outbox WHERE account_id = 2", 0);
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_free (uids);
      uids = courriel_test_imap_search (bench, "bob@example.test", TRUE, "INBOX", criteria);
      if (*uids != '\0')
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (uids, !=, "");
}

/* The outgoing server alone presents a certificate other than the pinned one: the Outbox is
 * not sent and the banner says why, for the outgoing server; trusting the certificate there
 * pins it to the outgoing server and sends the message, which arrives. */
static void
test_outgoing_certificate (void)
{
  g_autoptr (CourrielAccount) alice = read_alice ();
  g_autofree char *incoming = g_strdup (alice->incoming.fingerprint);
  g_autofree char *pinned = g_strdup_printf ("SELECT count (*) FROM accounts WHERE id = 2 AND outgoing_fingerprint = "
                                             "'%s' AND incoming_fingerprint = '%s'",
                                             fingerprint, incoming);
  CourrielWindow *window = main_window ();
  GtkWidget *dialog;

  alice->outgoing = (CourrielServer){ g_strdup ("127.0.0.1"),
                                      courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSIONS),
                                      COURRIEL_SECURITY_TLS, g_strdup ("alice@example.test"), NULL,
                                      g_strdup (WRONG_FINGERPRINT) };
  store_account (courriel_application_get_store (app), alice, NULL,
                 courriel_test_bench_get_password (bench, "alice@example.test"));
  queue_to_bob ("Certificat sortant");

  courriel_sync_service_sync_account (courriel_application_get_sync_service (app), 2);
  wait_for_text (GTK_WIDGET (window), "The outgoing server’s certificate changed for", TRUE);
  g_assert_true (courriel_sync_banner_is_revealed (banner ()));
  g_assert_cmpint (query ("SELECT count (*) FROM outbox WHERE account_id = 2"), ==, 1);
  test_save_screenshot (GTK_WIDGET (window), "account-outgoing-certificate-banner.png");
  click_banner_button (window, "Check Certificate");
  dialog = wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Check the Outgoing Server’s Certificate");
  g_assert_nonnull (find_widget_with_text (dialog, GTK_TYPE_LABEL, fingerprint));
  g_assert_null (find_widget_with_text (dialog, GTK_TYPE_LABEL, WRONG_FINGERPRINT));
  click_response (ADW_MESSAGE_DIALOG (dialog), "trust");

  /* Pinned to the outgoing server; the incoming one keeps its own. */
  wait_for_query (pinned, 1);
  assert_arrived ("Certificat sortant");
  wait_for_text (GTK_WIDGET (window), "The outgoing server’s certificate changed", FALSE);
}

/* The outgoing server refuses its saved password (its own keyring item, apart from the
 * incoming one): the banner says so; Enter Password… checks the new one on the outgoing server,
 * saves it as the outgoing password only, and the Outbox goes. */
static void
test_outgoing_password (void)
{
  const char *address = "alice.martin@example.test";
  const char *right = courriel_test_bench_get_password (bench, "alice@example.test");
  CourrielWindow *window = main_window ();
  g_autoptr (GAsyncResult) stored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *outgoing = NULL;
  g_autofree char *incoming = NULL;
  GtkWidget *dialog;

  courriel_secrets_store_async (address, "outgoing", "127.0.0.1", "alice@example.test", "not-the-password", NULL,
                                test_got_result, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (courriel_secrets_store_finish (stored, &error));
  queue_to_bob ("Mot de passe sortant");

  courriel_sync_service_sync_account (courriel_application_get_sync_service (app), 2);
  wait_for_text (GTK_WIDGET (window), "The outgoing server refused the password for", TRUE);
  click_banner_button (window, "Enter Password");
  dialog = g_object_ref (wait_for_toplevel (COURRIEL_TYPE_ACCOUNT_DIALOG));
  wait_loaded (dialog);
  g_assert_false (gtk_widget_get_visible (dialog_child (dialog, "outgoing_group")));
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "password_row")), "still-not-the-password");
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_for_text (dialog, "refused this user name and password", TRUE);
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (dialog, "password_row")), right);
  g_assert_true (gtk_widget_activate_action (dialog, "account.save", NULL));
  wait_closed (dialog);
  g_object_unref (dialog);

  assert_arrived ("Mot de passe sortant");
  outgoing = lookup_role_password (address, "outgoing");
  g_assert_cmpstr (outgoing, ==, right);
  incoming = lookup_password (address);
  g_assert_cmpstr (incoming, ==, right);
  wait_for_text (GTK_WIDGET (window), "The outgoing server refused the password", FALSE);
}

/* The outgoing server has a password of its own (here another login, bob's): a new incoming
 * password typed in Enter Password… is refused there, so the outgoing one saved is tried before
 * the dialog says the password is wrong; the new one is saved for the incoming server only. */
static void
test_own_outgoing_password (void)
{
  const char *address = "alice.martin@example.test";
  const char *alice_password = courriel_test_bench_get_password (bench, "alice@example.test");
  const char *bob_password = courriel_test_bench_get_password (bench, "bob@example.test");
  g_autoptr (CourrielAccount) alice = read_alice ();
  g_autofree char *outgoing = NULL;
  g_autofree char *incoming = NULL;
  GtkWindow *dialog;

  g_assert_cmpstr (alice->address, ==, address);
  g_free (alice->outgoing.username);
  alice->outgoing.username = g_strdup ("bob@example.test");
  store_account (courriel_application_get_store (app), alice, NULL, bob_password);
  dialog = courriel_account_dialog_new (GTK_WINDOW (main_window ()), courriel_application_get_store (app),
                                        courriel_application_get_sync_service (app), 2,
                                        COURRIEL_ACCOUNT_DIALOG_PASSWORD);
  g_object_ref (dialog);
  gtk_window_present (dialog);
  wait_loaded (GTK_WIDGET (dialog));
  gtk_editable_set_text (GTK_EDITABLE (dialog_child (GTK_WIDGET (dialog), "password_row")), alice_password);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "account.save", NULL));
  wait_closed (GTK_WIDGET (dialog));
  g_object_unref (dialog);

  incoming = lookup_password (address);
  g_assert_cmpstr (incoming, ==, alice_password);
  outgoing = lookup_role_password (address, "outgoing");
  g_assert_cmpstr (outgoing, ==, bob_password);
}

/* IMAP and POP3 are not switched in place: Set Up Again… opens the wizard with the account's
 * address and name. */
static void
test_set_up_again (void)
{
  GtkWidget *dialog = open_settings (2);
  GtkWidget *wizard;

  g_assert_true (gtk_widget_is_drawable (dialog_child (dialog, "protocol_row")));
  /* Scrolled down to the login methods and the protocol, for the picture. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (dialog_child (dialog, "protocol_row"), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    wait_for_mechanisms (dialog);
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    for (guint i = 0; i < 20; i++)
      iterate ();
    test_save_screenshot (dialog, "account-protocol.png");
  }
  g_assert_nonnull (find_widget_with_text (dialog, GTK_TYPE_LABEL, "An account cannot switch between IMAP and POP3"));
  g_assert_true (gtk_widget_activate_action (dialog, "account.set-up-again", NULL));
  wizard = wait_for_toplevel (COURRIEL_TYPE_SETUP_WIZARD);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gtk_widget_get_template_child (
                       wizard, COURRIEL_TYPE_SETUP_WIZARD, "address_entry"))),
                   ==, "alice.martin@example.test");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gtk_widget_get_template_child (
                       wizard, COURRIEL_TYPE_SETUP_WIZARD, "name_entry"))),
                   ==, "Alice Martin");
  test_save_screenshot (wizard, "account-set-up-again.png");
  gtk_window_destroy (GTK_WINDOW (wizard));
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
  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "account-settings-data", NULL);
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));
  deliver_to_bob ();
  add_accounts ();

  app = test_start_application ();

  /* In this order: each one starts where the one before left the accounts. */
  g_test_add_func ("/account-settings/password-from-banner", test_password_from_banner);
  g_test_add_func ("/account-settings/certificate-from-banner", test_certificate_from_banner);
  g_test_add_func ("/account-settings/edit", test_edit);
  g_test_add_func ("/account-settings/trust-in-dialog", test_trust_in_dialog);
  g_test_add_func ("/account-settings/remove", test_remove);
  g_test_add_func ("/account-settings/login-method", test_login_method);
  g_test_add_func ("/account-settings/login-method-not-offered", test_login_method_not_offered);
  g_test_add_func ("/account-settings/address", test_address);
  g_test_add_func ("/account-settings/outgoing-certificate", test_outgoing_certificate);
  g_test_add_func ("/account-settings/outgoing-password", test_outgoing_password);
  g_test_add_func ("/account-settings/set-up-again", test_set_up_again);
  g_test_add_func ("/account-settings/own-outgoing-password", test_own_outgoing_password);
  status = g_test_run ();

  test_stop_application (g_steal_pointer (&app));
  courriel_test_bench_stop (bench);
  g_object_unref (bench);
  g_free (fingerprint);
  return status;
}
