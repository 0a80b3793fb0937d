/* courriel-imap-body-structure.h — what a message's BODYSTRUCTURE tells before any download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-fetch.h"
#include "courriel-message-text.h"

G_BEGIN_DECLS

GPtrArray  *courriel_imap_body_structure_attachments   (const CourrielImapBodyPart *root);
GPtrArray  *courriel_imap_body_structure_text_sections (const CourrielImapBodyPart *root);
const char *courriel_imap_body_structure_boundary      (const CourrielImapBodyPart *root);

G_END_DECLS
