/* courriel-autoconfig-fetcher.h — autoconfig files fetched over HTTP(S): the provider's and the ISP database's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "courriel-mail-config.h"

G_BEGIN_DECLS

/* Where a file came from. The order is the trust order, most trusted first. */
typedef enum
{
  COURRIEL_AUTOCONFIG_SOURCE_PROVIDER,            /* https://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=… */
  COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN, /* https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml?… */
  COURRIEL_AUTOCONFIG_SOURCE_ISPDB,               /* Thunderbird's ISP database, https://autoconfig.thunderbird.net/v1.1/DOMAIN */
  COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP,       /* http://autoconfig.DOMAIN/mail/config-v1.1.xml: unverified */
} CourrielAutoconfigSource;

/* What became of one fetch. Every failure has one of these and a reason in plain words. */
typedef enum
{
  COURRIEL_AUTOCONFIG_FETCH_OK,
  COURRIEL_AUTOCONFIG_FETCH_NOT_FOUND,        /* no such host, or 404/410: the source has nothing */
  COURRIEL_AUTOCONFIG_FETCH_HTTP_ERROR,       /* any other status than 2xx */
  COURRIEL_AUTOCONFIG_FETCH_UNREACHABLE,      /* the host is known but does not answer (refused, no route) */
  COURRIEL_AUTOCONFIG_FETCH_TIMEOUT,          /* the deadline passed first */
  COURRIEL_AUTOCONFIG_FETCH_TLS_ERROR,        /* the certificate is not valid for the host: never accepted */
  COURRIEL_AUTOCONFIG_FETCH_REDIRECT_REFUSED, /* to plain HTTP from HTTPS, elsewhere than HTTP(S), or too many */
  COURRIEL_AUTOCONFIG_FETCH_TOO_LARGE,        /* bigger than the size cap */
  COURRIEL_AUTOCONFIG_FETCH_INVALID,          /* not a clientConfig file Courriel can read */
  COURRIEL_AUTOCONFIG_FETCH_CANCELLED,        /* by the caller, or because a more trusted source answered */
} CourrielAutoconfigFetchStatus;

typedef struct
{
  CourrielAutoconfigSource      source;
  CourrielAutoconfigFetchStatus status;
  char                         *domain;      /* the domain asked about (IDNA, lower case) */
  char                         *url;         /* the first URL asked */
  char                         *final_url;   /* the last one, after redirects; nullable */
  guint                         redirects;
  guint                         http_status; /* 0: no answer */
  GTlsCertificateFlags          tls_errors;  /* what was wrong with the certificate, for TLS_ERROR */
  guint                         elapsed_ms;  /* from the start of the fetch to its result */
  CourrielMailConfig           *config;      /* for OK only */
  char                         *reason;      /* NULL for OK: why there is no configuration, in plain words */
} CourrielAutoconfigResult;

#define COURRIEL_AUTOCONFIG_FETCH_TIMEOUT_MS 4000
#define COURRIEL_AUTOCONFIG_FETCH_MAX_SIZE   (1024 * 1024)
#define COURRIEL_AUTOCONFIG_ISPDB_URL        "https://autoconfig.thunderbird.net/v1.1/"

#define COURRIEL_TYPE_AUTOCONFIG_FETCHER (courriel_autoconfig_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (CourrielAutoconfigFetcher, courriel_autoconfig_fetcher, COURRIEL, AUTOCONFIG_FETCHER, GObject)

CourrielAutoconfigFetcher *courriel_autoconfig_fetcher_new            (SoupSession               *session);
void                       courriel_autoconfig_fetcher_set_timeout    (CourrielAutoconfigFetcher *self,
                                                                       guint                      timeout_ms);
void                       courriel_autoconfig_fetcher_set_max_size   (CourrielAutoconfigFetcher *self,
                                                                       gsize                      max_size);
void                       courriel_autoconfig_fetcher_set_ispdb_url  (CourrielAutoconfigFetcher *self,
                                                                       const char                *base_url);
void                       courriel_autoconfig_fetcher_set_provider_url (CourrielAutoconfigFetcher *self,
                                                                         const char                *url_template);
void                       courriel_autoconfig_fetcher_set_ports      (CourrielAutoconfigFetcher *self,
                                                                       guint16                    https_port,
                                                                       guint16                    http_port);

void                       courriel_autoconfig_fetcher_fetch_async    (CourrielAutoconfigFetcher *self,
                                                                       CourrielAutoconfigSource   source,
                                                                       const char                *address,
                                                                       const char                *domain,
                                                                       GCancellable              *cancellable,
                                                                       GAsyncReadyCallback        callback,
                                                                       gpointer                   user_data);
CourrielAutoconfigResult  *courriel_autoconfig_fetcher_fetch_finish   (CourrielAutoconfigFetcher *self,
                                                                       GAsyncResult              *result);

void                       courriel_autoconfig_fetcher_fetch_all_async (CourrielAutoconfigFetcher      *self,
                                                                        const CourrielAutoconfigSource *sources,
                                                                        guint                           n_sources,
                                                                        const char                     *address,
                                                                        const char                     *domain,
                                                                        gboolean                        stop_at_first,
                                                                        GCancellable                   *cancellable,
                                                                        GAsyncReadyCallback             callback,
                                                                        gpointer                        user_data);
GPtrArray                 *courriel_autoconfig_fetcher_fetch_all_finish (CourrielAutoconfigFetcher     *self,
                                                                         GAsyncResult                  *result);

gboolean    courriel_autoconfig_source_is_verified      (CourrielAutoconfigSource  source);
const char *courriel_autoconfig_source_to_string        (CourrielAutoconfigSource  source);
const char *courriel_autoconfig_fetch_status_to_string  (CourrielAutoconfigFetchStatus status);
gboolean    courriel_autoconfig_result_is_usable        (const CourrielAutoconfigResult *result);
void        courriel_autoconfig_result_free             (CourrielAutoconfigResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielAutoconfigResult, courriel_autoconfig_result_free)

G_END_DECLS
