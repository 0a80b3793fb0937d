/* courriel-message-list.c — a folder's messages (or the unified Inbox) as a GListModel paged from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening a folder reads only its ordered list of (id, date) pairs on a reader thread — the
 * messages_by_date index covers it — and then answers g_list_model_get_n_items() at once. A row
 * is read when the view asks for it: get_item() returns a CourrielMessageSummary straight away
 * with "loaded" FALSE, and the page of PAGE_SIZE rows around it is read on a reader thread (one
 * read per page at a time) and fills every summary of that page. Memory stays bounded: summaries
 * are kept weakly (the view holds the ones it shows), plus the last RECENT_SIZE loaded, strongly,
 * so that scrolling back does not read the same page again.
 *
 * CourrielStore::changed (messages or folders) reads the id list again, off the main loop, and
 * the old and new lists — both sorted by (date, id), newest first — are merged to emit the
 * smallest items-changed: 500 messages arriving at the top are one insertion at 0, and the
 * selection and scroll position below them stay where they were. Flags of the rows still alive
 * are read again and notified.
 *
 * A search (courriel-search-query) replaces the folder's ids by the matching ids of the same
 * folders; a newer query cancels the older one. Threaded, the list has one row per conversation
 * (courriel-threader), its newest message, with "thread-size" the conversation's length.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-message-list.h"

#include "courriel-message-summary-private.h"
#include "courriel-search-query.h"
#include "courriel-threader.h"

#define PAGE_SIZE    100
#define RECENT_SIZE  1000
#define SEARCH_LIMIT 10000
#define HEAD_SIZE    200  /* GTK 4.8's GtkListView makes 200 rows whatever the window's height */
/* More separate changes than this in one refresh are emitted as one span: each emission moves
 * the rows after it. */
#define MAX_RUNS     64

typedef struct
{
  gint64 id;
  gint64 date;
  guint  thread_size;
} Key;

struct _CourrielMessageList
{
  GObject                  parent_instance;

  CourrielStore           *store;
  gint64                   folder_id;    /* 0 for the unified Inbox */
  char                    *search;
  gboolean                 threaded;

  GArray                  *rows;         /* Key, in list order */
  GHashTable              *summaries;    /* id → CourrielMessageSummary, weak */
  CourrielMessageSummary  *recent[RECENT_SIZE];
  guint                    recent_next;
  GHashTable              *pages_reading; /* page numbers being read, in the current row order */

  GCancellable            *listing;      /* the id list being read, NULL when none */
  gboolean                 dirty;        /* the store changed while it was read */
  gboolean                 loading;
  GError                  *error;
  GCancellable            *cancellable;  /* everything, until dispose */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CourrielMessageList, courriel_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_STORE,
  PROP_FOLDER_ID,
  PROP_SEARCH,
  PROP_THREADED,
  PROP_LOADING,
  PROP_ERROR,
  PROP_N_ITEMS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

/* Sorting: newest first, the larger id first between equal dates; no date sorts last. */
static int
compare_keys (gconstpointer a, gconstpointer b)
{
  const Key *x = a, *y = b;

  if (x->date != y->date)
    return x->date > y->date ? -1 : 1;
  if (x->id != y->id)
    return x->id > y->id ? -1 : 1;
  return 0;
}

/* Reading the id list (reader thread) ---------------------------------------------------------------- */

typedef struct
{
  gint64   folder_id;   /* 0: every Inbox */
  gboolean threaded;
  GArray  *candidates;  /* gint64: search results, or NULL for the whole folder */
} Listing;

static void
listing_free (Listing *listing)
{
  g_clear_pointer (&listing->candidates, g_array_unref);
  g_free (listing);
}

static gboolean
read_folders (sqlite3 *db, Listing *listing, GString *in, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (listing->folder_id != 0)
    {
      g_string_append_printf (in, "%" G_GINT64_FORMAT, listing->folder_id);
      return TRUE;
    }
  rc = sqlite3_prepare_v2 (db, "SELECT id FROM folders WHERE role = 'inbox'", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_string_append_printf (in, "%s%" G_GINT64_FORMAT, in->len > 0 ? ", " : "",
                              (gint64)sqlite3_column_int64 (stmt, 0));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* One row per conversation, its newest message, with the conversation's size. */
static GArray *
thread_keys (GArray *keys, CourrielThreader *threader)
{
  GArray *threads = g_array_sized_new (FALSE, FALSE, sizeof (Key), keys->len);
  g_autofree guint *slot = g_new (guint, keys->len);

  courriel_threader_run (threader);
  for (guint m = 0; m < keys->len; m++)
    {
      guint t = courriel_threader_thread_of (threader, m);
      Key *key = &g_array_index (keys, Key, m);

      if (t == m)
        {
          slot[m] = threads->len;
          g_array_append_val (threads, *key);
        }
    }
  for (guint m = 0; m < keys->len; m++)
    {
      Key *key = &g_array_index (keys, Key, m);
      Key *thread = &g_array_index (threads, Key, slot[courriel_threader_thread_of (threader, m)]);

      if (m != courriel_threader_thread_of (threader, m))
        {
          thread->thread_size++;
          if (compare_keys (key, thread) < 0)
            {
              thread->id = key->id;
              thread->date = key->date;
            }
        }
    }
  g_array_unref (keys);
  return threads;
}

static gpointer
read_listing (sqlite3 *db, gpointer data, GError **error)
{
  Listing *listing = data;
  g_autoptr (GString) in = g_string_new (NULL);
  g_autoptr (GString) sql = g_string_new ("SELECT id, date");
  g_autoptr (CourrielThreader) threader = listing->threaded ? courriel_threader_new () : NULL;
  GArray *keys = g_array_new (FALSE, FALSE, sizeof (Key));
  sqlite3_stmt *stmt = NULL;
  guint next = 0;
  int rc = SQLITE_OK;

  if (!read_folders (db, listing, in, error))
    return (g_array_unref (keys), NULL);
  if (listing->threaded)
    g_string_append (sql, ", message_id, in_reply_to, refs, subject");
  g_string_append_printf (sql, " FROM messages WHERE folder_id IN (%s)", in->str);
  if (listing->candidates != NULL)
    g_string_append (sql, " AND id = ?1");
  rc = sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL);
  while (rc == SQLITE_OK)
    {
      if (listing->candidates != NULL)
        {
          if (next == listing->candidates->len)
            break;
          sqlite3_reset (stmt);
          sqlite3_bind_int64 (stmt, 1, g_array_index (listing->candidates, gint64, next++));
        }
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Key key = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1), 1 };

          g_array_append_val (keys, key);
          if (threader != NULL)
            courriel_threader_add (threader, (const char *)sqlite3_column_text (stmt, 2),
                                   (const char *)sqlite3_column_text (stmt, 3),
                                   (const char *)sqlite3_column_text (stmt, 4),
                                   (const char *)sqlite3_column_text (stmt, 5), key.date);
        }
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
      if (listing->candidates == NULL)
        break;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return (g_array_unref (keys), NULL);
  if (threader != NULL)
    keys = thread_keys (keys, threader);
  g_array_sort (keys, compare_keys);
  return keys;
}

/* Reading rows (reader thread) ------------------------------------------------------------------------ */

#define ROW_COLUMNS                                                                                                    \
  "m.id, m.date, m.folder_id, (SELECT account_id FROM folders WHERE id = m.folder_id), m.sender, m.subject, "          \
  "m.preview, m.flags, m.has_attachments"

static void
read_row (sqlite3_stmt *stmt, CourrielMessageRow *row)
{
  row->id = sqlite3_column_int64 (stmt, 0);
  row->date = sqlite3_column_int64 (stmt, 1);
  row->folder_id = sqlite3_column_int64 (stmt, 2);
  row->account_id = sqlite3_column_int64 (stmt, 3);
  row->sender = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
  row->subject = g_strdup ((const char *)sqlite3_column_text (stmt, 5));
  row->preview = g_strdup ((const char *)sqlite3_column_text (stmt, 6));
  row->flags = sqlite3_column_int (stmt, 7);
  row->has_attachments = sqlite3_column_int (stmt, 8);
}

static GArray *
new_rows (guint size)
{
  GArray *rows = g_array_sized_new (FALSE, TRUE, sizeof (CourrielMessageRow), size);

  g_array_set_clear_func (rows, (GDestroyNotify)courriel_message_row_clear);
  return rows;
}

static gpointer
read_rows (sqlite3 *db, gpointer data, GError **error)
{
  GArray *ids = data;
  GArray *rows = new_rows (ids->len);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT " ROW_COLUMNS " FROM messages m WHERE m.id = ?1", -1, &stmt, NULL);

  for (guint i = 0; rc == SQLITE_OK && i < ids->len; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          CourrielMessageRow row = { 0 };

          read_row (stmt, &row);
          g_array_append_val (rows, row);
        }
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return (g_array_unref (rows), NULL);
  return rows;
}

/* The newest HEAD_SIZE messages, rows included: what a folder shows first, read in one short
 * indexed query, before the whole id list (whose length grows with the folder) is known. */
typedef struct
{
  GArray *keys;
  GArray *rows;
} Head;

static void
head_free (Head *head)
{
  g_array_unref (head->keys);
  g_array_unref (head->rows);
  g_free (head);
}

static gpointer
read_head (sqlite3 *db, gpointer data, GError **error)
{
  Listing *listing = data;
  g_autoptr (GString) in = g_string_new (NULL);
  g_autofree char *sql = NULL;
  Head *head;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!read_folders (db, listing, in, error))
    return NULL;
  head = g_new0 (Head, 1);
  head->keys = g_array_sized_new (FALSE, FALSE, sizeof (Key), HEAD_SIZE);
  head->rows = new_rows (HEAD_SIZE);
  sql = g_strdup_printf ("SELECT " ROW_COLUMNS " FROM messages m WHERE m.folder_id IN (%s) "
                         "ORDER BY m.date DESC, m.id DESC LIMIT %d",
                         in->str, HEAD_SIZE);
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CourrielMessageRow row = { 0 };
      Key key;

      read_row (stmt, &row);
      key.id = row.id;
      key.date = row.date;
      key.thread_size = 1;
      g_array_append_val (head->keys, key);
      g_array_append_val (head->rows, row);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (!courriel_store_set_error_from_db (db, rc, error))
    return (head_free (head), NULL);
  /* The same order as the whole list, whatever SQLite did with NULL dates. */
  g_array_sort (head->keys, compare_keys);
  return head;
}

/* Summaries ----------------------------------------------------------------------------------------- */

static void
summary_gone (gpointer data, GObject *where_it_was)
{
  CourrielMessageList *self = data;
  CourrielMessageSummary *summary = (CourrielMessageSummary *)where_it_was;
  gint64 id = courriel_message_summary_get_id (summary);

  if (g_hash_table_lookup (self->summaries, &id) == summary)
    g_hash_table_remove (self->summaries, &id);
}

static CourrielMessageSummary *
track (CourrielMessageList *self, gint64 id, guint thread_size)
{
  CourrielMessageSummary *summary = courriel_message_summary_new (id, thread_size);
  gint64 *key = g_new (gint64, 1);

  *key = id;
  g_hash_table_insert (self->summaries, key, summary);
  g_object_weak_ref (G_OBJECT (summary), summary_gone, self);
  return summary;
}

/* Keeps @summary alive for a while after the view let it go. */
static void
remember (CourrielMessageList *self, CourrielMessageSummary *summary)
{
  g_set_object (&self->recent[self->recent_next], summary);
  self->recent_next = (self->recent_next + 1) % RECENT_SIZE;
}

typedef struct
{
  CourrielMessageList *self;
  guint                page;       /* G_MAXUINT: a refresh of live rows */
  GHashTable          *pages;      /* the page table the page number belongs to */
} PageRead;

static void
page_read_free (PageRead *read)
{
  g_object_unref (read->self);
  g_hash_table_unref (read->pages);
  g_free (read);
}

/* Why the list could not be read, for the window to say; NULL when it could again. */
static void
set_error (CourrielMessageList *self, GError *error)
{
  if (error == NULL && self->error == NULL)
    return;
  g_clear_error (&self->error);
  self->error = error;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* Fills the summary of @row's message, made (and remembered) when there is none and @create. */
static void
fill_summary (CourrielMessageList *self, const CourrielMessageRow *row, gboolean create)
{
  CourrielMessageSummary *summary = g_hash_table_lookup (self->summaries, &row->id);

  if (summary == NULL && !create)
    return;
  if (summary == NULL)
    {
      summary = track (self, row->id, 1);
      remember (self, summary);
      g_object_unref (summary);
    }
  else if (!courriel_message_summary_get_loaded (summary))
    remember (self, summary);
  courriel_message_summary_fill (summary, row);
}

static void
got_rows (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PageRead *read = user_data;
  CourrielMessageList *self = read->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (read->page != G_MAXUINT)
    g_hash_table_remove (read->pages, GUINT_TO_POINTER (read->page));
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, g_steal_pointer (&error));
      page_read_free (read);
      return;
    }
  /* The page's other rows (not asked for yet) are ready when the view asks; a refresh only
   * updates the summaries still alive. */
  for (guint i = 0; i < rows->len; i++)
    fill_summary (self, &g_array_index (rows, CourrielMessageRow, i), read->page != G_MAXUINT);
  page_read_free (read);
}

/* Reads the rows of @ids (for @page, or G_MAXUINT for a refresh). */
static void
read_rows_async (CourrielMessageList *self, GArray *ids, guint page)
{
  PageRead *read = g_new0 (PageRead, 1);

  read->self = g_object_ref (self);
  read->page = page;
  read->pages = g_hash_table_ref (self->pages_reading);
  courriel_store_read_async (self->store, read_rows, ids, (GDestroyNotify)g_array_unref, (GDestroyNotify)g_array_unref,
                             self->cancellable, got_rows, read);
}

static void
read_page (CourrielMessageList *self, guint page)
{
  GArray *ids;
  guint end = MIN ((page + 1) * PAGE_SIZE, self->rows->len);

  if (g_hash_table_contains (self->pages_reading, GUINT_TO_POINTER (page)))
    return;
  g_hash_table_add (self->pages_reading, GUINT_TO_POINTER (page));
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), PAGE_SIZE);
  for (guint i = page * PAGE_SIZE; i < end; i++)
    g_array_append_val (ids, g_array_index (self->rows, Key, i).id);
  read_rows_async (self, ids, page);
}

/* Reads again the rows of every summary still alive: their flags may have changed. */
static void
refresh_live_rows (CourrielMessageList *self)
{
  GHashTableIter iter;
  gpointer key;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_hash_table_iter_init (&iter, self->summaries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *)key);
  if (ids->len == 0)
    {
      g_array_unref (ids);
      return;
    }
  read_rows_async (self, ids, G_MAXUINT);
}

/* Applying a new id list ---------------------------------------------------------------------------- */

typedef struct
{
  guint position; /* in the new list */
  guint removed;
  guint added;
} Run;

static void
emit_run (CourrielMessageList *self, GArray *after, const Run *run)
{
  g_array_remove_range (self->rows, run->position, run->removed);
  g_array_insert_vals (self->rows, run->position, &g_array_index (after, Key, run->position), run->added);
  g_list_model_items_changed (G_LIST_MODEL (self), run->position, run->removed, run->added);
}

/* Emits the smallest items-changed that turn the current rows into @after. */
static void
apply_rows (CourrielMessageList *self, GArray *after)
{
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (Run));
  GArray *before = self->rows;
  guint i = 0, j = 0;
  guint old_n = before->len;

  while (i < before->len || j < after->len)
    {
      Key *old = i < before->len ? &g_array_index (before, Key, i) : NULL;
      Key *new = j < after->len ? &g_array_index (after, Key, j) : NULL;
      int order = old == NULL ? 1 : new == NULL ? -1 : compare_keys (old, new);
      Run *last = runs->len > 0 ? &g_array_index (runs, Run, runs->len - 1) : NULL;

      if (order == 0)
        {
          if (old->thread_size != new->thread_size)
            {
              CourrielMessageSummary *summary = g_hash_table_lookup (self->summaries, &new->id);
              if (summary != NULL)
                courriel_message_summary_set_thread_size (summary, new->thread_size);
            }
          i++, j++;
          continue;
        }
      if (last == NULL || last->position + last->added != j)
        {
          Run run = { j, 0, 0 };
          g_array_append_val (runs, run);
          last = &g_array_index (runs, Run, runs->len - 1);
        }
      if (order < 0)
        last->removed++, i++;
      else
        last->added++, j++;
    }
  if (runs->len == 0)
    {
      g_array_unref (after);
      return;
    }

  /* From here, rows move: the page numbers being read mean other rows. */
  g_clear_pointer (&self->pages_reading, g_hash_table_unref);
  self->pages_reading = g_hash_table_new (NULL, NULL);
  /* Work on a copy so that each emission sees the list as that emission says it is. */
  self->rows = g_array_copy (before);
  if (runs->len > MAX_RUNS)
    {
      Run *first = &g_array_index (runs, Run, 0);
      Run *last = &g_array_index (runs, Run, runs->len - 1);
      guint end_new = last->position + last->added;
      Run span = { first->position, 0, end_new - first->position };

      span.removed = (old_n - (after->len - end_new)) - first->position;
      emit_run (self, after, &span);
    }
  else
    for (guint r = 0; r < runs->len; r++)
      emit_run (self, after, &g_array_index (runs, Run, r));
  g_array_unref (before);
  g_array_unref (self->rows);
  self->rows = after;
  if (old_n != after->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Rebuilding ---------------------------------------------------------------------------------------- */

typedef struct
{
  CourrielMessageList *self;
  GCancellable        *cancellable;
  gboolean             refresh;   /* a store change, not a new search or grouping */
} Rebuild;

static void
rebuild_free (Rebuild *rebuild)
{
  g_object_unref (rebuild->self);
  g_object_unref (rebuild->cancellable);
  g_free (rebuild);
}

static void start_listing (CourrielMessageList *self, gboolean refresh);

static void
set_loading (CourrielMessageList *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Ends a rebuild: reports @error, or the list is up to date; a store change that came meanwhile
 * starts the next one. */
static void
rebuild_done (Rebuild *rebuild, GError *error)
{
  CourrielMessageList *self = rebuild->self;

  if (g_cancellable_is_cancelled (rebuild->cancellable))
    {
      g_clear_error (&error);
      rebuild_free (rebuild);
      return;
    }
  g_clear_object (&self->listing);
  set_error (self, error);
  set_loading (self, FALSE);
  if (self->dirty)
    start_listing (self, TRUE);
  rebuild_free (rebuild);
}

static void
got_listing (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Rebuild *rebuild = user_data;
  GError *error = NULL;
  GArray *keys = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (keys != NULL && !g_cancellable_is_cancelled (rebuild->cancellable))
    {
      apply_rows (rebuild->self, keys);
      if (rebuild->refresh)
        refresh_live_rows (rebuild->self);
    }
  else if (keys != NULL)
    g_array_unref (keys);
  rebuild_done (rebuild, error);
}

static void read_ids (Rebuild *rebuild, GArray *candidates);

static void
got_head (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Rebuild *rebuild = user_data;
  CourrielMessageList *self = rebuild->self;
  GError *error = NULL;
  Head *head = courriel_store_read_finish (COURRIEL_STORE (source), result, &error);

  if (head == NULL || g_cancellable_is_cancelled (rebuild->cancellable))
    {
      g_clear_pointer (&head, head_free);
      rebuild_done (rebuild, error);
      return;
    }
  /* Loaded before the view asks for them: the first frame shows whole rows. */
  for (guint i = 0; i < head->rows->len; i++)
    fill_summary (self, &g_array_index (head->rows, CourrielMessageRow, i), TRUE);
  apply_rows (self, g_steal_pointer (&head->keys));
  head->keys = g_array_new (FALSE, FALSE, sizeof (Key));
  head_free (head);
  read_ids (rebuild, NULL);
}

static void
read_ids (Rebuild *rebuild, GArray *candidates)
{
  CourrielMessageList *self = rebuild->self;
  Listing *listing = g_new0 (Listing, 1);

  listing->folder_id = self->folder_id;
  listing->threaded = self->threaded;
  listing->candidates = candidates;
  courriel_store_read_async (self->store, read_listing, listing, (GDestroyNotify)listing_free,
                             (GDestroyNotify)g_array_unref, rebuild->cancellable, got_listing, rebuild);
}

static void
got_search (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Rebuild *rebuild = user_data;
  GError *error = NULL;
  GArray *ids = courriel_search_query_run_finish (COURRIEL_STORE (source), result, &error);

  if (ids == NULL || g_cancellable_is_cancelled (rebuild->cancellable))
    {
      g_clear_pointer (&ids, g_array_unref);
      rebuild_done (rebuild, error);
      return;
    }
  read_ids (rebuild, ids);
}

/* Reads the list again: at once for a new search or grouping (which cancels the one under way),
 * after the one under way for a store change. */
static void
start_listing (CourrielMessageList *self, gboolean refresh)
{
  g_autoptr (CourrielSearchQuery) query = NULL;
  Rebuild *rebuild;

  if (refresh && self->listing != NULL)
    {
      self->dirty = TRUE;
      return;
    }
  if (self->listing != NULL)
    g_cancellable_cancel (self->listing);
  g_clear_object (&self->listing);
  self->dirty = FALSE;
  self->listing = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel), self->listing,
                           G_CONNECT_SWAPPED);
  if (!refresh)
    set_loading (self, TRUE);

  rebuild = g_new0 (Rebuild, 1);
  rebuild->self = g_object_ref (self);
  rebuild->cancellable = g_object_ref (self->listing);
  rebuild->refresh = refresh;
  query = self->search != NULL ? courriel_search_query_parse (self->search) : NULL;
  if (query != NULL && !courriel_search_query_is_empty (query))
    courriel_search_query_run_async (query, self->store, SEARCH_LIMIT, rebuild->cancellable, got_search, rebuild);
  else if (self->rows->len == 0 && !self->threaded && !refresh)
    {
      Listing *listing = g_new0 (Listing, 1);

      /* A folder opening: its newest rows first, then the whole list. */
      listing->folder_id = self->folder_id;
      courriel_store_read_async (self->store, read_head, listing, (GDestroyNotify)listing_free,
                                 (GDestroyNotify)head_free, rebuild->cancellable, got_head, rebuild);
    }
  else
    read_ids (rebuild, NULL);
}

static void
store_changed (CourrielMessageList *self, guint tables)
{
  if (tables & (COURRIEL_STORE_TABLE_MESSAGES | COURRIEL_STORE_TABLE_FOLDERS))
    start_listing (self, TRUE);
}

/* GListModel ------------------------------------------------------------------------------------------ */

static GType
get_item_type (GListModel *model)
{
  return COURRIEL_TYPE_MESSAGE_SUMMARY;
}

static guint
get_n_items (GListModel *model)
{
  return COURRIEL_MESSAGE_LIST (model)->rows->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (model);
  CourrielMessageSummary *summary;
  Key *key;

  if (position >= self->rows->len)
    return NULL;
  key = &g_array_index (self->rows, Key, position);
  summary = g_hash_table_lookup (self->summaries, &key->id);
  if (summary != NULL)
    {
      courriel_message_summary_set_thread_size (summary, key->thread_size);
      /* Still waiting: its read may have failed, or be for rows that moved since. */
      if (!courriel_message_summary_get_loaded (summary))
        read_page (self, position / PAGE_SIZE);
      return g_object_ref (summary);
    }
  summary = track (self, key->id, key->thread_size);
  read_page (self, position / PAGE_SIZE);
  return summary;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* GObject ------------------------------------------------------------------------------------------ */

static void
courriel_message_list_constructed (GObject *object)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (object);

  G_OBJECT_CLASS (courriel_message_list_parent_class)->constructed (object);

  g_signal_connect_object (self->store, "changed", G_CALLBACK (store_changed), self, G_CONNECT_SWAPPED);
  start_listing (self, FALSE);
}

static void
courriel_message_list_dispose (GObject *object)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (object);
  GHashTableIter iter;
  gpointer summary;

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < RECENT_SIZE; i++)
    g_clear_object (&self->recent[i]);
  g_hash_table_iter_init (&iter, self->summaries);
  while (g_hash_table_iter_next (&iter, NULL, &summary))
    g_object_weak_unref (summary, summary_gone, self);
  g_hash_table_remove_all (self->summaries);
  g_clear_object (&self->listing);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (courriel_message_list_parent_class)->dispose (object);
}

static void
courriel_message_list_finalize (GObject *object)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (object);

  g_array_unref (self->rows);
  g_hash_table_unref (self->summaries);
  g_hash_table_unref (self->pages_reading);
  g_clear_error (&self->error);
  g_object_unref (self->cancellable);
  g_free (self->search);

  G_OBJECT_CLASS (courriel_message_list_parent_class)->finalize (object);
}

static void
courriel_message_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    case PROP_THREADED:
      g_value_set_boolean (value, self->threaded);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->rows->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_message_list_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CourrielMessageList *self = COURRIEL_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_FOLDER_ID:
      self->folder_id = g_value_get_int64 (value);
      break;
    case PROP_SEARCH:
      courriel_message_list_set_search (self, g_value_get_string (value));
      break;
    case PROP_THREADED:
      courriel_message_list_set_threaded (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_message_list_class_init (CourrielMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = courriel_message_list_constructed;
  object_class->dispose = courriel_message_list_dispose;
  object_class->finalize = courriel_message_list_finalize;
  object_class->get_property = courriel_message_list_get_property;
  object_class->set_property = courriel_message_list_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, COURRIEL_TYPE_STORE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The folder listed; 0 for the unified Inbox (every account's inbox-role folders). */
  properties[PROP_FOLDER_ID] = g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0,
                                                   G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                       | G_PARAM_STATIC_STRINGS);
  /* What the search bar holds (courriel-search-query syntax); NULL or "" lists everything. */
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* One row per conversation. */
  properties[PROP_THREADED] = g_param_spec_boolean ("threaded", NULL, NULL, FALSE,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                        | G_PARAM_STATIC_STRINGS);
  /* TRUE from a new folder, search or grouping until its list of messages is known. */
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                       | G_PARAM_STATIC_STRINGS);
  /* Why the list could not be read (a GError a user can read), or NULL. */
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
courriel_message_list_init (CourrielMessageList *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (Key));
  self->summaries = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->pages_reading = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();
}

/* Public API ----------------------------------------------------------------------------------------- */

/**
 * courriel_message_list_new:
 * @folder_id: the store's folders.id
 *
 * The folder's messages, newest first. The list starts empty with "loading" TRUE and fills in
 * one items-changed once the folder's ids have been read.
 */
CourrielMessageList *
courriel_message_list_new (CourrielStore *store, gint64 folder_id)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);
  g_return_val_if_fail (folder_id > 0, NULL);
  return g_object_new (COURRIEL_TYPE_MESSAGE_LIST, "store", store, "folder-id", folder_id, NULL);
}

/* The inbox-role folders of every account, merged newest first. */
CourrielMessageList *
courriel_message_list_new_unified_inbox (CourrielStore *store)
{
  g_return_val_if_fail (COURRIEL_IS_STORE (store), NULL);
  return g_object_new (COURRIEL_TYPE_MESSAGE_LIST, "store", store, NULL);
}

CourrielStore *
courriel_message_list_get_store (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), NULL);
  return self->store;
}

gint64
courriel_message_list_get_folder_id (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), 0);
  return self->folder_id;
}

/**
 * courriel_message_list_set_search:
 * @query: (nullable): what the user typed; NULL or blank shows the whole folder again
 *
 * Narrows the list to the messages of its folders that match, newest first, as
 * courriel_search_query_parse() reads @query. A search under way for an older query is
 * cancelled: results follow the typing.
 */
void
courriel_message_list_set_search (CourrielMessageList *self, const char *query)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST (self));

  stripped = query != NULL ? g_strstrip (g_strdup (query)) : NULL;
  if (stripped != NULL && *stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  if (g_strcmp0 (stripped, self->search) == 0)
    return;
  g_free (self->search);
  self->search = g_steal_pointer (&stripped);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
  if (self->store != NULL)
    start_listing (self, FALSE);
}

const char *
courriel_message_list_get_search (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), NULL);
  return self->search;
}

/* Conversation grouping: one row per conversation, its newest message. */
void
courriel_message_list_set_threaded (CourrielMessageList *self, gboolean threaded)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST (self));

  threaded = !!threaded;
  if (self->threaded == threaded)
    return;
  self->threaded = threaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREADED]);
  if (self->store != NULL)
    start_listing (self, FALSE);
}

gboolean
courriel_message_list_get_threaded (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), FALSE);
  return self->threaded;
}

gboolean
courriel_message_list_get_loading (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), FALSE);
  return self->loading;
}

const GError *
courriel_message_list_get_error (CourrielMessageList *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), NULL);
  return self->error;
}

/* The message id at @position without making a summary; 0 past the end. */
gint64
courriel_message_list_get_id (CourrielMessageList *self, guint position)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST (self), 0);
  return position < self->rows->len ? g_array_index (self->rows, Key, position).id : 0;
}
