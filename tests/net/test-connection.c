/* test-connection.c — connections as a user would notice them: certificates, STARTTLS, timeouts, lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real Dovecot of the bench for TLS, pinning and STARTTLS; scripted servers on loopback
 * for what a real server would not do on purpose (injection, silence, long lines, EOF).
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-connection.h"
#include "courriel-net-error.h"
#include "courriel-test-bench.h"
#include "net-test-util.h"

static CourrielTestBench *shared_bench;

static CourrielTestBench *
get_bench (void)
{
  g_autoptr (GError) error = NULL;

  if (shared_bench == NULL)
    {
      shared_bench = courriel_test_bench_new (&error);
      g_assert_no_error (error);
    }
  return shared_bench;
}

/* The fingerprint of the bench's certificate, computed from its file, not from a connection. */
static char *
get_bench_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (
    courriel_test_bench_get_ca_file (get_bench ()), &error);

  g_assert_no_error (error);
  return courriel_certificate_get_fingerprint (certificate);
}

static CourrielConnection *
new_bench_connection (CourrielTestBenchService service, CourrielSecurity security)
{
  CourrielTestBench *bench = get_bench ();

  return courriel_connection_new (courriel_test_bench_get_host (bench),
                                  courriel_test_bench_get_port (bench, service), security);
}

static void
test_fingerprint_format (void)
{
  g_autofree char *fingerprint = get_bench_fingerprint ();

  g_assert_cmpuint (strlen (fingerprint), ==, 95);
  for (guint i = 0; i < 95; i++)
    if (i % 3 == 2)
      g_assert_cmpint (fingerprint[i], ==, ':');
    else
      g_assert_true (g_ascii_isdigit (fingerprint[i]) || (fingerprint[i] >= 'A' && fingerprint[i] <= 'F'));
}

static void
test_tls_untrusted (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAPS, COURRIEL_SECURITY_TLS);
  g_autofree char *expected = get_bench_fingerprint ();
  g_autofree char *carried = NULL;
  g_autoptr (GError) error = NULL;
  GTlsCertificate *certificate;

  g_assert_false (net_test_connect (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_false (courriel_connection_is_encrypted (connection));

  /* What the UI shows to let the user decide. */
  certificate = courriel_net_error_get_certificate (error);
  g_assert_nonnull (certificate);
  carried = courriel_certificate_get_fingerprint (certificate);
  g_assert_cmpstr (carried, ==, expected);
  g_assert_cmpstr (courriel_net_error_get_fingerprint (error), ==, expected);
  g_assert_true (courriel_net_error_get_certificate_errors (error) & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_nonnull (strstr (error->message, expected));

  /* The certificate survives copies of the error (GTask propagation copies nothing, callers may). */
  {
    g_autoptr (GError) copy = g_error_copy (error);
    g_assert_true (courriel_net_error_get_certificate (copy) == certificate);
    g_assert_cmpstr (courriel_net_error_get_fingerprint (copy), ==, expected);
  }

  /* And the connection is unusable. */
  g_clear_error (&error);
  g_assert_null (net_test_read_line (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
}

static void
check_pinned_connects (const char *pin)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAPS, COURRIEL_SECURITY_TLS);
  g_autofree char *expected = get_bench_fingerprint ();
  g_autofree char *peer = NULL;
  g_autofree char *greeting = NULL;
  g_autoptr (GError) error = NULL;

  courriel_connection_set_pinned_fingerprint (connection, pin);
  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  g_assert_true (courriel_connection_is_encrypted (connection));
  peer = courriel_certificate_get_fingerprint (courriel_connection_get_peer_certificate (connection));
  g_assert_cmpstr (peer, ==, expected);

  greeting = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
}

static void
test_tls_pinned (void)
{
  g_autofree char *fingerprint = get_bench_fingerprint ();
  g_auto (GStrv) pairs = g_strsplit (fingerprint, ":", -1);
  g_autofree char *joined = g_strjoinv ("", pairs);
  g_autofree char *lower = g_ascii_strdown (joined, -1);

  check_pinned_connects (fingerprint);
  /* The user may have pasted it in another form. */
  check_pinned_connects (lower);
}

static void
test_tls_pinned_other (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAPS, COURRIEL_SECURITY_TLS);
  g_autofree char *expected = get_bench_fingerprint ();
  g_autofree char *other = g_strdup (expected);
  g_autoptr (GError) error = NULL;

  /* The certificate the user accepted once, then a different one: one digit differs. */
  other[0] = other[0] == 'A' ? 'B' : 'A';
  courriel_connection_set_pinned_fingerprint (connection, other);
  g_assert_false (net_test_connect (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_cmpstr (courriel_net_error_get_fingerprint (error), ==, expected);
  g_assert_false (courriel_connection_is_encrypted (connection));
}

static void
test_tls_close (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAPS, COURRIEL_SECURITY_TLS);
  g_autofree char *fingerprint = get_bench_fingerprint ();
  g_autofree char *greeting = NULL;
  g_autoptr (GAsyncResult) read = NULL;
  g_autoptr (GAsyncResult) closed = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  g_assert_true (net_test_connect (connection, &error));
  greeting = net_test_read_line (connection, &error);
  g_assert_no_error (error);

  /* The server has nothing more to say; closing ends the wait at once. */
  start = g_get_monotonic_time ();
  courriel_connection_read_line_async (connection, NULL, net_test_store_result, &read);
  courriel_connection_close (connection);
  g_assert_false (courriel_connection_is_encrypted (connection));
  g_assert_null (courriel_connection_read_line_finish (connection, net_test_wait (&read), NULL, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  courriel_connection_close_async (connection, NULL, net_test_store_result, &closed);
  g_assert_true (courriel_connection_close_finish (connection, net_test_wait (&closed), NULL));
}

static void
test_tls_trusted_database (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_POP3S, COURRIEL_SECURITY_TLS);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsDatabase) database = g_tls_file_database_new (courriel_test_bench_get_ca_file (get_bench ()),
                                                               &error);
  g_autofree char *greeting = NULL;

  g_assert_no_error (error);
  courriel_connection_set_tls_database (connection, database);
  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  g_assert_true (courriel_connection_is_encrypted (connection));
  greeting = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (greeting, "+OK"));
}

static void
test_starttls (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAP,
                                                                    COURRIEL_SECURITY_STARTTLS);
  g_autofree char *fingerprint = get_bench_fingerprint ();
  g_autofree char *greeting = NULL;
  g_autofree char *before = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  g_assert_false (courriel_connection_is_encrypted (connection));
  g_assert_null (courriel_connection_get_peer_certificate (connection));
  greeting = net_test_read_line (connection, &error);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  /* In clear text we refuse to send credentials. */
  g_assert_true (net_test_write (connection, "a CAPABILITY\r\n", &error));
  before = net_test_read_until (connection, "a ", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (before, "STARTTLS"));
  g_assert_false (courriel_connection_check_credentials_allowed (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED);
  g_clear_error (&error);

  g_assert_true (net_test_write (connection, "b STARTTLS\r\n", &error));
  reply = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "b OK"));
  g_assert_true (net_test_start_tls (connection, &error));
  g_assert_no_error (error);
  g_assert_true (courriel_connection_is_encrypted (connection));
  g_assert_nonnull (courriel_connection_get_peer_certificate (connection));
  g_assert_true (courriel_connection_check_credentials_allowed (connection, &error));
  g_assert_no_error (error);

  g_assert_true (net_test_write (connection, "c CAPABILITY\r\n", &error));
  after = net_test_read_until (connection, "c ", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (after, "AUTH=PLAIN"));
  g_assert_null (strstr (after, "STARTTLS"));
  g_assert_nonnull (strstr (after, "c OK"));
}

static void
test_starttls_untrusted (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_POP3,
                                                                    COURRIEL_SECURITY_STARTTLS);
  g_autofree char *greeting = NULL;
  g_autofree char *reply = NULL;
  g_autoptr (GError) error = NULL;

  /* STARTTLS verifies the certificate exactly as implicit TLS does. */
  g_assert_true (net_test_connect (connection, &error));
  greeting = net_test_read_line (connection, &error);
  g_assert_true (net_test_write (connection, "STLS\r\n", &error));
  reply = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "+OK"));
  g_assert_false (net_test_start_tls (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (courriel_net_error_get_certificate (error));
  g_assert_false (courriel_connection_is_encrypted (connection));
}

/* A server that answers STARTTLS and, in the same packet, a line of its own: the kind of
 * injection a man in the middle does before TLS starts (CVE-2011-0411). */
static void
hostile_starttls_script (GSocketConnection *connection, gpointer user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);
  const char *dir = user_data;
  g_autofree char *cert_file = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key_file = g_build_filename (dir, "key.pem", NULL);
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autofree char *command = NULL;
  g_autoptr (GError) error = NULL;

  net_test_send (stream, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hello\r\n");
  command = net_test_receive_line (stream);
  g_assert_cmpstr (command, ==, "a STARTTLS\r\n");
  net_test_send (stream, "a OK Begin TLS\r\n* OK injected\r\n");

  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  tls = g_tls_server_connection_new (stream, certificate, &error);
  g_assert_no_error (error);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  net_test_send (tls, "* OK real\r\n");
  net_test_drain (tls);
}

static void
test_starttls_injection (void)
{
  g_autofree char *fingerprint = get_bench_fingerprint ();
  NetTestServer *server = net_test_server_start (hostile_starttls_script,
                                                 (gpointer)courriel_test_bench_get_dir (get_bench ()));
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_STARTTLS);
  g_autofree char *greeting = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *line = NULL;
  g_autoptr (GError) error = NULL;

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  greeting = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (net_test_write (connection, "a STARTTLS\r\n", &error));
  reply = net_test_read_line (connection, &error);
  g_assert_cmpstr (reply, ==, "a OK Begin TLS");

  g_assert_true (net_test_start_tls (connection, &error));
  g_assert_no_error (error);
  line = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "* OK real");

  courriel_connection_close (connection);
  net_test_server_finish (server);
}

static void
test_credentials (void)
{
  g_autoptr (CourrielConnection) connection = new_bench_connection (COURRIEL_TEST_BENCH_IMAP, COURRIEL_SECURITY_NONE);
  g_autoptr (GError) error = NULL;

  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  g_assert_false (courriel_connection_is_encrypted (connection));
  g_assert_false (courriel_connection_check_credentials_allowed (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED);
  g_assert_nonnull (strstr (error->message, courriel_connection_get_host (connection)));
  g_clear_error (&error);

  /* The user chose an insecure account and was warned. */
  courriel_connection_set_allow_insecure_auth (connection, TRUE);
  g_assert_true (courriel_connection_check_credentials_allowed (connection, &error));
  g_assert_no_error (error);
}

/* Lines ------------------------------------------------------------------------------------------ */

static void
lines_script (GSocketConnection *connection, gpointer user_data)
{
  g_autofree char *long_line = g_strnfill (2000, 'x');

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             "first\r\nsecond\nwith\0nul\r\n\r\n", 26, NULL, NULL, NULL);
  net_test_send (G_IO_STREAM (connection), long_line);
  net_test_send (G_IO_STREAM (connection), "\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

static void
test_lines (void)
{
  NetTestServer *server = net_test_server_start (lines_script, NULL);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GError) error = NULL;
  const char *expected[] = { "first", "second", "with\0nul", "" };
  const gsize lengths[] = { 5, 6, 8, 0 };

  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  courriel_connection_set_max_line_length (connection, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autofree char *line = NULL;
      gsize length = 99;

      courriel_connection_read_line_async (connection, NULL, net_test_store_result, &result);
      line = courriel_connection_read_line_finish (connection, net_test_wait (&result), &length, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (length, ==, lengths[i]);
      g_assert_cmpmem (line, length + 1, expected[i], lengths[i] + 1);
    }

  /* A server flooding one line does not eat all memory. */
  g_assert_null (net_test_read_line (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_LINE_TOO_LONG);
  g_clear_error (&error);
  g_assert_null (net_test_read_line (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);

  net_test_server_finish (server);
}

static void
eof_script (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "* BYE going away\r\n");
}

static void
test_eof (void)
{
  NetTestServer *server = net_test_server_start (eof_script, NULL);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *none = NULL;

  g_assert_true (net_test_connect (connection, &error));
  line = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "* BYE going away");
  none = net_test_read_line (connection, &error);
  g_assert_null (none);
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
  net_test_server_finish (server);
}

static void
silent_script (GSocketConnection *connection, gpointer user_data)
{
  gsize *received = user_data;

  /* Says nothing, and notices when the client gives up. */
  *received = net_test_drain (G_IO_STREAM (connection));
}

static void
test_timeout (void)
{
  gsize received = 1;
  NetTestServer *server = net_test_server_start (silent_script, &received);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GError) error = NULL;
  gint64 start;
  gint64 elapsed;

  g_assert_cmpuint (courriel_connection_get_timeout (connection), ==, 60);
  courriel_connection_set_timeout (connection, 1);
  g_assert_cmpuint (courriel_connection_get_timeout (connection), ==, 1);
  g_assert_true (net_test_connect (connection, &error));
  start = g_get_monotonic_time ();
  g_assert_null (net_test_read_line (connection, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);

  /* The protocol's state is unknown after a timeout: the connection is closed. */
  g_clear_error (&error);
  g_assert_false (net_test_write (connection, "a NOOP\r\n", &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
  net_test_server_finish (server);
  g_assert_cmpuint (received, ==, 0);
}

static void
test_timeout_handshake (void)
{
  gsize received = 0;
  NetTestServer *server = net_test_server_start (silent_script, &received);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_TLS);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Accepts the connection, then never answers the TLS hello. */
  courriel_connection_set_timeout (connection, 1);
  g_assert_false (net_test_connect (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  net_test_server_finish (server);
  g_assert_cmpuint (received, >, 0);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  gsize received = 1;
  NetTestServer *server = net_test_server_start (silent_script, &received);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *line;

  g_assert_true (net_test_connect (connection, &error));
  courriel_connection_read_line_async (connection, cancellable, net_test_store_result, &result);
  g_timeout_add (100, cancel_later, cancellable);
  line = courriel_connection_read_line_finish (connection, net_test_wait (&result), NULL, &error);
  g_assert_null (line);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Closed, cleanly: the server sees the end of the connection. */
  net_test_server_finish (server);
  g_assert_cmpuint (received, ==, 0);
  g_clear_error (&error);
  g_assert_null (net_test_read_line (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
}

static void
test_close_pending (void)
{
  gsize received = 1;
  NetTestServer *server = net_test_server_start (silent_script, &received);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GAsyncResult) read = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  g_autoptr (GAsyncResult) closed = NULL;
  g_autoptr (GAsyncResult) closed_again = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (net_test_connect (connection, &error));
  courriel_connection_read_line_async (connection, NULL, net_test_store_result, &read);

  /* One read at a time. */
  courriel_connection_read_async (connection, 10, NULL, net_test_store_result, &second);
  g_assert_null (courriel_connection_read_finish (connection, net_test_wait (&second), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  courriel_connection_close_async (connection, NULL, net_test_store_result, &closed);
  g_assert_null (courriel_connection_read_line_finish (connection, net_test_wait (&read), NULL, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
  g_assert_true (courriel_connection_close_finish (connection, net_test_wait (&closed), NULL));

  /* Closing twice is harmless. */
  courriel_connection_close_async (connection, NULL, net_test_store_result, &closed_again);
  g_assert_true (courriel_connection_close_finish (connection, net_test_wait (&closed_again), NULL));
  courriel_connection_close (connection);
  net_test_server_finish (server);
}

/* Bytes -------------------------------------------------------------------------------------------- */

typedef struct
{
  gsize  expected;
  char  *checksum;
} Received;

static void
receive_script (GSocketConnection *connection, gpointer user_data)
{
  Received *received = user_data;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autofree guint8 *buffer = g_malloc (received->expected);
  gsize n = 0;

  g_input_stream_read_all (input, buffer, received->expected, &n, NULL, NULL);
  g_assert_cmpuint (n, ==, received->expected);
  g_checksum_update (checksum, buffer, n);
  received->checksum = g_strdup (g_checksum_get_string (checksum));
  net_test_drain (G_IO_STREAM (connection));
}

typedef struct
{
  guint done;
  guint out_of_order;
} WriteCounter;

typedef struct
{
  WriteCounter *counter;
  guint         index;
} WriteClosure;

static void
on_write_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WriteClosure *closure = user_data;
  g_autoptr (GError) error = NULL;

  courriel_connection_write_finish (COURRIEL_CONNECTION (source), result, &error);
  g_assert_no_error (error);
  if (closure->index != closure->counter->done)
    closure->counter->out_of_order++;
  closure->counter->done++;
  g_free (closure);
}

static void
test_write_order (void)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GPtrArray) chunks = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  Received received = { 0 };
  WriteCounter counter = { 0 };
  NetTestServer *server;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (GError) error = NULL;

  /* Small commands and large literals, mixed, all queued before the first leaves. */
  for (guint i = 0; i < 200; i++)
    {
      gsize size = i % 10 == 0 ? (gsize)g_rand_int_range (rand, 100000, 300000) : 20;
      guint8 *data = g_malloc (size);

      for (gsize j = 0; j < size; j++)
        data[j] = (guint8)g_rand_int (rand);
      g_snprintf ((char *)data, MIN (size, 12), "%06u ", i);
      g_checksum_update (checksum, data, size);
      received.expected += size;
      g_ptr_array_add (chunks, g_bytes_new_take (data, size));
    }

  server = net_test_server_start (receive_script, &received);
  connection = courriel_connection_new ("127.0.0.1", server->port, COURRIEL_SECURITY_NONE);
  g_assert_true (net_test_connect (connection, &error));
  for (guint i = 0; i < chunks->len; i++)
    {
      WriteClosure *closure = g_new0 (WriteClosure, 1);

      closure->counter = &counter;
      closure->index = i;
      courriel_connection_write_async (connection, chunks->pdata[i], NULL, on_write_done, closure);
    }
  while (counter.done < chunks->len)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (counter.out_of_order, ==, 0);

  courriel_connection_close (connection);
  net_test_server_finish (server);
  g_assert_cmpstr (received.checksum, ==, g_checksum_get_string (checksum));
  g_free (received.checksum);
}

#define LITERAL_SIZE (5 * 1024 * 1024)

static void
literal_script (GSocketConnection *connection, gpointer user_data)
{
  GBytes *payload = user_data;
  g_autofree char *header = g_strdup_printf ("* 1 FETCH (BODY[] {%u}\r\n", LITERAL_SIZE);

  net_test_send (G_IO_STREAM (connection), header);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), NULL, NULL, NULL);
  net_test_send (G_IO_STREAM (connection), ")\r\na OK done\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

static void
test_read_to_stream (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint8 *data = g_malloc (LITERAL_SIZE);
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) stored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *header = NULL;
  g_autofree char *rest = NULL;
  NetTestServer *server;
  g_autoptr (CourrielConnection) connection = NULL;

  for (gsize i = 0; i < LITERAL_SIZE; i++)
    data[i] = (guint8)g_rand_int (rand);
  payload = g_bytes_new_take (data, LITERAL_SIZE);

  server = net_test_server_start (literal_script, payload);
  connection = courriel_connection_new ("127.0.0.1", server->port, COURRIEL_SECURITY_NONE);
  g_assert_true (net_test_connect (connection, &error));
  header = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (header, "{5242880}"));

  courriel_connection_read_to_stream_async (connection, LITERAL_SIZE, sink, NULL, net_test_store_result, &result);
  g_assert_true (courriel_connection_read_to_stream_finish (connection, net_test_wait (&result), &error));
  g_assert_no_error (error);
  g_output_stream_close (sink, NULL, NULL);
  stored = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_true (g_bytes_equal (stored, payload));

  /* Not one byte more was taken. */
  rest = net_test_read_line (connection, &error);
  g_assert_cmpstr (rest, ==, ")");

  courriel_connection_close (connection);
  net_test_server_finish (server);
}

static void
chunks_script (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "abcdef\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

static void
test_read_some (void)
{
  NetTestServer *server = net_test_server_start (chunks_script, NULL);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (GString) all = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (net_test_connect (connection, &error));
  while (all->len < 8)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GBytes) bytes = NULL;

      courriel_connection_read_async (connection, 3, NULL, net_test_store_result, &result);
      bytes = courriel_connection_read_finish (connection, net_test_wait (&result), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (bytes), >=, 1);
      g_assert_cmpuint (g_bytes_get_size (bytes), <=, 3);
      g_string_append_len (all, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  g_assert_cmpstr (all->str, ==, "abcdef\r\n");

  courriel_connection_close (connection);
  net_test_server_finish (server);
}

static void
test_refused (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  connection = courriel_connection_new ("127.0.0.1", port, COURRIEL_SECURITY_TLS);
  g_assert_false (net_test_connect (connection, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CONNECTION_FAILED);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/connection/fingerprint-format", test_fingerprint_format);
  g_test_add_func ("/net/connection/tls/untrusted", test_tls_untrusted);
  g_test_add_func ("/net/connection/tls/pinned", test_tls_pinned);
  g_test_add_func ("/net/connection/tls/pinned-other", test_tls_pinned_other);
  g_test_add_func ("/net/connection/tls/trusted-database", test_tls_trusted_database);
  g_test_add_func ("/net/connection/tls/close", test_tls_close);
  g_test_add_func ("/net/connection/starttls", test_starttls);
  g_test_add_func ("/net/connection/starttls/untrusted", test_starttls_untrusted);
  g_test_add_func ("/net/connection/starttls/injection", test_starttls_injection);
  g_test_add_func ("/net/connection/credentials", test_credentials);
  g_test_add_func ("/net/connection/lines", test_lines);
  g_test_add_func ("/net/connection/eof", test_eof);
  g_test_add_func ("/net/connection/timeout", test_timeout);
  g_test_add_func ("/net/connection/timeout/handshake", test_timeout_handshake);
  g_test_add_func ("/net/connection/cancel", test_cancel);
  g_test_add_func ("/net/connection/close-pending", test_close_pending);
  g_test_add_func ("/net/connection/write-order", test_write_order);
  g_test_add_func ("/net/connection/read-to-stream", test_read_to_stream);
  g_test_add_func ("/net/connection/read-some", test_read_some);
  g_test_add_func ("/net/connection/refused", test_refused);

  status = g_test_run ();
  g_clear_object (&shared_bench);
  return status;
}
