/* test-mail-config.c — autoconfig files read into servers: the 163 of the ISP database, and hostile ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ISP database's files are read from ../shared/ispdb/ (COURRIEL_SHARED_DIR), never copied
 * here: in a clone without them, those tests are skipped and say so.
 */
#include "config.h"

#include "autoconfig-test-util.h"
#include "courriel-mail-config.h"

static CourrielMailConfig *
read_file (const char *dir, const char *name, const char *address)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr (GBytes) bytes = NULL;
  CourrielMailConfig *config;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  config = courriel_mail_config_new_from_xml (bytes, address, &error);
  g_assert_no_error (error);
  return config;
}

static CourrielMailServer *
server (GPtrArray *servers, guint i)
{
  g_assert_cmpuint (i, <, servers->len);
  return servers->pdata[i];
}

static gboolean
has_type (GPtrArray *servers, CourrielMailServerType type)
{
  for (guint i = 0; i < servers->len; i++)
    if (((CourrielMailServer *)servers->pdata[i])->type == type)
      return TRUE;
  return FALSE;
}

static gboolean
only_plaintext (GPtrArray *servers)
{
  for (guint i = 0; i < servers->len; i++)
    if (((CourrielMailServer *)servers->pdata[i])->security != COURRIEL_SECURITY_NONE)
      return FALSE;
  return servers->len > 0;
}

/* Every file yields an incoming and an outgoing server, or says why not; POP3-first and
 * POP3-only files read as well as the others. */
static void
test_ispdb (void)
{
  g_autofree char *dir = autoconfig_test_ispdb_dir ();
  g_autoptr (GDir) listing = NULL;
  const char *name;
  guint files = 0, pop3_first = 0, pop3_only = 0, plaintext_only = 0, complete = 0;

  if (dir == NULL)
    return;
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *domain = NULL;
      g_autofree char *address = NULL;
      g_autoptr (CourrielMailConfig) config = NULL;

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      files++;
      domain = g_strndup (name, strlen (name) - 4);
      address = g_strdup_printf ("camille.durand@%s", domain);
      config = read_file (dir, name, address);
      g_assert_nonnull (config->provider_id);
      g_assert_nonnull (config->domains[0]);
      /* Something to use, or a reason. */
      g_assert_true (config->incoming->len > 0 || config->skipped->len > 0);
      g_assert_true (config->outgoing->len > 0 || config->skipped->len > 0);
      if (config->incoming->len > 0 && config->outgoing->len > 0)
        complete++;
      else
        for (guint i = 0; i < config->skipped->len; i++)
          g_test_message ("%s: %s", name, (char *)config->skipped->pdata[i]);
      for (guint i = 0; i < config->incoming->len + config->outgoing->len; i++)
        {
          CourrielMailServer *s = i < config->incoming->len ? config->incoming->pdata[i]
                                                            : config->outgoing->pdata[i - config->incoming->len];
          g_assert_nonnull (s->host);
          g_assert_null (strchr (s->host, '%'));
          g_assert_cmpuint (s->port, >, 0);
          g_assert_true (s->username == NULL || strchr (s->username, '%') == NULL);
        }
      if (config->incoming->len > 0 && server (config->incoming, 0)->type == COURRIEL_MAIL_SERVER_POP3)
        pop3_first++;
      if (has_type (config->incoming, COURRIEL_MAIL_SERVER_POP3)
          && !has_type (config->incoming, COURRIEL_MAIL_SERVER_IMAP))
        pop3_only++;
      if (only_plaintext (config->incoming))
        plaintext_only++;
    }
  g_test_message ("%u files: %u complete, %u list POP3 first, %u offer only POP3, %u only plaintext incoming",
                  files, complete, pop3_first, pop3_only, plaintext_only);
  g_assert_cmpuint (files, ==, 163);
  g_assert_cmpuint (pop3_first, ==, 49);
  g_assert_cmpuint (pop3_only, ==, 43);
  g_assert_cmpuint (complete, ==, files);
  g_assert_cmpuint (plaintext_only, >, 0);
}

/* What the wizard relies on, in files French and other users meet. */
static void
test_known_providers (void)
{
  g_autofree char *dir = autoconfig_test_ispdb_dir ();
  g_autoptr (CourrielMailConfig) free_fr = NULL;
  g_autoptr (CourrielMailConfig) posteo = NULL;
  g_autoptr (CourrielMailConfig) hotmail = NULL;
  g_autoptr (CourrielMailConfig) yahoo = NULL;
  g_autoptr (CourrielMailConfig) gmx = NULL;
  g_autoptr (CourrielMailConfig) gmail = NULL;
  CourrielMailServer *s;

  if (dir == NULL)
    return;
  free_fr = read_file (dir, "free.fr.xml", "camille.durand@free.fr");
  s = server (free_fr->incoming, 0);
  g_assert_cmpint (s->type, ==, COURRIEL_MAIL_SERVER_IMAP);
  g_assert_cmpstr (s->host, ==, "imap.free.fr");
  g_assert_cmpuint (s->port, ==, 993);
  g_assert_cmpint (s->security, ==, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (s->username, ==, "camille.durand");
  g_assert_cmpint (server (free_fr->incoming, 1)->type, ==, COURRIEL_MAIL_SERVER_POP3);
  g_assert_cmpstr (server (free_fr->outgoing, 0)->host, ==, "smtp.free.fr");
  g_assert_nonnull (free_fr->documentation);

  posteo = read_file (dir, "posteo.de.xml", "camille@posteo.de");
  g_assert_cmpstr (server (posteo->incoming, 0)->host, ==, "posteo.de");
  g_assert_cmpstr (server (posteo->incoming, 0)->username, ==, "camille@posteo.de");

  /* Outlook.com: OAuth2 is the only way in, and the wizard must be able to say so. */
  hotmail = read_file (dir, "hotmail.com.xml", "camille@outlook.com");
  for (guint i = 0; i < hotmail->incoming->len; i++)
    g_assert_cmpuint (server (hotmail->incoming, i)->auth, ==, COURRIEL_MAIL_AUTH_OAUTH2);
  g_assert_true (g_strv_contains ((const char * const *)hotmail->domains, "outlook.com"));

  yahoo = read_file (dir, "yahoo.com.xml", "camille@yahoo.com");
  g_assert_cmpstr (server (yahoo->incoming, 0)->host, ==, "imap.mail.yahoo.com");
  g_assert_cmpstr (server (yahoo->incoming, 1)->host, ==, "export.imap.mail.yahoo.com");

  /* GMX: IMAP and POP3 must first be enabled on the web. */
  gmx = read_file (dir, "gmx.net.xml", "camille@gmx.net");
  g_assert_nonnull (gmx->enable_url);
  g_assert_true (g_str_has_prefix (gmx->enable_url, "https://"));
  /* Gmail says so beside its <emailProvider>, not in it. */
  gmail = read_file (dir, "googlemail.com.xml", "camille@gmail.com");
  g_assert_true (g_str_has_prefix (gmail->enable_url, "https://mail.google.com/"));
  g_assert_cmpstr (gmail->enable_instruction, ==, "You need to enable IMAP access");
}

static CourrielMailConfig *
parse (const char *xml, const char *address, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (xml, strlen (xml));

  return courriel_mail_config_new_from_xml (bytes, address, error);
}

#define SERVER(kind, type, host, port, socket)                                                               \
  "<" kind "Server type=\"" type "\"><hostname>" host "</hostname><port>" port "</port><socketType>" socket \
  "</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></" kind \
  "Server>"

/* Broken and hostile files: a clear error, or the bad servers left out with a reason. */
static void
test_hostile (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielMailConfig) config = NULL;
  g_autoptr (CourrielMailConfig) idn = NULL;
  g_autoptr (CourrielMailConfig) quirks = NULL;
  const char *not_xml = "<html><body>404</body></html>";
  const char *truncated = "<clientConfig version=\"1.1\"><emailProvider id=\"x\"><domain>x";
  const char *hostile
    = "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\"><emailProvider id=\"example.org\">"
      "<domain>example.org</domain><displayName>Example &amp; Co</displayName>"
      SERVER ("incoming", "imap", "imap.example.org\r\nA1 LOGOUT", "993", "SSL")
      SERVER ("incoming", "imap", "imap.example.org", "70000", "SSL")
      SERVER ("incoming", "exchange", "mail.example.org", "443", "SSL")
      SERVER ("incoming", "pop3", "pop.example.org", "995", "TLS-1.3")
      "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><socketType>plain</socketType>"
      "<socketType>STARTTLS</socketType><username>%USERNAME%</username>"
      "<authentication>GSSAPI</authentication><authentication>password-encrypted</authentication></incomingServer>"
      "<incomingServer type=\"pop3\"><hostname>pop.example.org</hostname><port>995</port>"
      "<socketType>SSL</socketType><authentication>NTLM</authentication></incomingServer>"
      SERVER ("outgoing", "smtp", "smtp.example.org", "587", "STARTTLS")
      "</emailProvider><emailProvider id=\"evil.example\">"
      SERVER ("incoming", "imap", "imap.evil.example", "993", "SSL")
      "</emailProvider></clientConfig>";
  const char *with_idn
    = "\xef\xbb\xbf<clientConfig><emailProvider id=\"ex\"><domain>exämple.fr</domain>"
      "<incomingServer type=\"pop3\"><hostname>POP.%EMAILDOMAIN%.</hostname><port>995</port>"
      "<socketType>SSL</socketType><username><![CDATA[%EMAILLOCALPART%]]></username>"
      "<pop3><leaveMessagesOnServer>true</leaveMessagesOnServer>"
      "<daysToLeaveMessagesOnServer>7</daysToLeaveMessagesOnServer></pop3></incomingServer>"
      "</emailProvider></clientConfig>";
  CourrielMailServer *s;

  g_assert_null (parse (not_xml, "a@example.org", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "<html>"));
  g_clear_error (&error);
  g_assert_null (parse (truncated, "a@example.org", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (parse ("<clientConfig/>", "a@example.org", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  config = parse (hostile, "camille@example.org", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider_id, ==, "example.org");
  g_assert_cmpstr (config->display_name, ==, "Example & Co");
  /* Only the STARTTLS-less first socketType counts, with the user name left to the user, and the
   * port its security's default; the evil second provider is not read. */
  g_assert_cmpuint (config->incoming->len, ==, 1);
  s = server (config->incoming, 0);
  g_assert_cmpstr (s->host, ==, "imap.example.org");
  g_assert_cmpint (s->security, ==, COURRIEL_SECURITY_NONE);
  g_assert_cmpuint (s->port, ==, 143);
  g_assert_null (s->username);
  g_assert_cmpuint (s->auth, ==, COURRIEL_MAIL_AUTH_PASSWORD_ENCRYPTED);
  g_assert_cmpuint (config->outgoing->len, ==, 1);
  g_assert_cmpstr (server (config->outgoing, 0)->username, ==, "camille@example.org");
  /* Five left out, each with its reason. */
  g_assert_cmpuint (config->skipped->len, ==, 5);
  g_assert_nonnull (strstr (config->skipped->pdata[0], "host name"));
  g_assert_nonnull (strstr (config->skipped->pdata[1], "port"));
  g_assert_nonnull (strstr (config->skipped->pdata[2], "exchange"));
  g_assert_nonnull (strstr (config->skipped->pdata[3], "security"));
  g_assert_nonnull (strstr (config->skipped->pdata[4], "NTLM"));

  /* An internationalised domain, a byte-order mark, CDATA, POP3 advice. */
  idn = parse (with_idn, "élodie@Exämple.fr", &error);
  g_assert_no_error (error);
  s = server (idn->incoming, 0);
  g_assert_cmpstr (s->host, ==, "pop.xn--exmple-cua.fr");
  g_assert_cmpstr (s->username, ==, "élodie");
  g_assert_true (s->leave_on_server);
  g_assert_cmpint (s->days_on_server, ==, 7);
  g_assert_cmpuint (idn->outgoing->len, ==, 0);

  quirks = parse ("<clientConfig><emailProvider id=\"q\"><incomingServer type=\"imap\"><hostname>imap.q.example"
                  "</hostname><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>",
                  "a@q.example", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server (quirks->incoming, 0)->port, ==, 993);
  g_assert_cmpuint (server (quirks->incoming, 0)->auth, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail-config/ispdb", test_ispdb);
  g_test_add_func ("/mail-config/known-providers", test_known_providers);
  g_test_add_func ("/mail-config/hostile", test_hostile);
  return g_test_run ();
}
