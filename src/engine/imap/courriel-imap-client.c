/* courriel-imap-client.c — an IMAP4rev1 session: command queue, capabilities, typed commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One read loop feeds the push parser; each response goes to the command it belongs to.
 * Commands wait in a queue and are sent as soon as it is safe: "quiet" commands, whose only
 * answer is their tagged status, are pipelined freely; at most one "data" command (whose
 * untagged responses we must attribute: FETCH, SEARCH, LIST, STATUS…) is in flight; a
 * "barrier" command (SELECT, authentication, STARTTLS, IDLE, LOGOUT, APPEND waiting for a
 * continuation) runs alone. A failed command completes with its error and never blocks the
 * others; a lost connection fails every pending command with the same clear error.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-client-private.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-error.h"
#include "courriel-imap-parser.h"
#include "courriel-imap-utf7.h"
#include "courriel-net-error.h"
#include "courriel-sasl.h"

#define READ_CHUNK (64 * 1024)
#define DEFAULT_IDLE_KEEPALIVE (25 * 60) /* well under the 29 minutes of RFC 2177 */

typedef struct _IdleState
{
  GTask   *task;
  Command *command;   /* the IDLE in flight, or NULL between keep-alive rounds */
  gboolean idling;    /* the server said "+" */
  gboolean stopping;  /* DONE sent or to be sent, and not coming back */
  gboolean done_sent;
  guint    keepalive_source;
  gulong   cancelled_id;
} IdleState;

struct _CourrielImapClient
{
  GObject             parent_instance;

  CourrielConnection *connection;
  CourrielImapParser *parser;

  GQueue              queue;  /* Command*, waiting to be sent */
  GQueue              active; /* Command*, sent or being sent, awaiting their tagged response */
  guint               next_tag;

  GHashTable         *capabilities; /* uppercase capability → itself */
  GHashTable         *enabled;      /* uppercase extension → itself */
  gboolean            authenticated;
  char               *selected;

  GTask              *connect_task;
  gboolean            greeted;
  gboolean            reading;
  gboolean            read_paused; /* during STARTTLS: not one more byte in clear text */
  gboolean            closed;
  GError             *closed_error;
  char               *bye_text;

  guint               timeout;        /* seconds without any byte from the server while waiting */
  guint               timeout_source;

  guint               idle_keepalive;
  IdleState          *idle;
};

G_DEFINE_FINAL_TYPE (CourrielImapClient, courriel_imap_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_EXISTS,
  SIGNAL_EXPUNGED,
  SIGNAL_VANISHED,
  SIGNAL_FLAGS_CHANGED,
  SIGNAL_ALERT,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void read_more (CourrielImapClient *self);
static void pump (CourrielImapClient *self);
static void idle_finish (CourrielImapClient *self, GError *error);
static void fail_everything (CourrielImapClient *self, const GError *error);

/* Commands ---------------------------------------------------------------------------------- */

static void
segment_free (Segment *segment)
{
  g_bytes_unref (segment->bytes);
  g_free (segment);
}

static void
command_free (Command *command)
{
  g_free (command->tag);
  g_queue_clear_full (&command->segments, (GDestroyNotify)segment_free);
  g_clear_object (&command->task);
  if (command->data_free != NULL)
    g_clear_pointer (&command->data, command->data_free);
  g_free (command);
}

void
courriel_imap_builder_init (Builder *b, CourrielImapClient *self, CommandKind kind, GTask *task)
{
  b->client = self;
  b->command = g_new0 (Command, 1);
  b->command->kind = kind;
  b->command->task = task;
  b->command->tag = g_strdup_printf ("C%u", ++self->next_tag);
  b->text = g_string_new (b->command->tag);
  g_string_append_c (b->text, ' ');
}

void
courriel_imap_builder_add (Builder *b, const char *text)
{
  g_string_append (b->text, text);
}

static void
builder_flush (Builder *b, gboolean wait_continuation)
{
  Segment *segment = g_new0 (Segment, 1);
  gsize len = b->text->len;

  segment->bytes = g_bytes_new_take (g_string_free (b->text, FALSE), len);
  segment->wait_continuation = wait_continuation;
  g_queue_push_tail (&b->command->segments, segment);
  b->text = g_string_new (NULL);
}

void
courriel_imap_builder_add_literal (Builder *b, const guint8 *data, gsize length)
{
  gboolean plus = courriel_imap_client_has_capability (b->client, "LITERAL+")
                  || (length <= 4096 && courriel_imap_client_has_capability (b->client, "LITERAL-"));

  g_string_append_printf (b->text, "{%" G_GSIZE_FORMAT "%s}\r\n", length, plus ? "+" : "");
  builder_flush (b, FALSE);
  g_string_append_len (b->text, (const char *)data, length);
  /* The segment after the literal header waits for "+" unless it is non-synchronising. */
  ((Segment *)g_queue_peek_tail (&b->command->segments))->wait_continuation = FALSE;
  {
    Segment *literal = g_new0 (Segment, 1);
    gsize len = b->text->len;

    literal->bytes = g_bytes_new_take (g_string_free (b->text, FALSE), len);
    literal->wait_continuation = !plus;
    g_queue_push_tail (&b->command->segments, literal);
    b->text = g_string_new (NULL);
  }
  if (!plus)
    b->command->kind = KIND_BARRIER; /* a continuation must be ours alone */
}

/* An astring: an atom when safe, else a quoted string, else a literal (CR, LF, NUL, or 8-bit
 * text the server has not agreed to take in quoted strings). */
void
courriel_imap_builder_add_string (Builder *b, const char *value)
{
  gboolean utf8 = courriel_imap_client_is_enabled (b->client, "UTF8=ACCEPT");
  gboolean needs_literal = FALSE;

  for (const guchar *p = (const guchar *)value; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n' || (*p >= 0x80 && !utf8))
      needs_literal = TRUE;

  if (needs_literal)
    {
      courriel_imap_builder_add_literal (b, (const guint8 *)value, strlen (value));
      return;
    }

  g_string_append_c (b->text, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (b->text, '\\');
      g_string_append_c (b->text, *p);
    }
  g_string_append_c (b->text, '"');
}

/* A mailbox name: modified UTF-7 unless the server takes UTF-8 (RFC 6855). */
void
courriel_imap_builder_add_mailbox (Builder *b, const char *mailbox)
{
  if (g_ascii_strcasecmp (mailbox, "INBOX") == 0)
    courriel_imap_builder_add (b, "INBOX");
  else if (courriel_imap_client_is_enabled (b->client, "UTF8=ACCEPT"))
    courriel_imap_builder_add_string (b, mailbox);
  else
    {
      g_autofree char *encoded = courriel_imap_utf7_encode (mailbox);
      courriel_imap_builder_add_string (b, encoded);
    }
}

Command *
courriel_imap_builder_end (Builder *b)
{
  g_string_append (b->text, "\r\n");
  builder_flush (b, FALSE);
  g_string_free (b->text, TRUE);
  return b->command;
}

/* Errors -------------------------------------------------------------------------------------- */

void
courriel_imap_set_error_from_response (CourrielImapResponse *response, const char *what, GError **error)
{
  const char *text = courriel_imap_response_get_text (response);
  CourrielImapError code;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_BAD)
    code = COURRIEL_IMAP_ERROR_BAD;
  else
    switch (courriel_imap_response_get_code (response))
      {
      case COURRIEL_IMAP_CODE_AUTHENTICATIONFAILED:
      case COURRIEL_IMAP_CODE_AUTHORIZATIONFAILED:
      case COURRIEL_IMAP_CODE_EXPIRED:
        code = COURRIEL_IMAP_ERROR_AUTH_FAILED;
        break;
      case COURRIEL_IMAP_CODE_NONEXISTENT:
      case COURRIEL_IMAP_CODE_TRYCREATE:
        code = COURRIEL_IMAP_ERROR_NONEXISTENT;
        break;
      case COURRIEL_IMAP_CODE_ALREADYEXISTS:
        code = COURRIEL_IMAP_ERROR_ALREADY_EXISTS;
        break;
      case COURRIEL_IMAP_CODE_OVERQUOTA:
        code = COURRIEL_IMAP_ERROR_OVER_QUOTA;
        break;
      default:
        code = COURRIEL_IMAP_ERROR_NO;
        break;
      }

  if (text == NULL || *text == '\0')
    text = _("no reason given");
  /* Translators: the first %s says what failed ("Login", "Opening the folder"…), the second is the server's reason. */
  g_set_error (error, COURRIEL_IMAP_ERROR, code, _("%s failed: the server said “%s”"), what, text);
}

/* Capabilities -------------------------------------------------------------------------------- */

static void
set_capabilities_from_value (CourrielImapClient *self, CourrielImapValue *list)
{
  g_hash_table_remove_all (self->capabilities);
  for (guint i = 0; list != NULL && i < courriel_imap_value_get_length (list); i++)
    {
      const char *atom = courriel_imap_value_get_atom (courriel_imap_value_get_item (list, i));
      char *upper;

      if (atom == NULL)
        continue;
      upper = g_ascii_strup (atom, -1);
      g_hash_table_add (self->capabilities, upper);
    }
}

gboolean
courriel_imap_client_has_capability (CourrielImapClient *self, const char *capability)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), FALSE);

  upper = g_ascii_strup (capability, -1);
  return g_hash_table_contains (self->capabilities, upper);
}

GStrv
courriel_imap_client_dup_capabilities (CourrielImapClient *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree gpointer *keys = NULL;
  guint n;

  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), NULL);

  keys = g_hash_table_get_keys_as_array (self->capabilities, &n);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, keys[i]);
  return g_strv_builder_end (builder);
}

gboolean
courriel_imap_client_is_enabled (CourrielImapClient *self, const char *extension)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), FALSE);

  upper = g_ascii_strup (extension, -1);
  return g_hash_table_contains (self->enabled, upper);
}

gboolean
courriel_imap_client_is_authenticated (CourrielImapClient *self)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), FALSE);
  return self->authenticated;
}

const char *
courriel_imap_client_get_selected (CourrielImapClient *self)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), NULL);
  return self->selected;
}

/**
 * courriel_imap_client_set_literal_sink:
 * @max_in_memory: literals up to this size are kept in the responses; larger ones go to @sink
 *
 * Large message bodies are streamed (to a file, say) instead of being held whole in memory;
 * the FETCH then lists the section in its `streamed` table with its size.
 */
void
courriel_imap_client_set_literal_sink (CourrielImapClient *self, gsize max_in_memory, CourrielImapLiteralSink sink,
                                       gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_parser_set_limits (self->parser, 0, max_in_memory, 0);
  courriel_imap_parser_set_literal_sink (self->parser, sink, user_data, destroy);
}

void
courriel_imap_client_set_selected (CourrielImapClient *self, const char *mailbox)
{
  g_free (self->selected);
  self->selected = g_strdup (mailbox);
}

CourrielConnection *
courriel_imap_client_get_connection (CourrielImapClient *self)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_CLIENT (self), NULL);
  return self->connection;
}

void
courriel_imap_client_set_idle_keepalive (CourrielImapClient *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  self->idle_keepalive = seconds > 0 ? seconds : DEFAULT_IDLE_KEEPALIVE;
}

/* Sending ------------------------------------------------------------------------------------- */

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielImapClient) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!courriel_connection_write_finish (COURRIEL_CONNECTION (source), result, &error) && !self->closed)
    fail_everything (self, error);
}

static void
write_bytes (CourrielImapClient *self, GBytes *bytes)
{
  courriel_connection_write_async (self->connection, bytes, NULL, on_written, g_object_ref (self));
}

/* Sends the command's segments up to the next one that must wait for a continuation. */
static void
send_segments (CourrielImapClient *self, Command *command)
{
  Segment *segment;

  while ((segment = g_queue_peek_head (&command->segments)) != NULL && !segment->wait_continuation)
    {
      write_bytes (self, segment->bytes);
      segment_free (g_queue_pop_head (&command->segments));
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  CourrielImapClient *self = user_data;
  g_autoptr (GError) error = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT,
                                          _("The mail server %s stopped answering."),
                                          courriel_connection_get_host (self->connection));

  self->timeout_source = 0;
  fail_everything (self, error);
  return G_SOURCE_REMOVE;
}

/* While a command waits for its answer (IDLE excepted, from the server's "+" to our DONE),
 * silence longer than the timeout is a dead connection. IDLE's periodic renewal thus finds a
 * connection that died silently (a network gone), instead of idling on it for ever. */
static void
reset_timeout (CourrielImapClient *self)
{
  gboolean idling = self->idle != NULL && self->idle->idling && !self->idle->done_sent;
  gboolean waiting = self->active.length > 0 && !idling;

  g_clear_handle_id (&self->timeout_source, g_source_remove);
  if ((waiting || self->connect_task != NULL) && self->timeout > 0 && !self->closed)
    self->timeout_source = g_timeout_add_seconds (self->timeout, on_timeout, self);
}

static gboolean
can_start (CourrielImapClient *self, Command *command)
{
  for (GList *l = self->active.head; l != NULL; l = l->next)
    {
      Command *other = l->data;

      if (other->kind == KIND_BARRIER)
        return FALSE;
      if (command->kind == KIND_DATA && other->kind == KIND_DATA)
        return FALSE;
    }
  return command->kind != KIND_BARRIER || self->active.length == 0;
}

static void idle_stop_for_command (CourrielImapClient *self);

static void
pump (CourrielImapClient *self)
{
  Command *command;

  while (!self->closed && self->greeted && !self->read_paused
         && (command = g_queue_peek_head (&self->queue)) != NULL && can_start (self, command))
    {
      g_queue_pop_head (&self->queue);
      g_queue_push_tail (&self->active, command);
      send_segments (self, command);
    }
  if (self->queue.length > 0 && self->idle != NULL)
    idle_stop_for_command (self);
  reset_timeout (self);
}

void
courriel_imap_client_queue_command (CourrielImapClient *self, Command *command)
{
  if (self->closed)
    {
      GError *error = self->closed_error != NULL ? g_error_copy (self->closed_error)
                                                 : g_error_new_literal (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                                                                        _("The connection to the mail server is closed."));
      g_task_return_error (command->task, error);
      command_free (command);
      return;
    }
  g_queue_push_tail (&self->queue, command);
  pump (self);
}

/* Receiving ----------------------------------------------------------------------------------- */

static void
fail_everything (CourrielImapClient *self, const GError *error)
{
  GQueue pending = G_QUEUE_INIT;
  Command *command;

  if (self->closed)
    return;
  self->closed = TRUE;

  if (self->bye_text != NULL && !g_error_matches (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT))
    self->closed_error = g_error_new (COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_BYE,
                                      _("The mail server closed the connection: “%s”"), self->bye_text);
  else
    self->closed_error = g_error_copy (error);

  g_clear_handle_id (&self->timeout_source, g_source_remove);
  courriel_connection_close (self->connection);

  /* Callbacks may queue more commands: take everything out first. */
  while ((command = g_queue_pop_head (&self->active)) != NULL)
    g_queue_push_tail (&pending, command);
  while ((command = g_queue_pop_head (&self->queue)) != NULL)
    g_queue_push_tail (&pending, command);

  g_object_ref (self);
  if (self->connect_task != NULL)
    {
      GTask *task = g_steal_pointer (&self->connect_task);
      g_task_return_error (task, g_error_copy (self->closed_error));
      g_object_unref (task);
    }
  while ((command = g_queue_pop_head (&pending)) != NULL)
    {
      if (command->task != NULL && !g_task_get_completed (command->task))
        g_task_return_error (command->task, g_error_copy (self->closed_error));
      command_free (command);
    }
  if (self->idle != NULL)
    {
      self->idle->command = NULL;
      idle_finish (self, g_error_copy (self->closed_error));
    }
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, self->closed_error);
  g_object_unref (self);
}

static Command *
find_active (CourrielImapClient *self, const char *tag)
{
  for (GList *l = self->active.head; l != NULL; l = l->next)
    if (g_strcmp0 (((Command *)l->data)->tag, tag) == 0)
      return l->data;
  return NULL;
}

static void handle_greeting (CourrielImapClient *self, CourrielImapResponse *response);

static void
handle_untagged_globally (CourrielImapClient *self, CourrielImapResponse *response)
{
  const char *name = courriel_imap_response_get_name (response);
  guint32 number = 0;

  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_CAPABILITY)
    set_capabilities_from_value (self, courriel_imap_response_get_code_value (response));
  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_ALERT)
    g_signal_emit (self, signals[SIGNAL_ALERT], 0, courriel_imap_response_get_text (response));

  switch (courriel_imap_response_get_status (response))
    {
    case COURRIEL_IMAP_STATUS_BYE:
      g_free (self->bye_text);
      self->bye_text = g_strdup (courriel_imap_response_get_text (response));
      return;
    case COURRIEL_IMAP_STATUS_NONE:
      break;
    default:
      return;
    }

  if (name == NULL)
    return;
  if (g_str_equal (name, "CAPABILITY"))
    set_capabilities_from_value (self, courriel_imap_response_get_data (response));
  else if (g_str_equal (name, "EXISTS") && courriel_imap_response_get_number (response, &number))
    g_signal_emit (self, signals[SIGNAL_EXISTS], 0, number);
  else if (g_str_equal (name, "EXPUNGE") && courriel_imap_response_get_number (response, &number))
    g_signal_emit (self, signals[SIGNAL_EXPUNGED], 0, number);
  else if (g_str_equal (name, "VANISHED"))
    {
      g_autoptr (CourrielImapVanished) vanished = courriel_imap_vanished_parse (response, NULL);
      if (vanished != NULL)
        g_signal_emit (self, signals[SIGNAL_VANISHED], 0, vanished->uids, vanished->earlier);
    }
  else if (g_str_equal (name, "FETCH"))
    {
      g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (response, NULL);
      if (fetch != NULL)
        g_signal_emit (self, signals[SIGNAL_FLAGS_CHANGED], 0, fetch);
    }
  else if (g_str_equal (name, "ENABLED"))
    {
      CourrielImapValue *data = courriel_imap_response_get_data (response);
      for (guint i = 0; i < courriel_imap_value_get_length (data); i++)
        {
          const char *atom = courriel_imap_value_get_atom (courriel_imap_value_get_item (data, i));
          if (atom != NULL)
            g_hash_table_add (self->enabled, g_ascii_strup (atom, -1));
        }
      if (courriel_imap_client_is_enabled (self, "UTF8=ACCEPT"))
        courriel_imap_parser_set_utf8 (self->parser, TRUE);
    }
}

static void
dispatch (CourrielImapClient *self, CourrielImapResponse *response)
{
  switch (courriel_imap_response_get_kind (response))
    {
    case COURRIEL_IMAP_RESPONSE_CONTINUATION:
      for (GList *l = self->active.head; l != NULL; l = l->next)
        {
          Command *command = l->data;
          Segment *next = g_queue_peek_head (&command->segments);

          if (command->on_continuation != NULL)
            {
              command->on_continuation (self, command, response);
              return;
            }
          if (next != NULL && next->wait_continuation)
            {
              next->wait_continuation = FALSE;
              send_segments (self, command);
              return;
            }
        }
      {
        g_autoptr (GError) error = g_error_new_literal (COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                                                        _("The mail server sent a continuation nobody asked for."));
        fail_everything (self, error);
      }
      return;

    case COURRIEL_IMAP_RESPONSE_TAGGED:
      {
        Command *command = find_active (self, courriel_imap_response_get_tag (response));

        if (command == NULL)
          {
            g_autoptr (GError) error = g_error_new (COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                                                    _("The mail server answered a command that was never sent (“%s”)."),
                                                    courriel_imap_response_get_tag (response));
            fail_everything (self, error);
            return;
          }
        if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_CAPABILITY)
          set_capabilities_from_value (self, courriel_imap_response_get_code_value (response));
        g_queue_remove (&self->active, command);
        command->on_done (self, command, response);
        command_free (command);
        pump (self);
      }
      return;

    case COURRIEL_IMAP_RESPONSE_UNTAGGED:
      if (!self->greeted)
        {
          handle_greeting (self, response);
          return;
        }
      for (GList *l = self->active.head; l != NULL; l = l->next)
        {
          Command *command = l->data;

          if (command->on_untagged != NULL && command->on_untagged (self, command, response))
            return;
        }
      handle_untagged_globally (self, response);
      return;
    }
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr (CourrielImapClient) self = g_weak_ref_get (weak);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = courriel_connection_read_finish (COURRIEL_CONNECTION (source), result, &error);
  CourrielImapResponse *response;

  g_weak_ref_clear (weak);
  g_free (weak);
  /* The client was dropped while reading: its dispose closed the connection. */
  if (self == NULL)
    return;

  self->reading = FALSE;
  if (self->closed)
    return;
  if (bytes == NULL)
    {
      fail_everything (self, error);
      return;
    }

  reset_timeout (self);
  if (!courriel_imap_parser_feed (self->parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
    {
      fail_everything (self, error);
      return;
    }
  while (!self->closed && !self->read_paused && (response = courriel_imap_parser_pop (self->parser)) != NULL)
    {
      dispatch (self, response);
      courriel_imap_response_unref (response);
    }

  read_more (self);
}

/* The read loop holds the client weakly: dropping the last reference ends the session. */
static void
read_more (CourrielImapClient *self)
{
  GWeakRef *weak;

  if (self->reading || self->closed || self->read_paused)
    return;
  self->reading = TRUE;
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  courriel_connection_read_async (self->connection, READ_CHUNK, NULL, on_read, weak);
}

/* Simple commands ----------------------------------------------------------------------------- */

void
courriel_imap_client_done_ok (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_boolean (command->task, TRUE);
  else
    {
      courriel_imap_set_error_from_response (response, g_task_get_task_data (command->task), &error);
      g_task_return_error (command->task, error);
    }
}

GTask *
courriel_imap_client_new_task (CourrielImapClient *self, gpointer source_tag, const char *what, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* What the user was doing, for the error message. */
  g_task_set_task_data (task, g_strdup (what), g_free);
  return task;
}

gboolean
courriel_imap_client_finish_boolean (CourrielImapClient *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
courriel_imap_client_finish_pointer (CourrielImapClient *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
courriel_imap_client_noop_async (CourrielImapClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_QUIET,
                courriel_imap_client_new_task (self, courriel_imap_client_noop_async, "NOOP", cancellable, callback, user_data));
  courriel_imap_builder_add (&b, "NOOP");
  b.command->on_done = courriel_imap_client_done_ok;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_noop_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_noop_async, error);
}

/* CAPABILITY */

static void
capability_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, courriel_imap_client_dup_capabilities (self), (GDestroyNotify)g_strfreev);
  else
    {
      courriel_imap_set_error_from_response (response, _("Asking the server what it supports"), &error);
      g_task_return_error (command->task, error);
    }
}

static Command *
capability_command (CourrielImapClient *self, GTask *task)
{
  Builder b;

  courriel_imap_builder_init (&b, self, KIND_DATA, task);
  courriel_imap_builder_add (&b, "CAPABILITY");
  b.command->on_done = capability_done;
  return courriel_imap_builder_end (&b);
}

void
courriel_imap_client_capability_async (CourrielImapClient *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_client_queue_command (self, capability_command (self, courriel_imap_client_new_task (self, courriel_imap_client_capability_async, "CAPABILITY",
                                                           cancellable, callback, user_data)));
}

GStrv
courriel_imap_client_capability_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_capability_async, error);
}

/* Connecting: greeting, CAPABILITY, STARTTLS ----------------------------------------------- */

static void
connect_return_error (CourrielImapClient *self, GError *error)
{
  GTask *task = g_steal_pointer (&self->connect_task);

  reset_timeout (self);
  if (task == NULL)
    {
      g_error_free (error);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
connect_return_success (CourrielImapClient *self)
{
  GTask *task = g_steal_pointer (&self->connect_task);

  reset_timeout (self);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_capability_after_tls (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (source);
  g_auto (GStrv) capabilities = NULL;
  GError *error = NULL;

  capabilities = courriel_imap_client_capability_finish (self, result, &error);
  if (capabilities == NULL)
    connect_return_error (self, error);
  else
    connect_return_success (self);
}

static void
on_start_tls (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielImapClient) self = user_data;
  GError *error = NULL;

  if (!courriel_connection_start_tls_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      fail_everything (self, error);
      g_error_free (error);
      return;
    }
  /* What the server sent before the handshake, in clear text, is forgotten (RFC 2595, 3.1),
   * and so is everything it advertised then. */
  courriel_imap_parser_reset (self->parser);
  g_hash_table_remove_all (self->capabilities);
  self->read_paused = FALSE;
  read_more (self);
  courriel_imap_client_capability_async (self, NULL, on_capability_after_tls, NULL);
}

static void
starttls_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, _("Securing the connection (STARTTLS)"), &error);
      connect_return_error (self, error);
      return;
    }
  /* Not one more byte in clear text: stop reading until the TLS handshake is done. */
  self->read_paused = TRUE;
  courriel_connection_start_tls_async (self->connection, NULL, on_start_tls, g_object_ref (self));
}

static void
connect_after_capabilities (CourrielImapClient *self)
{
  Builder b;

  if (courriel_connection_get_security (self->connection) != COURRIEL_SECURITY_STARTTLS
      || courriel_connection_is_encrypted (self->connection))
    {
      connect_return_success (self);
      return;
    }
  if (!courriel_imap_client_has_capability (self, "STARTTLS"))
    {
      connect_return_error (self, g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE,
                                               _("The mail server %s does not offer a secure connection (STARTTLS), "
                                                 "so Courriel did not connect."),
                                               courriel_connection_get_host (self->connection)));
      courriel_connection_close (self->connection);
      return;
    }

  courriel_imap_builder_init (&b, self, KIND_BARRIER, NULL);
  courriel_imap_builder_add (&b, "STARTTLS");
  b.command->on_done = starttls_done;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

static void
on_capability_after_greeting (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (source);
  g_auto (GStrv) capabilities = NULL;
  GError *error = NULL;

  capabilities = courriel_imap_client_capability_finish (self, result, &error);
  if (capabilities == NULL)
    connect_return_error (self, error);
  else
    connect_after_capabilities (self);
}

static void
handle_greeting (CourrielImapClient *self, CourrielImapResponse *response)
{
  CourrielImapStatus status = courriel_imap_response_get_status (response);

  self->greeted = TRUE;
  if (status == COURRIEL_IMAP_STATUS_BYE || (status != COURRIEL_IMAP_STATUS_OK && status != COURRIEL_IMAP_STATUS_PREAUTH))
    {
      g_autoptr (GError) error = g_error_new (COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_BYE,
                                              _("The mail server refused the connection: “%s”"),
                                              courriel_imap_response_get_text (response));
      fail_everything (self, error);
      return;
    }
  if (status == COURRIEL_IMAP_STATUS_PREAUTH)
    {
      /* Already logged in, in clear text if not TLS: STARTTLS is impossible after PREAUTH. */
      if (courriel_connection_get_security (self->connection) == COURRIEL_SECURITY_STARTTLS)
        {
          g_autoptr (GError) error = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE,
                                                  _("The mail server %s logged in without securing the connection "
                                                    "first, so Courriel disconnected."),
                                                  courriel_connection_get_host (self->connection));
          fail_everything (self, error);
          return;
        }
      self->authenticated = TRUE;
    }
  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_CAPABILITY)
    {
      set_capabilities_from_value (self, courriel_imap_response_get_code_value (response));
      connect_after_capabilities (self);
    }
  else
    courriel_imap_client_capability_async (self, NULL, on_capability_after_greeting, NULL);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielImapClient) self = user_data;
  GError *error = NULL;

  if (!courriel_connection_connect_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      connect_return_error (self, error);
      return;
    }
  read_more (self);
}

void
courriel_imap_client_connect_async (CourrielImapClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (self->connect_task == NULL && !self->greeted);

  self->connect_task = courriel_imap_client_new_task (self, courriel_imap_client_connect_async, "connect", cancellable, callback, user_data);
  reset_timeout (self);
  courriel_connection_connect_async (self->connection, cancellable, on_connected, g_object_ref (self));
}

gboolean
courriel_imap_client_connect_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_connect_async, error);
}

/* LOGIN and AUTHENTICATE ---------------------------------------------------------------------- */

static void
on_capability_after_login (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_auto (GStrv) capabilities = NULL;
  GError *error = NULL;

  capabilities = courriel_imap_client_capability_finish (COURRIEL_IMAP_CLIENT (source), result, &error);
  if (capabilities == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
authenticated_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, _("Logging in"), &error);
      /* A plain NO to LOGIN or AUTHENTICATE is a refused login, whatever the code. */
      if (error->code == COURRIEL_IMAP_ERROR_NO)
        error->code = COURRIEL_IMAP_ERROR_AUTH_FAILED;
      g_task_return_error (command->task, error);
      return;
    }

  self->authenticated = TRUE;
  /* Capabilities change after login: take them from the OK, or ask. */
  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_CAPABILITY)
    g_task_return_boolean (command->task, TRUE);
  else
    courriel_imap_client_capability_async (self, g_task_get_cancellable (command->task), on_capability_after_login,
                                           g_object_ref (command->task));
}

static gboolean
check_can_authenticate (CourrielImapClient *self, GTask *task)
{
  GError *error = NULL;

  if (!courriel_connection_check_credentials_allowed (self->connection, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return FALSE;
    }
  if (self->authenticated)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return FALSE;
    }
  return TRUE;
}

void
courriel_imap_client_login_async (CourrielImapClient *self, const char *username, const char *password,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = courriel_imap_client_new_task (self, courriel_imap_client_login_async, _("Logging in"), cancellable, callback, user_data);
  if (!check_can_authenticate (self, task))
    return;
  if (courriel_imap_client_has_capability (self, "LOGINDISABLED"))
    {
      g_task_return_new_error (task, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_UNSUPPORTED,
                               _("The mail server does not accept a plain login here."));
      g_object_unref (task);
      return;
    }

  courriel_imap_builder_init (&b, self, KIND_BARRIER, task);
  courriel_imap_builder_add (&b, "LOGIN ");
  courriel_imap_builder_add_string (&b, username);
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add_string (&b, password);
  b.command->on_done = authenticated_done;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_login_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_login_async, error);
}

static void
authenticate_continue (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  CourrielSasl *sasl = command->data;
  const char *text = courriel_imap_response_get_text (response);
  g_autoptr (GError) error = NULL;
  g_autofree char *encoded = courriel_sasl_step_base64 (sasl, text != NULL ? text : "", &error);

  if (encoded == NULL)
    {
      /* Abort the exchange; the server answers BAD and the command fails. */
      g_autoptr (GBytes) cancel = g_bytes_new_static ("*\r\n", 3);
      g_debug ("SASL step failed: %s", error->message);
      write_bytes (self, cancel);
      return;
    }
  {
    g_autofree char *line = g_strconcat (encoded, "\r\n", NULL);
    gsize line_length = strlen (line);

    write_bytes (self, g_bytes_new_take (g_steal_pointer (&line), line_length));
  }
}

void
courriel_imap_client_authenticate_async (CourrielImapClient *self, const char *mechanism, const char *username,
                                         const char *secret, GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr (GPtrArray) offered = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = NULL;
  g_autofree gpointer *keys = NULL;
  GTask *task;
  Builder b;
  guint n;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (username != NULL && secret != NULL);

  task = courriel_imap_client_new_task (self, courriel_imap_client_authenticate_async, _("Logging in"), cancellable, callback, user_data);
  if (!check_can_authenticate (self, task))
    return;

  keys = g_hash_table_get_keys_as_array (self->capabilities, &n);
  for (guint i = 0; i < n; i++)
    if (g_str_has_prefix (keys[i], "AUTH="))
      g_ptr_array_add (offered, g_strdup ((const char *)keys[i] + 5));
  g_ptr_array_add (offered, NULL);
  if (mechanism == NULL)
    mechanism = courriel_sasl_choose ((const char * const *)offered->pdata, FALSE);
  if (mechanism == NULL)
    {
      g_task_return_new_error (task, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_UNSUPPORTED,
                               _("The mail server offers no way of logging in that Courriel knows."));
      g_object_unref (task);
      return;
    }

  sasl = courriel_sasl_new (mechanism, username, secret, &error);
  if (sasl == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  courriel_imap_builder_init (&b, self, KIND_BARRIER, task);
  courriel_imap_builder_add (&b, "AUTHENTICATE ");
  courriel_imap_builder_add (&b, courriel_sasl_get_mechanism (sasl));
  if (courriel_imap_client_has_capability (self, "SASL-IR") && courriel_sasl_has_initial_response (sasl))
    {
      g_autofree char *initial = courriel_sasl_step_base64 (sasl, NULL, &error);

      if (initial == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          command_free (courriel_imap_builder_end (&b));
          return;
        }
      /* An empty initial response is "=" (RFC 4959). */
      courriel_imap_builder_add (&b, " ");
      courriel_imap_builder_add (&b, *initial != '\0' ? initial : "=");
    }
  b.command->on_continuation = authenticate_continue;
  b.command->on_done = authenticated_done;
  b.command->data = g_steal_pointer (&sasl);
  b.command->data_free = g_object_unref;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_authenticate_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_authenticate_async, error);
}

/* LOGOUT */

static void
logout_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GTask *task = g_object_ref (command->task);
  g_autoptr (GError) error = g_error_new_literal (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                                                  _("Logged out from the mail server."));

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  g_clear_pointer (&self->bye_text, g_free);
  fail_everything (self, error);
}

void
courriel_imap_client_logout_async (CourrielImapClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_BARRIER,
                courriel_imap_client_new_task (self, courriel_imap_client_logout_async, "LOGOUT", cancellable, callback, user_data));
  courriel_imap_builder_add (&b, "LOGOUT");
  b.command->on_done = logout_done;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_logout_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_logout_async, error);
}

/* IDLE ---------------------------------------------------------------------------------------- */


static void idle_send (CourrielImapClient *self);

static void
idle_send_done (CourrielImapClient *self)
{
  IdleState *idle = self->idle;

  if (idle == NULL || idle->done_sent || !idle->idling)
    return;
  idle->done_sent = TRUE;
  write_bytes (self, g_bytes_new_static ("DONE\r\n", 6));
  reset_timeout (self);
}

static gboolean
on_idle_keepalive (gpointer user_data)
{
  CourrielImapClient *self = user_data;

  self->idle->keepalive_source = 0;
  idle_send_done (self); /* then IDLE again: see idle_done() */
  return G_SOURCE_REMOVE;
}

static void
idle_continue (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  IdleState *idle = self->idle;

  idle->idling = TRUE;
  reset_timeout (self);
  if (idle->stopping)
    idle_send_done (self);
  else
    idle->keepalive_source = g_timeout_add_seconds (self->idle_keepalive, on_idle_keepalive, self);
}

static void
idle_finish (CourrielImapClient *self, GError *error)
{
  IdleState *idle = g_steal_pointer (&self->idle);
  GCancellable *cancellable = g_task_get_cancellable (idle->task);

  g_clear_handle_id (&idle->keepalive_source, g_source_remove);
  if (idle->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, idle->cancelled_id);
  if (error != NULL)
    g_task_return_error (idle->task, error);
  else
    g_task_return_boolean (idle->task, TRUE);
  g_object_unref (idle->task);
  g_free (idle);
}

static void
idle_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  IdleState *idle = self->idle;
  GError *error = NULL;

  idle->command = NULL;
  idle->idling = FALSE;
  idle->done_sent = FALSE;
  g_clear_handle_id (&idle->keepalive_source, g_source_remove);

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, _("Waiting for new mail (IDLE)"), &error);
      idle_finish (self, error);
    }
  else if (idle->stopping)
    idle_finish (self, NULL);
  else
    idle_send (self);
}

static void
idle_send (CourrielImapClient *self)
{
  Builder b;

  courriel_imap_builder_init (&b, self, KIND_BARRIER, NULL);
  courriel_imap_builder_add (&b, "IDLE");
  b.command->on_continuation = idle_continue;
  b.command->on_done = idle_done;
  self->idle->command = b.command;
  /* Straight to the front: IDLE is what the session is doing now. */
  g_queue_push_head (&self->queue, courriel_imap_builder_end (&b));
  pump (self);
}

void
courriel_imap_client_idle_stop (CourrielImapClient *self)
{
  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  if (self->idle == NULL || self->idle->stopping)
    return;
  self->idle->stopping = TRUE;
  idle_send_done (self);
}

/* Another command wants the session: IDLE makes way (its task completes normally). */
static void
idle_stop_for_command (CourrielImapClient *self)
{
  if (self->idle->command != NULL && g_queue_find (&self->active, self->idle->command) != NULL)
    courriel_imap_client_idle_stop (self);
}

static void
on_idle_cancelled (GCancellable *cancellable, gpointer user_data)
{
  CourrielImapClient *self = user_data;

  /* Runs in the cancelling thread's context; the engine is single-threaded. */
  courriel_imap_client_idle_stop (self);
}

void
courriel_imap_client_idle_async (CourrielImapClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  task = courriel_imap_client_new_task (self, courriel_imap_client_idle_async, "IDLE", cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  if (!courriel_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_UNSUPPORTED,
                               _("The mail server cannot announce new mail (no IDLE)."));
      g_object_unref (task);
      return;
    }
  if (self->idle != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "IDLE is already running");
      g_object_unref (task);
      return;
    }
  if (self->closed)
    {
      g_task_return_error (task, g_error_copy (self->closed_error));
      g_object_unref (task);
      return;
    }

  self->idle = g_new0 (IdleState, 1);
  self->idle->task = task;
  if (cancellable != NULL)
    self->idle->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_idle_cancelled), self, NULL);
  idle_send (self);
}

gboolean
courriel_imap_client_idle_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_idle_async, error);
}

/* GObject ------------------------------------------------------------------------------------- */

static void
courriel_imap_client_dispose (GObject *object)
{
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (object);

  if (!self->closed && self->connection != NULL)
    {
      g_autoptr (GError) error = g_error_new_literal (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                                                      _("The connection to the mail server is closed."));
      fail_everything (self, error);
    }
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  g_clear_object (&self->connection);
  g_clear_object (&self->parser);

  G_OBJECT_CLASS (courriel_imap_client_parent_class)->dispose (object);
}

static void
courriel_imap_client_finalize (GObject *object)
{
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (object);

  g_hash_table_unref (self->capabilities);
  g_hash_table_unref (self->enabled);
  g_free (self->selected);
  g_free (self->bye_text);
  g_clear_error (&self->closed_error);

  G_OBJECT_CLASS (courriel_imap_client_parent_class)->finalize (object);
}

static void
courriel_imap_client_class_init (CourrielImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_imap_client_dispose;
  object_class->finalize = courriel_imap_client_finalize;

  /* The number of messages in the selected mailbox changed (new mail). */
  signals[SIGNAL_EXISTS] = g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* A message (by sequence number) was expunged from the selected mailbox. */
  signals[SIGNAL_EXPUNGED] = g_signal_new ("expunged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* QRESYNC: messages (by UID, a CourrielImapUidSet*) were expunged; earlier = reported late. */
  signals[SIGNAL_VANISHED] = g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_BOOLEAN);
  /* An unsolicited FETCH (CourrielImapFetch*): flags changed elsewhere. */
  signals[SIGNAL_FLAGS_CHANGED] = g_signal_new ("flags-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* The server's [ALERT] text, which RFC 3501 says the user must see. */
  signals[SIGNAL_ALERT] = g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The session ended; the GError* says why. */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
courriel_imap_client_init (CourrielImapClient *self)
{
  self->parser = courriel_imap_parser_new ();
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->idle_keepalive = DEFAULT_IDLE_KEEPALIVE;
}

/**
 * courriel_imap_client_new:
 * @connection: a connection, not yet connected, to the IMAP server
 *
 * The client takes over the connection's timeout as the longest silence it accepts from the
 * server while a command waits (IDLE excepted).
 */
CourrielImapClient *
courriel_imap_client_new (CourrielConnection *connection)
{
  CourrielImapClient *self;

  g_return_val_if_fail (COURRIEL_IS_CONNECTION (connection), NULL);

  self = g_object_new (COURRIEL_TYPE_IMAP_CLIENT, NULL);
  self->connection = g_object_ref (connection);
  self->timeout = courriel_connection_get_timeout (connection);
  /* The read loop waits for as long as the session lives; silence is judged per command here. */
  courriel_connection_set_timeout (connection, 0);
  return self;
}
