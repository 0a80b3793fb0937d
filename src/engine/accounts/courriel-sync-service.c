/* courriel-sync-service.c — keeps the accounts in sync for the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sync at a time per account: a request while one runs makes it run once more after, however
 * many requests came (coalesced). A server out of reach is not an error the user must act on:
 * the account is OFFLINE and retried after a back-off that doubles up to 15 minutes, and at once
 * when the network monitor says the network is back. Other failures (wrong password, changed
 * certificate) are ERROR, kept with their domain and code for the app to say what to do.
 *
 * Everything runs on the thread-default main context of the service's creation. Disposing the
 * service cancels what runs: the steps' callbacks see the cancellation and stop before touching
 * the service again, so a pending sync never keeps it alive.
 */
#define G_LOG_DOMAIN "courriel-sync"

#include "config.h"
#include "courriel-sync-service.h"

#include <glib/gi18n-lib.h>

#include "courriel-account-sync.h"
#include "courriel-changes.h"
#include "courriel-imap-body-sync.h"
#include "courriel-imap-client.h"
#include "courriel-net-error.h"
#include "courriel-outbox.h"
#include "courriel-task.h"

#define FIRST_RETRY_DELAY 30
#define LAST_RETRY_DELAY  (15 * 60)
#define POKE_DELAY        1

typedef struct
{
  CourrielSyncService *service;  /* not a reference: the service frees its states first */
  gint64            id;
  CourrielSyncState state;
  GError           *error;
  gboolean          running;
  gboolean          again;       /* asked for while running */
  gboolean          synced;      /* once, since the service started */
  guint             backoff;     /* seconds before the next retry while OFFLINE */
  GSource          *retry;
  GSource          *poke;
  GPtrArray        *waiting;     /* GTask of sync_account_async(), for the next run */
  GError           *outbox_error; /* the last run could not send the Outbox */
} AccountState;

struct _CourrielSyncService
{
  GObject          parent_instance;
  CourrielStore   *store;
  GMainContext    *context;
  GCancellable    *cancellable;
  GHashTable      *accounts; /* gint64 * → AccountState */
  guint            interval;
  GSource         *periodic;
  guint            first_retry_delay;
  GNetworkMonitor *monitor;
  gulong           network_changed;
};

G_DEFINE_FINAL_TYPE (CourrielSyncService, courriel_sync_service, G_TYPE_OBJECT)

enum { PROP_0, PROP_STORE, PROP_INTERVAL, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_PROGRESS, SIGNAL_STATE_CHANGED, SIGNAL_NEW_MESSAGES, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Tasks that will not get their sync: the service is going. */
static void
cancel_tasks (GPtrArray *tasks)
{
  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    g_task_return_new_error (tasks->pdata[i], G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled"));
  g_clear_pointer (&tasks, g_ptr_array_unref);
}

static void
account_state_free (AccountState *state)
{
  cancel_tasks (g_steal_pointer (&state->waiting));
  g_clear_error (&state->outbox_error);
  g_clear_error (&state->error);
  clear_source (&state->retry);
  clear_source (&state->poke);
  g_free (state);
}

static AccountState *
lookup_state (CourrielSyncService *self, gint64 account_id)
{
  AccountState *state = g_hash_table_lookup (self->accounts, &account_id);

  if (state == NULL)
    {
      state = g_new0 (AccountState, 1);
      state->service = self;
      state->id = account_id;
      state->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->accounts, &state->id, state);
    }
  return state;
}

/* A source on the service's context; the service removes it before it goes. */
static GSource *
add_timeout (CourrielSyncService *self, guint seconds, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
set_state (CourrielSyncService *self, AccountState *state, CourrielSyncState value, GError *error)
{
  g_clear_error (&state->error);
  state->error = error;
  state->state = value;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state->id);
}

/* The network or the server cannot be reached now, which time may mend. */
static gboolean
is_offline_error (const GError *error)
{
  if (error->domain == COURRIEL_NET_ERROR)
    return error->code == COURRIEL_NET_ERROR_CONNECTION_FAILED || error->code == COURRIEL_NET_ERROR_TIMEOUT
           || error->code == COURRIEL_NET_ERROR_CLOSED;
  if (error->domain == G_RESOLVER_ERROR)
    return error->code == G_RESOLVER_ERROR_NOT_FOUND || error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

/* One sync of one account ---------------------------------------------------------------------- */

typedef struct
{
  CourrielSyncService *self;        /* not a reference: valid while @cancellable is not cancelled */
  GCancellable        *cancellable; /* the service's */
  gint64               account_id;
  CourrielAccount     *account;
  gboolean             notify;      /* not the account's first sync: new mail is news */
  gint64               last_id;     /* the newest message of the store before this sync */
  CourrielAccountSyncFlags   flags;
  GPtrArray                 *tasks;        /* GTask waiting for this run's report */
  CourrielAccountSyncReport *report;
  GError                    *outbox_error;
  gboolean                   outbox_tried; /* messages were due: the Outbox's state is news */
} Run;

static void
run_free (Run *run)
{
  cancel_tasks (g_steal_pointer (&run->tasks));
  g_clear_pointer (&run->report, courriel_account_sync_report_free);
  g_clear_error (&run->outbox_error);
  g_object_unref (run->cancellable);
  g_clear_pointer (&run->account, courriel_account_free);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void start_sync (CourrielSyncService *self, AccountState *state);

static gboolean
retry_now (gpointer user_data)
{
  AccountState *state = user_data;

  g_clear_pointer (&state->retry, g_source_unref);
  courriel_sync_service_sync_account (state->service, state->id);
  return G_SOURCE_REMOVE;
}

/* The end of a run, whichever way: the new state, the report to those who wait for it, then the
 * run asked for meanwhile. */
static void
run_done (Run *run, GError *error)
{
  CourrielSyncService *self = run->self;
  AccountState *state = lookup_state (self, run->account_id);
  g_autoptr (GPtrArray) tasks = g_steal_pointer (&run->tasks);
  g_autoptr (GError) task_error = error != NULL ? g_error_copy (error) : NULL;

  state->running = FALSE;
  clear_source (&state->retry);
  /* A run that had nothing to send says nothing new of the Outbox: its last failure stands. */
  if (run->outbox_tried || run->outbox_error != NULL)
    {
      g_clear_error (&state->outbox_error);
      state->outbox_error = g_steal_pointer (&run->outbox_error);
    }
  if (error == NULL)
    {
      state->synced = TRUE;
      state->backoff = 0;
      set_state (self, state, COURRIEL_SYNC_STATE_IDLE, NULL);
    }
  else if (is_offline_error (error))
    {
      state->backoff = state->backoff == 0 ? self->first_retry_delay : MIN (state->backoff * 2, LAST_RETRY_DELAY);
      g_debug ("account %" G_GINT64_FORMAT " offline, retried in %u s: %s", state->id, state->backoff,
               error->message);
      if (self->first_retry_delay > 0)
        state->retry = add_timeout (self, state->backoff, retry_now, state);
      set_state (self, state, COURRIEL_SYNC_STATE_OFFLINE, error);
    }
  else
    set_state (self, state, COURRIEL_SYNC_STATE_ERROR, error);
  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      if (task_error != NULL)
        g_task_return_error (tasks->pdata[i], g_error_copy (task_error));
      else
        g_task_return_pointer (tasks->pdata[i], courriel_account_sync_report_copy (run->report),
                               (GDestroyNotify)courriel_account_sync_report_free);
    }
  if (state->again && !state->running)
    start_sync (self, state);
}

static gpointer
read_new_messages (sqlite3 *db, gpointer data, GError **error)
{
  Run *run = data;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = ?1 AND f.role = 'inbox' AND m.id > ?2 AND m.flags & ?3 = 0 "
                               "ORDER BY m.id",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, run->account_id);
      sqlite3_bind_int64 (stmt, 2, run->last_id);
      sqlite3_bind_int (stmt, 3, COURRIEL_MESSAGE_SEEN);
    }
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&ids, g_array_unref);
  return ids;
}

static void
on_new_messages_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (g_cancellable_is_cancelled (run->cancellable))
    return;
  if (ids != NULL && ids->len > 0)
    g_signal_emit (run->self, signals[SIGNAL_NEW_MESSAGES], 0, run->account_id, ids);
  else if (ids == NULL)
    g_warning ("The new messages of account %" G_GINT64_FORMAT " are unknown: %s", run->account_id, error->message);
  run_done (run, NULL);
}

static void
on_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  GError *error = NULL;

  run->report = courriel_account_sync_finish (result, &error);
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      g_clear_error (&error);
      return;
    }
  if (run->report == NULL || !run->notify)
    {
      run_done (run, error);
      return;
    }
  courriel_store_read_async (run->self->store, read_new_messages, run, NULL, (GDestroyNotify)g_array_unref,
                             run->cancellable, on_new_messages_read, run);
  g_steal_pointer (&run);
}

static void
on_progress (const char *folder, const char *stage, gint64 done, gint64 total, gpointer user_data)
{
  Run *run = user_data;

  if (!g_cancellable_is_cancelled (run->cancellable))
    g_signal_emit (run->self, signals[SIGNAL_PROGRESS], g_quark_from_string (stage), run->account_id, folder, done,
                   total);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;

  /* What could not be sent stays in the Outbox for the next sync: not this sync's failure. */
  run->outbox_tried = courriel_account_send_due_finish (result, &run->outbox_error);
  if (g_cancellable_is_cancelled (run->cancellable))
    return;
  if (run->outbox_error != NULL)
    g_message ("%s: the Outbox will be sent later: %s", run->account->address, run->outbox_error->message);
  courriel_account_sync_async (run->self->store, run->account, run->flags, on_progress, run, run->cancellable,
                               on_synced, run);
  g_steal_pointer (&run);
}

typedef struct
{
  gboolean known;   /* the store had the account's Inbox already */
  gint64   last_id;
} Before;

static gpointer
read_before (sqlite3 *db, gpointer data, GError **error)
{
  Run *run = data;
  Before *before = g_new0 (Before, 1);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT EXISTS (SELECT 1 FROM folders f WHERE f.account_id = ?1 AND f.role = 'inbox' "
                               "AND (f.uidnext IS NOT NULL OR EXISTS (SELECT 1 FROM messages m "
                               "WHERE m.folder_id = f.id))), (SELECT coalesce (max (id), 0) FROM messages)",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, run->account_id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          before->known = sqlite3_column_int (stmt, 0);
          before->last_id = sqlite3_column_int64 (stmt, 1);
        }
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&before, g_free);
  return before;
}

static void
on_before_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  GError *error = NULL;
  g_autofree Before *before = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      g_clear_error (&error);
      return;
    }
  if (before == NULL)
    {
      run_done (run, error);
      return;
    }
  /* The first sync of an account brings its whole mailbox: that is not news. */
  run->notify = before->known || lookup_state (run->self, run->account_id)->synced;
  run->last_id = before->last_id;
  courriel_account_send_due_async (run->self->store, run->account, run->cancellable, on_sent, run);
  g_steal_pointer (&run);
}

/* A copy of the account with this id, which outlives the list; NULL when it is gone. */
static CourrielAccount *
copy_account (GPtrArray *accounts, gint64 id)
{
  CourrielAccount *account = courriel_account_find (accounts, id);

  return account != NULL ? courriel_account_copy (account) : NULL;
}

static void
on_accounts_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  GError *error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);

  if (g_cancellable_is_cancelled (run->cancellable))
    {
      g_clear_error (&error);
      return;
    }
  run->account = copy_account (accounts, run->account_id);
  if (run->account == NULL && error == NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->account_id);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no account %s."), id);
    }
  if (run->account == NULL)
    {
      run_done (run, error);
      return;
    }
  courriel_store_read_async (run->self->store, read_before, run, NULL, g_free, run->cancellable, on_before_read,
                             run);
  g_steal_pointer (&run);
}

static void
start_sync (CourrielSyncService *self, AccountState *state)
{
  Run *run = g_new0 (Run, 1);

  state->running = TRUE;
  state->again = FALSE;
  clear_source (&state->retry);
  set_state (self, state, COURRIEL_SYNC_STATE_SYNCING, NULL);
  run->self = self;
  run->cancellable = g_object_ref (self->cancellable);
  run->account_id = state->id;
  run->tasks = g_steal_pointer (&state->waiting);
  state->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < run->tasks->len; i++)
    run->flags |= GPOINTER_TO_UINT (g_task_get_task_data (run->tasks->pdata[i]));
  courriel_account_list_async (self->store, run->cancellable, on_accounts_listed, run);
}

/* Bodies on demand -------------------------------------------------------------------------------- */

typedef struct
{
  gint64           id;
  gint64           account_id;
  gint64           folder_id;
  char            *folder;
  GBytes          *raw;      /* NULL until downloaded */
  gboolean         complete; /* FALSE: the text only, the attachments still on the server */
  gboolean         fetched;  /* from the server, this time */
  CourrielImapClient *client;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->folder);
  g_clear_pointer (&fetch->raw, g_bytes_unref);
  g_clear_object (&fetch->client);
  g_free (fetch);
}

static gpointer
read_body (sqlite3 *db, gpointer data, GError **error)
{
  Fetch *fetch = data;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT f.account_id, m.folder_id, f.name, b.raw, b.complete FROM messages m "
                               "JOIN folders f ON f.id = m.folder_id LEFT JOIN bodies b ON b.message_id = m.id "
                               "WHERE m.id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, fetch->id);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      fetch->account_id = sqlite3_column_int64 (stmt, 0);
      fetch->folder_id = sqlite3_column_int64 (stmt, 1);
      g_free (fetch->folder);
      fetch->folder = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      g_clear_pointer (&fetch->raw, g_bytes_unref);
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        fetch->raw = g_bytes_new (sqlite3_column_blob (stmt, 3), sqlite3_column_bytes (stmt, 3));
      fetch->complete = sqlite3_column_int (stmt, 4);
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, fetch->id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no message %s."), text);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      if (error == NULL || *error == NULL)
        courriel_store_set_error_from_db (db, rc, error);
      return NULL;
    }
  return fetch;
}

static void
on_body_logged_out (GObject *source, GAsyncResult *result, gpointer user_data)
{
  courriel_imap_client_logout_finish (COURRIEL_IMAP_CLIENT (source), result, NULL);
}

static void on_body_read (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_body_downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSyncService *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;

  courriel_imap_body_sync_finish (result, &error);
  courriel_imap_client_logout_async (fetch->client, NULL, on_body_logged_out, NULL);
  if (courriel_task_fail_if (task, error))
    return;
  fetch->fetched = TRUE;
  courriel_store_read_async (self->store, read_body, fetch, NULL, NULL, g_task_get_cancellable (task), on_body_read,
                             task);
}

static void
on_body_logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSyncService *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GObject) client = courriel_account_log_in_finish (result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  if (!COURRIEL_IS_IMAP_CLIENT (client))
    {
      /* A POP3 message is downloaded whole, or not at all. */
      courriel_task_fail_if (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                        _("The server no longer has this message.")));
      return;
    }
  fetch->client = COURRIEL_IMAP_CLIENT (g_steal_pointer (&client));
  g_array_append_val (ids, fetch->id);
  courriel_imap_body_sync_async (fetch->client, self->store, fetch->folder_id, fetch->folder, ids, 0,
                                 COURRIEL_IMAP_BODY_WHOLE, NULL, NULL, g_task_get_cancellable (task),
                                 on_body_downloaded, task);
}

static void
on_body_account_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);
  g_autoptr (CourrielAccount) account = copy_account (accounts, fetch->account_id);

  if (account == NULL && error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The message's account was removed."));
  if (courriel_task_fail_if (task, error))
    return;
  courriel_account_log_in_async (account, g_task_get_cancellable (task), on_body_logged_in, task);
}

static void
on_body_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;

  courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  if (fetch->raw != NULL && fetch->complete)
    {
      g_task_return_pointer (task, g_bytes_ref (fetch->raw), (GDestroyNotify)g_bytes_unref);
      g_object_unref (task);
    }
  else if (fetch->fetched)
    courriel_task_fail_if (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                      _("The server no longer has this message.")));
  else
    courriel_account_list_async (COURRIEL_STORE (source), g_task_get_cancellable (task), on_body_account_listed,
                                 task);
}

/* The message as it was received, attachments included: from the store, or from the server
 * into the store first. */
void
courriel_sync_service_fetch_body_async (CourrielSyncService *self, gint64 message_id, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Fetch *fetch;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_sync_service_fetch_body_async);
  fetch = g_new0 (Fetch, 1);
  fetch->id = message_id;
  g_task_set_task_data (task, fetch, (GDestroyNotify)fetch_free);
  courriel_store_read_async (self->store, read_body, fetch, NULL, NULL, cancellable, on_body_read, task);
}

GBytes *
courriel_sync_service_fetch_body_finish (CourrielSyncService *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Public API ----------------------------------------------------------------------------------- */

/* Queued: runs now, or once more after the sync that runs. */
void
courriel_sync_service_sync_account (CourrielSyncService *self, gint64 account_id)
{
  AccountState *state;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  state = lookup_state (self, account_id);
  if (state->running)
    state->again = TRUE;
  else
    start_sync (self, state);
}

/* Like courriel_sync_service_sync_account(), and tells when that sync is over: its report, or
 * the error that also became the account's state. With a sync running, it waits for the next.
 * The sync is shared with every other request: @cancellable does not stop it. */
void
courriel_sync_service_sync_account_async (CourrielSyncService *self, gint64 account_id,
                                          CourrielAccountSyncFlags flags, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_sync_service_sync_account_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (flags), NULL);
  g_ptr_array_add (lookup_state (self, account_id)->waiting, task);
  courriel_sync_service_sync_account (self, account_id);
}

CourrielAccountSyncReport *
courriel_sync_service_sync_account_finish (CourrielSyncService *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The reason the account's Outbox was not sent at its last sync, or NULL. */
const GError *
courriel_sync_service_get_outbox_error (CourrielSyncService *self, gint64 account_id)
{
  AccountState *state;

  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), NULL);

  state = g_hash_table_lookup (self->accounts, &account_id);
  return state != NULL ? state->outbox_error : NULL;
}

typedef struct
{
  CourrielSyncService *self;
  gint64               account_id;
  guint                pending; /* writes not finished yet */
} Retry;

/* The sync starts once the last write is done. */
static void
release (Retry *retry)
{
  if (--retry->pending > 0)
    return;
  courriel_sync_service_sync_account (retry->self, retry->account_id);
  g_object_unref (retry->self);
  g_free (retry);
}

static void
on_made_due (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Retry *retry = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_store_write_finish (COURRIEL_STORE (source), result, &error))
    g_warning ("An Outbox message cannot be made due: %s", error->message);
  release (retry);
}

static void
on_outbox_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Retry *retry = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = courriel_outbox_list_finish (COURRIEL_STORE (source), result, &error);

  /* One more than the writes, released below. */
  retry->pending = 1;
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CourrielOutboxItem *item = items->pdata[i];

      if (item->state != COURRIEL_OUTBOX_QUEUED)
        continue;
      retry->pending++;
      courriel_outbox_set_state_async (COURRIEL_STORE (source), item->id, COURRIEL_OUTBOX_QUEUED, 0, NULL, NULL,
                                       on_made_due, retry);
    }
  if (items == NULL)
    g_warning ("The Outbox cannot be listed: %s", error->message);
  release (retry);
}

/* After the user mended what stopped the Outbox (a certificate trusted, a password saved): its
 * queued messages are due now rather than at their next attempt, and the account syncs. */
void
courriel_sync_service_retry_outbox (CourrielSyncService *self, gint64 account_id)
{
  Retry *retry;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  retry = g_new0 (Retry, 1);
  retry->self = g_object_ref (self);
  retry->account_id = account_id;
  courriel_outbox_list_async (self->store, account_id, NULL, on_outbox_listed, retry);
}

static void
on_all_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);

  if (g_cancellable_is_cancelled (run->cancellable))
    return;
  if (accounts == NULL)
    g_warning ("The accounts cannot be listed: %s", error->message);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    courriel_sync_service_sync_account (run->self, ((CourrielAccount *)accounts->pdata[i])->id);
}

void
courriel_sync_service_sync_all (CourrielSyncService *self)
{
  Run *run;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  run = g_new0 (Run, 1);
  run->self = self;
  run->cancellable = g_object_ref (self->cancellable);
  courriel_account_list_async (self->store, run->cancellable, on_all_listed, run);
}

static gboolean
poke_now (gpointer user_data)
{
  AccountState *state = user_data;

  g_clear_pointer (&state->poke, g_source_unref);
  courriel_sync_service_sync_account (state->service, state->id);
  return G_SOURCE_REMOVE;
}

/* After a local change: a sync soon, one for a burst of changes (a selection marked read). */
void
courriel_sync_service_poke (CourrielSyncService *self, gint64 account_id)
{
  AccountState *state;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  state = lookup_state (self, account_id);
  if (state->poke == NULL)
    state->poke = add_timeout (self, POKE_DELAY, poke_now, state);
}

static gboolean
periodic_sync (gpointer user_data)
{
  courriel_sync_service_sync_all (user_data);
  return G_SOURCE_CONTINUE;
}

/* Every @seconds, every account; 0: never. */
void
courriel_sync_service_set_interval (CourrielSyncService *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  if (self->interval == seconds)
    return;
  self->interval = seconds;
  clear_source (&self->periodic);
  if (seconds > 0)
    self->periodic = add_timeout (self, seconds, periodic_sync, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

guint
courriel_sync_service_get_interval (CourrielSyncService *self)
{
  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), 0);

  return self->interval;
}

/* The first wait before an OFFLINE account is tried again (30 s); it doubles at each failure.
 * 0: never by itself, neither after a delay nor when the network comes back (a one-shot user
 * such as courriel-cli). */
void
courriel_sync_service_set_retry_delay (CourrielSyncService *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  self->first_retry_delay = seconds;
}

CourrielSyncState
courriel_sync_service_get_state (CourrielSyncService *self, gint64 account_id, const GError **last_error)
{
  AccountState *state;

  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), COURRIEL_SYNC_STATE_IDLE);

  state = g_hash_table_lookup (self->accounts, &account_id);
  if (last_error != NULL)
    *last_error = state != NULL ? state->error : NULL;
  return state != NULL ? state->state : COURRIEL_SYNC_STATE_IDLE;
}

CourrielStore *
courriel_sync_service_get_store (CourrielSyncService *self)
{
  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), NULL);

  return self->store;
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  CourrielSyncService *self = user_data;
  GHashTableIter iter;
  AccountState *state;

  if (!available || self->first_retry_delay == 0)
    return;
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    if (state->state == COURRIEL_SYNC_STATE_OFFLINE && !state->running)
      start_sync (self, state);
}

/* GObject -------------------------------------------------------------------------------------- */

static void
courriel_sync_service_dispose (GObject *object)
{
  CourrielSyncService *self = (CourrielSyncService *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_signal_handler (&self->network_changed, self->monitor);
  g_clear_object (&self->monitor);
  clear_source (&self->periodic);
  g_hash_table_remove_all (self->accounts);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (courriel_sync_service_parent_class)->dispose (object);
}

static void
courriel_sync_service_finalize (GObject *object)
{
  CourrielSyncService *self = (CourrielSyncService *)object;

  g_hash_table_unref (self->accounts);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (courriel_sync_service_parent_class)->finalize (object);
}

static void
courriel_sync_service_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielSyncService *self = COURRIEL_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_sync_service_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielSyncService *self = COURRIEL_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_INTERVAL:
      courriel_sync_service_set_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_sync_service_class_init (CourrielSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_sync_service_dispose;
  object_class->finalize = courriel_sync_service_finalize;
  object_class->get_property = courriel_sync_service_get_property;
  object_class->set_property = courriel_sync_service_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, COURRIEL_TYPE_STORE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Seconds between two syncs of every account; 0: no periodic sync. */
  properties[PROP_INTERVAL] = g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 0,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (account id, folder, done, total): how far the sync of a folder is. Its detail is the stage:
   * "progress::headers" (messages listed) or "progress::bodies" (downloaded). */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_INT64,
                                           G_TYPE_INT64);
  /* (account id): see courriel_sync_service_get_state(). */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* (account id, GArray of gint64 message ids): unread messages that arrived in an Inbox during
   * a sync — never the first of an account, which brings the whole mailbox. */
  signals[SIGNAL_NEW_MESSAGES] = g_signal_new ("new-messages", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                               NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ARRAY);
}

static void
courriel_sync_service_init (CourrielSyncService *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->accounts = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)account_state_free);
  self->first_retry_delay = FIRST_RETRY_DELAY;
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_changed = g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
}

CourrielSyncService *
courriel_sync_service_new (CourrielStore *store)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);

  return g_object_new (COURRIEL_TYPE_SYNC_SERVICE, "store", store, NULL);
}
