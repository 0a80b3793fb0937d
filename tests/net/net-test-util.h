/* net-test-util.h — waiting for async results, and scripted servers, for the tests of src/engine/net
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only: each test program is one file plus this.
 */
#pragma once

#include <gio/gio.h>
#include <string.h>

#include "courriel-connection.h"
#include "courriel-net-error.h"

/* Async operations, run to completion on the default main context. */

static void
net_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static G_GNUC_UNUSED GAsyncResult *
net_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static G_GNUC_UNUSED gboolean
net_test_connect (CourrielConnection *connection, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_connection_connect_async (connection, NULL, net_test_store_result, &result);
  return courriel_connection_connect_finish (connection, net_test_wait (&result), error);
}

static G_GNUC_UNUSED gboolean
net_test_start_tls (CourrielConnection *connection, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_connection_start_tls_async (connection, NULL, net_test_store_result, &result);
  return courriel_connection_start_tls_finish (connection, net_test_wait (&result), error);
}

static G_GNUC_UNUSED char *
net_test_read_line (CourrielConnection *connection, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_connection_read_line_async (connection, NULL, net_test_store_result, &result);
  return courriel_connection_read_line_finish (connection, net_test_wait (&result), NULL, error);
}

static G_GNUC_UNUSED gboolean
net_test_write (CourrielConnection *connection, const char *text, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));

  courriel_connection_write_async (connection, bytes, NULL, net_test_store_result, &result);
  return courriel_connection_write_finish (connection, net_test_wait (&result), error);
}

/* Reads lines until one starts with @prefix; returns everything read, lines joined by "\n". */
static G_GNUC_UNUSED char *
net_test_read_until (CourrielConnection *connection, const char *prefix, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (;;)
    {
      g_autofree char *line = net_test_read_line (connection, error);

      if (line == NULL)
        return NULL;
      g_string_append_printf (text, "%s\n", line);
      if (g_str_has_prefix (line, prefix))
        return g_string_free (g_steal_pointer (&text), FALSE);
    }
}

/* A scripted server: listens on 127.0.0.1, and in a thread of its own accepts one
 * connection and runs a script on it with blocking I/O. */

typedef void (*NetTestScript) (GSocketConnection *connection, gpointer user_data);

typedef struct
{
  GSocketListener *listener;
  guint16          port;
  GThread         *thread;
  NetTestScript    script;
  gpointer         user_data;
  gint             finished;
} NetTestServer;

static gpointer
net_test_server_thread (gpointer user_data)
{
  NetTestServer *server = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection = g_socket_listener_accept (server->listener, NULL, NULL, &error);

  g_assert_no_error (error);
  server->script (connection, server->user_data);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_atomic_int_set (&server->finished, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static G_GNUC_UNUSED NetTestServer *
net_test_server_start (NetTestScript script, gpointer user_data)
{
  NetTestServer *server = g_new0 (NetTestServer, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  server->listener = g_socket_listener_new ();
  g_socket_listener_add_address (server->listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  server->script = script;
  server->user_data = user_data;
  server->thread = g_thread_new ("scripted-server", net_test_server_thread, server);
  return server;
}

/* Waits for the script to end, running the main context meanwhile: the client's side may
 * still have work to do (closing, say). */
static G_GNUC_UNUSED void
net_test_server_finish (NetTestServer *server)
{
  while (!g_atomic_int_get (&server->finished))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (server->thread);
  g_socket_listener_close (server->listener);
  g_object_unref (server->listener);
  g_free (server);
}

/* Blocking helpers for scripts. */

static G_GNUC_UNUSED void
net_test_send (GIOStream *stream, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads one line, with its line end; NULL at EOF. */
static G_GNUC_UNUSED char *
net_test_receive_line (GIOStream *stream)
{
  GInputStream *input = g_io_stream_get_input_stream (stream);
  g_autoptr (GString) line = g_string_new (NULL);
  char c;

  for (;;)
    {
      gssize n = g_input_stream_read (input, &c, 1, NULL, NULL);

      if (n <= 0)
        return line->len > 0 ? g_string_free (g_steal_pointer (&line), FALSE) : NULL;
      g_string_append_c (line, c);
      if (c == '\n')
        return g_string_free (g_steal_pointer (&line), FALSE);
    }
}

/* Reads until the client closes; returns the number of bytes read. */
static G_GNUC_UNUSED gsize
net_test_drain (GIOStream *stream)
{
  char buffer[4096];
  gsize total = 0;
  gssize n;

  while ((n = g_input_stream_read (g_io_stream_get_input_stream (stream), buffer, sizeof buffer, NULL, NULL)) > 0)
    total += n;
  return total;
}
