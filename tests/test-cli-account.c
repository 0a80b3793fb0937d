/* test-cli-account.c — `courriel-cli account` against the bench's real Dovecot: an account is
 * saved only after its login worked, certificates are accepted only by fingerprint, and the
 * exit statuses are the ones scripts rely on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "courriel-test-bench.h"

static CourrielTestBench *bench;
static char *data_dir;
static char *fingerprint;
static GString *transcript; /* everything the CLI printed, debug messages included */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
cli_in (const char *dir, Result *r, const char *input, const char * const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *option = g_strdup_printf ("--data-dir=%s", dir);

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_ptr_array_add (argv, (char *)COURRIEL_CLI);
  g_ptr_array_add (argv, option);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &r->out, &r->err, &error);
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (proc);
  g_string_append_printf (transcript, "%s%s", r->out, r->err);
  g_test_message ("exit %d: %s%s", r->status, r->out, r->err);
}

static void
cli (Result *r, const char *input, const char * const *args)
{
  cli_in (data_dir, r, input, args);
}

static char *
incoming_url (const char *scheme, CourrielTestBenchService service)
{
  return g_strdup_printf ("%s://127.0.0.1:%u", scheme, courriel_test_bench_get_port (bench, service));
}

static char *
password_line (const char *address)
{
  return g_strdup_printf ("%s\n", courriel_test_bench_get_password (bench, address));
}

static gboolean
listed (const char *address)
{
  g_auto (Result) r = { 0 };
  const char *args[] = { "account", "list", "--json", NULL };
  g_autofree char *needle = g_strdup_printf ("\"address\": \"%s\"", address);

  cli (&r, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  return strstr (r.out, needle) != NULL;
}

static void
test_add_list_remove (void)
{
  g_autofree char *imaps = incoming_url ("imaps", COURRIEL_TEST_BENCH_IMAPS);
  g_autofree char *imap = incoming_url ("imap", COURRIEL_TEST_BENCH_IMAP);
  g_autofree char *smtp = incoming_url ("smtp", COURRIEL_TEST_BENCH_SUBMISSION);
  g_autofree char *alice = password_line ("alice@example.test");
  g_autofree char *carol = password_line ("carol@example.test");
  /* As `openssl x509 -fingerprint -sha256` prints it, or lowercase without colons: both work. */
  g_autofree char *compact = g_ascii_strdown (fingerprint, -1);

  g_strdelimit (compact, ":", ' ');
  {
    GString *s = g_string_new (NULL);
    for (const char *p = compact; *p; p++)
      if (*p != ' ')
        g_string_append_c (s, *p);
    g_free (compact);
    compact = g_string_free (s, FALSE);
  }

  {
    /* A self-signed certificate is refused, and the message gives its fingerprint. */
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "alice@example.test", "--incoming", imaps, "--outgoing", smtp,
                           "--password-stdin", NULL };
    cli (&r, alice, args);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, fingerprint));
    g_assert_false (listed ("alice@example.test"));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "alice@example.test", "--incoming", imaps, "--outgoing", smtp,
                           "--password-stdin", "--accept-certificate", fingerprint, NULL };
    cli (&r, "not-the-password\n", args);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "Logging in failed"));
    g_assert_false (listed ("alice@example.test"));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "alice@example.test", "--name", "Alice", "--incoming", imaps,
                           "--outgoing", smtp, "--password-stdin", "--accept-certificate", fingerprint, "--json", NULL };
    cli (&r, alice, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "\"address\": \"alice@example.test\""));
  }
  {
    /* The SIZE the bench's Postfix announces is saved with the account, for the composer. */
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "list", "--json", NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "\"smtp_size_limit\": 10240000}"));
  }
  {
    /* The outgoing server is checked too: port 25 takes no login, so nothing is saved. */
    g_autofree char *relay = incoming_url ("smtp", COURRIEL_TEST_BENCH_SMTP);
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "carol@example.test", "--incoming", imap, "--outgoing", relay,
                           "--password-stdin", "--accept-certificate", compact, NULL };
    cli (&r, carol, args);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "no way to log in"));
    g_assert_false (listed ("carol@example.test"));
  }
  {
    /* imap:// means STARTTLS, required. */
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "carol@example.test", "--incoming", imap, "--outgoing", smtp,
                           "--password-stdin", "--accept-certificate", compact, NULL };
    cli (&r, carol, args);
    g_assert_cmpint (r.status, ==, 0);
  }
  g_assert_true (listed ("alice@example.test"));
  g_assert_true (listed ("carol@example.test"));

  /* POP3: pop3s:// is implicit TLS, pop3:// requires STLS; the login is checked the same way;
   * sync downloads into the account's local Inbox, by its policy. */
  {
    g_autofree char *pop3s = incoming_url ("pop3s", COURRIEL_TEST_BENCH_POP3S);
    g_autofree char *pop3 = incoming_url ("pop3", COURRIEL_TEST_BENCH_POP3);
    g_autofree char *carol_password = password_line ("carol@example.test");
    g_autofree char *pop3_data = g_build_filename (courriel_test_bench_get_dir (bench), "pop3-data", NULL);
    g_autoptr (GError) error = NULL;
    const char *raw = "From: Hélène Moreau <helene.moreau@example.net>\r\nTo: carol@example.test\r\n"
                      "Subject: Par POP3\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\nBonjour Carol.\r\n";
    g_autoptr (GBytes) bytes = g_bytes_new_static (raw, strlen (raw));
    g_auto (Result) wrong = { 0 };
    g_auto (Result) tls = { 0 };
    g_auto (Result) stls = { 0 };
    g_auto (Result) sync = { 0 };
    g_auto (Result) again = { 0 };
    g_auto (Result) list = { 0 };
    const char *wrong_args[] = { "account", "add", "--email", "carol@example.test", "--incoming", pop3s, "--outgoing",
                                 smtp, "--password-stdin", "--accept-certificate", fingerprint, NULL };
    const char *tls_args[] = { "account", "add", "--email", "carol@example.test", "--incoming", pop3s, "--outgoing",
                               smtp, "--password-stdin", "--accept-certificate", fingerprint, "--json", NULL };
    const char *stls_args[] = { "account", "add", "--email", "carol@example.test", "--incoming", pop3, "--outgoing",
                                smtp, "--password-stdin", "--accept-certificate", fingerprint,
                                "--pop3-keep-days", "30", NULL };
    const char *sync_args[] = { "sync", "carol@example.test", "--json", NULL };
    const char *list_args[] = { "list", "carol@example.test", "INBOX", NULL };

    cli_in (pop3_data, &wrong, "not-the-password\n", wrong_args);
    g_assert_cmpint (wrong.status, ==, 1);
    g_assert_nonnull (strstr (wrong.err, "Logging in failed"));
    cli_in (pop3_data, &tls, carol_password, tls_args);
    g_assert_cmpint (tls.status, ==, 0);
    g_assert_nonnull (strstr (tls.out, "\"address\": \"carol@example.test\""));
    cli_in (pop3_data, &stls, carol_password, stls_args);
    g_assert_cmpint (stls.status, ==, 0);

    courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", bytes, NULL, 0, &error);
    g_assert_no_error (error);
    cli_in (pop3_data, &sync, NULL, sync_args);
    g_assert_cmpint (sync.status, ==, 0);
    g_assert_nonnull (strstr (sync.out, "\"added\": 1, \"total\": 1"));
    g_assert_nonnull (strstr (sync.out, "\"deleted_on_server\": 0"));
    cli_in (pop3_data, &again, NULL, sync_args);
    g_assert_nonnull (strstr (again.out, "\"added\": 0, \"total\": 1"));
    cli_in (pop3_data, &list, NULL, list_args);
    g_assert_nonnull (strstr (list.out, "\tHélène Moreau <helene.moreau@example.net>\tPar POP3\n"));
  }

  /* sync brings folders and headers into the store; folders and list show them. */
  {
    g_autoptr (GError) error = NULL;
    const char *raw = "From: =?utf-8?q?=C3=89lodie?= <elodie@example.org>\r\nTo: alice@example.test\r\n"
                      "Subject: =?utf-8?q?R=C3=A9union?= de lundi\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\n\r\nBonjour\r\n";
    g_autoptr (GBytes) bytes = g_bytes_new_static (raw, strlen (raw));
    g_auto (Result) sync = { 0 };
    g_auto (Result) folders = { 0 };
    g_auto (Result) messages = { 0 };
    const char *sync_args[] = { "sync", "alice@example.test", NULL };
    const char *folder_args[] = { "folders", "alice@example.test", NULL };
    const char *list_args[] = { "list", "alice@example.test", "INBOX", "--limit", "5", NULL };

    courriel_test_bench_add_message (bench, "alice@example.test", "INBOX", bytes, NULL, 1772440200, &error);
    g_assert_no_error (error);
    cli (&sync, NULL, sync_args);
    g_assert_cmpint (sync.status, ==, 0);
    cli (&folders, NULL, folder_args);
    g_assert_cmpint (folders.status, ==, 0);
    g_assert_nonnull (strstr (folders.out, "INBOX\tinbox\t1\t1\n"));
    g_assert_nonnull (strstr (folders.out, "Sent\tsent\t0\t0\n"));
    cli (&messages, NULL, list_args);
    g_assert_cmpint (messages.status, ==, 0);
    g_assert_nonnull (strstr (messages.out, "2026-03-02 08:30:00\tÉlodie <elodie@example.org>\tRéunion de lundi\n"));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "sync", "nobody@example.test", NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 1);
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "x@example.test", "--incoming", "http://example.test",
                           "--outgoing", smtp, "--password-stdin", NULL };
    cli (&r, "pw\n", args);
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "remove", "alice@example.test", NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
  }
  g_assert_false (listed ("alice@example.test"));
  g_assert_true (listed ("carol@example.test"));
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "remove", "alice@example.test", NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 1);
  }
}


static void
add_bob (const char *dir)
{
  g_auto (Result) r = { 0 };
  g_autofree char *imaps = incoming_url ("imaps", COURRIEL_TEST_BENCH_IMAPS);
  g_autofree char *smtps = incoming_url ("smtps", COURRIEL_TEST_BENCH_SUBMISSIONS);
  g_autofree char *bob = password_line ("bob@example.test");
  const char *args[] = { "account", "add", "--email", "bob@example.test", "--incoming", imaps, "--outgoing", smtps,
                         "--password-stdin", "--accept-certificate", fingerprint, NULL };

  cli_in (dir, &r, bob, args);
  g_assert_cmpint (r.status, ==, 0);
}

static void
add_message (const char *folder, const char *subject, const char *body)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Chloé Garnier <chloe@example.org>\r\nTo: bob@example.test\r\n"
                                          "Subject: %s\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n"
                                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
                                          subject, body);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

  courriel_test_bench_add_message (bench, "bob@example.test", folder, bytes, NULL, 0, &error);
  g_assert_no_error (error);
}

/* The id `list` prints for the message with this subject. */
static char *
id_of (const char *dir, const char *subject)
{
  g_auto (Result) r = { 0 };
  const char *args[] = { "list", "bob@example.test", "INBOX", NULL };
  g_auto (GStrv) lines = NULL;

  cli_in (dir, &r, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (r.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], subject))
      return g_strndup (lines[i], strcspn (lines[i], "\t"));
  g_error ("no message “%s” in %s", subject, r.out);
}

/* show, search, mark, move and delete; a second data folder (another device) sees the changes. */
static void
test_messages (void)
{
  g_autofree char *other = g_build_filename (courriel_test_bench_get_dir (bench), "other-device", NULL);
  g_autofree char *facture = NULL;
  g_autofree char *lundi = NULL;
  g_autofree char *spam = NULL;

  add_message ("INBOX", "Facture de février", "Voici la facture, à régler avant vendredi.");
  add_message ("INBOX", "Réunion de lundi", "On se retrouve lundi à 10 h.");
  add_message ("INBOX", "Gagnez un voyage", "Cliquez ici.");
  add_bob (data_dir);
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "sync", "bob@example.test", "--json", NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "{\"name\": \"INBOX\", \"role\": \"inbox\", \"added\": 3, \"total\": 3, \"bodies\": 0}"));
    g_assert_nonnull (strstr (r.out, "\"bytes_received\": "));
  }
  facture = id_of (data_dir, "Facture de février");
  lundi = id_of (data_dir, "Réunion de lundi");
  spam = id_of (data_dir, "Gagnez un voyage");
  {
    /* The body is fetched when first shown, then read from the store. */
    g_auto (Result) r = { 0 };
    g_auto (Result) raw = { 0 };
    g_auto (Result) json = { 0 };
    const char *args[] = { "show", facture, NULL };
    const char *raw_args[] = { "show", facture, "--raw", NULL };
    const char *json_args[] = { "--json", "show", facture, NULL };
    cli (&r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "Subject: Facture de février\n"));
    g_assert_nonnull (strstr (r.out, "Voici la facture, à régler avant vendredi."));
    cli (&raw, NULL, raw_args);
    g_assert_nonnull (strstr (raw.out, "Content-Type: text/plain; charset=utf-8\r\n"));
    cli (&json, NULL, json_args);
    g_assert_nonnull (strstr (json.out, "\"unread\": true"));
  }
  {
    /* Found by a word of its body (cached now) and by a prefix of the header. */
    g_auto (Result) body = { 0 };
    g_auto (Result) subject = { 0 };
    const char *body_args[] = { "search", "regler", NULL };
    const char *subject_args[] = { "search", "subject:reunion", "--json", NULL };
    cli (&body, NULL, body_args);
    g_assert_cmpint (body.status, ==, 0);
    g_assert_true (g_str_has_prefix (body.out, facture));
    g_assert_nonnull (strstr (body.out, "\tFacture de février\n"));
    cli (&subject, NULL, subject_args);
    g_assert_nonnull (strstr (subject.out, "\"subject\": \"Réunion de lundi\""));
  }
  {
    /* A word of a body not downloaded: only the server knows it. */
    g_auto (Result) local = { 0 };
    g_auto (Result) online = { 0 };
    const char *local_args[] = { "search", "retrouve", NULL };
    const char *online_args[] = { "search", "retrouve", "--online", NULL };
    cli (&local, NULL, local_args);
    g_assert_cmpint (local.status, ==, 0);
    g_assert_cmpstr (local.out, ==, "");
    cli (&online, NULL, online_args);
    g_assert_cmpint (online.status, ==, 0);
    g_assert_true (g_str_has_prefix (online.out, lundi));
    g_assert_nonnull (strstr (online.out, "\tRéunion de lundi\n"));
  }
  {
    g_auto (Result) mark = { 0 };
    g_auto (Result) move = { 0 };
    g_auto (Result) del = { 0 };
    g_auto (Result) bad = { 0 };
    g_auto (Result) missing = { 0 };
    const char *mark_args[] = { "mark", facture, lundi, "--read", "--json", NULL };
    const char *move_args[] = { "move", lundi, "Archive", NULL };
    const char *delete_args[] = { "delete", spam, NULL };
    const char *bad_args[] = { "mark", facture, NULL };
    const char *missing_args[] = { "mark", "999999", "--star", NULL };
    cli (&mark, NULL, mark_args);
    g_assert_cmpint (mark.status, ==, 0);
    g_assert_cmpstr (mark.out, ==, "{\"changed\": 2, \"sent\": true}\n");
    cli (&move, NULL, move_args);
    g_assert_cmpint (move.status, ==, 0);
    cli (&del, NULL, delete_args);
    g_assert_cmpint (del.status, ==, 0);
    cli (&bad, NULL, bad_args);
    g_assert_cmpint (bad.status, ==, 2);
    cli (&missing, NULL, missing_args);
    g_assert_cmpint (missing.status, ==, 1);
    g_assert_nonnull (strstr (missing.err, "999999"));
  }
  {
    /* Sending: through the Outbox; a message too large for the server stays there, failed. (To an
     * unroutable address: Postfix defers it, and no mailbox the other tests count changes, not
     * even by a bounce.) */
    g_autofree char *large = g_build_filename (courriel_test_bench_get_dir (bench), "large.bin", NULL);
    g_autofree char *zeros = g_malloc0 (11 * 1024 * 1024);
    g_auto (Result) sent = { 0 };
    g_auto (Result) refused = { 0 };
    g_auto (Result) listed = { 0 };
    const char *send_args[] = { "send", "--account", "bob@example.test", "--to", "Amélie <amelie@[192.0.2.1]>",
                                "--subject", "Envoi par la ligne de commande", "--json", NULL };
    const char *large_args[] = { "send", "--account", "bob@example.test", "--to", "amelie@[192.0.2.1]",
                                 "--subject", "Trop gros", "--attach", large, NULL };
    const char *outbox_args[] = { "outbox", "bob@example.test", NULL };

    g_assert_true (g_file_set_contents (large, zeros, 11 * 1024 * 1024, NULL));
    cli (&sent, "Bonjour Amélie,\nun mot envoyé depuis le terminal.\n", send_args);
    g_assert_cmpint (sent.status, ==, 0);
    g_assert_cmpstr (sent.out, ==, "{\"sent\": 1, \"queued\": 0, \"failed\": 0}\n");
    cli (&refused, "Voici.\n", large_args);
    g_assert_cmpint (refused.status, ==, 1);
    g_assert_nonnull (strstr (refused.err, "too large"));
    g_assert_nonnull (strstr (refused.err, "more than the"));
    cli (&listed, NULL, outbox_args);
    g_assert_cmpint (listed.status, ==, 0);
    g_assert_nonnull (strstr (listed.out, "\tfailed\tamelie@[192.0.2.1]\tTrop gros\t"));
    g_assert_null (strstr (listed.out, "Envoi par la ligne de commande"));
  }
  {
    /* A draft, saved twice: the second version replaces the first, here and on the server. */
    g_auto (Result) first = { 0 };
    g_auto (Result) second = { 0 };
    const char *draft_args[] = { "draft", "--account", "bob@example.test", "--subject", "Brouillon", NULL };
    cli (&first, "Première version.\n", draft_args);
    g_assert_cmpint (first.status, ==, 0);
    g_assert_cmpint (g_ascii_strtoll (first.out, NULL, 10), >, 0);
    {
      const char *replace_args[] = { "draft", "--account", "bob@example.test", "--subject", "Brouillon",
                                     "--replace", g_strchomp (first.out), "--json", NULL };
      cli (&second, "Deuxième version.\n", replace_args);
    }
    g_assert_cmpint (second.status, ==, 0);
    g_assert_true (g_str_has_prefix (second.out, "{\"id\": "));
  }
  {
    /* Another device with its own store sees all of it after its sync. */
    g_auto (Result) sync = { 0 };
    g_auto (Result) folders = { 0 };
    const char *sync_args[] = { "sync", NULL };
    const char *folder_args[] = { "folders", "bob@example.test", NULL };
    add_bob (other);
    cli_in (other, &sync, NULL, sync_args);
    g_assert_cmpint (sync.status, ==, 0);
    cli_in (other, &folders, NULL, folder_args);
    g_assert_nonnull (strstr (folders.out, "INBOX\tinbox\t1\t0\n"));
    g_assert_nonnull (strstr (folders.out, "Archive\tarchive\t1\t0\n"));
    g_assert_nonnull (strstr (folders.out, "Trash\ttrash\t1\t1\n"));
    /* The sent message's copy, and the last version of the draft. */
    g_assert_nonnull (strstr (folders.out, "Sent\tsent\t1\t0\n"));
    g_assert_nonnull (strstr (folders.out, "Drafts\tdrafts\t1\t0\n"));
  }
}

/* A number the database at @path gives, -1 if it cannot (yet). */
static gint64
count_in (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static gint64
count_messages (const char *path)
{
  return count_in (path, "SELECT count (*) FROM messages");
}

/* `sync ADDRESS` in @dir, killed with SIGKILL once @stored messages are committed (10 s at most).
 * Returns how many were. */
static gint64
sync_killed (const char *dir, const char *address, gint64 stored)
{
  g_autofree char *db = g_build_filename (dir, "courriel.db", NULL);
  g_autofree char *option = g_strdup_printf ("--data-dir=%s", dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  gint64 at_kill = 0;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, COURRIEL_CLI, option, "sync", address, NULL);
  g_assert_no_error (error);
  for (guint tries = 0; at_kill < stored && tries < 5000; tries++)
    {
      g_usleep (2000);
      at_kill = count_messages (db);
    }
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, NULL);
  return count_messages (db);
}

/* kill -9 in the middle of a sync, then sync again: every message once, none twice. */
static void
test_killed_sync (void)
{
  g_autofree char *dir = g_build_filename (courriel_test_bench_get_dir (bench), "killed", NULL);
  g_autofree char *db = g_build_filename (dir, "courriel.db", NULL);
  gint64 at_kill;
  const guint n = 8000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Lot %u", i);
      add_message ("Lots", subject, "Un message parmi beaucoup d’autres.");
    }
  add_bob (dir);
  /* Killed as soon as a first batch of "Lots" is committed (the count shows it). */
  at_kill = sync_killed (dir, "bob@example.test", 100);
  g_test_message ("%" G_GINT64_FORMAT " messages were in the store when the sync was killed", at_kill);
  g_assert_cmpint (at_kill, >=, 100);
  g_assert_cmpint (at_kill, <, n);
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "sync", "bob@example.test", NULL };
    cli_in (dir, &r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "folders", "bob@example.test", NULL };
    g_autofree char *line = g_strdup_printf ("Lots\t\t%u\t%u\n", n, n);
    cli_in (dir, &r, NULL, args);
    g_assert_nonnull (strstr (r.out, line));
  }
  /* And, from /cli/messages, Bob's three messages, the copy of what he sent, and his draft. */
  g_assert_cmpint (count_messages (db), ==, n + 5);
}

/* How many messages the server keeps in carol's Inbox: her Maildir's files. */
static guint
carol_on_server (void)
{
  const char *parts[] = { "cur", "new" };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *path = g_build_filename (courriel_test_bench_get_dir (bench), "mail", "carol@example.test",
                                                "Maildir", parts[i], NULL);
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

      while (dir != NULL && g_dir_read_name (dir) != NULL)
        n++;
    }
  return n;
}

/* kill -9 in the middle of a POP3 sync, then sync again: every message once, none twice, and
 * nothing deleted on the server that is not stored here (leaving mail on the server, then
 * deleting it once downloaded). */
static void
killed_pop3_sync (const char *name, const char *keep_days)
{
  g_autofree char *dir = g_build_filename (courriel_test_bench_get_dir (bench), name, NULL);
  g_autofree char *db = g_build_filename (dir, "courriel.db", NULL);
  g_autofree char *pop3s = incoming_url ("pop3s", COURRIEL_TEST_BENCH_POP3S);
  g_autofree char *smtps = incoming_url ("smtps", COURRIEL_TEST_BENCH_SUBMISSIONS);
  g_autofree char *carol = password_line ("carol@example.test");
  guint total = carol_on_server ();
  gint64 at_kill;

  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "carol@example.test", "--incoming", pop3s, "--outgoing",
                           smtps, "--password-stdin", "--accept-certificate", fingerprint, "--pop3-keep-days",
                           keep_days, NULL };
    cli_in (dir, &r, carol, args);
    g_assert_cmpint (r.status, ==, 0);
  }
  at_kill = sync_killed (dir, "carol@example.test", 50);
  g_test_message ("%s: %" G_GINT64_FORMAT " of %u messages stored when the sync was killed", name, at_kill, total);
  g_assert_cmpint (at_kill, >=, 50);
  g_assert_cmpint (at_kill, <, total);
  g_assert_cmpuint (carol_on_server (), ==, total); /* no QUIT: nothing deleted */
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "sync", "carol@example.test", "--json", NULL };
    g_autofree char *added = g_strdup_printf ("\"added\": %" G_GINT64_FORMAT ", \"total\": %u", total - at_kill, total);
    cli_in (dir, &r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, added));
  }
  g_assert_cmpint (count_in (db, "SELECT count (DISTINCT pop3_uidl) FROM messages"), ==, total);
  g_assert_cmpint (count_messages (db), ==, total);
}

static void
test_killed_pop3_sync (void)
{
  const guint n = 1200;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *raw = g_strdup_printf ("From: Chloé Garnier <chloe@example.org>\r\nTo: carol@example.test\r\n"
                                              "Subject: Relevé %u\r\nMessage-ID: <releve-%u@example.org>\r\n"
                                              "Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\nRelevé numéro %u.\r\n",
                                              i, i, i);
      g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

      courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", bytes, NULL, 0, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (carol_on_server (), >=, n);
  /* Left on the server: all of it still there. */
  killed_pop3_sync ("pop3-killed", "14");
  g_assert_cmpuint (carol_on_server (), >=, n);
  /* Deleted once downloaded: only once downloaded, and then all of it. */
  killed_pop3_sync ("pop3-killed-dele", "0");
  g_assert_cmpuint (carol_on_server (), ==, 0);
}

/* A message left "sending" in Bob's Outbox, as a crash after the final dot leaves it; its id. */
static char *
insert_uncertain (const char *db_path, const char *subject)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf (
    "INSERT INTO outbox (account_id, sender, recipients, created, state, last_error) "
    "SELECT id, address, 'amelie@[192.0.2.1]', 0, 'sending', 'Maybe sent' FROM accounts "
    "WHERE address = 'bob@example.test';"
    "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (last_insert_rowid (), CAST ('From: bob@example.test\r\n"
    "To: amelie@[192.0.2.1]\r\nSubject: %s\r\n\r\nTexte.\r\n' AS BLOB))",
    subject);
  char *id;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  id = g_strdup_printf ("%lld", (long long)sqlite3_last_insert_rowid (db)); /* the body's key is the message's */
  sqlite3_close (db);
  return id;
}

/* A message left "sending" (maybe sent: Courriel stopped after the final dot, before the server's
 * reply) is listed as such and never sent by `outbox --send`; the user settles it: --retry (it
 * was not sent: it goes at the next --send) or --remove. */
static void
test_outbox_uncertain (void)
{
  g_autofree char *dir = g_build_filename (courriel_test_bench_get_dir (bench), "outbox", NULL);
  g_autofree char *db = g_build_filename (dir, "courriel.db", NULL);
  g_autofree char *retried = NULL;
  g_autofree char *removed = NULL;

  add_bob (dir);
  retried = insert_uncertain (db, "Parti ou pas");
  removed = insert_uncertain (db, "Sans doute parti");
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "outbox", "bob@example.test", "--send", NULL };
    g_autofree char *line = g_strdup_printf ("%s\tsending\tamelie@[192.0.2.1]\tParti ou pas\tMaybe sent\n", retried);
    cli_in (dir, &r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, line));
    g_assert_nonnull (strstr (r.out, "\tsending\tamelie@[192.0.2.1]\tSans doute parti\t"));
  }
  {
    g_auto (Result) missing = { 0 };
    g_auto (Result) no_account = { 0 };
    g_auto (Result) both = { 0 };
    const char *missing_args[] = { "outbox", "bob@example.test", "--retry", "999999", NULL };
    const char *no_account_args[] = { "outbox", "--remove", retried, NULL };
    const char *both_args[] = { "outbox", "bob@example.test", "--retry", retried, "--remove", removed, NULL };
    cli_in (dir, &missing, NULL, missing_args);
    g_assert_cmpint (missing.status, ==, 1);
    g_assert_nonnull (strstr (missing.err, "999999"));
    cli_in (dir, &no_account, NULL, no_account_args);
    g_assert_cmpint (no_account.status, ==, 2);
    cli_in (dir, &both, NULL, both_args);
    g_assert_cmpint (both.status, ==, 2);
  }
  {
    /* Back in the queue, and sent. */
    g_auto (Result) r = { 0 };
    const char *args[] = { "outbox", "bob@example.test", "--retry", retried, "--send", "--json", NULL };
    cli_in (dir, &r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_null (strstr (r.out, "Parti ou pas"));
    g_assert_nonnull (strstr (r.out, "\"state\": \"sending\", \"attempts\": 0, \"to\": \"amelie@[192.0.2.1]\", "
                                     "\"subject\": \"Sans doute parti\""));
  }
  {
    g_auto (Result) r = { 0 };
    const char *args[] = { "outbox", "bob@example.test", "--remove", removed, NULL };
    cli_in (dir, &r, NULL, args);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (r.out, ==, "");
  }
  {
    /* What is queued and due goes with the next sync, its copy into Sent. */
    g_autofree char *queued = insert_uncertain (db, "Parti avec la synchro");
    g_auto (Result) retry = { 0 };
    g_auto (Result) sync = { 0 };
    g_auto (Result) left = { 0 };
    g_auto (Result) sent = { 0 };
    const char *retry_args[] = { "outbox", "bob@example.test", "--retry", queued, NULL };
    const char *sync_args[] = { "sync", "bob@example.test", NULL };
    const char *left_args[] = { "outbox", "bob@example.test", NULL };
    const char *sent_args[] = { "list", "bob@example.test", "Sent", NULL };
    cli_in (dir, &retry, NULL, retry_args);
    g_assert_cmpint (retry.status, ==, 0);
    cli_in (dir, &sync, NULL, sync_args);
    g_assert_cmpint (sync.status, ==, 0);
    cli_in (dir, &left, NULL, left_args);
    g_assert_cmpstr (left.out, ==, "");
    cli_in (dir, &sent, NULL, sent_args);
    g_assert_nonnull (strstr (sent.out, "\tParti avec la synchro\n"));
  }
}

static gboolean
folder_contains (const char *dir, const char *needle)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR) ? folder_contains (path, needle)
          : g_file_get_contents (path, &contents, &length, NULL) && memmem (contents, length, needle, strlen (needle)))
        return TRUE;
    }
  return FALSE;
}

/* After everything above: no password in any data folder (database, WAL, anything), nor in
 * anything the CLI printed, debug messages included. */
static void
test_passwords_stay_secret (void)
{
  const char * const *users = courriel_test_bench_get_users (bench);

  g_assert_cmpuint (transcript->len, >, 1000);
  for (guint i = 0; users[i] != NULL; i++)
    {
      const char *password = courriel_test_bench_get_password (bench, users[i]);
      g_autofree char *dir = g_build_filename (courriel_test_bench_get_dir (bench), NULL);
      g_autofree char *data = g_build_filename (dir, "courriel-data", NULL);
      g_autofree char *other = g_build_filename (dir, "other-device", NULL);
      g_autofree char *pop3 = g_build_filename (dir, "pop3-data", NULL);
      g_autofree char *killed = g_build_filename (dir, "killed", NULL);
      g_autofree char *pop3_killed = g_build_filename (dir, "pop3-killed", NULL);
      g_autofree char *pop3_killed_dele = g_build_filename (dir, "pop3-killed-dele", NULL);

      g_assert_null (strstr (transcript->str, password));
      g_assert_false (folder_contains (data, password));
      g_assert_false (folder_contains (other, password));
      g_assert_false (folder_contains (pop3, password));
      g_assert_false (folder_contains (killed, password));
      g_assert_false (folder_contains (pop3_killed, password));
      g_assert_false (folder_contains (pop3_killed_dele, password));
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  GString *text = g_string_new (NULL);
  int status;

  g_test_init (&argc, &argv, NULL);
  transcript = g_string_new (NULL);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("No D-Bus session: run the tests through build-aux/check, which starts one with gnome-keyring");

  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  data_dir = g_build_filename (courriel_test_bench_get_dir (bench), "courriel-data", NULL);
  /* The fingerprint as openssl prints it, computed here independently of Courriel's code. */
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &length);
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (text, "%s%02X", i > 0 ? ":" : "", digest[i]);
  fingerprint = g_string_free (text, FALSE);

  g_test_add_func ("/cli/account/add-list-remove", test_add_list_remove);
  g_test_add_func ("/cli/messages", test_messages);
  g_test_add_func ("/cli/killed-sync", test_killed_sync);
  g_test_add_func ("/cli/killed-pop3-sync", test_killed_pop3_sync);
  g_test_add_func ("/cli/outbox-uncertain", test_outbox_uncertain);
  g_test_add_func ("/cli/passwords-stay-secret", test_passwords_stay_secret);
  status = g_test_run ();
  g_clear_object (&bench);
  return status;
}
