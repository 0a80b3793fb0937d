/* courriel-folder-list.c — the sidebar's rows: accounts and their folders, read from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows: "All Inboxes" when there are two accounts or more, then for each account its
 * header, its special folders in a fixed order (always at the top level, wherever the server
 * keeps them), then its other folders alphabetically, each followed by its subfolders. A
 * special folder's subfolders ("INBOX.Work" on servers that keep everything under the Inbox)
 * follow it. A subfolder is named by the rest of its path under its parent ("Reports" under
 * "Work"); one whose parent is not listed keeps its whole name. Folders that cannot hold mail
 * (\Noselect) and have no subfolders are left out. An account with messages waiting to leave
 * (queued, being sent or refused: not those a server took) has an "Outbox" row after its
 * special folders, only while it has some.
 *
 * Every read runs on a store reader thread. When the store says accounts or folders changed,
 * the list reads them again and changes only what differs: a row whose counts changed keeps
 * its item (updated in place), and the rows around a folder that came or went are untouched,
 * so that a selection is not lost to every sync.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-folder-list.h"

#include <glib/gi18n-lib.h>

#include "courriel-folder-item-private.h"

#define NOSELECT (1 << 0) /* COURRIEL_IMAP_MAILBOX_NOSELECT */

struct _CourrielFolderList
{
  GObject        parent_instance;

  CourrielStore *store;
  GPtrArray     *items;        /* CourrielFolderItem*, in order */
  GCancellable  *cancellable;  /* the read in flight */
  gulong         changed_id;
  guint          n_accounts;
  gboolean       loaded;
  gboolean       reread;       /* a change came while a read was in flight */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CourrielFolderList, courriel_folder_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum { PROP_0, PROP_STORE, PROP_LOADED, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_UPDATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Special folders, in the order the sidebar lists them. */
static const struct
{
  const char *role;
  const char *name;
  const char *icon_name;
} specials[] = {
  /* The Adwaita icon theme of Debian 12 has no mail-inbox or mail-archive icon. */
  { "inbox", N_("Inbox"), "mail-unread-symbolic" },
  { "flagged", N_("Starred"), "starred-symbolic" },
  { "drafts", N_("Drafts"), "document-edit-symbolic" },
  { "sent", N_("Sent"), "mail-send-symbolic" },
  { "archive", N_("Archive"), "package-x-generic-symbolic" },
  { "all", N_("All Mail"), "mail-read-symbolic" },
  { "junk", N_("Junk"), "mail-mark-junk-symbolic" },
  { "trash", N_("Trash"), "user-trash-symbolic" },
};

static guint
special_rank (const char *role)
{
  for (guint i = 0; role != NULL && i < G_N_ELEMENTS (specials); i++)
    if (g_str_equal (role, specials[i].role))
      return i;
  return G_N_ELEMENTS (specials);
}

/* The reader thread ---------------------------------------------------------------------------- */

typedef struct _Node Node;
struct _Node
{
  gint64    id;
  char     *name;       /* the full decoded name */
  char     *delimiter;
  char     *role;
  guint     attributes;
  gint64    total;
  gint64    unread;
  const char *label;    /* its name under its parent: the whole name without one */
  char     *sort_key;   /* of its label */
  guint     rank;       /* special_rank () */
  Node     *parent;
  GPtrArray *children;  /* Node*, unowned */
};

static void
node_free (Node *node)
{
  g_free (node->name);
  g_free (node->delimiter);
  g_free (node->role);
  g_free (node->sort_key);
  g_ptr_array_unref (node->children);
  g_free (node);
}

/* "Work/Reports" under "Work" is "Reports"; "Projects/2026" without a "Projects" folder stays
 * whole, so that no row hides where it is. */
static void
set_label (Node *node)
{
  g_autofree char *folded = NULL;

  node->label = node->name;
  if (node->parent != NULL)
    node->label = node->name + strlen (node->parent->name) + strlen (node->delimiter);
  folded = g_utf8_casefold (node->label, -1);
  node->sort_key = g_utf8_collate_key (folded, -1);
}

static int
compare_nodes (gconstpointer a, gconstpointer b)
{
  const Node *x = *(Node **)a;
  const Node *y = *(Node **)b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return strcmp (x->sort_key, y->sort_key);
}

static gboolean
has_item_content (const Node *node)
{
  return (node->attributes & NOSELECT) == 0 || node->children->len > 0;
}

static void
add_node_items (GPtrArray *items, gint64 account_id, Node *node, guint depth)
{
  g_autoptr (CourrielFolderItem) item = NULL;
  guint rank = node->parent == NULL ? node->rank : G_N_ELEMENTS (specials);

  if (!has_item_content (node))
    return;
  item = courriel_folder_item_new (COURRIEL_FOLDER_KIND_FOLDER, account_id, node->id);
  courriel_folder_item_set_fields (item, rank < G_N_ELEMENTS (specials) ? _(specials[rank].name) : node->label,
                                   node->name, node->role,
                                   rank < G_N_ELEMENTS (specials) ? specials[rank].icon_name : "folder-symbolic",
                                   node->unread, node->total, depth);
  g_ptr_array_add (items, g_steal_pointer (&item));
  g_ptr_array_sort (node->children, compare_nodes);
  for (guint i = 0; i < node->children->len; i++)
    add_node_items (items, account_id, node->children->pdata[i], depth + 1);
}

/* The nearest folder of @nodes whose name is a proper prefix of @node's, by its delimiter. */
static Node *
find_parent (GHashTable *by_name, Node *node)
{
  g_autofree char *path = g_strdup (node->name);
  char *end;

  if (node->delimiter == NULL || *node->delimiter == '\0')
    return NULL;
  while ((end = g_strrstr (path, node->delimiter)) != NULL)
    {
      Node *parent;

      *end = '\0';
      parent = g_hash_table_lookup (by_name, path);
      if (parent != NULL)
        return parent;
    }
  return NULL;
}

/* One account's folders, read by @stmt, as rows after its header. */
static void
add_outbox_item (GPtrArray *items, gint64 account_id, gint64 waiting)
{
  CourrielFolderItem *item;

  if (waiting <= 0)
    return;
  item = courriel_folder_item_new (COURRIEL_FOLDER_KIND_OUTBOX, account_id, 0);
  courriel_folder_item_set_fields (item, _("Outbox"), NULL, "outbox", "mail-send-receive-symbolic", waiting,
                                   waiting, 0);
  g_ptr_array_add (items, item);
}

static void
add_account_items (GPtrArray *items, gint64 account_id, gint64 waiting, GPtrArray *nodes)
{
  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) roots = g_ptr_array_new ();

  for (guint i = 0; i < nodes->len; i++)
    {
      Node *node = nodes->pdata[i];
      g_hash_table_insert (by_name, node->name, node);
    }
  for (guint i = 0; i < nodes->len; i++)
    {
      Node *node = nodes->pdata[i];

      /* Special folders stay at the top, wherever the server keeps them. */
      node->parent = node->rank < G_N_ELEMENTS (specials) ? NULL : find_parent (by_name, node);
      set_label (node);
      g_ptr_array_add (node->parent != NULL ? node->parent->children : roots, node);
    }
  g_ptr_array_sort (roots, compare_nodes);
  for (guint i = 0; i < roots->len; i++)
    {
      if (((Node *)roots->pdata[i])->rank >= G_N_ELEMENTS (specials) && waiting > 0)
        {
          add_outbox_item (items, account_id, waiting);
          waiting = 0;
        }
      add_node_items (items, account_id, roots->pdata[i], 0);
    }
  add_outbox_item (items, account_id, waiting);
}

static char *
dup_column (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

static gpointer
read_rows (sqlite3 *db, gpointer data, GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify)node_free);
  g_autoptr (CourrielFolderItem) unified = NULL;
  g_autoptr (GArray) waiting = g_array_new (FALSE, FALSE, sizeof (gint64)); /* per account */
  sqlite3_stmt *stmt = NULL;
  gint64 unread = 0, total = 0;
  int rc;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT id, CASE display_name WHEN '' THEN address ELSE display_name END, address, "
                           "(SELECT count (*) FROM outbox o WHERE o.account_id = accounts.id AND NOT EXISTS "
                           "(SELECT 1 FROM outbox_accepted a WHERE a.outbox_id = o.id)) FROM accounts "
                           "ORDER BY id",
                           -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielFolderItem *item = courriel_folder_item_new (COURRIEL_FOLDER_KIND_ACCOUNT, sqlite3_column_int64 (stmt, 0),
                                                           0);
      gint64 count = sqlite3_column_int64 (stmt, 3);

      courriel_folder_item_set_fields (item, (const char *)sqlite3_column_text (stmt, 1),
                                       (const char *)sqlite3_column_text (stmt, 2), NULL,
                                       "avatar-default-symbolic", 0, 0, 0);
      g_ptr_array_add (accounts, item);
      g_array_append_val (waiting, count);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_DONE)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT id, account_id, name, delimiter, role, attributes, total, unread FROM folders "
                             "ORDER BY account_id, id",
                             -1, &stmt, NULL);
  if (accounts->len >= 2)
    {
      unified = courriel_folder_item_new (COURRIEL_FOLDER_KIND_UNIFIED_INBOX, 0, 0);
      g_ptr_array_add (items, g_object_ref (unified));
    }
  for (guint a = 0; rc == SQLITE_OK && a < accounts->len; a++)
    {
      gint64 account_id = courriel_folder_item_get_account_id (accounts->pdata[a]);

      g_ptr_array_set_size (nodes, 0);
      sqlite3_reset (stmt);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Node *node;

          if (sqlite3_column_int64 (stmt, 1) != account_id)
            continue;
          node = g_new0 (Node, 1);
          node->id = sqlite3_column_int64 (stmt, 0);
          node->name = dup_column (stmt, 2);
          node->delimiter = dup_column (stmt, 3);
          node->role = dup_column (stmt, 4);
          node->attributes = sqlite3_column_int (stmt, 5);
          node->total = sqlite3_column_int64 (stmt, 6);
          node->unread = sqlite3_column_int64 (stmt, 7);
          node->rank = special_rank (node->role);
          node->children = g_ptr_array_new ();
          if (node->rank == 0)
            {
              unread += node->unread;
              total += node->total;
            }
          g_ptr_array_add (nodes, node);
        }
      if (rc != SQLITE_DONE)
        break;
      rc = SQLITE_OK;
      g_ptr_array_add (items, g_object_ref (accounts->pdata[a]));
      add_account_items (items, account_id, g_array_index (waiting, gint64, a), nodes);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK && !courriel_store_set_error_from_db (db, rc, error))
    return NULL;
  if (unified != NULL)
    courriel_folder_item_set_fields (unified, _("All Inboxes"), NULL, "inbox", specials[0].icon_name, unread, total,
                                     0);
  /* The caller learns how many accounts there are from the headers among the rows. */
  return g_steal_pointer (&items);
}

/* The main context ------------------------------------------------------------------------------ */

/* Where @row is among the items from @from on, or -1. */
static int
find_row (CourrielFolderList *self, guint from, CourrielFolderItem *row)
{
  for (guint j = from; j < self->items->len; j++)
    if (courriel_folder_item_same_row (self->items->pdata[j], row))
      return (int)j;
  return -1;
}

/* Replaces the rows by @rows, keeping the items of rows that are still there: rows that went
 * are removed and rows that came are inserted where they are, each a change of its own, and a
 * row that stays keeps its item, its names and counts updated in place. */
static void
apply_rows (CourrielFolderList *self, GPtrArray *rows)
{
  guint i;

  /* Known before the first items-changed, for the handlers that look at it. */
  self->n_accounts = 0;
  for (i = 0; i < rows->len; i++)
    if (courriel_folder_item_get_kind (rows->pdata[i]) == COURRIEL_FOLDER_KIND_ACCOUNT)
      self->n_accounts++;

  for (i = 0; i < rows->len; i++)
    {
      CourrielFolderItem *row = rows->pdata[i];
      int found = find_row (self, i, row);

      if (found < 0)
        {
          g_ptr_array_insert (self->items, i, g_object_ref (row));
          g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
          continue;
        }
      if ((guint)found > i)
        {
          g_ptr_array_remove_range (self->items, i, found - i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, found - i, 0);
        }
      courriel_folder_item_update_from (self->items->pdata[i], row);
    }
  if (self->items->len > i)
    {
      guint removed = self->items->len - i;

      g_ptr_array_remove_range (self->items, i, removed);
      g_list_model_items_changed (G_LIST_MODEL (self), i, removed, 0);
    }
}

static void read_again (CourrielFolderList *self);

static void
on_rows_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CourrielFolderList) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (rows == NULL)
    g_warning ("Could not read the folders: %s", error->message);
  else
    apply_rows (self, rows);
  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
  if (self->reread)
    read_again (self);
}

static void
read_again (CourrielFolderList *self)
{
  /* One read at a time: a change during a read asks for one more read after it. */
  if (self->cancellable != NULL)
    {
      self->reread = TRUE;
      return;
    }
  self->reread = FALSE;
  self->cancellable = g_cancellable_new ();
  courriel_store_read_async (self->store, read_rows, NULL, NULL, (GDestroyNotify)g_ptr_array_unref,
                             self->cancellable, on_rows_read, g_object_ref (self));
}

static void
on_store_changed (CourrielStore *store, guint tables, CourrielFolderList *self)
{
  if (tables & (COURRIEL_STORE_TABLE_ACCOUNTS | COURRIEL_STORE_TABLE_FOLDERS | COURRIEL_STORE_TABLE_OUTBOX))
    read_again (self);
}

/**
 * courriel_folder_list_reload:
 *
 * Reads the folders again (the list follows the store's changes by itself: this is for a
 * change made by another process, such as courriel-cli).
 */
void
courriel_folder_list_reload (CourrielFolderList *self)
{
  g_return_if_fail (COURRIEL_IS_FOLDER_LIST (self));
  read_again (self);
}

/* GListModel ------------------------------------------------------------------------------------ */

static GType
get_item_type (GListModel *model)
{
  return COURRIEL_TYPE_FOLDER_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return COURRIEL_FOLDER_LIST (model)->items->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* GObject --------------------------------------------------------------------------------------- */

static void
courriel_folder_list_constructed (GObject *object)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (object);

  G_OBJECT_CLASS (courriel_folder_list_parent_class)->constructed (object);

  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
  read_again (self);
}

static void
courriel_folder_list_dispose (GObject *object)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (courriel_folder_list_parent_class)->dispose (object);
}

static void
courriel_folder_list_finalize (GObject *object)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (object);

  g_ptr_array_unref (self->items);

  G_OBJECT_CLASS (courriel_folder_list_parent_class)->finalize (object);
}

static void
courriel_folder_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_folder_list_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielFolderList *self = COURRIEL_FOLDER_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_folder_list_class_init (CourrielFolderListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = courriel_folder_list_constructed;
  object_class->dispose = courriel_folder_list_dispose;
  object_class->finalize = courriel_folder_list_finalize;
  object_class->get_property = courriel_folder_list_get_property;
  object_class->set_property = courriel_folder_list_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, COURRIEL_TYPE_STORE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* FALSE until the first read finished: an empty list before that says nothing yet */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CourrielFolderList::updated:
   *
   * The list is whole again after a read: every items-changed of the read was emitted (a row
   * that moved was removed in one and inserted in another). For what looks at the rows as a
   * whole, such as a selection to restore.
   */
  signals[SIGNAL_UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
courriel_folder_list_init (CourrielFolderList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

CourrielFolderList *
courriel_folder_list_new (CourrielStore *store)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);
  return g_object_new (COURRIEL_TYPE_FOLDER_LIST, "store", store, NULL);
}

CourrielStore *
courriel_folder_list_get_store (CourrielFolderList *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_LIST (self), NULL);
  return self->store;
}

gboolean
courriel_folder_list_get_loaded (CourrielFolderList *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_LIST (self), FALSE);
  return self->loaded;
}

guint
courriel_folder_list_get_n_accounts (CourrielFolderList *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_LIST (self), 0);
  return self->n_accounts;
}

CourrielFolderItem *
courriel_folder_list_find_folder (CourrielFolderList *self, gint64 folder_id)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_LIST (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    if (courriel_folder_item_get_kind (self->items->pdata[i]) == COURRIEL_FOLDER_KIND_FOLDER
        && courriel_folder_item_get_folder_id (self->items->pdata[i]) == folder_id)
      return self->items->pdata[i];
  return NULL;
}

/**
 * courriel_folder_list_find_role:
 *
 * Returns: (transfer none) (nullable): the account's folder with @role ("archive", "trash"...)
 */
CourrielFolderItem *
courriel_folder_list_find_role (CourrielFolderList *self, gint64 account_id, const char *role)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_LIST (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      CourrielFolderItem *item = self->items->pdata[i];

      if (courriel_folder_item_get_kind (item) == COURRIEL_FOLDER_KIND_FOLDER
          && courriel_folder_item_get_account_id (item) == account_id
          && g_strcmp0 (courriel_folder_item_get_role (item), role) == 0)
        return item;
    }
  return NULL;
}
