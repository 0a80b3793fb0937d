/* courriel-test-curl.c — curl as an independent mail client for checking what the servers hold
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests use it to look at the servers from outside Courriel: a test of Courriel's IMAP code
 * must not judge the result with that same code.
 */
#include "config.h"
#include "courriel-test-curl.h"

/**
 * courriel_test_curl:
 * @args: curl's arguments after the program name
 * @out: (out) (optional): what curl printed on standard output
 *
 * Returns: curl's exit status; curl's error output goes to the test log when it is not 0
 */
int
courriel_test_curl (const char * const *args, char **out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *fixed[] = { "curl", "--silent", "--show-error", "--max-time", "30" };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (char *)fixed[i]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_test_message ("curl exited %d: %s", g_subprocess_get_exit_status (proc), stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_exit_status (proc);
}

char *
courriel_test_url (CourrielTestBench *bench, const char *scheme, CourrielTestBenchService service, const char *path)
{
  return g_strdup_printf ("%s://%s:%u/%s", scheme, courriel_test_bench_get_host (bench),
                          courriel_test_bench_get_port (bench, service), path != NULL ? path : "");
}

char *
courriel_test_credentials (CourrielTestBench *bench, const char *address)
{
  return g_strdup_printf ("%s:%s", address, courriel_test_bench_get_password (bench, address));
}

/**
 * courriel_test_imap:
 * @mailbox: (nullable): the mailbox to select first, or %NULL for none
 *
 * Runs one IMAP command as @address, over implicit TLS or STARTTLS, and asserts that it
 * worked.
 *
 * Returns: (transfer full): the untagged responses
 */
char *
courriel_test_imap (CourrielTestBench *bench, const char *address, gboolean implicit_tls, const char *mailbox,
                    const char *command)
{
  g_autofree char *escaped = mailbox != NULL ? g_uri_escape_string (mailbox, NULL, FALSE) : NULL;
  g_autofree char *target = implicit_tls ? courriel_test_url (bench, "imaps", COURRIEL_TEST_BENCH_IMAPS, escaped)
                                         : courriel_test_url (bench, "imap", COURRIEL_TEST_BENCH_IMAP, escaped);
  g_autofree char *user = courriel_test_credentials (bench, address);
  char *out = NULL;
  const char *args[] = { "--ssl-reqd", "--cacert", courriel_test_bench_get_ca_file (bench),
                         "--user", user, "--request", command, target, NULL };

  g_assert_cmpint (courriel_test_curl (args, &out), ==, CURL_OK);
  return out;
}

/**
 * courriel_test_imap_search:
 *
 * Returns: (transfer full): the UIDs in @mailbox matching the IMAP SEARCH @criteria, as the
 *   server listed them, separated by spaces; "" when none
 */
char *
courriel_test_imap_search (CourrielTestBench *bench, const char *address, gboolean implicit_tls,
                           const char *mailbox, const char *criteria)
{
  g_autofree char *command = g_strdup_printf ("UID SEARCH %s", criteria);
  g_autofree char *out = courriel_test_imap (bench, address, implicit_tls, mailbox, command);
  const char *found = strstr (out, "* SEARCH");

  g_assert_nonnull (found);
  found += strlen ("* SEARCH");
  return g_strstrip (g_strndup (found, strcspn (found, "\r\n")));
}

/**
 * courriel_test_imap_fetch:
 * @section: (nullable): an IMAP section such as "HEADER.FIELDS (SUBJECT)", or %NULL for the whole message
 *
 * Returns: (transfer full): the bytes of that section of message @uid in @mailbox, as text
 */
char *
courriel_test_imap_fetch (CourrielTestBench *bench, const char *address, const char *mailbox, const char *uid,
                          const char *section)
{
  g_autofree char *escaped_mailbox = g_uri_escape_string (mailbox, NULL, FALSE);
  g_autofree char *escaped_section = section != NULL ? g_uri_escape_string (section, NULL, FALSE) : NULL;
  g_autofree char *path = section != NULL ? g_strdup_printf ("%s;UID=%s;SECTION=%s", escaped_mailbox, uid, escaped_section)
                                          : g_strdup_printf ("%s;UID=%s", escaped_mailbox, uid);
  g_autofree char *target = courriel_test_url (bench, "imaps", COURRIEL_TEST_BENCH_IMAPS, path);
  g_autofree char *user = courriel_test_credentials (bench, address);
  char *out = NULL;
  const char *args[] = { "--cacert", courriel_test_bench_get_ca_file (bench), "--user", user, target, NULL };

  g_assert_cmpint (courriel_test_curl (args, &out), ==, CURL_OK);
  return out;
}
