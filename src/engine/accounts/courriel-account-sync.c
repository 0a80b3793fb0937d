/* courriel-account-sync.c — one account brought up to date once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sync sends the due Outbox first (so that the copies of what was sent reach the server in the
 * same run), then brings the incoming server's mail — IMAP replays the queued local changes
 * before it reads the server's state. An Outbox that cannot be sent is not the sync's failure:
 * the messages stay queued for the next one. CourrielSyncService runs them, for the app and for
 * courriel-cli.
 */
#define G_LOG_DOMAIN "courriel-accounts"

#include "config.h"
#include "courriel-account-sync.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-client.h"
#include "courriel-net-error.h"
#include "courriel-outbox.h"
#include "courriel-pop3-download.h"
#include "courriel-secrets.h"
#include "courriel-smtp-client.h"
#include "courriel-smtp-outbox.h"
#include "courriel-task.h"

CourrielAccountSyncReport *
courriel_account_sync_report_copy (const CourrielAccountSyncReport *report)
{
  CourrielAccountSyncReport *copy = g_memdup2 (report, sizeof *report);

  copy->folders = g_ptr_array_new_full (report->folders->len, (GDestroyNotify)courriel_imap_folder_report_free);
  for (guint i = 0; i < report->folders->len; i++)
    {
      CourrielImapFolderReport *folder = g_memdup2 (report->folders->pdata[i], sizeof *folder);

      folder->name = g_strdup (folder->name);
      folder->role = g_strdup (folder->role);
      g_ptr_array_add (copy->folders, folder);
    }
  return copy;
}

void
courriel_account_sync_report_free (CourrielAccountSyncReport *report)
{
  g_clear_pointer (&report->folders, g_ptr_array_unref);
  g_free (report);
}

/* Logging in --------------------------------------------------------------------------------- */

typedef struct
{
  CourrielAccount *account;
  GObject         *client;
} LogIn;

static void
log_in_free (LogIn *log_in)
{
  courriel_account_free (log_in->account);
  g_clear_object (&log_in->client);
  g_free (log_in);
}

static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  LogIn *log_in = g_task_get_task_data (task);
  GError *error = NULL;

  if (log_in->account->protocol == COURRIEL_PROTOCOL_POP3)
    courriel_pop3_client_authenticate_finish (COURRIEL_POP3_CLIENT (source), result, &error);
  else
    courriel_imap_client_authenticate_finish (COURRIEL_IMAP_CLIENT (source), result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  g_task_return_pointer (task, g_steal_pointer (&log_in->client), g_object_unref);
  g_object_unref (task);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  LogIn *log_in = g_task_get_task_data (task);
  const CourrielServer *server = &log_in->account->incoming;
  const char *password = g_object_get_data (G_OBJECT (task), "password");
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  if (log_in->account->protocol == COURRIEL_PROTOCOL_POP3)
    {
      courriel_pop3_client_connect_finish (COURRIEL_POP3_CLIENT (source), result, &error);
      if (!courriel_task_fail_if (task, error))
        courriel_pop3_client_authenticate_async (COURRIEL_POP3_CLIENT (source), server->auth, server->username,
                                                 password, cancellable, on_authenticated, task);
      return;
    }
  courriel_imap_client_connect_finish (COURRIEL_IMAP_CLIENT (source), result, &error);
  if (!courriel_task_fail_if (task, error))
    courriel_imap_client_authenticate_async (COURRIEL_IMAP_CLIENT (source), server->auth, server->username, password,
                                             cancellable, on_authenticated, task);
}

static void
on_password (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  LogIn *log_in = g_task_get_task_data (task);
  GError *error = NULL;
  char *password = courriel_secrets_lookup_finish (result, &error);
  g_autoptr (CourrielConnection) connection = NULL;

  if (password == NULL && error == NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No password is stored for %s: add the account again."),
                         log_in->account->address);
  if (courriel_task_fail_if (task, error))
    return;
  g_object_set_data_full (G_OBJECT (task), "password", password, g_free);
  connection = courriel_account_new_connection (log_in->account, &log_in->account->incoming);
  if (log_in->account->protocol == COURRIEL_PROTOCOL_POP3)
    {
      log_in->client = G_OBJECT (courriel_pop3_client_new (connection));
      courriel_pop3_client_connect_async (COURRIEL_POP3_CLIENT (log_in->client), g_task_get_cancellable (task),
                                          on_connected, task);
    }
  else
    {
      log_in->client = G_OBJECT (courriel_imap_client_new (connection));
      courriel_imap_client_connect_async (COURRIEL_IMAP_CLIENT (log_in->client), g_task_get_cancellable (task),
                                          on_connected, task);
    }
}

void
courriel_account_log_in_async (const CourrielAccount *account, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  LogIn *log_in = g_new0 (LogIn, 1);

  g_task_set_source_tag (task, courriel_account_log_in_async);
  log_in->account = courriel_account_copy (account);
  g_task_set_task_data (task, log_in, (GDestroyNotify)log_in_free);
  courriel_secrets_lookup_async (account->address, "incoming", cancellable, on_password, task);
}

GObject *
courriel_account_log_in_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Synchronising ------------------------------------------------------------------------------ */

typedef struct
{
  CourrielStore             *store;
  CourrielAccount           *account;
  CourrielAccountSyncFlags   flags;
  CourrielImapSyncProgress   progress;
  gpointer                   progress_data;
  GObject                   *client;
  CourrielAccountSyncReport *report;
  CourrielPop3DownloadReport *downloaded;
  gint64                     start;
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->store);
  courriel_account_free (sync->account);
  g_clear_object (&sync->client);
  g_clear_pointer (&sync->report, courriel_account_sync_report_free);
  g_free (sync->downloaded);
  g_free (sync);
}

static void
sync_return (GTask *task)
{
  Sync *sync = g_task_get_task_data (task);
  CourrielConnection *connection = COURRIEL_IS_IMAP_CLIENT (sync->client)
                                     ? courriel_imap_client_get_connection (COURRIEL_IMAP_CLIENT (sync->client))
                                     : courriel_pop3_client_get_connection (COURRIEL_POP3_CLIENT (sync->client));

  sync->report->bytes_received = courriel_connection_get_bytes_received (connection);
  sync->report->bytes_sent = courriel_connection_get_bytes_sent (connection);
  sync->report->seconds = (g_get_monotonic_time () - sync->start) / (double)G_USEC_PER_SEC;
  g_task_return_pointer (task, g_steal_pointer (&sync->report), (GDestroyNotify)courriel_account_sync_report_free);
  g_object_unref (task);
}

static void
on_logged_out (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* Everything is in the store already: a failed LOGOUT changes nothing. */
  courriel_imap_client_logout_finish (COURRIEL_IMAP_CLIENT (source), result, NULL);
  sync_return (user_data);
}

static void
on_imap_synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->report->folders = courriel_imap_account_sync_finish (result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  courriel_imap_client_logout_async (COURRIEL_IMAP_CLIENT (sync->client), g_task_get_cancellable (task),
                                     on_logged_out, task);
}

static gpointer
read_inbox_total (sqlite3 *db, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 *total = g_new0 (gint64, 1);
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT count (*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                               "WHERE f.account_id = ?1 AND f.role = 'inbox'",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, *(gint64 *)data);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        *total = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&total, g_free);
  return total;
}

static void
on_inbox_counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree gint64 *total = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  CourrielImapFolderReport *inbox;

  if (courriel_task_fail_if (task, error))
    return;
  inbox = g_new0 (CourrielImapFolderReport, 1);
  inbox->name = g_strdup ("INBOX");
  inbox->role = g_strdup ("inbox");
  inbox->added = sync->downloaded->downloaded;
  inbox->bodies = sync->downloaded->downloaded;
  inbox->total = *total;
  sync->report->folders = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_folder_report_free);
  g_ptr_array_add (sync->report->folders, inbox);
  sync->report->deleted_on_server = sync->downloaded->deleted;
  sync_return (task);
}

static void
on_quit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  /* QUIT is what makes the server delete: its failure is the sync's. */
  courriel_pop3_client_quit_finish (COURRIEL_POP3_CLIENT (source), result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  courriel_store_read_async (sync->store, read_inbox_total, &sync->account->id, NULL, g_free,
                             g_task_get_cancellable (task), on_inbox_counted, task);
}

static void
on_downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GError *error = NULL;

  sync->downloaded = courriel_pop3_download_finish (result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  courriel_pop3_client_quit_async (COURRIEL_POP3_CLIENT (sync->client), g_task_get_cancellable (task), on_quit,
                                   task);
}

static void
pop3_progress (gint64 done, gint64 total, gpointer user_data)
{
  Sync *sync = user_data;

  sync->progress ("INBOX", "bodies", done, total, sync->progress_data);
}

static void
on_sync_logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Sync *sync = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  gboolean all = (sync->flags & COURRIEL_ACCOUNT_SYNC_ALL_BODIES) != 0;
  /* All bodies, or those of the account's offline days, if any. */
  CourrielImapSyncFlags flags = all || sync->account->offline_days > 0 ? COURRIEL_IMAP_SYNC_BODIES : 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 since = all ? 0 : now - (gint64)sync->account->offline_days * 24 * 60 * 60;

  sync->client = courriel_account_log_in_finish (result, &error);
  if (courriel_task_fail_if (task, error))
    return;
  if (COURRIEL_IS_POP3_CLIENT (sync->client))
    courriel_pop3_download_async (COURRIEL_POP3_CLIENT (sync->client), sync->store, sync->account->id, now,
                                  sync->progress != NULL ? pop3_progress : NULL, sync, cancellable, on_downloaded,
                                  task);
  else
    courriel_imap_account_sync_async (COURRIEL_IMAP_CLIENT (sync->client), sync->store, sync->account->id, flags,
                                      since, sync->progress, sync->progress_data, cancellable, on_imap_synced, task);
}

/* Sending the Outbox -------------------------------------------------------------------------- */

typedef struct
{
  CourrielStore   *store;
  CourrielAccount *account;
  gboolean         asked_incoming; /* no outgoing password: the incoming one was looked up */
} Send;

static void
send_free (Send *send)
{
  g_object_unref (send->store);
  courriel_account_free (send->account);
  g_free (send);
}

static void
on_outbox_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autofree CourrielSmtpOutboxReport *report = courriel_smtp_outbox_send_finish (result, &error);
  const GError *login_error = courriel_smtp_outbox_send_get_login_error (result);

  if (courriel_task_fail_if (task, error))
    return;
  /* The messages wait in the Outbox either way; these two only the user can mend, so the
   * send fails with them (the sync service reports them), unlike a server out of reach. */
  if (g_error_matches (login_error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED)
      || g_error_matches (login_error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_AUTH_FAILED))
    {
      courriel_task_fail_if (task, g_error_copy (login_error));
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_outgoing_password (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Send *send = g_task_get_task_data (task);
  g_autofree char *password = courriel_secrets_lookup_finish (result, NULL);

  /* Many servers take the incoming password for sending too. */
  if (password == NULL && !send->asked_incoming)
    {
      send->asked_incoming = TRUE;
      courriel_secrets_lookup_async (send->account->address, "incoming", g_task_get_cancellable (task),
                                     on_outgoing_password, task);
      return;
    }
  if (password == NULL)
    {
      courriel_task_fail_if (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                _("No password is stored for %s: add the account again."),
                                                send->account->address));
      return;
    }
  courriel_smtp_outbox_send_async (send->store, send->account, password, g_get_real_time () / G_USEC_PER_SEC,
                                   g_task_get_cancellable (task), on_outbox_sent, task);
}

static void
on_outbox_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Send *send = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) items = courriel_outbox_list_finish (send->store, result, &error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean due = FALSE;

  if (courriel_task_fail_if (task, error))
    return;
  for (guint i = 0; i < items->len; i++)
    {
      CourrielOutboxItem *item = items->pdata[i];
      due |= item->state == COURRIEL_OUTBOX_QUEUED && item->next_attempt <= now;
    }
  if (due && send->account->outgoing.host != NULL)
    {
      courriel_secrets_lookup_async (send->account->address, "outgoing", g_task_get_cancellable (task),
                                     on_outgoing_password, task);
      return;
    }
  g_task_return_boolean (task, FALSE); /* nothing was due */
  g_object_unref (task);
}

void
courriel_account_send_due_async (CourrielStore *store, const CourrielAccount *account, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Send *send = g_new0 (Send, 1);

  g_task_set_source_tag (task, courriel_account_send_due_async);
  send->store = g_object_ref (store);
  send->account = courriel_account_copy (account);
  g_task_set_task_data (task, send, (GDestroyNotify)send_free);
  courriel_outbox_list_async (store, account->id, cancellable, on_outbox_listed, task);
}

gboolean
courriel_account_send_due_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
courriel_account_sync_async (CourrielStore *store, const CourrielAccount *account, CourrielAccountSyncFlags flags,
                             CourrielImapSyncProgress progress, gpointer progress_data, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  g_task_set_source_tag (task, courriel_account_sync_async);
  sync->store = g_object_ref (store);
  sync->account = courriel_account_copy (account);
  sync->flags = flags;
  sync->progress = progress;
  sync->progress_data = progress_data;
  sync->report = g_new0 (CourrielAccountSyncReport, 1);
  sync->start = g_get_monotonic_time ();
  g_task_set_task_data (task, sync, (GDestroyNotify)sync_free);
  courriel_account_log_in_async (account, cancellable, on_sync_logged_in, task);
}

CourrielAccountSyncReport *
courriel_account_sync_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
