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
  /* The sidebar's counts for the Inbox follow what arrived: two messages, both unread. */
  g_free (listing);
  listing = query (f, "SELECT total || '/' || unread FROM folders WHERE role = 'inbox'");
  g_assert_cmpstr (listing, ==, "2/2;");

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

/* Another client, over IMAP: one command, its answer (untagged lines included), which must be OK. */
static char *
imap (CourrielConnection *connection, const char *command)
{
  static guint tag;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_strdup_printf ("t%u %s\r\n", ++tag, command);
  g_autofree char *done = g_strdup_printf ("t%u OK", tag);
  g_autofree char *prefix = g_strdup_printf ("t%u ", tag);
  char *answer;

  g_assert_true (net_test_write (connection, line, &error));
  answer = net_test_read_until (connection, prefix, &error);
  g_assert_no_error (error);
  if (strstr (answer, done) == NULL)
    g_error ("IMAP %s: %s", command, answer);
  return answer;
}

static void
imap_do (CourrielConnection *connection, const char *command)
{
  g_free (imap (connection, command));
}

/* The UID of the message of this subject, in the selected folder. */
static guint
imap_uid (CourrielConnection *connection, const char *subject)
{
  g_autofree char *command = g_strdup_printf ("UID SEARCH SUBJECT \"%s\"", subject);
  g_autofree char *answer = imap (connection, command);
  const char *found = strstr (answer, "* SEARCH ");
  char *end = NULL;
  guint64 uid;

  g_assert_nonnull (found);
  uid = g_ascii_strtoull (found + 9, &end, 10);
  g_assert_cmpuint (uid, >, 0);
  g_assert_true (*end == '\n' || *end == '\r');
  return (guint)uid;
}

static CourrielConnection *
imap_log_in (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielConnection) connection = courriel_connection_new (
    "127.0.0.1", courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAPS), COURRIEL_SECURITY_TLS);
  g_autofree char *greeting = NULL;
  g_autofree char *login = NULL;

  courriel_connection_set_pinned_fingerprint (connection, f->fingerprint);
  g_assert_true (net_test_connect (connection, &error));
  greeting = net_test_read_line (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  login = g_strdup_printf ("LOGIN \"" ADDRESS "\" \"%s\"", courriel_test_bench_get_password (f->bench, ADDRESS));
  imap_do (connection, login);
  return g_steal_pointer (&connection);
}

/* The same mailbox read over IMAP elsewhere while Courriel downloads it by POP3, leaving mail on
 * the server: what the other client reads, flags, moves or deletes stays as it left it; what
 * it deleted or moved simply leaves the POP3 listing; what arrives later is downloaded once; and
 * Courriel deletes only what its policy lets go. */
static void
test_imap_elsewhere (Fixture *f, gconstpointer data)
{
  g_autoptr (CourrielConnection) other = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *fourth = NULL;
  g_autofree char *last = NULL;
  g_autofree char *listing = NULL;
  const char *subjects[] = { "lu", "drapeau", "classe", "efface", "reste" };

  set_policy (f, 14, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    add_message (f, subjects[i]);
  first = download (f);
  g_assert_cmpstr (first, ==, "5/0");

  /* Elsewhere: one read, one flagged, one moved to Archive, one deleted; the session stays open. */
  other = imap_log_in (f);
  imap_do (other, "SELECT INBOX");
  {
    g_autofree char *read = g_strdup_printf ("UID FETCH %u BODY[]", imap_uid (other, "lu"));
    g_autofree char *flag = g_strdup_printf ("UID STORE %u +FLAGS (\\Flagged)", imap_uid (other, "drapeau"));
    g_autofree char *move = g_strdup_printf ("UID MOVE %u Archive", imap_uid (other, "classe"));
    g_autofree char *gone = g_strdup_printf ("UID STORE %u +FLAGS (\\Deleted)", imap_uid (other, "efface"));
    g_autofree char *body = imap (other, read);

    g_assert_nonnull (strstr (body, "Texte de lu."));
    imap_do (other, flag);
    imap_do (other, move);
    imap_do (other, gone);
    imap_do (other, "EXPUNGE");
  }
  g_assert_cmpuint (on_server (f), ==, 3);
  add_message (f, "nouveau");
  second = download (f);
  g_assert_cmpstr (second, ==, "1/0"); /* the new one only; nothing gone here */
  third = download (f);
  g_assert_cmpstr (third, ==, "0/0");
  listing = query (f, INBOX_SUBJECTS);
  g_assert_cmpstr (listing, ==, "lu;drapeau;classe;efface;reste;nouveau;");

  /* Deleted here for good: deleted there, and that one only. */
  {
    g_autofree char *id = query (f, "SELECT id FROM messages WHERE subject = 'reste'");
    g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    gint64 message = g_ascii_strtoll (id, NULL, 10);

    g_array_append_val (ids, message);
    for (guint i = 0; i < 2; i++) /* to the Trash, then for good */
      {
        g_autoptr (GAsyncResult) result = NULL;
        g_autoptr (GError) error = NULL;
        courriel_changes_delete_async (f->store, ids, NULL, net_test_store_result, &result);
        g_assert_true (courriel_store_write_finish (f->store, net_test_wait (&result), &error));
      }
  }
  fourth = download (f);
  g_assert_cmpstr (fourth, ==, "0/1");
  g_assert_cmpuint (on_server (f), ==, 3);

  /* The other client sees its changes intact and the message Courriel deleted gone. */
  {
    g_autofree char *flags = NULL;
    g_autofree char *all = NULL;
    g_autofree char *archive = NULL;
    g_autofree char *fetch = g_strdup_printf ("UID FETCH %u FLAGS", imap_uid (other, "drapeau"));

    flags = imap (other, fetch);
    g_assert_nonnull (strstr (flags, "\\Flagged"));
    all = imap (other, "SEARCH SUBJECT \"reste\"");
    g_assert_nonnull (strstr (all, "* SEARCH\n")); /* none */
    archive = imap (other, "STATUS Archive (MESSAGES)");
    g_assert_nonnull (strstr (archive, "(MESSAGES 1)"));
  }

  /* 14 days on, what is left in the Inbox there goes, by the policy; the Archive is not POP3's. */
  f->now += 14 * DAY;
  last = download (f);
  g_assert_cmpstr (last, ==, "0/3");
  g_assert_cmpuint (on_server (f), ==, 0);
  {
    g_autofree char *archive = imap (other, "STATUS Archive (MESSAGES)");
    g_assert_nonnull (strstr (archive, "(MESSAGES 1)"));
  }
  imap_do (other, "LOGOUT");
  g_free (listing);
  listing = query (f, INBOX_SUBJECTS);
  g_assert_cmpstr (listing, ==, "lu;drapeau;classe;efface;nouveau;");
}

/* Scripted servers ------------------------------------------------------------------------------ */

/* A message of the session: which of scripted_messages (from 1), under which UIDL. */
typedef struct
{
  guint       message;
  const char *uid;
} Slot;

typedef struct
{
  gboolean    has_uidl;
  guint       kill_at;    /* RETR of this message ends the connection halfway; 0: never */
  guint       deleted;
  gboolean    no_top;     /* TOP answers -ERR */
  const Slot *listing;    /* the session's messages, by number, up to { 0 }; NULL: the first two */
  gint64      now;        /* 0: 1780000000 */
  guint       gone;       /* the messages (bit n for scripted_messages[n - 1]) that got a DELE */
  guint       downloaded; /* what the download reported */
} Script;

static const char *scripted_messages[] = {
  "From: a@example.org\r\nSubject: premier\r\nMessage-ID: <s1@example.org>\r\n\r\nUn.\r\n.point\r\n",
  "From: b@example.org\r\nSubject: second\r\nMessage-ID: <s2@example.org>\r\n\r\nDeux.\r\n",
  "From: c@example.org\r\nSubject: troisième\r\nMessage-ID: <s3@example.org>\r\n\r\nTrois.\r\n",
  "From: d@example.org\r\nSubject: quatrième\r\nMessage-ID: <s4@example.org>\r\n\r\nQuatre.\r\n",
};

static const Slot default_listing[] = { { 1, "uid-one" }, { 2, "uid-two" }, { 0 } };

#define BIT(message) (1u << (message))

/* The message at number @n in this session, or NULL. */
static const Slot *
slot_at (const Script *script, guint n)
{
  const Slot *listing = script->listing != NULL ? script->listing : default_listing;

  for (guint i = 0; listing[i].message != 0; i++)
    if (i + 1 == n)
      return &listing[i];
  return NULL;
}

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
      else if (g_str_has_prefix (line, "UIDL") || g_str_has_prefix (line, "LIST"))
        {
          g_autoptr (GString) answer = g_string_new ("+OK\r\n");
          const Slot *slot;

          for (guint i = 1; (slot = slot_at (script, i)) != NULL; i++)
            if (line[0] == 'U')
              g_string_append_printf (answer, "%u %s\r\n", i, slot->uid);
            else
              g_string_append_printf (answer, "%u %zu\r\n", i, strlen (scripted_messages[slot->message - 1]));
          g_string_append (answer, ".\r\n");
          net_test_send (stream, answer->str);
        }
      else if (g_str_has_prefix (line, "TOP") && !script->no_top && slot_at (script, n) != NULL)
        {
          const char *message = scripted_messages[slot_at (script, n)->message - 1];
          net_test_send (stream, "+OK\r\n");
          send_stuffed (stream, message, strstr (message, "\r\n\r\n") + 4 - message);
          net_test_send (stream, ".\r\n");
        }
      else if (g_str_has_prefix (line, "RETR") && slot_at (script, n) != NULL)
        {
          const char *message = scripted_messages[slot_at (script, n)->message - 1];
          net_test_send (stream, "+OK\r\n");
          if (n == script->kill_at)
            {
              send_stuffed (stream, message, strlen (message) / 2);
              return; /* the server goes away mid-message */
            }
          send_stuffed (stream, message, strlen (message));
          net_test_send (stream, ".\r\n");
        }
      else if (g_str_has_prefix (line, "DELE") && slot_at (script, n) != NULL)
        {
          script->deleted++;
          script->gone |= BIT (slot_at (script, n)->message);
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
  courriel_pop3_download_async (client, store, 1, script->now != 0 ? script->now : 1780000000, NULL, NULL, NULL,
                                net_test_store_result, &r3);
  report = courriel_pop3_download_finish (net_test_wait (&r3), &error);
  if (report != NULL)
    {
      script->downloaded = report->downloaded;
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

static CourrielStore *
scratch_store (char **dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  CourrielStore *store;

  *dir = g_dir_make_tmp ("courriel-pop3-XXXXXX", NULL);
  path = g_build_filename (*dir, "courriel.db", NULL);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  return store;
}

#define T0 ((gint64)1780000000)

/* A server that renumbers its messages between sessions (one deleted elsewhere, then an
 * arbitrary order): the DELE goes to the number that holds the stored message in this session,
 * never to the one it had before. */
static void
test_renumbering_server (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (CourrielStore) store = scratch_store (&dir);
  Fixture f = { .store = store };
  const Slot first[] = { { 1, "u1" }, { 2, "u2" }, { 0 } };
  const Slot shifted[] = { { 2, "u2" }, { 3, "u3" }, { 0 } }; /* 1 deleted elsewhere: 2 is now number 1 */
  const Slot shuffled[] = { { 3, "u3" }, { 2, "u2" }, { 0 } };
  Script s1 = { .has_uidl = TRUE, .listing = first, .now = T0 };
  Script s2 = { .has_uidl = TRUE, .listing = shifted, .now = T0 + DAY };
  Script s3 = { .has_uidl = TRUE, .listing = shuffled, .now = T0 + 14 * DAY };
  g_autofree char *listing = NULL;

  set_policy (&f, 14, FALSE);
  g_assert_null (scripted_download (store, &s1));
  g_assert_cmpuint (s1.downloaded, ==, 2);
  g_assert_cmpuint (s1.gone, ==, 0);
  g_assert_null (scripted_download (store, &s2));
  g_assert_cmpuint (s2.downloaded, ==, 1);
  g_assert_cmpuint (s2.gone, ==, 0);
  /* 14 days on: "second" (downloaded on day 0) goes; "troisième" (day 1) stays, whatever its number. */
  g_assert_null (scripted_download (store, &s3));
  g_assert_cmpuint (s3.downloaded, ==, 0);
  g_assert_cmpuint (s3.gone, ==, BIT (2));
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;troisième;");
  courriel_store_close (store);
}

/* A server that forgets a UIDL for a session, then lists it again, then gives a known UIDL to
 * another message (with TOP, then without): nothing twice, nothing lost, and a DELE only for
 * what is stored here. */
static void
test_forgetful_server (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (CourrielStore) store = scratch_store (&dir);
  Fixture f = { .store = store };
  const Slot both[] = { { 1, "u1" }, { 2, "u2" }, { 0 } };
  const Slot forgot[] = { { 2, "u2" }, { 0 } };
  const Slot reused_u1[] = { { 3, "u1" }, { 2, "u2" }, { 0 } };
  const Slot reused_u2[] = { { 3, "u1" }, { 4, "u2" }, { 0 } };
  Script s1 = { .has_uidl = TRUE, .listing = both, .now = T0 };
  Script s2 = { .has_uidl = TRUE, .listing = forgot, .now = T0 + DAY };
  Script s3 = { .has_uidl = TRUE, .listing = both, .now = T0 + 2 * DAY };
  Script s4 = { .has_uidl = TRUE, .listing = reused_u1, .now = T0 + 15 * DAY };
  Script s5 = { .has_uidl = TRUE, .no_top = TRUE, .listing = reused_u2, .now = T0 + 15 * DAY };
  Script s6 = { .has_uidl = TRUE, .no_top = TRUE, .listing = reused_u2, .now = T0 + 30 * DAY };
  g_autofree char *listing = NULL;

  set_policy (&f, 14, TRUE);
  g_assert_null (scripted_download (store, &s1));
  g_assert_cmpuint (s1.downloaded, ==, 2);
  g_assert_null (scripted_download (store, &s2));
  g_assert_cmpuint (s2.downloaded + s2.gone, ==, 0);
  /* u1 is back: still the message stored here, not a new one. */
  g_assert_null (scripted_download (store, &s3));
  g_assert_cmpuint (s3.downloaded + s3.gone, ==, 0);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;");

  /* Day 15: both are due to leave the server, but u1 now names "troisième", never downloaded:
   * it is downloaded, not deleted; only "second" goes. */
  g_assert_null (scripted_download (store, &s4));
  g_assert_cmpuint (s4.downloaded, ==, 1);
  g_assert_cmpuint (s4.gone, ==, BIT (2));
  /* The same with u2 and a server without TOP: the header is checked on the whole message. */
  g_assert_null (scripted_download (store, &s5));
  g_assert_cmpuint (s5.downloaded, ==, 1);
  g_assert_cmpuint (s5.gone, ==, 0);
  g_free (listing);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;troisième;quatrième;");
  /* 15 days after they were downloaded, they go: they are the ones stored. */
  g_assert_null (scripted_download (store, &s6));
  g_assert_cmpuint (s6.downloaded, ==, 0);
  g_assert_cmpuint (s6.gone, ==, BIT (3) | BIT (4));
  g_free (listing);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;troisième;quatrième;");
  courriel_store_close (store);
}

/* One UIDL for two messages in one session: both are downloaded, once; neither is deleted, for
 * the UIDL cannot say which is which. The same message listed twice is stored once. */
static void
test_uidl_listed_twice (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (CourrielStore) store = scratch_store (&dir);
  Fixture f = { .store = store };
  const Slot twice[] = { { 1, "same" }, { 2, "same" }, { 0 } };
  const Slot copies[] = { { 3, "copy" }, { 3, "copy" }, { 0 } };
  Script s1 = { .has_uidl = TRUE, .listing = twice, .now = T0 };
  Script s2 = { .has_uidl = TRUE, .listing = twice, .now = T0 };
  const Slot once[] = { { 1, "same" }, { 0 } };
  Script s3 = { .has_uidl = TRUE, .listing = copies, .now = T0 };
  Script s4 = { .has_uidl = TRUE, .listing = once, .now = T0 };
  g_autofree char *listing = NULL;

  set_policy (&f, 0, TRUE);
  g_assert_null (scripted_download (store, &s1));
  g_assert_cmpuint (s1.downloaded, ==, 2);
  g_assert_cmpuint (s1.gone, ==, 0);
  g_assert_null (scripted_download (store, &s2));
  g_assert_cmpuint (s2.downloaded + s2.gone, ==, 0);
  g_assert_null (scripted_download (store, &s3));
  g_assert_cmpuint (s3.downloaded, ==, 1);
  g_assert_cmpuint (s3.gone, ==, 0);
  /* Once the server lists the UIDL once, its message is one of those stored: it goes. */
  g_assert_null (scripted_download (store, &s4));
  g_assert_cmpuint (s4.downloaded, ==, 0);
  g_assert_cmpuint (s4.gone, ==, BIT (1));
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;troisième;");
  courriel_store_close (store);
}

/* Neither UIDL nor TOP: each message is downloaded at each check and known by its header; the
 * new ones are stored once, and only those stored may be deleted, whatever their numbers. */
static void
test_no_uidl_no_top (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (CourrielStore) store = scratch_store (&dir);
  Fixture f = { .store = store };
  const Slot later[] = { { 2 }, { 3 }, { 1 }, { 0 } };
  Script killed = { .kill_at = 2, .no_top = TRUE };
  Script s2 = { .no_top = TRUE };
  Script s3 = { .no_top = TRUE };
  Script s4 = { .no_top = TRUE, .listing = later };
  g_autofree char *listing = NULL;
  GError *failure;

  set_policy (&f, -1, FALSE);
  failure = scripted_download (store, &killed);
  g_assert_nonnull (failure);
  g_error_free (failure);
  g_assert_cmpuint (killed.gone, ==, 0);
  g_assert_null (scripted_download (store, &s2));
  g_assert_cmpuint (s2.downloaded, ==, 1);
  g_assert_null (scripted_download (store, &s3));
  g_assert_cmpuint (s3.downloaded + s3.gone, ==, 0);
  listing = query (&f, "SELECT subject FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier;second;");

  /* Now "delete once downloaded", with one more message and the numbers in another order. */
  set_policy (&f, 0, FALSE);
  g_assert_null (scripted_download (store, &s4));
  g_assert_cmpuint (s4.downloaded, ==, 1);
  g_assert_cmpuint (s4.gone, ==, BIT (1) | BIT (2) | BIT (3));
  g_free (listing);
  listing = query (&f, "SELECT subject || ':' || (pop3_uidl LIKE 'header-sha256:%') FROM messages ORDER BY id");
  g_assert_cmpstr (listing, ==, "premier:1;second:1;troisième:1;");
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
  g_test_add ("/pop3-download/imap-elsewhere", Fixture, NULL, fixture_set_up, test_imap_elsewhere, fixture_tear_down);
  g_test_add_func ("/pop3-download/difficult-servers", test_difficult_servers);
  g_test_add_func ("/pop3-download/renumbering-server", test_renumbering_server);
  g_test_add_func ("/pop3-download/forgetful-server", test_forgetful_server);
  g_test_add_func ("/pop3-download/uidl-listed-twice", test_uidl_listed_twice);
  g_test_add_func ("/pop3-download/no-uidl-no-top", test_no_uidl_no_top);
  return g_test_run ();
}
