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
static void
test_misbehaving_servers (void)
{
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
  g_test_add_func ("/pop3-client/misbehaving-servers", test_misbehaving_servers);
  status = g_test_run ();
  g_clear_object (&bench);
  g_free (fingerprint);
  return status;
}
