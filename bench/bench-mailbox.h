/* bench-mailbox.h — large mailboxes with realistic sizes and headers, fast, for the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-test-bench.h"

G_BEGIN_DECLS

typedef struct
{
  guint   messages;
  guint64 bytes;       /* as stored, LF line ends */
  gsize   smallest;
  gsize   largest;
  guint   html;        /* with a multipart/alternative HTML version */
  guint   attachments; /* with one attachment */
  guint   replies;     /* with In-Reply-To and References */
  guint   unread;
  guint   flagged;
} BenchMailboxStats;

gboolean bench_mailbox_fill (CourrielTestBench *bench,
                             const char        *address,
                             const char        *folder,
                             guint              n_messages,
                             guint32            seed,
                             BenchMailboxStats *stats,
                             GError           **error);

G_END_DECLS
