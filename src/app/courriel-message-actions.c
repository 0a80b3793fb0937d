/* courriel-message-actions.c — what the window does to messages, through the queued changes, and its undo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every action goes through courriel-changes.c: the store changes at once and the server is told
 * by the replay. Before an action, a snapshot of the messages (their folder, account and flags)
 * is read off the main thread; the undo is built from it and is made of queued changes too:
 * flags set back on exactly the messages whose flags the action changed, messages moved back
 * to the folders they came from (out of the Trash, the archive, Junk or any folder). A message
 * deleted for good (it was in the Trash, or its account has none) cannot come back: the window
 * asks before, and offers no undo.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-message-actions.h"

#include <glib/gi18n.h>

#include "courriel-changes.h"

typedef struct
{
  gint64   id;
  gint64   folder_id;
  gint64   account_id;
  guint    flags;
  gboolean in_trash;
  gboolean has_trash;
} Row;

struct _CourrielMessageSnapshot
{
  GArray *rows; /* Row */
};

typedef enum
{
  STEP_MARK,
  STEP_MOVE,
  STEP_DELETE,
} StepKind;

typedef struct
{
  StepKind kind;
  GArray  *ids;       /* gint64 */
  guint    add_flags;
  guint    remove_flags;
  gint64   folder_id;
} Step;

struct _CourrielUndo
{
  GPtrArray *steps; /* Step* */
};

struct _CourrielMessageActions
{
  GObject             parent_instance;
  CourrielFolderList *folders;
};

G_DEFINE_FINAL_TYPE (CourrielMessageActions, courriel_message_actions, G_TYPE_OBJECT)

static void
step_free (Step *step)
{
  g_array_unref (step->ids);
  g_free (step);
}

static Step *
step_new (StepKind kind, guint add_flags, guint remove_flags, gint64 folder_id)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  step->add_flags = add_flags;
  step->remove_flags = remove_flags;
  step->folder_id = folder_id;
  return step;
}

static GPtrArray *
steps_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
}

/* The step of @steps that moves to @folder_id, added when missing. */
static Step *
move_step (GPtrArray *steps, gint64 folder_id)
{
  Step *step;

  for (guint i = 0; i < steps->len; i++)
    if (((Step *)steps->pdata[i])->folder_id == folder_id)
      return steps->pdata[i];
  step = step_new (STEP_MOVE, 0, 0, folder_id);
  g_ptr_array_add (steps, step);
  return step;
}

void
courriel_message_snapshot_free (CourrielMessageSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_array_unref (snapshot->rows);
  g_free (snapshot);
}

guint
courriel_message_snapshot_get_n_messages (CourrielMessageSnapshot *snapshot)
{
  return snapshot->rows->len;
}

/* Whether deleting these messages deletes some of them for good: they are in the Trash already,
 * or their account has no Trash. */
gboolean
courriel_message_snapshot_deletes_for_good (CourrielMessageSnapshot *snapshot)
{
  for (guint i = 0; i < snapshot->rows->len; i++)
    {
      Row *row = &g_array_index (snapshot->rows, Row, i);
      if (row->in_trash || !row->has_trash)
        return TRUE;
    }
  return FALSE;
}

gboolean
courriel_message_snapshot_all_have_flags (CourrielMessageSnapshot *snapshot, guint flags)
{
  for (guint i = 0; i < snapshot->rows->len; i++)
    if ((g_array_index (snapshot->rows, Row, i).flags & flags) != flags)
      return FALSE;
  return snapshot->rows->len > 0;
}

void
courriel_undo_free (CourrielUndo *undo)
{
  if (undo == NULL)
    return;
  g_ptr_array_unref (undo->steps);
  g_free (undo);
}

/* Snapshots ------------------------------------------------------------------------------------ */

static gpointer
read_snapshot (sqlite3 *db, gpointer data, GError **error)
{
  GArray *ids = data;
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT m.folder_id, m.flags, f.account_id, f.role IS 'trash', EXISTS (SELECT 1 FROM "
                               "folders t WHERE t.account_id = f.account_id AND t.role = 'trash') "
                               "FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1",
                               -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++)
    {
      Row row = { .id = g_array_index (ids, gint64, i) };

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, row.id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          row.folder_id = sqlite3_column_int64 (stmt, 0);
          row.flags = sqlite3_column_int (stmt, 1);
          row.account_id = sqlite3_column_int64 (stmt, 2);
          row.in_trash = sqlite3_column_int (stmt, 3);
          row.has_trash = sqlite3_column_int (stmt, 4);
          g_array_append_val (rows, row);
        }
      /* A message gone meanwhile (a sync, another window) is simply left out. */
      if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return g_steal_pointer (&rows);
}

static void
on_snapshot_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GArray *rows = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  CourrielMessageSnapshot *snapshot;

  if (rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  snapshot = g_new0 (CourrielMessageSnapshot, 1);
  snapshot->rows = rows;
  g_task_return_pointer (task, snapshot, (GDestroyNotify)courriel_message_snapshot_free);
}

void
courriel_message_actions_snapshot_async (CourrielMessageActions *self, GArray *message_ids, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, courriel_message_actions_snapshot_async);
  courriel_store_read_async (courriel_folder_list_get_store (self->folders), read_snapshot, g_array_ref (message_ids),
                             (GDestroyNotify)g_array_unref, (GDestroyNotify)g_array_unref, cancellable,
                             on_snapshot_read, task);
}

CourrielMessageSnapshot *
courriel_message_actions_snapshot_finish (CourrielMessageActions *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Running steps, one after the other ---------------------------------------------------------- */

typedef struct
{
  GPtrArray    *steps;
  guint         next;
  CourrielUndo *undo; /* what apply returns */
} Run;

static void
run_free (Run *run)
{
  g_ptr_array_unref (run->steps);
  courriel_undo_free (run->undo);
  g_free (run);
}

static void run_next (GTask *task);

static void
on_step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!courriel_store_write_finish (COURRIEL_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  run_next (g_steal_pointer (&task));
}

static void
run_next (GTask *task)
{
  CourrielMessageActions *self = g_task_get_source_object (task);
  CourrielStore *store = courriel_folder_list_get_store (self->folders);
  Run *run = g_task_get_task_data (task);
  Step *step;

  if (run->next >= run->steps->len)
    {
      g_task_return_pointer (task, g_steal_pointer (&run->undo), (GDestroyNotify)courriel_undo_free);
      g_object_unref (task);
      return;
    }
  step = run->steps->pdata[run->next++];
  switch (step->kind)
    {
    case STEP_MARK:
      courriel_changes_mark_async (store, step->ids, step->add_flags, step->remove_flags, g_task_get_cancellable (task),
                                   on_step_done, task);
      break;
    case STEP_MOVE:
      courriel_changes_move_async (store, step->ids, step->folder_id, g_task_get_cancellable (task), on_step_done,
                                   task);
      break;
    case STEP_DELETE:
      courriel_changes_delete_async (store, step->ids, g_task_get_cancellable (task), on_step_done, task);
      break;
    }
}

static void
run_steps (CourrielMessageActions *self, GPtrArray *steps, CourrielUndo *undo, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);

  run->steps = steps;
  run->undo = undo;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, run, (GDestroyNotify)run_free);
  run_next (task);
}

/* Actions -------------------------------------------------------------------------------------- */

static const char *
action_role (CourrielMessageAction action)
{
  return action == COURRIEL_MESSAGE_ACTION_ARCHIVE ? "archive" : action == COURRIEL_MESSAGE_ACTION_JUNK ? "junk" : NULL;
}

/**
 * courriel_message_actions_can_apply:
 * @account_id: the account of the folder shown, or 0 for the unified Inbox
 *
 * Returns: whether @action has somewhere to go: archiving needs an archive folder, Junk a Junk
 *   folder (in one of the accounts, for the unified Inbox)
 */
gboolean
courriel_message_actions_can_apply (CourrielMessageActions *self, CourrielMessageAction action, gint64 account_id)
{
  const char *role = action_role (action);
  guint n;

  g_return_val_if_fail (COURRIEL_IS_MESSAGE_ACTIONS (self), FALSE);
  if (role == NULL)
    return TRUE;
  if (account_id != 0)
    return courriel_folder_list_find_role (self->folders, account_id, role) != NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->folders));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CourrielFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->folders), i);
      if (g_strcmp0 (courriel_folder_item_get_role (item), role) == 0
          && courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_FOLDER)
        return TRUE;
    }
  return FALSE;
}

static void
plan_mark (CourrielMessageSnapshot *snapshot, guint add, guint remove, GPtrArray *steps, GPtrArray *undo)
{
  Step *step = step_new (STEP_MARK, add, remove, 0);
  Step *back = step_new (STEP_MARK, remove, add, 0);

  /* Only the messages the action changes: undo must not clear a flag a message already had. */
  for (guint i = 0; i < snapshot->rows->len; i++)
    {
      Row *row = &g_array_index (snapshot->rows, Row, i);
      if ((row->flags & add) != add || (row->flags & remove) != 0)
        {
          g_array_append_val (step->ids, row->id);
          g_array_append_val (back->ids, row->id);
        }
    }
  if (step->ids->len == 0)
    {
      step_free (step);
      step_free (back);
      return;
    }
  g_ptr_array_add (steps, step);
  g_ptr_array_add (undo, back);
}

/* Moves to @role's folder of each message's account, or to @folder_id; undo moves back. */
static gboolean
plan_move (CourrielMessageActions *self, CourrielMessageSnapshot *snapshot, const char *role, gint64 folder_id,
           GPtrArray *steps, GPtrArray *undo, GError **error)
{
  for (guint i = 0; i < snapshot->rows->len; i++)
    {
      Row *row = &g_array_index (snapshot->rows, Row, i);
      gint64 target = folder_id;

      if (role != NULL)
        {
          CourrielFolderItem *folder = courriel_folder_list_find_role (self->folders, row->account_id, role);
          if (folder == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           g_str_equal (role, "archive") ? _("This account has no archive folder.")
                                                         : _("This account has no Junk folder."));
              return FALSE;
            }
          target = courriel_folder_item_get_folder_id (folder);
        }
      if (target == row->folder_id)
        continue;
      g_array_append_val (move_step (steps, target)->ids, row->id);
      g_array_append_val (move_step (undo, row->folder_id)->ids, row->id);
    }
  return TRUE;
}

static void
plan_delete (CourrielMessageSnapshot *snapshot, GPtrArray *steps, GPtrArray *undo)
{
  Step *step = step_new (STEP_DELETE, 0, 0, 0);

  for (guint i = 0; i < snapshot->rows->len; i++)
    {
      Row *row = &g_array_index (snapshot->rows, Row, i);

      g_array_append_val (step->ids, row->id);
      /* Out of the Trash again; a message deleted for good is gone. */
      if (row->has_trash && !row->in_trash)
        g_array_append_val (move_step (undo, row->folder_id)->ids, row->id);
    }
  if (step->ids->len > 0)
    g_ptr_array_add (steps, step);
  else
    step_free (step);
}

/**
 * courriel_message_actions_apply_async:
 * @snapshot: the messages, as read by courriel_message_actions_snapshot_async()
 * @folder_id: for %COURRIEL_MESSAGE_ACTION_MOVE, the destination
 *
 * Applies @action to the messages of @snapshot. Finish gives the undo (with nothing to do when
 * the action changed nothing, or deleted for good).
 */
void
courriel_message_actions_apply_async (CourrielMessageActions *self, CourrielMessageSnapshot *snapshot,
                                      CourrielMessageAction action, gint64 folder_id, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GPtrArray) steps = steps_new ();
  g_autoptr (GPtrArray) back = steps_new ();
  g_autoptr (GError) error = NULL;
  CourrielUndo *undo;

  g_return_if_fail (COURRIEL_IS_MESSAGE_ACTIONS (self));
  g_return_if_fail (snapshot != NULL);

  switch (action)
    {
    case COURRIEL_MESSAGE_ACTION_MARK_READ:
      plan_mark (snapshot, COURRIEL_MESSAGE_SEEN, 0, steps, back);
      break;
    case COURRIEL_MESSAGE_ACTION_MARK_UNREAD:
      plan_mark (snapshot, 0, COURRIEL_MESSAGE_SEEN, steps, back);
      break;
    case COURRIEL_MESSAGE_ACTION_STAR:
      plan_mark (snapshot, COURRIEL_MESSAGE_FLAGGED, 0, steps, back);
      break;
    case COURRIEL_MESSAGE_ACTION_UNSTAR:
      plan_mark (snapshot, 0, COURRIEL_MESSAGE_FLAGGED, steps, back);
      break;
    case COURRIEL_MESSAGE_ACTION_DELETE:
      plan_delete (snapshot, steps, back);
      break;
    case COURRIEL_MESSAGE_ACTION_ARCHIVE:
    case COURRIEL_MESSAGE_ACTION_JUNK:
    case COURRIEL_MESSAGE_ACTION_MOVE:
      if (!plan_move (self, snapshot, action_role (action), folder_id, steps, back, &error))
        {
          g_task_report_error (self, callback, user_data, courriel_message_actions_apply_async,
                               g_steal_pointer (&error));
          return;
        }
      break;
    }
  undo = g_new0 (CourrielUndo, 1);
  undo->steps = g_steal_pointer (&back);
  run_steps (self, g_steal_pointer (&steps), undo, cancellable, callback, user_data,
             courriel_message_actions_apply_async);
}

/* Returns: (transfer full): the undo, whose steps may be none */
CourrielUndo *
courriel_message_actions_apply_finish (CourrielMessageActions *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Whether @undo has anything to take back. */
gboolean
courriel_undo_is_empty (CourrielUndo *undo)
{
  return undo == NULL || undo->steps->len == 0;
}

/* @undo may be freed once this returns: the run holds its steps. */
void
courriel_message_actions_undo_async (CourrielMessageActions *self, CourrielUndo *undo, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_ACTIONS (self));
  g_return_if_fail (undo != NULL);

  run_steps (self, g_ptr_array_ref (undo->steps), NULL, cancellable, callback, user_data,
             courriel_message_actions_undo_async);
}

gboolean
courriel_message_actions_undo_finish (CourrielMessageActions *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
courriel_message_actions_dispose (GObject *object)
{
  CourrielMessageActions *self = COURRIEL_MESSAGE_ACTIONS (object);

  g_clear_object (&self->folders);

  G_OBJECT_CLASS (courriel_message_actions_parent_class)->dispose (object);
}

static void
courriel_message_actions_class_init (CourrielMessageActionsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = courriel_message_actions_dispose;
}

static void
courriel_message_actions_init (CourrielMessageActions *self)
{
}

/* Actions on the messages of @folders' store, with @folders to find each account's archive and
 * Junk folders. */
CourrielMessageActions *
courriel_message_actions_new (CourrielFolderList *folders)
{
  CourrielMessageActions *self = g_object_new (COURRIEL_TYPE_MESSAGE_ACTIONS, NULL);

  self->folders = g_object_ref (folders);
  return self;
}
