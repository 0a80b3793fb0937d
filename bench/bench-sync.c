/* bench-sync.c — courriel-cli sync, resync, offline download and search against floors and mbsync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The issue-4 targets in one table. The bench's Dovecot gets two mailboxes of generated mail
 * (bench-mailbox.c): alice@example.test's INBOX with 100,000 messages and bob@example.test's
 * with 10,000. Courriel is driven through courriel-cli, as a subprocess, with a fresh data
 * folder, and compared with what a minimal IMAP client written here needs for the same work
 * (the floor), with mbsync for the offline download, and with the targets. Prints a table and
 * exits 0 whatever the figures; a courriel-cli feature that is missing shows as "n/a".
 *
 * Run: build-aux/test-session build/bench/bench-sync [MESSAGES [SMALL_MESSAGES]]
 * (courriel-cli needs the Secret Service that build-aux/test-session provides; as root, for
 * the servers).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "bench-common.h"
#include "bench-mailbox.h"
#include "courriel-certificate.h"
#include "courriel-imap-account-sync.h"
#include "courriel-search-query.h"
#include "courriel-store.h"
#include "courriel-test-bench.h"

#define BIG_USER "alice@example.test"
#define SMALL_USER "bob@example.test"
#define HEADER_ITEMS                                                                                                   \
  "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "                                                        \
  "BODY.PEEK[HEADER.FIELDS (REFERENCES AUTHENTICATION-RESULTS)])"
#define FIRST_LISTED 100
#define FLAG_CHANGES 100
#define RESYNC_RUNS 3

/* ------------------------------------------------------------------------------------------ */
/* A watch on the store while courriel-cli runs                                               */

typedef struct
{
  char         *path;
  sqlite3      *db;
  sqlite3_stmt *count;
  double        listed; /* seconds from the start until FIRST_LISTED messages were seen, or -1 */
} Watch; /* how many INBOX messages the store lists, read-only, while courriel-cli writes it */

static gint64
watch_count (Watch *watch)
{
  gint64 count = -1;

  if (watch->db == NULL && sqlite3_open_v2 (watch->path, &watch->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      sqlite3_close (watch->db);
      watch->db = NULL;
      return -1;
    }
  if (watch->count == NULL
      && sqlite3_prepare_v2 (watch->db,
                             "SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                             "WHERE f.raw_name = 'INBOX'",
                             -1, &watch->count, NULL)
           != SQLITE_OK)
    return -1;
  /* SQLITE_BUSY and friends: try again on the next tick. */
  if (sqlite3_step (watch->count) == SQLITE_ROW)
    count = sqlite3_column_int64 (watch->count, 0);
  sqlite3_reset (watch->count);
  return count;
}

static void
watch_tick (gpointer data, double elapsed)
{
  Watch *watch = data;

  if (watch->listed < 0 && watch_count (watch) >= FIRST_LISTED)
    watch->listed = elapsed;
}

static void
watch_clear (Watch *watch)
{
  sqlite3_finalize (watch->count);
  sqlite3_close (watch->db);
  watch->count = NULL;
  watch->db = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* What Dovecot says it sent, from its log: bytes for a CLI without --json                    */

/* Bytes Dovecot's IMAP sessions of @user that ended after @offset sent (out=), or -1. */
static gint64
dovecot_sent_since (CourrielTestBench *bench, const char *user, gsize offset)
{
  g_autofree char *pattern = g_strdup_printf ("imap\\(%s\\).* out=([0-9]+)", user);

  return server_log_sum_since (bench, "dovecot.log", pattern, offset, 1, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* The floor: a minimal IMAP client, plain GIO, that reads without parsing                    */

typedef struct
{
  GSocketClient     *socket_client;
  GSocketConnection *connection;
  guint              tag;
  guint64            received;
  char               buffer[256 * 1024];
} RefClient;

static void
ref_client_free (RefClient *c)
{
  g_clear_object (&c->connection);
  g_clear_object (&c->socket_client);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RefClient, ref_client_free)

static gboolean
accept_any_certificate (GTlsConnection *connection, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                        gpointer user_data)
{
  return TRUE;
}

static void
on_socket_client_event (GSocketClient *client, GSocketClientEvent event, GSocketConnectable *connectable,
                        GIOStream *connection, gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
}

/* Reads until the response tagged @tag (any one line for NULL, the greeting); TRUE if OK. */
static gboolean
ref_read_response (RefClient *c, const char *tag, GError **error)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c->connection));
  g_autoptr (GString) tail = g_string_new (NULL);

  for (;;)
    {
      gssize n = g_input_stream_read (in, c->buffer, sizeof c->buffer, NULL, error);
      const char *line;

      if (n <= 0)
        {
          if (n == 0)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "the server closed the connection");
          return FALSE;
        }
      c->received += n;
      /* The tagged response is the last thing the server sends: only the end matters. */
      g_string_append_len (tail, c->buffer + MAX (n - 512, 0), MIN (n, 512));
      if (tail->len > 512)
        g_string_erase (tail, 0, tail->len - 512);
      if (tail->len < 2 || tail->str[tail->len - 2] != '\r' || tail->str[tail->len - 1] != '\n')
        continue;
      if (tag == NULL)
        return TRUE;
      line = g_strrstr_len (tail->str, tail->len - 2, "\n");
      line = line != NULL ? line + 1 : tail->str;
      if (g_str_has_prefix (line, tag) && line[strlen (tag)] == ' ')
        {
          if (g_ascii_strncasecmp (line + strlen (tag) + 1, "OK", 2) == 0)
            return TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%.*s", (int)(tail->len - 2 - (line - tail->str)), line);
          return FALSE;
        }
    }
}

G_GNUC_PRINTF (3, 4)
static gboolean
ref_command (RefClient *c, GError **error, const char *format, ...)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c->connection));
  g_autofree char *tag = g_strdup_printf ("A%u", ++c->tag);
  g_autofree char *command = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  command = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strdup_printf ("%s %s\r\n", tag, command);
  return g_output_stream_write_all (out, line, strlen (line), NULL, NULL, error) && ref_read_response (c, tag, error);
}

static char *
imap_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Connects over implicit TLS, accepting the bench's certificate, logs in and selects INBOX. */
static RefClient *
ref_connect (CourrielTestBench *bench, const char *user, GError **error)
{
  g_autoptr (RefClient) c = g_new0 (RefClient, 1);
  g_autofree char *quoted_user = imap_quote (user);
  g_autofree char *quoted_password = imap_quote (courriel_test_bench_get_password (bench, user));

  c->socket_client = g_socket_client_new ();
  g_socket_client_set_tls (c->socket_client, TRUE);
  g_signal_connect (c->socket_client, "event", G_CALLBACK (on_socket_client_event), NULL);
  c->connection = g_socket_client_connect_to_host (c->socket_client, "127.0.0.1",
                                                   courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                                   NULL, error);
  if (c->connection == NULL || !ref_read_response (c, NULL, error)
      || !ref_command (c, error, "LOGIN %s %s", quoted_user, quoted_password)
      || !ref_command (c, error, "SELECT INBOX"))
    return NULL;
  return g_steal_pointer (&c);
}

static void
ref_logout (RefClient *c)
{
  ref_command (c, NULL, "LOGOUT");
}

typedef struct
{
  double  select_seconds; /* Dovecot indexing the new Maildir */
  double  fetch_seconds;  /* Dovecot reading every file once for its cache */
  double  seconds;        /* the floor: connect, login, select and the one fetch */
  guint64 bytes;          /* what the fetch returned */
} Floor;

/* The first SELECT and FETCH make Dovecot index and cache the mailbox: untimed, for the floor
 * as for Courriel, which comes later. Dovecot caches a field for all messages (decision "yes")
 * only once a session asked for it out of UID order; a single FETCH 1:* would leave it at
 * "temp", which caches only mail of the last days, and every later FETCH would parse all the
 * files again (25 s instead of 3 s for 100,000 here). Hence one message first, then all. */
static gboolean
warm_up (CourrielTestBench *bench, const char *user, Floor *floor, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (RefClient) c = ref_connect (bench, user, error);

  if (c == NULL)
    return FALSE;
  floor->select_seconds = seconds_since (start);
  start = g_get_monotonic_time ();
  if (!ref_command (c, error, "UID FETCH 2 %s", HEADER_ITEMS)
      || !ref_command (c, error, "UID FETCH 1:* %s", HEADER_ITEMS))
    return FALSE;
  floor->fetch_seconds = seconds_since (start);
  ref_logout (c);
  return TRUE;
}

static gboolean
measure_floor (CourrielTestBench *bench, const char *user, Floor *floor, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (RefClient) c = ref_connect (bench, user, error);
  guint64 before;

  if (c == NULL)
    return FALSE;
  before = c->received;
  if (!ref_command (c, error, "UID FETCH 1:* %s", HEADER_ITEMS))
    return FALSE;
  floor->seconds = seconds_since (start);
  floor->bytes = c->received - before;
  ref_logout (c);
  return TRUE;
}

/* Another device stars @n messages spread over the folder. */
static gboolean
change_flags_elsewhere (CourrielTestBench *bench, const char *user, guint n_messages, guint n, GError **error)
{
  g_autoptr (RefClient) c = ref_connect (bench, user, error);
  g_autoptr (GString) uids = g_string_new (NULL);

  if (c == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    g_string_append_printf (uids, "%s%u", i > 0 ? "," : "", 1 + i * (n_messages / n));
  if (!ref_command (c, error, "UID STORE %s +FLAGS.SILENT (\\Flagged)", uids->str))
    return FALSE;
  ref_logout (c);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Courriel through courriel-cli                                                              */

static gboolean cli_has_json = TRUE; /* until `sync --json` is refused as bad usage */

static Run *
add_account (CourrielTestBench *bench, const char *data_dir, const char *user, const char *fingerprint)
{
  g_autofree char *incoming =
    g_strdup_printf ("imaps://127.0.0.1:%u", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS));
  g_autofree char *outgoing =
    g_strdup_printf ("smtps://127.0.0.1:%u", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSIONS));
  g_autofree char *password = g_strdup_printf ("%s\n", courriel_test_bench_get_password (bench, user));

  return run_cli (data_dir, password, "account", "add", "--email", user, "--incoming", incoming, "--outgoing",
                  outgoing, "--password-stdin", "--accept-certificate", fingerprint, NULL);
}

typedef struct
{
  Run    *run;
  double  bytes_received; /* from --json, or -1 */
  gint64  dovecot_sent;   /* from Dovecot's log, or -1 */
} Sync;

static void
sync_clear (Sync *sync)
{
  g_clear_pointer (&sync->run, run_free);
}

/* `sync ACCOUNT --json [--bodies]`; without --json if this courriel-cli does not have it yet. */
static void
run_sync (CourrielTestBench *bench, const char *data_dir, const char *user, gboolean bodies, Watch *watch,
          Sync *sync)
{
  gsize log_offset = server_log_size (bench, "dovecot.log");
  RunPoll poll = { watch_tick, watch };
  const char *with_json[] = { "sync", user, "--json", bodies ? "--bodies" : NULL, NULL };
  const char *without_json[] = { "sync", user, bodies ? "--bodies" : NULL, NULL };

  sync_clear (sync);
  if (cli_has_json)
    {
      sync->run = run_cli_argv (data_dir, NULL, with_json, watch != NULL ? &poll : NULL);
      if (sync->run->status == 2 && !bodies)
        {
          cli_has_json = FALSE;
          g_clear_pointer (&sync->run, run_free);
        }
    }
  if (sync->run == NULL)
    sync->run = run_cli_argv (data_dir, NULL, without_json, watch != NULL ? &poll : NULL);
  sync->bytes_received = run_ok (sync->run) ? json_sum (sync->run->out, "bytes_received") : -1;
  sync->dovecot_sent = run_ok (sync->run) ? dovecot_sent_since (bench, user, log_offset) : -1;
}

/* "12.3 s (CPU 10.2 s)" or the failure. */
static char *
describe_seconds (const Run *run)
{
  return run_ok (run) ? g_strdup_printf ("%.2f s (CPU %.1f s)", run->seconds, run->cpu_seconds)
                      : describe_failure (run);
}

/* What the sync read: "4.1 KB (--json); Dovecot sent 3.9 KB" */
static char *
describe_sync_bytes (const Sync *sync)
{
  g_autofree char *json = format_bytes (sync->bytes_received);
  g_autofree char *dovecot = format_bytes (sync->dovecot_sent);

  return g_strdup_printf ("bytes_received %s, Dovecot sent %s", sync->bytes_received >= 0 ? json : "n/a (no --json)",
                          dovecot);
}

/* The bytes to judge a target by: --json's, else Dovecot's. */
static double
sync_bytes (const Sync *sync)
{
  return sync->bytes_received >= 0 ? sync->bytes_received : sync->dovecot_sent;
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* mbsync pulling @user's INBOX into an empty Maildir under @dir; sets how many it wrote. mbsync
 * checks the certificate's DNS names only, never its IP address: it connects to localhost. */
static Run *
run_mbsync (CourrielTestBench *bench, const char *user, const char *dir, guint *downloaded)
{
  g_autofree char *config_path = g_build_filename (dir, "mbsyncrc", NULL);
  g_autofree char *maildir = g_build_filename (dir, "Maildir", NULL);
  g_autofree char *config = g_strdup_printf (
    "IMAPAccount bench\nHost localhost\nPort %u\nUser %s\nPass \"%s\"\nSSLType IMAPS\nCertificateFile %s\n\n"
    "IMAPStore far\nAccount bench\n\n"
    "MaildirStore near\nPath %s/\nInbox %s/INBOX\n\n"
    "Channel inbox\nFar :far:INBOX\nNear :near:INBOX\nSync Pull\nCreate Near\nExpunge None\nSyncState *\n",
    courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS), user,
    courriel_test_bench_get_password (bench, user), courriel_test_bench_get_ca_file (bench), maildir, maildir);
  const char *argv[] = { "mbsync", "-q", "-c", config_path, "inbox", NULL };
  Run *run;

  g_mkdir_with_parents (maildir, 0700);
  if (!g_file_set_contents (config_path, config, -1, NULL))
    g_warning ("could not write %s", config_path);
  run = run_program (argv, NULL, NULL);
  {
    g_autofree char *cur = g_build_filename (maildir, "INBOX", "cur", NULL);
    g_autofree char *new_dir = g_build_filename (maildir, "INBOX", "new", NULL);
    *downloaded = count_files (cur) + count_files (new_dir);
  }
  return run;
}

/* ------------------------------------------------------------------------------------------ */
/* Search in this process, as the application runs it                                         */

/* Runs @query on @store; returns the milliseconds it took, or -1; sets the number of results. */
static double
time_search (CourrielStore *store, const char *text, guint *n_results)
{
  g_autoptr (CourrielSearchQuery) query = courriel_search_query_parse (text);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) ids = NULL;
  gint64 start = g_get_monotonic_time ();

  courriel_search_query_run_async (query, store, 100, NULL, got_result, &result);
  ids = courriel_search_query_run_finish (store, wait_for (&result), NULL);
  *n_results = ids != NULL ? ids->len : 0;
  return ids != NULL ? (g_get_monotonic_time () - start) / 1000.0 : -1;
}

/* Words, names and phrases the generator writes in subjects and addresses (bench-mailbox.c). */
static const char *queries[] = {
  "réunion",         "reunion",           "facture",        "budget",      "\"ordre du jour\"",
  "\"tarte tatin\"", "from:Élodie",       "from:Müller",    "subject:invoice", "subject:digest",
  "migration",       "kickoff",           "chapitre 12",    "colis",       "weekend hike",
  "café",            "lefevre",           "to:alice",       "subject:release notes", "déménagement bureaux",
};

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

static void
describe_mailbox (GString *out, const char *user, const BenchMailboxStats *s, double seconds, const Floor *warm)
{
  g_string_append_printf (out,
                          "- %s INBOX: %u messages, %.2f GiB, %.1f–%.1f KB, mean %.1f KB (%u%% HTML, %u%% with an "
                          "attachment, %u%% replies, %u unread, %u flagged); written in %.1f s; Dovecot's first "
                          "SELECT %.1f s, first FETCH %.1f s (indexing and caching, not in the figures)\n",
                          user, s->messages, s->bytes / (double)(1 << 30), s->smallest / 1024.0, s->largest / 1024.0,
                          s->bytes / 1024.0 / MAX (s->messages, 1), 100 * s->html / MAX (s->messages, 1),
                          100 * s->attachments / MAX (s->messages, 1), 100 * s->replies / MAX (s->messages, 1),
                          s->unread, s->flagged, seconds, warm->select_seconds, warm->fetch_seconds);
}

/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  char              *work_dir;
  guint              n_big;
  guint              n_small;
  BenchMailboxStats  big;
  BenchMailboxStats  small;
  double             big_fill_seconds;
  double             small_fill_seconds;
  Floor              big_floor;
  Floor              small_floor;
  GString           *header;
  Table              table;
} Bench;

static char *
data_dir (Bench *b, const char *name)
{
  return g_build_filename (b->work_dir, name, NULL);
}

static void
seed (Bench *b)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  progress ("writing %u messages into %s's INBOX", b->n_big, BIG_USER);
  if (!bench_mailbox_fill (b->bench, BIG_USER, "INBOX", b->n_big, 20261122, &b->big, &error))
    g_error ("%s", error->message);
  b->big_fill_seconds = seconds_since (start);
  progress ("writing %u messages into %s's INBOX", b->n_small, SMALL_USER);
  start = g_get_monotonic_time ();
  if (!bench_mailbox_fill (b->bench, SMALL_USER, "INBOX", b->n_small, 4, &b->small, &error))
    g_error ("%s", error->message);
  b->small_fill_seconds = seconds_since (start);
}

static void
measure_floors (Bench *b)
{
  g_autoptr (GError) error = NULL;

  progress ("Dovecot indexes and caches %s's INBOX (first SELECT and FETCH)", BIG_USER);
  if (!warm_up (b->bench, BIG_USER, &b->big_floor, &error))
    g_error ("warm-up: %s", error->message);
  progress ("Dovecot indexes and caches %s's INBOX", SMALL_USER);
  if (!warm_up (b->bench, SMALL_USER, &b->small_floor, &error))
    g_error ("warm-up: %s", error->message);
  progress ("floor: one UID FETCH 1:* of the headers by a minimal client");
  if (!measure_floor (b->bench, BIG_USER, &b->big_floor, &error)
      || !measure_floor (b->bench, SMALL_USER, &b->small_floor, &error))
    g_error ("floor: %s", error->message);
}

/* a, b and g: the first sync of the 100,000 folder, the store watched as it fills. */
static void
initial_sync (Bench *b, const char *dir)
{
  g_autofree char *db_path = g_build_filename (dir, "courriel.db", NULL);
  g_autofree char *floor_bytes = format_bytes (b->big_floor.bytes);
  g_autofree char *bytes = NULL;
  g_autofree char *seconds = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *rss = NULL;
  Watch watch = { db_path, NULL, NULL, -1 };
  Sync sync = { 0 };
  const Run *run;
  gboolean ok;

  progress ("courriel-cli sync of %u messages (%s), the store polled every 10 ms", b->n_big, BIG_USER);
  run_sync (b->bench, dir, BIG_USER, FALSE, &watch, &sync);
  watch_clear (&watch);
  run = sync.run;
  ok = run_ok (run);
  seconds = describe_seconds (run);
  progress ("… %s", seconds);

  bytes = describe_sync_bytes (&sync);
  table_row (&b->table, "a. initial header sync, %u messages (%s INBOX) | %s; %s | floor %.2f s (minimal client: "
             "login, SELECT, one UID FETCH 1:*, %s) | ≤ 2× floor (%.2f s) | %s", b->n_big, BIG_USER, seconds, bytes,
             b->big_floor.seconds, floor_bytes, 2 * b->big_floor.seconds,
             yes_no (ok, run->seconds <= 2 * b->big_floor.seconds));

  if (!ok)
    listed = describe_failure (run);
  else if (watch.listed < 0)
    listed = g_strdup ("never seen (polled every 10 ms)");
  else
    listed = g_strdup_printf ("%.2f s from process start", watch.listed);
  table_row (&b->table, "b. newest %d of the %u listed in the store | %s | – | ≤ 1 s after login | %s", FIRST_LISTED,
             b->n_big, listed, yes_no (ok && watch.listed >= 0, watch.listed <= 1.0));

  rss = ok ? g_strdup_printf ("%.0f MB", run->maxrss_kib / 1024.0) : describe_failure (run);
  table_row (&b->table, "g. peak RSS of courriel-cli sync, %u messages | %s | – | ≤ 150 MB | %s", b->n_big, rss,
             yes_no (ok, run->maxrss_kib <= 150 * 1024));
  sync_clear (&sync);
}

/* c: resync with nothing changed, against the cost of starting courriel-cli at all. Returns the
 * bytes it read, or -1; sets @described to them. */
static double
resync_unchanged (Bench *b, const char *dir, char **described)
{
  double process_seconds[RESYNC_RUNS] = { 0 };
  double resync_seconds[RESYNC_RUNS] = { 0 };
  g_autofree char *measured = NULL;
  Sync sync = { 0 };
  gboolean ok = TRUE;
  double bytes;
  double seconds;

  progress ("resync with nothing changed, %d times, and `folders` as the baseline", RESYNC_RUNS);
  for (guint i = 0; ok && i < RESYNC_RUNS; i++)
    {
      g_autoptr (Run) folders = run_cli (dir, NULL, "folders", BIG_USER, NULL);

      process_seconds[i] = run_ok (folders) ? folders->seconds : -1;
      run_sync (b->bench, dir, BIG_USER, FALSE, NULL, &sync);
      ok = run_ok (sync.run);
      resync_seconds[i] = sync.run->seconds;
    }
  bytes = ok ? sync_bytes (&sync) : -1;
  seconds = median (resync_seconds, RESYNC_RUNS);
  *described = describe_sync_bytes (&sync);
  measured = ok ? g_strdup_printf ("%.0f ms (median of %d; CPU %.0f ms); %s", seconds * 1000, RESYNC_RUNS,
                                   sync.run->cpu_seconds * 1000, *described)
                : describe_failure (sync.run);
  table_row (&b->table, "c. resync, nothing changed, %u messages | %s | `courriel-cli folders` (process start, store, "
             "no network): %.0f ms; minimal SELECT (QRESYNC) session ~15 ms, 909 B | ≤ 50 ms, ≤ 4 KB | %s, %s",
             b->n_big, measured, median (process_seconds, RESYNC_RUNS) * 1000, yes_no (ok, seconds <= 0.050),
             yes_no (ok && bytes >= 0, bytes <= 4096));
  sync_clear (&sync);
  return bytes;
}

/* c, inside a running Courriel: the connection is open (as the account watch keeps it), so
 * what remains is the sync itself: the queue, LIST-STATUS, and only the folders that changed. */
static void
resync_in_process (Bench *b, const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  double seconds[RESYNC_RUNS] = { 0 };
  guint64 bytes = 0;
  gboolean ok = store != NULL;

  progress ("resync with nothing changed inside this process, over an open connection");
  connection = courriel_connection_new ("127.0.0.1", courriel_test_bench_get_port (b->bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS);
  courriel_connection_set_pinned_fingerprint (connection, b->fingerprint);
  client = courriel_imap_client_new (connection);
  if (ok)
    {
      g_autoptr (GAsyncResult) r1 = NULL;
      g_autoptr (GAsyncResult) r2 = NULL;
      courriel_imap_client_connect_async (client, NULL, got_result, &r1);
      ok = courriel_imap_client_connect_finish (client, wait_for (&r1), &error);
      if (ok)
        {
          courriel_imap_client_login_async (client, BIG_USER, courriel_test_bench_get_password (b->bench, BIG_USER),
                                            NULL, got_result, &r2);
          ok = courriel_imap_client_login_finish (client, wait_for (&r2), &error);
        }
    }
  /* The first sync of the session enables CONDSTORE; the next ones are what the app repeats. */
  for (int i = -1; ok && i < RESYNC_RUNS; i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GPtrArray) reports = NULL;
      guint64 before = courriel_connection_get_bytes_received (connection);
      gint64 start = g_get_monotonic_time ();

      courriel_imap_account_sync_async (client, store, 1, COURRIEL_IMAP_SYNC_HEADERS, 0, NULL, NULL, NULL, got_result,
                                        &result);
      reports = courriel_imap_account_sync_finish (wait_for (&result), &error);
      ok = reports != NULL;
      if (i >= 0)
        {
          seconds[i] = seconds_since (start);
          bytes = courriel_connection_get_bytes_received (connection) - before;
        }
    }
  if (!ok)
    {
      table_row (&b->table, "c′. the same inside a running Courriel (connection open) | failed: %s | – | ≤ 50 ms, "
                 "≤ 4 KB | no", error != NULL ? error->message : "?");
      return;
    }
  table_row (&b->table, "c′. the same inside a running Courriel (connection open, as its IDLE watch keeps it), "
             "%u messages | %.1f ms (median of %d); %" G_GUINT64_FORMAT " B received | minimal SELECT (QRESYNC) "
             "session ~15 ms, 909 B | ≤ 50 ms, ≤ 4 KB | %s, %s",
             b->n_big, median (seconds, RESYNC_RUNS) * 1000, RESYNC_RUNS, bytes,
             yes_no (TRUE, median (seconds, RESYNC_RUNS) <= 0.050), yes_no (TRUE, bytes <= 4096));
  courriel_store_close (store);
}

/* d: another device stars some messages; the resync should read about that much more. */
static void
resync_flags (Bench *b, const char *dir, double unchanged_bytes, const char *unchanged)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *measured = NULL;
  Sync sync = { 0 };
  double bytes;
  double per_change;
  gboolean known;
  gsize log_offset;

  progress ("another client stars %d messages; resync", FLAG_CHANGES);
  log_offset = server_log_size (b->bench, "dovecot.log");
  if (!change_flags_elsewhere (b->bench, BIG_USER, b->n_big, FLAG_CHANGES, &error))
    progress ("UID STORE: %s", error->message);
  /* Its session's end reaches Dovecot's log first: not counted in the resync's bytes. */
  dovecot_sent_since (b->bench, BIG_USER, log_offset);
  run_sync (b->bench, dir, BIG_USER, FALSE, NULL, &sync);
  bytes = run_ok (sync.run) ? sync_bytes (&sync) : -1;
  per_change = (bytes - MAX (unchanged_bytes, 0)) / FLAG_CHANGES;
  known = run_ok (sync.run) && bytes >= 0 && unchanged_bytes >= 0;
  if (run_ok (sync.run))
    {
      g_autofree char *described = describe_sync_bytes (&sync);
      measured = g_strdup_printf ("%.0f ms (CPU %.0f ms); %s (%.0f B a change more than c)",
                                  sync.run->seconds * 1000, sync.run->cpu_seconds * 1000, described, per_change);
    }
  else
    measured = describe_failure (sync.run);
  table_row (&b->table, "d. resync after another client starred %d of the %u | %s | c: %s | proportional to the "
             "change (≤ 256 B a change more than c) | %s", FLAG_CHANGES, b->n_big, measured, unchanged,
             yes_no (known, per_change <= 256));
  sync_clear (&sync);
}

/* a, on the 10,000 folder. */
static void
small_sync (Bench *b)
{
  g_autofree char *dir = data_dir (b, "bob-headers");
  g_autoptr (Run) added = add_account (b->bench, dir, SMALL_USER, b->fingerprint);
  g_autofree char *floor_bytes = format_bytes (b->small_floor.bytes);
  g_autofree char *bytes = NULL;
  g_autofree char *seconds = NULL;
  g_autofree char *resync = NULL;
  Sync sync = { 0 };
  double first_seconds;
  double rss_mb;
  gboolean ok;

  if (!run_ok (added))
    progress ("account add %s: %s", SMALL_USER, added->err);
  progress ("courriel-cli sync of %u messages (%s), then a resync", b->n_small, SMALL_USER);
  run_sync (b->bench, dir, SMALL_USER, FALSE, NULL, &sync);
  bytes = describe_sync_bytes (&sync);
  seconds = describe_seconds (sync.run);
  ok = run_ok (sync.run);
  first_seconds = sync.run->seconds;
  rss_mb = sync.run->maxrss_kib / 1024.0;
  /* How the resync of c scales with the folder's size. */
  run_sync (b->bench, dir, SMALL_USER, FALSE, NULL, &sync);
  resync = run_ok (sync.run) ? g_strdup_printf ("%.0f ms", sync.run->seconds * 1000) : describe_failure (sync.run);
  table_row (&b->table, "a. initial header sync, %u messages (%s INBOX) | %s; %s; peak RSS %.0f MB; then a resync with "
             "nothing changed: %s | floor %.2f s (%s) | ≤ 2× floor (%.2f s) | %s", b->n_small, SMALL_USER, seconds,
             bytes, rss_mb, resync, b->small_floor.seconds, floor_bytes, 2 * b->small_floor.seconds,
             yes_no (ok, first_seconds <= 2 * b->small_floor.seconds));
  sync_clear (&sync);
}

/* e: everything of the 10,000 folder for offline use, Courriel against mbsync. */
static void
offline_download (Bench *b)
{
  g_autofree char *dir = data_dir (b, "bob-bodies");
  g_autofree char *mbsync_dir = data_dir (b, "mbsync");
  g_autoptr (Run) added = add_account (b->bench, dir, SMALL_USER, b->fingerprint);
  g_autoptr (Run) mbsync = NULL;
  g_autofree char *measured = NULL;
  g_autofree char *reference = NULL;
  Sync sync = { 0 };
  guint downloaded = 0;

  if (!run_ok (added))
    progress ("account add %s: %s", SMALL_USER, added->err);
  progress ("courriel-cli sync --bodies of %u messages (%s), on an empty data folder", b->n_small, SMALL_USER);
  run_sync (b->bench, dir, SMALL_USER, TRUE, NULL, &sync);
  if (run_ok (sync.run))
    {
      double bodies = json_sum (sync.run->out, "bodies");
      g_autofree char *bytes = describe_sync_bytes (&sync);
      measured = g_strdup_printf ("%.2f s (CPU %.1f s), %.0f bodies, peak RSS %.0f MB; %s", sync.run->seconds,
                                  sync.run->cpu_seconds, bodies, sync.run->maxrss_kib / 1024.0, bytes);
    }
  else
    measured = describe_failure (sync.run);

  progress ("mbsync of the same folder");
  if (ensure_program ("mbsync", "isync"))
    {
      mbsync = run_mbsync (b->bench, SMALL_USER, mbsync_dir, &downloaded);
      reference = run_ok (mbsync) ? g_strdup_printf ("mbsync %.2f s (CPU %.1f s), %u messages, peak RSS %.0f MB "
                                                     "(~9.5 s, 14 MB in test-servers.md)", mbsync->seconds,
                                                     mbsync->cpu_seconds, downloaded, mbsync->maxrss_kib / 1024.0)
                                  : describe_failure (mbsync);
    }
  else
    reference = g_strdup ("n/a (mbsync missing and not installable; reference ~9.5 s)");
  table_row (&b->table, "e. full offline download (bodies), %u messages (%s INBOX) | %s | %s | faster than mbsync | %s",
             b->n_small, SMALL_USER, measured, reference,
             yes_no (run_ok (sync.run) && run_ok (mbsync), run_ok (mbsync) && sync.run->seconds < mbsync->seconds));
  sync_clear (&sync);
}

/* f: search on the 100,000 store, through courriel-cli and in this process. */
static void
search (Bench *b, const char *dir)
{
  g_autofree char *db_path = g_build_filename (dir, "courriel.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (Run) failed = NULL;
  double cli_ms[G_N_ELEMENTS (queries)];
  double in_process_ms[G_N_ELEMENTS (queries)];
  double in_process_max = 0;
  guint n_results = 0;
  g_autofree char *cli = NULL;
  g_autofree char *in_process = NULL;
  double in_process_median;

  progress ("search: %u queries through courriel-cli search --json", (guint)G_N_ELEMENTS (queries));
  for (guint i = 0; i < G_N_ELEMENTS (queries) && failed == NULL; i++)
    {
      g_autoptr (Run) run = run_cli (dir, NULL, "search", queries[i], "--json", NULL);

      cli_ms[i] = run->seconds * 1000;
      if (!run_ok (run))
        failed = g_steal_pointer (&run);
    }
  cli = failed == NULL ? g_strdup_printf ("median %.0f ms a query, whole process",
                                          median (cli_ms, G_N_ELEMENTS (queries)))
                       : describe_failure (failed);

  progress ("search: the same queries in this process, on the store courriel-cli wrote");
  store = courriel_store_open (db_path, &error);
  if (store != NULL)
    {
      guint n;

      time_search (store, "warm-up", &n); /* the first read opens the files: not timed */
      for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
        {
          in_process_ms[i] = time_search (store, queries[i], &n);
          in_process_max = MAX (in_process_max, in_process_ms[i]);
          n_results += n;
        }
      courriel_store_close (store);
      in_process_median = median (in_process_ms, G_N_ELEMENTS (queries));
      in_process = g_strdup_printf ("median %.1f ms, max %.1f ms (courriel_search_query_run_async, limit 100, %u "
                                    "results in all)", in_process_median, in_process_max, n_results);
    }
  else
    {
      in_process_median = -1;
      in_process = g_strdup_printf ("n/a (%s)", error->message);
    }
  table_row (&b->table, "f. search, %u queries (words, \"phrases\", from:, subject:), %u-message store | %s | "
             "courriel-cli search: %s | median ≤ 30 ms | %s", (guint)G_N_ELEMENTS (queries), b->n_big, in_process, cli,
             yes_no (store != NULL, in_process_median <= 30));
}

static void
measure_courriel (Bench *b)
{
  g_autofree char *dir = data_dir (b, "alice");
  g_autoptr (Run) added = add_account (b->bench, dir, BIG_USER, b->fingerprint);
  g_autofree char *unchanged = NULL;
  double unchanged_bytes;

  if (!run_ok (added))
    progress ("account add %s: %s", BIG_USER, added->err);
  else
    g_string_append_printf (b->header, "- courriel-cli account add (process, login, keyring): %.2f s\n",
                            added->seconds);
  initial_sync (b, dir);
  unchanged_bytes = resync_unchanged (b, dir, &unchanged);
  resync_in_process (b, dir);
  resync_flags (b, dir, unchanged_bytes, unchanged);
  small_sync (b);
  offline_download (b);
  search (b, dir);
}

int
main (int argc, char **argv)
{
  Bench b = {
    .n_big = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 100000,
    .n_small = argc > 2 ? (guint)g_ascii_strtoull (argv[2], NULL, 10) : 10000,
    .header = g_string_new (NULL),
    .table = { g_string_new (NULL) },
  };

  bench_begin ();
  if (!has_session_bus ("bench-sync"))
    return 0;
  if (b.n_big < FLAG_CHANGES || b.n_small == 0)
    {
      printf ("Usage: bench-sync [MESSAGES (100000, at least %d) [SMALL_MESSAGES (10000)]]\n", FLAG_CHANGES);
      return 0;
    }

  b.bench = start_bench (&b.fingerprint);
  b.work_dir = g_build_filename (courriel_test_bench_get_dir (b.bench), "bench-sync", NULL);

  seed (&b);
  measure_floors (&b);
  measure_courriel (&b);

  {
    g_autoptr (GString) lines = g_string_new (NULL);
    describe_mailbox (lines, BIG_USER, &b.big, b.big_fill_seconds, &b.big_floor);
    describe_mailbox (lines, SMALL_USER, &b.small, b.small_fill_seconds, &b.small_floor);
    g_string_append_printf (lines, "%s- times are wall clock of the whole courriel-cli process unless said otherwise; "
                            "bytes are what the IMAP connection read (sync --json) and what Dovecot logged as sent "
                            "(out=)\n", b.header->str);
    print_report ("Courriel sync benchmark (issue 4): courriel-cli against a minimal client and mbsync, loopback "
                  "Dovecot IMAPS", lines->str, &b.table, "reference / floor");
  }

  courriel_test_bench_stop (b.bench);
  g_object_unref (b.bench);
  g_free (b.fingerprint);
  g_free (b.work_dir);
  g_string_free (b.header, TRUE);
  g_string_free (b.table.rows, TRUE);
  return 0;
}
