/* courriel-discovery.c — an address's mail servers, found by every source at once and ranked by trust
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The setup wizard's engine (issue 6). Given an address, it asks every source at once, merges what
 * they say by trust and answers quickly whatever the network does:
 * - Stage A starts at once: the provider's files (HTTPS autoconfig. and .well-known, and the plain
 *   HTTP one, which only counts as a hint), the ISP database, the SRV records, and the MX records;
 *   when the MX answers, the ISP database's entry for the provider the MX host belongs to.
 * - Stage B, guessing, starts a little later (300 ms: most domains with a file have answered by
 *   then, and the probes cost connections): imap., mail., pop3., pop., smtp. and the bare domain,
 *   then the MX host, on the RFC 8314 ports, implicit TLS first, at most 8 probes at a time. A
 *   probe connects as Courriel would (courriel-server-probe.c), so a guessed server is one that
 *   really spoke its protocol, with STARTTLS really done and a certificate made out to its name
 *   (one merely signed by an unknown authority is kept, with its fingerprint, for the user to
 *   accept). Guessing stops as soon as the provider or the ISP database has given servers.
 * - When to answer: as soon as a source has given servers and every more trusted one is done;
 *   otherwise at the settle deadline (2.5 s, so that the answer comes within 3 s) with whatever
 *   source has given servers; otherwise when
 *   everything is done; at the latest at the hard deadline (12 s), with whatever is known. What is
 *   still running then is cancelled, and its step says it was stopped. The deadlines are settable
 *   so that the tests of every case run in a fraction of a second.
 * - Ranking: servers never listed without encryption go first; then those whose certificate is
 *   trusted; then by source, in trust order (the enum's); within one source, by the source's own
 *   priority (SRV's, which RFC 6186 §3.4 lets say POP3 is preferred), then IMAP before POP3, then
 *   implicit TLS before STARTTLS, then the source's order. A server that several sources give
 *   is listed once, from the most trusted of them.
 * - Plaintext: when the source the answer rests on lists only servers without encryption for a
 *   direction (33 of the ISP database's files do), the same hosts are probed for implicit TLS and
 *   STARTTLS as soon as that source answers (while more trusted ones are waited for), and what
 *   they offer is listed, as from that source, "upgraded"; probes still out at the settle deadline
 *   are not waited for. Only when none is offered does a plaintext server stay, last, flagged for
 *   the UI to warn.
 *
 * One object (CourrielDiscovery) holds the settings a run uses — the fetcher, so that tests and
 * the CLI can set its ports and ISP database URL, the deadlines, the probes' port map and trust
 * store — and each run is a GTask: an options struct passed to run_async would have needed the
 * same setters' checks and defaults anyway, and the fetcher already works this way.
 *
 * DNS goes through the default GResolver (tests and courriel-cli install their own), HTTP through
 * the fetcher's SoupSession. Nothing blocks; the caller's cancellable ends a run at once.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-discovery.h"

#include <glib/gi18n-lib.h>

#include "courriel-dns-lookup.h"
#include "courriel-server-probe.h"

/* The plaintext upgrade probes: not a source of their own, their servers are the source's. */
#define UPGRADE COURRIEL_DISCOVERY_N_SOURCES

struct _CourrielDiscovery
{
  GObject                    parent_instance;
  CourrielAutoconfigFetcher *fetcher;
  GTlsDatabase              *database;
  guint                      settle_ms;
  guint                      hard_ms;
  guint                      guess_delay_ms;
  guint                      probe_timeout;
  GHashTable                *ports; /* standard port → the one to probe instead */
};

G_DEFINE_FINAL_TYPE (CourrielDiscovery, courriel_discovery, G_TYPE_OBJECT)

enum { STEP_STARTED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  gint                     refs;
  CourrielDiscovery       *self;
  GTask                   *task; /* until the run has answered */
  char                    *address;
  char                    *domain;
  gint64                   started;
  GCancellable            *cancel;       /* every job of the run */
  GCancellable            *guess_cancel; /* the guessing's probes */
  GCancellable            *caller;
  gulong                   caller_handler;
  GSource                 *settle;
  GSource                 *hard;
  GSource                 *guess_timer;
  gboolean                 settled;
  GPtrArray               *found;  /* CourrielDiscoveryServer* */
  GPtrArray               *steps;  /* CourrielDiscoveryStep* */
  guint                    pending[COURRIEL_DISCOVERY_N_SOURCES + 1];
  CourrielMailConfig      *configs[COURRIEL_DISCOVERY_N_SOURCES]; /* the first file of each, for its links */
  gboolean                 mx_done;
  char                    *mx_host;      /* nullable: the first mail exchanger, once known */
  GQueue                   guesses;      /* CourrielMailServer* still to probe */
  GHashTable              *probed;       /* what has been queued already */
  gboolean                 guess_started;
  gboolean                 guess_stopped;
  guint                    upgraded_sources; /* bit per source: its plaintext hosts are being probed */
} Run;

/* One thing under way for a run. */
typedef struct
{
  Run                    *run;
  guint                   source; /* CourrielDiscoverySource, or UPGRADE */
  CourrielDiscoveryStep  *step;   /* owned by run->steps */
  CourrielDiscoverySource credit; /* an upgrade probe's: the source its server is listed under */
} Job;

/* ---- the object ---- */

static void
courriel_discovery_finalize (GObject *object)
{
  CourrielDiscovery *self = COURRIEL_DISCOVERY (object);

  g_clear_object (&self->fetcher);
  g_clear_object (&self->database);
  g_hash_table_unref (self->ports);
  G_OBJECT_CLASS (courriel_discovery_parent_class)->finalize (object);
}

static void
courriel_discovery_class_init (CourrielDiscoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_discovery_finalize;

  /**
   * CourrielDiscovery::step-started:
   * @source: the step's source, as CourrielDiscoveryStep names it ("provider", "ispdb", "dns-srv"…)
   * @what: the URL, DNS name or server being tried
   *
   * A source is being asked, on the context the run was started from: live progress for a UI.
   */
  signals[STEP_STARTED] = g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
courriel_discovery_init (CourrielDiscovery *self)
{
  self->settle_ms = COURRIEL_DISCOVERY_SETTLE_MS;
  self->hard_ms = COURRIEL_DISCOVERY_HARD_MS;
  self->guess_delay_ms = COURRIEL_DISCOVERY_GUESS_DELAY_MS;
  self->probe_timeout = COURRIEL_DISCOVERY_PROBE_TIMEOUT;
  self->ports = g_hash_table_new (NULL, NULL);
}

/**
 * courriel_discovery_new:
 * @fetcher: (nullable): the fetcher of the autoconfig files; NULL: one with the public ISP
 *   database and the system's certificate authorities
 */
CourrielDiscovery *
courriel_discovery_new (CourrielAutoconfigFetcher *fetcher)
{
  CourrielDiscovery *self = g_object_new (COURRIEL_TYPE_DISCOVERY, NULL);

  self->fetcher = fetcher != NULL ? g_object_ref (fetcher) : courriel_autoconfig_fetcher_new (NULL);
  return self;
}

/* Returns: (transfer none): the fetcher, whose ports, ISP database URL and deadline can be set. */
CourrielAutoconfigFetcher *
courriel_discovery_get_fetcher (CourrielDiscovery *self)
{
  g_return_val_if_fail (COURRIEL_IS_DISCOVERY (self), NULL);
  return self->fetcher;
}

/* @settle_ms: from the start, when any source's servers are good enough; @hard_ms: the latest answer.
 * 0 brings back a default (3 s, 12 s). */
void
courriel_discovery_set_deadlines (CourrielDiscovery *self, guint settle_ms, guint hard_ms)
{
  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  self->settle_ms = settle_ms != 0 ? settle_ms : COURRIEL_DISCOVERY_SETTLE_MS;
  self->hard_ms = hard_ms != 0 ? hard_ms : COURRIEL_DISCOVERY_HARD_MS;
  self->hard_ms = MAX (self->hard_ms, self->settle_ms);
}

/* How long after the start the guessing begins, unless every other source is done before. */
void
courriel_discovery_set_guess_delay (CourrielDiscovery *self, guint delay_ms)
{
  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  self->guess_delay_ms = delay_ms;
}

/* How long a probe waits for a silent server (seconds, at least 1). */
void
courriel_discovery_set_probe_timeout (CourrielDiscovery *self, guint seconds)
{
  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  self->probe_timeout = MAX (seconds, 1);
}

/* Probes meant for @standard_port (993, 143, 995, 110, 465, 587) go to @port instead: the bench's
 * servers in the tests, a harness's with courriel-cli. 0 removes the mapping. */
void
courriel_discovery_set_port (CourrielDiscovery *self, guint16 standard_port, guint16 port)
{
  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  if (port == 0)
    g_hash_table_remove (self->ports, GUINT_TO_POINTER (standard_port));
  else
    g_hash_table_insert (self->ports, GUINT_TO_POINTER (standard_port), GUINT_TO_POINTER (port));
}

/* The trust store of the probes; NULL: the system's. */
void
courriel_discovery_set_tls_database (CourrielDiscovery *self, GTlsDatabase *database)
{
  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  g_set_object (&self->database, database);
}

static guint16
probe_port (CourrielDiscovery *self, guint16 standard_port)
{
  gpointer port = g_hash_table_lookup (self->ports, GUINT_TO_POINTER (standard_port));

  return port != NULL ? (guint16)GPOINTER_TO_UINT (port) : standard_port;
}

const char *
courriel_discovery_source_to_string (CourrielDiscoverySource source)
{
  static const char *const names[] = { "provider", "ispdb", "dns-srv", "ispdb-mx", "guess", "provider-http" };

  g_return_val_if_fail ((guint)source < G_N_ELEMENTS (names), "unknown");
  return names[source];
}

/* Large providers whose customers' domains point their MX at them, and the ISP database entry that
 * describes their servers. Each one checked against the ISP database's files: googlemail.com.xml
 * lists google.com, office365.com.xml lists mail.protection.outlook.com, ovh.net.xml is
 * "Hosting customers, MX servers" (mx1.mail.ovh.net…), gandi.net.xml covers spool.mail.gandi.net,
 * and 1und1.de.xml lists kundenserver.de (IONOS's mx00.kundenserver.de). IONOS's newer
 * mx00.ionos.de is in no file we could check: it, and every provider not listed here, gets the
 * generic walk — the MX host without its first label, then its last two labels — which finds
 * ionos.de if the ISP database ever lists it. */
static const struct
{
  const char *suffix;
  const char *ispdb;
} mx_providers[] = {
  { "google.com", "googlemail.com" },
  { "googlemail.com", "googlemail.com" },
  { "mail.protection.outlook.com", "office365.com" },
  { "ovh.net", "ovh.net" },
  { "gandi.net", "gandi.net" },
  { "kundenserver.de", "kundenserver.de" },
};

/**
 * courriel_discovery_mx_provider:
 * @mx_host: a mail exchanger's host name (ASCII, lower case)
 *
 * Returns: (nullable): the ISP database domain of the large provider @mx_host belongs to
 */
const char *
courriel_discovery_mx_provider (const char *mx_host)
{
  g_autofree char *dotted = g_strconcat (".", mx_host, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mx_providers); i++)
    {
      g_autofree char *suffix = g_strconcat (".", mx_providers[i].suffix, NULL);

      if (g_str_has_suffix (dotted, suffix))
        return mx_providers[i].ispdb;
    }
  return NULL;
}

/* ---- results ---- */

static void
server_free (CourrielDiscoveryServer *found)
{
  courriel_mail_server_free (found->server);
  g_free (found->fingerprint);
  g_free (found);
}

static CourrielDiscoveryServer *
server_copy (const CourrielDiscoveryServer *found)
{
  CourrielDiscoveryServer *copy = g_memdup2 (found, sizeof *found);

  copy->server = courriel_mail_server_copy (found->server);
  copy->fingerprint = g_strdup (found->fingerprint);
  return copy;
}

static void
step_free (CourrielDiscoveryStep *step)
{
  g_free (step->source);
  g_free (step->what);
  g_free (step->outcome);
  g_free (step->detail);
  g_free (step);
}

static CourrielDiscoveryStep *
step_copy (const CourrielDiscoveryStep *step)
{
  CourrielDiscoveryStep *copy = g_memdup2 (step, sizeof *step);

  copy->source = g_strdup (step->source);
  copy->what = g_strdup (step->what);
  copy->outcome = g_strdup (step->outcome);
  copy->detail = g_strdup (step->detail);
  return copy;
}

void
courriel_discovery_result_free (CourrielDiscoveryResult *result)
{
  if (result == NULL)
    return;
  g_free (result->address);
  g_free (result->domain);
  g_ptr_array_unref (result->incoming);
  g_ptr_array_unref (result->outgoing);
  g_free (result->provider_id);
  g_free (result->display_name);
  g_free (result->documentation);
  g_free (result->enable_url);
  g_free (result->enable_instruction);
  g_ptr_array_unref (result->steps);
  g_free (result);
}

/* ---- a run ---- */

static guint
since_start (Run *run)
{
  return (guint)((g_get_monotonic_time () - run->started) / 1000);
}

static Run *
run_ref (Run *run)
{
  run->refs++;
  return run;
}

static void
drop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
run_unref (Run *run)
{
  if (--run->refs > 0)
    return;
  g_assert (run->task == NULL);
  g_object_unref (run->self);
  g_free (run->address);
  g_free (run->domain);
  g_object_unref (run->cancel);
  g_object_unref (run->guess_cancel);
  g_ptr_array_unref (run->found);
  g_ptr_array_unref (run->steps);
  for (guint i = 0; i < COURRIEL_DISCOVERY_N_SOURCES; i++)
    courriel_mail_config_free (run->configs[i]);
  g_free (run->mx_host);
  g_queue_clear_full (&run->guesses, (GDestroyNotify)courriel_mail_server_free);
  g_hash_table_unref (run->probed);
  g_free (run);
}

static CourrielDiscoveryStep *
step_start (Run *run, const char *source, char *what)
{
  CourrielDiscoveryStep *step = g_new0 (CourrielDiscoveryStep, 1);

  step->source = g_strdup (source);
  step->what = what;
  step->started_ms = since_start (run);
  g_ptr_array_add (run->steps, step);
  g_signal_emit (run->self, signals[STEP_STARTED], 0, step->source, step->what);
  return step;
}

static void
step_end (Run *run, CourrielDiscoveryStep *step, const char *outcome, char *detail)
{
  g_free (step->outcome);
  g_free (step->detail);
  step->outcome = g_strdup (outcome);
  step->detail = detail;
  step->elapsed_ms = since_start (run) - step->started_ms;
  g_debug ("%s %s: %s after %u ms%s%s", step->source, step->what, outcome, step->elapsed_ms,
           detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

static Job *
job_new (Run *run, guint source, const char *step_source, char *what)
{
  Job *job = g_new0 (Job, 1);

  job->run = run_ref (run);
  job->source = source;
  job->step = step_start (run, step_source, what);
  run->pending[source]++;
  return job;
}

static void decide (Run *run);

/* The job is over (its step filled): the run reconsiders, unless it has answered already. */
static void
job_done (Job *job)
{
  Run *run = job->run;

  run->pending[job->source]--;
  if (run->task != NULL)
    decide (run);
  run_unref (run);
  g_free (job);
}

static void
add_server (Run *run, CourrielDiscoverySource source, const CourrielMailServer *server, gboolean upgraded,
            const char *fingerprint, GTlsCertificateFlags certificate_errors)
{
  CourrielDiscoveryServer *found = g_new0 (CourrielDiscoveryServer, 1);

  found->server = courriel_mail_server_copy (server);
  found->source = source;
  found->plaintext = server->security == COURRIEL_SECURITY_NONE;
  found->upgraded = upgraded;
  found->fingerprint = g_strdup (fingerprint);
  found->certificate_errors = certificate_errors;
  g_ptr_array_add (run->found, found); /* in the order of arrival, which breaks the last ties */
}

static void
add_config (Run *run, CourrielDiscoverySource source, CourrielMailConfig *config)
{
  for (guint i = 0; i < config->incoming->len; i++)
    add_server (run, source, config->incoming->pdata[i], FALSE, NULL, 0);
  for (guint i = 0; i < config->outgoing->len; i++)
    add_server (run, source, config->outgoing->pdata[i], FALSE, NULL, 0);
  if (run->configs[source] == NULL)
    run->configs[source] = config;
  else
    courriel_mail_config_free (config);
}

/* Whether @source has given a way in and a way out. */
static gboolean
source_usable (Run *run, guint source)
{
  gboolean in = FALSE, out = FALSE;

  for (guint i = 0; i < run->found->len; i++)
    {
      CourrielDiscoveryServer *found = run->found->pdata[i];

      if (found->source != source)
        continue;
      if (found->server->type == COURRIEL_MAIL_SERVER_SMTP)
        out = TRUE;
      else
        in = TRUE;
    }
  return in && out;
}

static gboolean
source_done (Run *run, guint source)
{
  if (source == COURRIEL_DISCOVERY_SOURCE_GUESS)
    return run->guess_stopped
           || (run->guess_started && run->mx_done && run->pending[source] == 0 && g_queue_is_empty (&run->guesses));
  return run->pending[source] == 0;
}

static gboolean
stage_a_done (Run *run)
{
  for (guint i = 0; i < COURRIEL_DISCOVERY_N_SOURCES; i++)
    if (i != COURRIEL_DISCOVERY_SOURCE_GUESS && !source_done (run, i))
      return FALSE;
  return TRUE;
}

static int
compare_found (gconstpointer pa, gconstpointer pb)
{
  const CourrielDiscoveryServer *a = *(CourrielDiscoveryServer *const *)pa;
  const CourrielDiscoveryServer *b = *(CourrielDiscoveryServer *const *)pb;
  const int keys[][2] = {
    { a->plaintext, b->plaintext },
    { a->fingerprint != NULL, b->fingerprint != NULL },
    { a->source, b->source },
    { (int)a->server->priority, (int)b->server->priority },
    { a->server->type, b->server->type },
    { a->server->security, b->server->security },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i][0] != keys[i][1])
      return keys[i][0] < keys[i][1] ? -1 : 1;
  return 0;
}

static gboolean
same_server (const CourrielMailServer *a, const CourrielMailServer *b)
{
  return a->type == b->type && a->port == b->port && a->security == b->security && g_str_equal (a->host, b->host);
}

/* Ranked, each server once, ties in the order of arrival (g_ptr_array_sort is not stable). */
static void
rank_into (Run *run, GPtrArray *incoming, GPtrArray *outgoing)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? incoming : outgoing;
      g_autoptr (GPtrArray) sorted = g_ptr_array_new ();

      for (guint i = 0; i < run->found->len; i++)
        {
          CourrielDiscoveryServer *found = run->found->pdata[i];

          if ((found->server->type == COURRIEL_MAIL_SERVER_SMTP) == (pass == 1))
            g_ptr_array_add (sorted, found);
        }
      /* Insertion sort: stable, and the lists are a few dozen entries at most. */
      for (guint i = 1; i < sorted->len; i++)
        for (guint k = i; k > 0 && compare_found (&sorted->pdata[k - 1], &sorted->pdata[k]) > 0; k--)
          {
            gpointer swap = sorted->pdata[k];

            sorted->pdata[k] = sorted->pdata[k - 1];
            sorted->pdata[k - 1] = swap;
          }
      for (guint i = 0; i < sorted->len; i++)
        {
          CourrielDiscoveryServer *found = sorted->pdata[i];
          gboolean seen = FALSE;

          for (guint k = 0; k < list->len && !seen; k++)
            seen = same_server (((CourrielDiscoveryServer *)list->pdata[k])->server, found->server);
          if (!seen)
            g_ptr_array_add (list, server_copy (found));
        }
    }
}

static void
take_links (Run *run, CourrielDiscoveryResult *result)
{
  for (guint i = 0; i < COURRIEL_DISCOVERY_N_SOURCES; i++)
    {
      CourrielMailConfig *config = run->configs[i];

      if (config == NULL)
        continue;
#define TAKE(field, from)                                                                                              \
  if (result->field == NULL && (from) != NULL)                                                                         \
  result->field = g_strdup (from)
      TAKE (provider_id, config->provider_id);
      TAKE (display_name, config->display_name);
      TAKE (documentation, config->documentation);
      TAKE (enable_url, config->enable_url);
      TAKE (enable_instruction, config->enable_instruction);
#undef TAKE
    }
}

/* No more timers nor the caller's cancellable: the run is answering. */
static void
detach (Run *run)
{
  drop_source (&run->settle);
  drop_source (&run->hard);
  drop_source (&run->guess_timer);
  if (run->caller != NULL)
    g_signal_handler_disconnect (run->caller, run->caller_handler);
  g_clear_object (&run->caller);
}

/* The run answers: what is still running is cancelled, its step says so. */
static void
finish (Run *run, gboolean hard)
{
  g_autoptr (GTask) task = g_steal_pointer (&run->task);
  CourrielDiscoveryResult *result = g_new0 (CourrielDiscoveryResult, 1);

  detach (run);
  result->address = g_strdup (run->address);
  result->domain = g_strdup (run->domain);
  result->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify)server_free);
  result->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify)server_free);
  rank_into (run, result->incoming, result->outgoing);
  take_links (run, result);
  result->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  for (guint i = 0; i < run->steps->len; i++)
    {
      CourrielDiscoveryStep *step = run->steps->pdata[i];

      if (step->outcome == NULL)
        step_end (run, step, "stopped",
                  hard ? g_strdup (_("No answer before the deadline."))
                       : g_strdup (_("Not needed: the servers were found.")));
      g_ptr_array_add (result->steps, step_copy (step));
    }
  result->elapsed_ms = since_start (run);
  result->hard_deadline = hard;
  g_debug ("Discovery for %s: %u incoming, %u outgoing in %u ms%s", run->address, result->incoming->len,
           result->outgoing->len, result->elapsed_ms, hard ? " (hard deadline)" : "");
  g_cancellable_cancel (run->cancel);
  g_task_return_pointer (task, result, (GDestroyNotify)courriel_discovery_result_free);
}

/* ---- probes: guessing, and the plaintext upgrade ---- */

static const char *
security_name (CourrielSecurity security)
{
  static const char *const names[] = { "tls", "starttls", "none" };

  return names[security];
}

static const char *
probe_outcome_name (CourrielProbeOutcome outcome)
{
  static const char *const names[] = { "ok", "unreachable", "not-this-protocol", "no-starttls", "certificate",
                                       "tls-failed" };

  return names[outcome];
}

static void
on_probed (GObject *object, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  Run *run = job->run;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielProbeResult) probed = courriel_server_probe_finish (res, &error);
  CourrielDiscoverySource source = job->source == UPGRADE ? job->credit : COURRIEL_DISCOVERY_SOURCE_GUESS;

  if (probed == NULL)
    step_end (run, job->step, "stopped", g_strdup (_("Not needed: a more trusted source answered.")));
  else
    {
      step_end (run, job->step, probe_outcome_name (probed->outcome), g_strdup (probed->message));
      /* A certificate made out to another name is what a wrong guess looks like (a shared host):
       * never proposed. One from an unknown authority is, for the user to accept. */
      if (run->task != NULL
          && (probed->outcome == COURRIEL_PROBE_OK
              || (probed->outcome == COURRIEL_PROBE_CERTIFICATE
                  && !(probed->certificate_errors & G_TLS_CERTIFICATE_BAD_IDENTITY))))
        add_server (run, source, probed->server, job->source == UPGRADE, probed->fingerprint,
                    probed->certificate_errors);
    }
  job_done (job); /* decide() starts the next guess */
}

static void
start_probe (Run *run, CourrielMailServer *server, guint source, CourrielDiscoverySource credit,
             GCancellable *cancellable)
{
  Job *job = job_new (run, source, source == UPGRADE ? "upgrade" : "guess",
                      g_strdup_printf ("%s %s:%u %s", courriel_mail_server_type_to_string (server->type),
                                       server->host, server->port, security_name (server->security)));

  job->credit = credit;
  courriel_server_probe_async (server, run->self->probe_timeout, run->self->database, cancellable, on_probed, job);
}

static void
pump_guesses (Run *run)
{
  while (!run->guess_stopped && run->pending[COURRIEL_DISCOVERY_SOURCE_GUESS] < COURRIEL_DISCOVERY_MAX_PROBES
         && !g_queue_is_empty (&run->guesses))
    {
      g_autoptr (CourrielMailServer) server = g_queue_pop_head (&run->guesses);

      start_probe (run, server, COURRIEL_DISCOVERY_SOURCE_GUESS, COURRIEL_DISCOVERY_SOURCE_GUESS, run->guess_cancel);
    }
}

static const struct
{
  CourrielMailServerType type;
  guint16                port;
  CourrielSecurity       security;
} guess_ports[] = {
  /* RFC 8314 order: implicit TLS first; IMAP before POP3; SMTP early, an account needs both ways. */
  { COURRIEL_MAIL_SERVER_IMAP, 993, COURRIEL_SECURITY_TLS },
  { COURRIEL_MAIL_SERVER_SMTP, 465, COURRIEL_SECURITY_TLS },
  { COURRIEL_MAIL_SERVER_POP3, 995, COURRIEL_SECURITY_TLS },
  { COURRIEL_MAIL_SERVER_IMAP, 143, COURRIEL_SECURITY_STARTTLS },
  { COURRIEL_MAIL_SERVER_SMTP, 587, COURRIEL_SECURITY_STARTTLS },
  { COURRIEL_MAIL_SERVER_POP3, 110, COURRIEL_SECURITY_STARTTLS },
};

/* Which prefixes each protocol is guessed under; "" is the bare domain, last (a web site's host, often). */
static gboolean
prefix_fits (const char *prefix, CourrielMailServerType type)
{
  if (g_str_equal (prefix, "mail.") || g_str_equal (prefix, ""))
    return TRUE;
  switch (type)
    {
    case COURRIEL_MAIL_SERVER_IMAP:
      return g_str_equal (prefix, "imap.");
    case COURRIEL_MAIL_SERVER_POP3:
      return g_str_equal (prefix, "pop3.") || g_str_equal (prefix, "pop.");
    case COURRIEL_MAIL_SERVER_SMTP:
      return g_str_equal (prefix, "smtp.");
    }
  return FALSE;
}

static void
queue_guess (Run *run, CourrielMailServerType type, const char *host, guint16 standard_port,
             CourrielSecurity security)
{
  CourrielMailServer *server;
  g_autofree char *key = NULL;

  key = g_strdup_printf ("%d %s %u %d", type, host, standard_port, security);
  if (!g_hash_table_add (run->probed, g_steal_pointer (&key)))
    return;
  server = g_new0 (CourrielMailServer, 1);
  server->type = type;
  server->host = g_strdup (host);
  server->port = probe_port (run->self, standard_port);
  server->security = security;
  server->username = g_strdup (run->address); /* RFC 6186 §4: the full address first */
  server->days_on_server = -1;
  g_queue_push_tail (&run->guesses, server);
}

static void
queue_host (Run *run, const char *host)
{
  for (guint i = 0; i < G_N_ELEMENTS (guess_ports); i++)
    queue_guess (run, guess_ports[i].type, host, guess_ports[i].port, guess_ports[i].security);
}

static void
start_guessing (Run *run)
{
  static const char *const prefixes[] = { "imap.", "smtp.", "mail.", "pop3.", "pop.", "" };

  if (run->guess_started || run->guess_stopped)
    return;
  run->guess_started = TRUE;
  drop_source (&run->guess_timer);
  for (guint i = 0; i < G_N_ELEMENTS (guess_ports); i++)
    for (guint p = 0; p < G_N_ELEMENTS (prefixes); p++)
      if (prefix_fits (prefixes[p], guess_ports[i].type))
        {
          g_autofree char *host = g_strconcat (prefixes[p], run->domain, NULL);

          queue_guess (run, guess_ports[i].type, host, guess_ports[i].port, guess_ports[i].security);
        }
  if (run->mx_host != NULL)
    queue_host (run, run->mx_host);
  pump_guesses (run);
}

static void
stop_guessing (Run *run)
{
  if (run->guess_stopped)
    return;
  run->guess_stopped = TRUE;
  drop_source (&run->guess_timer);
  g_queue_clear_full (&run->guesses, (GDestroyNotify)courriel_mail_server_free);
  g_cancellable_cancel (run->guess_cancel);
}

static gboolean
on_guess_timer (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->guess_timer, g_source_unref);
  start_guessing (run);
  decide (run);
  return G_SOURCE_REMOVE;
}

/* Probes @source's plaintext hosts for one direction, when it lists nothing else there. */
static gboolean
start_upgrade (Run *run, CourrielDiscoverySource source, gboolean outgoing)
{
  g_autoptr (GHashTable) queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) plain = g_ptr_array_new ();

  for (guint i = 0; i < run->found->len; i++)
    {
      CourrielDiscoveryServer *found = run->found->pdata[i];

      if (found->source != source || (found->server->type == COURRIEL_MAIL_SERVER_SMTP) != outgoing)
        continue;
      if (!found->plaintext)
        return FALSE;
      g_ptr_array_add (plain, found->server);
    }
  for (guint i = 0; i < plain->len; i++)
    {
      CourrielMailServer *server = plain->pdata[i];
      guint16 tls_port = server->type == COURRIEL_MAIL_SERVER_IMAP   ? 993
                         : server->type == COURRIEL_MAIL_SERVER_POP3 ? 995
                                                                     : 465;
      guint16 starttls_port = server->type == COURRIEL_MAIL_SERVER_IMAP   ? 143
                              : server->type == COURRIEL_MAIL_SERVER_POP3 ? 110
                                                                          : 587;
      struct
      {
        guint16          port;
        CourrielSecurity security;
      } tries[] = {
        { probe_port (run->self, tls_port), COURRIEL_SECURITY_TLS },
        { server->port, COURRIEL_SECURITY_STARTTLS },
        { probe_port (run->self, starttls_port), COURRIEL_SECURITY_STARTTLS },
      };

      for (guint t = 0; t < G_N_ELEMENTS (tries); t++)
        {
          g_autoptr (CourrielMailServer) upgraded = courriel_mail_server_copy (server);
          g_autofree char *key = g_strdup_printf ("%d %s %u %d", server->type, server->host, tries[t].port,
                                                  tries[t].security);

          if (!g_hash_table_add (queued, g_steal_pointer (&key)))
            continue;
          upgraded->port = tries[t].port;
          upgraded->security = tries[t].security;
          start_probe (run, upgraded, UPGRADE, source, run->cancel);
        }
    }
  return plain->len > 0;
}

/* ---- stage A ---- */

static void
on_fetched (GObject *object, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr (CourrielAutoconfigResult) result
      = courriel_autoconfig_fetcher_fetch_finish (COURRIEL_AUTOCONFIG_FETCHER (object), res);

  g_free (job->step->what);
  job->step->what = g_strdup (result->url != NULL ? result->url : result->domain);
  step_end (job->run, job->step, courriel_autoconfig_fetch_status_to_string (result->status),
            g_strdup (result->reason));
  if (job->run->task != NULL && result->status == COURRIEL_AUTOCONFIG_FETCH_OK && result->config != NULL)
    add_config (job->run, job->source, g_steal_pointer (&result->config));
  job_done (job);
}

static void
fetch (Run *run, CourrielDiscoverySource source, CourrielAutoconfigSource what, const char *domain,
       const char *step_source)
{
  Job *job = job_new (run, source, step_source, g_strdup (domain));

  courriel_autoconfig_fetcher_fetch_async (run->self->fetcher, what, run->address, domain, run->cancel, on_fetched,
                                           job);
}

static void
on_srv (GObject *object, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  Run *run = job->run;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = courriel_dns_lookup_srv_finish (res, &error);
  g_autoptr (GString) detail = g_string_new (NULL);

  if (srv == NULL)
    step_end (run, job->step, "stopped", g_strdup (error->message));
  else
    {
      gboolean any = srv->config->incoming->len + srv->config->outgoing->len > 0;
      CourrielDnsOutcome outcome = COURRIEL_DNS_NO_RECORDS;

      for (guint i = 0; i < srv->queries->len; i++)
        {
          CourrielDnsQuery *query = srv->queries->pdata[i];

          /* The step's outcome: the most telling of the six (answered, then timed out, then failed). */
          if (query->outcome == COURRIEL_DNS_ANSWERED
              || (outcome != COURRIEL_DNS_ANSWERED
                  && (query->outcome == COURRIEL_DNS_TIMED_OUT
                      || (query->outcome == COURRIEL_DNS_FAILED && outcome != COURRIEL_DNS_TIMED_OUT))))
            outcome = query->outcome;
          g_string_append_printf (detail, "%s%s %s (%u ms)", i > 0 ? ", " : "", query->name,
                                  courriel_dns_outcome_to_string (query->outcome), query->elapsed_ms);
        }
      step_end (run, job->step, courriel_dns_outcome_to_string (outcome),
                g_string_free (g_steal_pointer (&detail), FALSE));
      if (any && run->task != NULL)
        add_config (run, COURRIEL_DISCOVERY_SOURCE_DNS_SRV, g_steal_pointer (&srv->config));
    }
  job_done (job);
}

static char *
last_two_labels (const char *host)
{
  const char *last = strrchr (host, '.');
  const char *start = host;

  if (last == NULL || last == host)
    return NULL;
  for (const char *p = last - 1; p > host; p--)
    if (*p == '.')
      {
        start = p + 1;
        break;
      }
  return g_strdup (start);
}

static void
on_mx (GObject *object, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  Run *run = job->run;
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsMx) mx = courriel_dns_lookup_mx_finish (res, &error);

  run->mx_done = TRUE;
  if (mx == NULL)
    {
      step_end (run, job->step, "stopped", g_strdup (error->message));
      job_done (job);
      return;
    }
  step_end (run, job->step, courriel_dns_outcome_to_string (mx->query.outcome),
            mx->hosts[0] != NULL ? g_strjoinv (" ", mx->hosts) : g_strdup (mx->query.message));
  if (run->task != NULL && mx->hosts[0] != NULL)
    {
      const char *known = courriel_discovery_mx_provider (mx->hosts[0]);
      g_autofree char *base = last_two_labels (mx->hosts[0]);
      const char *walk[] = { known, known == NULL ? mx->mx_domain : NULL, known == NULL ? base : NULL };

      for (guint i = 0; i < G_N_ELEMENTS (walk); i++)
        if (walk[i] != NULL && !g_str_equal (walk[i], run->domain)
            && (i == 0 || walk[i - 1] == NULL || !g_str_equal (walk[i], walk[i - 1])))
          fetch (run, COURRIEL_DISCOVERY_SOURCE_ISPDB_MX, COURRIEL_AUTOCONFIG_SOURCE_ISPDB, walk[i], "ispdb-mx");
      /* A large provider's MX host serves no mailboxes: not worth a probe. */
      if (known == NULL && !g_str_equal (mx->hosts[0], run->domain))
        {
          run->mx_host = g_strdup (mx->hosts[0]);
          if (run->guess_started)
            {
              queue_host (run, run->mx_host);
              pump_guesses (run);
            }
        }
    }
  job_done (job);
}

/* ---- deciding ---- */

static void
decide (Run *run)
{
  gint best = -1;
  gboolean ready = TRUE;

  if (run->task == NULL)
    return;
  /* The provider's own word, or the ISP database's: the guesses could only add less sure servers. */
  if (source_usable (run, COURRIEL_DISCOVERY_SOURCE_PROVIDER) || source_usable (run, COURRIEL_DISCOVERY_SOURCE_ISPDB))
    stop_guessing (run);

  for (guint i = 0; i < COURRIEL_DISCOVERY_N_SOURCES && best < 0; i++)
    if (source_usable (run, i))
      best = (gint)i;
  for (guint i = 0; i < COURRIEL_DISCOVERY_N_SOURCES && ready; i++)
    ready = source_done (run, i);
  if (!ready && best >= 0)
    {
      /* Every more trusted source is done: the rest could only add less sure servers. Guessing
       * goes on to its end, to find the other protocol too, unless the settle deadline passed. */
      ready = best != COURRIEL_DISCOVERY_SOURCE_GUESS || source_done (run, best);
      for (guint i = 0; i < (guint)best && ready; i++)
        ready = source_done (run, i);
      ready = ready || run->settled;
    }
  /* The best source so far lists only plaintext somewhere: its hosts are probed for TLS at once,
   * while the more trusted sources are waited for, so that the answer is not delayed by it. */
  if (best >= 0 && !(run->upgraded_sources & (1u << best)))
    {
      run->upgraded_sources |= 1u << best;
      start_upgrade (run, (CourrielDiscoverySource)best, FALSE);
      start_upgrade (run, (CourrielDiscoverySource)best, TRUE);
    }
  if (!ready)
    {
      /* Stage A over without an answer good enough: guessing need not wait for its delay. */
      if (stage_a_done (run))
        start_guessing (run);
      pump_guesses (run);
      return;
    }
  /* Upgrade probes still out are waited for until the settle deadline, not after it. */
  if (run->pending[UPGRADE] > 0 && !run->settled)
    return;
  finish (run, FALSE);
}

static gboolean
on_settle (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->settle, g_source_unref);
  run->settled = TRUE;
  decide (run);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hard_deadline (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->hard, g_source_unref);
  finish (run, TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Run *run = run_ref (user_data);
  g_autoptr (GTask) task = g_steal_pointer (&run->task);

  detach (run);
  g_cancellable_cancel (run->cancel);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The search was cancelled."));
  run_unref (run);
}

static GSource *
add_timer (Run *run, guint ms, GSourceFunc callback, const char *name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, callback, run_ref (run), (GDestroyNotify)run_unref);
  g_source_set_static_name (source, name);
  g_source_attach (source, g_task_get_context (run->task));
  return source;
}

/**
 * courriel_discovery_run_async:
 * @address: the user's e-mail address
 *
 * Finds @address's servers (see the top of the file), within the hard deadline. Fails only for an
 * address that is not one, or when @cancellable is cancelled (at once).
 */
void
courriel_discovery_run_async (CourrielDiscovery *self, const char *address, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Run *run;
  const char *at;
  g_autofree char *domain = NULL;

  g_return_if_fail (COURRIEL_IS_DISCOVERY (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_discovery_run_async);
  at = strrchr (address, '@');
  if (at != NULL && at != address)
    domain = courriel_mail_server_clean_host (at + 1);
  if (domain == NULL || strchr (domain, '.') == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not an e-mail address."),
                               address);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  run = g_new0 (Run, 1);
  run->refs = 1;
  run->self = g_object_ref (self);
  run->task = task;
  run->address = g_strdup (address);
  run->domain = g_steal_pointer (&domain);
  run->started = g_get_monotonic_time ();
  run->cancel = g_cancellable_new ();
  run->guess_cancel = g_cancellable_new ();
  run->found = g_ptr_array_new_with_free_func ((GDestroyNotify)server_free);
  run->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  run->probed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&run->guesses);
  g_signal_connect_object (run->cancel, "cancelled", G_CALLBACK (g_cancellable_cancel), run->guess_cancel,
                           G_CONNECT_SWAPPED);
  if (cancellable != NULL)
    {
      run->caller = g_object_ref (cancellable);
      run->caller_handler = g_signal_connect (cancellable, "cancelled", G_CALLBACK (on_caller_cancelled), run);
    }

  run->hard = add_timer (run, self->hard_ms, on_hard_deadline, "[courriel] discovery hard deadline");
  run->settle = add_timer (run, self->settle_ms, on_settle, "[courriel] discovery settle deadline");
  run->guess_timer = add_timer (run, self->guess_delay_ms, on_guess_timer, "[courriel] discovery guessing");

  fetch (run, COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER, run->domain, "provider");
  fetch (run, COURRIEL_DISCOVERY_SOURCE_PROVIDER, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_WELL_KNOWN, run->domain,
         "provider-well-known");
  fetch (run, COURRIEL_DISCOVERY_SOURCE_ISPDB, COURRIEL_AUTOCONFIG_SOURCE_ISPDB, run->domain, "ispdb");
  fetch (run, COURRIEL_DISCOVERY_SOURCE_PROVIDER_HTTP, COURRIEL_AUTOCONFIG_SOURCE_PROVIDER_HTTP, run->domain,
         "provider-http");
  {
    Job *srv = job_new (run, COURRIEL_DISCOVERY_SOURCE_DNS_SRV, "dns-srv", g_strdup_printf ("SRV %s", run->domain));
    Job *mx = job_new (run, COURRIEL_DISCOVERY_SOURCE_ISPDB_MX, "dns-mx", g_strdup_printf ("MX %s", run->domain));

    courriel_dns_lookup_srv_async (run->address, run->cancel, on_srv, srv);
    courriel_dns_lookup_mx_async (run->domain, run->cancel, on_mx, mx);
  }
  run_unref (run); /* the jobs and timers hold it now */
}

/**
 * courriel_discovery_run_finish:
 *
 * Returns: (transfer full): what was found, ranked, with every step; NULL with @error set when the
 *   address is not one or the run was cancelled
 */
CourrielDiscoveryResult *
courriel_discovery_run_finish (CourrielDiscovery *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
