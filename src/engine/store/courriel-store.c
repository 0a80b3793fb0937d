/* courriel-store.c — the SQLite message store: schema, migrations, one writer thread, readers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One database file per data folder, in WAL mode with foreign keys. Every write is a job for
 * the single writer thread, which runs consecutive jobs in one transaction (each in a savepoint
 * of its own, so that a failing job undoes only itself) and commits with synchronous=FULL: a
 * process killed at any moment leaves the last committed state. Reads run on worker threads
 * with a read-only connection, never on the caller's main loop.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-store.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>

#define MAX_BATCH 256

/* Each entry brings the schema from version i to i + 1. Never edit one that has shipped:
 * add a new one. */
static const char *migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE accounts ("
  "  id INTEGER PRIMARY KEY,"
  "  address TEXT NOT NULL UNIQUE,"
  "  display_name TEXT NOT NULL DEFAULT '',"
  "  incoming_protocol TEXT NOT NULL CHECK (incoming_protocol IN ('imap', 'pop3')),"
  "  incoming_host TEXT NOT NULL,"
  "  incoming_port INTEGER NOT NULL,"
  "  incoming_security TEXT NOT NULL CHECK (incoming_security IN ('tls', 'starttls', 'none')),"
  "  incoming_username TEXT NOT NULL,"
  "  incoming_auth TEXT,"
  "  incoming_fingerprint TEXT,"
  "  outgoing_host TEXT,"
  "  outgoing_port INTEGER,"
  "  outgoing_security TEXT CHECK (outgoing_security IN ('tls', 'starttls', 'none')),"
  "  outgoing_username TEXT,"
  "  outgoing_auth TEXT,"
  "  outgoing_fingerprint TEXT,"
  "  allow_insecure INTEGER NOT NULL DEFAULT 0,"
  "  settings TEXT NOT NULL DEFAULT '{}',"
  "  created INTEGER NOT NULL"
  ");"
  "CREATE TABLE folders ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  name TEXT NOT NULL,"
  "  raw_name TEXT NOT NULL,"
  "  delimiter TEXT,"
  "  role TEXT CHECK (role IN ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged')),"
  "  attributes INTEGER NOT NULL DEFAULT 0,"
  "  subscribed INTEGER NOT NULL DEFAULT 1,"
  "  uidvalidity INTEGER,"
  "  uidnext INTEGER,"
  "  highestmodseq INTEGER,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  unread INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (account_id, raw_name)"
  ");"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uid INTEGER,"
  "  pop3_uidl TEXT,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  keywords TEXT,"
  "  modseq INTEGER,"
  "  date INTEGER,"
  "  received INTEGER,"
  "  size INTEGER,"
  "  message_id TEXT,"
  "  in_reply_to TEXT,"
  "  refs TEXT,"
  "  subject TEXT,"
  "  sender TEXT,"
  "  recipients_to TEXT,"
  "  recipients_cc TEXT,"
  "  preview TEXT,"
  "  has_attachments INTEGER NOT NULL DEFAULT 0,"
  "  auth_results TEXT,"
  "  UNIQUE (folder_id, uid)"
  ");"
  "CREATE INDEX messages_by_date ON messages (folder_id, date DESC);"
  "CREATE INDEX messages_by_message_id ON messages (message_id);"
  "CREATE TABLE bodies ("
  "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  raw BLOB NOT NULL,"
  "  fetched INTEGER NOT NULL"
  ");"
  "CREATE TABLE attachments ("
  "  id INTEGER PRIMARY KEY,"
  "  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  section TEXT NOT NULL,"
  "  filename TEXT,"
  "  mime_type TEXT,"
  "  size INTEGER,"
  "  content_id TEXT,"
  "  disposition TEXT"
  ");"
  "CREATE INDEX attachments_by_message ON attachments (message_id);"
  "CREATE TABLE pending_ops ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL,"
  "  payload TEXT NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT"
  ");"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (subject, addresses, body,"
  "  tokenize = 'unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  DELETE FROM messages_fts WHERE rowid = old.id;"
  "END;",

  /* 2: the bodies of the last N days downloaded ahead, for offline reading (0: on demand) */
  "ALTER TABLE accounts ADD COLUMN offline_days INTEGER NOT NULL DEFAULT 0;"
  "CREATE INDEX pending_ops_by_account ON pending_ops (account_id, id);",

  /* 3: a body may hold only the text parts, attachments left on the server until asked for */
  "ALTER TABLE bodies ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;",

  /* 4: POP3 — how long messages stay on the server (-1: always, 0: deleted once downloaded, N:
   * days), whether deleting here deletes there, and which messages were already downloaded */
  "ALTER TABLE accounts ADD COLUMN pop3_keep_days INTEGER NOT NULL DEFAULT 14;"
  "ALTER TABLE accounts ADD COLUMN pop3_delete_when_deleted_here INTEGER NOT NULL DEFAULT 1;"
  "CREATE TABLE pop3_uidls ("
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  uidl TEXT NOT NULL,"
  "  downloaded INTEGER NOT NULL,"
  "  PRIMARY KEY (account_id, uidl)"
  ");"
  "CREATE INDEX messages_by_pop3_uidl ON messages (pop3_uidl) WHERE pop3_uidl IS NOT NULL;",

  /* 5: the Outbox: a message is here before the first byte is sent, until a server took it */
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  sender TEXT NOT NULL,"
  "  recipients TEXT NOT NULL,"
  "  raw BLOB NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'failed')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT"
  ");",

  /* 6: POP3 — the SHA-256 of each downloaded message's header, so that a message is deleted on
   * the server only once its header there is the one stored here (a server may reuse a UIDL) */
  "ALTER TABLE pop3_uidls ADD COLUMN header TEXT;",

  /* 7: an Outbox message's bytes in a table of their own: changing its state no longer rewrites
   * the whole message (20 MB written again, twice, for a large attachment) */
  "CREATE TABLE outbox_bodies ("
  "  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,"
  "  raw BLOB NOT NULL"
  ");"
  "INSERT INTO outbox_bodies (outbox_id, raw) SELECT id, raw FROM outbox;"
  "ALTER TABLE outbox DROP COLUMN raw;",

  /* 8: a message the server accepted is marked so at once, in a few bytes, and filed in Sent
   * (20 MB copied, for a large attachment) as a step of its own: never sent again meanwhile */
  "CREATE TABLE outbox_accepted ("
  "  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,"
  "  accepted INTEGER NOT NULL"
  ");",

  /* 9: the senders whose messages may load remote content (images…) without asking again */
  "CREATE TABLE remote_content_senders ("
  "  address TEXT PRIMARY KEY COLLATE NOCASE,"
  "  allowed INTEGER NOT NULL"
  ");",

  /* 10: the largest message the outgoing server takes (its SMTP SIZE, RFC 1870), learned when
   * it is verified and at each Outbox send; 0: unknown, or no limit */
  "ALTER TABLE accounts ADD COLUMN smtp_size_limit INTEGER NOT NULL DEFAULT 0;",
};

typedef struct
{
  CourrielStoreWriteFunc func;
  gpointer               data;
  GDestroyNotify         destroy;
  GTask                 *task;
  GError                *error;
} Job;

struct _CourrielStore
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *writer_db;
  sqlite3      *reader_db;
  GThread      *writer;
  GAsyncQueue  *jobs;
  gint          transactions;
  gboolean      closed;

  /* "changed": the writer thread collects the tables its jobs touched (update hook, writer only),
   * and after a commit hands them to @context, where they are emitted in one signal. */
  GMainContext *context;
  guint         touched;      /* writer thread only */
  gint          unsignalled;  /* atomic: committed, not yet emitted */
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CourrielStore, courriel_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (courriel-store-error-quark, courriel_store_error)

/* The queue's end marker: never a real job. */
static Job stop_marker;

int
courriel_store_get_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* Turns a SQLite result code into a GError; returns FALSE when it is an error. */
gboolean
courriel_store_set_error_from_db (sqlite3 *db, int rc, GError **error)
{
  int code;

  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  code = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ? COURRIEL_STORE_ERROR_CORRUPT
                                                                       : COURRIEL_STORE_ERROR_SQL;
  g_set_error (error, COURRIEL_STORE_ERROR, code, _("The mail database failed: %s"),
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
exec (sqlite3 *db, const char *sql, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, sql, NULL, NULL, NULL), error);
}

static gboolean
query_int (sqlite3 *db, const char *sql, gint64 *value, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static gboolean
migrate (sqlite3 *db, int target, GError **error)
{
  gint64 version = 0;

  if (!query_int (db, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version > courriel_store_get_schema_version ())
    {
      g_set_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_TOO_NEW,
                   _("The mail database was written by a newer version of Courriel (schema %d; this one "
                     "knows %d). Update Courriel to open it."),
                   (int)MIN (version, G_MAXINT), courriel_store_get_schema_version ());
      return FALSE;
    }
  for (; version < target; version++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);

      /* Each step is all or nothing: a crash mid-migration leaves the previous version. */
      if (!exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (db, migrations[version], error) || !exec (db, set_version, error) || !exec (db, "COMMIT", error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

static sqlite3 *
open_connection (const char *path, gboolean read_only, GError **error)
{
  sqlite3 *db = NULL;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_OPEN, _("Cannot open the mail database %s: %s"),
                   path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 10000);
  /* WAL lets readers go on while the writer writes; FULL makes every commit durable before
   * anything (a POP3 DELE, say) relies on it. */
  /* Debian's SQLite zeroes every deleted byte (SECURE_DELETE): a sent 20 MB message leaving the
   * Outbox was written a second time, as zeros. FAST still clears what deleted rows leave on
   * shared pages, not whole pages that only go back to the free list (which the WAL keeps a copy
   * of until a checkpoint anyway). */
  if (!exec (db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = FAST", error)
      || (!read_only && !exec (db, "PRAGMA journal_mode = WAL", error)))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* The writer thread ------------------------------------------------------------------------------ */

static void
job_free (Job *job)
{
  if (job->destroy != NULL)
    job->destroy (job->data);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_free (job);
}

static void
job_finish (Job *job, GError *error)
{
  if (error != NULL)
    g_task_return_error (job->task, error);
  else
    g_task_return_boolean (job->task, TRUE);
  job_free (job);
}

/* Runs one job in its own savepoint; a failure undoes only this job (and forgets what it touched). */
static void
run_job (CourrielStore *self, sqlite3 *db, Job *job)
{
  guint touched = self->touched;

  if (g_task_return_error_if_cancelled (job->task))
    {
      g_clear_object (&job->task);
      return;
    }
  exec (db, "SAVEPOINT job", NULL);
  if (!job->func (db, job->data, &job->error))
    {
      if (job->error == NULL)
        g_set_error_literal (&job->error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_SQL, _("A database change failed."));
      sqlite3_exec (db, "ROLLBACK TO job", NULL, NULL, NULL);
      self->touched = touched;
    }
  sqlite3_exec (db, "RELEASE job", NULL, NULL, NULL);
}

static void
note_update (void *user_data, int operation, const char *database, const char *table, sqlite3_int64 rowid)
{
  CourrielStore *self = user_data;

  if (g_str_equal (table, "messages") || g_str_equal (table, "bodies") || g_str_equal (table, "attachments"))
    self->touched |= COURRIEL_STORE_TABLE_MESSAGES;
  else if (g_str_equal (table, "folders"))
    self->touched |= COURRIEL_STORE_TABLE_FOLDERS;
  else if (g_str_equal (table, "accounts"))
    self->touched |= COURRIEL_STORE_TABLE_ACCOUNTS;
  else if (g_str_equal (table, "outbox") || g_str_equal (table, "outbox_bodies")
           || g_str_equal (table, "outbox_accepted"))
    self->touched |= COURRIEL_STORE_TABLE_OUTBOX;
  else
    self->touched |= COURRIEL_STORE_TABLE_OTHER;
}

static gboolean
emit_changed (gpointer user_data)
{
  g_autoptr (CourrielStore) self = g_weak_ref_get (user_data);
  guint tables;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  tables = (guint)g_atomic_int_exchange (&self->unsignalled, 0);
  if (tables != 0)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, tables);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Called by the writer after a commit: one emission for however many commits happen before the
 * store's main context gets to it. */
static void
schedule_changed (CourrielStore *self, guint tables)
{
  GWeakRef *ref;

  if (tables == 0 || g_atomic_int_or (&self->unsignalled, tables) != 0)
    return;
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_changed, ref, weak_ref_free);
}

static gpointer
writer_main (gpointer user_data)
{
  CourrielStore *self = user_data;
  gboolean stopping = FALSE;

  while (!stopping)
    {
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();
      g_autoptr (GError) commit_error = NULL;
      Job *job = g_async_queue_pop (self->jobs);

      if (job == &stop_marker)
        break;
      /* Everything already waiting goes into the same transaction. */
      exec (self->writer_db, "BEGIN IMMEDIATE", NULL);
      do
        {
          run_job (self, self->writer_db, job);
          g_ptr_array_add (batch, job);
          if (batch->len >= MAX_BATCH)
            break;
          job = g_async_queue_try_pop (self->jobs);
          if (job == &stop_marker)
            stopping = TRUE;
        }
      while (job != NULL && !stopping);

      exec (self->writer_db, "COMMIT", &commit_error);
      g_atomic_int_inc (&self->transactions);
      if (commit_error == NULL)
        schedule_changed (self, self->touched);
      self->touched = 0;
      for (guint i = 0; i < batch->len; i++)
        {
          Job *done = batch->pdata[i];

          if (done->task == NULL) /* cancelled before it ran */
            {
              job_free (done);
              continue;
            }
          if (commit_error != NULL)
            job_finish (done, g_error_copy (commit_error));
          else
            job_finish (done, g_steal_pointer (&done->error));
        }
      if (commit_error != NULL)
        sqlite3_exec (self->writer_db, "ROLLBACK", NULL, NULL, NULL);
    }
  return NULL;
}

/* Public API --------------------------------------------------------------------------------------- */

/**
 * courriel_store_open:
 * @path: the database file; it and its folder are created when missing
 *
 * Opens (or creates) the store and brings its schema up to date. Refuses a database written
 * by a newer Courriel, and never touches a file that is not a database.
 */
CourrielStore *
courriel_store_open (const char *path, GError **error)
{
  g_autoptr (CourrielStore) self = NULL;
  g_autofree char *folder = g_path_get_dirname (path);

  g_return_val_if_fail (path != NULL, NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_OPEN, _("Cannot create the folder %s: %s"), folder,
                   g_strerror (saved));
      return NULL;
    }

  self = g_object_new (COURRIEL_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->writer_db = open_connection (path, FALSE, error);
  if (self->writer_db == NULL || !migrate (self->writer_db, courriel_store_get_schema_version (), error))
    return NULL;
  sqlite3_update_hook (self->writer_db, note_update, self);
  self->reader_db = open_connection (path, TRUE, error);
  if (self->reader_db == NULL)
    return NULL;

  self->jobs = g_async_queue_new ();
  self->writer = g_thread_new ("courriel-store-writer", writer_main, self);
  return g_steal_pointer (&self);
}

const char *
courriel_store_get_path (CourrielStore *self)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (self), NULL);
  return self->path;
}

/* How many transactions the writer committed: tells batching apart from one-per-write. */
guint64
courriel_store_get_transaction_count (CourrielStore *self)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (self), 0);
  return (guint64)g_atomic_int_get (&self->transactions);
}

/* Lets queued writes finish, stops the writer and closes the database. Idempotent. */
void
courriel_store_close (CourrielStore *self)
{
  g_return_if_fail (COURRIEL_IS_STORE (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  if (self->writer != NULL)
    {
      g_async_queue_push (self->jobs, &stop_marker);
      g_thread_join (g_steal_pointer (&self->writer));
    }
  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_clear_pointer (&self->writer_db, sqlite3_close);
  g_clear_pointer (&self->reader_db, sqlite3_close);
}

/**
 * courriel_store_write_async:
 * @func: runs on the writer thread, inside a transaction shared with other queued writes
 *
 * Queues a write; the callback runs in the caller's main context once the transaction that
 * holds it has committed (durably), or with the error that undid it.
 */
void
courriel_store_write_async (CourrielStore *self, CourrielStoreWriteFunc func, gpointer data, GDestroyNotify destroy,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job;

  g_return_if_fail (COURRIEL_IS_STORE (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->destroy = destroy;
  /* No source object: a task finished on the writer thread must never hold the last
   * reference to the store (finalizing it there would join the thread from itself). The
   * writer is joined before the store goes away, so every job runs first. */
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, courriel_store_write_async);
  if (self->closed)
    {
      job_finish (job, g_error_new_literal (COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_CLOSED,
                                            _("The mail database is closed.")));
      return;
    }
  g_async_queue_push (self->jobs, job);
}

gboolean
courriel_store_write_finish (CourrielStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == courriel_store_write_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  CourrielStoreReadFunc func;
  gpointer              data;
  GDestroyNotify        destroy;
  GDestroyNotify        result_destroy;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  if (job->destroy != NULL)
    job->destroy (job->data);
  g_free (job);
}

static void
read_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CourrielStore *self = source;
  ReadJob *job = task_data;
  GError *error = NULL;
  gpointer result;

  if (self->closed)
    {
      g_task_return_new_error (task, COURRIEL_STORE_ERROR, COURRIEL_STORE_ERROR_CLOSED, _("The mail database is closed."));
      return;
    }
  result = job->func (self->reader_db, job->data, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_destroy);
}

/* Runs @func with the read-only connection on a worker thread. */
void
courriel_store_read_async (CourrielStore *self, CourrielStoreReadFunc func, gpointer data, GDestroyNotify destroy,
                           GDestroyNotify result_destroy, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ReadJob *job;

  g_return_if_fail (COURRIEL_IS_STORE (self));

  job = g_new0 (ReadJob, 1);
  job->func = func;
  job->data = data;
  job->destroy = destroy;
  job->result_destroy = result_destroy;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_store_read_async);
  g_task_set_task_data (task, job, (GDestroyNotify)read_job_free);
  g_task_run_in_thread (task, read_in_thread);
}

gpointer
courriel_store_read_finish (CourrielStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
courriel_store_finalize (GObject *object)
{
  CourrielStore *self = COURRIEL_STORE (object);

  courriel_store_close (self);
  g_free (self->path);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (courriel_store_parent_class)->finalize (object);
}

static void
courriel_store_class_init (CourrielStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_store_finalize;

  /**
   * CourrielStore::changed:
   * @tables: the #CourrielStoreTables whose rows committed writes added, changed or removed
   *
   * Emitted in the main context that was the thread default when the store was opened, after
   * one or more write transactions committed. Commits that follow each other quickly are
   * folded into one emission. Models over the store re-read what they show.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
courriel_store_init (CourrielStore *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/**
 * courriel_store_create_at_version:
 * @version: an earlier schema version, from 1
 *
 * Creates (or brings) the database at @path to exactly @version, as an earlier Courriel left
 * it: for the tests of migrations from every earlier version.
 */
gboolean
courriel_store_create_at_version (const char *path, int version, GError **error)
{
  g_autofree char *folder = NULL;
  sqlite3 *db;
  gboolean ok;

  g_return_val_if_fail (version >= 1 && version <= courriel_store_get_schema_version (), FALSE);
  folder = g_path_get_dirname (path);
  g_mkdir_with_parents (folder, 0700);
  db = open_connection (path, FALSE, error);
  if (db == NULL)
    return FALSE;
  ok = migrate (db, version, error);
  sqlite3_close (db);
  return ok;
}
