/* courriel-draft.c — a message being written, and the MIME message it becomes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GMime writes the message: names and subjects in RFC 2047 encoded words, file names in RFC 2231,
 * text as UTF-8 format=flowed (quoted-printable when it needs to be), an HTML alternative when
 * there is one, attachments in base64 with their type guessed from their name and content. No
 * field can inject a header: line breaks in anything the user typed become spaces before GMime
 * sees them. Bcc recipients are recipients of the envelope only.
 *
 * Replies quote the original and keep the thread (In-Reply-To, References); forwards quote it
 * inline or attach it whole.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-draft.h"

#include <glib/gi18n-lib.h>

#include "courriel-gmime-autoptr.h"
#include "courriel-message-text.h"

#define FLOWED_WIDTH 72

static void
attachment_free (CourrielDraftAttachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->mime_type);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment);
}

CourrielDraft *
courriel_draft_new (const char *from_name, const char *from_address)
{
  CourrielDraft *draft = g_new0 (CourrielDraft, 1);

  draft->from_name = g_strdup (from_name);
  draft->from_address = g_strdup (from_address);
  draft->to = g_ptr_array_new_with_free_func (g_free);
  draft->cc = g_ptr_array_new_with_free_func (g_free);
  draft->bcc = g_ptr_array_new_with_free_func (g_free);
  draft->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify)attachment_free);
  draft->subject = g_strdup ("");
  draft->text = g_strdup ("");
  return draft;
}

void
courriel_draft_free (CourrielDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->from_name);
  g_free (draft->from_address);
  g_ptr_array_unref (draft->to);
  g_ptr_array_unref (draft->cc);
  g_ptr_array_unref (draft->bcc);
  g_free (draft->subject);
  g_free (draft->text);
  g_free (draft->html);
  g_ptr_array_unref (draft->attachments);
  g_clear_pointer (&draft->forwarded, g_bytes_unref);
  g_free (draft->in_reply_to);
  g_free (draft->references);
  g_free (draft);
}

void
courriel_draft_add_attachment (CourrielDraft *draft, const char *filename, const char *mime_type, GBytes *data)
{
  CourrielDraftAttachment *attachment = g_new0 (CourrielDraftAttachment, 1);

  attachment->filename = g_strdup (filename);
  attachment->mime_type = g_strdup (mime_type);
  attachment->data = g_bytes_ref (data);
  g_ptr_array_add (draft->attachments, attachment);
}

/* Building ------------------------------------------------------------------------------------- */

/* What the user typed, on one line: a CR or LF can never start a header of its own. */
static char *
one_line (const char *text)
{
  char *line = g_strdup (text != NULL ? text : "");

  g_strdelimit (line, "\r\n", ' ');
  return line;
}

static gboolean
add_addresses (GMimeMessage *message, GMimeAddressType type, GPtrArray *addresses, GError **error)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, type);

  for (guint i = 0; i < addresses->len; i++)
    {
      g_autofree char *text = one_line (addresses->pdata[i]);
      g_autoptr (InternetAddressList) parsed = internet_address_list_parse (NULL, text);

      if (parsed == NULL || internet_address_list_length (parsed) == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not an e-mail address."), text);
          return FALSE;
        }
      internet_address_list_append (list, parsed);
    }
  return TRUE;
}

/* RFC 3676: lines longer than the width are broken at spaces, a trailing space marking each
 * soft break; lines that would read as quoted or as a soft break are space-stuffed. */
static char *
to_flowed (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strchomp (lines[i]);

      if (lines[i + 1] == NULL && *line == '\0')
        break;
      while (TRUE)
        {
          const char *cut = NULL;

          if (*line == ' ' || g_str_has_prefix (line, "From "))
            g_string_append_c (out, ' ');
          if (g_utf8_strlen (line, -1) > FLOWED_WIDTH)
            for (const char *p = g_utf8_offset_to_pointer (line, FLOWED_WIDTH); p > line; p = g_utf8_prev_char (p))
              if (*p == ' ')
                {
                  cut = p;
                  break;
                }
          if (cut == NULL)
            {
              g_string_append_printf (out, "%s\n", line);
              break;
            }
          g_string_append_len (out, line, cut - line + 1); /* the space stays: a soft break */
          g_string_append_c (out, '\n');
          line = cut + 1;
        }
    }
  return g_string_free (out, FALSE);
}

static GMimeObject *
text_part (const char *subtype, const char *text, gboolean flowed)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);

  g_mime_text_part_set_text (part, text);
  g_mime_text_part_set_charset (part, "utf-8");
  if (flowed)
    g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "format", "flowed");
  g_mime_part_set_content_encoding (GMIME_PART (part),
                                    g_mime_part_get_best_content_encoding (GMIME_PART (part),
                                                                           GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (part);
}

static GMimeObject *
attachment_part (CourrielDraftAttachment *attachment)
{
  g_autofree char *guessed = NULL;
  const char *type = attachment->mime_type;
  g_autoptr (GMimeContentType) content_type = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeDataWrapper) wrapper = NULL;
  g_autofree char *filename = one_line (attachment->filename);
  GMimePart *part;

  if (type == NULL)
    {
      gsize size;
      const guchar *data = g_bytes_get_data (attachment->data, &size);
      g_autofree char *content_type_guess = g_content_type_guess (filename, data, MIN (size, 4096), NULL);

      guessed = g_content_type_get_mime_type (content_type_guess);
      type = guessed != NULL ? guessed : "application/octet-stream";
    }
  content_type = g_mime_content_type_parse (NULL, type);
  part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (content_type),
                                    g_mime_content_type_get_media_subtype (content_type));
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (attachment->data, NULL),
                                              g_bytes_get_size (attachment->data));
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, wrapper);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (part, filename);
  return GMIME_OBJECT (part);
}

/* For sending: recipients required, Bcc left out. For saving as a draft: Bcc kept, since the
 * draft will be sent some day and the copy stays with the user. */
static GBytes *
build (CourrielDraft *draft, GDateTime *date, gboolean for_sending, GError **error)
{
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeObject) body = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeFormatOptions) options = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *from_name = one_line (draft->from_name);
  g_autofree char *from_address = one_line (draft->from_address);
  g_autofree char *subject = one_line (draft->subject);
  g_autofree char *flowed = to_flowed (draft->text != NULL ? draft->text : "");
  g_autofree char *domain = NULL;
  g_autofree char *id = NULL;
  GByteArray *bytes;

  g_mime_init ();
  if (for_sending && draft->to->len + draft->cc->len + draft->bcc->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("The message has no recipient."));
      return NULL;
    }
  message = g_mime_message_new (TRUE);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, from_name, from_address);
  if (!add_addresses (message, GMIME_ADDRESS_TYPE_TO, draft->to, error)
      || !add_addresses (message, GMIME_ADDRESS_TYPE_CC, draft->cc, error)
      || (!for_sending && !add_addresses (message, GMIME_ADDRESS_TYPE_BCC, draft->bcc, error)))
    return NULL;
  g_mime_message_set_subject (message, subject, "utf-8");
  now = date != NULL ? g_date_time_ref (date) : g_date_time_new_now_local ();
  g_mime_message_set_date (message, now);
  domain = strchr (from_address, '@') != NULL ? g_strdup (strchr (from_address, '@') + 1) : g_strdup ("localhost");
  id = g_mime_utils_generate_message_id (domain);
  g_mime_message_set_message_id (message, id);
  if (draft->in_reply_to != NULL)
    {
      g_autofree char *value = one_line (draft->in_reply_to);
      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", value, NULL);
    }
  if (draft->references != NULL)
    {
      g_autofree char *value = one_line (draft->references);
      g_mime_object_set_header (GMIME_OBJECT (message), "References", value, NULL);
    }

  body = text_part ("plain", flowed, TRUE);
  if (draft->html != NULL)
    {
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr (GMimeObject) html = text_part ("html", draft->html, FALSE);

      g_mime_multipart_add (alternative, body);
      g_mime_multipart_add (alternative, html);
      g_object_unref (body);
      body = GMIME_OBJECT (alternative);
    }
  if (draft->attachments->len > 0 || draft->forwarded != NULL)
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      for (guint i = 0; i < draft->attachments->len; i++)
        {
          g_autoptr (GMimeObject) part = attachment_part (draft->attachments->pdata[i]);
          g_mime_multipart_add (mixed, part);
        }
      if (draft->forwarded != NULL)
        {
          g_autoptr (GMimeStream) original = g_mime_stream_mem_new_with_buffer (
            g_bytes_get_data (draft->forwarded, NULL), g_bytes_get_size (draft->forwarded));
          g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (original);
          g_autoptr (GMimeMessage) inner = g_mime_parser_construct_message (parser, NULL);

          if (inner != NULL)
            {
              g_autoptr (GMimeMessagePart) part = g_mime_message_part_new_with_message ("rfc822", inner);
              g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_INLINE);
              g_mime_multipart_add (mixed, GMIME_OBJECT (part));
            }
        }
      g_object_unref (body);
      body = GMIME_OBJECT (mixed);
    }
  g_mime_message_set_mime_part (message, body);

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  stream = g_mime_stream_mem_new ();
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  bytes = g_byte_array_new ();
  g_byte_array_append (bytes, g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream))->data,
                       g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream))->len);
  return g_byte_array_free_to_bytes (bytes);
}

/**
 * courriel_draft_build:
 * @date: (nullable): the Date header; NULL for now
 *
 * Returns: the message as it will be sent (CRLF line ends), or NULL with @error set when an
 * address cannot be read or there is no recipient.
 */
GBytes *
courriel_draft_build (CourrielDraft *draft, GDateTime *date, GError **error)
{
  return build (draft, date, TRUE, error);
}

/**
 * courriel_draft_build_unsent:
 *
 * Returns: the message as it is saved in Drafts: recipients optional, Bcc kept; or NULL with
 * @error set when an address cannot be read.
 */
GBytes *
courriel_draft_build_unsent (CourrielDraft *draft, GError **error)
{
  return build (draft, NULL, FALSE, error);
}

/* The envelope's recipients: To, Cc and Bcc, addresses only. */
GStrv
courriel_draft_dup_recipients (CourrielDraft *draft)
{
  GPtrArray *lists[] = { draft->to, draft->cc, draft->bcc };
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_mime_init ();
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        g_autofree char *text = one_line (lists[l]->pdata[i]);
        g_autoptr (InternetAddressList) parsed = internet_address_list_parse (NULL, text);

        for (int a = 0; parsed != NULL && a < internet_address_list_length (parsed); a++)
          {
            InternetAddress *address = internet_address_list_get_address (parsed, a);
            if (INTERNET_ADDRESS_IS_MAILBOX (address))
              g_strv_builder_add (builder, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
          }
      }
  return g_strv_builder_end (builder);
}

/* Replies and forwards ------------------------------------------------------------------------- */

static GMimeMessage *
parse_original (GBytes *original, GError **error)
{
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  GMimeMessage *message;

  g_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (original, NULL), g_bytes_get_size (original));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The original message cannot be read."));
  return message;
}

/* "Re: subject", never "Re: Re: subject". */
static char *
prefixed_subject (const char *subject, const char *prefix)
{
  const char *s = subject != NULL ? subject : "";
  g_autofree char *lower = g_ascii_strdown (s, -1);
  g_autofree char *lower_prefix = g_ascii_strdown (prefix, -1);

  if (g_str_has_prefix (lower, lower_prefix))
    return g_strdup (s);
  return g_strdup_printf ("%s %s", prefix, s);
}

static void
add_mailboxes (GPtrArray *out, InternetAddressList *list, const char *except, GPtrArray *seen)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *addr;
      gboolean known = FALSE;

      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          if (INTERNET_ADDRESS_IS_GROUP (address))
            add_mailboxes (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)), except, seen);
          continue;
        }
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      for (guint s = 0; s < seen->len && !known; s++)
        known = g_ascii_strcasecmp (seen->pdata[s], addr) == 0;
      if (known || (except != NULL && g_ascii_strcasecmp (addr, except) == 0))
        continue;
      g_ptr_array_add (seen, g_strdup (addr));
      g_ptr_array_add (out, internet_address_to_string (address, NULL, FALSE));
    }
}

/* Quoted: "> " before every line of the original's text. */
static char *
quote (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (out, ">%s%s\n", g_str_has_prefix (lines[i], ">") ? "" : " ", g_strchomp (lines[i]));
  return g_string_free (out, FALSE);
}

/**
 * courriel_draft_new_reply:
 * @to_all: also to every other recipient of the original (reply all), the user excepted
 *
 * A reply: to the original's Reply-To (or From), "Re:" once, the thread kept, the original
 * quoted under an attribution line.
 */
CourrielDraft *
courriel_draft_new_reply (GBytes *original, const char *from_name, const char *from_address, gboolean to_all,
                          GError **error)
{
  g_autoptr (GMimeMessage) message = parse_original (original, error);
  g_autoptr (CourrielMessageText) text = NULL;
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *quoted = NULL;
  g_autofree char *when = NULL;
  g_autofree char *who = NULL;
  CourrielDraft *draft;
  InternetAddressList *reply_to;
  const char *id;

  if (message == NULL)
    return NULL;
  text = courriel_message_text_new_from_bytes (original, NULL);
  draft = courriel_draft_new (from_name, from_address);
  reply_to = g_mime_message_get_reply_to (message);
  add_mailboxes (draft->to,
                 reply_to != NULL && internet_address_list_length (reply_to) > 0 ? reply_to
                                                                                 : g_mime_message_get_from (message),
                 NULL, seen);
  if (to_all)
    {
      add_mailboxes (draft->cc, g_mime_message_get_to (message), from_address, seen);
      add_mailboxes (draft->cc, g_mime_message_get_cc (message), from_address, seen);
    }
  g_free (draft->subject);
  draft->subject = prefixed_subject (g_mime_message_get_subject (message), "Re:");
  id = g_mime_message_get_message_id (message);
  if (id != NULL)
    {
      g_autofree char *refs = g_strdup (g_mime_object_get_header (GMIME_OBJECT (message), "References"));
      draft->in_reply_to = g_strdup_printf ("<%s>", id);
      draft->references = refs != NULL ? g_strdup_printf ("%s <%s>", g_strstrip (refs), id)
                                       : g_strdup_printf ("<%s>", id);
    }
  when = g_mime_message_get_date (message) != NULL ? g_date_time_format (g_mime_message_get_date (message), "%x %H:%M")
                                                   : g_strdup ("");
  who = text != NULL && text->from != NULL ? g_strdup (text->from) : g_strdup ("");
  quoted = quote (text != NULL ? text->text : "");
  g_free (draft->text);
  /* Translators: the line above a quoted message: "On 02/03/2026 09:30, Élodie wrote:" */
  draft->text = g_strdup_printf (_("\n\nOn %s, %s wrote:\n%s"), when, who, quoted);
  return draft;
}

/**
 * courriel_draft_new_forward:
 * @as_attachment: the original attached whole (message/rfc822), or quoted in the text
 *
 * A forward, "Fwd:" once, with no recipient yet.
 */
CourrielDraft *
courriel_draft_new_forward (GBytes *original, const char *from_name, const char *from_address,
                            gboolean as_attachment, GError **error)
{
  g_autoptr (GMimeMessage) message = parse_original (original, error);
  g_autoptr (CourrielMessageText) text = NULL;
  CourrielDraft *draft;

  if (message == NULL)
    return NULL;
  draft = courriel_draft_new (from_name, from_address);
  g_free (draft->subject);
  draft->subject = prefixed_subject (g_mime_message_get_subject (message), "Fwd:");
  if (as_attachment)
    {
      draft->forwarded = g_bytes_ref (original);
      return draft;
    }
  text = courriel_message_text_new_from_bytes (original, NULL);
  g_free (draft->text);
  draft->text = g_strdup_printf (_("\n\n-------- Forwarded message --------\nFrom: %s\nDate: %s\nSubject: %s\n"
                                   "To: %s\n\n%s"),
                                 text->from ? text->from : "",
                                 g_mime_object_get_header (GMIME_OBJECT (message), "Date")
                                   ? g_mime_object_get_header (GMIME_OBJECT (message), "Date")
                                   : "",
                                 text->subject ? text->subject : "", text->to ? text->to : "", text->text);
  return draft;
}

/* Messages taken back ---------------------------------------------------------------------------- */

static void
collect_attachment (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  CourrielDraft *draft = user_data;
  g_autoptr (GMimeStream) stream = NULL;
  g_autofree char *mime_type = NULL;
  g_autoptr (GBytes) data = NULL;
  GMimeDataWrapper *content;
  GByteArray *bytes;

  if (!GMIME_IS_PART (part) || !g_mime_part_is_attachment (GMIME_PART (part))
      || (content = g_mime_part_get_content (GMIME_PART (part))) == NULL)
    return;
  stream = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (content, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  data = g_bytes_new (bytes->data, bytes->len);
  mime_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (part));
  courriel_draft_add_attachment (draft,
                                 g_mime_part_get_filename (GMIME_PART (part)) != NULL
                                   ? g_mime_part_get_filename (GMIME_PART (part))
                                   : _("Attachment"),
                                 mime_type, data);
}

static GBytes *
object_bytes (GMimeObject *object)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *bytes;

  g_mime_object_write_to_stream (object, NULL, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (bytes->data, bytes->len);
}

/* A forward's original, attached whole (message/rfc822, as build() adds it): taken out of
 * @message into the draft, where the composer shows it as the forwarded attachment again, and
 * out of the text, which would otherwise have the original's text read into the draft's own. */
static gboolean
take_forwarded (CourrielDraft *draft, GMimeMessage *message)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);

  for (int i = 0; GMIME_IS_MULTIPART (body) && i < g_mime_multipart_get_count (GMIME_MULTIPART (body)); i++)
    {
      GMimeObject *part = g_mime_multipart_get_part (GMIME_MULTIPART (body), i);
      GMimeMessage *inner;

      if (!GMIME_IS_MESSAGE_PART (part) || (inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part))) == NULL)
        continue;
      draft->forwarded = object_bytes (GMIME_OBJECT (inner));
      g_mime_multipart_remove_at (GMIME_MULTIPART (body), i);
      return TRUE;
    }
  return FALSE;
}

/* The envelope recipients that are in neither To nor Cc: those were Bcc. */
static void
add_hidden_recipients (CourrielDraft *draft, const char * const *envelope, GPtrArray *seen)
{
  for (guint i = 0; envelope != NULL && envelope[i] != NULL; i++)
    {
      gboolean known = FALSE;

      for (guint s = 0; s < seen->len && !known; s++)
        known = g_ascii_strcasecmp (seen->pdata[s], envelope[i]) == 0;
      if (!known && *envelope[i] != '\0')
        {
          g_ptr_array_add (seen, g_strdup (envelope[i]));
          g_ptr_array_add (draft->bcc, g_strdup (envelope[i]));
        }
    }
}

/**
 * courriel_draft_new_from_message:
 * @raw: a message as it was to be sent (an Outbox message)
 * @envelope: (nullable): the addresses it was to be sent to, Bcc included
 *
 * The message taken back to be edited: its sender, recipients (those of @envelope in neither
 * To nor Cc become Bcc), subject, text, attachments and thread, as the composer had them.
 */
CourrielDraft *
courriel_draft_new_from_message (GBytes *raw, const char * const *envelope, GError **error)
{
  g_autoptr (GMimeMessage) message = parse_original (raw, error);
  g_autoptr (CourrielMessageText) text = NULL;
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  InternetAddressList *from;
  InternetAddress *sender = NULL;
  CourrielDraft *draft;
  const char *header;

  if (message == NULL)
    return NULL;
  from = g_mime_message_get_from (message);
  if (from != NULL && internet_address_list_length (from) > 0)
    sender = internet_address_list_get_address (from, 0);
  draft = courriel_draft_new (sender != NULL ? internet_address_get_name (sender) : NULL,
                              sender != NULL && INTERNET_ADDRESS_IS_MAILBOX (sender)
                                ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender))
                                : NULL);
  add_mailboxes (draft->to, g_mime_message_get_to (message), NULL, seen);
  add_mailboxes (draft->cc, g_mime_message_get_cc (message), NULL, seen);
  add_hidden_recipients (draft, envelope, seen);
  if (take_forwarded (draft, message))
    {
      g_autoptr (GBytes) own = object_bytes (GMIME_OBJECT (message));
      text = courriel_message_text_new_from_bytes (own, NULL);
    }
  else
    text = courriel_message_text_new_from_bytes (raw, NULL);
  g_free (draft->subject);
  draft->subject = g_strdup (g_mime_message_get_subject (message));
  g_free (draft->text);
  draft->text = g_strdup (text != NULL && text->text != NULL ? text->text : "");
  header = g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To");
  draft->in_reply_to = header != NULL ? g_strstrip (g_strdup (header)) : NULL;
  header = g_mime_object_get_header (GMIME_OBJECT (message), "References");
  draft->references = header != NULL ? g_strstrip (g_strdup (header)) : NULL;
  g_mime_message_foreach (message, collect_attachment, draft);
  return draft;
}
