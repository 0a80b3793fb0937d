/* courriel-test-curl.h — curl as an independent mail client for checking what the servers hold
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-test-bench.h"

G_BEGIN_DECLS

#define CURL_OK 0
#define CURL_SSL_CACERT 60
#define CURL_LOGIN_DENIED 67

int   courriel_test_curl        (const char * const *args,
                                 char              **out);
char *courriel_test_url         (CourrielTestBench  *bench,
                                 const char         *scheme,
                                 CourrielTestBenchService service,
                                 const char         *path);
char *courriel_test_credentials (CourrielTestBench  *bench,
                                 const char         *address);
char *courriel_test_imap        (CourrielTestBench  *bench,
                                 const char         *address,
                                 gboolean            implicit_tls,
                                 const char         *mailbox,
                                 const char         *command);
char *courriel_test_imap_search (CourrielTestBench  *bench,
                                 const char         *address,
                                 gboolean            implicit_tls,
                                 const char         *mailbox,
                                 const char         *criteria);
char *courriel_test_imap_fetch  (CourrielTestBench  *bench,
                                 const char         *address,
                                 const char         *mailbox,
                                 const char         *uid,
                                 const char         *section);

G_END_DECLS
