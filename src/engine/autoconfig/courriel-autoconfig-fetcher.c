/* courriel-autoconfig-fetcher.c — autoconfig files fetched over HTTP(S): the provider's and the ISP database's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three of the discovery's sources are a file at a URL: the provider's own autoconfig (two HTTPS
 * addresses, and a plain HTTP one that only counts as a hint), and Thunderbird's ISP database.
 * The wizard must answer within seconds whatever the network does, so each fetch:
 * - has its own deadline, covering the whole exchange (connection, TLS, headers and body), and a
 *   size cap: a server that drips bytes or sends a film cannot hold the discovery;
 * - never accepts a certificate problem: a wrong certificate on autoconfig.DOMAIN is what a
 *   wildcard DNS entry or an attacker looks like, and the file decides where the password goes;
 * - follows redirects itself, and only to HTTPS (the plain HTTP source may also stay on HTTP):
 *   a redirect from HTTPS to HTTP would throw away what HTTPS proved;
 * - sends the address (which automx2 needs) over HTTPS only, never in clear text;
 * - ends in a result, never in an error: the orchestrator merges results by trust and the CLI
 *   prints each with its source, its reason and how long it took.
 * The fetches of one discovery run in parallel; fetch_all collects them, and can stop the less
 * trusted ones as soon as a more trusted one has given a usable file.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-autoconfig-fetcher.h"

#include <glib/gi18n-lib.h>

#define MAX_REDIRECTS 5
#define READ_CHUNK    16384

struct _CourrielAutoconfigFetcher
{
  GObject      parent_instance;
  SoupSession *session;
  guint        timeout_ms;
  gsize        max_size;
  char        *ispdb_url;
  char        *provider_url; /* nullable: a template for the provider's own URL (harnesses) */
  guint16      https_port; /* 0: the scheme's own */
  guint16      http_port;
};

G_DEFINE_FINAL_TYPE (CourrielAutoconfigFetcher, courriel_autoconfig_fetcher, G_TYPE_OBJECT)

/* One fetch under way. */
typedef struct
{
  CourrielAutoconfigResult *result;
  char                     *address;
  GCancellable             *cancellable; /* cancelled by the deadline or by the caller's */
  GCancellable             *caller;
  gulong                    caller_handler;
  GSource                  *deadline;
  gboolean                  timed_out;
  gint64                    started;
  SoupMessage              *message;
  GByteArray               *body;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  courriel_autoconfig_result_free (fetch->result);
  g_free (fetch->address);
  if (fetch->caller != NULL)
    g_signal_handler_disconnect (fetch->caller, fetch->caller_handler);
  g_clear_object (&fetch->caller);
  g_clear_object (&fetch->cancellable);
  if (fetch->deadline != NULL)
    g_source_destroy (fetch->deadline);
  g_clear_pointer (&fetch->deadline, g_source_unref);
  if (fetch->message != NULL)
    g_signal_handlers_disconnect_by_data (fetch->message, fetch); /* libsoup may keep it a little longer */
  g_clear_object (&fetch->message);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_free (fetch);
}

void
courriel_autoconfig_result_free (CourrielAutoconfigResult *result)
{
  if (result == NULL)
    return;
  g_free (result->domain);
  g_free (result->url);
  g_free (result->final_url);
  courriel_mail_config_free (result->config);
  g_free (result->reason);
  g_free (result);
}

gboolean
courriel_autoconfig_source_is_verified (CourrielAutoconfigSource source)
{
  return source != COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP;
}

const char *
courriel_autoconfig_source_to_string (CourrielAutoconfigSource source)
{
  switch (source)
    {
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER:
      return "provider";
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN:
      return "provider-well-known";
    case COURRIEL_AUTOCONFIG_SOURCE_ISPDB:
      return "ispdb";
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP:
      return "provider-http-unverified";
    }
  g_return_val_if_reached ("unknown");
}

const char *
courriel_autoconfig_fetch_status_to_string (CourrielAutoconfigFetchStatus status)
{
  static const char *const names[] = {
    "ok", "not-found", "http-error", "unreachable", "timeout", "tls-error", "redirect-refused", "too-large",
    "invalid", "cancelled",
  };

  g_return_val_if_fail ((guint)status < G_N_ELEMENTS (names), "unknown");
  return names[status];
}

/* A file that lists at least one way in and one way out: enough to stop looking elsewhere. */
gboolean
courriel_autoconfig_result_is_usable (const CourrielAutoconfigResult *result)
{
  return result != NULL && result->status == COURRIEL_AUTOCONFIG_FETCH_OK && result->config != NULL
         && result->config->incoming->len > 0 && result->config->outgoing->len > 0;
}

static void
courriel_autoconfig_fetcher_finalize (GObject *object)
{
  CourrielAutoconfigFetcher *self = COURRIEL_AUTOCONFIG_FETCHER (object);

  g_clear_object (&self->session);
  g_free (self->ispdb_url);
  g_free (self->provider_url);
  G_OBJECT_CLASS (courriel_autoconfig_fetcher_parent_class)->finalize (object);
}

static void
courriel_autoconfig_fetcher_class_init (CourrielAutoconfigFetcherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_autoconfig_fetcher_finalize;
}

static void
courriel_autoconfig_fetcher_init (CourrielAutoconfigFetcher *self)
{
  self->timeout_ms = COURRIEL_AUTOCONFIG_FETCH_TIMEOUT_MS;
  self->max_size = COURRIEL_AUTOCONFIG_FETCH_MAX_SIZE;
  self->ispdb_url = g_strdup (COURRIEL_AUTOCONFIG_ISPDB_URL);
}

/**
 * courriel_autoconfig_fetcher_new:
 * @session: (nullable): the session to fetch with; tests give one that trusts their CA.
 *   NULL: a session of its own, with the system's certificate authorities.
 */
CourrielAutoconfigFetcher *
courriel_autoconfig_fetcher_new (SoupSession *session)
{
  CourrielAutoconfigFetcher *self = g_object_new (COURRIEL_TYPE_AUTOCONFIG_FETCHER, NULL);

  self->session = session != NULL ? g_object_ref (session)
                                   : soup_session_new_with_options ("user-agent", "Courriel/" PACKAGE_VERSION, NULL);
  return self;
}

/* The deadline of each fetch, from its start to its result. */
void
courriel_autoconfig_fetcher_set_timeout (CourrielAutoconfigFetcher *self, guint timeout_ms)
{
  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_return_if_fail (timeout_ms > 0);
  self->timeout_ms = timeout_ms;
}

/* Files bigger than this are refused (the ISP database's biggest is a few kilobytes). */
void
courriel_autoconfig_fetcher_set_max_size (CourrielAutoconfigFetcher *self, gsize max_size)
{
  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_return_if_fail (max_size > 0);
  self->max_size = max_size;
}

/* Where the ISP database is: the domain is appended. NULL: the public one. */
void
courriel_autoconfig_fetcher_set_ispdb_url (CourrielAutoconfigFetcher *self, const char *base_url)
{
  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_free (self->ispdb_url);
  if (base_url == NULL)
    base_url = COURRIEL_AUTOCONFIG_ISPDB_URL;
  self->ispdb_url = g_str_has_suffix (base_url, "/") ? g_strdup (base_url) : g_strconcat (base_url, "/", NULL);
}

/* The provider's own URL (the first source) from a template, for a harness pointing Courriel at
 * local servers: %DOMAIN% and %EMAILADDRESS% (escaped) are filled in. NULL: the standard one,
 * https://autoconfig.%DOMAIN%/mail/config-v1.1.xml?emailaddress=%EMAILADDRESS%. */
void
courriel_autoconfig_fetcher_set_provider_url (CourrielAutoconfigFetcher *self, const char *url_template)
{
  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_free (self->provider_url);
  self->provider_url = g_strdup (url_template);
}

/* The ports of the provider's URLs, for a test server or a harness; 0: the scheme's own (443, 80). The host
 * names stay those of the domain, so that certificates are checked against them as they would be. */
void
courriel_autoconfig_fetcher_set_ports (CourrielAutoconfigFetcher *self, guint16 https_port, guint16 http_port)
{
  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  self->https_port = https_port;
  self->http_port = http_port;
}

/* The domain in the form used in URLs, or NULL when it cannot be one: the same check as every source's hosts. */
static char *
normalize_domain (const char *address, const char *domain)
{
  if (domain == NULL)
    {
      const char *at = strrchr (address, '@');

      if (at == NULL)
        return NULL;
      domain = at + 1;
    }
  return courriel_mail_server_clean_host (domain);
}

static char *
port_suffix (guint16 port)
{
  return port != 0 ? g_strdup_printf (":%u", port) : g_strdup ("");
}

static char *
source_url (CourrielAutoconfigFetcher *self, CourrielAutoconfigSource source, const char *address,
            const char *domain)
{
  g_autofree char *https_port = port_suffix (self->https_port);
  g_autofree char *http_port = port_suffix (self->http_port);
  g_autofree char *escaped = g_uri_escape_string (address, NULL, FALSE);

  switch (source)
    {
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER:
      if (self->provider_url != NULL)
        {
          GString *url = g_string_new (self->provider_url);
          g_string_replace (url, "%DOMAIN%", domain, 0);
          g_string_replace (url, "%EMAILADDRESS%", escaped, 0);
          return g_string_free (url, FALSE);
        }
      return g_strdup_printf ("https://autoconfig.%s%s/mail/config-v1.1.xml?emailaddress=%s", domain, https_port,
                              escaped);
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN:
      return g_strdup_printf ("https://%s%s/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s", domain,
                              https_port, escaped);
    case COURRIEL_AUTOCONFIG_SOURCE_ISPDB:
      return g_strconcat (self->ispdb_url, domain, NULL);
    case COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP:
      /* Never the address in clear text. */
      return g_strdup_printf ("http://autoconfig.%s%s/mail/config-v1.1.xml", domain, http_port);
    }
  g_return_val_if_reached (NULL);
}

static const char *
message_host (Fetch *fetch)
{
  return fetch->message != NULL ? g_uri_get_host (soup_message_get_uri (fetch->message)) : fetch->result->domain;
}

static void
finish (GTask *task, CourrielAutoconfigFetchStatus status, char *reason)
{
  Fetch *fetch = g_task_get_task_data (task);
  CourrielAutoconfigResult *result = fetch->result;

  result->status = status;
  result->reason = reason;
  result->elapsed_ms = (guint)((g_get_monotonic_time () - fetch->started) / 1000);
  if (fetch->message != NULL)
    {
      result->final_url = g_uri_to_string (soup_message_get_uri (fetch->message));
      result->http_status = soup_message_get_status (fetch->message);
    }
  if (fetch->deadline != NULL)
    g_source_destroy (fetch->deadline);
  g_debug ("%s %s: %s after %u ms%s%s", courriel_autoconfig_source_to_string (result->source),
           result->url != NULL ? result->url : result->domain,
           courriel_autoconfig_fetch_status_to_string (status), result->elapsed_ms, reason != NULL ? ": " : "",
           reason != NULL ? reason : "");
  fetch->result = NULL;
  g_task_return_pointer (task, result, (GDestroyNotify)courriel_autoconfig_result_free);
  g_object_unref (task);
}

static char *
certificate_reason (const char *host, GTlsCertificateFlags errors, const GError *error)
{
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup_printf (_("The certificate of %s is made out to another name."), host);
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_strdup_printf (_("The certificate of %s is not signed by an authority this computer trusts."), host);
  if (errors & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
    return g_strdup_printf (_("The certificate of %s has expired or is not valid yet."), host);
  if (errors != 0)
    return g_strdup_printf (_("The certificate of %s is not valid."), host);
  return g_strdup_printf (_("The secure connection to %s failed: %s"), host, error->message);
}

static void
finish_with_error (GTask *task, const GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);
  const char *host = message_host (fetch);

  if (fetch->timed_out)
    finish (task, COURRIEL_AUTOCONFIG_FETCH_TIMEOUT,
            g_strdup_printf (_("%s did not answer within %.1f seconds."), host,
                             (double)(g_get_monotonic_time () - fetch->started) / G_USEC_PER_SEC));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    finish (task, COURRIEL_AUTOCONFIG_FETCH_CANCELLED, g_strdup (_("The search was cancelled.")));
  else if (error->domain == G_TLS_ERROR || fetch->result->tls_errors != 0)
    finish (task, COURRIEL_AUTOCONFIG_FETCH_TLS_ERROR, certificate_reason (host, fetch->result->tls_errors, error));
  else if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    finish (task, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND, g_strdup_printf (_("There is no host named %s."), host));
  else
    finish (task, COURRIEL_AUTOCONFIG_FETCH_UNREACHABLE,
            g_strdup_printf (_("%s cannot be reached: %s"), host, error->message));
}

static gboolean
on_accept_certificate (SoupMessage *message, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Fetch *fetch = user_data;

  /* Only noted, for the reason: an autoconfig file is never taken from a server that cannot prove its name. */
  fetch->result->tls_errors |= errors;
  return FALSE;
}

static void send_request (GTask *task, const char *url);

static void
on_read (GObject *object, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  CourrielAutoconfigFetcher *self = g_task_get_source_object (task);
  GInputStream *stream = G_INPUT_STREAM (object);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk = g_input_stream_read_bytes_finish (stream, res, &error);
  g_autoptr (GBytes) body = NULL;
  CourrielMailConfig *config;

  if (chunk == NULL)
    {
      finish_with_error (task, error);
      g_object_unref (stream);
      return;
    }
  if (g_bytes_get_size (chunk) > 0)
    {
      g_byte_array_append (fetch->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      if (fetch->body->len > self->max_size)
        {
          finish (task, COURRIEL_AUTOCONFIG_FETCH_TOO_LARGE,
                  g_strdup_printf (_("The file from %s is bigger than %u kB: it is not a mail configuration."),
                                   message_host (fetch), (guint)(self->max_size / 1024)));
          g_object_unref (stream);
          return;
        }
      g_input_stream_read_bytes_async (stream, READ_CHUNK, G_PRIORITY_DEFAULT, fetch->cancellable, on_read, task);
      return;
    }
  g_object_unref (stream);
  body = g_byte_array_free_to_bytes (g_steal_pointer (&fetch->body));
  config = courriel_mail_config_new_from_xml (body, fetch->address, &error);
  if (config == NULL)
    {
      finish (task, COURRIEL_AUTOCONFIG_FETCH_INVALID, g_strdup (error->message));
      return;
    }
  fetch->result->config = config;
  finish (task, COURRIEL_AUTOCONFIG_FETCH_OK, NULL);
}

/* Where a redirect may lead: HTTPS, or HTTP from the plain HTTP source (which proves nothing anyway). */
static void
follow_redirect (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (fetch->message), "Location");
  g_autoptr (GUri) target = NULL;
  g_autofree char *url = NULL;
  const char *scheme;

  if (location != NULL)
    target = g_uri_parse_relative (soup_message_get_uri (fetch->message), location, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL)
    {
      finish (task, COURRIEL_AUTOCONFIG_FETCH_HTTP_ERROR,
              g_strdup_printf (_("%s sent a redirect that leads nowhere."), message_host (fetch)));
      return;
    }
  url = g_uri_to_string (target);
  scheme = g_uri_get_scheme (target);
  if (g_ascii_strcasecmp (scheme, "https") != 0
      && !(g_ascii_strcasecmp (scheme, "http") == 0
           && fetch->result->source == COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP))
    {
      finish (task, COURRIEL_AUTOCONFIG_FETCH_REDIRECT_REFUSED,
              g_strdup_printf (_("%s redirects to %s, which is not a secure address: not followed."),
                               message_host (fetch), url));
      return;
    }
  if (++fetch->result->redirects > MAX_REDIRECTS)
    {
      finish (task, COURRIEL_AUTOCONFIG_FETCH_REDIRECT_REFUSED,
              g_strdup_printf (_("%s redirects more than %d times: not followed."), message_host (fetch),
                               MAX_REDIRECTS));
      return;
    }
  send_request (task, url);
}

static void
on_sent (GObject *object, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  CourrielAutoconfigFetcher *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stream = soup_session_send_finish (SOUP_SESSION (object), res, &error);
  SoupMessageHeaders *headers;
  guint status;

  if (stream == NULL)
    {
      finish_with_error (task, error);
      return;
    }
  status = soup_message_get_status (fetch->message);
  headers = soup_message_get_response_headers (fetch->message);
  if (status == SOUP_STATUS_MOVED_PERMANENTLY || status == SOUP_STATUS_FOUND || status == SOUP_STATUS_SEE_OTHER
      || status == SOUP_STATUS_TEMPORARY_REDIRECT || status == SOUP_STATUS_PERMANENT_REDIRECT)
    follow_redirect (task);
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    finish (task, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND,
            g_strdup_printf (_("%s has no mail configuration for this domain."), message_host (fetch)));
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    finish (task, COURRIEL_AUTOCONFIG_FETCH_HTTP_ERROR,
            g_strdup_printf (_("%s answered “%u %s”."), message_host (fetch), status,
                             soup_message_get_reason_phrase (fetch->message)));
  else if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
           && soup_message_headers_get_content_length (headers) > (goffset)self->max_size)
    finish (task, COURRIEL_AUTOCONFIG_FETCH_TOO_LARGE,
            g_strdup_printf (_("The file from %s is bigger than %u kB: it is not a mail configuration."),
                             message_host (fetch), (guint)(self->max_size / 1024)));
  else
    {
      fetch->body = g_byte_array_new ();
      g_input_stream_read_bytes_async (g_steal_pointer (&stream), READ_CHUNK, G_PRIORITY_DEFAULT, fetch->cancellable,
                                       on_read, task);
    }
}

static void
send_request (GTask *task, const char *url)
{
  CourrielAutoconfigFetcher *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  SoupMessage *message = soup_message_new ("GET", url);

  if (message == NULL)
    {
      finish (task, COURRIEL_AUTOCONFIG_FETCH_HTTP_ERROR, g_strdup_printf (_("“%s” is not a valid address."), url));
      return;
    }
  if (fetch->message != NULL)
    g_signal_handlers_disconnect_by_data (fetch->message, fetch);
  g_clear_object (&fetch->message);
  fetch->message = message;
  soup_message_set_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/xml, text/xml;q=0.9, */*;q=0.1");
  g_signal_connect (message, "accept-certificate", G_CALLBACK (on_accept_certificate), fetch);
  soup_session_send_async (self->session, message, G_PRIORITY_DEFAULT, fetch->cancellable, on_sent, task);
}

static gboolean
on_deadline (gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  return G_SOURCE_REMOVE;
}

/* The caller's cancellable cancels the fetch's own. Through the signal rather than g_cancellable_connect(): a
 * fetch may end, and be freed, from within the emission, where g_cancellable_disconnect() would deadlock. */
static gulong
chain_cancellable (GCancellable *caller, void (*on_cancelled) (GCancellable *, gpointer), gpointer user_data)
{
  gulong handler = g_signal_connect (caller, "cancelled", G_CALLBACK (on_cancelled), user_data);

  if (g_cancellable_is_cancelled (caller))
    on_cancelled (caller, user_data);
  return handler;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  Fetch *fetch = user_data;

  g_cancellable_cancel (fetch->cancellable);
}

/**
 * courriel_autoconfig_fetcher_fetch_async:
 * @source: which of the sources to fetch
 * @address: the user's address, for the provider's query and the file's placeholders
 * @domain: (nullable): the domain to ask about; NULL: the address's. Another one for the lookups derived from
 *   the MX host.
 *
 * Fetches and reads one source's file. The result always comes, within the deadline: see
 * courriel_autoconfig_fetcher_fetch_finish().
 */
void
courriel_autoconfig_fetcher_fetch_async (CourrielAutoconfigFetcher *self, CourrielAutoconfigSource source,
                                         const char *address, const char *domain, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Fetch *fetch;
  g_autofree char *ascii_domain = NULL;

  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_autoconfig_fetcher_fetch_async);
  /* A cancelled fetch too ends in a result, which says so. */
  g_task_set_check_cancellable (task, FALSE);
  fetch = g_new0 (Fetch, 1);
  fetch->started = g_get_monotonic_time ();
  fetch->address = g_strdup (address);
  fetch->result = g_new0 (CourrielAutoconfigResult, 1);
  fetch->result->source = source;
  fetch->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, fetch, (GDestroyNotify)fetch_free);

  ascii_domain = normalize_domain (address, domain);
  if (ascii_domain == NULL)
    {
      fetch->result->domain = g_strdup (domain != NULL ? domain : address);
      finish (task, COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND,
              g_strdup_printf (_("“%s” is not a domain name."), fetch->result->domain));
      return;
    }
  fetch->result->domain = g_steal_pointer (&ascii_domain);
  fetch->result->url = source_url (self, source, address, fetch->result->domain);

  if (cancellable != NULL)
    {
      fetch->caller = g_object_ref (cancellable);
      fetch->caller_handler = chain_cancellable (cancellable, on_caller_cancelled, fetch);
    }
  fetch->deadline = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (fetch->deadline, on_deadline, fetch, NULL);
  g_source_set_static_name (fetch->deadline, "[courriel] autoconfig fetch deadline");
  g_source_attach (fetch->deadline, g_task_get_context (task));
  send_request (task, fetch->result->url);
}

/**
 * courriel_autoconfig_fetcher_fetch_finish:
 *
 * Returns: (transfer full): the result; its status and reason say what went wrong, if anything.
 */
CourrielAutoconfigResult *
courriel_autoconfig_fetcher_fetch_finish (CourrielAutoconfigFetcher *self, GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), NULL);
}

/* Several sources at once. */
typedef struct
{
  GPtrArray    *results;      /* CourrielAutoconfigResult*, NULL until it arrives; in the caller's order */
  GPtrArray    *cancellables; /* one per source */
  gboolean     *preempted;
  guint         pending;
  gboolean      stop_at_first;
  GCancellable *caller;
  gulong        caller_handler;
} FetchAll;

typedef struct
{
  GTask *task;
  guint  index;
} FetchOne;

static void
fetch_all_free (FetchAll *all)
{
  if (all->caller != NULL)
    g_signal_handler_disconnect (all->caller, all->caller_handler);
  g_clear_object (&all->caller);
  g_clear_pointer (&all->results, g_ptr_array_unref);
  g_clear_pointer (&all->cancellables, g_ptr_array_unref);
  g_free (all->preempted);
  g_free (all);
}

static void
on_all_cancelled (GCancellable *caller, gpointer user_data)
{
  FetchAll *all = user_data;

  for (guint i = 0; i < all->cancellables->len; i++)
    g_cancellable_cancel (all->cancellables->pdata[i]);
}

/* The first source, in trust order, whose answer is usable while all before it have failed, wins: the less
 * trusted ones still running are not needed. */
static void
preempt (FetchAll *all)
{
  for (guint i = 0; i < all->results->len; i++)
    {
      CourrielAutoconfigResult *result = all->results->pdata[i];

      if (result == NULL)
        return;
      if (!courriel_autoconfig_result_is_usable (result))
        continue;
      for (guint k = i + 1; k < all->results->len; k++)
        if (all->results->pdata[k] == NULL && !all->preempted[k])
          {
            all->preempted[k] = TRUE;
            g_cancellable_cancel (all->cancellables->pdata[k]);
          }
      return;
    }
}

static void
on_one_fetched (GObject *object, GAsyncResult *res, gpointer user_data)
{
  FetchOne *one = user_data;
  /* Cancelling the others may end them at once, in here again: the last one must not free all under preempt(). */
  g_autoptr (GTask) task = g_object_ref (one->task);
  FetchAll *all = g_task_get_task_data (task);
  CourrielAutoconfigResult *result = courriel_autoconfig_fetcher_fetch_finish (COURRIEL_AUTOCONFIG_FETCHER (object),
                                                                                res);

  if (result->status == COURRIEL_AUTOCONFIG_FETCH_CANCELLED && all->preempted[one->index])
    {
      g_free (result->reason);
      result->reason = g_strdup (_("Not needed: a more trusted source answered first."));
    }
  all->results->pdata[one->index] = result;
  g_free (one);
  if (all->stop_at_first)
    preempt (all);
  if (--all->pending == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&all->results), (GDestroyNotify)g_ptr_array_unref);
      g_object_unref (task); /* the reference taken by fetch_all_async */
    }
}

/**
 * courriel_autoconfig_fetcher_fetch_all_async:
 * @sources: (array length=n_sources): the sources to fetch, most trusted first
 * @stop_at_first: once a source has given a usable file and all more trusted ones have failed, cancel the less
 *   trusted ones still running (their results say so)
 *
 * Fetches several sources in parallel, for courriel_autoconfig_fetcher_fetch_all_finish().
 */
void
courriel_autoconfig_fetcher_fetch_all_async (CourrielAutoconfigFetcher *self, const CourrielAutoconfigSource *sources,
                                             guint n_sources, const char *address, const char *domain,
                                             gboolean stop_at_first, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  FetchAll *all;

  g_return_if_fail (COURRIEL_IS_AUTOCONFIG_FETCHER (self));
  g_return_if_fail (sources != NULL || n_sources == 0);
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_autoconfig_fetcher_fetch_all_async);
  g_task_set_check_cancellable (task, FALSE);
  all = g_new0 (FetchAll, 1);
  all->results = g_ptr_array_new_full (n_sources, (GDestroyNotify)courriel_autoconfig_result_free);
  g_ptr_array_set_size (all->results, n_sources);
  all->cancellables = g_ptr_array_new_full (n_sources, g_object_unref);
  all->preempted = g_new0 (gboolean, n_sources);
  all->pending = n_sources;
  all->stop_at_first = stop_at_first;
  g_task_set_task_data (task, all, (GDestroyNotify)fetch_all_free);
  if (n_sources == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&all->results), (GDestroyNotify)g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < n_sources; i++)
    g_ptr_array_add (all->cancellables, g_cancellable_new ());
  if (cancellable != NULL)
    {
      all->caller = g_object_ref (cancellable);
      all->caller_handler = chain_cancellable (cancellable, on_all_cancelled, all);
    }
  for (guint i = 0; i < n_sources; i++)
    {
      FetchOne *one = g_new0 (FetchOne, 1);

      one->task = task;
      one->index = i;
      courriel_autoconfig_fetcher_fetch_async (self, sources[i], address, domain, all->cancellables->pdata[i],
                                               on_one_fetched, one);
    }
}

/**
 * courriel_autoconfig_fetcher_fetch_all_finish:
 *
 * Returns: (transfer full) (element-type CourrielAutoconfigResult): one result per source, in the order given
 */
GPtrArray *
courriel_autoconfig_fetcher_fetch_all_finish (CourrielAutoconfigFetcher *self, GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), NULL);
}
