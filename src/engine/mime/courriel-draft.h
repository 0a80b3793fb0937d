/* courriel-draft.h — a message being written, and the MIME message it becomes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char   *filename;  /* as the recipient will see it */
  char   *mime_type; /* NULL: guessed from the name and the content */
  GBytes *data;
} CourrielDraftAttachment;

typedef struct
{
  char      *from_name;
  char      *from_address;
  GPtrArray *to;          /* char*: "Name <address>" or "address" */
  GPtrArray *cc;
  GPtrArray *bcc;         /* recipients, never in the headers */
  char      *subject;
  char      *text;        /* the body, plain text */
  char      *html;        /* nullable: an HTML alternative */
  GPtrArray *attachments; /* CourrielDraftAttachment* */
  GBytes    *forwarded;   /* nullable: a message forwarded as an attachment */
  char      *in_reply_to; /* "<id>", for replies */
  char      *references;  /* "<id> <id>…", for replies */
} CourrielDraft;

CourrielDraft *courriel_draft_new             (const char     *from_name,
                                               const char     *from_address);
void           courriel_draft_free            (CourrielDraft  *draft);
void           courriel_draft_add_attachment  (CourrielDraft  *draft,
                                               const char     *filename,
                                               const char     *mime_type,
                                               GBytes         *data);

GBytes        *courriel_draft_build           (CourrielDraft  *draft,
                                               GDateTime      *date,
                                               GError        **error);
GBytes        *courriel_draft_build_unsent    (CourrielDraft  *draft,
                                               GError        **error);
GStrv          courriel_draft_dup_recipients  (CourrielDraft  *draft);

CourrielDraft *courriel_draft_new_reply       (GBytes         *original,
                                               const char     *from_name,
                                               const char     *from_address,
                                               gboolean        to_all,
                                               GError        **error);
CourrielDraft *courriel_draft_new_forward     (GBytes         *original,
                                               const char     *from_name,
                                               const char     *from_address,
                                               gboolean        as_attachment,
                                               GError        **error);
CourrielDraft *courriel_draft_new_from_message (GBytes             *raw,
                                                const char * const *envelope,
                                                GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielDraft, courriel_draft_free)

G_END_DECLS
