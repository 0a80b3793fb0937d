/* courriel-changes.h — local changes: applied to the store at once, queued for the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-store.h"

G_BEGIN_DECLS

/* The messages.flags bits. */
typedef enum
{
  COURRIEL_MESSAGE_SEEN = 1 << 0,
  COURRIEL_MESSAGE_ANSWERED = 1 << 1,
  COURRIEL_MESSAGE_FLAGGED = 1 << 2,
  COURRIEL_MESSAGE_DELETED = 1 << 3,
  COURRIEL_MESSAGE_DRAFT = 1 << 4,
} CourrielMessageFlags;

typedef enum
{
  COURRIEL_CHANGE_FLAGS,
  COURRIEL_CHANGE_MOVE,
  COURRIEL_CHANGE_EXPUNGE,
  COURRIEL_CHANGE_CREATE_FOLDER,
  COURRIEL_CHANGE_RENAME_FOLDER,
  COURRIEL_CHANGE_DELETE_FOLDER,
  COURRIEL_CHANGE_APPEND,
} CourrielChangeKind;

/* One queued change, as the server must learn it. Folder names are the decoded full names. */
typedef struct
{
  gint64              id;           /* its row in pending_ops: the queue's order */
  gint64              account_id;
  CourrielChangeKind  kind;
  char               *folder;       /* the messages' folder; the folder created, renamed or deleted */
  char               *target;       /* MOVE: the destination; RENAME_FOLDER: the new name; APPEND: where
                                     * the message was when it was appended */
  GArray             *message_ids;  /* gint64: the store's messages */
  GArray             *uids;         /* guint32, parallel: their UIDs in folder, 0 when not known yet */
  guint               add_flags;    /* FLAGS: CourrielMessageFlags to set; APPEND: the message's flags */
  guint               remove_flags; /* FLAGS: and to clear */
  guint               attempts;
} CourrielChange;

void courriel_change_free (CourrielChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielChange, courriel_change_free)

/* Each applies the change to the store and queues it in the same transaction; finish with
 * courriel_store_write_finish(). Message ids are the store's. */
void courriel_changes_mark_async          (CourrielStore       *store,
                                           GArray              *message_ids,
                                           guint                add_flags,
                                           guint                remove_flags,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void courriel_changes_move_async          (CourrielStore       *store,
                                           GArray              *message_ids,
                                           gint64               folder_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* To the account's Trash; from the Trash (or without one), for good. */
void courriel_changes_delete_async        (CourrielStore       *store,
                                           GArray              *message_ids,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void courriel_changes_create_folder_async (CourrielStore       *store,
                                           gint64               account_id,
                                           const char          *name,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void courriel_changes_rename_folder_async (CourrielStore       *store,
                                           gint64               folder_id,
                                           const char          *new_name,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void courriel_changes_delete_folder_async (CourrielStore       *store,
                                           gint64               folder_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* On the writer thread, inside the caller's transaction: a message written here (a copy of
 * sent mail, a draft) goes into the account's folder with @role ("sent", "drafts"), created
 * when the account has none, with @flags; an IMAP account queues its APPEND to the server.
 * Sets @message_id to the new message's id. */
gboolean courriel_changes_add_message     (sqlite3             *db,
                                           gint64               account_id,
                                           const char          *role,
                                           GBytes              *raw,
                                           guint                flags,
                                           gint64              *message_id,
                                           GError             **error);

/* Saves a draft of the account: into its Drafts folder here and, for IMAP, on the server. A
 * draft that @replaces an earlier one (its message id, or 0) deletes it for good. Finish gives
 * the new draft's message id, or 0 with @error set. */
void     courriel_changes_save_draft_async  (CourrielStore       *store,
                                             gint64               account_id,
                                             GBytes              *raw,
                                             gint64               replaces,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gint64   courriel_changes_save_draft_finish (CourrielStore       *store,
                                             GAsyncResult        *result,
                                             GError             **error);
/* The draft @draft_id of the account, sent or given up, is deleted for good (not to the Trash).
 * A write job: finish with courriel_store_write_finish(). */
void     courriel_changes_discard_draft_async (CourrielStore       *store,
                                               gint64               account_id,
                                               gint64               draft_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);

/* The account's queue, oldest first: a GPtrArray of CourrielChange. */
void       courriel_changes_list_async    (CourrielStore       *store,
                                           gint64               account_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray *courriel_changes_list_finish   (CourrielStore       *store,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The server applied @change: it leaves the queue. For a MOVE or an APPEND, @new_uids
 * (parallel to change->uids, 0 where unknown) are the messages' UIDs in the destination
 * (change->target); a message whose new UID is unknown is forgotten here, since the next sync
 * brings the server's copy. */
void courriel_changes_done_async          (CourrielStore       *store,
                                           const CourrielChange *change,
                                           GArray              *new_uids,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* The server refused @change for good: it leaves the queue, and the folders it touched are
 * synchronised in full next time, so that the server's state wins. */
void courriel_changes_drop_async          (CourrielStore       *store,
                                           const CourrielChange *change,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

G_END_DECLS
