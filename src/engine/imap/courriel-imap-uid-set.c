/* courriel-imap-uid-set.c — sets of UIDs (or sequence numbers), as IMAP writes them: 1:5,7,9:*
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sorted, disjoint, non-adjacent ranges: a mailbox of 100,000 messages with a few gaps is a
 * handful of ranges, not 100,000 numbers.
 */
#include "config.h"
#include "courriel-imap-uid-set.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-error.h"

typedef struct
{
  guint32 first;
  guint32 last;
} Range;

struct _CourrielImapUidSet
{
  GArray *ranges; /* Range, sorted */
};

CourrielImapUidSet *
courriel_imap_uid_set_new (void)
{
  CourrielImapUidSet *set = g_new0 (CourrielImapUidSet, 1);

  set->ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  return set;
}

void
courriel_imap_uid_set_free (CourrielImapUidSet *set)
{
  if (set == NULL)
    return;
  g_array_unref (set->ranges);
  g_free (set);
}

CourrielImapUidSet *
courriel_imap_uid_set_copy (const CourrielImapUidSet *set)
{
  CourrielImapUidSet *copy = courriel_imap_uid_set_new ();

  g_array_append_vals (copy->ranges, set->ranges->data, set->ranges->len);
  return copy;
}

void
courriel_imap_uid_set_add_range (CourrielImapUidSet *set, guint32 first, guint32 last)
{
  GArray *ranges = set->ranges;
  guint i = 0;

  if (first > last)
    {
      guint32 t = first;
      first = last;
      last = t;
    }
  /* Skip ranges entirely before, not even adjacent. */
  while (i < ranges->len && g_array_index (ranges, Range, i).last != G_MAXUINT32
         && g_array_index (ranges, Range, i).last + 1 < first)
    i++;
  /* Merge with every range that overlaps or touches. */
  while (i < ranges->len && (last == G_MAXUINT32 || g_array_index (ranges, Range, i).first <= last + 1))
    {
      Range *r = &g_array_index (ranges, Range, i);
      first = MIN (first, r->first);
      last = MAX (last, r->last);
      g_array_remove_index (ranges, i);
    }
  {
    Range range = { first, last };
    g_array_insert_val (ranges, i, range);
  }
}

void
courriel_imap_uid_set_add (CourrielImapUidSet *set, guint32 uid)
{
  courriel_imap_uid_set_add_range (set, uid, uid);
}

void
courriel_imap_uid_set_add_set (CourrielImapUidSet *set, const CourrielImapUidSet *other)
{
  for (guint i = 0; other != NULL && i < other->ranges->len; i++)
    courriel_imap_uid_set_add_range (set, g_array_index (other->ranges, Range, i).first,
                                     g_array_index (other->ranges, Range, i).last);
}

gboolean
courriel_imap_uid_set_contains (const CourrielImapUidSet *set, guint32 uid)
{
  guint low = 0, high = set->ranges->len;

  while (low < high)
    {
      guint mid = (low + high) / 2;
      const Range *r = &g_array_index (set->ranges, Range, mid);

      if (uid < r->first)
        high = mid;
      else if (uid > r->last)
        low = mid + 1;
      else
        return TRUE;
    }
  return FALSE;
}

gboolean
courriel_imap_uid_set_is_empty (const CourrielImapUidSet *set)
{
  return set->ranges->len == 0;
}

guint64
courriel_imap_uid_set_count (const CourrielImapUidSet *set)
{
  guint64 count = 0;

  for (guint i = 0; i < set->ranges->len; i++)
    count += (guint64)g_array_index (set->ranges, Range, i).last - g_array_index (set->ranges, Range, i).first + 1;
  return count;
}

guint
courriel_imap_uid_set_n_ranges (const CourrielImapUidSet *set)
{
  return set->ranges->len;
}

void
courriel_imap_uid_set_get_range (const CourrielImapUidSet *set, guint index, guint32 *first, guint32 *last)
{
  g_return_if_fail (index < set->ranges->len);
  *first = g_array_index (set->ranges, Range, index).first;
  *last = g_array_index (set->ranges, Range, index).last;
}

static gboolean
parse_number (const char **p, guint32 *value)
{
  guint64 n = 0;
  const char *start = *p;

  if (**p == '*')
    {
      (*p)++;
      *value = COURRIEL_IMAP_UID_STAR;
      return TRUE;
    }
  while (g_ascii_isdigit (**p) && *p - start < 10)
    n = n * 10 + (*(*p)++ - '0');
  if (*p == start || g_ascii_isdigit (**p) || n == 0 || n > G_MAXUINT32)
    return FALSE;
  *value = (guint32)n;
  return TRUE;
}

/* Parses "1:5,7,9:*"; the order of the ends of a range does not matter (RFC 3501). */
CourrielImapUidSet *
courriel_imap_uid_set_parse (const char *text, GError **error)
{
  g_autoptr (CourrielImapUidSet) set = courriel_imap_uid_set_new ();
  const char *p = text;

  for (;;)
    {
      guint32 first, last;

      if (!parse_number (&p, &first))
        break;
      last = first;
      if (*p == ':' && (p++, !parse_number (&p, &last)))
        break;
      courriel_imap_uid_set_add_range (set, first, last);
      if (*p == '\0')
        return g_steal_pointer (&set);
      if (*p++ != ',')
        break;
    }
  g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL, _("“%s” is not a valid set of messages."),
               text);
  return NULL;
}

char *
courriel_imap_uid_set_to_string (const CourrielImapUidSet *set)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < set->ranges->len; i++)
    {
      const Range *r = &g_array_index (set->ranges, Range, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (r->first == COURRIEL_IMAP_UID_STAR)
        g_string_append_c (out, '*');
      else
        g_string_append_printf (out, "%u", r->first);
      if (r->last != r->first)
        {
          if (r->last == COURRIEL_IMAP_UID_STAR)
            g_string_append (out, ":*");
          else
            g_string_append_printf (out, ":%u", r->last);
        }
    }
  return g_string_free (out, FALSE);
}
