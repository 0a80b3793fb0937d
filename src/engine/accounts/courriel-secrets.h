/* courriel-secrets.h — account passwords in the Secret Service, and nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

const SecretSchema *courriel_secrets_get_schema    (void);

void     courriel_secrets_store_async   (const char          *account,
                                         const char          *role,
                                         const char          *host,
                                         const char          *username,
                                         const char          *password,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean courriel_secrets_store_finish  (GAsyncResult        *result,
                                         GError             **error);
void     courriel_secrets_lookup_async  (const char          *account,
                                         const char          *role,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char    *courriel_secrets_lookup_finish (GAsyncResult        *result,
                                         GError             **error);
void     courriel_secrets_clear_async   (const char          *account,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean courriel_secrets_clear_finish  (GAsyncResult        *result,
                                         GError             **error);
void     courriel_secrets_rename_async  (const char          *account,
                                         const char          *new_account,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean courriel_secrets_rename_finish (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
