/* test-cli.c — `courriel-cli` as scripts see it: its data folder, its exit statuses, its help
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
run (Result *r, const char *data_dir_env, const char * const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  if (data_dir_env != NULL)
    g_subprocess_launcher_setenv (launcher, "COURRIEL_DATA_DIR", data_dir_env, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "COURRIEL_DATA_DIR");
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  /* GLib's isolated test folders are not in the environment children inherit: pass them on. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);

  g_ptr_array_add (argv, (char *)COURRIEL_CLI);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &r->out, &r->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  r->status = g_subprocess_get_exit_status (proc);
}

static void
test_data_dir_default (void)
{
  g_auto (Result) r = { 0 };
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "courriel", NULL);
  const char *args[] = { "data-dir", NULL };

  /* g_test_init (G_TEST_OPTION_ISOLATE_DIRS) gave this test its own XDG folders. */
  run (&r, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (g_strchomp (r.out), ==, expected);
}

static void
test_data_dir_option_and_environment (void)
{
  /* Inside the test's own isolated folders, removed when it ends. */
  g_autofree char *base = g_build_filename (g_get_user_cache_dir (), "cli", NULL);
  g_autofree char *from_env = g_build_filename (base, "from-env", NULL);
  g_autofree char *from_option = g_build_filename (base, "from-option", "nested", NULL);
  g_autofree char *option = g_strdup_printf ("--data-dir=%s", from_option);

  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "data-dir", NULL };
    run (&r, from_env, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (g_strchomp (r.out), ==, from_env);
  }
  {
    /* The option wins over the environment, and the folder is created for the database. */
    g_auto (Result) r = { 0 };
    const char *args[] = { option, "data-dir", NULL };
    run (&r, from_env, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (g_strchomp (r.out), ==, from_option);
    g_assert_true (g_file_test (from_option, G_FILE_TEST_IS_DIR));
  }
  {
    /* A folder that cannot be created is a clear error, not a crash later. */
    g_auto (Result) r = { 0 };
    g_autofree char *file = g_build_filename (base, "a-file", NULL);
    g_autofree char *below_file = g_strdup_printf ("--data-dir=%s/inside", file);
    const char *args[] = { below_file, "data-dir", NULL };

    g_mkdir_with_parents (base, 0700);
    g_file_set_contents (file, "", 0, NULL);
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "data folder"));
    g_assert_cmpstr (r.out, ==, "");
  }
}

static void
test_usage_errors (void)
{
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "frobnicate", NULL };
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 2);
    g_assert_nonnull (strstr (r.err, "unknown command “frobnicate”"));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "--no-such-option", NULL };
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    /* No command: the help, and a status that tells a script nothing was done. */
    g_auto (Result) r = { 0 };
    const char *args[] = { NULL };
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 2);
    g_assert_nonnull (strstr (r.out, "data-dir"));
  }
}

static void
test_help_and_version (void)
{
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "help", NULL };
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "Usage: courriel-cli"));
    g_assert_nonnull (strstr (r.out, "version"));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "version", NULL };
    run (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_str_has_prefix (r.out, "courriel " PACKAGE_VERSION "\n"));
    g_assert_nonnull (strstr (r.out, "GMime 3."));
    g_assert_nonnull (strstr (r.out, "SQLite 3."));
  }
  {
    /* --json anywhere on the line; what it prints is JSON a script can parse. */
    g_auto (Result) version = { 0 };
    g_auto (Result) data_dir = { 0 };
    g_auto (Result) help = { 0 };
    const char *version_args[] = { "--json", "version", NULL };
    const char *data_dir_args[] = { "data-dir", "--json", NULL };
    const char *help_args[] = { "help", "--json", NULL };
    g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "courriel", NULL);
    g_autofree char *expected = g_strdup_printf ("{\"data_dir\": \"%s\"}\n", dir);
    run (&version, NULL, version_args);
    g_assert_true (g_str_has_prefix (version.out, "{\"name\": \"courriel\", \"version\": \"" PACKAGE_VERSION "\""));
    run (&data_dir, NULL, data_dir_args);
    g_assert_cmpstr (data_dir.out, ==, expected);
    run (&help, NULL, help_args);
    g_assert_nonnull (strstr (help.out, "{\"name\": \"search\", \"summary\": "));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/data-dir/default", test_data_dir_default);
  g_test_add_func ("/cli/data-dir/option-and-environment", test_data_dir_option_and_environment);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/help-and-version", test_help_and_version);

  return g_test_run ();
}
