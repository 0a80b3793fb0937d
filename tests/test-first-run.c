/* test-first-run.c — a newcomer's first start: from an empty data folder, through the wizard, to a synced Inbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real application, with no account and an empty data folder, against the bench's servers.
 * The window's empty page offers "Add Account…"; its button opens the setup wizard, which is
 * typed into like a person would (the domain example.test is found by the test's autoconfig
 * source, as in test-setup-wizard.c); once the wizard is done the main window lists the bench's
 * messages in the account's Inbox. The bench's certificate is self-signed: the wizard shows its
 * fingerprint and the newcomer trusts it, which pins it for the sync. Once for IMAP (in English),
 * once for POP3 keeping mail 14 days on the server (in French, LANGUAGE=fr, from the empty page
 * on): each in its own process (g_test_trap_subprocess()), so that each starts from nothing.
 *
 * The IMAP run then saves the main window (a message open in the reader), the composer and the
 * preferences as pictures, in English and again with LANGUAGE=fr (tests/screenshots/first-run-*.png
 * of the build folder), and checks that the French ones show French strings.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "courriel-application.h"
#include "courriel-certificate.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-message-list-view.h"
#include "courriel-message-summary.h"
#include "courriel-preferences-window.h"
#include "courriel-setup-wizard.h"
#include "courriel-test-bench.h"
#include "courriel-test-curl.h"
#include "courriel-window.h"
#include "window-test-util.h"

extern int _nl_msg_cat_cntr; /* glibc: bumped when LANGUAGE changes, so that gettext looks again */

#define PORT(service) courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_##service)

static CourrielTestBench *bench;
static CourrielApplication *app;
static gboolean can_translate;
static gboolean french; /* gettext answers in French now */
static char *fingerprint; /* the bench's certificate's */

static const char *const subjects[] = { "Bienvenue chez Courriel", "Réunion de jeudi", "Les photos du week-end" };

/* ---- waiting, finding ---- */

typedef gboolean (*Condition) (gconstpointer data);

/* Runs the main loop until @condition holds, for at most @seconds; says whether it held. */
static gboolean
run_until (Condition condition, gconstpointer data, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!condition (data) && g_get_monotonic_time () < deadline)
    {
      g_usleep (5000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  return condition (data);
}

static GtkWindow *
find_window (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}


static const char *
wizard_page (GtkWindow *wizard)
{
  GtkWidget *address = test_named (wizard, "address");

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (address, GTK_TYPE_STACK)));
}

typedef struct
{
  GtkWindow  *wizard;
  const char *page;
} WizardPage;

static gboolean
wizard_on_page (gconstpointer data)
{
  const WizardPage *wanted = data;

  return g_str_equal (wizard_page (wanted->wizard), wanted->page);
}

static void
wait_for_page (GtkWindow *wizard, const char *page)
{
  WizardPage wanted = { wizard, page };

  if (!run_until (wizard_on_page, &wanted, 60))
    g_test_message ("the wizard is on %s: %s / %s", wizard_page (wizard),
                    gtk_label_get_label (GTK_LABEL (test_named (wizard, "verify-title"))),
                    gtk_label_get_label (GTK_LABEL (test_named (wizard, "verify-message"))));
  g_assert_cmpstr (wizard_page (wizard), ==, page);
}

/* A click, as a person makes it: only on a button that is shown and can be used. */
static void
press (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  if (GTK_IS_BUTTON (button))
    g_signal_emit_by_name (button, "clicked"); /* gtk_widget_activate() waits for a press animation */
  else
    gtk_widget_activate (button);
}

static void
type_into (GtkWindow *wizard, const char *name, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (test_named (wizard, name)), text);
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} Label;

static gboolean
label_mapped (gconstpointer data)
{
  const Label *label = data;
  GtkWidget *found = test_find_label (label->root, label->text);

  return found != NULL && gtk_widget_get_mapped (found);
}

/* Asserts that @root shows a label reading @text (a button's or a title's included). */
static void
assert_shows (GtkWidget *root, const char *text)
{
  Label label = { root, text };

  if (!run_until (label_mapped, &label, 30))
    g_error ("“%s” is not on screen", text);
}

/* ---- pictures ---- */

static gboolean
drawn (gconstpointer data)
{
  GtkWidget *widget = GTK_WIDGET ((gpointer)data);

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* @english, or @in_french when the screens are in French. */
static const char *
in_language (const char *english, const char *in_french)
{
  return french ? in_french : english;
}

static void
screenshot (GtkWidget *widget, const char *name)
{
  g_autofree char *file = g_strdup_printf ("first-run-%s%s.png", name, french ? "-fr" : "");

  g_assert_true (run_until (drawn, widget, 30));
  test_save_screenshot (widget, file);
}

/* ---- the main window ---- */

static CourrielMessageListView *
message_list (CourrielWindow *window)
{
  return COURRIEL_MESSAGE_LIST_VIEW (adw_bin_get_child (courriel_window_get_message_list_slot (window)));
}

/* Whether the list shows every bench message, loaded, newest first. */
static gboolean
inbox_listed (gconstpointer data)
{
  CourrielWindow *window = COURRIEL_WINDOW ((gpointer)data);
  CourrielFolderItem *folder = courriel_window_get_selected_folder (window);
  GListModel *model;

  if (folder == NULL || g_strcmp0 (courriel_folder_item_get_role (folder), "inbox") != 0
      || message_list (window) == NULL)
    return FALSE;
  model = G_LIST_MODEL (courriel_message_list_view_get_selection (message_list (window)));
  if (g_list_model_get_n_items (model) != G_N_ELEMENTS (subjects))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autoptr (CourrielMessageSummary) summary = g_list_model_get_item (model, i);
      g_autofree char *subject = NULL;
      gboolean loaded = FALSE;

      g_object_get (summary, "subject", &subject, "loaded", &loaded, NULL);
      if (!loaded || g_strcmp0 (subject, subjects[G_N_ELEMENTS (subjects) - 1 - i]) != 0)
        return FALSE;
    }
  return TRUE;
}

static CourrielWindow *
start_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (COURRIEL_IS_WINDOW (window));
  gtk_window_set_default_size (window, 1280, 800);
  return COURRIEL_WINDOW (window);
}

static gboolean
trust_offered (gconstpointer data)
{
  GtkWindow *wizard = GTK_WINDOW ((gpointer)data);

  return gtk_widget_get_mapped (test_named (wizard, "trust"));
}

/* The first start: the empty page's button, the wizard filled in for @address, @protocol chosen.
 * Returns the new account's id, once the wizard is closed. */
static gint64
add_first_account (CourrielWindow *window, const char *address, const char *protocol)
{
  GtkWidget *add = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), COURRIEL_TYPE_WINDOW,
                                                               "add_account_button"));
  GtkWindow *wizard;
  gint64 id;

  /* No account: the welcome, and one thing to do. */
  assert_shows (GTK_WIDGET (window), in_language ("No Mail Account Yet", "Aucun compte de messagerie"));
  assert_shows (GTK_WIDGET (window), in_language ("_Add Account…", "_Ajouter un compte…"));
  g_assert_null (courriel_window_get_selected_folder (window));
  screenshot (GTK_WIDGET (window), "empty");
  press (add);
  wizard = find_window (COURRIEL_TYPE_SETUP_WIZARD);
  g_assert_nonnull (wizard);
  g_assert_true (gtk_window_get_transient_for (wizard) == GTK_WINDOW (window));
  g_assert_cmpstr (wizard_page (wizard), ==, "identity");

  type_into (wizard, "name", "Élodie Martin");
  type_into (wizard, "address", address);
  type_into (wizard, "password", courriel_test_bench_get_password (bench, address));
  press (test_named (wizard, "next"));
  wait_for_page (wizard, "result");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (test_named (wizard, "result-summary"))), "localhost"));
  /* IMAP is offered first; POP3 is a choice, with its policy. */
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (test_named (wizard, "imap"))));
  if (g_str_equal (protocol, "pop3"))
    {
      gtk_widget_activate (test_named (wizard, "pop3"));
      g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (test_named (wizard, "pop3"))));
      g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_named (wizard, "keep-days"))), ==, 14);
    }
  press (test_named (wizard, "next"));
  /* The bench's certificate is its own: the wizard shows its fingerprint, the newcomer trusts it
   * (and it is pinned for the sync that follows). */
  g_assert_true (run_until (trust_offered, wizard, 60));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (test_named (wizard, "fingerprint"))), ==, fingerprint);
  press (test_named (wizard, "trust"));
  wait_for_page (wizard, "done");

  /* Done closes the wizard. */
  g_object_add_weak_pointer (G_OBJECT (wizard), (gpointer *)&wizard);
  press (test_named (wizard, "next"));
  while (wizard != NULL)
    g_main_context_iteration (NULL, TRUE);

  id = test_query (courriel_application_get_store (app), "SELECT max (id) FROM accounts");
  g_assert_cmpint (id, >, 0);
  return id;
}

/* The window shows the new account's Inbox with the bench's messages, with no other step. */
static void
assert_inbox_shown (CourrielWindow *window, const char *protocol)
{
  gint64 started = g_get_monotonic_time ();

  if (!run_until (inbox_listed, window, 90))
    {
      CourrielFolderItem *folder = courriel_window_get_selected_folder (window);
      GListModel *model = message_list (window) != NULL
                            ? G_LIST_MODEL (courriel_message_list_view_get_selection (message_list (window)))
                            : NULL;

      g_printerr ("shown: folder %s, %u messages listed, %" G_GINT64_FORMAT " in the store\n",
                      folder != NULL ? courriel_folder_item_get_role (folder) : "none",
                      model != NULL ? g_list_model_get_n_items (model) : 0,
                      test_query (courriel_application_get_store (app), "SELECT count (*) FROM messages"));
      for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (CourrielMessageSummary) summary = g_list_model_get_item (model, i);
          g_autofree char *subject = NULL;
          gboolean loaded = FALSE;

          g_object_get (summary, "subject", &subject, "loaded", &loaded, NULL);
          g_printerr ("  %u: %s%s\n", i, subject, loaded ? "" : " (not loaded)");
        }
      g_error ("The window does not list the %s Inbox", protocol);
    }
  g_test_message ("%s: the Inbox listed %" G_GINT64_FORMAT " ms after the wizard closed", protocol,
                  (g_get_monotonic_time () - started) / 1000);
  assert_shows (GTK_WIDGET (window), in_language ("Inbox", "Boîte de réception"));
}

static gboolean
body_shown (gconstpointer data)
{
  CourrielWindow *window = COURRIEL_WINDOW ((gpointer)data);
  GtkWidget *reader = GTK_WIDGET (courriel_window_get_reader_slot (window));
  GtkWidget *subject = test_find_label (reader, subjects[G_N_ELEMENTS (subjects) - 1]);

  return subject != NULL && gtk_widget_get_mapped (subject);
}

/* The window with the newest message open, the composer and the preferences, in the language
 * gettext now uses; in French, texts of each are checked to be French. */
static void
take_pictures (CourrielWindow *window)
{
  GtkWindow *composer;
  GtkWindow *preferences;

  g_assert_true (run_until (inbox_listed, window, 60));
  g_assert_true (gtk_selection_model_select_item (courriel_message_list_view_get_selection (message_list (window)), 0,
                                                  TRUE));
  g_assert_true (run_until (body_shown, window, 60));
  screenshot (GTK_WIDGET (window), "window");
  assert_shows (GTK_WIDGET (window), in_language ("Inbox", "Boîte de réception"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "compose", NULL);
  composer = find_window (COURRIEL_TYPE_COMPOSER);
  g_assert_nonnull (composer);
  assert_shows (GTK_WIDGET (composer), in_language ("New Message", "Nouveau message"));
  assert_shows (GTK_WIDGET (composer), in_language ("_Send", "_Envoyer"));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER,
                                                                      "to_entry")),
                         "Émilie Durand <emilie@example.fr>");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER,
                                                                      "subject_entry")),
                         "Les photos de samedi");
  screenshot (GTK_WIDGET (composer), "composer");
  gtk_window_destroy (composer);

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_window (COURRIEL_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  assert_shows (GTK_WIDGET (preferences), in_language ("General", "Général"));
  screenshot (GTK_WIDGET (preferences), "preferences");
  gtk_window_destroy (preferences);
}

/* ---- the cases, each in a process of its own ---- */

/* What is built from now on is in French (LANGUAGE=fr), as for a French user. */
static void
speak_french (void)
{
  g_setenv ("LANGUAGE", "fr", TRUE);
  ++_nl_msg_cat_cntr;
  g_assert_cmpstr (_("Inbox"), ==, "Boîte de réception");
  /* Month and day names, the clock and digit grouping come from the locale, not the catalogue:
   * French ones where the machine has a French locale (build-aux/install-deps makes it). */
  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    g_test_message ("no fr_FR.UTF-8 locale: dates keep English month and day names");
  french = TRUE;
}

static gboolean
folders_loaded (gconstpointer data)
{
  CourrielWindow *window = COURRIEL_WINDOW ((gpointer)data);

  return courriel_folder_list_get_loaded (courriel_window_get_folder_list (window));
}

static void
first_run_imap (void)
{
  CourrielWindow *window = start_window ();
  gint64 id = add_first_account (window, "alice@example.test", "imap");
  CourrielFolderItem *inbox;

  g_assert_cmpint (test_query (courriel_application_get_store (app),
                               "SELECT count (*) FROM accounts WHERE incoming_protocol = 'imap'"), ==, 1);
  assert_inbox_shown (window, "IMAP");
  g_assert_cmpint (courriel_folder_item_get_account_id (courriel_window_get_selected_folder (window)), ==, id);
  take_pictures (window);

  /* The same screens in French: new windows, built after the switch. */
  if (!can_translate)
    {
      g_test_message ("no UTF-8 locale: LANGUAGE would be ignored, no French pictures");
      return;
    }
  gtk_window_destroy (GTK_WINDOW (window));
  speak_french ();
  window = start_window ();
  g_assert_true (run_until (folders_loaded, window, 30));
  inbox = courriel_folder_list_find_role (courriel_window_get_folder_list (window), id, "inbox");
  g_assert_nonnull (inbox);
  g_assert_true (courriel_window_select_folder (window, courriel_folder_item_get_folder_id (inbox)));
  take_pictures (window);
}

/* In French this time, from the first screen on. */
static void
first_run_pop3 (void)
{
  CourrielWindow *window;
  gint64 id;
  g_autofree char *uids = NULL;
  g_auto (GStrv) on_server = NULL;
  g_autofree char *sql = NULL;

  if (can_translate)
    speak_french ();
  window = start_window ();
  id = add_first_account (window, "bob@example.test", "pop3");
  sql = g_strdup_printf ("SELECT pop3_keep_days FROM accounts WHERE id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (test_query (courriel_application_get_store (app), sql), ==, 14);
  assert_inbox_shown (window, "POP3");
  /* Downloaded, and still on the server: it keeps them 14 days. */
  uids = courriel_test_imap_search (bench, "bob@example.test", TRUE, "INBOX", "ALL");
  on_server = g_strsplit (g_strstrip (uids), " ", -1);
  g_assert_cmpuint (g_strv_length (on_server), ==, G_N_ELEMENTS (subjects));
  screenshot (GTK_WIDGET (window), "window-pop3");
}

/* The case @data, run again in a new process: there, it runs. */
static void
in_own_process (gconstpointer data)
{
  void (*test) (void) = data;

  if (g_test_subprocess ())
    {
      test ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* ---- a newcomer's machine ---- */

static void
deliver (const char *address, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Courriel <bonjour@example.org>\r\nTo: %s\r\nSubject: %s\r\n"
                                          "Message-ID: <first-run%u@example.org>\r\n"
                                          "Date: Mon, %02u Mar 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                          "Bonjour ! Voici le message %u.\r\n",
                                          address, subjects[n], n, n + 1, n + 1);
  gsize length = strlen (raw);
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&raw), length);

  g_assert_true (courriel_test_bench_add_message (bench, address, "INBOX", bytes, "", 0, &error));
  g_assert_no_error (error);
}

/* The bench, its users' mail, discovery pointed at it, an empty data folder, the application. */
static void
set_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *dns_file = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;

  courriel_engine_init ();
  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      deliver ("alice@example.test", i);
      deliver ("bob@example.test", i);
    }

  dns_file = g_build_filename (courriel_test_bench_get_dir (bench), "dns.txt", NULL);
  g_assert_true (g_file_set_contents (dns_file, "example.test MX 10 localhost\n", -1, NULL));
  ports = g_strdup_printf ("993=%u,143=%u,995=%u,110=%u,465=%u,587=%u,443=1,80=1", PORT (IMAPS), PORT (IMAP),
                           PORT (POP3S), PORT (POP3), PORT (SUBMISSIONS), PORT (SUBMISSION));
  g_setenv ("COURRIEL_AUTOCONFIG_DNS_FILE", dns_file, TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_ISPDB_URL", "http://127.0.0.1:1/v1.1/", TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_PORTS", ports, TRUE);
  g_setenv ("COURRIEL_AUTOCONFIG_DEADLINES", "8000,30000", TRUE);
  g_unsetenv ("COURRIEL_AUTOCONFIG_CA_FILE");
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);

  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "first-run-data", NULL);
  g_assert_false (g_file_test (data_dir, G_FILE_TEST_EXISTS));
  g_assert_true (courriel_engine_set_data_dir (data_dir, &error));

  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_uint (settings, "check-interval", 0);
  g_settings_set_boolean (settings, "notifications", FALSE);
  app = courriel_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));
  /* Pages change at once: a picture never catches a transition half-way. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *locale_dir = NULL;
  int status;

  /* As main.c, with the catalogue compiled in the build; LANGUAGE is only heeded in a locale
   * other than C. English first. */
  setlocale (LC_ALL, "");
  if (g_strcmp0 (setlocale (LC_MESSAGES, NULL), "C") == 0 || g_strcmp0 (setlocale (LC_MESSAGES, NULL), "POSIX") == 0)
    can_translate = setlocale (LC_ALL, "C.UTF-8") != NULL;
  else
    can_translate = TRUE;
  locale_dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* GLib decides once, at the first g_dgettext() (the engine's _(), GtkBuilder's templates),
   * whether to translate at all: in C.UTF-8 only if the catalogue answers then. A user's French
   * or English locale answers; here LANGUAGE=fr makes it, and English is chosen again after. */
  if (can_translate)
    {
      g_setenv ("LANGUAGE", "fr", TRUE);
      g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Inbox"), ==, "Boîte de réception");
    }
  g_unsetenv ("LANGUAGE");
  ++_nl_msg_cat_cntr;

  /* No G_TEST_OPTION_ISOLATE_DIRS: see test-window.c (SVG icons need XDG_DATA_DIRS). */
  g_test_init (&argc, &argv, NULL);
  if (g_test_subprocess ())
    set_up ();

  g_test_add_data_func ("/first-run/imap", first_run_imap, in_own_process);
  g_test_add_data_func ("/first-run/pop3", first_run_pop3, in_own_process);
  status = g_test_run ();

  if (app != NULL)
    {
      g_application_release (G_APPLICATION (app));
      g_application_quit (G_APPLICATION (app));
      g_clear_object (&app);
    }
  g_free (fingerprint);
  if (bench != NULL)
    {
      courriel_test_bench_stop (bench);
      g_clear_object (&bench);
    }
  return status;
}
