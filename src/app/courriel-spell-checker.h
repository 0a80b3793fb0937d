/* courriel-spell-checker.h — underlines misspelled words of a GtkTextBuffer, with enchant
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_SPELL_CHECKER (courriel_spell_checker_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSpellChecker, courriel_spell_checker, COURRIEL, SPELL_CHECKER, GObject)

/* The dictionaries enchant has ("fr_FR", "en_US", …), sorted by their readable names; empty
 * when none is installed. */
GStrv                 courriel_spell_checker_list_languages      (void);
/* "Français (France)", "English (United States)": the language in its own words, the country
 * in the user's; the code itself when it is unknown. */
char                 *courriel_spell_checker_describe_language   (const char            *code);
/* The dictionary for the user's locale, else English, else any; NULL when there is none. */
char                 *courriel_spell_checker_default_language    (void);

/* Checks @buffer as it changes, with the default language, until it is finalized. */
CourrielSpellChecker *courriel_spell_checker_new                 (GtkTextBuffer         *buffer);
GtkTextBuffer        *courriel_spell_checker_get_buffer          (CourrielSpellChecker  *self);

/* The dictionary loads in a thread; "busy" stays TRUE until it has and the text is checked.
 * NULL, "" or a language without a dictionary picks courriel_spell_checker_default_language(). */
void                  courriel_spell_checker_set_language        (CourrielSpellChecker  *self,
                                                                  const char            *language);
/* The dictionary in use (or being loaded), NULL when there is none. */
const char           *courriel_spell_checker_get_language        (CourrielSpellChecker  *self);
void                  courriel_spell_checker_set_enabled         (CourrielSpellChecker  *self,
                                                                  gboolean               enabled);
gboolean              courriel_spell_checker_get_enabled         (CourrielSpellChecker  *self);
/* TRUE while a dictionary loads or text waits to be checked. */
gboolean              courriel_spell_checker_get_busy            (CourrielSpellChecker  *self);

/* The tag that underlines misspelled words in the buffer. */
GtkTextTag           *courriel_spell_checker_get_misspelled_tag  (CourrielSpellChecker  *self);
/* When the word at @iter is underlined: TRUE, its bounds and (transfer full) text. */
gboolean              courriel_spell_checker_get_misspelled_word (CourrielSpellChecker  *self,
                                                                  const GtkTextIter     *iter,
                                                                  GtkTextIter           *start,
                                                                  GtkTextIter           *end,
                                                                  char                 **word);

/* Up to @max corrections for @word, computed in a thread (hunspell can take half a second). */
void                  courriel_spell_checker_suggest_async       (CourrielSpellChecker  *self,
                                                                  const char            *word,
                                                                  guint                  max,
                                                                  GCancellable          *cancellable,
                                                                  GAsyncReadyCallback    callback,
                                                                  gpointer               user_data);
GStrv                 courriel_spell_checker_suggest_finish      (CourrielSpellChecker  *self,
                                                                  GAsyncResult          *result,
                                                                  GError               **error);

/* Adds @word to the user's personal dictionary of the current language (kept by enchant). */
void                  courriel_spell_checker_add_word            (CourrielSpellChecker  *self,
                                                                  const char            *word);
/* Accepts @word in this checker until it is finalized. */
void                  courriel_spell_checker_ignore_word         (CourrielSpellChecker  *self,
                                                                  const char            *word);

G_END_DECLS
