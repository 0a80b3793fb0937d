/* courriel-imap-parser.c — a push parser for IMAP server responses, bounded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bytes come in chunks of any size. A response is a line, or lines joined by literals
 * ({n}, {n+}, ~{n}): the parser first cuts the stream into a response's text segments and
 * literals, with a limit on the text, on each literal kept in memory (larger ones go to a
 * sink), and on nesting; then it tokenises the complete response. Malformed input is a
 * COURRIEL_IMAP_ERROR_PROTOCOL or _LIMIT error, after which the parser takes nothing more:
 * the connection is not to be trusted.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-parser.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "courriel-imap-error.h"
#include "courriel-imap-response-private.h"

#define DEFAULT_MAX_LINE (1024 * 1024)
#define DEFAULT_MAX_LITERAL (32 * 1024 * 1024)
#define DEFAULT_MAX_DEPTH 64
#define MAX_RESPONSES_QUEUED 100000

struct _CourrielImapParser
{
  GObject                 parent_instance;

  gsize                   max_line;
  gsize                   max_literal;
  guint                   max_depth;
  gboolean                utf8;

  CourrielImapLiteralSink sink;
  gpointer                sink_data;
  GDestroyNotify          sink_destroy;

  GByteArray             *line;      /* the line being received */
  GPtrArray              *segments;  /* GByteArray*: the current response's lines */
  GPtrArray              *literals;  /* CourrielImapValue*: its literals, one after each segment but the last */
  gsize                   text_size; /* of all its segments */

  gboolean                in_literal;
  guint64                 literal_size;
  guint64                 literal_remaining;
  GByteArray             *literal;   /* kept in memory, or NULL when streaming */
  char                   *literal_item;

  GQueue                  responses;
  gboolean                failed;
};

G_DEFINE_FINAL_TYPE (CourrielImapParser, courriel_imap_parser, G_TYPE_OBJECT)

static gboolean
fail (CourrielImapParser *self, GError **error, CourrielImapError code, const char *message)
{
  self->failed = TRUE;
  g_set_error_literal (error, COURRIEL_IMAP_ERROR, code, message);
  return FALSE;
}

/* Tokenising a complete response ------------------------------------------------------------- */

typedef struct
{
  CourrielImapParser *parser;
  GPtrArray          *segments;
  GPtrArray          *literals;
  guint               segment;
  gsize               pos;
  guint               depth;
} Cursor;

static GByteArray *
current (Cursor *c)
{
  return c->segments->pdata[c->segment];
}

/* The next byte of the current segment, or -1 at its end. */
static int
peek (Cursor *c)
{
  GByteArray *segment = current (c);

  return c->pos < segment->len ? segment->data[c->pos] : -1;
}

static gboolean
at_end (Cursor *c)
{
  return peek (c) == -1 && c->segment + 1 >= c->segments->len;
}

static void
skip_spaces (Cursor *c)
{
  while (peek (c) == ' ')
    c->pos++;
}

/* Is the rest of the current segment a literal marker ("{12}", "{12+}", "~{12}")? */
static gboolean
at_literal_marker (Cursor *c)
{
  GByteArray *segment = current (c);

  if (c->segment >= c->literals->len || c->pos >= segment->len
      || memchr (segment->data + c->pos, ' ', segment->len - c->pos) != NULL)
    return FALSE;
  if (peek (c) == '~')
    return c->pos + 1 < segment->len && segment->data[c->pos + 1] == '{' && segment->data[segment->len - 1] == '}';
  return peek (c) == '{' && segment->data[segment->len - 1] == '}';
}

static CourrielImapValue *
take_literal (Cursor *c)
{
  CourrielImapValue *value = courriel_imap_value_ref (c->literals->pdata[c->segment]);

  c->segment++;
  c->pos = 0;
  return value;
}

static gboolean
is_atom_end (int ch, gboolean in_code)
{
  return ch == -1 || ch == ' ' || ch == '(' || ch == ')' || ch == '"' || (in_code && ch == ']') || ch < 0x20
         || ch == 0x7f;
}

static CourrielImapValue *read_value (Cursor *c, gboolean in_code, GError **error);

static CourrielImapValue *
read_list (Cursor *c, gboolean in_code, GError **error)
{
  g_autoptr (CourrielImapValue) list = courriel_imap_value_new_list ();

  if (++c->depth > c->parser->max_depth)
    {
      g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_LIMIT,
                   _("The mail server sent lists nested more than %u deep."), c->parser->max_depth);
      return NULL;
    }
  c->pos++; /* ( */
  for (;;)
    {
      CourrielImapValue *item;

      skip_spaces (c);
      if (peek (c) == ')')
        {
          c->pos++;
          break;
        }
      if (peek (c) == -1 && !at_literal_marker (c))
        {
          g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                               _("The mail server sent a list that never ends."));
          return NULL;
        }
      item = read_value (c, in_code, error);
      if (item == NULL)
        return NULL;
      courriel_imap_value_append (list, item);
    }
  c->depth--;
  return g_steal_pointer (&list);
}

static CourrielImapValue *
read_quoted (Cursor *c, GError **error)
{
  g_autoptr (GByteArray) text = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  int ch;

  c->pos++; /* " */
  while ((ch = peek (c)) != '"')
    {
      guint8 byte;

      if (ch == '\\')
        {
          c->pos++;
          ch = peek (c);
        }
      if (ch == -1)
        {
          g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                               _("The mail server sent a quoted string that never ends."));
          return NULL;
        }
      byte = (guint8)ch;
      g_byte_array_append (text, &byte, 1);
      c->pos++;
    }
  c->pos++;
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&text));
  return courriel_imap_value_new_string (bytes);
}

static CourrielImapValue *
read_atom (Cursor *c, gboolean in_code, GError **error)
{
  GByteArray *segment = current (c);
  gsize start = c->pos;
  int ch;

  while (!is_atom_end (ch = peek (c), in_code))
    {
      c->pos++;
      /* BODY[HEADER.FIELDS (FROM TO)]<0>: a section may hold spaces and parentheses. */
      if (ch == '[')
        {
          while ((ch = peek (c)) != ']' && ch != -1)
            c->pos++;
          if (ch == -1)
            {
              g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                                   _("The mail server sent a section that never ends."));
              return NULL;
            }
          c->pos++;
        }
    }
  if (c->pos == start)
    {
      g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                   _("The mail server sent something unexpected (byte 0x%02x)."), (guint)(ch & 0xff));
      return NULL;
    }
  if (c->pos - start == 3 && g_ascii_strncasecmp ((const char *)segment->data + start, "NIL", 3) == 0)
    return courriel_imap_value_new_nil ();
  return courriel_imap_value_new_atom ((const char *)segment->data + start, c->pos - start);
}

static CourrielImapValue *
read_value (Cursor *c, gboolean in_code, GError **error)
{
  skip_spaces (c);
  if (at_literal_marker (c))
    return take_literal (c);
  switch (peek (c))
    {
    case '(':
      return read_list (c, in_code, error);
    case '"':
      return read_quoted (c, error);
    default:
      return read_atom (c, in_code, error);
    }
}

/* Values up to the end of the response. */
static CourrielImapValue *
read_rest (Cursor *c, GError **error)
{
  g_autoptr (CourrielImapValue) list = courriel_imap_value_new_list ();

  for (;;)
    {
      CourrielImapValue *item;

      skip_spaces (c);
      if (at_end (c))
        break;
      if (peek (c) == -1 && !at_literal_marker (c))
        {
          g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                               _("The mail server sent a literal in an unexpected place."));
          return NULL;
        }
      item = read_value (c, FALSE, error);
      if (item == NULL)
        return NULL;
      courriel_imap_value_append (list, item);
    }
  return g_steal_pointer (&list);
}

/* The rest of the response as text (literals included as they are). */
static char *
read_text (Cursor *c)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (;;)
    {
      GByteArray *segment = current (c);

      if (c->pos < segment->len)
        g_string_append_len (text, (const char *)segment->data + c->pos, segment->len - c->pos);
      if (c->segment + 1 >= c->segments->len)
        break;
      {
        GBytes *bytes = courriel_imap_value_get_bytes (c->literals->pdata[c->segment]);
        if (bytes != NULL)
          g_string_append_len (text, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      }
      c->segment++;
      c->pos = 0;
    }
  return g_utf8_make_valid (text->str, text->len);
}

static char *
read_word (Cursor *c)
{
  GByteArray *segment = current (c);
  gsize start = c->pos;

  while (peek (c) != -1 && peek (c) != ' ')
    c->pos++;
  /* An empty line has no data at all (found by fuzzing). */
  if (c->pos == start)
    return g_strdup ("");
  return g_strndup ((const char *)segment->data + start, c->pos - start);
}

static CourrielImapStatus
status_from_word (const char *word)
{
  const char *names[] = { "OK", "NO", "BAD", "PREAUTH", "BYE" };
  const CourrielImapStatus values[] = { COURRIEL_IMAP_STATUS_OK, COURRIEL_IMAP_STATUS_NO, COURRIEL_IMAP_STATUS_BAD,
                                        COURRIEL_IMAP_STATUS_PREAUTH, COURRIEL_IMAP_STATUS_BYE };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (word, names[i]) == 0)
      return values[i];
  return COURRIEL_IMAP_STATUS_NONE;
}

/* resp-text: ["[" code [SP args] "]" SP] text. A "[" that does not make a code is text. */
static void
read_status_text (Cursor *c, CourrielImapResponse *response)
{
  skip_spaces (c);
  if (peek (c) == '[')
    {
      Cursor saved = *c;
      g_autoptr (CourrielImapValue) args = courriel_imap_value_new_list ();
      g_autofree char *name = NULL;
      gsize start;
      gboolean ok = TRUE;

      c->pos++;
      start = c->pos;
      while (!is_atom_end (peek (c), TRUE))
        c->pos++;
      name = g_strndup ((const char *)current (c)->data + start, c->pos - start);
      while (ok)
        {
          CourrielImapValue *item;

          skip_spaces (c);
          if (peek (c) == ']')
            break;
          if (peek (c) == -1 && !at_literal_marker (c))
            {
              ok = FALSE;
              break;
            }
          item = read_value (c, TRUE, NULL);
          if (item == NULL)
            ok = FALSE;
          else
            courriel_imap_value_append (args, item);
        }
      if (ok && *name != '\0' && peek (c) == ']')
        {
          c->pos++;
          response->code_name = g_ascii_strup (name, -1);
          response->code = courriel_imap_code_from_name (name);
          response->code_value = g_steal_pointer (&args);
          if (peek (c) == ' ')
            c->pos++;
        }
      else
        {
          *c = saved;
          c->depth = 0;
        }
    }
  response->text = read_text (c);
}

static CourrielImapResponse *
tokenise (CourrielImapParser *self, GError **error)
{
  Cursor cursor = { self, self->segments, self->literals, 0, 0, 0 };
  Cursor *c = &cursor;
  g_autoptr (CourrielImapResponse) response = NULL;
  g_autofree char *first = NULL;
  g_autofree char *word = NULL;

  if (peek (c) == '+')
    {
      response = courriel_imap_response_new (COURRIEL_IMAP_RESPONSE_CONTINUATION);
      c->pos++;
      if (peek (c) == ' ')
        c->pos++;
      response->text = read_text (c);
      return g_steal_pointer (&response);
    }

  first = read_word (c);
  if (*first == '\0')
    {
      g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                           _("The mail server sent an empty line."));
      return NULL;
    }
  skip_spaces (c);

  if (g_str_equal (first, "*"))
    {
      response = courriel_imap_response_new (COURRIEL_IMAP_RESPONSE_UNTAGGED);
      word = read_word (c);
      if (*word != '\0' && strspn (word, "0123456789") == strlen (word))
        {
          guint64 number = g_ascii_strtoull (word, NULL, 10);

          if (strlen (word) > 10 || number > G_MAXUINT32)
            {
              g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                                   _("The mail server sent a message number out of range."));
              return NULL;
            }
          response->has_number = TRUE;
          response->number = (guint32)number;
          skip_spaces (c);
          g_free (word);
          word = read_word (c);
        }
      if (*word == '\0')
        {
          g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                               _("The mail server sent a response without a name."));
          return NULL;
        }
      response->status = response->has_number ? COURRIEL_IMAP_STATUS_NONE : status_from_word (word);
      if (response->status != COURRIEL_IMAP_STATUS_NONE)
        read_status_text (c, response);
      else
        {
          response->name = g_ascii_strup (word, -1);
          response->data = read_rest (c, error);
          if (response->data == NULL)
            return NULL;
        }
      return g_steal_pointer (&response);
    }

  response = courriel_imap_response_new (COURRIEL_IMAP_RESPONSE_TAGGED);
  response->tag = g_steal_pointer (&first);
  word = read_word (c);
  response->status = status_from_word (word);
  if (response->status != COURRIEL_IMAP_STATUS_OK && response->status != COURRIEL_IMAP_STATUS_NO
      && response->status != COURRIEL_IMAP_STATUS_BAD)
    {
      g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                           _("The mail server answered a command with neither OK, NO nor BAD."));
      return NULL;
    }
  read_status_text (c, response);
  return g_steal_pointer (&response);
}

/* Cutting the stream into responses ------------------------------------------------------------- */

static void
clear_response_parts (CourrielImapParser *self)
{
  g_ptr_array_set_size (self->segments, 0);
  g_ptr_array_set_size (self->literals, 0);
  self->text_size = 0;
}

static gboolean
finish_response (CourrielImapParser *self, GError **error)
{
  CourrielImapResponse *response;

  if (self->responses.length >= MAX_RESPONSES_QUEUED)
    return fail (self, error, COURRIEL_IMAP_ERROR_LIMIT, _("Too many responses are waiting to be read."));
  response = tokenise (self, error);
  clear_response_parts (self);
  if (response == NULL)
    {
      self->failed = TRUE;
      return FALSE;
    }
  g_queue_push_tail (&self->responses, response);
  return TRUE;
}

/* The FETCH item a literal belongs to: the word before the marker ("BODY[]" in "BODY[] {12}"). */
static char *
item_before_marker (const guint8 *line, gsize marker)
{
  gsize end = marker;
  gsize start;

  while (end > 0 && line[end - 1] == ' ')
    end--;
  start = end;
  while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '(')
    start--;
  return start < end ? g_strndup ((const char *)line + start, end - start) : NULL;
}

static gboolean
end_literal (CourrielImapParser *self)
{
  CourrielImapValue *value;

  if (self->literal != NULL)
    {
      GBytes *bytes = g_byte_array_free_to_bytes (g_steal_pointer (&self->literal));
      value = courriel_imap_value_new_string (bytes);
      g_bytes_unref (bytes);
    }
  else
    value = courriel_imap_value_new_streamed (self->literal_size);
  g_ptr_array_add (self->literals, value);
  g_clear_pointer (&self->literal_item, g_free);
  self->in_literal = FALSE;
  return TRUE;
}

/* A line is complete (without its line end): a response ends, or a literal begins. */
static gboolean
end_line (CourrielImapParser *self, GError **error)
{
  GByteArray *line = g_steal_pointer (&self->line);
  gsize len = line->len;
  gsize open;
  guint64 size = 0;

  self->line = g_byte_array_new ();
  if (len > 0 && line->data[len - 1] == '\r')
    g_byte_array_set_size (line, --len);
  g_ptr_array_add (self->segments, line);

  /* A literal marker ends the line: {digits} or {digits+}, maybe ~{…} for literal8. */
  if (len < 3 || line->data[len - 1] != '}')
    return finish_response (self, error);
  open = len - 1;
  while (open > 0 && line->data[open - 1] != '{')
    open--;
  if (open == 0)
    return finish_response (self, error);
  {
    gsize digits_end = len - 1;
    gsize ndigits;

    if (digits_end > open && line->data[digits_end - 1] == '+')
      digits_end--;
    ndigits = digits_end - open;
    for (gsize i = open; i < digits_end; i++)
      if (!g_ascii_isdigit (line->data[i]))
        return finish_response (self, error); /* "{" in text: not a literal */
    if (ndigits == 0)
      return finish_response (self, error);
    if (ndigits > 18)
      return fail (self, error, COURRIEL_IMAP_ERROR_LIMIT, _("The mail server announced an impossibly large literal."));
    for (gsize i = open; i < digits_end; i++)
      size = size * 10 + (line->data[i] - '0');
  }

  self->in_literal = TRUE;
  self->literal_size = size;
  self->literal_remaining = size;
  self->literal_item = item_before_marker (line->data, open - 1 - (open >= 2 && line->data[open - 2] == '~'));
  if (size > self->max_literal)
    {
      if (self->sink == NULL)
        return fail (self, error, COURRIEL_IMAP_ERROR_LIMIT,
                     _("The mail server sent a literal larger than Courriel keeps in memory."));
      self->literal = NULL; /* streamed to the sink */
    }
  else
    self->literal = g_byte_array_sized_new ((guint)MIN (size, 64 * 1024));
  if (size == 0)
    return end_literal (self);
  return TRUE;
}

gboolean
courriel_imap_parser_feed (CourrielImapParser *self, const guint8 *data, gsize length, GError **error)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_PARSER (self), FALSE);

  if (self->failed)
    return fail (self, error, COURRIEL_IMAP_ERROR_PROTOCOL, _("The IMAP session is broken."));

  while (length > 0)
    {
      if (self->in_literal)
        {
          gsize n = (gsize)MIN ((guint64)length, self->literal_remaining);

          if (self->literal != NULL)
            g_byte_array_append (self->literal, data, n);
          else
            self->sink (self->literal_item, self->literal_size, data, n, self->literal_remaining == n,
                        self->sink_data);
          self->literal_remaining -= n;
          data += n;
          length -= n;
          if (self->literal_remaining == 0)
            end_literal (self);
          continue;
        }

      {
        const guint8 *newline = memchr (data, '\n', length);
        gsize n = newline != NULL ? (gsize)(newline - data) : length;

        if (self->text_size + n > self->max_line)
          return fail (self, error, COURRIEL_IMAP_ERROR_LIMIT,
                       _("The mail server sent a response longer than Courriel accepts."));
        g_byte_array_append (self->line, data, n);
        self->text_size += n;
        if (newline == NULL)
          return TRUE;
        data += n + 1;
        length -= n + 1;
        if (!end_line (self, error))
          return FALSE;
      }
    }
  return TRUE;
}

/* The next complete response, or NULL. */
CourrielImapResponse *
courriel_imap_parser_pop (CourrielImapParser *self)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_PARSER (self), NULL);
  return g_queue_pop_head (&self->responses);
}

/* Forgets everything received and not yet taken (after STARTTLS). */
void
courriel_imap_parser_reset (CourrielImapParser *self)
{
  g_return_if_fail (COURRIEL_IS_IMAP_PARSER (self));

  g_byte_array_set_size (self->line, 0);
  clear_response_parts (self);
  g_clear_pointer (&self->literal, g_byte_array_unref);
  g_clear_pointer (&self->literal_item, g_free);
  self->in_literal = FALSE;
  g_queue_clear_full (&self->responses, (GDestroyNotify)courriel_imap_response_unref);
  self->failed = FALSE;
}

void
courriel_imap_parser_set_limits (CourrielImapParser *self, gsize max_line, gsize max_literal_in_memory,
                                 guint max_depth)
{
  g_return_if_fail (COURRIEL_IS_IMAP_PARSER (self));

  self->max_line = max_line > 0 ? max_line : DEFAULT_MAX_LINE;
  self->max_literal = max_literal_in_memory;
  self->max_depth = max_depth > 0 ? max_depth : DEFAULT_MAX_DEPTH;
}

void
courriel_imap_parser_set_literal_sink (CourrielImapParser *self, CourrielImapLiteralSink sink, gpointer user_data,
                                       GDestroyNotify destroy)
{
  g_return_if_fail (COURRIEL_IS_IMAP_PARSER (self));

  if (self->sink_destroy != NULL)
    self->sink_destroy (self->sink_data);
  self->sink = sink;
  self->sink_data = user_data;
  self->sink_destroy = destroy;
}

/* After ENABLE UTF8=ACCEPT (RFC 6855): mailbox names are UTF-8, not modified UTF-7. */
void
courriel_imap_parser_set_utf8 (CourrielImapParser *self, gboolean utf8_accept)
{
  g_return_if_fail (COURRIEL_IS_IMAP_PARSER (self));
  self->utf8 = utf8_accept;
}

gboolean
courriel_imap_parser_get_utf8 (CourrielImapParser *self)
{
  g_return_val_if_fail (COURRIEL_IS_IMAP_PARSER (self), FALSE);
  return self->utf8;
}

static void
courriel_imap_parser_finalize (GObject *object)
{
  CourrielImapParser *self = COURRIEL_IMAP_PARSER (object);

  courriel_imap_parser_reset (self);
  courriel_imap_parser_set_literal_sink (self, NULL, NULL, NULL);
  g_byte_array_unref (self->line);
  g_ptr_array_unref (self->segments);
  g_ptr_array_unref (self->literals);

  G_OBJECT_CLASS (courriel_imap_parser_parent_class)->finalize (object);
}

static void
courriel_imap_parser_class_init (CourrielImapParserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_imap_parser_finalize;
}

static void
courriel_imap_parser_init (CourrielImapParser *self)
{
  self->max_line = DEFAULT_MAX_LINE;
  self->max_literal = DEFAULT_MAX_LITERAL;
  self->max_depth = DEFAULT_MAX_DEPTH;
  self->line = g_byte_array_new ();
  self->segments = g_ptr_array_new_with_free_func ((GDestroyNotify)g_byte_array_unref);
  self->literals = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_value_unref);
}

CourrielImapParser *
courriel_imap_parser_new (void)
{
  return g_object_new (COURRIEL_TYPE_IMAP_PARSER, NULL);
}
