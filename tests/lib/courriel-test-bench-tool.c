/* courriel-test-bench-tool.c — `courriel-test-bench`: the real-server bench from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   courriel-test-bench [--demo-mailbox=N] [-- COMMAND [ARGUMENTS…]]
 *
 * Starts Dovecot and Postfix as the tests do, prints how to reach them, optionally fills
 * alice's mailbox with N demo messages, then runs COMMAND with the COURRIEL_BENCH_* variables
 * set (or, without a command, waits). Everything stops on Ctrl+C, on SIGTERM, or when
 * COMMAND exits; the exit status is COMMAND's.
 */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "courriel-demo-mailbox.h"
#include "courriel-test-bench.h"

typedef struct
{
  GMainLoop *loop;
  int        status;
} Run;

static gboolean
on_signal (gpointer user_data)
{
  Run *run = user_data;

  /* Ctrl+C often arrives twice: from the terminal, and passed on by build-aux/demo. */
  if (run->status != 130)
    g_printerr ("courriel-test-bench: stopping the servers...\n");
  run->status = 130;
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_command_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  GSubprocess *proc = G_SUBPROCESS (source);

  if (g_subprocess_wait_finish (proc, result, NULL))
    run->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : 1;
  g_main_loop_quit (run->loop);
}

static void
print_summary (CourrielTestBench *bench)
{
  const char * const *users = courriel_test_bench_get_users (bench);

  printf ("Mail servers on %s, certificate %s\n", courriel_test_bench_get_host (bench),
          courriel_test_bench_get_ca_file (bench));
  for (guint i = 0; i < COURRIEL_TEST_BENCH_N_SERVICES; i++)
    printf ("  %-12s %u\n", courriel_test_bench_service_name (i), courriel_test_bench_get_port (bench, i));
  printf ("Users:\n");
  for (guint i = 0; users[i] != NULL; i++)
    printf ("  %-20s password %s\n", users[i], courriel_test_bench_get_password (bench, users[i]));
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("[-- COMMAND [ARGUMENTS...]]");
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = NULL;
  g_autoptr (GSubprocess) command = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  int demo_messages = 0;
  Run run = { loop, 0 };
  GOptionEntry entries[] = {
    { "demo-mailbox", 0, 0, G_OPTION_ARG_INT, &demo_messages,
      "Fill alice@example.test's mailbox with N varied messages", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Runs real Dovecot and Postfix servers on loopback, as the tests do.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("courriel-test-bench: %s\n", error->message);
      return 2;
    }

  bench = courriel_test_bench_new (&error);
  if (bench == NULL)
    {
      g_printerr ("courriel-test-bench: %s\n", error->message);
      return 1;
    }
  print_summary (bench);

  if (demo_messages > 0)
    {
      CourrielDemoMailboxStats stats;

      if (!courriel_demo_mailbox_fill (bench, "alice@example.test", demo_messages, &stats, &error))
        {
          g_printerr ("courriel-test-bench: could not write the demo mailbox: %s\n", error->message);
          return 1;
        }
      printf ("Demo mailbox of alice@example.test: %u messages (%u in INBOX, %u unread, %u starred; %u in Sent)\n",
              stats.total, stats.inbox, stats.unread, stats.flagged, stats.sent);
      fflush (stdout);
    }

  g_unix_signal_add (SIGINT, on_signal, &run);
  g_unix_signal_add (SIGTERM, on_signal, &run);
  g_unix_signal_add (SIGHUP, on_signal, &run);

  if (argc > 1)
    {
      g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_auto (GStrv) envp = courriel_test_bench_get_environ (bench, g_get_environ ());
      int first = g_str_equal (argv[1], "--") ? 2 : 1;

      g_subprocess_launcher_set_environ (launcher, envp);
      command = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv + first, &error);
      if (command == NULL)
        {
          g_printerr ("courriel-test-bench: %s\n", error->message);
          return 1;
        }
      g_subprocess_wait_async (command, NULL, on_command_exited, &run);
    }
  else
    printf ("Press Ctrl+C to stop.\n");

  g_main_loop_run (loop);

  if (command != NULL && g_subprocess_get_identifier (command) != NULL)
    g_subprocess_send_signal (command, SIGTERM);
  courriel_test_bench_stop (bench);
  return run.status;
}
