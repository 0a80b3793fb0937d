/* test-threader.c — conversations: References chains, missing parents, In-Reply-To alone, loops,
 * duplicate Message-IDs, and the subject fallback for replies that lost their references
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-threader.h"

typedef struct
{
  const char *message_id;
  const char *in_reply_to;
  const char *references;
  const char *subject;
  gint64      date;
} Message;

/* Threads @messages; returns the conversation of each as a letter, 'a' for the first
 * conversation met, 'b' for the next...: "aab" says the first two share one. */
static char *
conversations (const Message *messages, guint n, guint *count)
{
  g_autoptr (CourrielThreader) threader = courriel_threader_new ();
  g_autofree guint *seen = g_new (guint, n);
  GString *out = g_string_new (NULL);
  guint letters = 0;

  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (courriel_threader_add (threader, messages[i].message_id, messages[i].in_reply_to,
                                             messages[i].references, messages[i].subject, messages[i].date),
                      ==, i);
  *count = courriel_threader_run (threader);
  for (guint i = 0; i < n; i++)
    {
      guint t = courriel_threader_thread_of (threader, i);
      guint letter = G_MAXUINT;

      for (guint k = 0; k < letters; k++)
        if (seen[k] == t)
          letter = k;
      if (letter == G_MAXUINT)
        {
          letter = letters;
          seen[letters++] = t;
        }
      g_string_append_c (out, 'a' + letter);
    }
  g_assert_cmpuint (letters, ==, *count);
  return g_string_free (out, FALSE);
}

#define CHECK(messages, expected)                                                                                     \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    guint count;                                                                                                       \
    g_autofree char *got = conversations (messages, G_N_ELEMENTS (messages), &count);                                 \
    g_assert_cmpstr (got, ==, expected);                                                                               \
  }                                                                                                                    \
  G_STMT_END

static void
test_references (void)
{
  /* A chain, added out of order; an unrelated message in between. */
  const Message messages[] = {
    { "<3@x>", "<2@x>", "<1@x> <2@x>", "Re: Re: Plan", 30 },
    { "<9@x>", NULL, NULL, "Something else", 25 },
    { "<1@x>", NULL, NULL, "Plan", 10 },
    { "<2@x>", "<1@x>", "<1@x>", "Re: Plan", 20 },
    /* In-Reply-To only (no References header). */
    { "<4@x>", "<3@x>", NULL, "Re: Re: Re: Plan", 40 },
  };

  CHECK (messages, "abaaa");
}

static void
test_missing_parent (void)
{
  /* Two replies to a message that is not in the list (it is in Sent, say) stay together, as
   * do a reply to one of them; a message whose References name nothing known stays alone. */
  const Message messages[] = {
    { "<r1@x>", "<root@x>", "<root@x>", "Re: Trip", 10 },
    { "<r2@x>", "<root@x>", "<root@x>", "Re: Trip", 20 },
    { "<r3@x>", "<r2@x>", "<root@x> <r2@x>", "Re: Trip", 30 },
    { "<o@x>", "<nowhere@x>", "<nowhere@x>", "Other", 5 },
  };

  CHECK (messages, "aaab");
}

static void
test_loops_and_duplicates (void)
{
  /* References that make a loop must not hang or crash; a Message-ID used twice keeps both
   * messages. */
  const Message messages[] = {
    { "<a@x>", "<b@x>", "<b@x>", "Loop", 1 },
    { "<b@x>", "<a@x>", "<a@x>", "Loop", 2 },
    { "<a@x>", NULL, NULL, "Duplicate", 3 },
    { NULL, NULL, NULL, NULL, 4 },
    { "no-brackets@x", NULL, NULL, "Bare id", 5 },
    { "<c@x>", "no-brackets@x", NULL, "Re: Bare id", 6 },
    { "<d@x>", NULL, "<d@x>", "Self reference", 7 },
  };
  guint count;
  g_autofree char *got = conversations (messages, G_N_ELEMENTS (messages), &count);

  g_assert_cmpuint (strlen (got), ==, G_N_ELEMENTS (messages));
  g_assert_cmpint (got[0], ==, got[1]);
  g_assert_cmpint (got[3], !=, got[0]);
  g_assert_cmpint (got[4], ==, got[5]);
  g_assert_cmpint (got[6], !=, got[4]);
}

static void
test_subject_fallback (void)
{
  const Message messages[] = {
    /* A reply without references joins the original of its subject (the most recent one). */
    { "<l1@x>", NULL, NULL, "Lunch", 10 },
    { "<l2@x>", NULL, NULL, "Lunch", 50 },
    { "<l3@x>", NULL, NULL, "RE: lunch", 60 },
    { "<l4@x>", NULL, NULL, "Re[2]: [team] Lunch", 70 },
    /* Two originals with the same subject are never merged. */
    { "<i1@x>", NULL, NULL, "Invoice", 10 },
    { "<i2@x>", NULL, NULL, "Invoice", 20 },
    /* Replies whose original is missing group with each other. */
    { "<t1@x>", NULL, NULL, "AW: Termin", 10 },
    { "<t2@x>", NULL, NULL, "Fwd: Termin", 20 },
    /* Empty subjects never group. */
    { "<e1@x>", NULL, NULL, "Re:", 10 },
    { "<e2@x>", NULL, NULL, "Re: ", 20 },
  };

  CHECK (messages, "abbbcdeefg");
}

static void
test_base_subject (void)
{
  struct
  {
    const char *subject;
    const char *base;
    gboolean    reply;
  } cases[] = {
    { "Hello", "hello", FALSE },
    { "Re: Hello", "hello", TRUE },
    { "RE: Fwd: re:Hello ", "hello", TRUE },
    { "Re[3]: Hello", "hello", TRUE },
    { "[list] Re: Hello", "hello", TRUE },
    { "TR: Réunion", "réunion", TRUE },
    { "Regarding: things", "regarding: things", FALSE },
    { "[only a tag]", "[only a tag]", FALSE },
    { NULL, "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean reply;
      g_autofree char *base = courriel_threader_base_subject (cases[i].subject, &reply);

      g_assert_cmpstr (base, ==, cases[i].base);
      g_assert_cmpint (reply, ==, cases[i].reply);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/threader/references", test_references);
  g_test_add_func ("/threader/missing-parent", test_missing_parent);
  g_test_add_func ("/threader/loops-and-duplicates", test_loops_and_duplicates);
  g_test_add_func ("/threader/subject-fallback", test_subject_fallback);
  g_test_add_func ("/threader/base-subject", test_base_subject);
  return g_test_run ();
}
