/* courriel-folder-item.c — one row of the folder list: the unified Inbox, an account, a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Items are made by CourrielFolderList, which updates a row's item in place when only its
 * counts or names change, so that a selection bound to it survives a sync.
 */
#define G_LOG_DOMAIN "courriel-store"

#include "config.h"
#include "courriel-folder-item.h"

#include "courriel-folder-item-private.h"

struct _CourrielFolderItem
{
  GObject            parent_instance;

  CourrielFolderKind kind;
  gint64             account_id;
  gint64             folder_id;
  char              *name;
  char              *full_name;
  char              *role;
  char              *icon_name;
  gint64             unread;
  gint64             total;
  guint              depth;
};

G_DEFINE_FINAL_TYPE (CourrielFolderItem, courriel_folder_item, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CourrielFolderKind, courriel_folder_kind,
                    G_DEFINE_ENUM_VALUE (COURRIEL_FOLDER_KIND_UNIFIED_INBOX, "unified-inbox"),
                    G_DEFINE_ENUM_VALUE (COURRIEL_FOLDER_KIND_ACCOUNT, "account"),
                    G_DEFINE_ENUM_VALUE (COURRIEL_FOLDER_KIND_FOLDER, "folder"),
                    G_DEFINE_ENUM_VALUE (COURRIEL_FOLDER_KIND_OUTBOX, "outbox"))

enum
{
  PROP_0,
  PROP_KIND,
  PROP_ACCOUNT_ID,
  PROP_FOLDER_ID,
  PROP_NAME,
  PROP_FULL_NAME,
  PROP_ROLE,
  PROP_ICON_NAME,
  PROP_UNREAD,
  PROP_TOTAL,
  PROP_DEPTH,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
courriel_folder_item_finalize (GObject *object)
{
  CourrielFolderItem *self = COURRIEL_FOLDER_ITEM (object);

  g_free (self->name);
  g_free (self->full_name);
  g_free (self->role);
  g_free (self->icon_name);

  G_OBJECT_CLASS (courriel_folder_item_parent_class)->finalize (object);
}

static void
courriel_folder_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CourrielFolderItem *self = COURRIEL_FOLDER_ITEM (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_ACCOUNT_ID:
      g_value_set_int64 (value, self->account_id);
      break;
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_FULL_NAME:
      g_value_set_string (value, self->full_name);
      break;
    case PROP_ROLE:
      g_value_set_string (value, self->role);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, self->icon_name);
      break;
    case PROP_UNREAD:
      g_value_set_int64 (value, self->unread);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, self->total);
      break;
    case PROP_DEPTH:
      g_value_set_uint (value, self->depth);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
courriel_folder_item_class_init (CourrielFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = courriel_folder_item_finalize;
  object_class->get_property = courriel_folder_item_get_property;

  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, COURRIEL_TYPE_FOLDER_KIND,
                                             COURRIEL_FOLDER_KIND_FOLDER, flags);
  properties[PROP_ACCOUNT_ID] = g_param_spec_int64 ("account-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* 0 for the unified Inbox and for an account's header */
  properties[PROP_FOLDER_ID] = g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* What the sidebar shows: the last part of the folder's path, or the translated name of a
   * special folder */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /* The folder's full decoded name on the server ("Work/Projects"); an account's address */
  properties[PROP_FULL_NAME] = g_param_spec_string ("full-name", NULL, NULL, NULL, flags);
  properties[PROP_ROLE] = g_param_spec_string ("role", NULL, NULL, NULL, flags);
  properties[PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, flags);
  properties[PROP_UNREAD] = g_param_spec_int64 ("unread", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
courriel_folder_item_init (CourrielFolderItem *self)
{
}

CourrielFolderItem *
courriel_folder_item_new (CourrielFolderKind kind, gint64 account_id, gint64 folder_id)
{
  CourrielFolderItem *self = g_object_new (COURRIEL_TYPE_FOLDER_ITEM, NULL);

  self->kind = kind;
  self->account_id = account_id;
  self->folder_id = folder_id;
  return self;
}

static void
set_string (CourrielFolderItem *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int (CourrielFolderItem *self, gint64 *field, gint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Takes @source's names and counts, notifying only what changed. */
void
courriel_folder_item_update_from (CourrielFolderItem *self, CourrielFolderItem *source)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->name, source->name, PROP_NAME);
  set_string (self, &self->full_name, source->full_name, PROP_FULL_NAME);
  set_string (self, &self->role, source->role, PROP_ROLE);
  set_string (self, &self->icon_name, source->icon_name, PROP_ICON_NAME);
  set_int (self, &self->unread, source->unread, PROP_UNREAD);
  set_int (self, &self->total, source->total, PROP_TOTAL);
  if (self->depth != source->depth)
    {
      self->depth = source->depth;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEPTH]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
courriel_folder_item_set_fields (CourrielFolderItem *self, const char *name, const char *full_name, const char *role,
                                 const char *icon_name, gint64 unread, gint64 total, guint depth)
{
  g_free (self->name);
  self->name = g_strdup (name);
  g_free (self->full_name);
  self->full_name = g_strdup (full_name);
  g_free (self->role);
  self->role = g_strdup (role);
  g_free (self->icon_name);
  self->icon_name = g_strdup (icon_name);
  self->unread = unread;
  self->total = total;
  self->depth = depth;
}

/* Whether both items stand for the same row (they may differ in names and counts). */
gboolean
courriel_folder_item_same_row (CourrielFolderItem *self, CourrielFolderItem *other)
{
  return self->kind == other->kind && self->account_id == other->account_id && self->folder_id == other->folder_id;
}

CourrielFolderKind
courriel_folder_item_get_kind (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), COURRIEL_FOLDER_KIND_FOLDER);
  return self->kind;
}

gint64
courriel_folder_item_get_account_id (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), 0);
  return self->account_id;
}

gint64
courriel_folder_item_get_folder_id (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), 0);
  return self->folder_id;
}

const char *
courriel_folder_item_get_name (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), NULL);
  return self->name;
}

const char *
courriel_folder_item_get_full_name (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), NULL);
  return self->full_name;
}

const char *
courriel_folder_item_get_role (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), NULL);
  return self->role;
}

const char *
courriel_folder_item_get_icon_name (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), NULL);
  return self->icon_name;
}

gint64
courriel_folder_item_get_unread (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), 0);
  return self->unread;
}

gint64
courriel_folder_item_get_total (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), 0);
  return self->total;
}

guint
courriel_folder_item_get_depth (CourrielFolderItem *self)
{
  g_return_val_if_fail (COURRIEL_IS_FOLDER_ITEM (self), 0);
  return self->depth;
}
