/* courriel-cli-common.c — what the commands of courriel-cli share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "courriel-account-sync.h"
#include "courriel-engine.h"
#include "courriel-imap-client.h"
#include "courriel-secrets.h"

/* Set by --json anywhere on the command line. */
gboolean courriel_cli_json = FALSE;

void
courriel_cli_got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/* A command-line tool may wait: it iterates the main context until the call completes. */
GAsyncResult *
courriel_cli_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

CourrielStore *
courriel_cli_open_store (GError **error)
{
  g_autofree char *path = courriel_engine_dup_database_path ();

  return courriel_store_open (path, error);
}

/* ACCOUNT is the address or the id. */
CourrielAccount *
courriel_cli_find_account (CourrielStore *store, const char *which, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) accounts = NULL;

  courriel_account_list_async (store, NULL, courriel_cli_got_result, &result);
  accounts = courriel_account_list_finish (store, courriel_cli_wait (&result), error);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      CourrielAccount *a = accounts->pdata[i];
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, a->id);

      if (g_ascii_strcasecmp (a->address, which) == 0 || g_str_equal (id, which))
        return courriel_account_copy (a);
    }
  if (accounts != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no account “%s”"), which);
  return NULL;
}

/* Connects to the account's incoming IMAP server and logs in; returns the client, logged in. */
CourrielImapClient *
courriel_cli_log_in (CourrielAccount *account, const char *password, GError **error)
{
  g_autoptr (CourrielConnection) connection = courriel_account_new_connection (account, &account->incoming);
  g_autoptr (CourrielImapClient) client = NULL;
  client = courriel_imap_client_new (connection);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_connect_async (client, NULL, courriel_cli_got_result, &result);
    if (!courriel_imap_client_connect_finish (client, courriel_cli_wait (&result), error))
      return NULL;
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_authenticate_async (client, account->incoming.auth, account->incoming.username, password,
                                             NULL, courriel_cli_got_result, &result);
    if (!courriel_imap_client_authenticate_finish (client, courriel_cli_wait (&result), error))
      return NULL;
  }
  return g_steal_pointer (&client);
}

/* The account's incoming password, from the Secret Service. */
char *
courriel_cli_lookup_password (CourrielAccount *account, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  char *password;

  courriel_secrets_lookup_async (account->address, "incoming", NULL, courriel_cli_got_result, &result);
  password = courriel_secrets_lookup_finish (courriel_cli_wait (&result), error);
  if (password == NULL && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No password is stored for %s: add the account again."),
                 account->address);
  return password;
}

/* Logs in to the account's IMAP server, with its password from the Secret Service. */
CourrielImapClient *
courriel_cli_connect (CourrielAccount *account, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  if (account->protocol != COURRIEL_PROTOCOL_IMAP)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s is a POP3 account: its folders are all on this computer."), account->address);
      return NULL;
    }
  courriel_account_log_in_async (account, NULL, courriel_cli_got_result, &result);
  return COURRIEL_IMAP_CLIENT (courriel_account_log_in_finish (courriel_cli_wait (&result), error));
}

/* Connects to the account's POP3 server and logs in. */
CourrielPop3Client *
courriel_cli_log_in_pop3 (CourrielAccount *account, const char *password, GError **error)
{
  g_autoptr (CourrielConnection) connection = courriel_account_new_connection (account, &account->incoming);
  g_autoptr (CourrielPop3Client) client = NULL;
  g_autoptr (GAsyncResult) connected = NULL;
  g_autoptr (GAsyncResult) logged_in = NULL;
  client = courriel_pop3_client_new (connection);
  courriel_pop3_client_connect_async (client, NULL, courriel_cli_got_result, &connected);
  if (!courriel_pop3_client_connect_finish (client, courriel_cli_wait (&connected), error))
    return NULL;
  courriel_pop3_client_authenticate_async (client, account->incoming.auth, account->incoming.username, password, NULL,
                                           courriel_cli_got_result, &logged_in);
  if (!courriel_pop3_client_authenticate_finish (client, courriel_cli_wait (&logged_in), error))
    return NULL;
  return g_steal_pointer (&client);
}

/* A JSON string, quoted and escaped. */
char *
courriel_cli_json_string (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar)*p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar)*p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Rows as lines of tab-separated columns, or with --json as an array of objects named after
 * the columns. args: the SQL, then its text parameters, NULL-terminated. */
static gpointer
read_rows (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (courriel_cli_json ? "[" : NULL);
  sqlite3_stmt *stmt = NULL;
  char **args = data;
  int rc = sqlite3_prepare_v2 (db, args[0], -1, &stmt, NULL);
  guint n = 0;

  for (guint i = 1; rc == SQLITE_OK && args[i] != NULL; i++)
    sqlite3_bind_text (stmt, i, args[i], -1, SQLITE_STATIC);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (courriel_cli_json)
        g_string_append (out, n++ > 0 ? ",\n {" : "{");
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          const char *text = (const char *)sqlite3_column_text (stmt, c);

          if (!courriel_cli_json)
            g_string_append_printf (out, "%s%s", c > 0 ? "\t" : "", text != NULL ? text : "");
          else
            {
              g_autofree char *name = courriel_cli_json_string (sqlite3_column_name (stmt, c));
              g_autofree char *value = sqlite3_column_type (stmt, c) == SQLITE_INTEGER ? g_strdup (text)
                                       : text == NULL ? g_strdup ("null")
                                                      : courriel_cli_json_string (text);
              g_string_append_printf (out, "%s%s: %s", c > 0 ? ", " : "", name, value);
            }
        }
      g_string_append (out, courriel_cli_json ? "}" : "\n");
      rc = SQLITE_OK;
    }
  if (courriel_cli_json)
    g_string_append (out, "]\n");
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* Prints the rows of a query; returns the exit status. */
int
courriel_cli_print_rows (CourrielStore *store, const char * const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *rows = NULL;

  courriel_store_read_async (store, read_rows, g_strdupv ((GStrv)args), (GDestroyNotify)g_strfreev, g_free, NULL,
                             courriel_cli_got_result, &result);
  rows = courriel_store_read_finish (store, courriel_cli_wait (&result), &error);
  if (rows == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  g_print ("%s", rows);
  return 0;
}

/* MESSAGE… arguments: the ids `list` prints. */
GArray *
courriel_cli_parse_message_ids (int argc, char **argv, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (int i = 0; i < argc; i++)
    {
      guint64 id;

      if (!g_ascii_string_to_unsigned (argv[i], 10, 1, G_MAXINT64, &id, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a message id"), argv[i]);
          return NULL;
        }
      g_array_append_val (ids, id);
    }
  return g_steal_pointer (&ids);
}

/* The first line of standard input, without its line break; NULL at end of input. */
char *
courriel_cli_read_password (void)
{
  char line[4096];
  size_t length;

  if (fgets (line, sizeof line, stdin) == NULL)
    return NULL;
  length = strcspn (line, "\r\n");
  line[length] = '\0';
  return g_strdup (line);
}
