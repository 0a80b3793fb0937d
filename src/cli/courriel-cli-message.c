/* courriel-cli-message.c — `courriel-cli show`, `search`, `mark`, `move` and `delete`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Changes apply to the store at once and are queued; the queue is then sent to the server. When
 * the server cannot be reached the change stays queued for the next sync, and the command still
 * succeeds: nothing the user did is lost.
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "courriel-changes.h"
#include "courriel-imap-body-sync.h"
#include "courriel-imap-replay.h"
#include "courriel-imap-server-search.h"
#include "courriel-message-text.h"
#include "courriel-search-query.h"
#include "courriel-sync-service.h"

/* Reading ------------------------------------------------------------------------------------- */

typedef struct
{
  gint64  id;
  gint64  account_id;
  gint64  folder_id;
  char   *folder;
  char   *date;
  char   *from;
  char   *to;
  char   *cc;
  char   *subject;
  guint      flags;
  GBytes    *raw;         /* NULL until downloaded */
  gboolean   complete;    /* FALSE: the text only, attachments still on the server */
  GPtrArray *attachments; /* CourrielAttachmentInfo, as the store knows them */
} Message;

static void
message_free (Message *m)
{
  g_free (m->folder);
  g_free (m->date);
  g_free (m->from);
  g_free (m->to);
  g_free (m->cc);
  g_free (m->subject);
  g_clear_pointer (&m->raw, g_bytes_unref);
  g_clear_pointer (&m->attachments, g_ptr_array_unref);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message, message_free)

static char *
column_text (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

static gpointer
read_message (sqlite3 *db, gpointer data, GError **error)
{
  gint64 id = *(gint64 *)data;
  Message *m = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT f.account_id, m.folder_id, f.name, datetime (m.date, 'unixepoch'), m.sender, "
                               "m.recipients_to, m.recipients_cc, m.subject, m.flags, b.raw, b.complete FROM messages m "
                               "JOIN folders f ON f.id = m.folder_id LEFT JOIN bodies b ON b.message_id = m.id "
                               "WHERE m.id = ?1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      m = g_new0 (Message, 1);
      m->id = id;
      m->account_id = sqlite3_column_int64 (stmt, 0);
      m->folder_id = sqlite3_column_int64 (stmt, 1);
      m->folder = column_text (stmt, 2);
      m->date = column_text (stmt, 3);
      m->from = column_text (stmt, 4);
      m->to = column_text (stmt, 5);
      m->cc = column_text (stmt, 6);
      m->subject = column_text (stmt, 7);
      m->flags = sqlite3_column_int (stmt, 8);
      if (sqlite3_column_type (stmt, 9) != SQLITE_NULL)
        m->raw = g_bytes_new (sqlite3_column_blob (stmt, 9), sqlite3_column_bytes (stmt, 9));
      m->complete = sqlite3_column_int (stmt, 10);
    }
  else if (rc == SQLITE_DONE)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no message %s."), text);
    }
  sqlite3_finalize (stmt);
  if (m == NULL)
    {
      if (error == NULL || *error == NULL)
        courriel_store_set_error_from_db (db, rc, error);
      return NULL;
    }
  m->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_attachment_info_free);
  rc = sqlite3_prepare_v2 (db, "SELECT section, filename, mime_type, size FROM attachments WHERE message_id = ?1 "
                               "ORDER BY id", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (stmt, 1, id);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielAttachmentInfo *a = g_new0 (CourrielAttachmentInfo, 1);

      a->section = column_text (stmt, 0);
      a->filename = column_text (stmt, 1);
      a->mime_type = column_text (stmt, 2);
      a->size = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (m->attachments, a);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&m, message_free);
  return m;
}

static Message *
load_message (CourrielStore *store, gint64 id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_store_read_async (store, read_message, g_memdup2 (&id, sizeof id), g_free, (GDestroyNotify)message_free,
                             NULL, courriel_cli_got_result, &result);
  return courriel_store_read_finish (store, courriel_cli_wait (&result), error);
}

static CourrielAccount *
find_account_by_id (CourrielStore *store, gint64 account_id, GError **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);

  return courriel_cli_find_account (store, id, error);
}

/* A body not yet in the store comes from the server now: its text, or all of it. */
static gboolean
download_body (CourrielStore *store, Message *m, CourrielImapBodyMode mode, GError **error)
{
  g_autoptr (CourrielAccount) account = find_account_by_id (store, m->account_id, error);
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GAsyncResult) result = NULL;

  if (account == NULL || (client = courriel_cli_connect (account, error)) == NULL)
    return FALSE;
  g_array_append_val (ids, m->id);
  courriel_imap_body_sync_async (client, store, m->folder_id, m->folder, ids, 0, mode, NULL, NULL, NULL,
                                 courriel_cli_got_result, &result);
  return courriel_imap_body_sync_finish (courriel_cli_wait (&result), error) >= 0;
}

static void
print_message_json (Message *m, CourrielMessageText *text)
{
  g_autofree char *folder = courriel_cli_json_string (m->folder);
  g_autofree char *date = courriel_cli_json_string (m->date);
  g_autofree char *from = courriel_cli_json_string (m->from);
  g_autofree char *to = courriel_cli_json_string (m->to);
  g_autofree char *cc = courriel_cli_json_string (m->cc);
  g_autofree char *subject = courriel_cli_json_string (m->subject);
  g_autofree char *body = courriel_cli_json_string (text->text);

  g_print ("{\"id\": %" G_GINT64_FORMAT ", \"folder\": %s, \"date\": %s, \"from\": %s, \"to\": %s, \"cc\": %s, "
           "\"subject\": %s, \"unread\": %s, \"starred\": %s, \"text\": %s, \"attachments\": [",
           m->id, folder, date, from, to, cc, subject, m->flags & COURRIEL_MESSAGE_SEEN ? "false" : "true",
           m->flags & COURRIEL_MESSAGE_FLAGGED ? "true" : "false", body);
  for (guint i = 0; i < m->attachments->len; i++)
    {
      CourrielAttachmentInfo *a = m->attachments->pdata[i];
      g_autofree char *name = courriel_cli_json_string (a->filename);
      g_autofree char *type = courriel_cli_json_string (a->mime_type);

      g_print ("%s{\"filename\": %s, \"type\": %s, \"size\": %" G_GSIZE_FORMAT "}", i > 0 ? ", " : "", name, type,
               a->size);
    }
  g_print ("]}\n");
}

static void
print_message (Message *m, CourrielMessageText *text)
{
  g_print ("%s %s\n%s %s\n", _("From:"), m->from ? m->from : "", _("To:"), m->to ? m->to : "");
  if (m->cc != NULL && *m->cc != '\0')
    g_print ("%s %s\n", _("Cc:"), m->cc);
  g_print ("%s %s\n%s %s\n\n%s\n", _("Date:"), m->date ? m->date : "", _("Subject:"), m->subject ? m->subject : "",
           text->text);
  for (guint i = 0; i < m->attachments->len; i++)
    {
      CourrielAttachmentInfo *a = m->attachments->pdata[i];
      g_autofree char *size = g_format_size (a->size);

      g_print (_("Attachment: %s (%s, %s)\n"), a->filename ? a->filename : _("unnamed"), a->mime_type, size);
    }
}

/* courriel-cli show MESSAGE [--raw] */
int
courriel_cli_show (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("MESSAGE — show a message"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (Message) m = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (CourrielMessageText) text = NULL;
  gboolean raw = FALSE;
  GOptionEntry entries[] = {
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, N_("Print the message as it was received (MIME)"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2
      || (ids = courriel_cli_parse_message_ids (1, argv + 1, &error)) == NULL)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli show MESSAGE [--raw]"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL)
    m = load_message (store, g_array_index (ids, gint64, 0), &error);
  /* --raw asks for the whole message, attachments included, as the app's reader does (through
   * the sync service); reading needs only its text. */
  if (m != NULL && raw && (m->raw == NULL || !m->complete))
    {
      g_autoptr (CourrielSyncService) service = courriel_sync_service_new (store);
      g_autoptr (GAsyncResult) result = NULL;
      GBytes *whole;

      courriel_sync_service_fetch_body_async (service, m->id, NULL, courriel_cli_got_result, &result);
      whole = courriel_sync_service_fetch_body_finish (service, courriel_cli_wait (&result), &error);
      g_clear_pointer (&m->raw, g_bytes_unref);
      m->raw = whole;
      if (whole == NULL)
        g_clear_pointer (&m, message_free);
    }
  else if (m != NULL && m->raw == NULL && download_body (store, m, COURRIEL_IMAP_BODY_TEXT, &error))
    {
      g_clear_pointer (&m, message_free);
      m = load_message (store, g_array_index (ids, gint64, 0), &error);
      if (m != NULL && m->raw == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             _("The server no longer has this message."));
    }
  if (m != NULL && m->raw != NULL && !raw)
    text = courriel_message_text_new_from_bytes (m->raw, &error);
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (raw)
    fwrite (g_bytes_get_data (m->raw, NULL), 1, g_bytes_get_size (m->raw), stdout);
  else if (courriel_cli_json)
    print_message_json (m, text);
  else
    print_message (m, text);
  courriel_store_close (store);
  return 0;
}

/* The servers of every IMAP account search the messages whose bodies are not in the store; their
 * answers join @ids. A server out of reach is only a warning. */
static void
search_servers (CourrielStore *store, CourrielSearchQuery *query, GArray *ids)
{
  g_autofree char *criteria = courriel_search_query_to_imap (query);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GAsyncResult) listed = NULL;

  courriel_account_list_async (store, NULL, courriel_cli_got_result, &listed);
  accounts = courriel_account_list_finish (store, courriel_cli_wait (&listed), NULL);
  for (guint i = 0; criteria != NULL && accounts != NULL && i < accounts->len; i++)
    {
      CourrielAccount *account = accounts->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielImapClient) client = NULL;
      g_autoptr (GArray) found = NULL;

      if (account->protocol != COURRIEL_PROTOCOL_IMAP)
        continue;
      client = courriel_cli_connect (account, &error);
      if (client != NULL)
        {
          g_autoptr (GAsyncResult) result = NULL;
          courriel_imap_server_search_async (client, store, account->id, criteria, NULL, courriel_cli_got_result,
                                             &result);
          found = courriel_imap_server_search_finish (courriel_cli_wait (&result), &error);
        }
      if (error != NULL)
        g_printerr (_("courriel-cli: %s was not searched on its server: %s\n"), account->address, error->message);
      for (guint f = 0; found != NULL && f < found->len; f++)
        {
          gboolean known = FALSE;
          for (guint k = 0; k < ids->len && !known; k++)
            known = g_array_index (ids, gint64, k) == g_array_index (found, gint64, f);
          if (!known)
            g_array_append_val (ids, g_array_index (found, gint64, f));
        }
    }
}

/* courriel-cli search QUERY [--limit N] [--online] */
int
courriel_cli_search (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("QUERY — words, \"a phrase\", from:, to:, subject:"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielSearchQuery) query = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GString) sql = NULL;
  g_autofree char *text = NULL;
  int limit = 50;
  gboolean online = FALSE;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N messages (50)"), "N" },
    { "online", 0, 0, G_OPTION_ARG_NONE, &online,
      N_("Also ask the servers about messages whose text is not downloaded"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || limit <= 0)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli search QUERY [--limit N] [--online]"));
      return 2;
    }
  text = g_strjoinv (" ", argv + 1);
  query = courriel_search_query_parse (text);
  store = courriel_cli_open_store (&error);
  if (store != NULL && !courriel_search_query_is_empty (query))
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_search_query_run_async (query, store, limit, NULL, courriel_cli_got_result, &result);
      ids = courriel_search_query_run_finish (store, courriel_cli_wait (&result), &error);
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (online && ids != NULL)
    search_servers (store, query, ids);
  /* The ids, with what the list shows of them, newest first. */
  sql = g_string_new ("SELECT m.id, datetime (m.date, 'unixepoch') AS date, f.name AS folder, m.sender AS sender, "
                      "m.subject AS subject FROM messages m JOIN folders f ON f.id = m.folder_id "
                      "JOIN (SELECT 0 AS id, 0 AS rank");
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_string_append_printf (sql, " UNION ALL SELECT %" G_GINT64_FORMAT ", %u", g_array_index (ids, gint64, i), i);
  g_string_append_printf (sql, ") r ON r.id = m.id ORDER BY m.date DESC, r.rank LIMIT %d", limit);
  {
    const char *args[] = { sql->str, NULL };
    int status = courriel_cli_print_rows (store, args);
    courriel_store_close (store);
    return status;
  }
}

/* Changes ------------------------------------------------------------------------------------- */

static gpointer
read_account_ids (sqlite3 *db, gpointer data, GError **error)
{
  GArray *ids = data;
  GArray *accounts = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT f.account_id FROM messages m JOIN folders f ON f.id = m.folder_id "
                                   "WHERE m.id = ?1",
                               -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 account = sqlite3_column_int64 (stmt, 0);
          gboolean known = FALSE;

          for (guint j = 0; j < accounts->len; j++)
            known |= g_array_index (accounts, gint64, j) == account;
          if (!known)
            g_array_append_val (accounts, account);
        }
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&accounts, g_array_unref);
  return accounts;
}

/* Sends the accounts' queues; a server out of reach only delays it. Returns FALSE when some
 * change is still waiting. */
gboolean
courriel_cli_send_changes (CourrielStore *store, GArray *accounts)
{
  gboolean all_sent = TRUE;

  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielAccount) account = find_account_by_id (store, g_array_index (accounts, gint64, i), &error);
      g_autoptr (CourrielImapClient) client = NULL;

      /* A POP3 account's folders are all here: nothing to tell a server. */
      if (account != NULL && account->protocol == COURRIEL_PROTOCOL_POP3)
        continue;
      if (account != NULL)
        client = courriel_cli_connect (account, &error);

      if (client != NULL)
        {
          g_autoptr (GAsyncResult) result = NULL;
          courriel_imap_replay_async (client, store, account->id, NULL, courriel_cli_got_result, &result);
          courriel_imap_replay_finish (courriel_cli_wait (&result), &error);
        }
      if (error != NULL)
        {
          g_printerr (_("courriel-cli: the change is saved and will reach the server at the next sync (%s)\n"),
                      error->message);
          all_sent = FALSE;
        }
    }
  return all_sent;
}

typedef enum
{
  CHANGE_MARK,
  CHANGE_MOVE,
  CHANGE_DELETE,
} ChangeKind;

typedef struct
{
  ChangeKind  kind;
  guint       add_flags;
  guint       remove_flags;
  const char *folder;
} ChangeRequest;

static gpointer
read_folder_id (sqlite3 *db, gpointer data, GError **error)
{
  char **args = data; /* account id, folder name or role */
  gint64 *id = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT id FROM folders WHERE account_id = ?1 AND (name = ?2 OR role = lower (?2)) "
                               "ORDER BY name = ?2 DESC LIMIT 1",
                               -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, args[0], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, args[1], -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    id = g_memdup2 (&(gint64){ sqlite3_column_int64 (stmt, 0) }, sizeof (gint64));
  else if (rc == SQLITE_DONE)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no folder “%s”."), args[1]);
  sqlite3_finalize (stmt);
  if (id == NULL && (error == NULL || *error == NULL))
    courriel_store_set_error_from_db (db, rc, error);
  return id;
}

static int
apply_change (GArray *ids, const ChangeRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = courriel_cli_open_store (&error);
  g_autoptr (GArray) accounts = NULL;
  gboolean sent;

  if (store != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_store_read_async (store, read_account_ids, g_array_ref (ids), (GDestroyNotify)g_array_unref,
                                 (GDestroyNotify)g_array_unref, NULL, courriel_cli_got_result, &result);
      accounts = courriel_store_read_finish (store, courriel_cli_wait (&result), &error);
    }
  if (accounts != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autofree gint64 *folder_id = NULL;

      if (request->kind == CHANGE_MOVE && accounts->len > 0)
        {
          g_autoptr (GAsyncResult) found = NULL;
          char *args[] = { g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (accounts, gint64, 0)),
                           g_strdup (request->folder), NULL };
          courriel_store_read_async (store, read_folder_id, g_memdup2 (args, sizeof args),
                                     (GDestroyNotify)g_strfreev, g_free, NULL, courriel_cli_got_result, &found);
          folder_id = courriel_store_read_finish (store, courriel_cli_wait (&found), &error);
        }
      if (request->kind == CHANGE_MARK)
        courriel_changes_mark_async (store, ids, request->add_flags, request->remove_flags, NULL,
                                     courriel_cli_got_result, &result);
      else if (request->kind == CHANGE_MOVE && folder_id != NULL)
        courriel_changes_move_async (store, ids, *folder_id, NULL, courriel_cli_got_result, &result);
      else if (request->kind == CHANGE_DELETE)
        courriel_changes_delete_async (store, ids, NULL, courriel_cli_got_result, &result);
      if (error == NULL)
        courriel_store_write_finish (store, courriel_cli_wait (&result), &error);
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  sent = courriel_cli_send_changes (store, accounts);
  if (courriel_cli_json)
    g_print ("{\"changed\": %u, \"sent\": %s}\n", ids->len, sent ? "true" : "false");
  courriel_store_close (store);
  return 0;
}

/* courriel-cli mark MESSAGE… --read|--unread|--star|--unstar */
int
courriel_cli_mark (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("MESSAGE… — mark messages"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  gboolean read = FALSE, unread = FALSE, star = FALSE, unstar = FALSE;
  GOptionEntry entries[] = {
    { "read", 0, 0, G_OPTION_ARG_NONE, &read, N_("As read"), NULL },
    { "unread", 0, 0, G_OPTION_ARG_NONE, &unread, N_("As unread"), NULL },
    { "star", 0, 0, G_OPTION_ARG_NONE, &star, N_("With a star"), NULL },
    { "unstar", 0, 0, G_OPTION_ARG_NONE, &unstar, N_("Without a star"), NULL },
    { NULL }
  };
  ChangeRequest request = { CHANGE_MARK, 0, 0, NULL };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || read + unread + star + unstar != 1
      || (ids = courriel_cli_parse_message_ids (argc - 1, argv + 1, &error)) == NULL)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli mark MESSAGE… --read|--unread|--star|--unstar"));
      return 2;
    }
  request.add_flags = (read ? COURRIEL_MESSAGE_SEEN : 0) | (star ? COURRIEL_MESSAGE_FLAGGED : 0);
  request.remove_flags = (unread ? COURRIEL_MESSAGE_SEEN : 0) | (unstar ? COURRIEL_MESSAGE_FLAGGED : 0);
  return apply_change (ids, &request);
}

/* courriel-cli move MESSAGE… FOLDER */
int
courriel_cli_move (int argc, char **argv)
{
  g_autoptr (GArray) ids = NULL;
  ChangeRequest request = { CHANGE_MOVE, 0, 0, NULL };

  if (argc < 3 || (ids = courriel_cli_parse_message_ids (argc - 2, argv + 1, NULL)) == NULL)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli move MESSAGE… FOLDER"));
      return 2;
    }
  request.folder = argv[argc - 1];
  return apply_change (ids, &request);
}

/* courriel-cli delete MESSAGE… */
int
courriel_cli_delete (int argc, char **argv)
{
  g_autoptr (GArray) ids = NULL;
  ChangeRequest request = { CHANGE_DELETE, 0, 0, NULL };

  if (argc < 2 || (ids = courriel_cli_parse_message_ids (argc - 1, argv + 1, NULL)) == NULL)
    {
      g_printerr ("%s\n", _("Usage: courriel-cli delete MESSAGE…"));
      return 2;
    }
  return apply_change (ids, &request);
}
