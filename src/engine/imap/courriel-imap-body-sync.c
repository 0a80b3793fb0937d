/* courriel-imap-body-sync.c — message bodies from an IMAP folder into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bodies come on demand (the messages the user opens) or ahead of time (every message of a
 * folder, or those of the last days, for offline reading). What it says feeds the full-text
 * index and the list's preview. Attachments are not downloaded until asked for: a message that
 * has some (the store knows them from BODYSTRUCTURE) gets only its text parts, stored as a
 * smaller MIME message marked incomplete; asking for the whole message (COURRIEL_IMAP_BODY_WHOLE)
 * downloads it all. Messages without attachments come whole, in batches of a few megabytes,
 * each written by the store's writer thread while the next one is on its way.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-body-sync.h"

#include "courriel-attachments.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-imap-body-structure.h"
#include "courriel-message-text.h"

#define BATCH_BYTES (4 * 1024 * 1024)
#define BATCH_MESSAGES 500
#define STRUCTURE_BATCH 100

typedef struct
{
  gint64   id;
  guint32  uid;
  gint64   size;
  gboolean partial; /* has attachments: only its text comes */
} Wanted;

typedef struct
{
  guint32  uid;
  GBytes  *raw;
  gboolean complete;
} Body;

typedef struct
{
  gint64  folder_id;
  GArray *bodies; /* Body */
} Batch;

typedef struct
{
  CourrielImapClient  *client;
  CourrielStore       *store;
  gint64               folder_id;
  char                *mailbox;
  GArray              *message_ids; /* gint64, or NULL for all */
  gint64               since;
  CourrielImapBodyMode mode;
  GArray              *whole;       /* Wanted, newest first: downloaded whole */
  GArray              *partial;     /* Wanted, newest first: their text parts only */
  guint                next;        /* in whole, then in partial */
  guint                writing;     /* batches handed to the writer, not yet written */
  gboolean             fetching;
  GError              *error;       /* the first failure */
  gint64               stored;
  gint64               total;
  GPtrArray           *structures;  /* CourrielImapFetch with BODYSTRUCTURE, being read one by one */
  guint                structure;
  Batch               *assembling;  /* the partial bodies of those */
  CourrielImapProgress progress;
  gpointer             progress_data;
} Sync;

static void
body_clear (Body *body)
{
  g_clear_pointer (&body->raw, g_bytes_unref);
}

static Batch *
batch_new (gint64 folder_id)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->folder_id = folder_id;
  batch->bodies = g_array_new (FALSE, TRUE, sizeof (Body));
  g_array_set_clear_func (batch->bodies, (GDestroyNotify)body_clear);
  return batch;
}

static void
batch_free (Batch *batch)
{
  if (batch == NULL)
    return;
  g_array_unref (batch->bodies);
  g_free (batch);
}

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->client);
  g_object_unref (sync->store);
  g_free (sync->mailbox);
  g_clear_pointer (&sync->message_ids, g_array_unref);
  g_clear_pointer (&sync->whole, g_array_unref);
  g_clear_pointer (&sync->partial, g_array_unref);
  g_clear_pointer (&sync->structures, g_ptr_array_unref);
  batch_free (sync->assembling);
  g_clear_error (&sync->error);
  g_free (sync);
}

/* Which messages lack a body ------------------------------------------------------------------ */

static gpointer
read_wanted (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT m.id, m.uid, coalesce (m.size, 0), "
                               "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) FROM messages m "
                               "WHERE m.folder_id = ?1 AND m.uid IS NOT NULL AND coalesce (m.date, 0) >= ?2 "
                               "AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = m.id AND (b.complete OR NOT ?4)) "
                               "AND (?3 IS NULL OR m.id = ?3) ORDER BY m.date DESC, m.id DESC",
                               -1, &stmt, NULL);
  guint n = sync->message_ids != NULL ? sync->message_ids->len : 1;

  sync->whole = g_array_new (FALSE, FALSE, sizeof (Wanted));
  sync->partial = g_array_new (FALSE, FALSE, sizeof (Wanted));
  for (guint i = 0; rc == SQLITE_OK && i < n; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      sqlite3_bind_int64 (stmt, 2, sync->since);
      if (sync->message_ids != NULL)
        sqlite3_bind_int64 (stmt, 3, g_array_index (sync->message_ids, gint64, i));
      else
        sqlite3_bind_null (stmt, 3);
      sqlite3_bind_int (stmt, 4, sync->mode == COURRIEL_IMAP_BODY_WHOLE);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Wanted w = { sqlite3_column_int64 (stmt, 0), (guint32)sqlite3_column_int64 (stmt, 1),
                       sqlite3_column_int64 (stmt, 2),
                       sync->mode != COURRIEL_IMAP_BODY_WHOLE && sqlite3_column_int (stmt, 3) };
          g_array_append_val (w.partial ? sync->partial : sync->whole, w);
        }
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  sync->total = sync->whole->len + sync->partial->len;
  return courriel_store_set_error_from_db (db, rc, error) ? GINT_TO_POINTER (1) : NULL;
}

/* Writing a batch ------------------------------------------------------------------------------ */

static gboolean
write_bodies (sqlite3 *db, gpointer data, GError **error)
{
  Batch *batch = data;
  sqlite3_stmt *body = NULL, *message = NULL, *fts = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO bodies (message_id, raw, fetched, complete) "
                                   "SELECT id, ?3, ?4, ?5 FROM messages WHERE folder_id = ?1 AND uid = ?2 "
                                   "RETURNING message_id",
                               -1, &body, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "UPDATE messages SET preview = ?2, has_attachments = coalesce (?3, has_attachments) "
                             "WHERE id = ?1",
                             -1, &message, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "UPDATE messages_fts SET body = ?2 WHERE rowid = ?1", -1, &fts, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < batch->bodies->len; i++)
    {
      Body *b = &g_array_index (batch->bodies, Body, i);
      g_autoptr (CourrielMessageText) text = NULL;
      gint64 id;

      sqlite3_reset (body);
      sqlite3_bind_int64 (body, 1, batch->folder_id);
      sqlite3_bind_int64 (body, 2, b->uid);
      sqlite3_bind_blob64 (body, 3, g_bytes_get_data (b->raw, NULL), g_bytes_get_size (b->raw), SQLITE_STATIC);
      sqlite3_bind_int64 (body, 4, g_get_real_time () / G_USEC_PER_SEC);
      sqlite3_bind_int (body, 5, b->complete);
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
      text = courriel_message_text_new_from_bytes (b->raw, NULL);
      if (rc != SQLITE_OK || text == NULL)
        continue;
      sqlite3_reset (message);
      sqlite3_bind_int64 (message, 1, id);
      sqlite3_bind_text (message, 2, text->preview, -1, SQLITE_STATIC);
      /* Only the whole message knows its attachments better than BODYSTRUCTURE did. */
      if (b->complete)
        sqlite3_bind_int (message, 3, courriel_message_text_has_attachments (text->attachments));
      else
        sqlite3_bind_null (message, 3);
      rc = sqlite3_step (message) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
      if (rc == SQLITE_OK)
        {
          sqlite3_reset (fts);
          sqlite3_bind_int64 (fts, 1, id);
          sqlite3_bind_text (fts, 2, text->text, -1, SQLITE_STATIC);
          rc = sqlite3_step (fts) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
        }
      if (rc == SQLITE_OK && b->complete && !courriel_store_write_attachments (db, id, text->attachments, error))
        {
          sqlite3_finalize (body);
          sqlite3_finalize (message);
          sqlite3_finalize (fts);
          return FALSE;
        }
    }
  sqlite3_finalize (body);
  sqlite3_finalize (message);
  sqlite3_finalize (fts);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Steps ---------------------------------------------------------------------------------------- */

static void fetch_next (GTask *task);

static void
keep_error (Sync *sync, GError *error)
{
  if (sync->error == NULL)
    sync->error = error;
  else
    g_error_free (error);
}

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
    keep_error (sync, error);
  if (!sync->fetching && sync->error == NULL)
    fetch_next (task);
  else
    maybe_finish (task);
}

/* Hands @batch to the writer; the next batch travels meanwhile, one waiting for it at most, so
 * that memory stays bounded when the disk is slower than the network. */
static void
write_batch (GTask *task, Batch *batch)
{
  Sync *sync = g_task_get_task_data (task);

  sync->stored += batch->bodies->len;
  if (sync->progress != NULL)
    sync->progress (sync->stored, sync->total, sync->progress_data);
  sync->writing++;
  courriel_store_write_async (sync->store, write_bodies, batch, (GDestroyNotify)batch_free, NULL, on_written, task);
  if (sync->writing < 2 && sync->error == NULL)
    fetch_next (task);
}

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) fetches = courriel_imap_client_uid_fetch_finish (sync->client, result, &error);
  Batch *batch;

  sync->fetching = FALSE;
  if (fetches == NULL)
    {
      keep_error (sync, error);
      maybe_finish (task);
      return;
    }
  batch = batch_new (sync->folder_id);
  for (guint i = 0; i < fetches->len; i++)
    {
      CourrielImapFetch *f = fetches->pdata[i];
      GBytes *raw = courriel_imap_fetch_get_section (f, "BODY[]");
      Body b = { f->uid, raw != NULL ? g_bytes_ref (raw) : NULL, TRUE };

      if (raw != NULL && f->uid != 0)
        g_array_append_val (batch->bodies, b);
    }
  write_batch (task, batch);
}

/* Partial bodies: the text parts of messages with attachments ---------------------------------- */

static void assemble_next (GTask *task);

/* The message rebuilt from its header and its text parts, in a multipart of the same boundary:
 * the MIME reader finds the text where it expects it, and nothing of the attachments. */
static GBytes *
assemble (CourrielImapFetch *structure, CourrielImapFetch *parts, GPtrArray *sections)
{
  GByteArray *out = g_byte_array_new ();
  GBytes *header = courriel_imap_fetch_get_section (parts, "BODY[HEADER]");
  const char *boundary = courriel_imap_body_structure_boundary (structure->bodystructure);

  if (header != NULL)
    g_byte_array_append (out, g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  for (guint i = 0; boundary != NULL && i < sections->len; i++)
    {
      g_autofree char *mime_name = g_strdup_printf ("BODY[%s.MIME]", (char *)sections->pdata[i]);
      g_autofree char *body_name = g_strdup_printf ("BODY[%s]", (char *)sections->pdata[i]);
      g_autofree char *separator = g_strdup_printf ("--%s\r\n", boundary);
      GBytes *mime = courriel_imap_fetch_get_section (parts, mime_name);
      GBytes *body = courriel_imap_fetch_get_section (parts, body_name);

      if (mime == NULL || body == NULL)
        continue;
      g_byte_array_append (out, (const guint8 *)separator, strlen (separator));
      g_byte_array_append (out, g_bytes_get_data (mime, NULL), g_bytes_get_size (mime));
      g_byte_array_append (out, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      g_byte_array_append (out, (const guint8 *)"\r\n", 2);
    }
  if (boundary != NULL)
    {
      g_autofree char *end = g_strdup_printf ("--%s--\r\n", boundary);
      g_byte_array_append (out, (const guint8 *)end, strlen (end));
    }
  return g_byte_array_free_to_bytes (out);
}

static void
on_parts (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFetch *structure = sync->structures->pdata[sync->structure++];
  g_autoptr (GPtrArray) sections = courriel_imap_body_structure_text_sections (structure->bodystructure);
  g_autoptr (GPtrArray) fetches = NULL;
  GError *error = NULL;

  sync->fetching = FALSE;
  fetches = courriel_imap_client_uid_fetch_finish (sync->client, result, &error);
  if (fetches == NULL)
    {
      keep_error (sync, error);
      maybe_finish (task);
      return;
    }
  if (fetches->len > 0)
    {
      Body b = { structure->uid, assemble (structure, fetches->pdata[0], sections), FALSE };
      g_array_append_val (sync->assembling->bodies, b);
    }
  assemble_next (task);
}

/* One message at a time: each has its own sections to ask for. */
static void
assemble_next (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  CourrielImapFetch *structure;
  g_autoptr (GPtrArray) sections = NULL;
  g_autoptr (CourrielImapUidSet) uid = courriel_imap_uid_set_new ();
  GString *items;

  if (sync->structure >= sync->structures->len)
    {
      g_clear_pointer (&sync->structures, g_ptr_array_unref);
      write_batch (task, g_steal_pointer (&sync->assembling));
      return;
    }
  structure = sync->structures->pdata[sync->structure];
  sections = courriel_imap_body_structure_text_sections (structure->bodystructure);
  items = g_string_new ("(UID BODY.PEEK[HEADER]");
  for (guint i = 0; i < sections->len; i++)
    g_string_append_printf (items, " BODY.PEEK[%s.MIME] BODY.PEEK[%s]", (char *)sections->pdata[i],
                            (char *)sections->pdata[i]);
  g_string_append_c (items, ')');
  courriel_imap_uid_set_add (uid, structure->uid);
  sync->fetching = TRUE;
  courriel_imap_client_uid_fetch_async (sync->client, uid, items->str, 0, NULL, NULL, g_task_get_cancellable (task),
                                        on_parts, task);
  g_string_free (items, TRUE);
}

static void
on_structures (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->fetching = FALSE;
  sync->structures = courriel_imap_client_uid_fetch_finish (sync->client, result, &error);
  if (sync->structures == NULL)
    {
      keep_error (sync, error);
      maybe_finish (task);
      return;
    }
  sync->structure = 0;
  sync->assembling = batch_new (sync->folder_id);
  assemble_next (task);
}

/* The messages without attachments first, in large batches; then, in smaller ones, the text of
 * those with attachments. */
static void
fetch_next (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapUidSet) uids = courriel_imap_uid_set_new ();
  gint64 bytes = 0;

  if (sync->next < sync->whole->len)
    {
      for (guint n = 0; sync->next < sync->whole->len && n < BATCH_MESSAGES && bytes < BATCH_BYTES; n++)
        {
          Wanted *w = &g_array_index (sync->whole, Wanted, sync->next++);
          courriel_imap_uid_set_add (uids, w->uid);
          bytes += w->size;
        }
      sync->fetching = TRUE;
      courriel_imap_client_uid_fetch_async (sync->client, uids, "(UID BODY.PEEK[])", 0, NULL, NULL,
                                            g_task_get_cancellable (task), on_fetched, task);
      return;
    }
  for (guint n = 0; sync->next - sync->whole->len < sync->partial->len && n < STRUCTURE_BATCH; n++)
    courriel_imap_uid_set_add (uids, g_array_index (sync->partial, Wanted, sync->next++ - sync->whole->len).uid);
  if (courriel_imap_uid_set_is_empty (uids))
    {
      maybe_finish (task);
      return;
    }
  sync->fetching = TRUE;
  courriel_imap_client_uid_fetch_async (sync->client, uids, "(UID BODYSTRUCTURE)", 0, NULL, NULL,
                                        g_task_get_cancellable (task), on_structures, task);
}

static void
on_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapSelection) selection = NULL;
  GError *error = NULL;

  sync->fetching = FALSE;
  selection = courriel_imap_client_select_finish (sync->client, result, &error);
  if (selection == NULL)
    {
      keep_error (sync, error);
      maybe_finish (task);
    }
  else
    fetch_next (task);
}

static void
on_wanted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->fetching = FALSE;
  if (courriel_store_read_finish (sync->store, result, &error) == NULL)
    {
      keep_error (sync, error);
      maybe_finish (task);
    }
  else if (sync->total == 0)
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
 * @mode: COURRIEL_IMAP_BODY_TEXT leaves attachments on the server; COURRIEL_IMAP_BODY_WHOLE
 *   downloads the messages whole (attachments asked for)
 * @progress: (nullable): called after each batch with the bodies fetched and wanted
 *
 * Downloads and stores the bodies the store lacks. Returns (by finish) how many it stored.
 */
void
courriel_imap_body_sync_async (CourrielImapClient *client, CourrielStore *store, gint64 folder_id,
                               const char *mailbox, GArray *message_ids, gint64 since, CourrielImapBodyMode mode,
                               CourrielImapProgress progress, gpointer progress_data, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
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
  sync->mode = mode;
  sync->progress = progress;
  sync->progress_data = progress_data;
  sync->fetching = TRUE; /* until the list is read */
  g_task_set_source_tag (task, courriel_imap_body_sync_async);
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  courriel_store_read_async (store, read_wanted, sync, NULL, NULL, cancellable, on_wanted, task);
}

gint64
courriel_imap_body_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}
