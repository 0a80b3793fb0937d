/* courriel-cli-sync.c — `courriel-cli sync`, `folders` and `list`: an IMAP account into the store,
 * and what the store holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "courriel-sync-service.h"

typedef struct
{
  char     *folder;
  gboolean  open; /* a progress line waits for its end */
} Progress;

/* On a terminal: "INBOX: 1500 of 10000 messages", rewritten in place. */
static void
show_progress (const char *folder, const char *stage, gint64 done, gint64 total, Progress *progress)
{
  g_autofree char *done_text = g_strdup_printf ("%" G_GINT64_FORMAT, done);
  g_autofree char *total_text = g_strdup_printf ("%" G_GINT64_FORMAT, total);

  if (progress->open && g_strcmp0 (progress->folder, folder) != 0)
    g_print ("\n");
  g_free (progress->folder);
  progress->folder = g_strdup (folder);
  progress->open = TRUE;
  g_print ("\r");
  if (g_str_equal (stage, "bodies"))
    g_print (_("%s: %s of %s messages downloaded"), folder, done_text, total_text);
  else
    g_print (_("%s: %s of %s messages listed"), folder, done_text, total_text);
  fflush (stdout);
}

static char *
describe_json (CourrielAccount *account, CourrielAccountSyncReport *report)
{
  GString *out = g_string_new (NULL);
  g_autofree char *address = courriel_cli_json_string (account->address);

  g_string_append_printf (out, "{\"account\": %s, \"folders\": [", address);
  for (guint i = 0; i < report->folders->len; i++)
    {
      CourrielImapFolderReport *r = report->folders->pdata[i];
      g_autofree char *name = courriel_cli_json_string (r->name);
      g_autofree char *role = r->role != NULL ? courriel_cli_json_string (r->role) : g_strdup ("null");

      g_string_append_printf (out,
                              "%s{\"name\": %s, \"role\": %s, \"added\": %" G_GINT64_FORMAT ", \"total\": %"
                              G_GINT64_FORMAT ", \"bodies\": %" G_GINT64_FORMAT "}",
                              i > 0 ? ", " : "", name, role, r->added, r->total, r->bodies);
    }
  g_string_append (out, "], ");
  if (account->protocol == COURRIEL_PROTOCOL_POP3)
    g_string_append_printf (out, "\"deleted_on_server\": %u, ", report->deleted_on_server);
  g_string_append_printf (out, "\"bytes_received\": %" G_GUINT64_FORMAT ", \"bytes_sent\": %" G_GUINT64_FORMAT
                          ", \"seconds\": %.3f}",
                          report->bytes_received, report->bytes_sent, report->seconds);
  return g_string_free (out, FALSE);
}

static void
on_headers_progress (CourrielSyncService *service, gint64 account_id, const char *folder, gint64 done, gint64 total,
                     Progress *progress)
{
  show_progress (folder, "headers", done, total, progress);
}

static void
on_bodies_progress (CourrielSyncService *service, gint64 account_id, const char *folder, gint64 done, gint64 total,
                    Progress *progress)
{
  show_progress (folder, "bodies", done, total, progress);
}

/* One account, by the sync service (the app's): its Outbox, its queued changes, its mail.
 * Returns its JSON report, or NULL with @error set. */
static char *
sync_account (CourrielSyncService *service, CourrielAccount *account, gboolean bodies, GError **error)
{
  g_autoptr (CourrielAccountSyncReport) report = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  Progress progress = { NULL, FALSE };
  gboolean terminal = isatty (fileno (stdout)) && !courriel_cli_json;
  const GError *outbox_error;
  gulong handlers[2] = { 0, 0 };

  if (terminal)
    {
      handlers[0] = g_signal_connect (service, "progress::headers", G_CALLBACK (on_headers_progress), &progress);
      handlers[1] = g_signal_connect (service, "progress::bodies", G_CALLBACK (on_bodies_progress), &progress);
    }
  courriel_sync_service_sync_account_async (service, account->id, bodies ? COURRIEL_ACCOUNT_SYNC_ALL_BODIES : 0,
                                            NULL, courriel_cli_got_result, &result);
  report = courriel_sync_service_sync_account_finish (service, courriel_cli_wait (&result), error);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_clear_signal_handler (&handlers[i], service);
  if (progress.open)
    g_print ("\n");
  g_free (progress.folder);
  /* What could not be sent stays in the Outbox: a warning, not the sync's failure. */
  outbox_error = courriel_sync_service_get_outbox_error (service, account->id);
  if (outbox_error != NULL)
    g_printerr (_("courriel-cli: %s: the Outbox will be sent later (%s)\n"), account->address,
                outbox_error->message);
  if (report == NULL)
    return NULL;
  for (guint i = 0; terminal && i < report->folders->len; i++)
    {
      CourrielImapFolderReport *r = report->folders->pdata[i];
      g_autofree char *added = g_strdup_printf ("%" G_GINT64_FORMAT, r->added);
      g_autofree char *total = g_strdup_printf ("%" G_GINT64_FORMAT, r->total);

      g_print (_("%s: %s messages, %s new\n"), r->name, total, added);
    }
  return describe_json (account, report);
}

/* courriel-cli sync [ACCOUNT] [--bodies] */
int
courriel_cli_sync (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("[ACCOUNT] — bring accounts up to date"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielSyncService) service = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  gboolean bodies = FALSE;
  GOptionEntry entries[] = {
    { "bodies", 0, 0, G_OPTION_ARG_NONE, &bodies, N_("Download every message for offline reading"), NULL },
    { NULL }
  };
  int status = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 2)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli sync [ACCOUNT] [--bodies] [--json]"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL && argc == 2)
    {
      CourrielAccount *account = courriel_cli_find_account (store, argv[1], &error);
      accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_account_free);
      if (account != NULL)
        g_ptr_array_add (accounts, account);
    }
  else if (store != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_account_list_async (store, NULL, courriel_cli_got_result, &result);
      accounts = courriel_account_list_finish (store, courriel_cli_wait (&result), &error);
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  /* One run per account and no retries behind the command's back: a failure is reported. */
  service = courriel_sync_service_new (store);
  courriel_sync_service_set_retry_delay (service, 0);
  if (courriel_cli_json && argc == 1)
    g_print ("[");
  for (guint i = 0; i < accounts->len; i++)
    {
      CourrielAccount *account = accounts->pdata[i];
      g_autofree char *report = sync_account (service, account, bodies, &error);

      if (report == NULL)
        {
          g_printerr ("courriel-cli: %s: %s\n", account->address, error->message);
          g_clear_error (&error);
          status = 1;
        }
      else if (courriel_cli_json)
        g_print ("%s%s", i > 0 && argc == 1 ? ", " : "", report);
    }
  if (courriel_cli_json)
    g_print (argc == 1 ? "]\n" : "\n");
  g_clear_object (&service);
  courriel_store_close (store);
  return status;
}

static int
print_account_rows (const char * const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_cli_open_store (&error);
  g_autoptr (CourrielAccount) account = NULL;
  g_autofree char *id = NULL;
  g_auto (GStrv) bound = NULL;

  if (store != NULL)
    account = courriel_cli_find_account (store, args[1], &error);
  if (account == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  /* args: SQL, the account (replaced by its id), then the other parameters. */
  bound = g_strdupv ((GStrv)args);
  g_free (bound[1]);
  bound[1] = g_strdup_printf ("%" G_GINT64_FORMAT, account->id);
  return courriel_cli_print_rows (store, (const char * const *)bound);
}

/* courriel-cli folders ACCOUNT: name, role, messages, unread */
int
courriel_cli_folders (int argc, char **argv)
{
  const char *args[] = { "SELECT name, role, total, unread FROM folders WHERE account_id = ?1 "
                         "ORDER BY role IS NULL, name",
                         NULL, NULL };

  if (argc != 2)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli folders ACCOUNT"));
      return 2;
    }
  args[1] = argv[1];
  return print_account_rows (args);
}

/* courriel-cli list ACCOUNT FOLDER [--limit N] [--offset N]: id, date, from, subject; newest first */
int
courriel_cli_list (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("ACCOUNT FOLDER");
  g_autoptr (GError) error = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *offset_text = NULL;
  int limit = 50;
  int offset = 0;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N messages (50)"), "N" },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the N newest"), "N" },
    { NULL }
  };
  const char *args[] = { "SELECT m.id, datetime (m.date, 'unixepoch') AS date, m.sender AS sender, m.subject AS subject "
                         "FROM messages m "
                         "JOIN folders f ON f.id = m.folder_id WHERE f.account_id = ?1 AND f.name = ?2 "
                         "ORDER BY m.date DESC, m.id DESC LIMIT ?3 OFFSET ?4",
                         NULL, NULL, NULL, NULL, NULL };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 3 || limit < 0 || offset < 0)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli list ACCOUNT FOLDER [--limit N] [--offset N]"));
      return 2;
    }
  limit_text = g_strdup_printf ("%d", limit);
  offset_text = g_strdup_printf ("%d", offset);
  args[1] = argv[1];
  args[2] = argv[2];
  args[3] = limit_text;
  args[4] = offset_text;
  return print_account_rows (args);
}
