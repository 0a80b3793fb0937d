/* courriel-engine.h — start-up and process-wide settings of the Courriel engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where tests, benchmarks and `build-aux/demo` point Courriel at a private data directory. */
#define COURRIEL_DATA_DIR_ENV "COURRIEL_DATA_DIR"

void        courriel_engine_init             (void);

const char *courriel_engine_get_data_dir     (void);
gboolean    courriel_engine_set_data_dir     (const char  *path,
                                              GError     **error);
gboolean    courriel_engine_has_private_data_dir (void);

char       *courriel_engine_describe_versions (void);
char       *courriel_engine_dup_database_path (void);

G_END_DECLS
