/* test-date-format.c — the message list's dates: time today, "Yesterday", weekday, short date; the
 * reader's full date and the counts, in English and French (names and clock from LC_TIME, digit
 * grouping from LC_NUMERIC)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "courriel-date-format.h"

/* Switches LC_ALL to @name and the catalogue to @language (NULL: English, untranslated), as a
 * user's session would; FALSE (and the test skipped) when the machine lacks that locale. */
static gboolean
use_locale (const char *name, const char *language)
{
  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  /* setlocale() also makes gettext look at LANGUAGE again. */
  if (setlocale (LC_ALL, name) == NULL)
    {
      g_autofree char *message = g_strdup_printf ("the %s locale is not installed (build-aux/install-deps "
                                                  "generates it)", name);

      g_test_skip (message);
      return FALSE;
    }
  return TRUE;
}

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

/* Tuesday 3 November 2026, 14:05 UTC, seen on Tuesday 10 November and on Friday 6 November. */
static void
assert_dates (const char * const *expected)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) same_week = g_date_time_new (utc, 2026, 11, 6, 9, 0, 0);
  g_autoptr (GDateTime) later = g_date_time_new (utc, 2026, 11, 10, 9, 0, 0);
  g_autoptr (GDateTime) same_day = g_date_time_new (utc, 2026, 11, 3, 18, 0, 0);
  g_autoptr (GDateTime) next_year = g_date_time_new (utc, 2027, 2, 1, 9, 0, 0);
  gint64 date = at (utc, 2026, 11, 3, 14, 5);
  char *texts[] = {
    courriel_date_format_full (date, utc),
    courriel_date_format_relative (date, same_day),
    courriel_date_format_relative (date, same_week),
    courriel_date_format_relative (date, later),
    courriel_date_format_relative (date, next_year),
    courriel_format_count (1200),
    courriel_format_count (100000),
    courriel_format_count (7),
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_assert_cmpstr (texts[i], ==, expected[i]);
      g_free (texts[i]);
    }
}

/* Sizes: the decimal separator is the locale's (the unit is GLib's to translate). */
static void
assert_size (const char *number)
{
  g_autofree char *size = g_format_size (1234567);

  g_assert_true (g_str_has_prefix (size, number));
}

static void
test_french (void)
{
  /* U+202F, the narrow no-break space French groups digits with. */
  static const char * const expected[] = {
    "mardi 3 novembre 2026, 14:05", "14:05", "mardi", "3 nov.", "03/11/2026",
    "1\u202f200", "100\u202f000", "7",
  };

  if (!use_locale ("fr_FR.UTF-8", "fr"))
    return;
  assert_dates (expected);
  assert_size ("1,2");
  use_locale ("C", NULL);
}

static void
test_english (void)
{
  static const char * const expected[] = {
    "Tuesday, November 3, 2026, 2:05 PM", "2:05 PM", "Tuesday", "Nov 3", "11/03/2026",
    "1,200", "100,000", "7",
  };

  if (!use_locale ("en_US.UTF-8", NULL))
    return;
  assert_dates (expected);
  assert_size ("1.2");
  use_locale ("C", NULL);
}

int
main (int argc, char **argv)
{
  int status;

  g_autofree char *locale_dir = NULL;

  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  /* The catalogue compiled in the build: translators order the pieces of a date. */
  locale_dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_func ("/date-format/relative", test_relative);
  g_test_add_func ("/date-format/time-zone", test_time_zone);
  g_test_add_func ("/date-format/french", test_french);
  g_test_add_func ("/date-format/english", test_english);
  status = g_test_run ();
  setlocale (LC_ALL, "C");
  return status;
}
