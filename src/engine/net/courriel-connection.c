/* courriel-connection.c — a connection to a mail server: TCP, TLS or STARTTLS, lines and bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is asynchronous. Every operation has the connection's timeout and follows the
 * caller's cancellable; a timed-out or cancelled operation closes the connection, since the
 * protocol's state is unknown after it. Input is buffered here, so that a line reader, a
 * chunk reader for push parsers and a reader that streams literals to a sink all share it;
 * STARTTLS throws that buffer away before the handshake (CVE-2011-0411 class of injection).
 */
#define G_LOG_DOMAIN "courriel-net"

#include "config.h"
#include "courriel-connection.h"

#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "courriel-certificate.h"
#include "courriel-net-error.h"

#define FILL_SIZE (64 * 1024)
#define DEFAULT_TIMEOUT 60
#define DEFAULT_MAX_LINE (1024 * 1024)

struct _CourrielConnection
{
  GObject            parent_instance;

  char              *host;
  guint16            port;
  CourrielSecurity   security;
  char              *pinned;
  gboolean           allow_insecure_auth;
  guint              timeout;
  gsize              max_line;
  GTlsDatabase      *database;

  GSocketConnection *socket;   /* the TCP connection */
  GIOStream         *stream;   /* socket, or the TLS connection over it */
  gboolean           encrypted;
  gboolean           closed;
  GTlsCertificate   *rejected; /* the certificate the last handshake refused */
  GTlsCertificateFlags rejected_errors;

  GByteArray        *buffer;   /* received, not yet consumed */
  gboolean           reading;
  GQueue             writes;   /* GTask*, head being written */
  GPtrArray         *live;     /* GCancellable* of operations in progress, cancelled by close */
  guint64            received; /* bytes read from the server, after decryption */
  guint64            sent;     /* bytes written to it, before encryption */
};

G_DEFINE_FINAL_TYPE (CourrielConnection, courriel_connection, G_TYPE_OBJECT)

/* Operations: timeout and cancellation ------------------------------------------------------ */

typedef struct
{
  CourrielConnection *self;
  GCancellable       *cancellable; /* ours: cancelled by the timeout, the caller, or close */
  GCancellable       *user;
  gulong              user_handler;
  GSource            *timeout_source;
  gboolean            timed_out;
} Op;

static gboolean
on_op_timeout (gpointer user_data)
{
  Op *op = user_data;

  g_clear_pointer (&op->timeout_source, g_source_unref);
  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  return G_SOURCE_REMOVE;
}

/* In the caller's main context, as the GTask that reports the result. */
static void
op_arm_timeout (Op *op)
{
  if (op->self->timeout == 0)
    return;
  op->timeout_source = g_timeout_source_new (op->self->timeout * 1000);
  g_source_set_static_name (op->timeout_source, "[courriel] connection timeout");
  g_source_set_callback (op->timeout_source, on_op_timeout, op, NULL);
  g_source_attach (op->timeout_source, g_main_context_get_thread_default ());
}

static void
op_disarm_timeout (Op *op)
{
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_clear_pointer (&op->timeout_source, g_source_unref);
    }
}

static void
on_user_cancelled (GCancellable *user, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
op_start (Op *op, CourrielConnection *self, GCancellable *user)
{
  /* A GTask drops its source object before its task data: the operation keeps the
   * connection alive itself until it is cleared. */
  op->self = g_object_ref (self);
  op->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->live, op->cancellable);
  if (user != NULL)
    {
      op->user = g_object_ref (user);
      op->user_handler = g_cancellable_connect (user, G_CALLBACK (on_user_cancelled), g_object_ref (op->cancellable),
                                                g_object_unref);
    }
  op_arm_timeout (op);
}

/* Restarts the timeout: it measures silence, not the length of a whole transfer. */
static void
op_touch (Op *op)
{
  if (op->timeout_source != NULL)
    {
      op_disarm_timeout (op);
      op_arm_timeout (op);
    }
}

static void
op_clear (Op *op)
{
  op_disarm_timeout (op);
  if (op->user != NULL)
    {
      g_cancellable_disconnect (op->user, op->user_handler);
      g_clear_object (&op->user);
    }
  if (op->cancellable != NULL)
    {
      g_ptr_array_remove (op->self->live, op->cancellable);
      g_clear_object (&op->cancellable);
    }
  g_clear_object (&op->self);
}

/* Turns an I/O error into what the user should read, and closes on timeout or cancellation. */
static GError *
op_error (Op *op, GError *error)
{
  CourrielConnection *self = op->self;
  GError *result;

  if (op->timed_out)
    result = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT,
                          _("The mail server %s did not answer in time."), self->host);
  else if (op->user != NULL && g_cancellable_is_cancelled (op->user))
    result = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  else if (error != NULL && error->domain == COURRIEL_NET_ERROR)
    result = g_error_copy (error);
  else if (self->closed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    result = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                          _("The connection to %s is closed."), self->host);
  else
    result = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED, _("The connection to %s was lost: %s"),
                          self->host, error != NULL ? error->message : _("unknown error"));

  if (op->timed_out || (op->user != NULL && g_cancellable_is_cancelled (op->user)))
    courriel_connection_close (self);
  if (error != NULL)
    g_error_free (error);
  return result;
}

static GTask *
task_new (CourrielConnection *self, gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback,
          gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* Cancellation is reported by our own mapping, which also closes the connection. */
  g_task_set_check_cancellable (task, FALSE);
  return task;
}

static gboolean
return_if_closed (CourrielConnection *self, GTask *task)
{
  if (!self->closed && self->stream != NULL)
    return FALSE;
  g_task_return_new_error (task, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED, _("The connection to %s is closed."),
                           self->host);
  g_object_unref (task);
  return TRUE;
}

/* Connecting and TLS ---------------------------------------------------------------------------- */

typedef struct
{
  Op op;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  op_clear (&data->op);
  g_free (data);
}

static gboolean
on_accept_certificate (GTlsConnection *tls, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  CourrielConnection *self = user_data;

  /* The user accepted exactly this certificate before: it is accepted, and only it. */
  if (courriel_certificate_matches (certificate, self->pinned))
    return TRUE;
  g_set_object (&self->rejected, certificate);
  self->rejected_errors = errors;
  return FALSE;
}

static void
on_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CourrielConnection *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (self->rejected != NULL && !data->op.timed_out && !self->closed)
        {
          g_error_free (error);
          error = courriel_net_error_new_untrusted (self->host, self->rejected, self->rejected_errors);
        }
      else if (!data->op.timed_out && !self->closed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          GError *tls_error = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TLS_FAILED,
                                           _("Could not secure the connection to %s: %s"), self->host, error->message);
          g_error_free (error);
          error = tls_error;
        }
      g_task_return_error (task, op_error (&data->op, error));
      courriel_connection_close (self);
      return;
    }

  g_set_object (&self->stream, G_IO_STREAM (source));
  self->encrypted = TRUE;
  op_clear (&data->op);
  g_task_return_boolean (task, TRUE);
}

static void
handshake (CourrielConnection *self, GTask *task)
{
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (GSocketConnectable) identity = g_network_address_new (self->host, self->port);
  g_autoptr (GIOStream) tls = NULL;
  GError *error = NULL;

  g_clear_object (&self->rejected);
  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket), identity, &error);
  if (tls == NULL)
    {
      g_task_return_new_error (task, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TLS_FAILED,
                               _("Could not secure the connection to %s: %s"), self->host, error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  if (self->database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->database);
  g_signal_connect_object (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, data->op.cancellable, on_handshake,
                                    task);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielConnection *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GSocketConnection *socket = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);

  if (socket == NULL)
    {
      if (!data->op.timed_out && !g_cancellable_is_cancelled (data->op.cancellable))
        {
          GError *failed = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CONNECTION_FAILED,
                                        _("Could not connect to %s (port %u): %s"), self->host, self->port,
                                        error->message);
          g_error_free (error);
          error = failed;
        }
      g_task_return_error (task, op_error (&data->op, error));
      g_object_unref (task);
      return;
    }

  /* The client's timeout also became the socket's; our per-operation timeouts take over, so
   * that a connection may stay quiet for as long as its protocol allows (IMAP IDLE). */
  g_socket_set_timeout (g_socket_connection_get_socket (socket), 0);
  /* Each command is written whole: sent at once rather than held for the server's delayed ACK
   * (40 ms per SMTP message, per IMAP command that follows a write). */
  g_socket_set_option (g_socket_connection_get_socket (socket), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  self->socket = socket;
  g_set_object (&self->stream, G_IO_STREAM (socket));
  if (self->security == COURRIEL_SECURITY_TLS)
    handshake (self, task);
  else
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

void
courriel_connection_connect_async (CourrielConnection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  GTask *task;
  ConnectData *data;

  g_return_if_fail (COURRIEL_IS_CONNECTION (self));

  task = task_new (self, courriel_connection_connect_async, cancellable, callback, user_data);
  if (self->socket != NULL || self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, "Already connected");
      g_object_unref (task);
      return;
    }
  data = g_new0 (ConnectData, 1);
  op_start (&data->op, self, cancellable);
  g_task_set_task_data (task, data, (GDestroyNotify)connect_data_free);

  g_socket_client_set_timeout (client, self->timeout);
  g_socket_client_connect_to_host_async (client, self->host, self->port, data->op.cancellable, on_connected, task);
}

gboolean
courriel_connection_connect_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
courriel_connection_start_tls_async (CourrielConnection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task;
  ConnectData *data;

  g_return_if_fail (COURRIEL_IS_CONNECTION (self));

  task = task_new (self, courriel_connection_start_tls_async, cancellable, callback, user_data);
  if (return_if_closed (self, task))
    return;
  if (self->encrypted || self->reading)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "TLS is already active, or a read is pending");
      g_object_unref (task);
      return;
    }

  /* Whatever arrived before the handshake came in clear text, possibly from an attacker
   * between us and the server: it must never be taken as the server's words. */
  if (self->buffer->len > 0)
    g_debug ("Discarding %u bytes received before the TLS handshake", self->buffer->len);
  g_byte_array_set_size (self->buffer, 0);

  data = g_new0 (ConnectData, 1);
  op_start (&data->op, self, cancellable);
  g_task_set_task_data (task, data, (GDestroyNotify)connect_data_free);
  handshake (self, task);
}

gboolean
courriel_connection_start_tls_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Reading ----------------------------------------------------------------------------------------- */

typedef enum
{
  READ_LINE,
  READ_SOME,
  READ_STREAM,
} ReadKind;

typedef struct
{
  Op             op;
  ReadKind       kind;
  gsize          max_size;
  guint64        remaining;
  GOutputStream *sink;
} ReadData;

static void
read_data_free (ReadData *data)
{
  op_clear (&data->op);
  g_clear_object (&data->sink);
  g_free (data);
}

static void read_step (GTask *task);

static void
read_fail (GTask *task, GError *error)
{
  CourrielConnection *self = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);

  self->reading = FALSE;
  g_task_return_error (task, op_error (&data->op, error));
  g_object_unref (task);
}

static void
on_filled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielConnection *self = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL)
    {
      read_fail (task, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      read_fail (task, g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                                    _("The mail server %s closed the connection."), self->host));
      return;
    }
  op_touch (&data->op);
  self->received += g_bytes_get_size (bytes);
  g_byte_array_append (self->buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_step (task);
}

static void
fill (GTask *task)
{
  CourrielConnection *self = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);

  if (self->closed || self->stream == NULL)
    {
      read_fail (task, NULL);
      return;
    }
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (self->stream), FILL_SIZE, G_PRIORITY_DEFAULT,
                                   data->op.cancellable, on_filled, task);
}

static void
on_sink_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      CourrielConnection *self = g_task_get_source_object (task);
      self->reading = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  read_step (task);
}

/* The rest of the line is still coming and nothing can tell where the next one starts: the
 * connection is closed. */
static GError *
line_too_long (CourrielConnection *self)
{
  courriel_connection_close (self);
  return g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_LINE_TOO_LONG,
                      _("The mail server %s sent a line longer than %lu bytes."), self->host,
                      (gulong)self->max_line);
}

static void
read_step (GTask *task)
{
  CourrielConnection *self = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);
  GByteArray *buffer = self->buffer;

  switch (data->kind)
    {
    case READ_LINE:
      {
        guint8 *newline = buffer->len > 0 ? memchr (buffer->data, '\n', buffer->len) : NULL;
        gsize length;
        char *line;

        if (newline == NULL)
          {
            if (buffer->len > self->max_line + 1)
              {
                read_fail (task, line_too_long (self));
                return;
              }
            fill (task);
            return;
          }
        length = newline - buffer->data;
        /* The limit is on the line itself, without its CRLF. */
        if (length - (length > 0 && newline[-1] == '\r' ? 1 : 0) > self->max_line)
          {
            read_fail (task, line_too_long (self));
            return;
          }
        line = g_malloc (length + 1);
        memcpy (line, buffer->data, length);
        line[length] = '\0';
        g_byte_array_remove_range (buffer, 0, length + 1);
        if (length > 0 && line[length - 1] == '\r')
          line[--length] = '\0';
        self->reading = FALSE;
        op_clear (&data->op);
        /* The length travels with the line: a line may contain NUL bytes. */
        g_object_set_data (G_OBJECT (task), "length", GSIZE_TO_POINTER (length));
        g_task_return_pointer (task, line, g_free);
        g_object_unref (task);
        return;
      }

    case READ_SOME:
      if (buffer->len == 0)
        {
          fill (task);
          return;
        }
      {
        gsize n = MIN (buffer->len, data->max_size);
        GBytes *bytes = g_bytes_new (buffer->data, n);

        g_byte_array_remove_range (buffer, 0, n);
        self->reading = FALSE;
        op_clear (&data->op);
        g_task_return_pointer (task, bytes, (GDestroyNotify)g_bytes_unref);
        g_object_unref (task);
        return;
      }

    case READ_STREAM:
      if (data->remaining == 0)
        {
          self->reading = FALSE;
          op_clear (&data->op);
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          return;
        }
      if (buffer->len == 0)
        {
          fill (task);
          return;
        }
      {
        gsize n = (gsize)MIN ((guint64)MIN (buffer->len, FILL_SIZE), data->remaining);
        g_autoptr (GBytes) chunk = g_bytes_new (buffer->data, n);

        g_byte_array_remove_range (buffer, 0, n);
        data->remaining -= n;
        /* The chunk stays alive with the task until the write is done. */
        g_object_set_data_full (G_OBJECT (task), "chunk", g_bytes_ref (chunk), (GDestroyNotify)g_bytes_unref);
        g_output_stream_write_all_async (data->sink, g_bytes_get_data (chunk, NULL), n, G_PRIORITY_DEFAULT,
                                         data->op.cancellable, on_sink_written, task);
        return;
      }
    }
}

static void
start_read (CourrielConnection *self, ReadKind kind, gsize max_size, guint64 count, GOutputStream *sink,
            gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = task_new (self, source_tag, cancellable, callback, user_data);
  ReadData *data;

  if (return_if_closed (self, task))
    return;
  if (self->reading)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Another read is in progress");
      g_object_unref (task);
      return;
    }
  self->reading = TRUE;
  data = g_new0 (ReadData, 1);
  data->kind = kind;
  data->max_size = max_size > 0 ? max_size : FILL_SIZE;
  data->remaining = count;
  data->sink = sink != NULL ? g_object_ref (sink) : NULL;
  op_start (&data->op, self, cancellable);
  g_task_set_task_data (task, data, (GDestroyNotify)read_data_free);
  read_step (task);
}

void
courriel_connection_read_line_async (CourrielConnection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  start_read (self, READ_LINE, 0, 0, NULL, courriel_connection_read_line_async, cancellable, callback, user_data);
}

/* Returns the line without its CRLF (or LF). */
char *
courriel_connection_read_line_finish (CourrielConnection *self, GAsyncResult *result, gsize *length, GError **error)
{
  char *line;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  line = g_task_propagate_pointer (G_TASK (result), error);
  if (length != NULL)
    *length = line != NULL ? GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (result), "length")) : 0;
  return line;
}

void
courriel_connection_read_async (CourrielConnection *self, gsize max_size, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  start_read (self, READ_SOME, max_size, 0, NULL, courriel_connection_read_async, cancellable, callback, user_data);
}

GBytes *
courriel_connection_read_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
courriel_connection_read_to_stream_async (CourrielConnection *self, guint64 count, GOutputStream *sink,
                                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (sink));
  start_read (self, READ_STREAM, 0, count, sink, courriel_connection_read_to_stream_async, cancellable, callback,
              user_data);
}

gboolean
courriel_connection_read_to_stream_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Writing ------------------------------------------------------------------------------------------ */

typedef struct
{
  Op      op;
  GBytes *bytes;
} WriteData;

static void
write_data_free (WriteData *data)
{
  op_clear (&data->op);
  g_bytes_unref (data->bytes);
  g_free (data);
}

static void write_next (CourrielConnection *self);

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielConnection *self = g_object_ref (g_task_get_source_object (task));
  WriteData *data = g_task_get_task_data (task);
  GError *error = NULL;

  g_queue_remove (&self->writes, task);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_error (task, op_error (&data->op, error));
  else
    {
      self->sent += g_bytes_get_size (data->bytes);
      g_task_return_boolean (task, TRUE);
    }
  op_clear (&data->op);
  g_object_unref (task);
  write_next (self);
  g_object_unref (self);
}

static void
write_next (CourrielConnection *self)
{
  GTask *task = g_queue_peek_head (&self->writes);
  WriteData *data;

  if (task == NULL || g_object_get_data (G_OBJECT (task), "started") != NULL)
    return;
  data = g_task_get_task_data (task);
  if (self->closed || self->stream == NULL)
    {
      g_queue_pop_head (&self->writes);
      g_task_return_new_error (task, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED,
                               _("The connection to %s is closed."), self->host);
      g_object_unref (task);
      write_next (self);
      return;
    }
  g_object_set_data (G_OBJECT (task), "started", GINT_TO_POINTER (1));
  op_start (&data->op, self, g_task_get_cancellable (task));
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream), g_bytes_get_data (data->bytes, NULL),
                                   g_bytes_get_size (data->bytes), G_PRIORITY_DEFAULT, data->op.cancellable,
                                   on_written, task);
}

/* Writes leave in the order they were queued. */
void
courriel_connection_write_async (CourrielConnection *self, GBytes *bytes, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  WriteData *data;

  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  g_return_if_fail (bytes != NULL);

  task = task_new (self, courriel_connection_write_async, cancellable, callback, user_data);
  if (return_if_closed (self, task))
    return;
  data = g_new0 (WriteData, 1);
  data->bytes = g_bytes_ref (bytes);
  g_task_set_task_data (task, data, (GDestroyNotify)write_data_free);
  g_queue_push_tail (&self->writes, task);
  write_next (self);
}

gboolean
courriel_connection_write_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closing ------------------------------------------------------------------------------------------- */

static void
on_stream_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;

  /* A peer that vanished without TLS close_notify is not an error for us. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
close_internal (CourrielConnection *self, GTask *task)
{
  g_autoptr (GPtrArray) live = NULL;

  if (self->closed)
    {
      if (task != NULL)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
      return;
    }
  self->closed = TRUE;

  /* Every operation in progress ends now, as CLOSED. */
  live = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->live->len; i++)
    g_ptr_array_add (live, g_object_ref (self->live->pdata[i]));
  for (guint i = 0; i < live->len; i++)
    g_cancellable_cancel (live->pdata[i]);

  /* Closing now means the peer sees the end now: a stream close would wait for (or refuse
   * to run beside) the cancelled operations still unwinding, so shut the socket itself. */
  if (task == NULL && self->socket != NULL)
    g_socket_close (g_socket_connection_get_socket (self->socket), NULL);

  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, on_stream_closed, task);
  else if (task != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

void
courriel_connection_close_async (CourrielConnection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  close_internal (self, task_new (self, courriel_connection_close_async, cancellable, callback, user_data));
}

gboolean
courriel_connection_close_finish (CourrielConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closes now; pending operations fail with COURRIEL_NET_ERROR_CLOSED. */
void
courriel_connection_close (CourrielConnection *self)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  close_internal (self, NULL);
}

/* Properties ---------------------------------------------------------------------------------------- */

gboolean
courriel_connection_check_credentials_allowed (CourrielConnection *self, GError **error)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), FALSE);

  if (self->encrypted || self->allow_insecure_auth)
    return TRUE;
  g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED,
               _("Courriel did not send your password to %s: the connection is not encrypted, and this account "
                 "does not allow insecure connections."),
               self->host);
  return FALSE;
}

const char *
courriel_connection_get_host (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), NULL);
  return self->host;
}

guint16
courriel_connection_get_port (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), 0);
  return self->port;
}

CourrielSecurity
courriel_connection_get_security (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), COURRIEL_SECURITY_TLS);
  return self->security;
}

/* The SHA-256 fingerprint of a certificate the user accepted, or NULL. */
void
courriel_connection_set_pinned_fingerprint (CourrielConnection *self, const char *fingerprint)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  g_free (self->pinned);
  self->pinned = g_strdup (fingerprint);
}

void
courriel_connection_set_allow_insecure_auth (CourrielConnection *self, gboolean allow)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  self->allow_insecure_auth = allow;
}

/* Seconds of silence after which an operation fails with COURRIEL_NET_ERROR_TIMEOUT; 0: never. */
void
courriel_connection_set_timeout (CourrielConnection *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  self->timeout = seconds;
}

guint
courriel_connection_get_timeout (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), 0);
  return self->timeout;
}

void
courriel_connection_set_max_line_length (CourrielConnection *self, gsize max)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  self->max_line = max > 0 ? max : DEFAULT_MAX_LINE;
}

void
courriel_connection_set_tls_database (CourrielConnection *self, GTlsDatabase *database)
{
  g_return_if_fail (COURRIEL_IS_CONNECTION (self));
  g_set_object (&self->database, database);
}

/* What the protocol exchanged so far, TLS records not counted: for benchmarks and statistics. */
guint64
courriel_connection_get_bytes_received (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), 0);
  return self->received;
}

guint64
courriel_connection_get_bytes_sent (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), 0);
  return self->sent;
}

gboolean
courriel_connection_is_encrypted (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), FALSE);
  return self->encrypted && !self->closed;
}

GTlsCertificate *
courriel_connection_get_peer_certificate (CourrielConnection *self)
{
  g_return_val_if_fail (COURRIEL_IS_CONNECTION (self), NULL);
  if (!self->encrypted || !G_IS_TLS_CONNECTION (self->stream))
    return NULL;
  return g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (self->stream));
}

static void
courriel_connection_dispose (GObject *object)
{
  CourrielConnection *self = COURRIEL_CONNECTION (object);

  close_internal (self, NULL);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (courriel_connection_parent_class)->dispose (object);
}

static void
courriel_connection_finalize (GObject *object)
{
  CourrielConnection *self = COURRIEL_CONNECTION (object);

  g_free (self->host);
  g_free (self->pinned);
  g_clear_object (&self->database);
  g_clear_object (&self->rejected);
  g_byte_array_unref (self->buffer);
  g_ptr_array_unref (self->live);

  G_OBJECT_CLASS (courriel_connection_parent_class)->finalize (object);
}

static void
courriel_connection_class_init (CourrielConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = courriel_connection_dispose;
  G_OBJECT_CLASS (klass)->finalize = courriel_connection_finalize;
}

static void
courriel_connection_init (CourrielConnection *self)
{
  self->timeout = DEFAULT_TIMEOUT;
  self->max_line = DEFAULT_MAX_LINE;
  self->buffer = g_byte_array_new ();
  self->live = g_ptr_array_new ();
}

CourrielConnection *
courriel_connection_new (const char *host, guint16 port, CourrielSecurity security)
{
  CourrielConnection *self;

  g_return_val_if_fail (host != NULL && port != 0, NULL);

  self = g_object_new (COURRIEL_TYPE_CONNECTION, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  return self;
}
