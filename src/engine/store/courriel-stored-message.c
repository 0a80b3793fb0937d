/* courriel-stored-message.c — a whole downloaded message into a folder of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For messages that arrive whole, with no server-side summary (POP3 downloads; later, drafts and
 * sent mail): the row the list shows, its raw body, its full-text entry and its attachments,
 * written together on the writer thread, inside the caller's transaction.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-stored-message.h"

#include "courriel-attachments.h"

gboolean
courriel_stored_message_insert (sqlite3 *db, gint64 folder_id, GBytes *raw, CourrielMessageText *text,
                                const char *pop3_uidl, gint64 received, gint64 *id, GError **error)
{
  g_autofree char *addresses = g_strjoin (" ", text->from ? text->from : "", text->to ? text->to : "",
                                          text->cc ? text->cc : "", NULL);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO messages (folder_id, pop3_uidl, flags, date, received, size, message_id, "
                               "in_reply_to, refs, subject, sender, recipients_to, recipients_cc, preview, "
                               "has_attachments, auth_results) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                               "?11, ?12, ?13, ?14, ?15)",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_text (stmt, 2, pop3_uidl, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, text->date != 0 ? text->date : received);
      sqlite3_bind_int64 (stmt, 4, received);
      sqlite3_bind_int64 (stmt, 5, (sqlite3_int64)g_bytes_get_size (raw));
      sqlite3_bind_text (stmt, 6, text->message_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, text->in_reply_to, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 8, text->references, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 9, text->subject, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 10, text->from, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 11, text->to, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 12, text->cc, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 13, text->preview, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 14, courriel_message_text_has_attachments (text->attachments));
      sqlite3_bind_text (stmt, 15, text->auth_results, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc != SQLITE_OK)
    return courriel_store_set_error_from_db (db, rc, error);
  *id = sqlite3_last_insert_rowid (db);

  rc = sqlite3_prepare_v2 (db, "INSERT INTO bodies (message_id, raw, fetched, complete) VALUES (?1, ?2, ?3, 1)", -1,
                           &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *id);
      sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, received);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (?1, ?2, ?3, ?4)",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *id);
      sqlite3_bind_text (stmt, 2, text->subject, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, addresses, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, text->text, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return courriel_store_set_error_from_db (db, rc, error);
  return text->attachments->len == 0 || courriel_store_write_attachments (db, *id, text->attachments, error);
}

/* The folder's message and unread counts (what the sidebar shows), from its messages. */
gboolean
courriel_stored_message_recount_folder (sqlite3 *db, gint64 folder_id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "UPDATE folders SET total = (SELECT count (*) FROM messages WHERE folder_id = ?1), "
                               "unread = (SELECT count (*) FROM messages WHERE folder_id = ?1 AND flags & 1 = 0) "
                               "WHERE id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, folder_id);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}
