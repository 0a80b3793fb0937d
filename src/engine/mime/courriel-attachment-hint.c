/* courriel-attachment-hint.c — does a message's text speak of an attachment?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer warns before sending "please find attached" without an attachment. Quoted lines
 * ("> …") are someone else's words: a reply to a message that had an attachment must not warn.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-attachment-hint.h"

#include <string.h>

/* Folded (lower case, accents removed), so "Pièce jointe", "PIECE JOINTE" and "ci-joint" all
 * match. A word must start at a word boundary: "unattached" is no mention. */
static const char *words[] = {
  "piece jointe", "pieces jointes", "piece-jointe", "ci-joint", "ci joint", "en pj", "attached", "attachment",
};

/* Lower case, without accents (NFD, combining marks dropped). */
static char *
fold (const char *text, gssize len)
{
  g_autofree char *lower = g_utf8_strdown (text, len);
  g_autofree char *nfd = g_utf8_normalize (lower, -1, G_NORMALIZE_NFD);
  GString *out = g_string_new (NULL);

  for (const char *p = nfd; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
line_mentions (const char *line)
{
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    for (const char *hit = strstr (line, words[i]); hit != NULL; hit = strstr (hit + 1, words[i]))
      if (hit == line || !g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (hit))))
        return TRUE;
  return FALSE;
}

/**
 * courriel_attachment_hint_mentioned:
 * @text: (nullable): a message's plain text, as written
 *
 * Returns: whether the writer's own lines (not the quoted ones) speak of an attachment
 */
gboolean
courriel_attachment_hint_mentioned (const char *text)
{
  g_auto (GStrv) lines = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;

      if (g_str_has_prefix (g_strchug (lines[i]), ">"))
        continue;
      /* The signature ("-- ") is the writer's too, but a standing "attachments are confidential"
       * disclaimer below it is no promise of an attachment. */
      if (g_str_equal (g_strchomp (lines[i]), "--"))
        break;
      folded = fold (lines[i], -1);
      if (line_mentions (folded))
        return TRUE;
    }
  return FALSE;
}
