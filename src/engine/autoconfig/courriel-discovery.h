/* courriel-discovery.h — an address's mail servers, found by every source at once and ranked by trust
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-autoconfig-fetcher.h"
#include "courriel-mail-config.h"

G_BEGIN_DECLS

/* Where a server was found. The order is the trust order, most trusted first. */
typedef enum
{
  COURRIEL_DISCOVERY_SOURCE_PROVIDER,      /* the domain's own file over HTTPS (autoconfig. or .well-known) */
  COURRIEL_DISCOVERY_SOURCE_ISPDB,         /* the ISP database's entry for the domain */
  COURRIEL_DISCOVERY_SOURCE_DNS_SRV,       /* the domain's SRV records (RFC 6186, RFC 8314) */
  COURRIEL_DISCOVERY_SOURCE_ISPDB_MX,      /* the ISP database's entry for the provider the MX host belongs to */
  COURRIEL_DISCOVERY_SOURCE_GUESS,         /* a common host name that answered as the protocol's server */
  COURRIEL_DISCOVERY_SOURCE_PROVIDER_HTTP, /* the domain's file over plain HTTP: anyone on the way could forge it */
  COURRIEL_DISCOVERY_N_SOURCES
} CourrielDiscoverySource;

typedef struct
{
  CourrielMailServer     *server;
  CourrielDiscoverySource source;
  gboolean                plaintext;   /* no encryption at all: the UI must warn before using it */
  gboolean                upgraded;    /* the source listed it without encryption; probing found this instead */
  char                   *fingerprint; /* nullable: a probe saw a certificate not trusted (but made out to the
                                        * host): the user must accept it first */
  GTlsCertificateFlags    certificate_errors;
} CourrielDiscoveryServer;

/* One thing tried: a URL fetched, a DNS question, a probe. */
typedef struct
{
  char *source;     /* "provider", "provider-well-known", "ispdb", "provider-http", "dns-srv", "dns-mx",
                     * "ispdb-mx", "guess", "upgrade" */
  char *what;       /* the URL, DNS name or type host:port security */
  char *outcome;    /* "ok", "not-found", "timeout", "answered", "unreachable", "stopped"… (the module's words) */
  char *detail;     /* nullable: why, in plain words */
  guint started_ms; /* from the start of the discovery */
  guint elapsed_ms; /* from the start of the step to its outcome */
} CourrielDiscoveryStep;

typedef struct
{
  char      *address;
  char      *domain;             /* IDNA, lower case */
  GPtrArray *incoming;           /* CourrielDiscoveryServer*, best first: IMAP before POP3 within a source */
  GPtrArray *outgoing;           /* CourrielDiscoveryServer*, best first */
  char      *provider_id;        /* nullable: from the most trusted file that gave servers */
  char      *display_name;       /* nullable */
  char      *documentation;      /* nullable: the provider's help page */
  char      *enable_url;         /* nullable: where IMAP/POP must first be enabled */
  char      *enable_instruction; /* nullable */
  GPtrArray *steps;              /* CourrielDiscoveryStep*, in the order they started */
  guint      elapsed_ms;
  gboolean   hard_deadline;      /* the hard deadline ended it: some sources did not answer */
} CourrielDiscoveryResult;

#define COURRIEL_DISCOVERY_SETTLE_MS      2500
#define COURRIEL_DISCOVERY_HARD_MS        12000
#define COURRIEL_DISCOVERY_GUESS_DELAY_MS 300
#define COURRIEL_DISCOVERY_PROBE_TIMEOUT  3 /* seconds */
#define COURRIEL_DISCOVERY_MAX_PROBES     8

#define COURRIEL_TYPE_DISCOVERY (courriel_discovery_get_type ())
G_DECLARE_FINAL_TYPE (CourrielDiscovery, courriel_discovery, COURRIEL, DISCOVERY, GObject)

CourrielDiscovery         *courriel_discovery_new             (CourrielAutoconfigFetcher *fetcher);
CourrielAutoconfigFetcher *courriel_discovery_get_fetcher     (CourrielDiscovery         *self);
void                       courriel_discovery_set_deadlines   (CourrielDiscovery         *self,
                                                               guint                      settle_ms,
                                                               guint                      hard_ms);
void                       courriel_discovery_set_guess_delay (CourrielDiscovery         *self,
                                                               guint                      delay_ms);
void                       courriel_discovery_set_probe_timeout (CourrielDiscovery       *self,
                                                                 guint                    seconds);
void                       courriel_discovery_set_port        (CourrielDiscovery         *self,
                                                               guint16                    standard_port,
                                                               guint16                    port);
void                       courriel_discovery_set_tls_database (CourrielDiscovery        *self,
                                                                GTlsDatabase             *database);

void                       courriel_discovery_run_async       (CourrielDiscovery         *self,
                                                               const char                *address,
                                                               GCancellable              *cancellable,
                                                               GAsyncReadyCallback        callback,
                                                               gpointer                   user_data);
CourrielDiscoveryResult   *courriel_discovery_run_finish      (CourrielDiscovery         *self,
                                                               GAsyncResult              *result,
                                                               GError                   **error);

const char *courriel_discovery_source_to_string (CourrielDiscoverySource source);
const char *courriel_discovery_mx_provider      (const char *mx_host);
void        courriel_discovery_result_free      (CourrielDiscoveryResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielDiscoveryResult, courriel_discovery_result_free)

G_END_DECLS
