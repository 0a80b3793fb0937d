/* test-outbox.c — the Outbox never loses mail: through a server outage, a restart of Courriel,
 * and a stop in the middle of sending, against the bench's Postfix and Dovecot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-certificate.h"
#include "courriel-draft.h"
#include "courriel-gmime-autoptr.h"
#include "courriel-message-text.h"
#include "courriel-outbox.h"
#include "courriel-pop3-client.h"
#include "courriel-smtp-outbox.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define SENDER "alice@example.test"
#define RECIPIENT "bob@example.test"

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  char              *path;
  CourrielStore     *store;
  CourrielAccount   *account;
  guint              delivered; /* messages Bob had before */
  char              *dir;       /* the store's folder, without a bench */
} Fixture;

static gboolean
add_account (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (
    db,
    sqlite3_exec (db,
                  "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                  "incoming_security, incoming_username, created) VALUES (1, '" SENDER "', 'imap', '127.0.0.1', "
                  "993, 'tls', '" SENDER "', 0)",
                  NULL, NULL, NULL),
    error);
}

/* The store in @dir, with Alice's account sending through 127.0.0.1. */
static void
open_store (Fixture *f, const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  f->path = g_build_filename (dir, "courriel.db", NULL);
  f->store = courriel_store_open (f->path, &error);
  g_assert_no_error (error);
  courriel_store_write_async (f->store, add_account, NULL, NULL, NULL, net_test_store_result, &result);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
  f->account = courriel_account_new (SENDER);
  f->account->id = 1;
  f->account->outgoing.host = g_strdup ("127.0.0.1");
  f->account->outgoing.username = g_strdup (SENDER);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *dir = NULL;

  f->bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (f->bench), &error);
  f->fingerprint = courriel_certificate_get_fingerprint (certificate);
  dir = g_build_filename (courriel_test_bench_get_dir (f->bench), "courriel", NULL);
  g_mkdir (dir, 0700);
  open_store (f, dir);
  f->account->outgoing.port = courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_SUBMISSION);
  f->account->outgoing.security = COURRIEL_SECURITY_STARTTLS;
  f->account->outgoing.fingerprint = g_strdup (f->fingerprint);
}

/* For scripted servers: the store only, in a folder of its own, no bench; plain text allowed. */
static void
scripted_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  open_store (f, f->dir);
  f->account->outgoing.security = COURRIEL_SECURITY_NONE;
  f->account->allow_insecure = TRUE;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  courriel_account_free (f->account);
  if (f->bench != NULL)
    courriel_test_bench_stop (f->bench);
  g_clear_object (&f->bench);
  if (f->dir != NULL)
    {
      g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

      g_unlink (f->path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (f->dir);
      g_free (f->dir);
    }
  g_free (f->fingerprint);
  g_free (f->path);
}

static void
queue (Fixture *f, GBytes *raw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  const char *recipients[] = { RECIPIENT, NULL };

  courriel_outbox_add_async (f->store, 1, SENDER, recipients, raw, NULL, net_test_store_result, &result);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
  g_assert_no_error (error);
}

/* One pass over the Outbox; returns "sent/deferred/failed/uncertain". */
static char *
send_outbox (Fixture *f, gint64 now)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree CourrielSmtpOutboxReport *report = NULL;

  courriel_smtp_outbox_send_async (f->store, f->account,
                                   f->bench != NULL ? courriel_test_bench_get_password (f->bench, SENDER) : "secret",
                                   now, NULL, net_test_store_result, &result);
  report = courriel_smtp_outbox_send_finish (net_test_wait (&result), &error);
  g_assert_no_error (error);
  return g_strdup_printf ("%u/%u/%u/%u", report->sent, report->deferred, report->failed, report->uncertain);
}

static GPtrArray *
outbox (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *items;

  courriel_outbox_list_async (f->store, 1, NULL, net_test_store_result, &result);
  items = courriel_outbox_list_finish (f->store, net_test_wait (&result), &error);
  g_assert_no_error (error);
  return items;
}

/* Bob's messages, as his POP3 server lists them; waits (10 s at most) until there are @count. */
static GPtrArray *
bob_messages (Fixture *f, guint count)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielConnection) connection = courriel_connection_new (
        "127.0.0.1", courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_POP3S), COURRIEL_SECURITY_TLS);
      g_autoptr (CourrielPop3Client) pop3 = NULL;
      g_autoptr (GAsyncResult) r1 = NULL;
      g_autoptr (GAsyncResult) r2 = NULL;
      g_autoptr (GAsyncResult) r3 = NULL;
      g_autoptr (GPtrArray) listed = NULL;

      courriel_connection_set_pinned_fingerprint (connection, f->fingerprint);
      pop3 = courriel_pop3_client_new (connection);
      courriel_pop3_client_connect_async (pop3, NULL, net_test_store_result, &r1);
      g_assert_true (courriel_pop3_client_connect_finish (pop3, net_test_wait (&r1), &error));
      courriel_pop3_client_authenticate_async (pop3, NULL, RECIPIENT,
                                               courriel_test_bench_get_password (f->bench, RECIPIENT), NULL,
                                               net_test_store_result, &r2);
      g_assert_true (courriel_pop3_client_authenticate_finish (pop3, net_test_wait (&r2), &error));
      courriel_pop3_client_list_async (pop3, NULL, net_test_store_result, &r3);
      listed = courriel_pop3_client_list_finish (pop3, net_test_wait (&r3), &error);
      g_assert_no_error (error);
      if (listed->len >= count)
        {
          GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);

          for (guint i = 0; i < listed->len; i++)
            {
              g_autoptr (GAsyncResult) r = NULL;
              courriel_pop3_client_retr_async (pop3, i + 1, NULL, NULL, net_test_store_result, &r);
              g_ptr_array_add (messages, courriel_pop3_client_retr_finish (pop3, net_test_wait (&r), &error));
            }
          return messages;
        }
      g_usleep (100 * 1000);
    }
  g_error ("The message did not reach Bob within 10 s");
}

/* The first attachment's decoded content. */
static GBytes *
attachment_of (GBytes *raw)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                      g_bytes_get_size (raw));
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr (GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
  GMimeObject *body = g_mime_message_get_mime_part (message);
  GMimePart *part = GMIME_PART (g_mime_multipart_get_part (GMIME_MULTIPART (body), 1));
  g_autoptr (GMimeStream) out = g_mime_stream_mem_new ();
  GByteArray *bytes;

  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (part), out);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (bytes->data, bytes->len);
}

/* A French subject and a 5 MB attachment, through 587 (STARTTLS) and 465 (TLS): it arrives with
 * the subject decoded and the attachment identical to the byte. */
static void
test_sends_large_attachment (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) photo = NULL;
  guint8 *bytes = g_malloc (5 * 1024 * 1024);
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);

  for (gsize i = 0; i < 5 * 1024 * 1024; i++)
    bytes[i] = (guint8)g_rand_int (rand);
  photo = g_bytes_new_take (bytes, 5 * 1024 * 1024);
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr (CourrielDraft) draft = courriel_draft_new ("Alice Dupré", SENDER);
      g_autoptr (GBytes) raw = NULL;
      g_autoptr (GPtrArray) received = NULL;
      g_autoptr (CourrielMessageText) text = NULL;
      g_autoptr (GBytes) attachment = NULL;
      g_autoptr (GPtrArray) left = NULL;
      g_autofree char *outcome = NULL;

      if (round == 1)
        {
          f->account->outgoing.port = courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_SUBMISSIONS);
          f->account->outgoing.security = COURRIEL_SECURITY_TLS;
        }
      g_ptr_array_add (draft->to, g_strdup ("Bob <" RECIPIENT ">"));
      g_free (draft->subject);
      draft->subject = g_strdup_printf ("Les photos de l’été, envoi n°%u", round + 1);
      g_free (draft->text);
      draft->text = g_strdup ("Voici les photos.\n");
      courriel_draft_add_attachment (draft, "été.bin", "application/octet-stream", photo);
      raw = courriel_draft_build (draft, NULL, NULL);
      queue (f, raw);
      outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
      g_assert_cmpstr (outcome, ==, "1/0/0/0");
      left = outbox (f);
      g_assert_cmpuint (left->len, ==, 0);

      received = bob_messages (f, round + 1);
      text = courriel_message_text_new_from_bytes (received->pdata[round], NULL);
      g_assert_cmpstr (text->subject, ==, draft->subject);
      attachment = attachment_of (received->pdata[round]);
      g_assert_true (g_bytes_equal (attachment, photo));
    }
}

/* The server is down: the message waits, Courriel restarts, the server comes back: it is sent,
 * once. */
static void
test_survives_outage_and_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: malgré tout\r\n\r\nArrivé.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autoptr (GPtrArray) waiting = NULL;
  g_autoptr (GPtrArray) left = NULL;
  g_autoptr (GPtrArray) received = NULL;
  g_autofree char *down = NULL;
  g_autofree char *too_early = NULL;
  g_autofree char *later = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  CourrielOutboxItem *item;

  g_assert_true (courriel_test_bench_stop_servers (f->bench, &error));
  queue (f, raw);
  down = send_outbox (f, now);
  g_assert_cmpstr (down, ==, "0/1/0/0");

  /* Courriel restarts: the message is still there, with why it waits. */
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  f->store = courriel_store_open (f->path, &error);
  g_assert_no_error (error);
  waiting = outbox (f);
  g_assert_cmpuint (waiting->len, ==, 1);
  item = waiting->pdata[0];
  g_assert_cmpint (item->state, ==, COURRIEL_OUTBOX_QUEUED);
  g_assert_cmpuint (item->attempts, ==, 1);
  g_assert_nonnull (item->last_error);
  g_assert_cmpint (item->next_attempt, >, now);

  g_assert_true (courriel_test_bench_start_servers (f->bench, &error));
  g_assert_no_error (error);
  /* Not before its next attempt. */
  too_early = send_outbox (f, now);
  g_assert_cmpstr (too_early, ==, "0/0/0/0");
  later = send_outbox (f, item->next_attempt);
  g_assert_cmpstr (later, ==, "1/0/0/0");
  left = outbox (f);
  g_assert_cmpuint (left->len, ==, 0);
  received = bob_messages (f, 1);
  g_usleep (500 * 1000);
  g_clear_pointer (&received, g_ptr_array_unref);
  received = bob_messages (f, 1);
  g_assert_cmpuint (received->len, ==, 1);
}

static gboolean
mark_sending (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, "UPDATE outbox SET state = 'sending'", NULL, NULL,
                                                             NULL),
                                           error);
}

/* Found SENDING (Courriel stopped while sending): maybe sent, so never sent again unasked. */
static void
test_uncertain_is_not_resent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: une fois\r\n\r\nUne.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autoptr (GPtrArray) items = NULL;
  g_autofree char *outcome = NULL;

  queue (f, raw);
  courriel_store_write_async (f->store, mark_sending, NULL, NULL, NULL, net_test_store_result, &result);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (outcome, ==, "0/0/0/1");
  items = outbox (f);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CourrielOutboxItem *)items->pdata[0])->state, ==, COURRIEL_OUTBOX_SENDING);
}

/* A scripted submission server that ends the session one way or another. */
typedef enum
{
  DIE_AFTER_DATA, /* hangs up instead of answering DATA */
  DIE_IN_BODY,    /* hangs up after a line of the message */
  DIE_AFTER_DOT,  /* takes the whole message, final dot included, and hangs up without a reply */
  ACCEPT,         /* takes the message */
  TAKEN_MEANWHILE, /* at DATA, another sender claims the message (in the store at db_path) */
} Ending;

typedef struct
{
  Ending      ending;
  const char *db_path;
  guint  messages;    /* taken */
  gsize  body_length; /* of the last one, CRLF and dot-stuffed, final dot excluded */
} OutboxScript;

static char *
receive (GDataInputStream *in)
{
  return g_data_input_stream_read_line (in, NULL, NULL, NULL);
}

static void
expect_prefix (GDataInputStream *in, const char *prefix)
{
  g_autofree char *line = receive (in);

  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
}

static void
script_submission (GSocketConnection *connection, gpointer user_data)
{
  OutboxScript *script = user_data;
  GIOStream *stream = G_IO_STREAM (connection);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  net_test_send (stream, "220 scripted.example ESMTP\r\n");
  expect_prefix (in, "EHLO ");
  net_test_send (stream, "250-scripted.example\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n");
  expect_prefix (in, "AUTH PLAIN ");
  net_test_send (stream, "235 2.7.0 Authentication successful\r\n");
  expect_prefix (in, "MAIL FROM:<" SENDER ">");
  expect_prefix (in, "RCPT TO:<" RECIPIENT ">");
  expect_prefix (in, "DATA");
  if (script->ending == DIE_AFTER_DATA)
    {
      net_test_send (stream, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
      return;
    }
  if (script->ending == TAKEN_MEANWHILE)
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (script->db_path, &db), ==, SQLITE_OK);
      sqlite3_busy_timeout (db, 5000);
      g_assert_cmpint (sqlite3_exec (db, "UPDATE outbox SET state = 'sending'", NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  net_test_send (stream, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  script->body_length = 0;
  for (;;)
    {
      g_autofree char *line = receive (in);

      if (script->ending == TAKEN_MEANWHILE)
        {
          /* The message, then the connection closed: never its final dot. */
          if (line == NULL)
            return;
          g_assert_cmpstr (line, !=, ".");
          continue;
        }
      g_assert_nonnull (line);
      if (script->ending == DIE_IN_BODY)
        return; /* most of the message unread: the connection is reset */
      if (g_str_equal (line, "."))
        break;
      script->body_length += strlen (line) + 2;
    }
  if (script->ending == DIE_AFTER_DOT)
    return;
  script->messages++;
  net_test_send (stream, "250 2.0.0 Ok: queued as 1234\r\n");
  expect_prefix (in, "QUIT");
  net_test_send (stream, "221 2.0.0 Bye\r\n");
}

/* One pass over the Outbox against a scripted server ending as @ending. */
static char *
send_outbox_to (Fixture *f, OutboxScript *script, gint64 now)
{
  NetTestServer *server = net_test_server_start (script_submission, script);
  char *outcome;

  f->account->outgoing.port = server->port;
  outcome = send_outbox (f, now);
  net_test_server_finish (server);
  return outcome;
}

/* 16 MB, far more than the socket buffers hold: the server hangs up while it is being written. */
static GBytes *
large_message (void)
{
  GString *text = g_string_new ("From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: gros\r\n\r\n");

  while (text->len < 16 * 1024 * 1024)
    g_string_append (text, ".Une ligne du message, qui commence par un point, et bien longue encore.\r\n");
  return g_string_free_to_bytes (text);
}

/* The Outbox's only message, which is in @state after @attempts counted attempts, and why. */
static CourrielOutboxItem *
single_item (Fixture *f, CourrielOutboxState state, guint attempts)
{
  g_autoptr (GPtrArray) items = outbox (f);
  CourrielOutboxItem *item;

  g_assert_cmpuint (items->len, ==, 1);
  item = g_ptr_array_steal_index (items, 0);
  g_assert_cmpint (item->state, ==, state);
  g_assert_cmpuint (item->attempts, ==, attempts);
  g_assert_nonnull (item->last_error);
  return item;
}

static gsize
dotted_lines (GBytes *raw)
{
  gsize length;
  const char *data = g_bytes_get_data (raw, &length);
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    n += data[i] == '.' && (i == 0 || data[i - 1] == '\n');
  return n;
}

/* The connection lost before the final dot: the message was not sent, so it stays QUEUED (the
 * attempt counted) and goes, once, at its next attempt. */
static void
test_lost_before_final_dot (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) raw = large_message ();
  OutboxScript after_data = { DIE_AFTER_DATA };
  OutboxScript in_body = { DIE_IN_BODY };
  OutboxScript accept = { ACCEPT };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *fourth = NULL;
  g_autoptr (CourrielOutboxItem) after_first = NULL;
  g_autoptr (CourrielOutboxItem) after_second = NULL;
  g_autoptr (GPtrArray) left = NULL;

  queue (f, raw);
  first = send_outbox_to (f, &after_data, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (first, ==, "0/1/0/0");
  after_first = single_item (f, COURRIEL_OUTBOX_QUEUED, 1);

  second = send_outbox_to (f, &in_body, after_first->next_attempt);
  g_assert_cmpstr (second, ==, "0/1/0/0");
  after_second = single_item (f, COURRIEL_OUTBOX_QUEUED, 2);

  third = send_outbox_to (f, &accept, after_second->next_attempt);
  g_assert_cmpstr (third, ==, "1/0/0/0");
  g_assert_cmpuint (accept.messages, ==, 1);
  /* All of it: a dot more (stuffed) at the start of each line that has one, nothing else. */
  g_assert_cmpuint (accept.body_length, ==, g_bytes_get_size (raw) + dotted_lines (raw));
  left = outbox (f);
  g_assert_cmpuint (left->len, ==, 0);
  /* Nothing left to send: no connection at all. */
  fourth = send_outbox (f, after_second->next_attempt + 3600);
  g_assert_cmpstr (fourth, ==, "0/0/0/0");
}

/* The connection lost after the final dot, before the reply: the one window. The message may have
 * been sent: it stays SENDING, with why, and is not sent again. */
static void
test_lost_after_final_dot (Fixture *f, gconstpointer data)
{
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: peut-être\r\n\r\nParti ?\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  OutboxScript after_dot = { DIE_AFTER_DOT };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (CourrielOutboxItem) uncertain = NULL;
  g_autoptr (CourrielOutboxItem) still = NULL;

  queue (f, raw);
  first = send_outbox_to (f, &after_dot, now);
  g_assert_cmpstr (first, ==, "0/0/0/1");
  uncertain = single_item (f, COURRIEL_OUTBOX_SENDING, 0);
  g_assert_true (g_str_has_prefix (uncertain->last_error, "Maybe sent: "));

  /* Later (no server listens any more: an attempt would be counted deferred). */
  second = send_outbox (f, now + 3600);
  g_assert_cmpstr (second, ==, "0/0/0/1");
  still = single_item (f, COURRIEL_OUTBOX_SENDING, 0);
}

/* Two senders at work on one Outbox (the app and courriel-cli): the one that claims the message
 * first ends it; the other abandons its transaction before the final dot. */
static void
test_claimed_by_another_sender (Fixture *f, gconstpointer data)
{
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: une seule fois\r\n\r\nUne.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  OutboxScript taken = { TAKEN_MEANWHILE, f->path };
  g_autofree char *outcome = NULL;
  g_autoptr (GPtrArray) items = NULL;

  queue (f, raw);
  outcome = send_outbox_to (f, &taken, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (outcome, ==, "0/0/0/0");
  items = outbox (f);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CourrielOutboxItem *)items->pdata[0])->state, ==, COURRIEL_OUTBOX_SENDING);
  g_assert_cmpuint (((CourrielOutboxItem *)items->pdata[0])->attempts, ==, 0);
}

static gboolean
make_pop3 (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (
    db,
    sqlite3_exec (db,
                  "UPDATE accounts SET incoming_protocol = 'pop3' WHERE id = 1;"
                  "INSERT INTO folders (account_id, name, raw_name, role) VALUES (1, 'Sent', 'Sent', 'sent')",
                  NULL, NULL, NULL),
    error);
}

static gpointer
read_sent (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db,
                      "SELECT m.subject, m.flags, b.complete FROM messages m JOIN folders f ON f.id = m.folder_id "
                      "JOIN bodies b ON b.message_id = m.id WHERE f.role = 'sent'",
                      -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s:%d:%d;", sqlite3_column_text (stmt, 0), sqlite3_column_int (stmt, 1),
                            sqlite3_column_int (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* A POP3 account's Sent folder is on this computer: the copy lands there, read, once sent. */
static void
test_pop3_keeps_sent_copy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) made = NULL;
  g_autoptr (GAsyncResult) read = NULL;
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: copie\r\n\r\nGardée.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autofree char *outcome = NULL;
  g_autofree char *sent = NULL;

  courriel_store_write_async (f->store, make_pop3, NULL, NULL, NULL, net_test_store_result, &made);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&made), &error));
  queue (f, raw);
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (outcome, ==, "1/0/0/0");
  courriel_store_read_async (f->store, read_sent, NULL, NULL, g_free, NULL, net_test_store_result, &read);
  sent = courriel_store_read_finish (f->store, net_test_wait (&read), &error);
  g_assert_cmpstr (sent, ==, "copie:1:1;");
}

static gboolean
mark_accepted (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db,
                                           sqlite3_exec (db,
                                                         "UPDATE outbox SET state = 'sending';"
                                                         "INSERT INTO outbox_accepted (outbox_id, accepted) "
                                                         "SELECT id, 0 FROM outbox",
                                                         NULL, NULL, NULL),
                                           error);
}

/* Stopped after the server took a message, before its copy was filed: the next send files it in
 * Sent and never sends it again — here with no server at all to send it to. */
static void
test_accepted_is_filed_not_resent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) made = NULL;
  g_autoptr (GAsyncResult) marked = NULL;
  g_autoptr (GAsyncResult) read = NULL;
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: parti\r\n\r\nDéjà envoyé.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *sent = NULL;

  courriel_store_write_async (f->store, make_pop3, NULL, NULL, NULL, net_test_store_result, &made);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&made), &error));
  queue (f, raw);
  courriel_store_write_async (f->store, mark_accepted, NULL, NULL, NULL, net_test_store_result, &marked);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&marked), &error));
  before = outbox (f);
  g_assert_cmpuint (before->len, ==, 1);
  g_assert_cmpint (((CourrielOutboxItem *)before->pdata[0])->state, ==, COURRIEL_OUTBOX_ACCEPTED);

  f->account->outgoing.port = 1; /* nothing listens there: had it been sent again, it would fail */
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (outcome, ==, "0/0/0/0");
  after = outbox (f);
  g_assert_cmpuint (after->len, ==, 0);
  courriel_store_read_async (f->store, read_sent, NULL, NULL, g_free, NULL, net_test_store_result, &read);
  sent = courriel_store_read_finish (f->store, net_test_wait (&read), &error);
  g_assert_cmpstr (sent, ==, "parti:1:1;");
}

/* Two messages in one session (two Outbox items), against a server that offers PIPELINING or not:
 * the first one's final dot and the second one's envelope come in one write with it, one after
 * the other without. The server answers the first dot with @dot_reply (NULL: it hangs up
 * instead), refuses the second message's recipient when @next_refused, and when @taken_meanwhile
 * another sender claims the second message once its envelope came (in the store at db_path). */
typedef struct
{
  gboolean    pipelining;
  const char *dot_reply;
  gboolean    next_refused;
  gboolean    taken_meanwhile;
  const char *db_path;
  guint       dots; /* final dots received */
} TwoScript;

/* Whether the client sent more without waiting for a reply (200 ms). */

static gboolean
more_is_coming (GSocketConnection *connection, GDataInputStream *in)
{
  return g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0
         || g_socket_condition_timed_wait (g_socket_connection_get_socket (connection), G_IO_IN, 200 * 1000, NULL,
                                           NULL);
}

/* MAIL FROM, RCPT TO, DATA: in one write (then nothing more until replies) or one at a time. */
static void
expect_two_envelope (GSocketConnection *connection, GDataInputStream *in, TwoScript *script, const char *rcpt_reply,
                     const char *data_reply)
{
  const char *commands[] = { "MAIL FROM:<" SENDER ">", "RCPT TO:<" RECIPIENT ">", "DATA" };
  const char *replies[] = { "250 2.1.0 Ok\r\n", rcpt_reply, data_reply };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!script->pipelining && i == 2 && data_reply == NULL)
        break; /* no DATA for nobody */
      expect_prefix (in, commands[i]);
      if (!script->pipelining)
        {
          g_assert_false (more_is_coming (connection, in));
          net_test_send (G_IO_STREAM (connection), replies[i]);
        }
    }
  if (script->pipelining)
    g_assert_false (more_is_coming (connection, in));
}

/* The message's lines up to its final dot; FALSE if the connection ended first. */
static gboolean
receive_to_dot (TwoScript *script, GDataInputStream *in)
{
  for (;;)
    {
      g_autofree char *line = receive (in);

      if (line == NULL)
        return FALSE;
      if (g_str_equal (line, "."))
        {
          script->dots++;
          return TRUE;
        }
    }
}

static void
script_two (GSocketConnection *connection, gpointer user_data)
{
  TwoScript *script = user_data;
  GIOStream *stream = G_IO_STREAM (connection);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  const char *refused = "550 5.1.1 <" RECIPIENT ">: Recipient address rejected: User unknown\r\n";
  const char *rcpt_reply = script->next_refused ? refused : "250 2.1.5 Ok\r\n";
  const char *data_reply = script->next_refused ? "554 5.5.1 Error: no valid recipients\r\n" : "354 Go on\r\n";

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 20);
  net_test_send (stream, "220 scripted.example ESMTP\r\n");
  expect_prefix (in, "EHLO ");
  net_test_send (stream, script->pipelining ? "250-scripted.example\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n"
                                            : "250-scripted.example\r\n250 AUTH PLAIN\r\n");
  expect_prefix (in, "AUTH PLAIN ");
  net_test_send (stream, "235 2.7.0 Authentication successful\r\n");
  expect_two_envelope (connection, in, script, "250 2.1.5 Ok\r\n", "354 Go on\r\n");
  if (script->pipelining)
    net_test_send (stream, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go on\r\n");
  g_assert_true (receive_to_dot (script, in));
  if (script->pipelining)
    {
      /* The second envelope with the first dot, before any reply to it. */
      expect_two_envelope (connection, in, script, NULL, NULL);
      if (script->dot_reply == NULL)
        return;
      if (script->taken_meanwhile)
        {
          sqlite3 *db = NULL;

          g_assert_cmpint (sqlite3_open (script->db_path, &db), ==, SQLITE_OK);
          sqlite3_busy_timeout (db, 5000);
          g_assert_cmpint (sqlite3_exec (db, "UPDATE outbox SET state = 'sending' WHERE state = 'queued'", NULL,
                                         NULL, NULL),
                           ==, SQLITE_OK);
          sqlite3_close (db);
        }
      net_test_send (stream, script->dot_reply);
      net_test_send (stream, "250 2.1.0 Ok\r\n");
      net_test_send (stream, rcpt_reply);
      net_test_send (stream, data_reply);
    }
  else
    {
      /* The dot alone, and nothing more before its reply. */
      g_assert_false (more_is_coming (connection, in));
      if (script->dot_reply == NULL)
        return;
      net_test_send (stream, script->dot_reply);
      expect_two_envelope (connection, in, script, rcpt_reply, script->next_refused ? NULL : data_reply);
    }
  if (script->next_refused)
    {
      expect_prefix (in, "RSET");
      net_test_send (stream, "250 2.0.0 Ok\r\n");
    }
  else
    {
      /* Taken by another sender meanwhile: the message, and the connection closed before its dot. */
      if (!receive_to_dot (script, in))
        {
          g_assert_true (script->taken_meanwhile);
          return;
        }
      g_assert_false (script->taken_meanwhile);
      net_test_send (stream, "250 2.0.0 Ok: queued as 5678\r\n");
    }
  expect_prefix (in, "QUIT");
  net_test_send (stream, "221 2.0.0 Bye\r\n");
}

static const char first_text[] = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: un\r\n\r\nUn.\r\n";
static const char second_text[] = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: deux\r\n\r\nDeux.\r\n";

/* Both messages queued, one pass against @script; returns the outcome, the Outbox left in @left. */
static char *
send_two (Fixture *f, TwoScript *script, GPtrArray **left)
{
  g_autoptr (GBytes) first = g_bytes_new_static (first_text, strlen (first_text));
  g_autoptr (GBytes) second = g_bytes_new_static (second_text, strlen (second_text));
  NetTestServer *server;
  char *outcome;

  queue (f, first);
  queue (f, second);
  script->db_path = f->path;
  server = net_test_server_start (script_two, script);
  f->account->outgoing.port = server->port;
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
  net_test_server_finish (server);
  *left = outbox (f);
  return outcome;
}

/* The one message left in the Outbox: the second, in @state after @attempts attempts. */
static void
assert_second_left (GPtrArray *left, CourrielOutboxState state, guint attempts)
{
  CourrielOutboxItem *item;

  g_assert_cmpuint (left->len, ==, 1);
  item = left->pdata[0];
  g_assert_cmpmem (g_bytes_get_data (item->raw, NULL), g_bytes_get_size (item->raw), second_text,
                   strlen (second_text));
  g_assert_cmpint (item->state, ==, state);
  g_assert_cmpuint (item->attempts, ==, attempts);
}

/* Both taken, the first one's final dot in the write of the second's envelope with PIPELINING (the
 * script fails otherwise), one command at a time without. */
static void
test_pipelined_both_sent (Fixture *f, gconstpointer data)
{
  TwoScript script = { GPOINTER_TO_INT (data), "250 2.0.0 Ok: queued as 1234\r\n" };
  g_autoptr (GPtrArray) left = NULL;
  g_autofree char *outcome = send_two (f, &script, &left);

  g_assert_cmpstr (outcome, ==, "2/0/0/0");
  g_assert_cmpuint (script.dots, ==, 2);
  g_assert_cmpuint (left->len, ==, 0);
}

/* The first message's dot refused: it is FAILED, with why; the second goes on and is sent. */
static void
test_pipelined_dot_refused (Fixture *f, gconstpointer data)
{
  TwoScript script = { GPOINTER_TO_INT (data), "554 5.7.1 Message content rejected\r\n" };
  g_autoptr (GPtrArray) left = NULL;
  g_autofree char *outcome = send_two (f, &script, &left);
  CourrielOutboxItem *item;

  g_assert_cmpstr (outcome, ==, "1/0/1/0");
  g_assert_cmpuint (script.dots, ==, 2);
  g_assert_cmpuint (left->len, ==, 1);
  item = left->pdata[0];
  g_assert_cmpmem (g_bytes_get_data (item->raw, NULL), g_bytes_get_size (item->raw), first_text, strlen (first_text));
  g_assert_cmpint (item->state, ==, COURRIEL_OUTBOX_FAILED);
  g_assert_nonnull (strstr (item->last_error, "Message content rejected"));
}

/* The second message's recipient refused: no byte of it is sent, it is FAILED, and the first one
 * is sent all the same. */
static void
test_pipelined_next_refused (Fixture *f, gconstpointer data)
{
  TwoScript script = { GPOINTER_TO_INT (data), "250 2.0.0 Ok: queued as 1234\r\n", TRUE };
  g_autoptr (GPtrArray) left = NULL;
  g_autofree char *outcome = send_two (f, &script, &left);

  g_assert_cmpstr (outcome, ==, "1/0/1/0");
  g_assert_cmpuint (script.dots, ==, 1);
  assert_second_left (left, COURRIEL_OUTBOX_FAILED, 1);
}

/* The connection lost after the first dot: the first message is "maybe sent" (SENDING), the second,
 * whose dot never went, stays QUEUED for its next attempt. */
static void
test_pipelined_lost_after_dot (Fixture *f, gconstpointer data)
{
  TwoScript script = { GPOINTER_TO_INT (data), NULL };
  g_autoptr (GPtrArray) left = NULL;
  g_autofree char *outcome = send_two (f, &script, &left);
  CourrielOutboxItem *uncertain;

  g_assert_cmpstr (outcome, ==, "0/1/0/1");
  g_assert_cmpuint (left->len, ==, 2);
  uncertain = left->pdata[0];
  g_assert_cmpmem (g_bytes_get_data (uncertain->raw, NULL), g_bytes_get_size (uncertain->raw), first_text,
                   strlen (first_text));
  g_assert_cmpint (uncertain->state, ==, COURRIEL_OUTBOX_SENDING);
  g_assert_true (g_str_has_prefix (uncertain->last_error, "Maybe sent: "));
  g_ptr_array_remove_index (left, 0);
  assert_second_left (left, COURRIEL_OUTBOX_QUEUED, 1);
}

/* Another sender claims the second message while its envelope is under way: its transaction is
 * abandoned before its final dot; the first one is recorded sent. */
static void
test_pipelined_next_taken (Fixture *f, gconstpointer data)
{
  TwoScript script = { TRUE, "250 2.0.0 Ok: queued as 1234\r\n", FALSE, TRUE };
  g_autoptr (GPtrArray) left = NULL;
  g_autofree char *outcome = send_two (f, &script, &left);

  g_assert_cmpstr (outcome, ==, "1/0/0/0");
  g_assert_cmpuint (script.dots, ==, 1);
  assert_second_left (left, COURRIEL_OUTBOX_SENDING, 0);
}

/* Each run against a server with PIPELINING and one without. */
static const struct
{
  const char *name;
  void (*test) (Fixture *f, gconstpointer data);
} two_tests[] = {
  { "both-sent", test_pipelined_both_sent },
  { "dot-refused", test_pipelined_dot_refused },
  { "next-refused", test_pipelined_next_refused },
  { "lost-after-dot", test_pipelined_lost_after_dot },
};

/* A message of @size bytes for Bob, its text lines of x. */
static GBytes *
message_of_size (gsize size)
{
  g_autoptr (GString) raw = g_string_new ("From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: Large\r\n\r\n");

  while (raw->len + 78 <= size)
    g_string_append (raw, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
  while (raw->len + 2 < size)
    g_string_append_c (raw, 'y');
  g_string_append (raw, "\r\n");
  return g_string_free_to_bytes (g_steal_pointer (&raw));
}

static guint64
stored_size_limit (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) accounts = NULL;

  courriel_account_list_async (f->store, NULL, net_test_store_result, &result);
  accounts = courriel_account_list_finish (f->store, net_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  return ((CourrielAccount *)accounts->pdata[0])->smtp_size_limit;
}

/* The bench's Postfix announces SIZE 10240000: a send session records it in place of the stale
 * limit the account had. A message above it is refused before a byte goes, one just under it
 * that Postfix refuses (it counts the headers it adds) gets the server's 552 5.3.4: both stay in
 * the Outbox, FAILED, whole, with a reason that says they are too large and by how much; the
 * message sent with them arrives. */
static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) small = message_of_size (2000);
  g_autoptr (GBytes) over = message_of_size (11 * 1000 * 1000);
  g_autoptr (GBytes) close = message_of_size (10240000 - 64);
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) received = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *over_size = g_format_size (g_bytes_get_size (over));
  g_autofree char *over_by = g_format_size (g_bytes_get_size (over) - 10240000);
  g_autofree char *limit = g_format_size (10240000);
  CourrielOutboxItem *refused_early, *refused_by_server;

  courriel_account_set_smtp_size_limit_async (f->store, 1, 1234, NULL, net_test_store_result, &result);
  g_assert_true (courriel_account_set_smtp_size_limit_finish (f->store, net_test_wait (&result), &error));
  g_assert_cmpuint (stored_size_limit (f), ==, 1234);
  f->account->smtp_size_limit = 1234;

  queue (f, small);
  queue (f, over);
  queue (f, close);
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpstr (outcome, ==, "1/0/2/0");
  g_assert_cmpuint (stored_size_limit (f), ==, 10240000);

  items = outbox (f);
  g_assert_cmpuint (items->len, ==, 2);
  refused_early = items->pdata[0];
  refused_by_server = items->pdata[1];
  g_assert_cmpint (refused_early->state, ==, COURRIEL_OUTBOX_FAILED);
  g_assert_true (g_bytes_equal (refused_early->raw, over));
  g_test_message ("%s", refused_early->last_error);
  g_assert_nonnull (strstr (refused_early->last_error, "too large"));
  g_assert_nonnull (strstr (refused_early->last_error, over_size));
  g_assert_nonnull (strstr (refused_early->last_error, over_by));
  g_assert_nonnull (strstr (refused_early->last_error, limit));
  g_assert_cmpint (refused_by_server->state, ==, COURRIEL_OUTBOX_FAILED);
  g_assert_true (g_bytes_equal (refused_by_server->raw, close));
  g_test_message ("%s", refused_by_server->last_error);
  g_assert_nonnull (strstr (refused_by_server->last_error, "too large"));
  g_assert_nonnull (strstr (refused_by_server->last_error, limit));
  g_assert_nonnull (strstr (refused_by_server->last_error, "5.3.4"));

  received = bob_messages (f, f->delivered + 1);
  g_assert_cmpuint (received->len, ==, f->delivered + 1);
  g_assert_cmpuint (g_bytes_get_size (received->pdata[received->len - 1]), <, 10000);

  /* Nothing is tried again by itself: they wait for the user. */
  g_clear_pointer (&outcome, g_free);
  outcome = send_outbox (f, g_get_real_time () / G_USEC_PER_SEC + 7200);
  g_assert_cmpstr (outcome, ==, "0/0/0/0");
}

/* A user action on one message: "" when it worked, else the error's code as a word. */
static const char *
user_action (Fixture *f, void (*action) (CourrielStore *, gint64, GCancellable *, GAsyncReadyCallback, gpointer),
             gint64 id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  action (f->store, id, NULL, net_test_store_result, &result);
  if (courriel_store_write_finish (f->store, net_test_wait (&result), &error))
    return "";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    return "busy";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return "gone";
  return error->message;
}

static void
set_state (Fixture *f, gint64 id, CourrielOutboxState state, gint64 next_attempt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_outbox_set_state_async (f->store, id, state, next_attempt, "451 later", NULL, net_test_store_result,
                                   &result);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
}

/* Send Again and Delete (the Outbox view, a retry after the user mended a password) act only on a
 * message that waits or was refused: never on one a sender has, which could then go twice. */
static void
test_user_actions_spare_a_message_being_sent (Fixture *f, gconstpointer data)
{
  const char *text = "From: " SENDER "\r\nTo: " RECIPIENT "\r\nSubject: patience\r\n\r\nBientôt.\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autoptr (GPtrArray) items = NULL;
  CourrielOutboxItem *item;
  gint64 id;
  guint attempts;

  queue (f, raw);
  items = outbox (f);
  id = ((CourrielOutboxItem *)items->pdata[0])->id;

  /* Refused, then Send Again: queued, due now, and no attempt counted. */
  set_state (f, id, COURRIEL_OUTBOX_FAILED, 0);
  g_clear_pointer (&items, g_ptr_array_unref);
  items = outbox (f);
  attempts = ((CourrielOutboxItem *)items->pdata[0])->attempts;
  g_assert_cmpstr (user_action (f, courriel_outbox_send_now_async, id), ==, "");
  g_clear_pointer (&items, g_ptr_array_unref);
  items = outbox (f);
  item = items->pdata[0];
  g_assert_cmpint (item->state, ==, COURRIEL_OUTBOX_QUEUED);
  g_assert_cmpint (item->next_attempt, ==, 0);
  g_assert_cmpuint (item->attempts, ==, attempts);

  /* Waiting for a later attempt: made due now. */
  set_state (f, id, COURRIEL_OUTBOX_QUEUED, g_get_real_time () / G_USEC_PER_SEC + 3600);
  g_assert_cmpstr (user_action (f, courriel_outbox_send_now_async, id), ==, "");
  g_clear_pointer (&items, g_ptr_array_unref);
  items = outbox (f);
  g_assert_cmpint (((CourrielOutboxItem *)items->pdata[0])->next_attempt, ==, 0);

  /* A sender claimed it: neither action touches it. */
  set_state (f, id, COURRIEL_OUTBOX_SENDING, 0);
  g_assert_cmpstr (user_action (f, courriel_outbox_send_now_async, id), ==, "busy");
  g_assert_cmpstr (user_action (f, courriel_outbox_withdraw_async, id), ==, "busy");
  g_clear_pointer (&items, g_ptr_array_unref);
  items = outbox (f);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CourrielOutboxItem *)items->pdata[0])->state, ==, COURRIEL_OUTBOX_SENDING);

  /* Back to refused: Delete takes it out; after that, both say it is gone. */
  set_state (f, id, COURRIEL_OUTBOX_FAILED, 0);
  g_assert_cmpstr (user_action (f, courriel_outbox_withdraw_async, id), ==, "");
  g_clear_pointer (&items, g_ptr_array_unref);
  items = outbox (f);
  g_assert_cmpuint (items->len, ==, 0);
  g_assert_cmpstr (user_action (f, courriel_outbox_send_now_async, id), ==, "gone");
  g_assert_cmpstr (user_action (f, courriel_outbox_withdraw_async, id), ==, "gone");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add ("/outbox/too-large", Fixture, NULL, fixture_set_up, test_too_large, fixture_tear_down);
  g_test_add ("/outbox/sends-large-attachment", Fixture, NULL, fixture_set_up, test_sends_large_attachment,
              fixture_tear_down);
  g_test_add ("/outbox/survives-outage-and-restart", Fixture, NULL, fixture_set_up, test_survives_outage_and_restart,
              fixture_tear_down);
  g_test_add ("/outbox/uncertain-is-not-resent", Fixture, NULL, fixture_set_up, test_uncertain_is_not_resent,
              fixture_tear_down);
  g_test_add ("/outbox/lost-before-final-dot", Fixture, NULL, scripted_set_up, test_lost_before_final_dot,
              fixture_tear_down);
  g_test_add ("/outbox/lost-after-final-dot", Fixture, NULL, scripted_set_up, test_lost_after_final_dot,
              fixture_tear_down);
  g_test_add ("/outbox/claimed-by-another-sender", Fixture, NULL, scripted_set_up, test_claimed_by_another_sender,
              fixture_tear_down);
  g_test_add ("/outbox/user-actions-spare-a-message-being-sent", Fixture, NULL, scripted_set_up,
              test_user_actions_spare_a_message_being_sent, fixture_tear_down);
  g_test_add ("/outbox/pop3-keeps-sent-copy", Fixture, NULL, fixture_set_up, test_pop3_keeps_sent_copy,
              fixture_tear_down);
  g_test_add ("/outbox/accepted-is-filed-not-resent", Fixture, NULL, scripted_set_up,
              test_accepted_is_filed_not_resent, fixture_tear_down);
  for (guint i = 0; i < G_N_ELEMENTS (two_tests); i++)
    for (gboolean pipelining = FALSE; pipelining <= TRUE; pipelining++)
      {
        g_autofree char *path = g_strdup_printf ("/outbox/%s/%s", pipelining ? "pipelined" : "one-at-a-time",
                                                 two_tests[i].name);

        g_test_add (path, Fixture, GINT_TO_POINTER (pipelining), scripted_set_up, two_tests[i].test,
                    fixture_tear_down);
      }
  g_test_add ("/outbox/pipelined/next-taken", Fixture, NULL, scripted_set_up, test_pipelined_next_taken,
              fixture_tear_down);
  return g_test_run ();
}
