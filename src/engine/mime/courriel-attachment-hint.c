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

#include "courriel-folded-text.h"

/* Folded (lower case, accents removed), so "Pièce jointe", "PIECE JOINTE" and "ci-joint" all
 * match. A word must start at a word boundary: "unattached" is no mention. */
static const char *words[] = {
  "piece jointe", "pieces jointes", "piece-jointe", "ci-joint", "ci joint", "en pj", "attached", "attachment",
};

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
      folded = courriel_folded_text_new (lines[i]);
      for (guint w = 0; w < G_N_ELEMENTS (words); w++)
        if (courriel_folded_text_has_word_at (folded, words[w]))
          return TRUE;
    }
  return FALSE;
}
