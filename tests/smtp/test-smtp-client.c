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

/* A message's lines up to its final dot, added to @bodies. */
static void
receive_body (GIOStream *stream, GString *bodies)
{
  for (;;)
    {
      g_autofree char *line = net_test_receive_line (stream);

      g_assert_nonnull (line);
      if (g_str_equal (line, ".\r\n"))
        return;
      g_string_append (bodies, line);
    }
}

/* The greeting and the answer to EHLO, offering PIPELINING or not. */
static void
greet (GSocketConnection *connection, gboolean pipelining)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *ehlo = NULL;

  /* A client that waits where it should not fails the test rather than hanging it. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  net_test_send (stream, "220 scripted.example ESMTP\r\n");
  ehlo = net_test_receive_line (stream);
  g_assert_true (g_str_has_prefix (ehlo, "EHLO "));
  net_test_send (stream, pipelining ? "250-scripted.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                                    : "250-scripted.example\r\n250 8BITMIME\r\n");
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

  greet (connection, script->pipelining);
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
      receive_body (stream, body);
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

/* Two messages in one session, the first one's final dot sent with the second's envelope
 * (send_next): @dot_reply is the server's answer to that dot (NULL: it hangs up once it has it),
 * and the second message's only recipient is refused when @next_refused. */
typedef struct
{
  gboolean    pipelining;
  const char *dot_reply;
  gboolean    next_refused;
  char       *bodies; /* the messages taken, one after the other */
} NextScript;

/* The envelope of a message to @recipient, in one write or one command at a time, then what
 * came with it: whether the client kept to the rules is asserted as it goes. */
static void
expect_envelope (GSocketConnection *connection, gboolean pipelining, const char *recipient, const char *rcpt_reply,
                 const char *data_reply)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autofree char *rcpt = g_strdup_printf ("RCPT TO:<%s>\r\n", recipient);
  const char *commands[] = { "MAIL FROM:<" SENDER ">\r\n", rcpt, "DATA\r\n" };
  const char *replies[] = { "250 2.1.0 Ok\r\n", rcpt_reply, data_reply };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!pipelining && i == 2 && data_reply == NULL)
        break; /* no DATA for nobody */
      expect_line (stream, commands[i]);
      if (!pipelining)
        {
          g_assert_false (more_is_coming (connection));
          net_test_send (stream, replies[i]);
        }
    }
  if (pipelining)
    g_assert_false (more_is_coming (connection));
}

/* A server that announced no SIZE refuses a message as too large once it has it all. */
static void
script_too_large (GSocketConnection *connection, gpointer user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);
  g_autoptr (GString) body = g_string_new (NULL);

  greet (connection, FALSE);
  expect_envelope (connection, FALSE, "a@example.test", "250 2.1.5 Ok\r\n", "354 Go on\r\n");
  receive_body (stream, body);
  net_test_send (stream, "552 5.3.4 Message size exceeds fixed limit\r\n");
}

/* The refusal says the message is too large, with its size and the server's words, and that the
 * server never said how much it takes. */
static void
test_too_large_without_size (void)
{
  g_autoptr (GError) error = NULL;
  NetTestServer *server = net_test_server_start (script_too_large, NULL);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CourrielSmtpSendResult) sent = NULL;
  const char *recipients[] = { "a@example.test", NULL };
  const char *text = "Subject: x\r\n\r\nOne video too many.\r\n";
  g_autofree char *size = g_format_size (strlen (text));

  courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
  g_assert_true (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
  g_assert_cmpuint (courriel_smtp_client_get_max_size (client), ==, 0);
  sent = send_message (client, recipients, text, &error);
  g_assert_null (sent);
  g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_assert_nonnull (strstr (error->message, size));
  g_assert_nonnull (strstr (error->message, "did not say how much"));
  g_assert_nonnull (strstr (error->message, "5.3.4 Message size exceeds fixed limit"));
  net_test_server_finish (server);
}

static void
script_next (GSocketConnection *connection, gpointer user_data)
{
  NextScript *script = user_data;
  GIOStream *stream = G_IO_STREAM (connection);
  const char *refused = "550 5.1.1 <c@example.test>: Recipient address rejected: User unknown\r\n";
  g_autoptr (GString) bodies = g_string_new (NULL);

  greet (connection, script->pipelining);
  expect_envelope (connection, script->pipelining, "a@example.test", "250 2.1.5 Ok\r\n", "354 Go on\r\n");
  if (script->pipelining)
    net_test_send (stream, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go on\r\n");
  receive_body (stream, bodies);
  g_string_append (bodies, "--\r\n");
  if (script->pipelining)
    {
      /* The second envelope came with the first dot, before its reply. */
      expect_envelope (connection, TRUE, "c@example.test", NULL, NULL);
      if (script->dot_reply == NULL)
        return;
      net_test_send (stream, script->dot_reply);
      net_test_send (stream, script->next_refused ? "250 2.1.0 Ok\r\n" : "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
      net_test_send (stream, script->next_refused ? refused : "");
      net_test_send (stream, script->next_refused ? "554 5.5.1 Error: no valid recipients\r\n" : "354 Go on\r\n");
    }
  else
    {
      /* The dot alone, and its reply before anything more. */
      g_assert_false (more_is_coming (connection));
      if (script->dot_reply == NULL)
        return;
      net_test_send (stream, script->dot_reply);
      expect_envelope (connection, FALSE, "c@example.test", script->next_refused ? refused : "250 2.1.5 Ok\r\n",
                       script->next_refused ? NULL : "354 Go on\r\n");
    }
  if (script->next_refused)
    {
      expect_line (stream, "RSET\r\n");
      net_test_send (stream, "250 2.0.0 Ok\r\n");
    }
  else
    {
      receive_body (stream, bodies);
      net_test_send (stream, "250 2.0.0 Ok: queued as 5678\r\n");
    }
  expect_line (stream, "QUIT\r\n");
  net_test_send (stream, "221 2.0.0 Bye\r\n");
  script->bodies = g_strdup (bodies->str);
}

/* A message's final dot pipelined with the next message's envelope when the server offers
 * PIPELINING, the dot alone and its reply awaited without: the same fates either way, whether the
 * server takes both, refuses the dot (the next message goes on), refuses the next message's
 * recipient (the first one still sent) or hangs up after the dot (the first one's fate unknown,
 * the second not sent). */
static void
test_pipelined_messages (void)
{
  const char *queued = "250 2.0.0 Ok: queued as 1234\r\n";
  const char *refused = "554 5.7.1 Message content rejected\r\n";
  const NextScript cases[] = {
    { TRUE, queued, FALSE }, { FALSE, queued, FALSE }, { TRUE, refused, FALSE }, { FALSE, refused, FALSE },
    { TRUE, queued, TRUE },  { FALSE, queued, TRUE },  { TRUE, NULL, FALSE },    { FALSE, NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NextScript script = cases[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) ended_error = NULL;
      NetTestServer *server = net_test_server_start (script_next, &script);
      g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                           COURRIEL_SECURITY_NONE);
      g_autoptr (CourrielSmtpClient) client = courriel_smtp_client_new (connection);
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GAsyncResult) next_result = NULL;
      g_autoptr (CourrielSmtpSendResult) first = NULL;
      g_autoptr (CourrielSmtpSendResult) second = NULL;
      g_autoptr (GBytes) one = g_bytes_new_static ("Subject: 1\n\nUn.\n", 16);
      g_autoptr (GBytes) two = g_bytes_new_static ("Subject: 2\n\nDeux.\n", 18);
      const char *to_a[] = { "a@example.test", NULL };
      const char *to_c[] = { "c@example.test", NULL };
      gboolean begun;

      g_test_message ("pipelining %d, dot reply %s, next refused %d", script.pipelining, script.dot_reply,
                      script.next_refused);
      courriel_smtp_client_connect_async (client, NULL, net_test_store_result, &result);
      g_assert_true (courriel_smtp_client_connect_finish (client, net_test_wait (&result), &error));
      g_clear_object (&result);
      courriel_smtp_client_send_begin_async (client, SENDER, to_a, one, NULL, net_test_store_result, &result);
      g_assert_true (courriel_smtp_client_send_begin_finish (client, net_test_wait (&result), &error));
      courriel_smtp_client_send_next_async (client, SENDER, to_c, two, NULL, net_test_store_result, &next_result);
      begun = courriel_smtp_client_send_next_finish (client, net_test_wait (&next_result), &first, &ended_error,
                                                     &error);
      if (script.dot_reply == NULL)
        {
          /* The dot went, no answer came: neither a result nor a refusal by the server. */
          g_assert_null (first);
          g_assert_nonnull (ended_error);
          g_assert_true (ended_error->domain != COURRIEL_SMTP_ERROR
                         || ended_error->code == COURRIEL_SMTP_ERROR_PROTOCOL);
          g_assert_false (begun);
          g_assert_nonnull (error);
          net_test_server_finish (server);
          continue;
        }
      if (script.dot_reply == refused)
        {
          g_assert_null (first);
          g_assert_error (ended_error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_REFUSED);
        }
      else
        {
          g_assert_no_error (ended_error);
          g_assert_cmpstrv (first->accepted, to_a);
        }
      if (script.next_refused)
        {
          g_assert_false (begun);
          g_assert_error (error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_RECIPIENTS_REFUSED);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (begun);
          g_clear_object (&result);
          courriel_smtp_client_send_end_async (client, NULL, net_test_store_result, &result);
          second = courriel_smtp_client_send_end_finish (client, net_test_wait (&result), &error);
          g_assert_no_error (error);
          g_assert_cmpstrv (second->accepted, to_c);
        }
      quit (client);
      net_test_server_finish (server);
      g_assert_cmpstr (script.bodies, ==,
                       script.next_refused ? "Subject: 1\r\n\r\nUn.\r\n--\r\n"
                                           : "Subject: 1\r\n\r\nUn.\r\n--\r\nSubject: 2\r\n\r\nDeux.\r\n");
      g_free (script.bodies);
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
  g_test_add_func ("/smtp-client/too-large-without-size", test_too_large_without_size);
  g_test_add_func ("/smtp-client/pipelined-messages", test_pipelined_messages);
  g_test_add_func ("/smtp-client/misbehaving-servers", test_misbehaving_servers);
  status = g_test_run ();
  g_clear_object (&bench);
  g_free (fingerprint);
  return status;
}
