/* fuzz-regression.c — runs the fuzz target over the seed corpus and every input that once
 * crashed or hurt it (tests/fuzz/regressions), with any compiler, as part of the test suite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
run_directory (gconstpointer user_data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, user_data, NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_str_has_prefix (name, "."))
        continue;
      g_assert_true (g_file_get_contents (file, &contents, &length, NULL));
      LLVMFuzzerTestOneInput ((const guint8 *)contents, length);
      count++;
    }
  g_test_message ("%u inputs from %s", count, (const char *)user_data);
  g_assert_cmpuint (count, >, 0);
}

/* Each target's folders: "corpus" and "regressions" for the IMAP parser, FUZZ_FOLDER_PREFIX
 * before them for the others ("auth-results-corpus"). */
#ifndef FUZZ_FOLDER_PREFIX
#define FUZZ_FOLDER_PREFIX ""
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/fuzz/corpus", FUZZ_FOLDER_PREFIX "corpus", run_directory);
  g_test_add_data_func ("/fuzz/regressions", FUZZ_FOLDER_PREFIX "regressions", run_directory);
  return g_test_run ();
}
