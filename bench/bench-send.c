/* bench-send.c — sending 100 messages of 50 KB and one of 20 MB, Courriel against curl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The issue-5 sending target: within 1.3× of curl's SMTP upload of the same files. Both sides
 * submit to the bench's Postfix over implicit TLS (port 465 in real life), log in with AUTH,
 * and are done when the server accepted the message (the 250 after the final dot), not when it
 * is delivered: the recipient is an address Postfix cannot route (amelie@[192.0.2.1], as in
 * test-cli-account), and the bench's Postfix is told to defer the smtp transport, so it queues
 * what it accepts and does nothing more with it: no delivery work runs behind the figures, no
 * bounce, no mailbox anyone counts fills up. Its size limit is raised for the 20 MB message.
 *
 * Courriel is measured twice: as the user sends, `courriel-cli send --attach FILE` one process
 * per message (compose, Outbox, keyring, session, store), and in this process through
 * courriel_smtp_outbox_send_async() sending the very files curl sends, queued in the Outbox,
 * in one session. curl is measured one process per file, and all the files in one invocation
 * (`--next`, one connection reused). Prints a table, exits 0.
 *
 * Run: build-aux/test-session build/bench/bench-send [MESSAGES [SMALL_KB [LARGE_MB]]]
 * (courriel-cli needs the Secret Service that build-aux/test-session provides; as root, for
 * the servers).
 */
#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "bench-common.h"
#include "courriel-account.h"
#include "courriel-outbox.h"
#include "courriel-smtp-outbox.h"
#include "courriel-test-bench.h"

#define SENDER "carol@example.test"
#define RECIPIENT "amelie@[192.0.2.1]"
#define TARGET_RATIO 1.3
#define BODY "Bonjour Amélie,\n\nvoici le document dont nous avons parlé.\n\nCarole\n"

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  char              *work_dir;
  char              *data_dir;    /* courriel-cli's, SENDER's account */
  guint              n_small;
  gsize              small_size;  /* bytes of a whole message */
  gsize              large_size;
  GPtrArray         *attachments; /* file names: the small ones, then the large one */
  GPtrArray         *messages;    /* the same as whole messages, for curl and the engine */
  GString           *header;
  Table              table;
} Bench;

/* What one way of sending did: time, CPU, memory, and what Postfix says it accepted. */
typedef struct
{
  gboolean ok;
  char    *failure;     /* when not ok */
  double   seconds;
  double   cpu_seconds; /* -1 in process */
  glong    maxrss_kib;  /* the largest of the processes; 0 in process */
  guint    accepted;    /* messages Postfix queued from SENDER */
  gint64   bytes;       /* their size as Postfix counts it */
  guint    connections; /* SMTP connections Postfix saw */
  double   extra;       /* in process: seconds to put the messages in the Outbox first */
  double   filed;       /* in process: seconds until every Sent copy was filed too */
} Sent;

static void
sent_clear (Sent *sent)
{
  g_clear_pointer (&sent->failure, g_free);
}

/* ------------------------------------------------------------------------------------------ */
/* The files                                                                                   */

/* @size random bytes, the same every run. */
static GBytes *
random_bytes (gsize size, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint32 *words = g_malloc ((size + 3) / 4 * 4);

  for (gsize i = 0; i < (size + 3) / 4; i++)
    words[i] = g_rand_int (rand);
  return g_bytes_new_take (words, size);
}

static void
append_base64_lines (GString *out, GBytes *data)
{
  g_autofree char *encoded = g_base64_encode (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  gsize length = strlen (encoded);

  for (gsize i = 0; i < length; i += 76)
    {
      g_string_append_len (out, encoded + i, MIN (76, length - i));
      g_string_append (out, "\r\n");
    }
}

/* A message as a mail client writes it: text and one attachment, CRLF line ends. */
static GBytes *
build_message (guint index, const char *file_name, GBytes *attachment)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S +0000");

  g_string_append_printf (out,
                          "From: Carole <" SENDER ">\r\nTo: <" RECIPIENT ">\r\nSubject: Document %u\r\n"
                          "Date: %s\r\nMessage-ID: <bench-send-%u@example.test>\r\nMIME-Version: 1.0\r\n"
                          "Content-Type: multipart/mixed; boundary=\"bench-boundary\"\r\n\r\n"
                          "--bench-boundary\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n\r\n",
                          index, date, index);
  for (const char *p = BODY; *p != '\0'; p++)
    *p == '\n' ? g_string_append (out, "\r\n") : g_string_append_c (out, *p);
  g_string_append_printf (out,
                          "--bench-boundary\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
                          "Content-Disposition: attachment; filename=\"%s\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n",
                          file_name, file_name);
  append_base64_lines (out, attachment);
  g_string_append (out, "--bench-boundary--\r\n");
  return g_string_free_to_bytes (out);
}

/* The attachment's size for a whole message of about @size bytes (base64: 78 bytes a line for
 * 57 of data; about 700 bytes of headers and text). */
static gsize
attachment_size (gsize size)
{
  return size > 2000 ? (size - 700) * 57 / 78 : 1000;
}

static void
write_file (Bench *b, GPtrArray *names, const char *name, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (b->work_dir, name, NULL);

  if (!g_file_set_contents (path, g_bytes_get_data (data, NULL), g_bytes_get_size (data), &error))
    g_error ("%s", error->message);
  g_ptr_array_add (names, path);
}

/* The small ones, then the large one: an attachment and the whole message around it. */
static void
write_files (Bench *b)
{
  guint64 total = 0;

  for (guint i = 0; i <= b->n_small; i++)
    {
      gboolean large = i == b->n_small;
      g_autofree char *attachment_name = large ? g_strdup ("rapport.bin") : g_strdup_printf ("document-%03u.bin", i);
      g_autofree char *message_name = g_strdup_printf ("%s.eml", attachment_name);
      g_autoptr (GBytes) attachment = random_bytes (attachment_size (large ? b->large_size : b->small_size), i + 1);
      g_autoptr (GBytes) message = build_message (i, attachment_name, attachment);

      write_file (b, b->attachments, attachment_name, attachment);
      write_file (b, b->messages, message_name, message);
      if (!large)
        total += g_bytes_get_size (message);
      else
        g_string_append_printf (b->header, "- files: %u messages of %.1f KB on average and one of %.1f MB (text and "
                                "one attachment of random bytes, base64), from " SENDER " to " RECIPIENT "\n",
                                b->n_small, total / 1024.0 / MAX (b->n_small, 1),
                                g_bytes_get_size (message) / 1048576.0);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* What Postfix accepted                                                                       */

typedef struct
{
  gsize offset;
} PostfixMark;

static PostfixMark
postfix_mark (Bench *b)
{
  return (PostfixMark){ server_log_size (b->bench, "postfix.log") };
}

/* Fills in what Postfix logged since @mark: @expected messages queued from SENDER (qmgr's
 * "from=<…>, size=N") and the connections to submission. */
static void
postfix_count (Bench *b, PostfixMark mark, guint expected, Sent *sent)
{
  sent->bytes = server_log_sum_since (b->bench, "postfix.log", "qmgr\\[[0-9]+\\]: [0-9A-F]+: from=<" SENDER
                                      ">, size=([0-9]+)", mark.offset, expected, &sent->accepted);
  server_log_sum_since (b->bench, "postfix.log", "submissions/smtpd\\[[0-9]+\\]: connect from [^ ]+()",
                        mark.offset, 1, &sent->connections);
}

/* Postfix as this benchmark wants it: room for 20 MB, and nothing sent on. */
static void
configure_postfix (Bench *b)
{
  g_autofree char *conf = g_build_filename (courriel_test_bench_get_dir (b->bench), "conf", NULL);
  g_autofree char *limit = g_strdup_printf ("message_size_limit=%" G_GSIZE_FORMAT, b->large_size * 2);
  const char *set[] = { "postconf", "-c", conf, "-e", limit, "defer_transports=smtp", NULL };
  const char *reload[] = { "postfix", "-c", conf, "reload", NULL };
  g_autoptr (Run) configured = run_program (set, NULL, NULL);
  g_autoptr (Run) reloaded = run_ok (configured) ? run_program (reload, NULL, NULL) : NULL;

  if (!run_ok (reloaded))
    g_error ("could not set up Postfix: %s", run_ok (configured) ? reloaded->err : configured->err);
  g_usleep (G_USEC_PER_SEC); /* the master starts new smtpd processes with it */
  g_string_append_printf (b->header, "- the bench's Postfix, for this benchmark: %s, defer_transports=smtp\n", limit);
}

/* ------------------------------------------------------------------------------------------ */
/* Processes: courriel-cli send and curl                                                       */

/* Runs @argvs one after the other; the wall clock of all of them, CPU summed, the largest RSS. */
static void
run_all (Bench *b, GPtrArray *argvs, GPtrArray *inputs, guint expected, Sent *sent)
{
  PostfixMark mark = postfix_mark (b);
  gint64 start = g_get_monotonic_time ();

  sent->ok = TRUE;
  sent->cpu_seconds = 0;
  for (guint i = 0; i < argvs->len && sent->ok; i++)
    {
      g_autoptr (Run) run = run_program (argvs->pdata[i], inputs != NULL ? inputs->pdata[i] : NULL, NULL);

      sent->ok = run_ok (run);
      if (!sent->ok)
        sent->failure = describe_failure (run);
      sent->cpu_seconds += run->cpu_seconds;
      sent->maxrss_kib = MAX (sent->maxrss_kib, run->maxrss_kib);
    }
  sent->seconds = seconds_since (start);
  postfix_count (b, mark, expected, sent);
}

static GStrv
cli_send_argv (Bench *b, guint i)
{
  g_autofree char *subject = g_strdup_printf ("Document %u", i);

  return g_strdupv ((char *[]){ COURRIEL_CLI, "--data-dir", b->data_dir, "send", "--account", SENDER, "--to",
                                RECIPIENT, "--subject", subject, "--attach", b->attachments->pdata[i], "--json",
                                NULL });
}

/* courriel-cli send, one process for each of the messages from @first to @last. */
static void
send_with_cli (Bench *b, guint first, guint last, Sent *sent)
{
  g_autoptr (GPtrArray) argvs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  g_autoptr (GPtrArray) inputs = g_ptr_array_new ();

  for (guint i = first; i <= last; i++)
    {
      g_ptr_array_add (argvs, cli_send_argv (b, i));
      g_ptr_array_add (inputs, (gpointer)BODY);
    }
  run_all (b, argvs, inputs, last - first + 1, sent);
}

/* curl's options for one upload: smtps, the bench's CA, AUTH, the envelope, the file. */
static void
add_curl_upload (Bench *b, GPtrArray *argv, const char *file)
{
  g_autofree char *url =
    g_strdup_printf ("smtps://127.0.0.1:%u", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_SUBMISSIONS));
  g_autofree char *user = g_strdup_printf ("%s:%s", SENDER, courriel_test_bench_get_password (b->bench, SENDER));
  const char *options[] = { "--cacert", courriel_test_bench_get_ca_file (b->bench), "--user", user, "--mail-from",
                            SENDER, "--mail-rcpt", RECIPIENT, "--upload-file", file, url, NULL };

  for (guint i = 0; options[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (options[i]));
}

static GStrv
curl_argv (Bench *b, guint first, guint last)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("--silent"));
  g_ptr_array_add (argv, g_strdup ("--show-error"));
  for (guint i = first; i <= last; i++)
    {
      if (i > first)
        g_ptr_array_add (argv, g_strdup ("--next"));
      add_curl_upload (b, argv, b->messages->pdata[i]);
    }
  g_ptr_array_add (argv, NULL);
  return (GStrv)g_ptr_array_free (argv, FALSE);
}

/* curl, one process for each file from @first to @last, or one for all of them. */
static void
send_with_curl (Bench *b, guint first, guint last, gboolean one_process, Sent *sent)
{
  g_autoptr (GPtrArray) argvs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);

  if (one_process)
    g_ptr_array_add (argvs, curl_argv (b, first, last));
  else
    for (guint i = first; i <= last; i++)
      g_ptr_array_add (argvs, curl_argv (b, i, i));
  run_all (b, argvs, NULL, last - first + 1, sent);
}

/* ------------------------------------------------------------------------------------------ */
/* The engine in this process: the Outbox sent in one session                                  */

static CourrielAccount *
find_account (CourrielStore *store, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) accounts = NULL;

  courriel_account_list_async (store, NULL, got_result, &result);
  accounts = courriel_account_list_finish (store, wait_for (&result), error);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    if (g_str_equal (((CourrielAccount *)accounts->pdata[i])->address, SENDER))
      return courriel_account_copy (accounts->pdata[i]);
  if (accounts != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no account %s in the store", SENDER);
  return NULL;
}

/* Puts the files from @first to @last in the Outbox, one write job each as the application
 * does, then sends the Outbox: one session. */
static void
send_in_process (Bench *b, guint first, guint last, Sent *sent)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (b->data_dir, "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielAccount) account = store != NULL ? find_account (store, &error) : NULL;
  g_autofree CourrielSmtpOutboxReport *report = NULL;
  const char *recipients[] = { RECIPIENT, NULL };
  PostfixMark mark = postfix_mark (b);
  gint64 start = g_get_monotonic_time ();

  sent->cpu_seconds = -1;
  for (guint i = first; account != NULL && i <= last && error == NULL; i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GBytes) raw = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (b->messages->pdata[i], &contents, &length, &error))
        break;
      raw = g_bytes_new_take (g_steal_pointer (&contents), length);
      courriel_outbox_add_async (store, account->id, SENDER, recipients, raw, NULL, got_result, &result);
      courriel_store_write_finish (store, wait_for (&result), &error);
    }
  sent->extra = seconds_since (start);
  if (error == NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;

      start = g_get_monotonic_time ();
      courriel_smtp_outbox_send_async (store, account, courriel_test_bench_get_password (b->bench, SENDER),
                                       g_get_real_time () / G_USEC_PER_SEC, NULL, got_result, &result);
      report = courriel_smtp_outbox_send_finish (wait_for (&result), &error);
      /* Done, as for curl, when the server took the last message — and Courriel recorded it
       * (ACCEPTED, durable). Filing the Sent copies, which curl does not do, is shown apart. */
      sent->filed = seconds_since (start);
      sent->seconds = report != NULL && report->accepted_at > 0 ? (report->accepted_at - start) / (double)G_USEC_PER_SEC
                                                                 : sent->filed;
    }
  if (report != NULL && (report->sent != last - first + 1 || report->failed > 0 || report->deferred > 0))
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%u sent, %u deferred, %u failed", report->sent,
                 report->deferred, report->failed);
  sent->ok = error == NULL;
  if (!sent->ok)
    sent->failure = g_strdup_printf ("n/a (%s)", error->message);
  if (store != NULL)
    courriel_store_close (store);
  postfix_count (b, mark, last - first + 1, sent);
}

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

/* "12.34 s (CPU 3.2 s, peak RSS 30 MB); Postfix queued 100 (4.9 MB) over 100 connections" */
static char *
describe_sent (const Sent *sent, guint expected)
{
  g_autofree char *bytes = format_bytes (sent->bytes);
  g_autofree char *cpu = NULL;
  g_autofree char *extra = NULL;

  if (!sent->ok)
    return g_strdup (sent->failure);
  cpu = sent->cpu_seconds >= 0 ? g_strdup_printf (" (CPU %.2f s, peak RSS %.0f MB)", sent->cpu_seconds,
                                                  sent->maxrss_kib / 1024.0)
                               : g_strdup ("");
  extra = sent->extra > 0 ? g_strdup_printf ("; before it, %.2f s to put them in the Outbox; with the copies filed "
                                             "in Sent, %.2f s",
                                             sent->extra, sent->filed)
                          : g_strdup ("");
  return g_strdup_printf ("%.2f s%s; Postfix queued %u%s (%s) over %u connection%s%s", sent->seconds, cpu,
                          sent->accepted, sent->accepted == expected ? "" : " (short!)", bytes, sent->connections,
                          sent->connections == 1 ? "" : "s", extra);
}

static void
compare (Bench *b, const char *step, const Sent *courriel, const char *reference_name, const Sent *reference,
         guint expected)
{
  g_autofree char *measured = describe_sent (courriel, expected);
  g_autofree char *referred = describe_sent (reference, expected);
  gboolean known = courriel->ok && reference->ok && courriel->accepted == expected && reference->accepted == expected;
  g_autofree char *ratio =
    known ? g_strdup_printf (" — %.2f×", courriel->seconds / MAX (reference->seconds, 1e-6)) : g_strdup ("");

  table_row (&b->table, "%s | %s%s | %s: %s | ≤ %.1f× curl (%.2f s) | %s", step, measured, ratio, reference_name,
             referred, TARGET_RATIO, TARGET_RATIO * reference->seconds,
             yes_no (known, courriel->seconds <= TARGET_RATIO * reference->seconds));
}

static Run *
add_account (Bench *b)
{
  g_autofree char *incoming =
    g_strdup_printf ("imaps://127.0.0.1:%u", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_IMAPS));
  g_autofree char *outgoing =
    g_strdup_printf ("smtps://127.0.0.1:%u", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_SUBMISSIONS));
  g_autofree char *password = g_strdup_printf ("%s\n", courriel_test_bench_get_password (b->bench, SENDER));

  return run_cli (b->data_dir, password, "account", "add", "--email", SENDER, "--incoming", incoming, "--outgoing",
                  outgoing, "--password-stdin", "--accept-certificate", b->fingerprint, NULL);
}

static void
measure (Bench *b)
{
  guint last = b->n_small - 1;
  guint large = b->n_small;
  g_autoptr (Run) added = add_account (b);
  Sent cli = { 0 }, engine = { 0 }, curl_each = { 0 }, curl_once = { 0 };
  Sent cli_large = { 0 }, engine_large = { 0 }, curl_large = { 0 };
  g_autofree char *step = NULL;

  if (!run_ok (added))
    g_error ("courriel-cli account add: %s", added->err);
  g_string_append_printf (b->header, "- courriel-cli account add " SENDER " (IMAPS and SMTPS on port %u, not in the "
                          "figures): %.2f s\n", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_SUBMISSIONS),
                          added->seconds);

  progress ("curl: %u messages, one process each", b->n_small);
  send_with_curl (b, 0, last, FALSE, &curl_each);
  progress ("courriel-cli send: %u messages, one process each", b->n_small);
  send_with_cli (b, 0, last, &cli);
  progress ("curl: %u messages in one invocation", b->n_small);
  send_with_curl (b, 0, last, TRUE, &curl_once);
  progress ("in process: %u messages through the Outbox, one session", b->n_small);
  send_in_process (b, 0, last, &engine);
  progress ("the large message: curl, courriel-cli send, in process");
  send_with_curl (b, large, large, FALSE, &curl_large);
  send_with_cli (b, large, large, &cli_large);
  send_in_process (b, large, large, &engine_large);

  step = g_strdup_printf ("%u × %.0f KB, one process per message (`courriel-cli send --attach`; the same "
                          "attachments)", b->n_small, b->small_size / 1024.0);
  compare (b, step, &cli, "curl, one process per file", &curl_each, b->n_small);
  g_free (step);
  step = g_strdup_printf ("%u × %.0f KB in one session (in process: the files in the Outbox, "
                          "courriel_smtp_outbox_send_async, until the server took the last and Courriel recorded so)",
                          b->n_small, b->small_size / 1024.0);
  compare (b, step, &engine, "curl, all files in one invocation (--next)", &curl_once, b->n_small);
  g_free (step);
  step = g_strdup_printf ("1 × %.0f MB (`courriel-cli send --attach`)", b->large_size / 1048576.0);
  compare (b, step, &cli_large, "curl", &curl_large, 1);
  g_free (step);
  step = g_strdup_printf ("1 × %.0f MB in process (the file in the Outbox, courriel_smtp_outbox_send_async, until "
                          "the server took it and Courriel recorded so)",
                          b->large_size / 1048576.0);
  compare (b, step, &engine_large, "curl", &curl_large, 1);

  sent_clear (&cli);
  sent_clear (&engine);
  sent_clear (&curl_each);
  sent_clear (&curl_once);
  sent_clear (&cli_large);
  sent_clear (&engine_large);
  sent_clear (&curl_large);
}

int
main (int argc, char **argv)
{
  Bench b = {
    .n_small = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 100,
    .small_size = (argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 50) * 1024,
    .large_size = (argc > 3 ? g_ascii_strtoull (argv[3], NULL, 10) : 20) * 1024 * 1024,
    .attachments = g_ptr_array_new_with_free_func (g_free),
    .messages = g_ptr_array_new_with_free_func (g_free),
    .header = g_string_new (NULL),
    .table = { g_string_new (NULL) },
  };

  bench_begin ();
  if (!has_session_bus ("bench-send"))
    return 0;
  if (b.n_small == 0 || b.small_size == 0 || b.large_size == 0)
    {
      printf ("Usage: bench-send [MESSAGES (100) [SMALL_KB (50) [LARGE_MB (20)]]]\n");
      return 0;
    }
  if (!ensure_program ("curl", "curl"))
    {
      printf ("bench-send: curl is missing and could not be installed. Nothing measured.\n");
      return 0;
    }

  b.bench = start_bench (&b.fingerprint);
  b.work_dir = g_build_filename (courriel_test_bench_get_dir (b.bench), "bench-send", NULL);
  b.data_dir = g_build_filename (b.work_dir, "courriel", NULL);
  g_mkdir_with_parents (b.work_dir, 0700);
  configure_postfix (&b);
  progress ("writing the files");
  write_files (&b);
  measure (&b);

  g_string_append (b.header, "- times are the wall clock until the last message was accepted (the last process "
                   "exited; in process, until Courriel recorded the last one accepted — ACCEPTED, committed — "
                   "the Sent copies being filed after), CPU is user + system of the processes and peak RSS the "
                   "largest of them (wait4); Postfix's figures are from its log (qmgr size=, connect from)\n");
  print_report ("Courriel sending benchmark (issue 5): Courriel against curl, the bench's Postfix submission over "
                "implicit TLS (smtps)", b.header->str, &b.table, "reference");

  courriel_test_bench_stop (b.bench);
  g_object_unref (b.bench);
  g_free (b.fingerprint);
  g_free (b.work_dir);
  g_free (b.data_dir);
  g_ptr_array_unref (b.attachments);
  g_ptr_array_unref (b.messages);
  g_string_free (b.header, TRUE);
  g_string_free (b.table.rows, TRUE);
  return 0;
}
