/* courriel-cli-send.c — `courriel-cli send` and `outbox`: writing, the Outbox, sending
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `send` composes the message, commits it to the Outbox, then sends the account's Outbox. A
 * server out of reach (or busy) leaves it queued, and the command still succeeds: the message is
 * safe and will go at the next `outbox --send` or sync. A refusal for good is a failure (exit 1).
 * The sent message's copy goes to the account's Sent folder (and the IMAP server's). `draft`
 * saves a draft, in the Drafts folder here and on an IMAP server, and prints its id.
 *
 * `outbox` lists the Outbox. A message listed "sending" is maybe sent: Courriel stopped, or the
 * connection ended, after the message's final dot and before the server's reply (the one window
 * SMTP leaves). It is never sent again unasked; the user checks, then settles it with
 * `outbox ACCOUNT --retry ID` (it did not arrive: back in the queue, sent at the next `--send`) or
 * `--remove ID` (it did, or they give up on it).
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"
#include "courriel-cli-commands.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "courriel-changes.h"
#include "courriel-draft.h"
#include "courriel-message-text.h"
#include "courriel-outbox.h"
#include "courriel-secrets.h"
#include "courriel-smtp-outbox.h"

static char *
read_stdin (void)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);
  return g_string_free (text, FALSE);
}

/* Sends the account's due messages; returns the report, or NULL with @error set. */
static CourrielSmtpOutboxReport *
send_outbox (CourrielStore *store, CourrielAccount *account, GError **error)
{
  g_autofree char *password = NULL;
  g_autoptr (GAsyncResult) looked_up = NULL;
  g_autoptr (GAsyncResult) sent = NULL;

  courriel_secrets_lookup_async (account->address, "outgoing", NULL, courriel_cli_got_result, &looked_up);
  password = courriel_secrets_lookup_finish (courriel_cli_wait (&looked_up), NULL);
  if (password == NULL)
    password = courriel_cli_lookup_password (account, error);
  if (password == NULL)
    return NULL;
  courriel_smtp_outbox_send_async (store, account, password, g_get_real_time () / G_USEC_PER_SEC, NULL,
                                   courriel_cli_got_result, &sent);
  return courriel_smtp_outbox_send_finish (courriel_cli_wait (&sent), error);
}

static GPtrArray *
list_outbox (CourrielStore *store, gint64 account_id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  courriel_outbox_list_async (store, account_id, NULL, courriel_cli_got_result, &result);
  return courriel_outbox_list_finish (store, courriel_cli_wait (&result), error);
}

static void
add_all (GPtrArray *list, GStrv values)
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    g_ptr_array_add (list, g_strdup (values[i]));
}

/* What `send` and `draft` are told of the message. */
typedef struct
{
  char  *which;
  char  *subject;
  GStrv  to;
  GStrv  cc;
  GStrv  bcc;
  GStrv  attach;
  gint64 replaces; /* draft: the earlier draft it replaces */
} Composition;

static void
composition_clear (Composition *c)
{
  g_free (c->which);
  g_free (c->subject);
  g_strfreev (c->to);
  g_strfreev (c->cc);
  g_strfreev (c->bcc);
  g_strfreev (c->attach);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Composition, composition_clear)

static gboolean
parse_composition (int argc, char **argv, const char *summary, gboolean is_draft, Composition *c)
{
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &c->which, N_("The account to send from"), N_("ACCOUNT") },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &c->to, N_("A recipient (repeatable)"), N_("ADDRESS") },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &c->cc, N_("A recipient in copy (repeatable)"), N_("ADDRESS") },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &c->bcc, N_("A hidden recipient (repeatable)"), N_("ADDRESS") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &c->subject, N_("The subject"), N_("SUBJECT") },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &c->attach, N_("A file to attach (repeatable)"), N_("FILE") },
    { NULL },
    { NULL },
  };

  if (is_draft)
    entries[6] = (GOptionEntry){ "replace", 0, 0, G_OPTION_ARG_INT64, &c->replaces,
                                 N_("The earlier draft this one replaces (deleted)"), N_("ID") };
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return g_option_context_parse (context, &argc, &argv, &error) && argc == 1 && c->which != NULL
         && (is_draft || c->to != NULL || c->cc != NULL || c->bcc != NULL);
}

/* The message, its text read from standard input. */
static GBytes *
compose (CourrielAccount *account, Composition *c, gboolean is_draft, CourrielDraft **out, GError **error)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new (account->display_name, account->address);
  g_autofree char *body = read_stdin ();
  GBytes *raw;

  add_all (draft->to, c->to);
  add_all (draft->cc, c->cc);
  add_all (draft->bcc, c->bcc);
  g_free (draft->subject);
  draft->subject = g_strdup (c->subject != NULL ? c->subject : "");
  g_free (draft->text);
  draft->text = g_utf8_make_valid (body, -1);
  for (guint i = 0; c->attach != NULL && c->attach[i] != NULL; i++)
    {
      g_autofree char *contents = NULL;
      g_autofree char *name = g_path_get_basename (c->attach[i]);
      g_autoptr (GBytes) data = NULL;
      gsize length;

      if (!g_file_get_contents (c->attach[i], &contents, &length, error))
        return NULL;
      data = g_bytes_new_take (g_steal_pointer (&contents), length);
      courriel_draft_add_attachment (draft, name, NULL, data);
    }
  raw = is_draft ? courriel_draft_build_unsent (draft, error) : courriel_draft_build (draft, NULL, error);
  if (raw != NULL && out != NULL)
    *out = g_steal_pointer (&draft);
  return raw;
}

/* An IMAP account's copies (Sent, Drafts) reach the server now, or at the next sync. */
static void
send_copies (CourrielStore *store, CourrielAccount *account)
{
  g_autoptr (GArray) accounts = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_append_val (accounts, account->id);
  courriel_cli_send_changes (store, accounts);
}

/* courriel-cli send --account A --to ADDR… [--cc ADDR…] [--bcc ADDR…] --subject S [--attach FILE…] < body */
int
courriel_cli_send (int argc, char **argv)
{
  g_auto (Composition) c = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (CourrielDraft) draft = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_auto (GStrv) recipients = NULL;
  g_autofree CourrielSmtpOutboxReport *report = NULL;

  if (!parse_composition (argc, argv, _("— send a message, its text on standard input"), FALSE, &c))
    {
      g_printerr ("%s\n", _("Usage: courriel-cli send --account ACCOUNT --to ADDRESS… [--cc ADDRESS…] "
                            "[--bcc ADDRESS…] --subject SUBJECT [--attach FILE…] < TEXT"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL)
    account = courriel_cli_find_account (store, c.which, &error);
  if (account != NULL)
    raw = compose (account, &c, FALSE, &draft, &error);
  if (raw != NULL)
    {
      /* Safe in the Outbox before anything is sent. */
      g_autoptr (GAsyncResult) result = NULL;
      recipients = courriel_draft_dup_recipients (draft);
      courriel_outbox_add_async (store, account->id, account->address, (const char * const *)recipients, raw, NULL,
                                 courriel_cli_got_result, &result);
      if (courriel_store_write_finish (store, courriel_cli_wait (&result), &error))
        report = send_outbox (store, account, &error);
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (report->sent > 0 && account->protocol == COURRIEL_PROTOCOL_IMAP)
    send_copies (store, account);
  if (courriel_cli_json)
    g_print ("{\"sent\": %u, \"queued\": %u, \"failed\": %u}\n", report->sent, report->deferred, report->failed);
  if (report->failed > 0 || report->deferred > 0)
    {
      g_autoptr (GPtrArray) items = list_outbox (store, account->id, NULL);
      for (guint i = 0; items != NULL && i < items->len; i++)
        {
          CourrielOutboxItem *item = items->pdata[i];
          if (item->last_error != NULL && item->state != COURRIEL_OUTBOX_SENDING)
            g_printerr (item->state == COURRIEL_OUTBOX_FAILED
                          ? _("courriel-cli: not sent: %s\n")
                          : _("courriel-cli: queued, it will be sent later: %s\n"),
                        item->last_error);
        }
    }
  courriel_store_close (store);
  return report->failed > 0 ? 1 : 0;
}

/* courriel-cli draft --account A [--to ADDR…] [--cc…] [--bcc…] [--subject S] [--attach FILE…] [--replace ID] < body */
int
courriel_cli_draft (int argc, char **argv)
{
  g_auto (Composition) c = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (GBytes) raw = NULL;
  gint64 id = 0;

  if (!parse_composition (argc, argv, _("— save a draft, its text on standard input"), TRUE, &c))
    {
      g_printerr ("%s\n", _("Usage: courriel-cli draft --account ACCOUNT [--to ADDRESS…] [--cc ADDRESS…] "
                            "[--bcc ADDRESS…] [--subject SUBJECT] [--attach FILE…] [--replace ID] < TEXT"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL)
    account = courriel_cli_find_account (store, c.which, &error);
  if (account != NULL)
    raw = compose (account, &c, TRUE, NULL, &error);
  if (raw != NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      courriel_changes_save_draft_async (store, account->id, raw, c.replaces, NULL, courriel_cli_got_result, &result);
      id = courriel_changes_save_draft_finish (store, courriel_cli_wait (&result), &error);
    }
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (account->protocol == COURRIEL_PROTOCOL_IMAP)
    send_copies (store, account);
  if (courriel_cli_json)
    g_print ("{\"id\": %" G_GINT64_FORMAT "}\n", id);
  else
    g_print ("%" G_GINT64_FORMAT "\n", id);
  courriel_store_close (store);
  return 0;
}

/* The user settles a message of @account's Outbox: back in the queue (@retry: it was not sent;
 * it is due now and goes at the next send) or out of it, unsent (it was sent after all, or they
 * give up on it). This is how a message left SENDING — maybe sent — is resolved: Courriel never
 * decides that alone. */
static gboolean
settle (CourrielStore *store, CourrielAccount *account, gint64 id, gboolean retry, GError **error)
{
  g_autoptr (GPtrArray) items = list_outbox (store, account->id, error);
  g_autoptr (GAsyncResult) result = NULL;
  gboolean found = FALSE;

  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    found |= ((CourrielOutboxItem *)items->pdata[i])->id == id;
  if (!found)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no message %s in the Outbox of %s."), text,
                   account->address);
      return FALSE;
    }
  if (retry)
    courriel_outbox_set_state_async (store, id, COURRIEL_OUTBOX_QUEUED, 0, NULL, NULL, courriel_cli_got_result,
                                     &result);
  else
    courriel_outbox_remove_async (store, id, NULL, courriel_cli_got_result, &result);
  return courriel_store_write_finish (store, courriel_cli_wait (&result), error);
}

/* courriel-cli outbox [ACCOUNT] [--send] [--retry ID | --remove ID] */
int
courriel_cli_outbox (int argc, char **argv)
{
  static const char *states[] = { "queued", "sending", "failed", "sent" };
  g_autoptr (GOptionContext) context = g_option_context_new (_("[ACCOUNT] — the messages waiting to be sent"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielAccount) account = NULL;
  g_autoptr (GPtrArray) items = NULL;
  gboolean send = FALSE;
  gint64 retry = 0;
  gint64 remove = 0;
  GOptionEntry entries[] = {
    { "send", 0, 0, G_OPTION_ARG_NONE, &send, N_("Send what is due first"), NULL },
    { "retry", 0, 0, G_OPTION_ARG_INT64, &retry,
      N_("Put a message back in the queue (it was not sent): it goes at the next --send"), N_("ID") },
    { "remove", 0, 0, G_OPTION_ARG_INT64, &remove,
      N_("Take a message out of the Outbox unsent (it was sent after all, or you give up on it)"), N_("ID") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 2
      || ((send || retry != 0 || remove != 0) && argc != 2) || (retry != 0 && remove != 0))
    {
      g_printerr ("%s\n", _("Usage: courriel-cli outbox [ACCOUNT] [--send] [--retry ID | --remove ID]"));
      return 2;
    }
  store = courriel_cli_open_store (&error);
  if (store != NULL && argc == 2)
    account = courriel_cli_find_account (store, argv[1], &error);
  if (error == NULL && (retry != 0 || remove != 0))
    settle (store, account, retry != 0 ? retry : remove, retry != 0, &error);
  if (error == NULL && send)
    g_free (send_outbox (store, account, &error));
  if (error == NULL)
    items = list_outbox (store, account != NULL ? account->id : 0, &error);
  if (error != NULL)
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return 1;
    }
  if (courriel_cli_json)
    g_print ("[");
  for (guint i = 0; i < items->len; i++)
    {
      CourrielOutboxItem *item = items->pdata[i];
      g_autoptr (CourrielMessageText) text = courriel_message_text_new_from_bytes (item->raw, NULL);
      g_autofree char *to = g_strjoinv (", ", item->recipients);
      const char *subject = text != NULL && text->subject != NULL ? text->subject : "";

      if (courriel_cli_json)
        {
          g_autofree char *json_to = courriel_cli_json_string (to);
          g_autofree char *json_subject = courriel_cli_json_string (subject);
          g_autofree char *json_error = item->last_error != NULL ? courriel_cli_json_string (item->last_error)
                                                                 : g_strdup ("null");
          g_print ("%s{\"id\": %" G_GINT64_FORMAT ", \"state\": \"%s\", \"attempts\": %u, \"to\": %s, "
                   "\"subject\": %s, \"error\": %s}",
                   i > 0 ? ", " : "", item->id, states[item->state], item->attempts, json_to, json_subject,
                   json_error);
        }
      else
        g_print ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\n", item->id, states[item->state], to, subject,
                 item->last_error != NULL ? item->last_error : "");
    }
  if (courriel_cli_json)
    g_print ("]\n");
  courriel_store_close (store);
  return 0;
}
