/* courriel-date-format.h — a message's date as the list and the reader show it, and counts: localised
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *courriel_date_format_relative (gint64     unix_time,
                                     GDateTime *now);
char *courriel_date_format_time     (GDateTime *date);
char *courriel_date_format_full     (gint64     unix_time,
                                     GTimeZone *zone);
char *courriel_format_count         (gint64     count);

G_END_DECLS
