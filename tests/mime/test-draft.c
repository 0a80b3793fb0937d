/* test-draft.c — composing: headers, encodings, attachments, replies and forwards, read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every built message is read back by courriel-message-text, the same code that reads received
 * mail: what the recipient will see is what is checked.
 */
#include "config.h"

#include <string.h>

#include "courriel-draft.h"
#include "courriel-message-text.h"

static CourrielMessageText *
read_back (GBytes *raw)
{
  g_autoptr (GError) error = NULL;
  CourrielMessageText *text = courriel_message_text_new_from_bytes (raw, &error);

  g_assert_no_error (error);
  return text;
}

static gboolean
contains (GBytes *raw, const char *needle)
{
  return memmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), needle, strlen (needle)) != NULL;
}

static GBytes *
build (CourrielDraft *draft)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) date = g_date_time_new_from_unix_utc (1772440200);
  GBytes *raw = courriel_draft_build (draft, date, &error);

  g_assert_no_error (error);
  /* Sent as it is written: CRLF everywhere, no bare LF. */
  for (gsize i = 0; i < g_bytes_get_size (raw); i++)
    if (((const char *)g_bytes_get_data (raw, NULL))[i] == '\n')
      g_assert_cmpint (((const char *)g_bytes_get_data (raw, NULL))[i - 1], ==, '\r');
  return raw;
}

/* French names and subject, Bcc only in the envelope, flowed text, an attachment. */
static void
test_new_message (void)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("Élodie Martin", "elodie@example.org");
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (CourrielMessageText) text = NULL;
  g_auto (GStrv) recipients = NULL;
  g_autofree char *long_line = g_strnfill (30, 'x');
  g_autofree char *body = NULL;
  const char *pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
  g_autoptr (GBytes) pdf_bytes = g_bytes_new_static (pdf, strlen (pdf));
  const char *expected[] = { "francois.dupont@example.net", "amelie@lefevre.example", "secret@example.com", NULL };
  CourrielAttachmentInfo *attachment;

  g_ptr_array_add (draft->to, g_strdup ("François Dupont <francois.dupont@example.net>"));
  g_ptr_array_add (draft->cc, g_strdup ("amelie@lefevre.example"));
  g_ptr_array_add (draft->bcc, g_strdup ("secret@example.com"));
  g_free (draft->subject);
  draft->subject = g_strdup ("Réunion de l’équipe — ordre du jour");
  body = g_strdup_printf ("Bonjour François,\n\nVoici l’ordre du jour : %s %s %s fin.\n> pas une citation\n"
                          "From the start.\n",
                          long_line, long_line, long_line);
  g_free (draft->text);
  draft->text = g_strdup (body);
  courriel_draft_add_attachment (draft, "facture-été.pdf", NULL, pdf_bytes);

  raw = build (draft);
  text = read_back (raw);
  g_assert_cmpstr (text->subject, ==, "Réunion de l’équipe — ordre du jour");
  g_assert_cmpstr (text->from, ==, "Élodie Martin <elodie@example.org>");
  g_assert_cmpstr (text->to, ==, "François Dupont <francois.dupont@example.net>");
  g_assert_cmpstr (text->cc, ==, "amelie@lefevre.example");
  g_assert_cmpint (text->date, ==, 1772440200);
  g_assert_nonnull (text->message_id);
  g_assert_true (g_str_has_suffix (text->message_id, "@example.org>"));
  /* Bcc: never in the headers, always in the envelope. */
  g_assert_false (contains (raw, "secret@example.com"));
  g_assert_false (contains (raw, "Bcc"));
  recipients = courriel_draft_dup_recipients (draft);
  g_assert_cmpstrv (recipients, expected);
  /* format=flowed: the long line was folded with soft breaks, and reads back whole. */
  g_assert_true (contains (raw, "format=flowed"));
  g_assert_nonnull (strstr (text->text, "Voici l’ordre du jour"));
  g_assert_nonnull (strstr (text->text, "fin."));
  g_assert_cmpuint (text->attachments->len, ==, 1);
  attachment = text->attachments->pdata[0];
  g_assert_cmpstr (attachment->filename, ==, "facture-été.pdf");
  g_assert_cmpstr (attachment->mime_type, ==, "application/pdf");
  g_assert_cmpuint (attachment->size, ==, strlen (pdf));

  /* Saved as a draft, the hidden recipient is kept for when it is sent; no recipient is needed. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) unsent = courriel_draft_build_unsent (draft, &error);
    g_autoptr (CourrielDraft) empty = courriel_draft_new (NULL, "elodie@example.org");
    g_autoptr (GBytes) started = courriel_draft_build_unsent (empty, &error);

    g_assert_no_error (error);
    g_assert_true (contains (unsent, "\r\nBcc: secret@example.com\r\n"));
    g_assert_nonnull (started);
  }
}

/* Line breaks typed into a subject or a name never make a header of their own. */
static void
test_header_injection (void)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("Eve\r\nBcc: victim@example.com", "eve@example.org");
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (draft->to, g_strdup ("bob@example.net\r\nBcc: other@example.com"));
  g_free (draft->subject);
  draft->subject = g_strdup ("Hello\r\nBcc: victim@example.com\nX-Injected: yes");
  raw = courriel_draft_build (draft, NULL, &error);
  if (raw == NULL)
    {
      /* Refusing the address is as good as neutralising it. */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_ptr_array_set_size (draft->to, 0);
      g_ptr_array_add (draft->to, g_strdup ("bob@example.net"));
      raw = build (draft);
    }
  g_assert_false (contains (raw, "\r\nBcc:"));
  g_assert_false (contains (raw, "\nBcc:"));
  g_assert_false (contains (raw, "\r\nX-Injected:"));
}

static void
test_no_recipient (void)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("A", "a@example.org");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = courriel_draft_build (draft, NULL, &error);

  g_assert_null (raw);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static const char *original =
  "From: Élodie Martin <elodie@example.org>\r\n"
  "Reply-To: Projets <projets@example.org>\r\n"
  "To: bob@example.net, Moi <me@example.test>\r\n"
  "Cc: Tom <tom@example.net>\r\n"
  "Subject: =?utf-8?q?R=C3=A9union?=\r\n"
  "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\n"
  "Message-ID: <m2@example.org>\r\n"
  "References: <m1@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n\r\n"
  "Bonjour,\r\non se voit lundi ?\r\n";

/* A reply goes to Reply-To, keeps the thread, quotes; reply all leaves the user out. */
static void
test_reply (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (original, strlen (original));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) reply = courriel_draft_new_reply (bytes, "Moi", "me@example.test", FALSE, &error);
  g_autoptr (CourrielDraft) all = courriel_draft_new_reply (bytes, "Moi", "me@example.test", TRUE, &error);
  g_autoptr (CourrielDraft) again = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (CourrielMessageText) text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (reply->to->len, ==, 1);
  g_assert_cmpstr (reply->to->pdata[0], ==, "Projets <projets@example.org>");
  g_assert_cmpuint (reply->cc->len, ==, 0);
  g_assert_cmpstr (reply->subject, ==, "Re: Réunion");
  g_assert_cmpstr (reply->in_reply_to, ==, "<m2@example.org>");
  g_assert_cmpstr (reply->references, ==, "<m1@example.org> <m2@example.org>");
  g_assert_nonnull (strstr (reply->text, "> on se voit lundi ?"));
  g_assert_nonnull (strstr (reply->text, "Élodie Martin <elodie@example.org>"));

  /* Reply all: the others in Cc, not the user, nobody twice. */
  g_assert_cmpuint (all->cc->len, ==, 2);
  g_assert_cmpstr (all->cc->pdata[0], ==, "bob@example.net");
  g_assert_cmpstr (all->cc->pdata[1], ==, "Tom <tom@example.net>");

  /* Sent and read back: threaded. */
  raw = build (reply);
  text = read_back (raw);
  g_assert_cmpstr (text->in_reply_to, ==, "<m2@example.org>");
  g_assert_nonnull (strstr (text->references, "<m1@example.org>"));

  /* A reply to a reply stays "Re:" once. */
  again = courriel_draft_new_reply (raw, "Élodie", "elodie@example.org", FALSE, &error);
  g_assert_cmpstr (again->subject, ==, "Re: Réunion");
}

static void
test_forward (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (original, strlen (original));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) inline_forward = courriel_draft_new_forward (bytes, "Moi", "me@example.test", FALSE,
                                                                         &error);
  g_autoptr (CourrielDraft) attached = courriel_draft_new_forward (bytes, "Moi", "me@example.test", TRUE, &error);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (CourrielMessageText) text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (inline_forward->subject, ==, "Fwd: Réunion");
  g_assert_nonnull (strstr (inline_forward->text, "on se voit lundi ?"));
  g_assert_nonnull (strstr (inline_forward->text, "Élodie Martin"));

  g_ptr_array_add (attached->to, g_strdup ("chloe@example.org"));
  raw = build (attached);
  g_assert_true (contains (raw, "message/rfc822"));
  text = read_back (raw);
  /* The forwarded message's text is readable inline by the recipient. */
  g_assert_nonnull (strstr (text->text, "on se voit lundi ?"));
}

/* A message taken back from the Outbox to be edited: everything the composer had, the Bcc
 * recipients found again from the envelope (they are in no header), the attachment to the byte. */
static void
test_from_message (void)
{
  g_autoptr (CourrielDraft) draft = courriel_draft_new ("Élodie Martin", "elodie@example.org");
  g_autoptr (CourrielDraft) back = NULL;
  g_autoptr (GBytes) data = g_bytes_new_static ("\x00\x01\x02\xff binary", 11);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) envelope = NULL;
  CourrielDraftAttachment *attachment;

  g_ptr_array_add (draft->to, g_strdup ("Bruno <bruno@example.com>"));
  g_ptr_array_add (draft->cc, g_strdup ("chloe@example.net"));
  g_ptr_array_add (draft->bcc, g_strdup ("archive@example.org"));
  g_free (draft->subject);
  draft->subject = g_strdup ("Réunion de jeudi");
  g_free (draft->text);
  draft->text = g_strdup ("Bonjour,\nla réunion est déplacée à 15 h.\nÉlodie");
  draft->in_reply_to = g_strdup ("<a1@example.com>");
  draft->references = g_strdup ("<a0@example.com> <a1@example.com>");
  courriel_draft_add_attachment (draft, "ordre du jour.bin", "application/octet-stream", data);
  raw = build (draft);
  envelope = courriel_draft_dup_recipients (draft);

  back = courriel_draft_new_from_message (raw, (const char * const *)envelope, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->from_name, ==, "Élodie Martin");
  g_assert_cmpstr (back->from_address, ==, "elodie@example.org");
  g_assert_cmpuint (back->to->len, ==, 1);
  g_assert_cmpstr (back->to->pdata[0], ==, "Bruno <bruno@example.com>");
  g_assert_cmpuint (back->cc->len, ==, 1);
  g_assert_cmpstr (back->cc->pdata[0], ==, "chloe@example.net");
  g_assert_cmpuint (back->bcc->len, ==, 1);
  g_assert_cmpstr (back->bcc->pdata[0], ==, "archive@example.org");
  g_assert_cmpstr (back->subject, ==, "Réunion de jeudi");
  g_assert_cmpstr (g_strstrip (back->text), ==, "Bonjour,\nla réunion est déplacée à 15 h.\nÉlodie");
  g_assert_cmpstr (back->in_reply_to, ==, "<a1@example.com>");
  g_assert_cmpstr (back->references, ==, "<a0@example.com> <a1@example.com>");
  g_assert_cmpuint (back->attachments->len, ==, 1);
  attachment = back->attachments->pdata[0];
  g_assert_cmpstr (attachment->filename, ==, "ordre du jour.bin");
  g_assert_cmpstr (attachment->mime_type, ==, "application/octet-stream");
  g_assert_true (g_bytes_equal (attachment->data, data));

  /* Not a message at all: an error, no draft. */
  g_clear_pointer (&back, courriel_draft_free);
  g_clear_pointer (&raw, g_bytes_unref);
  raw = g_bytes_new_static ("", 0);
  back = courriel_draft_new_from_message (raw, NULL, &error);
  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* A forward with its original attached whole, taken back from the Outbox: the original is the
 * draft's forwarded message again, sent again attached, and its text stays out of the draft's
 * own (before, Edit lost the attachment and pasted the original's text into the body). */
static void
test_from_forward (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (original, strlen (original));
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielDraft) forward = courriel_draft_new_forward (bytes, "Moi", "me@example.test", TRUE, &error);
  g_autoptr (CourrielDraft) back = NULL;
  g_autoptr (CourrielMessageText) forwarded = NULL;
  g_autoptr (CourrielMessageText) resent = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) again = NULL;

  g_assert_no_error (error);
  g_ptr_array_add (forward->to, g_strdup ("chloe@example.org"));
  g_free (forward->text);
  forward->text = g_strdup ("Voici le message d’Élodie.");
  raw = build (forward);

  back = courriel_draft_new_from_message (raw, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_strstrip (back->text), ==, "Voici le message d’Élodie.");
  g_assert_cmpuint (back->attachments->len, ==, 0);
  g_assert_nonnull (back->forwarded);
  forwarded = read_back (back->forwarded);
  g_assert_cmpstr (forwarded->subject, ==, "Réunion");
  g_assert_nonnull (strstr (forwarded->text, "on se voit lundi ?"));

  again = build (back);
  g_assert_true (contains (again, "message/rfc822"));
  resent = read_back (again);
  g_assert_nonnull (strstr (resent->text, "Voici le message d’Élodie."));
  /* The original's text once, from the attachment, not a second time in the body. */
  g_assert_nonnull (strstr (resent->text, "on se voit lundi ?"));
  g_assert_null (strstr (strstr (resent->text, "on se voit lundi ?") + 1, "on se voit lundi ?"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/draft/new-message", test_new_message);
  g_test_add_func ("/draft/header-injection", test_header_injection);
  g_test_add_func ("/draft/no-recipient", test_no_recipient);
  g_test_add_func ("/draft/reply", test_reply);
  g_test_add_func ("/draft/forward", test_forward);
  g_test_add_func ("/draft/from-message", test_from_message);
  g_test_add_func ("/draft/from-forward", test_from_forward);
  return g_test_run ();
}
