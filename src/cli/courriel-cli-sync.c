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

#include "courriel-imap-client.h"
#include "courriel-imap-folder-sync.h"
#include "courriel-imap-message-sync.h"
#include "courriel-secrets.h"

/* Logs in as the account, with the password from the Secret Service. */
static CourrielImapClient *
log_in (CourrielAccount *account, GError **error)
{
  g_autoptr (CourrielImapClient) client = NULL;
  g_autofree char *password = NULL;

  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_secrets_lookup_async (account->address, "incoming", NULL, courriel_cli_got_result, &result);
    password = courriel_secrets_lookup_finish (courriel_cli_wait (&result), error);
    if (password == NULL)
      {
        if (error != NULL && *error == NULL)
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("No password is stored for %s: add the account again."), account->address);
        return NULL;
      }
  }
  client = courriel_cli_log_in (account, password, error);
  if (client != NULL)
    {
      const char *extensions[] = { "CONDSTORE", NULL };
      g_autoptr (GAsyncResult) result = NULL;
      g_auto (GStrv) enabled = NULL;
      courriel_imap_client_enable_async (client, extensions, NULL, courriel_cli_got_result, &result);
      enabled = courriel_imap_client_enable_finish (client, courriel_cli_wait (&result), NULL);
    }
  return g_steal_pointer (&client);
}

typedef struct
{
  gint64 id;
  char  *raw_name;
  char  *name;
} Folder;

static void
folder_free (Folder *folder)
{
  g_free (folder->raw_name);
  g_free (folder->name);
  g_free (folder);
}

static gpointer
read_folders (sqlite3 *db, gpointer data, GError **error)
{
  GPtrArray *folders = g_ptr_array_new_with_free_func ((GDestroyNotify)folder_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, raw_name, name FROM folders WHERE account_id = ?1 AND attributes & 1 = 0 "
                               "ORDER BY role IS NULL, name",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, *(gint64 *)data);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Folder *folder = g_new0 (Folder, 1);

      folder->id = sqlite3_column_int64 (stmt, 0);
      folder->raw_name = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      folder->name = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      g_ptr_array_add (folders, folder);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_ptr_array_unref (folders);
      return NULL;
    }
  return folders;
}

int
courriel_cli_sync (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  gboolean progress = isatty (fileno (stdout));

  if (argc != 2)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli sync ACCOUNT"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL)
    account = courriel_cli_find_account (store, argv[1], &error);
  if (account != NULL && account->protocol != COURRIEL_PROTOCOL_IMAP)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("POP3 accounts cannot be synchronised yet: this version has no POP3 client"));
  if (account != NULL && error == NULL)
    client = log_in (account, &error);
  if (client != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_imap_folder_sync_async (client, store, account->id, NULL, courriel_cli_got_result, &result);
      courriel_imap_folder_sync_finish (courriel_cli_wait (&result), &error);
    }
  if (error == NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_store_read_async (store, read_folders, &account->id, NULL, (GDestroyNotify)g_ptr_array_unref, NULL,
                                 courriel_cli_got_result, &result);
      folders = courriel_store_read_finish (store, courriel_cli_wait (&result), &error);
    }
  for (guint i = 0; folders != NULL && error == NULL && i < folders->len; i++)
    {
      Folder *folder = folders->pdata[i];
      g_autoptr (GAsyncResult) result = NULL;
      gint64 added;

      courriel_imap_message_sync_async (client, store, folder->id, folder->raw_name, 0, NULL, courriel_cli_got_result,
                                        &result);
      added = courriel_imap_message_sync_finish (courriel_cli_wait (&result), &error);
      if (progress && error == NULL)
        {
          g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, added);
          g_print (_("%s: %s new\n"), folder->name, count);
        }
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  courriel_store_close (store);
  return 0;
}

static gpointer
read_rows (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  char **args = data;
  int rc = sqlite3_prepare_v2 (db, args[0], -1, &stmt, NULL);

  for (guint i = 1; rc == SQLITE_OK && args[i] != NULL; i++)
    sqlite3_bind_text (stmt, i, args[i], -1, SQLITE_STATIC);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          const char *text = (const char *)sqlite3_column_text (stmt, c);
          g_string_append_printf (out, "%s%s", c > 0 ? "\t" : "", text != NULL ? text : "");
        }
      g_string_append_c (out, '\n');
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static int
print_rows (const char * const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_cli_open_store (&error);
  g_autoptr (CourrielAccount) account = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *id = NULL;
  g_auto (GStrv) bound = NULL;

  if (store != NULL)
    account = courriel_cli_find_account (store, args[1], &error);
  if (account != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;

      /* args: SQL, the account (replaced by its id), then the other parameters. */
      bound = g_strdupv ((GStrv)args);
      id = g_strdup_printf ("%" G_GINT64_FORMAT, account->id);
      g_free (bound[1]);
      bound[1] = g_strdup (id);
      courriel_store_read_async (store, read_rows, bound, NULL, g_free, NULL, courriel_cli_got_result, &result);
      rows = courriel_store_read_finish (store, courriel_cli_wait (&result), &error);
    }
  if (rows == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  g_print ("%s", rows);
  return 0;
}

/* courriel-cli folders ACCOUNT: name, role, messages, unread */
int
courriel_cli_folders (int argc, char **argv)
{
  const char *args[] = { "SELECT name, coalesce (role, ''), total, unread FROM folders WHERE account_id = ?1 "
                         "ORDER BY role IS NULL, name",
                         NULL, NULL };

  if (argc != 2)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli folders ACCOUNT"));
      return 2;
    }
  args[1] = argv[1];
  return print_rows (args);
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
  const char *args[] = { "SELECT m.id, datetime (m.date, 'unixepoch'), m.sender, m.subject FROM messages m "
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
  return print_rows (args);
}
