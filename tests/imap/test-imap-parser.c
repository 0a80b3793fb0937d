/* test-imap-parser.c — the IMAP response parser on real servers' transcripts, fed in every way
 * bytes can arrive, and on malformed input that must fail cleanly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-imap-error.h"
#include "courriel-imap-fetch.h"
#include "courriel-imap-mailbox.h"
#include "courriel-imap-body-structure.h"
#include "courriel-imap-parser.h"
#include "courriel-imap-search.h"
#include "courriel-imap-uid-set.h"
#include "courriel-imap-utf7.h"

/* Feeds @text in chunks of @chunk bytes (0: all at once) and returns every response. */
static GPtrArray *
parse_in_chunks (const char *text, gsize length, gsize chunk, GError **error)
{
  g_autoptr (CourrielImapParser) parser = courriel_imap_parser_new ();
  GPtrArray *responses = g_ptr_array_new_with_free_func ((GDestroyNotify)courriel_imap_response_unref);
  CourrielImapResponse *response;

  if (chunk == 0)
    chunk = length;
  for (gsize offset = 0; offset < length; offset += chunk)
    {
      if (!courriel_imap_parser_feed (parser, (const guint8 *)text + offset, MIN (chunk, length - offset), error))
        {
          g_ptr_array_unref (responses);
          return NULL;
        }
      while ((response = courriel_imap_parser_pop (parser)) != NULL)
        g_ptr_array_add (responses, response);
    }
  return responses;
}

static GPtrArray *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *responses = parse_in_chunks (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  return responses;
}

/* A compact rendering of a value, to compare parses. */
static void
render_value (GString *out, CourrielImapValue *value)
{
  switch (courriel_imap_value_get_kind (value))
    {
    case COURRIEL_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;
    case COURRIEL_IMAP_VALUE_ATOM:
    case COURRIEL_IMAP_VALUE_NUMBER:
      g_string_append (out, courriel_imap_value_get_atom (value));
      break;
    case COURRIEL_IMAP_VALUE_STRING:
      {
        GBytes *bytes = courriel_imap_value_get_bytes (value);
        g_string_append_printf (out, "\"%.*s\"", (int)g_bytes_get_size (bytes), (const char *)g_bytes_get_data (bytes, NULL));
      }
      break;
    case COURRIEL_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      for (guint i = 0; i < courriel_imap_value_get_length (value); i++)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          render_value (out, courriel_imap_value_get_item (value, i));
        }
      g_string_append_c (out, ')');
      break;
    case COURRIEL_IMAP_VALUE_STREAMED:
      g_string_append_printf (out, "<streamed %" G_GUINT64_FORMAT ">", courriel_imap_value_get_streamed_size (value));
      break;
    }
}

static char *
render (GPtrArray *responses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < responses->len; i++)
    {
      CourrielImapResponse *r = responses->pdata[i];
      guint32 number;

      g_string_append_printf (out, "%d|%s|%d|%s|", courriel_imap_response_get_kind (r),
                              courriel_imap_response_get_tag (r) ? courriel_imap_response_get_tag (r) : "",
                              courriel_imap_response_get_status (r),
                              courriel_imap_response_get_code_name (r) ? courriel_imap_response_get_code_name (r) : "");
      if (courriel_imap_response_get_code_value (r) != NULL)
        render_value (out, courriel_imap_response_get_code_value (r));
      g_string_append_printf (out, "|%s|", courriel_imap_response_get_text (r));
      if (courriel_imap_response_get_number (r, &number))
        g_string_append_printf (out, "%u ", number);
      g_string_append (out, courriel_imap_response_get_name (r) ? courriel_imap_response_get_name (r) : "");
      if (courriel_imap_response_get_data (r) != NULL)
        render_value (out, courriel_imap_response_get_data (r));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* Every way of cutting the bytes gives the same responses. */
static void
check_all_splits (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) whole = parse_in_chunks (text, strlen (text), 0, &error);
  g_autofree char *expected = NULL;
  gsize sizes[] = { 1, 2, 3, 7, 13, 64 };

  g_assert_no_error (error);
  expected = render (whole);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GPtrArray) split = parse_in_chunks (text, strlen (text), sizes[i], &error);
      g_autofree char *got = NULL;

      g_assert_no_error (error);
      got = render (split);
      g_assert_cmpstr (got, ==, expected);
    }
}

static const char dovecot_session[] =
  "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] "
  "Dovecot (Debian) ready.\r\n"
  "a1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
  "MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE "
  "QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY "
  "PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in\r\n"
  "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
  "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
  "* LIST (\\HasChildren \\Noselect) \"/\" \"R&AOk-unions\"\r\n"
  "* LIST (\\HasNoChildren) \"/\" \"R&AOk-unions/&AMk-t&AOk- 2026 &- co\"\r\n"
  "* STATUS INBOX (MESSAGES 3 UNSEEN 1 UIDNEXT 4 UIDVALIDITY 1700000000)\r\n"
  "a2 OK List completed (0.001 + 0.000 secs).\r\n"
  "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
  "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
  "* 3 EXISTS\r\n"
  "* 0 RECENT\r\n"
  "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
  "* OK [UIDNEXT 4] Predicted next UID\r\n"
  "* OK [HIGHESTMODSEQ 12] Highest\r\n"
  "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
  "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (11))\r\n"
  "a3 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
  "* 1 FETCH (UID 1 RFC822.SIZE 312 FLAGS (\\Seen $Forwarded) INTERNALDATE \"02-Mar-2026 09:30:00 +0100\" "
  "ENVELOPE (\"Mon, 02 Mar 2026 09:30:00 +0100\" \"=?utf-8?q?R=C3=A9union?=\" ((\"=?utf-8?q?=C3=89lodie?=\" NIL "
  "\"elodie\" \"example.org\")) ((\"=?utf-8?q?=C3=89lodie?=\" NIL \"elodie\" \"example.org\")) NIL ((NIL NIL "
  "\"alice\" \"example.test\")) NIL NIL NIL \"<a@example.org>\") "
  "BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {27}\r\nReferences: <z@example>\r\n\r\n)\r\n"
  "* ESEARCH (TAG \"a5\") UID ALL 1:3,7 COUNT 4\r\n"
  "a5 OK [APPENDUID 1700000000 9] Append completed.\r\n"
  "a6 OK [COPYUID 1700000000 3:4 7:8] Moved UIDs.\r\n"
  "+ idling\r\n"
  "* BYE Logging out\r\n";

static void
test_dovecot_session (void)
{
  g_autoptr (GPtrArray) responses = parse (dovecot_session);
  CourrielImapResponse *r;
  guint32 number = 0;

  check_all_splits (dovecot_session);
  g_assert_cmpuint (responses->len, ==, 24);

  r = responses->pdata[0];
  g_assert_cmpint (courriel_imap_response_get_kind (r), ==, COURRIEL_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (courriel_imap_response_get_status (r), ==, COURRIEL_IMAP_STATUS_OK);
  g_assert_cmpint (courriel_imap_response_get_code (r), ==, COURRIEL_IMAP_CODE_CAPABILITY);
  g_assert_cmpuint (courriel_imap_value_get_length (courriel_imap_response_get_code_value (r)), ==, 10);
  g_assert_cmpstr (courriel_imap_response_get_text (r), ==, "Dovecot (Debian) ready.");

  r = responses->pdata[1];
  g_assert_cmpint (courriel_imap_response_get_kind (r), ==, COURRIEL_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (courriel_imap_response_get_tag (r), ==, "a1");
  g_assert_cmpstr (courriel_imap_response_get_text (r), ==, "Logged in");

  /* LIST, with modified UTF-7 decoded and SPECIAL-USE read. */
  {
    g_autoptr (CourrielImapMailbox) sent = courriel_imap_mailbox_parse (responses->pdata[3], FALSE, NULL);
    g_autoptr (CourrielImapMailbox) parent = courriel_imap_mailbox_parse (responses->pdata[4], FALSE, NULL);
    g_autoptr (CourrielImapMailbox) child = courriel_imap_mailbox_parse (responses->pdata[5], FALSE, NULL);

    g_assert_true (courriel_imap_mailbox_get_attributes (sent) & COURRIEL_IMAP_MAILBOX_SENT);
    g_assert_cmpuint (courriel_imap_mailbox_get_delimiter (sent), ==, '/');
    g_assert_cmpstr (courriel_imap_mailbox_get_name (parent), ==, "Réunions");
    g_assert_true (courriel_imap_mailbox_get_attributes (parent) & COURRIEL_IMAP_MAILBOX_NOSELECT);
    g_assert_cmpstr (courriel_imap_mailbox_get_name (child), ==, "Réunions/Été 2026 & co");
    g_assert_cmpstr (courriel_imap_mailbox_get_raw_name (child), ==, "R&AOk-unions/&AMk-t&AOk- 2026 &- co");
  }
  {
    g_autofree char *name = NULL;
    g_autoptr (CourrielImapStatusData) status = courriel_imap_status_data_parse (responses->pdata[6], FALSE, &name, NULL);

    g_assert_cmpstr (name, ==, "INBOX");
    g_assert_cmpuint (status->messages, ==, 3);
    g_assert_cmpuint (status->uidvalidity, ==, 1700000000);
    g_assert_false (status->present & COURRIEL_IMAP_STATUS_HAS_HIGHESTMODSEQ);
  }

  r = responses->pdata[9];
  g_assert_cmpint (courriel_imap_response_get_code (r), ==, COURRIEL_IMAP_CODE_PERMANENTFLAGS);
  g_assert_cmpuint (courriel_imap_value_get_length (courriel_imap_value_get_item (courriel_imap_response_get_code_value (r), 0)),
                    ==, 6);
  r = responses->pdata[10];
  g_assert_true (courriel_imap_response_get_number (r, &number));
  g_assert_cmpuint (number, ==, 3);
  g_assert_cmpstr (courriel_imap_response_get_name (r), ==, "EXISTS");

  {
    g_autoptr (CourrielImapVanished) vanished = courriel_imap_vanished_parse (responses->pdata[15], NULL);
    g_autofree char *text = courriel_imap_uid_set_to_string (vanished->uids);

    g_assert_true (vanished->earlier);
    g_assert_cmpstr (text, ==, "41,43:116,118,120:211,214:540");
    g_assert_cmpuint (courriel_imap_uid_set_count (vanished->uids), ==, 1 + 74 + 1 + 92 + 327);
  }
  {
    g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (responses->pdata[16], NULL);

    g_assert_cmpuint (fetch->seq, ==, 2);
    g_assert_cmpuint (fetch->uid, ==, 2);
    g_assert_cmpuint (fetch->modseq, ==, 11);
  }
  r = responses->pdata[17];
  g_assert_cmpint (courriel_imap_response_get_code (r), ==, COURRIEL_IMAP_CODE_READ_WRITE);

  {
    g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (responses->pdata[18], NULL);
    CourrielImapAddress *from;
    GBytes *header;

    g_assert_nonnull (fetch);
    g_assert_cmpuint (fetch->rfc822_size, ==, 312);
    g_assert_true (g_strv_contains ((const char * const *)fetch->flags, "$Forwarded"));
    g_assert_cmpint (g_date_time_to_unix (fetch->internaldate), ==, 1772440200);
    g_assert_cmpstr (fetch->envelope->subject, ==, "=?utf-8?q?R=C3=A9union?=");
    from = fetch->envelope->from->pdata[0];
    g_assert_cmpstr (from->mailbox, ==, "elodie");
    g_assert_cmpstr (from->host, ==, "example.org");
    g_assert_null (((CourrielImapAddress *)fetch->envelope->to->pdata[0])->name);
    g_assert_null (fetch->envelope->cc->len ? fetch->envelope->cc->pdata[0] : NULL);
    g_assert_cmpstr (fetch->envelope->message_id, ==, "<a@example.org>");
    header = courriel_imap_fetch_get_section (fetch, "BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)]");
    g_assert_nonnull (header);
    g_assert_cmpuint (g_bytes_get_size (header), ==, 27);
  }
  {
    g_autoptr (CourrielImapEsearch) esearch = courriel_imap_esearch_parse (responses->pdata[19], NULL);
    g_autofree char *all = courriel_imap_uid_set_to_string (esearch->all);

    g_assert_cmpstr (esearch->tag, ==, "a5");
    g_assert_true (esearch->uid);
    g_assert_cmpstr (all, ==, "1:3,7");
    g_assert_cmpuint (esearch->count, ==, 4);
  }
  g_assert_cmpint (courriel_imap_response_get_code (responses->pdata[20]), ==, COURRIEL_IMAP_CODE_APPENDUID);
  g_assert_cmpint (courriel_imap_response_get_code (responses->pdata[21]), ==, COURRIEL_IMAP_CODE_COPYUID);
  g_assert_cmpuint (courriel_imap_value_get_length (courriel_imap_response_get_code_value (responses->pdata[21])), ==, 3);
  r = responses->pdata[22];
  g_assert_cmpint (courriel_imap_response_get_kind (r), ==, COURRIEL_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (courriel_imap_response_get_text (r), ==, "idling");
  g_assert_cmpint (courriel_imap_response_get_status (responses->pdata[23]), ==, COURRIEL_IMAP_STATUS_BYE);
}

/* A message/rfc822 attachment inside multipart/mixed, next to a multipart/alternative. */
static const char nested_structure[] =
  "* 7 FETCH (UID 70 BODYSTRUCTURE ((("
  "\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"FORMAT\" \"flowed\") NIL NIL \"QUOTED-PRINTABLE\" 1024 30 NIL NIL NIL NIL)"
  "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 4096 80 NIL NIL NIL NIL) \"alternative\" "
  "(\"boundary\" \"b1\") NIL NIL NIL)"
  "(\"message\" \"rfc822\" NIL NIL \"Forwarded\" \"7bit\" 2048 "
  "(\"Tue, 1 Sep 2026 10:00:00 +0200\" \"Fwd\" NIL NIL NIL NIL NIL NIL NIL \"<f@x>\") "
  "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 100 3 NIL NIL NIL NIL)"
  "(\"image\" \"png\" (\"name\" \"a.png\") \"<img1>\" NIL \"base64\" 5000 NIL (\"inline\" (\"filename\" \"a.png\")) "
  "NIL NIL) \"mixed\" (\"boundary\" \"b3\") NIL NIL NIL) 60 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NIL)"
  "(\"application\" \"pdf\" (\"name\" \"facture.pdf\") NIL NIL \"base64\" 88000 NIL "
  "(\"attachment\" (\"filename*\" \"utf-8''facture%20avril.pdf\")) \"fr\" NIL) "
  "\"mixed\" (\"boundary\" \"b0\") NIL (\"fr\" \"en\") NIL))\r\n";

static void
test_nested_bodystructure (void)
{
  g_autoptr (GPtrArray) responses = parse (nested_structure);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (responses->pdata[0], &error);
  CourrielImapBodyPart *root, *alternative, *message, *inner, *pdf;

  check_all_splits (nested_structure);
  g_assert_no_error (error);
  root = fetch->bodystructure;
  g_assert_cmpstr (root->type, ==, "multipart");
  g_assert_cmpstr (root->subtype, ==, "mixed");
  g_assert_cmpuint (root->children->len, ==, 3);

  alternative = root->children->pdata[0];
  g_assert_cmpstr (alternative->subtype, ==, "alternative");
  g_assert_cmpstr (alternative->section, ==, "1");
  g_assert_cmpstr (((CourrielImapBodyPart *)alternative->children->pdata[0])->section, ==, "1.1");
  g_assert_cmpstr (g_hash_table_lookup (((CourrielImapBodyPart *)alternative->children->pdata[0])->params, "format"), ==,
                   "flowed");
  g_assert_cmpuint (((CourrielImapBodyPart *)alternative->children->pdata[1])->lines, ==, 80);

  message = root->children->pdata[1];
  g_assert_cmpstr (message->type, ==, "message");
  g_assert_cmpstr (message->section, ==, "2");
  g_assert_cmpstr (message->envelope->message_id, ==, "<f@x>");
  g_assert_cmpstr (message->disposition, ==, "attachment");
  inner = message->children->pdata[0];
  g_assert_cmpstr (inner->subtype, ==, "mixed");
  g_assert_cmpstr (((CourrielImapBodyPart *)inner->children->pdata[1])->section, ==, "2.2");
  g_assert_cmpstr (((CourrielImapBodyPart *)inner->children->pdata[1])->id, ==, "<img1>");

  pdf = root->children->pdata[2];
  g_assert_cmpstr (pdf->section, ==, "3");
  g_assert_cmpuint (pdf->size, ==, 88000);
  g_assert_cmpstr (g_hash_table_lookup (pdf->disposition_params, "filename*"), ==, "utf-8''facture%20avril.pdf");
  g_assert_cmpstr (pdf->language, ==, "fr");

  /* Before any download: the text to fetch for reading, and the attachments to list. */
  {
    g_autoptr (GPtrArray) sections = courriel_imap_body_structure_text_sections (root);
    g_autoptr (GPtrArray) attachments = courriel_imap_body_structure_attachments (root);
    CourrielAttachmentInfo *forwarded, *invoice;

    g_assert_cmpuint (sections->len, ==, 1);
    g_assert_cmpstr (sections->pdata[0], ==, "1.1");
    g_assert_cmpstr (courriel_imap_body_structure_boundary (root), ==, "b0");
    g_assert_cmpuint (attachments->len, ==, 2);
    forwarded = attachments->pdata[0];
    invoice = attachments->pdata[1];
    g_assert_cmpstr (forwarded->section, ==, "2");
    g_assert_cmpstr (forwarded->mime_type, ==, "message/rfc822");
    g_assert_cmpstr (invoice->section, ==, "3");
    g_assert_cmpstr (invoice->filename, ==, "facture avril.pdf");
    g_assert_cmpstr (invoice->disposition, ==, "attachment");
    g_assert_true (courriel_message_text_has_attachments (attachments));
  }
}

/* Quirks seen from real servers. */
static void
test_server_quirks (void)
{
  struct
  {
    const char *name;
    const char *text;
  } quirks[] = {
    /* Gmail: X-GM atoms, its LIST, and labels with quoted strings. */
    { "gmail",
      "* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE "
      "ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584\r\n"
      "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"\r\n"
      "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent "
      "\"Important stuff\") UID 4 FLAGS ())\r\n" },
    /* Exchange: NIL body-fld-lang, "(" in text, a BODYSTRUCTURE with NIL where strings belong. */
    { "exchange",
      "* OK The Microsoft Exchange IMAP4 service is ready. [TQBXADIAUABSADAAOABDAEEAMAAwADEAMQAuAG4AYQBtAHAA]\r\n"
      "* 1 FETCH (UID 9 BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL))\r\n"
      "a1 NO [AUTHENTICATIONFAILED] AUTHENTICATE failed.\r\n" },
    /* Yahoo: lowercase keywords, extra spaces, a trailing space before CRLF, a bare LF. */
    { "yahoo",
      "* ok [CAPABILITY IMAP4rev1 ID MOVE NAMESPACE XYMHIGHESTMODSEQ UIDPLUS LITERAL+ CHILDREN X-MSG-EXT UNSELECT "
      "OBJECTID] IMAP4rev1 imapgate-1.8.1_01.20166 imap1032.mail.ne1.yahoo.com\r\n"
      "* 3  FETCH (UID 12  FLAGS (\\Seen)) \r\n"
      "* 4 fetch (uid 13 flags ())\n"
      "a2 ok UID FETCH completed\r\n" },
    /* Courier: empty quoted strings, NIL delimiter, a literal for a mailbox name. */
    { "courier",
      "* LIST (\\HasNoChildren) NIL \"INBOX\"\r\n"
      "* LIST (\\HasNoChildren) \".\" {12}\r\nINBOX.Drafts\r\n"
      "* 1 FETCH (UID 1 ENVELOPE (NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
      "* OK [ this is not a code\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (quirks); i++)
    {
      g_autoptr (GPtrArray) responses = NULL;

      g_test_message ("%s", quirks[i].name);
      check_all_splits (quirks[i].text);
      responses = parse (quirks[i].text);
      for (guint j = 0; j < responses->len; j++)
        if (g_strcmp0 (courriel_imap_response_get_name (responses->pdata[j]), "FETCH") == 0)
          {
            g_autoptr (GError) error = NULL;
            g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (responses->pdata[j], &error);
            g_assert_no_error (error);
            g_assert_cmpuint (fetch->uid, !=, 0);
          }
    }

  {
    g_autoptr (GPtrArray) yahoo = parse (quirks[2].text);
    g_assert_cmpuint (yahoo->len, ==, 4);
    g_assert_cmpint (courriel_imap_response_get_status (yahoo->pdata[0]), ==, COURRIEL_IMAP_STATUS_OK);
    g_assert_cmpstr (courriel_imap_response_get_name (yahoo->pdata[2]), ==, "FETCH");
    g_assert_cmpint (courriel_imap_response_get_status (yahoo->pdata[3]), ==, COURRIEL_IMAP_STATUS_OK);
  }
  {
    g_autoptr (GPtrArray) courier = parse (quirks[3].text);
    g_autoptr (CourrielImapMailbox) flat = courriel_imap_mailbox_parse (courier->pdata[0], FALSE, NULL);
    g_autoptr (CourrielImapMailbox) drafts = courriel_imap_mailbox_parse (courier->pdata[1], FALSE, NULL);

    g_assert_cmpuint (courriel_imap_mailbox_get_delimiter (flat), ==, 0);
    g_assert_cmpstr (courriel_imap_mailbox_get_name (drafts), ==, "INBOX.Drafts");
    g_assert_cmpint (courriel_imap_response_get_code (courier->pdata[3]), ==, COURRIEL_IMAP_CODE_NONE);
    g_assert_cmpstr (courriel_imap_response_get_text (courier->pdata[3]), ==, "[ this is not a code");
  }
  {
    g_autoptr (GPtrArray) exchange = parse (quirks[1].text);
    g_assert_cmpint (courriel_imap_response_get_code (exchange->pdata[2]), ==, COURRIEL_IMAP_CODE_AUTHENTICATIONFAILED);
  }
}

/* Literals: embedded CRLF and NUL, empty, literal8, non-synchronising, and a huge one streamed. */
typedef struct
{
  GByteArray *received;
  guint       calls;
  gboolean    last_seen;
  char       *item;
} Sink;

static void
sink_cb (const char *item, guint64 total, const guint8 *data, gsize length, gboolean last, gpointer user_data)
{
  Sink *sink = user_data;

  g_byte_array_append (sink->received, data, length);
  sink->calls++;
  sink->last_seen = last;
  g_free (sink->item);
  sink->item = g_strdup (item);
}

static void
test_literals (void)
{
  const char text[] = "* 1 FETCH (UID 5 BODY[] {10}\r\na\r\nb\0c\r\n\r\n BINARY[1] ~{3}\r\nxyz BODY[TEXT] {0}\r\n)\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) responses = parse_in_chunks (text, sizeof text - 1, 0, &error);
  g_autoptr (CourrielImapFetch) fetch = NULL;
  GBytes *body;

  g_assert_no_error (error);
  fetch = courriel_imap_fetch_parse (responses->pdata[0], &error);
  g_assert_no_error (error);
  body = courriel_imap_fetch_get_section (fetch, "BODY[]");
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "a\r\nb\0c\r\n\r\n", 10);
  body = courriel_imap_fetch_get_section (fetch, "BINARY[1]");
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "xyz", 3);
  g_assert_cmpuint (g_bytes_get_size (courriel_imap_fetch_get_section (fetch, "BODY[TEXT]")), ==, 0);

  /* Over the in-memory limit: streamed in chunks, never held whole. */
  {
    g_autoptr (CourrielImapParser) parser = courriel_imap_parser_new ();
    g_autoptr (GString) big = g_string_new ("* 2 FETCH (UID 6 BODY[] {300000}\r\n");
    Sink sink = { g_byte_array_new (), 0, FALSE, NULL };
    g_autoptr (CourrielImapResponse) response = NULL;
    g_autoptr (CourrielImapFetch) streamed = NULL;

    for (guint i = 0; i < 300000; i++)
      g_string_append_c (big, 'a' + i % 26);
    g_string_append (big, ")\r\n");
    courriel_imap_parser_set_limits (parser, 0, 1000, 0);
    courriel_imap_parser_set_literal_sink (parser, sink_cb, &sink, NULL);
    for (gsize offset = 0; offset < big->len; offset += 4096)
      {
        courriel_imap_parser_feed (parser, (const guint8 *)big->str + offset, MIN (4096, big->len - offset), &error);
        g_assert_no_error (error);
      }
    response = courriel_imap_parser_pop (parser);
    g_assert_nonnull (response);
    streamed = courriel_imap_fetch_parse (response, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (sink.received->len, ==, 300000);
    g_assert_cmpuint (sink.calls, >, 10);
    g_assert_true (sink.last_seen);
    g_assert_cmpstr (sink.item, ==, "BODY[]");
    g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (streamed->streamed, "BODY[]")), ==, 300000);
    g_assert_null (courriel_imap_fetch_get_section (streamed, "BODY[]"));
    g_byte_array_unref (sink.received);
    g_free (sink.item);
  }
}

static void
check_fails (const char *text, gsize length, int code)
{
  g_autoptr (CourrielImapParser) parser = courriel_imap_parser_new ();
  g_autoptr (GError) error = NULL;

  courriel_imap_parser_set_limits (parser, 4096, 1024, 16);
  g_assert_false (courriel_imap_parser_feed (parser, (const guint8 *)text, length, &error));
  g_assert_error (error, COURRIEL_IMAP_ERROR, code);
  g_clear_error (&error);
  /* Once broken, it stays broken: nothing after is trusted. */
  g_assert_false (courriel_imap_parser_feed (parser, (const guint8 *)"* OK\r\n", 6, &error));
  g_assert_null (courriel_imap_parser_pop (parser));
}

static void
test_malformed (void)
{
  g_autofree char *long_line = g_strnfill (5000, 'x');
  g_autofree char *deep = NULL;
  g_autoptr (GString) depth_bomb = g_string_new ("* 1 FETCH ");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (depth_bomb, '(');
  g_string_append (depth_bomb, "\r\n");

#define FAILS(text, code) check_fails (text, strlen (text), code)
  FAILS ("* 1 FETCH (UID \"unterminated\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("* 1 FETCH (UID 1\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("* 1 FETCH (UID 1))\r\n* 2 FETCH )\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("* 99999999999 EXISTS\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("a1 MAYBE done\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("\r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("* \r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS ("* 1 FETCH (BODY[] {99999999999999999999}\r\n", COURRIEL_IMAP_ERROR_LIMIT);
  FAILS ("* 1 FETCH (BODY[] {5000}\r\n", COURRIEL_IMAP_ERROR_LIMIT);
  FAILS ("* 1 FETCH (BODY[HEADER \r\n", COURRIEL_IMAP_ERROR_PROTOCOL);
  FAILS (depth_bomb->str, COURRIEL_IMAP_ERROR_LIMIT);
  deep = g_strconcat ("* OK ", long_line, "\r\n", NULL);
  FAILS (deep, COURRIEL_IMAP_ERROR_LIMIT);
  FAILS (long_line, COURRIEL_IMAP_ERROR_LIMIT); /* no line end at all: still bounded */
  check_fails ("* 1 FETCH (UID \0 1)\r\n", 21, COURRIEL_IMAP_ERROR_PROTOCOL);
#undef FAILS

  /* A truncated literal is not an error: the rest may still come. It waits, bounded. */
  {
    g_autoptr (CourrielImapParser) parser = courriel_imap_parser_new ();
    g_autoptr (GError) error = NULL;

    g_assert_true (courriel_imap_parser_feed (parser, (const guint8 *)"* 1 FETCH (BODY[] {10}\r\nabc", 27, &error));
    g_assert_no_error (error);
    g_assert_null (courriel_imap_parser_pop (parser));
  }
}

/* Typed decoders refuse what does not fit, without crashing. */
static void
test_malformed_data (void)
{
  const char *bad[] = {
    "* 1 FETCH (UID)\r\n",
    "* 1 FETCH (UID 99999999999)\r\n",
    "* 1 FETCH (ENVELOPE (NIL))\r\n",
    "* 1 FETCH (ENVELOPE (NIL NIL ((NIL)) NIL NIL NIL NIL NIL NIL NIL))\r\n",
    "* 1 FETCH (BODYSTRUCTURE (NIL))\r\n",
    "* 1 FETCH (BODYSTRUCTURE ())\r\n",
    "* 1 FETCH UID 1\r\n",
    "* LIST NIL \"/\" INBOX\r\n",
    "* LIST ()\r\n",
    "* STATUS INBOX MESSAGES\r\n",
    "* STATUS INBOX (MESSAGES)\r\n",
    "* VANISHED (EARLIER) 5:x\r\n",
    "* VANISHED\r\n",
    "* SEARCH 1 two 3\r\n",
    "* ESEARCH (TAG \"a\") UID ALL 0:5\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GPtrArray) responses = parse (bad[i]);
      CourrielImapResponse *r = responses->pdata[0];
      const char *name = courriel_imap_response_get_name (r);
      g_autoptr (GError) error = NULL;
      gboolean parsed;

      if (g_str_equal (name, "FETCH"))
        {
          g_autoptr (CourrielImapFetch) fetch = courriel_imap_fetch_parse (r, &error);
          parsed = fetch != NULL;
        }
      else if (g_str_equal (name, "LIST"))
        {
          g_autoptr (CourrielImapMailbox) mailbox = courriel_imap_mailbox_parse (r, FALSE, &error);
          parsed = mailbox != NULL;
        }
      else if (g_str_equal (name, "STATUS"))
        {
          g_autoptr (CourrielImapStatusData) status = courriel_imap_status_data_parse (r, FALSE, NULL, &error);
          parsed = status != NULL;
        }
      else if (g_str_equal (name, "VANISHED"))
        {
          g_autoptr (CourrielImapVanished) vanished = courriel_imap_vanished_parse (r, &error);
          parsed = vanished != NULL;
        }
      else if (g_str_equal (name, "SEARCH"))
        {
          g_autoptr (CourrielImapSearch) search = courriel_imap_search_parse (r, &error);
          parsed = search != NULL;
        }
      else
        {
          g_autoptr (CourrielImapEsearch) esearch = courriel_imap_esearch_parse (r, &error);
          parsed = esearch != NULL;
        }
      g_test_message ("%s", bad[i]);
      g_assert_false (parsed);
      g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
    }
}

static void
test_uid_set (void)
{
  g_autoptr (CourrielImapUidSet) set = courriel_imap_uid_set_parse ("9,1:3,5,4,20:*", NULL);
  g_autofree char *text = courriel_imap_uid_set_to_string (set);
  g_autoptr (GError) error = NULL;
  const char *invalid[] = { "", "0", "1:", ",1", "1,,2", "a", "1:2:3", "4294967296", "-1", "1 2" };

  g_assert_cmpstr (text, ==, "1:5,9,20:*");
  g_assert_true (courriel_imap_uid_set_contains (set, 4));
  g_assert_false (courriel_imap_uid_set_contains (set, 6));
  g_assert_true (courriel_imap_uid_set_contains (set, 4000000000u));
  courriel_imap_uid_set_add_range (set, 6, 8);
  g_free (text);
  text = courriel_imap_uid_set_to_string (set);
  g_assert_cmpstr (text, ==, "1:9,20:*");

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (CourrielImapUidSet) none = courriel_imap_uid_set_parse (invalid[i], &error);
      g_assert_null (none);
      g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

static void
test_utf7 (void)
{
  const char *pairs[][2] = {
    { "INBOX", "INBOX" },
    { "Réunions", "R&AOk-unions" },
    { "Été & hiver", "&AMk-t&AOk- &- hiver" },
    { "日本語", "&ZeVnLIqe-" },
    { "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
    { "😀 emoji", "&2D3eAA- emoji" },
  };
  const char *invalid[] = { "&", "&AOk", "&-AOk-x&", "R&AGE-", "&Jjo!", "caf\xc3\xa9", "&2D3-", "&3gA-" };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *encoded = courriel_imap_utf7_encode (pairs[i][0]);
      g_autofree char *decoded = courriel_imap_utf7_decode (pairs[i][1], NULL);

      g_assert_cmpstr (encoded, ==, pairs[i][1]);
      g_assert_cmpstr (decoded, ==, pairs[i][0]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *decoded = courriel_imap_utf7_decode (invalid[i], &error);

      g_test_message ("%s", invalid[i]);
      g_assert_null (decoded);
      g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-parser/dovecot-session", test_dovecot_session);
  g_test_add_func ("/imap-parser/nested-bodystructure", test_nested_bodystructure);
  g_test_add_func ("/imap-parser/server-quirks", test_server_quirks);
  g_test_add_func ("/imap-parser/literals", test_literals);
  g_test_add_func ("/imap-parser/malformed", test_malformed);
  g_test_add_func ("/imap-parser/malformed-data", test_malformed_data);
  g_test_add_func ("/imap-parser/uid-set", test_uid_set);
  g_test_add_func ("/imap-parser/utf7", test_utf7);

  return g_test_run ();
}
