/* courriel-imap-parser.h — a push parser for IMAP server responses, bounded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "courriel-imap-response.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_IMAP_PARSER (courriel_imap_parser_get_type ())
G_DECLARE_FINAL_TYPE (CourrielImapParser, courriel_imap_parser, COURRIEL, IMAP_PARSER, GObject)

/* Gets the bytes of a literal too large to keep, chunk by chunk. item: the FETCH attribute it
 * belongs to (e.g. "BODY[]"), or NULL. */
typedef void (*CourrielImapLiteralSink) (const char   *item,
                                         guint64       total_size,
                                         const guint8 *data,
                                         gsize         length,
                                         gboolean      last,
                                         gpointer      user_data);

CourrielImapParser   *courriel_imap_parser_new              (void);
void                  courriel_imap_parser_set_limits       (CourrielImapParser      *self,
                                                             gsize                    max_line,
                                                             gsize                    max_literal_in_memory,
                                                             guint                    max_depth);
void                  courriel_imap_parser_set_literal_sink (CourrielImapParser      *self,
                                                             CourrielImapLiteralSink  sink,
                                                             gpointer                 user_data,
                                                             GDestroyNotify           destroy);
gboolean              courriel_imap_parser_feed             (CourrielImapParser      *self,
                                                             const guint8            *data,
                                                             gsize                    length,
                                                             GError                 **error);
CourrielImapResponse *courriel_imap_parser_pop              (CourrielImapParser      *self);
void                  courriel_imap_parser_reset            (CourrielImapParser      *self);
void                  courriel_imap_parser_set_utf8         (CourrielImapParser      *self,
                                                             gboolean                 utf8_accept);
gboolean              courriel_imap_parser_get_utf8         (CourrielImapParser      *self);

G_END_DECLS
