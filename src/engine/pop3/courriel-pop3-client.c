/* courriel-pop3-client.c — a POP3 session: greeting, capabilities, STLS, authentication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One command at a time, as POP3 wants (RFC 1939): a command line goes out, a status line comes
 * back ("+OK", "-ERR", or "+ challenge" during AUTH), followed for multi-line answers by lines up
 * to a lone ".", with dot-stuffing undone. STLS is required when the account says STARTTLS:
 * Courriel never falls back to clear text; a password travels only over TLS unless the account
 * allows otherwise (courriel_connection_check_credentials_allowed()). Authentication prefers
 * SASL (the strongest mechanism both sides know), then USER/PASS.
 */
#define G_LOG_DOMAIN "courriel-pop3"

#include "config.h"
#include "courriel-pop3-client.h"

#include <glib/gi18n-lib.h>

#include "courriel-net-error.h"
#include "courriel-sasl.h"
#include "courriel-task.h"

G_DEFINE_QUARK (courriel-pop3-error-quark, courriel_pop3_error)

/* The longest line of a message (RETR, TOP) kept apart, as the connection does for lines. */
#define MAX_MESSAGE_LINE (1024 * 1024)

struct _CourrielPop3Client
{
  GObject             parent_instance;

  CourrielConnection *connection;
  GStrv               capabilities; /* CAPA lines, or NULL when the server has no CAPA */
  char               *timestamp;    /* the greeting's <…>, for APOP */
  gboolean            authenticated;
};

G_DEFINE_FINAL_TYPE (CourrielPop3Client, courriel_pop3_client, G_TYPE_OBJECT)

static void
courriel_pop3_client_finalize (GObject *object)
{
  CourrielPop3Client *self = COURRIEL_POP3_CLIENT (object);

  g_clear_object (&self->connection);
  g_strfreev (self->capabilities);
  g_free (self->timestamp);
  G_OBJECT_CLASS (courriel_pop3_client_parent_class)->finalize (object);
}

static void
courriel_pop3_client_class_init (CourrielPop3ClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_pop3_client_finalize;
}

static void
courriel_pop3_client_init (CourrielPop3Client *self)
{
}

CourrielPop3Client *
courriel_pop3_client_new (CourrielConnection *connection)
{
  CourrielPop3Client *self = g_object_new (COURRIEL_TYPE_POP3_CLIENT, NULL);

  self->connection = g_object_ref (connection);
  return self;
}

CourrielConnection *
courriel_pop3_client_get_connection (CourrielPop3Client *self)
{
  g_return_val_if_fail (COURRIEL_IS_POP3_CLIENT (self), NULL);
  return self->connection;
}

/* "SASL PLAIN SCRAM-SHA-256" is "SASL"; capabilities compare without case. */
gboolean
courriel_pop3_client_has_capability (CourrielPop3Client *self, const char *name)
{
  g_return_val_if_fail (COURRIEL_IS_POP3_CLIENT (self), FALSE);
  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    {
      const char *line = self->capabilities[i];
      gsize length = strcspn (line, " ");

      if (length == strlen (name) && g_ascii_strncasecmp (line, name, length) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The SASL mechanisms the server offers ("SASL PLAIN SCRAM-SHA-256"), as it last said. */
GStrv
courriel_pop3_client_dup_mechanisms (CourrielPop3Client *self)
{
  g_return_val_if_fail (COURRIEL_IS_POP3_CLIENT (self), NULL);
  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strncasecmp (self->capabilities[i], "SASL ", 5) == 0)
      return g_strsplit (self->capabilities[i] + 5, " ", -1);
  return g_new0 (char *, 1);
}

/* Commands ------------------------------------------------------------------------------------ */

typedef struct
{
  char      *line;      /* to send, without CRLF; NULL to only read (the greeting) */
  gboolean   multiline; /* read lines after +OK up to "." */
  gboolean   sensitive; /* never logged */
  char      *status;    /* the status line's text after +OK / -ERR / + */
  gboolean   ok;
  gboolean   challenge; /* "+ " during AUTH */
  GPtrArray *lines;     /* multi-line answer, unstuffed */
  gboolean   raw;       /* a message (RETR, TOP): its lines kept as bytes, CRLF restored */
  GByteArray *data;     /* raw, without a sink */
  GOutputStream *sink;  /* raw, written there as it arrives */
  GBytes    *pending;   /* being written to the sink */
  GByteArray *partial;  /* raw: bytes received after the last complete line */
  gboolean   sink_done; /* raw: the end was seen, its last lines are being written */
} Command;

static void
command_clear (Command *command)
{
  if (command->line != NULL)
    memset (command->line, 0, strlen (command->line)); /* it may hold a password */
  g_free (command->line);
  g_free (command->status);
  g_clear_pointer (&command->lines, g_ptr_array_unref);
  g_clear_pointer (&command->data, g_byte_array_unref);
  g_clear_object (&command->sink);
  g_clear_pointer (&command->pending, g_bytes_unref);
  g_clear_pointer (&command->partial, g_byte_array_unref);
}

static void
command_free (Command *command)
{
  g_rc_box_release_full (command, (GDestroyNotify)command_clear);
}

static void read_status (GTask *task);

static void
on_data_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);
  GError *error = NULL;
  gsize length = 0;
  g_autofree char *line = courriel_connection_read_line_finish (self->connection, result, &length, &error);
  const char *start;

  if (line == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (length == 1 && line[0] == '.')
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  /* Dot-stuffing undone: a line that began with "." was sent with one more. */
  start = line[0] == '.' ? line + 1 : line;
  length -= start - line;
  g_ptr_array_add (command->lines, g_strchomp (g_strndup (start, length)));
  courriel_connection_read_line_async (self->connection, g_task_get_cancellable (task), on_data_line, task);
}

/* A message's lines (RETR, TOP) are read by chunks, not a line at a time: a line is 70 bytes
 * and each read of the connection is a task, a timeout and a main loop turn. */
static void read_message_chunk (GTask *task);

static void
message_failed (GTask *task, GError *error)
{
  CourrielPop3Client *self = g_task_get_source_object (task);

  /* The rest of the answer may still be coming: the session is out of step. */
  courriel_connection_close (self->connection);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_message_chunk_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      message_failed (task, error);
      return;
    }
  read_message_chunk (task);
}

/* Moves the complete lines of command->partial to @out, dot-stuffing undone and CRLF line
 * ends; returns TRUE at the lone "." that ends the answer, and sets @error if something other
 * than the answer came after it or a line is too long. */
static gboolean
take_message_lines (CourrielPop3Client *self, Command *command, GByteArray *out, GError **error)
{
  GByteArray *partial = command->partial;
  gsize done = 0;
  gboolean ended = FALSE;

  while (!ended)
    {
      const guint8 *line = partial->data + done;
      const guint8 *newline = memchr (line, '\n', partial->len - done);
      gsize length;

      if (newline == NULL)
        break;
      length = newline - line;
      done += length + 1;
      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (length == 1 && line[0] == '.')
        ended = TRUE;
      else
        {
          /* Dot-stuffing undone: a line that began with "." was sent with one more. */
          gsize skip = length > 0 && line[0] == '.' ? 1 : 0;

          g_byte_array_append (out, line + skip, length - skip);
          g_byte_array_append (out, (const guint8 *)"\r\n", 2);
        }
    }
  g_byte_array_remove_range (partial, 0, done);
  if (ended && partial->len > 0)
    {
      /* POP3 answers one command at a time: nothing may follow the end of this one. */
      g_set_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL,
                   _("The mail server %s answered something that is not POP3."),
                   courriel_connection_get_host (self->connection));
      return FALSE;
    }
  if (!ended && partial->len > MAX_MESSAGE_LINE + 1)
    {
      g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_LINE_TOO_LONG,
                   _("The mail server %s sent a line longer than %lu bytes."),
                   courriel_connection_get_host (self->connection), (gulong)MAX_MESSAGE_LINE);
      return FALSE;
    }
  return ended;
}

static void
on_message_chunk (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GBytes) chunk = courriel_connection_read_finish (self->connection, result, &error);
  g_autoptr (GByteArray) lines = NULL;
  gboolean ended;

  if (chunk == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_byte_array_append (command->partial, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  lines = command->sink == NULL ? g_byte_array_ref (command->data) : g_byte_array_new ();
  ended = take_message_lines (self, command, lines, &error);
  if (error != NULL)
    {
      message_failed (task, error);
      return;
    }
  if (command->sink != NULL && lines->len > 0)
    {
      /* The task's own read goes on once these lines are written; the end waits for them too. */
      g_clear_pointer (&command->pending, g_bytes_unref);
      command->pending = g_byte_array_free_to_bytes (g_steal_pointer (&lines));
      if (ended)
        command->sink_done = TRUE;
      g_output_stream_write_all_async (command->sink, g_bytes_get_data (command->pending, NULL),
                                       g_bytes_get_size (command->pending), G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task), on_message_chunk_written, task);
      return;
    }
  if (ended)
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  read_message_chunk (task);
}

static void
read_message_chunk (GTask *task)
{
  CourrielPop3Client *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);

  if (command->sink_done)
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  courriel_connection_read_async (self->connection, 0, g_task_get_cancellable (task), on_message_chunk, task);
}

static void
on_status_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *line = courriel_connection_read_line_finish (self->connection, result, NULL, &error);

  if (line == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_strchomp (line);
  if (g_str_has_prefix (line, "+OK"))
    command->ok = TRUE;
  else if (g_str_has_prefix (line, "+ ") || g_str_equal (line, "+"))
    command->challenge = TRUE;
  else if (!g_str_has_prefix (line, "-ERR"))
    {
      /* Not POP3: the connection cannot be trusted to be in step any more. */
      courriel_connection_close (self->connection);
      g_task_return_new_error (task, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL,
                               _("The mail server %s answered something that is not POP3."),
                               courriel_connection_get_host (self->connection));
      g_object_unref (task);
      return;
    }
  command->status = g_strdup (g_strstrip (line + (command->ok ? 3 : command->challenge ? 1 : 4)));
  if (command->ok && command->multiline)
    {
      command->lines = g_ptr_array_new_with_free_func (g_free);
      if (command->raw)
        {
          if (command->sink == NULL)
            command->data = g_byte_array_new ();
          command->partial = g_byte_array_new ();
          read_message_chunk (task);
          return;
        }
      courriel_connection_read_line_async (self->connection, g_task_get_cancellable (task), on_data_line, task);
      return;
    }
  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

static void
read_status (GTask *task)
{
  CourrielPop3Client *self = g_task_get_source_object (task);

  courriel_connection_read_line_async (self->connection, g_task_get_cancellable (task), on_status_line, task);
}

static void
on_command_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_write_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  read_status (task);
}

/* Sends @line (NULL: reads the greeting) and reads the answer; finish with command_finish().
 * With @raw, the multi-line answer is a message, kept as bytes or written to @sink. */
static void
command_full_async (CourrielPop3Client *self, const char *line, gboolean multiline, gboolean sensitive, gboolean raw,
                    GOutputStream *sink, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Command *command = g_rc_box_new0 (Command);

  command->line = g_strdup (line);
  command->multiline = multiline;
  command->sensitive = sensitive;
  command->raw = raw;
  command->sink = sink != NULL ? g_object_ref (sink) : NULL;
  g_task_set_task_data (task, command, (GDestroyNotify)command_free);
  if (line == NULL)
    {
      read_status (task);
      return;
    }
  if (!sensitive)
    g_debug ("C: %s", line);
  {
    g_autofree char *wire = g_strconcat (line, "\r\n", NULL);
    g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&wire), strlen (line) + 2);
    courriel_connection_write_async (self->connection, bytes, cancellable, on_command_written, task);
  }
}

static void
command_async (CourrielPop3Client *self, const char *line, gboolean multiline, gboolean sensitive,
               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  command_full_async (self, line, multiline, sensitive, FALSE, NULL, cancellable, callback, user_data);
}

/* The answer (owned by @result), or NULL with @error set when the exchange itself failed. */
static Command *
command_finish (GAsyncResult *result, GError **error)
{
  GError *local = NULL;

  g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_task_get_task_data (G_TASK (result));
}

/* Connecting ----------------------------------------------------------------------------------- */

typedef struct
{
  guint step;
} ConnectState;

static void connect_step (GTask *task);

static void
set_error_from_answer (Command *answer, const char *what, GError **error)
{
  g_set_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR, _("%s failed: the server said “%s”"), what,
               answer->status != NULL ? answer->status : "");
}

static void on_tls_started (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_connect_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  ConnectState *state = g_task_get_task_data (task);
  GError *error = NULL;
  Command *answer = command_finish (result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  switch (state->step)
    {
    case 0: /* greeting */
      if (!answer->ok)
        {
          set_error_from_answer (answer, _("Connecting"), &error);
          courriel_task_fail_if (task, error);
          return;
        }
      {
        const char *open = strchr (answer->status, '<');
        const char *close = open != NULL ? strchr (open, '>') : NULL;
        if (close != NULL && strchr (open, '@') != NULL && strchr (open, '@') < close)
          self->timestamp = g_strndup (open, close - open + 1);
      }
      break;
    case 1: /* CAPA: servers without it answer -ERR */
    case 3:
      g_clear_pointer (&self->capabilities, g_strfreev);
      if (answer->ok)
        {
          g_ptr_array_add (answer->lines, NULL);
          self->capabilities = (GStrv)g_ptr_array_steal (answer->lines, NULL);
        }
      break;
    case 2: /* STLS */
      if (!answer->ok)
        {
          set_error_from_answer (answer, "STLS", &error);
          courriel_task_fail_if (task, error);
          return;
        }
      state->step++;
      courriel_connection_start_tls_async (self->connection, g_task_get_cancellable (task), on_tls_started, task);
      return;
    }
  state->step++;
  connect_step (task);
}

static void
on_tls_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_start_tls_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  connect_step (task);
}

static void
connect_step (GTask *task)
{
  CourrielPop3Client *self = g_task_get_source_object (task);
  ConnectState *state = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  gboolean starttls = courriel_connection_get_security (self->connection) == COURRIEL_SECURITY_STARTTLS;

  switch (state->step)
    {
    case 0:
      command_async (self, NULL, FALSE, FALSE, cancellable, on_connect_answer, task);
      break;
    case 1:
      command_async (self, "CAPA", TRUE, FALSE, cancellable, on_connect_answer, task);
      break;
    case 2:
      if (!starttls)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          break;
        }
      /* STARTTLS asked for: without STLS offered, never go on in clear text. */
      if (!courriel_pop3_client_has_capability (self, "STLS"))
        {
          g_task_return_new_error (task, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The mail server %s does not offer to encrypt the connection (STLS)."),
                                   courriel_connection_get_host (self->connection));
          g_object_unref (task);
          break;
        }
      command_async (self, "STLS", FALSE, FALSE, cancellable, on_connect_answer, task);
      break;
    case 3:
      /* After STLS: capabilities again, as those before cannot be trusted. */
      command_async (self, "CAPA", TRUE, FALSE, cancellable, on_connect_answer, task);
      break;
    default:
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      break;
    }
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_connect_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  connect_step (task);
}

/* Connects, reads the greeting and the capabilities, and upgrades to TLS when the connection's
 * security is STARTTLS (failing if the server cannot). */
void
courriel_pop3_client_connect_async (CourrielPop3Client *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_POP3_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_pop3_client_connect_async);
  g_task_set_task_data (task, g_new0 (ConnectState, 1), g_free);
  courriel_connection_connect_async (self->connection, cancellable, on_connected, task);
}

gboolean
courriel_pop3_client_connect_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Authentication ------------------------------------------------------------------------------ */

typedef struct
{
  CourrielSasl *sasl;     /* NULL: USER/PASS */
  char         *username;
  char         *password;
  gboolean      pass_sent;
} Login;

static void
login_free (Login *login)
{
  g_clear_object (&login->sasl);
  g_free (login->username);
  if (login->password != NULL)
    memset (login->password, 0, strlen (login->password));
  g_free (login->password);
  g_free (login);
}

static void
login_failed (GTask *task, Command *answer)
{
  CourrielPop3Client *self = g_task_get_source_object (task);

  g_task_return_new_error (task, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_AUTH_FAILED,
                           _("Logging in failed: %s refused the user name or the password (it said “%s”)."),
                           courriel_connection_get_host (self->connection), answer->status ? answer->status : "");
  g_object_unref (task);
}

static void on_login_answer (GObject *source, GAsyncResult *result, gpointer user_data);

/* One SASL step: the server's challenge in, our response out. */
static void
sasl_respond (GTask *task, const char *challenge_base64)
{
  CourrielPop3Client *self = g_task_get_source_object (task);
  Login *login = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *encoded = courriel_sasl_step_base64 (login->sasl, challenge_base64 ? challenge_base64 : "", &error);

  if (encoded == NULL)
    {
      /* The exchange cannot go on: the session is in an unknown state. */
      courriel_connection_close (self->connection);
      courriel_task_fail_if (task, error);
      return;
    }
  command_async (self, encoded, FALSE, TRUE, g_task_get_cancellable (task), on_login_answer, task);
}

static void
on_login_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  Login *login = g_task_get_task_data (task);
  GError *error = NULL;
  Command *answer = command_finish (result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  if (answer->challenge && login->sasl != NULL)
    {
      sasl_respond (task, answer->status);
      return;
    }
  if (!answer->ok)
    {
      login_failed (task, answer);
      return;
    }
  if (login->sasl == NULL && !login->pass_sent)
    {
      g_autofree char *line = g_strdup_printf ("PASS %s", login->password);
      login->pass_sent = TRUE;
      command_async (self, line, FALSE, TRUE, g_task_get_cancellable (task), on_login_answer, task);
      memset (line, 0, strlen (line));
      return;
    }
  self->authenticated = TRUE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * courriel_pop3_client_authenticate_async:
 * @mechanism: (nullable): a SASL mechanism, or NULL for the best the server offers (USER/PASS
 *   when it offers none)
 *
 * Logs in. The password is refused on a connection that is not encrypted unless the account
 * allows it; a refusal by the server is COURRIEL_POP3_ERROR_AUTH_FAILED.
 */
void
courriel_pop3_client_authenticate_async (CourrielPop3Client *self, const char *mechanism, const char *username,
                                         const char *password, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Login *login;
  GError *error = NULL;

  g_return_if_fail (COURRIEL_IS_POP3_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_pop3_client_authenticate_async);
  login = g_new0 (Login, 1);
  login->username = g_strdup (username);
  login->password = g_strdup (password);
  g_task_set_task_data (task, login, (GDestroyNotify)login_free);
  if (!courriel_connection_check_credentials_allowed (self->connection, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  if (mechanism == NULL)
    {
      /* "SASL PLAIN SCRAM-SHA-256": the offered mechanisms follow the keyword. */
      for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
        if (g_ascii_strncasecmp (self->capabilities[i], "SASL ", 5) == 0)
          {
            g_auto (GStrv) offered = g_strsplit (self->capabilities[i] + 5, " ", -1);
            mechanism = courriel_sasl_choose ((const char * const *)offered, FALSE);
          }
    }
  if (mechanism != NULL)
    {
      login->sasl = courriel_sasl_new (mechanism, username, password, &error);
      if (login->sasl == NULL)
        {
          courriel_task_fail_if (task, error);
          return;
        }
      {
        g_autofree char *line = NULL;

        /* AUTH MECH initial-response (RFC 5034), "=" for an empty one. */
        if (courriel_sasl_has_initial_response (login->sasl))
          {
            g_autofree char *initial = courriel_sasl_step_base64 (login->sasl, NULL, &error);

            if (initial == NULL)
              {
                courriel_task_fail_if (task, error);
                return;
              }
            line = g_strdup_printf ("AUTH %s %s", courriel_sasl_get_mechanism (login->sasl),
                                    *initial != '\0' ? initial : "=");
          }
        else
          line = g_strdup_printf ("AUTH %s", courriel_sasl_get_mechanism (login->sasl));
        command_async (self, line, FALSE, TRUE, cancellable, on_login_answer, task);
        memset (line, 0, strlen (line));
      }
      return;
    }
  /* APOP where offered and nothing better is: the password never travels, even in clear. */
  if (self->timestamp != NULL)
    {
      g_autofree char *seed = g_strconcat (self->timestamp, password, NULL);
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_MD5, seed, -1);
      g_autofree char *line = g_strdup_printf ("APOP %s %s", username, digest);

      memset (seed, 0, strlen (seed));
      login->pass_sent = TRUE;
      command_async (self, line, FALSE, TRUE, cancellable, on_login_answer, task);
      return;
    }
  {
    g_autofree char *line = g_strdup_printf ("USER %s", username);
    command_async (self, line, FALSE, FALSE, cancellable, on_login_answer, task);
  }
}

gboolean
courriel_pop3_client_authenticate_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
courriel_pop3_client_is_authenticated (CourrielPop3Client *self)
{
  g_return_val_if_fail (COURRIEL_IS_POP3_CLIENT (self), FALSE);
  return self->authenticated;
}

/* Transaction commands ------------------------------------------------------------------------- */

void
courriel_pop3_entry_free (CourrielPop3Entry *entry)
{
  g_free (entry->uid);
  g_free (entry);
}

static void
on_request_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  Command *answer = command_finish (result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  if (!answer->ok)
    {
      set_error_from_answer (answer, g_task_get_name (task), &error);
      courriel_task_fail_if (task, error);
      return;
    }
  g_task_return_pointer (task, g_rc_box_acquire (answer), (GDestroyNotify)command_free);
  g_object_unref (task);
}

/* A command whose -ERR is an error; the answer comes back by request_finish(). */
static void
request_async (CourrielPop3Client *self, const char *line, gboolean multiline, gboolean raw, GOutputStream *sink,
               gpointer tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *name = g_strndup (line, strcspn (line, " "));

  g_task_set_source_tag (task, tag);
  g_task_set_name (task, name);
  command_full_async (self, line, multiline, FALSE, raw, sink, cancellable, on_request_answer, task);
}

static Command *
request_finish (CourrielPop3Client *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Command, command_free)

static gboolean
malformed (CourrielPop3Client *self, const char *what, GError **error)
{
  g_set_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL,
               _("The mail server %s sent a malformed answer to %s."), courriel_connection_get_host (self->connection),
               what);
  return FALSE;
}

/* "NUMBER VALUE": a message number and a size or a unique id. */
static gboolean
parse_entry (const char *text, guint *number, const char **value)
{
  char *end = NULL;
  guint64 n = g_ascii_strtoull (text, &end, 10);

  if (end == text || n == 0 || n > G_MAXUINT || *end != ' ')
    return FALSE;
  *number = (guint)n;
  *value = end + strspn (end, " ");
  return **value != '\0';
}

void
courriel_pop3_client_stat_async (CourrielPop3Client *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  request_async (self, "STAT", FALSE, FALSE, NULL, courriel_pop3_client_stat_async, cancellable, callback, user_data);
}

/* The mailbox's message count and total size, as the session sees it. */
gboolean
courriel_pop3_client_stat_finish (CourrielPop3Client *self, GAsyncResult *result, guint *count, guint64 *size,
                                  GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, courriel_pop3_client_stat_async, error);
  char *end = NULL;
  const char *rest;
  guint64 n;

  if (answer == NULL)
    return FALSE;
  /* "+OK 2 320": count, then size. */
  n = g_ascii_strtoull (answer->status, &end, 10);
  if (end == answer->status || *end != ' ' || n > G_MAXUINT)
    return malformed (self, "STAT", error);
  rest = end + 1;
  *size = g_ascii_strtoull (rest, &end, 10);
  if (end == rest)
    return malformed (self, "STAT", error);
  *count = (guint)n;
  return TRUE;
}

static void
list_or_uidl_async (CourrielPop3Client *self, const char *command, gpointer tag, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  request_async (self, command, TRUE, FALSE, NULL, tag, cancellable, callback, user_data);
}

void
courriel_pop3_client_list_async (CourrielPop3Client *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  list_or_uidl_async (self, "LIST", courriel_pop3_client_list_async, cancellable, callback, user_data);
}

void
courriel_pop3_client_uidl_async (CourrielPop3Client *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  list_or_uidl_async (self, "UIDL", courriel_pop3_client_uidl_async, cancellable, callback, user_data);
}

static GPtrArray *
entries_finish (CourrielPop3Client *self, GAsyncResult *result, gpointer tag, gboolean uids, GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, tag, error);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_pop3_entry_free);

  if (answer == NULL)
    return NULL;
  for (guint i = 0; i < answer->lines->len; i++)
    {
      CourrielPop3Entry *entry;
      const char *value;
      guint number;

      if (!parse_entry (answer->lines->pdata[i], &number, &value)
          || (uids && (strlen (value) > 70 || strchr (value, ' ') != NULL)))
        {
          malformed (self, uids ? "UIDL" : "LIST", error);
          return NULL;
        }
      entry = g_new0 (CourrielPop3Entry, 1);
      entry->number = number;
      if (uids)
        entry->uid = g_strdup (value);
      else
        entry->size = g_ascii_strtoull (value, NULL, 10);
      g_ptr_array_add (entries, entry);
    }
  return g_steal_pointer (&entries);
}

/* Every message's number and size (CourrielPop3Entry, uid NULL). */
GPtrArray *
courriel_pop3_client_list_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  return entries_finish (self, result, courriel_pop3_client_list_async, FALSE, error);
}

/* Every message's number and unique id (CourrielPop3Entry). A server without UIDL answers -ERR:
 * COURRIEL_POP3_ERROR_ERR. */
GPtrArray *
courriel_pop3_client_uidl_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  return entries_finish (self, result, courriel_pop3_client_uidl_async, TRUE, error);
}

/* The message's header and its first @lines lines of body. */
void
courriel_pop3_client_top_async (CourrielPop3Client *self, guint number, guint lines, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *line = g_strdup_printf ("TOP %u %u", number, lines);

  request_async (self, line, TRUE, TRUE, NULL, courriel_pop3_client_top_async, cancellable, callback, user_data);
}

GBytes *
courriel_pop3_client_top_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, courriel_pop3_client_top_async, error);

  return answer != NULL ? g_byte_array_free_to_bytes (g_steal_pointer (&answer->data)) : NULL;
}

/**
 * courriel_pop3_client_retr_async:
 * @sink: (nullable): where the message is written as it arrives, or NULL to get it in memory
 *
 * Downloads message @number, dot-stuffing undone, with CRLF line ends.
 */
void
courriel_pop3_client_retr_async (CourrielPop3Client *self, guint number, GOutputStream *sink,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *line = g_strdup_printf ("RETR %u", number);

  request_async (self, line, TRUE, TRUE, sink, courriel_pop3_client_retr_async, cancellable, callback, user_data);
}

/* The message (an empty GBytes when it went to the sink), or NULL with @error set. */
GBytes *
courriel_pop3_client_retr_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, courriel_pop3_client_retr_async, error);

  if (answer == NULL)
    return NULL;
  if (answer->data == NULL)
    return g_bytes_new (NULL, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&answer->data));
}

static void
simple_async (CourrielPop3Client *self, const char *line, gpointer tag, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  request_async (self, line, FALSE, FALSE, NULL, tag, cancellable, callback, user_data);
}

/* Marks message @number for deletion when the session ends with QUIT (and only then). */
void
courriel_pop3_client_dele_async (CourrielPop3Client *self, guint number, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *line = g_strdup_printf ("DELE %u", number);

  simple_async (self, line, courriel_pop3_client_dele_async, cancellable, callback, user_data);
}

gboolean
courriel_pop3_client_dele_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, courriel_pop3_client_dele_async, error);

  return answer != NULL;
}

/* Unmarks every message marked for deletion in this session. */
void
courriel_pop3_client_rset_async (CourrielPop3Client *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  simple_async (self, "RSET", courriel_pop3_client_rset_async, cancellable, callback, user_data);
}

gboolean
courriel_pop3_client_rset_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_autoptr (Command) answer = request_finish (self, result, courriel_pop3_client_rset_async, error);

  return answer != NULL;
}

/* Ending --------------------------------------------------------------------------------------- */

static void
on_quit_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielPop3Client *self = g_task_get_source_object (task);
  GError *error = NULL;
  Command *answer = command_finish (result, &error);

  courriel_connection_close (self->connection);
  if (courriel_task_fail_if (task, error))
    return;
  /* After QUIT, the server commits the session's deletions (RFC 1939 UPDATE state). */
  if (!answer->ok)
    {
      set_error_from_answer (answer, "QUIT", &error);
      courriel_task_fail_if (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
courriel_pop3_client_quit_async (CourrielPop3Client *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_POP3_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_pop3_client_quit_async);
  command_async (self, "QUIT", FALSE, FALSE, cancellable, on_quit_answer, task);
}

gboolean
courriel_pop3_client_quit_finish (CourrielPop3Client *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
