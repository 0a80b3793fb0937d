/* courriel-composer.h — the window where a message is written, sent through the Outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-draft.h"
#include "courriel-spell-checker.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_REPLY_KIND_REPLY,
  COURRIEL_REPLY_KIND_REPLY_ALL,
  COURRIEL_REPLY_KIND_FORWARD,
} CourrielReplyKind;

#define COURRIEL_TYPE_COMPOSER (courriel_composer_get_type ())
G_DECLARE_FINAL_TYPE (CourrielComposer, courriel_composer, COURRIEL, COMPOSER, AdwWindow)

/* @account_id: the identity chosen first in From; 0 for the first account. */
CourrielComposer *courriel_composer_new             (GtkApplication     *app,
                                                     CourrielStore      *store,
                                                     gint64              account_id);
CourrielComposer *courriel_composer_new_from_mailto (GtkApplication     *app,
                                                     CourrielStore      *store,
                                                     const char         *uri,
                                                     GError            **error);
CourrielComposer *courriel_composer_new_from_draft (GtkApplication    *app,
                                                    CourrielStore     *store,
                                                    gint64             account_id,
                                                    CourrielDraft     *draft);
CourrielComposer *courriel_composer_new_reply       (GtkApplication     *app,
                                                     CourrielStore      *store,
                                                     gint64              message_id,
                                                     CourrielReplyKind   kind);

/* Adds a file as an attachment (read without blocking). */
void              courriel_composer_attach_file     (CourrielComposer   *self,
                                                     GFile              *file);
/* How long "Undo" is offered after Send before the message is put in the Outbox (5 s), and
 * how long after the last change a draft is saved (3 s). */
void              courriel_composer_set_delays      (CourrielComposer   *self,
                                                     guint               undo_ms,
                                                     guint               draft_ms);
/* What underlines misspelled words in the text; NULL when no dictionary is installed. */
CourrielSpellChecker *courriel_composer_get_spell_checker (CourrielComposer *self);

G_END_DECLS
