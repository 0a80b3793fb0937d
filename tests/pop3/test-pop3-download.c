/* test-pop3-download.c — POP3 into the local Inbox by the account's policy, against Dovecot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing is deleted from the server before it is stored here, nothing is downloaded twice, and
 * the policy (leave for N days, delete once downloaded, delete when deleted here) is followed,
 * with the time given to the download so that "15 days later" is a test, not a wait.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-certificate.h"
#include "courriel-changes.h"
#include "courriel-pop3-download.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define ADDRESS "carol@example.test"
#define DAY (24 * 60 * 60)

typedef struct
{
  CourrielTestBench *bench;
  char              *fingerprint;
  CourrielStore     *store;
  gint64             now;
  guint              added;
} Fixture;

static void
add_message (Fixture *f, const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Noël Rousseau <noel@rousseau.example>\r\nTo: " ADDRESS "\r\n"
                                          "Subject: %s\r\nMessage-ID: <%s@rousseau.example>\r\n"
                                          "Date: Mon, 02 Mar 2026 09:%02u:00 +0100\r\n\r\nTexte de %s.\r\n",
                                          subject, subject, f->added++, subject);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

  courriel_test_bench_add_message (f->bench, ADDRESS, "INBOX", bytes, NULL, 0, &error);
  g_assert_no_error (error);
}

static gboolean
write_policy (sqlite3 *db, gpointer data, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, incoming_security, "
    "incoming_username, created, pop3_keep_days, pop3_delete_when_deleted_here) VALUES (1, '" ADDRESS "', 'pop3', "
    "'127.0.0.1', 995, 'tls', '" ADDRESS "', 0, %d, %d) ON CONFLICT (id) DO UPDATE SET pop3_keep_days = %d, "
    "pop3_delete_when_deleted_here = %d",
    ((int *)data)[0], ((int *)data)[1], ((int *)data)[0], ((int *)data)[1]);

  return courriel_store_set_error_from_db (db, sqlite3_exec (db, sql, NULL, NULL, NULL), error);
}

static void
set_policy (Fixture *f, int keep_days, gboolean delete_when_deleted_here)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  int policy[2] = { keep_days, delete_when_deleted_here };

  courriel_store_write_async (f->store, write_policy, g_memdup2 (policy, sizeof policy), g_free, NULL,
                              net_test_store_result, &result);
  g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  f->bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (f->bench), &error);
  f->fingerprint = courriel_certificate_get_fingerprint (certificate);
  dir = g_build_filename (courriel_test_bench_get_dir (f->bench), "courriel", NULL);
  g_mkdir (dir, 0700);
  path = g_build_filename (dir, "courriel.db", NULL);
  f->store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  f->now = 1780000000;
  set_policy (f, 14, TRUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  courriel_store_close (f->store);
  g_clear_object (&f->store);
  courriel_test_bench_stop (f->bench);
  g_clear_object (&f->bench);
  g_free (f->fingerprint);
}

static CourrielPop3Client *
log_in (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielConnection) connection = courriel_connection_new (
    "127.0.0.1", courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_POP3S), COURRIEL_SECURITY_TLS);
  g_autoptr (CourrielPop3Client) client = NULL;
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;

  courriel_connection_set_pinned_fingerprint (connection, f->fingerprint);
  client = courriel_pop3_client_new (connection);
  courriel_pop3_client_connect_async (client, NULL, net_test_store_result, &r1);
  g_assert_true (courriel_pop3_client_connect_finish (client, net_test_wait (&r1), &error));
  courriel_pop3_client_authenticate_async (client, NULL, ADDRESS, courriel_test_bench_get_password (f->bench, ADDRESS),
                                           NULL, net_test_store_result, &r2);
  g_assert_true (courriel_pop3_client_authenticate_finish (client, net_test_wait (&r2), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static void
quit (CourrielPop3Client *client)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  courriel_pop3_client_quit_async (client, NULL, net_test_store_result, &result);
  g_assert_true (courriel_pop3_client_quit_finish (client, net_test_wait (&result), &error));
  g_assert_no_error (error);
}

/* One session: log in, download by the policy, QUIT. Returns "downloaded/deleted". */
static char *
download (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielPop3Client) client = log_in (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree CourrielPop3DownloadReport *report = NULL;

  courriel_pop3_download_async (client, f->store, 1, f->now, NULL, NULL, NULL, net_test_store_result, &result);
  report = courriel_pop3_download_finish (net_test_wait (&result), &error);
  g_assert_no_error (error);
  quit (client);
  return g_strdup_printf ("%u/%u", report->downloaded, report->deleted);
}

/* How many messages the server keeps. */
static guint
on_server (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielPop3Client) client = log_in (f);
  g_autoptr (GAsyncResult) result = NULL;
  guint count = 0;
  guint64 size = 0;

  courriel_pop3_client_stat_async (client, NULL, net_test_store_result, &result);
  g_assert_true (courriel_pop3_client_stat_finish (client, net_test_wait (&result), &count, &size, &error));
  quit (client);
  return count;
}

static gpointer
read_text (sqlite3 *db, gpointer data, GError **error)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, data, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s;", sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static char *
query (Fixture *f, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *text;

  courriel_store_read_async (f->store, read_text, (gpointer)sql, NULL, g_free, NULL, net_test_store_result, &result);
  text = courriel_store_read_finish (f->store, net_test_wait (&result), &error);
  g_assert_no_error (error);
  return text;
}

#define INBOX_SUBJECTS                                                                                                 \
  "SELECT m.subject FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.role = 'inbox' ORDER BY m.date"

/* The default: left on the server for 14 days; nothing downloaded twice; then deleted there. */
static void
test_leave_on_server (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *more = NULL;
  g_autofree char *later = NULL;
  g_autofree char *listing = NULL;

  add_message (f, "un");
  add_message (f, "deux");
  first = download (f);
  g_assert_cmpstr (first, ==, "2/0");
  listing = query (f, INBOX_SUBJECTS);
  g_assert_cmpstr (listing, ==, "un;deux;");
  g_assert_cmpuint (on_server (f), ==, 2);

  again = download (f);
  g_assert_cmpstr (again, ==, "0/0");
  add_message (f, "trois");
  f->now += 13 * DAY;
  more = download (f);
  g_assert_cmpstr (more, ==, "1/0");

  /* Fifteen days after the first download: the first two leave the server, the third stays. */
  f->now += 2 * DAY;
  later = download (f);
  g_assert_cmpstr (later, ==, "0/2");
  g_assert_cmpuint (on_server (f), ==, 1);
  g_free (listing);
  listing = query (f, INBOX_SUBJECTS);
  g_assert_cmpstr (listing, ==, "un;deux;trois;");
}

/* Deleted here for good (not only moved to the Trash): deleted there too, if the account says. */
static void
test_delete_when_deleted_here (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autofree char *trashed = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 message;

  add_message (f, "garder");
  add_message (f, "jeter");
  first = download (f);
  g_assert_cmpstr (first, ==, "2/0");
  id = query (f, "SELECT id FROM messages WHERE subject = 'jeter'");
  message = g_ascii_strtoll (id, NULL, 10);
  g_array_append_val (ids, message);
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;
    courriel_changes_delete_async (f->store, ids, NULL, net_test_store_result, &result);
    g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
  }
  /* In the local Trash, it is still here: nothing happens on the server. */
  trashed = download (f);
  g_assert_cmpstr (trashed, ==, "0/0");
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *pending = NULL;
    courriel_changes_delete_async (f->store, ids, NULL, net_test_store_result, &result);
    g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
    /* A POP3 account's folders are all here: nothing is queued for a server. */
    pending = query (f, "SELECT count (*) FROM pending_ops");
    g_assert_cmpstr (pending, ==, "0;");
  }
  gone = download (f);
  g_assert_cmpstr (gone, ==, "0/1");
  g_assert_cmpuint (on_server (f), ==, 1);

  /* Without the option, deleting here leaves the server alone. */
  set_policy (f, -1, FALSE);
  {
    g_autofree char *kept = NULL;
    g_autofree char *left = query (f, "SELECT id FROM messages WHERE subject = 'garder'");
    gint64 other = g_ascii_strtoll (left, NULL, 10);
    g_autoptr (GAsyncResult) r1 = NULL;
    g_autoptr (GAsyncResult) r2 = NULL;
    g_autoptr (GError) error = NULL;

    g_array_index (ids, gint64, 0) = other;
    courriel_changes_delete_async (f->store, ids, NULL, net_test_store_result, &r1);
    g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&r1), &error));
    courriel_changes_delete_async (f->store, ids, NULL, net_test_store_result, &r2);
    g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&r2), &error));
    f->now += 400 * DAY;
    kept = download (f);
    g_assert_cmpstr (kept, ==, "0/0");
    g_assert_cmpuint (on_server (f), ==, 1);
  }
}

/* "Delete from the server once downloaded". */
static void
test_delete_after_download (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autofree char *listing = NULL;

  set_policy (f, 0, FALSE);
  add_message (f, "a");
  add_message (f, "b");
  add_message (f, "c");
  first = download (f);
  g_assert_cmpstr (first, ==, "3/3");
  g_assert_cmpuint (on_server (f), ==, 0);
  listing = query (f, INBOX_SUBJECTS);
  g_assert_cmpstr (listing, ==, "a;b;c;");
}

static void
cancel_after_first (gint64 done, gint64 total, gpointer user_data)
{
  if (done >= 1)
    g_cancellable_cancel (user_data);
}

/* Interrupted after the first message is stored, with the policy "delete once downloaded": the
 * session deletes nothing; the next one takes up the rest; nothing twice, nothing lost. */
static void
test_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (CourrielPop3Client) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree CourrielPop3DownloadReport *report = NULL;
  g_autofree char *count = NULL;
  g_autofree char *rest = NULL;

  set_policy (f, 0, TRUE);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *subject = g_strdup_printf ("lot-%u", i);
      add_message (f, subject);
    }
  client = log_in (f);
  courriel_pop3_download_async (client, f->store, 1, f->now, cancel_after_first, cancellable, cancellable,
                                net_test_store_result, &result);
  report = courriel_pop3_download_finish (net_test_wait (&result), &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&client); /* the session ends without QUIT */
  count = query (f, "SELECT count (*) FROM messages");
  g_assert_cmpuint (g_ascii_strtoull (count, NULL, 10), >=, 1);
  g_assert_cmpuint (g_ascii_strtoull (count, NULL, 10), <, 6);
  g_assert_cmpuint (on_server (f), ==, 6);

  rest = download (f);
  g_free (count);
  count = query (f, "SELECT count (*) || ':' || count (DISTINCT pop3_uidl) FROM messages");
  g_assert_cmpstr (count, ==, "6:6;");
  g_assert_cmpuint (on_server (f), ==, 0);
}

/* Scripted servers ------------------------------------------------------------------------------ */

typedef struct
{
  gboolean has_uidl;
  guint    kill_at;  /* RETR of this message ends the connection halfway; 0: never */
  guint    deleted;
} Script;

static const char *scripted_messages[] = {
  "From: a@example.org\r\nSubject: premier\r\nMessage-ID: <s1@example.org>\r\n\r\nUn.\r\n.point\r\n",
  "From: b@example.org\r\nSubject: second\r\nMessage-ID: <s2@example.org>\r\n\r\nDeux.\r\n",
};

static void
send_stuffed (GIOStream *stream, const char *text, gsize length)
{
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);
  gsize sent = 0;

  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL && sent < length; i++)
    {
      g_autofree char *line = g_strdup_printf ("%s%s\r\n", lines[i][0] == '.' ? "." : "", lines[i]);
      net_test_send (stream, line);
      sent += strlen (lines[i]) + 2;
    }
}

static void
script_server (GSocketConnection *connection, gpointer user_data)
{
  Script *script = user_data;
  GIOStream *stream = G_IO_STREAM (connection);

  net_test_send (stream, "+OK ready\r\n");
  for (;;)
    {
      g_autofree char *line = net_test_receive_line (stream);
      guint n = line != NULL && strchr (line, ' ') != NULL ? (guint)g_ascii_strtoull (strchr (line, ' ') + 1, NULL, 10) : 0;

      if (line == NULL)
        return;
      if (g_str_has_prefix (line, "CAPA"))
        net_test_send (stream, "-ERR no CAPA\r\n");
      else if (g_str_has_prefix (line, "USER") || g_str_has_prefix (line, "PASS") || g_str_has_prefix (line, "NOOP"))
        net_test_send (stream, "+OK\r\n");
      else if (g_str_has_prefix (line, "UIDL") && !script->has_uidl)
        net_test_send (stream, "-ERR unknown command\r\n");
      else if (g_str_has_prefix (line, "UIDL"))
        net_test_send (stream, "+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n");
      else if (g_str_has_prefix (line, "LIST"))
        {
          g_autofree char *answer = g_strdup_printf ("+OK\r\n1 %zu\r\n2 %zu\r\n.\r\n", strlen (scripted_messages[0]),
                                                     strlen (scripted_messages[1]));
          net_test_send (stream, answer);
        }
      else if (g_str_has_prefix (line, "TOP") && n >= 1 && n <= 2)
        {
          const char *message = scripted_messages[n - 1];
          net_test_send (stream, "+OK\r\n");
          send_stuffed (stream, message, strstr (message, "\r\n\r\n") + 4 - message);
          net_test_send (stream, ".\r\n");
        }
      else if (g_str_has_prefix (line, "RETR") && n >= 1 && n <= 2)
        {
          const char *message = scripted_messages[n - 1];
          net_test_send (stream, "+OK\r\n");
          if (n == script->kill_at)
            {
              send_stuffed (stream, message, strlen (message) / 2);
              return; /* the server goes away mid-message */
            }
          send_stuffed (stream, message, strlen (message));
          net_test_send (stream, ".\r\n");
        }
      else if (g_str_has_prefix (line, "DELE"))
        {
          script->deleted++;
          net_test_send (stream, "+OK\r\n");
        }
      else if (g_str_has_prefix (line, "QUIT"))
        {
          net_test_send (stream, "+OK bye\r\n");
          return;
        }
      else
        net_test_send (stream, "-ERR what?\r\n");
    }
}

/* One scripted session; returns the download's error, if any. */
static GError *
scripted_download (CourrielStore *store, Script *script)
{
  NetTestServer *server = net_test_server_start (script_server, script);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", server->port,
                                                                       COURRIEL_SECURITY_NONE);
  g_autoptr (CourrielPop3Client) client = NULL;
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GAsyncResult) r3 = NULL;
  g_autofree CourrielPop3DownloadReport *report = NULL;
  GError *error = NULL;

  courriel_connection_set_allow_insecure_auth (connection, TRUE);
  client = courriel_pop3_client_new (connection);
  courriel_pop3_client_connect_async (client, NULL, net_test_store_result, &r1);
  g_assert_true (courriel_pop3_client_connect_finish (client, net_test_wait (&r1), NULL));
  courriel_pop3_client_authenticate_async (client, NULL, "u", "p", NULL, net_test_store_result, &r2);
  g_assert_true (courriel_pop3_client_authenticate_finish (client, net_test_wait (&r2), NULL));
  courriel_pop3_download_async (client, store, 1, 1780000000, NULL, NULL, NULL, net_test_store_result, &r3);
  report = courriel_pop3_download_finish (net_test_wait (&r3), &error);
  if (report != NULL)
    {
      g_autoptr (GAsyncResult) r4 = NULL;
      courriel_pop3_client_quit_async (client, NULL, net_test_store_result, &r4);
      g_assert_true (courriel_pop3_client_quit_finish (client, net_test_wait (&r4), NULL));
    }
  courriel_connection_close (connection);
  net_test_server_finish (server);
  return error;
}

/* A server without UIDL (messages told apart by their headers), and one that dies mid-RETR:
 * nothing half-stored, nothing twice, nothing deleted that is not stored. */
static void
test_difficult_servers (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("courriel-pop3-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  Fixture f = { .store = store };
  Script killed = { TRUE, 2, 0 };
  Script whole = { TRUE, 0, 0 };
  Script no_uidl = { FALSE, 0, 0 };
  g_autofree char *listing = NULL;
  GError *failure;

  g_assert_no_error (error);
  set_policy (&f, 0, FALSE); /* delete once downloaded: the strictest test of "stored first" */

  failure = scripted_download (store, &killed);
  g_assert_nonnull (failure);
  g_error_free (failure);
  g_assert_cmpuint (killed.deleted, ==, 0);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;");

  g_assert_null (scripted_download (store, &whole));
  g_assert_cmpuint (whole.deleted, ==, 2);
  g_free (listing);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;");

  /* A server without UIDL, into another store: its messages are told apart by their headers,
   * and a second session downloads nothing again. */
  {
    g_autofree char *other_path = g_build_filename (dir, "other.db", NULL);
    g_autoptr (CourrielStore) other = courriel_store_open (other_path, &error);
    Fixture o = { .store = other };
    Script again = { FALSE, 0, 0 };

    set_policy (&o, -1, FALSE);
    g_assert_null (scripted_download (other, &no_uidl));
    g_assert_null (scripted_download (other, &again));
    g_free (listing);
    listing = query (&o, "SELECT count (*) || ':' || count (DISTINCT pop3_uidl) || ':' || min (pop3_uidl LIKE "
                         "'header-sha256:%') FROM messages");
    g_assert_cmpstr (listing, ==, "2:2:1;");
    courriel_store_close (other);
  }
  courriel_store_close (store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/pop3-download/leave-on-server", Fixture, NULL, fixture_set_up, test_leave_on_server,
              fixture_tear_down);
  g_test_add ("/pop3-download/delete-when-deleted-here", Fixture, NULL, fixture_set_up,
              test_delete_when_deleted_here, fixture_tear_down);
  g_test_add ("/pop3-download/delete-after-download", Fixture, NULL, fixture_set_up, test_delete_after_download,
              fixture_tear_down);
  g_test_add ("/pop3-download/interrupted", Fixture, NULL, fixture_set_up, test_interrupted, fixture_tear_down);
  g_test_add_func ("/pop3-download/difficult-servers", test_difficult_servers);
  return g_test_run ();
}
