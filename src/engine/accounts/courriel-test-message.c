/* courriel-test-message.c — a message an account sends to itself, followed until it arrives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The message goes into the Outbox, and the sync service is asked to sync the account: that
 * sends the Outbox first, then brings the Inbox. Once the sync is over, the Outbox tells the
 * message's fate: gone (the server took it), FAILED (refused for good, with the server's reason)
 * or still QUEUED (the server could not be reached or refused the login: the sync service's
 * Outbox error says why). Sent, the account is synced again after a growing pause until the
 * store has a message with its Message-ID in the account's Inbox (CourrielStore::changed is
 * watched, so that any sync, the app's own too, can bring it), or until the deadline: the
 * message is then LATE, and still watched for.
 *
 * Sending again puts the same message back in the queue, due at once (a FAILED one too: the user
 * may have mended what the server refused), or queues it anew when it left the Outbox.
 */
#define G_LOG_DOMAIN "courriel-sync"

#include "config.h"
#include "courriel-test-message.h"

#include <glib/gi18n-lib.h>

#include "courriel-message-text.h"
#include "courriel-outbox.h"

/* Seconds between the syncs that look for the message, doubling up to the last. */
#define FIRST_POLL 2
#define LAST_POLL  15

struct _CourrielTestMessage
{
  GObject                  parent_instance;
  CourrielSyncService     *service;
  CourrielStore           *store;
  gint64                   account_id;
  char                    *sender;
  GBytes                  *raw;
  char                    *message_id;  /* with its <> */
  guint                    timeout;     /* seconds from sent to LATE */
  CourrielTestMessageState state;
  GError                  *error;       /* FAILED: why */
  gint64                   outbox_id;   /* 0 until queued */
  GCancellable            *cancellable; /* this attempt's */
  gulong                   changed_id;
  guint                    poll_id;
  guint                    poll_delay;
  guint                    deadline_id;
  gboolean                 reading;     /* the Inbox is being looked at */
  gboolean                 read_again;  /* the store changed meanwhile */
};

G_DEFINE_FINAL_TYPE (CourrielTestMessage, courriel_test_message, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
clear_timers (CourrielTestMessage *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
}

static void
set_state (CourrielTestMessage *self, CourrielTestMessageState state)
{
  if (state == COURRIEL_TEST_MESSAGE_ARRIVED || state == COURRIEL_TEST_MESSAGE_FAILED)
    clear_timers (self);
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
fail (CourrielTestMessage *self, GError *error)
{
  g_clear_error (&self->error);
  self->error = error;
  g_debug ("the test message of account %" G_GINT64_FORMAT " failed: %s", self->account_id, error->message);
  set_state (self, COURRIEL_TEST_MESSAGE_FAILED);
}

/* Whether it arrived ---------------------------------------------------------------------------- */

typedef struct
{
  gint64 account_id;
  char  *message_id;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->message_id);
  g_free (lookup);
}

static gpointer
read_arrived (sqlite3 *db, gpointer data, GError **error)
{
  Lookup *lookup = data;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT EXISTS (SELECT 1 FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = ?1 AND f.role = 'inbox' AND m.message_id = ?2)",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, lookup->account_id);
      sqlite3_bind_text (stmt, 2, lookup->message_id, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          found = sqlite3_column_int (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return GINT_TO_POINTER (found ? 2 : 1);
}

static void read_inbox (CourrielTestMessage *self);

static void
on_inbox_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielTestMessage) self = user_data;
  g_autoptr (GError) error = NULL;
  gpointer found = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  self->reading = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->changed_id == 0)
    return;
  if (found == NULL)
    g_warning ("The Inbox cannot be read: %s", error->message);
  else if (GPOINTER_TO_INT (found) == 2 && self->state != COURRIEL_TEST_MESSAGE_FAILED)
    {
      set_state (self, COURRIEL_TEST_MESSAGE_ARRIVED);
      return;
    }
  if (self->read_again)
    read_inbox (self);
}

static void
read_inbox (CourrielTestMessage *self)
{
  Lookup *lookup;

  if (self->reading)
    {
      self->read_again = TRUE;
      return;
    }
  self->reading = TRUE;
  self->read_again = FALSE;
  lookup = g_new0 (Lookup, 1);
  lookup->account_id = self->account_id;
  lookup->message_id = g_strdup (self->message_id);
  courriel_store_read_async (self->store, read_arrived, lookup, (GDestroyNotify)lookup_free, NULL, self->cancellable,
                             on_inbox_read, g_object_ref (self));
}

static void
on_store_changed (CourrielTestMessage *self, guint tables)
{
  if ((tables & COURRIEL_STORE_TABLE_MESSAGES) != 0 && self->state != COURRIEL_TEST_MESSAGE_ARRIVED
      && self->state != COURRIEL_TEST_MESSAGE_FAILED)
    read_inbox (self);
}

/* Sending, then syncing until it is there --------------------------------------------------------- */

static void request_sync (CourrielTestMessage *self);

static gboolean
poll_now (gpointer user_data)
{
  CourrielTestMessage *self = user_data;

  self->poll_id = 0;
  request_sync (self);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_passed (gpointer user_data)
{
  CourrielTestMessage *self = user_data;

  self->deadline_id = 0;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  set_state (self, COURRIEL_TEST_MESSAGE_LATE);
  return G_SOURCE_REMOVE;
}

/* The server took it: from now on, the Inbox is what matters. */
static void
sent (CourrielTestMessage *self)
{
  if (self->state == COURRIEL_TEST_MESSAGE_SENDING)
    {
      set_state (self, COURRIEL_TEST_MESSAGE_WAITING);
      self->poll_delay = FIRST_POLL;
      self->deadline_id = g_timeout_add_seconds (self->timeout, deadline_passed, self);
    }
  if (self->state != COURRIEL_TEST_MESSAGE_WAITING)
    return;
  read_inbox (self);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->poll_id = g_timeout_add_seconds (self->poll_delay, poll_now, self);
  self->poll_delay = MIN (self->poll_delay * 2, LAST_POLL);
}

typedef struct
{
  CourrielTestMessage *self;
  GError              *sync_error; /* nullable: the sync's own failure */
} Listing;

static void
on_outbox_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Listing *listing = user_data;
  g_autoptr (CourrielTestMessage) self = listing->self;
  g_autoptr (GError) sync_error = listing->sync_error;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = courriel_outbox_list_finish (COURRIEL_STORE (source), result, &error);
  const CourrielOutboxItem *item = NULL;
  const GError *outbox_error;

  g_free (listing);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (items == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < items->len && item == NULL; i++)
    if (((CourrielOutboxItem *)items->pdata[i])->id == self->outbox_id)
      item = items->pdata[i];
  if (item == NULL || item->state == COURRIEL_OUTBOX_ACCEPTED || item->state == COURRIEL_OUTBOX_SENDING)
    {
      sent (self);
      return;
    }
  if (item->state == COURRIEL_OUTBOX_FAILED)
    {
      fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                       item->last_error != NULL ? item->last_error
                                                                : _("The server refused the message.")));
      return;
    }
  /* Still queued: the Outbox could not be sent (or the whole sync failed before it). */
  outbox_error = courriel_sync_service_get_outbox_error (self->service, self->account_id);
  if (outbox_error != NULL)
    fail (self, g_error_copy (outbox_error));
  else if (sync_error != NULL)
    fail (self, g_steal_pointer (&sync_error));
  else
    fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     item->last_error != NULL ? item->last_error
                                                              : _("The message is still waiting in the Outbox.")));
}

static void
on_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielTestMessage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAccountSyncReport) report = courriel_sync_service_sync_account_finish (COURRIEL_SYNC_SERVICE (source),
                                                                                           result, &error);
  Listing *listing;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->state == COURRIEL_TEST_MESSAGE_LATE || self->state == COURRIEL_TEST_MESSAGE_ARRIVED)
    return;
  listing = g_new0 (Listing, 1);
  listing->self = g_steal_pointer (&self);
  listing->sync_error = g_steal_pointer (&error);
  courriel_outbox_list_async (listing->self->store, listing->self->account_id, listing->self->cancellable,
                              on_outbox_listed, listing);
}

static void
request_sync (CourrielTestMessage *self)
{
  courriel_sync_service_sync_account_async (self->service, self->account_id, COURRIEL_ACCOUNT_SYNC_DEFAULT,
                                            self->cancellable, on_synced, g_object_ref (self));
}

/* In the Outbox (again): the sync that sends it is asked for, even when nobody follows the
 * message any more (the window closed meanwhile): once queued, it goes. */
static void
queued (CourrielTestMessage *self)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    courriel_sync_service_sync_account (self->service, self->account_id);
  else
    request_sync (self);
}

static void
on_queued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielTestMessage) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 id = courriel_outbox_queue_finish (COURRIEL_STORE (source), result, &error);

  if (id == 0)
    {
      if (!g_cancellable_is_cancelled (self->cancellable))
        fail (self, g_steal_pointer (&error));
      return;
    }
  self->outbox_id = id;
  queued (self);
}

/* The writes that queue the message are not cancelled: half a queueing is no use to anyone. */
static void
queue (CourrielTestMessage *self)
{
  const char *recipients[] = { self->sender, NULL };

  courriel_outbox_queue_async (self->store, self->account_id, self->sender, recipients, self->raw, NULL, on_queued,
                               g_object_ref (self));
}

static void
on_requeued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielTestMessage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (courriel_store_write_finish (COURRIEL_STORE (source), result, &error))
    queued (self);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    queue (self); /* it left the Outbox meanwhile: a new one */
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    queued (self); /* a sync is sending it right now */
  else if (!g_cancellable_is_cancelled (self->cancellable))
    fail (self, g_steal_pointer (&error));
}

/**
 * courriel_test_message_send:
 *
 * Sends the message (again: back in the queue, due at once) and follows it. Whatever the last
 * attempt still did is cancelled.
 */
void
courriel_test_message_send (CourrielTestMessage *self)
{
  g_return_if_fail (COURRIEL_IS_TEST_MESSAGE (self));

  courriel_test_message_cancel (self);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->changed_id = g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self,
                                              G_CONNECT_SWAPPED);
  g_clear_error (&self->error);
  self->reading = FALSE; /* a read of the last attempt ends cancelled */
  self->read_again = FALSE;
  self->state = COURRIEL_TEST_MESSAGE_SENDING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (self->outbox_id == 0)
    queue (self);
  else
    courriel_outbox_send_now_async (self->store, self->outbox_id, NULL, on_requeued, g_object_ref (self));
}

/**
 * courriel_test_message_cancel:
 *
 * Stops following the message (the window that shows it closes): no more syncs are asked for to
 * look for it, and the state no longer changes. The message itself goes on: queued, it is sent
 * by the sync asked for then.
 */
void
courriel_test_message_cancel (CourrielTestMessage *self)
{
  g_return_if_fail (COURRIEL_IS_TEST_MESSAGE (self));

  g_cancellable_cancel (self->cancellable);
  clear_timers (self);
  g_clear_signal_handler (&self->changed_id, self->store);
}

CourrielTestMessageState
courriel_test_message_get_state (CourrielTestMessage *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_MESSAGE (self), COURRIEL_TEST_MESSAGE_FAILED);

  return self->state;
}

/* Why it was not sent, when FAILED; else NULL. */
const GError *
courriel_test_message_get_error (CourrielTestMessage *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_MESSAGE (self), NULL);

  return self->state == COURRIEL_TEST_MESSAGE_FAILED ? self->error : NULL;
}

/* Its Message-ID, with its <>, as the store keeps it. */
const char *
courriel_test_message_get_message_id (CourrielTestMessage *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_MESSAGE (self), NULL);

  return self->message_id;
}

/* The object ------------------------------------------------------------------------------------- */

static void
courriel_test_message_dispose (GObject *object)
{
  CourrielTestMessage *self = COURRIEL_TEST_MESSAGE (object);

  if (self->store != NULL)
    courriel_test_message_cancel (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->service);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (courriel_test_message_parent_class)->dispose (object);
}

static void
courriel_test_message_finalize (GObject *object)
{
  CourrielTestMessage *self = COURRIEL_TEST_MESSAGE (object);

  g_free (self->sender);
  g_clear_pointer (&self->raw, g_bytes_unref);
  g_free (self->message_id);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (courriel_test_message_parent_class)->finalize (object);
}

static void
courriel_test_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielTestMessage *self = COURRIEL_TEST_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_test_message_class_init (CourrielTestMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_test_message_dispose;
  object_class->finalize = courriel_test_message_finalize;
  object_class->get_property = courriel_test_message_get_property;

  /**
   * CourrielTestMessage:state:
   *
   * A CourrielTestMessageState: where the message is.
   */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, COURRIEL_TEST_MESSAGE_SENDING,
                                             COURRIEL_TEST_MESSAGE_LATE, COURRIEL_TEST_MESSAGE_SENDING,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
courriel_test_message_init (CourrielTestMessage *self)
{
}

/**
 * courriel_test_message_new:
 * @service: the sync service that sends the account's Outbox and brings its Inbox
 * @account_id: the account that sends, and receives, the message
 * @sender: the account's address: the envelope's sender and its only recipient
 * @raw: the whole message, with its Message-ID
 * @timeout_seconds: how long to wait for it once sent, before it is LATE
 *
 * Returns: (transfer full): the message, not sent yet (courriel_test_message_send()); or NULL,
 * with @error set, when @raw has no Message-ID to recognise it by
 */
CourrielTestMessage *
courriel_test_message_new (CourrielSyncService *service, gint64 account_id, const char *sender, GBytes *raw,
                           guint timeout_seconds, GError **error)
{
  g_autoptr (CourrielMessageText) text = NULL;
  CourrielTestMessage *self;

  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (service), NULL);
  g_return_val_if_fail (sender != NULL && raw != NULL, NULL);

  text = courriel_message_text_new_from_bytes (raw, error);
  if (text == NULL)
    return NULL;
  if (text->message_id == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The test message has no Message-ID."));
      return NULL;
    }
  self = g_object_new (COURRIEL_TYPE_TEST_MESSAGE, NULL);
  self->service = g_object_ref (service);
  self->store = g_object_ref (courriel_sync_service_get_store (service));
  self->account_id = account_id;
  self->sender = g_strdup (sender);
  self->raw = g_bytes_ref (raw);
  self->message_id = g_steal_pointer (&text->message_id);
  self->timeout = MAX (timeout_seconds, 1);
  return self;
}
