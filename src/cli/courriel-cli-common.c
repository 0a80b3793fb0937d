/* courriel-cli-common.c — what the commands of courriel-cli share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>

#include "courriel-engine.h"
#include "courriel-imap-client.h"

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
  g_autoptr (CourrielConnection) connection = courriel_connection_new (account->incoming.host, account->incoming.port,
                                                                       account->incoming.security);
  g_autoptr (CourrielImapClient) client = NULL;

  courriel_connection_set_pinned_fingerprint (connection, account->incoming.fingerprint);
  courriel_connection_set_allow_insecure_auth (connection, account->allow_insecure);
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
