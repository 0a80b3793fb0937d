/* autoconfig-test-util.h — what the tests of src/engine/autoconfig share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only: each test program is one file plus this.
 */
#pragma once

#include <gio/gio.h>

/* The real ISP database's files, in ../shared/ispdb/ (COURRIEL_SHARED_DIR). They are never copied into
 * the repository: in a clone without them, this skips the test, saying why, and returns NULL. */
static G_GNUC_UNUSED char *
autoconfig_test_ispdb_dir (void)
{
  const char *shared = g_getenv ("COURRIEL_SHARED_DIR");
  g_autofree char *dir = g_build_filename (shared != NULL ? shared : "../shared", "ispdb", NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *why = g_strdup_printf ("%s is absent (a clone without the ISP database)", dir);
      g_test_skip (why);
      return NULL;
    }
  return g_steal_pointer (&dir);
}
