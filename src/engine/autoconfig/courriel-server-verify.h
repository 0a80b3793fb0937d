/* courriel-server-verify.h — logging in to a server found for an address, as the wizard's last step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-mail-config.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_VERIFY_OK,                 /* logged in: server->username is the name that worked */
  COURRIEL_VERIFY_WRONG_PASSWORD,     /* the server refused the user name and password */
  COURRIEL_VERIFY_CERTIFICATE,        /* the certificate is not trusted: see fingerprint (no password sent) */
  COURRIEL_VERIFY_UNREACHABLE,        /* no answer, or not the expected server */
  COURRIEL_VERIFY_NEEDS_APP_PASSWORD, /* the provider refuses account passwords in mail apps: see help_url */
  COURRIEL_VERIFY_NEEDS_OAUTH2,       /* the provider only allows an OAuth2 sign-in, which Courriel cannot do yet */
  COURRIEL_VERIFY_FAILED,             /* anything else (TLS, no secure login offered…): see message */
} CourrielVerifyOutcome;

/* What the user allowed for this login. */
typedef enum
{
  COURRIEL_VERIFY_FLAGS_NONE = 0,
  /* The user chose a server without encryption and confirmed, after a warning, that the
   * password may cross the network readable: without it, such a login fails before the
   * password is sent. */
  COURRIEL_VERIFY_ALLOW_INSECURE_AUTH = 1 << 0,
} CourrielVerifyFlags;

typedef struct
{
  CourrielMailServer   *server;
  CourrielVerifyOutcome outcome;
  guint64               smtp_size_limit; /* OK, SMTP: the largest message it takes (SIZE, RFC 1870); 0: none said */
  char                 *message;     /* nullable: in plain words, for the user */
  char                 *fingerprint; /* CERTIFICATE: SHA-256 of the certificate, for the user to accept */
  GTlsCertificateFlags  certificate_errors;
  const char           *help_url;    /* nullable: the provider's page on app passwords or OAuth2 */
  guint                 attempts;    /* logins tried (each one counts against the provider's lockout) */
  GStrv                 mechanisms;  /* nullable: the login methods (SASL) the server advertised */
} CourrielVerifyResult;

void courriel_verify_result_free (CourrielVerifyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielVerifyResult, courriel_verify_result_free)

/* A provider known to refuse ordinary passwords from mail apps: its help page and whether
 * only OAuth2 works there; NULL for any other host. */
const char *courriel_server_verify_provider_help (const char *host,
                                                  gboolean   *oauth2_only);

/* The outcome in plain words, for the wizard and the account settings alike: returns the
 * message and sets @title. @provider: nullable: the provider's name (else the host), for what
 * only it can change; @was_pinned: the user had trusted another certificate before. */
char *courriel_verify_result_describe (const CourrielVerifyResult *result,
                                       const char                 *provider,
                                       gboolean                    was_pinned,
                                       const char                **title);

/* @fingerprint: nullable: a certificate the user accepted; @database: nullable: the system's
 * trust store when NULL. Fails only when cancelled. */
void                  courriel_server_verify_async  (const CourrielMailServer *server,
                                                     const char               *address,
                                                     const char               *password,
                                                     const char               *fingerprint,
                                                     GTlsDatabase             *database,
                                                     CourrielVerifyFlags       flags,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data);
void                  courriel_server_verify_mechanism_async (const CourrielMailServer *server,
                                                              const char               *mechanism,
                                                              const char               *address,
                                                              const char               *password,
                                                              const char               *fingerprint,
                                                              GTlsDatabase             *database,
                                                              CourrielVerifyFlags       flags,
                                                              GCancellable             *cancellable,
                                                              GAsyncReadyCallback       callback,
                                                              gpointer                  user_data);
void                  courriel_server_probe_mechanisms_async (const CourrielMailServer *server,
                                                              const char               *fingerprint,
                                                              GCancellable             *cancellable,
                                                              GAsyncReadyCallback       callback,
                                                              gpointer                  user_data);
CourrielVerifyResult *courriel_server_verify_finish (GAsyncResult             *result,
                                                     GError                  **error);

G_END_DECLS
