/* test-composer-size.c — the composer's warning above the From account's SMTP SIZE, over a real store file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An account whose server accepts 1 MB, a 2 MB attachment: the warning says both sizes; another
 * identity whose server said nothing hides it; a limit the Outbox learns meanwhile is followed;
 * Send asks first, and sends only when the user says so. Screenshot: screenshots/composer-size-warning.png.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-outbox.h"
#include "courriel-store.h"
#include "courriel-test-util.h"
#include "window-test-util.h"

#define LIMIT 1000000

static char *folder;
static CourrielStore *store;
static GtkApplication *app;
static gint64 limited_id;
static gint64 open_id;

static void
wait_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (data));
}

static gint64
save_account (const char *address, guint64 limit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (address);
  gint64 id;

  account->incoming.host = g_strdup ("imap.example.fr");
  account->incoming.port = 993;
  account->incoming.username = g_strdup (address);
  account->outgoing.host = g_strdup ("smtp.example.fr");
  account->outgoing.port = 465;
  account->smtp_size_limit = limit;
  courriel_account_save_async (store, account, NULL, NULL, NULL, courriel_test_got_result, &result);
  id = courriel_account_save_finish (courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  return id;
}

/* What an Outbox send does when the server announces another SIZE. */
static void
set_limit (gint64 id, guint64 limit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_account_set_smtp_size_limit_async (store, id, limit, NULL, courriel_test_got_result, &result);
  g_assert_true (courriel_account_set_smtp_size_limit_finish (store, courriel_test_wait_for (&result), &error));
  g_assert_no_error (error);
}

static guint
outbox_length (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) items = NULL;

  courriel_outbox_list_async (store, 0, NULL, courriel_test_got_result, &result);
  items = courriel_outbox_list_finish (store, courriel_test_wait_for (&result), &error);
  g_assert_no_error (error);
  return items->len;
}

static gpointer
child (CourrielComposer *composer, const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
accounts_loaded (gpointer composer)
{
  return g_list_model_get_n_items (G_LIST_MODEL (child (composer, "from_list"))) == 2;
}

static gboolean
visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

static gboolean
hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

static gboolean
id_set (gpointer data)
{
  return *(gint64 *)data != 0;
}

static void
on_queued (CourrielComposer *composer, gint64 id, gpointer user_data)
{
  *(gint64 *)user_data = id;
}

/* The "send it anyway?" dialog over @composer, or NULL. */
static AdwMessageDialog *
size_dialog (CourrielComposer *composer)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_window_get_transient_for (window) == GTK_WINDOW (composer)
          && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* As a click on one of its buttons: the response, then the dialog closes. */
static void
respond (AdwMessageDialog *dialog, const char *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
}

static gboolean
dialog_shown (gpointer composer)
{
  return size_dialog (composer) != NULL;
}

/* The first button under @widget: an attachment row's Remove. */
static GtkWidget *
find_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_size_warning (void)
{
  g_autoptr (GError) error = NULL;
  CourrielComposer *composer = courriel_composer_new (app, store, limited_id);
  g_autofree char *path = g_build_filename (folder, "video.bin", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = g_malloc0 (2 * LIMIT);
  g_autofree char *limit = g_format_size (LIMIT);
  g_autofree char *estimate = g_format_size (2 * LIMIT / 57 * 78); /* 2 MB in base64 */
  GtkLabel *warning;
  AdwMessageDialog *dialog;
  gint64 queued = 0;

  g_assert_true (g_file_set_contents (path, contents, 2 * LIMIT, &error));
  g_assert_no_error (error);
  courriel_composer_set_delays (composer, 200, 60000);
  g_signal_connect (composer, "queued", G_CALLBACK (on_queued), &queued);
  gtk_window_present (GTK_WINDOW (composer));
  wait_until (accounts_loaded, composer);
  warning = child (composer, "size_warning");
  gtk_editable_set_text (GTK_EDITABLE (child (composer, "to_entry")), "emilie@example.fr");
  gtk_editable_set_text (GTK_EDITABLE (child (composer, "subject_entry")), "La vidéo");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (warning)));

  /* 2 MB attached, 1 MB accepted: both sizes said. */
  courriel_composer_attach_file (composer, file);
  wait_until (visible, warning);
  g_test_message ("%s", gtk_label_get_label (warning));
  g_assert_nonnull (strstr (gtk_label_get_label (warning), limit));
  g_assert_nonnull (strstr (gtk_label_get_label (warning), estimate));
  test_save_screenshot (GTK_WIDGET (composer), "composer-size-warning.png");

  /* Send asks first; Cancel sends nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wait_until (dialog_shown, composer);
  dialog = size_dialog (composer);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), limit));
  respond (dialog, "cancel");
  g_assert_true (gtk_widget_get_sensitive (child (composer, "form")));
  g_assert_cmpuint (outbox_length (), ==, 0);

  /* Another identity, whose server said no limit: no warning. (That Send does not ask then is
   * /composer/send's business: it sends an attachment from an account without a limit.) */
  gtk_drop_down_set_selected (child (composer, "from_dropdown"), 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (warning)));

  /* Back to the limited one; then its server is found to take 10 MB, then 1 MB again (an Outbox
   * send records it): the warning follows. */
  gtk_drop_down_set_selected (child (composer, "from_dropdown"), 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (warning)));
  set_limit (limited_id, 10 * LIMIT);
  wait_until (hidden, warning);
  set_limit (limited_id, LIMIT);
  wait_until (visible, warning);

  /* The attachment removed, the warning goes; attached again, it is back. */
  g_signal_emit_by_name (find_button (child (composer, "attachments_list")), "clicked");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (warning)));
  courriel_composer_attach_file (composer, file);
  wait_until (visible, warning);

  /* Sent anyway: the user decides, the message goes to the Outbox. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wait_until (dialog_shown, composer);
  respond (size_dialog (composer), "send");
  wait_until (id_set, &queued);
  g_assert_cmpuint (outbox_length (), ==, 1);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *app_folder = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  folder = g_dir_make_tmp ("courriel-composer-size-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (folder, "courriel.db", NULL);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  limited_id = save_account ("limited@example.fr", LIMIT);
  open_id = save_account ("open@example.fr", 0);

  /* The application has a data folder of its own, without accounts: its sync service must not
   * send the Outbox the test looks at. */
  app_folder = g_build_filename (folder, "app", NULL);
  g_assert_cmpint (g_mkdir (app_folder, 0700), ==, 0);
  g_assert_true (courriel_engine_set_data_dir (app_folder, &error));
  app = GTK_APPLICATION (courriel_application_new ());
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("Could not start the application: %s", error->message);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/composer-size/warning", test_size_warning);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  courriel_store_close (store);
  g_clear_object (&store);
  courriel_test_remove_tree (folder);
  g_free (folder);
  return status;
}
