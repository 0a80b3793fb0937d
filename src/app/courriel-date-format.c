/* courriel-date-format.c — a message's date as the list shows it: relative and localised
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Today: the time; yesterday: "Yesterday"; the six days before: the weekday; earlier this year
 * (or a date in the future, a sender's clock being wrong): day and month; before that, the
 * locale's short date. Days are counted in @now's time zone. Translators choose the formats.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-date-format.h"

#include <glib/gi18n.h>

/**
 * courriel_date_format_relative:
 * @unix_time: the message's date; 0 or less for a message without one
 * @now: the present, in the time zone days are counted in
 *
 * Returns: the text for the list's date column ("" for no date).
 */
char *
courriel_date_format_relative (gint64 unix_time, GDateTime *now)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) date = NULL;
  GDate then_day, today;
  int year, month, day;
  gint days;

  g_return_val_if_fail (now != NULL, NULL);

  if (unix_time <= 0 || (utc = g_date_time_new_from_unix_utc (unix_time)) == NULL)
    return g_strdup ("");
  date = g_date_time_to_timezone (utc, g_date_time_get_timezone (now));
  g_date_time_get_ymd (date, &year, &month, &day);
  g_date_clear (&then_day, 1);
  g_date_set_dmy (&then_day, day, month, year);
  g_date_time_get_ymd (now, &year, &month, &day);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, day, month, year);
  days = g_date_days_between (&then_day, &today);

  if (days == 0)
    /* Translators: a message's time of day in the message list (g_date_time_format) */
    return g_date_time_format (date, C_("message list", "%H:%M"));
  if (days == 1)
    return g_strdup (C_("message list", "Yesterday"));
  if (days > 1 && days < 7)
    return g_date_time_format (date, "%A");
  if (g_date_get_year (&then_day) == g_date_get_year (&today))
    /* Translators: a date of this year in the message list (g_date_time_format): "Mar 5" */
    return g_date_time_format (date, C_("message list", "%b %-d"));
  /* Translators: a date of another year in the message list (g_date_time_format) */
  return g_date_time_format (date, C_("message list", "%x"));
}
