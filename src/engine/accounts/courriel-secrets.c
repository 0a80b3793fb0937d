/* courriel-secrets.c — account passwords in the Secret Service, and nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema, documented for other tools (secret-tool, Seahorse):
 *
 *   name:       io.github.courriel.Courriel.Password
 *   account:    the account's e-mail address          (string)
 *   role:       "incoming" or "outgoing"               (string)
 *   host:       the server's host name                 (string)
 *   username:   the user name on that server           (string)
 *
 * e.g. `secret-tool lookup account alice@example.test role incoming`. The label reads
 * "Courriel: alice@example.test (incoming, imap.example.test)".
 */
#define G_LOG_DOMAIN "courriel-accounts"

#include "config.h"
#include "courriel-secrets.h"

#include <glib/gi18n-lib.h>

static const SecretSchema schema = {
  "io.github.courriel.Courriel.Password",
  SECRET_SCHEMA_NONE,
  {
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "role", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

const SecretSchema *
courriel_secrets_get_schema (void)
{
  return &schema;
}

typedef struct
{
  char *account;
  char *role;
  char *host;
  char *username;
  char *password;
} Store;

static void
store_free (Store *store)
{
  g_free (store->account);
  g_free (store->role);
  g_free (store->host);
  g_free (store->username);
  secret_password_wipe (store->password);
  g_free (store->password);
  g_free (store);
}

/* On a worker thread: libsecret's blocking calls run their own main context there. The new
 * password is stored first, and only then do the stale items go, so a failed store (a locked
 * keyring whose prompt was dismissed) leaves the old password rather than none. */
static void
store_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Store *store = data;
  GError *error = NULL;
  g_autofree char *label = g_strdup_printf (_("Courriel: %s (%s, %s)"), store->account, store->role, store->host);
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (SecretService) service = NULL;
  GList *items = NULL;

  if (!secret_password_store_sync (&schema, SECRET_COLLECTION_DEFAULT, label, store->password, cancellable, &error,
                                   "account", store->account, "role", store->role, "host", store->host, "username",
                                   store->username, NULL))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The Secret Service replaces only an item with the very same attributes: after a change of host
   * or user name, the old item would stay beside the new one, and a lookup (by account and role)
   * could return either. */
  g_hash_table_insert (query, "account", store->account);
  g_hash_table_insert (query, "role", store->role);
  service = secret_service_get_sync (SECRET_SERVICE_NONE, cancellable, &error);
  if (service != NULL)
    items = secret_service_search_sync (service, &schema, query, SECRET_SEARCH_ALL, cancellable, &error);
  for (GList *l = items; l != NULL && error == NULL; l = l->next)
    {
      g_autoptr (GHashTable) attributes = secret_item_get_attributes (l->data);

      if (g_strcmp0 (g_hash_table_lookup (attributes, "host"), store->host) != 0
          || g_strcmp0 (g_hash_table_lookup (attributes, "username"), store->username) != 0)
        secret_item_delete_sync (l->data, cancellable, &error);
    }
  g_list_free_full (items, g_object_unref);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Replaces any password stored for this account and role. */
void
courriel_secrets_store_async (const char *account, const char *role, const char *host, const char *username,
                              const char *password, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Store *store = g_new0 (Store, 1);

  g_task_set_source_tag (task, courriel_secrets_store_async);
  store->account = g_strdup (account);
  store->role = g_strdup (role);
  store->host = g_strdup (host);
  store->username = g_strdup (username);
  store->password = g_strdup (password);
  g_task_set_task_data (task, store, (GDestroyNotify)store_free);
  g_task_run_in_thread (task, store_in_thread);
}

gboolean
courriel_secrets_store_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  char *password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify)secret_password_free);
}

/* Returns NULL without an error when no password is stored. */
void
courriel_secrets_lookup_async (const char *account, const char *role, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, courriel_secrets_lookup_async);
  secret_password_lookup (&schema, cancellable, on_looked_up, task, "account", account, "role", role, NULL);
}

char *
courriel_secrets_lookup_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Forgets every password of the account. */
void
courriel_secrets_clear_async (const char *account, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, courriel_secrets_clear_async);
  secret_password_clear (&schema, cancellable, on_cleared, task, "account", account, NULL);
}

gboolean
courriel_secrets_clear_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char *from;
  char *to;
} Rename;

static void
rename_free (Rename *rename)
{
  g_free (rename->from);
  g_free (rename->to);
  g_free (rename);
}

/* On a worker thread: libsecret's blocking calls run their own main context there. */
static void
rename_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Rename *rename = data;
  GError *error = NULL;
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, cancellable, &error);
  GList *items = NULL;

  g_hash_table_insert (query, "account", rename->from);
  if (service != NULL)
    items = secret_service_search_sync (service, &schema, query, SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                                        cancellable, &error);
  for (GList *l = items; l != NULL && error == NULL; l = l->next)
    {
      g_autoptr (GHashTable) attributes = secret_item_get_attributes (l->data);
      g_autofree char *label = NULL;

      g_hash_table_replace (attributes, g_strdup ("account"), g_strdup (rename->to));
      label = g_strdup_printf (_("Courriel: %s (%s, %s)"), rename->to,
                               (const char *)g_hash_table_lookup (attributes, "role"),
                               (const char *)g_hash_table_lookup (attributes, "host"));
      if (secret_item_set_attributes_sync (l->data, &schema, attributes, cancellable, &error))
        secret_item_set_label_sync (l->data, label, cancellable, &error);
    }
  g_list_free_full (items, g_object_unref);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The account's passwords, kept, under its new address (the e-mail address changed). */
void
courriel_secrets_rename_async (const char *account, const char *new_account, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Rename *rename = g_new0 (Rename, 1);

  g_task_set_source_tag (task, courriel_secrets_rename_async);
  rename->from = g_strdup (account);
  rename->to = g_strdup (new_account);
  g_task_set_task_data (task, rename, (GDestroyNotify)rename_free);
  g_task_run_in_thread (task, rename_in_thread);
}

gboolean
courriel_secrets_rename_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
