/* test-discovery.c — the whole discovery offline: every source alone, sources that disagree, silence, cancelling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test describes its domain's DNS in a few lines for CourrielStaticResolver, installed as the
 * default resolver. One SoupServer on loopback plays every web server (autoconfig.DOMAIN over
 * HTTPS and HTTP, the ISP database at ispdb.test), with a certificate from a test CA made at
 * start. The servers found by probing are the bench's real Dovecot and Postfix: the guessed and
 * SRV hosts are "localhost", which their certificate is made out to, and the discovery's port
 * map sends the standard ports (993, 143, 995, 110, 465, 587) to the bench's.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "autoconfig-test-util.h"
#include "courriel-discovery.h"
#include "courriel-dns-lookup.h"
#include "courriel-static-resolver.h"
#include "courriel-test-bench.h"
#include "../net/net-test-util.h"

static struct
{
  char              *dir;
  GTlsDatabase      *web_ca;
  SoupServer        *web;
  guint16            https_port;
  guint16            http_port;
  SoupSession       *session;
  CourrielTestBench *bench;
  GTlsDatabase      *bench_ca;
  char              *skip;
} env;

#define PORT(service) courriel_test_bench_get_port (env.bench, COURRIEL_TEST_BENCH_##service)

static const char *const web_domains[] = { "provider.test", "isp.test", "plain.test", "noplain.test",
                                           "custom.test",   "srv.test", "guess.test", "slowprov.test" };

/* ---- the web servers ---- */

static char *
config_xml (const char *id, const char *in_type, const char *in_host, guint in_port, const char *in_socket,
            const char *out_host, guint out_port, const char *out_socket)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                          "<clientConfig version=\"1.1\"><emailProvider id=\"%s\">\n"
                          "  <domain>%s</domain><displayName>%s</displayName>\n"
                          "  <incomingServer type=\"%s\"><hostname>%s</hostname><port>%u</port>\n"
                          "    <socketType>%s</socketType><username>%%EMAILADDRESS%%</username>\n"
                          "    <authentication>password-cleartext</authentication></incomingServer>\n"
                          "  <outgoingServer type=\"smtp\"><hostname>%s</hostname><port>%u</port>\n"
                          "    <socketType>%s</socketType><username>%%EMAILADDRESS%%</username>\n"
                          "    <authentication>password-cleartext</authentication></outgoingServer>\n"
                          "  <documentation url=\"https://help.%s/mail\"/>\n"
                          "</emailProvider></clientConfig>\n",
                          id, id, id, in_type, in_host, in_port, in_socket, out_host, out_port, out_socket, id);
}

static void
respond (SoupServerMessage *msg, char *xml)
{
  if (xml == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_TAKE, xml, strlen (xml));
}

static char *
ispdb_file (const char *domain)
{
  const char *shared = g_getenv ("COURRIEL_SHARED_DIR");
  g_autofree char *name = g_strconcat (domain, ".xml", NULL);
  g_autofree char *path = g_build_filename (shared != NULL ? shared : "../shared", "ispdb", name, NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents;
}

static char *
ispdb_entry (const char *domain)
{
  if (g_str_equal (domain, "provider.test"))
    return config_xml (domain, "imap", "imap.ispdb-says.test", 993, "SSL", "smtp.ispdb-says.test", 465, "SSL");
  if (g_str_equal (domain, "isp.test") || g_str_equal (domain, "slowprov.test"))
    return config_xml (domain, "pop3", "pop.isp.test", 995, "SSL", "smtp.isp.test", 465, "SSL");
  if (g_str_equal (domain, "hoster.test"))
    return config_xml (domain, "imap", "imap.hoster.test", 993, "SSL", "smtp.hoster.test", 465, "SSL");
  if (g_str_equal (domain, "googlemail.com"))
    return ispdb_file (domain);
  return NULL;
}

static char *
provider_file (const char *domain)
{
  if (g_str_equal (domain, "provider.test"))
    return config_xml (domain, "imap", "imap.provider.test", 993, "SSL", "smtp.provider.test", 465, "SSL");
  /* Only clear text listed, on hosts that do offer TLS (the bench's)… */
  if (g_str_equal (domain, "plain.test"))
    return config_xml (domain, "imap", "localhost", PORT (IMAP), "plain", "localhost", PORT (SUBMISSION), "plain");
  /* …and on a host whose certificate is made out to another name: nothing better is offered. */
  if (g_str_equal (domain, "noplain.test"))
    return config_xml (domain, "imap", "noplain.test", PORT (IMAP), "plain", "noplain.test", PORT (SUBMISSION),
                       "plain");
  return NULL;
}

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *host = g_uri_get_host (uri);
  gboolean https = g_str_equal (g_uri_get_scheme (uri), "https");

  if (g_str_equal (host, "ispdb.test") && g_str_has_prefix (path, "/v1.1/"))
    respond (msg, ispdb_entry (path + strlen ("/v1.1/")));
  else if (https && g_str_has_prefix (host, "autoconfig.") && g_str_equal (path, "/mail/config-v1.1.xml"))
    respond (msg, provider_file (host + strlen ("autoconfig.")));
  else
    respond (msg, NULL);
}

static void
env_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GString) san = g_string_new ("DNS:ispdb.test");
  g_autofree char *openssl_path = g_find_program_in_path ("openssl");
  GSList *uris;

  if (openssl_path == NULL)
    {
      env.skip = g_strdup ("openssl is not installed: no test certificates");
      return;
    }
  env.bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  env.bench_ca = g_tls_file_database_new (courriel_test_bench_get_ca_file (env.bench), &error);
  g_assert_no_error (error);
  env.dir = g_dir_make_tmp ("courriel-discovery-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (web_domains); i++)
    g_string_append_printf (san, ",DNS:%s,DNS:autoconfig.%s", web_domains[i], web_domains[i]);
  env.web_ca = autoconfig_test_make_ca (env.dir, &error);
  g_assert_no_error (error);
  certificate = autoconfig_test_make_certificate (env.dir, "web", san->str, &error);
  g_assert_no_error (error);

  env.web = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (env.web, NULL, serve, NULL, NULL);
  soup_server_listen_local (env.web, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  soup_server_listen_local (env.web, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (env.web);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      if (g_str_equal (g_uri_get_scheme (l->data), "https"))
        env.https_port = g_uri_get_port (l->data);
      else
        env.http_port = g_uri_get_port (l->data);
    }
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  env.session = soup_session_new_with_options ("tls-database", env.web_ca, "proxy-resolver", NULL, NULL);
}

static void
env_stop (void)
{
  const char *files[] = { "req.cnf", "ca.pem", "ca.key", "web.pem", "web.key" };

  g_clear_object (&env.session);
  g_clear_object (&env.web);
  g_clear_object (&env.web_ca);
  g_clear_object (&env.bench_ca);
  if (env.bench != NULL)
    courriel_test_bench_stop (env.bench);
  g_clear_object (&env.bench);
  if (env.dir != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *path = g_build_filename (env.dir, files[i], NULL);
          g_unlink (path);
        }
      g_rmdir (env.dir);
    }
  g_clear_pointer (&env.dir, g_free);
}

/* ---- running a discovery ---- */

static CourrielDiscovery *
new_discovery (void)
{
  g_autoptr (CourrielAutoconfigFetcher) fetcher = courriel_autoconfig_fetcher_new (env.session);
  g_autofree char *ispdb = g_strdup_printf ("https://ispdb.test:%u/v1.1/", env.https_port);
  CourrielDiscovery *discovery = courriel_discovery_new (fetcher);

  courriel_autoconfig_fetcher_set_ports (fetcher, env.https_port, env.http_port);
  courriel_autoconfig_fetcher_set_ispdb_url (fetcher, ispdb);
  courriel_discovery_set_tls_database (discovery, env.bench_ca);
  courriel_discovery_set_port (discovery, 993, PORT (IMAPS));
  courriel_discovery_set_port (discovery, 143, PORT (IMAP));
  courriel_discovery_set_port (discovery, 995, PORT (POP3S));
  courriel_discovery_set_port (discovery, 110, PORT (POP3));
  courriel_discovery_set_port (discovery, 465, PORT (SUBMISSIONS));
  courriel_discovery_set_port (discovery, 587, PORT (SUBMISSION));
  return discovery;
}

static void
install_dns (const char *table)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStaticResolver) resolver = courriel_static_resolver_new_from_data (table, &error);

  g_assert_no_error (error);
  g_resolver_set_default (G_RESOLVER (resolver));
}

static void
print_result (const CourrielDiscoveryResult *result)
{
  g_test_message ("%s: %u ms%s; provider %s, documentation %s, enable %s", result->address, result->elapsed_ms,
                  result->hard_deadline ? " (hard deadline)" : "", result->provider_id, result->documentation,
                  result->enable_url);
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? result->incoming : result->outgoing;

      for (guint i = 0; i < list->len; i++)
        {
          CourrielDiscoveryServer *found = list->pdata[i];

          g_test_message ("  %s %s:%u security %d from %s%s%s", courriel_mail_server_type_to_string (found->server->type),
                          found->server->host, found->server->port, found->server->security,
                          courriel_discovery_source_to_string (found->source), found->plaintext ? " PLAINTEXT" : "",
                          found->upgraded ? " upgraded" : "");
        }
    }
  for (guint i = 0; i < result->steps->len; i++)
    {
      CourrielDiscoveryStep *step = result->steps->pdata[i];

      g_test_message ("  +%4u %4u ms %-20s %s: %s%s%s", step->started_ms, step->elapsed_ms, step->source, step->what,
                      step->outcome, step->detail != NULL ? " — " : "", step->detail != NULL ? step->detail : "");
    }
}

static CourrielDiscoveryResult *
discover (CourrielDiscovery *discovery, const char *address, const char *dns)
{
  g_autoptr (GAsyncResult) async = NULL;
  g_autoptr (GError) error = NULL;
  CourrielDiscoveryResult *result;

  install_dns (dns);
  courriel_discovery_run_async (discovery, address, NULL, net_test_store_result, &async);
  result = courriel_discovery_run_finish (discovery, net_test_wait (&async), &error);
  g_assert_no_error (error);
  print_result (result);
  return result;
}

static CourrielDiscoveryServer *
first (GPtrArray *list)
{
  g_assert_cmpuint (list->len, >, 0);
  return list->pdata[0];
}

static void
assert_server (CourrielDiscoveryServer *found, CourrielDiscoverySource source, CourrielMailServerType type,
               const char *host, guint port, CourrielSecurity security)
{
  g_assert_cmpstr (courriel_discovery_source_to_string (found->source), ==,
                   courriel_discovery_source_to_string (source));
  g_assert_cmpstr (courriel_mail_server_type_to_string (found->server->type), ==,
                   courriel_mail_server_type_to_string (type));
  g_assert_cmpstr (found->server->host, ==, host);
  g_assert_cmpuint (found->server->port, ==, port);
  g_assert_cmpint (found->server->security, ==, security);
}

static gboolean
has_source (GPtrArray *list, CourrielDiscoverySource source)
{
  for (guint i = 0; i < list->len; i++)
    if (((CourrielDiscoveryServer *)list->pdata[i])->source == source)
      return TRUE;
  return FALSE;
}

static const char *
step_outcome (const CourrielDiscoveryResult *result, const char *source)
{
  for (guint i = 0; i < result->steps->len; i++)
    {
      CourrielDiscoveryStep *step = result->steps->pdata[i];

      if (g_str_equal (step->source, source))
        return step->outcome;
    }
  return NULL;
}

/* ---- the tests ---- */

/* Provider and ISP database disagree: the provider's file wins, though it came last (its DNS is
 * slow); the ISP database's servers follow, as alternatives. */
static void
test_provider_wins (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result
      = discover (discovery, "alice@provider.test",
                  "autoconfig.provider.test A 127.0.0.1\n"
                  "autoconfig.provider.test DELAY 150\n"
                  "ispdb.test A 127.0.0.1\n");

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_IMAP,
                 "imap.provider.test", 993, COURRIEL_SECURITY_TLS);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_SMTP,
                 "smtp.provider.test", 465, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (first (result->incoming)->server->username, ==, "alice@provider.test");
  g_assert_true (has_source (result->incoming, COURRIEL_DISCOVERY_SOURCE_ISPDB));
  g_assert_false (has_source (result->incoming, COURRIEL_DISCOVERY_SOURCE_GUESS));
  g_assert_cmpstr (result->documentation, ==, "https://help.provider.test/mail");
  g_assert_false (result->hard_deadline);
  g_assert_cmpuint (result->elapsed_ms, <, COURRIEL_DISCOVERY_SETTLE_MS);
}

/* Only the ISP database knows the domain, which offers only POP3. */
static void
test_ispdb_only (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result = discover (discovery, "bob@isp.test", "ispdb.test A 127.0.0.1\n");

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_ISPDB, COURRIEL_MAIL_SERVER_POP3,
                 "pop.isp.test", 995, COURRIEL_SECURITY_TLS);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_ISPDB, COURRIEL_MAIL_SERVER_SMTP, "smtp.isp.test",
                 465, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (step_outcome (result, "provider"), ==, "not-found");
  g_assert_cmpuint (result->elapsed_ms, <, COURRIEL_DISCOVERY_SETTLE_MS);
}

/* A custom domain whose mail is at Google: the MX leads to the ISP database's googlemail.com entry,
 * with the user's own address as login. */
static void
test_google_mx (void)
{
  g_autoptr (CourrielDiscovery) discovery = NULL;
  g_autoptr (CourrielDiscoveryResult) result = NULL;
  g_autofree char *ispdb = autoconfig_test_ispdb_dir ();

  if (ispdb == NULL)
    return;
  discovery = new_discovery ();
  result = discover (discovery, "carol@custom.test",
                     "custom.test MX 1 aspmx.l.google.com\n"
                     "custom.test MX 5 alt1.aspmx.l.google.com\n"
                     "ispdb.test A 127.0.0.1\n");
  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_ISPDB_MX, COURRIEL_MAIL_SERVER_IMAP,
                 "imap.gmail.com", 993, COURRIEL_SECURITY_TLS);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_ISPDB_MX, COURRIEL_MAIL_SERVER_SMTP,
                 "smtp.gmail.com", 465, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (first (result->incoming)->server->username, ==, "carol@custom.test");
  g_assert_cmpstr (first (result->outgoing)->server->username, ==, "carol@custom.test");
  /* POP3 too, after IMAP. */
  g_assert_cmpuint (result->incoming->len, >=, 2);
  g_assert_cmpint (((CourrielDiscoveryServer *)result->incoming->pdata[1])->server->type, ==,
                   COURRIEL_MAIL_SERVER_POP3);
  g_assert_nonnull (result->enable_url);
  g_assert_cmpuint (result->elapsed_ms, <, COURRIEL_DISCOVERY_SETTLE_MS);
}

/* A hoster no table knows: its MX host's domain, then its base domain, are asked of the ISP
 * database, and the second answers. */
static void
test_mx_walk (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result
      = discover (discovery, "dan@hosted.test", "hosted.test MX 10 mx1.mail.hoster.test\nispdb.test A 127.0.0.1\n");

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_ISPDB_MX, COURRIEL_MAIL_SERVER_IMAP,
                 "imap.hoster.test", 993, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (first (result->incoming)->server->username, ==, "dan@hosted.test");
}

/* Only SRV records, pointing at the bench: their priorities put IMAP first, POP3 after. */
static void
test_srv_only (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autofree char *dns = g_strdup_printf ("_imaps._tcp.srv.test SRV 0 1 %u localhost\n"
                                          "_pop3s._tcp.srv.test SRV 10 1 %u localhost\n"
                                          "_submissions._tcp.srv.test SRV 0 1 %u localhost\n"
                                          "_submission._tcp.srv.test SRV 0 0 0 .\n",
                                          PORT (IMAPS), PORT (POP3S), PORT (SUBMISSIONS));
  g_autoptr (CourrielDiscoveryResult) result = discover (discovery, "alice@srv.test", dns);

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_DNS_SRV, COURRIEL_MAIL_SERVER_IMAP, "localhost",
                 PORT (IMAPS), COURRIEL_SECURITY_TLS);
  assert_server (result->incoming->pdata[1], COURRIEL_DISCOVERY_SOURCE_DNS_SRV, COURRIEL_MAIL_SERVER_POP3,
                 "localhost", PORT (POP3S), COURRIEL_SECURITY_TLS);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_DNS_SRV, COURRIEL_MAIL_SERVER_SMTP, "localhost",
                 PORT (SUBMISSIONS), COURRIEL_SECURITY_TLS);
  g_assert_cmpuint (result->elapsed_ms, <, COURRIEL_DISCOVERY_SETTLE_MS);
}

/* Nothing is configured anywhere; the MX host is the bench: guessing finds IMAP and POP3, implicit
 * TLS first, and SMTP, each one having really answered as its protocol. */
static void
test_guess (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result = discover (discovery, "alice@guess.test", "guess.test MX 10 localhost\n");
  gboolean pop3 = FALSE;

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_GUESS, COURRIEL_MAIL_SERVER_IMAP, "localhost",
                 PORT (IMAPS), COURRIEL_SECURITY_TLS);
  assert_server (result->incoming->pdata[1], COURRIEL_DISCOVERY_SOURCE_GUESS, COURRIEL_MAIL_SERVER_IMAP, "localhost",
                 PORT (IMAP), COURRIEL_SECURITY_STARTTLS);
  for (guint i = 0; i < result->incoming->len; i++)
    pop3 |= ((CourrielDiscoveryServer *)result->incoming->pdata[i])->server->type == COURRIEL_MAIL_SERVER_POP3;
  g_assert_true (pop3);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_GUESS, COURRIEL_MAIL_SERVER_SMTP, "localhost",
                 PORT (SUBMISSIONS), COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (first (result->incoming)->server->username, ==, "alice@guess.test");
  g_assert_null (first (result->incoming)->fingerprint);
  g_assert_false (result->hard_deadline);
}

/* Guessing without the bench's CA: the servers are kept, with the certificate's fingerprint for
 * the user to accept, after any server with a trusted one. */
static void
test_guess_untrusted (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result = NULL;

  courriel_discovery_set_tls_database (discovery, NULL);
  result = discover (discovery, "alice@guess.test", "guess.test MX 10 localhost\n");
  g_assert_nonnull (first (result->incoming)->fingerprint);
  g_assert_true (first (result->incoming)->certificate_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_nonnull (first (result->outgoing)->fingerprint);
}

/* The provider lists only clear text, on hosts that offer better: the same hosts with implicit TLS
 * and STARTTLS come first, the clear-text ones last, flagged. */
static void
test_plaintext_upgraded (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result
      = discover (discovery, "alice@plain.test", "autoconfig.plain.test A 127.0.0.1\n");
  CourrielDiscoveryServer *last;

  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_IMAP, "localhost",
                 PORT (IMAPS), COURRIEL_SECURITY_TLS);
  g_assert_true (first (result->incoming)->upgraded);
  g_assert_false (first (result->incoming)->plaintext);
  assert_server (result->incoming->pdata[1], COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_IMAP,
                 "localhost", PORT (IMAP), COURRIEL_SECURITY_STARTTLS);
  last = result->incoming->pdata[result->incoming->len - 1];
  g_assert_true (last->plaintext);
  g_assert_cmpint (last->server->security, ==, COURRIEL_SECURITY_NONE);
  assert_server (first (result->outgoing), COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_SMTP, "localhost",
                 PORT (SUBMISSIONS), COURRIEL_SECURITY_TLS);
  g_assert_true (first (result->outgoing)->upgraded);
  g_assert_cmpstr (step_outcome (result, "upgrade"), !=, NULL);
}

/* Clear text only, and the host offers nothing better that proves its name: the clear-text servers
 * are all there is, with the warning flag. */
static void
test_plaintext_kept (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result
      = discover (discovery, "alice@noplain.test", "autoconfig.noplain.test A 127.0.0.1\nnoplain.test A 127.0.0.1\n");

  g_assert_cmpuint (result->incoming->len, ==, 1);
  g_assert_cmpuint (result->outgoing->len, ==, 1);
  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_MAIL_SERVER_IMAP,
                 "noplain.test", PORT (IMAP), COURRIEL_SECURITY_NONE);
  g_assert_true (first (result->incoming)->plaintext);
  g_assert_true (first (result->outgoing)->plaintext);
}

/* The ISP database answers, the provider's host never does: the answer comes at the settle
 * deadline, not at the fetch's or the hard one. */
static void
test_settle (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result = NULL;

  courriel_discovery_set_deadlines (discovery, 400, 5000);
  result = discover (discovery, "bob@slowprov.test", "ispdb.test A 127.0.0.1\n*.slowprov.test SILENT\n");
  assert_server (first (result->incoming), COURRIEL_DISCOVERY_SOURCE_ISPDB, COURRIEL_MAIL_SERVER_POP3,
                 "pop.isp.test", 995, COURRIEL_SECURITY_TLS);
  g_assert_cmpuint (result->elapsed_ms, >=, 390);
  g_assert_cmpuint (result->elapsed_ms, <, 1500);
  g_assert_false (result->hard_deadline);
  g_assert_cmpstr (step_outcome (result, "provider"), ==, "stopped");
}

/* An ISP database whose host never resolves (not ispdb.test: the session may have a connection to it
 * open already, which needs no DNS). */
static void
quiet_ispdb (CourrielDiscovery *discovery)
{
  g_autofree char *url = g_strdup_printf ("https://quiet-ispdb.test:%u/v1.1/", env.https_port);

  courriel_autoconfig_fetcher_set_ispdb_url (courriel_discovery_get_fetcher (discovery), url);
}

/* Every source silent (DNS, web servers): the hard deadline ends the run, with every step there. */
static void
test_all_silent (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (CourrielDiscoveryResult) result = NULL;

  courriel_discovery_set_deadlines (discovery, 200, 700);
  quiet_ispdb (discovery);
  result = discover (discovery, "alice@silent.test", "*.silent.test SILENT\nquiet-ispdb.test SILENT\n");
  g_assert_true (result->hard_deadline);
  g_assert_cmpuint (result->incoming->len, ==, 0);
  g_assert_cmpuint (result->outgoing->len, ==, 0);
  g_assert_cmpuint (result->elapsed_ms, >=, 690);
  g_assert_cmpuint (result->elapsed_ms, <, 1500);
  g_assert_cmpstr (step_outcome (result, "dns-mx"), ==, "stopped");
  g_assert_cmpstr (step_outcome (result, "ispdb"), ==, "stopped");
  g_assert_cmpstr (step_outcome (result, "guess"), ==, "stopped");
}

static gboolean
cancel_now (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancelled while everything is silent: the run ends at once, with the cancellation. */
static void
test_cancel (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) async = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDiscoveryResult) result = NULL;
  gint64 started = g_get_monotonic_time ();

  quiet_ispdb (discovery);
  install_dns ("*.silent.test SILENT\nquiet-ispdb.test SILENT\n");
  g_timeout_add (100, cancel_now, cancellable);
  courriel_discovery_run_async (discovery, "alice@silent.test", cancellable, net_test_store_result, &async);
  result = courriel_discovery_run_finish (discovery, net_test_wait (&async), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 1000 * 1000);
}

static void
test_not_an_address (void)
{
  g_autoptr (CourrielDiscovery) discovery = new_discovery ();
  const char *const wrong[] = { "alice", "@example.test", "alice@", "alice@bad host.test", "alice@localhost" };

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr (GAsyncResult) async = NULL;
      g_autoptr (GError) error = NULL;

      courriel_discovery_run_async (discovery, wrong[i], NULL, net_test_store_result, &async);
      g_assert_null (courriel_discovery_run_finish (discovery, net_test_wait (&async), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_mx_providers (void)
{
  g_assert_cmpstr (courriel_discovery_mx_provider ("aspmx.l.google.com"), ==, "googlemail.com");
  g_assert_cmpstr (courriel_discovery_mx_provider ("alt2.aspmx.l.googlemail.com"), ==, "googlemail.com");
  g_assert_cmpstr (courriel_discovery_mx_provider ("example-org.mail.protection.outlook.com"), ==, "office365.com");
  g_assert_cmpstr (courriel_discovery_mx_provider ("mx1.mail.ovh.net"), ==, "ovh.net");
  g_assert_cmpstr (courriel_discovery_mx_provider ("spool.mail.gandi.net"), ==, "gandi.net");
  g_assert_null (courriel_discovery_mx_provider ("mx.notgoogle.com"));
  g_assert_null (courriel_discovery_mx_provider ("outlook.com.example.org"));
}

static void
skip (void)
{
  g_test_skip (env.skip);
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const char *path;
    void (*run) (void);
  } tests[] = {
    { "/autoconfig/discovery/provider-wins", test_provider_wins },
    { "/autoconfig/discovery/ispdb-only", test_ispdb_only },
    { "/autoconfig/discovery/google-mx", test_google_mx },
    { "/autoconfig/discovery/mx-walk", test_mx_walk },
    { "/autoconfig/discovery/srv-only", test_srv_only },
    { "/autoconfig/discovery/guess", test_guess },
    { "/autoconfig/discovery/guess-untrusted", test_guess_untrusted },
    { "/autoconfig/discovery/plaintext-upgraded", test_plaintext_upgraded },
    { "/autoconfig/discovery/plaintext-kept", test_plaintext_kept },
    { "/autoconfig/discovery/settle", test_settle },
    { "/autoconfig/discovery/all-silent", test_all_silent },
    { "/autoconfig/discovery/cancel", test_cancel },
    { "/autoconfig/discovery/not-an-address", test_not_an_address },
  };
  g_autoptr (GResolver) original = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  original = g_resolver_get_default ();
  env_start ();
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    g_test_add_func (tests[i].path, env.skip != NULL ? skip : tests[i].run);
  g_test_add_func ("/autoconfig/discovery/mx-providers", test_mx_providers);
  status = g_test_run ();
  env_stop ();
  g_resolver_set_default (original);
  return status;
}
