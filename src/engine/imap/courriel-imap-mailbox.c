/* courriel-imap-mailbox.c — a folder as LIST describes it, and its STATUS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-imap-mailbox.h"

#include <glib/gi18n-lib.h>

#include "courriel-imap-error.h"
#include "courriel-imap-utf7.h"

struct _CourrielImapMailbox
{
  gatomicrefcount               ref_count;
  char                         *name;
  char                         *raw_name;
  gunichar                      delimiter;
  CourrielImapMailboxAttributes attributes;
  CourrielImapStatusData       *status;
};

static const struct
{
  const char                   *name;
  CourrielImapMailboxAttributes flag;
} attributes[] = {
  { "\\Noselect", COURRIEL_IMAP_MAILBOX_NOSELECT },
  { "\\NoInferiors", COURRIEL_IMAP_MAILBOX_NOINFERIORS },
  { "\\HasChildren", COURRIEL_IMAP_MAILBOX_HASCHILDREN },
  { "\\HasNoChildren", COURRIEL_IMAP_MAILBOX_HASNOCHILDREN },
  { "\\Marked", COURRIEL_IMAP_MAILBOX_MARKED },
  { "\\Unmarked", COURRIEL_IMAP_MAILBOX_UNMARKED },
  { "\\Subscribed", COURRIEL_IMAP_MAILBOX_SUBSCRIBED },
  { "\\NonExistent", COURRIEL_IMAP_MAILBOX_NONEXISTENT | COURRIEL_IMAP_MAILBOX_NOSELECT },
  { "\\Remote", COURRIEL_IMAP_MAILBOX_REMOTE },
  { "\\All", COURRIEL_IMAP_MAILBOX_ALL },
  { "\\Archive", COURRIEL_IMAP_MAILBOX_ARCHIVE },
  { "\\Drafts", COURRIEL_IMAP_MAILBOX_DRAFTS },
  { "\\Flagged", COURRIEL_IMAP_MAILBOX_FLAGGED },
  { "\\Junk", COURRIEL_IMAP_MAILBOX_JUNK },
  { "\\Sent", COURRIEL_IMAP_MAILBOX_SENT },
  { "\\Trash", COURRIEL_IMAP_MAILBOX_TRASH },
  { "\\Important", COURRIEL_IMAP_MAILBOX_IMPORTANT },
  /* Seen in the wild before RFC 6154 (Gmail's XLIST, older Exchange). */
  { "\\Spam", COURRIEL_IMAP_MAILBOX_JUNK },
  { "\\AllMail", COURRIEL_IMAP_MAILBOX_ALL },
  { "\\Starred", COURRIEL_IMAP_MAILBOX_FLAGGED },
};

/* A mailbox name from a LIST or STATUS response, as the user reads it. */
char *
courriel_imap_mailbox_decode_name (CourrielImapValue *value, gboolean utf8, GError **error)
{
  GBytes *bytes = courriel_imap_value_get_bytes (value);
  g_autofree char *raw = NULL;
  gsize size;
  const char *data;

  if (bytes == NULL)
    {
      g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                           _("The mail server sent a folder without a name."));
      return NULL;
    }
  data = g_bytes_get_data (bytes, &size);
  /* An empty string may have no data at all (found by fuzzing). */
  raw = g_strndup (data != NULL ? data : "", size);
  if (g_ascii_strcasecmp (raw, "INBOX") == 0)
    return g_strdup ("INBOX");
  if (utf8)
    return g_utf8_make_valid (raw, -1);
  /* Many servers send UTF-8 anyway, or names that are not valid modified UTF-7 (they
   * forget to encode "&"): show such names as they are rather than losing the folder. */
  {
    g_autoptr (GError) local = NULL;
    char *decoded = courriel_imap_utf7_decode (raw, &local);
    return decoded != NULL ? decoded : g_utf8_make_valid (raw, -1);
  }
}

/* * LIST (\HasNoChildren \Sent) "/" Sent  [("CHILDINFO" ("SUBSCRIBED"))] */
CourrielImapMailbox *
courriel_imap_mailbox_parse (CourrielImapResponse *response, gboolean utf8, GError **error)
{
  CourrielImapValue *data = courriel_imap_response_get_data (response);
  CourrielImapValue *flags = courriel_imap_value_get_item (data, 0);
  CourrielImapValue *delimiter = courriel_imap_value_get_item (data, 1);
  CourrielImapValue *name = courriel_imap_value_get_item (data, 2);
  g_autoptr (CourrielImapMailbox) mailbox = NULL;
  g_autofree char *delimiter_text = NULL;

  if (courriel_imap_value_get_kind (flags) != COURRIEL_IMAP_VALUE_LIST || delimiter == NULL || name == NULL)
    {
      g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                           _("The mail server sent a malformed folder list."));
      return NULL;
    }

  mailbox = g_new0 (CourrielImapMailbox, 1);
  g_atomic_ref_count_init (&mailbox->ref_count);
  mailbox->name = courriel_imap_mailbox_decode_name (name, utf8, error);
  if (mailbox->name == NULL)
    return NULL;
  {
    GBytes *bytes = courriel_imap_value_get_bytes (name);
    const char *raw = g_bytes_get_data (bytes, NULL);
    mailbox->raw_name = g_strndup (raw != NULL ? raw : "", g_bytes_get_size (bytes));
  }
  delimiter_text = courriel_imap_value_dup_string (delimiter);
  if (delimiter_text != NULL && *delimiter_text != '\0')
    mailbox->delimiter = g_utf8_get_char (delimiter_text);

  for (guint i = 0; i < courriel_imap_value_get_length (flags); i++)
    {
      CourrielImapValue *flag = courriel_imap_value_get_item (flags, i);

      for (guint j = 0; j < G_N_ELEMENTS (attributes); j++)
        if (courriel_imap_value_is_atom (flag, attributes[j].name))
          mailbox->attributes |= attributes[j].flag;
    }
  return g_steal_pointer (&mailbox);
}

CourrielImapMailbox *
courriel_imap_mailbox_ref (CourrielImapMailbox *mailbox)
{
  g_atomic_ref_count_inc (&mailbox->ref_count);
  return mailbox;
}

void
courriel_imap_mailbox_unref (CourrielImapMailbox *mailbox)
{
  if (mailbox == NULL || !g_atomic_ref_count_dec (&mailbox->ref_count))
    return;
  g_free (mailbox->name);
  g_free (mailbox->raw_name);
  g_clear_pointer (&mailbox->status, courriel_imap_status_data_unref);
  g_free (mailbox);
}

/* The name as the user reads it (UTF-8); "INBOX" for the inbox whatever its case. */
const char *
courriel_imap_mailbox_get_name (CourrielImapMailbox *mailbox)
{
  return mailbox->name;
}

/* The name as the server wrote it, to send back in commands. */
const char *
courriel_imap_mailbox_get_raw_name (CourrielImapMailbox *mailbox)
{
  return mailbox->raw_name;
}

/* The hierarchy delimiter, or 0 for a flat namespace. */
gunichar
courriel_imap_mailbox_get_delimiter (CourrielImapMailbox *mailbox)
{
  return mailbox->delimiter;
}

CourrielImapMailboxAttributes
courriel_imap_mailbox_get_attributes (CourrielImapMailbox *mailbox)
{
  return mailbox->attributes;
}

/* From LIST-STATUS, or NULL. */
CourrielImapStatusData *
courriel_imap_mailbox_get_status (CourrielImapMailbox *mailbox)
{
  return mailbox->status;
}

void
courriel_imap_mailbox_set_status (CourrielImapMailbox *mailbox, CourrielImapStatusData *status)
{
  g_clear_pointer (&mailbox->status, courriel_imap_status_data_unref);
  mailbox->status = status != NULL ? courriel_imap_status_data_ref (status) : NULL;
}

/* * STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292) */
CourrielImapStatusData *
courriel_imap_status_data_parse (CourrielImapResponse *response, gboolean utf8, char **mailbox_name,
                                 GError **error)
{
  CourrielImapValue *data = courriel_imap_response_get_data (response);
  CourrielImapValue *items = courriel_imap_value_get_item (data, 1);
  g_autoptr (CourrielImapStatusData) status = NULL;
  guint n = courriel_imap_value_get_length (items);

  if (courriel_imap_value_get_kind (items) != COURRIEL_IMAP_VALUE_LIST || n % 2 != 0)
    {
      g_set_error_literal (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL,
                           _("The mail server sent a malformed folder status."));
      return NULL;
    }
  status = g_new0 (CourrielImapStatusData, 1);
  g_atomic_ref_count_init (&status->ref_count);
  for (guint i = 0; i < n; i += 2)
    {
      CourrielImapValue *key = courriel_imap_value_get_item (items, i);
      guint64 value;

      if (!courriel_imap_value_get_number (courriel_imap_value_get_item (items, i + 1), &value))
        continue;
      if (courriel_imap_value_is_atom (key, "MESSAGES"))
        status->messages = (guint32)MIN (value, G_MAXUINT32), status->present |= COURRIEL_IMAP_STATUS_HAS_MESSAGES;
      else if (courriel_imap_value_is_atom (key, "UNSEEN"))
        status->unseen = (guint32)MIN (value, G_MAXUINT32), status->present |= COURRIEL_IMAP_STATUS_HAS_UNSEEN;
      else if (courriel_imap_value_is_atom (key, "RECENT"))
        status->recent = (guint32)MIN (value, G_MAXUINT32), status->present |= COURRIEL_IMAP_STATUS_HAS_RECENT;
      else if (courriel_imap_value_is_atom (key, "UIDNEXT"))
        status->uidnext = (guint32)MIN (value, G_MAXUINT32), status->present |= COURRIEL_IMAP_STATUS_HAS_UIDNEXT;
      else if (courriel_imap_value_is_atom (key, "UIDVALIDITY"))
        status->uidvalidity = (guint32)MIN (value, G_MAXUINT32),
        status->present |= COURRIEL_IMAP_STATUS_HAS_UIDVALIDITY;
      else if (courriel_imap_value_is_atom (key, "HIGHESTMODSEQ"))
        status->highestmodseq = value, status->present |= COURRIEL_IMAP_STATUS_HAS_HIGHESTMODSEQ;
      else if (courriel_imap_value_is_atom (key, "SIZE"))
        status->size = value, status->present |= COURRIEL_IMAP_STATUS_HAS_SIZE;
    }
  if (mailbox_name != NULL)
    *mailbox_name = courriel_imap_mailbox_decode_name (courriel_imap_value_get_item (data, 0), utf8, NULL);
  return g_steal_pointer (&status);
}

CourrielImapStatusData *
courriel_imap_status_data_ref (CourrielImapStatusData *status)
{
  g_atomic_ref_count_inc (&status->ref_count);
  return status;
}

void
courriel_imap_status_data_unref (CourrielImapStatusData *status)
{
  if (status != NULL && g_atomic_ref_count_dec (&status->ref_count))
    g_free (status);
}
