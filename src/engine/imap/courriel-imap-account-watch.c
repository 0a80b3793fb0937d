/* courriel-imap-account-watch.c — an IMAP account kept up to date while it is open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After a full sync, the watch waits in IDLE on the Inbox: whatever the server announces there
 * (a new message, one expunged, flags changed by another device) is synchronised at once. Every
 * few minutes it leaves IDLE to check the other folders, and courriel_imap_account_watch_poke()
 * makes it leave IDLE to send local changes now. One connection does it all.
 *
 * A listener (courriel_imap_account_watch_new_listener()) only listens: it opens one folder,
 * waits in IDLE there and says when the server announces a change (::news); the synchronising
 * is left to its owner, on another connection, so that it never competes with the owner's other
 * syncs. The client re-issues IDLE before the 29 minutes of RFC 2177, which also shows a dead
 * connection: then the run fails.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-account-watch.h"

#include "courriel-imap-account-sync.h"
#include "courriel-imap-message-sync.h"
#include "courriel-imap-replay.h"

struct _CourrielImapAccountWatch
{
  GObject             parent_instance;

  CourrielImapClient *client;
  CourrielStore      *store;
  gint64              account_id;
  gint64              inbox_id;
  char               *inbox;
  gboolean            listener;   /* only listens: see courriel_imap_account_watch_new_listener() */
  gboolean            listening;  /* the folder is open: its changes are news */
  guint               interval;   /* seconds between checks of every folder */
  GTask              *task;       /* while running */
  gboolean            idling;
  gboolean            all_due;    /* the other folders are due a check */
  guint               timer;
  gulong              handlers[4];
};

G_DEFINE_FINAL_TYPE (CourrielImapAccountWatch, courriel_imap_account_watch, G_TYPE_OBJECT)

enum
{
  SIGNAL_UPDATED,
  SIGNAL_NEWS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
courriel_imap_account_watch_dispose (GObject *object)
{
  CourrielImapAccountWatch *self = COURRIEL_IMAP_ACCOUNT_WATCH (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->client);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (courriel_imap_account_watch_parent_class)->dispose (object);
}

static void
courriel_imap_account_watch_finalize (GObject *object)
{
  CourrielImapAccountWatch *self = COURRIEL_IMAP_ACCOUNT_WATCH (object);

  g_free (self->inbox);
  G_OBJECT_CLASS (courriel_imap_account_watch_parent_class)->finalize (object);
}

static void
courriel_imap_account_watch_class_init (CourrielImapAccountWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_imap_account_watch_dispose;
  object_class->finalize = courriel_imap_account_watch_finalize;

  /**
   * CourrielImapAccountWatch::updated:
   * @folder_id: the folder just synchronised, or 0 after a sync of every folder
   *
   * The store holds the server's latest state of that folder.
   */
  signals[SIGNAL_UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * CourrielImapAccountWatch::news:
   * @folder_id: the folder listened to
   *
   * A listener's folder changed on the server (new mail, a message expunged, flags changed
   * elsewhere), or may have changed unseen: emitted once as soon as the folder is open, for
   * what happened before. Bursts come as many emissions: the owner coalesces them.
   */
  signals[SIGNAL_NEWS] = g_signal_new ("news", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
courriel_imap_account_watch_init (CourrielImapAccountWatch *self)
{
  self->interval = 5 * 60;
}

/* @client is logged in to the account's server; the watch uses it alone while it runs. */
CourrielImapAccountWatch *
courriel_imap_account_watch_new (CourrielImapClient *client, CourrielStore *store, gint64 account_id)
{
  CourrielImapAccountWatch *self = g_object_new (COURRIEL_TYPE_IMAP_ACCOUNT_WATCH, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->account_id = account_id;
  return self;
}

/* @client is logged in; the listener uses it alone while it runs. Its run opens @mailbox (the
 * store's folder @folder_id), then waits in IDLE, emitting ::news, until cancelled or the
 * connection fails. It writes nothing to any store. */
CourrielImapAccountWatch *
courriel_imap_account_watch_new_listener (CourrielImapClient *client, gint64 folder_id, const char *mailbox)
{
  CourrielImapAccountWatch *self;

  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (client), NULL);
  g_return_val_if_fail (mailbox != NULL, NULL);

  self = g_object_new (COURRIEL_TYPE_IMAP_ACCOUNT_WATCH, NULL);
  self->client = g_object_ref (client);
  self->listener = TRUE;
  self->inbox_id = folder_id;
  self->inbox = g_strdup (mailbox);
  return self;
}

static gboolean on_timer (gpointer user_data);

/* How often every folder is checked (5 minutes unless said); takes effect at once. */
void
courriel_imap_account_watch_set_interval (CourrielImapAccountWatch *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_IMAP_ACCOUNT_WATCH (self));
  self->interval = MAX (seconds, 1);
  if (self->timer != 0)
    {
      g_source_remove (self->timer);
      self->timer = g_timeout_add_seconds (self->interval, on_timer, self);
    }
}

/* Leaves IDLE (if in it) to send local changes and look at the Inbox again. */
void
courriel_imap_account_watch_poke (CourrielImapAccountWatch *self)
{
  g_return_if_fail (COURRIEL_IS_IMAP_ACCOUNT_WATCH (self));
  if (self->idling)
    {
      self->idling = FALSE;
      courriel_imap_client_idle_stop (self->client);
    }
}

static void
on_news (CourrielImapAccountWatch *self)
{
  if (!self->listener)
    courriel_imap_account_watch_poke (self);
  else if (self->listening)
    g_signal_emit (self, signals[SIGNAL_NEWS], 0, self->inbox_id);
}

static gboolean
on_timer (gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;

  self->all_due = TRUE;
  courriel_imap_account_watch_poke (self);
  return G_SOURCE_CONTINUE;
}

/* The loop ----------------------------------------------------------------------------------- */

static void sync_inbox (CourrielImapAccountWatch *self);
static void sync_all (CourrielImapAccountWatch *self);
static void idle (CourrielImapAccountWatch *self);

static void
stop (CourrielImapAccountWatch *self, GError *error)
{
  GTask *task = g_steal_pointer (&self->task);

  g_clear_handle_id (&self->timer, g_source_remove);
  self->listening = FALSE;
  /* Cancelled: the watch was closed, as wanted, whatever the connection said then. */
  if (error != NULL && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    g_task_return_error (task, error);
  else
    {
      g_clear_error (&error);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
on_idle_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;
  GError *error = NULL;

  self->idling = FALSE;
  if (!courriel_imap_client_idle_finish (self->client, result, &error)
      || g_cancellable_is_cancelled (g_task_get_cancellable (self->task)))
    {
      stop (self, error);
      g_object_unref (self);
      return;
    }
  /* A listener left IDLE only to be poked: it goes back at once. */
  if (self->listener)
    idle (self);
  else if (self->all_due)
    sync_all (self);
  else
    sync_inbox (self);
  g_object_unref (self);
}

static void
idle (CourrielImapAccountWatch *self)
{
  self->idling = TRUE;
  courriel_imap_client_idle_async (self->client, g_task_get_cancellable (self->task), on_idle_done,
                                   g_object_ref (self));
}

static void
on_inbox_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;
  GError *error = NULL;

  courriel_imap_message_sync_finish (result, &error);
  if (error != NULL)
    stop (self, error);
  else
    {
      g_signal_emit (self, signals[SIGNAL_UPDATED], 0, self->inbox_id);
      idle (self);
    }
  g_object_unref (self);
}

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;
  GError *error = NULL;

  courriel_imap_replay_finish (result, &error);
  if (error != NULL)
    stop (self, error);
  else
    courriel_imap_message_sync_async (self->client, self->store, self->inbox_id, self->inbox, 0, NULL, NULL,
                                      g_task_get_cancellable (self->task), on_inbox_synced, g_object_ref (self));
  g_object_unref (self);
}

static void
sync_inbox (CourrielImapAccountWatch *self)
{
  courriel_imap_replay_async (self->client, self->store, self->account_id, g_task_get_cancellable (self->task),
                              on_replayed, g_object_ref (self));
}

static void
on_all_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;
  g_autoptr (GPtrArray) reports = NULL;
  GError *error = NULL;

  reports = courriel_imap_account_sync_finish (result, &error);
  for (guint i = 0; reports != NULL && i < reports->len; i++)
    {
      CourrielImapFolderReport *report = reports->pdata[i];
      if (g_strcmp0 (report->role, "inbox") == 0)
        {
          self->inbox_id = report->id;
          g_free (self->inbox);
          self->inbox = g_strdup (report->name);
        }
    }
  if (reports != NULL && self->inbox == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "The server has no Inbox");
  if (error != NULL)
    stop (self, error);
  else
    {
      g_signal_emit (self, signals[SIGNAL_UPDATED], 0, (gint64)0);
      /* The sync left another folder selected: back to the Inbox, then IDLE. */
      courriel_imap_message_sync_async (self->client, self->store, self->inbox_id, self->inbox, 0, NULL, NULL,
                                        g_task_get_cancellable (self->task), on_inbox_synced, g_object_ref (self));
    }
  g_object_unref (self);
}

static void
sync_all (CourrielImapAccountWatch *self)
{
  self->all_due = FALSE;
  courriel_imap_account_sync_async (self->client, self->store, self->account_id, COURRIEL_IMAP_SYNC_HEADERS, 0, NULL,
                                    NULL, g_task_get_cancellable (self->task), on_all_synced, g_object_ref (self));
}

static void
on_listener_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapAccountWatch *self = user_data;
  g_autoptr (CourrielImapSelection) selection = NULL;
  GError *error = NULL;

  selection = courriel_imap_client_select_finish (self->client, result, &error);
  if (selection == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (self->task)))
    stop (self, error);
  else
    {
      self->listening = TRUE;
      g_signal_emit (self, signals[SIGNAL_NEWS], 0, self->inbox_id);
      /* The handlers of ::news may have cancelled the run. */
      if (self->task != NULL && g_cancellable_is_cancelled (g_task_get_cancellable (self->task)))
        stop (self, NULL);
      else if (self->task != NULL)
        idle (self);
    }
  g_object_unref (self);
}

/**
 * courriel_imap_account_watch_run_async:
 *
 * Synchronises the account, then keeps it up to date until @cancellable is cancelled (the
 * task then succeeds) or the connection fails (the task fails with the reason).
 */
void
courriel_imap_account_watch_run_async (CourrielImapAccountWatch *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  const char *news[] = { "exists", "expunged", "vanished", "flags-changed" };

  g_return_if_fail (COURRIEL_IS_IMAP_ACCOUNT_WATCH (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, courriel_imap_account_watch_run_async);
  /* Cancelling is how the watch is closed: not a failure. */
  g_task_set_check_cancellable (self->task, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (news); i++)
    if (self->handlers[i] == 0)
      self->handlers[i] = g_signal_connect_swapped (self->client, news[i], G_CALLBACK (on_news), self);
  if (self->listener)
    {
      /* Read-only: listening takes nothing from the other clients (no \Recent, no flags). */
      courriel_imap_client_select_async (self->client, self->inbox, TRUE, NULL, cancellable, on_listener_selected,
                                         g_object_ref (self));
      return;
    }
  self->timer = g_timeout_add_seconds (self->interval, on_timer, self);
  sync_all (self);
}

gboolean
courriel_imap_account_watch_run_finish (CourrielImapAccountWatch *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
