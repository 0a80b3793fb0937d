/* bench-common.h — what the benchmarks share: child processes measured, tables, the machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-test-bench.h"

G_BEGIN_DECLS

extern gint64 bench_start; /* set by bench_begin(): progress lines count from it */

void        bench_begin      (void);

double      seconds_since    (gint64       start);
void        progress         (const char  *format,
                              ...) G_GNUC_PRINTF (1, 2);
double      median           (double      *values,
                              guint        n);
char       *format_bytes     (double       bytes);
const char *yes_no           (gboolean     known,
                              gboolean     met);
double      json_sum         (const char  *json,
                              const char  *key);

/* A child process, measured: wall clock from spawn to reaping, CPU and peak RSS from wait4. */
typedef struct
{
  int     status;      /* exit status; -1 if it could not start or died of a signal */
  double  seconds;
  glong   maxrss_kib;
  double  cpu_seconds; /* user and system */
  char   *out;
  char   *err;
} Run;

/* Called about every 10 ms while a child runs, with the seconds since it started. */
typedef struct
{
  void     (*tick) (gpointer data,
                    double   elapsed);
  gpointer   data;
} RunPoll;

void      run_free           (Run                *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

Run      *run_program        (const char * const *argv,
                              const char         *input,
                              const RunPoll      *poll);
Run      *run_cli_argv       (const char         *data_dir,
                              const char         *input,
                              const char * const *args,
                              const RunPoll      *poll);
Run      *run_cli            (const char         *data_dir,
                              const char         *input,
                              ...) G_GNUC_NULL_TERMINATED;
gboolean  run_ok             (const Run          *run);
char     *describe_failure   (const Run          *run);
gboolean  ensure_program     (const char         *program,
                              const char         *package);

/* In-process asynchronous calls, waited for on the default main context. */
void          got_result     (GObject            *source,
                              GAsyncResult       *result,
                              gpointer            user_data);
GAsyncResult *wait_for       (GAsyncResult      **slot);

/* A Markdown table, built a row at a time. */
typedef struct
{
  GString *rows;
} Table;

void      table_row          (Table              *table,
                              const char         *format,
                              ...) G_GNUC_PRINTF (2, 3);

/* What the bench's servers logged in @log ("dovecot.log", "postfix.log"): its size now, and
 * the sum of the first group of @pattern over the lines written after @offset, or -1; waits a
 * little for at least @expected matching lines (servers log a moment after the client has gone)
 * and sets @count to how many there were. */
gsize     server_log_size    (CourrielTestBench  *bench,
                              const char         *log);
gint64    server_log_sum_since (CourrielTestBench *bench,
                                const char        *log,
                                const char        *pattern,
                                gsize              offset,
                                guint              expected,
                                guint             *count);

/* FALSE, after saying so, when there is no D-Bus session for courriel-cli's Secret Service. */
gboolean  has_session_bus    (const char         *program);
/* The bench's servers started (or the program stopped); sets the SHA-256 of their certificate. */
CourrielTestBench *start_bench (char            **fingerprint);
/* The report: @title, the machine and its load, @lines (Markdown list items), then the table
 * with @reference as the heading of its third column; stdout flushed, as the servers' stop
 * takes a while. */
void      print_report       (const char         *title,
                              const char         *lines,
                              const Table        *table,
                              const char         *reference);

char     *load_average       (void);
char     *describe_machine   (void);

G_END_DECLS
