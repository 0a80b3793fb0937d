/* test-link-check.c — links in messages: only web and mail links open, and a text showing
 * another site than the target asks first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-link-check.h"

static void
assert_link (const char *text, const char *uri, CourrielLinkVerdict expected, const char *shown, const char *target)
{
  g_autofree char *shown_host = NULL;
  g_autofree char *target_host = NULL;

  g_assert_cmpint (courriel_link_check (text, uri, &shown_host, &target_host), ==, expected);
  if (expected != COURRIEL_LINK_REFUSED)
    {
      g_assert_cmpstr (shown_host, ==, shown);
      g_assert_cmpstr (target_host, ==, target);
    }
}

static void
test_same_site_opens (void)
{
  assert_link ("Click here", "https://www.example.com/a", COURRIEL_LINK_OPEN, NULL, "www.example.com");
  assert_link ("https://www.example.com/a", "https://www.example.com/a", COURRIEL_LINK_OPEN, "www.example.com",
               "www.example.com");
  assert_link ("www.mybank.com", "https://login.mybank.com/", COURRIEL_LINK_OPEN, "www.mybank.com",
               "login.mybank.com");
  assert_link ("EXAMPLE.COM.", "http://example.com", COURRIEL_LINK_OPEN, "example.com", "example.com");
  assert_link ("shop.example.co.uk", "https://pay.example.co.uk", COURRIEL_LINK_OPEN, "shop.example.co.uk",
               "pay.example.co.uk");
  assert_link ("alice@example.com", "mailto:alice@example.com", COURRIEL_LINK_OPEN, "example.com", "example.com");
  assert_link (NULL, "mailto:alice@example.com", COURRIEL_LINK_OPEN, NULL, "example.com");
}

static void
test_other_site_asks (void)
{
  assert_link ("www.mybank.com", "https://mybank.com.evil.example/login", COURRIEL_LINK_CONFIRM, "www.mybank.com",
               "mybank.com.evil.example");
  assert_link ("https://www.paypal.com/signin", "http://198.51.100.7/paypal", COURRIEL_LINK_CONFIRM,
               "www.paypal.com", "198.51.100.7");
  assert_link ("example.co.uk", "https://other.co.uk", COURRIEL_LINK_CONFIRM, "example.co.uk", "other.co.uk");
  /* The same name in another script (IDN homograph) is another host. */
  assert_link ("www.apple.com", "https://www.\xd0\xb0pple.com/", COURRIEL_LINK_CONFIRM, "www.apple.com",
               "www.xn--pple-43d.com");
}

static void
test_dangerous_refused (void)
{
  const char *uris[] = {
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>x</script>",
    "file:///etc/passwd", "vbscript:x", "ftp://example.com/", "http://", "https:///path", "not a uri", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    g_assert_cmpint (courriel_link_check ("example.com", uris[i], NULL, NULL), ==, COURRIEL_LINK_REFUSED);
  g_assert_cmpint (courriel_link_check (NULL, NULL, NULL, NULL), ==, COURRIEL_LINK_REFUSED);
}

static void
test_find_all (void)
{
  const char *text = "(see https://a.example/x). Mail mailto:a@b.example, or www.c.example/p?q=1&r=2!\n"
                     "Not javascript:alert('x') data:text/html,x file:///etc/passwd http:// nor "
                     "https://d.example/\"><script>";
  g_autoptr (GArray) spans = courriel_link_find_all (text);
  const char *expected[][2] = {
    { "https://a.example/x", "https://a.example/x" },
    { "mailto:a@b.example", "mailto:a@b.example" },
    { "www.c.example/p?q=1&r=2", "http://www.c.example/p?q=1&r=2" },
    { "https://d.example/", "https://d.example/" },
  };

  g_assert_cmpuint (spans->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < spans->len; i++)
    {
      CourrielLinkSpan *span = &g_array_index (spans, CourrielLinkSpan, i);
      g_autofree char *shown = g_strndup (text + span->start, span->end - span->start);

      g_assert_cmpstr (shown, ==, expected[i][0]);
      g_assert_cmpstr (span->uri, ==, expected[i][1]);
    }
  g_array_unref (g_steal_pointer (&spans));
  spans = courriel_link_find_all (NULL);
  g_assert_cmpuint (spans->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/link-check/same-site-opens", test_same_site_opens);
  g_test_add_func ("/link-check/other-site-asks", test_other_site_asks);
  g_test_add_func ("/link-check/dangerous-refused", test_dangerous_refused);
  g_test_add_func ("/link-check/find-all", test_find_all);
  return g_test_run ();
}
