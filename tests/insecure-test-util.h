/* insecure-test-util.h — what the tests of servers without encryption share: the confirmation
 * dialog, the bench's logs, an async result awaited
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-insecure-dialog.h"
#include "courriel-test-bench.h"

/* The confirmation showing, if any. */
static inline CourrielInsecureDialog *
insecure_test_find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      if (COURRIEL_IS_INSECURE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return COURRIEL_INSECURE_DIALOG (window);
    }
  return NULL;
}

/* The bench's log @name (dovecot.log, postfix.log) as it is now; "" when not written yet. */
static inline char *
insecure_test_read_log (CourrielTestBench *bench, const char *name)
{
  g_autofree char *path = g_build_filename (courriel_test_bench_get_dir (bench), "log", name, NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents != NULL ? contents : g_strdup ("");
}

/* Runs the main loop until test_got_result() filled @slot. */
static inline GAsyncResult *
insecure_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}
