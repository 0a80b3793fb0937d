/* courriel-account.h — an account's configuration, kept in the store, its passwords in the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-connection.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_PROTOCOL_IMAP,
  COURRIEL_PROTOCOL_POP3,
} CourrielProtocol;

typedef struct
{
  char            *host;        /* NULL: no server (an account without outgoing mail yet) */
  guint16          port;
  CourrielSecurity security;
  char            *username;
  char            *auth;        /* SASL mechanism, or NULL to choose the best offered */
  char            *fingerprint; /* SHA-256 of a certificate the user accepted, or NULL */
} CourrielServer;

typedef struct
{
  gint64           id;          /* 0 until saved */
  char            *address;
  char            *display_name;
  CourrielProtocol protocol;
  CourrielServer   incoming;
  CourrielServer   outgoing;
  gboolean         allow_insecure;
  guint            offline_days; /* bodies of the last N days downloaded ahead; 0: when opened */
  int              pop3_keep_days; /* POP3: days on the server after download; -1 always, 0 not at all */
  gboolean         pop3_delete_when_deleted_here;
  gint64           created;     /* Unix time */
  char            *authserv_id; /* the trusted Authentication-Results authserv-id; NULL: derived */
  guint64          smtp_size_limit; /* the outgoing server's SIZE (RFC 1870) in bytes; 0: unknown or none */
} CourrielAccount;

CourrielAccount *courriel_account_new           (const char       *address);
CourrielAccount *courriel_account_copy          (const CourrielAccount *account);
void             courriel_account_free          (CourrielAccount  *account);
char            *courriel_account_get_authserv_id (const CourrielAccount *account);
void             courriel_account_set_authserv_id (CourrielAccount  *account,
                                                   const char       *authserv_id);
CourrielConnection *courriel_account_new_connection (const CourrielAccount *account,
                                                     const CourrielServer  *server);

void             courriel_account_save_async    (CourrielStore    *store,
                                                 CourrielAccount  *account,
                                                 const char       *incoming_password,
                                                 const char       *outgoing_password,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gint64           courriel_account_save_finish   (GAsyncResult     *result,
                                                 GError          **error);
CourrielAccount *courriel_account_find          (GPtrArray        *accounts,
                                                 gint64            id);
void             courriel_account_list_async    (CourrielStore    *store,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
GPtrArray       *courriel_account_list_finish   (CourrielStore    *store,
                                                 GAsyncResult     *result,
                                                 GError          **error);
void             courriel_account_remove_async  (CourrielStore    *store,
                                                 const char       *address,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gboolean         courriel_account_remove_finish (GAsyncResult     *result,
                                                 GError          **error);
void             courriel_account_set_address_async  (CourrielStore    *store,
                                                      gint64            id,
                                                      const char       *address,
                                                      const char       *new_address,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
gboolean         courriel_account_set_address_finish (GAsyncResult     *result,
                                                      GError          **error);

/* Only the limit, in one small UPDATE: what an Outbox send learned from the server's EHLO. */
void             courriel_account_set_smtp_size_limit_async  (CourrielStore       *store,
                                                              gint64               account_id,
                                                              guint64              limit,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean         courriel_account_set_smtp_size_limit_finish (CourrielStore       *store,
                                                              GAsyncResult        *result,
                                                              GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielAccount, courriel_account_free)

G_END_DECLS
