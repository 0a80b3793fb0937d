/* courriel-attachment-hint.h — does a message's text speak of an attachment?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean courriel_attachment_hint_mentioned (const char *text);

G_END_DECLS
