/* courriel-imap-value.h — one token of a server response: atom, number, string, NIL or list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_IMAP_VALUE_NIL,
  COURRIEL_IMAP_VALUE_ATOM,
  COURRIEL_IMAP_VALUE_NUMBER,
  COURRIEL_IMAP_VALUE_STRING,   /* quoted string or literal */
  COURRIEL_IMAP_VALUE_LIST,
  COURRIEL_IMAP_VALUE_STREAMED, /* a literal given to the literal sink, not kept */
} CourrielImapValueKind;

typedef struct _CourrielImapValue CourrielImapValue;

#define COURRIEL_TYPE_IMAP_VALUE (courriel_imap_value_get_type ())
GType                 courriel_imap_value_get_type          (void) G_GNUC_CONST;

CourrielImapValue    *courriel_imap_value_new_nil           (void);
CourrielImapValue    *courriel_imap_value_new_atom          (const char              *text,
                                                             gsize                    length);
CourrielImapValue    *courriel_imap_value_new_string        (GBytes                  *bytes);
CourrielImapValue    *courriel_imap_value_new_list          (void);
CourrielImapValue    *courriel_imap_value_new_streamed      (guint64                  size);
void                  courriel_imap_value_append            (CourrielImapValue       *list,
                                                             CourrielImapValue       *item);

CourrielImapValue    *courriel_imap_value_ref               (CourrielImapValue       *value);
void                  courriel_imap_value_unref             (CourrielImapValue       *value);

CourrielImapValueKind courriel_imap_value_get_kind          (const CourrielImapValue *value);
const char           *courriel_imap_value_get_atom          (const CourrielImapValue *value);
gboolean              courriel_imap_value_get_number        (const CourrielImapValue *value,
                                                             guint64                 *number);
gboolean              courriel_imap_value_get_u32           (const CourrielImapValue *value,
                                                             guint32                 *number);
GBytes               *courriel_imap_value_get_bytes         (const CourrielImapValue *value);
char                 *courriel_imap_value_dup_string        (const CourrielImapValue *value);
guint64               courriel_imap_value_get_streamed_size (const CourrielImapValue *value);
guint                 courriel_imap_value_get_length        (const CourrielImapValue *value);
CourrielImapValue    *courriel_imap_value_get_item          (const CourrielImapValue *value,
                                                             guint                    index);
gboolean              courriel_imap_value_is_atom           (const CourrielImapValue *value,
                                                             const char              *atom);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapValue, courriel_imap_value_unref)

G_END_DECLS
