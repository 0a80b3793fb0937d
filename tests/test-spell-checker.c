/* test-spell-checker.c — the composer's spell checking, with the real enchant and hunspell dictionaries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Needs hunspell-fr and hunspell-en-us (build-aux/install-deps). Enchant's personal dictionaries
 * go to a temporary ENCHANT_CONFIG_DIR, never the user's.
 */
#include "config.h"

#include <string.h>

#include "courriel-account.h"
#include "courriel-application.h"
#include "courriel-composer.h"
#include "courriel-engine.h"
#include "courriel-spell-checker.h"
#include "courriel-store.h"
#include "courriel-test-util.h"
#include "window-test-util.h"

#define SENTENCE "Bonjour, je vous envoie le documant aujourd'hui."

static char *enchant_folder;
static char *app_folder;
static char *store_folder;
static CourrielStore *store;
static CourrielApplication *app;

/* Helpers ---------------------------------------------------------------------------------------- */

static void
wait_checked (CourrielSpellChecker *checker)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  /* One turn first: a change schedules its check in an idle. */
  g_main_context_iteration (NULL, FALSE);
  while (courriel_spell_checker_get_busy (checker) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (courriel_spell_checker_get_busy (checker));
}

/* The underlined words, in order, joined by "|". */
static char *
marked_words (CourrielSpellChecker *checker)
{
  GtkTextBuffer *buffer = courriel_spell_checker_get_buffer (checker);
  GtkTextTag *tag = courriel_spell_checker_get_misspelled_tag (checker);
  g_autoptr (GString) words = g_string_new (NULL);
  GtkTextIter start, end;

  gtk_text_buffer_get_start_iter (buffer, &start);
  while (gtk_text_iter_has_tag (&start, tag) || gtk_text_iter_forward_to_tag_toggle (&start, tag))
    {
      g_autofree char *word = NULL;

      if (gtk_text_iter_is_end (&start))
        break;
      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, tag);
      word = gtk_text_iter_get_slice (&start, &end);
      g_string_append_printf (words, "%s%s", words->len > 0 ? "|" : "", word);
      start = end;
    }
  return g_string_free (g_steal_pointer (&words), FALSE);
}

static CourrielSpellChecker *
checker_for (GtkTextBuffer *buffer, const char *language, const char *text)
{
  CourrielSpellChecker *checker = courriel_spell_checker_new (buffer);
  GtkTextIter start;

  courriel_spell_checker_set_language (checker, language);
  g_assert_cmpstr (courriel_spell_checker_get_language (checker), ==, language);
  gtk_text_buffer_set_text (buffer, text, -1);
  /* The cursor away from the text's end: nothing is "being typed". */
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  wait_checked (checker);
  return checker;
}

static void
assert_marks (const char *language, const char *text, const char *expected)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = checker_for (buffer, language, text);
  g_autofree char *marked = marked_words (checker);

  g_assert_cmpstr (marked, ==, expected);
}

typedef struct
{
  gint64 last;
  gint64 longest;
} Ticks;

static gboolean
tick (gpointer data)
{
  Ticks *ticks = data;
  gint64 now = g_get_monotonic_time ();

  ticks->longest = MAX (ticks->longest, now - ticks->last);
  ticks->last = now;
  return G_SOURCE_CONTINUE;
}

/* Tests ------------------------------------------------------------------------------------------ */

static void
test_languages (void)
{
  gint64 started = g_get_monotonic_time ();
  g_auto (GStrv) languages = courriel_spell_checker_list_languages ();
  gint64 listed = g_get_monotonic_time () - started;
  g_autofree char *french = courriel_spell_checker_describe_language ("fr_FR");
  g_autofree char *english = courriel_spell_checker_describe_language ("en_US");
  g_autofree char *unknown = courriel_spell_checker_describe_language ("xx_YY");
  g_autofree char *from_belgian = NULL;
  g_autofree char *from_french = NULL;
  g_autofree char *from_unknown = NULL;

  /* The first list starts enchant, on the main thread, once per process. */
  g_print ("# %u dictionaries listed in %.0f ms\n", g_strv_length (languages), listed / 1000.0);
  g_assert_true (g_strv_contains ((const char *const *)languages, "fr_FR"));
  g_assert_true (g_strv_contains ((const char *const *)languages, "en_US"));
  g_assert_cmpstr (french, ==, "Français (France)");
  g_assert_cmpstr (english, ==, "English (United States)");
  g_assert_cmpstr (unknown, ==, "xx_YY");

  /* The user's language when a dictionary exists (its own country first), else English. */
  g_setenv ("LANGUAGE", "fr_BE", TRUE);
  from_belgian = courriel_spell_checker_default_language ();
  g_setenv ("LANGUAGE", "fr_XK", TRUE);
  from_french = courriel_spell_checker_default_language ();
  g_setenv ("LANGUAGE", "xx_YY", TRUE);
  from_unknown = courriel_spell_checker_default_language ();
  g_unsetenv ("LANGUAGE");
  g_assert_cmpstr (from_belgian, ==, "fr_BE");
  g_assert_cmpstr (from_french, ==, "fr_FR");
  g_assert_cmpstr (from_unknown, ==, "en_US");
}

/* A dictionary remembered from before and uninstalled since: the default one, never a crash. */
static void
test_missing_language (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = courriel_spell_checker_new (buffer);
  g_autofree char *fallback = courriel_spell_checker_default_language ();

  courriel_spell_checker_set_language (checker, "xx_YY");
  g_assert_cmpstr (courriel_spell_checker_get_language (checker), ==, fallback);
  gtk_text_buffer_set_text (buffer, "Hello documant.", -1);
  wait_checked (checker);
  g_assert_true (gtk_text_buffer_get_char_count (buffer) > 0);
}

static void
test_french (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = courriel_spell_checker_new (buffer);
  gint64 started = g_get_monotonic_time ();
  Ticks ticks = { started, 0 };
  guint ticker = g_timeout_add (5, tick, &ticks);

  /* The dictionary loads in a thread: a 5 ms timer keeps ticking meanwhile. */
  courriel_spell_checker_set_language (checker, "fr_FR");
  while (courriel_spell_checker_get_busy (checker))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  g_print ("# fr_FR loaded in %.0f ms; meanwhile the longest wait of a 5 ms timer was %.1f ms\n",
           (g_get_monotonic_time () - started) / 1000.0, ticks.longest / 1000.0);
  /* Loading on the main thread would stop it for the whole load (~300 ms). */
  g_assert_cmpint (ticks.longest, <, 200 * 1000);
  assert_marks ("fr_FR", SENTENCE, "documant");
  /* Elisions and the typographic apostrophe are words of their own. */
  assert_marks ("fr_FR", "L’envoi d'aujourd’hui est arrivé ; peut-être qu'il documant.", "documant");
}

static void
test_english (void)
{
  assert_marks ("en_US", SENTENCE, "Bonjour|je|vous|envoie|le|documant|aujourd'hui");
  assert_marks ("en_US", "I don't know, it isn’t sent.", "");
}

static void
test_skipped (void)
{
  assert_marks ("fr_FR",
                "Voir https://exemple.fr/documant et www.documant.fr, écrire à jean.documant@exemple.fr\n"
                "ou <mailto:documant@exemple.fr>, la version 2documant, par IMAPS ou SMTP.\n"
                "> un documant cité\n"
                "  > encore un documant cité\n"
                "Mais ce documant-là !",
                "documant-là");
}

/* Long lines are checked in pieces: none cuts a link or a word in two. */
static void
test_long_lines (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new (NULL);

  g_string_append (text, "Suivre https://exemple.fr/suivi?");
  for (guint i = 0; i < 300; i++)
    g_string_append (text, "documantdocumant");
  g_string_append (text, " puis");
  for (guint i = 0; i < 100; i++)
    {
      g_string_append (text, " un documant");
      g_string_append_printf (expected, "%sdocumant", i > 0 ? "|" : "");
    }
  assert_marks ("fr_FR", text->str, expected->str);
}

static void
test_typing (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = checker_for (buffer, "fr_FR", "");
  const char *typed = "Le documant";
  GtkTextIter start;
  g_autofree char *while_typing = NULL;
  g_autofree char *after_space = NULL;
  g_autofree char *after_move = NULL;

  for (const char *c = typed; *c != '\0'; c++)
    gtk_text_buffer_insert_interactive_at_cursor (buffer, c, 1, TRUE);
  wait_checked (checker);
  while_typing = marked_words (checker);
  gtk_text_buffer_insert_interactive_at_cursor (buffer, " ", 1, TRUE);
  wait_checked (checker);
  after_space = marked_words (checker);

  /* A word left unfinished is checked once the cursor leaves it. */
  gtk_text_buffer_insert_interactive_at_cursor (buffer, "envoiz", -1, TRUE);
  wait_checked (checker);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  wait_checked (checker);
  after_move = marked_words (checker);

  g_assert_cmpstr (while_typing, ==, "");
  g_assert_cmpstr (after_space, ==, "documant");
  g_assert_cmpstr (after_move, ==, "documant|envoiz");
}

static void
test_off_and_ignore (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker
    = checker_for (buffer, "fr_FR", "Un documant, deux documant, un envoiz, l’éxpédition, l'éxpédition.");
  g_autofree char *before = marked_words (checker);
  g_autofree char *off = NULL;
  g_autofree char *on = NULL;
  g_autofree char *ignored = NULL;

  courriel_spell_checker_set_enabled (checker, FALSE);
  wait_checked (checker);
  off = marked_words (checker);
  courriel_spell_checker_set_enabled (checker, TRUE);
  wait_checked (checker);
  on = marked_words (checker);
  courriel_spell_checker_ignore_word (checker, "documant");
  /* As the menu gives it, with the typographic apostrophe: both spellings are ignored. */
  courriel_spell_checker_ignore_word (checker, "l’éxpédition");
  wait_checked (checker);
  ignored = marked_words (checker);

  g_assert_cmpstr (before, ==, "documant|documant|envoiz|l’éxpédition|l'éxpédition");
  g_assert_cmpstr (off, ==, "");
  g_assert_cmpstr (on, ==, before);
  g_assert_cmpstr (ignored, ==, "envoiz");
}

static void
test_add_to_dictionary (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = checker_for (buffer, "fr_FR", "Le courrielisme est un art.");
  g_autoptr (CourrielSpellChecker) again = NULL;
  g_autofree char *before = marked_words (checker);
  g_autofree char *added = NULL;
  g_autofree char *afterwards = NULL;
  g_autofree char *personal = NULL;
  g_autofree char *path = g_build_filename (enchant_folder, "fr_FR.dic", NULL);

  courriel_spell_checker_add_word (checker, "courrielisme");
  wait_checked (checker);
  added = marked_words (checker);
  g_assert_cmpstr (before, ==, "courrielisme");
  g_assert_cmpstr (added, ==, "");

  /* Enchant keeps it in the personal word list, read again by a dictionary loaded anew. */
  g_assert_true (g_file_get_contents (path, &personal, NULL, NULL));
  g_assert_nonnull (strstr (personal, "courrielisme"));
  g_clear_object (&checker);
  for (guint i = 0; i < 50; i++)
    test_iterate ();
  again = checker_for (buffer, "fr_FR", "Encore du courrielisme, et un documant.");
  afterwards = marked_words (again);
  g_assert_cmpstr (afterwards, ==, "documant");
}

/* Every slice of a long text's check is short: the window keeps answering. */
static void
test_long_text (void)
{
  g_autoptr (GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  g_autoptr (CourrielSpellChecker) checker = courriel_spell_checker_new (buffer);
  g_autoptr (GString) text = g_string_new (NULL);
  const char *paragraph = "Bonjour, je vous envoie le documant aujourd'hui, avec les pièces que vous m'avez "
                          "demandées la semaine dernière. Voir https://exemple.fr/courriel pour le reste.\n";
  guint paragraphs = 0;
  gint64 longest = 0;
  gint64 started;
  gint64 total;
  g_autofree char *marked = NULL;
  guint count = 0;

  courriel_spell_checker_set_language (checker, "fr_FR");
  wait_checked (checker);
  while (text->len < 200 * 1024)
    {
      g_string_append (text, paragraph);
      paragraphs++;
    }
  /* Also a paragraph of 20 kB without a line break, checked in pieces all the same. */
  for (guint i = 0; i < 200; i++)
    g_string_append (text, "Une ligne sans fin qui continue encore et toujours, documant compris. ");
  g_string_append (text, "\n");

  started = g_get_monotonic_time ();
  gtk_text_buffer_set_text (buffer, text->str, -1);
  g_assert_true (courriel_spell_checker_get_busy (checker));
  while (courriel_spell_checker_get_busy (checker))
    {
      gint64 before = g_get_monotonic_time ();

      g_main_context_iteration (NULL, TRUE);
      longest = MAX (longest, g_get_monotonic_time () - before);
    }
  total = g_get_monotonic_time () - started;
  g_test_message ("%u kB checked in %.0f ms; the longest main loop turn took %.1f ms", (guint)(text->len / 1024),
                  total / 1000.0, longest / 1000.0);
  g_print ("# spell check of %u kB: %.0f ms in all, longest main-loop turn %.1f ms\n", (guint)(text->len / 1024),
           total / 1000.0, longest / 1000.0);

  marked = marked_words (checker);
  for (const char *c = marked; (c = strstr (c, "documant")) != NULL; c++)
    count++;
  g_assert_cmpuint (count, ==, paragraphs + 200);
  /* ~50 ms is the goal; the bound is generous for a loaded two-core machine. */
  g_assert_cmpint (longest, <, 250 * 1000);
}

/* The composer ----------------------------------------------------------------------------------- */

static void
on_account_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *)user_data = courriel_account_save_finish (result, &error);
  g_assert_no_error (error);
}

/* An identity to write from, as a user has (the composer shows an error without one). */
static void
save_account (void)
{
  g_autoptr (CourrielAccount) account = courriel_account_new ("camille@example.fr");
  gint64 id = 0;

  g_free (account->display_name);
  account->display_name = g_strdup ("Camille Martin");
  account->protocol = COURRIEL_PROTOCOL_POP3;
  account->incoming.host = g_strdup ("pop.example.fr");
  account->incoming.port = 995;
  account->incoming.username = g_strdup ("camille@example.fr");
  courriel_account_save_async (store, account, NULL, NULL, NULL, on_account_saved, &id);
  while (id == 0)
    g_main_context_iteration (NULL, TRUE);
}

/* The @index-th widget of @type under @widget, depth first. */
static GtkWidget *
find_typed (GtkWidget *widget, GType type, guint *index)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && (*index)-- == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_typed (child, type, index);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_nth (GtkWidget *widget, GType type, guint index)
{
  GtkWidget *found = find_typed (widget, type, &index);

  g_assert_nonnull (found);
  return found;
}

static GtkWidget *
template_child (CourrielComposer *composer, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (composer), COURRIEL_TYPE_COMPOSER, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static gboolean
menu_has (GMenuModel *menu, const char *label)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (section != NULL && menu_has (section, label))
        return TRUE;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &text) && g_str_equal (text, label))
        return TRUE;
    }
  return FALSE;
}

/* The window with its open popover drawn where it is. */
static void
save_with_popover (GtkWidget *window, GtkWidget *popover, const char *name)
{
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GdkPaintable) window_paintable = gtk_widget_paintable_new (window);
  g_autoptr (GdkPaintable) popover_paintable = gtk_widget_paintable_new (popover);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *folder = g_test_build_filename (G_TEST_BUILT, "screenshots", NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (popover));
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  double window_x, window_y, x, y;

  for (guint i = 0; i < 100; i++)
    test_iterate ();
  gtk_native_get_surface_transform (GTK_NATIVE (window), &window_x, &window_y);
  x = gdk_popup_get_position_x (GDK_POPUP (surface)) - window_x;
  y = gdk_popup_get_position_y (GDK_POPUP (surface)) - window_y;
  /* The menu may reach past the window: the picture is as large as both. */
  width = MAX (width, (int)x + gtk_widget_get_width (popover));
  height = MAX (height, (int)y + gtk_widget_get_height (popover));
  gdk_paintable_snapshot (window_paintable, snapshot, gtk_widget_get_width (window), gtk_widget_get_height (window));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gdk_paintable_snapshot (popover_paintable, snapshot, gtk_widget_get_width (popover),
                          gtk_widget_get_height (popover));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

static void
test_composer (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  CourrielComposer *composer;
  CourrielSpellChecker *checker;
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkWidget *popover;
  GMenuModel *menu;
  GtkTextIter iter;
  gint64 deadline;
  gint64 started;
  g_autofree char *replaced = NULL;
  g_autofree char *undone = NULL;
  g_autofree char *english = NULL;

  g_settings_set_string (settings, "spell-language", "fr_FR");
  g_settings_set_boolean (settings, "spell-checking", TRUE);
  composer = courriel_composer_new (GTK_APPLICATION (app), store, 0);
  gtk_window_present (GTK_WINDOW (composer));
  checker = courriel_composer_get_spell_checker (composer);
  g_assert_nonnull (checker);
  g_assert_cmpstr (courriel_spell_checker_get_language (checker), ==, "fr_FR");
  text_view = GTK_TEXT_VIEW (template_child (composer, "text_view"));
  buffer = gtk_text_view_get_buffer (text_view);
  gtk_editable_set_text (GTK_EDITABLE (template_child (composer, "to_entry")), "emilie@example.fr");
  gtk_editable_set_text (GTK_EDITABLE (template_child (composer, "subject_entry")), "Le document");
  gtk_text_buffer_set_text (buffer, "Bonjour Émilie,\n\n" SENTENCE "\n\nBien à vous,\nCamille\n", -1);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_place_cursor (buffer, &iter);
  wait_checked (checker);
  {
    g_autofree char *marked = marked_words (checker);
    g_assert_cmpstr (marked, ==, "documant");
  }

  /* The cursor in the word: the context menu offers its corrections, computed in a thread. */
  g_assert_true (gtk_text_iter_forward_search (&iter, "documant", 0, &iter, NULL, NULL));
  gtk_text_iter_forward_chars (&iter, 3);
  gtk_text_buffer_place_cursor (buffer, &iter);
  menu = gtk_text_view_get_extra_menu (text_view);
  g_assert_true (menu_has (menu, "_Add to Dictionary"));
  started = g_get_monotonic_time ();
  deadline = started + 30 * G_USEC_PER_SEC;
  while (!menu_has (menu, "document") && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (menu_has (menu, "document"));
  g_print ("# corrections of \"documant\" in the menu after %.0f ms\n", (g_get_monotonic_time () - started) / 1000.0);
  g_assert_false (menu_has (menu, "Looking for Suggestions…"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (text_view), "menu.popup", NULL));
  popover = find_nth (GTK_WIDGET (text_view), GTK_TYPE_POPOVER_MENU, 0);
  save_with_popover (GTK_WIDGET (composer), popover, "composer-spelling.png");
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* A correction replaces the word; one undo brings it back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.spell-replace", "s", "document"));
  gtk_text_buffer_get_bounds (buffer, &iter, &iter);
  {
    GtkTextIter start, end;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    replaced = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (text_view), "text.undo", NULL));
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    undone = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  }
  g_assert_nonnull (strstr (replaced, "je vous envoie le document aujourd'hui."));
  g_assert_null (strstr (replaced, "documant"));
  g_assert_nonnull (strstr (undone, "je vous envoie le documant aujourd'hui."));

  /* The language menu: its choice is remembered and followed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US"));
  english = g_settings_get_string (settings, "spell-language");
  g_assert_cmpstr (english, ==, "en_US");
  g_assert_cmpstr (courriel_spell_checker_get_language (checker), ==, "en_US");
  wait_checked (checker);
  {
    g_autofree char *marked = marked_words (checker);
    g_assert_nonnull (strstr (marked, "Bonjour|"));
  }
  {
    GtkMenuButton *button = GTK_MENU_BUTTON (template_child (composer, "spell_button"));
    GMenuModel *languages = gtk_menu_button_get_menu_model (button);

    g_assert_true (menu_has (languages, "Français (France)"));
    g_assert_true (menu_has (languages, "English (United States)"));
    g_assert_true (menu_has (languages, "_Check Spelling"));
    gtk_menu_button_popup (button);
    save_with_popover (GTK_WIDGET (composer), GTK_WIDGET (gtk_menu_button_get_popover (button)),
                       "composer-spelling-languages.png");
    gtk_menu_button_popdown (button);
  }
  /* The toggle turns checking off. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.spell-checking", NULL));
  g_assert_false (g_settings_get_boolean (settings, "spell-checking"));
  wait_checked (checker);
  {
    g_autofree char *marked = marked_words (checker);
    g_assert_cmpstr (marked, ==, "");
  }

  g_settings_reset (settings, "spell-language");
  g_settings_reset (settings, "spell-checking");
  gtk_window_destroy (GTK_WINDOW (composer));
}

/* Without any dictionary the composer works, its spelling button disabled with the reason.
 * Dictionaries are installed on the test machines, so this runs only where they are hidden:
 *   unshare -m sh -c 'mount -t tmpfs none /usr/share/hunspell && build-aux/test-session \
 *     build/tests/test-spell-checker -p /spell-checker/no-dictionary' */
static void
test_no_dictionary (void)
{
  g_auto (GStrv) languages = courriel_spell_checker_list_languages ();
  g_autofree char *fallback = courriel_spell_checker_default_language ();
  CourrielComposer *composer;
  GtkWidget *button;

  if (languages[0] != NULL)
    {
      g_test_skip ("spelling dictionaries are installed");
      return;
    }
  g_assert_null (fallback);
  composer = courriel_composer_new (GTK_APPLICATION (app), store, 0);
  gtk_window_present (GTK_WINDOW (composer));
  button = template_child (composer, "spell_button");
  g_assert_null (courriel_composer_get_spell_checker (composer));
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Spell checking is unavailable: no dictionary is installed");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (template_child (composer, "text_view"))),
                            "Un documant.", -1);
  for (guint i = 0; i < 20; i++)
    test_iterate ();
  g_assert_false (gtk_widget_get_sensitive (button));
  gtk_window_destroy (GTK_WINDOW (composer));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();
  enchant_folder = g_dir_make_tmp ("courriel-enchant-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("ENCHANT_CONFIG_DIR", enchant_folder, TRUE);
  /* The application's data folder of its own, without accounts. */
  app_folder = g_dir_make_tmp ("courriel-spell-app-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (courriel_engine_set_data_dir (app_folder, &error));
  gtk_init ();
  store_folder = g_dir_make_tmp ("courriel-spell-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *db = g_build_filename (store_folder, "courriel.db", NULL);

    store = courriel_store_open (db, &error);
    g_assert_no_error (error);
  }
  app = test_start_application ();
  save_account ();

  g_test_add_func ("/spell-checker/languages", test_languages);
  g_test_add_func ("/spell-checker/missing-language", test_missing_language);
  g_test_add_func ("/spell-checker/french", test_french);
  g_test_add_func ("/spell-checker/english", test_english);
  g_test_add_func ("/spell-checker/skipped", test_skipped);
  g_test_add_func ("/spell-checker/long-lines", test_long_lines);
  g_test_add_func ("/spell-checker/typing", test_typing);
  g_test_add_func ("/spell-checker/off-and-ignore", test_off_and_ignore);
  g_test_add_func ("/spell-checker/add-to-dictionary", test_add_to_dictionary);
  g_test_add_func ("/spell-checker/long-text", test_long_text);
  g_test_add_func ("/spell-checker/composer", test_composer);
  g_test_add_func ("/spell-checker/no-dictionary", test_no_dictionary);

  status = g_test_run ();
  test_stop_application (app);
  courriel_store_close (store);
  g_clear_object (&store);
  courriel_test_remove_tree (store_folder);
  g_free (store_folder);
  courriel_test_remove_tree (enchant_folder);
  courriel_test_remove_tree (app_folder);
  g_free (enchant_folder);
  g_free (app_folder);
  return status;
}
