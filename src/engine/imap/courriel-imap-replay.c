/* courriel-imap-replay.c — the queue of local changes, told to the IMAP server in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each queued change (courriel-changes.c) becomes its IMAP commands: UID STORE for flags,
 * UID MOVE (or COPY + EXPUNGE), \Deleted + UID EXPUNGE, CREATE, RENAME, DELETE, and APPEND for
 * a message written here (a sent message's copy, a draft), into the folder it is in by then.
 * Gmail files what its SMTP server sent in its Sent folder itself: a copy of mail sent through
 * Gmail to Gmail's IMAP server (X-GM-EXT-1) is not appended, and the server's copy replaces the
 * local one at the next sync. A change the
 * server applied leaves the queue; one it refuses (NO, BAD, a folder that is gone) is dropped,
 * and the server's state wins at the next sync. A network failure stops the replay with the
 * rest of the queue intact: it is tried again when the server is reachable.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-replay.h"

#include "courriel-changes.h"
#include "courriel-imap-error.h"
#include "courriel-imap-message-sync.h"

typedef struct
{
  CourrielImapClient *client;
  CourrielStore      *store;
  gint64              account_id;
  GPtrArray          *changes;  /* the queue as last read: its first is being replayed */
  CourrielChange     *change;
  CourrielImapUidSet *uids;     /* its messages' known UIDs */
  guint               step;
  guint               applied;
  /* APPEND: the message as the store has it now */
  GBytes             *raw;
  guint               flags;
} Replay;

typedef struct
{
  GBytes  *raw;  /* NULL: the message is gone, or has its UID already */
  char    *folder;
  char    *role;
  char    *outgoing_host;
  guint    flags;
} Appending;

static void
appending_free (Appending *appending)
{
  g_clear_pointer (&appending->raw, g_bytes_unref);
  g_free (appending->folder);
  g_free (appending->role);
  g_free (appending->outgoing_host);
  g_free (appending);
}

static void
replay_free (Replay *replay)
{
  g_object_unref (replay->client);
  g_object_unref (replay->store);
  g_clear_pointer (&replay->changes, g_ptr_array_unref);
  g_clear_pointer (&replay->uids, courriel_imap_uid_set_free);
  g_clear_pointer (&replay->raw, g_bytes_unref);
  g_free (replay);
}

/* Refusals that retrying will not change. */
static gboolean
is_refusal (const GError *error)
{
  return error->domain == COURRIEL_IMAP_ERROR
         && (error->code == COURRIEL_IMAP_ERROR_NO || error->code == COURRIEL_IMAP_ERROR_BAD
             || error->code == COURRIEL_IMAP_ERROR_NONEXISTENT || error->code == COURRIEL_IMAP_ERROR_ALREADY_EXISTS
             || error->code == COURRIEL_IMAP_ERROR_UNSUPPORTED || error->code == COURRIEL_IMAP_ERROR_MODIFIED);
}

static void read_queue (GTask *task);
static void run_step (GTask *task);

static void
on_recorded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Replay *replay = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (replay->store, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_queue (g_steal_pointer (&task));
}

/* The step ended: on to the next, or the change is over (applied, refused or failed). */
static void
step_done (GTask *task, gboolean ok, GError *error, GArray *new_uids)
{
  Replay *replay = g_task_get_task_data (task);

  if (ok)
    {
      replay->step++;
      run_step (task);
      return;
    }
  if (error == NULL || is_refusal (error))
    {
      if (error == NULL)
        replay->applied++;
      else
        g_message ("The server refused a queued change (%s); its state wins: %s", replay->change->folder,
                   error->message);
      if (error == NULL)
        courriel_changes_done_async (replay->store, replay->change, new_uids, NULL, on_recorded, task);
      else
        courriel_changes_drop_async (replay->store, replay->change, NULL, on_recorded, task);
      g_clear_error (&error);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  g_autoptr (CourrielImapSelection) selection = NULL;
  GError *error = NULL;

  selection = courriel_imap_client_select_finish (replay->client, result, &error);
  step_done (user_data, selection != NULL, error, NULL);
}

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  g_autoptr (CourrielImapUidSet) modified = NULL;
  GError *error = NULL;

  modified = courriel_imap_client_uid_store_finish (replay->client, result, &error);
  step_done (user_data, error == NULL, error, NULL);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  GError *error = NULL;
  gboolean ok;

  switch (replay->change->kind)
    {
    case COURRIEL_CHANGE_EXPUNGE:
      ok = courriel_imap_client_expunge_finish (replay->client, result, &error);
      break;
    case COURRIEL_CHANGE_RENAME_FOLDER:
      ok = courriel_imap_client_rename_finish (replay->client, result, &error);
      break;
    default:
      ok = courriel_imap_client_mailbox_finish (replay->client, result, &error);
      break;
    }
  step_done (user_data, FALSE, ok ? NULL : error, NULL);
}

/* The moved messages' new UIDs, in the order of the change's messages. */
static GArray *
map_new_uids (const CourrielChange *change, CourrielImapCopyResult *copied)
{
  GArray *new_uids = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  guint r = 0, s = 0;
  guint32 from = 0, to = 0, dfrom = 0, dto = 0;
  guint64 source, destination;

  g_array_set_size (new_uids, change->uids->len);
  if (copied == NULL || copied->source_uids == NULL || copied->uids == NULL)
    return new_uids;
  /* COPYUID pairs the two sets in ascending order. */
  source = 1, destination = 1, from = to = dfrom = dto = 0;
  while (TRUE)
    {
      if (source > to)
        {
          if (r >= courriel_imap_uid_set_n_ranges (copied->source_uids))
            break;
          courriel_imap_uid_set_get_range (copied->source_uids, r++, &from, &to);
          source = from;
        }
      if (destination > dto)
        {
          if (s >= courriel_imap_uid_set_n_ranges (copied->uids))
            break;
          courriel_imap_uid_set_get_range (copied->uids, s++, &dfrom, &dto);
          destination = dfrom;
        }
      g_hash_table_insert (map, GUINT_TO_POINTER ((guint32)source), GUINT_TO_POINTER ((guint32)destination));
      source++;
      destination++;
    }
  for (guint i = 0; i < change->uids->len; i++)
    g_array_index (new_uids, guint32, i)
      = GPOINTER_TO_UINT (g_hash_table_lookup (map, GUINT_TO_POINTER (g_array_index (change->uids, guint32, i))));
  return new_uids;
}

static void
on_moved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  g_autoptr (CourrielImapCopyResult) copied = NULL;
  g_autoptr (GArray) new_uids = NULL;
  GError *error = NULL;

  copied = courriel_imap_client_uid_copy_finish (replay->client, result, &error);
  if (error == NULL)
    new_uids = map_new_uids (replay->change, copied);
  step_done (user_data, FALSE, error, new_uids);
}

/* One UID, or 0. */
static GArray *
single_uid (guint32 uid)
{
  GArray *uids = g_array_new (FALSE, TRUE, sizeof (guint32));

  g_array_append_val (uids, uid);
  return uids;
}

static void
on_appended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  g_autoptr (CourrielImapCopyResult) appended = NULL;
  g_autoptr (GArray) new_uids = NULL;
  GError *error = NULL;
  guint32 uid = 0, last;

  appended = courriel_imap_client_append_finish (replay->client, result, &error);
  /* The folder is gone from the server ([TRYCREATE]): created again, and the APPEND retried. */
  if (replay->step == 1 && g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_NONEXISTENT))
    {
      g_clear_error (&error);
      step_done (user_data, TRUE, NULL, NULL);
      return;
    }
  if (appended != NULL && appended->uids != NULL && courriel_imap_uid_set_n_ranges (appended->uids) > 0)
    courriel_imap_uid_set_get_range (appended->uids, 0, &uid, &last);
  if (error == NULL)
    new_uids = single_uid (uid);
  step_done (user_data, FALSE, error, new_uids);
}

static void
on_folder_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replay *replay = g_task_get_task_data (user_data);
  GError *error = NULL;

  if (!courriel_imap_client_mailbox_finish (replay->client, result, &error)
      && g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_ALREADY_EXISTS))
    g_clear_error (&error);
  step_done (user_data, error == NULL, error, NULL);
}

static gpointer
read_appending (sqlite3 *db, gpointer data, GError **error)
{
  Appending *appending = g_new0 (Appending, 1);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT b.raw, f.name, f.role, m.flags, a.outgoing_host FROM messages m "
                               "JOIN folders f ON f.id = m.folder_id JOIN accounts a ON a.id = f.account_id "
                               "JOIN bodies b ON b.message_id = m.id WHERE m.id = ?1 AND m.uid IS NULL",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(gint64 *)data);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      appending->raw = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      appending->folder = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      appending->role = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      appending->flags = sqlite3_column_int (stmt, 3);
      appending->outgoing_host = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && !courriel_store_set_error_from_db (db, rc, error))
    {
      appending_free (appending);
      return NULL;
    }
  return appending;
}

/* Gmail's SMTP server files what it sent in Gmail's Sent folder. */
static gboolean
files_sent_mail_itself (Replay *replay, Appending *appending)
{
  const char *host = appending->outgoing_host != NULL ? appending->outgoing_host : "";

  return g_strcmp0 (appending->role, "sent") == 0
         && courriel_imap_client_has_capability (replay->client, "X-GM-EXT-1")
         && (g_str_has_suffix (host, ".gmail.com") || g_str_has_suffix (host, ".googlemail.com")
             || g_str_has_suffix (host, ".google.com"));
}

static void
on_appending_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Replay *replay = g_task_get_task_data (task);
  Appending *appending;
  g_autoptr (GArray) no_uid = NULL;
  GError *error = NULL;

  appending = courriel_store_read_finish (replay->store, result, &error);
  if (appending == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (appending->raw == NULL)
    {
      /* Gone meanwhile (a draft replaced before it reached the server): nothing to append. */
      step_done (task, FALSE, NULL, NULL);
      return;
    }
  g_free (replay->change->target);
  replay->change->target = g_strdup (appending->folder);
  replay->raw = g_bytes_ref (appending->raw);
  replay->flags = appending->flags;
  if (files_sent_mail_itself (replay, appending))
    {
      no_uid = single_uid (0);
      step_done (task, FALSE, NULL, no_uid);
      return;
    }
  step_done (task, TRUE, NULL, NULL);
}

static void
append_message (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);
  const char *names[6];

  /* Steps: 0 reads the message, 1 appends it, and only if its folder is gone, 2 creates the
   * folder and 3 appends it again. */
  if (replay->step == 0)
    courriel_store_read_async (replay->store, read_appending,
                               g_memdup2 (replay->change->message_ids->data, sizeof (gint64)), g_free,
                               (GDestroyNotify)appending_free, g_task_get_cancellable (task), on_appending_read,
                               task);
  else if (replay->step == 2)
    courriel_imap_client_mailbox_async (replay->client, COURRIEL_IMAP_MAILBOX_CREATE, replay->change->target,
                                        g_task_get_cancellable (task), on_folder_created, task);
  else
    courriel_imap_client_append_async (replay->client, replay->change->target, replay->raw,
                                       courriel_imap_flags_from_bits (replay->flags & ~COURRIEL_MESSAGE_DELETED, names),
                                       NULL, g_task_get_cancellable (task), on_appended, task);
}

static void
select_folder (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);

  if (g_strcmp0 (courriel_imap_client_get_selected (replay->client), replay->change->folder) == 0)
    step_done (task, TRUE, NULL, NULL);
  else
    courriel_imap_client_select_async (replay->client, replay->change->folder, FALSE, NULL,
                                       g_task_get_cancellable (task), on_selected, task);
}

/* Dovecot ends the session when the selected folder is deleted or renamed: leave it first. */
static void
leave_folder (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);

  if (g_strcmp0 (courriel_imap_client_get_selected (replay->client), replay->change->folder) != 0)
    step_done (task, TRUE, NULL, NULL);
  else
    courriel_imap_client_select_async (replay->client, "INBOX", FALSE, NULL, g_task_get_cancellable (task),
                                       on_selected, task);
}

/* Steps: 0 selects the folder for message changes (or leaves the folder to rename or delete);
 * then the change's own commands. */
static void
run_step (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);
  CourrielChange *change = replay->change;
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *names[6];

  switch (change->kind)
    {
    case COURRIEL_CHANGE_FLAGS:
      if (replay->step == 0)
        select_folder (task);
      else if (replay->step == 1 && change->add_flags != 0)
        courriel_imap_client_uid_store_async (replay->client, replay->uids, COURRIEL_IMAP_STORE_ADD,
                                              courriel_imap_flags_from_bits (change->add_flags, names), 0, cancellable, on_stored, task);
      else if (replay->step <= 2 && change->remove_flags != 0)
        {
          replay->step = 2;
          courriel_imap_client_uid_store_async (replay->client, replay->uids, COURRIEL_IMAP_STORE_REMOVE,
                                                courriel_imap_flags_from_bits (change->remove_flags, names), 0, cancellable, on_stored,
                                                task);
        }
      else
        step_done (task, FALSE, NULL, NULL);
      break;
    case COURRIEL_CHANGE_MOVE:
      if (replay->step == 0)
        select_folder (task);
      else
        courriel_imap_client_uid_copy_async (replay->client, replay->uids, change->target, TRUE, cancellable,
                                             on_moved, task);
      break;
    case COURRIEL_CHANGE_EXPUNGE:
      if (replay->step == 0)
        select_folder (task);
      else if (replay->step == 1)
        courriel_imap_client_uid_store_async (replay->client, replay->uids, COURRIEL_IMAP_STORE_ADD,
                                              courriel_imap_flags_from_bits (COURRIEL_MESSAGE_DELETED, names), 0, cancellable,
                                              on_stored, task);
      else
        courriel_imap_client_expunge_async (replay->client,
                                            courriel_imap_client_has_capability (replay->client, "UIDPLUS")
                                              ? replay->uids
                                              : NULL,
                                            cancellable, on_done, task);
      break;
    case COURRIEL_CHANGE_CREATE_FOLDER:
      courriel_imap_client_mailbox_async (replay->client, COURRIEL_IMAP_MAILBOX_CREATE, change->folder, cancellable,
                                          on_done, task);
      break;
    case COURRIEL_CHANGE_RENAME_FOLDER:
      if (replay->step == 0)
        leave_folder (task);
      else
        courriel_imap_client_rename_async (replay->client, change->folder, change->target, cancellable, on_done,
                                           task);
      break;
    case COURRIEL_CHANGE_DELETE_FOLDER:
      if (replay->step == 0)
        leave_folder (task);
      else
        courriel_imap_client_mailbox_async (replay->client, COURRIEL_IMAP_MAILBOX_DELETE, change->folder, cancellable,
                                          on_done, task);
      break;
    case COURRIEL_CHANGE_APPEND:
      append_message (task);
      break;
    }
}

/* Replays the first change of the queue. The queue is read again after each change, since a
 * move teaches the changes after it their messages' new UIDs. */
static void
replay_first (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);
  gboolean about_messages;

  if (replay->changes->len == 0)
    {
      g_task_return_int (task, replay->applied);
      g_object_unref (task);
      return;
    }
  replay->change = replay->changes->pdata[0];
  replay->step = 0;
  g_clear_pointer (&replay->raw, g_bytes_unref);
  g_clear_pointer (&replay->uids, courriel_imap_uid_set_free);
  replay->uids = courriel_imap_uid_set_new ();
  for (guint i = 0; i < replay->change->uids->len; i++)
    if (g_array_index (replay->change->uids, guint32, i) != 0)
      courriel_imap_uid_set_add (replay->uids, g_array_index (replay->change->uids, guint32, i));
  about_messages = replay->change->kind == COURRIEL_CHANGE_FLAGS || replay->change->kind == COURRIEL_CHANGE_MOVE
                   || replay->change->kind == COURRIEL_CHANGE_EXPUNGE;
  /* Messages whose UID was never learnt cannot be named: the next sync sets them right. */
  if (about_messages && courriel_imap_uid_set_is_empty (replay->uids))
    courriel_changes_drop_async (replay->store, replay->change, NULL, on_recorded, task);
  else
    run_step (task);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Replay *replay = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&replay->changes, g_ptr_array_unref);
  replay->change = NULL;
  replay->changes = courriel_changes_list_finish (replay->store, result, &error);
  if (replay->changes == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  replay_first (task);
}

static void
read_queue (GTask *task)
{
  Replay *replay = g_task_get_task_data (task);

  courriel_changes_list_async (replay->store, replay->account_id, g_task_get_cancellable (task), on_listed, task);
}

/**
 * courriel_imap_replay_async:
 *
 * Tells the server the account's queued local changes, oldest first. Returns (by finish) how
 * many the server applied; fails only when the connection did, with the rest still queued.
 */
void
courriel_imap_replay_async (CourrielImapClient *client, CourrielStore *store, gint64 account_id,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Replay *replay = g_new0 (Replay, 1);

  replay->client = g_object_ref (client);
  replay->store = g_object_ref (store);
  replay->account_id = account_id;
  g_task_set_source_tag (task, courriel_imap_replay_async);
  g_task_set_task_data (task, replay, (GDestroyNotify)replay_free);
  read_queue (task);
}

gint
courriel_imap_replay_finish (GAsyncResult *result, GError **error)
{
  return (gint)g_task_propagate_int (G_TASK (result), error);
}
