/* test-cli-autoconfig.c — `courriel-cli autoconfig` offline, against the bench: found by guessing, by SRV, by a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI is pointed at local servers only through its documented environment variables: the
 * DNS answers come from a file, the ISP database is a SoupServer of this program, the probes'
 * standard ports are mapped to the bench's. The addresses are the bench's users', so that
 * --verify really logs in.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "courriel-certificate.h"
#include "courriel-test-bench.h"

static CourrielTestBench *bench;
static char *fingerprint;
static SoupServer *ispdb;
static guint16 ispdb_port;
static gboolean ispdb_knows; /* whether the ISP database has an entry for example.test */

typedef struct
{
  int   status;
  char *out;
  char *err;
  guint elapsed_ms;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

#define PORT(service) courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_##service)

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/* Runs the CLI with @dns as its DNS table, while this program's ISP database keeps answering. */
static void
cli (Result *r, const char *dns, const char *input, const char *const *env, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) done = NULL;
  g_autofree char *dns_file = g_build_filename (courriel_test_bench_get_dir (bench), "dns.txt", NULL);
  g_autofree char *ispdb_url = g_strdup_printf ("http://127.0.0.1:%u/v1.1/", ispdb_port);
  g_autofree char *ports = g_strdup_printf ("993=%u,143=%u,995=%u,110=%u,465=%u,587=%u,443=1,80=1", PORT (IMAPS),
                                            PORT (IMAP), PORT (POP3S), PORT (POP3), PORT (SUBMISSIONS),
                                            PORT (SUBMISSION));
  gint64 started = g_get_monotonic_time ();

  g_assert_true (g_file_set_contents (dns_file, dns, -1, NULL));
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "COURRIEL_AUTOCONFIG_DNS_FILE", dns_file, TRUE);
  g_subprocess_launcher_setenv (launcher, "COURRIEL_AUTOCONFIG_ISPDB_URL", ispdb_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "COURRIEL_AUTOCONFIG_PORTS", ports, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_ptr_array_add (argv, (char *)COURRIEL_CLI);
  g_ptr_array_add (argv, "autoconfig");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, input, NULL, on_communicated, &done);
  while (done == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_communicate_utf8_finish (proc, done, &r->out, &r->err, &error);
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (proc);
  r->elapsed_ms = (guint)((g_get_monotonic_time () - started) / 1000);
  g_test_message ("exit %d after %u ms:\n%s%s", r->status, r->elapsed_ms, r->out, r->err);
}

static char *
password_line (const char *address)
{
  return g_strdup_printf ("%s\n", courriel_test_bench_get_password (bench, address));
}

static void
serve_ispdb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  g_autofree char *xml = NULL;

  const char *asked = g_uri_get_query (soup_server_message_get_uri (msg));
  gboolean as_provider = g_str_equal (path, "/provider/example.test")
                         && g_strcmp0 (asked, "emailaddress=bob%40example.test") == 0;

  if (!as_provider && (!ispdb_knows || !g_str_equal (path, "/v1.1/example.test")))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  xml = g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
                         "<domain>example.test</domain><displayName>Example</displayName>"
                         "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>STARTTLS</socketType><username>%%EMAILADDRESS%%</username>"
                         "<authentication>password-cleartext</authentication></incomingServer>"
                         "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>STARTTLS</socketType><username>%%EMAILADDRESS%%</username>"
                         "<authentication>password-cleartext</authentication></outgoingServer>"
                         "</emailProvider></clientConfig>",
                         PORT (IMAP), PORT (SUBMISSION));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_COPY, xml, strlen (xml));
}

/* Nothing configured; the MX host is the bench: guessing finds it, and the certificate, not trusted
 * by the system, is shown by its fingerprint. */
static void
test_guess (void)
{
  g_auto (Result) text = { 0 };
  g_auto (Result) json = { 0 };
  const char *dns = "example.test MX 10 localhost\n";

  cli (&text, dns, NULL, NULL, (const char *[]){ "alice@example.test", NULL });
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "guessed, and the server answered"));
  g_assert_nonnull (strstr (text.out, fingerprint));
  g_assert_nonnull (strstr (text.out, "Steps:"));
  g_assert_nonnull (strstr (text.out, "dns-mx"));

  cli (&json, dns, NULL, NULL, (const char *[]){ "alice@example.test", "--json", NULL });
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (g_str_has_prefix (json.out, "{\"address\": \"alice@example.test\""));
  g_assert_nonnull (strstr (json.out, "\"source\": \"guess\""));
  g_assert_nonnull (strstr (json.out, "\"steps\": ["));
}

/* --verify logs in to the chosen servers: with the certificate accepted and the right password,
 * both OK; without accepting it, the fingerprint, and no password sent. */
static void
test_guess_verify (void)
{
  g_auto (Result) ok = { 0 };
  g_auto (Result) untrusted = { 0 };
  g_autofree char *password = password_line ("alice@example.test");
  const char *dns = "example.test MX 10 localhost\n";

  cli (&ok, dns, password, NULL,
       (const char *[]){ "alice@example.test", "--verify", "--accept-certificate", fingerprint, NULL });
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_nonnull (strstr (ok.out, "Verification:"));
  g_assert_nonnull (strstr (ok.out, "incoming localhost"));
  g_assert_nonnull (strstr (ok.out, "outgoing localhost"));
  g_assert_nonnull (strstr (ok.out, "OK, logged in as alice@example.test"));
  g_assert_null (strstr (ok.out, "wrong user name"));

  cli (&untrusted, dns, password, NULL, (const char *[]){ "alice@example.test", "--verify", NULL });
  g_assert_cmpint (untrusted.status, ==, 1);
  g_assert_nonnull (strstr (untrusted.out, "certificate not trusted, fingerprint"));
}

/* A wrong password, with the bench's CA trusted through the environment: each server says so. Last:
 * Dovecot slows down the logins from an address that failed. */
static void
test_wrong_password (void)
{
  g_auto (Result) wrong = { 0 };

  cli (&wrong, "example.test MX 10 localhost\n", "not the password\n",
       (const char *[]){ "COURRIEL_AUTOCONFIG_CA_FILE", courriel_test_bench_get_ca_file (bench), NULL },
       (const char *[]){ "alice@example.test", "--verify", "--json", NULL });
  g_assert_cmpint (wrong.status, ==, 1);
  g_assert_nonnull (strstr (wrong.out, "\"direction\": \"incoming\", \"host\": \"localhost\""));
  g_assert_nonnull (strstr (wrong.out, "\"outcome\": \"wrong-password\""));
  g_assert_null (strstr (wrong.out, "\"outcome\": \"ok\", \"username\""));
  g_assert_null (strstr (wrong.out, "\"fingerprint\": \""));
}

/* Only SRV records, pointing at the bench. */
static void
test_srv (void)
{
  g_auto (Result) r = { 0 };
  g_autofree char *dns = g_strdup_printf ("_imaps._tcp.example.test SRV 0 1 %u localhost\n"
                                          "_submissions._tcp.example.test SRV 0 1 %u localhost\n",
                                          PORT (IMAPS), PORT (SUBMISSIONS));
  g_autofree char *imap = g_strdup_printf ("\"host\": \"localhost\", \"port\": %u, \"security\": \"tls\", "
                                           "\"username\": \"alice@example.test\", \"source\": \"dns-srv\"",
                                           PORT (IMAPS));

  cli (&r, dns, NULL, NULL, (const char *[]){ "alice@example.test", "--json", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, imap));
  g_assert_cmpuint (r.elapsed_ms, <, 3000);
}

/* Only an autoconfig file (the ISP database's), listing STARTTLS on the bench; verified. */
static void
test_file (void)
{
  g_auto (Result) r = { 0 };
  g_autofree char *password = password_line ("bob@example.test");
  g_autofree char *imap = g_strdup_printf ("IMAP localhost:%u, STARTTLS, user bob@example.test — the Thunderbird "
                                           "ISP database", PORT (IMAP));

  ispdb_knows = TRUE;
  cli (&r, "", password, NULL,
       (const char *[]){ "bob@example.test", "--verify", "--accept-certificate", fingerprint, NULL });
  ispdb_knows = FALSE;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, imap));
  g_assert_nonnull (strstr (r.out, "OK, logged in as bob@example.test"));
}

/* The provider's own file, at the address a harness gives in COURRIEL_AUTOCONFIG_URL_TEMPLATE. */
static void
test_url_template (void)
{
  g_auto (Result) r = { 0 };
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/provider/%%DOMAIN%%?emailaddress=%%EMAILADDRESS%%",
                                          ispdb_port);
  g_autofree char *imap = g_strdup_printf ("IMAP localhost:%u, STARTTLS, user bob@example.test — the provider’s own "
                                           "configuration", PORT (IMAP));

  cli (&r, "", NULL, (const char *[]){ "COURRIEL_AUTOCONFIG_URL_TEMPLATE", url, NULL },
       (const char *[]){ "bob@example.test", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, imap));
}

/* Everything silent: the (shortened) hard deadline ends it, and the exit status says nothing was found. */
static void
test_silent (void)
{
  g_auto (Result) r = { 0 };

  cli (&r, "*.example.test SILENT\n", NULL,
       (const char *[]){ "COURRIEL_AUTOCONFIG_DEADLINES", "200,800", "COURRIEL_AUTOCONFIG_ISPDB_URL",
                         "https://ispdb.example.test/v1.1/", NULL },
       (const char *[]){ "alice@example.test", NULL });
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "Some sources did not answer in time."));
  g_assert_nonnull (strstr (r.out, "none found"));
  g_assert_cmpuint (r.elapsed_ms, <, 3000);
}

static void
test_usage (void)
{
  g_auto (Result) none = { 0 };
  g_auto (Result) bad = { 0 };
  g_auto (Result) no_password = { 0 };

  cli (&none, "", NULL, NULL, (const char *[]){ NULL });
  g_assert_cmpint (none.status, ==, 2);
  cli (&bad, "", NULL, NULL, (const char *[]){ "not an address", NULL });
  g_assert_cmpint (bad.status, ==, 2);
  cli (&no_password, "", "", NULL, (const char *[]){ "alice@example.test", "--verify", NULL });
  g_assert_cmpint (no_password.status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  GSList *uris;
  int status;

  g_test_init (&argc, &argv, NULL);
  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);
  ispdb = soup_server_new (NULL, NULL);
  soup_server_add_handler (ispdb, "/v1.1/", serve_ispdb, NULL, NULL);
  soup_server_add_handler (ispdb, "/provider/", serve_ispdb, NULL, NULL);
  soup_server_listen_local (ispdb, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (ispdb);
  ispdb_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  g_test_add_func ("/cli/autoconfig/guess", test_guess);
  g_test_add_func ("/cli/autoconfig/guess-verify", test_guess_verify);
  g_test_add_func ("/cli/autoconfig/srv", test_srv);
  g_test_add_func ("/cli/autoconfig/file", test_file);
  g_test_add_func ("/cli/autoconfig/url-template", test_url_template);
  g_test_add_func ("/cli/autoconfig/silent", test_silent);
  g_test_add_func ("/cli/autoconfig/usage", test_usage);
  g_test_add_func ("/cli/autoconfig/wrong-password", test_wrong_password);
  status = g_test_run ();

  g_clear_object (&ispdb);
  courriel_test_bench_stop (bench);
  g_clear_object (&bench);
  g_free (fingerprint);
  return status;
}
