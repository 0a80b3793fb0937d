/* courriel-demo-mailbox.h — a varied, realistic mailbox for the demo and for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-test-bench.h"

G_BEGIN_DECLS

typedef struct
{
  guint total;       /* every message written, all folders */
  guint inbox;       /* of which in INBOX */
  guint sent;        /* of which in Sent */
  guint unread;      /* INBOX messages without \Seen */
  guint flagged;     /* INBOX messages with \Flagged */
  guint attachments; /* messages with at least one attachment */
  guint html;        /* messages with a text/html part */
  guint replies;     /* messages with In-Reply-To */
  guint french;      /* messages written in French */
} CourrielDemoMailboxStats;

gboolean courriel_demo_mailbox_fill (CourrielTestBench        *bench,
                                     const char               *address,
                                     guint                     n_messages,
                                     CourrielDemoMailboxStats *stats,
                                     GError                  **error);

G_END_DECLS
