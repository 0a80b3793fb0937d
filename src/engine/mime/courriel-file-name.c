/* courriel-file-name.c — a file name from a message made safe for the file system
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sender chooses an attachment's name: it may hold "../", a path, control characters, a
 * right-to-left override that shows "exe.pdf" for "fdp.exe", a leading dot that hides it, or
 * nothing at all. What comes out is one plain, visible name that keeps its extension.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-file-name.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static gboolean
is_unsafe (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_UNASSIGNED
         || type == G_UNICODE_PRIVATE_USE || type == G_UNICODE_SURROGATE || type == G_UNICODE_LINE_SEPARATOR
         || type == G_UNICODE_PARAGRAPH_SEPARATOR || (c < 0x80 && strchr ("/\\:*?\"<>|", (int)c) != NULL);
}

/* Cuts @name to COURRIEL_FILE_NAME_MAX bytes on a character boundary, keeping a short
 * extension. */
static void
limit_length (GString *name)
{
  const char *dot = strrchr (name->str, '.');
  g_autofree char *extension = dot != NULL && strlen (dot) <= 16 ? g_strdup (dot) : g_strdup ("");
  gsize room = COURRIEL_FILE_NAME_MAX - strlen (extension);
  const char *end;

  if (name->len <= COURRIEL_FILE_NAME_MAX)
    return;
  end = g_utf8_find_prev_char (name->str, name->str + room + 1);
  g_string_truncate (name, end != NULL ? (gsize)(end - name->str) : 0);
  g_string_append (name, extension);
}

/**
 * courriel_file_name_sanitize:
 * @name: (nullable): the name a message gives, decoded
 *
 * Returns: a name with no path separator, no control or invisible formatting character, no
 * leading dot or space, at most COURRIEL_FILE_NAME_MAX bytes, never empty.
 */
char *
courriel_file_name_sanitize (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name != NULL ? name : "", -1);
  const char *base = valid;
  GString *out = g_string_new (NULL);

  /* Only the last component of a path: "C:\\x\\..\\evil.bat", "../../.bashrc". */
  for (const char *p = valid; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        g_string_append_c (out, ' ');
      else if (is_unsafe (c))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  /* No hidden file, and nothing Windows would trim or refuse. */
  while (out->len > 0 && (out->str[0] == '.' || out->str[0] == ' ' || out->str[0] == '-'))
    g_string_erase (out, 0, 1);
  while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
    g_string_truncate (out, out->len - 1);
  limit_length (out);
  if (out->len == 0)
    g_string_assign (out, _("attachment"));
  return g_string_free (out, FALSE);
}
