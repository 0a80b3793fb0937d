/* bench-imap-fetch.c — how fast the IMAP client lists a 10,000-message folder, against the
 * reference figures of a minimal client on the same machine (shared/design/test-servers.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints a table; never fails on the figures. Run: build/bench/bench-imap-fetch [N]
 */
#include "config.h"

#include <stdio.h>

#include "courriel-certificate.h"
#include "courriel-connection.h"
#include "courriel-imap-client.h"
#include "courriel-test-bench.h"

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
}

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (line + 6, NULL, 10);
}

static void
fill (CourrielTestBench *bench, guint n)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *raw = g_strdup_printf (
        "From: Sender %u <sender%u@example.org>\r\nTo: alice@example.test\r\nSubject: Message number %u, "
        "=?utf-8?q?r=C3=A9union?=\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\nMessage-ID: <m%u@example.org>\r\n"
        "References: <m%u@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Bonjour, ceci est le message %u.\r\n",
        i, i % 97, i, i, i > 1 ? i - 1 : 1, i);
      g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

      if (!courriel_test_bench_add_message (bench, "alice@example.test", "INBOX", bytes, i % 3 ? "S" : "",
                                            now - (gint64)(n - i) * 60, &error))
        g_error ("%s", error->message);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielTestBench) bench = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr (CourrielConnection) connection = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (CourrielImapUidSet) all = courriel_imap_uid_set_parse ("1:*", NULL);
  guint n = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  const char *extensions[] = { "QRESYNC", NULL };
  guint32 uidvalidity = 0;
  guint64 modseq = 0;
  gint64 start;
  struct
  {
    const char *what;
    const char *items;
    const char *reference;
  } fetches[] = {
    { "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
      "0.15-0.37 s" },
    { "… plus BODYSTRUCTURE", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)", "0.15-0.34 s" },
    { "… plus BODY.PEEK[HEADER.FIELDS (REFERENCES …)]",
      "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE "
      "BODY.PEEK[HEADER.FIELDS (References In-Reply-To List-Id Authentication-Results)])",
      "~0.30 s" },
  };

  bench = courriel_test_bench_new (&error);
  if (bench == NULL)
    g_error ("%s", error->message);
  start = g_get_monotonic_time ();
  fill (bench, n);
  printf ("Courriel IMAP client, %u messages in INBOX on loopback Dovecot IMAPS (filled in %.1f s)\n\n", n,
          seconds_since (start));

  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  fingerprint = courriel_certificate_get_fingerprint (certificate);
  connection = courriel_connection_new ("127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS),
                                        COURRIEL_SECURITY_TLS);
  courriel_connection_set_pinned_fingerprint (connection, fingerprint);
  client = courriel_imap_client_new (connection);

  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_connect_async (client, NULL, got_result, &result);
    if (!courriel_imap_client_connect_finish (client, wait_for (&result), &error))
      g_error ("%s", error->message);
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_imap_client_login_async (client, "alice@example.test",
                                      courriel_test_bench_get_password (bench, "alice@example.test"), NULL, got_result,
                                      &result);
    if (!courriel_imap_client_login_finish (client, wait_for (&result), &error))
      g_error ("%s", error->message);
  }
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_auto (GStrv) enabled = NULL;
    courriel_imap_client_enable_async (client, extensions, NULL, got_result, &result);
    enabled = courriel_imap_client_enable_finish (client, wait_for (&result), &error);
  }
  {
    /* The first SELECT makes Dovecot index the new Maildir: not part of the figures. */
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (CourrielImapSelection) selection = NULL;
    start = g_get_monotonic_time ();
    courriel_imap_client_select_async (client, "INBOX", FALSE, NULL, NULL, got_result, &result);
    selection = courriel_imap_client_select_finish (client, wait_for (&result), &error);
    if (selection == NULL)
      g_error ("%s", error->message);
    uidvalidity = selection->uidvalidity;
    modseq = selection->highestmodseq;
    printf ("First SELECT (server indexing): %.2f s\n\n", seconds_since (start));
  }

  {
    /* Dovecot reads the new Maildir files on the first FETCH: warm it up, untimed, as the
     * reference figures were taken on an indexed mailbox. */
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GPtrArray) list = NULL;

    start = g_get_monotonic_time ();
    courriel_imap_client_uid_fetch_async (client, all, fetches[2].items, 0, NULL, NULL, NULL, got_result, &result);
    list = courriel_imap_client_uid_fetch_finish (client, wait_for (&result), &error);
    printf ("Warm-up FETCH (server indexing): %.2f s\n\n", seconds_since (start));
  }

  printf ("| work | Courriel | reference (minimal client) | RSS after |\n|---|---|---|---|\n");
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GPtrArray) list = NULL;

      start = g_get_monotonic_time ();
      courriel_imap_client_uid_fetch_async (client, all, fetches[i].items, 0, NULL, NULL, NULL, got_result, &result);
      list = courriel_imap_client_uid_fetch_finish (client, wait_for (&result), &error);
      if (list == NULL || list->len != n)
        g_error ("fetch: %s", error != NULL ? error->message : "wrong count");
      printf ("| %s | %.2f s | %s | %zu MiB |\n", fetches[i].what, seconds_since (start), fetches[i].reference,
              rss_kib () / 1024);
    }

  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GPtrArray) list = NULL;

    start = g_get_monotonic_time ();
    courriel_imap_client_uid_fetch_async (client, all, "(FLAGS)", 0, NULL, NULL, NULL, got_result, &result);
    list = courriel_imap_client_uid_fetch_finish (client, wait_for (&result), &error);
    printf ("| resync, nothing changed: UID FETCH 1:* (FLAGS) | %.3f s | ~25 ms | %zu MiB |\n", seconds_since (start),
            rss_kib () / 1024);
  }
  {
    /* QRESYNC from what the first SELECT knew: nothing vanished, nothing changed. */
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (CourrielImapSelection) selection = NULL;
    CourrielImapQresync qresync = { uidvalidity, modseq, NULL };

    start = g_get_monotonic_time ();
    courriel_imap_client_select_async (client, "INBOX", FALSE, &qresync, NULL, got_result, &result);
    selection = courriel_imap_client_select_finish (client, wait_for (&result), &error);
    if (selection == NULL)
      g_error ("%s", error->message);
    printf ("| resync, nothing changed: SELECT INBOX (QRESYNC …) | %.3f s | ~15 ms (whole session) | %zu MiB |\n",
            seconds_since (start), rss_kib () / 1024);
  }
  return 0;
}
