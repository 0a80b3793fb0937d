/* courriel-task.h — what every async step of the engine does with a failure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* With @error set: @task returns it and the step's reference to @task is dropped (TRUE); the
 * caller stops there. Without: FALSE, and the step goes on. */
static inline gboolean
courriel_task_fail_if (GTask *task, GError *error)
{
  if (error == NULL)
    return FALSE;
  g_task_return_error (task, error);
  g_object_unref (task);
  return TRUE;
}

G_END_DECLS
