/* courriel-domain.h — a host's registrable ("organisational") domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *courriel_domain_registrable (const char *name);

G_END_DECLS
