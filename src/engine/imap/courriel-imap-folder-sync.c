/* courriel-imap-folder-sync.c — an IMAP account's folder list, mirrored into the store with roles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LIST (with SPECIAL-USE and STATUS where offered) gives the folders; each gets a role from its
 * SPECIAL-USE attribute, or else from its name, in English or French, as servers without
 * SPECIAL-USE name them. Folders the server no longer lists leave the store, with their
 * messages; the ones that stay keep their synchronisation state.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-folder-sync.h"

static const struct
{
  CourrielImapMailboxAttributes attribute;
  const char                   *role;
} special_uses[] = {
  { COURRIEL_IMAP_MAILBOX_SENT, "sent" },
  { COURRIEL_IMAP_MAILBOX_DRAFTS, "drafts" },
  { COURRIEL_IMAP_MAILBOX_TRASH, "trash" },
  { COURRIEL_IMAP_MAILBOX_JUNK, "junk" },
  { COURRIEL_IMAP_MAILBOX_ARCHIVE, "archive" },
  { COURRIEL_IMAP_MAILBOX_ALL, "all" },
  { COURRIEL_IMAP_MAILBOX_FLAGGED, "flagged" },
};

/* The last component of the name, compared without case; common names of common servers. */
static const struct
{
  const char *name;
  const char *role;
} known_names[] = {
  { "sent", "sent" }, { "sent items", "sent" }, { "sent messages", "sent" }, { "sent mail", "sent" },
  { "envoyés", "sent" }, { "éléments envoyés", "sent" }, { "messages envoyés", "sent" },
  { "drafts", "drafts" }, { "draft", "drafts" }, { "brouillons", "drafts" },
  { "trash", "trash" }, { "deleted items", "trash" }, { "deleted messages", "trash" }, { "bin", "trash" },
  { "corbeille", "trash" }, { "éléments supprimés", "trash" },
  { "junk", "junk" }, { "spam", "junk" }, { "junk e-mail", "junk" }, { "junk email", "junk" },
  { "courrier indésirable", "junk" }, { "indésirables", "junk" },
  { "archive", "archive" }, { "archives", "archive" },
};

/* The folder's role for Courriel ("inbox", "sent"…), or NULL for an ordinary folder. */
const char *
courriel_imap_folder_role (const char *name, CourrielImapMailboxAttributes attributes)
{
  const char *last;
  g_autofree char *folded = NULL;

  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return "inbox";
  for (guint i = 0; i < G_N_ELEMENTS (special_uses); i++)
    if (attributes & special_uses[i].attribute)
      return special_uses[i].role;

  last = MAX (strrchr (name, '/'), strrchr (name, '.'));
  last = last != NULL ? last + 1 : name;
  /* Gmail and others nest them: "[Gmail]/Sent Mail", "INBOX.Trash". */
  folded = g_utf8_casefold (last, -1);
  for (guint i = 0; i < G_N_ELEMENTS (known_names); i++)
    {
      g_autofree char *known = g_utf8_casefold (known_names[i].name, -1);
      if (g_str_equal (folded, known))
        return known_names[i].role;
    }
  return NULL;
}

typedef struct
{
  CourrielStore *store;
  gint64         account_id;
  GPtrArray     *mailboxes; /* CourrielImapMailbox* */
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->store);
  g_clear_pointer (&sync->mailboxes, g_ptr_array_unref);
  g_free (sync);
}

/* On the writer thread: upsert every listed folder, drop the others. A role is given to one
 * folder only: the first that claims it. */
static gboolean
write_folders (sqlite3 *db, gpointer data, GError **error)
{
  Sync *sync = data;
  g_autoptr (GHashTable) roles = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) keep = g_string_new (NULL);
  sqlite3_stmt *upsert = NULL;
  sqlite3_stmt *drop = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO folders (account_id, name, raw_name, delimiter, role, attributes, "
                               "total, unread) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                               "ON CONFLICT (account_id, raw_name) DO UPDATE SET name = ?2, delimiter = ?4, "
                               "role = ?5, attributes = ?6, total = coalesce (?7, total), unread = coalesce (?8, unread) "
                               /* unchanged folders are not rewritten: a resync that changes nothing writes nothing */
                               "WHERE name IS NOT ?2 OR delimiter IS NOT ?4 OR role IS NOT ?5 OR attributes != ?6 "
                               "OR total != coalesce (?7, total) OR unread != coalesce (?8, unread)",
                               -1, &upsert, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "CREATE TEMP TABLE IF NOT EXISTS listed (raw_name TEXT); DELETE FROM listed", NULL, NULL,
                       NULL);
  for (guint i = 0; rc == SQLITE_OK && i < sync->mailboxes->len; i++)
    {
      CourrielImapMailbox *mailbox = sync->mailboxes->pdata[i];
      CourrielImapStatusData *status = courriel_imap_mailbox_get_status (mailbox);
      const char *role = courriel_imap_folder_role (courriel_imap_mailbox_get_name (mailbox),
                                                    courriel_imap_mailbox_get_attributes (mailbox));
      char delimiter[8] = { 0 };
      sqlite3_stmt *listed = NULL;

      if (courriel_imap_mailbox_get_attributes (mailbox) & COURRIEL_IMAP_MAILBOX_NONEXISTENT)
        continue;
      if (role != NULL && !g_hash_table_add (roles, (gpointer)role))
        role = NULL;
      if (courriel_imap_mailbox_get_delimiter (mailbox) != 0)
        g_unichar_to_utf8 (courriel_imap_mailbox_get_delimiter (mailbox), delimiter);

      sqlite3_reset (upsert);
      sqlite3_bind_int64 (upsert, 1, sync->account_id);
      sqlite3_bind_text (upsert, 2, courriel_imap_mailbox_get_name (mailbox), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (upsert, 3, courriel_imap_mailbox_get_raw_name (mailbox), -1, SQLITE_TRANSIENT);
      if (*delimiter != '\0')
        sqlite3_bind_text (upsert, 4, delimiter, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (upsert, 4);
      if (role != NULL)
        sqlite3_bind_text (upsert, 5, role, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (upsert, 5);
      sqlite3_bind_int (upsert, 6, courriel_imap_mailbox_get_attributes (mailbox));
      if (status != NULL && (status->present & COURRIEL_IMAP_STATUS_HAS_MESSAGES))
        sqlite3_bind_int (upsert, 7, status->messages);
      else
        sqlite3_bind_null (upsert, 7);
      if (status != NULL && (status->present & COURRIEL_IMAP_STATUS_HAS_UNSEEN))
        sqlite3_bind_int (upsert, 8, status->unseen);
      else
        sqlite3_bind_null (upsert, 8);
      rc = sqlite3_step (upsert);
      if (rc != SQLITE_DONE)
        break;
      rc = sqlite3_prepare_v2 (db, "INSERT INTO listed VALUES (?1)", -1, &listed, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (listed, 1, courriel_imap_mailbox_get_raw_name (mailbox), -1, SQLITE_TRANSIENT);
          rc = sqlite3_step (listed) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
      sqlite3_finalize (listed);
    }
  if (rc == SQLITE_OK || rc == SQLITE_DONE)
    {
      rc = sqlite3_prepare_v2 (db,
                               "DELETE FROM folders WHERE account_id = ?1 AND raw_name NOT IN (SELECT raw_name FROM listed)",
                               -1, &drop, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_int64 (drop, 1, sync->account_id);
          rc = sqlite3_step (drop);
        }
    }
  sqlite3_finalize (upsert);
  sqlite3_finalize (drop);
  return courriel_store_set_error_from_db (db, rc, error);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_store_write_finish (sync->store, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_ptr_array_ref (sync->mailboxes), (GDestroyNotify)g_ptr_array_unref);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->mailboxes = courriel_imap_client_list_finish (COURRIEL_IMAP_CLIENT (source), result, &error);
  if (sync->mailboxes == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  courriel_store_write_async (sync->store, write_folders, sync, NULL, g_task_get_cancellable (task), on_written, task);
}

/* Lists the account's folders on the server and mirrors them into the store. Returns (by
 * finish) the listing: CourrielImapMailbox, with their STATUS when the server has LIST-STATUS,
 * which tells which folders changed since the last sync without selecting them. */
void
courriel_imap_folder_sync_async (CourrielImapClient *client, CourrielStore *store, gint64 account_id,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  sync->store = g_object_ref (store);
  sync->account_id = account_id;
  g_task_set_source_tag (task, courriel_imap_folder_sync_async);
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  courriel_imap_client_list_async (client, "", "*",
                                   courriel_imap_client_has_capability (client, "CONDSTORE")
                                     ? "MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ"
                                     : "MESSAGES UNSEEN UIDNEXT UIDVALIDITY",
                                   cancellable, on_listed, task);
}

GPtrArray *
courriel_imap_folder_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
