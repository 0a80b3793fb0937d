/* courriel-cli-autoconfig.c — `courriel-cli autoconfig EMAIL [--verify]`: the setup wizard's search, from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints the servers the discovery found, best first, with the source each came from, and every
 * step with how long it took: what a user reporting "my provider is not found" can paste. With
 * --verify, the password is read from standard input (as `account add --password-stdin` does)
 * and the chosen incoming and outgoing servers are logged in to, each reported on its own.
 *
 * A harness outside the test suite can run it against local servers, offline, through
 * environment variables (read by courriel-discovery-environment.c, also for the app's wizard):
 *   COURRIEL_AUTOCONFIG_DNS_FILE   DNS answers from a file (see courriel-static-resolver.c); also
 *                                  the hosts map: a name's A records say where it is
 *   COURRIEL_AUTOCONFIG_ISPDB_URL  the ISP database's base URL (the domain is appended)
 *   COURRIEL_AUTOCONFIG_URL_TEMPLATE  the provider's own URL, %DOMAIN% and %EMAILADDRESS% filled in
 *   COURRIEL_AUTOCONFIG_PORTS      "993=10993,465=10465,443=8443,…": the probes' ports, and the
 *                                  provider's HTTPS (443) and HTTP (80) ports
 *   COURRIEL_AUTOCONFIG_CA_FILE    certificate authorities trusted instead of the system's
 *   COURRIEL_AUTOCONFIG_DEADLINES  "SETTLE,HARD" in milliseconds (2500,12000)
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "courriel-cli-commands.h"
#include "courriel-discovery-environment.h"
#include "courriel-server-verify.h"

/* ---- words ---- */

static const char *
source_words (CourrielDiscoverySource source)
{
  switch (source)
    {
    case COURRIEL_DISCOVERY_SOURCE_PROVIDER:
      return _("the provider’s own configuration");
    case COURRIEL_DISCOVERY_SOURCE_ISPDB:
      return _("the Thunderbird ISP database");
    case COURRIEL_DISCOVERY_SOURCE_DNS_SRV:
      return _("the domain’s DNS SRV records");
    case COURRIEL_DISCOVERY_SOURCE_ISPDB_MX:
      return _("the ISP database, for the provider of the domain’s mail host (MX)");
    case COURRIEL_DISCOVERY_SOURCE_GUESS:
      return _("guessed, and the server answered");
    case COURRIEL_DISCOVERY_SOURCE_PROVIDER_HTTP:
      return _("the provider’s configuration over plain HTTP (not verified)");
    case COURRIEL_DISCOVERY_N_SOURCES:
      break;
    }
  return "?";
}

static const char *
security_words (CourrielSecurity security)
{
  switch (security)
    {
    case COURRIEL_SECURITY_TLS:
      return "TLS";
    case COURRIEL_SECURITY_STARTTLS:
      return "STARTTLS";
    case COURRIEL_SECURITY_NONE:
      break;
    }
  return _("no encryption");
}

static const char *
security_id (CourrielSecurity security)
{
  static const char *const ids[] = { "tls", "starttls", "none" };

  return ids[security];
}

static const char *
verify_outcome_id (CourrielVerifyOutcome outcome)
{
  static const char *const ids[] = { "ok", "wrong-password", "certificate", "unreachable", "needs-app-password",
                                     "needs-oauth2", "failed" };

  return ids[outcome];
}

static char *
verify_words (const CourrielVerifyResult *verified)
{
  switch (verified->outcome)
    {
    case COURRIEL_VERIFY_OK:
      return g_strdup_printf (_("OK, logged in as %s"), verified->server->username);
    case COURRIEL_VERIFY_WRONG_PASSWORD:
      return g_strdup (_("wrong user name or password"));
    case COURRIEL_VERIFY_CERTIFICATE:
      return g_strdup_printf (_("certificate not trusted, fingerprint %s (accept it with --accept-certificate)"),
                              verified->fingerprint);
    case COURRIEL_VERIFY_UNREACHABLE:
      return g_strdup (_("unreachable"));
    case COURRIEL_VERIFY_NEEDS_APP_PASSWORD:
      return g_strdup_printf (_("the provider wants an app password: see %s"),
                              verified->help_url != NULL ? verified->help_url : "?");
    case COURRIEL_VERIFY_NEEDS_OAUTH2:
      return g_strdup_printf (_("the provider only allows an OAuth2 sign-in: see %s"),
                              verified->help_url != NULL ? verified->help_url : "?");
    case COURRIEL_VERIFY_FAILED:
      break;
    }
  return g_strdup (_("failed"));
}

/* ---- JSON ---- */

static void
json_field (GString *out, const char *name, const char *value, gboolean comma)
{
  g_autofree char *quoted = value != NULL ? courriel_cli_json_string (value) : g_strdup ("null");

  g_string_append_printf (out, "\"%s\": %s%s", name, quoted, comma ? ", " : "");
}

static void
json_servers (GString *out, const char *name, GPtrArray *list)
{
  g_string_append_printf (out, "\"%s\": [", name);
  for (guint i = 0; i < list->len; i++)
    {
      CourrielDiscoveryServer *found = list->pdata[i];

      g_string_append_printf (out, "%s{", i > 0 ? ", " : "");
      json_field (out, "type", courriel_mail_server_type_to_string (found->server->type), TRUE);
      json_field (out, "host", found->server->host, TRUE);
      g_string_append_printf (out, "\"port\": %u, ", found->server->port);
      json_field (out, "security", security_id (found->server->security), TRUE);
      json_field (out, "username", found->server->username, TRUE);
      json_field (out, "source", courriel_discovery_source_to_string (found->source), TRUE);
      g_string_append_printf (out, "\"plaintext\": %s, \"upgraded\": %s, ", found->plaintext ? "true" : "false",
                              found->upgraded ? "true" : "false");
      json_field (out, "fingerprint", found->fingerprint, FALSE);
      g_string_append (out, "}");
    }
  g_string_append (out, "], ");
}

static void
print_json (const CourrielDiscoveryResult *result, GPtrArray *verified)
{
  g_autoptr (GString) out = g_string_new ("{");

  json_field (out, "address", result->address, TRUE);
  json_field (out, "domain", result->domain, TRUE);
  g_string_append_printf (out, "\"elapsed_ms\": %u, \"hard_deadline\": %s, ", result->elapsed_ms,
                          result->hard_deadline ? "true" : "false");
  json_field (out, "provider", result->provider_id, TRUE);
  json_field (out, "display_name", result->display_name, TRUE);
  json_field (out, "documentation", result->documentation, TRUE);
  json_field (out, "enable_url", result->enable_url, TRUE);
  json_field (out, "enable_instruction", result->enable_instruction, TRUE);
  json_servers (out, "incoming", result->incoming);
  json_servers (out, "outgoing", result->outgoing);
  g_string_append (out, "\"steps\": [");
  for (guint i = 0; i < result->steps->len; i++)
    {
      CourrielDiscoveryStep *step = result->steps->pdata[i];

      g_string_append_printf (out, "%s{", i > 0 ? ", " : "");
      json_field (out, "source", step->source, TRUE);
      json_field (out, "what", step->what, TRUE);
      json_field (out, "outcome", step->outcome, TRUE);
      json_field (out, "detail", step->detail, TRUE);
      g_string_append_printf (out, "\"started_ms\": %u, \"elapsed_ms\": %u}", step->started_ms, step->elapsed_ms);
    }
  g_string_append (out, "]");
  if (verified != NULL)
    {
      g_string_append (out, ", \"verification\": [");
      for (guint i = 0; i < verified->len; i++)
        {
          CourrielVerifyResult *v = verified->pdata[i];

          g_string_append_printf (out, "%s{", i > 0 ? ", " : "");
          json_field (out, "direction", v->server->type == COURRIEL_MAIL_SERVER_SMTP ? "outgoing" : "incoming", TRUE);
          json_field (out, "host", v->server->host, TRUE);
          g_string_append_printf (out, "\"port\": %u, ", v->server->port);
          json_field (out, "outcome", verify_outcome_id (v->outcome), TRUE);
          json_field (out, "username", v->server->username, TRUE);
          json_field (out, "message", v->message, TRUE);
          json_field (out, "fingerprint", v->fingerprint, TRUE);
          json_field (out, "help_url", v->help_url, TRUE);
          g_string_append_printf (out, "\"attempts\": %u}", v->attempts);
        }
      g_string_append (out, "]");
    }
  g_string_append (out, "}\n");
  g_print ("%s", out->str);
}

/* ---- text ---- */

static void
print_servers (const char *title, GPtrArray *list)
{
  g_print ("%s\n", title);
  if (list->len == 0)
    g_print ("  %s\n", _("none found"));
  for (guint i = 0; i < list->len; i++)
    {
      CourrielDiscoveryServer *found = list->pdata[i];
      g_autofree char *type = g_ascii_strup (courriel_mail_server_type_to_string (found->server->type), -1);

      g_print ("  %u. %s %s:%u, %s, ", i + 1, type, found->server->host, found->server->port,
               security_words (found->server->security));
      g_print (_("user %s — %s"), found->server->username != NULL ? found->server->username : "?",
               source_words (found->source));
      g_print ("\n");
      if (found->upgraded)
        g_print ("     %s\n", _("The source listed this host without encryption; it offers this instead."));
      if (found->plaintext)
        g_print ("     %s\n", _("Warning: no encryption — the password would travel readable by anyone on the way."));
      if (found->fingerprint != NULL)
        g_print ("     %s %s\n", _("Certificate not trusted by this computer; its fingerprint:"), found->fingerprint);
    }
}

static void
print_text (const CourrielDiscoveryResult *result, GPtrArray *verified)
{
  g_autofree char *seconds = g_strdup_printf ("%.2f", result->elapsed_ms / 1000.0);

  g_print (_("Mail servers for %s (searched in %s s)"), result->address, seconds);
  g_print ("\n");
  print_servers (_("Incoming:"), result->incoming);
  print_servers (_("Outgoing:"), result->outgoing);
  if (result->display_name != NULL)
    g_print ("%s %s\n", _("Provider:"), result->display_name);
  if (result->documentation != NULL)
    g_print ("%s %s\n", _("Help:"), result->documentation);
  if (result->enable_url != NULL)
    g_print ("%s %s%s%s\n", _("IMAP/POP may first need enabling at:"), result->enable_url,
             result->enable_instruction != NULL ? " — " : "",
             result->enable_instruction != NULL ? result->enable_instruction : "");
  if (result->hard_deadline)
    g_print ("%s\n", _("Some sources did not answer in time."));
  g_print ("%s\n", _("Steps:"));
  for (guint i = 0; i < result->steps->len; i++)
    {
      CourrielDiscoveryStep *step = result->steps->pdata[i];

      g_print ("  +%5u ms %6u ms  %-19s %s: %s", step->started_ms, step->elapsed_ms, step->source, step->what,
               step->outcome);
      if (step->detail != NULL)
        g_print (" (%s)", step->detail);
      g_print ("\n");
    }
  if (verified == NULL)
    return;
  g_print ("%s\n", _("Verification:"));
  for (guint i = 0; i < verified->len; i++)
    {
      CourrielVerifyResult *v = verified->pdata[i];
      g_autofree char *words = verify_words (v);

      g_print ("  %s %s:%u: %s", v->server->type == COURRIEL_MAIL_SERVER_SMTP ? _("outgoing") : _("incoming"),
               v->server->host, v->server->port, words);
      if (v->outcome != COURRIEL_VERIFY_OK && v->message != NULL)
        g_print (" (%s)", v->message);
      g_print ("\n");
    }
}

/* ---- the command ---- */

/* The chosen incoming and outgoing servers, logged in to at once. @fingerprints: accepted
 * certificates, one for both or one each. */
static GPtrArray *
verify (const CourrielDiscoveryResult *result, const char *password, GStrv fingerprints, GTlsDatabase *database)
{
  GPtrArray *verified = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_verify_result_free);
  GAsyncResult *results[2] = { NULL, NULL };
  CourrielDiscoveryServer *chosen[2] = { result->incoming->len > 0 ? result->incoming->pdata[0] : NULL,
                                         result->outgoing->len > 0 ? result->outgoing->pdata[0] : NULL };

  for (guint i = 0; i < 2; i++)
    {
      const char *fingerprint = NULL;

      if (chosen[i] == NULL)
        continue;
      if (fingerprints != NULL && fingerprints[0] != NULL)
        fingerprint = i == 1 && fingerprints[1] != NULL ? fingerprints[1] : fingerprints[0];
      /* A server found without encryption is reported, never sent the password. */
      courriel_server_verify_async (chosen[i]->server, result->address, password, fingerprint, database,
                                    COURRIEL_VERIFY_FLAGS_NONE, NULL, courriel_cli_got_result, &results[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GError) error = NULL;
      CourrielVerifyResult *v;

      if (chosen[i] == NULL)
        continue;
      v = courriel_server_verify_finish (courriel_cli_wait (&results[i]), &error);
      g_clear_object (&results[i]);
      if (v != NULL)
        g_ptr_array_add (verified, v);
    }
  return verified;
}

int
courriel_cli_autoconfig (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("EMAIL — find the address’s mail servers"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDiscovery) discovery = NULL;
  g_autoptr (CourrielDiscoveryResult) result = NULL;
  g_autoptr (GAsyncResult) async = NULL;
  g_autoptr (GPtrArray) verified = NULL;
  g_autofree char *password = NULL;
  g_auto (GStrv) fingerprints = NULL;
  gboolean do_verify = FALSE;
  gboolean all_ok;
  g_autoptr (GTlsDatabase) database = NULL;
  GOptionEntry entries[] = {
    { "verify", 0, 0, G_OPTION_ARG_NONE, &do_verify,
      N_("Log in to the chosen servers with the password read from standard input"), NULL },
    { "accept-certificate", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fingerprints,
      N_("Accept the certificate with this SHA-256 fingerprint (repeatable)"), N_("SHA256") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (
      context, _("Environment, for tests and harnesses: COURRIEL_AUTOCONFIG_DNS_FILE, COURRIEL_AUTOCONFIG_ISPDB_URL,\n"
                 "COURRIEL_AUTOCONFIG_URL_TEMPLATE, "
                 "COURRIEL_AUTOCONFIG_PORTS, COURRIEL_AUTOCONFIG_CA_FILE, COURRIEL_AUTOCONFIG_DEADLINES (see README.md)."));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("courriel-cli: %s\n", error != NULL ? error->message : _("usage: courriel-cli autoconfig EMAIL [--verify]"));
      return 2;
    }
  if (do_verify)
    {
      password = courriel_cli_read_password ();
      if (password == NULL || *password == '\0')
        {
          g_printerr ("courriel-cli: %s\n", _("no password on standard input"));
          return 2;
        }
    }
  discovery = courriel_discovery_new_from_environment (&database, &error);
  if (discovery == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 2;
    }

  courriel_discovery_run_async (discovery, argv[1], NULL, courriel_cli_got_result, &async);
  result = courriel_discovery_run_finish (discovery, courriel_cli_wait (&async), &error);
  if (result == NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 2;
    }
  if (do_verify)
    {
      verified = verify (result, password, fingerprints, database);
      memset (password, 0, strlen (password));
    }

  if (courriel_cli_json)
    print_json (result, verified);
  else
    print_text (result, verified);

  all_ok = result->incoming->len > 0 && result->outgoing->len > 0;
  for (guint i = 0; verified != NULL && i < verified->len; i++)
    all_ok &= ((CourrielVerifyResult *)verified->pdata[i])->outcome == COURRIEL_VERIFY_OK;
  return all_ok ? 0 : 1;
}
