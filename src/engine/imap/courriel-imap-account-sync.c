/* courriel-imap-account-sync.c — a whole IMAP account brought up to date with the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The order matters: the local changes queued while offline go to the server first (so that
 * the server's state, read next, already includes them), then the folder list, then each
 * folder's messages — the Inbox first, as that is what the user looks at — and, when asked,
 * their bodies for offline reading.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-account-sync.h"

#include "courriel-imap-body-sync.h"
#include "courriel-imap-folder-sync.h"
#include "courriel-imap-message-sync.h"
#include "courriel-imap-replay.h"
#include "courriel-task.h"

void
courriel_imap_folder_report_free (CourrielImapFolderReport *report)
{
  g_free (report->name);
  g_free (report->role);
  g_free (report);
}

typedef struct
{
  CourrielImapClient      *client;
  CourrielStore           *store;
  gint64                   account_id;
  CourrielImapSyncFlags    flags;
  gint64                   bodies_since;
  CourrielImapSyncProgress progress;
  gpointer                 progress_data;
  GPtrArray               *folders; /* CourrielImapFolderReport, in sync order */
  GPtrArray               *listing; /* CourrielImapMailbox, with their STATUS */
  guint                    next;
  gint                     replayed;
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->client);
  g_object_unref (sync->store);
  g_clear_pointer (&sync->folders, g_ptr_array_unref);
  g_clear_pointer (&sync->listing, g_ptr_array_unref);
  g_free (sync);
}

/* The folders to synchronise, the Inbox first, then those with a role, then by name. */
static gpointer
read_folders (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_folder_report_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, name, role, total, coalesce (uidvalidity, 0), coalesce (uidnext, 0), "
                               "coalesce (highestmodseq, 0) FROM folders WHERE account_id = ?1 AND attributes & 1 = 0 "
                               "ORDER BY coalesce (role, '') != 'inbox', role IS NULL, name",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, sync->account_id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielImapFolderReport *report = g_new0 (CourrielImapFolderReport, 1);

      report->id = sqlite3_column_int64 (stmt, 0);
      report->name = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      report->role = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      report->total = sqlite3_column_int64 (stmt, 3);
      report->uidvalidity = (guint32)sqlite3_column_int64 (stmt, 4);
      report->uidnext = (guint32)sqlite3_column_int64 (stmt, 5);
      report->highestmodseq = (guint64)sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (folders, report);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return g_steal_pointer (&folders);
}

static void sync_next_folder (GTask *task);

static void
report_progress (gint64 done, gint64 total, GTask *task, const char *stage)
{
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFolderReport *report = sync->folders->pdata[sync->next - 1];

  if (sync->progress != NULL)
    sync->progress (report->name, stage, done, total, sync->progress_data);
}

static void
on_header_progress (gint64 done, gint64 total, gpointer user_data)
{
  report_progress (done, total, user_data, "headers");
}

static void
on_body_progress (gint64 done, gint64 total, gpointer user_data)
{
  report_progress (done, total, user_data, "bodies");
}

static void
on_totals_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (GPtrArray) now = NULL;
  GError *error = NULL;

  now = courriel_store_read_finish (sync->store, result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  for (guint i = 0; i < sync->folders->len; i++)
    for (guint j = 0; j < now->len; j++)
      if (((CourrielImapFolderReport *)now->pdata[j])->id == ((CourrielImapFolderReport *)sync->folders->pdata[i])->id)
        ((CourrielImapFolderReport *)sync->folders->pdata[i])->total = ((CourrielImapFolderReport *)now->pdata[j])->total;
  g_task_return_pointer (task, g_steal_pointer (&sync->folders), (GDestroyNotify)g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_bodies (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFolderReport *report = sync->folders->pdata[sync->next - 1];
  GError *error = NULL;

  report->bodies = courriel_imap_body_sync_finish (result, &error);
  if (!courriel_task_fail_if (task, error))
    sync_next_folder (task);
}

static void
on_messages (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFolderReport *report = sync->folders->pdata[sync->next - 1];
  GError *error = NULL;

  report->added = courriel_imap_message_sync_finish (result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  if (sync->flags & COURRIEL_IMAP_SYNC_BODIES)
    courriel_imap_body_sync_async (sync->client, sync->store, report->id, report->name, NULL, sync->bodies_since,
                                   COURRIEL_IMAP_BODY_TEXT,
                                   on_body_progress, task, g_task_get_cancellable (task), on_bodies, task);
  else
    sync_next_folder (task);
}

/* With CONDSTORE and LIST-STATUS, a folder whose UIDVALIDITY, UIDNEXT, message count and
 * HIGHESTMODSEQ are those of the last sync has not changed at all: no need to select it. */
static gboolean
is_unchanged (Sync *sync, CourrielImapFolderReport *report)
{
  const CourrielImapStatusPresent needed = COURRIEL_IMAP_STATUS_HAS_MESSAGES | COURRIEL_IMAP_STATUS_HAS_UIDNEXT
                                           | COURRIEL_IMAP_STATUS_HAS_UIDVALIDITY
                                           | COURRIEL_IMAP_STATUS_HAS_HIGHESTMODSEQ;

  for (guint i = 0; sync->listing != NULL && i < sync->listing->len; i++)
    {
      CourrielImapMailbox *mailbox = sync->listing->pdata[i];
      CourrielImapStatusData *status = courriel_imap_mailbox_get_status (mailbox);

      if (g_strcmp0 (courriel_imap_mailbox_get_name (mailbox), report->name) != 0)
        continue;
      /* The selected folder's STATUS may be this session's view, behind the server's. */
      if (g_strcmp0 (courriel_imap_client_get_selected (sync->client), report->name) == 0)
        return FALSE;
      return status != NULL && (status->present & needed) == needed && status->highestmodseq > 0
             && status->uidvalidity == report->uidvalidity && status->uidnext == report->uidnext
             && status->messages == report->total && status->highestmodseq == report->highestmodseq;
    }
  return FALSE;
}

static void
sync_next_folder (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFolderReport *report;

  if (sync->next >= sync->folders->len)
    {
      courriel_store_read_async (sync->store, read_folders, sync, NULL, (GDestroyNotify)g_ptr_array_unref,
                                 g_task_get_cancellable (task), on_totals_read, task);
      return;
    }
  report = sync->folders->pdata[sync->next++];
  if (is_unchanged (sync, report) && !(sync->flags & COURRIEL_IMAP_SYNC_BODIES))
    {
      sync_next_folder (task);
      return;
    }
  courriel_imap_message_sync_async (sync->client, sync->store, report->id, report->name, 0, on_header_progress, task,
                                    g_task_get_cancellable (task), on_messages, task);
}

static void
on_folders_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->folders = courriel_store_read_finish (sync->store, result, &error);
  if (!courriel_task_fail_if (task, error))
    sync_next_folder (task);
}

static void
on_folder_list (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->listing = courriel_imap_folder_sync_finish (result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_store_read_async (sync->store, read_folders, sync, NULL, (GDestroyNotify)g_ptr_array_unref,
                               g_task_get_cancellable (task), on_folders_read, task);
}

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->replayed = courriel_imap_replay_finish (result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_imap_folder_sync_async (sync->client, sync->store, sync->account_id, g_task_get_cancellable (task),
                                     on_folder_list, task);
}

static void
on_enabled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_auto (GStrv) enabled = NULL;
  GError *error = NULL;

  enabled = courriel_imap_client_enable_finish (sync->client, result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_imap_replay_async (sync->client, sync->store, sync->account_id, g_task_get_cancellable (task),
                                on_replayed, task);
}

/**
 * courriel_imap_account_sync_async:
 * @client: logged in to the account's server
 * @bodies_since: with COURRIEL_IMAP_SYNC_BODIES, the bodies of messages dated from then on
 *   (Unix time; 0 for all)
 * @progress: (nullable): told how each folder's headers and bodies come along
 *
 * Returns (by finish) a GPtrArray of CourrielImapFolderReport, one per folder, in the order
 * they were synchronised.
 */
void
courriel_imap_account_sync_async (CourrielImapClient *client, CourrielStore *store, gint64 account_id,
                                  CourrielImapSyncFlags flags, gint64 bodies_since,
                                  CourrielImapSyncProgress progress, gpointer progress_data,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  sync->client = g_object_ref (client);
  sync->store = g_object_ref (store);
  sync->account_id = account_id;
  sync->flags = flags;
  sync->bodies_since = bodies_since;
  sync->progress = progress;
  sync->progress_data = progress_data;
  g_task_set_source_tag (task, courriel_imap_account_sync_async);
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  /* CONDSTORE: only the flags that changed since the last sync travel; QRESYNC (which includes
   * it): SELECT also says which messages vanished, without comparing every UID. */
  if (courriel_imap_client_has_capability (client, "ENABLE") && courriel_imap_client_has_capability (client, "CONDSTORE")
      && !courriel_imap_client_is_enabled (client, "CONDSTORE") && !courriel_imap_client_is_enabled (client, "QRESYNC"))
    {
      const char *extensions[] = { courriel_imap_client_has_capability (client, "QRESYNC") ? "QRESYNC" : "CONDSTORE",
                                   NULL };
      courriel_imap_client_enable_async (client, extensions, cancellable, on_enabled, task);
    }
  else
    courriel_imap_replay_async (client, store, account_id, cancellable, on_replayed, task);
}

GPtrArray *
courriel_imap_account_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
