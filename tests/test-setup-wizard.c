/* test-setup-wizard.c — the setup wizard, driven as a person would, against the bench's real servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The wizard's discovery is pointed at the bench through the COURRIEL_AUTOCONFIG_* variables
 * (README.md): example.test's mail exchanger is localhost, and the probes' standard ports are
 * mapped to the bench's, so the wizard finds IMAP, POP3 and SMTP there by guessing. Entries are
 * typed into, buttons activated, the main loop run until the page changes. Each step is saved
 * as a picture in tests/screenshots/ of the build folder (with -fr when LANGUAGE=fr).
 *
 * The wizard's store is the application's (in the bench's folder), so that its test message is
 * sent by the application's own sync service, through the bench's Postfix, and found in the
 * Inbox the sync brings from Dovecot. The narrow run opens every page in a phone-wide window
 * (360×640) and checks that nothing is cut or wider than the window.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <string.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-engine.h"
#include "courriel-outbox.h"
#include "courriel-secrets.h"
#include "courriel-setup-wizard.h"
#include "courriel-test-bench.h"
#include "window-test-util.h"

static CourrielApplication *app;
static CourrielTestBench *bench;
static CourrielStore *store;
static char *fingerprint;
static char *store_dir;
static gboolean english;
static SoupServer *ispdb;
static char *ispdb_url;
static gboolean can_translate;

extern int _nl_msg_cat_cntr; /* glibc: bumped when LANGUAGE changes, so that gettext looks again */

#define PORT(service) courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_##service)

/* ---- driving the window ---- */

static GtkStack *
stack_of (GtkWindow *wizard)
{
  GtkWidget *label = test_named (wizard, "address");

  return GTK_STACK (gtk_widget_get_ancestor (label, GTK_TYPE_STACK));
}

static const char *
page (GtkWindow *wizard)
{
  return gtk_stack_get_visible_child_name (stack_of (wizard));
}

static void
type (GtkWindow *wizard, const char *name, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (test_named (wizard, name)), text);
}

static const char *
label_text (GtkWindow *wizard, const char *name)
{
  return gtk_label_get_label (GTK_LABEL (test_named (wizard, name)));
}

static void
click (GtkWindow *wizard, const char *name)
{
  GtkWidget *button = test_named (wizard, name);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_get_visible (button));
  /* gtk_widget_activate() on a GtkButton only emits "clicked" after a short press animation:
   * the click itself, at once. */
  if (GTK_IS_BUTTON (button))
    g_signal_emit_by_name (button, "clicked");
  else
    gtk_widget_activate (button);
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for_page (GtkWindow *wizard, const char *name, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, wake_up, NULL); /* the deadline is checked even when all is quiet */

  while (!g_str_equal (page (wizard), name) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (!g_str_equal (page (wizard), name))
    g_test_message ("still on %s; it says: %s / %s", page (wizard), label_text (wizard, "verify-title"),
                    label_text (wizard, "verify-message"));
  g_assert_cmpstr (page (wizard), ==, name);
}

/* Until the logins end: the wizard moved on, or shows what failed (Try Again is offered). */
static void
wait_verified (GtkWindow *wizard)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, wake_up, NULL);

  while (g_str_equal (page (wizard), "verify") && !gtk_widget_is_sensitive (test_named (wizard, "next"))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_test_message ("verification: %s / %s", label_text (wizard, "verify-title"), label_text (wizard, "verify-message"));
}

static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 3;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* Saves the window as tests/screenshots/wizard-NAME.png. */
static void
screenshot (GtkWindow *wizard, const char *name)
{
  g_autofree char *file = g_strdup_printf ("wizard-%s%s.png", name, english ? "" : "-fr");

  settle ();
  test_save_screenshot (GTK_WIDGET (wizard), file);
}

static void
on_account_added (GtkWindow *wizard, gint64 id, gpointer user_data)
{
  *(gint64 *)user_data = id;
}

/* A wizard @width × @height pixels large (0: its own size). */
static GtkWindow *
open_wizard_sized (gboolean trust_bench_ca, gint64 *added, int width, int height)
{
  GtkWindow *wizard;

  if (trust_bench_ca)
    g_setenv ("COURRIEL_AUTOCONFIG_CA_FILE", courriel_test_bench_get_ca_file (bench), TRUE);
  else
    g_unsetenv ("COURRIEL_AUTOCONFIG_CA_FILE");
  wizard = courriel_setup_wizard_new (GTK_APPLICATION (app), store);
  g_signal_connect (wizard, "account-added", G_CALLBACK (on_account_added), added);
  if (width > 0)
    gtk_window_set_default_size (wizard, width, height);
  gtk_window_present (wizard);
  while (!gtk_widget_get_mapped (GTK_WIDGET (wizard)))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (page (wizard), ==, "identity");
  return wizard;
}

static GtkWindow *
open_wizard (gboolean trust_bench_ca, gint64 *added)
{
  return open_wizard_sized (trust_bench_ca, added, 0, 0);
}

/* Who, then Next: the discovery runs with live progress, and the result page shows. */
static void
identify_and_discover (GtkWindow *wizard, const char *address, const char *password, const char *shot)
{
  GtkWidget *next = test_named (wizard, "next");
  gint64 started;

  type (wizard, "name", "Élodie Martin");
  type (wizard, "address", "elodie@");
  g_assert_false (gtk_widget_is_sensitive (next)); /* not an address yet */
  type (wizard, "address", address);
  type (wizard, "password", password);
  g_assert_true (gtk_widget_is_sensitive (next));
  if (shot != NULL)
    screenshot (wizard, shot);

  started = g_get_monotonic_time ();
  click (wizard, "next");
  g_assert_cmpstr (page (wizard), ==, "discovery");
  /* The progress names the sources as they are asked. */
  while (g_str_equal (page (wizard), "discovery") && strchr (label_text (wizard, "discovery-steps"), '\n') == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (shot != NULL && g_str_equal (page (wizard), "discovery"))
    screenshot (wizard, "2-discovery");
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "discovery-steps"), "Looking up DNS records…"));
  wait_for_page (wizard, "result", 30);
  g_test_message ("discovery: %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - started) / 1000);
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "result-summary"), "guessed these servers"));
  g_assert_nonnull (strstr (label_text (wizard, "result-summary"), "localhost"));
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static CourrielAccount *
saved_account (gint64 id)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_account_list_async (store, NULL, got_result, &result);
  accounts = courriel_account_list_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    if (((CourrielAccount *)accounts->pdata[i])->id == id)
      return courriel_account_copy (accounts->pdata[i]);
  g_assert_not_reached ();
}

static char *
lookup_password (const char *address, const char *role)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *password;

  courriel_secrets_lookup_async (address, role, NULL, got_result, &result);
  password = courriel_secrets_lookup_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return password;
}

static guint
outbox_length (gint64 account_id)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_outbox_list_async (store, account_id, NULL, got_result, &result);
  items = courriel_outbox_list_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return items->len;
}

/* Until the widget named @name is on screen, for at most @seconds. */
static void
wait_for_shown (GtkWindow *wizard, const char *name, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, wake_up, NULL);

  while (!gtk_widget_get_mapped (test_named (wizard, name)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_test_message ("test message: %s", label_text (wizard, "send-test-result"));
  g_assert_true (gtk_widget_get_mapped (test_named (wizard, name)));
}

/* How many messages titled as the wizard's test message, dated @since or later, the store has
 * in the Inbox of account @id. */
static gint64
test_messages_in_inbox (gint64 id, gint64 since)
{
  char *sql = sqlite3_mprintf ("SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = %lld AND f.role = 'inbox' AND m.subject = %Q "
                               "AND m.date >= %lld",
                               (long long)id, _("Courriel test message"), (long long)since);
  gint64 count = test_query (store, sql);

  sqlite3_free (sql);
  return count;
}

/* On the last page: the test message sent through the bench's Postfix (first written at @written,
 * Unix time, or now), followed until the page says it is in the Inbox, where the store has it. */
static void
send_test_message (GtkWindow *wizard, gint64 account_id, gint64 written)
{
  gint64 clicked = written != 0 ? written : g_get_real_time () / G_USEC_PER_SEC;

  click (wizard, "send-test");
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "send-test")));
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "send-test-result")));
  if (english)
    g_assert_cmpstr (label_text (wizard, "send-test-result"), ==, "Sending the test message…");
  /* Done is there all along: the wait never holds the newcomer back. */
  g_assert_true (gtk_widget_is_sensitive (test_named (wizard, "next")));
  wait_for_shown (wizard, "send-test-arrived", 90);
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "send-test-result"), "arrived in your Inbox"));
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "send-test")));
  g_assert_cmpint (test_messages_in_inbox (account_id, clicked - 1), ==, 1);
  g_assert_cmpuint (outbox_length (account_id), ==, 0); /* it left the Outbox */
}

/* ---- the tests ---- */

static void
test_imap (void)
{
  const char *address = "alice@example.test";
  const char *password = courriel_test_bench_get_password (bench, address);
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (TRUE, &added);
  g_autoptr (CourrielAccount) account = NULL;
  g_autofree char *kept = NULL;
  gint64 started;

  identify_and_discover (wizard, address, password, "1-identity");
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "imap")));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (test_named (wizard, "imap"))));
  g_assert_false (gtk_widget_get_mapped (test_named (wizard, "keep-days")));
  screenshot (wizard, "3-result-imap");

  click (wizard, "advanced");
  g_assert_cmpstr (page (wizard), ==, "advanced");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (test_named (wizard, "incoming-host"))), ==, "localhost");
  screenshot (wizard, "3b-advanced");
  click (wizard, "back");
  g_assert_cmpstr (page (wizard), ==, "result");

  started = g_get_monotonic_time ();
  click (wizard, "next");
  g_assert_cmpstr (page (wizard), ==, "verify");
  screenshot (wizard, "4-verify");
  wait_for_page (wizard, "done", 30);
  g_test_message ("logins and saving: %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - started) / 1000);
  g_assert_cmpint (added, >, 0);
  screenshot (wizard, "5-done");

  account = saved_account (added);
  g_assert_cmpint (account->protocol, ==, COURRIEL_PROTOCOL_IMAP);
  g_assert_cmpstr (account->incoming.host, ==, "localhost");
  g_assert_true (account->incoming.port == PORT (IMAPS) || account->incoming.port == PORT (IMAP));
  g_assert_cmpstr (account->incoming.username, ==, address);
  g_assert_cmpstr (account->outgoing.host, ==, "localhost");
  g_assert_true (account->outgoing.port == PORT (SUBMISSIONS) || account->outgoing.port == PORT (SUBMISSION));
  g_assert_cmpuint (account->smtp_size_limit, ==, 10240000); /* Postfix's SIZE, for the composer */
  g_assert_cmpstr (account->display_name, ==, "Élodie Martin");
  g_assert_null (account->incoming.fingerprint); /* trusted through the CA: nothing to pin */
  kept = lookup_password (address, "incoming");
  g_assert_cmpstr (kept, ==, password);

  /* Done closes it. */
  g_object_add_weak_pointer (G_OBJECT (wizard), (gpointer *)&wizard);
  click (wizard, "next");
  while (wizard != NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* POP3 chosen over IMAP: the policy's controls appear, 14 days by default, and are saved. */
static void
test_pop3 (void)
{
  const char *address = "bob@example.test";
  const char *password = courriel_test_bench_get_password (bench, address);
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (TRUE, &added);
  g_autoptr (CourrielAccount) account = NULL;
  g_autofree char *kept = NULL;

  identify_and_discover (wizard, address, password, NULL);
  gtk_widget_activate (test_named (wizard, "pop3"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (test_named (wizard, "pop3"))));
  settle ();
  g_assert_true (gtk_widget_get_mapped (test_named (wizard, "keep-days")));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_named (wizard, "keep-days"))), ==, 14);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (test_named (wizard, "incoming-protocol"))), ==, 1);
  screenshot (wizard, "3-result-pop3");

  click (wizard, "next");
  wait_for_page (wizard, "done", 30);
  account = saved_account (added);
  g_assert_cmpint (account->protocol, ==, COURRIEL_PROTOCOL_POP3);
  g_assert_true (account->incoming.port == PORT (POP3S) || account->incoming.port == PORT (POP3));
  g_assert_cmpint (account->pop3_keep_days, ==, 14);
  g_assert_true (account->pop3_delete_when_deleted_here);
  kept = lookup_password (address, "incoming");
  g_assert_cmpstr (kept, ==, password);
  gtk_window_destroy (wizard);
}

/* The bench's self-signed certificate, not trusted: its fingerprint is shown, no account is saved
 * until the user trusts it, and then it is pinned to both servers. The account then sends itself
 * the test message, which arrives. (The accounts of the other cases trust the bench's authority
 * for the wizard only, through COURRIEL_AUTOCONFIG_CA_FILE: their sync would not.) */
static void
test_certificate (void)
{
  const char *address = "carol@example.test";
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (FALSE, &added);
  g_autoptr (CourrielAccount) account = NULL;
  gint64 started;

  identify_and_discover (wizard, address, courriel_test_bench_get_password (bench, address), NULL);
  click (wizard, "next");
  wait_verified (wizard);
  g_assert_cmpstr (page (wizard), ==, "verify");
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "trust")));
  g_assert_cmpstr (label_text (wizard, "fingerprint"), ==, fingerprint);
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "verify-message"), "does not trust"));
  g_assert_cmpint (added, ==, 0);
  screenshot (wizard, "4-verify-certificate");

  click (wizard, "trust");
  wait_for_page (wizard, "done", 30);
  account = saved_account (added);
  g_assert_cmpstr (account->incoming.fingerprint, ==, fingerprint);
  g_assert_cmpstr (account->outgoing.fingerprint, ==, fingerprint);

  /* The test message goes through the bench's Postfix, and arrives. */
  started = g_get_monotonic_time ();
  send_test_message (wizard, added, 0);
  g_test_message ("test message sent and arrived: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - started) / 1000);
  screenshot (wizard, "5-done-test-arrived");
  gtk_window_destroy (wizard);
}

/* Nothing found for the domain: the page to type the settings in, prefilled with the usual
 * names; the bench's settings typed there log in. */
static void
test_by_hand (void)
{
  const char *address = "alice@nowhere.test";
  const char *password = courriel_test_bench_get_password (bench, "alice@example.test");
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (TRUE, &added);
  g_autoptr (CourrielAccount) account = NULL;
  g_autofree char *imaps = g_strdup_printf ("%u", PORT (IMAPS));
  g_autofree char *submissions = g_strdup_printf ("%u", PORT (SUBMISSIONS));

  type (wizard, "address", address);
  type (wizard, "password", password);
  click (wizard, "next");
  wait_for_page (wizard, "advanced", 30);
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "advanced-intro"), "could not find"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (test_named (wizard, "incoming-host"))), ==, "imap.nowhere.test");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (test_named (wizard, "outgoing-host"))), ==, "smtp.nowhere.test");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (test_named (wizard, "incoming-username"))), ==, address);

  /* The usual port follows the protocol. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "incoming-protocol")), 1);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_named (wizard, "incoming-port"))), ==, 995);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "incoming-protocol")), 0);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_named (wizard, "incoming-port"))), ==, 993);

  /* No encryption is warned about. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security")), COURRIEL_SECURITY_NONE);
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "insecure-warning")));
  screenshot (wizard, "3b-advanced-not-found");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security")), COURRIEL_SECURITY_TLS);
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "insecure-warning")));

  type (wizard, "incoming-host", "localhost");
  type (wizard, "incoming-port", imaps);
  gtk_spin_button_update (GTK_SPIN_BUTTON (test_named (wizard, "incoming-port")));
  type (wizard, "incoming-username", "alice@example.test");
  type (wizard, "outgoing-host", "");
  g_assert_false (gtk_widget_is_sensitive (test_named (wizard, "next"))); /* no outgoing server */
  type (wizard, "outgoing-host", "localhost");
  type (wizard, "outgoing-port", submissions);
  gtk_spin_button_update (GTK_SPIN_BUTTON (test_named (wizard, "outgoing-port")));
  type (wizard, "outgoing-username", "alice@example.test");
  click (wizard, "next");
  wait_for_page (wizard, "done", 30);
  account = saved_account (added);
  g_assert_cmpstr (account->address, ==, address);
  g_assert_cmpint (account->incoming.port, ==, PORT (IMAPS));
  g_assert_cmpint (account->outgoing.port, ==, PORT (SUBMISSIONS));
  g_assert_cmpstr (account->incoming.username, ==, "alice@example.test");
  gtk_window_destroy (wizard);
}

/* Over the main window, the wizard is modal to it. */
static void
test_modal (void)
{
  GtkWindow *main_window;
  GtkWindow *wizard;
  gint64 added = 0;

  g_application_activate (G_APPLICATION (app));
  main_window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (main_window);
  wizard = open_wizard (TRUE, &added);
  g_assert_true (gtk_window_get_transient_for (wizard) == main_window);
  g_assert_true (gtk_window_get_modal (wizard));
  gtk_window_destroy (wizard);
  gtk_window_destroy (main_window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Back while looking: the search stops, and its end does not move the wizard on. */
static void
test_cancel (void)
{
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (TRUE, &added);
  gint64 until;

  type (wizard, "address", "alice@example.test");
  type (wizard, "password", "whatever");
  click (wizard, "next");
  g_assert_cmpstr (page (wizard), ==, "discovery");
  click (wizard, "back");
  g_assert_cmpstr (page (wizard), ==, "identity");
  until = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpstr (page (wizard), ==, "identity");
  gtk_window_destroy (wizard);
}

/* The ISP database's entry for oauth.test: servers that only take OAuth2, and a help page. */
static void
serve_ispdb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  static const char xml[] = "<clientConfig version=\"1.1\"><emailProvider id=\"oauth.test\">"
                            "<domain>oauth.test</domain><displayName>OAuth Mail</displayName>"
                            "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>993</port>"
                            "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
                            "<authentication>OAuth2</authentication></incomingServer>"
                            "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>465</port>"
                            "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
                            "<authentication>OAuth2</authentication></outgoingServer>"
                            "<documentation url=\"https://help.oauth.test/mail-apps\"/>"
                            "</emailProvider></clientConfig>";

  if (!g_str_equal (path, "/v1.1/oauth.test"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_STATIC, xml, strlen (xml));
}

/* A provider that only takes OAuth2: said so, with its help page (from the ISP database), and
 * the password is not sent. */
static void
test_oauth2 (void)
{
  gint64 added = 0;
  GtkWindow *wizard;

  g_setenv ("COURRIEL_AUTOCONFIG_ISPDB_URL", ispdb_url, TRUE);
  wizard = open_wizard (TRUE, &added);
  type (wizard, "address", "dave@oauth.test");
  type (wizard, "password", "a password");
  click (wizard, "next"); /* the discovery is made now, from the environment */
  g_setenv ("COURRIEL_AUTOCONFIG_ISPDB_URL", "http://127.0.0.1:1/v1.1/", TRUE);
  wait_for_page (wizard, "result", 30);
  g_assert_nonnull (strstr (label_text (wizard, "result-summary"), "OAuth Mail"));
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "result-summary"), "Thunderbird ISP database"));
  click (wizard, "next");
  wait_verified (wizard);
  g_assert_cmpstr (page (wizard), ==, "verify");
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "verify-title"), "Sign-In Page"));
  g_assert_nonnull (strstr (label_text (wizard, "verify-message"), "OAuth Mail"));
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "help")));
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (test_named (wizard, "help"))), ==,
                   "https://help.oauth.test/mail-apps");
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "trust")));
  g_assert_cmpint (added, ==, 0);
  screenshot (wizard, "4-verify-oauth2");
  gtk_window_destroy (wizard);
}

/* A refused password: back on the first page, the message says so, the password field has the
 * focus. Last: Dovecot slows down the logins from an address that failed. */
static void
test_wrong_password (void)
{
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (TRUE, &added);
  GtkWidget *focus;

  identify_and_discover (wizard, "alice@example.test", "not the password", NULL);
  click (wizard, "next");
  wait_for_page (wizard, "identity", 60);
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "identity-error")));
  g_assert_nonnull (strstr (label_text (wizard, "identity-error"), "localhost"));
  if (english)
    g_assert_nonnull (strstr (label_text (wizard, "identity-error"), "refused this user name and password"));
  focus = gtk_window_get_focus (wizard);
  g_assert_nonnull (focus);
  g_assert_true (focus == test_named (wizard, "password") || gtk_widget_is_ancestor (focus, test_named (wizard, "password")));
  g_assert_cmpint (added, ==, 0);
  screenshot (wizard, "1-identity-wrong-password");
  gtk_window_destroy (wizard);
}

static void
store_outgoing_password (const char *address, const char *password)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_secrets_store_async (address, "outgoing", "localhost", address, password, NULL, got_result, &result);
  g_assert_true (courriel_secrets_store_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

/* The server refuses the test message (here its sender's login: the outgoing password changed
 * in the keyring since the account was set up): the page says why, in the server's words, and
 * offers to try again; once the password is right again, Try Again sends the same message. */
static void
test_test_message_refused (void)
{
  const char *address = "carol@example.test";
  const char *password = courriel_test_bench_get_password (bench, address);
  gint64 added = 0;
  GtkWindow *wizard = open_wizard (FALSE, &added);
  g_autofree char *why = NULL;
  gint64 written;

  identify_and_discover (wizard, address, password, NULL);
  click (wizard, "next");
  wait_verified (wizard);
  click (wizard, "trust"); /* pinned: the sync trusts it too */
  wait_for_page (wizard, "done", 30);
  store_outgoing_password (address, "not the password any more");

  written = g_get_real_time () / G_USEC_PER_SEC;
  click (wizard, "send-test");
  wait_for_shown (wizard, "send-test", 90);
  why = g_strdup (label_text (wizard, "send-test-result"));
  if (english)
    {
      g_assert_true (g_str_has_prefix (why, "The test message could not be sent. "));
      g_assert_nonnull (test_find_label (test_named (wizard, "send-test"), "_Try Again"));
    }
  /* The server's reason is there: more than the sentence around it. */
  g_assert_cmpuint (strlen (why), >, strlen (_("The test message could not be sent. %s")) + 10);
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "send-test-arrived")));
  g_assert_cmpuint (outbox_length (added), ==, 1); /* kept, for another try */
  screenshot (wizard, "5-done-test-refused");

  store_outgoing_password (address, password);
  send_test_message (wizard, added, written);
  gtk_window_destroy (wizard);
}

/* Every widget on screen, from @widget down, lies within @window's @left to @right. */
static void
assert_within (GtkWidget *window, GtkWidget *widget, float left, float right, const char *where)
{
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (widget))
    return;
  if (widget != window && gtk_widget_compute_bounds (widget, window, &bounds)
      && (bounds.origin.x < left - 0.5 || bounds.origin.x + bounds.size.width > right + 0.5))
    g_error ("%s: a %s (“%s”) spans %.0f to %.0f px, past the window's %.0f to %.0f px", where,
             G_OBJECT_TYPE_NAME (widget),
             GTK_IS_LABEL (widget) ? gtk_label_get_label (GTK_LABEL (widget)) : gtk_widget_get_name (widget),
             bounds.origin.x, bounds.origin.x + bounds.size.width, left, right);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_NATIVE (child)) /* popovers are windows of their own */
      assert_within (window, child, left, right, where);
}

/* Says which widgets ask for more than @width, the innermost ones: what a failure is about. */
static void
report_too_wide (GtkWidget *widget, int width)
{
  int minimum;
  gboolean child_too_wide = FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      if (minimum > width && !GTK_IS_NATIVE (child))
        {
          child_too_wide = TRUE;
          report_too_wide (child, width);
        }
    }
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  if (GTK_IS_STACK (widget))
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
      {
        int m, n;
        gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &m, &n, NULL, NULL);
        g_test_message ("DEBUG stack child %s visible %d min %d nat %d", G_OBJECT_TYPE_NAME (child), gtk_widget_get_visible (child), m, n);
      }
  if (!child_too_wide)
    g_test_message ("too wide: a %s (“%s”) needs %d px", G_OBJECT_TYPE_NAME (widget),
                    GTK_IS_LABEL (widget) ? gtk_label_get_label (GTK_LABEL (widget)) : gtk_widget_get_name (widget),
                    minimum);
}

/* The page shown fits 360 px: the window may be that narrow, and nothing on it is wider. */
static void
assert_fits (GtkWindow *wizard, const char *shot)
{
  g_autofree char *file = g_strdup_printf ("narrow-%s", shot);
  graphene_rect_t window;
  int minimum;

  settle ();
  /* The window's own measure counts its frame (its CSS margins), as its surface does. */
  gtk_widget_measure (GTK_WIDGET (wizard), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("%s: at least %d px wide", page (wizard), minimum);
  if (minimum > 360)
    report_too_wide (GTK_WIDGET (wizard), 360 - 24); /* the page's margins */
  g_assert_cmpint (minimum, <=, 360);
  g_assert_cmpint (gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (wizard))), ==, 360);
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (wizard), GTK_WIDGET (wizard), &window));
  assert_within (GTK_WIDGET (wizard), GTK_WIDGET (wizard), window.origin.x, window.origin.x + window.size.width,
                 page (wizard));
  screenshot (wizard, file);
}

/* Every page in a phone-wide window (GNOME's narrowest, 360 px): texts wrap, entries shrink.
 * Closing it while the test message is still on its way stops the wait, and nothing else. */
static void
test_narrow (void)
{
  const char *address = "bob@example.test";
  gint64 added = 0;
  g_autofree char *layout = NULL;
  GtkWindow *wizard;

  /* The window's buttons as GNOME shows them (its button-layout is "appmenu:close"), not GTK's
   * own default with minimize and maximize too, which no phone shows. */
  g_object_get (gtk_settings_get_default (), "gtk-decoration-layout", &layout, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
  wizard = open_wizard_sized (FALSE, &added, 360, 640);

  type (wizard, "name", "Marie-Françoise de La Tour d’Auvergne");
  type (wizard, "address", address);
  type (wizard, "password", courriel_test_bench_get_password (bench, address));
  gtk_label_set_label (GTK_LABEL (test_named (wizard, "identity-error")),
                       _("Enter your password: your provider’s servers ask for it."));
  gtk_widget_set_visible (test_named (wizard, "identity-error"), TRUE);
  assert_fits (wizard, "1-identity");
  gtk_widget_set_visible (test_named (wizard, "identity-error"), FALSE);

  click (wizard, "next");
  if (g_str_equal (page (wizard), "discovery"))
    assert_fits (wizard, "2-discovery");
  wait_for_page (wizard, "result", 30);
  assert_fits (wizard, "3-result-imap");
  gtk_widget_activate (test_named (wizard, "pop3"));
  assert_fits (wizard, "3-result-pop3");
  gtk_widget_activate (test_named (wizard, "imap"));

  click (wizard, "advanced");
  g_assert_cmpstr (page (wizard), ==, "advanced");
  type (wizard, "incoming-host", "imap.a-provider-with-a-very-long-name.example.com");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security")), COURRIEL_SECURITY_NONE);
  assert_fits (wizard, "3b-advanced");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (test_named (wizard, "outgoing-security")), COURRIEL_SECURITY_TLS);
  type (wizard, "incoming-host", "localhost");
  click (wizard, "back");

  /* The bench's certificate, not trusted: the longest page, with its fingerprint. */
  click (wizard, "next");
  wait_verified (wizard);
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "trust")));
  assert_fits (wizard, "4-verify-certificate");
  click (wizard, "trust");
  wait_for_page (wizard, "done", 30);
  assert_fits (wizard, "5-done");

  /* Done while the test message is being sent: the window closes at once, the wait stops with
   * it, and the message still goes (the Outbox empties). */
  click (wizard, "send-test");
  g_assert_true (gtk_widget_get_visible (test_named (wizard, "send-test-result")));
  g_assert_false (gtk_widget_get_visible (test_named (wizard, "send-test-arrived")));
  g_object_add_weak_pointer (G_OBJECT (wizard), (gpointer *)&wizard);
  click (wizard, "next");
  while (wizard != NULL)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 90 && outbox_length (added) > 0; i++)
    settle ();
  g_assert_cmpuint (outbox_length (added), ==, 0);
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", layout, NULL);
}

/* The same test in French: the wizards it opens are built with LANGUAGE=fr. Texts are then
 * not compared: fr.po may not translate them yet. */
static void
in_french (gconstpointer data)
{
  void (*test) (void) = data;

  if (!can_translate)
    {
      g_test_skip ("no UTF-8 locale: LANGUAGE would be ignored");
      return;
    }
  g_setenv ("LANGUAGE", "fr", TRUE);
  ++_nl_msg_cat_cntr;
  /* The switch works: a string fr.po has translated for long comes out in French. */
  g_assert_cmpstr (_("Mail Client"), ==, "Client de messagerie");
  english = FALSE;
  test ();
  english = TRUE;
  g_unsetenv ("LANGUAGE");
  ++_nl_msg_cat_cntr;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *dns_file = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *locale_dir = NULL;
  int status;

  /* The app's translations come from the build (fr.po is compiled there). LANGUAGE is only
   * heeded in a locale other than C. */
  setlocale (LC_ALL, "");
  if (g_strcmp0 (setlocale (LC_MESSAGES, NULL), "C") == 0 || g_strcmp0 (setlocale (LC_MESSAGES, NULL), "POSIX") == 0)
    can_translate = setlocale (LC_ALL, "C.UTF-8") != NULL;
  else
    can_translate = TRUE;
  locale_dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_unsetenv ("LANGUAGE");
  english = TRUE;

  /* No G_TEST_OPTION_ISOLATE_DIRS: see test-window.c (SVG icons need XDG_DATA_DIRS). */
  g_test_init (&argc, &argv, NULL);
  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);

  dns_file = g_build_filename (courriel_test_bench_get_dir (bench), "dns.txt", NULL);
  g_assert_true (g_file_set_contents (dns_file, "example.test MX 10 localhost\n", -1, NULL));
  ports = g_strdup_printf ("993=%u,143=%u,995=%u,110=%u,465=%u,587=%u,443=1,80=1", PORT (IMAPS), PORT (IMAP),
                           PORT (POP3S), PORT (POP3), PORT (SUBMISSIONS), PORT (SUBMISSION));
  g_setenv ("COURRIEL_AUTOCONFIG_DNS_FILE", dns_file, TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_ISPDB_URL", "http://127.0.0.1:1/v1.1/", TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_PORTS", ports, TRUE);
  /* Generous deadlines: on a loaded machine (sanitizers, parallel tests) the probes of the bench
   * may answer late; the search still ends as soon as every source has answered. */
  g_setenv ("COURRIEL_AUTOCONFIG_DEADLINES", "8000,30000", TRUE);

  ispdb = soup_server_new (NULL, NULL);
  soup_server_add_handler (ispdb, "/v1.1/", serve_ispdb, NULL, NULL);
  soup_server_listen_local (ispdb, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  {
    GSList *uris = soup_server_get_uris (ispdb);

    ispdb_url = g_strdup_printf ("http://127.0.0.1:%d/v1.1/", g_uri_get_port (uris->data));
    g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  }

  /* The application's data in the bench's folder: its store is the wizard's. */
  store_dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel", NULL);
  g_assert_true (courriel_engine_set_data_dir (store_dir, &error));
  g_assert_no_error (error);
  app = test_start_application ();
  store = g_object_ref (courriel_application_get_store (app));
  g_assert_nonnull (courriel_application_get_sync_service (app));
  /* Pages change at once: a picture never catches a transition half-way. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/setup-wizard/en/imap", test_imap);
  g_test_add_func ("/setup-wizard/en/pop3", test_pop3);
  g_test_add_func ("/setup-wizard/en/certificate", test_certificate);
  g_test_add_func ("/setup-wizard/en/by-hand", test_by_hand);
  g_test_add_func ("/setup-wizard/en/cancel", test_cancel);
  g_test_add_func ("/setup-wizard/en/modal", test_modal);
  g_test_add_func ("/setup-wizard/en/oauth2", test_oauth2);
  g_test_add_func ("/setup-wizard/en/narrow", test_narrow);
  g_test_add_data_func ("/setup-wizard/fr/imap", test_imap, in_french);
  g_test_add_data_func ("/setup-wizard/fr/pop3", test_pop3, in_french);
  g_test_add_data_func ("/setup-wizard/fr/certificate", test_certificate, in_french);
  g_test_add_data_func ("/setup-wizard/fr/by-hand", test_by_hand, in_french);
  g_test_add_data_func ("/setup-wizard/fr/oauth2", test_oauth2, in_french);
  g_test_add_data_func ("/setup-wizard/fr/narrow", test_narrow, in_french);
  /* Late: the refused login makes Dovecot slow down the logins that follow. */
  g_test_add_func ("/setup-wizard/test-message-refused/en", test_test_message_refused);
  g_test_add_data_func ("/setup-wizard/test-message-refused/fr", test_test_message_refused, in_french);
  /* Last: Dovecot slows down the logins from an address that failed. */
  g_test_add_func ("/setup-wizard/wrong-password/en", test_wrong_password);
  g_test_add_data_func ("/setup-wizard/wrong-password/fr", test_wrong_password, in_french);
  status = g_test_run ();

  g_clear_object (&store);
  test_stop_application (app);
  g_clear_object (&ispdb);
  g_free (ispdb_url);
  courriel_test_bench_stop (bench);
  g_clear_object (&bench);
  g_free (fingerprint);
  g_free (store_dir);
  return status;
}
