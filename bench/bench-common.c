/* bench-common.c — what the benchmarks share: child processes measured, tables, the machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bench-common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "courriel-certificate.h"

gint64 bench_start;
static char *load_at_start;

/* Called first: the clock of the progress lines starts, the load average is noted. */
void
bench_begin (void)
{
  bench_start = g_get_monotonic_time ();
  load_at_start = load_average ();
}

double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
}

void
progress (const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "[%7.1f s] %s\n", seconds_since (bench_start), text);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  return (x > y) - (x < y);
}

double
median (double *values, guint n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n == 0 ? -1 : n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

char *
format_bytes (double bytes)
{
  if (bytes < 0)
    return g_strdup ("n/a");
  if (bytes < 10 * 1024)
    return g_strdup_printf ("%.0f B", bytes);
  if (bytes < 10 * 1024 * 1024)
    return g_strdup_printf ("%.1f KB", bytes / 1024);
  return g_strdup_printf ("%.1f MB", bytes / (1024 * 1024));
}

const char *
yes_no (gboolean known, gboolean met)
{
  return !known ? "n/a" : met ? "yes" : "no";
}

/* The sum of the numbers after every "key": in a JSON text, or -1 if there is none. */
double
json_sum (const char *json, const char *key)
{
  g_autofree char *pattern = g_strdup_printf ("\"%s\"\\s*:\\s*([0-9.eE+-]+)", key);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  double sum = -1;

  for (g_regex_match (regex, json != NULL ? json : "", 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *number = g_match_info_fetch (match, 1);
      sum = MAX (sum, 0) + g_ascii_strtod (number, NULL);
    }
  return sum;
}

/* ------------------------------------------------------------------------------------------ */
/* Child processes, with their peak memory                                                    */

void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

static char *
read_and_remove (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  g_unlink (path);
  return text;
}

/* Waits for the child, calling @poll every 10 ms if there is one. */
static void
wait_for_child (Run *run, GPid pid, gint64 start, const RunPoll *poll)
{
  struct rusage usage = { 0 };
  int wstatus = 0;

  for (;;)
    {
      pid_t done = wait4 (pid, &wstatus, poll != NULL ? WNOHANG : 0, &usage);

      if (done == pid)
        break;
      if (done < 0 && errno != EINTR)
        return;
      if (poll != NULL)
        {
          poll->tick (poll->data, seconds_since (start));
          g_usleep (10000);
        }
    }
  run->seconds = seconds_since (start);
  run->maxrss_kib = usage.ru_maxrss;
  run->cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
                     + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / (double)G_USEC_PER_SEC;
  run->status = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : -1;
}

/* Runs @argv (searched in PATH), @input on its standard input, and waits for it. */
Run *
run_program (const char * const *argv, const char *input, const RunPoll *poll)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *err_path = NULL;
  int out_fd = g_file_open_tmp ("bench-out-XXXXXX", &out_path, NULL);
  int err_fd = g_file_open_tmp ("bench-err-XXXXXX", &err_path, NULL);
  int in_fd = -1;
  Run *run = g_new0 (Run, 1);
  gint64 start = g_get_monotonic_time ();
  GPid pid;

  run->status = -1;
  if (g_spawn_async_with_pipes_and_fds (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
                                        -1, out_fd, err_fd, NULL, NULL, 0, &pid, input != NULL ? &in_fd : NULL, NULL,
                                        NULL, &error))
    {
      if (input != NULL)
        {
          if (write (in_fd, input, strlen (input)) < 0)
            g_warning ("could not write to %s: %s", argv[0], g_strerror (errno));
          close (in_fd);
        }
      wait_for_child (run, pid, start, poll);
    }
  close (out_fd);
  close (err_fd);
  run->out = read_and_remove (out_path);
  run->err = error != NULL ? g_strdup (error->message) : read_and_remove (err_path);
  if (error != NULL)
    g_unlink (err_path);
  return run;
}

/* courriel-cli --data-dir @data_dir @args… */
Run *
run_cli_argv (const char *data_dir, const char *input, const char * const *args, const RunPoll *poll)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, COURRIEL_CLI);
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, (gpointer)data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  return run_program ((const char * const *)argv->pdata, input, poll);
}

Run *
run_cli (const char *data_dir, const char *input, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list list;

  va_start (list, input);
  while ((arg = va_arg (list, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer)arg);
  va_end (list);
  g_ptr_array_add (args, NULL);
  return run_cli_argv (data_dir, input, (const char * const *)args->pdata, NULL);
}

gboolean
run_ok (const Run *run)
{
  return run != NULL && run->status == 0;
}

/* "n/a (exit N: the first line of stderr)", safe in a Markdown table. */
char *
describe_failure (const Run *run)
{
  g_auto (GStrv) lines = g_strsplit (run->err != NULL ? run->err : "", "\n", -1);
  const char *first = "";
  g_autofree char *shown = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      {
        first = lines[i];
        break;
      }
  shown = g_utf8_substring (first, 0, MIN (g_utf8_strlen (first, -1), 90));
  g_strdelimit (shown, "|", '/');
  return g_strdup_printf ("n/a (exit %d: %s)", run->status, shown);
}

/* @program in PATH, installed from @package with apt-get if it is missing and we are root. */
gboolean
ensure_program (const char *program, const char *package)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path == NULL && geteuid () == 0)
    {
      const char *argv[] = { "apt-get", "install", "-y", "-q", package, NULL };
      g_autoptr (Run) run = NULL;

      progress ("%s is missing: apt-get install -y %s", program, package);
      g_setenv ("DEBIAN_FRONTEND", "noninteractive", TRUE);
      run = run_program (argv, NULL, NULL);
      path = g_find_program_in_path (program);
    }
  return path != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* In-process calls                                                                           */

void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* ------------------------------------------------------------------------------------------ */
/* What the servers say, from their logs                                                     */

static char *
server_log_path (CourrielTestBench *bench, const char *log)
{
  return g_build_filename (courriel_test_bench_get_dir (bench), "log", log, NULL);
}

gsize
server_log_size (CourrielTestBench *bench, const char *log)
{
  g_autofree char *path = server_log_path (bench, log);
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gsize)st.st_size : 0;
}

gint64
server_log_sum_since (CourrielTestBench *bench, const char *log, const char *pattern, gsize offset, guint expected,
                      guint *count)
{
  g_autofree char *path = server_log_path (bench, log);
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  gint64 sum = -1;
  guint n = 0;

  for (guint attempt = 0; attempt < 100 && n < MAX (expected, 1); attempt++)
    {
      g_autofree char *text = NULL;
      gsize length = 0;
      g_autoptr (GMatchInfo) match = NULL;

      if (attempt > 0)
        g_usleep (20000);
      if (!g_file_get_contents (path, &text, &length, NULL) || length <= offset)
        continue;
      sum = -1;
      n = 0;
      for (g_regex_match (regex, text + offset, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          g_autofree char *number = g_match_info_fetch (match, 1);
          sum = MAX (sum, 0) + g_ascii_strtoll (number, NULL, 10);
          n++;
        }
    }
  if (count != NULL)
    *count = n;
  return sum;
}

/* ------------------------------------------------------------------------------------------ */
/* The table and the machine                                                                  */

/* One row: cells separated by " | " in @format. */
void
table_row (Table *table, const char *format, ...)
{
  va_list args;

  g_string_append (table->rows, "| ");
  va_start (args, format);
  g_string_append_vprintf (table->rows, format, args);
  va_end (args);
  g_string_append (table->rows, " |\n");
}

gboolean
has_session_bus (const char *program)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return TRUE;
  printf ("%s: courriel-cli keeps passwords in the Secret Service: run it under build-aux/test-session, e.g. "
          "build-aux/test-session build/bench/%s. Nothing measured.\n", program, program);
  return FALSE;
}

CourrielTestBench *
start_bench (char **fingerprint)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  CourrielTestBench *bench = courriel_test_bench_new (&error);

  if (bench == NULL)
    g_error ("%s", error->message);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  if (certificate == NULL)
    g_error ("%s", error->message);
  *fingerprint = courriel_certificate_get_fingerprint (certificate);
  return bench;
}

void
print_report (const char *title, const char *lines, const Table *table, const char *reference)
{
  g_autofree char *machine = describe_machine ();
  g_autofree char *load_at_end = load_average ();

  printf ("%s\n\n- machine: %s; load average %s at the start, %s at the end\n%s\n", title, machine, load_at_start,
          load_at_end, lines);
  printf ("| step | Courriel | %s | target | met? |\n|---|---|---|---|---|\n%s", reference, table->rows->str);
  fflush (stdout);
  fprintf (stderr, "[%7.1f s] done\n", seconds_since (bench_start));
}

/* The first figure of /proc/loadavg: other work on the machine makes the figures noisy. */
char *
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  return g_strndup (text, strcspn (text, " "));
}

char *
describe_machine (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *model = NULL;
  const char *line;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL) && (line = strstr (cpuinfo, "model name")) != NULL)
    {
      const char *colon = strchr (line, ':');
      model = g_strndup (colon + 2, strcspn (colon + 2, "\n"));
    }
  return g_strdup_printf ("%u CPUs (nproc), %s, %.1f GiB RAM", g_get_num_processors (),
                          model != NULL ? model : "unknown model",
                          sysconf (_SC_PHYS_PAGES) * (double)sysconf (_SC_PAGESIZE) / (1 << 30));
}
