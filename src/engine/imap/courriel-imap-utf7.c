/* courriel-imap-utf7.c — modified UTF-7 for mailbox names (RFC 3501, 5.1.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Printable ASCII stands for itself ("&" is "&-"); anything else is UTF-16BE in a modified
 * base64 (',' for '/', no padding) between "&" and "-". The decoder refuses what a correct
 * encoder never writes, so that two different names never decode to the same one.
 */
#include "config.h"
#include "courriel-imap-utf7.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static void
flush_utf16 (GString *out, const guint8 *data, gsize length)
{
  guint32 bits = 0;
  int nbits = 0;

  g_string_append_c (out, '&');
  for (gsize i = 0; i < length; i++)
    {
      bits = (bits << 8) | data[i];
      nbits += 8;
      while (nbits >= 6)
        {
          nbits -= 6;
          g_string_append_c (out, alphabet[(bits >> nbits) & 0x3f]);
        }
    }
  if (nbits > 0)
    g_string_append_c (out, alphabet[(bits << (6 - nbits)) & 0x3f]);
  g_string_append_c (out, '-');
}

char *
courriel_imap_utf7_encode (const char *utf8)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GByteArray) pending = g_byte_array_new (); /* UTF-16BE not yet written */

  g_return_val_if_fail (utf8 != NULL, NULL);

  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar)-1 || c == (gunichar)-2)
        c = 0xfffd;
      if (c >= 0x20 && c <= 0x7e)
        {
          if (pending->len > 0)
            {
              flush_utf16 (out, pending->data, pending->len);
              g_byte_array_set_size (pending, 0);
            }
          g_string_append (out, c == '&' ? "&-" : (char[]){ (char)c, '\0' });
          continue;
        }
      if (c >= 0x10000)
        {
          guint32 v = c - 0x10000;
          guint16 units[2] = { 0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff) };
          for (guint i = 0; i < 2; i++)
            {
              guint8 be[2] = { units[i] >> 8, units[i] & 0xff };
              g_byte_array_append (pending, be, 2);
            }
        }
      else
        {
          guint8 be[2] = { c >> 8, c & 0xff };
          g_byte_array_append (pending, be, 2);
        }
    }
  if (pending->len > 0)
    flush_utf16 (out, pending->data, pending->len);
  return g_string_free (out, FALSE);
}

static int
alphabet_index (char c)
{
  const char *found = c != '\0' ? strchr (alphabet, c) : NULL;
  return found != NULL ? (int)(found - alphabet) : -1;
}

char *
courriel_imap_utf7_decode (const char *utf7, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p = utf7;

  g_return_val_if_fail (utf7 != NULL, NULL);

  while (*p != '\0')
    {
      if ((guchar)*p < 0x20 || (guchar)*p > 0x7e)
        goto invalid;
      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      p++;
      if (*p == '-')
        {
          g_string_append_c (out, '&');
          p++;
          continue;
        }
      {
        guint32 bits = 0;
        int nbits = 0;
        guint16 high = 0;
        gboolean any = FALSE;

        while (*p != '-')
          {
            int v = alphabet_index (*p++);

            if (v < 0)
              goto invalid;
            bits = (bits << 6) | (guint32)v;
            nbits += 6;
            if (nbits >= 16)
              {
                guint16 unit = (bits >> (nbits - 16)) & 0xffff;

                nbits -= 16;
                any = TRUE;
                if (unit >= 0xd800 && unit <= 0xdbff)
                  {
                    if (high != 0)
                      goto invalid;
                    high = unit;
                  }
                else if (unit >= 0xdc00 && unit <= 0xdfff)
                  {
                    if (high == 0)
                      goto invalid;
                    g_string_append_unichar (out, 0x10000 + (((gunichar)high - 0xd800) << 10) + (unit - 0xdc00));
                    high = 0;
                  }
                else
                  {
                    /* Printable ASCII must not be encoded: it would make a second spelling. */
                    if (high != 0 || (unit >= 0x20 && unit <= 0x7e))
                      goto invalid;
                    g_string_append_unichar (out, unit);
                  }
              }
          }
        p++; /* - */
        if (!any || high != 0 || nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
          goto invalid;
      }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);

invalid:
  g_set_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
               _("The mail server sent a folder name that is not valid modified UTF-7: “%s”."), utf7);
  return NULL;
}
