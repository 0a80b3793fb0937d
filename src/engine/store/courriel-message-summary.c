/* courriel-message-summary.c — one row of a message list: what the list shows of a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A summary exists as soon as the list is asked for its row, before the row is read: "id" and
 * "thread-size" are known from the list's id list, everything else arrives when the row's page
 * has been read ("loaded" turns TRUE, and each property that changed is notified). Later flag
 * changes are notified the same way. Read-only for everyone but CourrielMessageList.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-message-summary-private.h"

#include "courriel-changes.h"

struct _CourrielMessageSummary
{
  GObject  parent_instance;

  gint64   id;
  gint64   folder_id;
  gint64   account_id;
  char    *sender_name;
  char    *sender_address;
  char    *subject;
  gint64   date;
  char    *preview;
  guint    thread_size;
  guint    unread : 1;
  guint    starred : 1;
  guint    has_attachments : 1;
  guint    loaded : 1;
};

G_DEFINE_FINAL_TYPE (CourrielMessageSummary, courriel_message_summary, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_FOLDER_ID,
  PROP_ACCOUNT_ID,
  PROP_SENDER_NAME,
  PROP_SENDER_ADDRESS,
  PROP_SUBJECT,
  PROP_DATE,
  PROP_PREVIEW,
  PROP_UNREAD,
  PROP_STARRED,
  PROP_HAS_ATTACHMENTS,
  PROP_THREAD_SIZE,
  PROP_LOADED,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

void
courriel_message_row_clear (CourrielMessageRow *row)
{
  g_clear_pointer (&row->sender, g_free);
  g_clear_pointer (&row->subject, g_free);
  g_clear_pointer (&row->preview, g_free);
}

/* Text from the store as one line of valid UTF-8: a damaged header, or a preview with line
 * breaks and tabs, must not reach Pango as it is. */
static char *
one_line (const char *text)
{
  char *line;

  if (text == NULL)
    return g_strdup ("");
  line = g_utf8_validate (text, -1, NULL) ? g_strdup (text) : g_utf8_make_valid (text, -1);
  for (char *p = line; *p != '\0'; p++)
    if ((guchar)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return line;
}

/* "Élodie Martin <elodie@example.test>, bob@example.test" → "Élodie Martin",
 * "elodie@example.test": the first sender only; a sender without a name has an empty one. */
void
courriel_message_summary_split_sender (const char *sender, char **name, char **address)
{
  const char *open = sender != NULL ? strchr (sender, '<') : NULL;
  const char *close = open != NULL ? strchr (open, '>') : NULL;

  if (sender == NULL)
    {
      *name = g_strdup ("");
      *address = g_strdup ("");
      return;
    }
  if (open != NULL && close != NULL)
    {
      *name = g_strstrip (g_strndup (sender, open - sender));
      *address = g_strstrip (g_strndup (open + 1, close - open - 1));
      return;
    }
  *name = g_strdup ("");
  *address = g_strstrip (g_strndup (sender, strcspn (sender, ",")));
}

static void
set_string (CourrielMessageSummary *self, char **field, char *value, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    {
      g_free (value);
      return;
    }
  g_free (*field);
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define SET_SCALAR(self, field, value, prop)                                                                          \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    if ((self)->field != (value))                                                                                      \
      {                                                                                                                \
        (self)->field = (value);                                                                                       \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);                                                  \
      }                                                                                                                \
  }                                                                                                                    \
  G_STMT_END

CourrielMessageSummary *
courriel_message_summary_new (gint64 id, guint thread_size)
{
  CourrielMessageSummary *self = g_object_new (COURRIEL_TYPE_MESSAGE_SUMMARY, NULL);

  self->id = id;
  self->thread_size = MAX (thread_size, 1);
  return self;
}

/* Takes what @row says (its id must be this summary's); notifies only what changed. */
void
courriel_message_summary_fill (CourrielMessageSummary *self, const CourrielMessageRow *row)
{
  char *name, *address;

  g_return_if_fail (COURRIEL_IS_MESSAGE_SUMMARY (self));
  g_return_if_fail (row->id == self->id);

  {
    g_autofree char *sender = one_line (row->sender);
    courriel_message_summary_split_sender (sender, &name, &address);
  }
  g_object_freeze_notify (G_OBJECT (self));
  SET_SCALAR (self, folder_id, row->folder_id, PROP_FOLDER_ID);
  SET_SCALAR (self, account_id, row->account_id, PROP_ACCOUNT_ID);
  set_string (self, &self->sender_name, name, PROP_SENDER_NAME);
  set_string (self, &self->sender_address, address, PROP_SENDER_ADDRESS);
  set_string (self, &self->subject, one_line (row->subject), PROP_SUBJECT);
  SET_SCALAR (self, date, row->date, PROP_DATE);
  set_string (self, &self->preview, one_line (row->preview), PROP_PREVIEW);
  SET_SCALAR (self, unread, (row->flags & COURRIEL_MESSAGE_SEEN) == 0, PROP_UNREAD);
  SET_SCALAR (self, starred, (row->flags & COURRIEL_MESSAGE_FLAGGED) != 0, PROP_STARRED);
  SET_SCALAR (self, has_attachments, row->has_attachments != 0, PROP_HAS_ATTACHMENTS);
  SET_SCALAR (self, loaded, TRUE, PROP_LOADED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
courriel_message_summary_set_thread_size (CourrielMessageSummary *self, guint thread_size)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_SUMMARY (self));
  thread_size = MAX (thread_size, 1);
  SET_SCALAR (self, thread_size, thread_size, PROP_THREAD_SIZE);
}

#define GETTER(type, field, fallback)                                                                                  \
  type courriel_message_summary_get_##field (CourrielMessageSummary *self)                                             \
  {                                                                                                                    \
    g_return_val_if_fail (COURRIEL_IS_MESSAGE_SUMMARY (self), fallback);                                               \
    return self->field;                                                                                                \
  }

GETTER (gint64, id, 0)
GETTER (gint64, folder_id, 0)
GETTER (gint64, account_id, 0)
GETTER (gint64, date, 0)
GETTER (gboolean, unread, FALSE)
GETTER (gboolean, starred, FALSE)
GETTER (gboolean, has_attachments, FALSE)
GETTER (guint, thread_size, 1)
GETTER (gboolean, loaded, FALSE)

/* Strings are "" (never NULL) until and after the row is loaded. */
#define STRING_GETTER(field)                                                                                           \
  const char *courriel_message_summary_get_##field (CourrielMessageSummary *self)                                      \
  {                                                                                                                    \
    g_return_val_if_fail (COURRIEL_IS_MESSAGE_SUMMARY (self), NULL);                                                   \
    return self->field != NULL ? self->field : "";                                                                     \
  }

STRING_GETTER (sender_name)
STRING_GETTER (sender_address)
STRING_GETTER (subject)
STRING_GETTER (preview)

static void
courriel_message_summary_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielMessageSummary *self = COURRIEL_MESSAGE_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_ACCOUNT_ID:
      g_value_set_int64 (value, self->account_id);
      break;
    case PROP_SENDER_NAME:
      g_value_set_string (value, courriel_message_summary_get_sender_name (self));
      break;
    case PROP_SENDER_ADDRESS:
      g_value_set_string (value, courriel_message_summary_get_sender_address (self));
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, courriel_message_summary_get_subject (self));
      break;
    case PROP_DATE:
      g_value_set_int64 (value, self->date);
      break;
    case PROP_PREVIEW:
      g_value_set_string (value, courriel_message_summary_get_preview (self));
      break;
    case PROP_UNREAD:
      g_value_set_boolean (value, self->unread);
      break;
    case PROP_STARRED:
      g_value_set_boolean (value, self->starred);
      break;
    case PROP_HAS_ATTACHMENTS:
      g_value_set_boolean (value, self->has_attachments);
      break;
    case PROP_THREAD_SIZE:
      g_value_set_uint (value, self->thread_size);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_message_summary_finalize (GObject *object)
{
  CourrielMessageSummary *self = COURRIEL_MESSAGE_SUMMARY (object);

  g_free (self->sender_name);
  g_free (self->sender_address);
  g_free (self->subject);
  g_free (self->preview);

  G_OBJECT_CLASS (courriel_message_summary_parent_class)->finalize (object);
}

static GParamSpec *
int64_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, "", G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
courriel_message_summary_class_init (CourrielMessageSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = courriel_message_summary_get_property;
  object_class->finalize = courriel_message_summary_finalize;

  /* The store's messages.id: known from the start. */
  properties[PROP_ID] = int64_property ("id");
  properties[PROP_FOLDER_ID] = int64_property ("folder-id");
  properties[PROP_ACCOUNT_ID] = int64_property ("account-id");
  /* The first sender's display name ("" when it gave none) and address. */
  properties[PROP_SENDER_NAME] = string_property ("sender-name");
  properties[PROP_SENDER_ADDRESS] = string_property ("sender-address");
  properties[PROP_SUBJECT] = string_property ("subject");
  /* Unix time; 0 when the message has no date. */
  properties[PROP_DATE] = int64_property ("date");
  properties[PROP_PREVIEW] = string_property ("preview");
  properties[PROP_UNREAD] = boolean_property ("unread");
  properties[PROP_STARRED] = boolean_property ("starred");
  properties[PROP_HAS_ATTACHMENTS] = boolean_property ("has-attachments");
  /* How many messages of the list the conversation holds: 1 when the list is not threaded. */
  properties[PROP_THREAD_SIZE] = g_param_spec_uint ("thread-size", NULL, NULL, 1, G_MAXUINT, 1,
                                                    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                        | G_PARAM_STATIC_STRINGS);
  /* FALSE while the row's page is still being read. */
  properties[PROP_LOADED] = boolean_property ("loaded");
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
courriel_message_summary_init (CourrielMessageSummary *self)
{
  self->thread_size = 1;
}
