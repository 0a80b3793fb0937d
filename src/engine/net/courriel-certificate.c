/* courriel-certificate.c — certificate fingerprints, for pinning what the user accepted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-certificate.h"

/**
 * courriel_certificate_get_fingerprint:
 *
 * Returns: (transfer full): the SHA-256 of the certificate's DER encoding, as uppercase
 *   hexadecimal pairs separated by colons ("AB:CD:…", 95 characters)
 */
char *
courriel_certificate_get_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  GString *out = g_string_sized_new (96);

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &length);
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (out, "%s%02X", i > 0 ? ":" : "", digest[i]);
  return g_string_free (out, FALSE);
}

static char *
normalise (const char *fingerprint)
{
  GString *out = g_string_new (NULL);

  for (const char *p = fingerprint; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (out, g_ascii_toupper (*p));
  return g_string_free (out, FALSE);
}

/* Compares with a pinned fingerprint, ignoring case and separators. */
gboolean
courriel_certificate_matches (GTlsCertificate *certificate, const char *fingerprint)
{
  g_autofree char *actual = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (certificate == NULL || fingerprint == NULL)
    return FALSE;
  actual = courriel_certificate_get_fingerprint (certificate);
  a = normalise (actual);
  b = normalise (fingerprint);
  return strlen (b) == 64 && g_str_equal (a, b);
}
