/* courriel-imap-fetch.c — what a FETCH response says of one message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decodes FETCH attributes: UID, FLAGS, INTERNALDATE, RFC822.SIZE, MODSEQ, ENVELOPE,
 * BODYSTRUCTURE (nested multiparts, message/rfc822) and body sections. Servers differ in
 * details (NIL where a string is due, missing extension data, lowercase types): anything
 * that can be understood is, anything that cannot is a protocol error, never a crash.
 */
#include "config.h"
#include "courriel-imap-fetch.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "courriel-imap-error.h"

#define MAX_BODY_DEPTH 32

static gboolean
malformed (GError **error, const char *what)
{
  g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
               _("The mail server sent a malformed %s response."), what);
  return FALSE;
}

static char *
dup_string (CourrielImapValue *value)
{
  return courriel_imap_value_dup_string (value);
}

static char *
dup_lower (CourrielImapValue *value)
{
  g_autofree char *text = dup_string (value);

  return text != NULL ? g_ascii_strdown (text, -1) : NULL;
}

/* Dates ------------------------------------------------------------------------------------ */

/* "17-Jul-1996 02:44:25 -0700" (a leading space for one-digit days is allowed). */
GDateTime *
courriel_imap_parse_date_time (const char *text)
{
  static const char *months[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec" };
  int day, year, hour, minute, second, zone;
  char month_name[4] = { 0 };
  char sign;
  int month = 0;
  g_autoptr (GTimeZone) tz = NULL;
  g_autofree char *zone_text = NULL;

  if (text == NULL
      || sscanf (text, " %d-%3c-%d %d:%d:%d %c%4d", &day, month_name, &year, &hour, &minute, &second, &sign, &zone)
           != 8
      || (sign != '+' && sign != '-'))
    return NULL;
  for (int i = 0; i < 12; i++)
    if (g_ascii_strcasecmp (month_name, months[i]) == 0)
      month = i + 1;
  if (month == 0 || zone > 2359 || zone % 100 > 59)
    return NULL;
  zone_text = g_strdup_printf ("%c%02d:%02d", sign, zone / 100, zone % 100);
  tz = g_time_zone_new_identifier (zone_text);
  if (tz == NULL)
    return NULL;
  return g_date_time_new (tz, year, month, day, hour, minute, second);
}

/* Envelope ----------------------------------------------------------------------------------- */

static void
address_free (CourrielImapAddress *address)
{
  g_free (address->name);
  g_free (address->mailbox);
  g_free (address->host);
  g_free (address);
}

static GPtrArray *
parse_addresses (CourrielImapValue *value, GError **error)
{
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func ((GDestroyNotify)address_free);

  if (courriel_imap_value_get_kind (value) == COURRIEL_IMAP_VALUE_NIL)
    return g_steal_pointer (&addresses);
  if (courriel_imap_value_get_kind (value) != COURRIEL_IMAP_VALUE_LIST)
    {
      malformed (error, "ENVELOPE");
      return NULL;
    }
  for (guint i = 0; i < courriel_imap_value_get_length (value); i++)
    {
      CourrielImapValue *item = courriel_imap_value_get_item (value, i);
      CourrielImapAddress *address;

      if (courriel_imap_value_get_length (item) != 4)
        {
          malformed (error, "ENVELOPE");
          return NULL;
        }
      address = g_new0 (CourrielImapAddress, 1);
      address->name = dup_string (courriel_imap_value_get_item (item, 0));
      /* Item 1 is the obsolete source route. */
      address->mailbox = dup_string (courriel_imap_value_get_item (item, 2));
      address->host = dup_string (courriel_imap_value_get_item (item, 3));
      g_ptr_array_add (addresses, address);
    }
  return g_steal_pointer (&addresses);
}

void
courriel_imap_envelope_free (CourrielImapEnvelope *envelope)
{
  if (envelope == NULL)
    return;
  g_free (envelope->date);
  g_free (envelope->subject);
  g_clear_pointer (&envelope->from, g_ptr_array_unref);
  g_clear_pointer (&envelope->sender, g_ptr_array_unref);
  g_clear_pointer (&envelope->reply_to, g_ptr_array_unref);
  g_clear_pointer (&envelope->to, g_ptr_array_unref);
  g_clear_pointer (&envelope->cc, g_ptr_array_unref);
  g_clear_pointer (&envelope->bcc, g_ptr_array_unref);
  g_free (envelope->in_reply_to);
  g_free (envelope->message_id);
  g_free (envelope);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapEnvelope, courriel_imap_envelope_free)

static CourrielImapEnvelope *
parse_envelope (CourrielImapValue *value, GError **error)
{
  g_autoptr (CourrielImapEnvelope) envelope = NULL;
  GPtrArray **lists[6];

  if (courriel_imap_value_get_length (value) < 10)
    {
      malformed (error, "ENVELOPE");
      return NULL;
    }
  envelope = g_new0 (CourrielImapEnvelope, 1);
  lists[0] = &envelope->from;
  lists[1] = &envelope->sender;
  lists[2] = &envelope->reply_to;
  lists[3] = &envelope->to;
  lists[4] = &envelope->cc;
  lists[5] = &envelope->bcc;
  envelope->date = dup_string (courriel_imap_value_get_item (value, 0));
  envelope->subject = dup_string (courriel_imap_value_get_item (value, 1));
  for (guint i = 0; i < 6; i++)
    {
      *lists[i] = parse_addresses (courriel_imap_value_get_item (value, 2 + i), error);
      if (*lists[i] == NULL)
        return NULL;
    }
  envelope->in_reply_to = dup_string (courriel_imap_value_get_item (value, 8));
  envelope->message_id = dup_string (courriel_imap_value_get_item (value, 9));
  return g_steal_pointer (&envelope);
}

/* Body structure ----------------------------------------------------------------------------- */

void
courriel_imap_body_part_free (CourrielImapBodyPart *part)
{
  if (part == NULL)
    return;
  g_free (part->section);
  g_free (part->type);
  g_free (part->subtype);
  g_clear_pointer (&part->params, g_hash_table_unref);
  g_free (part->id);
  g_free (part->description);
  g_free (part->encoding);
  g_free (part->md5);
  g_free (part->disposition);
  g_clear_pointer (&part->disposition_params, g_hash_table_unref);
  g_free (part->language);
  g_free (part->location);
  g_clear_pointer (&part->children, g_ptr_array_unref);
  courriel_imap_envelope_free (part->envelope);
  g_free (part);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapBodyPart, courriel_imap_body_part_free)

/* ("charset" "utf-8" "format" "flowed") or NIL */
static GHashTable *
parse_params (CourrielImapValue *value)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i + 1 < courriel_imap_value_get_length (value); i += 2)
    {
      char *name = dup_lower (courriel_imap_value_get_item (value, i));
      char *text = dup_string (courriel_imap_value_get_item (value, i + 1));

      if (name != NULL && text != NULL)
        g_hash_table_replace (params, name, text);
      else
        {
          g_free (name);
          g_free (text);
        }
    }
  return params;
}

/* body-ext: disposition, language, location (after md5 or multipart subtype/params). */
static void
parse_extensions (CourrielImapBodyPart *part, CourrielImapValue *value, guint index)
{
  CourrielImapValue *disposition = courriel_imap_value_get_item (value, index);
  CourrielImapValue *language = courriel_imap_value_get_item (value, index + 1);

  if (courriel_imap_value_get_kind (disposition) == COURRIEL_IMAP_VALUE_LIST)
    {
      part->disposition = dup_lower (courriel_imap_value_get_item (disposition, 0));
      part->disposition_params = parse_params (courriel_imap_value_get_item (disposition, 1));
    }
  if (courriel_imap_value_get_kind (language) == COURRIEL_IMAP_VALUE_LIST)
    part->language = dup_string (courriel_imap_value_get_item (language, 0));
  else
    part->language = dup_string (language);
  part->location = dup_string (courriel_imap_value_get_item (value, index + 2));
}

static CourrielImapBodyPart *parse_body (CourrielImapValue *value, const char *section, guint depth, GError **error);

static char *
child_section (const char *parent, guint index)
{
  return parent != NULL && *parent != '\0' ? g_strdup_printf ("%s.%u", parent, index) : g_strdup_printf ("%u", index);
}

static CourrielImapBodyPart *
parse_multipart (CourrielImapValue *value, const char *section, guint depth, GError **error)
{
  g_autoptr (CourrielImapBodyPart) part = g_new0 (CourrielImapBodyPart, 1);
  guint n = courriel_imap_value_get_length (value);
  guint i = 0;

  part->section = g_strdup (section);
  part->type = g_strdup ("multipart");
  part->children = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_body_part_free);
  for (; i < n && courriel_imap_value_get_kind (courriel_imap_value_get_item (value, i)) == COURRIEL_IMAP_VALUE_LIST;
       i++)
    {
      g_autofree char *sub = child_section (section, i + 1);
      CourrielImapBodyPart *child = parse_body (courriel_imap_value_get_item (value, i), sub, depth + 1, error);

      if (child == NULL)
        return NULL;
      g_ptr_array_add (part->children, child);
    }
  if (part->children->len == 0)
    {
      malformed (error, "BODYSTRUCTURE");
      return NULL;
    }
  part->subtype = dup_lower (courriel_imap_value_get_item (value, i));
  if (part->subtype == NULL)
    part->subtype = g_strdup ("mixed");
  part->params = parse_params (courriel_imap_value_get_item (value, i + 1));
  parse_extensions (part, value, i + 2);
  return g_steal_pointer (&part);
}

static CourrielImapBodyPart *
parse_single (CourrielImapValue *value, const char *section, guint depth, GError **error)
{
  g_autoptr (CourrielImapBodyPart) part = g_new0 (CourrielImapBodyPart, 1);
  guint next = 7;

  if (courriel_imap_value_get_length (value) < 7)
    {
      malformed (error, "BODYSTRUCTURE");
      return NULL;
    }
  part->section = g_strdup (section);
  part->type = dup_lower (courriel_imap_value_get_item (value, 0));
  part->subtype = dup_lower (courriel_imap_value_get_item (value, 1));
  if (part->type == NULL)
    part->type = g_strdup ("application");
  if (part->subtype == NULL)
    part->subtype = g_strdup ("octet-stream");
  part->params = parse_params (courriel_imap_value_get_item (value, 2));
  part->id = dup_string (courriel_imap_value_get_item (value, 3));
  part->description = dup_string (courriel_imap_value_get_item (value, 4));
  part->encoding = dup_lower (courriel_imap_value_get_item (value, 5));
  courriel_imap_value_get_number (courriel_imap_value_get_item (value, 6), &part->size);

  if (g_str_equal (part->type, "message")
      && (g_str_equal (part->subtype, "rfc822") || g_str_equal (part->subtype, "global"))
      && courriel_imap_value_get_length (value) >= 10)
    {
      /* The encapsulated message: its body's parts are numbered under this one. */
      CourrielImapBodyPart *body;

      part->envelope = parse_envelope (courriel_imap_value_get_item (value, 7), error);
      if (part->envelope == NULL)
        return NULL;
      body = parse_body (courriel_imap_value_get_item (value, 8), section, depth + 1, error);
      if (body == NULL)
        return NULL;
      if (!g_str_equal (body->type, "multipart"))
        {
          g_free (body->section);
          body->section = child_section (section, 1);
        }
      part->children = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_body_part_free);
      g_ptr_array_add (part->children, body);
      courriel_imap_value_get_number (courriel_imap_value_get_item (value, 9), &part->lines);
      next = 10;
    }
  else if (g_str_equal (part->type, "text"))
    {
      courriel_imap_value_get_number (courriel_imap_value_get_item (value, 7), &part->lines);
      next = 8;
    }
  part->md5 = dup_string (courriel_imap_value_get_item (value, next));
  parse_extensions (part, value, next + 1);
  return g_steal_pointer (&part);
}

static CourrielImapBodyPart *
parse_body (CourrielImapValue *value, const char *section, guint depth, GError **error)
{
  if (depth > MAX_BODY_DEPTH || courriel_imap_value_get_kind (value) != COURRIEL_IMAP_VALUE_LIST)
    {
      malformed (error, "BODYSTRUCTURE");
      return NULL;
    }
  if (courriel_imap_value_get_kind (courriel_imap_value_get_item (value, 0)) == COURRIEL_IMAP_VALUE_LIST)
    return parse_multipart (value, section, depth, error);
  return parse_single (value, section, depth, error);
}

/* FETCH ----------------------------------------------------------------------------------------- */

CourrielImapFetch *
courriel_imap_fetch_ref (CourrielImapFetch *fetch)
{
  g_atomic_ref_count_inc (&fetch->ref_count);
  return fetch;
}

void
courriel_imap_fetch_unref (CourrielImapFetch *fetch)
{
  if (fetch == NULL || !g_atomic_ref_count_dec (&fetch->ref_count))
    return;
  g_strfreev (fetch->flags);
  g_clear_pointer (&fetch->internaldate, g_date_time_unref);
  courriel_imap_envelope_free (fetch->envelope);
  courriel_imap_body_part_free (fetch->bodystructure);
  g_hash_table_unref (fetch->sections);
  g_hash_table_unref (fetch->streamed);
  g_free (fetch);
}

/* A body section by the name the server gave it: "BODY[]", "BINARY[1]",
 * "BODY[HEADER.FIELDS (REFERENCES)]" (case-insensitive, partial "<0>" suffix dropped). */
GBytes *
courriel_imap_fetch_get_section (CourrielImapFetch *fetch, const char *section)
{
  g_autofree char *key = g_ascii_strup (section, -1);

  return g_hash_table_lookup (fetch->sections, key);
}

/* BODY[…]<origin>, BINARY[…], RFC822, RFC822.HEADER, RFC822.TEXT: returns the key, or NULL. */
static char *
section_key (const char *name)
{
  const char *bracket = strchr (name, '[');
  const char *end;

  if (g_ascii_strcasecmp (name, "RFC822") == 0)
    return g_strdup ("BODY[]");
  if (g_ascii_strcasecmp (name, "RFC822.HEADER") == 0)
    return g_strdup ("BODY[HEADER]");
  if (g_ascii_strcasecmp (name, "RFC822.TEXT") == 0)
    return g_strdup ("BODY[TEXT]");
  if (bracket == NULL || (end = strchr (bracket, ']')) == NULL)
    return NULL;
  if (g_ascii_strncasecmp (name, "BODY[", 5) != 0 && g_ascii_strncasecmp (name, "BINARY[", 7) != 0)
    return NULL;
  {
    g_autofree char *base = g_strndup (name, end + 1 - name);
    return g_ascii_strup (base, -1);
  }
}

/* * 12 FETCH (UID 1 FLAGS (\Seen) …) */
CourrielImapFetch *
courriel_imap_fetch_parse (CourrielImapResponse *response, GError **error)
{
  g_autoptr (CourrielImapFetch) fetch = NULL;
  CourrielImapValue *items = courriel_imap_value_get_item (courriel_imap_response_get_data (response), 0);
  guint n = courriel_imap_value_get_length (items);

  if (g_strcmp0 (courriel_imap_response_get_name (response), "FETCH") != 0
      || courriel_imap_value_get_kind (items) != COURRIEL_IMAP_VALUE_LIST || n % 2 != 0)
    {
      malformed (error, "FETCH");
      return NULL;
    }

  fetch = g_new0 (CourrielImapFetch, 1);
  g_atomic_ref_count_init (&fetch->ref_count);
  fetch->sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  fetch->streamed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  courriel_imap_response_get_number (response, &fetch->seq);

  for (guint i = 0; i < n; i += 2)
    {
      const char *name = courriel_imap_value_get_atom (courriel_imap_value_get_item (items, i));
      CourrielImapValue *value = courriel_imap_value_get_item (items, i + 1);
      g_autofree char *key = NULL;

      if (name == NULL)
        {
          malformed (error, "FETCH");
          return NULL;
        }
      if (g_ascii_strcasecmp (name, "UID") == 0)
        {
          if (!courriel_imap_value_get_u32 (value, &fetch->uid))
            {
              malformed (error, "UID");
              return NULL;
            }
        }
      else if (g_ascii_strcasecmp (name, "FLAGS") == 0)
        {
          g_autoptr (GStrvBuilder) flags = g_strv_builder_new ();

          for (guint j = 0; j < courriel_imap_value_get_length (value); j++)
            {
              const char *flag = courriel_imap_value_get_atom (courriel_imap_value_get_item (value, j));
              if (flag != NULL)
                g_strv_builder_add (flags, flag);
            }
          g_strfreev (fetch->flags);
          fetch->flags = g_strv_builder_end (flags);
        }
      else if (g_ascii_strcasecmp (name, "INTERNALDATE") == 0)
        {
          g_autofree char *text = dup_string (value);

          g_clear_pointer (&fetch->internaldate, g_date_time_unref);
          fetch->internaldate = courriel_imap_parse_date_time (text);
        }
      else if (g_ascii_strcasecmp (name, "RFC822.SIZE") == 0)
        courriel_imap_value_get_number (value, &fetch->rfc822_size);
      else if (g_ascii_strcasecmp (name, "MODSEQ") == 0)
        courriel_imap_value_get_number (courriel_imap_value_get_item (value, 0), &fetch->modseq);
      else if (g_ascii_strcasecmp (name, "ENVELOPE") == 0)
        {
          courriel_imap_envelope_free (fetch->envelope);
          fetch->envelope = parse_envelope (value, error);
          if (fetch->envelope == NULL)
            return NULL;
        }
      else if (g_ascii_strcasecmp (name, "BODYSTRUCTURE") == 0 || g_ascii_strcasecmp (name, "BODY") == 0)
        {
          courriel_imap_body_part_free (fetch->bodystructure);
          fetch->bodystructure = parse_body (value, "", 0, error);
          if (fetch->bodystructure == NULL)
            return NULL;
          /* A single-part message is its own part 1. */
          if (!g_str_equal (fetch->bodystructure->type, "multipart"))
            {
              g_free (fetch->bodystructure->section);
              fetch->bodystructure->section = g_strdup ("1");
            }
        }
      else if ((key = section_key (name)) != NULL)
        {
          if (courriel_imap_value_get_kind (value) == COURRIEL_IMAP_VALUE_STREAMED)
            g_hash_table_replace (fetch->streamed, g_steal_pointer (&key),
                                  GSIZE_TO_POINTER (courriel_imap_value_get_streamed_size (value)));
          else
            {
              GBytes *bytes = courriel_imap_value_get_bytes (value);
              g_hash_table_replace (fetch->sections, g_steal_pointer (&key),
                                    bytes != NULL ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0));
            }
        }
      /* Other items (X-GM-MSGID, EMAILID, PREVIEW…) are skipped. */
    }
  return g_steal_pointer (&fetch);
}
