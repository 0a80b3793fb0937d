/* courriel-auth-results.h — Authentication-Results headers (RFC 8601) and the reader's verdict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_AUTH_VERDICT_NOT_VERIFIED, /* no trusted header, or nothing conclusive in it */
  COURRIEL_AUTH_VERDICT_VERIFIED,     /* the From domain passed DMARC, or aligned DKIM or SPF */
  COURRIEL_AUTH_VERDICT_FAILED,       /* DMARC, or DKIM or SPF of the From domain, failed */
} CourrielAuthVerdict;

typedef struct
{
  char *method;  /* lowercase, without its version: "dkim" */
  char *result;  /* lowercase: "pass", "fail", "none"… */
  char *reason;  /* or NULL */
  GPtrArray *properties; /* char*, pairs: "header.d" (lowercase), "example.com" */
} CourrielAuthResult;

typedef struct
{
  char      *authserv_id; /* as written */
  guint      version;     /* 1 when absent */
  GPtrArray *results;     /* CourrielAuthResult*, empty for "none" */
} CourrielAuthResults;

CourrielAuthResults *courriel_auth_results_parse            (const char          *value,
                                                             GError             **error);
void                 courriel_auth_results_free             (CourrielAuthResults *results);
const char          *courriel_auth_result_get_property      (const CourrielAuthResult *result,
                                                             const char          *name);

char                *courriel_auth_results_trusted_id_for_host (const char       *host);
gboolean             courriel_auth_results_id_is_trusted    (const char          *authserv_id,
                                                             const char          *trusted_id);
CourrielAuthVerdict  courriel_auth_results_verdict          (const char          *headers,
                                                             const char          *trusted_id,
                                                             const char          *from_address,
                                                             char               **domain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielAuthResults, courriel_auth_results_free)

G_END_DECLS
