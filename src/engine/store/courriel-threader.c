/* courriel-threader.c — conversations out of Message-ID, References and In-Reply-To (JWZ threading)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Jamie Zawinski's algorithm (https://www.jwz.org/doc/threading.html), reduced to what a list of
 * conversations needs: which messages share a conversation, not the shape of its tree.
 *
 * 1. Every Message-ID seen (of a message, or only in a References/In-Reply-To) is a container.
 *    The references of a message are linked parent → child in order, never making a loop and
 *    never overriding a link already made; the message itself then takes the last reference as
 *    its parent (its own headers are the most definite word on it). A missing parent (a message
 *    not in this list) is an empty container that still holds its children together.
 *    A Message-ID seen twice makes the second message a container of its own.
 * 2. Each tree is a conversation.
 * 3. Subject fallback, for replies whose references are missing or lead nowhere shared (some
 *    mailers drop them): a conversation that *starts* with a reply ("Re:", "Fwd:", "AW:", "TR:",
 *    "SV:"... and "[list]" tags, stripped) joins the most recent conversation with the same base
 *    subject that starts with an original message, or else other reply-started conversations of
 *    that subject. Two conversations that both start with an original ("Invoice", "Hello") are
 *    never merged on subject alone — identical subjects are common for unrelated mail — and an
 *    empty subject never merges anything.
 *
 * Pure: no store, no I/O. Messages are numbered in the order they were added.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-threader.h"

#include <string.h>

typedef struct
{
  gint  parent;   /* container index, -1 for a root */
  gint  message;  /* message index, -1 for an empty container */
} Container;

typedef struct
{
  char    *subject;
  gint64   date;
  guint    container;
} Message;

struct _CourrielThreader
{
  GArray     *containers;  /* Container */
  GArray     *messages;    /* Message */
  GHashTable *by_id;       /* Message-ID (owned) → container index + 1 */
  guint      *thread_of;   /* after run: message → its conversation's representative message */

  /* reused by every courriel_threader_add(): no allocation per message but its subject */
  GString    *key;
  GArray     *own;
  GArray     *refs;
  GArray     *reply_to;
};

static void
message_clear (gpointer data)
{
  g_free (((Message *)data)->subject);
}

CourrielThreader *
courriel_threader_new (void)
{
  CourrielThreader *self = g_new0 (CourrielThreader, 1);

  self->containers = g_array_new (FALSE, FALSE, sizeof (Container));
  self->messages = g_array_new (FALSE, FALSE, sizeof (Message));
  g_array_set_clear_func (self->messages, message_clear);
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->key = g_string_new (NULL);
  self->own = g_array_new (FALSE, FALSE, sizeof (guint));
  self->refs = g_array_new (FALSE, FALSE, sizeof (guint));
  self->reply_to = g_array_new (FALSE, FALSE, sizeof (guint));
  return self;
}

void
courriel_threader_free (CourrielThreader *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->containers);
  g_array_unref (self->messages);
  g_hash_table_unref (self->by_id);
  g_free (self->thread_of);
  g_string_free (self->key, TRUE);
  g_array_unref (self->own);
  g_array_unref (self->refs);
  g_array_unref (self->reply_to);
  g_free (self);
}

static guint
new_container (CourrielThreader *self)
{
  Container container = { -1, -1 };

  g_array_append_val (self->containers, container);
  return self->containers->len - 1;
}

static Container *
container_at (CourrielThreader *self, guint index)
{
  return &g_array_index (self->containers, Container, index);
}

/* The container of a Message-ID, made when first seen. */
static guint
container_for (CourrielThreader *self, const char *id, gsize length)
{
  gpointer found;
  guint index;

  g_string_truncate (self->key, 0);
  g_string_append_len (self->key, id, length);
  found = g_hash_table_lookup (self->by_id, self->key->str);
  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;
  index = new_container (self);
  g_hash_table_insert (self->by_id, g_strndup (id, length), GUINT_TO_POINTER (index + 1));
  return index;
}

/* The <...> ids of a header, in order, into @into (emptied first); a bare id without brackets
 * counts as one. */
static GArray *
parse_ids (CourrielThreader *self, const char *header, GArray *into)
{
  const char *p = header;

  g_array_set_size (into, 0);
  if (header == NULL)
    return into;
  if (strchr (header, '<') == NULL)
    {
      g_autofree char *bare = g_strstrip (g_strdup (header));
      guint index;

      if (*bare != '\0' && strchr (bare, ' ') == NULL)
        {
          index = container_for (self, bare, strlen (bare));
          g_array_append_val (into, index);
        }
      return into;
    }
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');
      guint index;

      if (end == NULL)
        break;
      if (end > p + 1)
        {
          index = container_for (self, p + 1, end - p - 1);
          g_array_append_val (into, index);
        }
      p = end + 1;
    }
  return into;
}

static gboolean
is_ancestor (CourrielThreader *self, guint ancestor, guint of)
{
  for (gint c = of; c >= 0; c = container_at (self, c)->parent)
    if ((guint)c == ancestor)
      return TRUE;
  return FALSE;
}

/* Makes @parent the parent of @child unless that would make a loop. */
static void
link_containers (CourrielThreader *self, guint parent, guint child)
{
  if (parent == child || is_ancestor (self, child, parent))
    return;
  container_at (self, child)->parent = parent;
}

/* Strips reply and forward prefixes ("Re:", "RE[2]:", "Fwd:", "AW:", "TR:", ...) and list tags
 * ("[courriel-dev]"), and folds case: the subject a conversation is known by. */
char *
courriel_threader_base_subject (const char *subject, gboolean *is_reply)
{
  static const char *prefixes[] = { "re", "fwd", "fw", "aw", "wg", "tr", "sv", "vs", "antw", "rif", "r" };
  const char *p = subject != NULL ? subject : "";
  gboolean reply = FALSE;
  gboolean again = TRUE;

  while (again)
    {
      again = FALSE;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '[')
        {
          const char *end = strchr (p, ']');
          if (end != NULL && end[1] != '\0')
            {
              p = end + 1;
              again = TRUE;
              continue;
            }
        }
      for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
        {
          gsize n = strlen (prefixes[i]);
          const char *q = p + n;

          if (g_ascii_strncasecmp (p, prefixes[i], n) != 0)
            continue;
          if (*q == '[' || *q == '(') /* Re[2]: Re(2): */
            {
              q++;
              while (g_ascii_isdigit (*q))
                q++;
              if (*q != ']' && *q != ')')
                continue;
              q++;
            }
          while (*q == ' ')
            q++;
          if (*q != ':')
            continue;
          p = q + 1;
          reply = again = TRUE;
          break;
        }
    }
  if (is_reply != NULL)
    *is_reply = reply;
  {
    g_autofree char *trimmed = g_strstrip (g_strdup (p));
    return g_utf8_casefold (trimmed, -1);
  }
}

/**
 * courriel_threader_add:
 * @message_id: the message's Message-ID ("<id@host>"), or %NULL
 * @date: unix time, to pick the most recent original in the subject fallback
 *
 * Returns: the message's number, from 0 in the order of addition.
 */
guint
courriel_threader_add (CourrielThreader *self, const char *message_id, const char *in_reply_to,
                       const char *references, const char *subject, gint64 date)
{
  GArray *refs = self->refs;
  GArray *own = self->own;
  Message message = { NULL, date, 0 };
  guint index;

  g_return_val_if_fail (self->thread_of == NULL, 0);

  parse_ids (self, message_id, own);
  index = own->len > 0 ? g_array_index (own, guint, 0) : new_container (self);
  if (container_at (self, index)->message >= 0)
    index = new_container (self); /* a duplicate Message-ID */
  container_at (self, index)->message = self->messages->len;
  message.container = index;
  message.subject = g_strdup (subject);
  g_array_append_val (self->messages, message);

  parse_ids (self, references, refs);
  if (refs->len == 0)
    parse_ids (self, in_reply_to, refs);
  else
    {
      /* In-Reply-To may name a parent that References left out. */
      GArray *reply_to = parse_ids (self, in_reply_to, self->reply_to);

      if (reply_to->len > 0 && g_array_index (reply_to, guint, 0) != g_array_index (refs, guint, refs->len - 1))
        g_array_append_val (refs, g_array_index (reply_to, guint, 0));
    }
  for (guint i = 0; i + 1 < refs->len; i++)
    {
      guint child = g_array_index (refs, guint, i + 1);

      if (container_at (self, child)->parent < 0)
        link_containers (self, g_array_index (refs, guint, i), child);
    }
  if (refs->len > 0)
    {
      guint parent = g_array_index (refs, guint, refs->len - 1);

      if (parent != index && !is_ancestor (self, index, parent))
        container_at (self, index)->parent = parent;
    }
  return self->messages->len - 1;
}

static guint
find (guint *set, guint i)
{
  while (set[i] != i)
    {
      set[i] = set[set[i]];
      i = set[i];
    }
  return i;
}

static guint
root_of (CourrielThreader *self, guint container)
{
  while (container_at (self, container)->parent >= 0)
    container = container_at (self, container)->parent;
  return container;
}

typedef struct
{
  guint  original;        /* the most recent conversation started by an original, or G_MAXUINT */
  gint64 original_date;
  guint  reply;           /* the first conversation started by a reply, or G_MAXUINT */
} SubjectGroup;

/**
 * courriel_threader_run:
 *
 * Groups the messages added; then courriel_threader_thread_of() answers. Returns how many
 * conversations there are.
 */
guint
courriel_threader_run (CourrielThreader *self)
{
  guint n = self->messages->len;
  g_autofree guint *by_root = g_new (guint, self->containers->len);
  g_autofree guint *first = g_new (guint, n); /* conversation (by representative) → its earliest message */
  /* base subject (owned by bases) → SubjectGroup */
  g_autoptr (GHashTable) subjects = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  char **bases;
  g_autofree gboolean *replies = NULL;
  guint conversations = 0;

  g_return_val_if_fail (self->thread_of == NULL, 0);

  /* Step 2: a conversation per tree, named by its first message. */
  self->thread_of = g_new (guint, n);
  for (guint c = 0; c < self->containers->len; c++)
    by_root[c] = G_MAXUINT;
  for (guint m = 0; m < n; m++)
    {
      guint root = root_of (self, g_array_index (self->messages, Message, m).container);

      if (by_root[root] == G_MAXUINT)
        by_root[root] = m;
      self->thread_of[m] = by_root[root];
    }

  /* The message that starts each conversation: its root's, or the oldest of its messages. */
  for (guint m = 0; m < n; m++)
    first[m] = G_MAXUINT;
  for (guint m = 0; m < n; m++)
    {
      Message *message = &g_array_index (self->messages, Message, m);
      guint t = self->thread_of[m];
      Message *current = first[t] != G_MAXUINT ? &g_array_index (self->messages, Message, first[t]) : NULL;

      if (container_at (self, message->container)->parent < 0 || current == NULL
          || (container_at (self, current->container)->parent >= 0 && message->date < current->date))
        first[t] = m;
    }

  /* Step 3: the subject fallback. Each conversation's base subject is worked out once. */
  bases = g_new0 (char *, n);
  replies = g_new0 (gboolean, n);
  for (guint t = 0; t < n; t++)
    {
      Message *start;
      SubjectGroup *group;

      if (self->thread_of[t] != t)
        continue;
      start = &g_array_index (self->messages, Message, first[t]);
      bases[t] = courriel_threader_base_subject (start->subject, &replies[t]);
      if (*bases[t] == '\0')
        continue;
      group = g_hash_table_lookup (subjects, bases[t]);
      if (group == NULL)
        {
          group = g_new (SubjectGroup, 1);
          group->original = group->reply = G_MAXUINT;
          g_hash_table_insert (subjects, bases[t], group);
        }
      if (replies[t])
        {
          if (group->reply == G_MAXUINT)
            group->reply = t;
        }
      else if (group->original == G_MAXUINT || start->date > group->original_date)
        {
          group->original = t;
          group->original_date = start->date;
        }
    }
  {
    g_autofree guint *set = g_new (guint, n);

    for (guint m = 0; m < n; m++)
      set[m] = m;
    for (guint t = 0; t < n; t++)
      {
        SubjectGroup *group = bases[t] != NULL && *bases[t] != '\0' ? g_hash_table_lookup (subjects, bases[t]) : NULL;

        if (group == NULL || !replies[t])
          continue;
        set[find (set, t)] = find (set, group->original != G_MAXUINT ? group->original : group->reply);
      }
    for (guint m = 0; m < n; m++)
      self->thread_of[m] = find (set, self->thread_of[m]);
  }
  for (guint m = 0; m < n; m++)
    conversations += self->thread_of[m] == m;
  g_hash_table_remove_all (subjects);
  for (guint t = 0; t < n; t++)
    g_free (bases[t]);
  g_free (bases);
  return conversations;
}

/* After courriel_threader_run(): the same number for every message of a conversation (the
 * number of one of them). */
guint
courriel_threader_thread_of (CourrielThreader *self, guint message)
{
  g_return_val_if_fail (self->thread_of != NULL, message);
  g_return_val_if_fail (message < self->messages->len, message);
  return self->thread_of[message];
}
