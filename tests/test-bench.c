/* test-bench.c — proves the real-server test bench: Postfix takes mail with SMTP AUTH and
 * Dovecot serves it over IMAP and POP3, with and without implicit TLS; a crashed test
 * leaves no server and no directory behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * curl plays the client here; Courriel's own protocol code is tested elsewhere against the
 * same bench.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "courriel-test-bench.h"
#include "courriel-test-curl.h"

static CourrielTestBench *shared_bench;

static CourrielTestBench *
get_bench (void)
{
  g_autoptr (GError) error = NULL;

  if (shared_bench == NULL)
    {
      shared_bench = courriel_test_bench_new (&error);
      g_assert_no_error (error);
    }
  return shared_bench;
}

static char *
write_message (const char *from, const char *to, const char *subject)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *text = g_strdup_printf ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
                                           "Message-ID: <%s@example.test>\r\n\r\n"
                                           "Bonjour, this message proves the test bench.\r\n",
                                           from, to, subject, date, subject);
  char *path = NULL;
  int fd = g_file_open_tmp ("courriel-test-XXXXXX.eml", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Submits a message from alice to @to through Postfix with SMTP AUTH; returns curl's status. */
static int
submit (CourrielTestBench *bench, CourrielTestBenchService service, const char *password,
        const char *to, const char *subject)
{
  const char *from = "alice@example.test";
  g_autofree char *file = write_message (from, to, subject);
  g_autofree char *target = courriel_test_url (bench, service == COURRIEL_TEST_BENCH_SUBMISSIONS ? "smtps" : "smtp", service, NULL);
  g_autofree char *user = g_strdup_printf ("%s:%s", from, password);
  g_autofree char *rcpt = g_strdup_printf ("<%s>", to);
  const char *args[] = { "--ssl-reqd", "--cacert", courriel_test_bench_get_ca_file (bench),
                         "--mail-from", from, "--mail-rcpt", rcpt, "--user", user,
                         "--upload-file", file, target, NULL };
  int status = courriel_test_curl (args, NULL);

  g_unlink (file);
  return status;
}

static char *
imap_search (CourrielTestBench *bench, const char *address, gboolean implicit_tls, const char *token)
{
  g_autofree char *criteria = g_strdup_printf ("HEADER Subject \"%s\"", token);

  return courriel_test_imap_search (bench, address, implicit_tls, "INBOX", criteria);
}

/* Delivery through LMTP is asynchronous: wait (bounded) until the message is in the INBOX. */
static char *
wait_for_message (CourrielTestBench *bench, const char *address, const char *token)
{
  for (guint i = 0; i < 150; i++)
    {
      char *uids = imap_search (bench, address, TRUE, token);

      if (*uids != '\0')
        return uids;
      g_free (uids);
      g_usleep (100 * 1000);
    }
  return NULL;
}

/* The message containing @token, read over POP3 (implicit TLS or STLS), or NULL. */
static char *
pop3_find (CourrielTestBench *bench, const char *address, gboolean implicit_tls, const char *token)
{
  g_autofree char *user = courriel_test_credentials (bench, address);
  g_autofree char *listing = NULL;
  g_auto (GStrv) lines = NULL;
  const char *ca = courriel_test_bench_get_ca_file (bench);

  {
    g_autofree char *target = implicit_tls ? courriel_test_url (bench, "pop3s", COURRIEL_TEST_BENCH_POP3S, NULL)
                                           : courriel_test_url (bench, "pop3", COURRIEL_TEST_BENCH_POP3, NULL);
    const char *args[] = { "--ssl-reqd", "--cacert", ca, "--user", user, target, NULL };
    g_assert_cmpint (courriel_test_curl (args, &listing), ==, 0);
  }

  lines = g_strsplit (listing, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 number = g_ascii_strtoull (lines[i], NULL, 10);
      g_autofree char *path = NULL;
      g_autofree char *target = NULL;
      g_autofree char *message = NULL;

      if (number == 0)
        continue;
      path = g_strdup_printf ("%" G_GUINT64_FORMAT, number);
      target = implicit_tls ? courriel_test_url (bench, "pop3s", COURRIEL_TEST_BENCH_POP3S, path)
                            : courriel_test_url (bench, "pop3", COURRIEL_TEST_BENCH_POP3, path);
      {
        const char *args[] = { "--ssl-reqd", "--cacert", ca, "--user", user, target, NULL };
        g_assert_cmpint (courriel_test_curl (args, &message), ==, 0);
      }
      if (strstr (message, token) != NULL)
        return g_steal_pointer (&message);
    }
  return NULL;
}

static char *
unique_token (const char *what)
{
  static guint serial;
  return g_strdup_printf ("%s-%d-%u-%" G_GINT64_FORMAT, what, (int)getpid (), ++serial, g_get_real_time ());
}

static void
check_submission_reaches_imap_and_pop3 (CourrielTestBenchService service)
{
  CourrielTestBench *bench = get_bench ();
  g_autofree char *token = unique_token (courriel_test_bench_service_name (service));
  g_autofree char *uids = NULL;
  g_autofree char *starttls_uids = NULL;
  g_autofree char *over_pop3s = NULL;
  g_autofree char *over_pop3 = NULL;

  g_assert_cmpint (submit (bench, service, courriel_test_bench_get_password (bench, "alice@example.test"),
                           "bob@example.test", token), ==, 0);

  uids = wait_for_message (bench, "bob@example.test", token);
  g_assert_nonnull (uids);
  g_assert_cmpstr (uids, !=, "");

  starttls_uids = imap_search (bench, "bob@example.test", FALSE, token);
  g_assert_cmpstr (starttls_uids, ==, uids);

  over_pop3s = pop3_find (bench, "bob@example.test", TRUE, token);
  g_assert_nonnull (over_pop3s);
  g_assert_nonnull (strstr (over_pop3s, "From: alice@example.test"));
  g_assert_nonnull (strstr (over_pop3s, "Bonjour, this message proves the test bench."));

  over_pop3 = pop3_find (bench, "bob@example.test", FALSE, token);
  g_assert_cmpstr (over_pop3, ==, over_pop3s);

  /* Only the recipient got it. */
  {
    g_autofree char *carol = imap_search (bench, "carol@example.test", TRUE, token);
    g_assert_cmpstr (carol, ==, "");
  }
}

static void
test_submission_starttls (void)
{
  check_submission_reaches_imap_and_pop3 (COURRIEL_TEST_BENCH_SUBMISSION);
}

static void
test_submissions_implicit_tls (void)
{
  check_submission_reaches_imap_and_pop3 (COURRIEL_TEST_BENCH_SUBMISSIONS);
}

static void
test_wrong_password_refused (void)
{
  CourrielTestBench *bench = get_bench ();
  g_autofree char *refused = unique_token ("refused");
  g_autofree char *accepted = unique_token ("accepted");
  g_autofree char *refused_uids = NULL;

  g_assert_cmpint (submit (bench, COURRIEL_TEST_BENCH_SUBMISSION, "not-the-password", "bob@example.test", refused),
                   ==, CURL_LOGIN_DENIED);
  g_assert_cmpint (submit (bench, COURRIEL_TEST_BENCH_SUBMISSIONS, "not-the-password", "bob@example.test", refused),
                   ==, CURL_LOGIN_DENIED);

  /* Mail is delivered in order: once a later message is there, the refused one never will be. */
  g_assert_cmpint (submit (bench, COURRIEL_TEST_BENCH_SUBMISSION,
                           courriel_test_bench_get_password (bench, "alice@example.test"), "bob@example.test", accepted),
                   ==, 0);
  g_free (wait_for_message (bench, "bob@example.test", accepted));
  refused_uids = imap_search (bench, "bob@example.test", TRUE, refused);
  g_assert_cmpstr (refused_uids, ==, "");

  /* IMAP and POP3 refuse a wrong password too. */
  {
    g_autofree char *target = courriel_test_url (bench, "imaps", COURRIEL_TEST_BENCH_IMAPS, "INBOX");
    const char *args[] = { "--cacert", courriel_test_bench_get_ca_file (bench), "--user",
                           "bob@example.test:wrong", "--request", "NOOP", target, NULL };
    g_assert_cmpint (courriel_test_curl (args, NULL), ==, CURL_LOGIN_DENIED);
  }
  {
    g_autofree char *target = courriel_test_url (bench, "pop3s", COURRIEL_TEST_BENCH_POP3S, NULL);
    const char *args[] = { "--cacert", courriel_test_bench_get_ca_file (bench), "--user",
                           "bob@example.test:wrong", target, NULL };
    g_assert_cmpint (courriel_test_curl (args, NULL), ==, CURL_LOGIN_DENIED);
  }
}

static void
test_no_open_relay (void)
{
  CourrielTestBench *bench = get_bench ();
  g_autofree char *file = write_message ("mallory@elsewhere.invalid", "victim@elsewhere.invalid", "relay");
  g_autofree char *target = courriel_test_url (bench, "smtp", COURRIEL_TEST_BENCH_SMTP, NULL);
  const char *args[] = { "--mail-from", "mallory@elsewhere.invalid", "--mail-rcpt", "victim@elsewhere.invalid",
                         "--upload-file", file, target, NULL };

  /* The incoming-mail port takes mail for example.test only, and submission wants AUTH. */
  g_assert_cmpint (courriel_test_curl (args, NULL), !=, 0);
  g_unlink (file);
}

static void
test_certificate_is_self_signed (void)
{
  CourrielTestBench *bench = get_bench ();
  g_autofree char *target = courriel_test_url (bench, "imaps", COURRIEL_TEST_BENCH_IMAPS, "INBOX");
  g_autofree char *user = courriel_test_credentials (bench, "carol@example.test");
  g_autofree char *pem = NULL;
  const char *args[] = { "--user", user, "--request", "NOOP", target, NULL };

  /* Not trusted by the system: what later tests of certificate pinning rely on. */
  g_assert_cmpint (courriel_test_curl (args, NULL), ==, CURL_SSL_CACERT);

  g_file_get_contents (courriel_test_bench_get_ca_file (bench), &pem, NULL, NULL);
  g_assert_nonnull (strstr (pem, "-----BEGIN CERTIFICATE-----"));
}

static void
test_add_message_with_flags (void)
{
  CourrielTestBench *bench = get_bench ();
  g_autoptr (GError) error = NULL;
  g_autofree char *token = unique_token ("maildir");
  g_autofree char *raw = g_strdup_printf ("From: Élodie <elodie@example.test>\r\nTo: carol@example.test\r\n"
                                          "Subject: %s\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\n\r\nSalut !\r\n",
                                          token);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));
  g_autofree char *uids = NULL;
  g_autofree char *archived = NULL;
  g_autofree char *command = NULL;
  g_autofree char *fetched = NULL;
  g_autofree char *listing = NULL;
  const gint64 received = 1772440200; /* 2026-03-02 08:30:00 UTC */

  courriel_test_bench_add_message (bench, "carol@example.test", "INBOX", bytes, "FS", received, &error);
  g_assert_no_error (error);
  courriel_test_bench_add_message (bench, "carol@example.test", "Archive", bytes, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_false (courriel_test_bench_add_message (bench, "nobody@example.test", "INBOX", bytes, NULL, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  uids = imap_search (bench, "carol@example.test", TRUE, token);
  g_assert_cmpstr (uids, !=, "");
  command = g_strdup_printf ("UID FETCH %s (FLAGS INTERNALDATE)", uids);
  fetched = courriel_test_imap (bench, "carol@example.test", TRUE, "INBOX", command);
  g_assert_nonnull (strstr (fetched, "\\Seen"));
  g_assert_nonnull (strstr (fetched, "\\Flagged"));
  g_assert_nonnull (strstr (fetched, "02-Mar-2026"));

  archived = courriel_test_imap_search (bench, "carol@example.test", FALSE, "Archive", "UNSEEN");
  g_assert_cmpstr (archived, !=, "");

  listing = courriel_test_imap (bench, "carol@example.test", TRUE, NULL, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
  g_assert_nonnull (strstr (listing, "\\Archive"));
  g_assert_nonnull (strstr (listing, "\\Sent"));
  g_assert_nonnull (strstr (listing, "\\Trash"));
}

static void
test_benches_run_side_by_side (void)
{
  CourrielTestBench *first = get_bench ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) second = courriel_test_bench_new (&error);
  g_autofree char *token = unique_token ("second");
  g_autofree char *uids = NULL;
  g_autofree char *dir = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (courriel_test_bench_get_dir (first), !=, courriel_test_bench_get_dir (second));
  for (guint i = 0; i < COURRIEL_TEST_BENCH_N_SERVICES; i++)
    for (guint j = 0; j < COURRIEL_TEST_BENCH_N_SERVICES; j++)
      g_assert_cmpuint (courriel_test_bench_get_port (first, i), !=, courriel_test_bench_get_port (second, j));

  /* Same user names, separate worlds. */
  g_assert_cmpstr (courriel_test_bench_get_password (first, "bob@example.test"), !=,
                   courriel_test_bench_get_password (second, "bob@example.test"));
  g_assert_cmpint (submit (second, COURRIEL_TEST_BENCH_SUBMISSIONS,
                           courriel_test_bench_get_password (second, "alice@example.test"), "bob@example.test", token),
                   ==, 0);
  uids = wait_for_message (second, "bob@example.test", token);
  g_assert_nonnull (uids);
  g_free (uids);
  uids = imap_search (first, "bob@example.test", TRUE, token);
  g_assert_cmpstr (uids, ==, "");

  /* Stopping removes everything at once. */
  dir = g_strdup (courriel_test_bench_get_dir (second));
  courriel_test_bench_stop (second);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static gboolean
port_answers (guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

/* Where the crashing child tells its parent which directory and ports it had. */
static char *
crash_report_path (pid_t parent)
{
  return g_strdup_printf ("%s/courriel-crash-report-%d", g_get_tmp_dir (), (int)parent);
}

static void
test_cleanup_after_crash (void)
{
  g_autofree char *report_path = crash_report_path (getpid ());
  g_autofree char *report = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  const char *dir = NULL;
  guint16 imap_port = 0;
  guint16 submission_port = 0;

  if (g_test_subprocess ())
    {
      CourrielTestBench *bench = courriel_test_bench_new (&error);
      g_autofree char *path = crash_report_path (getppid ());
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = g_strdup_printf ("dir=%s\nimap=%u\nsubmission=%u\n", courriel_test_bench_get_dir (bench),
                              courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAP),
                              courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_SUBMISSION));
      g_file_set_contents (path, text, -1, &error);
      g_assert_no_error (error);
      /* Die the hardest way, with no chance to clean up. */
      raise (SIGKILL);
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed ();

  g_file_get_contents (report_path, &report, NULL, &error);
  g_assert_no_error (error);
  g_unlink (report_path);
  lines = g_strsplit (report, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "dir="))
        dir = lines[i] + 4;
      else if (g_str_has_prefix (lines[i], "imap="))
        imap_port = atoi (lines[i] + 5);
      else if (g_str_has_prefix (lines[i], "submission="))
        submission_port = atoi (lines[i] + 11);
    }
  g_assert_nonnull (dir);
  g_assert_cmpuint (imap_port, !=, 0);

  for (guint i = 0; i < 200 && g_file_test (dir, G_FILE_TEST_EXISTS); i++)
    g_usleep (100 * 1000);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_false (port_answers (imap_port));
  g_assert_false (port_answers (submission_port));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bench/submission-starttls", test_submission_starttls);
  g_test_add_func ("/bench/submissions-implicit-tls", test_submissions_implicit_tls);
  g_test_add_func ("/bench/wrong-password-refused", test_wrong_password_refused);
  g_test_add_func ("/bench/no-open-relay", test_no_open_relay);
  g_test_add_func ("/bench/certificate-is-self-signed", test_certificate_is_self_signed);
  g_test_add_func ("/bench/add-message-with-flags", test_add_message_with_flags);
  g_test_add_func ("/bench/benches-run-side-by-side", test_benches_run_side_by_side);
  g_test_add_func ("/bench/cleanup-after-crash", test_cleanup_after_crash);

  status = g_test_run ();
  g_clear_object (&shared_bench);
  return status;
}
