/* test-search-query.c — the search bar's language, turned into safe FTS5 queries, run on a
 * real store: accents ignored, prefixes as you type, phrases, subject:/from:/to:, newest first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-search-query.h"

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
test_parse (void)
{
  struct
  {
    const char *text;
    const char *match;
  } cases[] = {
    { "réunion", "\"réunion\"*" },
    { "réunion lundi", "\"réunion\" AND \"lundi\"*" },
    { "\"ordre du jour\"", "\"ordre du jour\"" },
    { "subject:facture avril", "subject : \"facture\" AND \"avril\"*" },
    { "subject:\"facture d'avril\"", "subject : \"facture d'avril\"" },
    { "from:elodie", NULL },
    { "   ", NULL },
    { "\"", NULL },
    /* FTS5 syntax typed by the user is only text. */
    { "a OR b NEAR(c)", "\"a\" AND \"OR\" AND \"b\" AND \"NEAR(c)\"*" },
    { "x\"y", "\"x y\"*" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CourrielSearchQuery) query = courriel_search_query_parse (cases[i].text);
      g_assert_cmpstr (courriel_search_query_get_match (query), ==, cases[i].match);
    }
  {
    g_autoptr (CourrielSearchQuery) query = courriel_search_query_parse ("   ");
    g_assert_true (courriel_search_query_is_empty (query));
  }
}

static gboolean
fill (sqlite3 *db, gpointer data, GError **error)
{
  static const char *sql =
    "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
    "incoming_username, created) VALUES (1, 'alice@example.test', 'imap', 'h', 993, 'tls', 'alice', 0);"
    "INSERT INTO folders (id, account_id, name, raw_name) VALUES (1, 1, 'INBOX', 'INBOX');"
    "INSERT INTO messages (id, folder_id, uid, date, subject, sender, recipients_to) VALUES"
    " (1, 1, 1, 100, 'Réunion de lundi', 'Élodie <elodie@example.org>', 'alice@example.test'),"
    " (2, 1, 2, 300, 'Facture avril', 'Banque <banque@example.com>', 'alice@example.test'),"
    " (3, 1, 3, 200, 'Re: Réunion de lundi', 'Bob <bob@example.net>', 'elodie@example.org'),"
    " (4, 1, 4, 400, 'Vacances', 'Élodie <elodie@example.org>', 'bob@example.net');"
    "INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES"
    " (1, 'Réunion de lundi', 'elodie@example.org alice@example.test', 'Voici l''ordre du jour de la réunion.'),"
    " (2, 'Facture avril', 'banque@example.com', 'Votre facture est disponible.'),"
    " (3, 'Re: Réunion de lundi', 'bob@example.net', 'D''accord pour l''ordre du jour.'),"
    " (4, 'Vacances', 'elodie@example.org bob@example.net', 'Pas de réunion pendant les vacances.');";
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, sql, NULL, NULL, NULL), error);
}

static char *
search (CourrielStore *store, const char *text)
{
  g_autoptr (CourrielSearchQuery) query = courriel_search_query_parse (text);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  GString *out = g_string_new (NULL);

  courriel_search_query_run_async (query, store, 10, NULL, got_result, &result);
  ids = courriel_search_query_run_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", g_array_index (ids, gint64, i));
  return g_string_free (out, FALSE);
}

/* The same query for a server: what the user typed stays text, never IMAP syntax. */
static void
test_to_imap (void)
{
  struct
  {
    const char *typed;
    const char *criteria;
  } cases[] = {
    { "facture", "TEXT \"facture\"" },
    { "from:chloe subject:\"réunion lundi\" to:bob", "CHARSET UTF-8 FROM \"chloe\" SUBJECT \"réunion lundi\" TO \"bob\"" },
    { "a\"b) OR ALL", "TEXT \"a b) OR ALL\"" },
    { "back\\slash", "TEXT \"back\\\\slash\"" },
    { "   ", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CourrielSearchQuery) query = courriel_search_query_parse (cases[i].typed);
      g_autofree char *criteria = courriel_search_query_to_imap (query);

      g_assert_cmpstr (criteria, ==, cases[i].criteria);
    }
}

static void
test_search (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "courriel", "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  struct
  {
    const char *text;
    const char *ids;
  } cases[] = {
    { "reunion", "4,3,1" },           /* accents ignored, newest first */
    { "réu", "4,3,1" },               /* the word being typed is a prefix */
    { "\"ordre du jour\"", "3,1" },   /* a phrase */
    { "\"jour ordre\"", "" },
    { "subject:reunion", "3,1" },     /* only in the subject */
    { "from:elodie", "4,1" },
    { "from:elodie vacances", "4" },
    { "to:bob", "4" },
    { "facture avril", "2" },
    { "a OR b NEAR(c) \"", "" },      /* FTS5 syntax is just text: no error */
    { "100%_\\", "" },
  };

  g_assert_no_error (error);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_store_write_async (store, fill, NULL, NULL, NULL, got_result, &result);
    g_assert_true (courriel_store_write_finish (store, wait_for (&result), &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ids = search (store, cases[i].text);
      g_test_message ("%s → %s", cases[i].text, ids);
      g_assert_cmpstr (ids, ==, cases[i].ids);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/search-query/parse", test_parse);
  g_test_add_func ("/search-query/search", test_search);
  g_test_add_func ("/search-query/to-imap", test_to_imap);
  return g_test_run ();
}
