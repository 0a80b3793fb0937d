/* fuzz-auth-results.c — libFuzzer target: arbitrary Authentication-Results headers, link texts
 * and attachment names, the sender's choices the reader meets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is one or more header lines; the first line is also a link's visible text against
 * the second as its address, and every line an attachment's file name.
 */
#include "config.h"

#include <string.h>

#include "courriel-auth-results.h"
#include "courriel-file-name.h"
#include "courriel-link-check.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *)data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 3);
  g_autofree char *domain = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (CourrielAuthResults) results = courriel_auth_results_parse (lines[i], NULL);
      g_autofree char *name = courriel_file_name_sanitize (lines[i]);

      g_assert (*name != '\0' && strchr (name, '/') == NULL && name[0] != '.');
      g_assert (strlen (name) <= COURRIEL_FILE_NAME_MAX);
      if (results != NULL)
        for (guint j = 0; j < results->results->len; j++)
          g_assert (((CourrielAuthResult *)results->results->pdata[j])->method != NULL);
    }
  courriel_auth_results_verdict (text, "example.fr", "a@shop.example", &domain);
  if (lines[0] != NULL && lines[1] != NULL)
    courriel_link_check (lines[0], lines[1], NULL, NULL);
  return 0;
}
