/* courriel-imap-value.c — one token of a server response: atom, number, string, NIL or list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-imap-value.h"

struct _CourrielImapValue
{
  gatomicrefcount       ref_count;
  CourrielImapValueKind kind;
  char                 *atom;     /* ATOM and NUMBER: the text as sent */
  GBytes               *bytes;    /* STRING, ATOM, NUMBER */
  guint64               number;   /* NUMBER; STREAMED: the size */
  GPtrArray            *items;    /* LIST */
};

G_DEFINE_BOXED_TYPE (CourrielImapValue, courriel_imap_value, courriel_imap_value_ref, courriel_imap_value_unref)

static CourrielImapValue *
value_new (CourrielImapValueKind kind)
{
  CourrielImapValue *value = g_new0 (CourrielImapValue, 1);

  g_atomic_ref_count_init (&value->ref_count);
  value->kind = kind;
  return value;
}

CourrielImapValue *
courriel_imap_value_new_nil (void)
{
  return value_new (COURRIEL_IMAP_VALUE_NIL);
}

/* An atom; one made only of digits that fits 63 bits is a NUMBER (MODSEQ goes up to 2^63-1). */
CourrielImapValue *
courriel_imap_value_new_atom (const char *text, gsize length)
{
  CourrielImapValue *value = value_new (COURRIEL_IMAP_VALUE_ATOM);
  gboolean digits = length > 0 && length <= 19;

  value->atom = g_strndup (text, length);
  value->bytes = g_bytes_new (text, length);
  for (gsize i = 0; i < length && digits; i++)
    digits = g_ascii_isdigit (text[i]);
  if (digits)
    {
      guint64 number = g_ascii_strtoull (value->atom, NULL, 10);
      if (number <= G_MAXINT64)
        {
          value->kind = COURRIEL_IMAP_VALUE_NUMBER;
          value->number = number;
        }
    }
  return value;
}

CourrielImapValue *
courriel_imap_value_new_string (GBytes *bytes)
{
  CourrielImapValue *value = value_new (COURRIEL_IMAP_VALUE_STRING);

  value->bytes = g_bytes_ref (bytes);
  return value;
}

CourrielImapValue *
courriel_imap_value_new_list (void)
{
  CourrielImapValue *value = value_new (COURRIEL_IMAP_VALUE_LIST);

  value->items = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_value_unref);
  return value;
}

CourrielImapValue *
courriel_imap_value_new_streamed (guint64 size)
{
  CourrielImapValue *value = value_new (COURRIEL_IMAP_VALUE_STREAMED);

  value->number = size;
  return value;
}

/* Takes @item. */
void
courriel_imap_value_append (CourrielImapValue *list, CourrielImapValue *item)
{
  g_return_if_fail (list != NULL && list->kind == COURRIEL_IMAP_VALUE_LIST);
  g_ptr_array_add (list->items, item);
}

CourrielImapValue *
courriel_imap_value_ref (CourrielImapValue *value)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_atomic_ref_count_inc (&value->ref_count);
  return value;
}

void
courriel_imap_value_unref (CourrielImapValue *value)
{
  g_return_if_fail (value != NULL);

  if (!g_atomic_ref_count_dec (&value->ref_count))
    return;
  g_free (value->atom);
  g_clear_pointer (&value->bytes, g_bytes_unref);
  g_clear_pointer (&value->items, g_ptr_array_unref);
  g_free (value);
}

CourrielImapValueKind
courriel_imap_value_get_kind (const CourrielImapValue *value)
{
  return value != NULL ? value->kind : COURRIEL_IMAP_VALUE_NIL;
}

/* Atoms include flags (\Seen) and FETCH items (BODY[HEADER.FIELDS (A B)]<0>); numbers are
 * atoms too, for callers that want their text. */
const char *
courriel_imap_value_get_atom (const CourrielImapValue *value)
{
  if (value == NULL || (value->kind != COURRIEL_IMAP_VALUE_ATOM && value->kind != COURRIEL_IMAP_VALUE_NUMBER))
    return NULL;
  return value->atom;
}

gboolean
courriel_imap_value_get_number (const CourrielImapValue *value, guint64 *number)
{
  if (value == NULL || value->kind != COURRIEL_IMAP_VALUE_NUMBER)
    return FALSE;
  *number = value->number;
  return TRUE;
}

/* A number that fits 32 bits: UIDs, sequence numbers, counts. */
gboolean
courriel_imap_value_get_u32 (const CourrielImapValue *value, guint32 *number)
{
  guint64 n;

  if (!courriel_imap_value_get_number (value, &n) || n > G_MAXUINT32)
    return FALSE;
  *number = (guint32)n;
  return TRUE;
}

/* The bytes of a string or an atom; NULL for NIL, lists and streamed literals. */
GBytes *
courriel_imap_value_get_bytes (const CourrielImapValue *value)
{
  if (value == NULL)
    return NULL;
  if (value->kind == COURRIEL_IMAP_VALUE_STRING || value->kind == COURRIEL_IMAP_VALUE_ATOM
      || value->kind == COURRIEL_IMAP_VALUE_NUMBER)
    return value->bytes;
  return NULL;
}

/* A copy as valid UTF-8 (invalid sequences replaced), or NULL for NIL and lists. */
char *
courriel_imap_value_dup_string (const CourrielImapValue *value)
{
  GBytes *bytes = courriel_imap_value_get_bytes (value);
  gsize size;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  return g_utf8_make_valid (data != NULL ? data : "", size);
}

guint64
courriel_imap_value_get_streamed_size (const CourrielImapValue *value)
{
  return value != NULL && value->kind == COURRIEL_IMAP_VALUE_STREAMED ? value->number : 0;
}

guint
courriel_imap_value_get_length (const CourrielImapValue *value)
{
  return value != NULL && value->kind == COURRIEL_IMAP_VALUE_LIST ? value->items->len : 0;
}

CourrielImapValue *
courriel_imap_value_get_item (const CourrielImapValue *value, guint index)
{
  if (value == NULL || value->kind != COURRIEL_IMAP_VALUE_LIST || index >= value->items->len)
    return NULL;
  return value->items->pdata[index];
}

gboolean
courriel_imap_value_is_atom (const CourrielImapValue *value, const char *atom)
{
  const char *text = courriel_imap_value_get_atom (value);

  return text != NULL && g_ascii_strcasecmp (text, atom) == 0;
}
