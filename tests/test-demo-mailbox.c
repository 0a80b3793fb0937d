/* test-demo-mailbox.c — the demo mailbox is what `build-aux/demo` promises: at least 200 varied
 * messages, French and English, plain and HTML, attachments, threads, some unread and starred,
 * as the IMAP server itself reports them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-demo-mailbox.h"
#include "courriel-test-curl.h"

static guint
count_words (const char *text)
{
  g_auto (GStrv) words = g_strsplit_set (text, " ", -1);
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    n += words[i][0] != '\0';
  return n;
}

static guint
count_matching (CourrielTestBench *bench, const char *mailbox, const char *criteria)
{
  g_autofree char *uids = courriel_test_imap_search (bench, "alice@example.test", TRUE, mailbox, criteria);

  return count_words (uids);
}

static void
test_demo_mailbox (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = courriel_test_bench_new (&error);
  CourrielDemoMailboxStats stats = { 0 };
  g_autofree char *status = NULL;
  g_autofree char *structure = NULL;
  g_autofree char *mixed_uids = NULL;
  g_autofree char *command = NULL;
  g_autofree char *french = NULL;
  g_autofree char *subject = NULL;

  g_assert_no_error (error);
  courriel_demo_mailbox_fill (bench, "alice@example.test", 300, &stats, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (stats.total, >=, 300);
  g_assert_cmpuint (stats.total, ==, stats.inbox + stats.sent);

  /* What the server holds is what the generator says it wrote. */
  g_assert_cmpuint (count_matching (bench, "INBOX", "ALL"), ==, stats.inbox);
  g_assert_cmpuint (count_matching (bench, "Sent", "ALL"), ==, stats.sent);
  g_assert_cmpuint (count_matching (bench, "INBOX", "UNSEEN"), ==, stats.unread);
  g_assert_cmpuint (count_matching (bench, "INBOX", "FLAGGED"), ==, stats.flagged);
  g_assert_cmpuint (count_matching (bench, "Sent", "UNSEEN"), ==, 0);
  g_assert_cmpuint (count_matching (bench, "INBOX", "HEADER Content-Type multipart/mixed")
                      + count_matching (bench, "Sent", "HEADER Content-Type multipart/mixed"),
                    ==, stats.attachments);
  g_assert_cmpuint (count_matching (bench, "INBOX", "HEADER In-Reply-To @")
                      + count_matching (bench, "Sent", "HEADER In-Reply-To @"),
                    ==, stats.replies);

  /* Varied enough to show every part of the UI. */
  g_assert_cmpuint (stats.inbox, >=, 200);
  g_assert_cmpuint (stats.unread, >=, 3);
  g_assert_cmpuint (stats.unread, <=, stats.inbox / 4);
  g_assert_cmpuint (stats.flagged, >=, 3);
  g_assert_cmpuint (stats.attachments, >=, 15);
  g_assert_cmpuint (stats.html, >=, 15);
  g_assert_cmpuint (stats.replies, >=, 60);
  g_assert_cmpuint (stats.french, >=, stats.total / 3);
  g_assert_cmpuint (stats.total - stats.french, >=, stats.total / 3);

  /* Accented subjects travel RFC 2047-encoded, and the server finds them by their decoded text. */
  french = courriel_test_imap_search (bench, "alice@example.test", TRUE, "INBOX", "SUBJECT \"union de lundi\"");
  g_assert_cmpuint (count_words (french), >=, 1);
  *strchrnul (french, ' ') = '\0';
  subject = courriel_test_imap_fetch (bench, "alice@example.test", "INBOX", french, "HEADER.FIELDS (SUBJECT)");
  g_assert_nonnull (strstr (subject, "?B?"));
  for (const char *p = subject; *p != '\0'; p++)
    g_assert_cmpuint ((guchar)*p, <, 0x80);

  /* An attachment with a non-ASCII name is a real MIME part the server can describe. */
  mixed_uids = courriel_test_imap_search (bench, "alice@example.test", TRUE, "INBOX", "HEADER Content-Type multipart/mixed");
  g_strdelimit (mixed_uids, " ", ',');
  command = g_strdup_printf ("UID FETCH %s BODYSTRUCTURE", mixed_uids);
  structure = courriel_test_imap (bench, "alice@example.test", TRUE, "INBOX", command);
  g_assert_nonnull (strstr (structure, "\"mixed\""));
  g_assert_nonnull (strstr (structure, "\"attachment\""));
  g_assert_nonnull (strstr (structure, "\"png\""));
  g_assert_nonnull (strstr (structure, "\"pdf\""));

  status = courriel_test_imap (bench, "alice@example.test", TRUE, NULL, "STATUS INBOX (MESSAGES UNSEEN)");
  g_test_message ("%s", status);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo-mailbox/varied", test_demo_mailbox);
  return g_test_run ();
}
