/* courriel-search-query.h — what the user types in the search bar, as an FTS5 query on the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-store.h"

G_BEGIN_DECLS

typedef struct _CourrielSearchQuery CourrielSearchQuery;

CourrielSearchQuery *courriel_search_query_parse          (const char          *text);
void                 courriel_search_query_free           (CourrielSearchQuery *query);
gboolean             courriel_search_query_is_empty       (CourrielSearchQuery *query);
const char          *courriel_search_query_get_match      (CourrielSearchQuery *query);
char                *courriel_search_query_to_imap        (CourrielSearchQuery *query);

void                 courriel_search_query_run_async      (CourrielSearchQuery *query,
                                                           CourrielStore       *store,
                                                           guint                limit,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GArray              *courriel_search_query_run_finish     (CourrielStore       *store,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielSearchQuery, courriel_search_query_free)

G_END_DECLS
