/* courriel-message-body.h — what the reader shows of a stored message: its text, its HTML,
 * its parts by IMAP section
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

typedef struct
{
  GMimeMessage *message;
  char         *plain; /* the first inline text/plain part, UTF-8, or NULL */
  char         *html;  /* the first inline text/html part, UTF-8, or NULL */
} CourrielMessageBody;

CourrielMessageBody *courriel_message_body_new_from_bytes (GBytes               *raw,
                                                           GError              **error);
void                 courriel_message_body_free           (CourrielMessageBody  *self);
GMimeObject         *courriel_message_find_part           (GMimeMessage         *message,
                                                           const char           *section);
GBytes              *courriel_message_part_get_bytes      (GMimeObject          *part);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMessageBody, courriel_message_body_free)

G_END_DECLS
