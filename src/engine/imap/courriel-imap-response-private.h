/* courriel-imap-response-private.h — how the parser builds a CourrielImapResponse
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-response.h"

G_BEGIN_DECLS

struct _CourrielImapResponse
{
  gatomicrefcount          ref_count;
  CourrielImapResponseKind kind;
  char                    *tag;
  CourrielImapStatus       status;
  CourrielImapCode         code;
  char                    *code_name;
  CourrielImapValue       *code_value;
  char                    *text;
  char                    *name;
  gboolean                 has_number;
  guint32                  number;
  CourrielImapValue       *data;
};

CourrielImapResponse *courriel_imap_response_new   (CourrielImapResponseKind kind);
CourrielImapCode      courriel_imap_code_from_name (const char              *name);

G_END_DECLS
