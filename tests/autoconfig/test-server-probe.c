/* test-server-probe.c — knocking on the bench's real Dovecot and Postfix, and on servers that misbehave
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-server-probe.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

static CourrielProbeResult *
probe (CourrielMailServerType type, const char *host, guint16 port, CourrielSecurity security, guint timeout,
       GTlsDatabase *database)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  CourrielMailServer server = { type, (char *)host, port, security, NULL, 0, FALSE, -1 };
  CourrielProbeResult *probed;

  courriel_server_probe_async (&server, timeout, database, NULL, net_test_store_result, &result);
  probed = courriel_server_probe_finish (net_test_wait (&result), &error);
  g_assert_no_error (error);
  return probed;
}

static void
assert_outcome (CourrielMailServerType type, guint16 port, CourrielSecurity security, GTlsDatabase *database,
                CourrielProbeOutcome expected)
{
  g_autoptr (CourrielProbeResult) probed = probe (type, "localhost", port, security, 5, database);

  if (probed->outcome != expected)
    g_error ("%s on port %u: outcome %d (%s), expected %d", courriel_mail_server_type_to_string (type), port,
             probed->outcome, probed->message, expected);
}

/* Each of the bench's servers is recognised for what it is, with STARTTLS really done; on
 * another protocol's port, it is not mistaken; an untrusted certificate comes with its
 * fingerprint. */
static void
test_bench_servers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = courriel_test_bench_new (&error);
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr (CourrielProbeResult) untrusted = NULL;

  g_assert_no_error (error);
  database = g_tls_file_database_new (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);

#define PORT(service) courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_##service)
  assert_outcome (COURRIEL_MAIL_SERVER_IMAP, PORT (IMAPS), COURRIEL_SECURITY_TLS, database, COURRIEL_PROBE_OK);
  assert_outcome (COURRIEL_MAIL_SERVER_IMAP, PORT (IMAP), COURRIEL_SECURITY_STARTTLS, database, COURRIEL_PROBE_OK);
  assert_outcome (COURRIEL_MAIL_SERVER_POP3, PORT (POP3S), COURRIEL_SECURITY_TLS, database, COURRIEL_PROBE_OK);
  assert_outcome (COURRIEL_MAIL_SERVER_POP3, PORT (POP3), COURRIEL_SECURITY_STARTTLS, database, COURRIEL_PROBE_OK);
  assert_outcome (COURRIEL_MAIL_SERVER_SMTP, PORT (SUBMISSIONS), COURRIEL_SECURITY_TLS, database, COURRIEL_PROBE_OK);
  assert_outcome (COURRIEL_MAIL_SERVER_SMTP, PORT (SUBMISSION), COURRIEL_SECURITY_STARTTLS, database,
                  COURRIEL_PROBE_OK);
  /* Another protocol behind the port. */
  assert_outcome (COURRIEL_MAIL_SERVER_IMAP, PORT (POP3S), COURRIEL_SECURITY_TLS, database,
                  COURRIEL_PROBE_NOT_THIS_PROTOCOL);
  assert_outcome (COURRIEL_MAIL_SERVER_SMTP, PORT (IMAP), COURRIEL_SECURITY_STARTTLS, database,
                  COURRIEL_PROBE_NOT_THIS_PROTOCOL);
  /* Implicit TLS asked of a clear-text port. */
  assert_outcome (COURRIEL_MAIL_SERVER_IMAP, PORT (IMAP), COURRIEL_SECURITY_TLS, database,
                  COURRIEL_PROBE_TLS_FAILED);
  /* The system does not know the bench's self-signed certificate: the user is shown its fingerprint. */
  untrusted = probe (COURRIEL_MAIL_SERVER_IMAP, "localhost", PORT (IMAPS), COURRIEL_SECURITY_TLS, 5, NULL);
  g_assert_cmpint (untrusted->outcome, ==, COURRIEL_PROBE_CERTIFICATE);
  g_assert_cmpstr (untrusted->fingerprint, ==, fingerprint);
  g_assert_true (untrusted->certificate_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
#undef PORT
  courriel_test_bench_stop (bench);
}

/* An IMAP server without STARTTLS. */
static void
plain_imap (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

/* Accepts, then says nothing. */
static void
silent (GSocketConnection *connection, gpointer user_data)
{
  net_test_drain (G_IO_STREAM (connection));
}

static guint16
closed_port (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  guint16 port;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                                &effective, NULL));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

static void
cancel_now (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* No STARTTLS is never taken as clear text; a closed port and a silent server are unreachable
 * within the timeout; a cancelled probe stops. */
static void
test_misbehaving (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  CourrielMailServer server = { COURRIEL_MAIL_SERVER_IMAP, "127.0.0.1", 0, COURRIEL_SECURITY_TLS, NULL, 0, FALSE, -1 };
  NetTestServer *scripted;
  gint64 started;

  scripted = net_test_server_start (plain_imap, NULL);
  {
    g_autoptr (CourrielProbeResult) probed = probe (COURRIEL_MAIL_SERVER_IMAP, "127.0.0.1", scripted->port,
                                                    COURRIEL_SECURITY_STARTTLS, 5, NULL);
    g_assert_cmpint (probed->outcome, ==, COURRIEL_PROBE_NO_STARTTLS);
    g_assert_nonnull (probed->message);
  }
  net_test_server_finish (scripted);

  {
    g_autoptr (CourrielProbeResult) probed = probe (COURRIEL_MAIL_SERVER_SMTP, "127.0.0.1", closed_port (),
                                                    COURRIEL_SECURITY_TLS, 5, NULL);
    g_assert_cmpint (probed->outcome, ==, COURRIEL_PROBE_UNREACHABLE);
  }

  scripted = net_test_server_start (silent, NULL);
  {
    g_autoptr (CourrielProbeResult) probed = probe (COURRIEL_MAIL_SERVER_POP3, "127.0.0.1", scripted->port,
                                                    COURRIEL_SECURITY_STARTTLS, 1, NULL);
    g_assert_cmpint (probed->outcome, ==, COURRIEL_PROBE_UNREACHABLE);
    g_assert_cmpint (probed->elapsed_us, <, 4 * G_USEC_PER_SEC);
  }
  net_test_server_finish (scripted);

  /* Cancelled while waiting for a greeting that would take 30 s to time out: it stops at once. */
  scripted = net_test_server_start (silent, NULL);
  server.port = scripted->port;
  started = g_get_monotonic_time ();
  courriel_server_probe_async (&server, 30, NULL, cancellable, net_test_store_result, &result);
  g_timeout_add_once (200, cancel_now, cancellable);
  g_assert_null (courriel_server_probe_finish (net_test_wait (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  net_test_server_finish (scripted);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-probe/bench-servers", test_bench_servers);
  g_test_add_func ("/server-probe/misbehaving", test_misbehaving);
  return g_test_run ();
}
