/* courriel-imap-uid-set.h — sets of UIDs (or sequence numbers), as IMAP writes them: 1:5,7,9:*
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CourrielImapUidSet CourrielImapUidSet;

/* "*" — the largest UID in the mailbox — is kept as G_MAXUINT32. */
#define COURRIEL_IMAP_UID_STAR G_MAXUINT32

CourrielImapUidSet *courriel_imap_uid_set_new       (void);
CourrielImapUidSet *courriel_imap_uid_set_parse     (const char               *text,
                                                     GError                  **error);
CourrielImapUidSet *courriel_imap_uid_set_copy      (const CourrielImapUidSet *set);
void                courriel_imap_uid_set_free      (CourrielImapUidSet       *set);
void                courriel_imap_uid_set_add       (CourrielImapUidSet       *set,
                                                     guint32                   uid);
void                courriel_imap_uid_set_add_range (CourrielImapUidSet       *set,
                                                     guint32                   first,
                                                     guint32                   last);
void                courriel_imap_uid_set_add_set   (CourrielImapUidSet       *set,
                                                     const CourrielImapUidSet *other);
gboolean            courriel_imap_uid_set_contains  (const CourrielImapUidSet *set,
                                                     guint32                   uid);
gboolean            courriel_imap_uid_set_is_empty  (const CourrielImapUidSet *set);
guint64             courriel_imap_uid_set_count     (const CourrielImapUidSet *set);
guint               courriel_imap_uid_set_n_ranges  (const CourrielImapUidSet *set);
void                courriel_imap_uid_set_get_range (const CourrielImapUidSet *set,
                                                     guint                     index,
                                                     guint32                  *first,
                                                     guint32                  *last);
char               *courriel_imap_uid_set_to_string (const CourrielImapUidSet *set);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapUidSet, courriel_imap_uid_set_free)

G_END_DECLS
