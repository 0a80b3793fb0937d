/* test-message-text.c — what the store keeps of a downloaded message: its readable text in any
 * charset, a preview without quotes, and its attachments with their IMAP part numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "courriel-message-text.h"

static void
assert_valid (CourrielMessageText *message)
{
  g_assert_nonnull (message);
  g_assert_true (g_utf8_validate (message->text, -1, NULL));
  g_assert_true (g_utf8_validate (message->preview, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (message->preview, -1), <=, 200);
  for (guint i = 0; i < message->attachments->len; i++)
    {
      CourrielAttachmentInfo *info = g_ptr_array_index (message->attachments, i);

      g_assert_nonnull (info->section);
      g_assert_true (g_utf8_validate (info->mime_type, -1, NULL));
      g_assert_true (info->filename == NULL || g_utf8_validate (info->filename, -1, NULL));
      g_assert_true (info->content_id == NULL || g_utf8_validate (info->content_id, -1, NULL));
      g_assert_true (g_str_equal (info->disposition, "inline") || g_str_equal (info->disposition, "attachment"));
    }
}

static CourrielMessageText *
parse_bytes (const char *raw, gsize length)
{
  g_autoptr (GBytes) bytes = g_bytes_new (raw, length);
  g_autoptr (GError) error = NULL;
  CourrielMessageText *message = courriel_message_text_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  assert_valid (message);
  return message;
}

/* Parses the message as written and as an IMAP server sends it (CRLF): both read the same. */
static CourrielMessageText *
parse (const char *raw)
{
  g_autoptr (GString) crlf = g_string_new (raw);
  g_autoptr (CourrielMessageText) unix_message = parse_bytes (raw, strlen (raw));
  CourrielMessageText *message;

  g_string_replace (crlf, "\n", "\r\n", 0);
  message = parse_bytes (crlf->str, crlf->len);
  g_assert_cmpstr (message->text, ==, unix_message->text);
  g_assert_cmpstr (message->preview, ==, unix_message->preview);
  g_assert_cmpuint (message->attachments->len, ==, unix_message->attachments->len);
  return message;
}

static CourrielAttachmentInfo *
attachment (CourrielMessageText *message, guint index)
{
  g_assert_cmpuint (index, <, message->attachments->len);
  return g_ptr_array_index (message->attachments, index);
}

static void
test_plain_utf8 (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "From: Élodie <elodie@example.org>\n"
    "Subject: Réunion\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Bonjour,\n"
    "la réunion est déplacée à jeudi.\n");

  g_assert_cmpstr (message->text, ==, "Bonjour,\nla réunion est déplacée à jeudi.");
  g_assert_cmpstr (message->preview, ==, "Bonjour, la réunion est déplacée à jeudi.");
  g_assert_cmpuint (message->attachments->len, ==, 0);
}

static void
test_quoted_printable_latin1 (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: =?iso-8859-1?q?R=E9union?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"ISO-8859-1\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "R=E9union =E0 l'=E9cole, c=F4t=E9 cour, avec un tr=E8s long texte qui =\n"
    "continue.\n"
    "C=92est =AB not=E9 =BB.\n");

  g_assert_cmpstr (message->text, ==,
                   "Réunion à l'école, côté cour, avec un très long texte qui continue.\nC’est « noté ».");
  g_assert_cmpuint (message->attachments->len, ==, 0);
}

static void
test_alternative_prefers_text (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Ordre du jour\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\n"
    "\n"
    "--alt\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Ordre du jour : budget.\n"
    "--alt\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Ordre du jour : <b>budget</b> (version HTML).</p>\n"
    "--alt--\n");

  g_assert_cmpstr (message->text, ==, "Ordre du jour : budget.");
  g_assert_cmpuint (message->attachments->len, ==, 0);
}

static void
test_html_newsletter (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Lettre d'information\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\n"
    "\n"
    "--alt\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<!DOCTYPE html>\n"
    "<html><head><title>Titre cach&eacute;</title>\n"
    "<style type=\"text/css\">p { color: red; }</style></head>\n"
    "<body><!-- pixel de suivi --><script>alert('piste');</script>\n"
    "<h1>Nouveaut&eacute;s   de\n d&#233;cembre</h1>\n"
    "<p class='intro' title=\"a > b\">Caf&eacute; &amp; th&#xE9;&nbsp;offerts<br>\n"
    "&lt;gratuit&gt;</p><table><tr><td>Lundi</td><td>Mardi</td></tr></table>\n"
    "<div><a href=\"https://example.org/?a=1&amp;b=2\">Se d&eacute;sinscrire</a></div>\n"
    "</body></html>\n"
    "--alt--\n");

  g_assert_cmpstr (message->text, ==,
                   "Nouveautés de décembre\n\n"
                   "Café & thé offerts\n"
                   "<gratuit>\n\n"
                   "Lundi Mardi\n\n"
                   "Se désinscrire");
  g_assert_null (strstr (message->text, "piste"));
  g_assert_null (strstr (message->text, "color"));
  g_assert_null (strstr (message->text, "caché"));
  g_assert_cmpstr (message->preview, ==,
                   "Nouveautés de décembre Café & thé offerts <gratuit> Lundi Mardi Se désinscrire");
}

static void
test_mixed_with_attachments (void)
{
  const char *pdf = "%PDF-1.4\nmotsecretdupdf\n%%EOF\n";
  g_autofree char *pdf64 = g_base64_encode ((const guchar *)pdf, strlen (pdf));
  g_autofree char *raw = g_strdup_printf (
    "Subject: Facture\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"mixed\"\n"
    "\n"
    "This is a multi-part message in MIME format.\n"
    "--mixed\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Voici la facture.\n"
    "--mixed\n"
    "Content-Type: application/pdf; name=\"facture.pdf\"\n"
    "Content-Disposition: attachment;\n"
    " filename*=utf-8''facture-%%C3%%A9t%%C3%%A9.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "%s\n"
    "--mixed\n"
    "Content-Type: image/png\n"
    "Content-Disposition: inline\n"
    "Content-ID: <logo@courriel.example>\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--mixed--\n",
    pdf64);
  g_autoptr (CourrielMessageText) message = parse (raw);
  CourrielAttachmentInfo *info;

  g_assert_cmpstr (message->text, ==, "Voici la facture.");
  g_assert_cmpuint (message->attachments->len, ==, 2);

  info = attachment (message, 0);
  g_assert_cmpstr (info->section, ==, "2");
  g_assert_cmpstr (info->filename, ==, "facture-été.pdf");
  g_assert_cmpstr (info->mime_type, ==, "application/pdf");
  g_assert_cmpstr (info->disposition, ==, "attachment");
  g_assert_null (info->content_id);
  g_assert_cmpuint (info->size, ==, strlen (pdf));

  info = attachment (message, 1);
  g_assert_cmpstr (info->section, ==, "3");
  g_assert_null (info->filename);
  g_assert_cmpstr (info->mime_type, ==, "image/png");
  g_assert_cmpstr (info->disposition, ==, "inline");
  g_assert_cmpstr (info->content_id, ==, "logo@courriel.example");
  g_assert_cmpuint (info->size, ==, 8);
}

static void
test_nested_sections (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Photos\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Les photos du week-end.\n"
    "--inner\n"
    "Content-Type: multipart/related; boundary=\"related\"\n"
    "\n"
    "--related\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Les photos du <i>week-end</i> <img src=\"cid:plage\"></p>\n"
    "--related\n"
    "Content-Type: image/jpeg\n"
    "Content-ID: <plage>\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "/9j/4AAQ\n"
    "--related--\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\n"
    "Content-Disposition: attachment; filename=\"notes.txt\"\n"
    "\n"
    "Des notes qui ne sont pas le texte du message.\n"
    "--outer--\n");
  CourrielAttachmentInfo *info;

  g_assert_cmpstr (message->text, ==, "Les photos du week-end.");
  g_assert_cmpuint (message->attachments->len, ==, 2);
  info = attachment (message, 0);
  g_assert_cmpstr (info->section, ==, "1.2.2");
  g_assert_cmpstr (info->mime_type, ==, "image/jpeg");
  g_assert_cmpstr (info->content_id, ==, "plage");
  g_assert_cmpstr (info->disposition, ==, "inline");
  g_assert_cmpuint (info->size, ==, 6);
  info = attachment (message, 1);
  g_assert_cmpstr (info->section, ==, "2");
  g_assert_cmpstr (info->filename, ==, "notes.txt");
  g_assert_cmpstr (info->mime_type, ==, "text/plain");
}

static void
test_nested_mixed (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Compte rendu\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"a\"\n"
    "\n"
    "--a\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Le compte rendu est joint.\n"
    "--b\n"
    "Content-Type: application/vnd.oasis.opendocument.text; name=\"=?utf-8?q?compte_rendu_=C3=A9t=C3=A9.odt?=\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UEsDBA==\n"
    "--b--\n"
    "--a--\n");
  CourrielAttachmentInfo *info;

  g_assert_cmpstr (message->text, ==, "Le compte rendu est joint.");
  info = attachment (message, 0);
  g_assert_cmpstr (info->section, ==, "1.2");
  g_assert_cmpstr (info->filename, ==, "compte rendu été.odt");
  g_assert_cmpstr (info->disposition, ==, "attachment");
  g_assert_cmpuint (info->size, ==, 4);
}

static void
test_single_part_attachment (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Scan\n"
    "MIME-Version: 1.0\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=scan.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0=\n");

  g_assert_cmpstr (message->text, ==, "");
  g_assert_cmpstr (message->preview, ==, "");
  g_assert_cmpuint (message->attachments->len, ==, 1);
  g_assert_cmpstr (attachment (message, 0)->section, ==, "1");
  g_assert_cmpstr (attachment (message, 0)->filename, ==, "scan.pdf");
  g_assert_cmpuint (attachment (message, 0)->size, ==, 5);
}

static void
test_forwarded_message (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Subject: Tr: Devis\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"fwd\"\n"
    "\n"
    "--fwd\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Je te transfère le message de Paul.\n"
    "--fwd\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: inline\n"
    "\n"
    "From: Paul <paul@example.org>\n"
    "Subject: Devis\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"devis\"\n"
    "\n"
    "--devis\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Le devis est pr=EAt.\n"
    "--devis\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=\"devis.pdf\"\n"
    "\n"
    "%PDF\n"
    "--devis--\n"
    "--fwd\n"
    "Content-Type: message/rfc822; name=\"ancien.eml\"\n"
    "Content-Disposition: attachment; filename=\"ancien.eml\"\n"
    "\n"
    "Subject: Ancien\n"
    "\n"
    "Texte d'une pièce jointe.\n"
    "--fwd--\n");

  g_assert_cmpstr (message->text, ==, "Je te transfère le message de Paul.\n\nLe devis est prêt.");
  g_assert_cmpuint (message->attachments->len, ==, 2);
  g_assert_cmpstr (attachment (message, 0)->section, ==, "2.2");
  g_assert_cmpstr (attachment (message, 0)->filename, ==, "devis.pdf");
  g_assert_cmpstr (attachment (message, 1)->section, ==, "3");
  g_assert_cmpstr (attachment (message, 1)->mime_type, ==, "message/rfc822");
  g_assert_cmpstr (attachment (message, 1)->filename, ==, "ancien.eml");
  g_assert_cmpuint (attachment (message, 1)->size, >, 0);
}

static void
test_preview_skips_quotes (void)
{
  g_autoptr (CourrielMessageText) english = parse (
    "Subject: Re: Devis\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "On Mon, 3 May 2021 at 10:00, Paul <paul@example.org> wrote:\n"
    "> Le devis est prêt.\n"
    ">\n"
    "> Paul\n"
    "\n"
    "Merci   Paul,\n"
    "\n"
    "c'est noté.\n"
    "-- \n"
    "Élodie, 06 12 34 56 78\n");
  g_autoptr (CourrielMessageText) french = parse (
    "Subject: Re: Devis\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Parfait, je valide.\n"
    "\n"
    "Le lun. 3 mai 2021 à 10:00, Paul Martin <paul.martin@example.org>\n"
    "a écrit :\n"
    "> Le devis est prêt.\n");
  g_autoptr (CourrielMessageText) only_quote = parse (
    "Subject: Fwd\n"
    "\n"
    "> Tout est cité.\n");

  g_assert_cmpstr (english->preview, ==, "Merci Paul, c'est noté.");
  g_assert_nonnull (strstr (english->text, "Le devis est prêt."));
  g_assert_cmpstr (french->preview, ==, "Parfait, je valide.");
  g_assert_cmpstr (only_quote->preview, ==, "> Tout est cité.");
}

static void
test_preview_is_cut (void)
{
  g_autoptr (GString) raw = g_string_new ("Subject: Long\nContent-Type: text/plain; charset=utf-8\n\n");
  g_autoptr (CourrielMessageText) message = NULL;
  g_autoptr (CourrielMessageText) unbroken = NULL;
  glong length;

  for (guint i = 0; i < 60; i++)
    g_string_append (raw, "Été\n  à ");
  message = parse (raw->str);
  length = g_utf8_strlen (message->preview, -1);
  g_assert_cmpint (length, <=, 200);
  g_assert_cmpint (length, >=, 180);
  g_assert_true (g_str_has_prefix (message->preview, "Été à Été à "));
  g_assert_true (g_str_has_suffix (message->preview, "…"));
  g_assert_false (g_str_has_suffix (message->preview, " …"));

  /* No space to cut at: cut between two characters, never inside one. */
  g_string_assign (raw, "Subject: Long\nContent-Type: text/plain; charset=utf-8\n\n");
  for (guint i = 0; i < 300; i++)
    g_string_append (raw, "é");
  unbroken = parse (raw->str);
  g_assert_cmpint (g_utf8_strlen (unbroken->preview, -1), ==, 200);
  g_assert_true (g_str_has_prefix (unbroken->preview, "éééé"));
  g_assert_true (g_str_has_suffix (unbroken->preview, "é…"));
}

static void
test_broken_charsets (void)
{
  g_autoptr (CourrielMessageText) unknown = parse (
    "Subject: x\n"
    "Content-Type: text/plain; charset=x-no-such-charset\n"
    "\n"
    "caf\xe9 cr\xe8me\n");
  g_autoptr (CourrielMessageText) ascii = parse (
    "Subject: x\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "D\xe9j\xe0 \x93vu\x94\n");
  g_autoptr (CourrielMessageText) undeclared_utf8 = parse (
    "Subject: x\n"
    "\n"
    "d\xc3\xa9j\xc3\xa0 vu\n");
  g_autoptr (CourrielMessageText) nul = parse_bytes ("Subject: x\n\na\0b\x01" "c\n", 18);

  g_assert_cmpstr (unknown->text, ==, "café crème");
  g_assert_cmpstr (ascii->text, ==, "Déjà “vu”");
  g_assert_cmpstr (undeclared_utf8->text, ==, "déjà vu");
  g_assert_cmpstr (nul->text, ==, "a b c");
}

static void
test_garbage (void)
{
  const char *truncated = "Subject: x\n"
                          "Content-Type: multipart/mixed; boundary=\"cut\"\n"
                          "\n"
                          "--cut\n"
                          "Content-Type: text/plain; charset=utf-8\n"
                          "\n"
                          "Le début est lisible.\n"
                          "--cut\n"
                          "Content-Type: application/pdf; name=\"coupé.pdf\"\n"
                          "Content-Transfer-Encoding: base64\n"
                          "\n"
                          "JVBER";
  g_autoptr (CourrielMessageText) message = parse (truncated);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240501);
  g_autoptr (GString) nested = g_string_new ("Subject: deep\n");

  g_autoptr (CourrielMessageText) empty_parts = parse (
    "Subject: x\n"
    "Content-Type: multipart/mixed; boundary=\"e\"\n"
    "\n"
    "--e\n"
    "Content-Type: text/html\n"
    "\n"
    "--e\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=\"vide.pdf\"\n"
    "\n"
    "--e--\n");

  g_assert_cmpstr (message->text, ==, "Le début est lisible.");
  g_assert_cmpuint (message->attachments->len, ==, 1);
  g_autoptr (CourrielMessageText) headers_only = parse ("Subject: x\nContent-Type: text/plain; charset=iso-8859-15");

  g_assert_cmpstr (empty_parts->text, ==, "");
  g_assert_cmpuint (attachment (empty_parts, 0)->size, ==, 0);
  g_assert_cmpstr (headers_only->text, ==, "");

  /* Random bytes, and the truncated message at every length, mutated. */
  for (guint i = 0; i < 300; i++)
    {
      gsize length = g_rand_int_range (rand, 1, 3000);
      g_autofree char *bytes = g_malloc (length);
      g_autoptr (CourrielMessageText) random = NULL;
      g_autofree char *mutated = g_strdup (truncated);
      g_autoptr (CourrielMessageText) broken = NULL;

      for (gsize j = 0; j < length; j++)
        bytes[j] = (char)g_rand_int_range (rand, 0, 256);
      bytes[0] = 'x';
      random = parse_bytes (bytes, length);
      for (guint j = 0; j < 4; j++)
        mutated[g_rand_int_range (rand, 0, strlen (truncated))] = (char)g_rand_int_range (rand, 1, 256);
      broken = parse_bytes (mutated, g_rand_int_range (rand, 1, strlen (truncated)));
    }

  /* Multiparts nested deeper than anyone would write. */
  for (guint i = 0; i < 500; i++)
    g_string_append_printf (nested, "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i, i);
  g_string_append (nested, "Content-Type: text/plain\n\nau fond\n");
  g_clear_pointer (&message, courriel_message_text_free);
  message = parse_bytes (nested->str, nested->len);
}

static void
test_empty (void)
{
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) blank = g_bytes_new_static ("\r\n \r\n", 5);
  g_autoptr (GError) error = NULL;

  g_assert_null (courriel_message_text_new_from_bytes (empty, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (error->message);
  g_clear_error (&error);
  g_assert_null (courriel_message_text_new_from_bytes (blank, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* The headers, decoded for display as the store keeps them (the same form as IMAP's ENVELOPE). */
static void
test_headers (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "From: =?utf-8?q?=C3=89lodie_Martin?= <elodie@example.org>\n"
    "To: bob@example.net, \"Tom Becker\" <tom@example.net>\n"
    "Cc: Amis: chloe@example.org, noel@example.org;\n"
    "Subject: =?iso-8859-1?q?R=E9union?= de lundi\n"
    "Date: Mon, 02 Mar 2026 09:30:00 +0100\n"
    "Message-ID: <m1@example.org>\n"
    "In-Reply-To: <m0@example.org>\n"
    "References: <a@example.org>\n <m0@example.org>\n"
    "Authentication-Results: mx.example.net; dkim=pass\n\nBonjour.\n");
  g_autoptr (CourrielMessageText) bare = parse ("Subject: sans rien\n\ntexte\n");

  g_assert_cmpstr (message->subject, ==, "Réunion de lundi");
  g_assert_cmpstr (message->from, ==, "Élodie Martin <elodie@example.org>");
  g_assert_cmpstr (message->to, ==, "bob@example.net, Tom Becker <tom@example.net>");
  g_assert_cmpstr (message->cc, ==, "chloe@example.org, noel@example.org");
  g_assert_cmpint (message->date, ==, 1772440200);
  g_assert_cmpstr (message->message_id, ==, "<m1@example.org>");
  g_assert_cmpstr (message->in_reply_to, ==, "<m0@example.org>");
  g_assert_nonnull (strstr (message->references, "<a@example.org>"));
  g_assert_nonnull (strstr (message->references, "<m0@example.org>"));
  g_assert_cmpstr (message->auth_results, ==, "mx.example.net; dkim=pass");
  g_assert_null (bare->from);
  g_assert_null (bare->auth_results);
  g_assert_cmpint (bare->date, ==, 0);
  g_assert_null (bare->message_id);
}

/* The size shown next to an attachment is its decoded size, whatever its length (padding) and
 * however its lines are cut, for base64 counted without decoding it. */
static void
test_base64_attachment_sizes (void)
{
  for (gsize length = 0; length < 200; length += (length < 12 ? 1 : 37))
    {
      g_autofree guchar *data = g_malloc (length + 1);
      g_autofree char *encoded = NULL;
      g_autoptr (GString) wrapped = g_string_new (NULL);
      g_autofree char *raw = NULL;
      g_autoptr (CourrielMessageText) message = NULL;

      for (gsize i = 0; i < length; i++)
        data[i] = (guchar)(i * 151 + 7);
      encoded = g_base64_encode (data, length);
      for (gsize i = 0; encoded[i] != '\0'; i++)
        {
          g_string_append_c (wrapped, encoded[i]);
          if (i % 19 == 18)
            g_string_append (wrapped, " \n"); /* short lines, a space before some ends */
        }
      raw = g_strdup_printf ("From: a@example.test\n"
                             "Subject: sizes\n"
                             "MIME-Version: 1.0\n"
                             "Content-Type: multipart/mixed; boundary=b\n"
                             "\n"
                             "--b\n"
                             "Content-Type: text/plain\n"
                             "\n"
                             "Voir la pièce jointe.\n"
                             "--b\n"
                             "Content-Type: application/octet-stream; name=data.bin\n"
                             "Content-Disposition: attachment; filename=data.bin\n"
                             "Content-Transfer-Encoding: base64\n"
                             "\n"
                             "%s\n"
                             "--b--\n",
                             wrapped->str);
      message = parse (raw);
      g_assert_cmpuint (message->attachments->len, ==, 1);
      g_assert_cmpuint (attachment (message, 0)->size, ==, length);
    }
}

/* Every Authentication-Results header is kept, topmost first, one a line, unfolded: the reader
 * trusts only its provider's, which need not be the first. */
static void
test_all_auth_results (void)
{
  g_autoptr (CourrielMessageText) message = parse (
    "Authentication-Results: mx1.example.fr;\n"
    "\tspf=pass smtp.mailfrom=a@shop.example\n"
    "Received: from relay\n"
    "Authentication-Results: relay.example.net; dkim=fail\n"
    "From: a@shop.example\n\ntexte\n");

  g_assert_cmpstr (message->auth_results, ==,
                   "mx1.example.fr; spf=pass smtp.mailfrom=a@shop.example\nrelay.example.net; dkim=fail");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-text/plain-utf8", test_plain_utf8);
  g_test_add_func ("/message-text/base64-attachment-sizes", test_base64_attachment_sizes);
  g_test_add_func ("/message-text/headers", test_headers);
  g_test_add_func ("/message-text/quoted-printable-latin1", test_quoted_printable_latin1);
  g_test_add_func ("/message-text/alternative-prefers-text", test_alternative_prefers_text);
  g_test_add_func ("/message-text/html-newsletter", test_html_newsletter);
  g_test_add_func ("/message-text/mixed-with-attachments", test_mixed_with_attachments);
  g_test_add_func ("/message-text/nested-sections", test_nested_sections);
  g_test_add_func ("/message-text/nested-mixed", test_nested_mixed);
  g_test_add_func ("/message-text/single-part-attachment", test_single_part_attachment);
  g_test_add_func ("/message-text/forwarded-message", test_forwarded_message);
  g_test_add_func ("/message-text/preview-skips-quotes", test_preview_skips_quotes);
  g_test_add_func ("/message-text/preview-is-cut", test_preview_is_cut);
  g_test_add_func ("/message-text/broken-charsets", test_broken_charsets);
  g_test_add_func ("/message-text/garbage", test_garbage);
  g_test_add_func ("/message-text/empty", test_empty);
  g_test_add_func ("/message-text/all-auth-results", test_all_auth_results);

  return g_test_run ();
}
