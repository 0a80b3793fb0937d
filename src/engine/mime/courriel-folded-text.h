/* courriel-folded-text.h — text compared as people read it: without case or accents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *courriel_folded_text_new         (const char *text);
gboolean  courriel_folded_text_has_word_at (const char *folded,
                                            const char *prefix);

G_END_DECLS
