/* courriel-notifier.c — new mail as desktop notifications: one per sync that brought some
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each account has one notification id: the news of a later sync replaces what the user has not
 * looked at yet rather than piling up. Clicking it runs app.show-message with the newest message.
 *
 * A message the server refused for good (too large, no recipient accepted…) stays in the Outbox,
 * FAILED, with the reason: the composer that wrote it is closed by then, so the reason is said in
 * a notification of its own, once per message while the application runs (and again at the next
 * start, while it is still there unsent).
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-notifier.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "courriel-gmime-autoptr.h"

/* Senders named in a notification of many messages; more are "…". */
#define MAX_SENDERS 4

struct _CourrielNotifier
{
  GObject              parent_instance;
  GApplication        *application; /* not a reference: the application owns the notifier */
  CourrielSyncService *service;
  GSettings           *settings;
  GCancellable        *cancellable;
  GHashTable          *refusals_told; /* Outbox ids (gint64*) whose refusal was notified */
  guint                refusals_asked;   /* reads of the refusals started */
  guint                refusals_applied; /* the latest read applied: an older one ends stale */
};

G_DEFINE_FINAL_TYPE (CourrielNotifier, courriel_notifier, G_TYPE_OBJECT)

typedef struct
{
  gint64 id;
  char  *sender;
  char  *subject;
} Mail;

static void
mail_free (Mail *mail)
{
  g_free (mail->sender);
  g_free (mail->subject);
  g_free (mail);
}

/* The new messages, newest first. */
static gpointer
read_mails (sqlite3 *db, gpointer data, GError **error)
{
  GArray *ids = data;
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify)mail_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, sender, subject FROM messages WHERE id = ?1", -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Mail *mail = g_new0 (Mail, 1);

          mail->id = sqlite3_column_int64 (stmt, 0);
          mail->sender = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
          mail->subject = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
          g_ptr_array_insert (mails, 0, mail);
        }
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&mails, g_ptr_array_unref);
  return mails;
}

/* "Élodie Martin <elodie@example.org>" → "Élodie Martin"; an address alone stays as it is. */
static char *
sender_name (const char *sender)
{
  g_autoptr (InternetAddressList) list = NULL;
  InternetAddress *address;
  const char *name;

  if (sender == NULL || *sender == '\0')
    return g_strdup (_("Unknown sender"));
  g_mime_init ();
  list = internet_address_list_parse (NULL, sender);
  if (list == NULL || internet_address_list_length (list) == 0)
    return g_strdup (sender);
  address = internet_address_list_get_address (list, 0);
  name = internet_address_get_name (address);
  if (name != NULL && *name != '\0')
    return g_strdup (name);
  if (INTERNET_ADDRESS_IS_MAILBOX (address))
    return g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
  return g_strdup (sender);
}

static GNotification *
describe (GPtrArray *mails)
{
  Mail *newest = mails->pdata[0];
  g_autoptr (GNotification) notification = NULL;

  if (mails->len == 1)
    {
      g_autofree char *name = sender_name (newest->sender);
      g_autofree char *title = g_strdup_printf (_("New message from %s"), name);

      notification = g_notification_new (title);
      g_notification_set_body (notification, newest->subject != NULL && *newest->subject != '\0'
                                               ? newest->subject
                                               : _("(no subject)"));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%'u new message", "%'u new messages", mails->len), mails->len);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *body = NULL;

      for (guint i = 0; i < mails->len; i++)
        {
          g_autofree char *name = sender_name (((Mail *)mails->pdata[i])->sender);
          gboolean known = FALSE;

          for (guint j = 0; j < names->len && !known; j++)
            known = g_str_equal (names->pdata[j], name);
          if (!known && names->len == MAX_SENDERS)
            {
              g_ptr_array_add (names, g_strdup ("…"));
              break;
            }
          if (!known)
            g_ptr_array_add (names, g_steal_pointer (&name));
        }
      g_ptr_array_add (names, NULL);
      /* TRANSLATORS: the separator between the senders of new messages */
      body = g_strjoinv (_(", "), (char **)names->pdata);
      notification = g_notification_new (title);
      g_notification_set_body (notification, body);
    }
  g_notification_set_default_action_and_target_value (notification, "app.show-message",
                                                      g_variant_new_int64 (newest->id));
  return g_steal_pointer (&notification);
}

typedef struct
{
  CourrielNotifier *self; /* a reference */
  gint64            account_id;
} Batch;

static void
on_mails_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree Batch *batch = user_data;
  g_autoptr (CourrielNotifier) self = batch->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) mails = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *id = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->application == NULL)
    return;
  if (mails == NULL)
    {
      g_warning ("New mail is not shown: %s", error->message);
      return;
    }
  if (mails->len == 0)
    return;
  notification = describe (mails);
  id = g_strdup_printf ("new-mail-%" G_GINT64_FORMAT, batch->account_id);
  g_application_send_notification (self->application, id, notification);
}

static void
on_new_messages (CourrielSyncService *service, gint64 account_id, GArray *ids, gpointer user_data)
{
  CourrielNotifier *self = user_data;
  Batch *batch;

  if (!g_settings_get_boolean (self->settings, "notifications") || ids->len == 0)
    return;
  batch = g_new0 (Batch, 1);
  batch->self = g_object_ref (self);
  batch->account_id = account_id;
  courriel_store_read_async (courriel_sync_service_get_store (service), read_mails, g_array_ref (ids),
                             (GDestroyNotify)g_array_unref, (GDestroyNotify)g_ptr_array_unref, self->cancellable,
                             on_mails_read, batch);
}

/* Outbox refusals -------------------------------------------------------------------------------- */

typedef struct
{
  gint64  id;
  gint64  account_id;
  char   *recipients;
  char   *reason;
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_free (refusal->recipients);
  g_free (refusal->reason);
  g_free (refusal);
}

/* The FAILED messages of every Outbox, without their bytes. */
static gpointer
read_refusals (sqlite3 *db, gpointer data, GError **error)
{
  GPtrArray *refusals = g_ptr_array_new_with_free_func ((GDestroyNotify)refusal_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT id, recipients, last_error, account_id FROM outbox WHERE state = 'failed' ORDER BY id",
                               -1, &stmt, NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Refusal *refusal = g_new0 (Refusal, 1);

      refusal->id = sqlite3_column_int64 (stmt, 0);
      refusal->recipients = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      refusal->reason = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      refusal->account_id = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (refusals, refusal);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    g_clear_pointer (&refusals, g_ptr_array_unref);
  return refusals;
}

static char *
refusal_notification_id (gint64 id)
{
  return g_strdup_printf ("outbox-failed-%" G_GINT64_FORMAT, id);
}

/* A refusal told before whose message is no longer refused (sent again, edited or deleted): its
 * notification goes from the desktop, and a new refusal of the same message is told again. */
static void
withdraw_handled (CourrielNotifier *self, GPtrArray *refusals)
{
  g_autoptr (GHashTable) current = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gint64 *told;

  for (guint i = 0; i < refusals->len; i++)
    g_hash_table_add (current, &((Refusal *)refusals->pdata[i])->id);
  g_hash_table_iter_init (&iter, self->refusals_told);
  while (g_hash_table_iter_next (&iter, (gpointer *)&told, NULL))
    if (!g_hash_table_contains (current, told))
      {
        g_autofree char *id = refusal_notification_id (*told);

        g_application_withdraw_notification (self->application, id);
        g_hash_table_iter_remove (&iter);
      }
}

typedef struct
{
  CourrielNotifier *self; /* a reference */
  guint             generation;
} RefusalRead;

static void
on_refusals_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RefusalRead *read = user_data;
  g_autoptr (CourrielNotifier) self = read->self;
  guint generation = read->generation;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) refusals = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  g_free (read);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->application == NULL)
    return;
  if (refusals == NULL)
    {
      g_message ("Refused messages are not shown: %s", error->message);
      return;
    }
  /* Reads may end out of order: one older than what is shown would bring back what left. */
  if (generation < self->refusals_applied)
    return;
  self->refusals_applied = generation;
  withdraw_handled (self, refusals);
  for (guint i = 0; i < refusals->len; i++)
    {
      Refusal *refusal = refusals->pdata[i];
      g_autoptr (GNotification) notification = NULL;
      g_autofree char *recipients = NULL;
      g_autofree char *body = NULL;
      g_autofree char *id = NULL;

      if (g_hash_table_contains (self->refusals_told, &refusal->id))
        continue;
      g_hash_table_add (self->refusals_told, g_memdup2 (&refusal->id, sizeof refusal->id));
      recipients = g_strdelimit (g_strdup (refusal->recipients != NULL ? refusal->recipients : ""), "\n", ',');
      body = g_strdup_printf (_("To %s: %s"), recipients,
                              refusal->reason != NULL ? refusal->reason : _("the server refused it."));
      notification = g_notification_new (_("A Message Could Not Be Sent"));
      g_notification_set_body (notification, body);
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      /* Clicked: the account's Outbox, where the message can be sent again, edited or deleted. */
      g_notification_set_default_action_and_target_value (notification, "app.show-outbox",
                                                          g_variant_new_int64 (refusal->account_id));
      id = refusal_notification_id (refusal->id);
      g_application_send_notification (self->application, id, notification);
    }
}

static void
check_refusals (CourrielNotifier *self)
{
  RefusalRead *read;

  if (!g_settings_get_boolean (self->settings, "notifications"))
    return;
  read = g_new0 (RefusalRead, 1);
  read->self = g_object_ref (self);
  read->generation = ++self->refusals_asked;
  courriel_store_read_async (courriel_sync_service_get_store (self->service), read_refusals, NULL, NULL,
                             (GDestroyNotify)g_ptr_array_unref, self->cancellable, on_refusals_read, read);
}

static void
on_store_changed (CourrielStore *store, guint tables, gpointer user_data)
{
  if ((tables & COURRIEL_STORE_TABLE_OUTBOX) != 0)
    check_refusals (user_data);
}

static void
courriel_notifier_dispose (GObject *object)
{
  CourrielNotifier *self = (CourrielNotifier *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_signal_handlers_disconnect_by_data (courriel_sync_service_get_store (self->service), self);
    }
  g_clear_object (&self->service);
  g_clear_object (&self->settings);
  g_clear_weak_pointer (&self->application);

  G_OBJECT_CLASS (courriel_notifier_parent_class)->dispose (object);
}

static void
courriel_notifier_finalize (GObject *object)
{
  CourrielNotifier *self = (CourrielNotifier *)object;

  g_object_unref (self->cancellable);
  g_hash_table_unref (self->refusals_told);

  G_OBJECT_CLASS (courriel_notifier_parent_class)->finalize (object);
}

static void
courriel_notifier_class_init (CourrielNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_notifier_dispose;
  object_class->finalize = courriel_notifier_finalize;
}

static void
courriel_notifier_init (CourrielNotifier *self)
{
  self->cancellable = g_cancellable_new ();
  self->refusals_told = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

CourrielNotifier *
courriel_notifier_new (GApplication *application, CourrielSyncService *service, GSettings *settings)
{
  CourrielNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (COURRIEL_IS_SYNC_SERVICE (service), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (COURRIEL_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->application, application);
  self->service = g_object_ref (service);
  self->settings = g_object_ref (settings);
  g_signal_connect (service, "new-messages", G_CALLBACK (on_new_messages), self);
  g_signal_connect (courriel_sync_service_get_store (service), "changed", G_CALLBACK (on_store_changed), self);
  check_refusals (self); /* still unsent since the last run */
  return self;
}
