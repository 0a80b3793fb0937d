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
 * Push: with courriel_sync_service_set_push(), each IMAP account whose server offers IDLE keeps
 * one more connection open on its Inbox, a listening CourrielImapAccountWatch. What the server
 * announces there makes a sync of the Inbox alone, on a connection of its own, a moment later
 * (a burst of announcements makes one sync); it is queued like the account's other syncs, never
 * beside them. A dropped connection is opened again after a back-off (1 s, doubling up to 15
 * minutes), at once when the network changes, and not at all when the account is removed.
 * POP3 accounts and servers without IDLE have the periodic sync alone.
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
#include "courriel-imap-account-watch.h"
#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-imap-message-sync.h"
#include "courriel-imap-replay.h"
#include "courriel-net-error.h"
#include "courriel-outbox.h"
#include "courriel-task.h"

#define FIRST_RETRY_DELAY 30
#define LAST_RETRY_DELAY  (15 * 60)
#define POKE_DELAY        1
#define PUSH_DELAY_MS     100 /* an announcement's sync waits for the rest of its burst */
#define PUSH_FIRST_RETRY  1

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
  gboolean          folder_again; /* the watched folder changed while a run ran */
  /* Push: see the section of that name. */
  GCancellable     *push;        /* the watch's, from logging in until it ends; NULL: none */
  CourrielImapAccountWatch *watch; /* while it runs */
  char             *push_server; /* the incoming server the watch is connected to */
  gint64            push_folder_id;
  char             *push_folder;
  gboolean          push_live;   /* the watch has its folder open */
  char             *push_unsupported; /* POP3, or no IDLE, on this server (describe_server()): the
                                       * periodic sync alone, until the account's server changes */
  guint             push_backoff;
  GSource          *push_retry;
  GSource          *push_soon;   /* the coalesced sync of the watched folder */
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
  gboolean         network_available;
  gboolean         push;
  gulong           store_changed;
};

G_DEFINE_FINAL_TYPE (CourrielSyncService, courriel_sync_service, G_TYPE_OBJECT)

enum { PROP_0, PROP_STORE, PROP_INTERVAL, PROP_PUSH, N_PROPS };
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

static void push_stop (AccountState *state);

static void
account_state_free (AccountState *state)
{
  push_stop (state);
  g_free (state->push_folder);
  g_free (state->push_unsupported);
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
attach_timeout (CourrielSyncService *self, GSource *source, GSourceFunc func, gpointer data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static GSource *
add_timeout (CourrielSyncService *self, guint seconds, GSourceFunc func, gpointer data)
{
  return attach_timeout (self, g_timeout_source_new_seconds (seconds), func, data);
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
  gint64                     folder_id;    /* a sync of this folder alone (push); 0: the account's */
  char                      *folder;
  CourrielImapClient        *client;       /* a folder's sync: logged out when the run goes */
} Run;

static void
on_logged_out_quietly (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* Everything is in the store already: a failed LOGOUT changes nothing. */
  courriel_imap_client_logout_finish (COURRIEL_IMAP_CLIENT (source), result, NULL);
}

static void
run_free (Run *run)
{
  if (run->client != NULL)
    courriel_imap_client_logout_async (run->client, NULL, on_logged_out_quietly, NULL);
  g_clear_object (&run->client);
  g_free (run->folder);
  cancel_tasks (g_steal_pointer (&run->tasks));
  g_clear_pointer (&run->report, courriel_account_sync_report_free);
  g_clear_error (&run->outbox_error);
  g_object_unref (run->cancellable);
  g_clear_pointer (&run->account, courriel_account_free);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void start_sync (CourrielSyncService *self, AccountState *state);
static char *describe_server (const CourrielAccount *account);
static void start_folder_sync (CourrielSyncService *self, AccountState *state);
static void push_start (CourrielSyncService *self, AccountState *state);

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
  /* The watch starts once the account is known to work, and again after each such sync if it
   * stopped without a retry of its own (an account whose Inbox was not yet known). */
  if (error == NULL && run->folder_id == 0 && run->account != NULL)
    {
      g_autofree char *server = describe_server (run->account);

      /* Set up again (POP3 to IMAP, another server): what it lacked there says nothing of here. */
      if (g_strcmp0 (state->push_unsupported, server) != 0)
        g_clear_pointer (&state->push_unsupported, g_free);
      if (run->account->protocol == COURRIEL_PROTOCOL_POP3 && state->push_unsupported == NULL)
        state->push_unsupported = g_steal_pointer (&server);
      push_start (self, state);
    }
  if (state->again && !state->running)
    start_sync (self, state);
  else if (state->folder_again && !state->running)
    start_folder_sync (self, state);
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

/* The mail is in the store: the run is over once its news (if it brought any) is known. Takes
 * @run, and @error for the run's end. */
static void
finish_run (Run *run, GError *error)
{
  g_autoptr (Run) owned = run;

  if (g_cancellable_is_cancelled (run->cancellable))
    g_clear_error (&error);
  else if (error != NULL || !run->notify)
    run_done (run, error);
  else
    courriel_store_read_async (run->self->store, read_new_messages, g_steal_pointer (&owned), NULL,
                               (GDestroyNotify)g_array_unref, run->cancellable, on_new_messages_read, run);
}

static void
on_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  GError *error = NULL;

  run->report = courriel_account_sync_finish (result, &error);
  finish_run (run, error);
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

/* A folder alone (push): its queued changes told to the server first, as a full sync does, so
 * that the server's older flags do not come back over them. */
static void
on_folder_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;

  courriel_imap_message_sync_finish (result, &error);
  finish_run (user_data, error);
}

/* A step of a folder's sync failed (or the service went): the run ends there. Takes @error. */
static gboolean
folder_step_failed (Run *run, GError *error)
{
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      g_clear_error (&error);
      return TRUE;
    }
  if (error != NULL)
    run_done (run, error);
  return error != NULL;
}

static void
on_folder_replayed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  GError *error = NULL;

  courriel_imap_replay_finish (result, &error);
  if (folder_step_failed (run, error))
    return;
  courriel_imap_message_sync_async (run->client, run->self->store, run->folder_id, run->folder, 0, NULL, NULL,
                                    run->cancellable, on_folder_synced, run);
  g_steal_pointer (&run);
}

static void
on_folder_logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  GError *error = NULL;
  g_autoptr (GObject) client = courriel_account_log_in_finish (result, &error);

  if (client != NULL && !COURRIEL_IS_IMAP_CLIENT (client))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Not an IMAP account");
  if (folder_step_failed (run, error))
    return;
  run->client = COURRIEL_IMAP_CLIENT (g_steal_pointer (&client));
  courriel_imap_replay_async (run->client, run->self->store, run->account_id, run->cancellable, on_folder_replayed,
                              run);
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
  if (run->folder_id != 0)
    {
      courriel_account_log_in_async (run->account, run->cancellable, on_folder_logged_in, run);
      g_steal_pointer (&run);
      return;
    }
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
  state->folder_again = FALSE; /* the account's sync covers it */
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

/* The watched folder alone, without the waiting tasks: they want the whole account's report. */
static void
start_folder_sync (CourrielSyncService *self, AccountState *state)
{
  Run *run = g_new0 (Run, 1);

  state->running = TRUE;
  state->folder_again = FALSE;
  set_state (self, state, COURRIEL_SYNC_STATE_SYNCING, NULL);
  run->self = self;
  run->cancellable = g_object_ref (self->cancellable);
  run->account_id = state->id;
  run->folder_id = state->push_folder_id;
  run->folder = g_strdup (state->push_folder);
  courriel_account_list_async (self->store, run->cancellable, on_accounts_listed, run);
}

/* Push ----------------------------------------------------------------------------------------- */

/* One watch, from logging in to its end: the callbacks reach the account through it, only while
 * it is still the account's (its cancellable is the account's push). */
typedef struct
{
  CourrielSyncService      *self; /* not a reference: valid while @cancellable is not cancelled */
  gint64                    account_id;
  GCancellable             *cancellable;
  CourrielImapClient       *client;
  CourrielImapAccountWatch *watch;
  char                     *server;
} Watch;

static void
watch_free (Watch *watch)
{
  if (watch->client != NULL)
    courriel_imap_client_logout_async (watch->client, NULL, on_logged_out_quietly, NULL);
  g_clear_object (&watch->client);
  g_clear_object (&watch->watch);
  g_object_unref (watch->cancellable);
  g_free (watch->server);
  g_free (watch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watch, watch_free)

static AccountState *
watch_get_state (Watch *watch)
{
  AccountState *state;

  if (g_cancellable_is_cancelled (watch->cancellable))
    return NULL;
  state = g_hash_table_lookup (watch->self->accounts, &watch->account_id);
  return state != NULL && state->push == watch->cancellable ? state : NULL;
}

/* What identifies the server a watch is connected to: another one needs another watch. */
static char *
describe_server (const CourrielAccount *account)
{
  const CourrielServer *server = &account->incoming;

  return g_strdup_printf ("%d %s %u %d %s %s %s", account->protocol, server->host, server->port, server->security,
                          server->username, server->auth != NULL ? server->auth : "",
                          server->fingerprint != NULL ? server->fingerprint : "");
}

/* The account is not watched any more; a retry waiting is forgotten. */
static void
push_stop (AccountState *state)
{
  if (state->push != NULL)
    g_cancellable_cancel (state->push);
  g_clear_object (&state->push);
  g_clear_object (&state->watch);
  g_clear_pointer (&state->push_server, g_free);
  state->push_live = FALSE;
  clear_source (&state->push_retry);
  clear_source (&state->push_soon);
}

static gboolean
push_retry_now (gpointer user_data)
{
  AccountState *state = user_data;

  g_clear_pointer (&state->push_retry, g_source_unref);
  push_start (state->service, state);
  return G_SOURCE_REMOVE;
}

/* Whether the watch's failure is one time may mend: a server out of reach, or one that closed
 * the connection (BYE: restarting, or an administrator's kick). */
static gboolean
is_passing_error (const GError *error)
{
  return error == NULL || is_offline_error (error) || g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_BYE)
         || g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
}

/* The watch ended without being stopped. A passing failure is tried again after a back-off;
 * others (a password, a certificate) wait for the account's next good sync, which says what is
 * wrong meanwhile. */
static void
push_ended (CourrielSyncService *self, AccountState *state, const GError *error)
{
  gboolean offline = is_passing_error (error);

  push_stop (state);
  g_debug ("account %" G_GINT64_FORMAT ": the watch ended: %s", state->id,
           error != NULL ? error->message : "no error");
  if (!offline || !self->push)
    return;
  state->push_backoff = state->push_backoff == 0 ? PUSH_FIRST_RETRY : MIN (state->push_backoff * 2, LAST_RETRY_DELAY);
  state->push_retry = add_timeout (self, state->push_backoff, push_retry_now, state);
}

static gboolean
push_sync_now (gpointer user_data)
{
  AccountState *state = user_data;

  g_clear_pointer (&state->push_soon, g_source_unref);
  if (state->running)
    state->folder_again = TRUE;
  else
    start_folder_sync (state->service, state);
  return G_SOURCE_REMOVE;
}

static void
on_watch_news (CourrielImapAccountWatch *imap_watch, gint64 folder_id, gpointer user_data)
{
  Watch *watch = user_data;
  AccountState *state = watch_get_state (watch);

  if (state == NULL)
    return;
  /* Open: a later drop is news of its own, to reconnect at once after. */
  state->push_live = TRUE;
  state->push_backoff = 0;
  if (state->push_soon == NULL)
    state->push_soon = attach_timeout (watch->self, g_timeout_source_new (PUSH_DELAY_MS), push_sync_now, state);
}

static void
on_watch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Watch) watch = user_data;
  g_autoptr (GError) error = NULL;
  AccountState *state;

  courriel_imap_account_watch_run_finish (COURRIEL_IMAP_ACCOUNT_WATCH (source), result, &error);
  g_signal_handlers_disconnect_by_data (source, watch);
  if ((state = watch_get_state (watch)) != NULL)
    push_ended (watch->self, state, error);
}

typedef struct
{
  gint64 id;
  char  *name;
} Inbox;

static void
inbox_free (Inbox *inbox)
{
  g_free (inbox->name);
  g_free (inbox);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Inbox, inbox_free)

static gpointer
read_inbox (sqlite3 *db, gpointer data, GError **error)
{
  Watch *watch = data;
  Inbox *inbox = g_new0 (Inbox, 1);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, name FROM folders WHERE account_id = ?1 AND role = 'inbox'", -1,
                               &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, watch->account_id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          inbox->id = sqlite3_column_int64 (stmt, 0);
          inbox->name = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&inbox, inbox_free);
  return inbox;
}

static void
on_watch_inbox_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Watch) watch = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (Inbox) inbox = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  AccountState *state = watch_get_state (watch);

  if (state == NULL)
    return;
  if (inbox == NULL || inbox->name == NULL)
    {
      /* Not synchronised yet: its next good sync starts the watch again. */
      if (error != NULL)
        g_warning ("The Inbox of account %" G_GINT64_FORMAT " is unknown: %s", state->id, error->message);
      push_stop (state);
      return;
    }
  state->push_folder_id = inbox->id;
  g_free (state->push_folder);
  state->push_folder = g_strdup (inbox->name);
  watch->watch = courriel_imap_account_watch_new_listener (watch->client, inbox->id, inbox->name);
  g_set_object (&state->watch, watch->watch);
  g_signal_connect (watch->watch, "news", G_CALLBACK (on_watch_news), watch);
  courriel_imap_account_watch_run_async (watch->watch, watch->cancellable, on_watch_done, watch);
  g_steal_pointer (&watch);
}

static void
on_watch_logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Watch) watch = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GObject) client = courriel_account_log_in_finish (result, &error);
  AccountState *state = watch_get_state (watch);

  if (state == NULL)
    return;
  if (client == NULL)
    {
      push_ended (watch->self, state, error);
      return;
    }
  if (!COURRIEL_IS_IMAP_CLIENT (client) || !courriel_imap_client_has_capability (COURRIEL_IMAP_CLIENT (client), "IDLE"))
    {
      g_debug ("account %" G_GINT64_FORMAT ": no IDLE, the periodic sync alone", state->id);
      g_free (state->push_unsupported);
      state->push_unsupported = g_strdup (state->push_server);
      if (COURRIEL_IS_IMAP_CLIENT (client))
        watch->client = COURRIEL_IMAP_CLIENT (g_steal_pointer (&client));
      push_stop (state);
      return;
    }
  watch->client = COURRIEL_IMAP_CLIENT (g_steal_pointer (&client));
  courriel_store_read_async (watch->self->store, read_inbox, watch, NULL, (GDestroyNotify)inbox_free,
                             watch->cancellable, on_watch_inbox_read, watch);
  g_steal_pointer (&watch);
}

static void
on_watch_account_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Watch) watch = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);
  CourrielAccount *account = courriel_account_find (accounts, watch->account_id);
  AccountState *state = watch_get_state (watch);

  if (state == NULL)
    return;
  if (account == NULL || account->protocol != COURRIEL_PROTOCOL_IMAP)
    {
      /* Removed, or POP3: nothing to watch. */
      g_free (state->push_unsupported);
      state->push_unsupported = account != NULL ? describe_server (account) : NULL;
      push_stop (state);
      return;
    }
  state->push_server = describe_server (account);
  courriel_account_log_in_async (account, watch->cancellable, on_watch_logged_in, watch);
  g_steal_pointer (&watch);
}

/* Starts watching the account, unless it is watched already, cannot be, or push is off. */
static void
push_start (CourrielSyncService *self, AccountState *state)
{
  Watch *watch;

  if (!self->push || state->push_unsupported != NULL || state->push != NULL)
    return;
  clear_source (&state->push_retry);
  state->push = g_cancellable_new ();
  watch = g_new0 (Watch, 1);
  watch->self = self;
  watch->account_id = state->id;
  watch->cancellable = g_object_ref (state->push);
  courriel_account_list_async (self->store, watch->cancellable, on_watch_account_listed, watch);
}

static void
push_restart (CourrielSyncService *self, AccountState *state)
{
  push_stop (state);
  state->push_backoff = 0;
  push_start (self, state);
}

static void
on_accounts_changed_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Run) run = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = courriel_account_list_finish (COURRIEL_STORE (source), result, &error);
  GHashTableIter iter;
  AccountState *state;

  if (g_cancellable_is_cancelled (run->cancellable) || accounts == NULL)
    return;
  g_hash_table_iter_init (&iter, run->self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    {
      CourrielAccount *account = courriel_account_find (accounts, state->id);
      g_autofree char *server = account != NULL ? describe_server (account) : NULL;

      if (account == NULL)
        push_stop (state);
      else if ((state->push_server != NULL && g_strcmp0 (server, state->push_server) != 0)
               || state->push_retry != NULL)
        push_restart (run->self, state);
    }
}

/* An account removed is not watched any more; one whose server changed is watched there, and
 * one waiting to reconnect tries at once (its settings may be what it waited for). */
static void
on_store_changed (CourrielStore *store, guint tables, gpointer user_data)
{
  CourrielSyncService *self = user_data;
  Run *run;

  if ((tables & COURRIEL_STORE_TABLE_ACCOUNTS) == 0)
    return;
  run = g_new0 (Run, 1);
  run->self = self;
  run->cancellable = g_object_ref (self->cancellable);
  courriel_account_list_async (self->store, run->cancellable, on_accounts_changed_listed, run);
}

/* The network changed: a watch waiting to reconnect does it now; one that was open through a
 * network that went away starts again; the others check their connection (leaving IDLE and
 * going back needs the server's answer, within the connection's timeout). */
static void
push_network_changed (CourrielSyncService *self, gboolean back)
{
  GHashTableIter iter;
  AccountState *state;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    {
      if (state->push_retry != NULL)
        push_restart (self, state);
      else if (state->push != NULL && back)
        push_restart (self, state);
      else if (state->watch != NULL && state->push_live)
        courriel_imap_account_watch_poke (state->watch);
    }
}

/**
 * courriel_sync_service_set_push:
 *
 * Whether the IMAP accounts' new mail is pushed by their servers (IDLE) as it arrives, besides
 * the periodic sync. Off by default, for one-shot users such as courriel-cli; an account is
 * watched from its next successful sync on.
 */
void
courriel_sync_service_set_push (CourrielSyncService *self, gboolean push)
{
  GHashTableIter iter;
  AccountState *state;

  g_return_if_fail (COURRIEL_IS_SYNC_SERVICE (self));

  push = !!push;
  if (self->push == push)
    return;
  self->push = push;
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&state))
    {
      if (!push)
        push_stop (state);
      else if (state->synced)
        push_start (self, state);
    }
  if (push)
    self->store_changed = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
  else
    g_clear_signal_handler (&self->store_changed, self->store);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PUSH]);
}

gboolean
courriel_sync_service_get_push (CourrielSyncService *self)
{
  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), FALSE);

  return self->push;
}

/* Whether the account's Inbox is watched now (its folder open on the server, in IDLE). */
gboolean
courriel_sync_service_is_pushing (CourrielSyncService *self, gint64 account_id)
{
  AccountState *state;

  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (self), FALSE);

  state = g_hash_table_lookup (self->accounts, &account_id);
  return state != NULL && state->push_live;
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

  /* A message a sync took or sent meanwhile is on its way already. */
  if (!courriel_store_write_finish (COURRIEL_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
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
      /* Only if still waiting: a sync may have claimed it since the list was read. */
      courriel_outbox_send_now_async (COURRIEL_STORE (source), item->id, NULL, on_made_due, retry);
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
  gboolean back = available && !self->network_available;

  self->network_available = available;
  if (!available || self->first_retry_delay == 0)
    return;
  if (self->push)
    push_network_changed (self, back);
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
  g_clear_signal_handler (&self->store_changed, self->store);
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
    case PROP_PUSH:
      g_value_set_boolean (value, self->push);
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
    case PROP_PUSH:
      courriel_sync_service_set_push (self, g_value_get_boolean (value));
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
  /* The servers' news pushed as it comes (IMAP IDLE): see courriel_sync_service_set_push(). */
  properties[PROP_PUSH] = g_param_spec_boolean ("push", NULL, NULL, FALSE,
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
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  self->network_changed = g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
}

CourrielSyncService *
courriel_sync_service_new (CourrielStore *store)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);

  return g_object_new (COURRIEL_TYPE_SYNC_SERVICE, "store", store, NULL);
}
