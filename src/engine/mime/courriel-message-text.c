/* courriel-message-text.c — a downloaded message's readable text, preview and attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parses a raw RFC 5322 message with GMime and walks its parts, numbered as IMAP numbers them
 * (RFC 3501 BODY[section]). Readable parts give the text of the full-text index: text/plain
 * decoded to UTF-8, or the HTML of a part without plain text turned into plain text; messages
 * forwarded inline are read too. Attachments are listed, never read. A broken message gives
 * what can be read of it, and whatever comes out is valid UTF-8.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-message-text.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "courriel-gmime-autoptr.h"

#define MAX_DEPTH      32
#define PREVIEW_LENGTH 200 /* characters, "…" included */

typedef struct
{
  GString   *text;
  GPtrArray *attachments;
} Walk;

typedef struct
{
  GString *out;
  gboolean space;    /* whitespace seen since the last character */
  guint    newlines; /* line breaks due before the next character */
  gboolean unquoted; /* a quote was never closed: tags end at the first ">" */
} HtmlText;

typedef enum
{
  TAG_HIDDEN,    /* its content is never shown */
  TAG_PARAGRAPH,
  TAG_LINE,
  TAG_SPACE,
} TagEffect;

static const struct
{
  const char *name;
  gunichar    c;     /* 0: nothing */
} entities[] = {
  { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' }, { "nbsp", ' ' },
  { "eacute", 0xe9 }, { "Eacute", 0xc9 }, { "egrave", 0xe8 }, { "Egrave", 0xc8 }, { "ecirc", 0xea },
  { "euml", 0xeb }, { "agrave", 0xe0 }, { "Agrave", 0xc0 }, { "acirc", 0xe2 }, { "auml", 0xe4 },
  { "ccedil", 0xe7 }, { "Ccedil", 0xc7 }, { "icirc", 0xee }, { "iuml", 0xef }, { "ocirc", 0xf4 },
  { "ouml", 0xf6 }, { "ugrave", 0xf9 }, { "ucirc", 0xfb }, { "uuml", 0xfc }, { "oelig", 0x153 },
  { "szlig", 0xdf }, { "ntilde", 0xf1 }, { "aacute", 0xe1 }, { "iacute", 0xed }, { "oacute", 0xf3 },
  { "uacute", 0xfa }, { "laquo", 0xab }, { "raquo", 0xbb }, { "euro", 0x20ac }, { "copy", 0xa9 },
  { "reg", 0xae }, { "trade", 0x2122 }, { "deg", 0xb0 }, { "middot", 0xb7 }, { "bull", 0x2022 },
  { "hellip", 0x2026 }, { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
  { "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d }, { "shy", 0 }, { "zwnj", 0 },
  { "zwj", 0 },
};

void
courriel_attachment_info_free (CourrielAttachmentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->section);
  g_free (info->filename);
  g_free (info->mime_type);
  g_free (info->content_id);
  g_free (info->disposition);
  g_free (info);
}

void
courriel_message_text_free (CourrielMessageText *self)
{
  if (self == NULL)
    return;
  g_free (self->text);
  g_free (self->preview);
  g_free (self->subject);
  g_free (self->from);
  g_free (self->to);
  g_free (self->cc);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_free (self->references);
  g_free (self->auth_results);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self);
}

/* The bytes without NUL or control characters, with "\n" line ends. */
static char *
clean_bytes (const char *data, gsize length)
{
  GString *out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = data[i];

      if (c == '\r' && i + 1 < length && data[i + 1] == '\n')
        continue;
      if (c == '\r')
        c = '\n';
      else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        c = ' ';
      g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

static char *
convert (const char *data, gsize length, const char *charset)
{
  gsize written = 0;
  g_autofree char *out = g_convert (data, length, "UTF-8", charset, NULL, &written, NULL);

  return out != NULL ? clean_bytes (out, written) : NULL;
}

/* Text in the charset its part declares, else UTF-8, else windows-1252 (what mail said to be
 * latin1 or ASCII usually is), else latin1, which reads any byte. Always valid UTF-8. */
static char *
to_utf8 (const char *data, gsize length, const char *charset)
{
  const char *name = charset != NULL ? g_mime_charset_iconv_name (charset) : NULL;
  g_autofree char *cleaned = NULL;
  char *out = NULL;

  if (length == 0)
    return g_strdup ("");
  if (name == NULL)
    name = "UTF-8";
  if (g_ascii_strcasecmp (name, "iso-8859-1") == 0 || g_ascii_strcasecmp (name, "latin1") == 0)
    out = convert (data, length, "WINDOWS-1252");
  if (out == NULL && g_ascii_strcasecmp (name, "UTF-8") != 0 && g_ascii_strcasecmp (name, "us-ascii") != 0
      && g_ascii_strcasecmp (name, "ascii") != 0)
    out = convert (data, length, name);
  if (out == NULL)
    {
      cleaned = clean_bytes (data, length);
      if (g_utf8_validate (cleaned, -1, NULL))
        return g_steal_pointer (&cleaned);
      out = convert (cleaned, strlen (cleaned), "WINDOWS-1252");
    }
  if (out == NULL)
    out = convert (cleaned, strlen (cleaned), "ISO-8859-1");
  if (out == NULL || !g_utf8_validate (out, -1, NULL))
    {
      g_autofree char *invalid = out != NULL ? out : g_steal_pointer (&cleaned);

      out = g_utf8_make_valid (invalid, -1);
    }
  return out;
}

/* A header value as UTF-8, NULL when absent or empty. */
static char *
header_text (const char *value)
{
  return value != NULL && *value != '\0' ? to_utf8 (value, strlen (value), NULL) : NULL;
}

static void
html_append (HtmlText *html, const char *text, gsize length)
{
  if (html->out->len > 0 && html->newlines > 0)
    g_string_append_len (html->out, "\n\n", MIN (html->newlines, 2));
  else if (html->out->len > 0 && html->space)
    g_string_append_c (html->out, ' ');
  html->newlines = 0;
  html->space = FALSE;
  g_string_append_len (html->out, text, length);
}

/* What follows "</name" after p, or NULL. */
static const char *
find_closing_tag (const char *p, const char *name)
{
  gsize length = strlen (name);

  for (; (p = strstr (p, "</")) != NULL; p += 2)
    if (g_ascii_strncasecmp (p + 2, name, length) == 0 && !g_ascii_isalnum (p[2 + length]))
      return p + 2 + length;
  return NULL;
}

/* The ">" that ends the tag at p, after quoted attribute values; once a quote was never
 * closed, the first ">" (and no page is read twice to the end). */
static const char *
find_tag_end (HtmlText *html, const char *p)
{
  char quote = 0, previous = 0;
  const char *q;

  for (q = p; *q != '\0' && (quote != 0 || *q != '>') && !html->unquoted; q++)
    {
      if (quote != 0 && *q == quote)
        quote = 0;
      else if (quote == 0 && (*q == '"' || *q == '\'') && previous == '=')
        quote = *q;
      if (!g_ascii_isspace (*q))
        previous = *q;
    }
  html->unquoted = html->unquoted || quote != 0;
  return html->unquoted ? p + strcspn (p, ">") : q;
}

/* Reads a tag, a comment or a doctype at p; returns what follows it. */
static const char *
html_tag (HtmlText *html, const char *p)
{
  static const struct
  {
    const char *names;
    TagEffect   effect;
  } tags[] = {
    { " script style title ", TAG_HIDDEN }, /* all that <head> holds to read */
    { " p h1 h2 h3 h4 h5 h6 table ul ol blockquote hr pre ", TAG_PARAGRAPH },
    { " br div li tr dt dd section article header footer center ", TAG_LINE },
    { " td th img ", TAG_SPACE },
  };
  const char *q = p + 1 + (p[1] == '/');
  char name[16] = " "; /* " name ", as in tags[].names */
  gsize length = 1;

  if (g_str_has_prefix (p, "<!--"))
    return (q = strstr (p + 4, "-->")) != NULL ? q + 3 : p + strlen (p);
  for (; g_ascii_isalnum (*q); q++)
    if (length < sizeof name - 2)
      name[length++] = g_ascii_tolower (*q);
  name[length] = ' ';
  if (length == 1 && *q != '!' && *q != '?')
    {
      html_append (html, "<", 1);
      return p + 1;
    }
  if (*(q = find_tag_end (html, q)) == '\0')
    return q;
  q++;
  for (guint i = 0; length > 1 && i < G_N_ELEMENTS (tags); i++)
    {
      const char *end;

      if (strstr (tags[i].names, name) == NULL)
        continue;
      if (tags[i].effect == TAG_SPACE)
        html->space = TRUE;
      else if (tags[i].effect != TAG_HIDDEN)
        html->newlines = MAX (html->newlines, tags[i].effect == TAG_PARAGRAPH ? 2 : 1);
      else if (p[1] == '/')
        return q;
      else if ((end = find_closing_tag (q, g_strstrip (name))) != NULL && strchr (end, '>') != NULL)
        return strchr (end, '>') + 1;
      else
        return q + strlen (q);
    }
  return q;
}

/* Reads an entity at p ("&eacute;", "&#233;", "&#xe9;"); returns what follows it. */
static const char *
html_entity (HtmlText *html, const char *p)
{
  const char *q = p + 1;
  gunichar c = G_MAXUINT32;
  char utf8[6];

  if (*q == '#')
    {
      gboolean hex = q[1] == 'x' || q[1] == 'X';
      const char *digits = q + (hex ? 2 : 1);
      guint64 value = 0;

      for (q = digits; hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q); q++)
        value = MIN (value * (hex ? 16 : 10) + g_ascii_xdigit_value (*q), G_MAXUINT32);
      if (q > digits)
        c = value != 0 && g_unichar_validate ((gunichar)value) ? (gunichar)value : 0xfffd;
    }
  else
    {
      for (guint i = 0; c == G_MAXUINT32 && i < G_N_ELEMENTS (entities); i++)
        {
          gsize length = strlen (entities[i].name);

          if (strncmp (q, entities[i].name, length) == 0 && !g_ascii_isalnum (q[length]))
            {
              c = entities[i].c;
              q += length;
            }
        }
    }
  if (c == G_MAXUINT32)
    {
      html_append (html, "&", 1);
      return p + 1;
    }
  if (*q == ';')
    q++;
  if (g_unichar_isspace (c))
    html->space = TRUE;
  else if (c != 0 && !g_unichar_iscntrl (c) && g_unichar_type (c) != G_UNICODE_FORMAT)
    html_append (html, utf8, g_unichar_to_utf8 (c, utf8));
  return q;
}

/* What a reader sees of an HTML page, as plain text. */
static char *
html_to_text (const char *page)
{
  HtmlText html = { g_string_new (NULL), FALSE, 0, FALSE };

  for (const char *p = page; *p != '\0';)
    {
      if (*p == '<')
        p = html_tag (&html, p);
      else if (*p == '&')
        p = html_entity (&html, p);
      else if (g_ascii_isspace (*p))
        {
          html.space = TRUE;
          p++;
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          html_append (&html, p, next - p);
          p = next;
        }
    }
  return g_string_free (html.out, FALSE);
}

/* The decoded bytes of a leaf (base64, quoted-printable undone) are written to stream. */
static void
write_decoded (GMimeObject *object, GMimeStream *stream)
{
  GMimeMessage *message;

  if (GMIME_IS_PART (object) && g_mime_part_get_content (GMIME_PART (object)) != NULL)
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (object)), stream);
  else if (GMIME_IS_MESSAGE_PART (object)
           && (message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object))) != NULL)
    g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, stream);
}

static void
append_text (Walk *walk, GMimeObject *part, gboolean html)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *bytes;
  g_autofree char *text = NULL;

  write_decoded (part, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  text = to_utf8 ((const char *)bytes->data, bytes->len, g_mime_object_get_content_type_parameter (part, "charset"));
  if (html)
    {
      g_autofree char *page = g_steal_pointer (&text);

      text = html_to_text (page);
    }
  g_strchomp (text);
  if (*text == '\0')
    return;
  if (walk->text->len > 0)
    g_string_append (walk->text, "\n\n");
  g_string_append (walk->text, text);
}

/* The decoded size of a leaf. Base64 (nearly every attachment) is counted, not decoded: three
 * bytes for four letters of its alphabet, everything else skipped as the decoder skips it. A
 * 20 MB attachment filed in Sent costs a scan instead of a decoding. */
static gint64
decoded_size (GMimeObject *part)
{
  GMimeDataWrapper *content = GMIME_IS_PART (part) ? g_mime_part_get_content (GMIME_PART (part)) : NULL;
  g_autoptr (GMimeStream) counter = NULL;
  GMimeStream *stream;
  guint64 letters = 0;
  char buffer[65536];
  gssize n;

  if (content == NULL || g_mime_data_wrapper_get_encoding (content) != GMIME_CONTENT_ENCODING_BASE64
      || (stream = g_mime_data_wrapper_get_stream (content)) == NULL)
    {
      counter = g_mime_stream_null_new ();
      write_decoded (part, counter);
      return GMIME_STREAM_NULL (counter)->written;
    }
  g_mime_stream_reset (stream);
  while ((n = g_mime_stream_read (stream, buffer, sizeof buffer)) > 0)
    for (gssize i = 0; i < n; i++)
      if (g_ascii_isalnum (buffer[i]) || buffer[i] == '+' || buffer[i] == '/')
        letters++;
  g_mime_stream_reset (stream);
  return (gint64)(letters * 3 / 4);
}

static void
add_attachment (Walk *walk, GMimeObject *part, const char *section, const char *filename, const char *disposition)
{
  CourrielAttachmentInfo *info = g_new0 (CourrielAttachmentInfo, 1);
  g_autofree char *mime_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (part));

  info->section = g_strdup (section);
  info->filename = header_text (filename);
  info->mime_type = g_ascii_strdown (mime_type != NULL ? mime_type : "application/octet-stream", -1);
  info->content_id = header_text (g_mime_object_get_content_id (part));
  if (disposition != NULL)
    info->disposition = g_strdup (g_ascii_strcasecmp (disposition, "inline") == 0 ? "inline" : "attachment");
  else
    info->disposition = g_strdup (info->content_id != NULL ? "inline" : "attachment");
  info->size = decoded_size (part);
  g_ptr_array_add (walk->attachments, info);
}

static void walk_object (Walk *walk, GMimeObject *object, const char *section, gboolean want_text, guint depth);

static char *
child_section (const char *parent, int index)
{
  return parent != NULL ? g_strdup_printf ("%s.%d", parent, index) : g_strdup_printf ("%d", index);
}

/* The part of a multipart/alternative that gives the text: the plain text if there is one,
 * else the last, richest one that is text or multipart (an HTML page with its images); -1:
 * none of them. */
static int
pick_alternative (GMimeMultipart *multipart)
{
  int chosen = -1;

  for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
    {
      GMimeContentType *type = g_mime_object_get_content_type (g_mime_multipart_get_part (multipart, i));

      if (g_mime_content_type_is_type (type, "text", "plain"))
        return i;
      if (g_mime_content_type_is_type (type, "text", "*") || g_mime_content_type_is_type (type, "multipart", "*"))
        chosen = i;
    }
  return chosen;
}

static void
walk_multipart (Walk *walk, GMimeMultipart *multipart, const char *prefix, gboolean want_text, guint depth)
{
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (multipart));
  int chosen = want_text && g_mime_content_type_is_type (type, "multipart", "alternative")
                 ? pick_alternative (multipart) : -1;

  /* Encrypted data and signatures are no attachments to show. */
  if (g_mime_content_type_is_type (type, "multipart", "encrypted"))
    return;
  for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
    {
      g_autofree char *section = child_section (prefix, i + 1);

      if (i > 0 && g_mime_content_type_is_type (type, "multipart", "signed"))
        break;
      walk_object (walk, g_mime_multipart_get_part (multipart, i), section, want_text && (chosen < 0 || chosen == i),
                   depth + 1);
    }
}

/* A message's body: the parts of a multipart are prefix.1, prefix.2…, a single part is prefix.1. */
static void
walk_message (Walk *walk, GMimeMessage *message, const char *prefix, gboolean want_text, guint depth)
{
  GMimeObject *body = message != NULL ? g_mime_message_get_mime_part (message) : NULL;
  g_autofree char *section = child_section (prefix, 1);

  if (body != NULL && GMIME_IS_MULTIPART (body))
    walk_multipart (walk, GMIME_MULTIPART (body), prefix, want_text, depth);
  else if (body != NULL)
    walk_object (walk, body, section, want_text, depth);
}

static void
walk_object (Walk *walk, GMimeObject *object, const char *section, gboolean want_text, guint depth)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);
  const char *disposition = g_mime_object_get_disposition (object);
  const char *filename = g_mime_object_get_content_disposition_parameter (object, "filename");
  gboolean attached = disposition != NULL && g_ascii_strcasecmp (disposition, "inline") != 0;
  gboolean plain = g_mime_content_type_is_type (type, "text", "plain");
  gboolean html = g_mime_content_type_is_type (type, "text", "html");

  if (depth > MAX_DEPTH)
    return;
  if (GMIME_IS_MULTIPART (object))
    {
      walk_multipart (walk, GMIME_MULTIPART (object), section, want_text, depth);
      return;
    }
  if (GMIME_IS_MESSAGE_PART (object) && !attached)
    {
      walk_message (walk, g_mime_message_part_get_message (GMIME_MESSAGE_PART (object)), section, want_text,
                    depth + 1);
      return;
    }
  if (filename == NULL)
    filename = g_mime_object_get_content_type_parameter (object, "name");
  if (attached || filename != NULL || !GMIME_IS_PART (object) || !(plain || html))
    add_attachment (walk, object, section, filename, disposition);
  if (want_text && !attached && GMIME_IS_PART (object) && (plain || html))
    append_text (walk, object, html);
}

/* Whether the line ends with word, then maybe spaces and a colon: "… wrote:", "… a écrit :". */
static gboolean
ends_with_word (const char *line, const char *word)
{
  g_autofree char *copy = g_strdup (line);
  char *end = copy + strlen (copy);

  while (end > copy && (end[-1] == ':' || g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (end)))))
    end = g_utf8_prev_char (end);
  *end = '\0';
  return g_str_has_suffix (copy, word);
}

static gboolean
is_attribution (const char *line)
{
  const char *start = line + strspn (line, " \t");

  return (g_str_has_prefix (start, "On ") && ends_with_word (start, " wrote"))
         || (g_str_has_prefix (start, "Le ") && ends_with_word (start, " a écrit"));
}

/* Appends text with its whitespace (line ends included) collapsed to single spaces. */
static void
append_collapsed (GString *out, const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
        }
      else if (g_unichar_type (c) != G_UNICODE_FORMAT)
        g_string_append_unichar (out, c);
    }
  if (out->len > 0 && out->str[out->len - 1] != ' ')
    g_string_append_c (out, ' ');
}

static const char *
line_end (const char *line)
{
  const char *end = strchr (line, '\n');

  return end != NULL ? end : line + strlen (line);
}

/* Where a quoted message starts: a signature, or what Outlook puts above the message it quotes. */
static gboolean
is_end_of_reply (const char *line)
{
  return strcmp (line, "-- ") == 0 || strcmp (line, "--") == 0 || g_str_has_prefix (line, "-----Original Message")
         || g_str_has_prefix (line, "-----Message d'origine");
}

/* The first characters of text, without quotes, attribution lines and signature when
 * skip_quotes, cut at PREVIEW_LENGTH characters with "…", if possible between words. */
static char *
make_preview (const char *text, gboolean skip_quotes)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *line = text; *line != '\0' && out->len <= 4 * PREVIEW_LENGTH;)
    {
      const char *end = line_end (line);
      const char *next = *end != '\0' ? end + 1 : end;
      g_autofree char *current = g_strndup (line, end - line);

      line = next;
      if (skip_quotes && (current[strspn (current, " \t")] == '>' || is_attribution (current)))
        continue;
      if (skip_quotes && is_end_of_reply (current))
        break;
      if (skip_quotes && (g_str_has_prefix (current, "On ") || g_str_has_prefix (current, "Le ")))
        {
          /* an attribution on two lines */
          const char *next_end = line_end (next);
          g_autofree char *joined = g_strdup_printf ("%s %.*s", current, (int)(next_end - next), next);

          if (is_attribution (joined))
            {
              line = *next_end != '\0' ? next_end + 1 : next_end;
              continue;
            }
        }
      append_collapsed (out, current);
    }
  g_strchomp (out->str);
  g_string_set_size (out, strlen (out->str));
  if (g_utf8_strlen (out->str, -1) > PREVIEW_LENGTH)
    {
      const char *cut = g_utf8_offset_to_pointer (out->str, PREVIEW_LENGTH - 1);
      const char *space = g_strrstr_len (out->str, cut - out->str, " ");

      if (space != NULL && g_utf8_pointer_to_offset (space, cut) < 20)
        cut = space;
      g_string_truncate (out, cut - out->str);
      g_string_append (out, "…");
    }
  if (out->len == 0 && skip_quotes)
    return make_preview (text, FALSE);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
is_blank (const char *data, gsize length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

/**
 * courriel_message_text_new_from_bytes:
 * @raw: a whole RFC 5322 message
 * @error: set when @raw is no message at all
 *
 * Reads what the store needs of a downloaded message. A broken message gives what can be
 * read of it; only an empty one is an error.
 */
/* "Name <mailbox>, mailbox", as the IMAP sync writes ENVELOPE addresses. */
static char *
format_addresses (InternetAddressList *list)
{
  GString *out = g_string_new (NULL);

  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *name = internet_address_get_name (address);

      if (INTERNET_ADDRESS_IS_GROUP (address))
        {
          g_autofree char *members = format_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)));
          if (*members != '\0')
            g_string_append_printf (out, "%s%s", out->len > 0 ? ", " : "", members);
          continue;
        }
      if (out->len > 0)
        g_string_append (out, ", ");
      if (name != NULL && *name != '\0')
        g_string_append_printf (out, "%s <%s>", name, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
      else
        g_string_append (out, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static char *
valid_utf8 (const char *text)
{
  return text != NULL ? g_utf8_make_valid (text, -1) : NULL;
}

/* Every Authentication-Results header, topmost first, one a line (courriel-auth-results.c
 * reads them so); NULL when there is none. */
static char *
auth_results (GMimeObject *object)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  GString *out = NULL;

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      g_autofree char *value = NULL;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), "Authentication-Results") != 0)
        continue;
      value = g_utf8_make_valid (g_mime_header_get_value (header) ?: "", -1);
      g_strdelimit (g_strstrip (value), "\r\n\t", ' ');
      if (out == NULL)
        out = g_string_new (value);
      else
        g_string_append_printf (out, "\n%s", value);
    }
  return out != NULL ? g_string_free (out, FALSE) : NULL;
}

static void
read_headers (CourrielMessageText *self, GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  GDateTime *date = g_mime_message_get_date (message);
  const char *id = g_mime_message_get_message_id (message);

  self->subject = valid_utf8 (g_mime_message_get_subject (message));
  self->from = format_addresses (g_mime_message_get_from (message));
  self->to = format_addresses (g_mime_message_get_to (message));
  self->cc = format_addresses (g_mime_message_get_cc (message));
  self->date = date != NULL ? g_date_time_to_unix (date) : 0;
  self->message_id = id != NULL ? g_strdup_printf ("<%s>", id) : NULL;
  self->in_reply_to = valid_utf8 (g_mime_object_get_header (object, "In-Reply-To"));
  self->references = valid_utf8 (g_mime_object_get_header (object, "References"));
  self->auth_results = auth_results (object);
  if (self->in_reply_to != NULL)
    g_strstrip (self->in_reply_to);
  if (self->references != NULL)
    g_strstrip (self->references);
}

CourrielMessageText *
courriel_message_text_new_from_bytes (GBytes *raw, GError **error)
{
  gsize length = 0;
  const char *data = raw != NULL ? g_bytes_get_data (raw, &length) : NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  CourrielMessageText *self;
  Walk walk;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mime_init ();
  if (is_blank (data, length))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The message is empty"));
      return NULL;
    }
  stream = g_mime_stream_mem_new_with_buffer (data, length);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);

  walk.text = g_string_new (NULL);
  walk.attachments = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_attachment_info_free);
  if (message != NULL)
    walk_message (&walk, message, NULL, TRUE, 0);
  else /* no headers: all of it is text */
    {
      g_autofree char *text = to_utf8 (data, length, NULL);

      g_string_append (walk.text, g_strstrip (text));
    }

  self = g_new0 (CourrielMessageText, 1);
  self->text = g_string_free (walk.text, FALSE);
  self->preview = make_preview (self->text, TRUE);
  self->attachments = walk.attachments;
  if (message != NULL)
    read_headers (self, message);
  return self;
}

/* Whether the list shows a paperclip: an attachment proper, not an image of the HTML. */
gboolean
courriel_message_text_has_attachments (GPtrArray *attachments)
{
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    if (g_strcmp0 (((CourrielAttachmentInfo *)attachments->pdata[i])->disposition, "attachment") == 0)
      return TRUE;
  return FALSE;
}
