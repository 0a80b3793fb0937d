/* courriel-imap-search.h — SEARCH, ESEARCH and VANISHED responses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-response.h"
#include "courriel-imap-uid-set.h"

G_BEGIN_DECLS

typedef struct
{
  GArray  *ids;    /* guint32, as the server listed them */
  guint64  modseq; /* CONDSTORE (MODSEQ n), or 0 */
} CourrielImapSearch;

typedef struct
{
  char               *tag;
  gboolean            uid;
  gboolean            has_min, has_max, has_count;
  guint32             min, max, count;
  CourrielImapUidSet *all;    /* nullable */
  guint64             modseq; /* or 0 */
} CourrielImapEsearch;

typedef struct
{
  gboolean            earlier; /* reported by SELECT/FETCH, not as it happened */
  CourrielImapUidSet *uids;
} CourrielImapVanished;

CourrielImapSearch   *courriel_imap_search_parse   (CourrielImapResponse  *response,
                                                    GError               **error);
void                  courriel_imap_search_free    (CourrielImapSearch    *search);
CourrielImapEsearch  *courriel_imap_esearch_parse  (CourrielImapResponse  *response,
                                                    GError               **error);
void                  courriel_imap_esearch_free   (CourrielImapEsearch   *esearch);
CourrielImapVanished *courriel_imap_vanished_parse (CourrielImapResponse  *response,
                                                    GError               **error);
void                  courriel_imap_vanished_free  (CourrielImapVanished  *vanished);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapSearch, courriel_imap_search_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapEsearch, courriel_imap_esearch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapVanished, courriel_imap_vanished_free)

G_END_DECLS
