/* courriel-pop3-download.c — a POP3 mailbox into the account's local Inbox, by its policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules that protect the user's mail:
 * - a message is known as downloaded (pop3_uidls) in the same transaction that stores it, so a
 *   download interrupted anywhere (the server gone mid-RETR, Courriel killed) is taken up next
 *   time with nothing lost and nothing twice;
 * - DELE is sent only once every download of the session is committed, only for messages the
 *   store holds durably (their UIDL is in pop3_uidls), and only as the account's policy says:
 *   kept for ever (-1), deleted once downloaded (0), or after N days; and, if the account says
 *   so, when the user deleted the message here for good;
 * - message numbers come from this session's UIDL listing and are used only in this session,
 *   so a server that renumbers its messages cannot make Courriel delete the wrong one;
 * - a UIDL is not all: the SHA-256 of each message's header is kept with its UIDL, and before
 *   DELE a message downloaded in an earlier session is checked (TOP n 0, or RETR where TOP is
 *   missing or disagrees) to still have that header. A server that reused a UIDL for another
 *   message is caught there: that message is downloaded, not deleted. (Where the policy never
 *   deletes, a reused UIDL goes unnoticed: the message stays on the server, hidden here.)
 * - a UIDL the server stops listing is forgotten only once its message is gone from here too,
 *   so a server that forgets a UIDL for a while and lists it again does not bring a duplicate;
 * - a UIDL listed twice in one session names no message for sure: both messages are downloaded
 *   (one, if their headers are the same), and neither is deleted while the server does that.
 *
 * Servers without UIDL: a message is known by the SHA-256 of its header, from TOP n 0 of each
 * message at every check. Without TOP either, every message is downloaded (RETR) at every check
 * and its header hashed: the new ones are stored, the others dropped; that costs the mailbox's
 * size at every check, but nothing is stored twice, and a message is deleted (by the policy) only
 * if what this session's RETR brought is stored here. Two messages with the same header are one
 * message, which is what the user would say.
 */
#define G_LOG_DOMAIN "courriel-pop3"

#include "config.h"
#include "courriel-pop3-download.h"

#include "courriel-gmime-autoptr.h"
#include "courriel-message-text.h"
#include "courriel-stored-message.h"

#define DAY (24 * 60 * 60)

/* Messages keep coming while the store writes those before, and those that arrived meanwhile
 * are written by one job: one transaction (one sync to disk, one full-text index flush) for many
 * messages rather than one each. Bounded in count and in bytes; an interruption loses none of
 * them (they are downloaded again next time: their UIDL is recorded only with them). */
#define MAX_WRITES_IN_FLIGHT 64
#define MAX_BYTES_IN_FLIGHT (16 * 1024 * 1024)

typedef struct
{
  char    *uid;
  char    *header;     /* SHA-256 of its header as stored (space-separated when the server gave
                        * the UIDL to several), NULL if downloaded before it was kept */
  gint64   downloaded; /* when it was stored, 0 if never */
  gboolean here;       /* a message of the account still carries it */
} Known;

typedef struct
{
  CourrielPop3Client      *client;
  CourrielStore           *store;
  gint64                   account_id;
  gint64                   now;
  int                      keep_days;
  gboolean                 delete_when_deleted_here;
  gint64                   inbox_id;
  GHashTable              *known;     /* uid → Known */
  GPtrArray               *entries;   /* CourrielPop3Entry of this session */
  GArray                  *wanted;    /* indexes in entries, to download */
  guint                    next;
  gboolean                 by_retr;   /* neither UIDL nor TOP: every message is RETR'd, then known */
  gboolean                 no_top;    /* the server refused TOP */
  guint8                  *checked;   /* per entry: its content this session is the one stored */
  GArray                  *suspects;  /* indexes in entries: doomed, if their header is the stored one */
  guint                    suspect;
  GArray                  *doomed;    /* message numbers to DELE */
  GPtrArray               *queued;        /* Arrival, downloaded, for the next write job */
  gboolean                 writing;       /* a write job is running */
  guint                    pending;       /* messages downloaded and not yet committed */
  gsize                    pending_bytes;
  gboolean                 fetching;
  GError                  *error;
  CourrielPop3DownloadReport report;
  CourrielPop3Progress     progress;
  gpointer                 progress_data;
} Download;

static void
known_free (Known *known)
{
  g_free (known->uid);
  g_free (known->header);
  g_free (known);
}

static void
download_free (Download *d)
{
  g_object_unref (d->client);
  g_object_unref (d->store);
  g_clear_pointer (&d->known, g_hash_table_unref);
  g_clear_pointer (&d->entries, g_ptr_array_unref);
  g_clear_pointer (&d->wanted, g_array_unref);
  g_clear_pointer (&d->suspects, g_array_unref);
  g_free (d->checked);
  g_clear_pointer (&d->doomed, g_array_unref);
  g_clear_pointer (&d->queued, g_ptr_array_unref);
  g_clear_error (&d->error);
  g_free (d);
}

static void
keep_error (Download *d, GError *error)
{
  if (d->error == NULL)
    d->error = error;
  else
    g_error_free (error);
}

/* The SHA-256 (hex) of a message's header, blank line included: the same from RETR and TOP n 0. */
static char *
header_digest (GBytes *message)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  const char *end = data != NULL ? memmem (data, length, "\r\n\r\n", 4) : NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data,
                                      end != NULL ? (gsize)(end + 4 - data) : length);
}

/* Whether @digest is one of @headers (a Known's). */
static gboolean
headers_hold (const char *headers, const char *digest)
{
  g_auto (GStrv) each = g_strsplit (headers != NULL ? headers : "", " ", -1);

  return g_strv_contains ((const char * const *)each, digest);
}

/* @headers with @digest added: one more message stored under that UIDL. */
static char *
headers_add (const char *headers, const char *digest)
{
  return headers != NULL ? g_strdup_printf ("%s %s", headers, digest) : g_strdup (digest);
}

/* A message known by its header only (no UIDL): its made-up unique id. */
static char *
header_uid (const char *digest)
{
  return g_strdup_printf ("header-sha256:%.40s", digest);
}

/* The store's side ------------------------------------------------------------------------------ */

/* The account's local folders (a POP3 account has nothing but these), its policy, and what was
 * downloaded before. A write job: the folders are created the first time. */
static gboolean
prepare (sqlite3 *db, gpointer data, GError **error)
{
  Download *d = data;
  static const char *folders[][2] = { { "INBOX", "inbox" }, { "Sent", "sent" }, { "Drafts", "drafts" },
                                      { "Trash", "trash" } };
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO folders (account_id, name, raw_name, role) VALUES (?1, ?2, ?2, ?3) "
                               "ON CONFLICT (account_id, raw_name) DO NOTHING",
                               -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < G_N_ELEMENTS (folders); i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, d->account_id);
      sqlite3_bind_text (stmt, 2, folders[i][0], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, folders[i][1], -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT (SELECT id FROM folders WHERE account_id = ?1 AND role = 'inbox'), "
                             "pop3_keep_days, pop3_delete_when_deleted_here FROM accounts WHERE id = ?1",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, d->account_id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          d->inbox_id = sqlite3_column_int64 (stmt, 0);
          d->keep_days = sqlite3_column_int (stmt, 1);
          d->delete_when_deleted_here = sqlite3_column_int (stmt, 2);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT u.uidl, u.downloaded, u.header, EXISTS (SELECT 1 FROM messages m "
                             "JOIN folders f ON f.id = m.folder_id WHERE f.account_id = u.account_id "
                             "AND m.pop3_uidl = u.uidl) FROM pop3_uidls u WHERE u.account_id = ?1",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, d->account_id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Known *known = g_new0 (Known, 1);

      known->uid = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      known->downloaded = sqlite3_column_int64 (stmt, 1);
      known->header = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      known->here = sqlite3_column_int (stmt, 3);
      g_hash_table_replace (d->known, known->uid, known);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

typedef struct
{
  gint64  folder_id;
  gint64  account_id;
  gint64  now;
  char   *uid;
  char   *header;
  GBytes *raw;
} Arrival;

static void
arrival_free (Arrival *arrival)
{
  g_free (arrival->uid);
  g_free (arrival->header);
  g_bytes_unref (arrival->raw);
  g_free (arrival);
}

/* The message and the record that it was downloaded: together, or neither. */
static gboolean
write_arrival (sqlite3 *db, gpointer data, GError **error)
{
  Arrival *arrival = data;
  g_autoptr (CourrielMessageText) text = courriel_message_text_new_from_bytes (arrival->raw, NULL);
  sqlite3_stmt *stmt = NULL;
  gint64 id;
  int rc;

  if (text == NULL)
    {
      /* An empty message: kept all the same, with nothing to show. */
      text = g_new0 (CourrielMessageText, 1);
      text->text = g_strdup ("");
      text->preview = g_strdup ("");
      text->attachments = g_ptr_array_new ();
    }
  if (!courriel_stored_message_insert (db, arrival->folder_id, arrival->raw, text, arrival->uid, arrival->now, &id,
                                       error))
    return FALSE;
  rc = sqlite3_prepare_v2 (db,
                           "INSERT OR REPLACE INTO pop3_uidls (account_id, uidl, downloaded, header) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, arrival->account_id);
      sqlite3_bind_text (stmt, 2, arrival->uid, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, arrival->now);
      sqlite3_bind_text (stmt, 4, arrival->header, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Messages that arrived while the store wrote the ones before, in one job: all of them, or none. */
static gboolean
write_arrivals (sqlite3 *db, gpointer data, GError **error)
{
  GPtrArray *arrivals = data;

  for (guint i = 0; i < arrivals->len; i++)
    if (!write_arrival (db, arrivals->pdata[i], error))
      return FALSE;
  /* The Inbox's counts in the sidebar follow what arrived. */
  return arrivals->len == 0
         || courriel_stored_message_recount_folder (db, ((Arrival *)arrivals->pdata[0])->folder_id, error);
}

/* Forgets the UIDLs the server no longer lists and whose message is no longer here: those
 * messages are gone from both sides. One still here is remembered, in case the server lists it
 * again (some forget a UIDL for a session). */
static gboolean
write_forget (sqlite3 *db, gpointer data, GError **error)
{
  Download *d = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "DELETE FROM pop3_uidls WHERE account_id = ?1 AND uidl = ?2", -1, &stmt, NULL);
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  Known *known;

  for (guint i = 0; i < d->entries->len; i++)
    if (((CourrielPop3Entry *)d->entries->pdata[i])->uid != NULL)
      g_hash_table_add (listed, ((CourrielPop3Entry *)d->entries->pdata[i])->uid);
  g_hash_table_iter_init (&iter, d->known);
  while (rc == SQLITE_OK && g_hash_table_iter_next (&iter, NULL, (gpointer *)&known))
    {
      if (known->here || g_hash_table_contains (listed, known->uid))
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, d->account_id);
      sqlite3_bind_text (stmt, 2, known->uid, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* The server's side ---------------------------------------------------------------------------- */

static void retrieve_next (GTask *task);
static void delete_next (GTask *task);
static void verify_next (GTask *task);

static void
finish (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->error != NULL)
    g_task_return_error (task, g_steal_pointer (&d->error));
  else
    g_task_return_pointer (task, g_memdup2 (&d->report, sizeof d->report), g_free);
  g_object_unref (task);
}

static void
fail (GTask *task, GError *error)
{
  keep_error (g_task_get_task_data (task), error);
  finish (task);
}

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_pop3_client_dele_finish (d->client, result, &error))
    {
      fail (task, error);
      return;
    }
  d->report.deleted++;
  delete_next (task);
}

static void
delete_next (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->report.deleted >= d->doomed->len)
    {
      finish (task);
      return;
    }
  courriel_pop3_client_dele_async (d->client, g_array_index (d->doomed, guint, d->report.deleted),
                                   g_task_get_cancellable (task), on_deleted, task);
}

/* @raw (owned) to store under @uid, its header's digest added to those known for that UIDL. The
 * session counts it as stored at once: deletions are chosen only once every write of the session
 * succeeded, so by then it is. */
static Arrival *
arrival_new (GTask *task, const char *uid, const char *digest, GBytes *raw)
{
  Download *d = g_task_get_task_data (task);
  Known *known = g_hash_table_lookup (d->known, uid);
  Arrival *arrival = g_new0 (Arrival, 1);

  arrival->folder_id = d->inbox_id;
  arrival->account_id = d->account_id;
  arrival->now = d->now;
  arrival->uid = g_strdup (uid);
  arrival->header = known != NULL && known->downloaded != 0 ? headers_add (known->header, digest) : g_strdup (digest);
  arrival->raw = raw;
  if (known == NULL)
    {
      known = g_new0 (Known, 1);
      known->uid = g_strdup (uid);
      g_hash_table_replace (d->known, known->uid, known);
    }
  g_free (known->header);
  known->header = g_strdup (arrival->header);
  known->downloaded = d->now;
  known->here = TRUE;
  return arrival;
}

static void
store_message (GTask *task, const char *uid, const char *digest, GBytes *raw, GAsyncReadyCallback done)
{
  Download *d = g_task_get_task_data (task);

  courriel_store_write_async (d->store, write_arrival, arrival_new (task, uid, digest, raw),
                              (GDestroyNotify)arrival_free, NULL, done, task);
}

/* Known, stored, and the session brought it or its header matched: it may go, by the policy. */
static void
doom (Download *d, guint index)
{
  g_array_append_val (d->doomed, ((CourrielPop3Entry *)d->entries->pdata[index])->number);
}

static CourrielPop3Entry *
current_suspect (Download *d)
{
  return d->entries->pdata[g_array_index (d->suspects, guint, d->suspect)];
}

static void
on_reused_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (d->store, result, &error))
    {
      fail (task, error);
      return;
    }
  d->report.downloaded++;
  d->suspect++;
  verify_next (task);
}

/* The whole message, when TOP could not tell. */
static void
on_verified_by_retr (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  CourrielPop3Entry *entry = current_suspect (d);
  Known *known = g_hash_table_lookup (d->known, entry->uid);
  GError *error = NULL;
  GBytes *raw = courriel_pop3_client_retr_finish (d->client, result, &error);
  g_autofree char *digest = NULL;

  if (raw == NULL)
    {
      fail (task, error);
      return;
    }
  digest = header_digest (raw);
  if (headers_hold (known->header, digest))
    {
      g_bytes_unref (raw);
      doom (d, g_array_index (d->suspects, guint, d->suspect));
      d->suspect++;
      verify_next (task);
      return;
    }
  /* The server gave this UIDL to another message: that one is new here, and stays there. */
  g_debug ("UIDL %s now names another message: downloaded, not deleted", entry->uid);
  store_message (task, entry->uid, digest, raw, on_reused_written);
}

static void
verify_by_retr (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  courriel_pop3_client_retr_async (d->client, current_suspect (d)->number, NULL, g_task_get_cancellable (task),
                                   on_verified_by_retr, task);
}

static void
on_verified_by_top (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  CourrielPop3Entry *entry = current_suspect (d);
  Known *known = g_hash_table_lookup (d->known, entry->uid);
  GError *error = NULL;
  g_autoptr (GBytes) header = courriel_pop3_client_top_finish (d->client, result, &error);
  g_autofree char *digest = NULL;

  if (header == NULL && g_error_matches (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR))
    {
      g_clear_error (&error);
      d->no_top = TRUE;
      verify_by_retr (task);
      return;
    }
  if (header == NULL)
    {
      fail (task, error);
      return;
    }
  digest = header_digest (header);
  if (!headers_hold (known->header, digest))
    {
      verify_by_retr (task); /* another message, or the same one shown differently by TOP */
      return;
    }
  doom (d, g_array_index (d->suspects, guint, d->suspect));
  d->suspect++;
  verify_next (task);
}

/* Each message the policy would delete, downloaded in an earlier session: is it still the one
 * stored here? */
static void
verify_next (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->suspect >= d->suspects->len)
    delete_next (task);
  else if (d->no_top)
    verify_by_retr (task);
  else
    courriel_pop3_client_top_async (d->client, current_suspect (d)->number, 0, g_task_get_cancellable (task),
                                    on_verified_by_top, task);
}

/* Every download is committed: the policy decides what leaves the server. */
static void
choose_deletions (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < d->entries->len; i++)
    {
      const char *uid = ((CourrielPop3Entry *)d->entries->pdata[i])->uid;
      guint times = GPOINTER_TO_UINT (g_hash_table_lookup (listed, uid));

      g_hash_table_insert (listed, (gpointer)uid, GUINT_TO_POINTER (times + 1));
    }
  d->doomed = g_array_new (FALSE, FALSE, sizeof (guint));
  d->suspects = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < d->entries->len; i++)
    {
      CourrielPop3Entry *entry = d->entries->pdata[i];
      Known *known = g_hash_table_lookup (d->known, entry->uid);
      gboolean doomed;

      if (known == NULL || known->downloaded == 0)
        continue; /* never stored here: never deleted there */
      if (GPOINTER_TO_UINT (g_hash_table_lookup (listed, entry->uid)) > 1)
        continue; /* two messages under one UIDL: which one is stored? */
      doomed = d->keep_days == 0 || (d->keep_days > 0 && d->now - known->downloaded >= (gint64)d->keep_days * DAY)
               || (d->delete_when_deleted_here && !known->here);
      if (!doomed)
        continue;
      if (d->checked[i] || known->header == NULL)
        doom (d, i);
      else
        g_array_append_val (d->suspects, i);
    }
  verify_next (task);
}

static void
on_forgotten (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (d->store, result, &error))
    {
      fail (task, error);
      return;
    }
  choose_deletions (task);
}

static void
maybe_done_downloading (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (d->fetching || d->pending > 0)
    return;
  if (d->error != NULL)
    finish (task);
  else
    courriel_store_write_async (d->store, write_forget, d, NULL, g_task_get_cancellable (task), on_forgotten, task);
}

typedef struct
{
  GTask *task;
  guint  messages;
  gsize  bytes;
} Writing;

static gboolean
may_retrieve_more (Download *d)
{
  return d->pending < MAX_WRITES_IN_FLIGHT && d->pending_bytes < MAX_BYTES_IN_FLIGHT && d->error == NULL;
}

static void on_arrivals_written (GObject *source, GAsyncResult *result, gpointer user_data);

/* What arrived while the store was busy goes to it in one job; once the download is cancelled,
 * nothing more is written (it is downloaded again next time). */
static void
write_queued (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  Writing *writing;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      for (guint i = 0; i < d->queued->len; i++)
        d->pending_bytes -= g_bytes_get_size (((Arrival *)d->queued->pdata[i])->raw);
      d->pending -= d->queued->len;
      g_ptr_array_set_size (d->queued, 0);
    }
  if (d->writing || d->queued->len == 0)
    return;
  writing = g_new0 (Writing, 1);
  writing->task = task;
  writing->messages = d->queued->len;
  for (guint i = 0; i < d->queued->len; i++)
    writing->bytes += g_bytes_get_size (((Arrival *)d->queued->pdata[i])->raw);
  d->writing = TRUE;
  courriel_store_write_async (d->store, write_arrivals, g_steal_pointer (&d->queued), (GDestroyNotify)g_ptr_array_unref,
                              NULL, on_arrivals_written, writing);
  d->queued = g_ptr_array_new_with_free_func ((GDestroyNotify)arrival_free);
}

static void
on_arrivals_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Writing *writing = user_data;
  GTask *task = writing->task;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->writing = FALSE;
  d->pending -= writing->messages;
  d->pending_bytes -= writing->bytes;
  if (!courriel_store_write_finish (d->store, result, &error))
    keep_error (d, error);
  else
    d->report.downloaded += writing->messages;
  g_free (writing);
  if (d->progress != NULL)
    d->progress (d->report.downloaded, d->wanted->len, d->progress_data);
  write_queued (task);
  if (!d->fetching && may_retrieve_more (d))
    retrieve_next (task);
  else
    maybe_done_downloading (task);
}

static void
on_retrieved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  guint index = g_array_index (d->wanted, guint, d->next - 1);
  CourrielPop3Entry *entry = d->entries->pdata[index];
  GError *error = NULL;
  GBytes *raw = courriel_pop3_client_retr_finish (d->client, result, &error);
  g_autofree char *digest = NULL;
  Known *known;

  d->fetching = FALSE;
  if (raw == NULL)
    {
      keep_error (d, error);
      maybe_done_downloading (task);
      return;
    }
  digest = header_digest (raw);
  d->checked[index] = TRUE; /* what this number holds in this session is what gets stored */
  if (d->by_retr)
    entry->uid = header_uid (digest);
  known = g_hash_table_lookup (d->known, entry->uid);
  if (known != NULL && known->downloaded != 0)
    {
      /* By header (no UIDL), stored before or earlier in this session; by UIDL, listed twice in
       * this session: one message if the headers agree, two otherwise. */
      if (d->by_retr || headers_hold (known->header, digest))
        {
          g_bytes_unref (raw);
          if (may_retrieve_more (d))
            retrieve_next (task);
          else
            maybe_done_downloading (task);
          return;
        }
    }
  d->pending++;
  d->pending_bytes += g_bytes_get_size (raw);
  /* The next RETR goes out first: the server sends it while the store parses and writes this one. */
  if (may_retrieve_more (d))
    retrieve_next (task);
  g_ptr_array_add (d->queued, arrival_new (task, entry->uid, digest, raw));
  write_queued (task);
  /* Cancelled meanwhile, nothing left to write: the download ends here. */
  if (!d->fetching)
    maybe_done_downloading (task);
}

static void
retrieve_next (GTask *task)
{
  Download *d = g_task_get_task_data (task);
  CourrielPop3Entry *entry;

  if (d->error == NULL && g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &d->error);
  if (d->next >= d->wanted->len || d->error != NULL)
    {
      maybe_done_downloading (task);
      return;
    }
  entry = d->entries->pdata[g_array_index (d->wanted, guint, d->next++)];
  d->fetching = TRUE;
  courriel_pop3_client_retr_async (d->client, entry->number, NULL, g_task_get_cancellable (task), on_retrieved, task);
}

/* The session's listing is known (d->entries, with their uids unless by_retr): what to download. */
static void
start_downloading (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  /* Oldest first, as they arrived: the numbers ascend. */
  d->wanted = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < d->entries->len; i++)
    {
      CourrielPop3Entry *entry = d->entries->pdata[i];
      Known *known;

      if (d->by_retr)
        {
          g_array_append_val (d->wanted, i); /* known only once downloaded */
          continue;
        }
      known = g_hash_table_lookup (d->known, entry->uid);
      if (known == NULL || known->downloaded == 0)
        g_array_append_val (d->wanted, i);
    }
  retrieve_next (task);
}

/* Without UIDL, a message is known by its header: TOP n 0 of each, hashed. Without TOP either,
 * by the header of the whole message (RETR). */
static void top_next (GTask *task, guint index);

static void
on_top (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GBytes) header = courriel_pop3_client_top_finish (d->client, result, &error);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "top"));
  CourrielPop3Entry *entry = d->entries->pdata[index];
  g_autofree char *digest = NULL;

  if (header == NULL && g_error_matches (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR))
    {
      g_debug ("No TOP either: every message is downloaded to be told apart");
      g_clear_error (&error);
      for (guint i = 0; i < d->entries->len; i++)
        g_clear_pointer (&((CourrielPop3Entry *)d->entries->pdata[i])->uid, g_free);
      memset (d->checked, 0, d->entries->len);
      d->by_retr = TRUE;
      d->no_top = TRUE;
      start_downloading (task);
      return;
    }
  if (header == NULL)
    {
      fail (task, error);
      return;
    }
  digest = header_digest (header);
  entry->uid = header_uid (digest);
  d->checked[index] = TRUE; /* its id is what it holds in this session */
  top_next (task, index + 1);
}

static void
top_next (GTask *task, guint index)
{
  Download *d = g_task_get_task_data (task);

  if (index >= d->entries->len)
    {
      start_downloading (task);
      return;
    }
  g_object_set_data (G_OBJECT (task), "top", GUINT_TO_POINTER (index));
  courriel_pop3_client_top_async (d->client, ((CourrielPop3Entry *)d->entries->pdata[index])->number, 0,
                                  g_task_get_cancellable (task), on_top, task);
}

static void
on_list_for_top (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->entries = courriel_pop3_client_list_finish (d->client, result, &error);
  if (d->entries == NULL)
    {
      fail (task, error);
      return;
    }
  d->checked = g_new0 (guint8, d->entries->len + 1);
  top_next (task, 0);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->entries = courriel_pop3_client_uidl_finish (d->client, result, &error);
  if (d->entries == NULL && g_error_matches (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR))
    {
      /* A server without UIDL: its messages are told apart by their headers. */
      g_clear_error (&error);
      courriel_pop3_client_list_async (d->client, g_task_get_cancellable (task), on_list_for_top, task);
      return;
    }
  if (d->entries == NULL)
    {
      fail (task, error);
      return;
    }
  d->checked = g_new0 (guint8, d->entries->len + 1);
  start_downloading (task);
}

static void
on_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (d->store, result, &error))
    {
      fail (task, error);
      return;
    }
  courriel_pop3_client_uidl_async (d->client, g_task_get_cancellable (task), on_listed, task);
}

/**
 * courriel_pop3_download_async:
 * @client: logged in to the account's POP3 server
 * @now: the time it is (Unix time): the policy's days count from there
 * @progress: (nullable): told after each message stored
 *
 * Downloads the messages not downloaded before into the account's local Inbox, then marks for
 * deletion (DELE) those the policy lets go. The deletions happen when the caller ends the
 * session with QUIT; without it, nothing is deleted. Returns (by finish) a
 * CourrielPop3DownloadReport, to free with g_free().
 */
void
courriel_pop3_download_async (CourrielPop3Client *client, CourrielStore *store, gint64 account_id, gint64 now,
                              CourrielPop3Progress progress, gpointer progress_data, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Download *d = g_new0 (Download, 1);

  g_mime_init (); /* the writer thread parses the messages */
  d->client = g_object_ref (client);
  d->store = g_object_ref (store);
  d->account_id = account_id;
  d->now = now;
  d->progress = progress;
  d->progress_data = progress_data;
  d->known = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)known_free);
  d->queued = g_ptr_array_new_with_free_func ((GDestroyNotify)arrival_free);
  g_task_set_source_tag (task, courriel_pop3_download_async);
  g_task_set_task_data (task, d, (GDestroyNotify)download_free);
  courriel_store_write_async (store, prepare, d, NULL, cancellable, on_prepared, task);
}

CourrielPop3DownloadReport *
courriel_pop3_download_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
