/* courriel-smtp-outbox.c — an account's Outbox sent through its SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each message due, the SMTP transaction runs while it is QUEUED, up to the whole message but
 * its final dot; then SENDING is committed; then the final dot goes and the server answers.
 * SENDING is committed only if the message is still QUEUED: of two senders at work on one Outbox
 * (the app and courriel-cli), the second to get there abandons its transaction before the dot.
 * Accepted, the message is marked so (a few bytes, ACCEPTED: never sent again) in the commit
 * that claims the next message, or alone after the last: one synced commit a message. Filing it
 * in Sent, which copies the whole message, follows as a write of its own once the last message
 * went, and the send finishes when every copy is filed. An ACCEPTED message found in the
 * Outbox (a crash before its filing) is filed, not sent. Refused for good (no recipient, too large, relay
 * denied), it stays FAILED with the server's reason; anything else (server busy, network down, the
 * login refused, the connection lost before the final dot) leaves it QUEUED, attempts counted, for
 * a later attempt, waiting longer each time (1, 2, 4… minutes, an hour at most). The server's
 * SIZE, when it is not the one the account has, is recorded (for the composer's warning) before
 * the login.
 *
 * The one window in which a message may have been sent without Courriel knowing is after the
 * final dot and before the server's reply. A crash, or the connection lost, then leaves the
 * message SENDING: "maybe sent". (SENDING is committed just before the dot is written, so what is
 * recorded as uncertain is that commit to the reply; a crash between the commit and the dot's
 * write, a few instructions, counts as uncertain too, on the safe side.) Before the dot nothing
 * was sent (a server discards a transaction that did not end), so a crash or a lost connection
 * earlier leaves the message QUEUED and it goes at the next attempt; after the reply, its fate is
 * recorded. A message found SENDING is never sent again without the user: it is counted
 * "uncertain" here, `courriel-cli outbox` lists it as "sending" with why, and the user puts it
 * back in the queue (`outbox ACCOUNT --retry ID`: it did not arrive) or removes it
 * (`--remove ID`: it did).
 *
 * When another message is due, a message's final dot goes with the next one's envelope
 * (courriel_smtp_client_send_next_async: one write with PIPELINING, which saves a round trip a
 * message): the dot's reply is read first and the next message's body follows its 354; then the
 * claim of the next message (SENDING), with the one before recorded ACCEPTED if the server took it,
 * is committed before the next final dot, as above. Nothing changes in the window: SENDING is
 * committed before the dot is written, ACCEPTED only after its 250. The connection lost after a
 * dot leaves that message SENDING and the next QUEUED (it had no final dot); a refused dot leaves
 * the next message's transaction going on; a next message refused (no recipient) or taken by
 * another sender meanwhile (its transaction abandoned before its dot) does not change the fate
 * of the one before.
 */
#define G_LOG_DOMAIN "courriel-smtp"

#include "config.h"
#include "courriel-smtp-outbox.h"

#include <glib/gi18n-lib.h>

#include "courriel-net-error.h"
#include "courriel-outbox.h"
#include "courriel-smtp-client.h"

typedef struct
{
  CourrielStore            *store;
  CourrielAccount          *account;
  char                     *password;
  gint64                    now;
  CourrielSmtpClient       *client;
  GPtrArray                *due;    /* CourrielOutboxItem */
  guint                     next;
  GError                   *connect_error;
  GError                   *filing_error;
  GArray                   *unrecorded; /* gint64: taken by the server, ACCEPTED not committed yet */
  GArray                   *accepted; /* gint64: recorded ACCEPTED in this session, to file in Sent */
  guint                     filing;  /* Sent copies being filed */
  gboolean                  done;    /* waiting only for them */
  gboolean                  begun;   /* the next message was begun with the last one's dot… */
  GError                   *begin_error; /* …or failed so */
  CourrielSmtpOutboxReport  report;
} Sending;

static void
sending_free (Sending *s)
{
  g_object_unref (s->store);
  courriel_account_free (s->account);
  if (s->password != NULL)
    memset (s->password, 0, strlen (s->password));
  g_free (s->password);
  g_clear_object (&s->client);
  g_clear_pointer (&s->due, g_ptr_array_unref);
  g_clear_error (&s->connect_error);
  g_clear_error (&s->filing_error);
  g_clear_error (&s->begin_error);
  g_array_unref (s->unrecorded);
  g_array_unref (s->accepted);
  g_free (s);
}

static gint64
next_attempt (Sending *s, CourrielOutboxItem *item)
{
  return s->now + MIN ((gint64)60 << MIN (item->attempts, 6), (gint64)3600);
}

/* Refusals that trying again will not change. */
static gboolean
is_permanent (const GError *error)
{
  return error->domain == COURRIEL_SMTP_ERROR
         && (error->code == COURRIEL_SMTP_ERROR_RECIPIENTS_REFUSED || error->code == COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE
             || error->code == COURRIEL_SMTP_ERROR_RELAY_DENIED || error->code == COURRIEL_SMTP_ERROR_REFUSED);
}

static void send_next (GTask *task);

/* The end, once every accepted message is filed in Sent. */
static void
finish_when_filed (GTask *task)
{
  Sending *s = g_task_get_task_data (task);

  s->done = TRUE;
  if (s->filing > 0)
    return;
  if (s->filing_error != NULL)
    g_task_return_error (task, g_steal_pointer (&s->filing_error));
  else
    g_task_return_pointer (task, g_memdup2 (&s->report, sizeof s->report), g_free);
  g_object_unref (task);
}

/* The store failed: the error is the task's, once the copies under way are filed. */
static void
fail_when_filed (GTask *task, GError *error)
{
  Sending *s = g_task_get_task_data (task);

  g_clear_error (&s->filing_error);
  s->filing_error = error;
  finish_when_filed (task);
}

static void
on_filed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  /* Not filed: it stays ACCEPTED, and the next send files it. Only the store can fail here. */
  if (!courriel_store_write_finish (s->store, result, &error) && s->filing_error == NULL)
    s->filing_error = g_steal_pointer (&error);
  s->filing--;
  if (s->done)
    finish_when_filed (task);
}

/* Queued behind the sending's own small writes; the task holds on until it is done. */
static void
file_in_sent (GTask *task, gint64 id)
{
  Sending *s = g_task_get_task_data (task);

  s->filing++;
  courriel_outbox_sent_async (s->store, id, NULL, on_filed, task);
}

/* The messages the server took since the last commit are recorded ACCEPTED now. */
static void
now_recorded (Sending *s)
{
  if (s->unrecorded->len == 0)
    return;
  g_array_append_vals (s->accepted, s->unrecorded->data, s->unrecorded->len);
  g_array_set_size (s->unrecorded, 0);
  s->report.accepted_at = g_get_monotonic_time ();
}

static void
on_flushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (s->store, result, &error))
    {
      fail_when_filed (task, error);
      return;
    }
  now_recorded (s);
  send_next (task);
}

static void
on_recorded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (s->store, result, &error))
    {
      fail_when_filed (task, error);
      return;
    }
  send_next (task);
}

/* The connection is gone or out of step: the rest waits for the next attempt, with @error. */
static void
end_session (Sending *s, const GError *error)
{
  g_clear_error (&s->connect_error);
  s->connect_error = g_error_copy (error);
}

/* A failure before the message could exist (begin), or the server's answer after it (end). */
static void
record_failure (GTask *task, CourrielOutboxItem *item, GError *error)
{
  Sending *s = g_task_get_task_data (task);

  if (error->domain != COURRIEL_SMTP_ERROR || error->code == COURRIEL_SMTP_ERROR_PROTOCOL)
    end_session (s, error);
  if (is_permanent (error))
    {
      s->report.failed++;
      courriel_outbox_set_state_async (s->store, item->id, COURRIEL_OUTBOX_FAILED, 0, error->message, NULL,
                                       on_recorded, task);
    }
  else
    {
      s->report.deferred++;
      courriel_outbox_set_state_async (s->store, item->id, COURRIEL_OUTBOX_QUEUED, next_attempt (s, item),
                                       error->message, NULL, on_recorded, task);
    }
}

/* The server's answer to the last message's final dot (@sent), or why there is none (@error). */
static void
ended (GTask *task, CourrielSmtpSendResult *sent_, GError *error_)
{
  Sending *s = g_task_get_task_data (task);
  CourrielOutboxItem *item = s->due->pdata[s->next - 1];
  g_autoptr (CourrielSmtpSendResult) sent = sent_;
  g_autoptr (GError) error = error_;
  g_autofree char *reason = NULL;

  if (sent != NULL)
    {
      /* Recorded ACCEPTED with the next message's claim, in one commit, or alone at the end;
       * until then a crash leaves it SENDING, "maybe sent": never sent twice. */
      s->report.sent++;
      g_array_append_val (s->unrecorded, item->id);
      send_next (task);
      return;
    }
  if (error->domain == COURRIEL_SMTP_ERROR && error->code != COURRIEL_SMTP_ERROR_PROTOCOL)
    {
      /* The server answered: it did not take the message. */
      record_failure (task, item, error);
      return;
    }
  /* The window: the whole message went, its answer never came. It stays SENDING, for the user. */
  s->report.uncertain++;
  end_session (s, error);
  reason = g_strdup_printf (_("Maybe sent: the connection to %s ended after the whole message had gone, before the "
                              "server confirmed it (%s). Send it again only if it did not arrive."),
                            s->account->outgoing.host, error->message);
  courriel_outbox_set_state_async (s->store, item->id, COURRIEL_OUTBOX_SENDING, item->next_attempt, reason, NULL,
                                   on_recorded, task);
}

static void
on_ended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  GError *error = NULL;
  CourrielSmtpSendResult *sent = courriel_smtp_client_send_end_finish (s->client, result, &error);

  ended (task, sent, error);
}

/* The last message ended and the next one begun (or not): the next is taken up by send_next. */
static void
on_next_begun (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  CourrielSmtpSendResult *sent = NULL;
  GError *error = NULL;

  s->begun = TRUE;
  courriel_smtp_client_send_next_finish (s->client, result, &sent, &error, &s->begin_error);
  ended (task, sent, error);
}

static void
on_claimed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (s->store, result, &error))
    {
      /* Not claimed: the message must not come into being here. Without its final dot, the
       * server discards it. */
      courriel_connection_close (courriel_smtp_client_get_connection (s->client));
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          /* Another sender took it since the list was read: the rest is left to it too, once
           * what this session sent is recorded. */
          g_debug ("%s", error->message);
          end_session (s, error);
          g_error_free (error);
          s->next = s->due->len;
          send_next (task);
        }
      else
        fail_when_filed (task, error);
      return;
    }
  now_recorded (s);
  if (s->next < s->due->len && s->connect_error == NULL)
    {
      CourrielOutboxItem *next = s->due->pdata[s->next];

      courriel_smtp_client_send_next_async (s->client, next->sender, (const char * const *)next->recipients,
                                            next->raw, g_task_get_cancellable (task), on_next_begun, task);
      return;
    }
  courriel_smtp_client_send_end_async (s->client, g_task_get_cancellable (task), on_ended, task);
}

/* The envelope and the whole message but its final dot went (@error NULL), or not. */
static void
begun (GTask *task, CourrielOutboxItem *item, GError *error_)
{
  Sending *s = g_task_get_task_data (task);
  g_autoptr (GError) error = error_;

  if (error != NULL)
    {
      /* Before the final dot: not sent, whatever happened. */
      record_failure (task, item, error);
      return;
    }
  /* All of it is with the server but the final dot: SENDING is committed before it goes. */
  courriel_outbox_claim_async (s->store, item->id, s->unrecorded, NULL, on_claimed, task);
}

static void
on_begun (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  GError *error = NULL;

  courriel_smtp_client_send_begin_finish (s->client, result, &error);
  begun (task, s->due->pdata[s->next - 1], error);
}

static void
on_quit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);

  courriel_smtp_client_quit_finish (s->client, result, NULL);
  finish_when_filed (task);
}

static void
send_next (GTask *task)
{
  Sending *s = g_task_get_task_data (task);
  CourrielOutboxItem *item;

  if (s->next >= s->due->len && s->unrecorded->len > 0)
    {
      courriel_outbox_accepted_async (s->store, s->unrecorded, NULL, on_flushed, task);
      return;
    }
  if (s->next >= s->due->len)
    {
      /* Filed once the last message went, so that no message waits behind another's copy. */
      for (guint i = 0; i < s->accepted->len; i++)
        file_in_sent (task, g_array_index (s->accepted, gint64, i));
      g_array_set_size (s->accepted, 0);
      if (s->client != NULL && s->connect_error == NULL)
        {
          courriel_smtp_client_quit_async (s->client, NULL, on_quit, task);
          return;
        }
      finish_when_filed (task);
      return;
    }
  item = s->due->pdata[s->next++];
  if (s->begun)
    {
      /* Begun with the last message's final dot. */
      s->begun = FALSE;
      begun (task, item, g_steal_pointer (&s->begin_error));
      return;
    }
  if (s->connect_error != NULL)
    {
      /* The server cannot be reached, or refused the login: later. */
      s->report.deferred++;
      courriel_outbox_set_state_async (s->store, item->id, COURRIEL_OUTBOX_QUEUED, next_attempt (s, item),
                                       s->connect_error->message, NULL, on_recorded, task);
      return;
    }
  courriel_smtp_client_send_begin_async (s->client, item->sender, (const char * const *)item->recipients, item->raw,
                                         g_task_get_cancellable (task), on_begun, task);
}

static void
on_logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);

  courriel_smtp_client_authenticate_finish (s->client, result, &s->connect_error);
  send_next (task);
}

static void
log_in (GTask *task)
{
  Sending *s = g_task_get_task_data (task);

  courriel_smtp_client_authenticate_async (s->client, s->account->outgoing.auth, s->account->outgoing.username,
                                           s->password, g_task_get_cancellable (task), on_logged_in, task);
}

static void
on_size_limit_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;

  /* Only the composer's warning needs it: not a reason to keep mail from leaving. */
  if (!courriel_account_set_smtp_size_limit_finish (COURRIEL_STORE (source), result, &error))
    g_message ("The outgoing server’s size limit could not be recorded: %s", error->message);
  log_in (task);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  guint64 limit;

  if (!courriel_smtp_client_connect_finish (s->client, result, &s->connect_error))
    {
      send_next (task);
      return;
    }
  /* The server's SIZE, for the composer: recorded when it changed (rarely, and in a few bytes). */
  limit = courriel_smtp_client_get_max_size (s->client);
  if (limit != s->account->smtp_size_limit)
    {
      g_debug ("%s: the outgoing server's SIZE is now %" G_GUINT64_FORMAT " (was %" G_GUINT64_FORMAT ")",
               s->account->address, limit, s->account->smtp_size_limit);
      s->account->smtp_size_limit = limit;
      courriel_account_set_smtp_size_limit_async (s->store, s->account->id, limit, NULL, on_size_limit_saved, task);
      return;
    }
  log_in (task);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sending *s = g_task_get_task_data (task);
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (CourrielConnection) connection = NULL;
  GError *error = NULL;

  items = courriel_outbox_list_finish (s->store, result, &error);
  if (items == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  s->due = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_outbox_item_free);
  for (guint i = 0; i < items->len; i++)
    {
      CourrielOutboxItem *item = items->pdata[i];

      if (item->state == COURRIEL_OUTBOX_ACCEPTED)
        file_in_sent (task, item->id); /* accepted before a crash, never filed */
      else if (item->state == COURRIEL_OUTBOX_SENDING)
        s->report.uncertain++;
      else if (item->state == COURRIEL_OUTBOX_QUEUED && item->next_attempt <= s->now)
        g_ptr_array_add (s->due, g_steal_pointer (&items->pdata[i]));
    }
  if (s->due->len == 0)
    {
      send_next (task);
      return;
    }
  connection = courriel_account_new_connection (s->account, &s->account->outgoing);
  s->client = courriel_smtp_client_new (connection);
  courriel_smtp_client_connect_async (s->client, g_task_get_cancellable (task), on_connected, task);
}

/**
 * courriel_smtp_outbox_send_async:
 * @password: the account's outgoing password
 * @now: the time it is (Unix time): messages whose next attempt has come are sent
 *
 * Sends the account's due messages. Fails only when the store does; what happened to each
 * message is in the Outbox and, counted, in the CourrielSmtpOutboxReport (free with g_free()).
 */
void
courriel_smtp_outbox_send_async (CourrielStore *store, const CourrielAccount *account, const char *password,
                                 gint64 now, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sending *s = g_new0 (Sending, 1);

  s->store = g_object_ref (store);
  s->unrecorded = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->accepted = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->account = courriel_account_copy (account);
  s->password = g_strdup (password);
  s->now = now;
  g_task_set_source_tag (task, courriel_smtp_outbox_send_async);
  g_task_set_task_data (task, s, (GDestroyNotify)sending_free);
  courriel_outbox_list_async (store, account->id, cancellable, on_listed, task);
}

CourrielSmtpOutboxReport *
courriel_smtp_outbox_send_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

const GError *
courriel_smtp_outbox_send_get_login_error (GAsyncResult *result)
{
  Sending *s;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  s = g_task_get_task_data (G_TASK (result));
  return s != NULL ? s->connect_error : NULL;
}
