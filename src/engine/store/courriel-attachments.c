/* courriel-attachments.c — a message's attachments in the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Known from BODYSTRUCTURE with the headers (courriel-imap-body-structure.c), then from the MIME
 * once the whole message is downloaded: either way, the same rows.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-attachments.h"

/* Replaces the message's attachments rows with @attachments (CourrielAttachmentInfo). Runs on
 * the writer thread, inside its transaction. */
gboolean
courriel_store_write_attachments (sqlite3 *db, gint64 message_id, GPtrArray *attachments, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "DELETE FROM attachments WHERE message_id = ?1", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, message_id);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO attachments (message_id, section, filename, mime_type, size, content_id, "
                             "disposition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < attachments->len; i++)
    {
      CourrielAttachmentInfo *a = attachments->pdata[i];

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, message_id);
      sqlite3_bind_text (stmt, 2, a->section, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, a->filename, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, a->mime_type, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, (sqlite3_int64)a->size);
      sqlite3_bind_text (stmt, 6, a->content_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, a->disposition, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

