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

#include "courriel-imap-account-sync.h"
#include "courriel-imap-client.h"
#include "courriel-pop3-download.h"

typedef struct
{
  const char *folder;
  gboolean    open; /* a progress line waits for its end */
} Progress;

/* On a terminal: "INBOX: 1500 of 10000 messages", rewritten in place. */
static void
show_progress (const char *folder, const char *stage, gint64 done, gint64 total, gpointer user_data)
{
  Progress *progress = user_data;
  g_autofree char *done_text = g_strdup_printf ("%" G_GINT64_FORMAT, done);
  g_autofree char *total_text = g_strdup_printf ("%" G_GINT64_FORMAT, total);

  if (progress->open && g_strcmp0 (progress->folder, folder) != 0)
    g_print ("\n");
  progress->folder = folder;
  progress->open = TRUE;
  g_print ("\r");
  if (g_str_equal (stage, "bodies"))
    g_print (_("%s: %s of %s messages downloaded"), folder, done_text, total_text);
  else
    g_print (_("%s: %s of %s messages listed"), folder, done_text, total_text);
  fflush (stdout);
}

static char *
describe_json (CourrielAccount *account, GPtrArray *reports, CourrielConnection *connection, double seconds)
{
  GString *out = g_string_new (NULL);
  g_autofree char *address = courriel_cli_json_string (account->address);

  g_string_append_printf (out, "{\"account\": %s, \"folders\": [", address);
  for (guint i = 0; i < reports->len; i++)
    {
      CourrielImapFolderReport *r = reports->pdata[i];
      g_autofree char *name = courriel_cli_json_string (r->name);
      g_autofree char *role = r->role != NULL ? courriel_cli_json_string (r->role) : g_strdup ("null");

      g_string_append_printf (out,
                              "%s{\"name\": %s, \"role\": %s, \"added\": %" G_GINT64_FORMAT ", \"total\": %"
                              G_GINT64_FORMAT ", \"bodies\": %" G_GINT64_FORMAT "}",
                              i > 0 ? ", " : "", name, role, r->added, r->total, r->bodies);
    }
  g_string_append_printf (out, "], \"bytes_received\": %" G_GUINT64_FORMAT ", \"bytes_sent\": %" G_GUINT64_FORMAT
                          ", \"seconds\": %.3f}",
                          courriel_connection_get_bytes_received (connection),
                          courriel_connection_get_bytes_sent (connection), seconds);
  return g_string_free (out, FALSE);
}

static gpointer
read_inbox_total (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *total = g_new0 (gint64, 1);
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = ?1 AND f.role = 'inbox'",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(gint64 *)data);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        *total = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&total, g_free);
  return total;
}

static void
show_pop3_progress (gint64 done, gint64 total, gpointer user_data)
{
  show_progress ("INBOX", "bodies", done, total, user_data);
}

/* A POP3 account: new messages into its local Inbox, then what its policy lets go is deleted on
 * the server. Returns its JSON report, or NULL with @error set. */
static char *
sync_pop3_account (CourrielStore *store, CourrielAccount *account, GError **error)
{
  g_autofree char *password = courriel_cli_lookup_password (account, error);
  g_autoptr (CourrielPop3Client) client = NULL;
  g_autofree CourrielPop3DownloadReport *report = NULL;
  g_autofree gint64 *total = NULL;
  g_autofree char *address = courriel_cli_json_string (account->address);
  CourrielConnection *connection;
  gint64 start = g_get_monotonic_time ();
  Progress progress = { NULL, FALSE };
  gboolean terminal = isatty (fileno (stdout)) && !courriel_cli_json;

  if (password == NULL || (client = courriel_cli_log_in_pop3 (account, password, error)) == NULL)
    return NULL;
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_pop3_download_async (client, store, account->id, g_get_real_time () / G_USEC_PER_SEC,
                                  terminal ? show_pop3_progress : NULL, &progress, NULL, courriel_cli_got_result,
                                  &result);
    report = courriel_pop3_download_finish (courriel_cli_wait (&result), error);
  }
  if (progress.open)
    g_print ("\n");
  if (report == NULL)
    return NULL;
  {
    /* QUIT is what makes the server delete: its failure is the command's. */
    g_autoptr (GAsyncResult) result = NULL;
    courriel_pop3_client_quit_async (client, NULL, courriel_cli_got_result, &result);
    if (!courriel_pop3_client_quit_finish (client, courriel_cli_wait (&result), error))
      return NULL;
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_store_read_async (store, read_inbox_total, &account->id, NULL, g_free, NULL, courriel_cli_got_result,
                               &result);
    total = courriel_store_read_finish (store, courriel_cli_wait (&result), error);
    if (total == NULL)
      return NULL;
  }
  if (terminal)
    {
      g_autofree char *added = g_strdup_printf ("%u", report->downloaded);
      g_autofree char *all = g_strdup_printf ("%" G_GINT64_FORMAT, *total);
      g_print (_("%s: %s messages, %s new\n"), "INBOX", all, added);
    }
  connection = courriel_pop3_client_get_connection (client);
  return g_strdup_printf ("{\"account\": %s, \"folders\": [{\"name\": \"INBOX\", \"role\": \"inbox\", "
                          "\"added\": %u, \"total\": %" G_GINT64_FORMAT ", \"bodies\": %u}], "
                          "\"deleted_on_server\": %u, \"bytes_received\": %" G_GUINT64_FORMAT ", "
                          "\"bytes_sent\": %" G_GUINT64_FORMAT ", \"seconds\": %.3f}",
                          address, report->downloaded, *total, report->downloaded, report->deleted,
                          courriel_connection_get_bytes_received (connection),
                          courriel_connection_get_bytes_sent (connection),
                          (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC);
}

/* One account: returns its JSON report, or NULL with @error set. */
static char *
sync_account (CourrielStore *store, CourrielAccount *account, gboolean bodies, GError **error)
{
  /* --bodies: every body; otherwise those of the account's offline days, if any. */
  CourrielImapSyncFlags flags = bodies || account->offline_days > 0 ? COURRIEL_IMAP_SYNC_BODIES : 0;
  gint64 since = bodies ? 0 : g_get_real_time () / G_USEC_PER_SEC - (gint64)account->offline_days * 24 * 60 * 60;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (GPtrArray) reports = NULL;
  gint64 start = g_get_monotonic_time ();
  Progress progress = { NULL, FALSE };
  gboolean terminal = isatty (fileno (stdout)) && !courriel_cli_json;

  if (account->protocol == COURRIEL_PROTOCOL_POP3)
    return sync_pop3_account (store, account, error);
  client = courriel_cli_connect (account, error);
  if (client == NULL)
    return NULL;
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_account_sync_async (client, store, account->id, flags, since, terminal ? show_progress : NULL,
                                      &progress, NULL, courriel_cli_got_result, &result);
    reports = courriel_imap_account_sync_finish (courriel_cli_wait (&result), error);
  }
  if (progress.open)
    g_print ("\n");
  if (reports == NULL)
    return NULL;
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_logout_async (client, NULL, courriel_cli_got_result, &result);
    courriel_imap_client_logout_finish (client, courriel_cli_wait (&result), NULL);
  }
  for (guint i = 0; terminal && i < reports->len; i++)
    {
      CourrielImapFolderReport *r = reports->pdata[i];
      g_autofree char *added = g_strdup_printf ("%" G_GINT64_FORMAT, r->added);
      g_autofree char *total = g_strdup_printf ("%" G_GINT64_FORMAT, r->total);

      g_print (_("%s: %s messages, %s new\n"), r->name, total, added);
    }
  return describe_json (account, reports, courriel_imap_client_get_connection (client),
                        (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC);
}

/* courriel-cli sync [ACCOUNT] [--bodies] */
int
courriel_cli_sync (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("[ACCOUNT] — bring accounts up to date"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
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
  if (courriel_cli_json && argc == 1)
    g_print ("[");
  for (guint i = 0; i < accounts->len; i++)
    {
      CourrielAccount *account = accounts->pdata[i];
      g_autofree char *report = NULL;

      courriel_cli_send_due (store, account);
      report = sync_account (store, account, bodies, &error);

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
