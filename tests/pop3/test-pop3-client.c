/* test-pop3-client.c — the POP3 session against the bench's Dovecot, and against servers that
 * misbehave
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-net-error.h"
#include "courriel-pop3-client.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define ADDRESS "bob@example.test"

static CourrielTestBench *bench;
static char *fingerprint;

static CourrielPop3Client *
new_client (guint16 port, CourrielSecurity security)
{
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", port, security);

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  courriel_connection_set_timeout (connection, 10);
  return courriel_pop3_client_new (connection);
}

static gboolean
connect_client (CourrielPop3Client *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_pop3_client_connect_async (client, NULL, net_test_store_result, &result);
  return courriel_pop3_client_connect_finish (client, net_test_wait (&result), error);
}

static gboolean
log_in (CourrielPop3Client *client, const char *mechanism, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_pop3_client_authenticate_async (client, mechanism, ADDRESS, password, NULL, net_test_store_result, &result);
  return courriel_pop3_client_authenticate_finish (client, net_test_wait (&result), error);
}

static void
quit (CourrielPop3Client *client)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_pop3_client_quit_async (client, NULL, net_test_store_result, &result);
  g_assert_true (courriel_pop3_client_quit_finish (client, net_test_wait (&result), &error));
  g_assert_no_error (error);
}

/* Implicit TLS and STLS, each mechanism the server offers, and USER/PASS. */
static void
test_dovecot_logins (void)
{
  struct
  {
    CourrielTestBenchService service;
    CourrielSecurity         security;
    const char              *mechanism;
  } cases[] = {
    { COURRIEL_TEST_BENCH_POP3S, COURRIEL_SECURITY_TLS, NULL },
    { COURRIEL_TEST_BENCH_POP3, COURRIEL_SECURITY_STARTTLS, NULL },
    { COURRIEL_TEST_BENCH_POP3S, COURRIEL_SECURITY_TLS, "PLAIN" },
    { COURRIEL_TEST_BENCH_POP3S, COURRIEL_SECURITY_TLS, "SCRAM-SHA-256" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielPop3Client) client = new_client (courriel_test_bench_get_port (bench, cases[i].service),
                                                          cases[i].security);

      g_assert_true (connect_client (client, &error));
      g_assert_no_error (error);
      g_assert_true (courriel_connection_is_encrypted (courriel_pop3_client_get_connection (client)));
      g_assert_true (courriel_pop3_client_has_capability (client, "UIDL"));
      g_assert_true (log_in (client, cases[i].mechanism, courriel_test_bench_get_password (bench, ADDRESS), &error));
      g_assert_no_error (error);
      g_assert_true (courriel_pop3_client_is_authenticated (client));
      quit (client);
    }
}

static void
test_wrong_password (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielPop3Client) client = new_client (courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_POP3S),
                                                      COURRIEL_SECURITY_TLS);

  g_assert_true (connect_client (client, &error));
  g_assert_false (log_in (client, NULL, "not-the-password", &error));
  g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "Logging in failed"));
  g_assert_false (courriel_pop3_client_is_authenticated (client));
}

/* The transaction commands on bob's real mailbox: STAT, LIST, UIDL, TOP, RETR byte for byte,
 * DELE undone by RSET, then DELE committed by QUIT. */
static void
test_dovecot_transaction (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielPop3Client) client = new_client (courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_POP3S),
                                                      COURRIEL_SECURITY_TLS);
  const char *first = "From: Élodie <elodie@example.org>\r\nTo: " ADDRESS "\r\nSubject: Premier\r\n"
                      "Message-ID: <p1@example.org>\r\n\r\nBonjour.\r\n.Une ligne qui commence par un point.\r\n"
                      "..\r\n.\r\nFin.\r\n";
  const char *second = "From: Tom <tom@example.net>\r\nTo: " ADDRESS "\r\nSubject: Second\r\n\r\nHello.\r\n";
  g_autoptr (GBytes) first_bytes = g_bytes_new_static (first, strlen (first));
  g_autoptr (GBytes) second_bytes = g_bytes_new_static (second, strlen (second));
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GPtrArray) uids = NULL;
  g_autoptr (GBytes) top = NULL;
  g_autoptr (GBytes) message = NULL;
  guint count = 0;
  guint64 size = 0;

  courriel_test_bench_add_message (bench, ADDRESS, "INBOX", first_bytes, NULL, 1000, &error);
  courriel_test_bench_add_message (bench, ADDRESS, "INBOX", second_bytes, NULL, 2000, &error);
  g_assert_no_error (error);
  g_assert_true (connect_client (client, &error));
  g_assert_true (log_in (client, NULL, courriel_test_bench_get_password (bench, ADDRESS), &error));
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_pop3_client_stat_async (client, NULL, net_test_store_result, &result);
    g_assert_true (courriel_pop3_client_stat_finish (client, net_test_wait (&result), &count, &size, &error));
    g_assert_cmpuint (count, ==, 2);
    g_assert_cmpuint (size, ==, strlen (first) + strlen (second));
  }
  {
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    courriel_pop3_client_list_async (client, NULL, net_test_store_result, &r1);
    listed = courriel_pop3_client_list_finish (client, net_test_wait (&r1), &error);
    courriel_pop3_client_uidl_async (client, NULL, net_test_store_result, &r2);
    uids = courriel_pop3_client_uidl_finish (client, net_test_wait (&r2), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (listed->len, ==, 2);
    g_assert_cmpuint (((CourrielPop3Entry *)listed->pdata[0])->size, ==, strlen (first));
    g_assert_cmpuint (uids->len, ==, 2);
    g_assert_cmpstr (((CourrielPop3Entry *)uids->pdata[0])->uid, !=, ((CourrielPop3Entry *)uids->pdata[1])->uid);
  }
  {
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    courriel_pop3_client_top_async (client, 1, 0, NULL, net_test_store_result, &r1);
    top = courriel_pop3_client_top_finish (client, net_test_wait (&r1), &error);
    g_assert_no_error (error);
    g_assert_nonnull (memmem (g_bytes_get_data (top, NULL), g_bytes_get_size (top), "Subject: Premier\r\n", 18));
    g_assert_null (memmem (g_bytes_get_data (top, NULL), g_bytes_get_size (top), "Bonjour", 7));
    /* Lines starting with a dot come back as they were: the dot-stuffing is undone. */
    courriel_pop3_client_retr_async (client, 1, NULL, NULL, net_test_store_result, &r2);
    message = courriel_pop3_client_retr_finish (client, net_test_wait (&r2), &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (message, first_bytes));
  }
  {
    /* Into a sink, as it arrives. */
    g_autoptr (GOutputStream) sink = g_memory_output_stream_new_resizable ();
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GBytes) empty = NULL;
    g_autoptr (GBytes) written = NULL;
    courriel_pop3_client_retr_async (client, 2, sink, NULL, net_test_store_result, &result);
    empty = courriel_pop3_client_retr_finish (client, net_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
    g_output_stream_close (sink, NULL, NULL);
    written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
    g_assert_true (g_bytes_equal (written, second_bytes));
  }
  {
    /* A message that does not exist: -ERR, a clear error, and the session goes on. */
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GBytes) none = NULL;
    courriel_pop3_client_retr_async (client, 99, NULL, NULL, net_test_store_result, &result);
    none = courriel_pop3_client_retr_finish (client, net_test_wait (&result), &error);
    g_assert_null (none);
    g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR);
    g_clear_error (&error);
  }
  {
    /* DELE then RSET: nothing is deleted. */
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    courriel_pop3_client_dele_async (client, 1, NULL, net_test_store_result, &r1);
    g_assert_true (courriel_pop3_client_dele_finish (client, net_test_wait (&r1), &error));
    courriel_pop3_client_rset_async (client, NULL, net_test_store_result, &r2);
    g_assert_true (courriel_pop3_client_rset_finish (client, net_test_wait (&r2), &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_pop3_client_dele_async (client, 2, NULL, net_test_store_result, &result);
    g_assert_true (courriel_pop3_client_dele_finish (client, net_test_wait (&result), &error));
  }
  quit (client);

  /* A new session: the first message is still there, the second is gone. */
  {
    g_autoptr (CourrielPop3Client) again = new_client (courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_POP3S),
                                                       COURRIEL_SECURITY_TLS);
    g_autoptr (GAsyncResult) result = NULL;

    g_assert_true (connect_client (again, &error));
    g_assert_true (log_in (again, NULL, courriel_test_bench_get_password (bench, ADDRESS), &error));
    courriel_pop3_client_stat_async (again, NULL, net_test_store_result, &result);
    g_assert_true (courriel_pop3_client_stat_finish (again, net_test_wait (&result), &count, &size, &error));
    g_assert_cmpuint (count, ==, 1);
    g_assert_cmpuint (size, ==, strlen (first));
    quit (again);
  }
}

/* Scripted servers ------------------------------------------------------------------------------ */

static void
script_not_pop3 (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "* OK IMAP4rev1 ready\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

static void
script_no_stls (GSocketConnection *connection, gpointer user_data)
{
  g_autofree char *capa = NULL;

  net_test_send (G_IO_STREAM (connection), "+OK ready\r\n");
  capa = net_test_receive_line (G_IO_STREAM (connection));
  g_assert_cmpstr (capa, ==, "CAPA\r\n");
  net_test_send (G_IO_STREAM (connection), "+OK\r\nUIDL\r\nUSER\r\n.\r\n");
  /* Nothing else may come: certainly not a password. */
  g_assert_cmpuint (net_test_drain (G_IO_STREAM (connection)), ==, 0);
}

static void
script_refuses (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "-ERR too many connections\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

/* A server that is not POP3, one that cannot encrypt when asked to, one that refuses: clear
 * errors, and never a password in clear text. */
/* A server without UIDL (-ERR), with APOP in its greeting and no SASL, and a malformed LIST. */
static void
script_old_server (GSocketConnection *connection, gpointer user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *capa = NULL;
  g_autofree char *apop = NULL;
  g_autofree char *uidl = NULL;
  g_autofree char *list = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_MD5, "<1896.697170952@dbc.mtview.ca.us>tanstaaf", -1);

  net_test_send (stream, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  capa = net_test_receive_line (stream);
  net_test_send (stream, "-ERR unknown command\r\n");
  apop = net_test_receive_line (stream);
  expected = g_strdup_printf ("APOP mrose %s\r\n", digest);
  g_assert_cmpstr (apop, ==, expected);
  net_test_send (stream, "+OK maildrop has 1 message\r\n");
  uidl = net_test_receive_line (stream);
  g_assert_cmpstr (uidl, ==, "UIDL\r\n");
  net_test_send (stream, "-ERR no UIDL here\r\n");
  list = net_test_receive_line (stream);
  g_assert_cmpstr (list, ==, "LIST\r\n");
  net_test_send (stream, "+OK\r\nnot a number\r\n.\r\n");
  net_test_drain (stream);
}

/* A message that arrives in pieces cut anywhere (in a line, in its CRLF, in the final dot),
 * with a stuffed dot and a bare LF; then an answer followed by something no command asked for. */
static void
script_messages_in_pieces (GSocketConnection *connection, gpointer user_data)
{
  static const char *pieces[] = { "+OK 60 octets\r\nSubject: pi", "eces\r\n\r\n..a stuffed dot\r",
                                  "\nbare LF\n.", ".\r\n.", "\r", "\n" };
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *capa = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  net_test_send (stream, "+OK ready\r\n");
  capa = net_test_receive_line (stream);
  net_test_send (stream, "-ERR unknown command\r\n");
  first = net_test_receive_line (stream);
  g_assert_cmpstr (first, ==, "RETR 1\r\n");
  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      net_test_send (stream, pieces[i]);
      g_usleep (20000); /* each piece its own read */
    }
  second = net_test_receive_line (stream);
  g_assert_cmpstr (second, ==, "RETR 2\r\n");
  net_test_send (stream, "+OK\r\nSubject: b\r\n\r\nb\r\n.\r\n+OK unasked\r\n");
  net_test_drain (stream);
}

static void
test_message_pieces (void)
{
  g_autoptr (GError) error = NULL;
  NetTestServer *server = net_test_server_start (script_messages_in_pieces, NULL);
  g_autoptr (CourrielPop3Client) client = new_client (server->port, COURRIEL_SECURITY_NONE);
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) second = NULL;
  const char *expected = "Subject: pieces\r\n\r\n.a stuffed dot\r\nbare LF\r\n.\r\n";

  g_assert_true (connect_client (client, &error));
  courriel_pop3_client_retr_async (client, 1, NULL, NULL, net_test_store_result, &r1);
  first = courriel_pop3_client_retr_finish (client, net_test_wait (&r1), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (first, NULL), g_bytes_get_size (first), expected, strlen (expected));
  courriel_pop3_client_retr_async (client, 2, NULL, NULL, net_test_store_result, &r2);
  second = courriel_pop3_client_retr_finish (client, net_test_wait (&r2), &error);
  g_assert_null (second);
  g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL);
  net_test_server_finish (server);
}

static void
test_misbehaving_servers (void)
{
  {
    /* RFC 1939's APOP example; no UIDL is a clear error, a malformed LIST too. */
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_old_server, NULL);
    g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                         COURRIEL_SECURITY_NONE);
    g_autoptr (CourrielPop3Client) client = NULL;
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    g_autoptr (GAsyncResult) r3 = NULL;
    g_autoptr (GPtrArray) uids = NULL;
    g_autoptr (GPtrArray) listed = NULL;

    courriel_connection_set_allow_insecure_auth (connection, TRUE);
    client = courriel_pop3_client_new (connection);
    g_assert_true (connect_client (client, &error));
    courriel_pop3_client_authenticate_async (client, NULL, "mrose", "tanstaaf", NULL, net_test_store_result, &r1);
    g_assert_true (courriel_pop3_client_authenticate_finish (client, net_test_wait (&r1), &error));
    g_assert_no_error (error);
    courriel_pop3_client_uidl_async (client, NULL, net_test_store_result, &r2);
    uids = courriel_pop3_client_uidl_finish (client, net_test_wait (&r2), &error);
    g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR);
    g_clear_error (&error);
    courriel_pop3_client_list_async (client, NULL, net_test_store_result, &r3);
    listed = courriel_pop3_client_list_finish (client, net_test_wait (&r3), &error);
    g_assert_null (listed);
    g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL);
    courriel_connection_close (connection);
    net_test_server_finish (server);
  }
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_not_pop3, NULL);
    g_autoptr (CourrielPop3Client) client = new_client (server->port, COURRIEL_SECURITY_NONE);

    g_assert_false (connect_client (client, &error));
    g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_PROTOCOL);
    net_test_server_finish (server);
  }
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_no_stls, NULL);
    g_autoptr (CourrielPop3Client) client = new_client (server->port, COURRIEL_SECURITY_STARTTLS);

    g_assert_false (connect_client (client, &error));
    g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE);
    courriel_connection_close (courriel_pop3_client_get_connection (client));
    net_test_server_finish (server);
  }
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_refuses, NULL);
    g_autoptr (CourrielPop3Client) client = new_client (server->port, COURRIEL_SECURITY_NONE);

    g_assert_false (connect_client (client, &error));
    g_assert_error (error, COURRIEL_POP3_ERROR, COURRIEL_POP3_ERROR_ERR);
    g_assert_nonnull (strstr (error->message, "too many connections"));
    courriel_connection_close (courriel_pop3_client_get_connection (client));
    net_test_server_finish (server);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);

  g_test_add_func ("/pop3-client/dovecot-logins", test_dovecot_logins);
  g_test_add_func ("/pop3-client/wrong-password", test_wrong_password);
  g_test_add_func ("/pop3-client/dovecot-transaction", test_dovecot_transaction);
  g_test_add_func ("/pop3-client/misbehaving-servers", test_misbehaving_servers);
  g_test_add_func ("/pop3-client/message-pieces", test_message_pieces);
  status = g_test_run ();
  g_clear_object (&bench);
  g_free (fingerprint);
  return status;
}
