/* courriel-test-util.c — small helpers the UI and process tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-test-util.h"

#include <glib/gstdio.h>

void
courriel_test_got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

GAsyncResult *
courriel_test_wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

void
courriel_test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      courriel_test_remove_tree (child);
    }
  g_remove (path);
}
