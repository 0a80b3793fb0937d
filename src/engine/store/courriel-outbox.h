/* courriel-outbox.h — messages waiting to be sent, kept in the store until a server took them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-store.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_OUTBOX_QUEUED,  /* to send, at next_attempt or later */
  COURRIEL_OUTBOX_SENDING, /* its final dot was (about to be) sent and no answer recorded: maybe sent */
  COURRIEL_OUTBOX_FAILED,  /* refused for good (see last_error): the user decides */
  COURRIEL_OUTBOX_ACCEPTED, /* the server took it; it waits to be filed in Sent, never sent again */
} CourrielOutboxState;

typedef struct
{
  gint64              id;
  gint64              account_id;
  char               *sender;
  GStrv               recipients;
  GBytes             *raw;
  CourrielOutboxState state;
  guint               attempts;
  gint64              next_attempt;
  char               *last_error;
} CourrielOutboxItem;

void courriel_outbox_item_free (CourrielOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielOutboxItem, courriel_outbox_item_free)

/* Each a write job: finish with courriel_store_write_finish(). */
void courriel_outbox_add_async       (CourrielStore       *store,
                                      gint64               account_id,
                                      const char          *sender,
                                      const char * const  *recipients,
                                      GBytes              *raw,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* As courriel_outbox_add_async(); finish gives the new Outbox id, or 0 with @error set. */
void   courriel_outbox_queue_async  (CourrielStore       *store,
                                     gint64               account_id,
                                     const char          *sender,
                                     const char * const  *recipients,
                                     GBytes              *raw,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gint64 courriel_outbox_queue_finish (CourrielStore       *store,
                                     GAsyncResult        *result,
                                     GError             **error);
void courriel_outbox_set_state_async (CourrielStore       *store,
                                      gint64               id,
                                      CourrielOutboxState  state,
                                      gint64               next_attempt,
                                      const char          *error_message,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* SENDING, only if it is still QUEUED; else fails with G_IO_ERROR_NOT_FOUND (another sender
 * claimed it, or it left the Outbox meanwhile). The messages in @accepted (gint64 ids,
 * nullable) are recorded ACCEPTED in the same transaction: one commit for both, or neither. */
void courriel_outbox_claim_async     (CourrielStore       *store,
                                      gint64               id,
                                      const GArray        *accepted,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* Taken out of the Outbox, unsent (the user gave up on it). */
void courriel_outbox_remove_async    (CourrielStore       *store,
                                      gint64               id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The user's actions: only on a message waiting (QUEUED) or refused (FAILED), never on one a sender
 * has (G_IO_ERROR_BUSY) or one gone (G_IO_ERROR_NOT_FOUND). send_now makes it QUEUED and due now;
 * withdraw takes it out unsent. */
void courriel_outbox_send_now_async  (CourrielStore       *store,
                                      gint64               id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
void courriel_outbox_withdraw_async  (CourrielStore       *store,
                                      gint64               id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The servers took them (@accepted: gint64 ids): recorded in a few bytes each. The messages are
 * then ACCEPTED: never sent again, only filed (courriel_outbox_sent_async()). */
void courriel_outbox_accepted_async  (CourrielStore       *store,
                                      const GArray        *accepted,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* Filed: it leaves the Outbox, and a copy goes to the account's Sent folder (and, for an IMAP
 * account, to the server's by a queued APPEND). */
void courriel_outbox_sent_async      (CourrielStore       *store,
                                      gint64               id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);

/* The account's Outbox (every account's with @account_id 0), oldest first. */
void       courriel_outbox_list_async  (CourrielStore       *store,
                                        gint64               account_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GPtrArray *courriel_outbox_list_finish (CourrielStore       *store,
                                        GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
