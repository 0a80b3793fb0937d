/* test-setup-wizard-insecure.c — a server without encryption, added knowingly in the setup wizard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the bench's real servers: Dovecot's IMAP port (cleartext logins allowed from
 * loopback) and a cleartext Postfix submission port (COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION).
 * Settings typed by hand with Security "None": Next asks first (CourrielInsecureDialog, which
 * finds that both servers offer STARTTLS). Cancel sends nothing — the servers' logs show no
 * login — and saves nothing; "Use Without Encryption" logs in, saves the account with
 * allow_insecure, and its Inbox syncs. "Use STARTTLS" switches both servers to STARTTLS and
 * saves a secure account. The dialog is saved as tests/screenshots/wizard-insecure-confirm.png.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-engine.h"
#include "courriel-setup-wizard.h"
#include "courriel-test-bench.h"
#include "insecure-test-util.h"
#include "window-test-util.h"

#define USER "alice@example.test"

static const char plain_message[] = "From: Bob <bob@example.test>\r\nTo: " USER "\r\n"
                                    "Subject: Over a plain connection\r\n"
                                    "Date: Wed, 02 Dec 2026 01:00:00 +0000\r\n"
                                    "Message-ID: <insecure-1@example.test>\r\n\r\nHello.\r\n";

static CourrielApplication *app;
static CourrielTestBench *bench;
static CourrielStore *store;

static const char *
page (GtkWindow *wizard)
{
  GtkWidget *address = test_named (wizard, "address");

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (address, GTK_TYPE_STACK)));
}

static void
type (GtkWindow *wizard, const char *name, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (test_named (wizard, name)), text);
}

static void
type_port (GtkWindow *wizard, const char *name, guint port)
{
  g_autofree char *text = g_strdup_printf ("%u", port);

  type (wizard, name, text);
  gtk_spin_button_update (GTK_SPIN_BUTTON (test_named (wizard, name)));
}

static void
click_next (GtkWindow *wizard)
{
  GtkWidget *next = test_named (wizard, "next");

  g_assert_true (gtk_widget_is_sensitive (next));
  g_signal_emit_by_name (next, "clicked");
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @done says so, for at most @seconds. */
static void
wait_until (gboolean (*done) (gpointer), gpointer data, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, wake_up, NULL);

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static gboolean
on_page (gpointer data)
{
  gpointer *args = data;

  return g_str_equal (page (args[0]), args[1]);
}

static void
wait_for_page (GtkWindow *wizard, const char *name, guint seconds)
{
  gpointer args[] = { wizard, (gpointer)name };

  wait_until (on_page, args, seconds);
  g_assert_cmpstr (page (wizard), ==, name);
}

static gboolean
checked (gpointer data)
{
  return !courriel_insecure_dialog_is_checking (data);
}

/* Next, and the dialog that shows before anything is sent, once it knows about STARTTLS. */
static CourrielInsecureDialog *
next_and_dialog (GtkWindow *wizard)
{
  CourrielInsecureDialog *dialog;

  g_assert_null (insecure_test_find_dialog ());
  click_next (wizard);
  dialog = insecure_test_find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == wizard);
  g_assert_cmpstr (page (wizard), ==, "advanced"); /* not logging in yet */
  wait_until (checked, dialog, 30);
  g_assert_false (courriel_insecure_dialog_is_checking (dialog));
  return dialog;
}

static void
answer (CourrielInsecureDialog *dialog, const char *response)
{
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  if (dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (dialog);
}

static void
on_account_added (GtkWindow *wizard, gint64 id, gpointer user_data)
{
  *(gint64 *)user_data = id;
}

/* The wizard on its "by hand" page (nothing is found for nowhere.test), with the bench's
 * cleartext ports and Security "None" for both servers. */
static GtkWindow *
open_wizard_by_hand (gint64 *added)
{
  GtkWindow *wizard = courriel_setup_wizard_new (GTK_APPLICATION (app), store);

  g_signal_connect (wizard, "account-added", G_CALLBACK (on_account_added), added);
  gtk_window_present (wizard);
  while (!gtk_widget_get_mapped (GTK_WIDGET (wizard)))
    g_main_context_iteration (NULL, TRUE);
  type (wizard, "address", "alice@nowhere.test");
  type (wizard, "password", courriel_test_bench_get_password (bench, USER));
  click_next (wizard);
  wait_for_page (wizard, "advanced", 60);

  type (wizard, "incoming-host", "localhost");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "incoming-security")), COURRIEL_SECURITY_NONE);
  type_port (wizard, "incoming-port", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAP));
  type (wizard, "incoming-username", USER);
  type (wizard, "outgoing-host", "localhost");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security")), COURRIEL_SECURITY_NONE);
  type_port (wizard, "outgoing-port", courriel_test_bench_get_cleartext_submission_port (bench));
  type (wizard, "outgoing-username", USER);
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "insecure-warning")));
  return wizard;
}

static gint64
count_accounts (void)
{
  return test_query (store, "SELECT count (*) FROM accounts");
}

static CourrielAccount *
saved_account (gint64 id)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_account_list_async (store, NULL, test_got_result, &result);
  accounts = courriel_account_list_finish (store, insecure_test_wait (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    if (((CourrielAccount *)accounts->pdata[i])->id == id)
      return courriel_account_copy (accounts->pdata[i]);
  g_assert_not_reached ();
}

/* Cancel: nothing sent, nothing saved. Then "Use Without Encryption": logged in, saved with
 * allow_insecure, and the Inbox syncs over the same cleartext connection. */
static void
test_insecure (void)
{
  gint64 added = 0;
  GtkWindow *wizard = open_wizard_by_hand (&added);
  CourrielInsecureDialog *dialog = next_and_dialog (wizard);
  const char *body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GAsyncResult) synced = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dovecot_log = NULL;
  g_autofree char *postfix_log = NULL;
  g_autofree char *inbox = NULL;

  g_assert_nonnull (strstr (body, "anyone on the same Wi-Fi or network could read them"));
  g_assert_nonnull (strstr (body, "offers STARTTLS")); /* Dovecot and Postfix both do */
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), COURRIEL_INSECURE_DIALOG_STARTTLS));
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==,
                   COURRIEL_INSECURE_DIALOG_CANCEL);
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog),
                                                               COURRIEL_INSECURE_DIALOG_INSECURE),
                   ==, ADW_RESPONSE_DESTRUCTIVE);
  /* The STARTTLS note made it taller: drawn once it has its new size. */
  gtk_widget_queue_resize (GTK_WIDGET (dialog));
  for (guint i = 0; i < 20; i++)
    {
      g_usleep (20 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  test_save_screenshot (GTK_WIDGET (dialog), "wizard-insecure-confirm.png");

  /* Cancel: back on the settings, no login reached either server, no account. */
  answer (dialog, COURRIEL_INSECURE_DIALOG_CANCEL);
  for (guint i = 0; i < 20; i++) /* a verification, had one started, would have logged in by now */
    {
      g_usleep (50 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_assert_cmpstr (page (wizard), ==, "advanced");
  g_assert_cmpint (added, ==, 0);
  g_assert_cmpint (count_accounts (), ==, 0);
  dovecot_log = insecure_test_read_log (bench, "dovecot.log");
  postfix_log = insecure_test_read_log (bench, "postfix.log");
  g_assert_null (strstr (dovecot_log, "user=<" USER ">"));
  g_assert_null (strstr (dovecot_log, "auth failed"));
  g_assert_null (strstr (postfix_log, " auth="));
  g_assert_null (strstr (postfix_log, "authentication failed"));

  /* Asked again, confirmed: logged in and saved. */
  dialog = next_and_dialog (wizard);
  answer (dialog, COURRIEL_INSECURE_DIALOG_INSECURE);
  wait_for_page (wizard, "done", 60);
  g_assert_cmpint (added, >, 0);
  account = saved_account (added);
  g_assert_true (account->allow_insecure);
  g_assert_cmpint (account->incoming.security, ==, COURRIEL_SECURITY_NONE);
  g_assert_cmpint (account->outgoing.security, ==, COURRIEL_SECURITY_NONE);
  g_assert_cmpint (account->outgoing.port, ==, courriel_test_bench_get_cleartext_submission_port (bench));
  g_clear_pointer (&dovecot_log, g_free);
  dovecot_log = insecure_test_read_log (bench, "dovecot.log");
  g_assert_nonnull (strstr (dovecot_log, "Login: user=<" USER ">"));

  /* Its Inbox syncs. */
  message = g_bytes_new_static (plain_message, sizeof plain_message - 1);
  g_assert_true (courriel_test_bench_add_message (bench, USER, "INBOX", message, NULL, 0, &error));
  g_assert_no_error (error);
  courriel_sync_service_sync_account_async (courriel_application_get_sync_service (app), added, 0, NULL,
                                            test_got_result, &synced);
  insecure_test_wait (&synced);
  g_clear_pointer (&error, g_error_free);
  {
    CourrielAccountSyncReport *report = courriel_sync_service_sync_account_finish (
        courriel_application_get_sync_service (app), synced, &error);

    g_assert_no_error (error);
    g_assert_nonnull (report);
  }
  inbox = g_strdup_printf ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                           "WHERE f.account_id = %" G_GINT64_FORMAT " AND f.role = 'inbox' "
                           "AND m.subject = 'Over a plain connection'",
                           added);
  g_assert_cmpint (test_query (store, inbox), ==, 1);
  gtk_window_destroy (wizard);
}

/* "Use STARTTLS": both servers switch to STARTTLS, and the account is saved secure. */
static void
test_starttls (void)
{
  gint64 added = 0;
  GtkWindow *wizard = open_wizard_by_hand (&added);
  CourrielInsecureDialog *dialog = next_and_dialog (wizard);
  g_autoptr (CourrielAccount) account = NULL;

  answer (dialog, COURRIEL_INSECURE_DIALOG_STARTTLS);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (test_named (wizard, "incoming-security"))), ==,
                    COURRIEL_SECURITY_STARTTLS);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security"))), ==,
                    COURRIEL_SECURITY_STARTTLS);
  g_assert_null (insecure_test_find_dialog ()); /* nothing left to ask */
  wait_for_page (wizard, "done", 60);
  account = saved_account (added);
  g_assert_false (account->allow_insecure);
  g_assert_cmpint (account->incoming.security, ==, COURRIEL_SECURITY_STARTTLS);
  g_assert_cmpint (account->outgoing.security, ==, COURRIEL_SECURITY_STARTTLS);
  gtk_window_destroy (wizard);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dns_file = NULL;
  g_autofree char *store_dir = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_unsetenv ("LANGUAGE");
  g_test_init (&argc, &argv, NULL);
  bench = courriel_test_bench_new_full (COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION, &error);
  g_assert_no_error (error);

  /* Nothing is found for nowhere.test, quickly: the settings are typed by hand. The bench's
   * authority is trusted by the wizard, for the STARTTLS case. */
  dns_file = g_build_filename (courriel_test_bench_get_dir (bench), "dns.txt", NULL);
  g_assert_true (g_file_set_contents (dns_file, "example.test MX 10 localhost\n", -1, NULL));
  g_setenv ("COURRIEL_AUTOCONFIG_DNS_FILE", dns_file, TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_ISPDB_URL", "http://127.0.0.1:1/v1.1/", TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_PORTS", "993=1,143=1,995=1,110=1,465=1,587=1,443=1,80=1", TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_CA_FILE", courriel_test_bench_get_ca_file (bench), TRUE);

  store_dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel", NULL);
  g_assert_true (courriel_engine_set_data_dir (store_dir, &error));
  g_assert_no_error (error);
  app = test_start_application ();
  store = g_object_ref (courriel_application_get_store (app));
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/setup-wizard-insecure/confirm", test_insecure);
  g_test_add_func ("/setup-wizard-insecure/starttls", test_starttls);
  status = g_test_run ();

  g_clear_object (&store);
  test_stop_application (app);
  courriel_test_bench_stop (bench);
  g_clear_object (&bench);
  return status;
}
