/* courriel-account.c — an account's configuration, kept in the store, its passwords in the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saving stores the passwords first (a failure there leaves nothing half-saved), then the
 * row; removing deletes the row (and with it, by foreign keys, the account's folders and
 * messages) before the passwords. A password is never written to the database.
 */
#define G_LOG_DOMAIN "courriel-accounts"

#include "config.h"
#include "courriel-account.h"

#include <glib/gi18n-lib.h>

#include "courriel-auth-results.h"
#include "courriel-secrets.h"

static const char *security_names[] = { "tls", "starttls", "none" };

CourrielAccount *
courriel_account_new (const char *address)
{
  CourrielAccount *account = g_new0 (CourrielAccount, 1);

  account->address = g_strdup (address);
  account->display_name = g_strdup ("");
  /* What the seeds ask for: leave POP3 mail on the server for 14 days, and delete it there
   * when it is deleted here. */
  account->pop3_keep_days = 14;
  account->pop3_delete_when_deleted_here = TRUE;
  return account;
}

/* A connection to one of @account's servers as the account says: its security, the certificate
 * the user accepted, whether credentials may travel in clear text. */
CourrielConnection *
courriel_account_new_connection (const CourrielAccount *account, const CourrielServer *server)
{
  CourrielConnection *connection = courriel_connection_new (server->host, server->port, server->security);

  courriel_connection_set_pinned_fingerprint (connection, server->fingerprint);
  courriel_connection_set_allow_insecure_auth (connection, account->allow_insecure);
  return connection;
}

static void
server_copy (CourrielServer *dest, const CourrielServer *src)
{
  *dest = *src;
  dest->host = g_strdup (src->host);
  dest->username = g_strdup (src->username);
  dest->auth = g_strdup (src->auth);
  dest->fingerprint = g_strdup (src->fingerprint);
}

static void
server_clear (CourrielServer *server)
{
  g_free (server->host);
  g_free (server->username);
  g_free (server->auth);
  g_free (server->fingerprint);
}

CourrielAccount *
courriel_account_copy (const CourrielAccount *account)
{
  CourrielAccount *copy = g_new0 (CourrielAccount, 1);

  *copy = *account;
  copy->address = g_strdup (account->address);
  copy->display_name = g_strdup (account->display_name);
  server_copy (&copy->incoming, &account->incoming);
  server_copy (&copy->outgoing, &account->outgoing);
  copy->authserv_id = g_strdup (account->authserv_id);
  return copy;
}

void
courriel_account_free (CourrielAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->address);
  g_free (account->display_name);
  server_clear (&account->incoming);
  server_clear (&account->outgoing);
  g_free (account->authserv_id);
  g_free (account);
}

/**
 * courriel_account_get_authserv_id:
 *
 * Returns: (nullable): the authserv-id whose Authentication-Results headers the reader trusts:
 * the one the user set, else the incoming server's registrable domain (imap.example.fr →
 * example.fr, which also trusts mx1.example.fr).
 */
char *
courriel_account_get_authserv_id (const CourrielAccount *account)
{
  if (account->authserv_id != NULL && *account->authserv_id != '\0')
    return g_strdup (account->authserv_id);
  return courriel_auth_results_trusted_id_for_host (account->incoming.host);
}

/* @authserv_id: (nullable): %NULL or "" goes back to the derived one. Saved with the account. */
void
courriel_account_set_authserv_id (CourrielAccount *account, const char *authserv_id)
{
  g_free (account->authserv_id);
  account->authserv_id = authserv_id != NULL && *authserv_id != '\0' ? g_strstrip (g_strdup (authserv_id)) : NULL;
}

static void
bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt, int index)
{
  const char *text = (const char *)sqlite3_column_text (stmt, index);
  return g_strdup (text);
}

static CourrielSecurity
security_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_names); i++)
    if (g_strcmp0 (name, security_names[i]) == 0)
      return i;
  return COURRIEL_SECURITY_TLS;
}

/* Saving ------------------------------------------------------------------------------------------ */

typedef struct
{
  CourrielStore   *store;
  CourrielAccount *account;
  char            *outgoing_password;
  gint64           id;
} Save;

static void
save_free (Save *save)
{
  g_object_unref (save->store);
  courriel_account_free (save->account);
  if (save->outgoing_password != NULL)
    memset (save->outgoing_password, 0, strlen (save->outgoing_password));
  g_free (save->outgoing_password);
  g_free (save);
}

/* Runs on the store's writer thread. */
static gboolean
write_account (sqlite3 *db, gpointer data, GError **error)
{
  Save *save = data;
  CourrielAccount *a = save->account;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db,
                           "INSERT INTO accounts (address, display_name, incoming_protocol, incoming_host, "
                           "incoming_port, incoming_security, incoming_username, incoming_auth, "
                           "incoming_fingerprint, outgoing_host, outgoing_port, outgoing_security, "
                           "outgoing_username, outgoing_auth, outgoing_fingerprint, allow_insecure, created, offline_days, "
                           "pop3_keep_days, pop3_delete_when_deleted_here, settings, smtp_size_limit) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
                           "CASE WHEN ?21 IS NULL THEN '{}' ELSE json_object ('authserv_id', ?21) END, ?22) "
                           "ON CONFLICT (address) DO UPDATE SET display_name = ?2, incoming_protocol = ?3, "
                           "incoming_host = ?4, incoming_port = ?5, incoming_security = ?6, incoming_username = ?7, "
                           "incoming_auth = ?8, incoming_fingerprint = ?9, outgoing_host = ?10, outgoing_port = ?11, "
                           "outgoing_security = ?12, outgoing_username = ?13, outgoing_auth = ?14, "
                           "outgoing_fingerprint = ?15, allow_insecure = ?16, offline_days = ?18, pop3_keep_days = ?19, "
                           "pop3_delete_when_deleted_here = ?20, settings = CASE WHEN ?21 IS NULL "
                           "THEN json_remove (settings, '$.authserv_id') ELSE json_set (settings, '$.authserv_id', ?21) END, "
                           "smtp_size_limit = ?22 RETURNING id",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      bind_text (stmt, 1, a->address);
      bind_text (stmt, 2, a->display_name != NULL ? a->display_name : "");
      bind_text (stmt, 3, a->protocol == COURRIEL_PROTOCOL_POP3 ? "pop3" : "imap");
      bind_text (stmt, 4, a->incoming.host);
      sqlite3_bind_int (stmt, 5, a->incoming.port);
      bind_text (stmt, 6, security_names[a->incoming.security]);
      bind_text (stmt, 7, a->incoming.username);
      bind_text (stmt, 8, a->incoming.auth);
      bind_text (stmt, 9, a->incoming.fingerprint);
      bind_text (stmt, 10, a->outgoing.host);
      if (a->outgoing.host != NULL)
        {
          sqlite3_bind_int (stmt, 11, a->outgoing.port);
          bind_text (stmt, 12, security_names[a->outgoing.security]);
        }
      bind_text (stmt, 13, a->outgoing.username);
      bind_text (stmt, 14, a->outgoing.auth);
      bind_text (stmt, 15, a->outgoing.fingerprint);
      sqlite3_bind_int (stmt, 16, a->allow_insecure);
      sqlite3_bind_int64 (stmt, 17, a->created > 0 ? a->created : g_get_real_time () / G_USEC_PER_SEC);
      sqlite3_bind_int (stmt, 18, a->offline_days);
      sqlite3_bind_int (stmt, 19, a->pop3_keep_days);
      sqlite3_bind_int (stmt, 20, a->pop3_delete_when_deleted_here);
      bind_text (stmt, 21, a->authserv_id);
      sqlite3_bind_int64 (stmt, 22, (sqlite3_int64)MIN (a->smtp_size_limit, (guint64)G_MAXINT64));
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        save->id = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
on_row_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Save *save = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (save->store, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, save->id);
}

static void
write_row (GTask *task)
{
  Save *save = g_task_get_task_data (task);

  /* The writer job borrows the data: the task keeps it alive until the callback. */
  courriel_store_write_async (save->store, write_account, save, NULL, g_task_get_cancellable (task), on_row_written,
                              task);
}

static void
on_outgoing_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_secrets_store_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  write_row (task);
}

static void
on_incoming_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Save *save = g_task_get_task_data (task);
  CourrielAccount *a = save->account;
  GError *error = NULL;

  if (!courriel_secrets_store_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (save->outgoing_password != NULL && a->outgoing.host != NULL)
    courriel_secrets_store_async (a->address, "outgoing", a->outgoing.host, a->outgoing.username,
                                  save->outgoing_password, g_task_get_cancellable (task), on_outgoing_stored, task);
  else
    write_row (task);
}

/**
 * courriel_account_save_async:
 * @incoming_password: (nullable): stored in the Secret Service; %NULL keeps the stored one
 * @outgoing_password: (nullable): likewise, for the outgoing server
 *
 * Adds the account, or updates the one with the same address. Returns its id.
 */
void
courriel_account_save_async (CourrielStore *store, CourrielAccount *account, const char *incoming_password,
                             const char *outgoing_password, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Save *save = g_new0 (Save, 1);

  g_return_if_fail (account->address != NULL && account->incoming.host != NULL && account->incoming.username != NULL);

  save->store = g_object_ref (store);
  save->account = courriel_account_copy (account);
  save->outgoing_password = g_strdup (outgoing_password);
  g_task_set_source_tag (task, courriel_account_save_async);
  g_task_set_task_data (task, save, (GDestroyNotify)save_free);

  if (incoming_password != NULL)
    courriel_secrets_store_async (account->address, "incoming", account->incoming.host, account->incoming.username,
                                  incoming_password, cancellable, on_incoming_stored, task);
  else
    {
      /* No new incoming password: go straight on to the outgoing one, or the row. */
      if (save->outgoing_password != NULL && account->outgoing.host != NULL)
        courriel_secrets_store_async (account->address, "outgoing", account->outgoing.host, account->outgoing.username,
                                      save->outgoing_password, cancellable, on_outgoing_stored, task);
      else
        write_row (task);
    }
}

gint64
courriel_account_save_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

/* Listing ----------------------------------------------------------------------------------------- */

static gpointer
read_accounts (sqlite3 *db, gpointer data, GError **error)
{
  GPtrArray *accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_account_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, address, display_name, incoming_protocol, incoming_host, incoming_port, "
                               "incoming_security, incoming_username, incoming_auth, incoming_fingerprint, "
                               "outgoing_host, outgoing_port, outgoing_security, outgoing_username, outgoing_auth, "
                               "outgoing_fingerprint, allow_insecure, created, offline_days, pop3_keep_days, "
                               "pop3_delete_when_deleted_here, json_extract (settings, '$.authserv_id'), smtp_size_limit "
                               "FROM accounts ORDER BY id",
                               -1, &stmt, NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielAccount *a = g_new0 (CourrielAccount, 1);
      const char *protocol = (const char *)sqlite3_column_text (stmt, 3);

      a->id = sqlite3_column_int64 (stmt, 0);
      a->address = column_text (stmt, 1);
      a->display_name = column_text (stmt, 2);
      a->protocol = g_strcmp0 (protocol, "pop3") == 0 ? COURRIEL_PROTOCOL_POP3 : COURRIEL_PROTOCOL_IMAP;
      a->incoming.host = column_text (stmt, 4);
      a->incoming.port = sqlite3_column_int (stmt, 5);
      a->incoming.security = security_from_name ((const char *)sqlite3_column_text (stmt, 6));
      a->incoming.username = column_text (stmt, 7);
      a->incoming.auth = column_text (stmt, 8);
      a->incoming.fingerprint = column_text (stmt, 9);
      a->outgoing.host = column_text (stmt, 10);
      a->outgoing.port = sqlite3_column_int (stmt, 11);
      a->outgoing.security = security_from_name ((const char *)sqlite3_column_text (stmt, 12));
      a->outgoing.username = column_text (stmt, 13);
      a->outgoing.auth = column_text (stmt, 14);
      a->outgoing.fingerprint = column_text (stmt, 15);
      a->allow_insecure = sqlite3_column_int (stmt, 16);
      a->created = sqlite3_column_int64 (stmt, 17);
      a->offline_days = sqlite3_column_int (stmt, 18);
      a->pop3_keep_days = sqlite3_column_int (stmt, 19);
      a->pop3_delete_when_deleted_here = sqlite3_column_int (stmt, 20);
      a->authserv_id = column_text (stmt, 21);
      a->smtp_size_limit = (guint64)MAX (sqlite3_column_int64 (stmt, 22), 0);
      g_ptr_array_add (accounts, a);
      rc = SQLITE_OK; /* go on stepping */
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_ptr_array_unref (accounts);
      return NULL;
    }
  return accounts;
}

/**
 * courriel_account_find:
 * @accounts: (nullable): as courriel_account_list_finish() returns them
 *
 * Returns: (transfer none) (nullable): the account with this id, %NULL when it is gone
 */
CourrielAccount *
courriel_account_find (GPtrArray *accounts, gint64 id)
{
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    if (((CourrielAccount *)accounts->pdata[i])->id == id)
      return accounts->pdata[i];
  return NULL;
}

void
courriel_account_list_async (CourrielStore *store, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  courriel_store_read_async (store, read_accounts, NULL, NULL, (GDestroyNotify)g_ptr_array_unref, cancellable, callback,
                             user_data);
}

/* Returns the accounts (CourrielAccount*), oldest first. */
GPtrArray *
courriel_account_list_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_read_finish (store, result, error);
}

/* The SMTP SIZE limit ------------------------------------------------------------------------------ */

typedef struct
{
  gint64  account_id;
  guint64 limit;
} SizeLimit;

static gboolean
update_size_limit (sqlite3 *db, gpointer data, GError **error)
{
  SizeLimit *size = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "UPDATE accounts SET smtp_size_limit = ?2 WHERE id = ?1 AND smtp_size_limit != ?2",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, size->account_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64)MIN (size->limit, (guint64)G_MAXINT64));
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/**
 * courriel_account_set_smtp_size_limit_async:
 * @limit: the largest message the outgoing server takes (SIZE), 0 when it announced none
 *
 * Records the limit alone, without saving the rest of the account (which another window may be
 * editing). Finish with courriel_account_set_smtp_size_limit_finish().
 */
void
courriel_account_set_smtp_size_limit_async (CourrielStore *store, gint64 account_id, guint64 limit,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  SizeLimit *size = g_new0 (SizeLimit, 1);

  size->account_id = account_id;
  size->limit = limit;
  courriel_store_write_async (store, update_size_limit, size, g_free, cancellable, callback, user_data);
}

gboolean
courriel_account_set_smtp_size_limit_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_write_finish (store, result, error);
}

/* Removing ---------------------------------------------------------------------------------------- */

/* An account removed, or given a new address. */
typedef struct
{
  CourrielStore *store;
  gint64         id;
  char          *address;
  char          *new_address;
} Remove;

static void
remove_free (Remove *remove)
{
  g_object_unref (remove->store);
  g_free (remove->address);
  g_free (remove->new_address);
  g_free (remove);
}

static gboolean
delete_account (sqlite3 *db, gpointer data, GError **error)
{
  Remove *remove = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "DELETE FROM accounts WHERE address = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      bind_text (stmt, 1, remove->address);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
on_secrets_cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!courriel_secrets_clear_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_row_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Remove *remove = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (remove->store, result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  courriel_secrets_clear_async (remove->address, g_task_get_cancellable (task), on_secrets_cleared, task);
}

/* Removes the account with its folders, messages and passwords. */
void
courriel_account_remove_async (CourrielStore *store, const char *address, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Remove *remove = g_new0 (Remove, 1);

  remove->store = g_object_ref (store);
  remove->address = g_strdup (address);
  g_task_set_source_tag (task, courriel_account_remove_async);
  g_task_set_task_data (task, remove, (GDestroyNotify)remove_free);
  courriel_store_write_async (store, delete_account, remove, NULL, cancellable, on_row_deleted, task);
}

gboolean
courriel_account_remove_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A new e-mail address ------------------------------------------------------------------------------ */

/* Runs on the store's writer thread. */
static gboolean
write_address (sqlite3 *db, gpointer data, GError **error)
{
  Remove *readdress = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "UPDATE accounts SET address = ?2 WHERE id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, readdress->id);
      bind_text (stmt, 2, readdress->new_address);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Another account already uses the address %s."),
                   readdress->new_address);
      return FALSE;
    }
  return courriel_store_set_error_from_db (db, rc == SQLITE_DONE ? SQLITE_OK : rc, error);
}

static void
on_secrets_renamed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!courriel_secrets_rename_finish (result, &error))
    {
      g_prefix_error (&error, "%s", _("The address changed, but the passwords in the keyring could not follow: "));
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_address_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Remove *readdress = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (readdress->store, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  courriel_secrets_rename_async (readdress->address, readdress->new_address, g_task_get_cancellable (task),
                                 on_secrets_renamed, g_object_ref (task));
}

/**
 * courriel_account_set_address_async:
 * @address: the account's address until now
 * @new_address: its new one
 *
 * Changes the e-mail address of the account @id, in the store and in the keyring, where its
 * passwords are found by it. Its folders and messages stay (they belong to the account, not to
 * the address). An address another account has is refused.
 */
void
courriel_account_set_address_async (CourrielStore *store, gint64 id, const char *address, const char *new_address,
                                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Remove *readdress = g_new0 (Remove, 1);

  g_task_set_source_tag (task, courriel_account_set_address_async);
  readdress->store = g_object_ref (store);
  readdress->id = id;
  readdress->address = g_strdup (address);
  readdress->new_address = g_strdup (new_address);
  g_task_set_task_data (task, readdress, (GDestroyNotify)remove_free);
  courriel_store_write_async (store, write_address, readdress, NULL, cancellable, on_address_written, task);
}

gboolean
courriel_account_set_address_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
