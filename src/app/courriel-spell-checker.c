/* courriel-spell-checker.c — underlines misspelled words of a GtkTextBuffer, with enchant
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What changed is marked with an invisible "pending" tag (the paragraphs around each insertion
 * or deletion, the whole buffer when the language changes); an idle handler checks pending text
 * a segment at a time and stops after a few milliseconds, so a long message never stalls typing.
 * The buffer's B-tree finds the next pending toggle quickly however long the text is.
 *
 * Enchant is not thread-safe, and loading a hunspell dictionary (a third of a second for
 * French) or computing suggestions (as long) would freeze the window: both run in a thread
 * under one lock, which the main thread only ever tries to take — when it is busy, checking
 * waits for the next slice. These jobs run one after the other, in the order they were asked
 * for (one thread of their own): a dictionary released when the language changes is freed only
 * after the suggestions asked of it before.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-spell-checker.h"

#include <enchant.h>
#include <glib/gi18n.h>
#include <string.h>

#define SLICE_USEC      4000 /* the longest an idle slice checks before it yields */
#define SEGMENT_CHARS   400  /* text checked between two looks at the clock */
#define RETRY_MS        20   /* when a thread holds enchant */

struct _CourrielSpellChecker
{
  GObject        parent_instance;

  GtkTextBuffer *buffer;
  GtkTextTag    *misspelled;
  GtkTextTag    *pending;
  GtkTextMark   *typing;      /* the end of what was just typed at the cursor, or NULL */

  char          *language;
  EnchantDict   *dict;        /* NULL while loading or without a dictionary */
  GCancellable  *loading;
  GHashTable    *ignored;     /* words of "Ignore All" */
  gboolean       enabled;
  gboolean       busy;
  guint          idle_source;
};

G_DEFINE_FINAL_TYPE (CourrielSpellChecker, courriel_spell_checker, G_TYPE_OBJECT)

enum { PROP_0, PROP_BUFFER, PROP_LANGUAGE, PROP_ENABLED, PROP_BUSY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void schedule (CourrielSpellChecker *self, guint delay_ms);

/* Enchant, shared by every checker of the process ---------------------------------------------- */

static GMutex enchant_lock;
static EnchantBroker *broker; /* under enchant_lock, created once */

/* The enchant jobs, in order: GTask's own pool may start a later job (freeing a dictionary)
 * before an earlier one (suggestions from it) took the lock. */
static void
run_job (gpointer data, gpointer user_data)
{
  g_autoptr (GTask) task = data;
  GTaskThreadFunc func = g_object_get_data (G_OBJECT (task), "courriel-enchant-job");

  func (task, g_task_get_source_object (task), g_task_get_task_data (task), g_task_get_cancellable (task));
}

static void
run_in_enchant_thread (GTask *task, GTaskThreadFunc func)
{
  static gsize pool_ready;
  static GThreadPool *pool;

  if (g_once_init_enter (&pool_ready))
    {
      pool = g_thread_pool_new (run_job, NULL, 1, FALSE, NULL);
      g_once_init_leave (&pool_ready, 1);
    }
  g_object_set_data (G_OBJECT (task), "courriel-enchant-job", func);
  g_thread_pool_push (pool, g_object_ref (task), NULL);
}

static EnchantBroker *
get_broker (void)
{
  if (broker == NULL)
    broker = enchant_broker_init ();
  return broker;
}

static void
collect_language (const char *tag, const char *provider_name, const char *provider_desc, const char *provider_file,
                  void *user_data)
{
  GPtrArray *tags = user_data;

  if (!g_ptr_array_find_with_equal_func (tags, tag, g_str_equal, NULL))
    g_ptr_array_add (tags, g_strdup (tag));
}

static int
compare_descriptions (gconstpointer a, gconstpointer b)
{
  g_autofree char *one = courriel_spell_checker_describe_language (*(const char *const *)a);
  g_autofree char *two = courriel_spell_checker_describe_language (*(const char *const *)b);

  return g_utf8_collate (one, two);
}

/**
 * courriel_spell_checker_list_languages:
 *
 * Returns: (transfer full): the dictionaries' codes, sorted by their descriptions; read once
 *   per process
 */
GStrv
courriel_spell_checker_list_languages (void)
{
  static GStrv languages;

  if (g_once_init_enter (&languages))
    {
      GPtrArray *tags = g_ptr_array_new ();

      g_mutex_lock (&enchant_lock);
      enchant_broker_list_dicts (get_broker (), collect_language, tags);
      g_mutex_unlock (&enchant_lock);
      g_ptr_array_sort (tags, compare_descriptions);
      g_ptr_array_add (tags, NULL);
      g_once_init_leave (&languages, (GStrv)g_ptr_array_free (tags, FALSE));
    }
  return g_strdupv (languages);
}

/* Languages in their own words: a user finds their own whatever language the UI speaks. */
static const struct
{
  const char *code;
  const char *name;
} language_names[] = {
  { "af", "Afrikaans" }, { "ar", "العربية" }, { "bg", "Български" }, { "br", "Brezhoneg" }, { "ca", "Català" },
  { "co", "Corsu" }, { "cs", "Čeština" }, { "da", "Dansk" }, { "de", "Deutsch" }, { "el", "Ελληνικά" },
  { "en", "English" }, { "eo", "Esperanto" }, { "es", "Español" }, { "et", "Eesti" }, { "eu", "Euskara" },
  { "fi", "Suomi" }, { "fr", "Français" }, { "ga", "Gaeilge" }, { "gl", "Galego" }, { "he", "עברית" },
  { "hr", "Hrvatski" }, { "hu", "Magyar" }, { "it", "Italiano" }, { "lt", "Lietuvių" }, { "lv", "Latviešu" },
  { "nb", "Norsk bokmål" }, { "nl", "Nederlands" }, { "nn", "Norsk nynorsk" }, { "oc", "Occitan" },
  { "pl", "Polski" }, { "pt", "Português" }, { "ro", "Română" }, { "ru", "Русский" }, { "sk", "Slovenčina" },
  { "sl", "Slovenščina" }, { "sr", "Српски" }, { "sv", "Svenska" }, { "tr", "Türkçe" }, { "uk", "Українська" },
};

/* Countries in the user's language. */
static const struct
{
  const char *code;
  const char *name;
} country_names[] = {
  { "AR", N_("Argentina") },     { "AT", N_("Austria") },        { "AU", N_("Australia") },
  { "BE", N_("Belgium") },       { "BR", N_("Brazil") },         { "CA", N_("Canada") },
  { "CH", N_("Switzerland") },   { "DE", N_("Germany") },        { "ES", N_("Spain") },
  { "FR", N_("France") },        { "GB", N_("United Kingdom") }, { "IE", N_("Ireland") },
  { "IN", N_("India") },         { "IT", N_("Italy") },          { "LI", N_("Liechtenstein") },
  { "LU", N_("Luxembourg") },    { "MC", N_("Monaco") },         { "MX", N_("Mexico") },
  { "NL", N_("Netherlands") },   { "NZ", N_("New Zealand") },    { "PT", N_("Portugal") },
  { "US", N_("United States") }, { "ZA", N_("South Africa") },
};

/**
 * courriel_spell_checker_describe_language:
 * @code: a dictionary's code: "fr", "fr_FR", "en_US"…
 *
 * Returns: (transfer full): its readable name
 */
char *
courriel_spell_checker_describe_language (const char *code)
{
  g_auto (GStrv) parts = g_strsplit (code, "_", 2);
  const char *language = NULL;
  const char *country = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (language_names); i++)
    if (g_strcmp0 (parts[0], language_names[i].code) == 0)
      language = language_names[i].name;
  if (language == NULL)
    return g_strdup (code);
  if (parts[1] == NULL)
    return g_strdup (language);
  for (guint i = 0; i < G_N_ELEMENTS (country_names); i++)
    if (g_strcmp0 (parts[1], country_names[i].code) == 0)
      country = _(country_names[i].name);
  /* TRANSLATORS: a spell-checking dictionary: "Français (France)", "English (Canada)" */
  return g_strdup_printf (_("%s (%s)"), language, country != NULL ? country : parts[1]);
}

static gboolean
has_language (GStrv languages, const char *code)
{
  return code != NULL && g_strv_contains ((const char *const *)languages, code);
}

/* The first of @languages in @language (fr: fr_FR before fr_BE, as the language's own country). */
static char *
find_variant (GStrv languages, const char *language)
{
  g_autofree char *upper = g_ascii_strup (language, -1);
  g_autofree char *own = g_strdup_printf ("%s_%s", language, upper);
  g_autofree char *prefix = g_strdup_printf ("%s_", language);

  if (has_language (languages, own))
    return g_steal_pointer (&own);
  if (has_language (languages, language))
    return g_strdup (language);
  for (guint i = 0; languages[i] != NULL; i++)
    if (g_str_has_prefix (languages[i], prefix))
      return g_strdup (languages[i]);
  return NULL;
}

/**
 * courriel_spell_checker_default_language:
 *
 * Returns: (transfer full) (nullable): the locale's dictionary (fr_FR.UTF-8: fr_FR, else
 *   another French one), else en_US or another English one, else the first; NULL without any
 */
char *
courriel_spell_checker_default_language (void)
{
  g_auto (GStrv) languages = courriel_spell_checker_list_languages ();
  const char *const *names = g_get_language_names ();
  char *found;

  if (languages[0] == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = g_strndup (names[i], strcspn (names[i], ".@"));
      g_autofree char *language = g_strndup (name, strcspn (name, "_"));

      if (g_strcmp0 (name, "C") == 0 || g_strcmp0 (name, "POSIX") == 0)
        continue;
      if (has_language (languages, name))
        return g_steal_pointer (&name);
      if ((found = find_variant (languages, language)) != NULL)
        return found;
    }
  if (has_language (languages, "en_US"))
    return g_strdup ("en_US");
  if ((found = find_variant (languages, "en")) != NULL)
    return found;
  return g_strdup (languages[0]);
}

/* Words -------------------------------------------------------------------------------------- */

static gboolean
is_joiner (gunichar c)
{
  /* l'envoi, aujourd'hui, don't (straight or typographic apostrophe), peut-être */
  return c == '\'' || c == 0x2019 || c == '-';
}

/* The whitespace-separated token around [@from, @to) of @chars. */
static gboolean
in_address_or_link (const gunichar *chars, glong n, glong from, glong to)
{
  glong start = from;
  glong end = to;
  g_autoptr (GString) token = g_string_new (NULL);

  while (start > 0 && !g_unichar_isspace (chars[start - 1]))
    start--;
  while (end < n && !g_unichar_isspace (chars[end]))
    end++;
  for (glong i = start; i < end; i++)
    g_string_append_unichar (token, g_unichar_tolower (chars[i]));
  return strchr (token->str, '@') != NULL || strstr (token->str, "://") != NULL
         || g_str_has_prefix (token->str, "www.") || g_str_has_prefix (token->str, "(www.")
         || g_str_has_prefix (token->str, "mailto:");
}

static gboolean
has_digit (const gunichar *chars, glong from, glong to)
{
  for (glong i = from; i < to; i++)
    if (g_unichar_isdigit (chars[i]))
      return TRUE;
  return FALSE;
}

/* IMAP, SMTP, PDF: acronyms, which mail is full of and dictionaries lack. */
static gboolean
is_acronym (const gunichar *chars, glong from, glong to)
{
  guint letters = 0;

  for (glong i = from; i < to; i++)
    {
      if (!g_unichar_isalpha (chars[i]))
        continue;
      if (!g_unichar_isupper (chars[i]))
        return FALSE;
      letters++;
    }
  return letters > 1;
}

static gboolean
dict_accepts (CourrielSpellChecker *self, const char *word)
{
  g_auto (GStrv) parts = NULL;

  if (g_hash_table_contains (self->ignored, word) || enchant_dict_check (self->dict, word, -1) == 0)
    return TRUE;
  if (strchr (word, '-') == NULL)
    return FALSE;
  /* A compound the dictionary does not list as a whole: right when each part is. */
  parts = g_strsplit (word, "-", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0' && !g_hash_table_contains (self->ignored, parts[i])
        && enchant_dict_check (self->dict, parts[i], -1) != 0)
      return FALSE;
  return TRUE;
}

static char *
straight_apostrophes (const char *word)
{
  g_auto (GStrv) parts = g_strsplit (word, "\u2019", -1);

  return g_strjoinv ("'", parts);
}

static char *
word_text (const gunichar *chars, glong from, glong to)
{
  g_autoptr (GString) word = g_string_new (NULL);

  /* Dictionaries know the straight apostrophe; French text often has the typographic one. */
  for (glong i = from; i < to; i++)
    g_string_append_unichar (word, chars[i] == 0x2019 ? '\'' : chars[i]);
  return g_string_free (g_steal_pointer (&word), FALSE);
}

static gboolean
is_quoted_line (const GtkTextIter *iter)
{
  GtkTextIter line = *iter;

  gtk_text_iter_set_line_offset (&line, 0);
  while (gtk_text_iter_get_char (&line) == ' ' && !gtk_text_iter_ends_line (&line))
    gtk_text_iter_forward_char (&line);
  return gtk_text_iter_get_char (&line) == '>';
}

/* The word being typed: it ends at the cursor, after an insertion there. */
static gboolean
is_being_typed (CourrielSpellChecker *self, const GtkTextIter *start, const GtkTextIter *end)
{
  GtkTextIter typing;
  GtkTextIter cursor;

  if (self->typing == NULL)
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &typing, self->typing);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  return gtk_text_iter_equal (&typing, &cursor) && gtk_text_iter_compare (start, &cursor) <= 0
         && gtk_text_iter_compare (&cursor, end) <= 0;
}

/* Checks [@start, @end), which begins at a line's start or after white space and ends at a
 * line's end or before white space. */
static void
check_segment (CourrielSpellChecker *self, const GtkTextIter *start, const GtkTextIter *end)
{
  g_autofree char *text = NULL;
  g_autofree gunichar *chars = NULL;
  g_autofree PangoLogAttr *attrs = NULL;
  glong n = 0;
  GtkTextIter word_start = *start;
  glong word_start_offset = 0;

  gtk_text_buffer_remove_tag (self->buffer, self->misspelled, start, end);
  if (is_quoted_line (start))
    return;
  text = gtk_text_iter_get_slice (start, end);
  chars = g_utf8_to_ucs4_fast (text, -1, &n);
  attrs = g_new0 (PangoLogAttr, n + 1);
  pango_get_log_attrs (text, -1, -1, pango_language_from_string (self->language), attrs, n + 1);

  for (glong i = 0; i < n; i++)
    {
      glong j = i + 1;
      g_autofree char *word = NULL;

      if (!attrs[i].is_word_start || !g_unichar_isalnum (chars[i]))
        continue;
      while (j < n && !attrs[j].is_word_end)
        j++;
      /* Pango may split at an apostrophe or a hyphen: l' + envoi, aujourd + hui, peut + être. */
      while (j + 1 < n && is_joiner (chars[j]) && g_unichar_isalpha (chars[j + 1]))
        {
          j += 2;
          while (j < n && !attrs[j].is_word_end)
            j++;
        }
      if (!has_digit (chars, i, j) && !is_acronym (chars, i, j) && !in_address_or_link (chars, n, i, j))
        {
          GtkTextIter word_end;

          word = word_text (chars, i, j);
          gtk_text_iter_forward_chars (&word_start, i - word_start_offset);
          word_start_offset = i;
          word_end = word_start;
          gtk_text_iter_forward_chars (&word_end, j - i);
          if (!dict_accepts (self, word) && !is_being_typed (self, &word_start, &word_end))
            gtk_text_buffer_apply_tag (self->buffer, self->misspelled, &word_start, &word_end);
        }
      i = j - 1;
    }
}

/* Checking ----------------------------------------------------------------------------------- */

static void
set_busy (CourrielSpellChecker *self, gboolean busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static gboolean
active (CourrielSpellChecker *self)
{
  return self->enabled && self->dict != NULL;
}

/* The next pending segment: at most a line and about SEGMENT_CHARS, cut at white space. */
static gboolean
next_segment (CourrielSpellChecker *self, GtkTextIter *start, GtkTextIter *end)
{
  GtkTextIter limit;

  gtk_text_buffer_get_start_iter (self->buffer, start);
  if (!gtk_text_iter_has_tag (start, self->pending) && !gtk_text_iter_forward_to_tag_toggle (start, self->pending))
    return FALSE;
  if (gtk_text_iter_is_end (start))
    return FALSE;
  *end = *start;
  gtk_text_iter_forward_to_tag_toggle (end, self->pending);
  limit = *start;
  if (!gtk_text_iter_ends_line (&limit))
    gtk_text_iter_forward_to_line_end (&limit);
  if (gtk_text_iter_compare (&limit, end) < 0)
    *end = limit;
  if (gtk_text_iter_get_offset (end) - gtk_text_iter_get_offset (start) > SEGMENT_CHARS)
    {
      GtkTextIter cut = *start;

      /* Cut at white space, so that a word and the link or address around it stay whole. */
      gtk_text_iter_forward_chars (&cut, SEGMENT_CHARS);
      while (!g_unichar_isspace (gtk_text_iter_get_char (&cut))
             && gtk_text_iter_get_offset (&cut) > gtk_text_iter_get_offset (start) + 1)
        gtk_text_iter_backward_char (&cut);
      /* One very long token (a tracking link): the segment runs to its end. */
      while (!g_unichar_isspace (gtk_text_iter_get_char (&cut)) && gtk_text_iter_compare (&cut, end) < 0)
        gtk_text_iter_forward_char (&cut);
      *end = cut;
    }
  return TRUE;
}

static gboolean
check_slice (gpointer data)
{
  CourrielSpellChecker *self = data;
  gint64 until = g_get_monotonic_time () + SLICE_USEC;
  GtkTextIter start, end;

  self->idle_source = 0;
  if (!active (self))
    return G_SOURCE_REMOVE;
  if (!g_mutex_trylock (&enchant_lock))
    {
      /* A dictionary loads or suggestions are computed: never wait for them here. */
      schedule (self, RETRY_MS);
      return G_SOURCE_REMOVE;
    }
  while (next_segment (self, &start, &end))
    {
      GtkTextIter checked = end;

      check_segment (self, &start, &end);
      if (gtk_text_iter_ends_line (&checked))
        gtk_text_iter_forward_line (&checked);
      gtk_text_buffer_remove_tag (self->buffer, self->pending, &start, &checked);
      if (g_get_monotonic_time () >= until)
        {
          g_mutex_unlock (&enchant_lock);
          schedule (self, 0);
          return G_SOURCE_REMOVE;
        }
    }
  g_mutex_unlock (&enchant_lock);
  set_busy (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule (CourrielSpellChecker *self, guint delay_ms)
{
  if (!active (self))
    return;
  set_busy (self, TRUE);
  if (self->idle_source != 0)
    return;
  if (delay_ms == 0)
    self->idle_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, check_slice, self, NULL);
  else
    self->idle_source = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, delay_ms, check_slice, self, NULL);
}

/* Marks the paragraphs from @start's to @end's as to be checked. */
static void
set_pending (CourrielSpellChecker *self, const GtkTextIter *start, const GtkTextIter *end)
{
  GtkTextIter from = *start;
  GtkTextIter to = *end;

  gtk_text_iter_set_line_offset (&from, 0);
  if (!gtk_text_iter_ends_line (&to))
    gtk_text_iter_forward_to_line_end (&to);
  gtk_text_iter_forward_char (&to); /* the line's end too: an empty line is checked and done */
  gtk_text_buffer_apply_tag (self->buffer, self->pending, &from, &to);
  schedule (self, 0);
}

static void
recheck_all (CourrielSpellChecker *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  if (!active (self))
    {
      gtk_text_buffer_remove_tag (self->buffer, self->misspelled, &start, &end);
      set_busy (self, self->enabled && self->loading != NULL);
      return;
    }
  set_pending (self, &start, &end);
}

static void
on_insert_text (CourrielSpellChecker *self, GtkTextIter *location, const char *text, int length)
{
  GtkTextIter start = *location;
  GtkTextIter cursor;

  gtk_text_iter_backward_chars (&start, g_utf8_strlen (text, length));
  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  if (gtk_text_iter_equal (location, &cursor))
    {
      if (self->typing == NULL)
        self->typing = gtk_text_buffer_create_mark (self->buffer, NULL, location, FALSE);
      else
        gtk_text_buffer_move_mark (self->buffer, self->typing, location);
    }
  set_pending (self, &start, location);
}

static void
on_delete_range (CourrielSpellChecker *self, GtkTextIter *start, GtkTextIter *end)
{
  set_pending (self, start, end);
}

static void
on_mark_set (CourrielSpellChecker *self, const GtkTextIter *location, GtkTextMark *mark)
{
  GtkTextIter typing;

  if (mark != gtk_text_buffer_get_insert (self->buffer) || self->typing == NULL)
    return;
  /* The cursor left the word being typed: it is checked now. */
  gtk_text_buffer_get_iter_at_mark (self->buffer, &typing, self->typing);
  gtk_text_buffer_delete_mark (self->buffer, self->typing);
  self->typing = NULL;
  set_pending (self, &typing, &typing);
}

/* Dictionaries ------------------------------------------------------------------------------- */

static void
load_dict (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  EnchantDict *dict;

  g_mutex_lock (&enchant_lock);
  dict = enchant_broker_request_dict (get_broker (), task_data);
  g_mutex_unlock (&enchant_lock);
  if (dict == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No dictionary for “%s” is installed."),
                             (const char *)task_data);
  else
    g_task_return_pointer (task, dict, NULL);
}

static void
free_dict (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_mutex_lock (&enchant_lock);
  enchant_broker_free_dict (get_broker (), task_data);
  g_mutex_unlock (&enchant_lock);
  g_task_return_boolean (task, TRUE);
}

/* Enchant frees a dictionary when its last user lets it go; in a thread, as a load may hold
 * the lock. */
static void
release_dict (EnchantDict *dict)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_task_data (task, dict, NULL);
  run_in_enchant_thread (task, free_dict);
}

static void
on_dict_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielSpellChecker) self = user_data;
  g_autoptr (GError) error = NULL;
  EnchantDict *dict = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_task_get_cancellable (G_TASK (result)) != self->loading)
    {
      /* A later language (or finalize) replaced this load. */
      if (dict != NULL)
        release_dict (dict);
      return;
    }
  g_clear_object (&self->loading);
  if (dict == NULL)
    g_message ("%s", error->message);
  self->dict = dict;
  recheck_all (self);
}

void
courriel_spell_checker_set_language (CourrielSpellChecker *self, const char *language)
{
  g_auto (GStrv) languages = courriel_spell_checker_list_languages ();
  g_autofree char *code = NULL;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (COURRIEL_IS_SPELL_CHECKER (self));

  /* A dictionary remembered from before may have been uninstalled since: the default then. */
  code = has_language (languages, language) ? g_strdup (language) : courriel_spell_checker_default_language ();
  if (g_strcmp0 (code, self->language) == 0 && (self->dict != NULL || self->loading != NULL))
    return;
  g_free (self->language);
  self->language = g_steal_pointer (&code);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LANGUAGE]);

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->dict != NULL)
    release_dict (g_steal_pointer (&self->dict));
  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->language == NULL)
    {
      recheck_all (self);
      return;
    }
  self->loading = g_cancellable_new ();
  set_busy (self, self->enabled);
  task = g_task_new (NULL, self->loading, on_dict_loaded, g_object_ref (self));
  g_task_set_task_data (task, g_strdup (self->language), g_free);
  /* Not cancelled in the thread: the callback frees a dictionary no one wants any more. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  run_in_enchant_thread (task, load_dict);
}

const char *
courriel_spell_checker_get_language (CourrielSpellChecker *self)
{
  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), NULL);

  return self->language;
}

void
courriel_spell_checker_set_enabled (CourrielSpellChecker *self, gboolean enabled)
{
  g_return_if_fail (COURRIEL_IS_SPELL_CHECKER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  g_clear_handle_id (&self->idle_source, g_source_remove);
  recheck_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

gboolean
courriel_spell_checker_get_enabled (CourrielSpellChecker *self)
{
  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), FALSE);

  return self->enabled;
}

gboolean
courriel_spell_checker_get_busy (CourrielSpellChecker *self)
{
  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), FALSE);

  return self->busy;
}

GtkTextBuffer *
courriel_spell_checker_get_buffer (CourrielSpellChecker *self)
{
  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), NULL);

  return self->buffer;
}

GtkTextTag *
courriel_spell_checker_get_misspelled_tag (CourrielSpellChecker *self)
{
  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), NULL);

  return self->misspelled;
}

/**
 * courriel_spell_checker_get_misspelled_word:
 * @word: (out) (optional) (transfer full): the word's text
 *
 * Returns: whether the word at @iter (inside it or just after it) is underlined
 */
gboolean
courriel_spell_checker_get_misspelled_word (CourrielSpellChecker *self, const GtkTextIter *iter, GtkTextIter *start,
                                            GtkTextIter *end, char **word)
{
  GtkTextIter at = *iter;

  g_return_val_if_fail (COURRIEL_IS_SPELL_CHECKER (self), FALSE);

  if (!gtk_text_iter_has_tag (&at, self->misspelled) || gtk_text_iter_starts_tag (&at, self->misspelled))
    {
      /* Just after the word (the cursor at its end) counts as on it. */
      if (!gtk_text_iter_backward_char (&at) || !gtk_text_iter_has_tag (&at, self->misspelled))
        return FALSE;
    }
  *start = at;
  if (!gtk_text_iter_starts_tag (start, self->misspelled))
    gtk_text_iter_backward_to_tag_toggle (start, self->misspelled);
  *end = at;
  gtk_text_iter_forward_to_tag_toggle (end, self->misspelled);
  if (word != NULL)
    *word = gtk_text_iter_get_slice (start, end);
  return TRUE;
}

/* Suggestions -------------------------------------------------------------------------------- */

typedef struct
{
  EnchantDict *dict;
  char        *word;
  guint        max;
} Suggest;

static void
suggest_free (Suggest *suggest)
{
  g_free (suggest->word);
  g_free (suggest);
}

static void
suggest_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Suggest *suggest = task_data;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  size_t n = 0;
  char **found;

  g_mutex_lock (&enchant_lock);
  found = enchant_dict_suggest (suggest->dict, suggest->word, -1, &n);
  for (size_t i = 0; i < n && i < suggest->max; i++)
    g_strv_builder_add (builder, found[i]);
  if (found != NULL)
    enchant_dict_free_string_list (suggest->dict, found);
  g_mutex_unlock (&enchant_lock);
  g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify)g_strfreev);
}

/**
 * courriel_spell_checker_suggest_async:
 *
 * Fails with G_IO_ERROR_NOT_FOUND when no dictionary is loaded.
 */
void
courriel_spell_checker_suggest_async (CourrielSpellChecker *self, const char *word, guint max,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Suggest *suggest;

  g_return_if_fail (COURRIEL_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_spell_checker_suggest_async);
  if (self->dict == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No spelling dictionary is loaded."));
      return;
    }
  suggest = g_new0 (Suggest, 1);
  /* Freed only after this job ran, whatever happens to @self meanwhile (run_in_enchant_thread()). */
  suggest->dict = self->dict;
  suggest->word = straight_apostrophes (word);
  suggest->max = max;
  g_task_set_task_data (task, suggest, (GDestroyNotify)suggest_free);
  run_in_enchant_thread (task, suggest_in_thread);
}

GStrv
courriel_spell_checker_suggest_finish (CourrielSpellChecker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Personal words ----------------------------------------------------------------------------- */

void
courriel_spell_checker_add_word (CourrielSpellChecker *self, const char *word)
{
  g_autofree char *straight = NULL;

  g_return_if_fail (COURRIEL_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

  if (self->dict == NULL)
    return;
  straight = straight_apostrophes (word); /* as words are checked */
  g_mutex_lock (&enchant_lock);
  enchant_dict_add (self->dict, straight, -1);
  g_mutex_unlock (&enchant_lock);
  recheck_all (self);
}

void
courriel_spell_checker_ignore_word (CourrielSpellChecker *self, const char *word)
{
  g_return_if_fail (COURRIEL_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

  g_hash_table_add (self->ignored, straight_apostrophes (word));
  recheck_all (self);
}

/* GObject ------------------------------------------------------------------------------------ */

static void
courriel_spell_checker_constructed (GObject *object)
{
  CourrielSpellChecker *self = COURRIEL_SPELL_CHECKER (object);
  GdkRGBA red = { 0.88, 0.11, 0.14, 1.0 };

  G_OBJECT_CLASS (courriel_spell_checker_parent_class)->constructed (object);

  self->misspelled = gtk_text_buffer_create_tag (self->buffer, NULL, "underline", PANGO_UNDERLINE_ERROR,
                                                 "underline-rgba", &red, NULL);
  self->pending = gtk_text_buffer_create_tag (self->buffer, NULL, NULL);
  g_signal_connect_object (self->buffer, "insert-text", G_CALLBACK (on_insert_text), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->buffer, "delete-range", G_CALLBACK (on_delete_range), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->buffer, "mark-set", G_CALLBACK (on_mark_set), self, G_CONNECT_SWAPPED);
  courriel_spell_checker_set_language (self, NULL);
}

static void
courriel_spell_checker_dispose (GObject *object)
{
  CourrielSpellChecker *self = COURRIEL_SPELL_CHECKER (object);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->dict != NULL)
    release_dict (g_steal_pointer (&self->dict));
  if (self->buffer != NULL)
    {
      GtkTextTagTable *table = gtk_text_buffer_get_tag_table (self->buffer);

      g_signal_handlers_disconnect_by_data (self->buffer, self);
      if (self->typing != NULL)
        gtk_text_buffer_delete_mark (self->buffer, self->typing);
      self->typing = NULL;
      if (self->misspelled != NULL)
        gtk_text_tag_table_remove (table, self->misspelled);
      if (self->pending != NULL)
        gtk_text_tag_table_remove (table, self->pending);
      self->misspelled = NULL;
      self->pending = NULL;
    }
  g_clear_object (&self->buffer);

  G_OBJECT_CLASS (courriel_spell_checker_parent_class)->dispose (object);
}

static void
courriel_spell_checker_finalize (GObject *object)
{
  CourrielSpellChecker *self = COURRIEL_SPELL_CHECKER (object);

  g_free (self->language);
  g_hash_table_unref (self->ignored);

  G_OBJECT_CLASS (courriel_spell_checker_parent_class)->finalize (object);
}

static void
courriel_spell_checker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielSpellChecker *self = COURRIEL_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_BUFFER:
      g_value_set_object (value, self->buffer);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_spell_checker_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielSpellChecker *self = COURRIEL_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_BUFFER:
      self->buffer = g_value_dup_object (value);
      break;
    case PROP_LANGUAGE:
      courriel_spell_checker_set_language (self, g_value_get_string (value));
      break;
    case PROP_ENABLED:
      courriel_spell_checker_set_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_spell_checker_class_init (CourrielSpellCheckerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = courriel_spell_checker_constructed;
  object_class->dispose = courriel_spell_checker_dispose;
  object_class->finalize = courriel_spell_checker_finalize;
  object_class->get_property = courriel_spell_checker_get_property;
  object_class->set_property = courriel_spell_checker_set_property;

  properties[PROP_BUFFER] = g_param_spec_object ("buffer", NULL, NULL, GTK_TYPE_TEXT_BUFFER,
                                                 G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LANGUAGE] = g_param_spec_string ("language", NULL, NULL, NULL,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
courriel_spell_checker_init (CourrielSpellChecker *self)
{
  self->enabled = TRUE;
  self->ignored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * courriel_spell_checker_new:
 *
 * Returns: (transfer full): a checker of @buffer, enabled, with the default language
 */
CourrielSpellChecker *
courriel_spell_checker_new (GtkTextBuffer *buffer)
{
  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), NULL);

  return g_object_new (COURRIEL_TYPE_SPELL_CHECKER, "buffer", buffer, NULL);
}
