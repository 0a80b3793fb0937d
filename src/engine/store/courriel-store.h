/* courriel-store.h — the SQLite message store: schema, migrations, one writer thread, readers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define COURRIEL_STORE_ERROR (courriel_store_error_quark ())

typedef enum
{
  COURRIEL_STORE_ERROR_OPEN,      /* the database file cannot be opened or created */
  COURRIEL_STORE_ERROR_TOO_NEW,   /* written by a newer Courriel: refused, never downgraded */
  COURRIEL_STORE_ERROR_CORRUPT,   /* the file is damaged */
  COURRIEL_STORE_ERROR_SQL,       /* a statement failed */
  COURRIEL_STORE_ERROR_CLOSED,    /* the store was closed */
} CourrielStoreError;

/* What a committed write touched, in CourrielStore::changed. */
typedef enum
{
  COURRIEL_STORE_TABLE_ACCOUNTS = 1 << 0,
  COURRIEL_STORE_TABLE_FOLDERS  = 1 << 1,
  COURRIEL_STORE_TABLE_MESSAGES = 1 << 2, /* messages, their bodies and attachments */
  COURRIEL_STORE_TABLE_OUTBOX   = 1 << 3,
  COURRIEL_STORE_TABLE_OTHER    = 1 << 4, /* queued changes, POP3 bookkeeping... */
} CourrielStoreTables;

/* Runs on the writer thread, inside a transaction (a savepoint of its own): return FALSE with
 * @error set to undo exactly this job's changes. */
typedef gboolean (*CourrielStoreWriteFunc) (sqlite3  *db,
                                            gpointer  data,
                                            GError  **error);

/* Runs on a worker thread with a read-only connection; returns the result for the caller. */
typedef gpointer (*CourrielStoreReadFunc) (sqlite3  *db,
                                           gpointer  data,
                                           GError  **error);

#define COURRIEL_TYPE_STORE (courriel_store_get_type ())
G_DECLARE_FINAL_TYPE (CourrielStore, courriel_store, COURRIEL, STORE, GObject)

GQuark         courriel_store_error_quark            (void);
int            courriel_store_get_schema_version     (void);

CourrielStore *courriel_store_open                   (const char             *path,
                                                      GError                **error);
gboolean       courriel_store_create_at_version      (const char             *path,
                                                      int                     version,
                                                      GError                **error);
const char    *courriel_store_get_path               (CourrielStore          *self);
guint64        courriel_store_get_transaction_count  (CourrielStore          *self);
void           courriel_store_close                  (CourrielStore          *self);

void           courriel_store_write_async            (CourrielStore          *self,
                                                      CourrielStoreWriteFunc  func,
                                                      gpointer                data,
                                                      GDestroyNotify          destroy,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
gboolean       courriel_store_write_finish           (CourrielStore          *self,
                                                      GAsyncResult           *result,
                                                      GError                **error);

void           courriel_store_read_async             (CourrielStore          *self,
                                                      CourrielStoreReadFunc   func,
                                                      gpointer                data,
                                                      GDestroyNotify          destroy,
                                                      GDestroyNotify          result_destroy,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
gpointer       courriel_store_read_finish            (CourrielStore          *self,
                                                      GAsyncResult           *result,
                                                      GError                **error);

gboolean       courriel_store_set_error_from_db      (sqlite3                *db,
                                                      int                     rc,
                                                      GError                **error);

G_END_DECLS
