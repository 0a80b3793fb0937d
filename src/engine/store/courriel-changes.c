/* courriel-changes.c — local changes: applied to the store at once, queued for the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Marking, moving, deleting messages and creating, renaming, deleting folders change the store
 * in the same transaction that appends the change to pending_ops: what the user sees and what
 * the server will be told never disagree, even after a crash. The queue is replayed in order
 * by the protocol's replayer (courriel-imap-replay.c), which removes each change once the
 * server applied it (done) or refused it for good (drop: the server's state then wins).
 *
 * A moved message keeps its id but loses its UID until the server gives the new one (COPYUID);
 * changes queued after the move learn that UID when the move is done.
 *
 * Messages written here (the copy of a sent message, a draft) are stored whole in their folder
 * at once and queued as an APPEND; they get their UID from APPENDUID. If the server refuses the
 * APPEND, the copy stays here, without a UID: the user's sent mail is never lost for it.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-changes.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-utf7.h"
#include "courriel-message-text.h"
#include "courriel-stored-message.h"

#define PAYLOAD_TYPE "(ssaxauuu)"

static const char *kind_names[] = { "flags",         "move",          "expunge", "create-folder",
                                    "rename-folder", "delete-folder", "append" };

void
courriel_change_free (CourrielChange *change)
{
  if (change == NULL)
    return;
  g_free (change->folder);
  g_free (change->target);
  g_clear_pointer (&change->message_ids, g_array_unref);
  g_clear_pointer (&change->uids, g_array_unref);
  g_free (change);
}

static CourrielChange *
change_new (gint64 account_id, CourrielChangeKind kind, const char *folder, const char *target)
{
  CourrielChange *change = g_new0 (CourrielChange, 1);

  change->account_id = account_id;
  change->kind = kind;
  change->folder = g_strdup (folder);
  change->target = g_strdup (target);
  change->message_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  change->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  return change;
}

static char *
payload_print (const CourrielChange *change)
{
  g_autoptr (GVariant) payload = NULL;
  GVariantBuilder ids, uids;

  g_variant_builder_init (&ids, G_VARIANT_TYPE ("ax"));
  g_variant_builder_init (&uids, G_VARIANT_TYPE ("au"));
  for (guint i = 0; i < change->message_ids->len; i++)
    {
      g_variant_builder_add (&ids, "x", g_array_index (change->message_ids, gint64, i));
      g_variant_builder_add (&uids, "u", g_array_index (change->uids, guint32, i));
    }
  payload = g_variant_ref_sink (g_variant_new (PAYLOAD_TYPE, change->folder ? change->folder : "",
                                               change->target ? change->target : "", &ids, &uids,
                                               change->add_flags, change->remove_flags));
  return g_variant_print (payload, TRUE);
}

static gboolean
payload_parse (CourrielChange *change, const char *text)
{
  g_autoptr (GVariant) payload = g_variant_parse (G_VARIANT_TYPE (PAYLOAD_TYPE), text, NULL, NULL, NULL);
  g_autoptr (GVariantIter) ids = NULL;
  g_autoptr (GVariantIter) uids = NULL;
  gint64 id;
  guint32 uid;

  if (payload == NULL)
    return FALSE;
  g_variant_get (payload, PAYLOAD_TYPE, &change->folder, &change->target, &ids, &uids, &change->add_flags,
                 &change->remove_flags);
  while (g_variant_iter_next (ids, "x", &id) && g_variant_iter_next (uids, "u", &uid))
    {
      g_array_append_val (change->message_ids, id);
      g_array_append_val (change->uids, uid);
    }
  return TRUE;
}

static gboolean
enqueue (sqlite3 *db, const CourrielChange *change, GError **error)
{
  g_autofree char *payload = payload_print (change);
  sqlite3_stmt *stmt = NULL;
  /* Only an IMAP server is told of local changes; a POP3 account's folders are all here. */
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO pending_ops (account_id, kind, payload, created) SELECT ?1, ?2, ?3, ?4 "
                               "WHERE (SELECT incoming_protocol FROM accounts WHERE id = ?1) = 'imap'",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, change->account_id);
      sqlite3_bind_text (stmt, 2, kind_names[change->kind], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, payload, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Runs one statement with up to three integer parameters and, optionally, a text fourth. */
static gboolean
run (sqlite3 *db, const char *sql, gint64 a, gint64 b, gint64 c, const char *d, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, a);
      sqlite3_bind_int64 (stmt, 2, b);
      sqlite3_bind_int64 (stmt, 3, c);
      sqlite3_bind_text (stmt, 4, d, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Messages, grouped by folder ---------------------------------------------------------------- */

typedef struct
{
  gint64          folder_id;
  char           *role;
  CourrielChange *change; /* account, folder name, ids and UIDs */
} Group;

static void
group_free (Group *group)
{
  g_free (group->role);
  courriel_change_free (group->change);
  g_free (group);
}

/* The messages' folders, in the order first met; an unknown id is an error. */
static GPtrArray *
group_messages (sqlite3 *db, GArray *message_ids, GError **error)
{
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify)group_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT m.folder_id, coalesce (m.uid, 0), f.account_id, f.name, f.role "
                               "FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1",
                               -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < message_ids->len; i++)
    {
      gint64 id = g_array_index (message_ids, gint64, i);
      Group *group = NULL;
      gint64 folder_id;
      guint32 uid;

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        {
          g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
          sqlite3_finalize (stmt);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no message %s."), text);
          return NULL;
        }
      if (rc != SQLITE_ROW)
        break;
      rc = SQLITE_OK;
      folder_id = sqlite3_column_int64 (stmt, 0);
      uid = (guint32)sqlite3_column_int64 (stmt, 1);
      for (guint g = 0; g < groups->len && group == NULL; g++)
        if (((Group *)groups->pdata[g])->folder_id == folder_id)
          group = groups->pdata[g];
      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->folder_id = folder_id;
          group->role = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
          group->change = change_new (sqlite3_column_int64 (stmt, 2), COURRIEL_CHANGE_FLAGS,
                                      (const char *)sqlite3_column_text (stmt, 3), NULL);
          g_ptr_array_add (groups, group);
        }
      g_array_append_val (group->change->message_ids, id);
      g_array_append_val (group->change->uids, uid);
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return g_steal_pointer (&groups);
}

typedef struct
{
  GArray *message_ids;
  guint   add_flags;
  guint   remove_flags;
  gint64  id;          /* a folder or an account */
  char   *name;
} Request;

static void
request_free (Request *request)
{
  g_clear_pointer (&request->message_ids, g_array_unref);
  g_free (request->name);
  g_free (request);
}

static Request *
request_new (GArray *message_ids, gint64 id, const char *name)
{
  Request *request = g_new0 (Request, 1);

  request->message_ids = message_ids != NULL ? g_array_ref (message_ids) : NULL;
  request->id = id;
  request->name = g_strdup (name);
  return request;
}

static gboolean
write_mark (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autoptr (GPtrArray) groups = group_messages (db, request->message_ids, error);

  for (guint g = 0; groups != NULL && g < groups->len; g++)
    {
      Group *group = groups->pdata[g];

      group->change->add_flags = request->add_flags;
      group->change->remove_flags = request->remove_flags;
      for (guint i = 0; i < group->change->message_ids->len; i++)
        if (!run (db, "UPDATE messages SET flags = (flags | ?2) & ~?3 WHERE id = ?1",
                  g_array_index (group->change->message_ids, gint64, i), request->add_flags, request->remove_flags,
                  NULL, error))
          return FALSE;
      if (!enqueue (db, group->change, error) || !courriel_stored_message_recount_folder (db, group->folder_id, error))
        return FALSE;
    }
  return groups != NULL;
}

void
courriel_changes_mark_async (CourrielStore *store, GArray *message_ids, guint add_flags, guint remove_flags,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Request *request = request_new (message_ids, 0, NULL);

  request->add_flags = add_flags;
  request->remove_flags = remove_flags & ~add_flags;
  courriel_store_write_async (store, write_mark, request, (GDestroyNotify)request_free, cancellable, callback,
                              user_data);
}

/* Moves a group's messages into @folder_id (named @name) or, with @name NULL, deletes them. */
static gboolean
move_group (sqlite3 *db, Group *group, gint64 folder_id, const char *name, GError **error)
{
  CourrielChange *change = group->change;

  change->kind = name != NULL ? COURRIEL_CHANGE_MOVE : COURRIEL_CHANGE_EXPUNGE;
  g_free (change->target);
  change->target = g_strdup (name);
  for (guint i = 0; i < change->message_ids->len; i++)
    {
      gint64 id = g_array_index (change->message_ids, gint64, i);
      gboolean ok = name != NULL ? run (db, "UPDATE messages SET folder_id = ?2, uid = NULL WHERE id = ?1", id,
                                        folder_id, 0, NULL, error)
                                 : run (db, "DELETE FROM messages WHERE id = ?1", id, 0, 0, NULL, error);
      if (!ok)
        return FALSE;
    }
  return enqueue (db, change, error) && courriel_stored_message_recount_folder (db, group->folder_id, error)
         && (name == NULL || courriel_stored_message_recount_folder (db, folder_id, error));
}

/* The folder's account and name, or the account's folder with a role. */
static gboolean
find_folder (sqlite3 *db, const char *sql, gint64 key, const char *role, gint64 *id, gint64 *account_id,
             char **name, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  *name = NULL;
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, key);
      sqlite3_bind_text (stmt, 2, role, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (stmt, 0);
      *account_id = sqlite3_column_int64 (stmt, 1);
      *name = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

static gboolean
folder_by_id (sqlite3 *db, gint64 folder_id, gint64 *account_id, char **name, GError **error)
{
  gint64 id;

  if (!find_folder (db, "SELECT id, account_id, name FROM folders WHERE id = ?1 AND ?2 IS NULL", folder_id, NULL,
                    &id, account_id, name, error))
    return FALSE;
  if (*name == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, folder_id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no folder %s."), text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_move (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autoptr (GPtrArray) groups = group_messages (db, request->message_ids, error);
  g_autofree char *name = NULL;
  gint64 account_id = 0;

  if (groups == NULL || !folder_by_id (db, request->id, &account_id, &name, error))
    return FALSE;
  for (guint g = 0; g < groups->len; g++)
    {
      Group *group = groups->pdata[g];

      if (group->change->account_id != account_id)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Messages can only be moved to a folder of their own account."));
          return FALSE;
        }
      if (group->folder_id != request->id && !move_group (db, group, request->id, name, error))
        return FALSE;
    }
  return TRUE;
}

void
courriel_changes_move_async (CourrielStore *store, GArray *message_ids, gint64 folder_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_move, request_new (message_ids, folder_id, NULL),
                              (GDestroyNotify)request_free, cancellable, callback, user_data);
}

static gboolean
write_delete (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autoptr (GPtrArray) groups = group_messages (db, request->message_ids, error);

  for (guint g = 0; groups != NULL && g < groups->len; g++)
    {
      Group *group = groups->pdata[g];
      g_autofree char *trash = NULL;
      gint64 trash_id = 0, account_id;

      if (!find_folder (db, "SELECT id, account_id, name FROM folders WHERE account_id = ?1 AND role = ?2 LIMIT 1",
                        group->change->account_id, "trash", &trash_id, &account_id, &trash, error))
        return FALSE;
      if (trash_id == group->folder_id)
        g_clear_pointer (&trash, g_free); /* already in the Trash: for good */
      if (!move_group (db, group, trash_id, trash, error))
        return FALSE;
    }
  return groups != NULL;
}

void
courriel_changes_delete_async (CourrielStore *store, GArray *message_ids, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_delete, request_new (message_ids, 0, NULL), (GDestroyNotify)request_free,
                              cancellable, callback, user_data);
}

/* Folders ------------------------------------------------------------------------------------- */

static gboolean
write_create_folder (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autofree char *raw_name = courriel_imap_utf7_encode (request->name);
  g_autofree char *existing = NULL;
  g_autoptr (CourrielChange) change = change_new (request->id, COURRIEL_CHANGE_CREATE_FOLDER, request->name, NULL);
  gint64 id, account_id;

  if (!find_folder (db, "SELECT id, account_id, name FROM folders WHERE account_id = ?1 AND name = ?2", request->id,
                    request->name, &id, &account_id, &existing, error))
    return FALSE;
  if (existing != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("A folder named “%s” already exists."), request->name);
      return FALSE;
    }
  return run (db,
              "INSERT INTO folders (account_id, name, raw_name, delimiter) VALUES (?1, ?4, ?4, "
              "(SELECT delimiter FROM folders WHERE account_id = ?1 AND delimiter IS NOT NULL LIMIT 1))",
              request->id, 0, 0, request->name, error)
         && run (db, "UPDATE folders SET raw_name = ?4 WHERE id = last_insert_rowid ()", 0, 0, 0, raw_name, error)
         && enqueue (db, change, error);
}

void
courriel_changes_create_folder_async (CourrielStore *store, gint64 account_id, const char *name,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_create_folder, request_new (NULL, account_id, name),
                              (GDestroyNotify)request_free, cancellable, callback, user_data);
}

static gboolean
write_rename_folder (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autofree char *old_name = NULL;
  g_autofree char *raw_name = courriel_imap_utf7_encode (request->name);
  g_autoptr (CourrielChange) change = NULL;
  gint64 account_id;

  if (!folder_by_id (db, request->id, &account_id, &old_name, error))
    return FALSE;
  change = change_new (account_id, COURRIEL_CHANGE_RENAME_FOLDER, old_name, request->name);
  /* Its subfolders follow: "Old/Sub" becomes "New/Sub". */
  return run (db,
              "UPDATE folders SET name = ?4 || substr (name, length ((SELECT name FROM folders WHERE id = ?2)) + 1) "
              "WHERE account_id = ?1 AND id != ?2 AND delimiter IS NOT NULL "
              "AND substr (name, 1, length ((SELECT name FROM folders WHERE id = ?2)) + 1) "
              "= (SELECT name FROM folders WHERE id = ?2) || delimiter",
              account_id, request->id, 0, request->name, error)
         && run (db, "UPDATE folders SET name = ?4, raw_name = ?4 WHERE id = ?1", request->id, 0, 0, request->name,
                 error)
         && run (db, "UPDATE folders SET raw_name = ?4 WHERE id = ?1", request->id, 0, 0, raw_name, error)
         && enqueue (db, change, error);
}

void
courriel_changes_rename_folder_async (CourrielStore *store, gint64 folder_id, const char *new_name,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_rename_folder, request_new (NULL, folder_id, new_name),
                              (GDestroyNotify)request_free, cancellable, callback, user_data);
}

static gboolean
write_delete_folder (sqlite3 *db, gpointer data, GError **error)
{
  Request *request = data;
  g_autofree char *name = NULL;
  g_autoptr (CourrielChange) change = NULL;
  gint64 account_id;

  if (!folder_by_id (db, request->id, &account_id, &name, error))
    return FALSE;
  change = change_new (account_id, COURRIEL_CHANGE_DELETE_FOLDER, name, NULL);
  return run (db, "DELETE FROM folders WHERE id = ?1", request->id, 0, 0, NULL, error) && enqueue (db, change, error);
}

void
courriel_changes_delete_folder_async (CourrielStore *store, gint64 folder_id, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_delete_folder, request_new (NULL, folder_id, NULL),
                              (GDestroyNotify)request_free, cancellable, callback, user_data);
}

/* Messages written here --------------------------------------------------------------------- */

static const struct
{
  const char *role;
  const char *name;
} default_folders[] = {
  { "sent", "Sent" },
  { "drafts", "Drafts" },
};

/* The account's folder with @role: one that has it, or one named as such folders usually are
 * (given the role), or a new one (created on an IMAP server too). */
static gboolean
folder_for_role (sqlite3 *db, gint64 account_id, const char *role, gint64 *folder_id, char **name, GError **error)
{
  const char *default_name = NULL;
  gint64 account;

  for (guint i = 0; i < G_N_ELEMENTS (default_folders); i++)
    if (g_strcmp0 (default_folders[i].role, role) == 0)
      default_name = default_folders[i].name;
  g_return_val_if_fail (default_name != NULL, FALSE);
  if (!find_folder (db, "SELECT id, account_id, name FROM folders WHERE account_id = ?1 AND role = ?2 LIMIT 1",
                    account_id, role, folder_id, &account, name, error))
    return FALSE;
  if (*name != NULL)
    return TRUE;
  if (!find_folder (db,
                    "SELECT id, account_id, name FROM folders WHERE account_id = ?1 AND name = ?2 COLLATE NOCASE "
                    "LIMIT 1",
                    account_id, default_name, folder_id, &account, name, error))
    return FALSE;
  if (*name == NULL)
    {
      Request create = { .id = account_id, .name = (char *)default_name };

      if (!write_create_folder (db, &create, error)
          || !find_folder (db, "SELECT id, account_id, name FROM folders WHERE account_id = ?1 AND name = ?2",
                           account_id, default_name, folder_id, &account, name, error))
        return FALSE;
    }
  return run (db, "UPDATE folders SET role = ?4 WHERE id = ?1", *folder_id, 0, 0, role, error);
}

gboolean
courriel_changes_add_message (sqlite3 *db, gint64 account_id, const char *role, GBytes *raw, guint flags,
                              gint64 *message_id, GError **error)
{
  g_autoptr (CourrielMessageText) text = courriel_message_text_new_from_bytes (raw, error);
  g_autoptr (CourrielChange) change = NULL;
  g_autofree char *name = NULL;
  gint64 folder_id = 0;
  guint32 no_uid = 0;

  if (text == NULL || !folder_for_role (db, account_id, role, &folder_id, &name, error)
      || !courriel_stored_message_insert (db, folder_id, raw, text, NULL, g_get_real_time () / G_USEC_PER_SEC,
                                          message_id, error)
      || !run (db, "UPDATE messages SET flags = ?2 WHERE id = ?1", *message_id, flags, 0, NULL, error)
      || !courriel_stored_message_recount_folder (db, folder_id, error))
    return FALSE;
  change = change_new (account_id, COURRIEL_CHANGE_APPEND, name, NULL);
  change->add_flags = flags;
  g_array_append_val (change->message_ids, *message_id);
  g_array_append_val (change->uids, no_uid);
  return enqueue (db, change, error);
}

typedef struct
{
  gint64  account_id;
  GBytes *raw;
  gint64  replaces;
  gint64  id;
} DraftSave;

static void
draft_save_free (DraftSave *save)
{
  g_bytes_unref (save->raw);
  g_free (save);
}

/* Deletes the draft @id of the account for good (here and, queued, on the server). */
static gboolean
delete_draft (sqlite3 *db, gint64 account_id, gint64 id, GError **error)
{
  g_autoptr (GArray) replaced = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) groups = NULL;
  Group *group;

  g_array_append_val (replaced, id);
  groups = group_messages (db, replaced, error);
  if (groups == NULL)
    return FALSE;
  group = groups->pdata[0];
  /* Never delete anything but an earlier draft of the same account. */
  if (group->change->account_id != account_id || g_strcmp0 (group->role, "drafts") != 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Message %s is not a draft of this account."),
                   text);
      return FALSE;
    }
  return move_group (db, group, 0, NULL, error);
}

static gboolean
write_save_draft (sqlite3 *db, gpointer data, GError **error)
{
  DraftSave *save = data;

  if (!courriel_changes_add_message (db, save->account_id, "drafts", save->raw,
                                     COURRIEL_MESSAGE_SEEN | COURRIEL_MESSAGE_DRAFT, &save->id, error))
    return FALSE;
  return save->replaces == 0 || delete_draft (db, save->account_id, save->replaces, error);
}

static void
on_draft_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  DraftSave *save = g_task_get_task_data (task);
  GError *error = NULL;

  if (courriel_store_write_finish (COURRIEL_STORE (source), result, &error))
    g_task_return_int (task, save->id);
  else
    g_task_return_error (task, error);
}

void
courriel_changes_save_draft_async (CourrielStore *store, gint64 account_id, GBytes *raw, gint64 replaces,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (store, cancellable, callback, user_data);
  DraftSave *save = g_new0 (DraftSave, 1);

  save->account_id = account_id;
  save->raw = g_bytes_ref (raw);
  save->replaces = replaces;
  g_task_set_source_tag (task, courriel_changes_save_draft_async);
  g_task_set_task_data (task, save, (GDestroyNotify)draft_save_free);
  courriel_store_write_async (store, write_save_draft, save, NULL, cancellable, on_draft_saved, task);
}

gint64
courriel_changes_save_draft_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, store), 0);
  id = g_task_propagate_int (G_TASK (result), error);
  return MAX (id, 0);
}

static gboolean
write_discard_draft (sqlite3 *db, gpointer data, GError **error)
{
  DraftSave *save = data;

  return delete_draft (db, save->account_id, save->replaces, error);
}

void
courriel_changes_discard_draft_async (CourrielStore *store, gint64 account_id, gint64 draft_id,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  DraftSave *save = g_new0 (DraftSave, 1);

  save->account_id = account_id;
  save->raw = g_bytes_new (NULL, 0);
  save->replaces = draft_id;
  courriel_store_write_async (store, write_discard_draft, save, (GDestroyNotify)draft_save_free, cancellable,
                              callback, user_data);
}

/* The queue ----------------------------------------------------------------------------------- */

static GPtrArray *
read_queue (sqlite3 *db, gint64 account_id, gint64 after, GError **error)
{
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_change_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id, kind, payload, attempts FROM pending_ops WHERE account_id = ?1 AND id > ?2 "
                               "ORDER BY id",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, account_id);
      sqlite3_bind_int64 (stmt, 2, after);
    }
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *kind = (const char *)sqlite3_column_text (stmt, 1);
      g_autoptr (CourrielChange) change = change_new (account_id, 0, NULL, NULL);
      guint k;

      rc = SQLITE_OK;
      for (k = 0; k < G_N_ELEMENTS (kind_names) && g_strcmp0 (kind, kind_names[k]) != 0; k++)
        ;
      g_clear_pointer (&change->folder, g_free);
      g_clear_pointer (&change->target, g_free);
      change->id = sqlite3_column_int64 (stmt, 0);
      change->kind = k;
      change->attempts = sqlite3_column_int (stmt, 3);
      if (k == G_N_ELEMENTS (kind_names) || !payload_parse (change, (const char *)sqlite3_column_text (stmt, 2)))
        {
          g_warning ("Skipping pending change %" G_GINT64_FORMAT ": written by another version", change->id);
          continue;
        }
      g_ptr_array_add (changes, g_steal_pointer (&change));
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  return g_steal_pointer (&changes);
}

static gpointer
read_list (sqlite3 *db, gpointer data, GError **error)
{
  return read_queue (db, *(gint64 *)data, 0, error);
}

void
courriel_changes_list_async (CourrielStore *store, gint64 account_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_read_async (store, read_list, g_memdup2 (&account_id, sizeof account_id), g_free,
                             (GDestroyNotify)g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
courriel_changes_list_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_read_finish (store, result, error);
}

typedef struct
{
  CourrielChange *change; /* a copy: only the fields needed */
  GArray         *new_uids;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  courriel_change_free (outcome->change);
  g_clear_pointer (&outcome->new_uids, g_array_unref);
  g_free (outcome);
}

static Outcome *
outcome_new (const CourrielChange *change, GArray *new_uids)
{
  Outcome *outcome = g_new0 (Outcome, 1);

  outcome->change = change_new (change->account_id, change->kind, change->folder, change->target);
  outcome->change->id = change->id;
  g_array_append_vals (outcome->change->message_ids, change->message_ids->data, change->message_ids->len);
  g_array_append_vals (outcome->change->uids, change->uids->data, change->uids->len);
  outcome->new_uids = new_uids != NULL ? g_array_ref (new_uids) : NULL;
  return outcome;
}

/* Later changes of the moved messages in their new folder learn their new UIDs. */
static gboolean
patch_later_changes (sqlite3 *db, const CourrielChange *move, GArray *new_uids, GError **error)
{
  g_autoptr (GPtrArray) later = read_queue (db, move->account_id, move->id, error);

  for (guint c = 0; later != NULL && c < later->len; c++)
    {
      CourrielChange *change = later->pdata[c];
      gboolean patched = FALSE;

      if (g_strcmp0 (change->folder, move->target) != 0)
        continue;
      for (guint i = 0; i < change->message_ids->len; i++)
        for (guint j = 0; j < move->message_ids->len; j++)
          if (g_array_index (change->message_ids, gint64, i) == g_array_index (move->message_ids, gint64, j)
              && g_array_index (change->uids, guint32, i) == 0 && g_array_index (new_uids, guint32, j) != 0)
            {
              g_array_index (change->uids, guint32, i) = g_array_index (new_uids, guint32, j);
              patched = TRUE;
            }
      if (patched)
        {
          g_autofree char *payload = payload_print (change);
          if (!run (db, "UPDATE pending_ops SET payload = ?4 WHERE id = ?1", change->id, 0, 0, payload, error))
            return FALSE;
        }
    }
  return later != NULL;
}

static gboolean
forget_appended (sqlite3 *db, const CourrielChange *append, gint64 id, guint32 uid, GError **error)
{
  g_autoptr (CourrielChange) expunge = change_new (append->account_id, COURRIEL_CHANGE_EXPUNGE, append->target, NULL);
  sqlite3_stmt *stmt = NULL;
  gboolean exists = FALSE;
  int rc = sqlite3_prepare_v2 (db, "SELECT 1 FROM messages WHERE id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
      exists = rc == SQLITE_ROW;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return courriel_store_set_error_from_db (db, rc, error);
  if (exists)
    return TRUE;
  g_array_append_val (expunge->message_ids, id);
  g_array_append_val (expunge->uids, uid);
  return enqueue (db, expunge, error);
}

static gboolean
write_done (sqlite3 *db, gpointer data, GError **error)
{
  Outcome *outcome = data;
  CourrielChange *change = outcome->change;

  if ((change->kind == COURRIEL_CHANGE_MOVE || change->kind == COURRIEL_CHANGE_APPEND) && outcome->new_uids != NULL)
    {
      for (guint i = 0; i < change->message_ids->len && i < outcome->new_uids->len; i++)
        {
          guint32 uid = g_array_index (outcome->new_uids, guint32, i);
          gint64 id = g_array_index (change->message_ids, gint64, i);

          /* Without a new UID the message would be fetched twice: the next sync brings it back. */
          if (!(uid != 0 ? run (db, "UPDATE messages SET uid = ?2 WHERE id = ?1 AND uid IS NULL", id, uid, 0, NULL, error)
                         : run (db, "DELETE FROM messages WHERE id = ?1 AND uid IS NULL", id, 0, 0, NULL, error)))
            return FALSE;
          /* Deleted here while it was being appended (a draft replaced meanwhile): there too. */
          if (uid != 0 && change->kind == COURRIEL_CHANGE_APPEND && sqlite3_changes (db) == 0
              && !forget_appended (db, change, id, uid, error))
            return FALSE;
        }
      if (!patch_later_changes (db, change, outcome->new_uids, error))
        return FALSE;
    }
  return run (db, "DELETE FROM pending_ops WHERE id = ?1", change->id, 0, 0, NULL, error);
}

void
courriel_changes_done_async (CourrielStore *store, const CourrielChange *change, GArray *new_uids,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_done, outcome_new (change, new_uids), (GDestroyNotify)outcome_free,
                              cancellable, callback, user_data);
}

static gboolean
write_drop (sqlite3 *db, gpointer data, GError **error)
{
  Outcome *outcome = data;
  CourrielChange *change = outcome->change;

  /* A message moved here for nothing is forgotten; both folders are compared in full next time. */
  for (guint i = 0; change->kind == COURRIEL_CHANGE_MOVE && i < change->message_ids->len; i++)
    if (!run (db, "DELETE FROM messages WHERE id = ?1 AND uid IS NULL", g_array_index (change->message_ids, gint64, i),
              0, 0, NULL, error))
      return FALSE;
  return run (db, "UPDATE folders SET highestmodseq = NULL WHERE account_id = ?1 AND name = ?4", change->account_id, 0,
              0, change->folder, error)
         && (change->target == NULL
             || run (db, "UPDATE folders SET highestmodseq = NULL WHERE account_id = ?1 AND name = ?4",
                     change->account_id, 0, 0, change->target, error))
         && run (db, "DELETE FROM pending_ops WHERE id = ?1", change->id, 0, 0, NULL, error);
}

void
courriel_changes_drop_async (CourrielStore *store, const CourrielChange *change, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  courriel_store_write_async (store, write_drop, outcome_new (change, NULL), (GDestroyNotify)outcome_free, cancellable,
                              callback, user_data);
}
