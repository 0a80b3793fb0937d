/* test-server-verify.c — logging in to the bench's Dovecot and Postfix as the wizard's last step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "courriel-certificate.h"
#include "courriel-server-verify.h"
#include "courriel-account.h"
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

  /* @data: the bench's CourrielTestBenchFlags */
  f->bench = courriel_test_bench_new_full (GPOINTER_TO_UINT (data), &error);
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

  courriel_server_verify_async (&server, ADDRESS, password, fingerprint, database, COURRIEL_VERIFY_FLAGS_NONE, NULL,
                                net_test_store_result,
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

      courriel_server_verify_mechanism_async (&server, "scram-sha-1", ADDRESS, password, NULL, f->database,
                                              COURRIEL_VERIFY_FLAGS_NONE, NULL,
                                              net_test_store_result, &chosen_result);
      chosen = wait_verified (&chosen_result);
      g_assert_cmpint (chosen->outcome, ==, COURRIEL_VERIFY_OK);
      g_assert_cmpuint (chosen->attempts, ==, 1);

      courriel_server_verify_mechanism_async (&server, "CRAM-MD5", ADDRESS, password, NULL, f->database,
                                              COURRIEL_VERIFY_FLAGS_NONE, NULL,
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

static GPtrArray *
list_accounts (CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *accounts;

  courriel_account_list_async (store, NULL, net_test_store_result, &result);
  accounts = courriel_account_list_finish (store, net_test_wait (&result), &error);
  g_assert_no_error (error);
  return accounts;
}

/* The outgoing server's SIZE (the bench's Postfix says 10240000) comes with its verification,
 * and is saved with the account, in a store that a version 9 database (before the limit was
 * kept) was migrated to, whose account is kept as it was, its limit unknown. The limit is read
 * back after the store is opened again; updated alone, it changes and nothing else does. */
static void
test_size_limit (Fixture *f, gconstpointer data)
{
  const char *password = courriel_test_bench_get_password (f->bench, ADDRESS);
  g_autoptr (CourrielVerifyResult) smtp = verify (f, COURRIEL_MAIL_SERVER_SMTP, COURRIEL_TEST_BENCH_SUBMISSION,
                                                  COURRIEL_SECURITY_STARTTLS, NULL, 0, password, NULL, f->database);
  g_autoptr (CourrielVerifyResult) imap = verify (f, COURRIEL_MAIL_SERVER_IMAP, COURRIEL_TEST_BENCH_IMAPS,
                                                  COURRIEL_SECURITY_TLS, NULL, 0, password, NULL, f->database);
  g_autofree char *path = g_build_filename (courriel_test_bench_get_dir (f->bench), "size-limit.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) saved = NULL;
  g_autoptr (GAsyncResult) updated = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = courriel_account_new (ADDRESS);
  g_autoptr (GPtrArray) accounts = NULL;
  CourrielAccount *old, *alice;
  sqlite3 *db = NULL;
  gint64 id, old_id;

  g_assert_cmpint (smtp->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpuint (smtp->smtp_size_limit, ==, 10240000);
  g_assert_cmpint (imap->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpuint (imap->smtp_size_limit, ==, 0);

  /* A version 9 database with an account. */
  g_assert_true (courriel_store_create_at_version (path, 9, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO accounts (address, display_name, incoming_protocol, incoming_host, "
                                 "incoming_port, incoming_security, incoming_username, outgoing_host, outgoing_port, "
                                 "outgoing_security, outgoing_username, created, pop3_keep_days) VALUES "
                                 "('old@example.test', 'Ancien', 'pop3', 'pop.example.test', 995, 'tls', 'old', "
                                 "'smtp.example.test', 465, 'tls', 'old', 1700000000, 30)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (courriel_store_get_schema_version (), >=, 10);
  account->incoming.host = g_strdup ("localhost");
  account->incoming.port = courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAPS);
  account->incoming.username = g_strdup (ADDRESS);
  account->outgoing.host = g_strdup (smtp->server->host);
  account->outgoing.port = smtp->server->port;
  account->outgoing.security = smtp->server->security;
  account->outgoing.username = g_strdup (smtp->server->username);
  account->smtp_size_limit = smtp->smtp_size_limit;
  courriel_account_save_async (store, account, NULL, NULL, NULL, net_test_store_result, &saved);
  id = courriel_account_save_finish (net_test_wait (&saved), &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* Opened again: read back from the file. */
  courriel_store_close (store);
  g_clear_object (&store);
  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  accounts = list_accounts (store);
  g_assert_cmpuint (accounts->len, ==, 2);
  old = accounts->pdata[0];
  g_assert_cmpstr (old->address, ==, "old@example.test");
  g_assert_cmpstr (old->display_name, ==, "Ancien");
  g_assert_cmpint (old->protocol, ==, COURRIEL_PROTOCOL_POP3);
  g_assert_cmpstr (old->outgoing.host, ==, "smtp.example.test");
  g_assert_cmpint (old->pop3_keep_days, ==, 30);
  g_assert_cmpint (old->created, ==, 1700000000);
  g_assert_cmpuint (old->smtp_size_limit, ==, 0);
  old_id = old->id;
  alice = courriel_account_find (accounts, id);
  g_assert_nonnull (alice);
  g_assert_cmpuint (alice->smtp_size_limit, ==, 10240000);

  /* The Outbox's small update: the limit alone. */
  courriel_account_set_smtp_size_limit_async (store, id, 20480000, NULL, net_test_store_result, &updated);
  g_assert_true (courriel_account_set_smtp_size_limit_finish (store, net_test_wait (&updated), &error));
  g_assert_no_error (error);
  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = list_accounts (store);
  g_assert_cmpuint (courriel_account_find (accounts, id)->smtp_size_limit, ==, 20480000);
  g_assert_cmpuint (courriel_account_find (accounts, old_id)->smtp_size_limit, ==, 0);
  g_assert_cmpstr (courriel_account_find (accounts, id)->outgoing.username, ==, smtp->server->username);
  courriel_store_close (store);
}

/* The servers' logs once @what appears (TRUE) or after 3 s without it (FALSE): Postfix writes
 * its log through postlogd, a little after the session. */
static gboolean
log_has (Fixture *f, const char *log, const char *what, gboolean wait)
{
  g_autofree char *path = g_build_filename (courriel_test_bench_get_dir (f->bench), "log", log, NULL);
  gint64 until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  do
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, what) != NULL)
        return TRUE;
      g_usleep (50 * 1000);
    }
  while (wait && g_get_monotonic_time () < until);
  return FALSE;
}

static CourrielVerifyResult *
verify_cleartext (Fixture *f, CourrielMailServerType type, guint16 port, CourrielVerifyFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  CourrielMailServer server = { type, "127.0.0.1", port, COURRIEL_SECURITY_NONE, NULL, 0, FALSE, -1 };
  CourrielVerifyResult *verified;

  courriel_server_verify_async (&server, ADDRESS, courriel_test_bench_get_password (f->bench, ADDRESS), NULL, NULL,
                                flags, NULL, net_test_store_result, &result);
  verified = courriel_server_verify_finish (net_test_wait (&result), &error);
  g_assert_no_error (error);
  return verified;
}

/* A server without encryption: without the user's consent, verification fails before the
 * password is sent (the servers' logs show no login for alice, not even a refused one); with
 * it, Courriel logs in to the bench's cleartext IMAP and SMTP submission ports. */
static void
test_insecure (Fixture *f, gconstpointer data)
{
  guint16 submission = courriel_test_bench_get_cleartext_submission_port (f->bench);
  g_autoptr (CourrielVerifyResult) imap_refused = NULL;
  g_autoptr (CourrielVerifyResult) smtp_refused = NULL;
  g_autoptr (CourrielVerifyResult) imap = NULL;
  g_autoptr (CourrielVerifyResult) smtp = NULL;

  g_assert_cmpuint (submission, !=, 0);
  imap_refused = verify_cleartext (f, COURRIEL_MAIL_SERVER_IMAP,
                                   courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAP),
                                   COURRIEL_VERIFY_FLAGS_NONE);
  smtp_refused = verify_cleartext (f, COURRIEL_MAIL_SERVER_SMTP, submission, COURRIEL_VERIFY_FLAGS_NONE);
  g_assert_cmpint (imap_refused->outcome, ==, COURRIEL_VERIFY_FAILED);
  g_assert_cmpint (smtp_refused->outcome, ==, COURRIEL_VERIFY_FAILED);
  g_assert_nonnull (strstr (imap_refused->message, "did not send your password"));
  g_assert_nonnull (strstr (smtp_refused->message, "did not send your password"));
  /* The servers saw connections, and no login. */
  g_assert_true (log_has (f, "dovecot.log", "no auth attempts", TRUE));
  g_assert_false (log_has (f, "dovecot.log", "user=<" ADDRESS ">", FALSE));
  /* Postfix counts the commands of each session as it closes: "ehlo=1 quit=1", no "auth=". */
  g_assert_true (log_has (f, "postfix.log", "disconnect from", TRUE));
  g_assert_false (log_has (f, "postfix.log", " auth=", FALSE));

  imap = verify_cleartext (f, COURRIEL_MAIL_SERVER_IMAP,
                           courriel_test_bench_get_port (f->bench, COURRIEL_TEST_BENCH_IMAP),
                           COURRIEL_VERIFY_ALLOW_INSECURE_AUTH);
  smtp = verify_cleartext (f, COURRIEL_MAIL_SERVER_SMTP, submission, COURRIEL_VERIFY_ALLOW_INSECURE_AUTH);
  g_assert_cmpint (imap->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpint (smtp->outcome, ==, COURRIEL_VERIFY_OK);
  g_assert_cmpstr (imap->server->username, ==, ADDRESS);
  g_assert_true (log_has (f, "dovecot.log", "Login: user=<" ADDRESS ">", TRUE));
  g_assert_true (log_has (f, "postfix.log", " auth=1", TRUE));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server-verify/logs-in", Fixture, NULL, fixture_set_up, test_logs_in, fixture_tear_down);
  g_test_add ("/server-verify/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/server-verify/mechanisms", Fixture, NULL, fixture_set_up, test_mechanisms, fixture_tear_down);
  g_test_add_func ("/server-verify/provider-help", test_provider_help);
  g_test_add ("/server-verify/insecure", Fixture, GUINT_TO_POINTER (COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION),
              fixture_set_up, test_insecure, fixture_tear_down);
  g_test_add ("/server-verify/size-limit", Fixture, NULL, fixture_set_up, test_size_limit, fixture_tear_down);
  return g_test_run ();
}
