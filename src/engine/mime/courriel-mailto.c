/* courriel-mailto.c — a mailto: URI (RFC 6068) read into the fields of a message to write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only the fields a person writes are taken: to, cc, bcc, subject, body and in-reply-to. Any
 * other header field (From, Received, Sender, ...) is ignored, as RFC 6068 section 3 asks: a
 * link on a web page must not choose who the message claims to come from.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-mailto.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>

G_DEFINE_QUARK (courriel-mailto-error-quark, courriel_mailto_error)

void
courriel_mailto_free (CourrielMailto *mailto)
{
  if (mailto == NULL)
    return;
  g_ptr_array_unref (mailto->to);
  g_ptr_array_unref (mailto->cc);
  g_ptr_array_unref (mailto->bcc);
  g_free (mailto->subject);
  g_free (mailto->body);
  g_free (mailto->in_reply_to);
  g_free (mailto);
}

/* Percent-decoded text of @len bytes, which must be valid UTF-8 without NUL. */
static char *
decode (const char *text, gsize len, GError **error)
{
  g_autofree char *escaped = g_strndup (text, len);
  g_autofree char *decoded = g_uri_unescape_string (escaped, NULL);

  if (decoded == NULL)
    {
      g_set_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID,
                   _("The mail link has a broken “%%” escape or an empty character."));
      return NULL;
    }
  if (!g_utf8_validate (decoded, -1, NULL))
    {
      g_set_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID,
                   _("The mail link is not valid UTF-8 text."));
      return NULL;
    }
  return g_steal_pointer (&decoded);
}

/* Addresses separated by "," (each percent-decoded on its own, so that an escaped "%2C" stays
 * inside an address). */
static gboolean
add_addresses (GPtrArray *list, const char *text, gsize len, GError **error)
{
  const char *end = text + len;

  while (text < end)
    {
      const char *comma = memchr (text, ',', end - text);
      const char *stop = comma != NULL ? comma : end;
      g_autofree char *address = decode (text, stop - text, error);

      if (address == NULL)
        return FALSE;
      g_strstrip (address);
      if (*address != '\0')
        g_ptr_array_add (list, g_steal_pointer (&address));
      text = comma != NULL ? comma + 1 : end;
    }
  return TRUE;
}

/* Line ends as the editor has them: CRLF and lone CR become LF. */
static char *
normalize_lines (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
add_field (CourrielMailto *mailto, const char *field, gsize len, GError **error)
{
  const char *equals = memchr (field, '=', len);
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  gsize value_len;

  if (equals == NULL || equals == field)
    {
      g_set_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID,
                   _("The mail link has a field without a name or a value."));
      return FALSE;
    }
  name = decode (field, equals - field, error);
  if (name == NULL)
    return FALSE;
  value_len = field + len - (equals + 1);
  if (g_ascii_strcasecmp (name, "to") == 0)
    return add_addresses (mailto->to, equals + 1, value_len, error);
  if (g_ascii_strcasecmp (name, "cc") == 0)
    return add_addresses (mailto->cc, equals + 1, value_len, error);
  if (g_ascii_strcasecmp (name, "bcc") == 0)
    return add_addresses (mailto->bcc, equals + 1, value_len, error);
  value = decode (equals + 1, value_len, error);
  if (value == NULL)
    return FALSE;
  /* The first of a repeated field wins: a second cannot quietly replace what was read. */
  if (g_ascii_strcasecmp (name, "subject") == 0 && mailto->subject == NULL)
    {
      g_autofree char *line = normalize_lines (value);

      /* A subject may come as RFC 2047 encoded words (RFC 6068 section 6, examples). */
      mailto->subject = g_mime_utils_header_decode_text (NULL, g_strdelimit (line, "\n", ' '));
    }
  else if (g_ascii_strcasecmp (name, "body") == 0 && mailto->body == NULL)
    mailto->body = normalize_lines (value);
  else if (g_ascii_strcasecmp (name, "in-reply-to") == 0 && mailto->in_reply_to == NULL)
    mailto->in_reply_to = g_strdup (g_strstrip (value));
  else
    g_debug ("mailto: ignored the field %s", name);
  return TRUE;
}

/**
 * courriel_mailto_parse:
 * @uri: "mailto:…"
 * @error: set when @uri is no mailto: URI or a broken one
 *
 * Returns: (transfer full): the fields of the message @uri describes, or %NULL with @error set
 */
CourrielMailto *
courriel_mailto_parse (const char *uri, GError **error)
{
  g_autoptr (CourrielMailto) mailto = g_new0 (CourrielMailto, 1);
  const char *rest;
  const char *query;
  const char *fragment;
  const char *end;

  mailto->to = g_ptr_array_new_with_free_func (g_free);
  mailto->cc = g_ptr_array_new_with_free_func (g_free);
  mailto->bcc = g_ptr_array_new_with_free_func (g_free);
  if (uri == NULL || g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      g_set_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID,
                   _("This is not a mail link (“mailto:”)."));
      return NULL;
    }
  rest = uri + 7;
  /* A fragment means nothing to mail: ignored. */
  fragment = strchr (rest, '#');
  end = fragment != NULL ? fragment : rest + strlen (rest);
  query = memchr (rest, '?', end - rest);
  if (!add_addresses (mailto->to, rest, (query != NULL ? query : end) - rest, error))
    return NULL;
  for (const char *field = query != NULL ? query + 1 : end; field < end;)
    {
      const char *amp = memchr (field, '&', end - field);
      const char *stop = amp != NULL ? amp : end;

      if (stop > field && !add_field (mailto, field, stop - field, error))
        return NULL;
      field = amp != NULL ? amp + 1 : end;
    }
  return g_steal_pointer (&mailto);
}
