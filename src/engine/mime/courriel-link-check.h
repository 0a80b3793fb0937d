/* courriel-link-check.h — whether a link in a message may open, and whether to ask first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  COURRIEL_LINK_OPEN,     /* open it */
  COURRIEL_LINK_CONFIRM,  /* the text shows another site than the link leads to: ask */
  COURRIEL_LINK_REFUSED,  /* not a web or mail link (javascript:, file:, data:…), or unreadable */
} CourrielLinkVerdict;

typedef struct
{
  gsize  start; /* byte offsets of the link in the text */
  gsize  end;
  char  *uri;   /* what it opens: "www.example.org" opens "http://www.example.org" */
} CourrielLinkSpan;

CourrielLinkVerdict courriel_link_check    (const char  *visible_text,
                                            const char  *uri,
                                            char       **shown_host,
                                            char       **target_host);
GArray             *courriel_link_find_all (const char  *text);

G_END_DECLS
