/* test-autoconfig-fetch.c — autoconfig files fetched from a local HTTPS server, as the network would serve them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on loopback plays every web server of the discovery: autoconfig.DOMAIN, DOMAIN's
 * .well-known, plain HTTP and the ISP database. A static resolver sends every *.test name to
 * 127.0.0.1, so the fetcher uses the real host names and the certificates are checked against
 * them as they would be. Each test domain is a behaviour: good.test answers, broken.test serves
 * malformed XML, slow.test never answers in time, and so on (see serve()).
 *
 * The certificates are made at start with openssl, under a test CA: committed ones would
 * expire, and the bench needs openssl anyway. Without openssl the tests are skipped. The ISP
 * database's files are read from ../shared/ispdb/ (COURRIEL_SHARED_DIR), never copied here.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "autoconfig-test-util.h"
#include "courriel-autoconfig-fetcher.h"
#include "courriel-static-resolver.h"

#define ISPDB_HOST "autoconfig.thunderbird.test"
#define SLOW_MS    3000

static const char *const domains[] = {
  "good.test", "broken.test", "missing.test", "moved.test", "downgrade.test", "loop.test", "slow.test",
  "huge.test", "drip.test", "stall.test", "error.test", "first.test",
};

static struct
{
  char         *dir;
  GTlsDatabase *database;
  SoupServer   *https;
  SoupServer   *http;
  SoupServer   *wrong;    /* a certificate for other.test only */
  guint16       https_port;
  guint16       http_port;
  guint16       wrong_port;
  GPtrArray    *requests; /* "scheme://host/path?query" of what the servers were asked */
  guint         wrong_requests;
  GHashTable   *paused;   /* SoupServerMessage* → its timeout source id */
  SoupSession  *session;
  char         *skip;     /* why every test is skipped */
} bench;

/* ---- certificates ---- */

static gboolean
make_certificates (GTlsCertificate **good, GTlsCertificate **wrong, GError **error)
{
  g_autoptr (GString) san = g_string_new ("DNS:" ISPDB_HOST);

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    g_string_append_printf (san, ",DNS:%s,DNS:autoconfig.%s", domains[i], domains[i]);
  bench.database = autoconfig_test_make_ca (bench.dir, error);
  if (bench.database == NULL)
    return FALSE;
  *good = autoconfig_test_make_certificate (bench.dir, "good", san->str, error);
  if (*good == NULL)
    return FALSE;
  *wrong = autoconfig_test_make_certificate (bench.dir, "wrong", "DNS:other.test", error);
  return *wrong != NULL;
}

/* ---- the servers ---- */

static char *
config_xml (const char *domain, const char *tag)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                          "<clientConfig version=\"1.1\">\n"
                          "  <emailProvider id=\"%s\">\n"
                          "    <domain>%s</domain>\n"
                          "    <displayName>%s</displayName>\n"
                          "    <incomingServer type=\"imap\">\n"
                          "      <hostname>imap.%%EMAILDOMAIN%%</hostname><port>993</port>\n"
                          "      <socketType>SSL</socketType><username>%%EMAILADDRESS%%</username>\n"
                          "      <authentication>password-cleartext</authentication>\n"
                          "    </incomingServer>\n"
                          "    <outgoingServer type=\"smtp\">\n"
                          "      <hostname>smtp.%s</hostname><port>465</port>\n"
                          "      <socketType>SSL</socketType><username>%%EMAILADDRESS%%</username>\n"
                          "      <authentication>password-cleartext</authentication>\n"
                          "    </outgoingServer>\n"
                          "  </emailProvider>\n"
                          "</clientConfig>\n",
                          domain, domain, tag, domain);
}

static void
respond_xml (SoupServerMessage *msg, char *xml)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_TAKE, xml, strlen (xml));
}

static gboolean
on_slow_done (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  g_hash_table_remove (bench.paused, msg);
  respond_xml (msg, config_xml ("slow.test", "late"));
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
on_request_aborted (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  gpointer id;

  if (g_hash_table_steal_extended (bench.paused, msg, NULL, &id))
    g_source_remove (GPOINTER_TO_UINT (id));
}

static void
respond_slowly (SoupServerMessage *msg)
{
  soup_server_message_pause (msg);
  g_hash_table_insert (bench.paused, msg, GUINT_TO_POINTER (g_timeout_add (SLOW_MS, on_slow_done, msg)));
}

static void
serve_ispdb (SoupServerMessage *msg, const char *path)
{
  const char *domain = path + strlen ("/v1.1/");
  const char *shared = g_getenv ("COURRIEL_SHARED_DIR");
  g_autofree char *name = g_strconcat (domain, ".xml", NULL);
  g_autofree char *file = g_build_filename (shared != NULL ? shared : "../shared", "ispdb", name, NULL);
  char *contents = NULL;
  gsize length;

  if (strchr (domain, '/') != NULL || *domain == '.' || !g_file_get_contents (file, &contents, &length, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_TAKE, contents, length);
}

/* What each test domain does. The tag in the served file's displayName tells which URL answered. */
static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);
  gboolean https = g_str_equal (scheme, "https");
  const char *domain = g_str_has_prefix (host, "autoconfig.") ? host + strlen ("autoconfig.") : host;
  const char *tag = !https ? "http" : g_str_has_prefix (path, "/.well-known/") ? "well-known" : "provider";
  g_autofree char *moved = NULL;

  g_ptr_array_add (bench.requests, g_uri_to_string (uri));
  if (g_str_equal (host, ISPDB_HOST) && g_str_has_prefix (path, "/v1.1/"))
    serve_ispdb (msg, path);
  else if (!g_str_equal (path, "/mail/config-v1.1.xml")
           && !g_str_equal (path, "/.well-known/autoconfig/mail/config-v1.1.xml"))
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  else if (g_str_equal (domain, "good.test"))
    respond_xml (msg, config_xml (domain, tag));
  else if (g_str_equal (domain, "first.test"))
    {
      if (g_str_equal (tag, "provider"))
        respond_xml (msg, config_xml (domain, tag));
      else
        respond_slowly (msg);
    }
  else if (g_str_equal (domain, "broken.test"))
    respond_xml (msg, g_strdup ("<clientConfig version=\"1.1\"><emailProvider id=\"broken.test\"><domain>"));
  else if (g_str_equal (domain, "moved.test"))
    {
      moved = g_strdup_printf ("https://autoconfig.good.test:%u/mail/config-v1.1.xml", bench.https_port);
      soup_server_message_set_redirect (msg, SOUP_STATUS_MOVED_PERMANENTLY, moved);
    }
  else if (g_str_equal (domain, "downgrade.test"))
    {
      moved = g_strdup_printf ("http://autoconfig.good.test:%u/mail/config-v1.1.xml", bench.http_port);
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, moved);
    }
  else if (g_str_equal (domain, "loop.test"))
    soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT, path);
  else if (g_str_equal (domain, "slow.test"))
    respond_slowly (msg);
  else if (g_str_equal (domain, "huge.test"))
    {
      gsize size = 2 * 1024 * 1024;

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_TAKE, memset (g_malloc (size), ' ', size), size);
    }
  else if (g_str_equal (domain, "drip.test"))
    {
      /* No Content-Length: only counting the bytes read can stop it. */
      SoupMessageBody *body = soup_server_message_get_response_body (msg);
      char chunk[8192];

      memset (chunk, ' ', sizeof chunk);
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg), SOUP_ENCODING_CHUNKED);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      for (guint i = 0; i < 32; i++)
        soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, sizeof chunk);
      soup_message_body_complete (body);
    }
  else if (g_str_equal (domain, "stall.test"))
    {
      /* The headers at once, then the start of a file, and nothing more. */
      static const char start[] = "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">\n";

      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg), SOUP_ENCODING_CHUNKED);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, start,
                                strlen (start));
    }
  else if (g_str_equal (domain, "error.test"))
    soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
serve_wrong (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  bench.wrong_requests++;
  respond_xml (msg, config_xml ("other.test", "wrong"));
}

static SoupServer *
start_server (GTlsCertificate *certificate, SoupServerCallback callback, guint16 *port, GError **error)
{
  g_autoptr (SoupServer) server = soup_server_new ("tls-certificate", certificate, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, callback, NULL, NULL);
  g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_aborted), NULL);
  if (!soup_server_listen_local (server, 0,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY | (certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0),
                                 error))
    return NULL;
  uris = soup_server_get_uris (server);
  *port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return g_steal_pointer (&server);
}

static void
bench_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) good = NULL;
  g_autoptr (GTlsCertificate) wrong = NULL;
  g_autofree char *openssl_path = g_find_program_in_path ("openssl");

  bench.requests = g_ptr_array_new_with_free_func (g_free);
  bench.paused = g_hash_table_new (NULL, NULL);
  if (openssl_path == NULL)
    {
      bench.skip = g_strdup ("openssl is not installed: no test certificates");
      return;
    }
  bench.dir = g_dir_make_tmp ("courriel-autoconfig-XXXXXX", &error);
  g_assert_no_error (error);
  if (!make_certificates (&good, &wrong, &error))
    g_error ("Test certificates: %s", error->message);
  bench.https = start_server (good, serve, &bench.https_port, &error);
  g_assert_no_error (error);
  bench.http = start_server (NULL, serve, &bench.http_port, &error);
  g_assert_no_error (error);
  bench.wrong = start_server (wrong, serve_wrong, &bench.wrong_port, &error);
  g_assert_no_error (error);
  bench.session = soup_session_new_with_options ("tls-database", bench.database, "proxy-resolver", NULL, NULL);
}

static void
bench_stop (void)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, bench.paused);
  while (g_hash_table_iter_next (&iter, NULL, &id))
    g_source_remove (GPOINTER_TO_UINT (id));
  g_clear_pointer (&bench.paused, g_hash_table_unref);
  g_clear_object (&bench.session);
  g_clear_object (&bench.https);
  g_clear_object (&bench.http);
  g_clear_object (&bench.wrong);
  g_clear_object (&bench.database);
  g_clear_pointer (&bench.requests, g_ptr_array_unref);
  if (bench.dir != NULL)
    {
      const char *files[] = { "req.cnf", "ca.pem", "ca.key", "good.pem", "good.key", "wrong.pem", "wrong.key" };

      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *path = g_build_filename (bench.dir, files[i], NULL);
          g_unlink (path);
        }
      g_rmdir (bench.dir);
    }
  g_clear_pointer (&bench.dir, g_free);
  g_clear_pointer (&bench.skip, g_free);
}

/* ---- helpers ---- */

static CourrielAutoconfigFetcher *
new_fetcher (SoupSession *session, guint16 https_port)
{
  CourrielAutoconfigFetcher *fetcher = courriel_autoconfig_fetcher_new (session);
  g_autofree char *ispdb = g_strdup_printf ("https://" ISPDB_HOST ":%u/v1.1", bench.https_port);

  courriel_autoconfig_fetcher_set_ports (fetcher, https_port, bench.http_port);
  courriel_autoconfig_fetcher_set_ispdb_url (fetcher, ispdb);
  courriel_autoconfig_fetcher_set_timeout (fetcher, 2000);
  g_ptr_array_set_size (bench.requests, 0);
  return fetcher;
}

typedef struct
{
  CourrielAutoconfigFetcher *fetcher;
} Fixture;

static void
setup (Fixture *fixture, gconstpointer data)
{
  if (bench.skip == NULL)
    fixture->fetcher = new_fetcher (bench.session, bench.https_port);
}

static void
skip (Fixture *fixture, gconstpointer data)
{
  g_test_skip (bench.skip);
}

static void
teardown (Fixture *fixture, gconstpointer data)
{
  g_clear_object (&fixture->fetcher);
}

static void
on_fetched (GObject *object, GAsyncResult *res, gpointer user_data)
{
  CourrielAutoconfigResult **result = user_data;

  *result = courriel_autoconfig_fetcher_fetch_finish (COURRIEL_AUTOCONFIG_FETCHER (object), res);
}

static CourrielAutoconfigResult *
fetch (CourrielAutoconfigFetcher *fetcher, CourrielAutoconfigSource source, const char *address, const char *domain)
{
  CourrielAutoconfigResult *result = NULL;

  courriel_autoconfig_fetcher_fetch_async (fetcher, source, address, domain, NULL, on_fetched, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return result;
}

static void
on_all_fetched (GObject *object, GAsyncResult *res, gpointer user_data)
{
  GPtrArray **results = user_data;

  *results = courriel_autoconfig_fetcher_fetch_all_finish (COURRIEL_AUTOCONFIG_FETCHER (object), res);
}

static GPtrArray *
fetch_all (CourrielAutoconfigFetcher *fetcher, const char *address, gboolean stop_at_first, GCancellable *cancellable)
{
  static const CourrielAutoconfigSource sources[] = {
    COURRIEL_AUTOCONFIG_SOURCE_PROVIDER,
    COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN,
    COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP,
  };
  GPtrArray *results = NULL;

  courriel_autoconfig_fetcher_fetch_all_async (fetcher, sources, G_N_ELEMENTS (sources), address, NULL, stop_at_first,
                                               cancellable, on_all_fetched, &results);
  while (results == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (results->len, ==, G_N_ELEMENTS (sources));
  return results;
}

static CourrielAutoconfigResult *
result_at (GPtrArray *results, guint i)
{
  return results->pdata[i];
}

static void
assert_status (const CourrielAutoconfigResult *result, CourrielAutoconfigFetchStatus status)
{
  if (result->status != status)
    g_error ("%s: expected %s, got %s (%s)", result->url, courriel_autoconfig_fetch_status_to_string (status),
             courriel_autoconfig_fetch_status_to_string (result->status),
             result->reason != NULL ? result->reason : "no reason");
  if (status == COURRIEL_AUTOCONFIG_FETCH_OK)
    {
      g_assert_null (result->reason);
      g_assert_nonnull (result->config);
    }
  else
    {
      g_assert_nonnull (result->reason);
      g_assert_null (result->config);
    }
}

static gboolean
was_requested (const char *prefix)
{
  for (guint i = 0; i < bench.requests->len; i++)
    if (g_str_has_prefix (bench.requests->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

/* ---- the tests ---- */

/* The provider's HTTPS file: read, with the user's placeholders, and the address sent escaped. */
static void
test_provider_https (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) result = NULL;
  g_autofree char *asked = NULL;
  CourrielMailServer *imap;

  result = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "Jane+mail@GOOD.test", NULL);
  assert_status (result, COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpint (result->source, ==, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER);
  g_assert_true (courriel_autoconfig_source_is_verified (result->source));
  g_assert_cmpstr (result->domain, ==, "good.test");
  g_assert_cmpstr (result->config->display_name, ==, "provider");
  g_assert_cmpuint (result->config->incoming->len, ==, 1);
  imap = result->config->incoming->pdata[0];
  g_assert_cmpstr (imap->host, ==, "imap.good.test");
  g_assert_cmpstr (imap->username, ==, "Jane+mail@GOOD.test");
  g_assert_true (courriel_autoconfig_result_is_usable (result));
  g_assert_cmpuint (result->http_status, ==, 200);
  g_assert_cmpuint (result->redirects, ==, 0);
  g_assert_cmpuint (result->elapsed_ms, <, 2000);
  /* The address travels escaped, and the server reads it back intact. */
  asked = g_strdup_printf ("https://autoconfig.good.test:%u/mail/config-v1.1.xml?emailaddress=Jane%%2Bmail%%40GOOD.test",
                           bench.https_port);
  g_assert_cmpstr (result->url, ==, asked);
  g_assert_true (was_requested (asked));
}

/* The three provider URLs at once: each answers with its own file, and only HTTPS carries the address. */
static void
test_provider_all (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *well_known = NULL;
  g_autofree char *http = NULL;

  results = fetch_all (fetcher, "user@good.test", FALSE, NULL);
  for (guint i = 0; i < results->len; i++)
    assert_status (result_at (results, i), COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpint (result_at (results, 0)->source, ==, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER);
  g_assert_cmpstr (result_at (results, 0)->config->display_name, ==, "provider");
  g_assert_cmpint (result_at (results, 1)->source, ==, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN);
  g_assert_cmpstr (result_at (results, 1)->config->display_name, ==, "well-known");
  g_assert_cmpint (result_at (results, 2)->source, ==, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP);
  g_assert_cmpstr (result_at (results, 2)->config->display_name, ==, "http");
  g_assert_false (courriel_autoconfig_source_is_verified (result_at (results, 2)->source));

  well_known = g_strdup_printf ("https://good.test:%u/.well-known/autoconfig/mail/config-v1.1.xml"
                                "?emailaddress=user%%40good.test", bench.https_port);
  g_assert_true (was_requested (well_known));
  http = g_strdup_printf ("http://autoconfig.good.test:%u/mail/config-v1.1.xml", bench.http_port);
  g_assert_cmpstr (result_at (results, 2)->url, ==, http);
  for (guint i = 0; i < bench.requests->len; i++)
    if (g_str_has_prefix (bench.requests->pdata[i], "http:"))
      g_assert_null (strstr (bench.requests->pdata[i], "emailaddress"));
}

/* The most trusted source answers at once: the slower, less trusted ones are stopped, and say why. */
static void
test_stop_at_first (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (GPtrArray) results = NULL;
  gint64 start;

  start = g_get_monotonic_time ();
  results = fetch_all (fetcher, "user@first.test", TRUE, NULL);
  g_assert_cmpint (g_get_monotonic_time () - start, <, SLOW_MS * 1000 / 2);
  assert_status (result_at (results, 0), COURRIEL_AUTOCONFIG_FETCH_OK);
  for (guint i = 1; i < results->len; i++)
    {
      assert_status (result_at (results, i), COURRIEL_AUTOCONFIG_FETCH_CANCELLED);
      g_assert_nonnull (strstr (result_at (results, i)->reason, "more trusted"));
    }
}

/* The caller gives up: every fetch ends at once, as cancelled. */
static void
test_cancel (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (CourrielAutoconfigResult) early = NULL;
  gint64 start;

  start = g_get_monotonic_time ();
  g_timeout_add_once (100, (GSourceOnceFunc)g_cancellable_cancel, cancellable);
  results = fetch_all (fetcher, "user@slow.test", FALSE, cancellable);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * 1000);
  for (guint i = 0; i < results->len; i++)
    assert_status (result_at (results, i), COURRIEL_AUTOCONFIG_FETCH_CANCELLED);

  /* Cancelled before it starts: nothing is asked. */
  g_ptr_array_set_size (bench.requests, 0);
  courriel_autoconfig_fetcher_fetch_async (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@good.test", NULL,
                                           cancellable, on_fetched, &early);
  while (early == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_status (early, COURRIEL_AUTOCONFIG_FETCH_CANCELLED);
  g_assert_cmpuint (bench.requests->len, ==, 0);
}

/* A server that does not answer in time is given up at the deadline, whatever it does later. */
static void
test_timeout (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) result = NULL;
  g_autoptr (CourrielAutoconfigResult) stalled = NULL;

  courriel_autoconfig_fetcher_set_timeout (fetcher, 300);
  result = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@slow.test", NULL);
  assert_status (result, COURRIEL_AUTOCONFIG_FETCH_TIMEOUT);
  g_assert_cmpuint (result->elapsed_ms, >=, 300);
  g_assert_cmpuint (result->elapsed_ms, <, 1500);
  g_assert_nonnull (strstr (result->reason, "autoconfig.slow.test"));

  /* The deadline holds for the body too: headers and a first chunk at once do not buy more time. */
  stalled = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@stall.test", NULL);
  assert_status (stalled, COURRIEL_AUTOCONFIG_FETCH_TIMEOUT);
  g_assert_cmpuint (stalled->http_status, ==, 200);
  g_assert_cmpuint (stalled->elapsed_ms, <, 1500);
}

static void
test_not_found (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) missing = NULL;
  g_autoptr (CourrielAutoconfigResult) nowhere = NULL;
  g_autoptr (CourrielAutoconfigResult) error = NULL;
  g_autoptr (CourrielAutoconfigResult) bad_domain = NULL;

  missing = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@missing.test", NULL);
  assert_status (missing, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND);
  g_assert_cmpuint (missing->http_status, ==, 404);

  nowhere = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@nowhere.test", NULL);
  assert_status (nowhere, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND);
  g_assert_nonnull (strstr (nowhere->reason, "autoconfig.nowhere.test"));
  g_assert_cmpuint (nowhere->http_status, ==, 0);

  error = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@error.test", NULL);
  assert_status (error, COURRIEL_AUTOCONFIG_FETCH_HTTP_ERROR);
  g_assert_nonnull (strstr (error->reason, "500"));

  /* A domain that cannot be put in a URL is never asked for. */
  bad_domain = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@evil.test/path?x", NULL);
  assert_status (bad_domain, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND);
  g_assert_cmpuint (bench.requests->len, ==, 2);
}

static void
test_unreachable (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) result = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GError) error = NULL;
  guint16 closed;

  /* A port that was free a moment ago, and that nobody listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  courriel_autoconfig_fetcher_set_ports (fetcher, closed, bench.http_port);
  result = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@good.test", NULL);
  assert_status (result, COURRIEL_AUTOCONFIG_FETCH_UNREACHABLE);
}

static void
test_invalid_file (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) result = NULL;

  result = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@broken.test", NULL);
  assert_status (result, COURRIEL_AUTOCONFIG_FETCH_INVALID);
  g_assert_cmpuint (result->http_status, ==, 200);
}

static void
test_too_large (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) huge = NULL;
  g_autoptr (CourrielAutoconfigResult) drip = NULL;

  /* 2 MB announced: refused on the headers, by the default cap of 1 MB. */
  huge = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@huge.test", NULL);
  assert_status (huge, COURRIEL_AUTOCONFIG_FETCH_TOO_LARGE);
  g_assert_nonnull (strstr (huge->reason, "1024 kB"));

  /* 256 kB in chunks, no length announced: refused while reading. */
  courriel_autoconfig_fetcher_set_max_size (fetcher, 64 * 1024);
  drip = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@drip.test", NULL);
  assert_status (drip, COURRIEL_AUTOCONFIG_FETCH_TOO_LARGE);
}

/* Redirects: to HTTPS followed; to HTTP refused, before anything is asked over HTTP; not forever. */
static void
test_redirects (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) moved = NULL;
  g_autoptr (CourrielAutoconfigResult) downgrade = NULL;
  g_autoptr (CourrielAutoconfigResult) loop = NULL;
  g_autoptr (CourrielAutoconfigResult) upgraded = NULL;
  g_autofree char *target = NULL;

  moved = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@moved.test", NULL);
  assert_status (moved, COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpuint (moved->redirects, ==, 1);
  target = g_strdup_printf ("https://autoconfig.good.test:%u/mail/config-v1.1.xml", bench.https_port);
  g_assert_cmpstr (moved->final_url, ==, target);
  g_assert_cmpstr (moved->config->display_name, ==, "provider");

  /* From plain HTTP to HTTPS: followed, but what HTTP said first could have been forged, so it stays unverified. */
  upgraded = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP, "user@moved.test", NULL);
  assert_status (upgraded, COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpstr (upgraded->final_url, ==, target);
  g_assert_cmpint (upgraded->source, ==, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP);
  g_assert_false (courriel_autoconfig_source_is_verified (upgraded->source));

  g_ptr_array_set_size (bench.requests, 0);
  downgrade = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@downgrade.test", NULL);
  assert_status (downgrade, COURRIEL_AUTOCONFIG_FETCH_REDIRECT_REFUSED);
  g_assert_nonnull (strstr (downgrade->reason, "http://autoconfig.good.test"));
  g_assert_false (was_requested ("http:"));

  loop = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN, "user@loop.test", NULL);
  assert_status (loop, COURRIEL_AUTOCONFIG_FETCH_REDIRECT_REFUSED);
  g_assert_cmpuint (loop->redirects, >, 1);
}

/* A certificate for another name, or from an authority nobody trusts: refused, and nothing is read. */
static void
test_bad_certificate (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigFetcher) untrusting = NULL;
  g_autoptr (CourrielAutoconfigResult) wrong_name = NULL;
  g_autoptr (CourrielAutoconfigResult) unknown_ca = NULL;
  g_autoptr (SoupSession) system_session = NULL;

  courriel_autoconfig_fetcher_set_ports (fetcher, bench.wrong_port, bench.http_port);
  bench.wrong_requests = 0;
  wrong_name = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@good.test", NULL);
  assert_status (wrong_name, COURRIEL_AUTOCONFIG_FETCH_TLS_ERROR);
  g_assert_true (wrong_name->tls_errors & G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_nonnull (strstr (wrong_name->reason, "autoconfig.good.test"));
  g_assert_cmpuint (bench.wrong_requests, ==, 0);

  /* The system's authorities do not know the test CA. */
  system_session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  untrusting = new_fetcher (system_session, bench.https_port);
  unknown_ca = fetch (untrusting, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, "user@good.test", NULL);
  assert_status (unknown_ca, COURRIEL_AUTOCONFIG_FETCH_TLS_ERROR);
  g_assert_true (unknown_ca->tls_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmpuint (bench.requests->len, ==, 0);
}

/* The ISP database serves the real files; the MX-derived lookup asks for another domain than the address's. */
static void
test_ispdb (Fixture *fixture, gconstpointer data)
{
  CourrielAutoconfigFetcher *fetcher = fixture->fetcher;
  g_autoptr (CourrielAutoconfigResult) gmx = NULL;
  g_autoptr (CourrielAutoconfigResult) hosted = NULL;
  g_autoptr (CourrielAutoconfigResult) unknown = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *asked = NULL;
  CourrielMailServer *server;

  dir = autoconfig_test_ispdb_dir ();
  if (dir == NULL)
    return;
  gmx = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_ISPDB, "someone@gmx.net", NULL);
  assert_status (gmx, COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpint (gmx->source, ==, COURRIEL_AUTOCONFIG_SOURCE_ISPDB);
  g_assert_true (courriel_autoconfig_source_is_verified (gmx->source));
  asked = g_strdup_printf ("https://" ISPDB_HOST ":%u/v1.1/gmx.net", bench.https_port);
  g_assert_cmpstr (gmx->url, ==, asked);
  g_assert_true (courriel_autoconfig_result_is_usable (gmx));
  g_assert_true (g_strv_contains ((const char *const *)gmx->config->domains, "gmx.net"));

  /* A custom domain whose MX is at Google: the address stays the user's, in the user name too. */
  hosted = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_ISPDB, "boss@custom.test", "googlemail.com");
  assert_status (hosted, COURRIEL_AUTOCONFIG_FETCH_OK);
  g_assert_cmpstr (hosted->domain, ==, "googlemail.com");
  g_assert_cmpuint (hosted->config->incoming->len, >, 0);
  server = hosted->config->incoming->pdata[0];
  g_assert_cmpstr (server->username, ==, "boss@custom.test");

  unknown = fetch (fetcher, COURRIEL_AUTOCONFIG_SOURCE_ISPDB, "user@unknown-provider.test", NULL);
  assert_status (unknown, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const char *path;
    void (*run) (Fixture *fixture, gconstpointer data);
  } tests[] = {
    { "/autoconfig/fetch/provider-https", test_provider_https },
    { "/autoconfig/fetch/provider-all", test_provider_all },
    { "/autoconfig/fetch/stop-at-first", test_stop_at_first },
    { "/autoconfig/fetch/cancel", test_cancel },
    { "/autoconfig/fetch/timeout", test_timeout },
    { "/autoconfig/fetch/not-found", test_not_found },
    { "/autoconfig/fetch/unreachable", test_unreachable },
    { "/autoconfig/fetch/invalid-file", test_invalid_file },
    { "/autoconfig/fetch/too-large", test_too_large },
    { "/autoconfig/fetch/redirects", test_redirects },
    { "/autoconfig/fetch/bad-certificate", test_bad_certificate },
    { "/autoconfig/fetch/ispdb", test_ispdb },
  };
  g_autoptr (GResolver) original = NULL;
  g_autoptr (CourrielStaticResolver) fake = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  original = g_resolver_get_default ();
  /* Every *.test name is 127.0.0.1, except under nowhere.test. */
  fake = courriel_static_resolver_new_from_data ("*.test A 127.0.0.1\n*.nowhere.test NXDOMAIN\n", &error);
  g_assert_no_error (error);
  g_resolver_set_default (G_RESOLVER (fake));
  bench_start ();

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    g_test_add (tests[i].path, Fixture, NULL, setup, bench.skip != NULL ? skip : tests[i].run, teardown);
  status = g_test_run ();

  bench_stop ();
  g_resolver_set_default (original);
  return status;
}
