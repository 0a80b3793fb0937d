/* courriel-imap-fetch.h — what a FETCH response says of one message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-response.h"

G_BEGIN_DECLS

/* An address of an ENVELOPE; RFC 2047 is left encoded, for the MIME layer. A group
 * (RFC 5322) starts with an address whose host is NULL and mailbox the group name, and
 * ends with one whose host and mailbox are both NULL. */
typedef struct
{
  char *name;
  char *mailbox;
  char *host;
} CourrielImapAddress;

typedef struct
{
  char      *date;
  char      *subject;
  GPtrArray *from, *sender, *reply_to, *to, *cc, *bcc; /* CourrielImapAddress* */
  char      *in_reply_to;
  char      *message_id;
} CourrielImapEnvelope;

typedef struct _CourrielImapBodyPart CourrielImapBodyPart;
struct _CourrielImapBodyPart
{
  char                 *section;       /* "1", "1.2", "2.1.3": what BODY[…] takes */
  char                 *type;          /* lowercase: "text", "multipart", "message"… */
  char                 *subtype;
  GHashTable           *params;        /* lowercase name → value */
  char                 *id;
  char                 *description;
  char                 *encoding;
  guint64               size;
  guint64               lines;
  char                 *md5;
  char                 *disposition;   /* lowercase, or NULL */
  GHashTable           *disposition_params;
  char                 *language;
  char                 *location;
  GPtrArray            *children;      /* CourrielImapBodyPart*: multipart parts, or a message's body */
  CourrielImapEnvelope *envelope;      /* message/rfc822 */
};

typedef struct
{
  gatomicrefcount       ref_count;
  guint32               seq;
  guint32               uid;           /* 0 if not sent */
  GStrv                 flags;         /* NULL if not sent */
  GDateTime            *internaldate;
  guint64               rfc822_size;
  guint64               modseq;
  CourrielImapEnvelope *envelope;
  CourrielImapBodyPart *bodystructure;
  GHashTable           *sections;      /* "BODY[]", "BINARY[1]", "BODY[HEADER.FIELDS (TO)]" → GBytes (empty for NIL) */
  GHashTable           *streamed;      /* section → GUINT64 size of a literal given to the parser's sink */
} CourrielImapFetch;

CourrielImapFetch *courriel_imap_fetch_parse       (CourrielImapResponse *response,
                                                    GError              **error);
CourrielImapFetch *courriel_imap_fetch_ref         (CourrielImapFetch    *fetch);
void               courriel_imap_fetch_unref       (CourrielImapFetch    *fetch);
GBytes            *courriel_imap_fetch_get_section (CourrielImapFetch    *fetch,
                                                    const char           *section);
GDateTime         *courriel_imap_parse_date_time   (const char           *text);

void               courriel_imap_envelope_free     (CourrielImapEnvelope *envelope);
void               courriel_imap_body_part_free    (CourrielImapBodyPart *part);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapFetch, courriel_imap_fetch_unref)

G_END_DECLS
