/* test-address-book.c — completing recipients from the addresses seen in a real store file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-address-book.h"
#include "courriel-engine.h"

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

static gboolean
write_sql (sqlite3 *db, gpointer data, GError **error)
{
  return courriel_store_set_error_from_db (db, sqlite3_exec (db, data, NULL, NULL, NULL), error);
}

static const char *messages_sql =
  "INSERT INTO accounts (address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
  "incoming_username, created) VALUES ('me@example.fr', 'imap', 'imap.example.fr', 993, 'tls', 'me', 0);"
  "INSERT INTO folders (account_id, name, raw_name, role) VALUES (1, 'INBOX', 'INBOX', 'inbox');"
  /* Émilie wrote three times; Émile once, more recently; Bob is only a Cc. */
  "INSERT INTO messages (folder_id, date, sender, recipients_to, recipients_cc) VALUES "
  " (1, 100, 'Émilie Durand <emilie@example.fr>', 'me@example.fr', NULL),"
  " (1, 200, 'Emilie Durand <EMILIE@example.fr>', 'me@example.fr', 'Bob Martin <bob@example.org>'),"
  " (1, 300, 'Émilie D. <emilie@example.fr>', 'me@example.fr', NULL),"
  " (1, 400, 'Émile Zola <emile@example.fr>', 'me@example.fr', NULL),"
  " (1, 500, 'not an address at all', 'garbage <<<', NULL),"
  " (1, 50, 'zoe@example.net', 'me@example.fr', 'Bob Martin <bob@example.org>');";

static CourrielAddressBook *
load_book (CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  CourrielAddressBook *book = courriel_address_book_new (store);

  g_assert_false (courriel_address_book_is_loaded (book));
  courriel_address_book_load_async (book, NULL, got_result, &result);
  /* Read off-thread: nothing is there before the main loop gets the answer. */
  g_assert_false (courriel_address_book_is_loaded (book));
  g_assert_true (courriel_address_book_load_finish (book, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_true (courriel_address_book_is_loaded (book));
  return book;
}

static void
assert_completes (CourrielAddressBook *book, const char *prefix, const char *first, const char *second)
{
  g_autoptr (GPtrArray) matches = courriel_address_book_complete (book, prefix, 10);

  g_test_message ("prefix %s", prefix);
  g_assert_cmpuint (matches->len, ==, (first != NULL) + (second != NULL));
  if (first != NULL)
    {
      g_autofree char *text = courriel_address_entry_format (matches->pdata[0]);
      g_assert_cmpstr (text, ==, first);
    }
  if (second != NULL)
    {
      g_autofree char *text = courriel_address_entry_format (matches->pdata[1]);
      g_assert_cmpstr (text, ==, second);
    }
}

/* A new store file in a folder of its own. */
static CourrielStore *
open_store (char **dir, char **path)
{
  g_autoptr (GError) error = NULL;
  CourrielStore *store;

  *dir = g_dir_make_tmp ("courriel-address-book-XXXXXX", &error);
  g_assert_no_error (error);
  *path = g_build_filename (*dir, "mail.db", NULL);
  store = courriel_store_open (*path, &error);
  g_assert_no_error (error);
  return store;
}

static void
test_complete (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (CourrielStore) store = open_store (&dir, &path);
  g_autoptr (CourrielAddressBook) book = NULL;
  g_autoptr (GPtrArray) all = NULL;
  CourrielAddressEntry *emilie;

  courriel_store_write_async (store, write_sql, (gpointer)messages_sql, NULL, NULL, got_result, &result);
  g_assert_true (courriel_store_write_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);

  book = load_book (store);
  /* Most frequent first, whatever the case and accents typed; the newest name is shown. */
  assert_completes (book, "emi", "\"Émilie D.\" <emilie@example.fr>", "Émile Zola <emile@example.fr>");
  assert_completes (book, "ÉMI", "\"Émilie D.\" <emilie@example.fr>", "Émile Zola <emile@example.fr>");
  /* A word of the name, or the start of the address. */
  assert_completes (book, "zola", "Émile Zola <emile@example.fr>", NULL);
  assert_completes (book, "durand", "\"Émilie D.\" <emilie@example.fr>", NULL);
  assert_completes (book, "bob@", "Bob Martin <bob@example.org>", NULL);
  assert_completes (book, "zo", "Émile Zola <emile@example.fr>", "zoe@example.net");
  /* Not in the middle of a word; nothing for an empty or unknown prefix. */
  assert_completes (book, "milie", NULL, NULL);
  assert_completes (book, "  ", NULL, NULL);
  assert_completes (book, "nobody", NULL, NULL);

  all = courriel_address_book_complete (book, "émilie", 10);
  emilie = all->pdata[0];
  g_assert_cmpstr (emilie->address, ==, "emilie@example.fr");
  g_assert_cmpuint (emilie->count, ==, 3);
  g_assert_cmpint (emilie->last, ==, 300);

  courriel_store_close (store);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_closed_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (CourrielStore) store = open_store (&dir, &path);
  g_autoptr (CourrielAddressBook) book = courriel_address_book_new (store);

  courriel_store_close (store);
  courriel_address_book_load_async (book, NULL, got_result, &result);
  g_assert_false (courriel_address_book_load_finish (book, wait_for (&result), &error));
  g_assert_nonnull (error);
  g_assert_false (courriel_address_book_is_loaded (book));
  g_unlink (path);
  g_rmdir (dir);
}

/* 100,000 messages from 5,000 people: read off-thread in well under a second on a desktop, and
 * each completion then costs microseconds. The bounds are generous for a busy test machine. */
static void
test_large_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (CourrielStore) store = open_store (&dir, &path);
  g_autoptr (CourrielAddressBook) book = NULL;
  g_autoptr (GPtrArray) matches = NULL;
  const char *sql =
    "INSERT INTO accounts (address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
    "incoming_username, created) VALUES ('me@example.fr', 'imap', 'imap.example.fr', 993, 'tls', 'me', 0);"
    "INSERT INTO folders (account_id, name, raw_name, role) VALUES (1, 'INBOX', 'INBOX', 'inbox');"
    "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "INSERT INTO messages (folder_id, date, sender, recipients_to, recipients_cc) "
    "SELECT 1, i, printf ('Personne %d <p%d@example.org>', i % 5000, i % 5000), 'Me <me@example.fr>', "
    "printf ('Collègue %d <c%d@example.net>', i % 700, i % 700) FROM n;";
  gint64 start;
  double load_ms;
  double complete_us;

  courriel_store_write_async (store, write_sql, (gpointer)sql, NULL, NULL, got_result, &result);
  g_assert_true (courriel_store_write_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  book = load_book (store);
  load_ms = (g_get_monotonic_time () - start) / 1000.0;
  start = g_get_monotonic_time ();
  /* The worst case: a prefix nobody has, every entry looked at. */
  for (guint i = 0; i < 100; i++)
    g_ptr_array_unref (courriel_address_book_complete (book, "zzz", 8));
  complete_us = (g_get_monotonic_time () - start) / 100.0;
  matches = courriel_address_book_complete (book, "colle", 8);
  g_test_message ("100,000 messages: loaded in %.0f ms, a completion in %.0f µs", load_ms, complete_us);
  g_assert_cmpuint (matches->len, ==, 8);
  g_assert_cmpuint (((CourrielAddressEntry *)matches->pdata[0])->count, ==, 143);
  g_assert_cmpfloat (load_ms, <, 20000);
  g_assert_cmpfloat (complete_us, <, 50000);
  courriel_store_close (store);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  g_test_add_func ("/address-book/complete", test_complete);
  g_test_add_func ("/address-book/closed-store", test_closed_store);
  g_test_add_func ("/address-book/large-store", test_large_store);
  return g_test_run ();
}
