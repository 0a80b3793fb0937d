/* courriel-imap-body-sync.c — message bodies from an IMAP folder into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bodies come on demand (the messages the user opens) or ahead of time (every message of a
 * folder, or those of the last days, for offline reading). Each body is stored raw, and what
 * it says feeds the full-text index, the list's preview and the attachments' metadata. The
 * messages are fetched in batches of a few megabytes; a batch is written by the store's
 * writer thread while the next one is already on its way.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-body-sync.h"

#include "courriel-gmime-autoptr.h"
#include "courriel-message-text.h"

#define BATCH_BYTES (4 * 1024 * 1024)
#define BATCH_MESSAGES 500

typedef struct
{
  gint64  id;
  guint32 uid;
  gint64  size;
} Wanted;

typedef struct
{
  CourrielImapClient *client;
  CourrielStore      *store;
  gint64              folder_id;
  char               *mailbox;
  GArray             *message_ids; /* gint64, or NULL for all */
  gint64              since;
  GArray             *wanted;      /* Wanted, newest first */
  guint               next;
  guint               writing;     /* batches handed to the writer, not yet written */
  gboolean            fetching;
  GError             *error;       /* the first failure */
  gint64              stored;
  CourrielImapProgress progress;
  gpointer            progress_data;
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->client);
  g_object_unref (sync->store);
  g_free (sync->mailbox);
  g_clear_pointer (&sync->message_ids, g_array_unref);
  g_clear_pointer (&sync->wanted, g_array_unref);
  g_clear_error (&sync->error);
  g_free (sync);
}

/* Which messages lack a body ------------------------------------------------------------------ */

static gpointer
read_wanted (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  GArray *wanted = g_array_new (FALSE, FALSE, sizeof (Wanted));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT m.id, m.uid, coalesce (m.size, 0) FROM messages m "
                               "WHERE m.folder_id = ?1 AND m.uid IS NOT NULL AND coalesce (m.date, 0) >= ?2 "
                               "AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = m.id) "
                               "AND (?3 IS NULL OR m.id = ?3) ORDER BY m.date DESC, m.id DESC",
                               -1, &stmt, NULL);
  guint n = sync->message_ids != NULL ? sync->message_ids->len : 1;

  for (guint i = 0; rc == SQLITE_OK && i < n; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      sqlite3_bind_int64 (stmt, 2, sync->since);
      if (sync->message_ids != NULL)
        sqlite3_bind_int64 (stmt, 3, g_array_index (sync->message_ids, gint64, i));
      else
        sqlite3_bind_null (stmt, 3);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Wanted w = { sqlite3_column_int64 (stmt, 0), (guint32)sqlite3_column_int64 (stmt, 1),
                       sqlite3_column_int64 (stmt, 2) };
          g_array_append_val (wanted, w);
        }
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_array_unref (wanted);
      return NULL;
    }
  return wanted;
}

/* Writing a batch ------------------------------------------------------------------------------ */

typedef struct
{
  gint64     folder_id;
  GPtrArray *fetches; /* CourrielImapFetch */
} Batch;

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->fetches);
  g_free (batch);
}

static gboolean
write_attachments (sqlite3 *db, gint64 message_id, GPtrArray *attachments)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "DELETE FROM attachments WHERE message_id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, message_id);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO attachments (message_id, section, filename, mime_type, size, content_id, "
                             "disposition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < attachments->len; i++)
    {
      CourrielAttachmentInfo *a = attachments->pdata[i];

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, message_id);
      sqlite3_bind_text (stmt, 2, a->section, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, a->filename, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, a->mime_type, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, (sqlite3_int64)a->size);
      sqlite3_bind_text (stmt, 6, a->content_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, a->disposition, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

static gboolean
write_bodies (sqlite3 *db, gpointer data, GError **error)
{
  Batch *batch = data;
  sqlite3_stmt *body = NULL, *message = NULL, *fts = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO bodies (message_id, raw, fetched) "
                                   "SELECT id, ?3, ?4 FROM messages WHERE folder_id = ?1 AND uid = ?2 RETURNING message_id",
                               -1, &body, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "UPDATE messages SET preview = ?2, has_attachments = ?3 WHERE id = ?1", -1, &message,
                             NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "UPDATE messages_fts SET body = ?2 WHERE rowid = ?1", -1, &fts, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < batch->fetches->len; i++)
    {
      CourrielImapFetch *f = batch->fetches->pdata[i];
      GBytes *raw = courriel_imap_fetch_get_section (f, "BODY[]");
      g_autoptr (CourrielMessageText) text = NULL;
      gint64 id;

      if (raw == NULL || f->uid == 0)
        continue;
      sqlite3_reset (body);
      sqlite3_bind_int64 (body, 1, batch->folder_id);
      sqlite3_bind_int64 (body, 2, f->uid);
      sqlite3_bind_blob64 (body, 3, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), SQLITE_STATIC);
      sqlite3_bind_int64 (body, 4, g_get_real_time () / G_USEC_PER_SEC);
      rc = sqlite3_step (body);
      if (rc == SQLITE_DONE)
        {
          rc = SQLITE_OK; /* the message left the folder meanwhile */
          continue;
        }
      if (rc != SQLITE_ROW)
        break;
      id = sqlite3_column_int64 (body, 0);
      rc = sqlite3_step (body) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
      /* A body that cannot be read is still kept: the reader shows what it can. */
      text = courriel_message_text_new_from_bytes (raw, NULL);
      if (rc != SQLITE_OK || text == NULL)
        continue;
      sqlite3_reset (message);
      sqlite3_bind_int64 (message, 1, id);
      sqlite3_bind_text (message, 2, text->preview, -1, SQLITE_STATIC);
      sqlite3_bind_int (message, 3, text->attachments->len > 0);
      rc = sqlite3_step (message) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
      if (rc == SQLITE_OK)
        {
          sqlite3_reset (fts);
          sqlite3_bind_int64 (fts, 1, id);
          sqlite3_bind_text (fts, 2, text->text, -1, SQLITE_STATIC);
          rc = sqlite3_step (fts) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
        }
      if (rc == SQLITE_OK && !write_attachments (db, id, text->attachments))
        rc = sqlite3_errcode (db);
    }
  sqlite3_finalize (body);
  sqlite3_finalize (message);
  sqlite3_finalize (fts);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Steps ---------------------------------------------------------------------------------------- */

static void fetch_next (GTask *task);

/* Ends the task once nothing is in flight; the first error wins. */
static void
maybe_finish (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);

  if (sync->fetching || sync->writing > 0)
    return;
  if (sync->error != NULL)
    g_task_return_error (task, g_steal_pointer (&sync->error));
  else
    g_task_return_int (task, sync->stored);
  g_object_unref (task);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->writing--;
  if (!courriel_store_write_finish (sync->store, result, &error))
    {
      if (sync->error == NULL)
        sync->error = error;
      else
        g_error_free (error);
    }
  if (!sync->fetching && sync->error == NULL)
    fetch_next (task);
  else
    maybe_finish (task);
}

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *fetches = courriel_imap_client_uid_fetch_finish (sync->client, result, &error);
  Batch *batch;

  sync->fetching = FALSE;
  if (fetches == NULL)
    {
      if (sync->error == NULL)
        sync->error = error;
      else
        g_error_free (error);
      maybe_finish (task);
      return;
    }
  for (guint i = 0; i < fetches->len; i++)
    sync->stored += courriel_imap_fetch_get_section (fetches->pdata[i], "BODY[]") != NULL;
  if (sync->progress != NULL)
    sync->progress (sync->stored, sync->wanted->len, sync->progress_data);
  batch = g_new0 (Batch, 1);
  batch->folder_id = sync->folder_id;
  batch->fetches = fetches;
  sync->writing++;
  courriel_store_write_async (sync->store, write_bodies, batch, (GDestroyNotify)batch_free, NULL, on_written, task);
  /* The next batch travels while this one is written; never more than one waits for the writer,
   * so that memory stays bounded when the disk is slower than the network. */
  if (sync->writing < 2 && sync->error == NULL)
    fetch_next (task);
}

static void
fetch_next (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapUidSet) uids = courriel_imap_uid_set_new ();
  gint64 bytes = 0;

  for (guint n = 0; sync->next < sync->wanted->len && n < BATCH_MESSAGES && bytes < BATCH_BYTES; n++)
    {
      Wanted *w = &g_array_index (sync->wanted, Wanted, sync->next++);
      courriel_imap_uid_set_add (uids, w->uid);
      bytes += w->size;
    }
  if (courriel_imap_uid_set_is_empty (uids))
    {
      maybe_finish (task);
      return;
    }
  sync->fetching = TRUE;
  courriel_imap_client_uid_fetch_async (sync->client, uids, "(UID BODY.PEEK[])", 0, NULL, NULL,
                                        g_task_get_cancellable (task), on_fetched, task);
}

static void
on_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapSelection) selection = NULL;

  sync->fetching = FALSE;
  selection = courriel_imap_client_select_finish (sync->client, result, &sync->error);
  if (selection == NULL)
    maybe_finish (task);
  else
    fetch_next (task);
}

static void
on_wanted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);

  sync->fetching = FALSE;
  sync->wanted = courriel_store_read_finish (sync->store, result, &sync->error);
  if (sync->wanted == NULL || sync->wanted->len == 0)
    maybe_finish (task);
  else if (g_strcmp0 (courriel_imap_client_get_selected (sync->client), sync->mailbox) == 0)
    fetch_next (task);
  else
    {
      /* Read-write, as the replay of local changes expects the folder it finds selected. */
      sync->fetching = TRUE;
      courriel_imap_client_select_async (sync->client, sync->mailbox, FALSE, NULL, g_task_get_cancellable (task),
                                         on_selected, task);
    }
}

/**
 * courriel_imap_body_sync_async:
 * @folder_id: the folder's row in the store; @mailbox: its name on the server
 * @message_ids: (nullable): gint64 ids of the folder's messages wanted, or NULL for all
 * @since: only messages dated from then on (Unix time); 0 for all
 * @progress: (nullable): called after each batch with the bodies fetched and wanted
 *
 * Downloads and stores the bodies the store lacks. Returns (by finish) how many it stored.
 */
void
courriel_imap_body_sync_async (CourrielImapClient *client, CourrielStore *store, gint64 folder_id,
                               const char *mailbox, GArray *message_ids, gint64 since,
                               CourrielImapProgress progress, gpointer progress_data,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  g_mime_init (); /* here, on the caller's thread: the writer thread parses the bodies */
  sync->client = g_object_ref (client);
  sync->store = g_object_ref (store);
  sync->folder_id = folder_id;
  sync->mailbox = g_strdup (mailbox);
  sync->message_ids = message_ids != NULL ? g_array_ref (message_ids) : NULL;
  sync->since = since;
  sync->progress = progress;
  sync->progress_data = progress_data;
  sync->fetching = TRUE; /* until the list is read */
  g_task_set_source_tag (task, courriel_imap_body_sync_async);
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  courriel_store_read_async (store, read_wanted, sync, NULL, (GDestroyNotify)g_array_unref, cancellable, on_wanted,
                             task);
}

gint64
courriel_imap_body_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}
