/* courriel-threader.h — conversations out of Message-ID, References and In-Reply-To (JWZ threading)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CourrielThreader CourrielThreader;

CourrielThreader *courriel_threader_new        (void);
void              courriel_threader_free       (CourrielThreader *self);
guint             courriel_threader_add        (CourrielThreader *self,
                                                const char       *message_id,
                                                const char       *in_reply_to,
                                                const char       *references,
                                                const char       *subject,
                                                gint64            date);
guint             courriel_threader_run        (CourrielThreader *self);
guint             courriel_threader_thread_of  (CourrielThreader *self,
                                                guint             message);
char             *courriel_threader_base_subject (const char     *subject,
                                                  gboolean       *is_reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielThreader, courriel_threader_free)

G_END_DECLS
