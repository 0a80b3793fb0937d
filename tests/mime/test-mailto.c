/* test-mailto.c — mailto: URIs, with the examples of RFC 6068 section 6
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-attachment-hint.h"
#include "courriel-engine.h"
#include "courriel-mailto.h"

static CourrielMailto *
parse (const char *uri)
{
  g_autoptr (GError) error = NULL;
  CourrielMailto *mailto = courriel_mailto_parse (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mailto);
  return mailto;
}

static void
assert_list (GPtrArray *list, const char *first, const char *second)
{
  g_assert_cmpuint (list->len, ==, (first != NULL) + (second != NULL));
  if (first != NULL)
    g_assert_cmpstr (list->pdata[0], ==, first);
  if (second != NULL)
    g_assert_cmpstr (list->pdata[1], ==, second);
}

/* RFC 6068 6.1: basic examples. */
static void
test_basic (void)
{
  g_autoptr (CourrielMailto) a = parse ("mailto:chris@example.com");
  g_autoptr (CourrielMailto) b = parse ("mailto:infobot@example.com?subject=current-issue");
  g_autoptr (CourrielMailto) c = parse ("mailto:infobot@example.com?body=send%20current-issue");
  g_autoptr (CourrielMailto) d = parse ("mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index");
  g_autoptr (CourrielMailto) e = parse ("mailto:list@example.org?In-Reply-To=%3C3469A91.D10AF4C@example.com%3E");
  g_autoptr (CourrielMailto) f = parse ("mailto:majordomo@example.com?body=subscribe%20bamboo-l");
  g_autoptr (CourrielMailto) g = parse ("mailto:joe@example.com?cc=bob@example.com&body=hello");
  g_autoptr (CourrielMailto) h = parse ("mailto:?to=joe@example.com&cc=bob@example.com&body=hello");

  assert_list (a->to, "chris@example.com", NULL);
  g_assert_null (a->subject);
  g_assert_null (a->body);
  g_assert_cmpstr (b->subject, ==, "current-issue");
  g_assert_cmpstr (c->body, ==, "send current-issue");
  g_assert_cmpstr (d->body, ==, "send current-issue\nsend index");
  g_assert_cmpstr (e->in_reply_to, ==, "<3469A91.D10AF4C@example.com>");
  assert_list (e->to, "list@example.org", NULL);
  g_assert_cmpstr (f->body, ==, "subscribe bamboo-l");
  assert_list (g->to, "joe@example.com", NULL);
  assert_list (g->cc, "bob@example.com", NULL);
  g_assert_cmpstr (g->body, ==, "hello");
  assert_list (h->to, "joe@example.com", NULL);
  assert_list (h->cc, "bob@example.com", NULL);
}

/* RFC 6068 6.2: special characters in addresses; an unknown field ("blat") is ignored. */
static void
test_special (void)
{
  g_autoptr (CourrielMailto) a = parse ("mailto:gorby%25kremvax@example.com");
  g_autoptr (CourrielMailto) b = parse ("mailto:unlikely%3Faddress@example.com?blat=foop");
  g_autoptr (CourrielMailto) c = parse ("mailto:Mike%26family@example.org");
  g_autoptr (CourrielMailto) d = parse ("mailto:%22not%40me%22@example.org");
  g_autoptr (CourrielMailto) e = parse ("mailto:%22oh%5C%5Cno%22@example.org");
  g_autoptr (CourrielMailto) f = parse ("mailto:%22%5C%5C%5C%22it's%5C%20ugly%5C%5C%5C%22%22@example.org");

  assert_list (a->to, "gorby%kremvax@example.com", NULL);
  assert_list (b->to, "unlikely?address@example.com", NULL);
  g_assert_null (b->subject);
  assert_list (c->to, "Mike&family@example.org", NULL);
  assert_list (d->to, "\"not@me\"@example.org", NULL);
  assert_list (e->to, "\"oh\\\\no\"@example.org", NULL);
  assert_list (f->to, "\"\\\\\\\"it's\\ ugly\\\\\\\"\"@example.org", NULL);
}

/* RFC 6068 6.3: UTF-8 percent-encoded, encoded words, several addresses. */
static void
test_international (void)
{
  g_autoptr (CourrielMailto) a = parse ("mailto:user@example.org?subject=caf%C3%A9");
  g_autoptr (CourrielMailto) b = parse ("mailto:user@example.org?subject=%3D%3Futf-8%3FQ%3Fcaf%3DC3%3DA9%3F%3D");
  g_autoptr (CourrielMailto) c = parse ("mailto:user@example.org?subject=%3D%3Fiso-8859-1%3FQ%3Fcaf%3DE9%3F%3D");
  g_autoptr (CourrielMailto) d = parse ("mailto:user@%E7%B4%8D%E8%B1%86.example.org?subject=Test&body=NATTO");
  g_autoptr (CourrielMailto) e = parse ("mailto:?to=addr1@an.example,addr2@an.example");
  g_autoptr (CourrielMailto) f = parse ("mailto:addr1@an.example?to=addr2@an.example");
  g_autoptr (CourrielMailto) g = parse ("mailto:addr1@an.example,addr2@an.example");

  g_assert_cmpstr (a->subject, ==, "café");
  g_assert_cmpstr (b->subject, ==, "café");
  g_assert_cmpstr (c->subject, ==, "café");
  assert_list (d->to, "user@納豆.example.org", NULL);
  g_assert_cmpstr (d->subject, ==, "Test");
  g_assert_cmpstr (d->body, ==, "NATTO");
  assert_list (e->to, "addr1@an.example", "addr2@an.example");
  assert_list (f->to, "addr1@an.example", "addr2@an.example");
  assert_list (g->to, "addr1@an.example", "addr2@an.example");
}

/* Field names in any case; header fields that could forge the message are ignored; bcc kept. */
static void
test_fields (void)
{
  g_autoptr (CourrielMailto) a = parse ("MAILTO:a@example.org?SUBJECT=Hi&Cc=b@example.org&BCC=c@example.org"
                                        "&from=boss@example.org&Received=x&subject=second#fragment");

  assert_list (a->to, "a@example.org", NULL);
  assert_list (a->cc, "b@example.org", NULL);
  assert_list (a->bcc, "c@example.org", NULL);
  g_assert_cmpstr (a->subject, ==, "Hi");
  g_assert_null (a->body);
}

static void
test_malformed (void)
{
  const char *bad[] = {
    "", "http://example.org/", "mailto", "mailto:a@example.org?subject=%", "mailto:a@example.org?subject=%G1",
    "mailto:a%00@example.org", "mailto:a@example.org?body=%FF%FE", "mailto:a@example.org?=value",
    "mailto:a@example.org?subject", "mailto:%C3@example.org",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CourrielMailto) mailto = courriel_mailto_parse (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (mailto);
      g_assert_error (error, COURRIEL_MAILTO_ERROR, COURRIEL_MAILTO_ERROR_INVALID);
      g_assert_nonnull (error->message);
    }
  g_assert_null (courriel_mailto_parse (NULL, NULL));
}

static void
test_attachment_hint (void)
{
  g_assert_true (courriel_attachment_hint_mentioned ("Bonjour,\nvous trouverez la pièce jointe demandée."));
  g_assert_true (courriel_attachment_hint_mentioned ("Voici les PIÈCES JOINTES."));
  g_assert_true (courriel_attachment_hint_mentioned ("Ci-joint le devis."));
  g_assert_true (courriel_attachment_hint_mentioned ("Please find the report attached."));
  g_assert_true (courriel_attachment_hint_mentioned ("See the Attachment"));
  g_assert_false (courriel_attachment_hint_mentioned ("Bonjour, à demain."));
  g_assert_false (courriel_attachment_hint_mentioned ("I feel unattached."));
  g_assert_false (courriel_attachment_hint_mentioned ("Merci !\n> Voici la pièce jointe.\n>> attached"));
  g_assert_false (courriel_attachment_hint_mentioned ("Merci\n-- \nAttachments are confidential."));
  g_assert_false (courriel_attachment_hint_mentioned (NULL));
  g_assert_false (courriel_attachment_hint_mentioned ("\xff attached"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  courriel_engine_init ();

  g_test_add_func ("/mailto/rfc6068-basic", test_basic);
  g_test_add_func ("/mailto/rfc6068-special", test_special);
  g_test_add_func ("/mailto/rfc6068-international", test_international);
  g_test_add_func ("/mailto/fields", test_fields);
  g_test_add_func ("/mailto/malformed", test_malformed);
  g_test_add_func ("/mailto/attachment-hint", test_attachment_hint);
  return g_test_run ();
}
