/* courriel-test-bench.h — real Dovecot and Postfix servers on loopback for one test program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define COURRIEL_TEST_BENCH_DOMAIN "example.test"

typedef enum
{
  COURRIEL_TEST_BENCH_IMAP,        /* IMAP, STARTTLS offered */
  COURRIEL_TEST_BENCH_IMAPS,       /* IMAP over implicit TLS */
  COURRIEL_TEST_BENCH_POP3,        /* POP3, STLS offered */
  COURRIEL_TEST_BENCH_POP3S,       /* POP3 over implicit TLS */
  COURRIEL_TEST_BENCH_LMTP,        /* Dovecot LMTP, local delivery */
  COURRIEL_TEST_BENCH_AUTH,        /* Dovecot SASL for Postfix */
  COURRIEL_TEST_BENCH_SMTP,        /* Postfix, incoming mail for example.test, no AUTH */
  COURRIEL_TEST_BENCH_SUBMISSION,  /* Postfix submission: STARTTLS required, then AUTH */
  COURRIEL_TEST_BENCH_SUBMISSIONS, /* Postfix submission over implicit TLS, AUTH */
  COURRIEL_TEST_BENCH_N_SERVICES
} CourrielTestBenchService;

/* What a test may add to the usual servers; the others get none of it. */
typedef enum
{
  COURRIEL_TEST_BENCH_FLAGS_NONE = 0,
  /* One more Postfix submission listener that offers AUTH without TLS (STARTTLS still offered,
   * not required): a provider without encryption, for an account the user chose insecure.
   * Dovecot's IMAP and POP3 ports take cleartext logins from loopback already (it counts a
   * connection from its own address as secured). */
  COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION = 1 << 0,
} CourrielTestBenchFlags;

#define COURRIEL_TYPE_TEST_BENCH (courriel_test_bench_get_type ())
G_DECLARE_FINAL_TYPE (CourrielTestBench, courriel_test_bench, COURRIEL, TEST_BENCH, GObject)

CourrielTestBench  *courriel_test_bench_new          (GError                  **error);
CourrielTestBench  *courriel_test_bench_new_full     (CourrielTestBenchFlags    flags,
                                                      GError                  **error);
/* 0 without COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION */
guint16             courriel_test_bench_get_cleartext_submission_port (CourrielTestBench *self);
void                courriel_test_bench_stop         (CourrielTestBench        *self);
gboolean            courriel_test_bench_stop_servers (CourrielTestBench        *self,
                                                      GError                  **error);
gboolean            courriel_test_bench_start_servers (CourrielTestBench       *self,
                                                       GError                 **error);

const char         *courriel_test_bench_get_dir      (CourrielTestBench        *self);
const char         *courriel_test_bench_get_host     (CourrielTestBench        *self);
guint16             courriel_test_bench_get_port     (CourrielTestBench        *self,
                                                      CourrielTestBenchService  service);
const char         *courriel_test_bench_get_ca_file  (CourrielTestBench        *self);
const char * const *courriel_test_bench_get_users    (CourrielTestBench        *self);
const char         *courriel_test_bench_get_password (CourrielTestBench        *self,
                                                      const char               *address);
char              **courriel_test_bench_get_environ  (CourrielTestBench        *self,
                                                      char                    **envp);

gboolean            courriel_test_bench_add_message  (CourrielTestBench        *self,
                                                      const char               *address,
                                                      const char               *folder,
                                                      GBytes                   *message,
                                                      const char               *maildir_flags,
                                                      gint64                    received,
                                                      GError                  **error);

const char         *courriel_test_bench_service_name (CourrielTestBenchService  service);

G_END_DECLS
