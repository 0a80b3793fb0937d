/* courriel-imap-message-sync.c — one IMAP folder's messages (headers and flags) into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SELECT the folder; if its UIDVALIDITY changed, forget what the store had. Then compare the
 * server's UIDs with the store's: UIDs gone from the server leave the store, new UIDs are
 * fetched newest first in batches (headers only: envelope, structure, a few header fields),
 * and every batch is written as soon as it arrives, so that the newest messages are listed
 * while older ones still come. Flags of known messages are refreshed (only the changed ones
 * with CONDSTORE). Bodies are never downloaded here.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-message-sync.h"

#include "courriel-attachments.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-imap-body-structure.h"

#define FETCH_ITEMS                                                                                                    \
  "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "                                                        \
  "BODY.PEEK[HEADER.FIELDS (REFERENCES AUTHENTICATION-RESULTS)])"

typedef struct
{
  CourrielImapClient    *client;
  CourrielStore         *store;
  gint64                 folder_id;
  char                  *mailbox;
  guint                  batch;          /* the next batch's size */
  guint                  max_batch;
  CourrielImapSelection *selection;
  gboolean               reset;          /* UIDVALIDITY changed: start over */
  gboolean               qresync;        /* SELECT asked QRESYNC for what changed since the last sync */
  guint32                stored_validity;
  guint32                stored_uidnext;
  guint64                stored_modseq;
  GArray                *stored_uids;    /* guint32, ascending */
  CourrielImapUidSet    *server_uids;
  GArray                *missing;        /* guint32, newest first */
  guint                  next;           /* index in missing */
  guint                  writing;        /* batches handed to the writer, not yet written */
  gboolean               fetching;
  GError                *error;          /* the first failure; the sync ends once nothing is in flight */
  guint                  added;
  CourrielImapProgress   progress;
  gpointer               progress_data;
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->client);
  g_object_unref (sync->store);
  g_free (sync->mailbox);
  g_clear_pointer (&sync->selection, courriel_imap_selection_free);
  g_clear_pointer (&sync->stored_uids, g_array_unref);
  g_clear_pointer (&sync->server_uids, courriel_imap_uid_set_free);
  g_clear_pointer (&sync->missing, g_array_unref);
  g_clear_error (&sync->error);
  g_free (sync);
}

static const char *flag_names[] = { "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft" };

/* The system flags as the store's CourrielMessageFlags bits; keywords are not kept. */
guint
courriel_imap_flags_to_bits (const char * const *flags)
{
  guint bits = 0;

  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (flag_names); j++)
      if (g_ascii_strcasecmp (flags[i], flag_names[j]) == 0)
        bits |= 1u << j;
  return bits;
}

/* The flags' names for STORE, in @names (room for 6), NULL-terminated. */
const char * const *
courriel_imap_flags_from_bits (guint bits, const char **names)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (flag_names); i++)
    if (bits & (1u << i))
      names[n++] = flag_names[i];
  names[n] = NULL;
  return names;
}

/* Decoded for display: "Élodie Martin <elodie@example.org>, bob@example.net". */
static char *
format_addresses (GPtrArray *addresses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      CourrielImapAddress *a = addresses->pdata[i];
      g_autofree char *name = a->name != NULL ? g_mime_utils_header_decode_phrase (NULL, a->name) : NULL;

      if (a->mailbox == NULL || a->host == NULL)
        continue; /* group markers */
      if (out->len > 0)
        g_string_append (out, ", ");
      if (name != NULL && *name != '\0')
        g_string_append_printf (out, "%s <%s@%s>", name, a->mailbox, a->host);
      else
        g_string_append_printf (out, "%s@%s", a->mailbox, a->host);
    }
  return g_string_free (out, FALSE);
}

/* The unfolded value of the header @name; with @all, of every one, one a line (the store keeps
 * all the Authentication-Results headers so). */
static char *
header_values (GBytes *headers, const char *name, gboolean all)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GString *value = NULL;
  gboolean in_header = FALSE;

  if (headers == NULL)
    return NULL;
  text = g_strndup (g_bytes_get_data (headers, NULL), g_bytes_get_size (headers));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);

      if (in_header && (line[0] == ' ' || line[0] == '\t'))
        g_string_append_printf (value, " %s", g_strstrip (line));
      else if (in_header && !all)
        break;
      else if ((in_header = g_ascii_strncasecmp (line, name, strlen (name)) == 0 && line[strlen (name)] == ':'))
        {
          if (value == NULL)
            value = g_string_new (NULL);
          else
            g_string_append_c (value, '\n');
          g_string_append (value, g_strstrip (line + strlen (name) + 1));
        }
    }
  return value != NULL ? g_string_free (value, FALSE) : NULL;
}

/* Writing ---------------------------------------------------------------------------------------- */

/* A message as the store keeps it, decoded on the main thread so that the writer thread only
 * writes. */
typedef struct
{
  guint32  uid;
  guint    flags;
  guint64  modseq;
  gboolean full;     /* a new message; otherwise only its flags changed */
  gint64   date;     /* 0: unknown */
  gint64   received;
  gint64   size;
  GPtrArray *attachments; /* CourrielAttachmentInfo, from BODYSTRUCTURE */
  char    *message_id;
  char    *in_reply_to;
  char    *refs;
  char    *subject;
  char    *from;
  char    *to;
  char    *cc;
  char    *auth;
} Row;

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->attachments, g_ptr_array_unref);
  g_free (row->message_id);
  g_free (row->in_reply_to);
  g_free (row->refs);
  g_free (row->subject);
  g_free (row->from);
  g_free (row->to);
  g_free (row->cc);
  g_free (row->auth);
}

typedef struct
{
  gint64  folder_id;
  GArray *rows; /* Row */
} Batch;

static void
batch_free (Batch *batch)
{
  g_array_unref (batch->rows);
  g_free (batch);
}

static void
row_from_fetch (Row *row, CourrielImapFetch *f)
{
  CourrielImapEnvelope *e = f->envelope;
  GBytes *headers = courriel_imap_fetch_get_section (f, "BODY[HEADER.FIELDS (REFERENCES AUTHENTICATION-RESULTS)]");
  g_autoptr (GDateTime) date = e != NULL && e->date != NULL ? g_mime_utils_header_decode_date (e->date) : NULL;

  row->uid = f->uid;
  row->flags = courriel_imap_flags_to_bits ((const char * const *)f->flags);
  row->modseq = f->modseq;
  row->full = e != NULL;
  if (!row->full)
    return;
  row->date = date != NULL ? g_date_time_to_unix (date)
              : f->internaldate != NULL ? g_date_time_to_unix (f->internaldate) : 0;
  row->received = f->internaldate != NULL ? g_date_time_to_unix (f->internaldate) : 0;
  row->size = (gint64)f->rfc822_size;
  row->attachments = courriel_imap_body_structure_attachments (f->bodystructure);
  row->message_id = g_strdup (e->message_id);
  row->in_reply_to = g_strdup (e->in_reply_to);
  row->refs = header_values (headers, "References", FALSE);
  row->auth = header_values (headers, "Authentication-Results", TRUE);
  row->subject = e->subject != NULL ? g_mime_utils_header_decode_text (NULL, e->subject) : NULL;
  row->from = format_addresses (e->from);
  row->to = format_addresses (e->to);
  row->cc = format_addresses (e->cc);
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int column, const char *text)
{
  sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
}

static gboolean
write_batch (sqlite3 *db, gpointer data, GError **error)
{
  Batch *batch = data;
  sqlite3_stmt *insert = NULL;
  sqlite3_stmt *flags = NULL;
  sqlite3_stmt *fts = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO messages (folder_id, uid, flags, modseq, date, received, size, message_id, "
                               "in_reply_to, refs, subject, sender, recipients_to, recipients_cc, has_attachments, "
                               "auth_results) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                               "?15, ?16) ON CONFLICT (folder_id, uid) DO UPDATE SET flags = ?3, modseq = ?4 "
                               "RETURNING id",
                               -1, &insert, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "UPDATE messages SET flags = ?3, modseq = ?4 WHERE folder_id = ?1 AND uid = ?2", -1,
                             &flags, NULL);
  if (rc == SQLITE_OK)
    /* A message already here (a sent copy or a draft written here, appended to the server) keeps
     * its text searchable. */
    rc = sqlite3_prepare_v2 (db,
                             "INSERT OR REPLACE INTO messages_fts (rowid, subject, addresses, body) VALUES (?1, ?2, ?3, "
                             "CASE WHEN EXISTS (SELECT 1 FROM bodies WHERE message_id = ?1) "
                             "THEN coalesce ((SELECT body FROM messages_fts WHERE rowid = ?1), '') ELSE '' END)",
                             -1, &fts, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < batch->rows->len; i++)
    {
      Row *row = &g_array_index (batch->rows, Row, i);
      sqlite3_stmt *stmt = row->full ? insert : flags;
      g_autofree char *addresses = NULL;
      gint64 id;

      if (row->uid == 0)
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, batch->folder_id);
      sqlite3_bind_int64 (stmt, 2, row->uid);
      sqlite3_bind_int (stmt, 3, row->flags);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64)row->modseq);
      if (!row->full)
        {
          rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
          continue;
        }
      if (row->date != 0)
        sqlite3_bind_int64 (insert, 5, row->date);
      else
        sqlite3_bind_null (insert, 5);
      if (row->received != 0)
        sqlite3_bind_int64 (insert, 6, row->received);
      else
        sqlite3_bind_null (insert, 6);
      sqlite3_bind_int64 (insert, 7, row->size);
      bind_text_or_null (insert, 8, row->message_id);
      bind_text_or_null (insert, 9, row->in_reply_to);
      bind_text_or_null (insert, 10, row->refs);
      bind_text_or_null (insert, 11, row->subject);
      bind_text_or_null (insert, 12, row->from);
      bind_text_or_null (insert, 13, row->to);
      bind_text_or_null (insert, 14, row->cc);
      sqlite3_bind_int (insert, 15, courriel_message_text_has_attachments (row->attachments));
      bind_text_or_null (insert, 16, row->auth);
      rc = sqlite3_step (insert);
      if (rc != SQLITE_ROW)
        break;
      id = sqlite3_column_int64 (insert, 0);
      rc = SQLITE_OK;
      addresses = g_strjoin (" ", row->from, row->to, row->cc, NULL);
      sqlite3_reset (fts);
      sqlite3_bind_int64 (fts, 1, id);
      bind_text_or_null (fts, 2, row->subject);
      bind_text_or_null (fts, 3, addresses);
      rc = sqlite3_step (fts) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
      if (rc == SQLITE_OK && row->attachments->len > 0
          && !courriel_store_write_attachments (db, id, row->attachments, error))
        {
          sqlite3_finalize (insert);
          sqlite3_finalize (flags);
          sqlite3_finalize (fts);
          return FALSE;
        }
    }
  sqlite3_finalize (insert);
  sqlite3_finalize (flags);
  sqlite3_finalize (fts);
  return courriel_store_set_error_from_db (db, rc, error);
}

static gboolean
write_folder_state (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  CourrielImapSelection *s = sync->selection;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4, "
                               "total = (SELECT count (*) FROM messages WHERE folder_id = ?1), "
                               "unread = (SELECT count (*) FROM messages WHERE folder_id = ?1 AND flags & 1 = 0) "
                               "WHERE id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      sqlite3_bind_int64 (stmt, 2, s->uidvalidity);
      sqlite3_bind_int64 (stmt, 3, s->uidnext);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64)s->highestmodseq);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Forgets the folder's messages (UIDVALIDITY changed), or those the server no longer has. */
static gboolean
write_removals (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sync->reset)
    {
      rc = sqlite3_prepare_v2 (db, "DELETE FROM messages WHERE folder_id = ?1", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_int64 (stmt, 1, sync->folder_id);
          rc = sqlite3_step (stmt);
        }
      sqlite3_finalize (stmt);
      return courriel_store_set_error_from_db (db, rc, error);
    }
  rc = sqlite3_prepare_v2 (db, "DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2", -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < sync->stored_uids->len; i++)
    {
      guint32 uid = g_array_index (sync->stored_uids, guint32, i);

      if (courriel_imap_uid_set_contains (sync->server_uids, uid))
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      sqlite3_bind_int64 (stmt, 2, uid);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* QRESYNC told what vanished since the last sync: those leave the store. */
static gboolean
write_vanished (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "DELETE FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3", -1, &stmt,
                               NULL);

  for (guint r = 0; rc == SQLITE_OK && r < courriel_imap_uid_set_n_ranges (sync->selection->vanished); r++)
    {
      guint32 first, last;

      courriel_imap_uid_set_get_range (sync->selection->vanished, r, &first, &last);
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      sqlite3_bind_int64 (stmt, 2, first);
      sqlite3_bind_int64 (stmt, 3, last);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Steps ------------------------------------------------------------------------------------------- */

static void fetch_next_batch (GTask *task);


/* Ends the sync with @error; the callbacks below own a reference to the task until then. */
static void
fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_state_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (sync->store, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, sync->added);
}

/* Once nothing is in flight: the folder's state is written last, so that a sync killed midway
 * is taken up again from the start next time. */
static void
maybe_finish (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);

  if (sync->fetching || sync->writing > 0)
    return;
  if (sync->error != NULL)
    fail (task, g_steal_pointer (&sync->error));
  else
    courriel_store_write_async (sync->store, write_folder_state, sync, NULL, g_task_get_cancellable (task),
                                on_state_written, task);
}

static void
keep_error (Sync *sync, GError *error)
{
  if (sync->error == NULL)
    sync->error = error;
  else
    g_error_free (error);
}

static void
on_batch_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->writing--;
  if (!courriel_store_write_finish (sync->store, result, &error))
    keep_error (sync, error);
  else if (sync->progress != NULL && sync->missing != NULL)
    sync->progress (sync->added, sync->missing->len, sync->progress_data);
  if (!sync->fetching && sync->error == NULL)
    fetch_next_batch (task);
  else
    maybe_finish (task);
}

static void
on_batch_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
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
  batch = g_new0 (Batch, 1);
  batch->folder_id = sync->folder_id;
  batch->rows = g_array_sized_new (FALSE, TRUE, sizeof (Row), fetches->len);
  g_array_set_clear_func (batch->rows, (GDestroyNotify)row_clear);
  g_array_set_size (batch->rows, fetches->len);
  for (guint i = 0; i < fetches->len; i++)
    {
      row_from_fetch (&g_array_index (batch->rows, Row, i), fetches->pdata[i]);
      /* Flags-only fetches of known messages carry no envelope: they add nothing. */
      sync->added += g_array_index (batch->rows, Row, i).full;
    }
  sync->writing++;
  courriel_store_write_async (sync->store, write_batch, batch, (GDestroyNotify)batch_free, NULL, on_batch_written,
                              task);
  /* The next batch travels while this one is written; never more than one waits for the writer. */
  if (sync->writing < 2 && sync->error == NULL)
    fetch_next_batch (task);
}

/* The newest missing messages first, a batch at a time: a small first batch to list the newest
 * at once, then larger ones. */
static void
fetch_next_batch (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapUidSet) uids = courriel_imap_uid_set_new ();

  for (guint n = 0; sync->next < sync->missing->len && n < sync->batch; n++)
    courriel_imap_uid_set_add (uids, g_array_index (sync->missing, guint32, sync->next++));
  if (courriel_imap_uid_set_is_empty (uids))
    {
      maybe_finish (task);
      return;
    }
  if (sync->next > sync->batch)
    sync->batch = MIN (sync->batch * 2, sync->max_batch);
  sync->fetching = TRUE;
  courriel_imap_client_uid_fetch_async (sync->client, uids, FETCH_ITEMS, 0, NULL, NULL, g_task_get_cancellable (task),
                                        on_batch_fetched, task);
}

static void
on_removals_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  g_autoptr (CourrielImapUidSet) known = courriel_imap_uid_set_new ();
  GError *error = NULL;

  if (!courriel_store_write_finish (sync->store, result, &error))
    {
      fail (task, error);
      return;
    }

  /* What to fetch: the server's UIDs the store lacks, newest first. */
  sync->missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; !sync->reset && i < sync->stored_uids->len; i++)
    if (courriel_imap_uid_set_contains (sync->server_uids, g_array_index (sync->stored_uids, guint32, i)))
      courriel_imap_uid_set_add (known, g_array_index (sync->stored_uids, guint32, i));
  for (guint r = courriel_imap_uid_set_n_ranges (sync->server_uids); r > 0; r--)
    {
      guint32 first, last;

      courriel_imap_uid_set_get_range (sync->server_uids, r - 1, &first, &last);
      for (guint64 u = last; u >= first && u > 0; u--)
        {
          guint32 uid = (guint32)u;
          if (!courriel_imap_uid_set_contains (known, uid))
            g_array_append_val (sync->missing, uid);
        }
    }

  /* Flags of the known ones first (only the changed ones with CONDSTORE), then the new ones. */
  if (!courriel_imap_uid_set_is_empty (known)
      && (sync->selection->highestmodseq == 0 || sync->selection->highestmodseq != sync->stored_modseq))
    {
      sync->fetching = TRUE;
      courriel_imap_client_uid_fetch_async (sync->client, known, "(UID FLAGS)",
                                            sync->selection->highestmodseq > 0 ? sync->stored_modseq : 0, NULL, NULL,
                                            g_task_get_cancellable (task), on_batch_fetched, task);
    }
  else
    fetch_next_batch (task);
}

static void
on_searched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->server_uids = courriel_imap_client_uid_search_finish (sync->client, result, &error);
  if (sync->server_uids == NULL)
    {
      fail (task, error);
      return;
    }
  courriel_store_write_async (sync->store, write_removals, sync, NULL, g_task_get_cancellable (task),
                              on_removals_written, task);
}

static gint
compare_uids_descending (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

  return x < y ? 1 : x > y ? -1 : 0;
}

static void
on_vanished_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) changed = g_steal_pointer (&sync->selection->changed);
  Batch *batch;

  if (!courriel_store_write_finish (sync->store, result, &error))
    {
      fail (task, error);
      return;
    }
  /* What changed since the last sync: the new messages (from the stored UIDNEXT on, and those an
   * interrupted sync may have left out) are fetched in full, newest first; the others only had
   * their flags changed, which the SELECT already gave. */
  sync->missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  batch = g_new0 (Batch, 1);
  batch->folder_id = sync->folder_id;
  batch->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (batch->rows, (GDestroyNotify)row_clear);
  for (guint i = changed->len; i > 0; i--)
    {
      CourrielImapFetch *fetch = changed->pdata[i - 1];

      if (fetch->uid >= sync->stored_uidnext)
        g_array_append_val (sync->missing, fetch->uid);
      else if (fetch->uid != 0 && fetch->flags != NULL)
        {
          g_array_set_size (batch->rows, batch->rows->len + 1);
          row_from_fetch (&g_array_index (batch->rows, Row, batch->rows->len - 1), fetch);
        }
    }
  g_array_sort (sync->missing, compare_uids_descending);
  sync->writing++;
  courriel_store_write_async (sync->store, write_batch, batch, (GDestroyNotify)batch_free, NULL, on_batch_written,
                              task);
}

/* The UIDs the store has, ascending. */
static gpointer
read_uids (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT uid FROM messages WHERE folder_id = ?1 AND uid IS NOT NULL ORDER BY uid", -1,
                               &stmt, NULL);

  sync->stored_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, sync->folder_id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32)sqlite3_column_int64 (stmt, 0);
      g_array_append_val (sync->stored_uids, uid);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
on_uids_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  if (courriel_store_read_finish (sync->store, result, &error) == NULL)
    {
      fail (task, error);
      return;
    }
  courriel_imap_client_uid_search_async (sync->client, "ALL", g_task_get_cancellable (task), on_searched, task);
}

static void
on_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->selection = courriel_imap_client_select_finish (sync->client, result, &error);
  if (sync->selection == NULL)
    {
      fail (task, error);
      return;
    }
  sync->reset = sync->stored_validity != 0 && sync->stored_validity != sync->selection->uidvalidity;
  /* With CONDSTORE, any change (new, expunged, flags) moves UIDNEXT or HIGHESTMODSEQ: when
   * neither moved since the last sync, there is nothing to compare. */
  if (!sync->reset && sync->selection->highestmodseq > 0 && sync->selection->highestmodseq == sync->stored_modseq
      && sync->selection->uidnext == sync->stored_uidnext && sync->selection->uidvalidity == sync->stored_validity)
    {
      g_task_return_int (task, 0);
      g_object_unref (task);
      return;
    }
  if (sync->qresync && !sync->reset)
    {
      if (sync->selection->vanished == NULL)
        sync->selection->vanished = courriel_imap_uid_set_new ();
      courriel_store_write_async (sync->store, write_vanished, sync, NULL, g_task_get_cancellable (task),
                                  on_vanished_written, task);
      return;
    }
  courriel_store_read_async (sync->store, read_uids, sync, NULL, NULL, g_task_get_cancellable (task), on_uids_read,
                             task);
}

static gpointer
read_state (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT coalesce (uidvalidity, 0), coalesce (highestmodseq, 0), coalesce (uidnext, 0) "
                               "FROM folders WHERE id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, sync->folder_id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          sync->stored_validity = (guint32)sqlite3_column_int64 (stmt, 0);
          sync->stored_modseq = (guint64)sqlite3_column_int64 (stmt, 1);
          sync->stored_uidnext = (guint32)sqlite3_column_int64 (stmt, 2);
        }
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
on_state_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  CourrielImapQresync qresync = { 0 };
  GError *error = NULL;

  if (courriel_store_read_finish (sync->store, result, &error) == NULL)
    {
      fail (task, error);
      return;
    }
  /* QRESYNC: the server says what vanished and what changed since the last complete sync. */
  sync->qresync = courriel_imap_client_is_enabled (sync->client, "QRESYNC") && sync->stored_validity != 0
                  && sync->stored_modseq != 0 && sync->stored_uidnext != 0;
  qresync.uidvalidity = sync->stored_validity;
  qresync.modseq = sync->stored_modseq;
  courriel_imap_client_select_async (sync->client, sync->mailbox, FALSE, sync->qresync ? &qresync : NULL,
                                     g_task_get_cancellable (task), on_selected, task);
}

/**
 * courriel_imap_message_sync_async:
 * @folder_id: the folder's row in the store
 * @mailbox: its name as the server knows it
 * @batch: how many messages to fetch and write at a time (0: 500)
 * @progress: (nullable): called after each batch is written
 *
 * Returns (by finish) how many new messages were added.
 */
void
courriel_imap_message_sync_async (CourrielImapClient *client, CourrielStore *store, gint64 folder_id,
                                  const char *mailbox, guint batch, CourrielImapProgress progress,
                                  gpointer progress_data, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  g_mime_init ();
  sync->client = g_object_ref (client);
  sync->store = g_object_ref (store);
  sync->folder_id = folder_id;
  sync->mailbox = g_strdup (mailbox);
  sync->batch = batch > 0 ? batch : 500;
  sync->max_batch = batch > 0 ? batch : 4000;
  sync->progress = progress;
  sync->progress_data = progress_data;
  g_task_set_source_tag (task, courriel_imap_message_sync_async);
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  courriel_store_read_async (store, read_state, sync, NULL, NULL, cancellable, on_state_read, task);
}

gint64
courriel_imap_message_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}
