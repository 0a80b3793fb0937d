/* courriel-imap-search.c — SEARCH, ESEARCH and VANISHED responses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-imap-search.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-error.h"

static gboolean
malformed (GError **error, const char *what)
{
  g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
               _("The mail server sent a malformed %s response."), what);
  return FALSE;
}

static CourrielImapUidSet *
set_from_value (CourrielImapValue *value)
{
  const char *text = courriel_imap_value_get_atom (value);

  return text != NULL ? courriel_imap_uid_set_parse (text, NULL) : NULL;
}

void
courriel_imap_search_free (CourrielImapSearch *search)
{
  if (search == NULL)
    return;
  g_array_unref (search->ids);
  g_free (search);
}

/* * SEARCH 2 5 7 [(MODSEQ 917162500)] */
CourrielImapSearch *
courriel_imap_search_parse (CourrielImapResponse *response, GError **error)
{
  g_autoptr (CourrielImapSearch) search = g_new0 (CourrielImapSearch, 1);
  CourrielImapValue *data = courriel_imap_response_get_data (response);

  search->ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < courriel_imap_value_get_length (data); i++)
    {
      CourrielImapValue *item = courriel_imap_value_get_item (data, i);
      guint32 id;

      if (courriel_imap_value_get_kind (item) == COURRIEL_IMAP_VALUE_LIST
          && courriel_imap_value_is_atom (courriel_imap_value_get_item (item, 0), "MODSEQ")
          && courriel_imap_value_get_number (courriel_imap_value_get_item (item, 1), &search->modseq))
        continue;
      if (!courriel_imap_value_get_u32 (item, &id) || id == 0)
        {
          malformed (error, "SEARCH");
          return NULL;
        }
      g_array_append_val (search->ids, id);
    }
  return g_steal_pointer (&search);
}

void
courriel_imap_esearch_free (CourrielImapEsearch *esearch)
{
  if (esearch == NULL)
    return;
  g_free (esearch->tag);
  courriel_imap_uid_set_free (esearch->all);
  g_free (esearch);
}

/* * ESEARCH (TAG "A282") UID MIN 2 COUNT 3 ALL 2,10:11 */
CourrielImapEsearch *
courriel_imap_esearch_parse (CourrielImapResponse *response, GError **error)
{
  g_autoptr (CourrielImapEsearch) esearch = g_new0 (CourrielImapEsearch, 1);
  CourrielImapValue *data = courriel_imap_response_get_data (response);
  guint n = courriel_imap_value_get_length (data);
  guint i = 0;

  if (i < n && courriel_imap_value_get_kind (courriel_imap_value_get_item (data, 0)) == COURRIEL_IMAP_VALUE_LIST)
    {
      CourrielImapValue *correlator = courriel_imap_value_get_item (data, 0);

      if (courriel_imap_value_is_atom (courriel_imap_value_get_item (correlator, 0), "TAG"))
        esearch->tag = courriel_imap_value_dup_string (courriel_imap_value_get_item (correlator, 1));
      i++;
    }
  if (i < n && courriel_imap_value_is_atom (courriel_imap_value_get_item (data, i), "UID"))
    {
      esearch->uid = TRUE;
      i++;
    }
  for (; i + 1 < n + 1 && i < n; i += 2)
    {
      CourrielImapValue *key = courriel_imap_value_get_item (data, i);
      CourrielImapValue *value = courriel_imap_value_get_item (data, i + 1);

      if (value == NULL)
        break;
      if (courriel_imap_value_is_atom (key, "MIN"))
        esearch->has_min = courriel_imap_value_get_u32 (value, &esearch->min);
      else if (courriel_imap_value_is_atom (key, "MAX"))
        esearch->has_max = courriel_imap_value_get_u32 (value, &esearch->max);
      else if (courriel_imap_value_is_atom (key, "COUNT"))
        esearch->has_count = courriel_imap_value_get_u32 (value, &esearch->count);
      else if (courriel_imap_value_is_atom (key, "MODSEQ"))
        courriel_imap_value_get_number (value, &esearch->modseq);
      else if (courriel_imap_value_is_atom (key, "ALL"))
        {
          courriel_imap_uid_set_free (esearch->all);
          esearch->all = set_from_value (value);
          if (esearch->all == NULL)
            {
              malformed (error, "ESEARCH");
              return NULL;
            }
        }
      /* Unknown return data (RFC 4731, 3.1) is skipped with its value. */
    }
  if (i < n)
    {
      malformed (error, "ESEARCH");
      return NULL;
    }
  return g_steal_pointer (&esearch);
}

void
courriel_imap_vanished_free (CourrielImapVanished *vanished)
{
  if (vanished == NULL)
    return;
  courriel_imap_uid_set_free (vanished->uids);
  g_free (vanished);
}

/* * VANISHED (EARLIER) 300:310,405,411 */
CourrielImapVanished *
courriel_imap_vanished_parse (CourrielImapResponse *response, GError **error)
{
  g_autoptr (CourrielImapVanished) vanished = g_new0 (CourrielImapVanished, 1);
  CourrielImapValue *data = courriel_imap_response_get_data (response);
  guint i = 0;

  if (courriel_imap_value_get_kind (courriel_imap_value_get_item (data, 0)) == COURRIEL_IMAP_VALUE_LIST)
    {
      vanished->earlier = courriel_imap_value_is_atom (courriel_imap_value_get_item (courriel_imap_value_get_item (data, 0), 0),
                                                       "EARLIER");
      i++;
    }
  vanished->uids = set_from_value (courriel_imap_value_get_item (data, i));
  if (vanished->uids == NULL || i + 1 != courriel_imap_value_get_length (data))
    {
      malformed (error, "VANISHED");
      return NULL;
    }
  return g_steal_pointer (&vanished);
}
