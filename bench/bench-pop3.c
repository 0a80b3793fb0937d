/* bench-pop3.c — courriel-cli downloading a 10,000-message POP3 mailbox, against fetchmail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The issue-5 POP3 target: bob@example.test's INBOX (the 10,000 messages of bench-sync, written
 * by bench-mailbox.c) downloaded over POP3S from the bench's Dovecot by Courriel and by fetchmail,
 * alternately, a few times each in the same run. Courriel is `courriel-cli account add` (POP3S,
 * the certificate pinned) and `courriel-cli sync --json` on a fresh data folder each time;
 * fetchmail keeps the messages on the server, checks the certificate against the bench's CA,
 * fetches all of them and writes them to one BSMTP file (no MDA forked per message). Times are the
 * wall clock of the whole process, CPU and peak RSS from wait4. Prints a table, exits 0.
 *
 * Run: build-aux/test-session build/bench/bench-pop3 [MESSAGES [ROUNDS]]
 * (courriel-cli needs the Secret Service that build-aux/test-session provides; as root, for
 * the servers).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bench-common.h"
#include "bench-mailbox.h"
#include "courriel-test-bench.h"

#define USER "bob@example.test"
#define MAILBOX_SEED 4 /* bench-sync's: the same 10,000 messages */
#define MAX_ROUNDS 9

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  char              *work_dir;
  guint              n_messages;
  guint              rounds;
  GString           *header;
  Table              table;
} Bench;

/* One download, by either client. */
typedef struct
{
  Run    *run;
  guint   messages;      /* how many it says it wrote */
  double  bytes;         /* what the client read from the connection (Courriel's --json), or -1 */
  gint64  dovecot_bytes; /* what Dovecot logged as sent by RETR in the session, or -1 */
  double  setup_seconds; /* courriel-cli account add, not in the figure */
} Download;

static void
download_clear (Download *d)
{
  g_clear_pointer (&d->run, run_free);
}

/* ------------------------------------------------------------------------------------------ */
/* What Dovecot says it sent                                                                  */

/* The RETR bytes (retr=N/BYTES) of @user's POP3 sessions logged after @offset, or -1. */
static gint64
dovecot_retr_bytes_since (CourrielTestBench *bench, const char *user, gsize offset)
{
  g_autofree char *pattern = g_strdup_printf ("pop3\\(%s\\).* retr=[0-9]+/([0-9]+)", user);

  return server_log_sum_since (bench, "dovecot.log", pattern, offset, 1, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* The two clients                                                                            */

static char *
round_dir (Bench *b, const char *client, guint round)
{
  g_autofree char *name = g_strdup_printf ("%s-%u", client, round);
  char *dir = g_build_filename (b->work_dir, name, NULL);

  g_mkdir_with_parents (dir, 0700);
  return dir;
}

/* `account add` of a POP3S account (default policy: kept on the server 14 days), then `sync`. */
static void
run_courriel (Bench *b, guint round, Download *d)
{
  g_autofree char *dir = round_dir (b, "courriel", round);
  g_autofree char *incoming =
    g_strdup_printf ("pop3s://127.0.0.1:%u", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_POP3S));
  g_autofree char *outgoing =
    g_strdup_printf ("smtps://127.0.0.1:%u", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_SUBMISSIONS));
  g_autofree char *password = g_strdup_printf ("%s\n", courriel_test_bench_get_password (b->bench, USER));
  g_autoptr (Run) added = run_cli (dir, password, "account", "add", "--email", USER, "--incoming", incoming,
                                   "--outgoing", outgoing, "--password-stdin", "--accept-certificate", b->fingerprint,
                                   NULL);
  gsize offset;

  d->setup_seconds = added->seconds;
  if (!run_ok (added))
    {
      d->run = g_steal_pointer (&added);
      return;
    }
  offset = server_log_size (b->bench, "dovecot.log");
  d->run = run_cli (dir, NULL, "sync", USER, "--json", NULL);
  d->messages = run_ok (d->run) ? (guint)MAX (json_sum (d->run->out, "added"), 0) : 0;
  d->bytes = run_ok (d->run) ? json_sum (d->run->out, "bytes_received") : -1;
  d->dovecot_bytes = dovecot_retr_bytes_since (b->bench, USER, offset);
}

/* Messages in a BSMTP file: one DATA command each (fetchmail ends its lines with CRLF). */
static guint
count_bsmtp_messages (const char *path)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  const char *text;
  const char *end;
  guint n = 0;

  if (file == NULL)
    return 0;
  text = g_mapped_file_get_contents (file);
  end = text + g_mapped_file_get_length (file);
  for (const char *line = text; line != NULL && line < end;)
    {
      const char *next = memchr (line, '\n', end - line);

      if ((end - line >= 6 && memcmp (line, "DATA\r\n", 6) == 0) || (end - line >= 5 && memcmp (line, "DATA\n", 5) == 0))
        n++;
      line = next != NULL ? next + 1 : NULL;
    }
  return n;
}

/* fetchmail with an rc file of its own; it checks the certificate's name, so it connects to
 * localhost (the certificate's DNS name) rather than 127.0.0.1. */
static void
run_fetchmail (Bench *b, guint round, Download *d)
{
  g_autofree char *dir = round_dir (b, "fetchmail", round);
  g_autofree char *rc_path = g_build_filename (dir, "fetchmailrc", NULL);
  g_autofree char *ids_path = g_build_filename (dir, "fetchids", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "fetchmail.pid", NULL);
  g_autofree char *bsmtp_path = g_build_filename (dir, "mail.bsmtp", NULL);
  g_autofree char *rc = g_strdup_printf (
    "set no syslog\n"
    "poll localhost with protocol POP3 port %u\n"
    "  user \"%s\" there with password \"%s\" is root here\n"
    "  options ssl sslcertck sslcertfile \"%s\" keep fetchall bsmtp \"%s\"\n",
    courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_POP3S), USER,
    courriel_test_bench_get_password (b->bench, USER), courriel_test_bench_get_ca_file (b->bench), bsmtp_path);
  const char *argv[] = { "fetchmail", "--nodetach", "--silent", "--fetchmailrc", rc_path, "--idfile", ids_path,
                         "--pidfile", pid_path, NULL };
  gsize offset;

  if (!g_file_set_contents (rc_path, rc, -1, NULL) || g_chmod (rc_path, 0600) != 0)
    g_warning ("could not write %s", rc_path);
  offset = server_log_size (b->bench, "dovecot.log");
  d->run = run_program (argv, NULL, NULL);
  d->messages = count_bsmtp_messages (bsmtp_path);
  d->bytes = -1;
  d->dovecot_bytes = dovecot_retr_bytes_since (b->bench, USER, offset);
  g_unlink (bsmtp_path); /* 200 MB a round */
}

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

/* fetchmail exits 0 when it fetched mail, 1 when there was none. */
static gboolean
download_ok (const Download *d, guint expected)
{
  return run_ok (d->run) && d->messages == expected;
}

/* "6.12 s (CPU 4.1 s), 10000 messages, peak RSS 9 MB; …" for the median round. */
static char *
describe_download (const Download *d, guint expected)
{
  g_autofree char *bytes = format_bytes (d->bytes);
  g_autofree char *dovecot = format_bytes (d->dovecot_bytes);

  if (!run_ok (d->run))
    return describe_failure (d->run);
  return g_strdup_printf ("%.2f s (CPU %.1f s), %u messages%s, peak RSS %.0f MB; %s%s%sDovecot sent %s by RETR",
                          d->run->seconds, d->run->cpu_seconds, d->messages, d->messages == expected ? "" : " (short!)",
                          d->run->maxrss_kib / 1024.0, d->bytes >= 0 ? "bytes_received " : "",
                          d->bytes >= 0 ? bytes : "", d->bytes >= 0 ? ", " : "", dovecot);
}

/* The round whose time is the median of @n; NULL if any failed. */
static const Download *
median_download (const Download *downloads, guint n, guint expected, double *seconds)
{
  double times[MAX_ROUNDS];
  double mid;

  for (guint i = 0; i < n; i++)
    {
      if (!download_ok (&downloads[i], expected))
        return NULL;
      times[i] = downloads[i].run->seconds;
    }
  mid = median (times, n);
  *seconds = mid;
  for (guint i = 0; i < n; i++)
    if (downloads[i].run->seconds == mid || (n % 2 == 0 && downloads[i].run->seconds >= mid))
      return &downloads[i];
  return &downloads[0];
}

static char *
describe_rounds (const Download *downloads, guint n)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (all, "%s%.2f", i > 0 ? ", " : "", downloads[i].run->seconds);
  return g_string_free (all, FALSE);
}

/* The cell for one client: the median round described, or the first failure. */
static char *
describe_client (const Download *downloads, guint n, guint expected, double *seconds)
{
  const Download *mid = median_download (downloads, n, expected, seconds);
  g_autofree char *described = NULL;
  g_autofree char *rounds = NULL;

  if (mid == NULL)
    {
      for (guint i = 0; i < n; i++)
        if (!download_ok (&downloads[i], expected))
          return describe_download (&downloads[i], expected);
    }
  described = describe_download (mid, expected);
  rounds = describe_rounds (downloads, n);
  return g_strdup_printf ("median of %u: %s (all: %s s)", n, described, rounds);
}

static void
measure (Bench *b)
{
  Download courriel[MAX_ROUNDS] = { 0 };
  Download fetchmail[MAX_ROUNDS] = { 0 };
  g_autofree char *courriel_cell = NULL;
  g_autofree char *fetchmail_cell = NULL;
  double courriel_seconds = -1;
  double fetchmail_seconds = -1;
  double setup[MAX_ROUNDS];
  gboolean have_fetchmail = ensure_program ("fetchmail", "fetchmail");

  /* Alternately, so that the machine's load weighs on both alike. */
  for (guint i = 0; i < b->rounds; i++)
    {
      progress ("round %u: courriel-cli account add and sync of %u messages over POP3S", i + 1, b->n_messages);
      run_courriel (b, i, &courriel[i]);
      progress ("… %.2f s", courriel[i].run->seconds);
      setup[i] = courriel[i].setup_seconds;
      if (!have_fetchmail)
        continue;
      progress ("round %u: fetchmail of the same mailbox", i + 1);
      run_fetchmail (b, i, &fetchmail[i]);
      progress ("… %.2f s", fetchmail[i].run->seconds);
    }
  courriel_cell = describe_client (courriel, b->rounds, b->n_messages, &courriel_seconds);
  fetchmail_cell = have_fetchmail ? describe_client (fetchmail, b->rounds, b->n_messages, &fetchmail_seconds)
                                  : g_strdup ("n/a (fetchmail missing and not installable; reference ~6 s)");
  g_string_append_printf (b->header, "- courriel-cli account add (POP3S login, keyring; not in the figures): median "
                          "%.2f s\n", median (setup, b->rounds));
  table_row (&b->table, "POP3S download of %u messages (%s INBOX), kept on the server | %s | fetchmail %s (~6 s, "
             "8 MB in test-servers.md) | faster than fetchmail | %s", b->n_messages, USER, courriel_cell,
             fetchmail_cell, yes_no (courriel_seconds >= 0 && fetchmail_seconds >= 0,
                                     courriel_seconds < fetchmail_seconds));
  for (guint i = 0; i < b->rounds; i++)
    {
      download_clear (&courriel[i]);
      download_clear (&fetchmail[i]);
    }
}

/* Dovecot's first POP3 session on a Maildir reads every message for its size with CRLF line
 * ends and its UIDL: done once here, with a minimal session, so that neither client pays it. */
static void
warm_up (Bench *b)
{
  g_autofree char *url =
    g_strdup_printf ("pop3s://127.0.0.1:%u/", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_POP3S));
  g_autofree char *user = g_strdup_printf ("%s:%s", USER, courriel_test_bench_get_password (b->bench, USER));
  const char *list[] = { "curl", "-s", "--cacert", courriel_test_bench_get_ca_file (b->bench), "-u", user, url, NULL };
  const char *uidl[] = { "curl", "-s", "--cacert", courriel_test_bench_get_ca_file (b->bench), "-u", user, "-X", "UIDL",
                         url, NULL };
  g_autoptr (Run) listed = NULL;
  g_autoptr (Run) uidls = NULL;

  progress ("Dovecot's first POP3 sessions: LIST and UIDL (not in the figures)");
  listed = run_program (list, NULL, NULL);
  uidls = run_program (uidl, NULL, NULL);
  g_string_append_printf (b->header, "- Dovecot's first POP3 LIST %.1f s, UIDL %.1f s (curl; not in the figures)%s\n",
                          listed->seconds, uidls->seconds, run_ok (listed) && run_ok (uidls) ? "" : " — failed");
}

static void
seed (Bench *b)
{
  g_autoptr (GError) error = NULL;
  BenchMailboxStats s = { 0 };
  gint64 start = g_get_monotonic_time ();

  progress ("writing %u messages into %s's INBOX", b->n_messages, USER);
  if (!bench_mailbox_fill (b->bench, USER, "INBOX", b->n_messages, MAILBOX_SEED, &s, &error))
    g_error ("%s", error->message);
  g_string_append_printf (b->header, "- %s INBOX: %u messages, %.1f MB, %.1f–%.1f KB, mean %.1f KB (%u%% with an "
                          "attachment); written in %.1f s\n", USER, s.messages, s.bytes / 1048576.0,
                          s.smallest / 1024.0, s.largest / 1024.0, s.bytes / 1024.0 / MAX (s.messages, 1),
                          100 * s.attachments / MAX (s.messages, 1), seconds_since (start));
}

int
main (int argc, char **argv)
{
  Bench b = {
    .n_messages = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 10000,
    .rounds = argc > 2 ? (guint)g_ascii_strtoull (argv[2], NULL, 10) : 3,
    .header = g_string_new (NULL),
    .table = { g_string_new (NULL) },
  };

  bench_begin ();
  if (!has_session_bus ("bench-pop3"))
    return 0;
  if (b.n_messages == 0 || b.rounds == 0 || b.rounds > MAX_ROUNDS)
    {
      printf ("Usage: bench-pop3 [MESSAGES (10000) [ROUNDS (3, at most %d)]]\n", MAX_ROUNDS);
      return 0;
    }

  b.bench = start_bench (&b.fingerprint);
  b.work_dir = g_build_filename (courriel_test_bench_get_dir (b.bench), "bench-pop3", NULL);

  seed (&b);
  warm_up (&b);
  measure (&b);

  g_string_append (b.header, "- times are the wall clock of the whole process (courriel-cli sync; fetchmail), CPU "
                   "is user + system and peak RSS from wait4; rounds alternate Courriel and fetchmail, each on an "
                   "empty folder\n");
  print_report ("Courriel POP3 benchmark (issue 5): courriel-cli against fetchmail, loopback Dovecot POP3S",
                b.header->str, &b.table, "reference");

  courriel_test_bench_stop (b.bench);
  g_object_unref (b.bench);
  g_free (b.fingerprint);
  g_free (b.work_dir);
  g_string_free (b.header, TRUE);
  g_string_free (b.table.rows, TRUE);
  return 0;
}
