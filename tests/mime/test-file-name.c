/* test-file-name.c — attachment names from a message become one plain, visible file name
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "courriel-file-name.h"

static void
assert_sanitized (const char *name, const char *expected)
{
  g_autofree char *safe = courriel_file_name_sanitize (name);

  g_assert_cmpstr (safe, ==, expected);
}

static void
test_paths_and_hidden (void)
{
  assert_sanitized ("report.pdf", "report.pdf");
  assert_sanitized ("Relevé de compte été.pdf", "Relevé de compte été.pdf");
  assert_sanitized ("../../.bashrc", "bashrc");
  assert_sanitized ("/etc/passwd", "passwd");
  assert_sanitized ("C:\\Windows\\evil.bat", "evil.bat");
  assert_sanitized ("...hidden", "hidden");
  assert_sanitized ("-rf", "rf");
  assert_sanitized ("name. . .", "name");
  assert_sanitized ("a:b*c?d\"e<f>g|h.txt", "a_b_c_d_e_f_g_h.txt");
}

static void
test_invisible_characters (void)
{
  /* A right-to-left override makes "invoice\u202Efdp.exe" look like "invoiceexe.pdf". */
  assert_sanitized ("invoice\xe2\x80\xae" "fdp.exe", "invoice_fdp.exe");
  assert_sanitized ("a\tb\nc\rd\x01" "e\x7f.txt", "a b c d_e_.txt");
  assert_sanitized ("bad\xff\xfe.txt", "bad\xef\xbf\xbd\xef\xbf\xbd.txt");
}

static void
test_never_empty (void)
{
  assert_sanitized (NULL, "attachment");
  assert_sanitized ("", "attachment");
  assert_sanitized ("/", "attachment");
  assert_sanitized ("..", "attachment");
  assert_sanitized ("dir/", "attachment");
}

static void
test_length_limited (void)
{
  g_autofree char *a300 = g_strnfill (300, 'a');
  g_autofree char *long_name = g_strconcat (a300, ".pdf", NULL);
  g_autofree char *safe = courriel_file_name_sanitize (long_name);
  GString *accents = g_string_new (NULL);
  g_autofree char *safe_accents = NULL;

  g_assert_cmpuint (strlen (safe), ==, COURRIEL_FILE_NAME_MAX);
  g_assert_true (g_str_has_suffix (safe, "aaa.pdf"));

  /* Cut between characters, never inside one. */
  for (guint i = 0; i < 150; i++)
    g_string_append (accents, "é");
  g_string_append (accents, ".odt");
  safe_accents = courriel_file_name_sanitize (accents->str);
  g_assert_cmpuint (strlen (safe_accents), <=, COURRIEL_FILE_NAME_MAX);
  g_assert_true (g_utf8_validate (safe_accents, -1, NULL));
  g_assert_true (g_str_has_suffix (safe_accents, "é.odt"));
  g_string_free (accents, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file-name/paths-and-hidden", test_paths_and_hidden);
  g_test_add_func ("/file-name/invisible-characters", test_invisible_characters);
  g_test_add_func ("/file-name/never-empty", test_never_empty);
  g_test_add_func ("/file-name/length-limited", test_length_limited);
  return g_test_run ();
}
