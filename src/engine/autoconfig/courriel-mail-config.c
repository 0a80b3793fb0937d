/* courriel-mail-config.c — an autoconfig file (clientConfig 1.1) read into servers Courriel can use
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The format is Thunderbird's: the provider's own file, the ISP database, and what
 * autoconfig.DOMAIN serves all use it. The files are written by hand and quirky, so the reader
 * is lenient where it can be and strict where it must be:
 * - servers are kept in the file's order (many list POP3 before IMAP; ranking is not done here);
 * - a repeated socketType or authentication: the first one Courriel knows wins, the others too
 *   are kept for authentication (the wizard may need to know OAuth2 is the only way);
 * - %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are replaced everywhere; a user name with
 *   any other placeholder is left for the user to type;
 * - a host name is checked after the replacement: anything but letters, digits, dots and dashes
 *   (a line break, a space, a slash) drops the server, since it would be written into commands
 *   and certificates checks;
 * - servers Courriel cannot use (Exchange, a login it has no way to do, no known security) are
 *   left out, each with a reason in plain words, so that the wizard can say why nothing fits.
 * Unknown elements and attributes are ignored, as the format grows.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-mail-config.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  char    *type;
  char    *host;
  char    *port;
  gboolean has_security;
  CourrielSecurity security;
  char    *username;
  guint    auth;
  gboolean leave_on_server;
  int      days_on_server;
} Pending;

typedef struct
{
  CourrielMailConfig *config;
  const char         *address;
  char               *local_part;
  char               *domain;
  GString            *text;
  guint               providers; /* emailProvider elements met: only the first is read */
  Pending            *server;    /* the incomingServer or outgoingServer being read */
  gboolean            outgoing;
  gboolean            in_pop3;
  gboolean            in_enable;
  GPtrArray          *domains;
} Reader;

static void
pending_free (Pending *pending)
{
  if (pending == NULL)
    return;
  g_free (pending->type);
  g_free (pending->host);
  g_free (pending->port);
  g_free (pending->username);
  g_free (pending);
}

CourrielMailServer *
courriel_mail_server_copy (const CourrielMailServer *server)
{
  CourrielMailServer *copy = g_memdup2 (server, sizeof *server);

  copy->host = g_strdup (server->host);
  copy->username = g_strdup (server->username);
  return copy;
}

void
courriel_mail_server_free (CourrielMailServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server->username);
  g_free (server);
}

void
courriel_mail_config_free (CourrielMailConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->provider_id);
  g_free (config->display_name);
  g_strfreev (config->domains);
  g_ptr_array_unref (config->incoming);
  g_ptr_array_unref (config->outgoing);
  g_ptr_array_unref (config->skipped);
  g_free (config->documentation);
  g_free (config->enable_url);
  g_free (config->enable_instruction);
  g_free (config);
}

const char *
courriel_mail_server_type_to_string (CourrielMailServerType type)
{
  static const char *names[] = { "imap", "pop3", "smtp" };

  return names[type];
}

/* %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% replaced. */
static char *
replace_placeholders (Reader *reader, const char *text, gboolean for_host)
{
  GString *out = g_string_new (text);

  g_string_replace (out, "%EMAILADDRESS%", reader->address, 0);
  g_string_replace (out, "%EMAILLOCALPART%", reader->local_part, 0);
  g_string_replace (out, "%EMAILDOMAIN%", for_host ? reader->domain : strrchr (reader->address, '@') + 1, 0);
  return g_string_free (out, FALSE);
}

/**
 * courriel_mail_server_clean_host:
 * @text: a host name as a source gives it (an autoconfig file, an SRV or MX record)
 *
 * Every source's host names go through here before they reach a connection: the name is
 * written into commands, certificate checks and the user's settings, so anything but letters,
 * digits, dots and dashes (a line break, a space, a slash) is refused rather than escaped.
 *
 * Returns: (nullable): the name in ASCII (IDNA), lower case, without the root's final dot;
 *   NULL when it is not a host name.
 */
char *
courriel_mail_server_clean_host (const char *text)
{
  g_autofree char *ascii = g_hostname_to_ascii (text);
  char *lower;

  if (ascii == NULL || *ascii == '\0' || *ascii == '.' || *ascii == '-' || strlen (ascii) > 253)
    return NULL;
  for (const char *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-')
      return NULL;
  lower = g_ascii_strdown (ascii, -1);
  if (g_str_has_suffix (lower, "."))
    lower[strlen (lower) - 1] = '\0';
  return lower;
}

/* A host name that can go into a connection and a certificate check, or NULL. */
static char *
clean_host (Reader *reader, const char *text)
{
  g_autofree char *replaced = replace_placeholders (reader, text, TRUE);

  return courriel_mail_server_clean_host (replaced);
}

static guint16
default_port (CourrielMailServerType type, CourrielSecurity security)
{
  switch (type)
    {
    case COURRIEL_MAIL_SERVER_IMAP:
      return security == COURRIEL_SECURITY_TLS ? 993 : 143;
    case COURRIEL_MAIL_SERVER_POP3:
      return security == COURRIEL_SECURITY_TLS ? 995 : 110;
    case COURRIEL_MAIL_SERVER_SMTP:
    default:
      return security == COURRIEL_SECURITY_TLS ? 465 : 587;
    }
}

static void
skip (Reader *reader, Pending *pending, const char *why)
{
  const char *host = pending->host != NULL ? pending->host : "?";

  /* TRANSLATORS: "imap.example.com: its security is not one Courriel knows" */
  g_ptr_array_add (reader->config->skipped, g_strdup_printf (_("%s: %s"), host, why));
}

/* The server read, kept if Courriel can use it. */
static void
finish_server (Reader *reader)
{
  g_autoptr (CourrielMailServer) server = g_new0 (CourrielMailServer, 1);
  Pending *pending = reader->server;
  guint64 port = 0;

  if (g_strcmp0 (pending->type, "imap") == 0 && !reader->outgoing)
    server->type = COURRIEL_MAIL_SERVER_IMAP;
  else if (g_strcmp0 (pending->type, "pop3") == 0 && !reader->outgoing)
    server->type = COURRIEL_MAIL_SERVER_POP3;
  else if (g_strcmp0 (pending->type, "smtp") == 0 && reader->outgoing)
    server->type = COURRIEL_MAIL_SERVER_SMTP;
  else
    {
      g_autofree char *why = g_strdup_printf (_("a server of type “%s”, which Courriel does not speak"),
                                              pending->type != NULL ? pending->type : "");
      skip (reader, pending, why);
      return;
    }
  if (pending->host == NULL || (server->host = clean_host (reader, pending->host)) == NULL)
    {
      skip (reader, pending, _("its host name is not valid"));
      return;
    }
  if (!pending->has_security)
    {
      skip (reader, pending, _("its security is not one Courriel knows"));
      return;
    }
  server->security = pending->security;
  if (pending->port == NULL)
    server->port = default_port (server->type, server->security);
  else if (!g_ascii_string_to_unsigned (pending->port, 10, 1, 65535, &port, NULL))
    {
      skip (reader, pending, _("its port is not a port number"));
      return;
    }
  else
    server->port = (guint16)port;
  if (pending->auth == COURRIEL_MAIL_AUTH_OTHER)
    {
      skip (reader, pending, _("it needs a way to log in that Courriel does not offer (NTLM, Kerberos or a client "
                               "certificate)"));
      return;
    }
  server->auth = pending->auth & ~COURRIEL_MAIL_AUTH_OTHER;
  if (pending->username != NULL)
    {
      server->username = replace_placeholders (reader, pending->username, FALSE);
      if (strchr (server->username, '%') != NULL || *server->username == '\0')
        g_clear_pointer (&server->username, g_free);
    }
  server->leave_on_server = pending->leave_on_server;
  server->days_on_server = pending->days_on_server;
  g_ptr_array_add (reader->outgoing ? reader->config->outgoing : reader->config->incoming,
                   g_steal_pointer (&server));
}

static const char *
attribute (const char **names, const char **values, const char *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return values[i];
  return NULL;
}

static void
on_start (GMarkupParseContext *context, const char *element, const char **names, const char **values,
          gpointer user_data, GError **error)
{
  Reader *reader = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : NULL;

  g_string_truncate (reader->text, 0);
  if (parent == NULL)
    {
      if (g_strcmp0 (element, "clientConfig") != 0)
        g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                     _("This is not a mail configuration (it starts with <%s>)."), element);
      return;
    }
  if (g_strcmp0 (element, "emailProvider") == 0 && g_strcmp0 (parent, "clientConfig") == 0)
    {
      if (reader->providers++ == 0)
        reader->config->provider_id = g_strdup (attribute (names, values, "id"));
      return;
    }
  /* Most files have <enable> in <emailProvider>; googlemail.com's and yandex.ru's have it beside. */
  if (g_strcmp0 (element, "enable") == 0 && reader->providers == 1
      && (g_strcmp0 (parent, "emailProvider") == 0 || g_strcmp0 (parent, "clientConfig") == 0))
    {
      g_free (reader->config->enable_url);
      reader->config->enable_url = g_strdup (attribute (names, values, "visiturl"));
      reader->in_enable = TRUE;
      return;
    }
  if (reader->providers != 1 || g_strcmp0 (parent, "emailProvider") != 0)
    {
      reader->in_pop3 |= reader->server != NULL && g_strcmp0 (element, "pop3") == 0;
      return;
    }
  if (g_strcmp0 (element, "incomingServer") == 0 || g_strcmp0 (element, "outgoingServer") == 0)
    {
      pending_free (reader->server);
      reader->server = g_new0 (Pending, 1);
      reader->server->type = g_strdup (attribute (names, values, "type"));
      reader->server->days_on_server = -1;
      reader->outgoing = element[0] == 'o';
    }
  else if (g_strcmp0 (element, "documentation") == 0 && reader->config->documentation == NULL)
    reader->config->documentation = g_strdup (attribute (names, values, "url"));
}

static guint
auth_from_name (const char *name)
{
  static const struct
  {
    const char *name;
    guint       auth;
  } names[] = {
    { "password-cleartext", COURRIEL_MAIL_AUTH_PASSWORD },
    { "plain", COURRIEL_MAIL_AUTH_PASSWORD },
    { "password-encrypted", COURRIEL_MAIL_AUTH_PASSWORD_ENCRYPTED },
    { "secure", COURRIEL_MAIL_AUTH_PASSWORD_ENCRYPTED },
    { "OAuth2", COURRIEL_MAIL_AUTH_OAUTH2 },
    { "none", COURRIEL_MAIL_AUTH_NONE },
    { "client-IP-address", COURRIEL_MAIL_AUTH_NONE },
    { "smtp-after-pop", COURRIEL_MAIL_AUTH_NONE },
    { "NTLM", COURRIEL_MAIL_AUTH_OTHER },
    { "GSSAPI", COURRIEL_MAIL_AUTH_OTHER },
    { "TLS-client-cert", COURRIEL_MAIL_AUTH_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      return names[i].auth;
  return 0;
}

static void
replace (char **field, const char *text)
{
  g_free (*field);
  *field = g_strdup (text);
}

/* A child of incomingServer or outgoingServer (or of its pop3 element) ended. */
static void
server_field (Pending *pending, const char *element, const char *text)
{
  if (g_strcmp0 (element, "hostname") == 0)
    replace (&pending->host, text);
  else if (g_strcmp0 (element, "port") == 0)
    replace (&pending->port, text);
  else if (g_strcmp0 (element, "username") == 0)
    replace (&pending->username, text);
  else if (g_strcmp0 (element, "authentication") == 0)
    pending->auth |= auth_from_name (text);
  else if (g_strcmp0 (element, "socketType") == 0 && !pending->has_security)
    {
      pending->has_security = TRUE;
      if (g_ascii_strcasecmp (text, "SSL") == 0 || g_ascii_strcasecmp (text, "TLS") == 0)
        pending->security = COURRIEL_SECURITY_TLS;
      else if (g_ascii_strcasecmp (text, "STARTTLS") == 0)
        pending->security = COURRIEL_SECURITY_STARTTLS;
      else if (g_ascii_strcasecmp (text, "plain") == 0)
        pending->security = COURRIEL_SECURITY_NONE;
      else
        pending->has_security = FALSE;
    }
  else if (g_strcmp0 (element, "leaveMessagesOnServer") == 0)
    pending->leave_on_server = g_ascii_strcasecmp (text, "true") == 0;
  else if (g_strcmp0 (element, "daysToLeaveMessagesOnServer") == 0)
    {
      guint64 days;
      if (g_ascii_string_to_unsigned (text, 10, 0, 36500, &days, NULL))
        pending->days_on_server = (int)days;
    }
}

static void
on_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Reader *reader = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : NULL;
  g_autofree char *text = g_strstrip (g_strdup (reader->text->str));

  g_string_truncate (reader->text, 0);
  if (reader->providers != 1)
    return;
  if (reader->server != NULL)
    {
      if (g_strcmp0 (element, "incomingServer") == 0 || g_strcmp0 (element, "outgoingServer") == 0)
        {
          finish_server (reader);
          g_clear_pointer (&reader->server, pending_free);
        }
      else if (g_strcmp0 (element, "pop3") == 0)
        reader->in_pop3 = FALSE;
      else if (g_strcmp0 (parent, "incomingServer") == 0 || g_strcmp0 (parent, "outgoingServer") == 0
               || (reader->in_pop3 && g_strcmp0 (parent, "pop3") == 0))
        server_field (reader->server, element, text);
      return;
    }
  if (g_strcmp0 (parent, "emailProvider") == 0)
    {
      if (g_strcmp0 (element, "domain") == 0 && *text != '\0')
        g_ptr_array_add (reader->domains, g_ascii_strdown (text, -1));
      else if (g_strcmp0 (element, "displayName") == 0 && reader->config->display_name == NULL)
        reader->config->display_name = g_steal_pointer (&text);
    }
  if (g_strcmp0 (element, "enable") == 0)
    reader->in_enable = FALSE;
  else if (reader->in_enable && g_strcmp0 (element, "instruction") == 0 && reader->config->enable_instruction == NULL)
    reader->config->enable_instruction = g_steal_pointer (&text);
}

static void
on_text (GMarkupParseContext *context, const char *text, gsize length, gpointer user_data, GError **error)
{
  Reader *reader = user_data;

  g_string_append_len (reader->text, text, length);
}

/**
 * courriel_mail_config_new_from_xml:
 * @address: the e-mail address the file is for (its placeholders are filled from it)
 *
 * Returns: what the file says, or NULL with @error set (G_IO_ERROR_INVALID_DATA) when it is not
 *   a readable mail configuration. A file whose servers were all left out is returned, with
 *   the reasons in skipped.
 */
CourrielMailConfig *
courriel_mail_config_new_from_xml (GBytes *xml, const char *address, GError **error)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr (CourrielMailConfig) config = g_new0 (CourrielMailConfig, 1);
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) text = g_string_new (NULL);
  const char *at = strrchr (address, '@');
  g_autofree char *local_part = at != NULL ? g_strndup (address, at - address) : g_strdup (address);
  g_autofree char *domain = at != NULL ? g_hostname_to_ascii (at + 1) : NULL;
  g_autofree char *lower_domain = domain != NULL ? g_ascii_strdown (domain, -1) : g_strdup ("");
  Reader reader = { config, address, local_part, lower_domain, text, 0, NULL, FALSE, FALSE, FALSE, domains };
  gsize size;
  const char *data = g_bytes_get_data (xml, &size);

  config->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_mail_server_free);
  config->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_mail_server_free);
  config->skipped = g_ptr_array_new_with_free_func (g_free);
  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &reader, NULL);
  /* GMarkup does not skip the XML declaration's byte-order mark. */
  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3, size -= 3;
  if ((!g_markup_parse_context_parse (context, data, size, &local_error)
       || !g_markup_parse_context_end_parse (context, &local_error))
      || reader.providers == 0)
    {
      pending_free (reader.server);
      if (local_error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("The mail configuration names no provider."));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The mail configuration cannot be read: %s"),
                     local_error->message);
      return NULL;
    }
  g_ptr_array_add (domains, NULL);
  config->domains = (GStrv)g_ptr_array_steal (domains, NULL);
  return g_steal_pointer (&config);
}
