/* courriel-domain.c — a host's registrable ("organisational") domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Public Suffix List (libpsl, through libsoup) knows mail.example.co.uk belongs to
 * example.co.uk. For a suffix it does not list (".example", ".test", a private TLD) the list's
 * own default rule applies: the last two labels.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-domain.h"

#include <libsoup/soup.h>
#include <string.h>

/**
 * courriel_domain_registrable:
 * @name: a host name, any case, maybe with a trailing dot
 *
 * Returns: its registrable domain, lowercase: mail.example.co.uk → example.co.uk; the name
 * itself for an IP address or a single label ("localhost").
 */
char *
courriel_domain_registrable (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);
  g_autoptr (GError) error = NULL;
  const char *base;
  const char *last_dot, *p;
  gsize length = strlen (lower);

  while (length > 0 && lower[length - 1] == '.')
    lower[--length] = '\0';
  base = soup_tld_get_base_domain (lower, &error);
  if (base != NULL)
    return g_strdup (base);
  if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_IS_IP_ADDRESS) || g_hostname_is_ip_address (lower))
    return g_steal_pointer (&lower);
  last_dot = strrchr (lower, '.');
  if (last_dot == NULL)
    return g_steal_pointer (&lower);
  for (p = last_dot; p > lower && p[-1] != '.'; p--)
    ;
  return g_strdup (p);
}
