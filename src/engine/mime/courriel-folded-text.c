/* courriel-folded-text.c — text compared as people read it: without case or accents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * French is often typed without its accents ("piece jointe", "Emilie"): completion and the
 * attachment check compare folded text, lower case with the combining marks of NFKD dropped.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-folded-text.h"

#include <string.h>

/* @text (valid UTF-8) folded: "Émilie" and "EMILIE" both give "emilie". */
char *
courriel_folded_text_new (const char *text)
{
  g_autofree char *lower = g_utf8_casefold (text, -1);
  g_autofree char *nfkd = g_utf8_normalize (lower, -1, G_NORMALIZE_NFKD);
  GString *out = g_string_new (NULL);

  for (const char *p = nfkd; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* Whether a word of @folded starts with @prefix (both folded): "unattached" has no word
 * "attached", "Émile Zola" has "zo". */
gboolean
courriel_folded_text_has_word_at (const char *folded, const char *prefix)
{
  for (const char *hit = strstr (folded, prefix); hit != NULL; hit = strstr (hit + 1, prefix))
    if (hit == folded || !g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (hit))))
      return TRUE;
  return FALSE;
}
