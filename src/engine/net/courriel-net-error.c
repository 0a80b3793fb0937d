/* courriel-net-error.c — the errors of connections, TLS and SASL, as the user will read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An untrusted certificate error carries the certificate itself and its fingerprint (a GLib
 * extended error domain), so that the UI can show them and let the user accept that one
 * certificate.
 */
#include "config.h"
#include "courriel-net-error.h"

#include <glib/gi18n-lib.h>

#include "courriel-certificate.h"

typedef struct
{
  GTlsCertificate     *certificate;
  char                *fingerprint;
  GTlsCertificateFlags errors;
} CourrielNetErrorPrivate;

static void
courriel_net_error_private_init (CourrielNetErrorPrivate *priv)
{
}

static void
courriel_net_error_private_copy (const CourrielNetErrorPrivate *src, CourrielNetErrorPrivate *dest)
{
  dest->certificate = src->certificate != NULL ? g_object_ref (src->certificate) : NULL;
  dest->fingerprint = g_strdup (src->fingerprint);
  dest->errors = src->errors;
}

static void
courriel_net_error_private_clear (CourrielNetErrorPrivate *priv)
{
  g_clear_object (&priv->certificate);
  g_clear_pointer (&priv->fingerprint, g_free);
}

G_DEFINE_EXTENDED_ERROR (CourrielNetError, courriel_net_error)

static char *
describe_problems (GTlsCertificateFlags errors)
{
  GString *text = g_string_new (NULL);

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_string_append (text, _(" It is not signed by an authority this computer trusts."));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_string_append (text, _(" It was made for another server name."));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_string_append (text, _(" It has expired."));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_string_append (text, _(" It is not valid yet."));
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_string_append (text, _(" It has been revoked."));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_string_append (text, _(" It uses weak cryptography."));
  return g_string_free (text, FALSE);
}

/**
 * courriel_net_error_new_untrusted:
 *
 * Returns: (transfer full): a %COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED error carrying
 *   @certificate, its SHA-256 fingerprint and what is wrong with it
 */
GError *
courriel_net_error_new_untrusted (const char *host, GTlsCertificate *certificate, GTlsCertificateFlags errors)
{
  g_autofree char *problems = describe_problems (errors);
  g_autofree char *fingerprint = courriel_certificate_get_fingerprint (certificate);
  GError *error = g_error_new (COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED,
                               _("The security certificate of %s is not trusted.%s Its fingerprint is %s."), host,
                               problems, fingerprint);
  CourrielNetErrorPrivate *priv = courriel_net_error_get_private (error);

  priv->certificate = g_object_ref (certificate);
  priv->fingerprint = g_steal_pointer (&fingerprint);
  priv->errors = errors;
  return error;
}

GTlsCertificate *
courriel_net_error_get_certificate (const GError *error)
{
  CourrielNetErrorPrivate *priv = courriel_net_error_get_private (error);

  return priv != NULL ? priv->certificate : NULL;
}

/* SHA-256, "AB:CD:…" */
const char *
courriel_net_error_get_fingerprint (const GError *error)
{
  CourrielNetErrorPrivate *priv = courriel_net_error_get_private (error);

  return priv != NULL ? priv->fingerprint : NULL;
}

GTlsCertificateFlags
courriel_net_error_get_certificate_errors (const GError *error)
{
  CourrielNetErrorPrivate *priv = courriel_net_error_get_private (error);

  return priv != NULL ? priv->errors : 0;
}
