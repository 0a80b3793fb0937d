/* test-cli-account.c — `courriel-cli account` against the bench's real Dovecot: an account is
 * saved only after its login worked, certificates are accepted only by fingerprint, and the
 * exit statuses are the ones scripts rely on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "courriel-test-bench.h"

static CourrielTestBench *bench;
static char *data_dir;
static char *fingerprint;

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
cli (Result *r, const char *input, const char * const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *option = g_strdup_printf ("--data-dir=%s", data_dir);

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
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
  g_test_message ("exit %d: %s%s", r->status, r->out, r->err);
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
    /* imap:// means STARTTLS, required. */
    g_auto (Result) r = { 0 };
    const char *args[] = { "account", "add", "--email", "carol@example.test", "--incoming", imap, "--outgoing", smtp,
                           "--password-stdin", "--accept-certificate", compact, NULL };
    cli (&r, carol, args);
    g_assert_cmpint (r.status, ==, 0);
  }
  g_assert_true (listed ("alice@example.test"));
  g_assert_true (listed ("carol@example.test"));

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
  status = g_test_run ();
  g_clear_object (&bench);
  return status;
}
