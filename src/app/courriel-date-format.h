/* courriel-date-format.h — a message's date as the list shows it: relative and localised
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *courriel_date_format_relative (gint64     unix_time,
                                     GDateTime *now);

G_END_DECLS
