/* courriel-html-view.c — the reader's HTML body: no script, no network unless the user allows images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mail is hostile input. Four walls keep a message from talking to the network, each enough on
 * its own for what it covers, because WebKit bug 259787 (CVE-2025-66286) showed that one wall
 * (per-request blocking) leaks: preconnect, stylesheet and DNS-prefetch connections went through
 * in Evolution, Geary and Balsa.
 *  1. The network session: an ephemeral WebKitNetworkSession of our own whose only proxy is a
 *     loopback port that this process holds bound and never listens on, so every connection the
 *     network process tries is refused by the kernel before a byte leaves. An HTTP proxy also
 *     means the network process never resolves the remote host name itself.
 *  2. The settings: no JavaScript, no DNS prefetching, no preconnect/preload/prefetch, no media,
 *     WebGL, WebSocket, beacons, service workers, storage or page cache.
 *  3. A content filter (WebKit content blocker rules, compiled once into the cache folder) that
 *     blocks every load but cid: and data: images, and a default Content-Security-Policy saying
 *     the same.
 *  4. decide-policy: the view never navigates; a click is handed to the reader ("link-activated").
 * A click's decide-policy tells only where the link goes; what the link shows comes from the last
 * "mouse-target-changed" (the link under the pointer), so the reader can compare the two.
 * "Show once" (allow_remote) swaps in a second session that may connect, with a filter and a
 * policy that let through images only; everything else above stays.
 *
 * Checked by tests/test-html-view.c (a counting server: zero connections) and, for name lookups,
 * by hand with strace -f on that test pointed at an unknown host name: no DNS query and no read of
 * /etc/resolv.conf with this setup, 18 queries with proxy, filter and policy all removed; with
 * the proxy alone the network process only knocks at the sinkhole port. With the proxy removed,
 * webkit_web_view_load_uri() preconnects to the host even though decide-policy refuses the load.
 * WebKit's bubblewrap sandbox for the web processes works on the development machine as is.
 */
#define G_LOG_DOMAIN "courriel-html-view"

#include "config.h"
#include "courriel-html-view.h"

#include "courriel-gmime-autoptr.h"
#include <webkit/webkit.h>

/* A base that nothing relative can resolve against: "about:blank" is not hierarchical, so
 * <img src="pixel.png"> is an invalid URL instead of a request somewhere. */
#define BASE_URI "about:blank"
#define FILTER_BLOCK_ALL "courriel-html-block-all-v1"
#define FILTER_IMAGES_ONLY "courriel-html-images-only-v1"

/* Everything but the message's own parts: the main document is about:blank, styles are inline. */
#define CSP_COMMON                                                                            \
  "default-src 'none'; style-src 'unsafe-inline' cid:; font-src cid: data:; script-src 'none'; " \
  "object-src 'none'; frame-src 'none'; child-src 'none'; media-src 'none'; connect-src 'none'; " \
  "form-action 'none'; base-uri 'none'; "
#define CSP_CLOSED CSP_COMMON "img-src cid: data:"
#define CSP_IMAGES CSP_COMMON "img-src cid: data: http: https:"

/* Content blocker rules (the Safari format WebKit compiles). The first rule blocks every load;
 * the later ones make exceptions ("ignore-previous-rules" undoes the earlier matching rules). */
#define RULES_LOCAL_ONLY                                                                       \
  "{\"trigger\":{\"url-filter\":\".*\"},\"action\":{\"type\":\"block\"}},"                       \
  "{\"trigger\":{\"url-filter\":\"^about:\"},\"action\":{\"type\":\"ignore-previous-rules\"}},"   \
  "{\"trigger\":{\"url-filter\":\"^cid:\"},\"action\":{\"type\":\"ignore-previous-rules\"}},"     \
  "{\"trigger\":{\"url-filter\":\"^data:\",\"resource-type\":[\"image\",\"font\"]},"              \
  "\"action\":{\"type\":\"ignore-previous-rules\"}}"
static const char block_all_rules[] = "[" RULES_LOCAL_ONLY "]";
static const char images_only_rules[] =
  "[" RULES_LOCAL_ONLY ","
  "{\"trigger\":{\"url-filter\":\"^https?://\",\"resource-type\":[\"image\"]},"
  "\"action\":{\"type\":\"ignore-previous-rules\"}}]";

/* Mail HTML is written for a white page; a dark page under it would hide its text. */
static const char user_style[] =
  "html { background: #ffffff; color: #000000; }"
  "body { margin: 12px; overflow-wrap: anywhere; }"
  "img { max-width: 100%; height: auto; }";

/* WebKit features that open connections or run code on their own, off in both modes. */
static const char * const features_off[] = {
  "LinkPreconnect", "LinkPreconnectEarlyHints", "LinkPreload", "LinkPrefetch", "LinkDNSPrefetch",
  "WebSocket", "BeaconAPI", "ServiceWorkers", "ServiceWorkerNavigationPreload", "WebGL", "WebGPU",
  "Media", "MediaSource", "ManagedMediaSource", "MediaDevices", "MediaSession", NULL,
};

struct _CourrielHtmlView
{
  AdwBin         parent_instance;
  WebKitWebView *web_view;          /* NULL until the first load */
  gboolean       web_view_remote;   /* which session web_view was made with */
  GMimeMessage  *message;           /* answers cid: requests */
  char          *pending_html;      /* waits for the content filters to compile */
  gboolean       pending_remote;
  guint          loads_requested;   /* load_html() calls whose navigation WebKit has yet to ask for */
  char          *hovered_uri;       /* the link under the pointer, NULL when there is none */
  char          *hovered_text;      /* its label, else its title; NULL when it shows neither */
};

G_DEFINE_FINAL_TYPE (CourrielHtmlView, courriel_html_view, ADW_TYPE_BIN)

enum { SIGNAL_REMOTE_CONTENT_BLOCKED, SIGNAL_LINK_ACTIVATED, N_SIGNALS };
static guint signals [N_SIGNALS];

/* What every view of the process shares; it lives as long as the process. */
typedef struct
{
  WebKitWebContext        *context;
  WebKitNetworkSession    *closed_session;
  WebKitNetworkSession    *remote_session;
  GSocket                 *sinkhole;
  WebKitUserContentFilter *block_all;
  WebKitUserContentFilter *images_only;
  guint                    filters_pending;
  GList                   *waiting;       /* CourrielHtmlView* with a load held back */
} Shared;

static Shared *shared;

static void start_load (CourrielHtmlView *self);

/* A loopback port bound by this process and never listened on: connecting to it is refused by
 * the kernel, and no other program can take it (no SO_REUSEADDR) while we hold it. */
static char *
sinkhole_proxy_uri (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  shared->sinkhole = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (shared->sinkhole != NULL && g_socket_bind (shared->sinkhole, any_port, FALSE, &error))
    bound = g_socket_get_local_address (shared->sinkhole, &error);
  if (bound == NULL)
    {
      /* Still closed, only less certain: port 1 (tcpmux) has no listener on any usual system. */
      g_warning ("Could not reserve a loopback port for the HTML view's proxy: %s", error->message);
      return g_strdup ("http://127.0.0.1:1");
    }
  return g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static WebKitNetworkSession *
new_session (const char *proxy_uri)
{
  WebKitNetworkSession *session = webkit_network_session_new_ephemeral ();
  WebKitCookieManager *cookies = webkit_network_session_get_cookie_manager (session);

  webkit_cookie_manager_set_accept_policy (cookies, WEBKIT_COOKIE_POLICY_ACCEPT_NEVER);
  webkit_network_session_set_tls_errors_policy (session, WEBKIT_TLS_ERRORS_POLICY_FAIL);
  if (proxy_uri != NULL)
    {
      WebKitNetworkProxySettings *proxy = webkit_network_proxy_settings_new (proxy_uri, NULL);

      webkit_network_session_set_proxy_settings (session, WEBKIT_NETWORK_PROXY_MODE_CUSTOM, proxy);
      webkit_network_proxy_settings_free (proxy);
    }
  return session;
}

typedef struct
{
  const char *cid;
  GMimePart  *found;
} CidSearch;

static void
search_cid (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  CidSearch *search = user_data;
  const char *id;

  if (search->found != NULL || !GMIME_IS_PART (part))
    return;
  id = g_mime_object_get_content_id (part);
  if (id != NULL && g_ascii_strcasecmp (id, search->cid) == 0)
    search->found = GMIME_PART (part);
}

static GBytes *
decoded_content (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *array;

  if (content == NULL || g_mime_data_wrapper_write_to_stream (content, stream) < 0)
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}

/* cid:local@host (RFC 2392) → the decoded bytes of the part with that Content-ID. */
static void
answer_cid (WebKitURISchemeRequest *request, gpointer user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  GtkWidget *parent = web_view != NULL ? gtk_widget_get_parent (GTK_WIDGET (web_view)) : NULL;
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  g_autofree char *cid = g_uri_unescape_string (uri + strlen ("cid:"), NULL);
  CidSearch search = { NULL, NULL };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autofree char *mime_type = NULL;

  /* Some senders keep the Content-ID's angle brackets in the URL. */
  if (cid != NULL && cid[0] == '<' && g_str_has_suffix (cid, ">"))
    cid[strlen (cid) - 1] = '\0';
  search.cid = cid != NULL && cid[0] == '<' ? cid + 1 : cid;
  if (cid != NULL && COURRIEL_IS_HTML_VIEW (parent) && COURRIEL_HTML_VIEW (parent)->message != NULL)
    g_mime_message_foreach (COURRIEL_HTML_VIEW (parent)->message, search_cid, &search);
  if (search.found == NULL || (bytes = decoded_content (search.found)) == NULL)
    {
      /* Nobody reads this (the page shows a missing image), so it is not translated. */
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                              "This message has no part “%s”", uri);
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }

  mime_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (GMIME_OBJECT (search.found)));
  stream = g_memory_input_stream_new_from_bytes (bytes);
  webkit_uri_scheme_request_finish (request, stream, g_bytes_get_size (bytes), mime_type);
}

static void
filter_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WebKitUserContentFilter **slot = user_data;
  g_autoptr (GError) error = NULL;

  *slot = webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (source), result, &error);
  /* Without the filter the session's closed proxy still keeps the network shut; remote images
   * then fall back to the closed session too (see start_load). */
  if (*slot == NULL)
    g_warning ("Could not compile the HTML view's content filter: %s", error->message);

  if (--shared->filters_pending > 0)
    return;
  while (shared->waiting != NULL)
    {
      CourrielHtmlView *view = shared->waiting->data;

      shared->waiting = g_list_delete_link (shared->waiting, shared->waiting);
      start_load (view);
    }
}

static void
compile_filter (WebKitUserContentFilterStore *store, const char *identifier, const char *rules,
                WebKitUserContentFilter **slot)
{
  g_autoptr (GBytes) source = g_bytes_new_static (rules, strlen (rules));

  shared->filters_pending++;
  webkit_user_content_filter_store_save (store, identifier, source, NULL, filter_saved, slot);
}

static void
ensure_shared (void)
{
  g_autofree char *proxy_uri = NULL;
  g_autofree char *filter_dir = NULL;
  g_autoptr (WebKitUserContentFilterStore) store = NULL;

  if (shared != NULL)
    return;
  shared = g_new0 (Shared, 1);

  shared->context = webkit_web_context_new ();
  webkit_web_context_set_cache_model (shared->context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
  webkit_web_context_register_uri_scheme (shared->context, "cid", answer_cid, NULL, NULL);

  proxy_uri = sinkhole_proxy_uri ();
  shared->closed_session = new_session (proxy_uri);
  shared->remote_session = new_session (NULL);

  filter_dir = g_build_filename (g_get_user_cache_dir (), "courriel", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (filter_dir);
  compile_filter (store, FILTER_BLOCK_ALL, block_all_rules, &shared->block_all);
  compile_filter (store, FILTER_IMAGES_ONLY, images_only_rules, &shared->images_only);
}

static WebKitSettings *
new_settings (void)
{
  WebKitSettings *settings = g_object_new (WEBKIT_TYPE_SETTINGS,
    "enable-javascript", FALSE,
    "enable-javascript-markup", FALSE,
    "javascript-can-open-windows-automatically", FALSE,
    "javascript-can-access-clipboard", FALSE,
    "enable-html5-local-storage", FALSE,
    "enable-html5-database", FALSE,
    "enable-page-cache", FALSE,
    "enable-developer-extras", FALSE,
    "enable-dns-prefetching", FALSE,
    "enable-webgl", FALSE,
    "enable-webaudio", FALSE,
    "enable-media", FALSE,
    "enable-mediasource", FALSE,
    "enable-media-stream", FALSE,
    "enable-encrypted-media", FALSE,
    "enable-webrtc", FALSE,
    "enable-fullscreen", FALSE,
    "enable-site-specific-quirks", FALSE,
    "enable-back-forward-navigation-gestures", FALSE,
    "allow-modal-dialogs", FALSE,
    "allow-file-access-from-file-urls", FALSE,
    "allow-universal-access-from-file-urls", FALSE,
    "allow-top-navigation-to-data-urls", FALSE,
    "load-icons-ignoring-image-load-setting", FALSE,
    "auto-load-images", TRUE,
    "default-charset", "utf-8",
    NULL);
  WebKitFeatureList *features = webkit_settings_get_all_features ();

  for (gsize i = 0; i < webkit_feature_list_get_length (features); i++)
    {
      WebKitFeature *feature = webkit_feature_list_get (features, i);

      if (g_strv_contains (features_off, webkit_feature_get_identifier (feature)))
        webkit_settings_set_feature_enabled (settings, feature, FALSE);
    }
  webkit_feature_list_unref (features);
  return settings;
}

static gboolean
is_openable_link (const char *uri)
{
  static const char * const schemes[] = { "http", "https", "mailto", "ftp", NULL };
  g_autofree char *scheme = g_uri_parse_scheme (uri);
  g_autofree char *lower = scheme != NULL ? g_ascii_strdown (scheme, -1) : NULL;

  return lower != NULL && g_strv_contains (schemes, lower);
}

static void
forget_hovered_link (CourrielHtmlView *self)
{
  g_clear_pointer (&self->hovered_uri, g_free);
  g_clear_pointer (&self->hovered_text, g_free);
}

/* Remembers what the link under the pointer shows: its label, or for an image link its title
 * (the tooltip the user sees); whitespace alone shows nothing. */
static void
on_mouse_target_changed (WebKitWebView *web_view, WebKitHitTestResult *hit, guint modifiers, CourrielHtmlView *self)
{
  const char *texts[2];

  forget_hovered_link (self);
  if (!webkit_hit_test_result_context_is_link (hit) || webkit_hit_test_result_get_link_uri (hit) == NULL)
    return;
  self->hovered_uri = g_strdup (webkit_hit_test_result_get_link_uri (hit));
  texts[0] = webkit_hit_test_result_get_link_label (hit);
  texts[1] = webkit_hit_test_result_get_link_title (hit);
  for (guint i = 0; i < G_N_ELEMENTS (texts) && self->hovered_text == NULL; i++)
    {
      g_autofree char *stripped = texts[i] != NULL ? g_strstrip (g_strdup (texts[i])) : NULL;

      if (stripped != NULL && *stripped != '\0')
        self->hovered_text = g_steal_pointer (&stripped);
    }
}

static gboolean
on_decide_policy (WebKitWebView *web_view, WebKitPolicyDecision *decision, WebKitPolicyDecisionType type,
                  CourrielHtmlView *self)
{
  WebKitNavigationAction *action;
  WebKitNavigationType navigation;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    {
      /* Nothing is ever downloaded from inside a message. */
      if (!webkit_response_policy_decision_is_mime_type_supported (WEBKIT_RESPONSE_POLICY_DECISION (decision)))
        webkit_policy_decision_ignore (decision);
      else
        webkit_policy_decision_use (decision);
      return TRUE;
    }

  action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  navigation = webkit_navigation_action_get_navigation_type (action);
  uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && navigation != WEBKIT_NAVIGATION_TYPE_LINK_CLICKED
      && self->loads_requested > 0 && g_strcmp0 (uri, BASE_URI) == 0)
    {
      /* Our own load_html(); apart from these, nothing (meta refresh, form, frame) moves the page.
       * A count, not a flag: two quick loads ask twice. A load WebKit drops before asking leaves
       * the count high, which can only let a later page go to an empty about:blank. */
      self->loads_requested--;
      webkit_policy_decision_use (decision);
      return TRUE;
    }
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && navigation == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED
      && g_str_has_prefix (uri, BASE_URI "#"))
    {
      webkit_policy_decision_use (decision); /* an anchor inside the message */
      return TRUE;
    }

  webkit_policy_decision_ignore (decision);
  if (navigation == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED && is_openable_link (uri))
    {
      /* A link activated from the keyboard, or another than the one under the pointer, comes
       * without its text: the reader then checks its scheme only. */
      const char *text = g_strcmp0 (uri, self->hovered_uri) == 0 ? self->hovered_text : NULL;

      g_signal_emit (self, signals[SIGNAL_LINK_ACTIVATED], 0, uri, text);
    }
  return TRUE;
}

/* Copying stays; whatever would open, download, reload or inspect goes. */
static gboolean
on_context_menu (WebKitWebView *web_view, WebKitContextMenu *menu, WebKitHitTestResult *hit, gpointer user_data)
{
  g_autoptr (GList) items = g_list_copy (webkit_context_menu_get_items (menu));

  for (GList *l = items; l != NULL; l = l->next)
    {
      switch (webkit_context_menu_item_get_stock_action (l->data))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
          break;
        default:
          webkit_context_menu_remove (menu, l->data);
        }
    }
  return webkit_context_menu_get_n_items (menu) == 0;
}

static void
on_web_process_terminated (WebKitWebView *web_view, WebKitWebProcessTerminationReason reason, gpointer user_data)
{
  g_warning ("The web process showing a message ended (reason %d)", reason);
}

static void
replace_web_view (CourrielHtmlView *self, gboolean remote)
{
  WebKitUserContentFilter *filter = remote ? shared->images_only : shared->block_all;
  g_autoptr (WebKitUserContentManager) content = webkit_user_content_manager_new ();
  g_autoptr (WebKitUserStyleSheet) style = webkit_user_style_sheet_new (user_style, WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                                                       WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);
  g_autoptr (WebKitSettings) settings = new_settings ();
  GdkRGBA white = { 1, 1, 1, 1 };

  if (filter != NULL)
    webkit_user_content_manager_add_filter (content, filter);
  webkit_user_content_manager_add_style_sheet (content, style);

  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "web-context", shared->context,
                                 "network-session", remote ? shared->remote_session : shared->closed_session,
                                 "user-content-manager", content,
                                 "settings", settings,
                                 "default-content-security-policy", remote ? CSP_IMAGES : CSP_CLOSED,
                                 "hexpand", TRUE,
                                 "vexpand", TRUE,
                                 NULL);
  self->web_view_remote = remote;
  webkit_web_view_set_background_color (self->web_view, &white);
  g_signal_connect_object (self->web_view, "decide-policy", G_CALLBACK (on_decide_policy), self, 0);
  g_signal_connect_object (self->web_view, "mouse-target-changed", G_CALLBACK (on_mouse_target_changed), self, 0);
  g_signal_connect (self->web_view, "context-menu", G_CALLBACK (on_context_menu), NULL);
  g_signal_connect (self->web_view, "web-process-terminated", G_CALLBACK (on_web_process_terminated), NULL);
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->web_view));
}

static void
start_load (CourrielHtmlView *self)
{
  g_autofree char *html = g_steal_pointer (&self->pending_html);
  /* Remote images only with the filter that lets through nothing else. */
  gboolean remote = self->pending_remote && shared->images_only != NULL;

  if (html == NULL)
    return;
  if (self->web_view == NULL || self->web_view_remote != remote)
    {
      replace_web_view (self, remote);
      self->loads_requested = 0;
    }
  /* Another page: the pointer is over none of its links until WebKit says so. */
  forget_hovered_link (self);
  self->loads_requested++;
  webkit_web_view_load_html (self->web_view, html, BASE_URI);
}

/* Whether @value, an attribute value or a piece of CSS, names a remote resource. */
static gboolean
mentions_remote (const char *value)
{
  static const char * const markers[] = { "//", "http:", "https:", "ftp:", "ws:", "wss:" };
  g_autofree char *lower = g_ascii_strdown (value, -1);

  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    if (strstr (lower, markers[i]) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
is_local_reference (const char *value)
{
  while (g_ascii_isspace (*value))
    value++;
  return *value == '\0' || *value == '#' || g_ascii_strncasecmp (value, "cid:", 4) == 0
         || g_ascii_strncasecmp (value, "data:", 5) == 0 || g_ascii_strncasecmp (value, "about:", 6) == 0;
}

typedef struct
{
  gboolean absolute;      /* a remote URL the page would load */
  gboolean relative;      /* a relative one, remote only under a remote <base> */
  gboolean remote_base;
} RemoteScan;

static void
scan_attribute (RemoteScan *scan, const char *tag, const char *name, const char *value, gboolean refresh)
{
  static const char * const loading[] = {
    "src", "srcset", "imagesrcset", "href", "background", "poster", "data", "lowsrc", "dynsrc",
    "codebase", "archive", "xlink:href", "style", "content", NULL,
  };

  if (!g_strv_contains (loading, name))
    return;
  /* A link is followed only when clicked, and then outside the view. */
  if (g_str_equal (name, "href") && (g_str_equal (tag, "a") || g_str_equal (tag, "area")))
    return;
  if (g_str_equal (name, "content") && !refresh)
    return;
  if (g_str_equal (tag, "base"))
    {
      scan->remote_base |= g_str_equal (name, "href") && mentions_remote (value);
      return;
    }
  if (mentions_remote (value))
    scan->absolute = TRUE;
  else if (g_str_equal (name, "style"))
    scan->relative |= strstr (value, "url(") != NULL;
  else if (!is_local_reference (value))
    scan->relative = TRUE;
}

static const char *
find_ascii_case (const char *haystack, const char *needle)
{
  gsize length = strlen (needle);

  for (; *haystack != '\0'; haystack++)
    if (g_ascii_strncasecmp (haystack, needle, length) == 0)
      return haystack;
  return NULL;
}

/* Reads one tag's attributes from @p (just after its name); returns where the tag ends. */
static const char *
scan_tag (RemoteScan *scan, const char *tag, const char *p)
{
  g_autofree char *content = NULL;
  gboolean refresh = FALSE;

  for (;;)
    {
      const char *start;
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      while (g_ascii_isspace (*p) || *p == '/')
        p++;
      if (*p == '\0' || *p == '>')
        break;
      for (start = p; *p != '\0' && !g_ascii_isspace (*p) && *p != '=' && *p != '>' && *p != '/'; p++)
        ;
      name = g_ascii_strdown (start, p - start);
      while (g_ascii_isspace (*p))
        p++;
      if (*p != '=')
        continue;
      for (p++; g_ascii_isspace (*p); p++)
        ;
      if (*p == '"' || *p == '\'')
        {
          const char *end = strchr (p + 1, *p);

          if (end == NULL)
            end = p + strlen (p);
          value = g_strndup (p + 1, end - p - 1);
          p = *end != '\0' ? end + 1 : end;
        }
      else
        {
          for (start = p; *p != '\0' && !g_ascii_isspace (*p) && *p != '>'; p++)
            ;
          value = g_strndup (start, p - start);
        }
      refresh |= g_str_equal (name, "http-equiv") && g_ascii_strcasecmp (value, "refresh") == 0;
      if (g_str_equal (name, "content"))
        {
          g_free (content);
          content = g_steal_pointer (&value);
        }
      else
        scan_attribute (scan, tag, name, value, FALSE);
    }
  if (content != NULL)
    scan_attribute (scan, tag, "content", content, refresh);
  return p;
}

/* Whether the page asks for something remote, for the "Remote content blocked" banner only:
 * nothing here guards the network (the session, filter and policy do), so a page that hides a
 * URL from this tokenizer loses its banner, not its blocking. */
static gboolean
asks_for_remote_content (const char *html)
{
  RemoteScan scan = { FALSE, FALSE, FALSE };
  const char *p = html;

  while ((p = strchr (p, '<')) != NULL)
    {
      const char *start = ++p;
      g_autofree char *tag = NULL;

      if (g_str_has_prefix (p, "!--"))
        {
          p = strstr (p + 3, "-->");
          if (p == NULL)
            break;
          continue;
        }
      if (!g_ascii_isalpha (*p))
        continue;
      while (g_ascii_isalnum (*p) || *p == '-' || *p == ':')
        p++;
      tag = g_ascii_strdown (start, p - start);
      p = scan_tag (&scan, tag, p);

      if (g_str_equal (tag, "style") || g_str_equal (tag, "script") || g_str_equal (tag, "textarea")
          || g_str_equal (tag, "title"))
        {
          g_autofree char *close = g_strconcat ("</", tag, NULL);
          const char *end = find_ascii_case (p, close);
          g_autofree char *text = g_strndup (p, end != NULL ? (gsize)(end - p) : strlen (p));

          if (g_str_equal (tag, "style"))
            {
              scan.absolute |= mentions_remote (text);
              scan.relative |= strstr (text, "url(") != NULL || strstr (text, "@import") != NULL;
            }
          if (end == NULL)
            break;
          p = end;
        }
    }
  return scan.absolute || (scan.remote_base && scan.relative);
}

static void
courriel_html_view_dispose (GObject *object)
{
  CourrielHtmlView *self = (CourrielHtmlView *)object;

  if (shared != NULL)
    shared->waiting = g_list_remove (shared->waiting, self);
  g_clear_pointer (&self->pending_html, g_free);
  g_clear_object (&self->message);
  forget_hovered_link (self);
  self->web_view = NULL; /* owned by AdwBin, which drops it in its own dispose */

  G_OBJECT_CLASS (courriel_html_view_parent_class)->dispose (object);
}

static void
courriel_html_view_class_init (CourrielHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_html_view_dispose;

  /**
   * CourrielHtmlView::remote-content-blocked:
   *
   * The page asked for something remote that was not loaded; emitted at most once per load.
   */
  signals[SIGNAL_REMOTE_CONTENT_BLOCKED] =
    g_signal_new ("remote-content-blocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * CourrielHtmlView::link-activated:
   * @uri: the link's target (http, https, mailto or ftp)
   * @visible_text: (nullable): what the link shows: its label, else its title; %NULL when it
   *   shows neither or was not under the pointer (activated from the keyboard)
   *
   * The user clicked a link; the view itself never follows it.
   */
  signals[SIGNAL_LINK_ACTIVATED] =
    g_signal_new ("link-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
courriel_html_view_init (CourrielHtmlView *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
courriel_html_view_new (void)
{
  return g_object_new (COURRIEL_TYPE_HTML_VIEW, NULL);
}

void
courriel_html_view_load (CourrielHtmlView *self, const char *html, GMimeMessage *message, gboolean allow_remote)
{
  g_return_if_fail (COURRIEL_IS_HTML_VIEW (self));
  g_return_if_fail (message == NULL || GMIME_IS_MESSAGE (message));

  if (html == NULL)
    html = "";
  ensure_shared ();
  g_set_object (&self->message, message);
  g_free (self->pending_html);
  self->pending_html = g_strdup (html);
  self->pending_remote = allow_remote;

  if (shared->filters_pending > 0)
    {
      if (g_list_find (shared->waiting, self) == NULL)
        shared->waiting = g_list_append (shared->waiting, self);
    }
  else
    start_load (self);

  if (!allow_remote && asks_for_remote_content (html))
    g_signal_emit (self, signals[SIGNAL_REMOTE_CONTENT_BLOCKED], 0);
}

void
courriel_html_view_clear (CourrielHtmlView *self)
{
  g_return_if_fail (COURRIEL_IS_HTML_VIEW (self));

  if (shared != NULL)
    shared->waiting = g_list_remove (shared->waiting, self);
  g_clear_pointer (&self->pending_html, g_free);
  g_clear_object (&self->message);
  forget_hovered_link (self);
  if (self->web_view != NULL)
    {
      self->loads_requested++;
      webkit_web_view_load_html (self->web_view, "", BASE_URI);
    }
}
