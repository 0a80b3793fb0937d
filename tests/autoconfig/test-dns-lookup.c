/* test-dns-lookup.c — SRV and MX lookups against a resolver that answers from a table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The resolver is installed with g_resolver_set_default(), as the wizard's own will be found.
 * It answers each name from a table, after a delay when asked to, and gives up at once when
 * its cancellable is cancelled (as GLib's threaded resolver does): so the tests see which
 * questions were asked and which were abandoned. Deadlines are short (200 ms) and the silent
 * answers long (a minute): a test that waited for one would fail on time, not pass slowly.
 */
#include "config.h"

#include "courriel-dns-lookup.h"

#define SILENT 60000 /* ms: longer than any test may take */

typedef struct
{
  const char         *name;
  GResolverRecordType type;
  const char         *records; /* GVariant text of the records; NULL: the error below */
  GResolverError      error;
  guint               delay_ms;
} Answer;

#define SRV(name, records) { name, G_RESOLVER_RECORD_SRV, records, 0, 0 }
#define MX(name, records) { name, G_RESOLVER_RECORD_MX, records, 0, 0 }
#define SRV_ERROR(name, error) { name, G_RESOLVER_RECORD_SRV, NULL, error, 0 }
#define SRV_LATE(name, records, delay) { name, G_RESOLVER_RECORD_SRV, records, 0, delay }

struct _FakeResolver
{
  GResolver    parent_instance;
  const Answer *answers;
  guint        n_answers;
  GPtrArray   *asked;     /* char*: every name asked, in order */
  guint        abandoned; /* questions cancelled before their answer */
};

G_DECLARE_FINAL_TYPE (FakeResolver, fake_resolver, FAKE, RESOLVER, GResolver)
G_DEFINE_TYPE (FakeResolver, fake_resolver, G_TYPE_RESOLVER)

/* One question on its way: answered by the first of its two sources to fire. */
typedef struct
{
  FakeResolver *resolver;
  const Answer *answer;
  GSource      *timer;
  GSource      *cancelled;
  gboolean      done;
} Pending;

static void
pending_free (Pending *pending)
{
  g_clear_pointer (&pending->timer, g_source_unref);
  g_clear_pointer (&pending->cancelled, g_source_unref);
  g_free (pending);
}

static void
free_records (GList *records)
{
  g_list_free_full (records, (GDestroyNotify)g_variant_unref);
}

static gboolean
respond (gpointer user_data)
{
  GTask *task = user_data;
  Pending *pending = g_task_get_task_data (task);
  const Answer *answer = pending->answer;
  const GVariantType *type;
  g_autoptr (GVariant) array = NULL;
  GList *records = NULL;

  if (pending->done)
    return G_SOURCE_REMOVE;
  pending->done = TRUE;
  g_source_destroy (pending->timer);
  if (pending->cancelled != NULL)
    g_source_destroy (pending->cancelled);
  if (g_task_return_error_if_cancelled (task))
    {
      pending->resolver->abandoned++;
      return G_SOURCE_REMOVE;
    }
  if (answer == NULL || answer->records == NULL)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, answer != NULL ? answer->error : G_RESOLVER_ERROR_NOT_FOUND,
                               "the fake resolver has no answer for this name");
      return G_SOURCE_REMOVE;
    }
  type = answer->type == G_RESOLVER_RECORD_SRV ? G_VARIANT_TYPE ("a(qqqs)") : G_VARIANT_TYPE ("a(qs)");
  array = g_variant_parse (type, answer->records, NULL, NULL, NULL);
  g_assert_nonnull (array);
  for (gsize i = 0; i < g_variant_n_children (array); i++)
    records = g_list_append (records, g_variant_get_child_value (array, i));
  g_task_return_pointer (task, records, (GDestroyNotify)free_records);
  return G_SOURCE_REMOVE;
}

static gboolean
respond_cancelled (GCancellable *cancellable, gpointer user_data)
{
  return respond (user_data);
}

static void
fake_lookup_records_async (GResolver *resolver, const char *name, GResolverRecordType type,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  FakeResolver *self = FAKE_RESOLVER (resolver);
  g_autoptr (GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  Pending *pending = g_new0 (Pending, 1);

  g_ptr_array_add (self->asked, g_strdup (name));
  pending->resolver = self;
  for (guint i = 0; i < self->n_answers && pending->answer == NULL; i++)
    if (self->answers[i].type == type && strcmp (self->answers[i].name, name) == 0)
      pending->answer = &self->answers[i];
  g_task_set_task_data (task, pending, (GDestroyNotify)pending_free);
  pending->timer = g_timeout_source_new (pending->answer != NULL ? pending->answer->delay_ms : 0);
  g_source_set_callback (pending->timer, respond, g_object_ref (task), g_object_unref);
  g_source_attach (pending->timer, g_task_get_context (task));
  if (cancellable != NULL)
    {
      pending->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (pending->cancelled, G_SOURCE_FUNC (respond_cancelled), g_object_ref (task),
                             g_object_unref);
      g_source_attach (pending->cancelled, g_task_get_context (task));
    }
}

static GList *
fake_lookup_records_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
fake_resolver_finalize (GObject *object)
{
  g_ptr_array_unref (FAKE_RESOLVER (object)->asked);
  G_OBJECT_CLASS (fake_resolver_parent_class)->finalize (object);
}

static void
fake_resolver_class_init (FakeResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_resolver_finalize;
  G_RESOLVER_CLASS (klass)->lookup_records_async = fake_lookup_records_async;
  G_RESOLVER_CLASS (klass)->lookup_records_finish = fake_lookup_records_finish;
}

static void
fake_resolver_init (FakeResolver *self)
{
  self->asked = g_ptr_array_new_with_free_func (g_free);
}

static GResolver *system_resolver;

/* The fake answers every lookup from @answers until the test ends. */
static FakeResolver *
install (const Answer *answers, guint n_answers)
{
  FakeResolver *fake = g_object_new (fake_resolver_get_type (), NULL);

  fake->answers = answers;
  fake->n_answers = n_answers;
  g_resolver_set_default (G_RESOLVER (fake));
  return fake;
}

static void
uninstall (FakeResolver *fake)
{
  g_resolver_set_default (system_resolver);
  g_object_unref (fake);
  courriel_dns_lookup_set_deadline (0);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/* One turn of the caller's main loop: the thread's default context, as the lookup's. */
static void
turn (void)
{
  g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
}

/* Runs the main loop until the lookup finishes; *elapsed_ms says how long it took. */
static GAsyncResult *
wait_for (GAsyncResult **result, gint64 started, guint *elapsed_ms)
{
  /* Never an answer before the caller is back in its main loop. */
  g_assert_null (*result);
  while (*result == NULL)
    turn ();
  if (elapsed_ms != NULL)
    *elapsed_ms = (guint)((g_get_monotonic_time () - started) / 1000);
  return *result;
}

static CourrielDnsSrv *
lookup_srv (const char *address, GCancellable *cancellable, guint *elapsed_ms, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gint64 started = g_get_monotonic_time ();

  courriel_dns_lookup_srv_async (address, cancellable, on_done, &result);
  return courriel_dns_lookup_srv_finish (wait_for (&result, started, elapsed_ms), error);
}

static CourrielDnsMx *
lookup_mx (const char *domain, guint *elapsed_ms, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gint64 started = g_get_monotonic_time ();

  courriel_dns_lookup_mx_async (domain, NULL, on_done, &result);
  return courriel_dns_lookup_mx_finish (wait_for (&result, started, elapsed_ms), error);
}

static void
assert_server (GPtrArray *servers, guint i, const char *host, guint16 port, CourrielSecurity security,
               guint priority)
{
  CourrielMailServer *server;

  g_assert_cmpuint (i, <, servers->len);
  server = servers->pdata[i];
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
  g_assert_cmpuint (server->priority, ==, priority);
}

static CourrielDnsQuery *
query (CourrielDnsSrv *srv, guint i)
{
  g_assert_cmpuint (i, <, srv->queries->len);
  return srv->queries->pdata[i];
}

static void
assert_outcomes (CourrielDnsSrv *srv, const CourrielDnsOutcome expected[6])
{
  for (guint i = 0; i < 6; i++)
    g_assert_cmpstr (courriel_dns_outcome_to_string (query (srv, i)->outcome), ==,
                     courriel_dns_outcome_to_string (expected[i]));
}

/* All six services, ranked as RFC 6186 and RFC 2782 say: a lower priority wins even when it
 * is POP3's; equal priorities put IMAP first, then the heavier weight. */
static void
test_srv_ranked (void)
{
  static const Answer answers[] = {
    SRV ("_submissions._tcp.example.org", "[(0, 10, 465, 'smtp2.example.org.'), (0, 30, 465, 'SMTP1.Example.org')]"),
    SRV ("_submission._tcp.example.org", "[(10, 0, 587, 'smtp.example.org')]"),
    SRV ("_imaps._tcp.example.org", "[(20, 0, 993, 'imap-b.example.org'), (20, 50, 993, 'imap-a.example.org'),"
                                    " (20, 50, 993, 'imap-c.example.org'), (30, 0, 993, 'imap-backup.example.org')]"),
    SRV ("_imap._tcp.example.org", "[(0, 0, 0, '.')]"),
    SRV ("_pop3s._tcp.example.org", "[(20, 0, 995, 'pop2.example.org'), (10, 0, 995, 'pop.example.org')]"),
  };
  static const CourrielDnsOutcome outcomes[] = {
    COURRIEL_DNS_ANSWERED, COURRIEL_DNS_ANSWERED,    COURRIEL_DNS_ANSWERED,
    COURRIEL_DNS_NOT_OFFERED, COURRIEL_DNS_ANSWERED, COURRIEL_DNS_NO_RECORDS,
  };
  static const char *asked[] = { "_submissions._tcp.example.org", "_submission._tcp.example.org",
                                 "_imaps._tcp.example.org",       "_imap._tcp.example.org",
                                 "_pop3s._tcp.example.org",       "_pop3._tcp.example.org" };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = lookup_srv ("Camille.Durand@Example.org", NULL, NULL, &error);
  GPtrArray *in, *out;

  g_assert_no_error (error);
  g_assert_cmpuint (fake->asked->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpstr (fake->asked->pdata[i], ==, asked[i]);
      g_assert_cmpstr (query (srv, i)->name, ==, asked[i]);
    }
  assert_outcomes (srv, outcomes);
  in = srv->config->incoming;
  out = srv->config->outgoing;
  g_assert_cmpuint (in->len, ==, 6);
  assert_server (in, 0, "pop.example.org", 995, COURRIEL_SECURITY_TLS, 10);
  assert_server (in, 1, "imap-a.example.org", 993, COURRIEL_SECURITY_TLS, 20);
  assert_server (in, 2, "imap-c.example.org", 993, COURRIEL_SECURITY_TLS, 20);
  assert_server (in, 3, "imap-b.example.org", 993, COURRIEL_SECURITY_TLS, 20);
  assert_server (in, 4, "pop2.example.org", 995, COURRIEL_SECURITY_TLS, 20);
  assert_server (in, 5, "imap-backup.example.org", 993, COURRIEL_SECURITY_TLS, 30);
  g_assert_cmpint (((CourrielMailServer *)in->pdata[0])->type, ==, COURRIEL_MAIL_SERVER_POP3);
  g_assert_cmpint (((CourrielMailServer *)in->pdata[1])->type, ==, COURRIEL_MAIL_SERVER_IMAP);
  g_assert_cmpuint (out->len, ==, 3);
  assert_server (out, 0, "smtp1.example.org", 465, COURRIEL_SECURITY_TLS, 0);
  assert_server (out, 1, "smtp2.example.org", 465, COURRIEL_SECURITY_TLS, 0);
  assert_server (out, 2, "smtp.example.org", 587, COURRIEL_SECURITY_STARTTLS, 10);
  for (guint i = 0; i < in->len + out->len; i++)
    {
      CourrielMailServer *s = i < in->len ? in->pdata[i] : out->pdata[i - in->len];

      /* RFC 6186 §4: the full address first. */
      g_assert_cmpstr (s->username, ==, "Camille.Durand@Example.org");
      g_assert_true ((s->type == COURRIEL_MAIL_SERVER_SMTP) == (i >= in->len));
    }
  g_assert_cmpuint (srv->config->skipped->len, ==, 0);
  g_assert_cmpstr (srv->config->domains[0], ==, "example.org");
  g_assert_null (srv->config->domains[1]);
  g_assert_null (srv->config->provider_id);
  uninstall (fake);
}

/* "." beside real targets, records no one can connect to, duplicates, failures of the
 * resolver, an internationalised domain: what is usable is kept, the rest said. */
static void
test_srv_quirks (void)
{
  static const Answer answers[] = {
    SRV_ERROR ("_submissions._tcp.xn--exmple-cua.fr", G_RESOLVER_ERROR_TEMPORARY_FAILURE),
    SRV ("_submission._tcp.xn--exmple-cua.fr", "[(0, 0, 0, '.'), (0, 0, 587, 'smtp.xn--exmple-cua.fr')]"),
    SRV ("_imaps._tcp.xn--exmple-cua.fr", "[(0, 0, 993, 'imap exämple.fr'), (0, 0, 0, 'imap.xn--exmple-cua.fr'),"
                                          " (0, 0, 993, 'imap.xn--exmple-cua.fr'), (0, 0, 993, 'a\\nb.fr')]"),
    SRV ("_imap._tcp.xn--exmple-cua.fr", "[(0, 0, 143, 'imap.xn--exmple-cua.fr'),"
                                         " (5, 0, 143, 'IMAP.xn--exmple-cua.fr.')]"),
    SRV ("_pop3s._tcp.xn--exmple-cua.fr", "[(0, 0, 0, '.')]"),
    SRV_ERROR ("_pop3._tcp.xn--exmple-cua.fr", G_RESOLVER_ERROR_INTERNAL),
  };
  static const CourrielDnsOutcome outcomes[] = {
    COURRIEL_DNS_FAILED,      COURRIEL_DNS_ANSWERED, COURRIEL_DNS_ANSWERED,
    COURRIEL_DNS_ANSWERED,    COURRIEL_DNS_NOT_OFFERED, COURRIEL_DNS_FAILED,
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = lookup_srv ("camille@exämple.fr", NULL, NULL, &error);
  GPtrArray *skipped;

  g_assert_no_error (error);
  assert_outcomes (srv, outcomes);
  g_assert_nonnull (query (srv, 0)->message);
  g_assert_null (query (srv, 1)->message);
  /* Implicit TLS before STARTTLS at one priority; the same server twice is listed once. */
  g_assert_cmpuint (srv->config->incoming->len, ==, 2);
  assert_server (srv->config->incoming, 0, "imap.xn--exmple-cua.fr", 993, COURRIEL_SECURITY_TLS, 0);
  assert_server (srv->config->incoming, 1, "imap.xn--exmple-cua.fr", 143, COURRIEL_SECURITY_STARTTLS, 0);
  g_assert_cmpuint (srv->config->outgoing->len, ==, 1);
  assert_server (srv->config->outgoing, 0, "smtp.xn--exmple-cua.fr", 587, COURRIEL_SECURITY_STARTTLS, 0);
  skipped = srv->config->skipped;
  g_assert_cmpuint (skipped->len, ==, 3);
  for (guint i = 0; i < skipped->len; i++)
    {
      g_test_message ("skipped: %s", (char *)skipped->pdata[i]);
      g_assert_true (g_str_has_prefix (skipped->pdata[i], "_imaps._tcp.xn--exmple-cua.fr "));
      g_assert_null (strchr (skipped->pdata[i], '\n'));
    }
  g_assert_nonnull (strstr (skipped->pdata[0], "imap exämple.fr"));
  g_assert_nonnull (strstr (skipped->pdata[1], " 0"));
  g_assert_nonnull (strstr (skipped->pdata[2], "a\\nb.fr"));
  uninstall (fake);
}

/* A domain without any SRV record: six "no records", no server, and no error. */
static void
test_srv_nothing (void)
{
  FakeResolver *fake = install (NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = lookup_srv ("camille@example.net", NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (srv->queries->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (query (srv, i)->outcome, ==, COURRIEL_DNS_NO_RECORDS);
  g_assert_cmpuint (srv->config->incoming->len, ==, 0);
  g_assert_cmpuint (srv->config->outgoing->len, ==, 0);
  g_assert_cmpuint (srv->config->skipped->len, ==, 0);
  uninstall (fake);
}

/* The six questions go out together: six answers of 150 ms each take 150 ms, not 900. */
static void
test_srv_parallel (void)
{
  static const Answer answers[] = {
    SRV_LATE ("_submissions._tcp.example.org", "[(0, 0, 465, 'smtp.example.org')]", 150),
    SRV_LATE ("_submission._tcp.example.org", "[(0, 0, 587, 'smtp.example.org')]", 150),
    SRV_LATE ("_imaps._tcp.example.org", "[(0, 0, 993, 'imap.example.org')]", 150),
    SRV_LATE ("_imap._tcp.example.org", "[(0, 0, 143, 'imap.example.org')]", 150),
    SRV_LATE ("_pop3s._tcp.example.org", "[(0, 0, 995, 'pop.example.org')]", 150),
    SRV_LATE ("_pop3._tcp.example.org", "[(0, 0, 110, 'pop.example.org')]", 150),
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = NULL;
  guint elapsed;

  courriel_dns_lookup_set_deadline (5000);
  srv = lookup_srv ("camille@example.org", NULL, &elapsed, &error);
  g_assert_no_error (error);
  g_test_message ("six answers of 150 ms came back in %u ms", elapsed);
  g_assert_cmpuint (elapsed, >=, 140);
  g_assert_cmpuint (elapsed, <, 600);
  g_assert_cmpuint (srv->config->incoming->len, ==, 4);
  g_assert_cmpuint (srv->config->outgoing->len, ==, 2);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (query (srv, i)->outcome, ==, COURRIEL_DNS_ANSWERED);
  uninstall (fake);
}

/* A silent DNS server: the answers that came are used at the deadline, the silent question
 * says "timed out", and the resolver is told to stop. */
static void
test_deadline (void)
{
  static const Answer answers[] = {
    SRV_LATE ("_imaps._tcp.example.org", "[(0, 0, 993, 'imap.example.org')]", 20),
    SRV_LATE ("_submissions._tcp.example.org", "[(0, 0, 465, 'smtp.example.org')]", SILENT),
    { "example.org", G_RESOLVER_RECORD_MX, "[(10, 'mx.example.org')]", 0, SILENT },
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = NULL;
  g_autoptr (CourrielDnsMx) mx = NULL;
  guint elapsed;

  courriel_dns_lookup_set_deadline (200);
  g_assert_cmpuint (courriel_dns_lookup_get_deadline (), ==, 200);
  srv = lookup_srv ("camille@example.org", NULL, &elapsed, &error);
  g_assert_no_error (error);
  g_test_message ("SRV with a silent service: %u ms", elapsed);
  g_assert_cmpuint (elapsed, >=, 190);
  g_assert_cmpuint (elapsed, <, 1000);
  g_assert_cmpint (query (srv, 0)->outcome, ==, COURRIEL_DNS_TIMED_OUT);
  g_assert_cmpuint (query (srv, 0)->elapsed_ms, >=, 190);
  g_assert_cmpint (query (srv, 2)->outcome, ==, COURRIEL_DNS_ANSWERED);
  g_assert_cmpuint (query (srv, 2)->elapsed_ms, <, 190);
  g_assert_cmpuint (srv->config->incoming->len, ==, 1);
  assert_server (srv->config->incoming, 0, "imap.example.org", 993, COURRIEL_SECURITY_TLS, 0);
  g_assert_cmpuint (srv->config->outgoing->len, ==, 0);
  /* The silent question was abandoned, not left running. */
  while (fake->abandoned < 1)
    turn ();
  g_assert_cmpuint (fake->abandoned, ==, 1);

  mx = lookup_mx ("example.org", &elapsed, &error);
  g_assert_no_error (error);
  g_test_message ("silent MX: %u ms", elapsed);
  g_assert_cmpuint (elapsed, >=, 190);
  g_assert_cmpuint (elapsed, <, 1000);
  g_assert_cmpint (mx->query.outcome, ==, COURRIEL_DNS_TIMED_OUT);
  g_assert_null (mx->hosts[0]);
  g_assert_null (mx->mx_domain);
  while (fake->abandoned < 2)
    turn ();
  uninstall (fake);
}

/* A lookup started on a thread's own main context (a worker's, the command line's) runs
 * there: its answers, its deadline and its result need no other loop to turn. */
static void
test_own_context (void)
{
  static const Answer answers[] = {
    SRV ("_imaps._tcp.example.org", "[(0, 0, 993, 'imap.example.org')]"),
    SRV_LATE ("_imap._tcp.example.org", "[(0, 0, 143, 'imap.example.org')]", SILENT),
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = NULL;
  guint elapsed;

  courriel_dns_lookup_set_deadline (100);
  g_main_context_push_thread_default (context);
  srv = lookup_srv ("camille@example.org", NULL, &elapsed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (elapsed, <, 1000);
  g_assert_cmpint (query (srv, 2)->outcome, ==, COURRIEL_DNS_ANSWERED);
  g_assert_cmpint (query (srv, 3)->outcome, ==, COURRIEL_DNS_TIMED_OUT);
  g_assert_cmpuint (srv->config->incoming->len, ==, 1);
  while (fake->abandoned < 1)
    turn ();
  /* Nothing was left waiting on the global loop. */
  g_assert_false (g_main_context_pending (NULL));
  g_main_context_pop_thread_default (context);
  uninstall (fake);
}

static gboolean
cancel_now (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancelling ends the lookup at once, whatever the DNS is doing, and stops the resolver. */
static void
test_cancel (void)
{
  static const Answer answers[] = {
    SRV_LATE ("_submissions._tcp.example.org", "[(0, 0, 465, 'smtp.example.org')]", SILENT),
    SRV_LATE ("_submission._tcp.example.org", "[(0, 0, 587, 'smtp.example.org')]", SILENT),
    SRV_LATE ("_imaps._tcp.example.org", "[(0, 0, 993, 'imap.example.org')]", SILENT),
    SRV_LATE ("_imap._tcp.example.org", "[(0, 0, 143, 'imap.example.org')]", SILENT),
    SRV_LATE ("_pop3s._tcp.example.org", "[(0, 0, 995, 'pop.example.org')]", SILENT),
    SRV_LATE ("_pop3._tcp.example.org", "[(0, 0, 110, 'pop.example.org')]", SILENT),
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsSrv) srv = NULL;
  guint elapsed;

  /* Neither the deadline nor the resolver ends this lookup: only the user. */
  courriel_dns_lookup_set_deadline (SILENT);
  g_timeout_add (50, cancel_now, cancellable);
  srv = lookup_srv ("camille@example.org", cancellable, &elapsed, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (srv);
  g_test_message ("cancelled after 50 ms, finished after %u ms", elapsed);
  g_assert_cmpuint (elapsed, >=, 40);
  g_assert_cmpuint (elapsed, <, 1000);
  while (fake->abandoned < 6)
    turn ();
  g_clear_error (&error);

  /* Cancelled before it starts: no question is asked. */
  g_cancellable_cancel (cancelled);
  srv = lookup_srv ("camille@example.org", cancelled, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (srv);
  g_assert_cmpuint (fake->asked->len, ==, 6);
  uninstall (fake);
}

/* MX hosts by preference (ties by name, duplicates once), the MX domain of the best, and
 * every way of finding nothing. */
static void
test_mx (void)
{
  static const Answer answers[] = {
    MX ("example.org", "[(20, 'mx2.mail.example.net'), (10, 'mx1.mail.example.net.'), (10, 'MX0.mail.example.net'),"
                       " (5, 'bad host'), (20, 'mx2.mail.example.net')]"),
    MX ("two.example", "[(0, 'example.net')]"),
    MX ("nomail.example", "[(0, '.')]"),
    { "flaky.example", G_RESOLVER_RECORD_MX, NULL, G_RESOLVER_ERROR_TEMPORARY_FAILURE, 0 },
  };
  FakeResolver *fake = install (answers, G_N_ELEMENTS (answers));
  const char *expected[] = { "mx0.mail.example.net", "mx1.mail.example.net", "mx2.mail.example.net", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDnsMx) mx = lookup_mx ("example.org", NULL, &error);
  g_autoptr (CourrielDnsMx) by_address = lookup_mx ("camille@EXAMPLE.org", NULL, &error);
  g_autoptr (CourrielDnsMx) two = lookup_mx ("two.example", NULL, &error);
  g_autoptr (CourrielDnsMx) nomail = lookup_mx ("nomail.example", NULL, &error);
  g_autoptr (CourrielDnsMx) nowhere = lookup_mx ("nowhere.example", NULL, &error);
  g_autoptr (CourrielDnsMx) flaky = lookup_mx ("flaky.example", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (mx->query.outcome, ==, COURRIEL_DNS_ANSWERED);
  g_assert_cmpstr (mx->query.name, ==, "example.org");
  g_assert_cmpstrv (mx->hosts, expected);
  g_assert_cmpstr (mx->mx_domain, ==, "mail.example.net");
  g_assert_cmpstrv (by_address->hosts, expected);
  g_assert_cmpstr (fake->asked->pdata[1], ==, "example.org");
  /* A host of two labels is a domain already: its suffix alone would be a top-level domain. */
  g_assert_cmpstr (two->hosts[0], ==, "example.net");
  g_assert_cmpstr (two->mx_domain, ==, "example.net");
  g_assert_cmpint (nomail->query.outcome, ==, COURRIEL_DNS_NOT_OFFERED);
  g_assert_null (nomail->hosts[0]);
  g_assert_null (nomail->mx_domain);
  g_assert_cmpint (nowhere->query.outcome, ==, COURRIEL_DNS_NO_RECORDS);
  g_assert_null (nowhere->hosts[0]);
  g_assert_cmpint (flaky->query.outcome, ==, COURRIEL_DNS_FAILED);
  g_assert_nonnull (flaky->query.message);
  g_assert_null (flaky->hosts[0]);
  uninstall (fake);
}

/* What is not an address or a domain is refused before the DNS is asked anything. */
static void
test_invalid (void)
{
  static const char *addresses[] = { "camille", "camille@", "@example.org", "camille@exa mple.org",
                                     "camille@example.org/x", "camille@.example.org" };
  FakeResolver *fake = install (NULL, 0);

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielDnsSrv) srv = lookup_srv (addresses[i], NULL, NULL, &error);

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, addresses[i]));
      g_assert_null (srv);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielDnsMx) mx = lookup_mx (i == 0 ? "bad/host" : "", NULL, &error);

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (mx);
    }
  g_assert_cmpuint (fake->asked->len, ==, 0);
  uninstall (fake);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  system_resolver = g_resolver_get_default ();
  g_test_add_func ("/dns-lookup/srv/ranked", test_srv_ranked);
  g_test_add_func ("/dns-lookup/srv/quirks", test_srv_quirks);
  g_test_add_func ("/dns-lookup/srv/nothing", test_srv_nothing);
  g_test_add_func ("/dns-lookup/srv/parallel", test_srv_parallel);
  g_test_add_func ("/dns-lookup/deadline", test_deadline);
  g_test_add_func ("/dns-lookup/cancel", test_cancel);
  g_test_add_func ("/dns-lookup/own-context", test_own_context);
  g_test_add_func ("/dns-lookup/mx", test_mx);
  g_test_add_func ("/dns-lookup/invalid", test_invalid);
  status = g_test_run ();
  g_object_unref (system_resolver);
  return status;
}
