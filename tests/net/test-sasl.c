/* test-sasl.c — SASL mechanisms: exact bytes for the simple ones, SCRAM against a server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libgsasl does not let a client choose its nonce, so SCRAM is not checked against the RFC 7677
 * vector; instead it runs against libgsasl's own server (which lets the test tamper with what
 * the server says) and against the real Dovecot of the bench.
 */
#include "config.h"

#include <gsasl.h>

#include "courriel-connection.h"
#include "courriel-certificate.h"
#include "courriel-net-error.h"
#include "courriel-sasl.h"
#include "courriel-test-bench.h"
#include "net-test-util.h"

#define ALICE "alice@example.test"

static GBytes *
bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* One step that must succeed; returns the response. */
static GBytes *
step (CourrielSasl *sasl, const char *challenge, gboolean *done)
{
  g_autoptr (GBytes) input = challenge != NULL ? bytes (challenge) : NULL;
  g_autoptr (GError) error = NULL;
  GBytes *response = NULL;

  g_assert_true (courriel_sasl_step (sasl, input, &response, done, &error));
  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static void
assert_bytes (GBytes *actual, const char *expected, gsize length)
{
  g_assert_cmpmem (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual), expected, length);
}

static void
assert_step_fails (CourrielSasl *sasl, const char *challenge)
{
  g_autoptr (GBytes) input = challenge != NULL ? bytes (challenge) : NULL;
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;

  g_assert_false (courriel_sasl_step (sasl, input, &response, &done, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL);
  g_assert_null (response);
}

static void
test_plain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new ("plain", ALICE, "pâssword", &error);
  g_autoptr (CourrielSasl) late = courriel_sasl_new ("PLAIN", ALICE, "pâssword", &error);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GBytes) late_response = NULL;
  const char expected[] = "\0" ALICE "\0p\xc3\xa2ssword";
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_assert_cmpstr (courriel_sasl_get_mechanism (sasl), ==, "PLAIN");
  g_assert_true (courriel_sasl_has_initial_response (sasl));
  response = step (sasl, NULL, &done);
  assert_bytes (response, expected, sizeof expected - 1);
  g_assert_true (done);
  assert_step_fails (sasl, "more?");

  /* A server without SASL-IR asks for it with an empty challenge. */
  late_response = step (late, "", &done);
  assert_bytes (late_response, expected, sizeof expected - 1);
  g_assert_true (done);
}

static void
test_login (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new ("LOGIN", ALICE, "secret", &error);
  g_autoptr (GBytes) user = NULL;
  g_autoptr (GBytes) password = NULL;
  gboolean done = TRUE;

  g_assert_no_error (error);
  g_assert_false (courriel_sasl_has_initial_response (sasl));
  /* The wording of the questions varies between servers; only their order counts. */
  user = step (sasl, "Username:", &done);
  assert_bytes (user, ALICE, strlen (ALICE));
  g_assert_false (done);
  password = step (sasl, "Password:", &done);
  assert_bytes (password, "secret", 6);
  g_assert_true (done);
  assert_step_fails (sasl, "Again:");
}

static void
test_xoauth2 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new ("XOAUTH2", ALICE, "ya29.token", &error);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GBytes) ack = NULL;
  const char expected[] = "user=" ALICE "\001auth=Bearer ya29.token\001\001";
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_assert_true (courriel_sasl_has_initial_response (sasl));
  response = step (sasl, NULL, &done);
  assert_bytes (response, expected, sizeof expected - 1);
  g_assert_true (done);

  /* The token was refused: the server explains in JSON, the client acknowledges. */
  ack = step (sasl, "{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}", &done);
  assert_bytes (ack, "\001", 1);
}

static void
test_oauthbearer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new ("oauthbearer", ALICE, "token", &error);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GBytes) ack = NULL;
  const char expected[] = "n,a=" ALICE ",\001auth=Bearer token\001\001";
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_assert_cmpstr (courriel_sasl_get_mechanism (sasl), ==, "OAUTHBEARER");
  response = step (sasl, NULL, &done);
  assert_bytes (response, expected, sizeof expected - 1);
  g_assert_true (done);

  /* RFC 7628, 3.2.3. */
  ack = step (sasl, "{\"status\":\"invalid_token\"}", &done);
  assert_bytes (ack, "\001", 1);
}

static void
test_unknown (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new ("CRAM-MD5", ALICE, "secret", &error);

  g_assert_null (sasl);
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL);
}

static void
test_choose (void)
{
  const char *all[] = { "LOGIN", "PLAIN", "SCRAM-SHA-1", "XOAUTH2", "SCRAM-SHA-256", "OAUTHBEARER", NULL };
  const char *sha1[] = { "PLAIN", "scram-sha-1", "LOGIN", NULL };
  const char *plain[] = { "login", "plain", NULL };
  const char *login[] = { "LOGIN", "CRAM-MD5", NULL };
  const char *unknown[] = { "CRAM-MD5", "GSSAPI", NULL };
  const char *xoauth2[] = { "PLAIN", "XOAUTH2", NULL };
  const char * const *supported = courriel_sasl_get_supported ();

  g_assert_cmpstr (courriel_sasl_choose (all, FALSE), ==, "SCRAM-SHA-256");
  g_assert_cmpstr (courriel_sasl_choose (sha1, FALSE), ==, "SCRAM-SHA-1");
  g_assert_cmpstr (courriel_sasl_choose (plain, FALSE), ==, "PLAIN");
  g_assert_cmpstr (courriel_sasl_choose (login, FALSE), ==, "LOGIN");
  g_assert_null (courriel_sasl_choose (unknown, FALSE));
  g_assert_null (courriel_sasl_choose (NULL, FALSE));

  /* With a token, only the token mechanisms. */
  g_assert_cmpstr (courriel_sasl_choose (all, TRUE), ==, "OAUTHBEARER");
  g_assert_cmpstr (courriel_sasl_choose (xoauth2, TRUE), ==, "XOAUTH2");
  g_assert_null (courriel_sasl_choose (plain, TRUE));
  g_assert_cmpstr (courriel_sasl_choose ((const char * const *)xoauth2, FALSE), ==, "PLAIN");

  g_assert_cmpstr (supported[0], ==, "SCRAM-SHA-256");
  for (guint i = 0; all[i] != NULL; i++)
    g_assert_true (g_strv_contains (supported, all[i]));
}

/* SCRAM against libgsasl's server --------------------------------------------------------------- */

static int
server_callback (Gsasl *context, Gsasl_session *session, Gsasl_property property)
{
  if (property == GSASL_PASSWORD)
    {
      gsasl_property_set (session, GSASL_PASSWORD, "pencil");
      return GSASL_OK;
    }
  return GSASL_NO_CALLBACK;
}

typedef enum
{
  SCRAM_HONEST,
  SCRAM_BAD_NONCE,     /* the server's nonce does not extend ours */
  SCRAM_BAD_SIGNATURE, /* the server does not know the password */
} ScramServer;

/* Runs a whole exchange; returns whether the client accepted it, with its error. */
static gboolean
run_scram (const char *mechanism, const char *password, ScramServer behaviour, gboolean *server_accepted,
           GError **error)
{
  Gsasl *context = NULL;
  Gsasl_session *server = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new (mechanism, "user", password, error);
  g_autoptr (GBytes) client_message = NULL;
  gboolean done = FALSE;
  gboolean ok = TRUE;

  g_assert_nonnull (sasl);
  g_assert_true (courriel_sasl_has_initial_response (sasl));
  g_assert_cmpint (gsasl_init (&context), ==, GSASL_OK);
  gsasl_callback_set (context, server_callback);
  g_assert_cmpint (gsasl_server_start (context, mechanism, &server), ==, GSASL_OK);

  client_message = step (sasl, NULL, &done);
  g_assert_false (done);
  /* No channel binding, no authorisation identity. */
  g_assert_true (g_str_has_prefix (g_bytes_get_data (client_message, NULL), "n,,n=user,r="));
  *server_accepted = FALSE;

  for (guint round = 0; ok && !done; round++)
    {
      gsize length;
      const char *data = g_bytes_get_data (client_message, &length);
      char *out = NULL;
      size_t out_length = 0;
      int status = gsasl_step (server, data, length, &out, &out_length);
      g_autofree char *challenge = NULL;
      g_autoptr (GBytes) input = NULL;
      g_autoptr (GBytes) response = NULL;

      g_assert_cmpuint (round, <, 2);
      if (status != GSASL_OK && status != GSASL_NEEDS_MORE)
        {
          /* The server refused the client’s proof: the exchange ends with the server’s NO. */
          g_test_message ("server: %s", gsasl_strerror (status));
          gsasl_free (out);
          break;
        }
      *server_accepted = status == GSASL_OK;
      challenge = g_strndup (out, out_length);
      gsasl_free (out);

      if (round == 0 && behaviour == SCRAM_BAD_NONCE)
        challenge[2] = challenge[2] == 'A' ? 'B' : 'A';
      if (round == 1 && behaviour == SCRAM_BAD_SIGNATURE)
        challenge[2] = challenge[2] == 'A' ? 'B' : 'A';

      input = bytes (challenge);
      ok = courriel_sasl_step (sasl, input, &response, &done, error);
      if (ok)
        {
          g_bytes_unref (client_message);
          client_message = g_steal_pointer (&response);
        }
    }
  if (ok && done)
    {
      /* The client has nothing more to say, and says so if asked again. */
      g_autoptr (GBytes) input = bytes ("");
      g_autoptr (GBytes) response = NULL;
      g_autoptr (GError) more = NULL;
      gboolean again = FALSE;

      g_assert_cmpuint (g_bytes_get_size (client_message), ==, 0);
      g_assert_false (courriel_sasl_step (sasl, input, &response, &again, &more));
      g_assert_error (more, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL);
    }
  gsasl_finish (server);
  gsasl_done (context);
  return ok && done;
}

static void
test_scram_exchange (gconstpointer mechanism)
{
  g_autoptr (GError) error = NULL;
  gboolean server_accepted = FALSE;

  g_assert_true (run_scram (mechanism, "pencil", SCRAM_HONEST, &server_accepted, &error));
  g_assert_no_error (error);
  g_assert_true (server_accepted);
}

static void
test_scram_wrong_password (gconstpointer mechanism)
{
  g_autoptr (GError) error = NULL;
  gboolean server_accepted = TRUE;

  g_assert_false (run_scram (mechanism, "pen", SCRAM_HONEST, &server_accepted, &error));
  g_assert_no_error (error);
  g_assert_false (server_accepted);
}

static void
test_scram_bad_nonce (gconstpointer mechanism)
{
  g_autoptr (GError) error = NULL;
  gboolean server_accepted = TRUE;

  g_assert_false (run_scram (mechanism, "pencil", SCRAM_BAD_NONCE, &server_accepted, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL);
}

/* A server that does not know the password cannot prove it: it may be an impostor, and the
 * client must not report success even if the server then says OK. */
static void
test_scram_bad_signature (gconstpointer mechanism)
{
  g_autoptr (GError) error = NULL;
  gboolean server_accepted = FALSE;

  g_assert_false (run_scram (mechanism, "pencil", SCRAM_BAD_SIGNATURE, &server_accepted, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL);
  g_assert_true (server_accepted);
}

/* Against Dovecot --------------------------------------------------------------------------------- */

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

static CourrielConnection *
connect_imaps (void)
{
  CourrielTestBench *bench = get_bench ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench),
                                                                              &error);
  g_autofree char *fingerprint = courriel_certificate_get_fingerprint (certificate);
  CourrielConnection *connection = courriel_connection_new (courriel_test_bench_get_host (bench),
                                                            courriel_test_bench_get_port (bench,
                                                                                          COURRIEL_TEST_BENCH_IMAPS),
                                                            COURRIEL_SECURITY_TLS);
  g_autofree char *greeting = NULL;

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  g_assert_true (net_test_connect (connection, &error));
  g_assert_no_error (error);
  greeting = net_test_read_line (connection, &error);
  g_assert_nonnull (strstr (greeting, "SASL-IR"));
  g_assert_nonnull (strstr (greeting, "AUTH=SCRAM-SHA-256"));
  return connection;
}

static void
send_response (CourrielConnection *connection, const char *prefix, GBytes *response)
{
  g_autofree char *encoded = g_bytes_get_size (response) > 0
                               ? g_base64_encode (g_bytes_get_data (response, NULL), g_bytes_get_size (response))
                               : g_strdup ("");
  g_autofree char *line = g_strconcat (prefix, encoded, "\r\n", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (net_test_write (connection, line, &error));
  g_assert_no_error (error);
}

/* AUTHENTICATE as IMAP does it; returns the tagged reply. */
static char *
imap_authenticate (CourrielConnection *connection, const char *mechanism, const char *password, gboolean sasl_ir,
                   gboolean *client_done)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSasl) sasl = courriel_sasl_new (mechanism, ALICE, password, &error);
  g_autofree char *command = g_strdup_printf ("a AUTHENTICATE %s%s", mechanism, sasl_ir ? " " : "\r\n");

  g_assert_true (courriel_connection_check_credentials_allowed (connection, &error));
  *client_done = FALSE;
  if (sasl_ir)
    {
      g_autoptr (GBytes) initial = step (sasl, NULL, client_done);
      send_response (connection, command, initial);
    }
  else
    g_assert_true (net_test_write (connection, command, &error));

  for (;;)
    {
      g_autofree char *line = net_test_read_line (connection, &error);
      g_autofree guchar *decoded = NULL;
      g_autoptr (GBytes) challenge = NULL;
      g_autoptr (GBytes) response = NULL;
      gsize length = 0;

      g_assert_no_error (error);
      if (!g_str_has_prefix (line, "+"))
        return g_steal_pointer (&line);
      decoded = g_base64_decode (line[1] == ' ' ? line + 2 : "", &length);
      challenge = g_bytes_new (decoded, length);
      g_assert_true (courriel_sasl_step (sasl, challenge, &response, client_done, &error));
      g_assert_no_error (error);
      send_response (connection, "", response);
    }
}

static void
test_dovecot (gconstpointer mechanism)
{
  const char *password = courriel_test_bench_get_password (get_bench (), ALICE);

  for (guint sasl_ir = 0; sasl_ir < 2; sasl_ir++)
    {
      g_autoptr (CourrielConnection) connection = connect_imaps ();
      g_autoptr (GError) error = NULL;
      g_autofree char *reply = NULL;
      g_autofree char *after = NULL;
      gboolean done = FALSE;

      reply = imap_authenticate (connection, mechanism, password, sasl_ir, &done);
      g_assert_true (g_str_has_prefix (reply, "a OK"));
      g_assert_true (done);
      g_assert_true (net_test_write (connection, "b SELECT INBOX\r\n", &error));
      after = net_test_read_until (connection, "b ", &error);
      g_assert_no_error (error);
      g_assert_nonnull (strstr (after, "b OK"));
    }
}

static void
test_dovecot_wrong_password (gconstpointer mechanism)
{
  g_autoptr (CourrielConnection) connection = connect_imaps ();
  g_autofree char *reply = NULL;
  gboolean done = FALSE;

  reply = imap_authenticate (connection, mechanism, "not-the-password", TRUE, &done);
  g_assert_true (g_str_has_prefix (reply, "a NO"));
  /* SCRAM never got to check the server's signature. */
  g_assert_false (done);
}

int
main (int argc, char *argv[])
{
  const char *scram[] = { "SCRAM-SHA-256", "SCRAM-SHA-1" };
  const char *dovecot[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" };
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/sasl/plain", test_plain);
  g_test_add_func ("/net/sasl/login", test_login);
  g_test_add_func ("/net/sasl/xoauth2", test_xoauth2);
  g_test_add_func ("/net/sasl/oauthbearer", test_oauthbearer);
  g_test_add_func ("/net/sasl/unknown", test_unknown);
  g_test_add_func ("/net/sasl/choose", test_choose);
  for (guint i = 0; i < G_N_ELEMENTS (scram); i++)
    {
      g_autofree char *exchange = g_strdup_printf ("/net/sasl/%s/exchange", scram[i]);
      g_autofree char *wrong = g_strdup_printf ("/net/sasl/%s/wrong-password", scram[i]);
      g_autofree char *nonce = g_strdup_printf ("/net/sasl/%s/bad-nonce", scram[i]);
      g_autofree char *signature = g_strdup_printf ("/net/sasl/%s/bad-server-signature", scram[i]);

      g_test_add_data_func (exchange, scram[i], test_scram_exchange);
      g_test_add_data_func (wrong, scram[i], test_scram_wrong_password);
      g_test_add_data_func (nonce, scram[i], test_scram_bad_nonce);
      g_test_add_data_func (signature, scram[i], test_scram_bad_signature);
    }
  /* Dovecot slows down logins from an address after a failure: failures come last. */
  for (guint i = 0; i < G_N_ELEMENTS (dovecot); i++)
    {
      g_autofree char *path = g_strdup_printf ("/net/sasl/dovecot/%s", dovecot[i]);
      g_test_add_data_func (path, dovecot[i], test_dovecot);
    }
  /* Only one: each failure doubles Dovecot's delay (2, 4, 8 s...). */
  g_test_add_data_func ("/net/sasl/dovecot-wrong-password/SCRAM-SHA-256", "SCRAM-SHA-256",
                        test_dovecot_wrong_password);

  status = g_test_run ();
  g_clear_object (&shared_bench);
  return status;
}
