/* courriel-search-query.c — what the user types in the search bar, as an FTS5 query on the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Words match anywhere (subject, addresses, body), the last one as a prefix so that results
 * follow the typing; "quoted words" match as a phrase; subject:, from: and to: restrict a term
 * to the subject, the sender or the recipients. Every term reaches FTS5 as a quoted string:
 * nothing typed can be read as FTS5 syntax. Results are message ids, newest first.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-search-query.h"

struct _CourrielSearchQuery
{
  char      *match;      /* FTS5 MATCH expression, or NULL */
  GPtrArray *senders;    /* from: terms (LIKE on messages.sender) */
  GPtrArray *recipients; /* to: terms (LIKE on To and Cc) */
  GString   *imap;       /* the same, as IMAP SEARCH criteria */
};

/* KEY "term": IMAP quoted strings take neither quotes nor backslashes unescaped. */
static void
append_imap (CourrielSearchQuery *query, const char *key, const char *term)
{
  if (query->imap->len > 0)
    g_string_append_c (query->imap, ' ');
  g_string_append_printf (query->imap, "%s \"", key);
  for (const char *p = term; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (query->imap, '\\');
      if (*p != '\r' && *p != '\n')
        g_string_append_c (query->imap, *p);
    }
  g_string_append_c (query->imap, '"');
}

/* "term" with inner quotes doubled: an FTS5 string, never syntax. */
static void
append_fts_string (GString *out, const char *term, gboolean prefix)
{
  g_string_append_c (out, '"');
  for (const char *p = term; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  if (prefix)
    g_string_append_c (out, '*');
}

/* Splits on spaces, keeping "quoted phrases" (and field:"quoted phrases") whole. */
static GPtrArray *
tokenise (const char *text)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  GString *current = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = text; ; p++)
    {
      if (*p == '"')
        {
          quoted = !quoted;
          g_string_append_c (current, '"');
          continue;
        }
      if (*p == '\0' || (!quoted && g_ascii_isspace (*p)))
        {
          if (current->len > 0)
            g_ptr_array_add (tokens, g_strdup (current->str));
          g_string_truncate (current, 0);
          if (*p == '\0')
            break;
          continue;
        }
      g_string_append_c (current, *p);
    }
  g_string_free (current, TRUE);
  return tokens;
}

/* Removes the quotes of a "phrase"; tells whether it was one. */
static char *
unquote (const char *token, gboolean *phrase)
{
  gsize length = strlen (token);

  *phrase = length >= 2 && token[0] == '"' && token[length - 1] == '"';
  if (*phrase)
    return g_strndup (token + 1, length - 2);
  return g_strdelimit (g_strdup (token), "\"", ' ');
}

CourrielSearchQuery *
courriel_search_query_parse (const char *text)
{
  CourrielSearchQuery *query = g_new0 (CourrielSearchQuery, 1);
  g_autoptr (GPtrArray) tokens = tokenise (text != NULL ? text : "");
  g_autoptr (GString) match = g_string_new (NULL);

  query->senders = g_ptr_array_new_with_free_func (g_free);
  query->recipients = g_ptr_array_new_with_free_func (g_free);
  query->imap = g_string_new (NULL);
  for (guint i = 0; i < tokens->len; i++)
    {
      const char *token = tokens->pdata[i];
      gboolean last = i + 1 == tokens->len;
      gboolean phrase, subject;
      g_autofree char *term = NULL;

      if (g_ascii_strncasecmp (token, "from:", 5) == 0 && token[5] != '\0')
        {
          g_ptr_array_add (query->senders, unquote (token + 5, &phrase));
          append_imap (query, "FROM", g_ptr_array_index (query->senders, query->senders->len - 1));
          continue;
        }
      if (g_ascii_strncasecmp (token, "to:", 3) == 0 && token[3] != '\0')
        {
          g_ptr_array_add (query->recipients, unquote (token + 3, &phrase));
          append_imap (query, "TO", g_ptr_array_index (query->recipients, query->recipients->len - 1));
          continue;
        }
      if (match->len > 0)
        g_string_append (match, " AND ");
      subject = g_ascii_strncasecmp (token, "subject:", 8) == 0 && token[8] != '\0';
      if (subject)
        {
          term = unquote (token + 8, &phrase);
          g_string_append (match, "subject : ");
        }
      else
        term = unquote (token, &phrase);
      if (*g_strstrip (term) == '\0')
        {
          /* A lone quote or an empty phrase: nothing to look for. */
          if (match->len >= 5 && g_str_has_suffix (match->str, " AND "))
            g_string_truncate (match, match->len - 5);
          continue;
        }
      append_fts_string (match, term, last && !phrase);
      append_imap (query, subject ? "SUBJECT" : "TEXT", term);
    }
  query->match = match->len > 0 ? g_strdup (match->str) : NULL;
  return query;
}

void
courriel_search_query_free (CourrielSearchQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->match);
  g_ptr_array_unref (query->senders);
  g_ptr_array_unref (query->recipients);
  g_string_free (query->imap, TRUE);
  g_free (query);
}

gboolean
courriel_search_query_is_empty (CourrielSearchQuery *query)
{
  return query->match == NULL && query->senders->len == 0 && query->recipients->len == 0;
}

/* The FTS5 expression, for tests and debugging; NULL when only from:/to: were given. */
const char *
courriel_search_query_get_match (CourrielSearchQuery *query)
{
  return query->match;
}

/* The query as IMAP SEARCH criteria, for the server to search what the store cannot (bodies
 * not downloaded): "CHARSET UTF-8 FROM "élodie" TEXT "facture"", or NULL when empty. */
char *
courriel_search_query_to_imap (CourrielSearchQuery *query)
{
  gboolean ascii = TRUE;

  if (query->imap->len == 0)
    return NULL;
  for (const char *p = query->imap->str; *p != '\0'; p++)
    ascii &= (guchar)*p < 0x80;
  return g_strdup_printf ("%s%s", ascii ? "" : "CHARSET UTF-8 ", query->imap->str);
}

typedef struct
{
  char                *sql;
  GPtrArray           *params;
  guint                limit;
} Run;

static void
run_free (Run *run)
{
  g_free (run->sql);
  g_ptr_array_unref (run->params);
  g_free (run);
}

static gpointer
run_search (sqlite3 *db, gpointer data, GError **error)
{
  Run *run = data;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, run->sql, -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < run->params->len; i++)
    sqlite3_bind_text (stmt, i + 1, run->params->pdata[i], -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    sqlite3_bind_int (stmt, run->params->len + 1, run->limit);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_array_unref (ids);
      return NULL;
    }
  return ids;
}

static char *
like_pattern (const char *term)
{
  GString *out = g_string_new ("%");

  for (const char *p = term; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');
  return g_string_free (out, FALSE);
}

/**
 * courriel_search_query_run_async:
 * @limit: the most results wanted
 *
 * Searches the store on a worker thread. Returns a GArray of message ids (gint64), newest first.
 */
void
courriel_search_query_run_async (CourrielSearchQuery *query, CourrielStore *store, guint limit,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Run *run = g_new0 (Run, 1);
  g_autoptr (GString) sql = g_string_new ("SELECT m.id FROM messages m");

  run->params = g_ptr_array_new_with_free_func (g_free);
  run->limit = limit > 0 ? limit : 100;
  if (query->match != NULL)
    {
      g_string_append (sql, " JOIN messages_fts f ON f.rowid = m.id WHERE messages_fts MATCH ?");
      g_ptr_array_add (run->params, g_strdup (query->match));
    }
  else
    g_string_append (sql, " WHERE 1");
  for (guint i = 0; i < query->senders->len; i++)
    {
      g_string_append (sql, " AND m.sender LIKE ? ESCAPE '\\'");
      g_ptr_array_add (run->params, like_pattern (query->senders->pdata[i]));
    }
  for (guint i = 0; i < query->recipients->len; i++)
    {
      g_autofree char *pattern = like_pattern (query->recipients->pdata[i]);

      g_string_append (sql, " AND (m.recipients_to LIKE ? ESCAPE '\\' OR m.recipients_cc LIKE ? ESCAPE '\\')");
      g_ptr_array_add (run->params, g_strdup (pattern));
      g_ptr_array_add (run->params, g_strdup (pattern));
    }
  g_string_append (sql, " ORDER BY m.date DESC, m.id DESC LIMIT ?");
  run->sql = g_strdup (sql->str);
  courriel_store_read_async (store, run_search, run, (GDestroyNotify)run_free, (GDestroyNotify)g_array_unref,
                             cancellable, callback, user_data);
}

GArray *
courriel_search_query_run_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_read_finish (store, result, error);
}
