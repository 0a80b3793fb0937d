/* courriel-discovery-environment.c — a discovery pointed at local servers by COURRIEL_AUTOCONFIG_* variables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests, harnesses and demos (README.md lists the variables): the DNS answers from a file,
 * the ISP database's and the provider's addresses, the probes' ports, the trusted certificate
 * authorities and the deadlines. Shared by `courriel-cli autoconfig` and the app's setup wizard.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-discovery-environment.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <stdio.h>

#include "courriel-static-resolver.h"

static gboolean
apply_ports (CourrielDiscovery *discovery, const char *spec, GError **error)
{
  g_auto (GStrv) pairs = g_strsplit (spec, ",", -1);
  guint16 https = 0, http = 0;

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (g_strstrip (pairs[i]), "=", 2);
      guint64 from, to;

      if (*pairs[i] == '\0')
        continue;
      if (g_strv_length (pair) != 2 || !g_ascii_string_to_unsigned (pair[0], 10, 1, G_MAXUINT16, &from, NULL)
          || !g_ascii_string_to_unsigned (pair[1], 10, 1, G_MAXUINT16, &to, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("COURRIEL_AUTOCONFIG_PORTS: “%s” is not PORT=PORT."), pairs[i]);
          return FALSE;
        }
      if (from == 443)
        https = (guint16)to;
      else if (from == 80)
        http = (guint16)to;
      else
        courriel_discovery_set_port (discovery, (guint16)from, (guint16)to);
    }
  courriel_autoconfig_fetcher_set_ports (courriel_discovery_get_fetcher (discovery), https, http);
  return TRUE;
}

/**
 * courriel_discovery_new_from_environment:
 * @database: (out) (transfer full): the certificate authorities of COURRIEL_AUTOCONFIG_CA_FILE, or
 *   NULL (the system's): also for verifying the logins
 *
 * The engine's defaults are untouched when no variable is set. COURRIEL_AUTOCONFIG_DNS_FILE
 * replaces the process's default resolver.
 *
 * Returns: (transfer full): the discovery, or NULL with @error set when a variable is malformed
 */
CourrielDiscovery *
courriel_discovery_new_from_environment (GTlsDatabase **database_out, GError **error)
{
  const char *dns = g_getenv ("COURRIEL_AUTOCONFIG_DNS_FILE");
  const char *ispdb = g_getenv ("COURRIEL_AUTOCONFIG_ISPDB_URL");
  const char *url_template = g_getenv ("COURRIEL_AUTOCONFIG_URL_TEMPLATE");
  const char *ports = g_getenv ("COURRIEL_AUTOCONFIG_PORTS");
  const char *ca = g_getenv ("COURRIEL_AUTOCONFIG_CA_FILE");
  const char *deadlines = g_getenv ("COURRIEL_AUTOCONFIG_DEADLINES");
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (CourrielAutoconfigFetcher) fetcher = NULL;
  g_autoptr (CourrielDiscovery) discovery = NULL;
  g_autoptr (GTlsDatabase) database = NULL;

  if (dns != NULL)
    {
      g_autoptr (CourrielStaticResolver) resolver = courriel_static_resolver_new_from_file (dns, error);

      if (resolver == NULL)
        return NULL;
      g_resolver_set_default (G_RESOLVER (resolver));
    }
  if (ca != NULL)
    {
      database = g_tls_file_database_new (ca, error);
      if (database == NULL)
        return NULL;
      session = soup_session_new_with_options ("tls-database", database, "user-agent",
                                               "Courriel/" PACKAGE_VERSION, NULL);
    }
  fetcher = courriel_autoconfig_fetcher_new (session);
  if (ispdb != NULL)
    courriel_autoconfig_fetcher_set_ispdb_url (fetcher, ispdb);
  if (url_template != NULL)
    courriel_autoconfig_fetcher_set_provider_url (fetcher, url_template);
  discovery = courriel_discovery_new (fetcher);
  courriel_discovery_set_tls_database (discovery, database);
  if (ports != NULL && !apply_ports (discovery, ports, error))
    return NULL;
  if (deadlines != NULL)
    {
      guint settle = 0, hard = 0;

      if (sscanf (deadlines, "%u,%u", &settle, &hard) != 2)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("COURRIEL_AUTOCONFIG_DEADLINES: “%s” is not SETTLE,HARD in milliseconds."), deadlines);
          return NULL;
        }
      courriel_discovery_set_deadlines (discovery, settle, hard);
    }
  *database_out = g_steal_pointer (&database);
  return g_steal_pointer (&discovery);
}
