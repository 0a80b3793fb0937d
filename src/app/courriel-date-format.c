/* courriel-date-format.c — a message's date as the list and the reader show it: relative and localised
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Today: the time; yesterday: "Yesterday"; the six days before: the weekday; earlier this year
 * (or a date in the future, a sender's clock being wrong): day and month; before that, the
 * locale's short date. Days are counted in @now's time zone. Translators choose the order of the
 * pieces; names, the short date and the clock (12 or 24 hours) come from LC_TIME.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-date-format.h"

#include <glib/gi18n.h>
#include <langinfo.h>

/* Whether LC_TIME's own time format (what %X writes) counts hours to 12: "%r", "%I … %p". */
static gboolean
locale_uses_12_hours (void)
{
  const char *format = nl_langinfo (T_FMT);

  return format != NULL
         && (strstr (format, "%r") != NULL || strstr (format, "%I") != NULL || strstr (format, "%l") != NULL
             || strstr (format, "%p") != NULL || strstr (format, "%P") != NULL);
}

/**
 * courriel_date_format_time:
 * @date: a moment
 *
 * Returns: @date's time of day in hours and minutes, on LC_TIME's clock: "14:05" in French,
 *   "2:05 PM" in American English.
 */
char *
courriel_date_format_time (GDateTime *date)
{
  g_return_val_if_fail (date != NULL, NULL);

  return g_date_time_format (date, locale_uses_12_hours () ? "%-l:%M %p" : "%H:%M");
}

/**
 * courriel_date_format_full:
 * @unix_time: the message's date
 * @zone: the time zone to show it in
 *
 * Returns: the reader's date: "mardi 3 novembre 2026, 14:05", "Tuesday, November 3, 2026, 2:05 PM".
 */
char *
courriel_date_format_full (gint64 unix_time, GTimeZone *zone)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *time = NULL;
  g_autofree char *escaped_time = NULL;
  g_autofree char *format = NULL;
  g_auto (GStrv) pieces = NULL;

  g_return_val_if_fail (zone != NULL, NULL);

  if (utc == NULL)
    return g_strdup ("");
  date = g_date_time_to_timezone (utc, zone);
  /* %X would add the seconds: the time of day goes in as the list writes it. */
  time = courriel_date_format_time (date);
  pieces = g_strsplit (time, "%", -1);
  escaped_time = g_strjoinv ("%%", pieces);
  g_strfreev (g_steal_pointer (&pieces));
  /* Translators: a message's full date, see g_date_time_format(): "Tuesday, December 1, 2026, 22:18" */
  pieces = g_strsplit (_("%A, %B %-d, %Y, %X"), "%X", -1);
  format = g_strjoinv (escaped_time, pieces);
  return g_date_time_format (date, format);
}

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
    return courriel_date_format_time (date);
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

/**
 * courriel_format_count:
 * @count: a number of messages
 *
 * Returns: @count with LC_NUMERIC's digit grouping: "1 200" in French, "1,200" in English.
 */
char *
courriel_format_count (gint64 count)
{
  return g_strdup_printf ("%'lld", (long long)count);
}
