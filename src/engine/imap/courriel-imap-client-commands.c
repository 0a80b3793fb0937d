/* courriel-imap-client-commands.c — CourrielImapClient's typed commands on mailboxes and messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session itself (connection, queue, authentication, IDLE) is in courriel-imap-client.c;
 * here each command builds its text, collects its untagged responses and returns typed data.
 */
#define G_LOG_DOMAIN "courriel-imap"

#include "config.h"
#include "courriel-imap-client-private.h"

#include <glib/gi18n-lib.h>

/* ID, ENABLE, NAMESPACE ----------------------------------------------------------------------- */

static gboolean
id_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  CourrielImapValue *data = courriel_imap_response_get_data (response);
  CourrielImapValue *list;
  GHashTable *server_id = command->data;

  if (g_strcmp0 (courriel_imap_response_get_name (response), "ID") != 0)
    return FALSE;
  list = courriel_imap_value_get_item (data, 0);
  for (guint i = 0; list != NULL && i + 1 < courriel_imap_value_get_length (list); i += 2)
    {
      char *key = courriel_imap_value_dup_string (courriel_imap_value_get_item (list, i));
      char *value = courriel_imap_value_dup_string (courriel_imap_value_get_item (list, i + 1));

      if (key != NULL)
        g_hash_table_replace (server_id, key, value);
      else
        g_free (value);
    }
  return TRUE;
}

static void
id_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, g_hash_table_ref (command->data), (GDestroyNotify)g_hash_table_unref);
  else
    {
      courriel_imap_set_error_from_response (response, "ID", &error);
      g_task_return_error (command->task, error);
    }
}

void
courriel_imap_client_id_async (CourrielImapClient *self, GHashTable *client_id, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_DATA,
                courriel_imap_client_new_task (self, courriel_imap_client_id_async, "ID", cancellable, callback, user_data));
  courriel_imap_builder_add (&b, "ID ");
  if (client_id == NULL || g_hash_table_size (client_id) == 0)
    courriel_imap_builder_add (&b, "NIL");
  else
    {
      GHashTableIter iter;
      gpointer key, value;
      gboolean first = TRUE;

      courriel_imap_builder_add (&b, "(");
      g_hash_table_iter_init (&iter, client_id);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          if (!first)
            courriel_imap_builder_add (&b, " ");
          first = FALSE;
          courriel_imap_builder_add_string (&b, key);
          courriel_imap_builder_add (&b, " ");
          if (value != NULL)
            courriel_imap_builder_add_string (&b, value);
          else
            courriel_imap_builder_add (&b, "NIL");
        }
      courriel_imap_builder_add (&b, ")");
    }
  b.command->on_untagged = id_untagged;
  b.command->on_done = id_done;
  b.command->data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  b.command->data_free = (GDestroyNotify)g_hash_table_unref;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

GHashTable *
courriel_imap_client_id_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_id_async, error);
}

static void
enable_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GStrv asked = command->data;
  g_autoptr (GStrvBuilder) enabled = g_strv_builder_new ();
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, "ENABLE", &error);
      g_task_return_error (command->task, error);
      return;
    }
  for (guint i = 0; asked[i] != NULL; i++)
    if (courriel_imap_client_is_enabled (self, asked[i]))
      g_strv_builder_add (enabled, asked[i]);
  g_task_return_pointer (command->task, g_strv_builder_end (enabled), (GDestroyNotify)g_strfreev);
}

void
courriel_imap_client_enable_async (CourrielImapClient *self, const char * const *extensions,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (extensions != NULL && extensions[0] != NULL);

  task = courriel_imap_client_new_task (self, courriel_imap_client_enable_async, "ENABLE", cancellable, callback, user_data);
  if (!courriel_imap_client_has_capability (self, "ENABLE"))
    {
      g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify)g_strfreev);
      g_object_unref (task);
      return;
    }
  courriel_imap_builder_init (&b, self, KIND_BARRIER, task);
  courriel_imap_builder_add (&b, "ENABLE");
  for (guint i = 0; extensions[i] != NULL; i++)
    {
      courriel_imap_builder_add (&b, " ");
      courriel_imap_builder_add (&b, extensions[i]);
    }
  b.command->on_done = enable_done;
  b.command->data = g_strdupv ((GStrv)extensions);
  b.command->data_free = (GDestroyNotify)g_strfreev;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

GStrv
courriel_imap_client_enable_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_enable_async, error);
}

static void
namespace_free (CourrielImapNamespace *ns)
{
  g_free (ns->prefix);
  g_free (ns);
}

static gboolean
namespace_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  CourrielImapValue *personal;
  GPtrArray *namespaces = command->data;

  if (g_strcmp0 (courriel_imap_response_get_name (response), "NAMESPACE") != 0)
    return FALSE;
  personal = courriel_imap_value_get_item (courriel_imap_response_get_data (response), 0);
  for (guint i = 0; personal != NULL && i < courriel_imap_value_get_length (personal); i++)
    {
      CourrielImapValue *entry = courriel_imap_value_get_item (personal, i);
      g_autofree char *prefix = courriel_imap_value_dup_string (courriel_imap_value_get_item (entry, 0));
      g_autofree char *delimiter = courriel_imap_value_dup_string (courriel_imap_value_get_item (entry, 1));
      CourrielImapNamespace *ns;

      if (prefix == NULL)
        continue;
      ns = g_new0 (CourrielImapNamespace, 1);
      ns->prefix = g_steal_pointer (&prefix);
      ns->delimiter = delimiter != NULL ? g_utf8_get_char_validated (delimiter, -1) : 0;
      if (ns->delimiter == (gunichar)-1 || ns->delimiter == (gunichar)-2)
        ns->delimiter = 0;
      g_ptr_array_add (namespaces, ns);
    }
  return TRUE;
}

static void
namespace_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, g_ptr_array_ref (command->data), (GDestroyNotify)g_ptr_array_unref);
  else
    {
      courriel_imap_set_error_from_response (response, "NAMESPACE", &error);
      g_task_return_error (command->task, error);
    }
}

void
courriel_imap_client_namespace_async (CourrielImapClient *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  task = courriel_imap_client_new_task (self, courriel_imap_client_namespace_async, "NAMESPACE", cancellable, callback, user_data);
  if (!courriel_imap_client_has_capability (self, "NAMESPACE"))
    {
      /* RFC 2342 absent: the whole hierarchy is personal, from the root. */
      GPtrArray *namespaces = g_ptr_array_new_with_free_func ((GDestroyNotify)namespace_free);
      CourrielImapNamespace *ns = g_new0 (CourrielImapNamespace, 1);

      ns->prefix = g_strdup ("");
      g_ptr_array_add (namespaces, ns);
      g_task_return_pointer (task, namespaces, (GDestroyNotify)g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  courriel_imap_builder_init (&b, self, KIND_DATA, task);
  courriel_imap_builder_add (&b, "NAMESPACE");
  b.command->on_untagged = namespace_untagged;
  b.command->on_done = namespace_done;
  b.command->data = g_ptr_array_new_with_free_func ((GDestroyNotify)namespace_free);
  b.command->data_free = (GDestroyNotify)g_ptr_array_unref;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

GPtrArray *
courriel_imap_client_namespace_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_namespace_async, error);
}

/* Commands that return a GPtrArray of parsed data --------------------------------------------- */

static void
done_array (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, g_ptr_array_ref (command->data), (GDestroyNotify)g_ptr_array_unref);
  else
    {
      courriel_imap_set_error_from_response (response, g_task_get_task_data (command->task), &error);
      g_task_return_error (command->task, error);
    }
}

/* LIST */

static gboolean
list_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  const char *name = courriel_imap_response_get_name (response);
  GPtrArray *mailboxes = command->data;
  gboolean utf8 = courriel_imap_client_is_enabled (self, "UTF8=ACCEPT");

  if (g_strcmp0 (name, "LIST") == 0)
    {
      g_autoptr (GError) error = NULL;
      CourrielImapMailbox *mailbox = courriel_imap_mailbox_parse (response, utf8, &error);

      if (mailbox != NULL)
        g_ptr_array_add (mailboxes, mailbox);
      else
        g_debug ("Skipping an unreadable LIST response: %s", error->message);
      return TRUE;
    }
  if (g_strcmp0 (name, "STATUS") == 0)
    {
      g_autofree char *mailbox_name = NULL;
      g_autoptr (CourrielImapStatusData) status = courriel_imap_status_data_parse (response, utf8, &mailbox_name, NULL);

      /* LIST-STATUS: the STATUS follows its LIST. */
      for (guint i = mailboxes->len; status != NULL && i > 0; i--)
        {
          CourrielImapMailbox *mailbox = g_ptr_array_index (mailboxes, i - 1);
          if (g_strcmp0 (courriel_imap_mailbox_get_name (mailbox), mailbox_name) == 0)
            {
              courriel_imap_mailbox_set_status (mailbox, status);
              break;
            }
        }
      return TRUE;
    }
  return FALSE;
}

void
courriel_imap_client_list_async (CourrielImapClient *self, const char *reference, const char *pattern,
                                 const char *status_items, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  gboolean special_use = courriel_imap_client_has_capability (self, "SPECIAL-USE");
  gboolean list_status = status_items != NULL && courriel_imap_client_has_capability (self, "LIST-STATUS");
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_DATA,
                courriel_imap_client_new_task (self, courriel_imap_client_list_async, _("Listing the folders"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, "LIST ");
  courriel_imap_builder_add_mailbox (&b, reference != NULL ? reference : "");
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add_mailbox (&b, pattern != NULL ? pattern : "*");
  if (special_use || list_status)
    {
      courriel_imap_builder_add (&b, " RETURN (");
      if (special_use)
        courriel_imap_builder_add (&b, "SPECIAL-USE");
      if (list_status)
        {
          courriel_imap_builder_add (&b, special_use ? " STATUS (" : "STATUS (");
          courriel_imap_builder_add (&b, status_items);
          courriel_imap_builder_add (&b, ")");
        }
      courriel_imap_builder_add (&b, ")");
    }
  b.command->on_untagged = list_untagged;
  b.command->on_done = done_array;
  b.command->data = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_mailbox_unref);
  b.command->data_free = (GDestroyNotify)g_ptr_array_unref;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

GPtrArray *
courriel_imap_client_list_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_list_async, error);
}

/* CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE, RENAME */

void
courriel_imap_client_mailbox_async (CourrielImapClient *self, CourrielImapMailboxOperation operation,
                                    const char *mailbox, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  static const char *verbs[] = { "CREATE ", "DELETE ", "SUBSCRIBE ", "UNSUBSCRIBE " };
  const char *what[] = { _("Creating the folder"), _("Deleting the folder"), _("Subscribing to the folder"),
                         _("Unsubscribing from the folder") };
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (operation <= COURRIEL_IMAP_MAILBOX_UNSUBSCRIBE);

  courriel_imap_builder_init (&b, self, KIND_QUIET,
                courriel_imap_client_new_task (self, courriel_imap_client_mailbox_async, what[operation], cancellable, callback, user_data));
  courriel_imap_builder_add (&b, verbs[operation]);
  courriel_imap_builder_add_mailbox (&b, mailbox);
  b.command->on_done = courriel_imap_client_done_ok;
  if (operation == COURRIEL_IMAP_MAILBOX_DELETE && g_strcmp0 (courriel_imap_client_get_selected (self), mailbox) == 0)
    b.command->kind = KIND_BARRIER;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_mailbox_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_mailbox_async, error);
}

void
courriel_imap_client_rename_async (CourrielImapClient *self, const char *mailbox, const char *new_name,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_BARRIER,
                courriel_imap_client_new_task (self, courriel_imap_client_rename_async, _("Renaming the folder"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, "RENAME ");
  courriel_imap_builder_add_mailbox (&b, mailbox);
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add_mailbox (&b, new_name);
  b.command->on_done = courriel_imap_client_done_ok;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_rename_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_rename_async, error);
}

/* SELECT / EXAMINE */

void
courriel_imap_selection_free (CourrielImapSelection *selection)
{
  if (selection == NULL)
    return;
  g_free (selection->mailbox);
  g_strfreev (selection->flags);
  g_strfreev (selection->permanent_flags);
  g_clear_pointer (&selection->vanished, courriel_imap_uid_set_free);
  g_clear_pointer (&selection->changed, g_ptr_array_unref);
  g_free (selection);
}

static GStrv
strv_from_value (CourrielImapValue *list)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; list != NULL && i < courriel_imap_value_get_length (list); i++)
    {
      const char *atom = courriel_imap_value_get_atom (courriel_imap_value_get_item (list, i));
      if (atom != NULL)
        g_strv_builder_add (builder, atom);
    }
  return g_strv_builder_end (builder);
}

static gboolean
code_number (CourrielImapResponse *response, guint64 *number)
{
  return courriel_imap_value_get_number (courriel_imap_value_get_item (courriel_imap_response_get_code_value (response), 0),
                                         number);
}

static gboolean
select_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  CourrielImapSelection *selection = command->data;
  const char *name = courriel_imap_response_get_name (response);
  guint32 number = 0;
  guint64 value = 0;

  switch (courriel_imap_response_get_code (response))
    {
    case COURRIEL_IMAP_CODE_UIDVALIDITY:
      if (code_number (response, &value))
        selection->uidvalidity = (guint32)value;
      return TRUE;
    case COURRIEL_IMAP_CODE_UIDNEXT:
      if (code_number (response, &value))
        selection->uidnext = (guint32)value;
      return TRUE;
    case COURRIEL_IMAP_CODE_HIGHESTMODSEQ:
      if (code_number (response, &value))
        selection->highestmodseq = value;
      return TRUE;
    case COURRIEL_IMAP_CODE_NOMODSEQ:
      selection->highestmodseq = 0;
      return TRUE;
    case COURRIEL_IMAP_CODE_PERMANENTFLAGS:
      g_strfreev (selection->permanent_flags);
      selection->permanent_flags = strv_from_value (
        courriel_imap_value_get_item (courriel_imap_response_get_code_value (response), 0));
      return TRUE;
    case COURRIEL_IMAP_CODE_CLOSED:
      return TRUE; /* the previous mailbox is closed: its news ends here */
    default:
      break;
    }

  if (name == NULL)
    return FALSE;
  if (g_str_equal (name, "EXISTS") && courriel_imap_response_get_number (response, &number))
    selection->exists = number;
  else if (g_str_equal (name, "RECENT") && courriel_imap_response_get_number (response, &number))
    selection->recent = number;
  else if (g_str_equal (name, "FLAGS"))
    {
      g_strfreev (selection->flags);
      selection->flags = strv_from_value (courriel_imap_value_get_item (courriel_imap_response_get_data (response), 0));
    }
  else if (g_str_equal (name, "VANISHED"))
    {
      g_autoptr (CourrielImapVanished) vanished = courriel_imap_vanished_parse (response, NULL);

      if (vanished == NULL)
        return TRUE;
      if (selection->vanished == NULL)
        selection->vanished = courriel_imap_uid_set_new ();
      courriel_imap_uid_set_add_set (selection->vanished, vanished->uids);
    }
  else if (g_str_equal (name, "FETCH"))
    {
      CourrielImapFetch *fetch = courriel_imap_fetch_parse (response, NULL);

      if (fetch != NULL)
        g_ptr_array_add (selection->changed, fetch);
    }
  else
    return FALSE;
  return TRUE;
}

static void
select_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  CourrielImapSelection *selection = command->data;
  GError *error = NULL;

  courriel_imap_client_set_selected (self, NULL);
  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      /* A failed SELECT leaves no mailbox selected (RFC 3501, 6.3.1). */
      courriel_imap_set_error_from_response (response, _("Opening the folder"), &error);
      g_task_return_error (command->task, error);
      return;
    }
  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_READ_ONLY)
    selection->read_only = TRUE;
  else if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_READ_WRITE)
    selection->read_only = FALSE;
  courriel_imap_client_set_selected (self, selection->mailbox);
  command->data = NULL;
  g_task_return_pointer (command->task, selection, (GDestroyNotify)courriel_imap_selection_free);
}

void
courriel_imap_client_select_async (CourrielImapClient *self, const char *mailbox, gboolean read_only,
                                   const CourrielImapQresync *qresync, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  CourrielImapSelection *selection;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  courriel_imap_builder_init (&b, self, KIND_BARRIER,
                courriel_imap_client_new_task (self, courriel_imap_client_select_async, _("Opening the folder"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, read_only ? "EXAMINE " : "SELECT ");
  courriel_imap_builder_add_mailbox (&b, mailbox);
  if (qresync != NULL && qresync->uidvalidity != 0 && courriel_imap_client_is_enabled (self, "QRESYNC"))
    {
      g_autofree char *params = g_strdup_printf (" (QRESYNC (%u %" G_GUINT64_FORMAT, qresync->uidvalidity,
                                                 MAX (qresync->modseq, 1));
      courriel_imap_builder_add (&b, params);
      if (qresync->known_uids != NULL && !courriel_imap_uid_set_is_empty (qresync->known_uids))
        {
          g_autofree char *known = courriel_imap_uid_set_to_string (qresync->known_uids);
          courriel_imap_builder_add (&b, " ");
          courriel_imap_builder_add (&b, known);
        }
      courriel_imap_builder_add (&b, "))");
    }
  else if (courriel_imap_client_has_capability (self, "CONDSTORE") && !courriel_imap_client_is_enabled (self, "CONDSTORE")
           && !courriel_imap_client_is_enabled (self, "QRESYNC"))
    courriel_imap_builder_add (&b, " (CONDSTORE)");

  selection = g_new0 (CourrielImapSelection, 1);
  selection->mailbox = g_strdup (mailbox);
  selection->read_only = read_only;
  selection->changed = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_fetch_unref);
  b.command->on_untagged = select_untagged;
  b.command->on_done = select_done;
  b.command->data = selection;
  b.command->data_free = (GDestroyNotify)courriel_imap_selection_free;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

CourrielImapSelection *
courriel_imap_client_select_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_select_async, error);
}

/* STATUS */

static gboolean
status_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  if (g_strcmp0 (courriel_imap_response_get_name (response), "STATUS") != 0)
    return FALSE;
  g_clear_pointer (&command->data, courriel_imap_status_data_unref);
  command->data = courriel_imap_status_data_parse (response, courriel_imap_client_is_enabled (self, "UTF8=ACCEPT"),
                                                   NULL, NULL);
  return TRUE;
}

static void
status_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    courriel_imap_set_error_from_response (response, _("Reading the folder’s status"), &error);
  else if (command->data == NULL)
    g_set_error (&error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                 _("The mail server did not send the folder’s status."));
  if (error != NULL)
    g_task_return_error (command->task, error);
  else
    g_task_return_pointer (command->task, g_steal_pointer (&command->data),
                           (GDestroyNotify)courriel_imap_status_data_unref);
}

void
courriel_imap_client_status_async (CourrielImapClient *self, const char *mailbox, const char *items,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  courriel_imap_builder_init (&b, self, KIND_DATA,
                courriel_imap_client_new_task (self, courriel_imap_client_status_async, _("Reading the folder’s status"), cancellable,
                          callback, user_data));
  courriel_imap_builder_add (&b, "STATUS ");
  courriel_imap_builder_add_mailbox (&b, mailbox);
  courriel_imap_builder_add (&b, " (");
  courriel_imap_builder_add (&b, items);
  courriel_imap_builder_add (&b, ")");
  b.command->on_untagged = status_untagged;
  b.command->on_done = status_done;
  b.command->data_free = (GDestroyNotify)courriel_imap_status_data_unref;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

CourrielImapStatusData *
courriel_imap_client_status_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_status_async, error);
}

/* UID FETCH */

typedef struct
{
  GPtrArray            *fetches;
  CourrielImapFetchFunc each;
  gpointer              each_data;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_ptr_array_unref (data->fetches);
  g_free (data);
}

static gboolean
fetch_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  FetchData *data = command->data;
  g_autoptr (GError) error = NULL;
  CourrielImapFetch *fetch;

  if (g_strcmp0 (courriel_imap_response_get_name (response), "FETCH") != 0)
    return FALSE;
  fetch = courriel_imap_fetch_parse (response, &error);
  if (fetch == NULL)
    {
      g_debug ("Skipping an unreadable FETCH response: %s", error->message);
      return TRUE;
    }
  g_ptr_array_add (data->fetches, fetch);
  if (data->each != NULL)
    data->each (fetch, data->each_data);
  return TRUE;
}

static void
fetch_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  FetchData *data = command->data;
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, g_ptr_array_ref (data->fetches), (GDestroyNotify)g_ptr_array_unref);
  else
    {
      courriel_imap_set_error_from_response (response, _("Downloading messages"), &error);
      g_task_return_error (command->task, error);
    }
}

void
courriel_imap_client_uid_fetch_async (CourrielImapClient *self, CourrielImapUidSet *uids, const char *items,
                                      guint64 changed_since, CourrielImapFetchFunc each, gpointer each_data,
                                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *set = NULL;
  FetchData *data;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL && items != NULL);

  set = courriel_imap_uid_set_to_string (uids);
  courriel_imap_builder_init (&b, self, KIND_DATA,
                courriel_imap_client_new_task (self, courriel_imap_client_uid_fetch_async, _("Downloading messages"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, "UID FETCH ");
  courriel_imap_builder_add (&b, set);
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add (&b, items);
  if (changed_since > 0)
    {
      g_autofree char *modifier = g_strdup_printf (" (CHANGEDSINCE %" G_GUINT64_FORMAT "%s)", changed_since,
                                                   courriel_imap_client_is_enabled (self, "QRESYNC") ? " VANISHED" : "");
      courriel_imap_builder_add (&b, modifier);
    }
  data = g_new0 (FetchData, 1);
  data->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_fetch_unref);
  data->each = each;
  data->each_data = each_data;
  b.command->on_untagged = fetch_untagged;
  b.command->on_done = fetch_done;
  b.command->data = data;
  b.command->data_free = (GDestroyNotify)fetch_data_free;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

GPtrArray *
courriel_imap_client_uid_fetch_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_uid_fetch_async, error);
}

/* UID STORE */

static void
store_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;
  CourrielImapUidSet *modified = NULL;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, _("Changing message flags"), &error);
      g_task_return_error (command->task, error);
      return;
    }
  if (courriel_imap_response_get_code (response) == COURRIEL_IMAP_CODE_MODIFIED)
    {
      g_autofree char *text = courriel_imap_value_dup_string (
        courriel_imap_value_get_item (courriel_imap_response_get_code_value (response), 0));
      modified = text != NULL ? courriel_imap_uid_set_parse (text, NULL) : NULL;
    }
  if (modified == NULL)
    modified = courriel_imap_uid_set_new ();
  g_task_return_pointer (command->task, modified, (GDestroyNotify)courriel_imap_uid_set_free);
}

void
courriel_imap_client_uid_store_async (CourrielImapClient *self, CourrielImapUidSet *uids, CourrielImapStoreMode mode,
                                      const char * const *flags, guint64 unchanged_since, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  static const char *modes[] = { "+FLAGS.SILENT (", "-FLAGS.SILENT (", "FLAGS.SILENT (" };
  g_autofree char *set = NULL;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL && mode <= COURRIEL_IMAP_STORE_REPLACE);

  set = courriel_imap_uid_set_to_string (uids);
  courriel_imap_builder_init (&b, self, KIND_QUIET,
                courriel_imap_client_new_task (self, courriel_imap_client_uid_store_async, _("Changing message flags"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, "UID STORE ");
  courriel_imap_builder_add (&b, set);
  if (unchanged_since > 0)
    {
      g_autofree char *modifier = g_strdup_printf (" (UNCHANGEDSINCE %" G_GUINT64_FORMAT ")", unchanged_since);
      courriel_imap_builder_add (&b, modifier);
    }
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add (&b, modes[mode]);
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (i > 0)
        courriel_imap_builder_add (&b, " ");
      courriel_imap_builder_add (&b, flags[i]);
    }
  courriel_imap_builder_add (&b, ")");
  b.command->on_done = store_done;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

CourrielImapUidSet *
courriel_imap_client_uid_store_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_uid_store_async, error);
}

/* UID COPY, UID MOVE */

void
courriel_imap_copy_result_free (CourrielImapCopyResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->source_uids, courriel_imap_uid_set_free);
  g_clear_pointer (&result->uids, courriel_imap_uid_set_free);
  g_free (result);
}

/* APPENDUID uidvalidity uid / COPYUID uidvalidity source-set dest-set */
static CourrielImapCopyResult *
copy_result_from_code (CourrielImapResponse *response)
{
  CourrielImapValue *args = courriel_imap_response_get_code_value (response);
  CourrielImapCode code = courriel_imap_response_get_code (response);
  g_autoptr (CourrielImapCopyResult) result = g_new0 (CourrielImapCopyResult, 1);
  guint64 uidvalidity = 0;
  guint dest = code == COURRIEL_IMAP_CODE_COPYUID ? 2 : 1;
  g_autofree char *dest_text = NULL;

  if (code != COURRIEL_IMAP_CODE_COPYUID && code != COURRIEL_IMAP_CODE_APPENDUID)
    return NULL;
  if (!courriel_imap_value_get_number (courriel_imap_value_get_item (args, 0), &uidvalidity) || uidvalidity == 0
      || uidvalidity > G_MAXUINT32)
    return NULL;
  result->uidvalidity = (guint32)uidvalidity;
  if (code == COURRIEL_IMAP_CODE_COPYUID)
    {
      g_autofree char *source_text = courriel_imap_value_dup_string (courriel_imap_value_get_item (args, 1));
      result->source_uids = source_text != NULL ? courriel_imap_uid_set_parse (source_text, NULL) : NULL;
      if (result->source_uids == NULL)
        return NULL;
    }
  dest_text = courriel_imap_value_dup_string (courriel_imap_value_get_item (args, dest));
  result->uids = dest_text != NULL ? courriel_imap_uid_set_parse (dest_text, NULL) : NULL;
  if (result->uids == NULL)
    return NULL;
  return g_steal_pointer (&result);
}

static gboolean
copy_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  /* UID MOVE reports COPYUID in an untagged OK before the EXPUNGEs (RFC 6851). */
  if (courriel_imap_response_get_code (response) != COURRIEL_IMAP_CODE_COPYUID)
    return FALSE;
  g_clear_pointer (&command->data, courriel_imap_copy_result_free);
  command->data = copy_result_from_code (response);
  return TRUE;
}

static void
copy_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;
  CourrielImapCopyResult *result;

  if (courriel_imap_response_get_status (response) != COURRIEL_IMAP_STATUS_OK)
    {
      courriel_imap_set_error_from_response (response, g_task_get_task_data (command->task), &error);
      g_task_return_error (command->task, error);
      return;
    }
  result = copy_result_from_code (response);
  if (result == NULL)
    result = g_steal_pointer (&command->data);
  if (result == NULL)
    result = g_new0 (CourrielImapCopyResult, 1); /* no UIDPLUS: nothing known of the new UIDs */
  g_task_return_pointer (command->task, result, (GDestroyNotify)courriel_imap_copy_result_free);
}

static void
queue_copy (CourrielImapClient *self, CourrielImapUidSet *uids, const char *destination, gboolean move, GTask *task)
{
  g_autofree char *set = courriel_imap_uid_set_to_string (uids);
  Builder b;

  courriel_imap_builder_init (&b, self, move ? KIND_DATA : KIND_QUIET, task);
  courriel_imap_builder_add (&b, move ? "UID MOVE " : "UID COPY ");
  courriel_imap_builder_add (&b, set);
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add_mailbox (&b, destination);
  b.command->on_untagged = copy_untagged;
  b.command->on_done = copy_done;
  b.command->data_free = (GDestroyNotify)courriel_imap_copy_result_free;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

/* Without MOVE: COPY, then mark the originals \Deleted and expunge exactly those (UIDPLUS). */
typedef struct
{
  CourrielImapUidSet     *uids;
  CourrielImapCopyResult *result;
} MoveFallback;

static void
move_fallback_free (MoveFallback *move)
{
  courriel_imap_uid_set_free (move->uids);
  courriel_imap_copy_result_free (move->result);
  g_free (move);
}

static void
on_move_expunged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MoveFallback *move = g_task_get_task_data (task);
  GError *error = NULL;

  if (!courriel_imap_client_expunge_finish (COURRIEL_IMAP_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&move->result), (GDestroyNotify)courriel_imap_copy_result_free);
}

static void
on_move_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (source);
  MoveFallback *move = g_task_get_task_data (task);
  g_autoptr (CourrielImapUidSet) modified = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  modified = courriel_imap_client_uid_store_finish (self, result, &error);
  if (modified == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!courriel_imap_client_has_capability (self, "UIDPLUS"))
    {
      /* A plain EXPUNGE would also remove other messages marked \Deleted: leave the
       * originals marked, to go with the next expunge the user asks for. */
      g_task_return_pointer (task, g_steal_pointer (&move->result), (GDestroyNotify)courriel_imap_copy_result_free);
      return;
    }
  /* The cancellable is read before the task is handed on: argument order is unspecified. */
  cancellable = g_task_get_cancellable (task);
  courriel_imap_client_expunge_async (self, move->uids, cancellable, on_move_expunged, g_steal_pointer (&task));
}

static void
on_move_copied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CourrielImapClient *self = COURRIEL_IMAP_CLIENT (source);
  MoveFallback *move = g_task_get_task_data (task);
  const char *deleted[] = { "\\Deleted", NULL };
  GCancellable *cancellable;
  GError *error = NULL;

  move->result = courriel_imap_client_uid_copy_finish (self, result, &error);
  if (move->result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  courriel_imap_client_uid_store_async (self, move->uids, COURRIEL_IMAP_STORE_ADD, deleted, 0, cancellable,
                                        on_move_stored, g_steal_pointer (&task));
}

void
courriel_imap_client_uid_copy_async (CourrielImapClient *self, CourrielImapUidSet *uids, const char *destination,
                                     gboolean move, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (uids != NULL && destination != NULL);

  task = courriel_imap_client_new_task (self, courriel_imap_client_uid_copy_async, move ? _("Moving messages") : _("Copying messages"),
                   cancellable, callback, user_data);
  if (!move || courriel_imap_client_has_capability (self, "MOVE"))
    {
      queue_copy (self, uids, destination, move, task);
      return;
    }

  {
    MoveFallback *fallback = g_new0 (MoveFallback, 1);
    GTask *copy_task;

    fallback->uids = courriel_imap_uid_set_copy (uids);
    g_task_set_task_data (task, fallback, (GDestroyNotify)move_fallback_free);
    copy_task = courriel_imap_client_new_task (self, courriel_imap_client_uid_copy_async, _("Moving messages"), cancellable, on_move_copied,
                          task);
    queue_copy (self, uids, destination, FALSE, copy_task);
  }
}

CourrielImapCopyResult *
courriel_imap_client_uid_copy_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_uid_copy_async, error);
}

/* EXPUNGE, UID EXPUNGE */

void
courriel_imap_client_expunge_async (CourrielImapClient *self, CourrielImapUidSet *uids, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));

  task = courriel_imap_client_new_task (self, courriel_imap_client_expunge_async, _("Removing deleted messages"), cancellable, callback,
                   user_data);
  if (uids != NULL && !courriel_imap_client_has_capability (self, "UIDPLUS"))
    {
      g_task_return_new_error (task, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_UNSUPPORTED,
                               _("The mail server cannot remove only some deleted messages (no UIDPLUS)."));
      g_object_unref (task);
      return;
    }
  courriel_imap_builder_init (&b, self, KIND_QUIET, task);
  if (uids != NULL)
    {
      g_autofree char *set = courriel_imap_uid_set_to_string (uids);
      courriel_imap_builder_add (&b, "UID EXPUNGE ");
      courriel_imap_builder_add (&b, set);
    }
  else
    courriel_imap_builder_add (&b, "EXPUNGE");
  b.command->on_done = courriel_imap_client_done_ok;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

gboolean
courriel_imap_client_expunge_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_boolean (self, result, courriel_imap_client_expunge_async, error);
}

/* APPEND */

static char *
format_internaldate (GDateTime *date)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;

  /* "dd-Mon-yyyy hh:mm:ss +zzzz", with English month names whatever the locale. */
  return g_strdup_printf ("\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1], g_date_time_get_year (date),
                          g_date_time_get_hour (date), g_date_time_get_minute (date), g_date_time_get_second (date),
                          offset < 0 ? '-' : '+', (int)(ABS (offset) / 60), (int)(ABS (offset) % 60));
}

void
courriel_imap_client_append_async (CourrielImapClient *self, const char *mailbox, GBytes *message,
                                   const char * const *flags, GDateTime *date, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  gsize size;
  const guint8 *data;
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL && message != NULL);

  data = g_bytes_get_data (message, &size);
  courriel_imap_builder_init (&b, self, KIND_QUIET,
                courriel_imap_client_new_task (self, courriel_imap_client_append_async, _("Saving the message on the server"), cancellable,
                          callback, user_data));
  courriel_imap_builder_add (&b, "APPEND ");
  courriel_imap_builder_add_mailbox (&b, mailbox);
  if (flags != NULL && flags[0] != NULL)
    {
      courriel_imap_builder_add (&b, " (");
      for (guint i = 0; flags[i] != NULL; i++)
        {
          if (i > 0)
            courriel_imap_builder_add (&b, " ");
          courriel_imap_builder_add (&b, flags[i]);
        }
      courriel_imap_builder_add (&b, ")");
    }
  if (date != NULL)
    {
      g_autofree char *formatted = format_internaldate (date);
      courriel_imap_builder_add (&b, " ");
      courriel_imap_builder_add (&b, formatted);
    }
  courriel_imap_builder_add (&b, " ");
  courriel_imap_builder_add_literal (&b, data, size);
  b.command->on_done = copy_done;
  b.command->data_free = (GDestroyNotify)courriel_imap_copy_result_free;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

CourrielImapCopyResult *
courriel_imap_client_append_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_append_async, error);
}

/* UID SEARCH */

static gboolean
search_untagged (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  const char *name = courriel_imap_response_get_name (response);

  if (g_strcmp0 (name, "ESEARCH") == 0)
    {
      g_autoptr (CourrielImapEsearch) esearch = courriel_imap_esearch_parse (response, NULL);

      if (esearch != NULL && esearch->all != NULL)
        courriel_imap_uid_set_add_set (command->data, esearch->all);
      return TRUE;
    }
  if (g_strcmp0 (name, "SEARCH") == 0)
    {
      g_autoptr (CourrielImapSearch) search = courriel_imap_search_parse (response, NULL);

      for (guint i = 0; search != NULL && i < search->ids->len; i++)
        courriel_imap_uid_set_add (command->data, g_array_index (search->ids, guint32, i));
      return TRUE;
    }
  return FALSE;
}

static void
search_done (CourrielImapClient *self, Command *command, CourrielImapResponse *response)
{
  GError *error = NULL;

  if (courriel_imap_response_get_status (response) == COURRIEL_IMAP_STATUS_OK)
    g_task_return_pointer (command->task, g_steal_pointer (&command->data), (GDestroyNotify)courriel_imap_uid_set_free);
  else
    {
      courriel_imap_set_error_from_response (response, _("Searching"), &error);
      g_task_return_error (command->task, error);
    }
}

void
courriel_imap_client_uid_search_async (CourrielImapClient *self, const char *criteria, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  Builder b;

  g_return_if_fail (COURRIEL_IS_IMAP_CLIENT (self));
  g_return_if_fail (criteria != NULL);

  courriel_imap_builder_init (&b, self, KIND_DATA,
                courriel_imap_client_new_task (self, courriel_imap_client_uid_search_async, _("Searching"), cancellable, callback,
                          user_data));
  courriel_imap_builder_add (&b, courriel_imap_client_has_capability (self, "ESEARCH") ? "UID SEARCH RETURN (ALL) " : "UID SEARCH ");
  courriel_imap_builder_add (&b, criteria);
  b.command->on_untagged = search_untagged;
  b.command->on_done = search_done;
  b.command->data = courriel_imap_uid_set_new ();
  b.command->data_free = (GDestroyNotify)courriel_imap_uid_set_free;
  courriel_imap_client_queue_command (self, courriel_imap_builder_end (&b));
}

CourrielImapUidSet *
courriel_imap_client_uid_search_finish (CourrielImapClient *self, GAsyncResult *result, GError **error)
{
  return courriel_imap_client_finish_pointer (self, result, courriel_imap_client_uid_search_async, error);
}

