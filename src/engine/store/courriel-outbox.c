/* courriel-outbox.c — messages waiting to be sent, kept in the store until a server took them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message is committed here before the first byte goes to a server, and leaves only once a
 * server accepted it. The states tell what the sender knew when it last wrote: QUEUED (try at
 * next_attempt), SENDING (a transaction began and its end was never recorded: Courriel was
 * stopped meanwhile, so the message may have been sent — never resent without the user), and
 * FAILED (refused for good, with the server's reason). Once a server took it, a row of
 * outbox_accepted says so (ACCEPTED), written in the same instant, before the message is filed
 * in Sent: filing copies the whole message, and a crash in between must not send it again.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-outbox.h"

#include <glib/gi18n.h>

#include "courriel-changes.h"

static const char *state_names[] = { "queued", "sending", "failed" };

void
courriel_outbox_item_free (CourrielOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->sender);
  g_strfreev (item->recipients);
  g_clear_pointer (&item->raw, g_bytes_unref);
  g_free (item->last_error);
  g_free (item);
}

static gboolean
write_add (sqlite3 *db, gpointer data, GError **error)
{
  CourrielOutboxItem *item = data;
  g_autofree char *recipients = g_strjoinv ("\n", item->recipients);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "INSERT INTO outbox (account_id, sender, recipients, created) VALUES (?1, ?2, ?3, ?4)",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, item->account_id);
      sqlite3_bind_text (stmt, 2, item->sender, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, recipients, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  item->id = sqlite3_last_insert_rowid (db);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (last_insert_rowid (), ?1)", -1,
                             &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_blob64 (stmt, 1, g_bytes_get_data (item->raw, NULL), g_bytes_get_size (item->raw), SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

void
courriel_outbox_add_async (CourrielStore *store, gint64 account_id, const char *sender,
                           const char * const *recipients, GBytes *raw, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  CourrielOutboxItem *item = g_new0 (CourrielOutboxItem, 1);

  item->account_id = account_id;
  item->sender = g_strdup (sender);
  item->recipients = g_strdupv ((GStrv)recipients);
  item->raw = g_bytes_ref (raw);
  courriel_store_write_async (store, write_add, item, (GDestroyNotify)courriel_outbox_item_free, cancellable,
                              callback, user_data);
}

static void
on_queued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CourrielOutboxItem *item = g_task_get_task_data (task);
  GError *error = NULL;

  if (courriel_store_write_finish (COURRIEL_STORE (source), result, &error))
    g_task_return_int (task, item->id);
  else
    g_task_return_error (task, error);
}

void
courriel_outbox_queue_async (CourrielStore *store, gint64 account_id, const char *sender,
                             const char * const *recipients, GBytes *raw, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (store, cancellable, callback, user_data);
  CourrielOutboxItem *item = g_new0 (CourrielOutboxItem, 1);

  item->account_id = account_id;
  item->sender = g_strdup (sender);
  item->recipients = g_strdupv ((GStrv)recipients);
  item->raw = g_bytes_ref (raw);
  g_task_set_source_tag (task, courriel_outbox_queue_async);
  g_task_set_task_data (task, item, (GDestroyNotify)courriel_outbox_item_free);
  courriel_store_write_async (store, write_add, item, NULL, cancellable, on_queued, task);
}

gint64
courriel_outbox_queue_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, store), 0);
  id = g_task_propagate_int (G_TASK (result), error);
  return MAX (id, 0);
}

static gboolean
write_state (sqlite3 *db, gpointer data, GError **error)
{
  CourrielOutboxItem *item = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "UPDATE outbox SET state = ?2, next_attempt = ?3, "
                               "last_error = coalesce (?4, last_error), "
                               "attempts = attempts + (?2 != 'sending') WHERE id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, item->id);
      sqlite3_bind_text (stmt, 2, state_names[item->state], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, item->next_attempt);
      sqlite3_bind_text (stmt, 4, item->last_error, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

void
courriel_outbox_set_state_async (CourrielStore *store, gint64 id, CourrielOutboxState state, gint64 next_attempt,
                                 const char *error_message, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  CourrielOutboxItem *item;

  g_return_if_fail (state != COURRIEL_OUTBOX_ACCEPTED); /* courriel_outbox_accepted_async() */
  item = g_new0 (CourrielOutboxItem, 1);
  item->id = id;
  item->state = state;
  item->next_attempt = next_attempt;
  item->last_error = g_strdup (error_message);
  courriel_store_write_async (store, write_state, item, (GDestroyNotify)courriel_outbox_item_free, cancellable,
                              callback, user_data);
}

/* Runs @sql, whose ?1 is the message's id (*(gint64 *)@id). */
static gboolean
run_for_id (sqlite3 *db, const char *sql, gconstpointer id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(const gint64 *)id);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* The ids of messages a server accepted, then (claim > 0) the message to claim. */
typedef struct
{
  GArray *accepted; /* gint64 */
  gint64  claim;
} Recording;

static void
recording_free (Recording *recording)
{
  g_array_unref (recording->accepted);
  g_free (recording);
}

static Recording *
recording_new (const GArray *accepted, gint64 claim)
{
  Recording *recording = g_new0 (Recording, 1);

  recording->accepted = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (accepted != NULL)
    g_array_append_vals (recording->accepted, accepted->data, accepted->len);
  recording->claim = claim;
  return recording;
}

static gboolean
write_recording (sqlite3 *db, gpointer data, GError **error)
{
  Recording *recording = data;

  for (guint i = 0; i < recording->accepted->len; i++)
    if (!run_for_id (db, "INSERT OR IGNORE INTO outbox_accepted (outbox_id, accepted) VALUES (?1, unixepoch ())",
                     &g_array_index (recording->accepted, gint64, i), error))
      return FALSE;
  if (recording->claim == 0)
    return TRUE;
  if (!run_for_id (db, "UPDATE outbox SET state = 'sending' WHERE id = ?1 AND state = 'queued'", &recording->claim,
                   error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "The message is no longer queued: another sender has it, or it left the Outbox");
      return FALSE;
    }
  return TRUE;
}

/* SENDING, only if it is still QUEUED: of two senders at work on one Outbox (the app and
 * courriel-cli, say), one only can end a message's transaction. The messages in @accepted
 * (nullable) are recorded ACCEPTED in the same transaction, one commit for both, or neither
 * is written. */
void
courriel_outbox_claim_async (CourrielStore *store, gint64 id, const GArray *accepted, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (id > 0);
  courriel_store_write_async (store, write_recording, recording_new (accepted, id), (GDestroyNotify)recording_free,
                              cancellable, callback, user_data);
}

static gboolean
write_remove (sqlite3 *db, gpointer data, GError **error)
{
  return run_for_id (db, "DELETE FROM outbox WHERE id = ?1", data, error);
}

void
courriel_outbox_remove_async (CourrielStore *store, gint64 id, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_remove, g_memdup2 (&id, sizeof id), g_free, cancellable, callback,
                              user_data);
}

/* The user's own actions on a waiting message touch it only while no sender has it: a message
 * being sent (SENDING) or already taken (ACCEPTED) is left alone, so it can never go twice nor be
 * half taken back. */
static gboolean
write_user_change (sqlite3 *db, const char *sql, gconstpointer id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!run_for_id (db, sql, id, error))
    return FALSE;
  if (sqlite3_changes (db) > 0)
    return TRUE;
  rc = sqlite3_prepare_v2 (db, "SELECT 1 FROM outbox WHERE id = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(const gint64 *)id);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("The message is being sent."));
  else if (rc == SQLITE_DONE)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The message has left the Outbox already."));
  else
    courriel_store_set_error_from_db (db, rc, error);
  return FALSE;
}

static gboolean
write_send_now (sqlite3 *db, gpointer data, GError **error)
{
  return write_user_change (db,
                            "UPDATE outbox SET state = 'queued', next_attempt = 0 "
                            "WHERE id = ?1 AND state IN ('queued', 'failed')",
                            data, error);
}

/* Due now, and QUEUED again if it was refused: only a message that is waiting or refused. Fails
 * with G_IO_ERROR_BUSY when a sender has it, G_IO_ERROR_NOT_FOUND when it is gone. Counts no
 * attempt. */
void
courriel_outbox_send_now_async (CourrielStore *store, gint64 id, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_send_now, g_memdup2 (&id, sizeof id), g_free, cancellable, callback,
                              user_data);
}

static gboolean
write_withdraw (sqlite3 *db, gpointer data, GError **error)
{
  return write_user_change (db, "DELETE FROM outbox WHERE id = ?1 AND state IN ('queued', 'failed')", data, error);
}

/* Taken out of the Outbox unsent, as courriel_outbox_remove_async(), but only while it is waiting or
 * refused; fails as courriel_outbox_send_now_async(). */
void
courriel_outbox_withdraw_async (CourrielStore *store, gint64 id, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_withdraw, g_memdup2 (&id, sizeof id), g_free, cancellable, callback,
                              user_data);
}

/* The copy goes into the account's Sent folder with the removal, in one transaction; an IMAP
 * account queues its APPEND to the server's Sent folder (courriel-changes.c). */
static gboolean
write_sent (sqlite3 *db, gpointer data, GError **error)
{
  gint64 id = *(gint64 *)data;
  sqlite3_stmt *stmt = NULL;
  g_autoptr (GBytes) raw = NULL;
  gint64 account_id = 0, message_id;
  int rc = sqlite3_prepare_v2 (db, "SELECT b.raw, o.account_id FROM outbox o JOIN outbox_bodies b ON b.outbox_id = o.id WHERE o.id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          raw = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
          account_id = sqlite3_column_int64 (stmt, 1);
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return courriel_store_set_error_from_db (db, rc, error);
  if (raw != NULL
      && !courriel_changes_add_message (db, account_id, "sent", raw, COURRIEL_MESSAGE_SEEN, &message_id, error))
    return FALSE;
  return write_remove (db, data, error);
}

/* The server took it: it leaves the Outbox, and a copy goes to the account's Sent folder. */
void
courriel_outbox_sent_async (CourrielStore *store, gint64 id, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  courriel_store_write_async (store, write_sent, g_memdup2 (&id, sizeof id), g_free, cancellable, callback,
                              user_data);
}

/* @accepted: the ids (gint64) of messages a server took, recorded ACCEPTED in one transaction. */
void
courriel_outbox_accepted_async (CourrielStore *store, const GArray *accepted, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_recording, recording_new (accepted, 0), (GDestroyNotify)recording_free,
                              cancellable, callback, user_data);
}

static gpointer
read_list (sqlite3 *db, gpointer data, GError **error)
{
  gint64 account_id = *(gint64 *)data;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_outbox_item_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT o.id, o.account_id, o.sender, o.recipients, b.raw, o.state, o.attempts, "
                               "o.next_attempt, o.last_error, a.outbox_id IS NOT NULL FROM outbox o "
                               "JOIN outbox_bodies b ON b.outbox_id = o.id "
                               "LEFT JOIN outbox_accepted a ON a.outbox_id = o.id "
                               "WHERE ?1 = 0 OR o.account_id = ?1 ORDER BY o.id",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, account_id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielOutboxItem *item = g_new0 (CourrielOutboxItem, 1);
      const char *state = (const char *)sqlite3_column_text (stmt, 5);

      item->id = sqlite3_column_int64 (stmt, 0);
      item->account_id = sqlite3_column_int64 (stmt, 1);
      item->sender = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      item->recipients = g_strsplit ((const char *)sqlite3_column_text (stmt, 3), "\n", -1);
      item->raw = g_bytes_new (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4));
      item->state = sqlite3_column_int (stmt, 9) != 0    ? COURRIEL_OUTBOX_ACCEPTED
                    : g_strcmp0 (state, "sending") == 0  ? COURRIEL_OUTBOX_SENDING
                    : g_strcmp0 (state, "failed") == 0 ? COURRIEL_OUTBOX_FAILED
                                                       : COURRIEL_OUTBOX_QUEUED;
      item->attempts = sqlite3_column_int (stmt, 6);
      item->next_attempt = sqlite3_column_int64 (stmt, 7);
      item->last_error = g_strdup ((const char *)sqlite3_column_text (stmt, 8));
      g_ptr_array_add (items, item);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return g_steal_pointer (&items);
}

void
courriel_outbox_list_async (CourrielStore *store, gint64 account_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_read_async (store, read_list, g_memdup2 (&account_id, sizeof account_id), g_free,
                             (GDestroyNotify)g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
courriel_outbox_list_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_read_finish (store, result, error);
}
