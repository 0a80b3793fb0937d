/* courriel-address-book.c — addresses seen in the store, for completing recipients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One read job scans the sender, To and Cc of every message (on a worker thread; see
 * tests/store/test-address-book.c for the time on 100,000 messages) into a list already sorted
 * by use; completing a prefix is then a walk of that list in memory, fast enough for every key
 * press.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-address-book.h"

#include "courriel-folded-text.h"
#include "courriel-gmime-autoptr.h"

typedef struct
{
  CourrielAddressEntry entry;
  char                *key;   /* folded "names address" */
  GString             *names; /* while loading: every name seen, so any of them completes */
} Entry;

struct _CourrielAddressBook
{
  GObject        parent_instance;
  CourrielStore *store;
  GPtrArray     *entries; /* Entry*, most used first; NULL until loaded */
};

G_DEFINE_FINAL_TYPE (CourrielAddressBook, courriel_address_book, G_TYPE_OBJECT)

void
courriel_address_entry_free (CourrielAddressEntry *entry)
{
  Entry *self = (Entry *)entry;

  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->address);
  g_free (self->key);
  if (self->names != NULL)
    g_string_free (self->names, TRUE);
  g_free (self);
}

/* "Name <address>", or the address alone, as a recipient field takes it. */
char *
courriel_address_entry_format (const CourrielAddressEntry *entry)
{
  g_autoptr (InternetAddress) address = NULL;

  if (entry->name == NULL || *entry->name == '\0')
    return g_strdup (entry->address);
  address = internet_address_mailbox_new (entry->name, entry->address);
  return internet_address_to_string (address, NULL, FALSE);
}

static void
add_list (GHashTable *seen, const char *text, gint64 date, guint count)
{
  g_autoptr (InternetAddressList) list = NULL;

  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    return;
  list = internet_address_list_parse (NULL, text);
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *name = internet_address_get_name (address);
      const char *mailbox;
      g_autofree char *lower = NULL;
      Entry *entry;

      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        continue;
      mailbox = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      if (mailbox == NULL || strchr (mailbox, '@') == NULL)
        continue;
      lower = g_utf8_strdown (mailbox, -1);
      entry = g_hash_table_lookup (seen, lower);
      if (entry == NULL)
        {
          entry = g_new0 (Entry, 1);
          entry->entry.address = g_strdup (mailbox);
          entry->names = g_string_new (NULL);
          g_hash_table_insert (seen, g_steal_pointer (&lower), entry);
        }
      entry->entry.count += count;
      /* The address as most recently written ("Emilie@…" or "emilie@…"). */
      if (date >= entry->entry.last && g_strcmp0 (entry->entry.address, mailbox) != 0)
        {
          g_free (entry->entry.address);
          entry->entry.address = g_strdup (mailbox);
        }
      if (name != NULL && *name != '\0' && (entry->entry.name == NULL || date >= entry->entry.last))
        {
          g_free (entry->entry.name);
          entry->entry.name = g_strdup (name);
        }
      entry->entry.last = MAX (entry->entry.last, date);
      if (name != NULL && strstr (entry->names->str, name) == NULL)
        g_string_append_printf (entry->names, "%s ", name);
    }
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry **)a;
  const Entry *y = *(Entry **)b;

  if (x->entry.count != y->entry.count)
    return x->entry.count > y->entry.count ? -1 : 1;
  if (x->entry.last != y->entry.last)
    return x->entry.last > y->entry.last ? -1 : 1;
  return g_strcmp0 (x->entry.address, y->entry.address);
}

static void
free_value (gpointer key, gpointer value, gpointer user_data)
{
  courriel_address_entry_free (value);
}

static gpointer
read_addresses (sqlite3 *db, gpointer data, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_address_entry_free);
  sqlite3_stmt *stmt = NULL;
  GHashTableIter iter;
  Entry *entry;
  /* Grouped by the text of the field: a correspondent's thousand messages are parsed once. */
  int rc = sqlite3_prepare_v2 (db,
                               "SELECT sender, count (*), max (coalesce (date, received, 0)) FROM messages "
                               "GROUP BY sender UNION ALL "
                               "SELECT recipients_to, count (*), max (coalesce (date, received, 0)) FROM messages "
                               "GROUP BY recipients_to UNION ALL "
                               "SELECT recipients_cc, count (*), max (coalesce (date, received, 0)) FROM messages "
                               "GROUP BY recipients_cc",
                               -1, &stmt, NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      rc = SQLITE_OK;
      add_list (seen, (const char *)sqlite3_column_text (stmt, 0), sqlite3_column_int64 (stmt, 2),
                sqlite3_column_int (stmt, 1));
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    {
      g_hash_table_foreach (seen, free_value, NULL);
      return NULL;
    }
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
    {
      g_string_append (entry->names, entry->entry.address);
      entry->key = courriel_folded_text_new (entry->names->str);
      g_string_free (g_steal_pointer (&entry->names), TRUE);
      g_ptr_array_add (entries, entry);
    }
  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}

static void
courriel_address_book_dispose (GObject *object)
{
  CourrielAddressBook *self = COURRIEL_ADDRESS_BOOK (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (courriel_address_book_parent_class)->dispose (object);
}

static void
courriel_address_book_class_init (CourrielAddressBookClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = courriel_address_book_dispose;
}

static void
courriel_address_book_init (CourrielAddressBook *self)
{
}

CourrielAddressBook *
courriel_address_book_new (CourrielStore *store)
{
  CourrielAddressBook *self = g_object_new (COURRIEL_TYPE_ADDRESS_BOOK, NULL);

  self->store = g_object_ref (store);
  return self;
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CourrielAddressBook *self = g_task_get_source_object (task);
  GError *error = NULL;
  GPtrArray *entries = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (entries == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = entries;
  g_task_return_boolean (task, TRUE);
}

void
courriel_address_book_load_async (CourrielAddressBook *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, courriel_address_book_load_async);
  courriel_store_read_async (self->store, read_addresses, NULL, NULL, (GDestroyNotify)g_ptr_array_unref, cancellable,
                             on_read, task);
}

gboolean
courriel_address_book_load_finish (CourrielAddressBook *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
courriel_address_book_is_loaded (CourrielAddressBook *self)
{
  return self->entries != NULL;
}

GPtrArray *
courriel_address_book_complete (CourrielAddressBook *self, const char *prefix, guint limit)
{
  GPtrArray *matches = g_ptr_array_new ();
  g_autofree char *folded = NULL;

  g_return_val_if_fail (COURRIEL_IS_ADDRESS_BOOK (self), matches);
  if (self->entries == NULL || prefix == NULL || !g_utf8_validate (prefix, -1, NULL))
    return matches;
  folded = courriel_folded_text_new (prefix);
  g_strstrip (folded);
  if (*folded == '\0')
    return matches;
  for (guint i = 0; i < self->entries->len && matches->len < limit; i++)
    {
      Entry *entry = self->entries->pdata[i];

      if (courriel_folded_text_has_word_at (entry->key, folded))
        g_ptr_array_add (matches, entry);
    }
  return matches;
}
