/* courriel-link-check.c — whether a link in a message may open, and whether to ask first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phishing message shows "www.mybank.com" and links to somewhere else. When the text of a
 * link reads as a web address, its host must be in the same registrable domain as the target
 * (www.mybank.com and login.mybank.com agree; mybank.com.evil.example does not); "Click here"
 * shows no host and asks nothing. Only http, https and mailto links open at all.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-link-check.h"

#include "courriel-domain.h"

#include <gio/gio.h>
#include <string.h>

static const char *allowed_schemes[] = { "http", "https", "mailto" };

/* A host name lowercase and in ASCII (IDN), without trailing dots; NULL when it is none. */
static char *
normalise_host (const char *host)
{
  g_autofree char *ascii = host != NULL ? g_hostname_to_ascii (host) : NULL;
  gsize length;

  if (ascii == NULL || strchr (ascii, '.') == NULL || strpbrk (ascii, " /?#<>\"@") != NULL)
    return NULL;
  length = strlen (ascii);
  while (length > 0 && ascii[length - 1] == '.')
    ascii[--length] = '\0';
  return length > 0 ? g_ascii_strdown (ascii, -1) : NULL;
}

/* The host an address names; NULL when it names none. With @bare, "www.example.com/page"
 * names one too (as a link's text). */
static char *
host_of (const char *text, gboolean bare)
{
  g_autofree char *candidate = text != NULL ? g_strstrip (g_strdup (text)) : NULL;
  g_autoptr (GUri) uri = NULL;

  if (candidate == NULL || *candidate == '\0' || strchr (candidate, ' ') != NULL)
    return NULL;
  if (g_ascii_strncasecmp (candidate, "mailto:", 7) == 0)
    {
      const char *at = strrchr (candidate, '@');
      return at != NULL ? normalise_host (at + 1) : NULL;
    }
  uri = g_uri_parse (candidate, G_URI_FLAGS_NONE, NULL);
  if ((uri == NULL || g_uri_get_host (uri) == NULL) && bare)
    {
      g_autofree char *with_scheme = g_strconcat ("http://", candidate, NULL);

      g_clear_pointer (&uri, g_uri_unref);
      uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
    }
  return uri != NULL ? normalise_host (g_uri_get_host (uri)) : NULL;
}

/**
 * courriel_link_check:
 * @visible_text: (nullable): what the message shows for the link
 * @uri: where the link leads
 * @shown_host: (out) (optional): the host the text shows, for the question to the user
 * @target_host: (out) (optional): the host the link leads to
 *
 * Returns: whether to open @uri, ask first, or refuse.
 */
CourrielLinkVerdict
courriel_link_check (const char *visible_text, const char *uri, char **shown_host, char **target_host)
{
  g_autofree char *scheme = uri != NULL ? g_uri_parse_scheme (uri) : NULL;
  g_autofree char *shown = NULL;
  g_autofree char *target = NULL;
  gboolean allowed = FALSE;
  CourrielLinkVerdict verdict = COURRIEL_LINK_OPEN;

  if (shown_host != NULL)
    *shown_host = NULL;
  if (target_host != NULL)
    *target_host = NULL;
  for (guint i = 0; scheme != NULL && i < G_N_ELEMENTS (allowed_schemes); i++)
    allowed = allowed || g_ascii_strcasecmp (scheme, allowed_schemes[i]) == 0;
  if (!allowed || !g_uri_is_valid (uri, G_URI_FLAGS_NONE, NULL))
    return COURRIEL_LINK_REFUSED;
  target = host_of (uri, FALSE);
  if (target == NULL && g_ascii_strcasecmp (scheme, "mailto") != 0)
    return COURRIEL_LINK_REFUSED;
  shown = host_of (visible_text, TRUE);
  if (shown != NULL && target != NULL && g_strcmp0 (shown, target) != 0)
    {
      g_autofree char *shown_base = courriel_domain_registrable (shown);
      g_autofree char *target_base = courriel_domain_registrable (target);

      if (!g_str_equal (shown_base, target_base))
        verdict = COURRIEL_LINK_CONFIRM;
    }
  else if (shown != NULL && target == NULL)
    verdict = COURRIEL_LINK_CONFIRM;
  if (shown_host != NULL)
    *shown_host = g_steal_pointer (&shown);
  if (target_host != NULL)
    *target_host = g_steal_pointer (&target);
  return verdict;
}

static void
link_span_clear (CourrielLinkSpan *span)
{
  g_free (span->uri);
}

/**
 * courriel_link_find_all:
 * @text: plain text, UTF-8
 *
 * Returns: (element-type CourrielLinkSpan): the web and mail addresses in @text that may open
 * (http, https, mailto, and "www." ones), without a sentence's closing punctuation; never a
 * javascript:, data: or file: one.
 */
GArray *
courriel_link_find_all (const char *text)
{
  static GRegex *links;
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (CourrielLinkSpan));
  g_autoptr (GMatchInfo) match = NULL;

  g_array_set_clear_func (spans, (GDestroyNotify)link_span_clear);
  if (g_once_init_enter (&links))
    g_once_init_leave (&links, g_regex_new ("(?:\\bhttps?://|\\bmailto:|\\bwww\\.)[^\\s<>\"'`{}|\\\\^\\[\\]]+",
                                            G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
  if (text == NULL)
    return spans;
  for (g_regex_match (links, text, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      CourrielLinkSpan span = { 0 };
      int start, end;
      g_autofree char *link = NULL;

      g_match_info_fetch_pos (match, 0, &start, &end);
      /* A sentence's full stop or closing bracket is not part of the address. */
      while (end > start && strchr (".,;:!?)", text[end - 1]) != NULL)
        end--;
      link = g_strndup (text + start, end - start);
      span.uri = g_ascii_strncasecmp (link, "www.", 4) == 0 ? g_strconcat ("http://", link, NULL) : g_strdup (link);
      if (courriel_link_check (NULL, span.uri, NULL, NULL) == COURRIEL_LINK_REFUSED)
        {
          g_free (span.uri);
          continue;
        }
      span.start = start;
      span.end = end;
      g_array_append_val (spans, span);
    }
  return spans;
}
