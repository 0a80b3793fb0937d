/* courriel-imap-mailbox.h — a folder as LIST describes it, and its STATUS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-response.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_IMAP_MAILBOX_NOSELECT      = 1 << 0,
  COURRIEL_IMAP_MAILBOX_NOINFERIORS   = 1 << 1,
  COURRIEL_IMAP_MAILBOX_HASCHILDREN   = 1 << 2,
  COURRIEL_IMAP_MAILBOX_HASNOCHILDREN = 1 << 3,
  COURRIEL_IMAP_MAILBOX_MARKED        = 1 << 4,
  COURRIEL_IMAP_MAILBOX_UNMARKED      = 1 << 5,
  COURRIEL_IMAP_MAILBOX_SUBSCRIBED    = 1 << 6,
  COURRIEL_IMAP_MAILBOX_NONEXISTENT   = 1 << 7,
  COURRIEL_IMAP_MAILBOX_REMOTE        = 1 << 8,
  /* SPECIAL-USE (RFC 6154) */
  COURRIEL_IMAP_MAILBOX_ALL           = 1 << 9,
  COURRIEL_IMAP_MAILBOX_ARCHIVE       = 1 << 10,
  COURRIEL_IMAP_MAILBOX_DRAFTS        = 1 << 11,
  COURRIEL_IMAP_MAILBOX_FLAGGED       = 1 << 12,
  COURRIEL_IMAP_MAILBOX_JUNK          = 1 << 13,
  COURRIEL_IMAP_MAILBOX_SENT          = 1 << 14,
  COURRIEL_IMAP_MAILBOX_TRASH         = 1 << 15,
  COURRIEL_IMAP_MAILBOX_IMPORTANT     = 1 << 16,
} CourrielImapMailboxAttributes;

typedef enum
{
  COURRIEL_IMAP_STATUS_HAS_MESSAGES      = 1 << 0,
  COURRIEL_IMAP_STATUS_HAS_UNSEEN        = 1 << 1,
  COURRIEL_IMAP_STATUS_HAS_RECENT        = 1 << 2,
  COURRIEL_IMAP_STATUS_HAS_UIDNEXT       = 1 << 3,
  COURRIEL_IMAP_STATUS_HAS_UIDVALIDITY   = 1 << 4,
  COURRIEL_IMAP_STATUS_HAS_HIGHESTMODSEQ = 1 << 5,
  COURRIEL_IMAP_STATUS_HAS_SIZE          = 1 << 6,
} CourrielImapStatusPresent;

typedef struct
{
  gatomicrefcount           ref_count;
  CourrielImapStatusPresent present;
  guint32                   messages;
  guint32                   unseen;
  guint32                   recent;
  guint32                   uidnext;
  guint32                   uidvalidity;
  guint64                   highestmodseq;
  guint64                   size;
} CourrielImapStatusData;

typedef struct _CourrielImapMailbox CourrielImapMailbox;

CourrielImapMailbox          *courriel_imap_mailbox_parse          (CourrielImapResponse   *response,
                                                                    gboolean                utf8,
                                                                    GError                **error);
CourrielImapMailbox          *courriel_imap_mailbox_ref            (CourrielImapMailbox    *mailbox);
void                          courriel_imap_mailbox_unref          (CourrielImapMailbox    *mailbox);
const char                   *courriel_imap_mailbox_get_name       (CourrielImapMailbox    *mailbox);
const char                   *courriel_imap_mailbox_get_raw_name   (CourrielImapMailbox    *mailbox);
gunichar                      courriel_imap_mailbox_get_delimiter  (CourrielImapMailbox    *mailbox);
CourrielImapMailboxAttributes courriel_imap_mailbox_get_attributes (CourrielImapMailbox    *mailbox);
CourrielImapStatusData       *courriel_imap_mailbox_get_status     (CourrielImapMailbox    *mailbox);
void                          courriel_imap_mailbox_set_status     (CourrielImapMailbox    *mailbox,
                                                                    CourrielImapStatusData *status);

CourrielImapStatusData       *courriel_imap_status_data_parse      (CourrielImapResponse   *response,
                                                                    gboolean                utf8,
                                                                    char                  **mailbox_name,
                                                                    GError                **error);
CourrielImapStatusData       *courriel_imap_status_data_ref        (CourrielImapStatusData *status);
void                          courriel_imap_status_data_unref      (CourrielImapStatusData *status);

char                         *courriel_imap_mailbox_decode_name    (CourrielImapValue      *value,
                                                                    gboolean                utf8,
                                                                    GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapMailbox, courriel_imap_mailbox_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapStatusData, courriel_imap_status_data_unref)

G_END_DECLS
