/* courriel-mailto.h — a mailto: URI (RFC 6068) read into the fields of a message to write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define COURRIEL_MAILTO_ERROR (courriel_mailto_error_quark ())

typedef enum
{
  COURRIEL_MAILTO_ERROR_INVALID, /* not a mailto: URI, or a broken one */
} CourrielMailtoError;

typedef struct
{
  GPtrArray *to;          /* char*, decoded addresses */
  GPtrArray *cc;
  GPtrArray *bcc;
  char      *subject;     /* nullable */
  char      *body;        /* nullable; lines end with "\n" */
  char      *in_reply_to; /* nullable: "<id>" */
} CourrielMailto;

GQuark          courriel_mailto_error_quark (void);
CourrielMailto *courriel_mailto_parse       (const char     *uri,
                                             GError        **error);
void            courriel_mailto_free        (CourrielMailto *mailto);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMailto, courriel_mailto_free)

G_END_DECLS
