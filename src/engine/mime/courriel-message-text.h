/* courriel-message-text.h — a downloaded message's readable text, preview and attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char  *section;      /* IMAP part number, what BODY[…] takes: "1", "2.1"… */
  char  *filename;     /* decoded (RFC 2231, RFC 2047), or NULL */
  char  *mime_type;    /* lowercase: "image/png" */
  char  *content_id;   /* without <>, or NULL */
  char  *disposition;  /* "attachment" or "inline" */
  gsize  size;         /* decoded size in bytes */
} CourrielAttachmentInfo;

typedef struct
{
  char      *text;        /* UTF-8, for the full-text index; never NULL */
  char      *preview;     /* UTF-8, at most about 200 characters; never NULL */
  GPtrArray *attachments; /* CourrielAttachmentInfo* */
  /* The headers, decoded for display as the store keeps them; NULL when absent. */
  char      *subject;
  char      *from;         /* "Élodie Martin <elodie@example.org>, bob@example.net" */
  char      *to;
  char      *cc;
  gint64     date;         /* Unix time, 0 when absent or unreadable */
  char      *message_id;   /* with its <> */
  char      *in_reply_to;
  char      *references;
  char      *auth_results; /* Authentication-Results */
} CourrielMessageText;

CourrielMessageText *courriel_message_text_new_from_bytes (GBytes                 *raw,
                                                           GError                **error);
void                 courriel_message_text_free           (CourrielMessageText    *self);
void                 courriel_attachment_info_free        (CourrielAttachmentInfo *info);
gboolean             courriel_message_text_has_attachments (GPtrArray             *attachments);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMessageText, courriel_message_text_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielAttachmentInfo, courriel_attachment_info_free)

G_END_DECLS
