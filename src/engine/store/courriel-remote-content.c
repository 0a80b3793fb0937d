/* courriel-remote-content.c — the senders whose messages may load remote content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Always for this sender" in the reader: one row per address (case-insensitive), kept across
 * accounts, since the choice is about who writes, not where it arrives.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-remote-content.h"

/* Whether messages from @address may load remote content; on any thread, with any connection. */
gboolean
courriel_remote_content_is_allowed (sqlite3 *db, const char *address)
{
  sqlite3_stmt *stmt = NULL;
  gboolean allowed = FALSE;

  if (address == NULL || *address == '\0')
    return FALSE;
  if (sqlite3_prepare_v2 (db, "SELECT allowed FROM remote_content_senders WHERE address = ?1", -1, &stmt, NULL)
      == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, address, -1, SQLITE_STATIC);
      allowed = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
    }
  sqlite3_finalize (stmt);
  return allowed;
}

static gboolean
write_allowed (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO remote_content_senders (address, allowed) VALUES (?1, 1) "
                               "ON CONFLICT (address) DO UPDATE SET allowed = 1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, data, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

void
courriel_remote_content_allow_async (CourrielStore *store, const char *address, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (address != NULL);

  courriel_store_write_async (store, write_allowed, g_strdup (address), g_free, cancellable, callback, user_data);
}

gboolean
courriel_remote_content_allow_finish (CourrielStore *store, GAsyncResult *result, GError **error)
{
  return courriel_store_write_finish (store, result, error);
}
