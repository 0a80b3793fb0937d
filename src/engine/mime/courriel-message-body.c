/* courriel-message-body.c — what the reader shows of a stored message: its text, its HTML,
 * its parts by IMAP section
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sections are numbered as courriel-message-text.c numbers the attachments rows (RFC 3501
 * BODY[section]), so that a row of the attachments table finds its part here.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-message-body.h"

#include <glib/gi18n-lib.h>

#include "courriel-gmime-autoptr.h"

#define MAX_DEPTH 32

void
courriel_message_body_free (CourrielMessageBody *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->message);
  g_free (self->plain);
  g_free (self->html);
  g_free (self);
}

static gboolean
is_attached (GMimeObject *object)
{
  const char *disposition = g_mime_object_get_disposition (object);

  return disposition != NULL && g_ascii_strcasecmp (disposition, "inline") != 0;
}

static char *
part_text (GMimeObject *object)
{
  g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));

  return text != NULL ? g_utf8_make_valid (text, -1) : g_strdup ("");
}

static void
find_texts (CourrielMessageBody *self, GMimeObject *object, guint depth)
{
  GMimeContentType *type;

  if (object == NULL || depth > MAX_DEPTH || is_attached (object))
    return;
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);

      if (g_mime_content_type_is_type (g_mime_object_get_content_type (object), "multipart", "encrypted"))
        return;
      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        find_texts (self, g_mime_multipart_get_part (multipart, i), depth + 1);
      return;
    }
  if (!GMIME_IS_TEXT_PART (object) || g_mime_object_get_content_disposition_parameter (object, "filename") != NULL)
    return;
  type = g_mime_object_get_content_type (object);
  if (self->plain == NULL && g_mime_content_type_is_type (type, "text", "plain"))
    self->plain = part_text (object);
  else if (self->html == NULL && g_mime_content_type_is_type (type, "text", "html"))
    self->html = part_text (object);
}

/**
 * courriel_message_body_new_from_bytes:
 * @raw: a whole message, as the bodies table keeps it
 *
 * Returns: the message and its readable parts, or %NULL with G_IO_ERROR_INVALID_DATA.
 */
CourrielMessageBody *
courriel_message_body_new_from_bytes (GBytes *raw, GError **error)
{
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  CourrielMessageBody *self;
  GMimeMessage *message;

  g_return_val_if_fail (raw != NULL, NULL);

  g_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The message cannot be read"));
      return NULL;
    }
  self = g_new0 (CourrielMessageBody, 1);
  self->message = message;
  find_texts (self, g_mime_message_get_mime_part (message), 0);
  return self;
}

/* The object at @n (1-based) inside @object: a message's body or one of its multipart's parts. */
static GMimeObject *
child (GMimeObject *object, guint64 n)
{
  if (GMIME_IS_MESSAGE_PART (object))
    object = GMIME_OBJECT (g_mime_message_part_get_message (GMIME_MESSAGE_PART (object)));
  if (object != NULL && GMIME_IS_MESSAGE (object))
    {
      object = g_mime_message_get_mime_part (GMIME_MESSAGE (object));
      if (object != NULL && !GMIME_IS_MULTIPART (object))
        return n == 1 ? object : NULL;
    }
  if (object != NULL && GMIME_IS_MULTIPART (object) && n <= (guint64)g_mime_multipart_get_count (GMIME_MULTIPART (object)))
    return g_mime_multipart_get_part (GMIME_MULTIPART (object), (int)n - 1);
  return NULL;
}

/**
 * courriel_message_find_part:
 * @section: "1", "2.1"…, as in the attachments table
 *
 * Returns: (transfer none) (nullable): the part, or %NULL when the message has none there.
 */
GMimeObject *
courriel_message_find_part (GMimeMessage *message, const char *section)
{
  g_auto (GStrv) numbers = g_strsplit (section != NULL ? section : "", ".", MAX_DEPTH + 1);
  GMimeObject *object = GMIME_OBJECT (message);

  for (guint i = 0; numbers[i] != NULL && object != NULL; i++)
    {
      guint64 n = 0;

      if (!g_ascii_string_to_unsigned (numbers[i], 10, 1, G_MAXINT, &n, NULL))
        return NULL;
      object = child (object, n);
    }
  return object != GMIME_OBJECT (message) ? object : NULL;
}

/* The decoded bytes of a part (base64 or quoted-printable undone); an attached message whole. */
GBytes *
courriel_message_part_get_bytes (GMimeObject *part)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *bytes;
  GMimeMessage *message;

  if (GMIME_IS_PART (part) && g_mime_part_get_content (GMIME_PART (part)) != NULL)
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), stream);
  else if (GMIME_IS_MESSAGE_PART (part) && (message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part))) != NULL)
    g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (bytes->data, bytes->len);
}
