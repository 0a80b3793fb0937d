/* courriel-html-view.h — the reader's HTML body: no script, no network unless the user allows images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_HTML_VIEW (courriel_html_view_get_type ())
G_DECLARE_FINAL_TYPE (CourrielHtmlView, courriel_html_view, COURRIEL, HTML_VIEW, AdwBin)

/* Signals:
 *   "remote-content-blocked" (void): the page asks for something remote that was not loaded.
 *     Emitted at most once per load, from within courriel_html_view_load() itself (never with
 *     @allow_remote), so a handler can show the "Remote content blocked" banner straight away.
 *   "link-activated" (const char *uri, const char *visible_text): the user clicked an http, https,
 *     mailto or ftp link; the view never follows it itself (nor javascript:, file: or any other
 *     link). @visible_text is what the link shows (its label, else its title), NULL when unknown
 *     (a link activated from the keyboard), so the look-alike check can compare it with @uri.
 * The view scrolls its content itself and expands to the space it is given; the page stays
 * white in a dark style, as mail HTML is written for a white page. */

GtkWidget *courriel_html_view_new   (void);
/* Shows @html (UTF-8) of @message; cid: URLs are answered from @message's parts (may be NULL).
 * With @allow_remote ("Show once"), remote images (and only images) may load. */
void       courriel_html_view_load  (CourrielHtmlView *self,
                                     const char       *html,
                                     GMimeMessage     *message,
                                     gboolean          allow_remote);
void       courriel_html_view_clear (CourrielHtmlView *self);

G_END_DECLS
