/* courriel-mail-config.h — what one source says about an address's mail servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-connection.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_MAIL_SERVER_IMAP,
  COURRIEL_MAIL_SERVER_POP3,
  COURRIEL_MAIL_SERVER_SMTP,
} CourrielMailServerType;

/* How the server wants the user to log in, as autoconfig files name it. */
typedef enum
{
  COURRIEL_MAIL_AUTH_PASSWORD = 1 << 0,           /* password-cleartext (over TLS), plain */
  COURRIEL_MAIL_AUTH_PASSWORD_ENCRYPTED = 1 << 1, /* password-encrypted, secure (CRAM-MD5…) */
  COURRIEL_MAIL_AUTH_OAUTH2 = 1 << 2,
  COURRIEL_MAIL_AUTH_NONE = 1 << 3,               /* none, client-IP-address, smtp-after-pop */
  COURRIEL_MAIL_AUTH_OTHER = 1 << 4,              /* NTLM, GSSAPI, TLS-client-cert: not Courriel's */
} CourrielMailAuth;

typedef struct
{
  CourrielMailServerType type;
  char                  *host;      /* ASCII (IDNA), lower case, placeholders replaced */
  guint16                port;
  CourrielSecurity       security;
  char                  *username;  /* placeholders replaced; NULL when the user must say */
  guint                  auth;      /* CourrielMailAuth flags; 0 when the source does not say */
  /* POP3: what the provider suggests */
  gboolean               leave_on_server;
  int                    days_on_server; /* -1: not said */
  /* The source's own rank, lower first; 0 when it gives none (an autoconfig file ranks by
   * order). SRV records carry one across IMAP and POP3: RFC 6186 §3.4 makes it the
   * provider's way to say which protocol it prefers. */
  guint                  priority;
} CourrielMailServer;

typedef struct
{
  char      *provider_id;
  char      *display_name;
  GStrv      domains;
  GPtrArray *incoming;        /* CourrielMailServer*, in the source's order */
  GPtrArray *outgoing;        /* CourrielMailServer* */
  GPtrArray *skipped;         /* char*: why a listed server was left out, in plain words */
  char      *documentation;   /* nullable: the provider's help page */
  char      *enable_url;      /* nullable: where IMAP/POP must first be enabled (GMX, web.de…) */
  char      *enable_instruction;
} CourrielMailConfig;

CourrielMailServer *courriel_mail_server_copy       (const CourrielMailServer *server);
void                courriel_mail_server_free       (CourrielMailServer       *server);
void                courriel_mail_config_free       (CourrielMailConfig       *config);
CourrielMailConfig *courriel_mail_config_new_from_xml (GBytes                 *xml,
                                                       const char             *address,
                                                       GError                **error);
const char         *courriel_mail_server_type_to_string (CourrielMailServerType type);
char               *courriel_mail_server_clean_host (const char           *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMailServer, courriel_mail_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMailConfig, courriel_mail_config_free)

G_END_DECLS
