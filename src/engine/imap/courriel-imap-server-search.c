/* courriel-imap-server-search.c — the server searches what the store cannot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store's full-text index only knows the bodies it downloaded. For the folders where some
 * bodies are missing, the server runs the same search (courriel_search_query_to_imap()) with
 * UID SEARCH, and its answers are mapped back to the store's messages.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-server-search.h"

#include "courriel-task.h"
typedef struct
{
  gint64 id;
  char  *name;
} Folder;

typedef struct
{
  CourrielImapClient *client;
  CourrielStore      *store;
  gint64              account_id;
  char               *criteria;
  GArray             *folders;  /* Folder */
  guint               next;
  CourrielImapUidSet *found;    /* in the folder being searched */
  GArray             *ids;      /* gint64: the answer */
} Search;

static void
folder_clear (Folder *folder)
{
  g_free (folder->name);
}

static void
search_free (Search *search)
{
  g_object_unref (search->client);
  g_object_unref (search->store);
  g_free (search->criteria);
  g_clear_pointer (&search->folders, g_array_unref);
  g_clear_pointer (&search->found, courriel_imap_uid_set_free);
  g_array_unref (search->ids);
  g_free (search);
}

/* The account's folders where some message has no body in the store. */
static gpointer
read_folders (sqlite3 *db, gpointer data, GError **error)
{
  Search *search = data;
  GArray *folders = g_array_new (FALSE, FALSE, sizeof (Folder));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT f.id, f.name FROM folders f WHERE f.account_id = ?1 AND EXISTS (SELECT 1 FROM "
                               "messages m WHERE m.folder_id = f.id AND m.uid IS NOT NULL AND NOT EXISTS (SELECT 1 "
                               "FROM bodies b WHERE b.message_id = m.id))",
                               -1, &stmt, NULL);

  g_array_set_clear_func (folders, (GDestroyNotify)folder_clear);
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, search->account_id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Folder folder = { sqlite3_column_int64 (stmt, 0), g_strdup ((const char *)sqlite3_column_text (stmt, 1)) };
      g_array_append_val (folders, folder);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&folders, g_array_unref);
  return folders;
}

/* The store's ids of the UIDs the server found. */
static gpointer
read_ids (sqlite3 *db, gpointer data, GError **error)
{
  Search *search = data;
  Folder *folder = &g_array_index (search->folders, Folder, search->next - 1);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, uid FROM messages WHERE folder_id = ?1 AND uid IS NOT NULL", -1, &stmt,
                               NULL);

  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, folder->id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (courriel_imap_uid_set_contains (search->found, (guint32)sqlite3_column_int64 (stmt, 1)))
        g_array_append_val (search->ids, id);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error) ? GINT_TO_POINTER (1) : NULL;
}

static void search_next (GTask *task);

static void
on_ids (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Search *search = g_task_get_task_data (task);
  GError *error = NULL;

  courriel_store_read_finish (search->store, result, &error);
  if (!courriel_task_fail_if (task, error))
    search_next (task);
}

static void
on_searched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Search *search = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&search->found, courriel_imap_uid_set_free);
  search->found = courriel_imap_client_uid_search_finish (search->client, result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_store_read_async (search->store, read_ids, search, NULL, NULL, g_task_get_cancellable (task), on_ids,
                               task);
}

static void
on_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Search *search = g_task_get_task_data (task);
  g_autoptr (CourrielImapSelection) selection = NULL;
  GError *error = NULL;

  selection = courriel_imap_client_select_finish (search->client, result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_imap_client_uid_search_async (search->client, search->criteria, g_task_get_cancellable (task),
                                           on_searched, task);
}

static void
search_next (GTask *task)
{
  Search *search = g_task_get_task_data (task);

  if (search->next >= search->folders->len)
    {
      g_task_return_pointer (task, g_array_ref (search->ids), (GDestroyNotify)g_array_unref);
      g_object_unref (task);
      return;
    }
  courriel_imap_client_select_async (search->client, g_array_index (search->folders, Folder, search->next++).name,
                                     FALSE, NULL, g_task_get_cancellable (task), on_selected, task);
}

static void
on_folders (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Search *search = g_task_get_task_data (task);
  GError *error = NULL;

  search->folders = courriel_store_read_finish (search->store, result, &error);
  if (!courriel_task_fail_if (task, error))
    search_next (task);
}

/**
 * courriel_imap_server_search_async:
 * @criteria: IMAP SEARCH criteria, as courriel_search_query_to_imap() gives them
 *
 * Returns (by finish) a GArray of the store's message ids (gint64) the server found, in the
 * folders whose bodies are not all in the store.
 */
void
courriel_imap_server_search_async (CourrielImapClient *client, CourrielStore *store, gint64 account_id,
                                   const char *criteria, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Search *search = g_new0 (Search, 1);

  search->client = g_object_ref (client);
  search->store = g_object_ref (store);
  search->account_id = account_id;
  search->criteria = g_strdup (criteria);
  search->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_set_source_tag (task, courriel_imap_server_search_async);
  g_task_set_task_data (task, search, (GDestroyNotify)search_free);
  courriel_store_read_async (store, read_folders, search, NULL, (GDestroyNotify)g_array_unref, cancellable, on_folders,
                             task);
}

GArray *
courriel_imap_server_search_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
