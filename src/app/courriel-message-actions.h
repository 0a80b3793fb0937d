/* courriel-message-actions.h — what the window does to messages, through the queued changes, and its undo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-folder-list.h"

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_MESSAGE_ACTION_MARK_READ,
  COURRIEL_MESSAGE_ACTION_MARK_UNREAD,
  COURRIEL_MESSAGE_ACTION_STAR,
  COURRIEL_MESSAGE_ACTION_UNSTAR,
  COURRIEL_MESSAGE_ACTION_DELETE,  /* to the Trash; from the Trash, for good */
  COURRIEL_MESSAGE_ACTION_ARCHIVE, /* to the account's archive folder */
  COURRIEL_MESSAGE_ACTION_JUNK,    /* to the account's Junk folder */
  COURRIEL_MESSAGE_ACTION_MOVE,    /* to a folder of the messages' account */
} CourrielMessageAction;

/* The selected messages as the store has them just before an action: what undo restores. */
typedef struct _CourrielMessageSnapshot CourrielMessageSnapshot;
/* The changes that take an action back. */
typedef struct _CourrielUndo CourrielUndo;

void     courriel_message_snapshot_free             (CourrielMessageSnapshot *snapshot);
guint    courriel_message_snapshot_get_n_messages   (CourrielMessageSnapshot *snapshot);
gboolean courriel_message_snapshot_deletes_for_good (CourrielMessageSnapshot *snapshot);
gboolean courriel_message_snapshot_all_have_flags   (CourrielMessageSnapshot *snapshot,
                                                     guint                    flags);
void     courriel_undo_free                         (CourrielUndo            *undo);
gboolean courriel_undo_is_empty                     (CourrielUndo            *undo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielMessageSnapshot, courriel_message_snapshot_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielUndo, courriel_undo_free)

#define COURRIEL_TYPE_MESSAGE_ACTIONS (courriel_message_actions_get_type ())
G_DECLARE_FINAL_TYPE (CourrielMessageActions, courriel_message_actions, COURRIEL, MESSAGE_ACTIONS, GObject)

CourrielMessageActions  *courriel_message_actions_new             (CourrielFolderList      *folders);

void                     courriel_message_actions_snapshot_async  (CourrielMessageActions  *self,
                                                                   GArray                  *message_ids,
                                                                   GCancellable            *cancellable,
                                                                   GAsyncReadyCallback      callback,
                                                                   gpointer                 user_data);
CourrielMessageSnapshot *courriel_message_actions_snapshot_finish (CourrielMessageActions  *self,
                                                                   GAsyncResult            *result,
                                                                   GError                 **error);

gboolean                 courriel_message_actions_can_apply       (CourrielMessageActions  *self,
                                                                   CourrielMessageAction    action,
                                                                   gint64                   account_id);
void                     courriel_message_actions_apply_async     (CourrielMessageActions  *self,
                                                                   CourrielMessageSnapshot *snapshot,
                                                                   CourrielMessageAction    action,
                                                                   gint64                   folder_id,
                                                                   GCancellable            *cancellable,
                                                                   GAsyncReadyCallback      callback,
                                                                   gpointer                 user_data);
CourrielUndo            *courriel_message_actions_apply_finish    (CourrielMessageActions  *self,
                                                                   GAsyncResult            *result,
                                                                   GError                 **error);

void                     courriel_message_actions_undo_async      (CourrielMessageActions  *self,
                                                                   CourrielUndo            *undo,
                                                                   GCancellable            *cancellable,
                                                                   GAsyncReadyCallback      callback,
                                                                   gpointer                 user_data);
gboolean                 courriel_message_actions_undo_finish     (CourrielMessageActions  *self,
                                                                   GAsyncResult            *result,
                                                                   GError                 **error);

G_END_DECLS
