/* courriel-static-resolver.c — a GResolver answering from a written table, for tests and harnesses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The discovery asks everything of the default GResolver: SRV and MX records, and the
 * addresses behind every host it fetches from or probes. Installed with
 * g_resolver_set_default(), this resolver answers from a table instead of the network, so that
 * the tests, and `courriel-cli autoconfig` run by a harness (COURRIEL_AUTOCONFIG_DNS_FILE), can
 * describe a whole domain in a few lines and point it at local servers. One record a line:
 *
 *     # a comment
 *     example.test              MX   10 localhost
 *     _imaps._tcp.example.test  SRV  0 1 993 localhost      (priority weight port target)
 *     _pop3._tcp.example.test   SRV  0 0 0 .                (not offered)
 *     imap.example.test         A    127.0.0.1              (AAAA alike)
 *     slow.test                 DELAY 800                   (answers about it come late)
 *     silent.test               SILENT                      (questions about it never answered)
 *     broken.test               FAIL                        (a temporary failure)
 *     gone.test                 NXDOMAIN                    (does not exist, whatever else matches)
 *     *.quiet.test              SILENT                      (a name and all below it)
 *
 * A name absent from the table, or without a record of the type asked, does not exist
 * (G_RESOLVER_ERROR_NOT_FOUND), except "localhost", which is 127.0.0.1 unless the table says
 * otherwise. A silent name answers only when the question is cancelled: what a DNS server
 * that drops packets looks like to the discovery, which must not hang on it.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-static-resolver.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  char               *name;  /* lower case, without the root's final dot */
  char               *type;  /* "A", "AAAA", "MX", "SRV", "DELAY", "SILENT", "FAIL" */
  GVariant           *record; /* MX, SRV: as GResolver returns them */
  GInetAddress       *address; /* A, AAAA */
  guint               delay_ms;
} Entry;

struct _CourrielStaticResolver
{
  GResolver  parent_instance;
  GPtrArray *entries; /* Entry* */
  GPtrArray *asked;   /* char* */
};

G_DEFINE_FINAL_TYPE (CourrielStaticResolver, courriel_static_resolver, G_TYPE_RESOLVER)

static void
entry_free (Entry *entry)
{
  g_free (entry->name);
  g_free (entry->type);
  g_clear_pointer (&entry->record, g_variant_unref);
  g_clear_object (&entry->address);
  g_free (entry);
}

static char *
normal_name (const char *name)
{
  char *lower = g_ascii_strdown (name, -1);
  gsize length = strlen (lower);

  if (length > 1 && lower[length - 1] == '.')
    lower[length - 1] = '\0';
  return lower;
}

static gboolean
parse_number (const char *text, guint max, guint *value)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &number, NULL))
    return FALSE;
  *value = (guint)number;
  return TRUE;
}

static gboolean
parse_line (CourrielStaticResolver *self, char **words, guint n, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  Entry *entry;
  const char *type = words[1];
  guint a = 0, b = 0, c = 0;

  entry = g_new0 (Entry, 1);
  entry->name = normal_name (words[0]);
  entry->type = g_ascii_strup (type, -1);
  if ((g_str_equal (entry->type, "A") || g_str_equal (entry->type, "AAAA")) && n == 3
      && (address = g_inet_address_new_from_string (words[2])) != NULL)
    entry->address = g_steal_pointer (&address);
  else if (g_str_equal (entry->type, "MX") && n == 4 && parse_number (words[2], G_MAXUINT16, &a))
    entry->record = g_variant_ref_sink (g_variant_new ("(qs)", (guint16)a, words[3]));
  else if (g_str_equal (entry->type, "SRV") && n == 6 && parse_number (words[2], G_MAXUINT16, &a)
           && parse_number (words[3], G_MAXUINT16, &b) && parse_number (words[4], G_MAXUINT16, &c))
    entry->record = g_variant_ref_sink (g_variant_new ("(qqqs)", (guint16)a, (guint16)b, (guint16)c, words[5]));
  else if (g_str_equal (entry->type, "DELAY") && n == 3 && parse_number (words[2], 600000, &entry->delay_ms))
    ;
  else if ((g_str_equal (entry->type, "SILENT") || g_str_equal (entry->type, "FAIL")
            || g_str_equal (entry->type, "NXDOMAIN"))
           && n == 2)
    ;
  else
    {
      entry_free (entry);
      return FALSE;
    }
  g_ptr_array_add (self->entries, entry);
  return TRUE;
}

/**
 * courriel_static_resolver_new_from_data:
 * @table: the records, one a line (see the top of the file)
 *
 * Returns: (transfer full): the resolver, or NULL with @error set at the first line it cannot read
 */
CourrielStaticResolver *
courriel_static_resolver_new_from_data (const char *table, GError **error)
{
  g_autoptr (CourrielStaticResolver) self = g_object_new (COURRIEL_TYPE_STATIC_RESOLVER, NULL);
  g_auto (GStrv) lines = g_strsplit (table, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *hash = strchr (lines[i], '#');
      g_auto (GStrv) words = NULL;
      g_autoptr (GPtrArray) kept = g_ptr_array_new ();

      if (hash != NULL)
        *hash = '\0';
      words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      for (guint k = 0; words[k] != NULL; k++)
        if (*words[k] != '\0')
          g_ptr_array_add (kept, words[k]);
      if (kept->len == 0)
        continue;
      g_ptr_array_add (kept, NULL);
      if (kept->len < 3 || !parse_line (self, (char **)kept->pdata, kept->len - 1, error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Line %u of the DNS table cannot be read."),
                       i + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

/**
 * courriel_static_resolver_new_from_file:
 *
 * Returns: (transfer full): the resolver answering from the table in @path, or NULL with @error set
 */
CourrielStaticResolver *
courriel_static_resolver_new_from_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  CourrielStaticResolver *self;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  self = courriel_static_resolver_new_from_data (contents, error);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

GPtrArray *
courriel_static_resolver_get_asked (CourrielStaticResolver *self)
{
  g_return_val_if_fail (COURRIEL_IS_STATIC_RESOLVER (self), NULL);
  return self->asked;
}

/* "*.example.test" stands for example.test and every name below it. */
static gboolean
name_matches (const char *pattern, const char *name)
{
  if (g_str_has_prefix (pattern, "*."))
    return g_str_equal (pattern + 2, name)
           || (g_str_has_suffix (name, pattern + 1) && strlen (name) > strlen (pattern + 1));
  return g_str_equal (pattern, name);
}

static Entry *
find (CourrielStaticResolver *self, const char *name, const char *type)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = self->entries->pdata[i];

      if (name_matches (entry->name, name) && g_str_equal (entry->type, type))
        return entry;
    }
  return NULL;
}

/* The answer, GList of GInetAddress* or of GVariant*, or NULL with @error set. */
static GList *
answer (CourrielStaticResolver *self, const char *name, const char *type, GResolverNameLookupFlags flags,
        GError **error)
{
  GList *answers = NULL;

  if (find (self, name, "FAIL") != NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE, "%s: temporary failure (table)",
                   name);
      return NULL;
    }
  for (guint i = 0; i < self->entries->len && find (self, name, "NXDOMAIN") == NULL; i++)
    {
      Entry *entry = self->entries->pdata[i];
      gboolean wanted;

      if (!name_matches (entry->name, name))
        continue;
      if (type != NULL)
        wanted = g_str_equal (entry->type, type);
      else
        wanted = (g_str_equal (entry->type, "A") && !(flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY))
                 || (g_str_equal (entry->type, "AAAA") && !(flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY));
      if (wanted)
        answers = g_list_append (answers, entry->record != NULL ? (gpointer)g_variant_ref (entry->record)
                                                                : (gpointer)g_object_ref (entry->address));
    }
  if (answers == NULL && type == NULL && g_str_equal (name, "localhost") && find (self, name, "A") == NULL
      && find (self, name, "AAAA") == NULL && !(flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY))
    answers = g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
  if (answers == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "%s: no %s record (table)", name,
                 type != NULL ? type : "address");
  return answers;
}

static void
free_records (GList *records)
{
  g_list_free_full (records, (GDestroyNotify)g_variant_unref);
}

/* One question on its way: answered when its delay is over, or when cancelled. */
typedef struct
{
  GList   *answers;
  gboolean records; /* GVariant*, not GInetAddress* */
  GError  *error;
  GSource *timer;
  GSource *cancelled;
  gboolean done;
} Pending;

static void
pending_free (Pending *pending)
{
  if (pending->records)
    free_records (pending->answers);
  else
    g_resolver_free_addresses (pending->answers);
  g_clear_error (&pending->error);
  if (pending->timer != NULL)
    g_source_destroy (pending->timer);
  g_clear_pointer (&pending->timer, g_source_unref);
  if (pending->cancelled != NULL)
    g_source_destroy (pending->cancelled);
  g_clear_pointer (&pending->cancelled, g_source_unref);
  g_free (pending);
}

static gboolean
respond (gpointer user_data)
{
  GTask *task = user_data;
  Pending *pending = g_task_get_task_data (task);

  if (pending->done)
    return G_SOURCE_REMOVE;
  pending->done = TRUE;
  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  if (pending->error != NULL)
    g_task_return_error (task, g_steal_pointer (&pending->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&pending->answers),
                           pending->records ? (GDestroyNotify)free_records : (GDestroyNotify)g_resolver_free_addresses);
  return G_SOURCE_REMOVE;
}

static gboolean
respond_cancelled (GCancellable *cancellable, gpointer user_data)
{
  return respond (user_data);
}

static void
ask_async (GResolver *resolver, const char *question, const char *type, GResolverNameLookupFlags flags,
           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  CourrielStaticResolver *self = COURRIEL_STATIC_RESOLVER (resolver);
  g_autoptr (GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  g_autofree char *name = normal_name (question);
  Pending *pending = g_new0 (Pending, 1);
  Entry *delay = find (self, name, "DELAY");

  g_ptr_array_add (self->asked, g_strdup (name));
  g_task_set_task_data (task, pending, (GDestroyNotify)pending_free);
  pending->records = type != NULL;
  pending->answers = answer (self, name, type, flags, &pending->error);
  if (find (self, name, "SILENT") == NULL)
    {
      pending->timer = g_timeout_source_new (delay != NULL ? delay->delay_ms : 0);
      g_source_set_callback (pending->timer, respond, g_object_ref (task), g_object_unref);
      g_source_attach (pending->timer, g_task_get_context (task));
    }
  if (cancellable != NULL)
    {
      pending->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (pending->cancelled, G_SOURCE_FUNC (respond_cancelled), g_object_ref (task),
                             g_object_unref);
      g_source_attach (pending->cancelled, g_task_get_context (task));
    }
}

static GList *
propagate (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name_with_flags (GResolver *resolver, const char *hostname, GResolverNameLookupFlags flags,
                           GCancellable *cancellable, GError **error)
{
  g_autofree char *name = normal_name (hostname);

  g_ptr_array_add (COURRIEL_STATIC_RESOLVER (resolver)->asked, g_strdup (name));
  return answer (COURRIEL_STATIC_RESOLVER (resolver), name, NULL, flags, error);
}

static GList *
lookup_by_name (GResolver *resolver, const char *hostname, GCancellable *cancellable, GError **error)
{
  return lookup_by_name_with_flags (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, cancellable, error);
}

static void
lookup_by_name_with_flags_async (GResolver *resolver, const char *hostname, GResolverNameLookupFlags flags,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  ask_async (resolver, hostname, NULL, flags, cancellable, callback, user_data);
}

static void
lookup_by_name_async (GResolver *resolver, const char *hostname, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  ask_async (resolver, hostname, NULL, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, cancellable, callback, user_data);
}

static const char *
record_type_name (GResolverRecordType type)
{
  switch (type)
    {
    case G_RESOLVER_RECORD_SRV:
      return "SRV";
    case G_RESOLVER_RECORD_MX:
      return "MX";
    default:
      return "unsupported";
    }
}

static GList *
lookup_records (GResolver *resolver, const char *rrname, GResolverRecordType type, GCancellable *cancellable,
                GError **error)
{
  g_autofree char *name = normal_name (rrname);

  g_ptr_array_add (COURRIEL_STATIC_RESOLVER (resolver)->asked, g_strdup (name));
  return answer (COURRIEL_STATIC_RESOLVER (resolver), name, record_type_name (type), 0, error);
}

static void
lookup_records_async (GResolver *resolver, const char *rrname, GResolverRecordType type,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  ask_async (resolver, rrname, record_type_name (type), 0, cancellable, callback, user_data);
}

static void
courriel_static_resolver_finalize (GObject *object)
{
  CourrielStaticResolver *self = COURRIEL_STATIC_RESOLVER (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->asked);
  G_OBJECT_CLASS (courriel_static_resolver_parent_class)->finalize (object);
}

static void
courriel_static_resolver_class_init (CourrielStaticResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = courriel_static_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = propagate;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = propagate;
  resolver_class->lookup_records = lookup_records;
  resolver_class->lookup_records_async = lookup_records_async;
  resolver_class->lookup_records_finish = propagate;
}

static void
courriel_static_resolver_init (CourrielStaticResolver *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  self->asked = g_ptr_array_new_with_free_func (g_free);
}
