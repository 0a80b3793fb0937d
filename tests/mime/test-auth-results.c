/* test-auth-results.c — the sender-verification line: Authentication-Results headers as Gmail,
 * Fastmail and Outlook write them, trusted only from the account's own provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-auth-results.h"

#define GMAIL                                                                                                         \
  "mx.google.com;\r\n"                                                                                                \
  "       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab+Cd/Ef=;\r\n"                                  \
  "       spf=pass (google.com: domain of alice@example.com designates 209.85.220.41 as permitted sender) "           \
  "smtp.mailfrom=alice@example.com;\r\n"                                                                              \
  "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"

#define FASTMAIL                                                                                                      \
  "mx6.messagingengine.com; dkim=pass (2048-bit rsa key sha256) header.d=example.org header.i=@example.org "         \
  "header.b=XyZ header.a=rsa-sha256 header.s=fm1 x-bits=2048; dmarc=pass policy.published-domain-policy=none "      \
  "(p=none,d=none,d.eval=none) policy.policy-from=p header.from=example.org; iprev=pass smtp.remote-ip=66.111.4.28 " \
  "(out4-smtp.messagingengine.com); spf=pass smtp.mailfrom=bob@example.org smtp.helo=out4-smtp.messagingengine.com; " \
  "x-aligned-from=pass (Address match); x-me-sender=none; x-return-mx=pass header.domain=example.org "               \
  "policy.is_org=yes (MX Records found: in1-smtp.messagingengine.com,in2-smtp.messagingengine.com); "                \
  "arc=none (no signatures found)"

/* Microsoft leaves out the authserv-id: such a header says nothing trustworthy. */
#define OUTLOOK                                                                                                       \
  "spf=pass (sender IP is 209.85.128.50) smtp.mailfrom=example.com; dkim=pass (signature was verified) "             \
  "header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100"

static void
test_parse_gmail (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAuthResults) results = courriel_auth_results_parse (GMAIL, &error);
  const CourrielAuthResult *dkim, *spf, *dmarc;

  g_assert_no_error (error);
  g_assert_cmpstr (results->authserv_id, ==, "mx.google.com");
  g_assert_cmpuint (results->version, ==, 1);
  g_assert_cmpuint (results->results->len, ==, 3);
  dkim = results->results->pdata[0];
  spf = results->results->pdata[1];
  dmarc = results->results->pdata[2];
  g_assert_cmpstr (dkim->method, ==, "dkim");
  g_assert_cmpstr (dkim->result, ==, "pass");
  g_assert_cmpstr (courriel_auth_result_get_property (dkim, "header.i"), ==, "@example.com");
  g_assert_cmpstr (courriel_auth_result_get_property (dkim, "header.b"), ==, "Ab+Cd/Ef=");
  g_assert_cmpstr (spf->method, ==, "spf");
  g_assert_cmpstr (courriel_auth_result_get_property (spf, "smtp.mailfrom"), ==, "alice@example.com");
  g_assert_cmpstr (dmarc->method, ==, "dmarc");
  g_assert_cmpstr (courriel_auth_result_get_property (dmarc, "header.from"), ==, "example.com");
}

static void
test_parse_fastmail (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAuthResults) results = courriel_auth_results_parse (FASTMAIL, &error);
  const CourrielAuthResult *spf;

  g_assert_no_error (error);
  g_assert_cmpstr (results->authserv_id, ==, "mx6.messagingengine.com");
  g_assert_cmpuint (results->results->len, ==, 8);
  spf = results->results->pdata[3];
  g_assert_cmpstr (spf->method, ==, "spf");
  g_assert_cmpstr (courriel_auth_result_get_property (spf, "smtp.helo"), ==, "out4-smtp.messagingengine.com");
}

static void
test_parse_grammar (void)
{
  g_autoptr (CourrielAuthResults) none = courriel_auth_results_parse ("mail.example.fr 1; none", NULL);
  g_autoptr (CourrielAuthResults) quoted = courriel_auth_results_parse (
    "\"mail.example.fr\" (the (nested) comment); auth=pass smtp.auth=\"Alice \\\"A\\\" Martin\"", NULL);
  g_autoptr (CourrielAuthResults) reason = courriel_auth_results_parse (
    "example.com 1 ; dkim/1 = fail reason=\"signature verification failed\" header.d = example.com ;", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielAuthResults) outlook = courriel_auth_results_parse (OUTLOOK, &error);
  const CourrielAuthResult *r;

  g_assert_nonnull (none);
  g_assert_cmpstr (none->authserv_id, ==, "mail.example.fr");
  g_assert_cmpuint (none->version, ==, 1);
  g_assert_cmpuint (none->results->len, ==, 0);

  g_assert_nonnull (quoted);
  g_assert_cmpstr (quoted->authserv_id, ==, "mail.example.fr");
  r = quoted->results->pdata[0];
  g_assert_cmpstr (r->method, ==, "auth");
  g_assert_cmpstr (courriel_auth_result_get_property (r, "smtp.auth"), ==, "Alice \"A\" Martin");

  g_assert_nonnull (reason);
  r = reason->results->pdata[0];
  g_assert_cmpstr (r->method, ==, "dkim");
  g_assert_cmpstr (r->result, ==, "fail");
  g_assert_cmpstr (r->reason, ==, "signature verification failed");
  g_assert_cmpstr (courriel_auth_result_get_property (r, "header.d"), ==, "example.com");

  g_assert_null (outlook);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_malformed_never_crashes (void)
{
  g_autofree char *deep = NULL;
  const char *inputs[] = {
    "", ";", "; ;", "a;", "a; dkim", "a; =pass", "a; dkim=", "a; dkim=pass header.", "a; dkim=pass header.d=",
    "\"unterminated", "a; dkim=pass (unterminated comment", "a; dkim=pass x=\"unterminated", "a b c", "a; none; x",
    "a; dkim=pass \\", "(only a comment)", "a;;;;;;", "a 99999999999999999999999; none", "\xff\xfe; dkim=\xc3",
  };
  GString *many = g_string_new ("a");

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (CourrielAuthResults) results = courriel_auth_results_parse (inputs[i], NULL);

      g_assert_cmpint (courriel_auth_results_verdict (inputs[i], "a", "x@a", NULL), ==,
                       COURRIEL_AUTH_VERDICT_NOT_VERIFIED);
      (void)results;
    }
  g_assert_null (courriel_auth_results_parse (NULL, NULL));

  /* A comment bomb and a flood of results are refused, not recursed into or kept. */
  deep = g_strnfill (100000, '(');
  g_assert_null (courriel_auth_results_parse (deep, NULL));
  for (guint i = 0; i < 10000; i++)
    g_string_append (many, "; dkim=pass header.d=a");
  g_assert_null (courriel_auth_results_parse (many->str, NULL));
  g_string_free (many, TRUE);

  /* Random bytes over the whole range. */
  for (guint i = 0; i < 2000; i++)
    {
      char buffer[64];
      guint length = g_test_rand_int_range (0, sizeof buffer);
      g_autoptr (CourrielAuthResults) results = NULL;

      for (guint j = 0; j < length; j++)
        buffer[j] = "a;=.()\" \\@x1/-"[g_test_rand_int_range (0, 14)];
      buffer[length] = '\0';
      results = courriel_auth_results_parse (buffer, NULL);
      courriel_auth_results_verdict (buffer, "a", "x@a", NULL);
    }
}

static void
test_trusted_id (void)
{
  const struct
  {
    const char *host;
    const char *id;
  } hosts[] = {
    { "imap.example.fr", "example.fr" },
    { "IMAP.Example.FR.", "example.fr" },
    { "mail.example.co.uk", "example.co.uk" },
    { "imap.gmail.com", "google.com" },
    { "imap.fastmail.com", "messagingengine.com" },
    { "127.0.0.1", "127.0.0.1" },
    { "localhost", "localhost" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *id = courriel_auth_results_trusted_id_for_host (hosts[i].host);
      g_assert_cmpstr (id, ==, hosts[i].id);
    }
  g_assert_null (courriel_auth_results_trusted_id_for_host (NULL));

  g_assert_true (courriel_auth_results_id_is_trusted ("example.fr", "example.fr"));
  g_assert_true (courriel_auth_results_id_is_trusted ("MX1.Example.FR", "example.fr"));
  g_assert_false (courriel_auth_results_id_is_trusted ("evilexample.fr", "example.fr"));
  g_assert_false (courriel_auth_results_id_is_trusted ("example.fr.evil.com", "example.fr"));
  g_assert_false (courriel_auth_results_id_is_trusted ("example.fr", NULL));
  g_assert_false (courriel_auth_results_id_is_trusted ("example.fr", ""));
}

static void
assert_verdict (const char *headers, const char *trusted, const char *from, CourrielAuthVerdict expected,
                const char *expected_domain)
{
  g_autofree char *domain = NULL;

  g_assert_cmpint (courriel_auth_results_verdict (headers, trusted, from, &domain), ==, expected);
  g_assert_cmpstr (domain, ==, expected_domain);
}

static void
test_verdicts (void)
{
  /* Each provider's own header, trusted by the id derived from its IMAP server. */
  assert_verdict (GMAIL, "google.com", "alice@example.com", COURRIEL_AUTH_VERDICT_VERIFIED, "example.com");
  assert_verdict (FASTMAIL, "messagingengine.com", "bob@example.org", COURRIEL_AUTH_VERDICT_VERIFIED, "example.org");
  /* Outlook's header has no authserv-id: nothing to trust. */
  assert_verdict (OUTLOOK, "outlook.com", "carol@example.com", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);

  /* A pass written by someone upstream is forged as far as we know. */
  assert_verdict (GMAIL, "example.fr", "alice@example.com", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict ("mx.example.fr.attacker.net; dmarc=pass header.from=paypal.com", "example.fr",
                  "service@paypal.com", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);

  /* Failures. */
  assert_verdict ("mail.example.fr; dkim=fail (bad signature) header.d=paypal.com; spf=fail "
                  "smtp.mailfrom=paypal.com; dmarc=fail header.from=paypal.com",
                  "example.fr", "service@paypal.com", COURRIEL_AUTH_VERDICT_FAILED, "paypal.com");
  assert_verdict ("mx.example.fr; spf=fail smtp.mailfrom=bounce@paypal.com", "example.fr", "service@paypal.com",
                  COURRIEL_AUTH_VERDICT_FAILED, "paypal.com");
  /* DMARC's fail wins over a DKIM pass of the same domain (the policy said no). */
  assert_verdict ("mx.example.fr; dkim=pass header.d=paypal.com; dmarc=fail header.from=paypal.com", "example.fr",
                  "service@paypal.com", COURRIEL_AUTH_VERDICT_FAILED, "paypal.com");

  /* Alignment: a sub-domain's signature counts for the organisation, another domain's does not. */
  assert_verdict ("mx.example.fr; dkim=pass header.d=mail.shop.example", "example.fr", "news@shop.example",
                  COURRIEL_AUTH_VERDICT_VERIFIED, "shop.example");
  assert_verdict ("mx.example.fr; dkim=pass header.d=mailchimp.com", "example.fr", "news@shop.example",
                  COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  /* A mailing list broke the sender's signature but its own passes: still not verified, no warning. */
  assert_verdict ("mx.example.fr; dkim=fail header.d=lists.example; spf=pass smtp.mailfrom=lists.example",
                  "example.fr", "someone@shop.example", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  /* Aligned SPF alone verifies (as DMARC itself would). */
  assert_verdict ("mx.example.fr; spf=pass smtp.mailfrom=a@shop.example", "example.fr", "b@shop.example",
                  COURRIEL_AUTH_VERDICT_VERIFIED, "shop.example");

  /* Neutral, none, softfail, "none" at all: nothing to say. */
  assert_verdict ("mx.example.fr; spf=neutral smtp.mailfrom=a@shop.example; dkim=none", "example.fr",
                  "a@shop.example", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict ("mx.example.fr; spf=softfail smtp.mailfrom=a@shop.example", "example.fr", "a@shop.example",
                  COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict ("mx.example.fr; none", "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict (NULL, "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict (GMAIL, NULL, "alice@example.com", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  assert_verdict (GMAIL, "google.com", NULL, COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
}

static void
test_multiple_headers (void)
{
  /* A header from upstream, under another authserv-id, is ignored, failing or passing. */
  assert_verdict ("mx1.example.fr; spf=pass smtp.mailfrom=a@shop.example\n"
                  "relay.attacker.net; dmarc=fail header.from=shop.example",
                  "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_VERIFIED, "shop.example");
  assert_verdict ("mx1.example.fr; spf=none\n"
                  "relay.attacker.net; dkim=pass header.d=shop.example",
                  "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_NOT_VERIFIED, NULL);
  /* Two of the provider's own hosts, each with a part of the checks. */
  assert_verdict ("mx1.example.fr; spf=none\n"
                  "filter.example.fr; dkim=pass header.d=shop.example",
                  "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_VERIFIED, "shop.example");
  /* A malformed header among them is skipped, not fatal. */
  assert_verdict ("mx1.example.fr; dkim=(\n"
                  "filter.example.fr; dmarc=pass header.from=shop.example",
                  "example.fr", "a@shop.example", COURRIEL_AUTH_VERDICT_VERIFIED, "shop.example");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth-results/parse/gmail", test_parse_gmail);
  g_test_add_func ("/auth-results/parse/fastmail", test_parse_fastmail);
  g_test_add_func ("/auth-results/parse/grammar", test_parse_grammar);
  g_test_add_func ("/auth-results/parse/malformed", test_malformed_never_crashes);
  g_test_add_func ("/auth-results/trusted-id", test_trusted_id);
  g_test_add_func ("/auth-results/verdicts", test_verdicts);
  g_test_add_func ("/auth-results/multiple-headers", test_multiple_headers);
  return g_test_run ();
}
