/* courriel-smtp-outbox.h — an account's Outbox sent through its SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-account.h"
#include "courriel-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint sent;      /* accepted by the server: out of the Outbox */
  guint deferred;  /* to try again later */
  guint failed;    /* refused for good */
  guint uncertain; /* found SENDING: maybe sent, left to the user */
  gint64 accepted_at; /* g_get_monotonic_time() when the last accepted message was recorded so */
} CourrielSmtpOutboxReport;

void                      courriel_smtp_outbox_send_async  (CourrielStore         *store,
                                                            const CourrielAccount *account,
                                                            const char            *password,
                                                            gint64                 now,
                                                            GCancellable          *cancellable,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
CourrielSmtpOutboxReport *courriel_smtp_outbox_send_finish (GAsyncResult          *result,
                                                            GError               **error);
/* Within the send's callback: why the server could not be logged in to (no connection, a
 * certificate not trusted, the password refused), or NULL; the messages then stay queued. */
const GError             *courriel_smtp_outbox_send_get_login_error (GAsyncResult *result);

G_END_DECLS
