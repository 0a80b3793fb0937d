/* courriel-dns-lookup.c — what a domain's DNS says about its mail servers: SRV and MX records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two of the setup wizard's sources (issue 6), asked through the default GResolver so that
 * tests, and the command line, can answer in its place:
 * - SRV (RFC 6186, and RFC 8314 for _submissions): the six services are asked at once. A
 *   service whose only target is "." is not offered: a clear answer, not a failure. RFC 2782
 *   orders records by priority, lowest first, then draws at random by weight so that many
 *   clients spread over the servers; a wizard setting up one account gains nothing from chance
 *   and must give the same answer twice, so here the heaviest record comes first (the draw's
 *   likeliest outcome), weight 0 last, equal weights in the resolver's order. Across services
 *   of one priority, IMAP goes before POP3 (RFC 6186 §3.4: choose the protocol first, then
 *   apply the weights within it) and implicit TLS before STARTTLS (RFC 8314). Each server
 *   keeps its record's priority, so that the ranking of all sources can weigh it, and the
 *   full address as user name (RFC 6186 §4 says to try it first).
 * - A record with port 0, or with a target that is not a host name, is left out with a
 *   reason: neither can be connected to.
 * - MX: GLib does not sort them; here the lowest preference comes first, equal preferences by
 *   name, so the order does not follow the resolver's rotation. A null MX (RFC 7505: a single
 *   "." record) is "not offered". The first host without its first label (mx1.mail.ovh.net:
 *   mail.ovh.net) is the "MX domain" the caller looks up in the ISP database. Without libpsl,
 *   which Courriel does not depend on, the public suffix is not known: the label is only
 *   taken off when two labels remain, and a caller that finds nothing under mail.ovh.net may
 *   walk up one label at a time.
 * - A silent DNS server must not hang the wizard: every lookup has a deadline (3 s, settable
 *   for tests); the questions are asked at once, so it bounds each of them. When it passes,
 *   the questions without an answer are "timed out" and the resolver's work is cancelled.
 *   No answer, NXDOMAIN and a temporary failure are outcomes, never errors: only a cancelled
 *   lookup (G_IO_ERROR_CANCELLED, at once, whatever the resolver is doing) and an address
 *   that is not one fail.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-dns-lookup.h"

#include <glib/gi18n-lib.h>

#define DEFAULT_DEADLINE_MS 3000

static int deadline_ms = DEFAULT_DEADLINE_MS;

static const struct
{
  const char            *service;
  CourrielMailServerType type;
  CourrielSecurity       security;
} services[] = {
  { "_submissions._tcp", COURRIEL_MAIL_SERVER_SMTP, COURRIEL_SECURITY_TLS },
  { "_submission._tcp", COURRIEL_MAIL_SERVER_SMTP, COURRIEL_SECURITY_STARTTLS },
  { "_imaps._tcp", COURRIEL_MAIL_SERVER_IMAP, COURRIEL_SECURITY_TLS },
  { "_imap._tcp", COURRIEL_MAIL_SERVER_IMAP, COURRIEL_SECURITY_STARTTLS },
  { "_pop3s._tcp", COURRIEL_MAIL_SERVER_POP3, COURRIEL_SECURITY_TLS },
  { "_pop3._tcp", COURRIEL_MAIL_SERVER_POP3, COURRIEL_SECURITY_STARTTLS },
};

/* One DNS question of a lookup. */
typedef struct
{
  CourrielDnsQuery query;
  GList           *records; /* GVariant*, when answered */
  gboolean         done;
} Question;

typedef struct Lookup Lookup;

/* What differs between the SRV and the MX lookups; its address is the task's source tag. */
typedef struct
{
  GResolverRecordType type;
  gpointer            (*build) (Lookup *lookup);
  GDestroyNotify      free_result;
} Kind;

struct Lookup
{
  const Kind         *kind;
  Question           *questions;
  guint               n_questions;
  guint               pending;
  gint64              started;
  gboolean            finished;
  GCancellable       *inner;     /* cancels the resolver's work once the lookup is over */
  GSource            *deadline;
  GSource            *cancelled; /* the caller's cancellable */
  char               *address;   /* SRV: the user name */
  char               *domain;
};

/* What a question's callback needs: the lookup lives as long as the task. */
typedef struct
{
  GTask *task;
  guint  index;
} Asked;

/* How long every later lookup waits for the DNS; 0 brings back the default (3 s). */
void
courriel_dns_lookup_set_deadline (guint milliseconds)
{
  g_atomic_int_set (&deadline_ms, milliseconds == 0 ? DEFAULT_DEADLINE_MS : (int)MIN (milliseconds, (guint)G_MAXINT));
}

/* Returns: how long a lookup waits for the DNS, in milliseconds (3000 unless set). */
guint
courriel_dns_lookup_get_deadline (void)
{
  return (guint)g_atomic_int_get (&deadline_ms);
}

const char *
courriel_dns_outcome_to_string (CourrielDnsOutcome outcome)
{
  static const char *names[] = { "answered", "not-offered", "no-records", "failed", "timed-out" };

  return names[outcome];
}

static void
query_clear (CourrielDnsQuery *query)
{
  g_free (query->name);
  g_free (query->message);
}

static void
query_copy (CourrielDnsQuery *to, const CourrielDnsQuery *from)
{
  *to = *from;
  to->name = g_strdup (from->name);
  to->message = g_strdup (from->message);
}

static void
query_free (CourrielDnsQuery *query)
{
  query_clear (query);
  g_free (query);
}

void
courriel_dns_srv_free (CourrielDnsSrv *srv)
{
  if (srv == NULL)
    return;
  courriel_mail_config_free (srv->config);
  g_ptr_array_unref (srv->queries);
  g_free (srv);
}

void
courriel_dns_mx_free (CourrielDnsMx *mx)
{
  if (mx == NULL)
    return;
  g_strfreev (mx->hosts);
  g_free (mx->mx_domain);
  query_clear (&mx->query);
  g_free (mx);
}

static void
lookup_free (Lookup *lookup)
{
  for (guint i = 0; i < lookup->n_questions; i++)
    {
      query_clear (&lookup->questions[i].query);
      g_list_free_full (lookup->questions[i].records, (GDestroyNotify)g_variant_unref);
    }
  g_free (lookup->questions);
  g_clear_object (&lookup->inner);
  g_free (lookup->address);
  g_free (lookup->domain);
  g_free (lookup);
}

static guint
elapsed_ms (Lookup *lookup)
{
  return (guint)((g_get_monotonic_time () - lookup->started) / 1000);
}

static void
drop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* The lookup is over: with @error (taken), or with what the answers say. Later answers are
 * dropped when they come. */
static void
lookup_complete (GTask *task, GError *error)
{
  g_autoptr (GTask) keep = g_object_ref (task);
  Lookup *lookup = g_task_get_task_data (task);

  if (lookup->finished)
    {
      g_clear_error (&error);
      return;
    }
  lookup->finished = TRUE;
  drop_source (&lookup->deadline);
  drop_source (&lookup->cancelled);
  g_cancellable_cancel (lookup->inner);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, lookup->kind->build (lookup), lookup->kind->free_result);
}

static void
on_records (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree Asked *asked = user_data;
  g_autoptr (GTask) task = asked->task;
  Lookup *lookup = g_task_get_task_data (task);
  Question *question = &lookup->questions[asked->index];
  g_autoptr (GError) error = NULL;
  GList *records = g_resolver_lookup_records_finish (G_RESOLVER (source), result, &error);

  if (lookup->finished || question->done)
    {
      g_list_free_full (records, (GDestroyNotify)g_variant_unref);
      return;
    }
  question->done = TRUE;
  question->query.elapsed_ms = elapsed_ms (lookup);
  if (records != NULL)
    {
      question->records = records;
      question->query.outcome = COURRIEL_DNS_ANSWERED;
    }
  else if (error == NULL || g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    question->query.outcome = COURRIEL_DNS_NO_RECORDS;
  else
    {
      question->query.outcome = COURRIEL_DNS_FAILED;
      question->query.message = g_strdup (error->message);
    }
  g_debug ("%s: %s after %u ms%s%s", question->query.name, courriel_dns_outcome_to_string (question->query.outcome),
           question->query.elapsed_ms, error != NULL ? ": " : "", error != NULL ? error->message : "");
  if (--lookup->pending == 0)
    lookup_complete (task, NULL);
}

static gboolean
on_deadline (gpointer user_data)
{
  GTask *task = user_data;
  Lookup *lookup = g_task_get_task_data (task);

  for (guint i = 0; i < lookup->n_questions; i++)
    {
      Question *question = &lookup->questions[i];

      if (question->done)
        continue;
      question->done = TRUE;
      question->query.outcome = COURRIEL_DNS_TIMED_OUT;
      question->query.elapsed_ms = elapsed_ms (lookup);
      g_debug ("%s: no answer within %u ms", question->query.name, courriel_dns_lookup_get_deadline ());
    }
  lookup_complete (task, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  lookup_complete (user_data, error);
  return G_SOURCE_REMOVE;
}

static GSource *
attach_source (GSource *source, GTask *task, GSourceFunc callback)
{
  g_source_set_callback (source, callback, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  return source;
}

/* Asks every question at once; the task returns when all are answered, at the deadline, or
 * when the caller cancels. */
static void
lookup_ask (GTask *task)
{
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  lookup->inner = g_cancellable_new ();
  lookup->started = g_get_monotonic_time ();
  lookup->pending = lookup->n_questions;
  lookup->deadline
      = attach_source (g_timeout_source_new (courriel_dns_lookup_get_deadline ()), task, on_deadline);
  if (cancellable != NULL)
    lookup->cancelled = attach_source (g_cancellable_source_new (cancellable), task, G_SOURCE_FUNC (on_cancelled));
  for (guint i = 0; i < lookup->n_questions; i++)
    {
      Asked *asked = g_new (Asked, 1);

      asked->task = g_object_ref (task);
      asked->index = i;
      g_resolver_lookup_records_async (resolver, lookup->questions[i].query.name, lookup->kind->type, lookup->inner,
                                       on_records, asked);
    }
}

/* SRV: the six services of @input, an address; MX: @input, a domain (or an address's). */
static void
lookup_start (const Kind *kind, const char *input, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Lookup *lookup = g_new0 (Lookup, 1);
  const char *at = strrchr (input, '@');
  gboolean srv = kind->type == G_RESOLVER_RECORD_SRV;

  g_task_set_source_tag (task, (gpointer)kind);
  g_task_set_task_data (task, lookup, (GDestroyNotify)lookup_free);
  lookup->kind = kind;
  lookup->domain = courriel_mail_server_clean_host (at != NULL ? at + 1 : input);
  if (at != NULL && at != input)
    lookup->address = g_strdup (input);
  if (srv && (lookup->domain == NULL || lookup->address == NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not an e-mail address."),
                               input);
      return;
    }
  if (lookup->domain == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a domain name."),
                               input);
      return;
    }
  lookup->n_questions = srv ? G_N_ELEMENTS (services) : 1;
  lookup->questions = g_new0 (Question, lookup->n_questions);
  for (guint i = 0; i < lookup->n_questions; i++)
    lookup->questions[i].query.name
        = srv ? g_strconcat (services[i].service, ".", lookup->domain, NULL) : g_strdup (lookup->domain);
  lookup_ask (task);
}

static gpointer
lookup_propagate (GAsyncResult *result, const Kind *kind, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kind, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Priority first; then IMAP before POP3 and implicit TLS before STARTTLS; then the heaviest
 * weight; then the order the records came in. */
typedef struct
{
  CourrielMailServer *server;
  guint16             weight;
  guint               order;
} Candidate;

static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  const Candidate *x = *(const Candidate * const *)a;
  const Candidate *y = *(const Candidate * const *)b;

  if (x->server->priority != y->server->priority)
    return x->server->priority < y->server->priority ? -1 : 1;
  if (x->server->type != y->server->type)
    return x->server->type < y->server->type ? -1 : 1;
  if (x->server->security != y->server->security)
    return x->server->security < y->server->security ? -1 : 1;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
candidate_free (Candidate *candidate)
{
  courriel_mail_server_free (candidate->server);
  g_free (candidate);
}

static gboolean
is_root (const char *target)
{
  return *target == '\0' || strcmp (target, ".") == 0;
}

/* A name from the DNS as a message can show it: control characters escaped, the rest of
 * UTF-8 as it is (a user reads "exämple.fr" better than octal). */
static char *
shown_name (const char *text)
{
  char high[129];
  g_autofree char *escaped = NULL;

  for (guint i = 0; i < 128; i++)
    high[i] = (char)(0x80 + i);
  high[128] = '\0';
  escaped = g_strescape (text, high);
  return g_utf8_make_valid (escaped, -1);
}

/* One service's records as candidates, or the reasons they cannot be. */
static void
read_srv_records (Lookup *lookup, guint index, GPtrArray *candidates, GPtrArray *skipped)
{
  Question *question = &lookup->questions[index];
  guint roots = 0, records = 0;

  for (GList *l = question->records; l != NULL; l = l->next)
    {
      g_autoptr (CourrielMailServer) server = NULL;
      g_autofree char *host = NULL;
      guint16 priority, weight, port;
      const char *target;
      Candidate *candidate;

      if (!g_variant_is_of_type (l->data, G_VARIANT_TYPE ("(qqqs)")))
        continue;
      records++;
      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
      if (is_root (target))
        {
          roots++;
          continue;
        }
      if ((host = courriel_mail_server_clean_host (target)) == NULL)
        {
          g_autofree char *shown = shown_name (target);

          /* TRANSLATORS: "_imaps._tcp.example.org names “imap example.org”, which is not a host name";
           * the first %s is a DNS name, to be left as it is */
          g_ptr_array_add (skipped, g_strdup_printf (_("%s names “%s”, which is not a host name"),
                                                     question->query.name, shown));
          continue;
        }
      if (port == 0)
        {
          /* TRANSLATORS: "_imaps._tcp.example.org names imap.example.org on port 0, …" */
          g_ptr_array_add (skipped, g_strdup_printf (_("%s names %s on port 0, which no server can listen on"),
                                                     question->query.name, host));
          continue;
        }
      server = g_new0 (CourrielMailServer, 1);
      server->type = services[index].type;
      server->security = services[index].security;
      server->host = g_steal_pointer (&host);
      server->port = port;
      server->username = g_strdup (lookup->address);
      server->days_on_server = -1;
      server->priority = priority;
      candidate = g_new0 (Candidate, 1);
      candidate->server = g_steal_pointer (&server);
      candidate->weight = weight;
      candidate->order = candidates->len;
      g_ptr_array_add (candidates, candidate);
    }
  if (records > 0 && roots == records)
    question->query.outcome = COURRIEL_DNS_NOT_OFFERED;
}

static gboolean
same_server (const CourrielMailServer *a, const CourrielMailServer *b)
{
  return a->type == b->type && a->security == b->security && a->port == b->port && strcmp (a->host, b->host) == 0;
}

static void
add_server (GPtrArray *servers, CourrielMailServer *server)
{
  for (guint i = 0; i < servers->len; i++)
    if (same_server (servers->pdata[i], server))
      return;
  g_ptr_array_add (servers, courriel_mail_server_copy (server));
}

static gpointer
build_srv (Lookup *lookup)
{
  CourrielDnsSrv *srv = g_new0 (CourrielDnsSrv, 1);
  CourrielMailConfig *config = g_new0 (CourrielMailConfig, 1);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify)candidate_free);

  config->domains = g_new0 (char *, 2);
  config->domains[0] = g_strdup (lookup->domain);
  config->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_mail_server_free);
  config->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_mail_server_free);
  config->skipped = g_ptr_array_new_with_free_func (g_free);
  srv->config = config;
  srv->queries = g_ptr_array_new_with_free_func ((GDestroyNotify)query_free);
  for (guint i = 0; i < lookup->n_questions; i++)
    {
      CourrielDnsQuery *query = g_new (CourrielDnsQuery, 1);

      read_srv_records (lookup, i, candidates, config->skipped);
      query_copy (query, &lookup->questions[i].query);
      g_ptr_array_add (srv->queries, query);
    }
  g_ptr_array_sort (candidates, compare_candidates);
  for (guint i = 0; i < candidates->len; i++)
    {
      CourrielMailServer *server = ((Candidate *)candidates->pdata[i])->server;

      add_server (server->type == COURRIEL_MAIL_SERVER_SMTP ? config->outgoing : config->incoming, server);
    }
  return srv;
}

static const Kind srv_kind = { G_RESOLVER_RECORD_SRV, build_srv, (GDestroyNotify)courriel_dns_srv_free };

/**
 * courriel_dns_lookup_srv_async:
 * @address: the user's e-mail address: its domain is asked, and it is each server's user name
 *
 * Asks for the domain's six mail SRV services at once. Finishes with G_IO_ERROR_CANCELLED as
 * soon as @cancellable is, with G_IO_ERROR_INVALID_ARGUMENT when @address has no valid domain,
 * and otherwise with what the DNS said, within the deadline.
 */
void
courriel_dns_lookup_srv_async (const char *address, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (address != NULL);
  lookup_start (&srv_kind, address, cancellable, callback, user_data);
}

/* Returns: (transfer full): what the DNS said, servers or not; NULL with @error set when
 *   cancelled or given no address. */
CourrielDnsSrv *
courriel_dns_lookup_srv_finish (GAsyncResult *result, GError **error)
{
  return lookup_propagate (result, &srv_kind, error);
}

/* The domain to look up for an MX host: the host without its first label, unless that would
 * leave a single label (see the top of the file). */
static char *
mx_domain (const char *host)
{
  const char *dot = strchr (host, '.');

  if (dot == NULL)
    return NULL;
  if (strchr (dot + 1, '.') == NULL)
    return g_strdup (host);
  return g_strdup (dot + 1);
}

typedef struct
{
  guint16 preference;
  char   *host;
} Exchanger;

static int
compare_exchangers (gconstpointer a, gconstpointer b)
{
  const Exchanger *x = a, *y = b;

  if (x->preference != y->preference)
    return x->preference < y->preference ? -1 : 1;
  return strcmp (x->host, y->host);
}

static void
exchanger_clear (gpointer data)
{
  g_free (((Exchanger *)data)->host);
}

static gpointer
build_mx (Lookup *lookup)
{
  CourrielDnsMx *mx = g_new0 (CourrielDnsMx, 1);
  Question *question = &lookup->questions[0];
  g_autoptr (GArray) exchangers = g_array_new (FALSE, FALSE, sizeof (Exchanger));
  g_autoptr (GPtrArray) hosts = g_ptr_array_new ();
  guint records = 0, roots = 0;

  g_array_set_clear_func (exchangers, exchanger_clear);
  for (GList *l = question->records; l != NULL; l = l->next)
    {
      Exchanger exchanger;
      const char *target;

      if (!g_variant_is_of_type (l->data, G_VARIANT_TYPE ("(qs)")))
        continue;
      records++;
      g_variant_get (l->data, "(q&s)", &exchanger.preference, &target);
      if (is_root (target))
        roots++;
      else if ((exchanger.host = courriel_mail_server_clean_host (target)) != NULL)
        g_array_append_val (exchangers, exchanger);
      else
        g_debug ("%s: MX “%s” is not a host name", question->query.name, target);
    }
  if (records > 0 && roots == records)
    question->query.outcome = COURRIEL_DNS_NOT_OFFERED;
  g_array_sort (exchangers, compare_exchangers);
  for (guint i = 0; i < exchangers->len; i++)
    {
      char *host = g_array_index (exchangers, Exchanger, i).host;

      if (!g_ptr_array_find_with_equal_func (hosts, host, g_str_equal, NULL))
        g_ptr_array_add (hosts, g_strdup (host));
    }
  if (hosts->len > 0)
    mx->mx_domain = mx_domain (hosts->pdata[0]);
  g_ptr_array_add (hosts, NULL);
  mx->hosts = (GStrv)g_ptr_array_steal (hosts, NULL);
  query_copy (&mx->query, &question->query);
  return mx;
}

static const Kind mx_kind = { G_RESOLVER_RECORD_MX, build_mx, (GDestroyNotify)courriel_dns_mx_free };

/**
 * courriel_dns_lookup_mx_async:
 * @domain: the domain of the user's address (an address is taken too: its domain is used)
 *
 * Asks for the domain's MX records. Finishes like courriel_dns_lookup_srv_async().
 */
void
courriel_dns_lookup_mx_async (const char *domain, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (domain != NULL);
  lookup_start (&mx_kind, domain, cancellable, callback, user_data);
}

/* Returns: (transfer full): the mail exchangers, maybe none; NULL with @error set when
 *   cancelled or given no domain. */
CourrielDnsMx *
courriel_dns_lookup_mx_finish (GAsyncResult *result, GError **error)
{
  return lookup_propagate (result, &mx_kind, error);
}
