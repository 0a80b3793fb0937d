/* test-account-dialog-insecure.c — the account settings, when a server's security becomes "None"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Alice's account on the bench uses STARTTLS on Dovecot's IMAP port (the bench's certificate
 * pinned). In her settings, Security "None" shows "Not encrypted" on the row; Save asks first
 * (CourrielInsecureDialog): Cancel sends nothing and keeps the saved account, "Use Without
 * Encryption" logs in over the cleartext connection and saves it with allow_insecure.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "courriel-account-dialog.h"
#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-engine.h"
#include "courriel-test-bench.h"
#include "insecure-test-util.h"
#include "window-test-util.h"

#define USER "alice@example.test"

static CourrielApplication *app;
static CourrielTestBench *bench;

static CourrielStore *
store (void)
{
  return courriel_application_get_store (app);
}

static gint64
save_account (void)
{
  g_autoptr (CourrielAccount) account = courriel_account_new (USER);
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  const char *password = courriel_test_bench_get_password (bench, USER);
  gint64 id;

  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  account->incoming.host = g_strdup ("localhost");
  account->incoming.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAP);
  account->incoming.security = COURRIEL_SECURITY_STARTTLS;
  account->incoming.username = g_strdup (USER);
  account->incoming.fingerprint = courriel_certificate_get_fingerprint (certificate);
  account->outgoing.host = g_strdup ("localhost");
  account->outgoing.port = courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSIONS);
  account->outgoing.security = COURRIEL_SECURITY_TLS;
  account->outgoing.username = g_strdup (USER);
  account->outgoing.fingerprint = g_strdup (account->incoming.fingerprint);
  courriel_account_save_async (store (), account, password, password, NULL, test_got_result, &result);
  id = courriel_account_save_finish (insecure_test_wait (&result), &error);
  g_assert_no_error (error);
  return id;
}

static void
settle (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_usleep (10 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static void
test_security_none (void)
{
  gint64 id = save_account ();
  g_autofree char *state = g_strdup_printf ("SELECT count (*) FROM accounts WHERE id = %" G_GINT64_FORMAT
                                            " AND incoming_security = 'none' AND allow_insecure = 1",
                                            id);
  GtkWindow *dialog = courriel_account_dialog_new (NULL, store (), NULL, id, COURRIEL_ACCOUNT_DIALOG_SETTINGS);
  GtkWidget *not_encrypted;
  AdwComboRow *security;
  CourrielInsecureDialog *asked;
  g_autofree char *log = NULL;
  gint64 deadline;

  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&dialog);
  gtk_window_present (dialog);
  not_encrypted = test_named (dialog, "incoming-not-encrypted");
  security = ADW_COMBO_ROW (gtk_widget_get_ancestor (not_encrypted, ADW_TYPE_COMBO_ROW));
  while (adw_combo_row_get_selected (security) != COURRIEL_SECURITY_STARTTLS) /* loaded */
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (gtk_widget_get_visible (not_encrypted));

  adw_combo_row_set_selected (security, COURRIEL_SECURITY_NONE);
  g_assert_true (gtk_widget_get_visible (not_encrypted));
  g_assert_false (gtk_widget_get_visible (test_named (dialog, "outgoing-not-encrypted")));
  settle (300);
  test_save_screenshot (GTK_WIDGET (dialog), "account-dialog-not-encrypted.png");

  /* Save asks; Cancel sends and saves nothing. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.save", NULL);
  asked = insecure_test_find_dialog ();
  g_assert_nonnull (asked);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (asked), COURRIEL_INSECURE_DIALOG_CANCEL);
  gtk_window_destroy (GTK_WINDOW (asked));
  settle (1000);
  g_assert_nonnull (dialog);
  g_assert_cmpint (test_query (store (), state), ==, 0);
  log = insecure_test_read_log (bench, "dovecot.log");
  g_assert_null (strstr (log, "user=<" USER ">"));

  /* Confirmed: logged in without encryption, saved with allow_insecure; the dialog closes. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.save", NULL);
  asked = insecure_test_find_dialog ();
  g_assert_nonnull (asked);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (asked), COURRIEL_INSECURE_DIALOG_INSECURE);
  gtk_window_destroy (GTK_WINDOW (asked));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dialog != NULL && g_get_monotonic_time () < deadline)
    settle (100);
  g_assert_null (dialog);
  g_assert_cmpint (test_query (store (), state), ==, 1);
  g_free (log);
  log = insecure_test_read_log (bench, "dovecot.log");
  g_assert_nonnull (strstr (log, "Login: user=<" USER ">"));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *store_dir = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_unsetenv ("LANGUAGE");
  g_test_init (&argc, &argv, NULL);
  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  store_dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel", NULL);
  g_assert_true (courriel_engine_set_data_dir (store_dir, &error));
  g_assert_no_error (error);
  app = test_start_application ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/account-dialog-insecure/security-none", test_security_none);
  status = g_test_run ();

  test_stop_application (app);
  courriel_test_bench_stop (bench);
  g_clear_object (&bench);
  return status;
}
