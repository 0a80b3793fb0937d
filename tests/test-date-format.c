/* test-date-format.c — the message list's dates: time today, "Yesterday", weekday, short date
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "courriel-date-format.h"

static gint64
at (GTimeZone *zone, int year, int month, int day, int hour, int minute)
{
  g_autoptr (GDateTime) date = g_date_time_new (zone, year, month, day, hour, minute, 0);
  return g_date_time_to_unix (date);
}

static void
test_relative (void)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  /* Wednesday 11 March 2026, 15:00 */
  g_autoptr (GDateTime) now = g_date_time_new (utc, 2026, 3, 11, 15, 0, 0);
  struct
  {
    gint64      date;
    const char *text;
  } cases[] = {
    { at (utc, 2026, 3, 11, 9, 5), "09:05" },
    { at (utc, 2026, 3, 11, 0, 0), "00:00" },
    { at (utc, 2026, 3, 10, 23, 59), "Yesterday" },
    { at (utc, 2026, 3, 9, 12, 0), "Monday" },
    { at (utc, 2026, 3, 5, 12, 0), "Thursday" },
    { at (utc, 2026, 3, 4, 12, 0), "Mar 4" },
    { at (utc, 2026, 1, 1, 12, 0), "Jan 1" },
    { at (utc, 2026, 3, 20, 12, 0), "Mar 20" },      /* a sender's clock in the future */
    { at (utc, 2025, 12, 31, 12, 0), "12/31/25" },   /* another year: the locale's short date */
    { 0, "" },
    { -5, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = courriel_date_format_relative (cases[i].date, now);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_time_zone (void)
{
  g_autoptr (GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *text = NULL;

  if (paris == NULL)
    {
      g_test_skip ("no time zone database");
      return;
    }
  /* 23:30 UTC on the 10th is already the 11th in Paris: today there, not yesterday. */
  now = g_date_time_new (paris, 2026, 3, 11, 9, 0, 0);
  text = courriel_date_format_relative (at (utc, 2026, 3, 10, 23, 30), now);
  g_assert_cmpstr (text, ==, "00:30");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/date-format/relative", test_relative);
  g_test_add_func ("/date-format/time-zone", test_time_zone);
  return g_test_run ();
}
