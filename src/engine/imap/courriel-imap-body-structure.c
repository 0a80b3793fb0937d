/* courriel-imap-body-structure.c — what a message's BODYSTRUCTURE tells before any download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * From the structure the server sends with the headers, Courriel knows a message's attachments
 * (name, type, size) without downloading them, and which parts hold its readable text: those
 * are the only parts fetched for reading, so that attachments are downloaded only when asked
 * for. The rules match courriel-message-text.c, which reads the same parts once downloaded.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-body-structure.h"

#include "courriel-gmime-autoptr.h"

static gboolean
is_multipart (const CourrielImapBodyPart *part)
{
  return g_strcmp0 (part->type, "multipart") == 0;
}

static gboolean
is_text (const CourrielImapBodyPart *part)
{
  return g_strcmp0 (part->type, "text") == 0
         && (g_strcmp0 (part->subtype, "plain") == 0 || g_strcmp0 (part->subtype, "html") == 0);
}

/* RFC 2231 (filename*=utf-8''r%C3%A9sum%C3%A9.pdf) or RFC 2047, as the server left them. */
static char *
decode_filename (const CourrielImapBodyPart *part)
{
  GHashTable *tables[] = { part->disposition_params, part->params };
  const char *names[] = { "filename", "name" };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *extended = NULL;
      const char *value;

      if (tables[t] == NULL)
        continue;
      extended = g_strconcat (names[t], "*", NULL);
      value = g_hash_table_lookup (tables[t], extended);
      if (value != NULL)
        {
          const char *quote = strchr (value, '\'');
          const char *text = quote != NULL && strchr (quote + 1, '\'') != NULL ? strchr (quote + 1, '\'') + 1 : value;
          g_autofree char *unescaped = g_uri_unescape_string (text, NULL);
          g_autofree char *charset = quote != NULL ? g_strndup (value, quote - value) : NULL;

          if (unescaped == NULL)
            continue;
          if (charset != NULL && *charset != '\0' && g_ascii_strcasecmp (charset, "utf-8") != 0)
            {
              char *converted = g_convert (unescaped, -1, "UTF-8", charset, NULL, NULL, NULL);
              if (converted != NULL)
                return converted;
            }
          if (g_utf8_validate (unescaped, -1, NULL))
            return g_steal_pointer (&unescaped);
        }
      value = g_hash_table_lookup (tables[t], names[t]);
      if (value != NULL)
        return g_mime_utils_header_decode_text (NULL, value);
    }
  return NULL;
}

/* An attachment: said so, or named, or anything that is not text to read. */
static gboolean
is_attachment (const CourrielImapBodyPart *part, const char *filename)
{
  if (g_strcmp0 (part->disposition, "attachment") == 0)
    return TRUE;
  if (filename != NULL)
    return TRUE;
  return !is_text (part) && !is_multipart (part);
}

/* The decoded size, from the encoded one: base64 carries 3 bytes in 4, lines of 76 + CRLF. */
static gsize
decoded_size (const CourrielImapBodyPart *part)
{
  if (g_ascii_strcasecmp (part->encoding != NULL ? part->encoding : "", "base64") == 0)
    return (gsize)(part->size - 2 * (part->size / 78)) * 3 / 4;
  return (gsize)part->size;
}

static void
collect_attachments (const CourrielImapBodyPart *part, GPtrArray *out, guint depth)
{
  g_autofree char *filename = NULL;
  CourrielAttachmentInfo *info;

  if (part == NULL || depth > 32)
    return;
  if (is_multipart (part))
    {
      for (guint i = 0; part->children != NULL && i < part->children->len; i++)
        collect_attachments (part->children->pdata[i], out, depth + 1);
      return;
    }
  /* Signatures and encrypted payloads are not attachments for the reader. */
  if (g_strcmp0 (part->type, "application") == 0
      && (g_strcmp0 (part->subtype, "pgp-signature") == 0 || g_strcmp0 (part->subtype, "pkcs7-signature") == 0
          || g_strcmp0 (part->subtype, "pgp-encrypted") == 0))
    return;
  filename = decode_filename (part);
  if (!is_attachment (part, filename))
    return;
  info = g_new0 (CourrielAttachmentInfo, 1);
  info->section = g_strdup (part->section);
  info->filename = g_steal_pointer (&filename);
  info->mime_type = g_strdup_printf ("%s/%s", part->type ? part->type : "application",
                                     part->subtype ? part->subtype : "octet-stream");
  info->content_id = part->id != NULL ? g_strndup (part->id + (*part->id == '<'), strcspn (part->id + (*part->id == '<'), ">"))
                                      : NULL;
  info->disposition = g_strdup (part->disposition != NULL ? part->disposition
                                : part->id != NULL        ? "inline"
                                                          : "attachment");
  info->size = decoded_size (part);
  g_ptr_array_add (out, info);
}

/* The message's attachments (CourrielAttachmentInfo), as the structure describes them. */
GPtrArray *
courriel_imap_body_structure_attachments (const CourrielImapBodyPart *root)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_attachment_info_free);

  g_mime_init (); /* names are decoded with GMime; idempotent */
  collect_attachments (root, out, 0);
  return out;
}

static void
collect_text (const CourrielImapBodyPart *part, GPtrArray *out, guint depth)
{
  if (part == NULL || depth > 32)
    return;
  if (is_multipart (part) && g_strcmp0 (part->subtype, "alternative") == 0 && part->children != NULL)
    {
      /* One of the alternatives: plain text if there is one. */
      const CourrielImapBodyPart *chosen = part->children->len > 0 ? part->children->pdata[0] : NULL;

      for (guint i = 0; i < part->children->len; i++)
        {
          const CourrielImapBodyPart *child = part->children->pdata[i];
          if (g_strcmp0 (child->type, "text") == 0 && g_strcmp0 (child->subtype, "plain") == 0)
            chosen = child;
        }
      collect_text (chosen, out, depth + 1);
      return;
    }
  if (is_multipart (part))
    {
      for (guint i = 0; part->children != NULL && i < part->children->len; i++)
        collect_text (part->children->pdata[i], out, depth + 1);
      return;
    }
  if (is_text (part))
    {
      g_autofree char *filename = decode_filename (part);
      if (!is_attachment (part, filename))
        g_ptr_array_add (out, g_strdup (part->section));
    }
}

/* The sections ("1", "1.2"…) that hold the readable text, attachments left out; empty when the
 * message is not multipart (its one part is fetched whole). */
GPtrArray *
courriel_imap_body_structure_text_sections (const CourrielImapBodyPart *root)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  if (root != NULL && is_multipart (root))
    collect_text (root, out, 0);
  return out;
}

/* The boundary of a multipart message, to rebuild it from its text parts. */
const char *
courriel_imap_body_structure_boundary (const CourrielImapBodyPart *root)
{
  return root != NULL && is_multipart (root) && root->params != NULL ? g_hash_table_lookup (root->params, "boundary")
                                                                      : NULL;
}
