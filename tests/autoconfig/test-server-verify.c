/* test-server-verify.c — logging in to the bench's Dovecot and Postfix as the wizard's last step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "courriel-certificate.h"
#include "courriel-server-verify.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

#define ADDRESS "alice@example.test"

typedef struct
{
  CourrielTestBench *bench;
  GTlsDatabase      *database;
  char              *fingerprint;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;

  f->bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  f->database = g_tls_file_database_new (courriel_test_bench_get_ca_file (f->bench), &error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (f->bench), &error);
  g_assert_no_error (error);
  f->fingerprint = courriel_certificate_get_fingerprint (certificate);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  courriel_test_bench_stop (f->bench);
  g_clear_object (&f->bench);
  g_clear_object (&f->database);
  g_free (f->fingerprint);
}

static CourrielVerifyResult *
verify (Fixture *f, CourrielMailServerType type, CourrielTestBenchService service, CourrielSecurity security,
        const char *username, guint auth, const char *password, const char *fingerprint, GTlsDatabase *database)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  CourrielMailServer server = { type, "localhost", courriel_test_bench_get_port (f->bench, service), security,
                                (char *)username, auth, FALSE, -1 };
  CourrielVerifyResult *verified;

  courriel_server_verify_async (&server, ADDRESS, password, fingerprint, database, NULL, net_test_store_result,
                                &result);
  verified = courriel_server_verify_finish (net_test_wait (&result), &error);
  g_assert_no_error (error);
  return verified;
}

/* The right password logs in to each kind of server; a local-part user name from a source that
 * got it wrong is corrected to the address that works. */
static void
test_logs_in (Fixture *f, gconstpointer data)
{
  const char *password = courriel_test_bench_get_password (f->bench, ADDRESS);
  g_autoptr (CourrielVerifyResult) imap = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAPS,
                                                  COURRIEL_SECURITY_TLS, NULL, 0, password, NULL, f->database);
  g_autoptr (CourrielVerifyResult) pop3 = verify (f, COURRIEL_MAIL_SERVER_POP3, COURRIEL_TEST_BENCH_POP3,
                                                  COURRIEL_SECURITY_STARTTLS, NULL, 0, password, NULL, f->database);
  g_autoptr (CourrielVerifyResult) smtp = verify (f, COURRIEL_MAIL_SERVER_SMTP, COURRIEL_TEST_BENCH_SUBMISSION,
                                                  COURRIEL_SECURITY_STARTTLS, NULL, 0, password, NULL, f->database);
  g_autoptr (CourrielVerifyResult) corrected = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAP,
                                                       COURRIEL_SECURITY_STARTTLS, "alice", 0, password, NULL,
                                                       f->database);

  g_assert_cmpint (imap->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpstr (imap->server->username, ==, ADDRESS);
  g_assert_cmpuint (imap->attempts, ==, 1);
  g_assert_cmpint (pop3->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpint (smtp->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpint (corrected->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpstr (corrected->server->username, ==, ADDRESS);
  g_assert_cmpuint (corrected->attempts, ==, 2);
}

/* A wrong password: two logins at most, then said plainly; an untrusted certificate: its
 * fingerprint, no password sent, and once accepted the login works; an OAuth2-only server is
 * not even contacted; a closed port is unreachable. */
static void
test_refusals (Fixture *f, gconstpointer data)
{
  const char *password = courriel_test_bench_get_password (f->bench, ADDRESS);
  g_autoptr (CourrielVerifyResult) wrong = verify (f, COURRIEL_MAIL_SERVER_SMTP, COURRIEL_TEST_BENCH_SUBMISSIONS,
                                                   COURRIEL_SECURITY_TLS, NULL, 0, "pas le bon", NULL, f->database);
  g_autoptr (CourrielVerifyResult) untrusted = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAPS,
                                                       COURRIEL_SECURITY_TLS, NULL, 0, password, NULL, NULL);
  g_autoptr (CourrielVerifyResult) accepted = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAPS,
                                                      COURRIEL_SECURITY_TLS, NULL, 0, password, f->fingerprint,
                                                      NULL);
  g_autoptr (CourrielVerifyResult) oauth2 = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_LMTP,
                                                    COURRIEL_SECURITY_TLS, NULL, COURRIEL_MAIL_AUTH_OAUTH2, password,
                                                    NULL, f->database);
  g_autoptr (CourrielVerifyResult) closed = NULL;

  g_assert_cmpint (wrong->outcome, ==, COURRIEL_VERIFY_WRONG_PASSWORD);
  g_assert_cmpuint (wrong->attempts, ==, 2);
  g_assert_nonnull (wrong->message);
  g_assert_null (wrong->help_url);

  g_assert_cmpint (untrusted->outcome, ==, COURRIEL_VERIFY_CERTIFICATE);
  g_assert_cmpstr (untrusted->fingerprint, ==, f->fingerprint);
  g_assert_cmpuint (untrusted->attempts, ==, 0);
  g_assert_cmpint (accepted->outcome, ==, COURRIEL_VERIFY_OK);

  g_assert_cmpint (oauth2->outcome, ==, COURRIEL_VERIFY_NEEDS_OAUTH2);
  g_assert_cmpuint (oauth2->attempts, ==, 0);

  g_assert_true (courriel_test_bench_stop_servers (f->bench, NULL));
  closed = verify (f, COURRIEL_MAIL_SERVER_POP3, COURRIEL_TEST_BENCH_POP3S, COURRIEL_SECURITY_TLS, NULL, 0, password,
                   NULL, f->database);
  g_assert_cmpint (closed->outcome, ==, COURRIEL_VERIFY_UNREACHABLE);
}

/* Providers that refuse account passwords in mail apps are recognised by their servers. */
static CourrielVerifyResult *
wait_verified (GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;
  CourrielVerifyResult *verified = courriel_server_verify_finish (net_test_wait (result), &error);

  g_assert_no_error (error);
  return verified;
}

/* A probe lists the login methods each server advertises, without logging in; a method chosen
 * is the one logged in with, and one the server does not offer is refused, by name, before any
 * password is sent. */
static void
test_mechanisms (Fixture *f, gconstpointer data)
{
  const char *password = courriel_test_bench_get_password (f->bench, ADDRESS);
  static const struct
  {
    CourrielMailServerType   type;
    CourrielTestBenchService service;
    CourrielSecurity         security;
  } servers[] = {
    { COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAPS, COURRIEL_SECURITY_TLS },
    { COURRIEL_MAIL_SERVER_POP3, COURRIEL_TEST_BENCH_POP3, COURRIEL_SECURITY_STARTTLS },
    { COURRIEL_MAIL_SERVER_SMTP, COURRIEL_TEST_BENCH_SUBMISSION, COURRIEL_SECURITY_STARTTLS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      CourrielMailServer server = { servers[i].type, "localhost",
                                    courriel_test_bench_get_port (f->bench, servers[i].service),
                                    servers[i].security, NULL, 0, FALSE, -1 };
      g_autoptr (GAsyncResult) probed_result = NULL;
      g_autoptr (GAsyncResult) chosen_result = NULL;
      g_autoptr (GAsyncResult) refused_result = NULL;
      g_autoptr (CourrielVerifyResult) probed = NULL;
      g_autoptr (CourrielVerifyResult) chosen = NULL;
      g_autoptr (CourrielVerifyResult) refused = NULL;

      courriel_server_probe_mechanisms_async (&server, f->fingerprint, NULL, net_test_store_result, &probed_result);
      probed = wait_verified (&probed_result);
      g_assert_cmpint (probed->outcome, ==, COURRIEL_VERIFY_OK);
      g_assert_cmpuint (probed->attempts, ==, 0);
      g_assert_true (g_strv_contains ((const char *const *)probed->mechanisms, "PLAIN"));
      g_assert_true (g_strv_contains ((const char *const *)probed->mechanisms, "SCRAM-SHA-1"));
      g_assert_false (g_strv_contains ((const char *const *)probed->mechanisms, "CRAM-MD5"));

      courriel_server_verify_mechanism_async (&server, "scram-sha-1", ADDRESS, password, NULL, f->database, NULL,
                                              net_test_store_result, &chosen_result);
      chosen = wait_verified (&chosen_result);
      g_assert_cmpint (chosen->outcome, ==, COURRIEL_VERIFY_OK);
      g_assert_cmpuint (chosen->attempts, ==, 1);

      courriel_server_verify_mechanism_async (&server, "CRAM-MD5", ADDRESS, password, NULL, f->database, NULL,
                                              net_test_store_result, &refused_result);
      refused = wait_verified (&refused_result);
      g_assert_cmpint (refused->outcome, ==, COURRIEL_VERIFY_FAILED);
      g_assert_cmpuint (refused->attempts, ==, 0);
      g_assert_nonnull (strstr (refused->message, "does not offer the login method CRAM-MD5"));
    }
}

static void
test_provider_help (void)
{
  gboolean oauth2_only = TRUE;

  g_assert_nonnull (courriel_server_verify_provider_help ("imap.gmail.com", &oauth2_only));
  g_assert_false (oauth2_only);
  g_assert_nonnull (courriel_server_verify_provider_help ("outlook.office365.com", &oauth2_only));
  g_assert_true (oauth2_only);
  g_assert_nonnull (courriel_server_verify_provider_help ("imap.mail.me.com", NULL));
  g_assert_null (courriel_server_verify_provider_help ("imap.free.fr", NULL));
  g_assert_null (courriel_server_verify_provider_help ("notgmail.com", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server-verify/logs-in", Fixture, NULL, fixture_set_up, test_logs_in, fixture_tear_down);
  g_test_add ("/server-verify/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/server-verify/mechanisms", Fixture, NULL, fixture_set_up, test_mechanisms, fixture_tear_down);
  g_test_add_func ("/server-verify/provider-help", test_provider_help);
  return g_test_run ();
}
