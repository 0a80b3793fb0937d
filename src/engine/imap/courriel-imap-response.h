/* courriel-imap-response.h — one complete server response: tagged, untagged or continuation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-value.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_IMAP_RESPONSE_TAGGED,
  COURRIEL_IMAP_RESPONSE_UNTAGGED,
  COURRIEL_IMAP_RESPONSE_CONTINUATION,
} CourrielImapResponseKind;

typedef enum
{
  COURRIEL_IMAP_STATUS_NONE,
  COURRIEL_IMAP_STATUS_OK,
  COURRIEL_IMAP_STATUS_NO,
  COURRIEL_IMAP_STATUS_BAD,
  COURRIEL_IMAP_STATUS_PREAUTH,
  COURRIEL_IMAP_STATUS_BYE,
} CourrielImapStatus;

typedef enum
{
  COURRIEL_IMAP_CODE_NONE,
  COURRIEL_IMAP_CODE_ALERT,
  COURRIEL_IMAP_CODE_CAPABILITY,
  COURRIEL_IMAP_CODE_UIDVALIDITY,
  COURRIEL_IMAP_CODE_UIDNEXT,
  COURRIEL_IMAP_CODE_HIGHESTMODSEQ,
  COURRIEL_IMAP_CODE_NOMODSEQ,
  COURRIEL_IMAP_CODE_PERMANENTFLAGS,
  COURRIEL_IMAP_CODE_READ_ONLY,
  COURRIEL_IMAP_CODE_READ_WRITE,
  COURRIEL_IMAP_CODE_TRYCREATE,
  COURRIEL_IMAP_CODE_APPENDUID,
  COURRIEL_IMAP_CODE_COPYUID,
  COURRIEL_IMAP_CODE_CLOSED,
  COURRIEL_IMAP_CODE_AUTHENTICATIONFAILED,
  COURRIEL_IMAP_CODE_AUTHORIZATIONFAILED,
  COURRIEL_IMAP_CODE_EXPIRED,
  COURRIEL_IMAP_CODE_UNAVAILABLE,
  COURRIEL_IMAP_CODE_NONEXISTENT,
  COURRIEL_IMAP_CODE_ALREADYEXISTS,
  COURRIEL_IMAP_CODE_OVERQUOTA,
  COURRIEL_IMAP_CODE_LIMIT,
  COURRIEL_IMAP_CODE_MODIFIED,
  COURRIEL_IMAP_CODE_UNSEEN,
  COURRIEL_IMAP_CODE_PARSE,
  COURRIEL_IMAP_CODE_CANNOT,
  COURRIEL_IMAP_CODE_INUSE,
  COURRIEL_IMAP_CODE_SERVERBUG,
  COURRIEL_IMAP_CODE_CLIENTBUG,
  COURRIEL_IMAP_CODE_PRIVACYREQUIRED,
  COURRIEL_IMAP_CODE_CONTACTADMIN,
  COURRIEL_IMAP_CODE_NOPERM,
  COURRIEL_IMAP_CODE_OTHER,
} CourrielImapCode;

typedef struct _CourrielImapResponse CourrielImapResponse;

#define COURRIEL_TYPE_IMAP_RESPONSE (courriel_imap_response_get_type ())
GType                    courriel_imap_response_get_type       (void) G_GNUC_CONST;

CourrielImapResponse    *courriel_imap_response_ref            (CourrielImapResponse *response);
void                     courriel_imap_response_unref          (CourrielImapResponse *response);

CourrielImapResponseKind courriel_imap_response_get_kind       (CourrielImapResponse *response);
const char              *courriel_imap_response_get_tag        (CourrielImapResponse *response);
CourrielImapStatus       courriel_imap_response_get_status     (CourrielImapResponse *response);
CourrielImapCode         courriel_imap_response_get_code       (CourrielImapResponse *response);
const char              *courriel_imap_response_get_code_name  (CourrielImapResponse *response);
CourrielImapValue       *courriel_imap_response_get_code_value (CourrielImapResponse *response);
const char              *courriel_imap_response_get_text       (CourrielImapResponse *response);
const char              *courriel_imap_response_get_name       (CourrielImapResponse *response);
gboolean                 courriel_imap_response_get_number     (CourrielImapResponse *response,
                                                                guint32              *number);
CourrielImapValue       *courriel_imap_response_get_data       (CourrielImapResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapResponse, courriel_imap_response_unref)

G_END_DECLS
