/* courriel-test-util.h — small helpers the UI and process tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GAsyncReadyCallback that keeps a reference to the result in *(GAsyncResult **)user_data. */
void          courriel_test_got_result  (GObject       *source,
                                         GAsyncResult  *result,
                                         gpointer       user_data);
/* Iterates the default main context until *result is set by courriel_test_got_result(); returns it. */
GAsyncResult *courriel_test_wait_for    (GAsyncResult **result);
/* Removes @path and, if it is a folder, everything in it. */
void          courriel_test_remove_tree (const char    *path);

G_END_DECLS
