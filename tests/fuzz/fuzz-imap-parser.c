/* fuzz-imap-parser.c — libFuzzer target: arbitrary server bytes through the IMAP parser and
 * every typed decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte chooses where the input is cut in two, so that the fuzzer also explores
 * responses split across reads; a small literal limit with a sink exercises streaming.
 */
#include "config.h"

#include "courriel-imap-fetch.h"
#include "courriel-imap-mailbox.h"
#include "courriel-imap-parser.h"
#include "courriel-imap-search.h"
#include "courriel-imap-utf7.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
sink (const char *item, guint64 total, const guint8 *chunk, gsize length, gboolean last, gpointer user_data)
{
  *(guint64 *)user_data += length;
}

static void
decode_all (CourrielImapResponse *response)
{
  const char *name = courriel_imap_response_get_name (response);
  g_autofree char *text = NULL;

  if (name == NULL)
    return;
  /* Each decoder returns NULL or data; either way it is freed at once. */
  if (g_str_equal (name, "FETCH"))
    courriel_imap_fetch_unref (courriel_imap_fetch_parse (response, NULL));
  else if (g_str_equal (name, "LIST") || g_str_equal (name, "LSUB"))
    {
      courriel_imap_mailbox_unref (courriel_imap_mailbox_parse (response, FALSE, NULL));
      courriel_imap_mailbox_unref (courriel_imap_mailbox_parse (response, TRUE, NULL));
    }
  else if (g_str_equal (name, "STATUS"))
    {
      g_autofree char *mailbox = NULL;
      courriel_imap_status_data_unref (courriel_imap_status_data_parse (response, FALSE, &mailbox, NULL));
    }
  else if (g_str_equal (name, "SEARCH"))
    courriel_imap_search_free (courriel_imap_search_parse (response, NULL));
  else if (g_str_equal (name, "ESEARCH"))
    courriel_imap_esearch_free (courriel_imap_esearch_parse (response, NULL));
  else if (g_str_equal (name, "VANISHED"))
    courriel_imap_vanished_free (courriel_imap_vanished_parse (response, NULL));
  text = courriel_imap_utf7_decode (courriel_imap_response_get_text (response), NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (CourrielImapParser) parser = NULL;
  CourrielImapResponse *response;
  guint64 streamed = 0;
  gsize cut;

  if (size == 0)
    return 0;
  cut = size > 1 ? data[0] % size : 0;
  data++;
  size--;
  cut = MIN (cut, size);

  parser = courriel_imap_parser_new ();
  courriel_imap_parser_set_limits (parser, 8192, 256, 32);
  courriel_imap_parser_set_literal_sink (parser, sink, &streamed, NULL);
  if (courriel_imap_parser_feed (parser, data, cut, NULL))
    courriel_imap_parser_feed (parser, data + cut, size - cut, NULL);
  while ((response = courriel_imap_parser_pop (parser)) != NULL)
    {
      decode_all (response);
      courriel_imap_response_unref (response);
    }
  return 0;
}
