/* courriel-static-resolver.h — a GResolver answering from a written table, for tests and harnesses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_STATIC_RESOLVER (courriel_static_resolver_get_type ())
G_DECLARE_FINAL_TYPE (CourrielStaticResolver, courriel_static_resolver, COURRIEL, STATIC_RESOLVER, GResolver)

CourrielStaticResolver *courriel_static_resolver_new_from_data (const char  *table,
                                                                GError     **error);
CourrielStaticResolver *courriel_static_resolver_new_from_file (const char  *path,
                                                                GError     **error);
/* Every name asked so far, in order (one entry per question). */
GPtrArray              *courriel_static_resolver_get_asked     (CourrielStaticResolver *self);

G_END_DECLS
