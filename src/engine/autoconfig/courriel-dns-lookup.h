/* courriel-dns-lookup.h — what a domain's DNS says about its mail servers: SRV and MX records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-mail-config.h"

G_BEGIN_DECLS

/* How one DNS question was answered. Only cancellation and a malformed address are errors:
 * everything the network can do is one of these, so that a lookup always says what it saw. */
typedef enum
{
  COURRIEL_DNS_ANSWERED,    /* records came back (some may have been left out: see skipped) */
  COURRIEL_DNS_NOT_OFFERED, /* the domain says so: an SRV target "." or a null MX (RFC 7505) */
  COURRIEL_DNS_NO_RECORDS,  /* no such name (NXDOMAIN), or no record of that type */
  COURRIEL_DNS_FAILED,      /* the resolver could not tell (temporary failure, server error) */
  COURRIEL_DNS_TIMED_OUT,   /* no answer before the deadline */
} CourrielDnsOutcome;

typedef struct
{
  char              *name;       /* what was asked: "_imaps._tcp.example.org", or "example.org" for MX */
  CourrielDnsOutcome outcome;
  guint              elapsed_ms; /* from the start of the lookup to this answer, or to the deadline */
  char              *message;    /* nullable: the resolver's words when it failed */
} CourrielDnsQuery;

/* The six SRV services of RFC 6186 and RFC 8314, as one source of servers. */
typedef struct
{
  /* incoming: ranked by SRV priority, then IMAP before POP3 and implicit TLS before STARTTLS,
   * then weight; outgoing: by priority, security, weight. Each server's priority is its
   * record's; its username is the full address (RFC 6186 §4). No provider_id: DNS names none. */
  CourrielMailConfig *config;
  GPtrArray          *queries;  /* CourrielDnsQuery*, one a service, in the order listed above */
} CourrielDnsSrv;

typedef struct
{
  GStrv            hosts;     /* the mail exchangers, lowest preference first; empty when none */
  char            *mx_domain; /* nullable: the first host without its first label (see the .c) */
  CourrielDnsQuery query;
} CourrielDnsMx;

void            courriel_dns_lookup_srv_async  (const char          *address,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
CourrielDnsSrv *courriel_dns_lookup_srv_finish (GAsyncResult        *result,
                                                GError             **error);
void            courriel_dns_lookup_mx_async   (const char          *domain,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
CourrielDnsMx  *courriel_dns_lookup_mx_finish  (GAsyncResult        *result,
                                                GError             **error);

void            courriel_dns_lookup_set_deadline (guint milliseconds);
guint           courriel_dns_lookup_get_deadline (void);

const char     *courriel_dns_outcome_to_string (CourrielDnsOutcome outcome);
void            courriel_dns_srv_free          (CourrielDnsSrv *srv);
void            courriel_dns_mx_free           (CourrielDnsMx  *mx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielDnsSrv, courriel_dns_srv_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielDnsMx, courriel_dns_mx_free)

G_END_DECLS
