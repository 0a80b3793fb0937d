/* courriel-imap-response.c — one complete server response: tagged, untagged or continuation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-imap-response-private.h"

G_DEFINE_BOXED_TYPE (CourrielImapResponse, courriel_imap_response, courriel_imap_response_ref,
                     courriel_imap_response_unref)

static const struct
{
  const char      *name;
  CourrielImapCode code;
} codes[] = {
  { "ALERT", COURRIEL_IMAP_CODE_ALERT },
  { "CAPABILITY", COURRIEL_IMAP_CODE_CAPABILITY },
  { "UIDVALIDITY", COURRIEL_IMAP_CODE_UIDVALIDITY },
  { "UIDNEXT", COURRIEL_IMAP_CODE_UIDNEXT },
  { "HIGHESTMODSEQ", COURRIEL_IMAP_CODE_HIGHESTMODSEQ },
  { "NOMODSEQ", COURRIEL_IMAP_CODE_NOMODSEQ },
  { "PERMANENTFLAGS", COURRIEL_IMAP_CODE_PERMANENTFLAGS },
  { "READ-ONLY", COURRIEL_IMAP_CODE_READ_ONLY },
  { "READ-WRITE", COURRIEL_IMAP_CODE_READ_WRITE },
  { "TRYCREATE", COURRIEL_IMAP_CODE_TRYCREATE },
  { "APPENDUID", COURRIEL_IMAP_CODE_APPENDUID },
  { "COPYUID", COURRIEL_IMAP_CODE_COPYUID },
  { "CLOSED", COURRIEL_IMAP_CODE_CLOSED },
  { "AUTHENTICATIONFAILED", COURRIEL_IMAP_CODE_AUTHENTICATIONFAILED },
  { "AUTHORIZATIONFAILED", COURRIEL_IMAP_CODE_AUTHORIZATIONFAILED },
  { "EXPIRED", COURRIEL_IMAP_CODE_EXPIRED },
  { "UNAVAILABLE", COURRIEL_IMAP_CODE_UNAVAILABLE },
  { "NONEXISTENT", COURRIEL_IMAP_CODE_NONEXISTENT },
  { "ALREADYEXISTS", COURRIEL_IMAP_CODE_ALREADYEXISTS },
  { "OVERQUOTA", COURRIEL_IMAP_CODE_OVERQUOTA },
  { "LIMIT", COURRIEL_IMAP_CODE_LIMIT },
  { "MODIFIED", COURRIEL_IMAP_CODE_MODIFIED },
  { "UNSEEN", COURRIEL_IMAP_CODE_UNSEEN },
  { "PARSE", COURRIEL_IMAP_CODE_PARSE },
  { "CANNOT", COURRIEL_IMAP_CODE_CANNOT },
  { "INUSE", COURRIEL_IMAP_CODE_INUSE },
  { "SERVERBUG", COURRIEL_IMAP_CODE_SERVERBUG },
  { "CLIENTBUG", COURRIEL_IMAP_CODE_CLIENTBUG },
  { "PRIVACYREQUIRED", COURRIEL_IMAP_CODE_PRIVACYREQUIRED },
  { "CONTACTADMIN", COURRIEL_IMAP_CODE_CONTACTADMIN },
  { "NOPERM", COURRIEL_IMAP_CODE_NOPERM },
};

CourrielImapCode
courriel_imap_code_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (g_ascii_strcasecmp (codes[i].name, name) == 0)
      return codes[i].code;
  return COURRIEL_IMAP_CODE_OTHER;
}

CourrielImapResponse *
courriel_imap_response_new (CourrielImapResponseKind kind)
{
  CourrielImapResponse *response = g_new0 (CourrielImapResponse, 1);

  g_atomic_ref_count_init (&response->ref_count);
  response->kind = kind;
  return response;
}

CourrielImapResponse *
courriel_imap_response_ref (CourrielImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_atomic_ref_count_inc (&response->ref_count);
  return response;
}

void
courriel_imap_response_unref (CourrielImapResponse *response)
{
  g_return_if_fail (response != NULL);

  if (!g_atomic_ref_count_dec (&response->ref_count))
    return;
  g_free (response->tag);
  g_free (response->code_name);
  g_clear_pointer (&response->code_value, courriel_imap_value_unref);
  g_free (response->text);
  g_free (response->name);
  g_clear_pointer (&response->data, courriel_imap_value_unref);
  g_free (response);
}

CourrielImapResponseKind
courriel_imap_response_get_kind (CourrielImapResponse *response)
{
  return response->kind;
}

const char *
courriel_imap_response_get_tag (CourrielImapResponse *response)
{
  return response->tag;
}

CourrielImapStatus
courriel_imap_response_get_status (CourrielImapResponse *response)
{
  return response->status;
}

CourrielImapCode
courriel_imap_response_get_code (CourrielImapResponse *response)
{
  return response->code;
}

const char *
courriel_imap_response_get_code_name (CourrielImapResponse *response)
{
  return response->code_name;
}

/* The code's arguments as a LIST: [UIDVALIDITY 38] → (38); [PERMANENTFLAGS (\Seen)] → ((\Seen)). */
CourrielImapValue *
courriel_imap_response_get_code_value (CourrielImapResponse *response)
{
  return response->code_value;
}

/* Human-readable text (valid UTF-8); for continuations, the raw text (base64 for SASL). */
const char *
courriel_imap_response_get_text (CourrielImapResponse *response)
{
  return response->text != NULL ? response->text : "";
}

/* Untagged data: "FETCH", "EXISTS", "LIST", "CAPABILITY"… uppercased; NULL for status responses. */
const char *
courriel_imap_response_get_name (CourrielImapResponse *response)
{
  return response->name;
}

/* "* 5 EXISTS" → 5 */
gboolean
courriel_imap_response_get_number (CourrielImapResponse *response, guint32 *number)
{
  if (!response->has_number)
    return FALSE;
  *number = response->number;
  return TRUE;
}

/* The values after the name, as a LIST (empty when none). */
CourrielImapValue *
courriel_imap_response_get_data (CourrielImapResponse *response)
{
  return response->data;
}
