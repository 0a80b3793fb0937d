/* test-smtp-client.c — sending through the bench's Postfix (587 STARTTLS, 465 TLS, 25), and
 * what a user sees when the server refuses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-certificate.h"
#include "courriel-net-error.h"
#include "courriel-pop3-client.h"
#include "courriel-smtp-client.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define SENDER "alice@example.test"
#define RECIPIENT "bob@example.test"

static CourrielTestBench *bench;
static char *fingerprint;

static CourrielSmtpClient *
connect_smtp (CourrielTestBenchService service, CourrielSecurity security, GError **error)
{
  g_autoptr (CourrielConnection) connection = courriel_connection_new (
    "127.0.0.1", courriel_test_bench_get_port (bench, service), security);
  g_autoptr (CourrielSmtpClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  client = courriel_smtp_client_new (connection);
  courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
  if (!courriel_smtp_client_connect_finish (client, net_test_wait (&result), error))
    return NULL;
  return g_steal_pointer (&client);
}

static gboolean
log_in (CourrielSmtpClient *client, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_smtp_client_authenticate_async (client, NULL, SENDER, password, NULL, net_test_store_result, &result);
  return courriel_smtp_client_authenticate_finish (client, net_test_wait (&result), error);
}

static CourrielSmtpSendResult *
send_message (CourrielSmtpClient *client, const char * const *recipients, const char *text, GError **error)
{
  g_autoptr (GBytes) message = g_bytes_new (text, strlen (text));
  g_autoptr (GAsyncResult) result = NULL;

  courriel_smtp_client_send_async (client, SENDER, recipients, message, NULL, net_test_store_result, &result);
  return courriel_smtp_client_send_finish (client, net_test_wait (&result), error);
}

static void
quit (CourrielSmtpClient *client)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_smtp_client_quit_async (client, NULL, net_test_store_result, &result);
  g_assert_true (courriel_smtp_client_quit_finish (client, net_test_wait (&result), &error));
  g_assert_no_error (error);
}

/* Bob's newest message, as his POP3 server gives it, once it arrived (10 s at most). */
static GBytes *
wait_for_delivery (guint count)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielConnection) connection = courriel_connection_new (
        "127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_POP3S), COURRIEL_SECURITY_TLS);
      g_autoptr (CourrielPop3Client) pop3 = NULL;
      g_autoptr (GAsyncResult) r1 = NULL;
      g_autoptr (GAsyncResult) r2 = NULL;
      g_autoptr (GAsyncResult) r3 = NULL;
      g_autoptr (GAsyncResult) r4 = NULL;
      guint n = 0;
      guint64 size = 0;

      courriel_connection_set_pinned_fingerprint (connection, fingerprint);
      pop3 = courriel_pop3_client_new (connection);
      courriel_pop3_client_connect_async (pop3, NULL, net_test_store_result, &r1);
      g_assert_true (courriel_pop3_client_connect_finish (pop3, net_test_wait (&r1), &error));
      courriel_pop3_client_authenticate_async (pop3, NULL, RECIPIENT, courriel_test_bench_get_password (bench, RECIPIENT),
                                               NULL, net_test_store_result, &r2);
      g_assert_true (courriel_pop3_client_authenticate_finish (pop3, net_test_wait (&r2), &error));
      courriel_pop3_client_stat_async (pop3, NULL, net_test_store_result, &r3);
      g_assert_true (courriel_pop3_client_stat_finish (pop3, net_test_wait (&r3), &n, &size, &error));
      if (n >= count)
        {
          courriel_pop3_client_retr_async (pop3, n, NULL, NULL, net_test_store_result, &r4);
          return courriel_pop3_client_retr_finish (pop3, net_test_wait (&r4), &error);
        }
      g_usleep (100 * 1000);
    }
  g_error ("The message did not arrive in Bob's mailbox within 10 s");
}

/* Submission with STARTTLS and with implicit TLS: the message arrives as it was written, line
 * ends made CRLF and a line starting with a dot intact. */
static void
test_send_and_receive (void)
{
  struct
  {
    CourrielTestBenchService service;
    CourrielSecurity         security;
  } cases[] = {
    { COURRIEL_TEST_BENCH_SUBMISSION, COURRIEL_SECURITY_STARTTLS },
    { COURRIEL_TEST_BENCH_SUBMISSIONS, COURRIEL_SECURITY_TLS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielSmtpClient) client = connect_smtp (cases[i].service, cases[i].security, &error);
      g_autoptr (CourrielSmtpSendResult) result = NULL;
      g_autoptr (GBytes) received = NULL;
      g_autofree char *subject = g_strdup_printf ("=?utf-8?q?R=C3=A9union_n=C2=B0%u?=", i + 1);
      g_autofree char *text = g_strdup_printf ("From: Alice <" SENDER ">\nTo: Bob <" RECIPIENT ">\nSubject: %s\n"
                                               "Message-ID: <smtp-%u@example.test>\n\nBonjour Bob,\n.\n..deux points\n"
                                               "Fin.\n",
                                               subject, i);
      const char *recipients[] = { RECIPIENT, NULL };
      const char *body;

      g_assert_no_error (error);
      g_assert_true (courriel_connection_is_encrypted (courriel_smtp_client_get_connection (client)));
      g_assert_true (courriel_smtp_client_has_extension (client, "AUTH"));
      g_assert_cmpuint (courriel_smtp_client_get_max_size (client), ==, 10240000);
      log_in (client, courriel_test_bench_get_password (bench, SENDER), &error);
      g_assert_no_error (error);
      result = send_message (client, recipients, text, &error);
      g_assert_no_error (error);
      g_assert_cmpstrv (result->accepted, recipients);
      g_assert_cmpuint (result->refused->len, ==, 0);
      quit (client);

      received = wait_for_delivery (i + 1);
      body = memmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), "\r\n\r\nBonjour", 11);
      g_assert_nonnull (body);
      g_assert_true (g_str_has_prefix (body, "\r\n\r\nBonjour Bob,\r\n.\r\n..deux points\r\nFin.\r\n"));
      g_assert_nonnull (memmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), subject,
                                strlen (subject)));
    }
}

static void
test_wrong_password (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSmtpClient) client = connect_smtp (COURRIEL_TEST_BENCH_SUBMISSIONS, COURRIEL_SECURITY_TLS,
                                                        &error);

  g_assert_no_error (error);
  g_assert_false (log_in (client, "not-the-password", &error));
  g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "Logging in failed"));
}

/* Without logging in, Postfix takes mail for its own domain only: some recipients accepted,
 * others refused (each with its reason), all refused is "relay denied"; too large is said before
 * anything is sent. */
static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielSmtpClient) client = connect_smtp (COURRIEL_TEST_BENCH_SMTP, COURRIEL_SECURITY_NONE, &error);
  const char *mixed[] = { RECIPIENT, "someone@elsewhere.example", SENDER, NULL };
  const char *outside[] = { "someone@elsewhere.example", NULL };
  const char *accepted[] = { RECIPIENT, NULL };
  const char *mixed_accepted[] = { RECIPIENT, SENDER, NULL };
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: test\r\n\r\nHello\r\n";

  g_assert_no_error (error);
  /* Postfix offers PIPELINING: all of this goes through the pipelined envelope. */
  g_assert_true (courriel_smtp_client_has_extension (client, "PIPELINING"));
  {
    g_autoptr (CourrielSmtpSendResult) result = send_message (client, mixed, text, &error);
    CourrielSmtpRefusal *refusal;

    g_assert_no_error (error);
    g_assert_cmpstrv (result->accepted, mixed_accepted);
    g_assert_cmpuint (result->refused->len, ==, 1);
    refusal = result->refused->pdata[0];
    g_assert_cmpstr (refusal->address, ==, "someone@elsewhere.example");
    g_assert_cmpuint (refusal->code, >=, 500);
  }
  {
    g_autoptr (CourrielSmtpSendResult) result = send_message (client, outside, text, &error);
    g_assert_null (result);
    g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_RELAY_DENIED);
    g_clear_error (&error);
  }
  {
    /* 11 MB, over the 10,240,000 bytes the server announced. */
    g_autofree char *large = g_malloc (11 * 1024 * 1024 + 1);
    g_autoptr (CourrielSmtpSendResult) result = NULL;

    memset (large, 'a', 11 * 1024 * 1024);
    large[11 * 1024 * 1024] = '\0';
    memcpy (large, "Subject: x\r\n\r\n", 14);
    result = send_message (client, accepted, large, &error);
    g_assert_null (result);
    g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE);
    g_clear_error (&error);
  }
  /* The session is still fine after all that. */
  {
    g_autoptr (CourrielSmtpSendResult) result = send_message (client, accepted, text, &error);
    g_assert_no_error (error);
    g_assert_cmpstrv (result->accepted, accepted);
  }
  quit (client);
}

/* Scripted servers --------------------------------------------------------------------------- */

static void
script_busy (GSocketConnection *connection, gpointer user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *ehlo = NULL;
  g_autofree char *mail = NULL;

  net_test_send (stream, "220-old.example ESMTP\r\n220 ready\r\n");
  ehlo = net_test_receive_line (stream);
  g_assert_true (g_str_has_prefix (ehlo, "EHLO "));
  net_test_send (stream, "250-old.example\r\n250 8BITMIME\r\n");
  mail = net_test_receive_line (stream);
  g_assert_true (g_str_has_prefix (mail, "MAIL FROM:<" SENDER ">"));
  net_test_send (stream, "451 4.3.2 try again later\r\n");
  net_test_drain (stream);
}

static void
script_no_starttls (GSocketConnection *connection, gpointer user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *ehlo = NULL;

  net_test_send (stream, "220 ready\r\n");
  ehlo = net_test_receive_line (stream);
  net_test_send (stream, "250-plain.example\r\n250 AUTH PLAIN\r\n");
  /* Nothing else may come: certainly not a password. */
  g_assert_cmpuint (net_test_drain (stream), ==, 0);
}

static void
script_not_smtp (GSocketConnection *connection, gpointer user_data)
{
  net_test_send (G_IO_STREAM (connection), "+OK POP3 ready\r\n");
  net_test_drain (G_IO_STREAM (connection));
}

/* A server offering PIPELINING or not, taking recipients a and c but not b, or none (and then,
 * with data_anyway, wrongly saying 354 to the pipelined DATA). */
typedef struct
{
  gboolean pipelining;
  gboolean all_refused;
  gboolean data_anyway;
  char    *body; /* what came between the 354 and the final dot */
} EnvelopeScript;

/* Whether the client sent more without waiting (200 ms). */
static gboolean
more_is_coming (GSocketConnection *connection)
{
  return g_socket_condition_timed_wait (g_socket_connection_get_socket (connection), G_IO_IN, 200 * 1000, NULL,
                                        NULL);
}

static void
expect_line (GIOStream *stream, const char *expected)
{
  g_autofree char *line = net_test_receive_line (stream);

  g_assert_cmpstr (line, ==, expected);
}

static void
script_envelope (GSocketConnection *connection, gpointer user_data)
{
  EnvelopeScript *script = user_data;
  GIOStream *stream = G_IO_STREAM (connection);
  const char *commands[] = { "MAIL FROM:<" SENDER ">\r\n", "RCPT TO:<a@example.test>\r\n",
                             "RCPT TO:<b@example.test>\r\n", "RCPT TO:<c@example.test>\r\n", "DATA\r\n" };
  const char *refused = "550 5.1.1 <b@example.test>: Recipient address rejected: User unknown\r\n";
  const char *replies[] = { "250 2.1.0 Ok\r\n", script->all_refused ? refused : "250 2.1.5 Ok\r\n", refused,
                            script->all_refused ? refused : "250 2.1.5 Ok\r\n",
                            script->all_refused && !script->data_anyway ? "554 5.5.1 Error: no valid recipients\r\n"
                                                                        : "354 End data with <CR><LF>.<CR><LF>\r\n" };
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *ehlo = NULL;

  /* A client that waits where it should not fails the test rather than hanging it. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  net_test_send (stream, "220 scripted.example ESMTP\r\n");
  ehlo = net_test_receive_line (stream);
  g_assert_true (g_str_has_prefix (ehlo, "EHLO "));
  net_test_send (stream, script->pipelining ? "250-scripted.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                                            : "250-scripted.example\r\n250 8BITMIME\r\n");
  if (script->pipelining)
    {
      /* The whole envelope before any reply, then nothing (the message waits for the 354). */
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        expect_line (stream, commands[i]);
      g_assert_false (more_is_coming (connection));
      for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
        net_test_send (stream, replies[i]);
    }
  else
    {
      /* One command, then nothing until its reply. */
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          if (i == G_N_ELEMENTS (commands) - 1 && script->all_refused)
            break; /* no DATA for nobody */
          expect_line (stream, commands[i]);
          g_assert_false (more_is_coming (connection));
          net_test_send (stream, replies[i]);
        }
    }
  if (script->all_refused && script->data_anyway)
    {
      /* Not a byte of the message: the client hangs up. */
      g_assert_cmpuint (net_test_drain (stream), ==, 0);
      return;
    }
  if (script->all_refused)
    {
      expect_line (stream, "RSET\r\n");
      net_test_send (stream, "250 2.0.0 Ok\r\n");
    }
  else
    {
      for (;;)
        {
          g_autofree char *line = net_test_receive_line (stream);

          g_assert_nonnull (line);
          if (g_str_equal (line, ".\r\n"))
            break;
          g_string_append (body, line);
        }
      script->body = g_strdup (body->str);
      net_test_send (stream, "250 2.0.0 Ok: queued as 1234\r\n");
    }
  expect_line (stream, "QUIT\r\n");
  net_test_send (stream, "221 2.0.0 Bye\r\n");
}

/* The same results, pipelined or not: the envelope goes in one write when the server offers
 * PIPELINING and one command at a time when it does not; with every recipient refused, no byte
 * of the message is sent and the error is "recipients refused" either way. */
static void
test_pipelining (void)
{
  const EnvelopeScript cases[] = {
    { TRUE, FALSE, FALSE }, { FALSE, FALSE, FALSE }, { TRUE, TRUE, FALSE }, { FALSE, TRUE, FALSE },
    { TRUE, TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      EnvelopeScript script = cases[i];
      g_autoptr (GError) error = NULL;
      NetTestServer *server = net_test_server_start (script_envelope, &script);
      g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                           COURRIEL_SECURITY_NONE);
      g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (CourrielSmtpSendResult) sent = NULL;
      const char *recipients[] = { "a@example.test", "b@example.test", "c@example.test", NULL };
      const char *accepted[] = { "a@example.test", "c@example.test", NULL };

      g_test_message ("pipelining %d, all refused %d, 354 anyway %d", script.pipelining, script.all_refused,
                      script.data_anyway);
      courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
      g_assert_true (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
      sent = send_message (client, recipients, "Subject: x\n\n.un point\nFin.\n", &error);
      if (script.all_refused)
        {
          g_assert_null (sent);
          g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_RECIPIENTS_REFUSED);
          g_assert_nonnull (strstr (error->message, "No recipient was accepted: a@example.test was refused"));
        }
      else
        {
          CourrielSmtpRefusal *refusal;

          g_assert_no_error (error);
          g_assert_cmpstrv (sent->accepted, accepted);
          g_assert_cmpuint (sent->refused->len, ==, 1);
          refusal = sent->refused->pdata[0];
          g_assert_cmpstr (refusal->address, ==, "b@example.test");
          g_assert_cmpuint (refusal->code, ==, 550);
        }
      if (!script.data_anyway)
        quit (client);
      net_test_server_finish (server);
      if (!script.all_refused)
        g_assert_cmpstr (script.body, ==, "Subject: x\r\n\r\n..un point\r\nFin.\r\n");
      g_free (script.body);
    }
}

static void
test_misbehaving_servers (void)
{
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_busy, NULL);
    g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                         COURRIEL_SECURITY_NONE);
    g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (CourrielSmtpSendResult) sent = NULL;
    const char *recipients[] = { RECIPIENT, NULL };

    courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
    g_assert_true (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
    sent = send_message (client, recipients, "Subject: x\r\n\r\ny\r\n", &error);
    g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_TEMPORARY);
    courriel_connection_close (connection);
    net_test_server_finish (server);
  }
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_no_starttls, NULL);
    g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                         COURRIEL_SECURITY_STARTTLS);
    g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
    g_autoptr (GAsyncResult) result = NULL;

    courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
    g_assert_false (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
    g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE);
    courriel_connection_close (connection);
    net_test_server_finish (server);
  }
  {
    g_autoptr (GError) error = NULL;
    NetTestServer *server = net_test_server_start (script_not_smtp, NULL);
    g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                         COURRIEL_SECURITY_NONE);
    g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
    g_autoptr (GAsyncResult) result = NULL;

    courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
    g_assert_false (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
    g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_PROTOCOL);
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

  g_test_add_func ("/smtp-client/send-and-receive", test_send_and_receive);
  g_test_add_func ("/smtp-client/wrong-password", test_wrong_password);
  g_test_add_func ("/smtp-client/refusals", test_refusals);
  g_test_add_func ("/smtp-client/pipelining", test_pipelining);
  g_test_add_func ("/smtp-client/misbehaving-servers", test_misbehaving_servers);
  status = g_test_run ();
  g_clear_object (&bench);
  g_free (fingerprint);
  return status;
}
