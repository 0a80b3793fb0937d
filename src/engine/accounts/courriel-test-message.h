/* courriel-test-message.h — a message an account sends to itself, followed until it arrives in
 * its Inbox: proof that sending and receiving both work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-sync-service.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_TEST_MESSAGE_SENDING, /* in the Outbox, the sync service sending it */
  COURRIEL_TEST_MESSAGE_WAITING, /* the server took it; the Inbox is checked until it is there */
  COURRIEL_TEST_MESSAGE_ARRIVED, /* in the account's Inbox, in the store */
  COURRIEL_TEST_MESSAGE_FAILED,  /* not sent: see the error (the server's reason) */
  COURRIEL_TEST_MESSAGE_LATE,    /* sent, not arrived before the deadline; it may still come */
} CourrielTestMessageState;

#define COURRIEL_TYPE_TEST_MESSAGE (courriel_test_message_get_type ())
G_DECLARE_FINAL_TYPE (CourrielTestMessage, courriel_test_message, COURRIEL, TEST_MESSAGE, GObject)

CourrielTestMessage     *courriel_test_message_new            (CourrielSyncService *service,
                                                               gint64               account_id,
                                                               const char          *sender,
                                                               GBytes              *raw,
                                                               guint                timeout_seconds,
                                                               GError             **error);
void                     courriel_test_message_send           (CourrielTestMessage *self);
void                     courriel_test_message_cancel         (CourrielTestMessage *self);
CourrielTestMessageState courriel_test_message_get_state      (CourrielTestMessage *self);
const GError            *courriel_test_message_get_error      (CourrielTestMessage *self);
const char              *courriel_test_message_get_message_id (CourrielTestMessage *self);

G_END_DECLS
