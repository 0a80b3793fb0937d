/* test-html-view.c — a hostile HTML message makes no connection and runs no script; "Show once"
 * lets through images only; cid: images render from the message; links are handed out, not followed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <webkit/webkit.h>

#include "courriel-gmime-autoptr.h"
#include "courriel-html-view.h"
#include "pointer-test-util.h"

/* A web server on loopback that counts TCP connections (not requests: a preconnect opens one
 * and sends nothing) and records the paths asked for. */
typedef struct
{
  GSocketService *service;
  guint16         port;
  guint16         hint_port;     /* only named by preconnect/prefetch hints: any connection is theirs */
  gint            connections;   /* atomic */
  GMutex          lock;
  GPtrArray      *paths;         /* char*, under lock */
} Server;

static Server server;
static CourrielHtmlView *view;
static GtkWindow *window;
static guint loads_finished;
static guint blocked_signals;
static GPtrArray *activated_links;
static GPtrArray *activated_texts; /* what each activated link showed, "(none)" for NULL */

/* The smallest PNG: one transparent pixel. */
static const guchar tiny_png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
  0x42, 0x60, 0x82,
};

static gboolean
serve_connection (GThreadedSocketService *service, GSocketConnection *connection, GObject *source, gpointer data)
{
  g_autoptr (GDataInputStream) input = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *request = NULL;
  g_auto (GStrv) words = NULL;
  const char *type = "text/html";
  gconstpointer body = "<html><title>remote</title></html>";
  gsize length = strlen (body);
  g_autofree char *header = NULL;

  g_atomic_int_inc (&server.connections);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 3);
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  request = g_data_input_stream_read_line (input, NULL, NULL, NULL);
  if (request == NULL)
    return TRUE;
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (input, NULL, NULL, NULL);

      if (line == NULL || line[0] == '\0' || g_str_equal (line, "\r"))
        break;
    }
  words = g_strsplit (request, " ", 3);
  if (words[0] != NULL && words[1] != NULL)
    {
      /* Through a proxy the request line carries the whole URL; keep the path. */
      const char *path = strstr (words[1], "://") != NULL ? strchr (strstr (words[1], "://") + 3, '/') : words[1];

      g_mutex_lock (&server.lock);
      g_ptr_array_add (server.paths, g_strdup (path != NULL ? path : words[1]));
      g_mutex_unlock (&server.lock);
      if (g_str_has_suffix (words[1], ".png"))
        type = "image/png", body = tiny_png, length = sizeof tiny_png;
      else if (g_str_has_suffix (words[1], ".css"))
        type = "text/css", body = "body { color: red }", length = strlen (body);
      else if (g_str_has_suffix (words[1], ".js"))
        type = "text/javascript", body = "document.title = 'REMOTE SCRIPT RAN';", length = strlen (body);
    }
  header = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                            "Connection: close\r\n\r\n", type, length);
  g_output_stream_write_all (output, header, strlen (header), NULL, NULL, NULL);
  g_output_stream_write_all (output, body, length, NULL, NULL, NULL);
  return TRUE;
}

static void
start_server (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;

  g_mutex_init (&server.lock);
  server.paths = g_ptr_array_new_with_free_func (g_free);
  server.service = g_threaded_socket_service_new (8);
  g_signal_connect (server.service, "run", G_CALLBACK (serve_connection), NULL);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server.service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  server.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_clear_object (&effective);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server.service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  server.hint_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_service_start (server.service);
}

static void
reset_server (void)
{
  g_mutex_lock (&server.lock);
  g_ptr_array_set_size (server.paths, 0);
  g_mutex_unlock (&server.lock);
  g_atomic_int_set (&server.connections, 0);
}

static char *
server_paths (void)
{
  g_autoptr (GString) joined = g_string_new (NULL);

  g_mutex_lock (&server.lock);
  for (guint i = 0; i < server.paths->len; i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? " " : "", (char *)server.paths->pdata[i]);
  g_mutex_unlock (&server.lock);
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static void
on_load_changed (WebKitWebView *web_view, WebKitLoadEvent event, gpointer data)
{
  if (event == WEBKIT_LOAD_FINISHED)
    loads_finished++;
}

/* The view makes (and remakes, between "blocked" and "Show once") its WebKitWebView itself. */
static void
on_child_changed (AdwBin *bin, GParamSpec *pspec, gpointer data)
{
  GtkWidget *child = adw_bin_get_child (bin);

  if (WEBKIT_IS_WEB_VIEW (child))
    g_signal_connect (child, "load-changed", G_CALLBACK (on_load_changed), NULL);
}

static WebKitWebView *
web_view (void)
{
  return WEBKIT_WEB_VIEW (adw_bin_get_child (ADW_BIN (view)));
}

static void
spin (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
wait_for_load (guint before)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (loads_finished == before && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (loads_finished, >, before);
}

/* Loads and waits until WebKit says the page is finished, then lets anything late (preconnects,
 * refreshes, fonts) have its chance for @settle milliseconds. */
static void
load_and_settle (const char *html, GMimeMessage *message, gboolean allow_remote, guint settle)
{
  guint before = loads_finished;

  courriel_html_view_load (view, html, message, allow_remote);
  wait_for_load (before);
  spin (settle);
}

/* Everything a newsletter or an attacker can use to make a mail client connect somewhere.
 * SERVER is the counting server; HINTS a port of it named only by connection hints. */
static char *
hostile_html (void)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", server.port);
  g_autofree char *hints = g_strdup_printf ("127.0.0.1:%u", server.hint_port);
  GString *html = g_string_new (
    "<html><head><title>Courriel test</title>"
    "<meta http-equiv=\"refresh\" content=\"0;url=http://SERVER/refresh\">"
    "<link rel=\"preconnect\" href=\"http://HINTS/\">"
    "<link rel=\"dns-prefetch\" href=\"//HINTS/\">"
    "<link rel=\"prefetch\" href=\"http://HINTS/prefetch.html\">"
    "<link rel=\"prerender\" href=\"http://HINTS/prerender.html\">"
    "<a href=\"http://HINTS/hovered\">a link WebKit could prefetch</a>"
    "<link rel=\"preload\" as=\"image\" href=\"http://SERVER/preload.png\">"
    "<link rel=\"stylesheet\" href=\"http://SERVER/style.css\">"
    "<style>@import url(http://SERVER/import.css);"
    "@font-face { font-family: Remote; src: url(http://SERVER/font.woff); }"
    "p { font-family: Remote; } body { background-image: url(http://SERVER/bg2.png); }</style>"
    "<script src=\"http://SERVER/script.js\"></script>"
    "<script>document.title = 'INLINE SCRIPT RAN'; location.href = 'http://SERVER/script-nav';</script>"
    "</head><body onload=\"document.title = 'ONLOAD RAN'\">"
    "<p>Hello, this is a hostile newsletter.</p>"
    "<img src=\"http://SERVER/img.png\" width=\"10\" height=\"10\">"
    "<img src=\"cid:missing@courriel.test\" srcset=\"http://SERVER/srcset-1x.png 1x, http://SERVER/srcset-2x.png 2x\">"
    "<div style=\"width:20px;height:20px;background:url(http://SERVER/bg.png)\"></div>"
    "<iframe src=\"http://SERVER/frame.html\"></iframe>"
    "<video poster=\"http://SERVER/poster.png\" src=\"http://SERVER/video.webm\" autoplay></video>"
    "<audio src=\"http://SERVER/audio.ogg\" autoplay></audio>"
    "<object data=\"http://SERVER/object.swf\"></object>"
    "<form id=\"f\" action=\"http://SERVER/form\" method=\"post\"><input name=\"a\" value=\"b\"></form>"
    "<script>document.getElementById('f').submit();</script>"
    "<img src=\"http://SERVER/onerror.png\" onerror=\"document.title = 'ONERROR RAN'\">"
    "</body></html>");

  g_string_replace (html, "SERVER", address, 0);
  g_string_replace (html, "HINTS", hints, 0);
  return g_string_free (html, FALSE);
}

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GdkTexture **texture = data;
  g_autoptr (GError) error = NULL;

  *texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (source), result, &error);
  g_assert_no_error (error);
}

/* The colour at (@x, @y) of what the view shows; saved as @name in the build folder if given. */
static guint32
pixel_at (int x, int y, const char *name)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  gsize stride;

  webkit_web_view_get_snapshot (web_view (), WEBKIT_SNAPSHOT_REGION_VISIBLE, WEBKIT_SNAPSHOT_OPTIONS_NONE, NULL,
                                snapshot_done, &texture);
  while (texture == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (name != NULL)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_test_message ("Snapshot: %s", path);
    }
  g_assert_cmpint (gdk_texture_get_width (texture), >, x);
  g_assert_cmpint (gdk_texture_get_height (texture), >, y);
  stride = gdk_texture_get_width (texture) * 4;
  pixels = g_malloc (stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, pixels, stride);
  /* Cairo's ARGB32, native endian: 0xAARRGGBB. */
  return *(guint32 *)(pixels + y * stride + x * 4) & 0xffffff;
}

static void
identifiers_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  char ***identifiers = data;

  *identifiers = webkit_user_content_filter_store_fetch_identifiers_finish (WEBKIT_USER_CONTENT_FILTER_STORE (source),
                                                                           result);
}

static void
test_blocks_everything (void)
{
  g_autofree char *html = hostile_html ();
  g_autofree char *paths = NULL;
  g_autofree char *filters = g_build_filename (g_get_user_cache_dir (), "courriel", "content-filters", NULL);
  g_autoptr (WebKitUserContentFilterStore) store = NULL;
  g_auto (GStrv) identifiers = NULL;
  gint64 start = g_get_monotonic_time ();

  reset_server ();
  blocked_signals = 0;
  load_and_settle (html, NULL, FALSE, 0);
  g_test_message ("First load (content filters compiled, web process started): %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  start = g_get_monotonic_time ();
  load_and_settle (html, NULL, FALSE, 0);
  g_test_message ("Second load: %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  spin (1000);
  paths = server_paths ();

  /* The filters did compile: the network is not closed by the proxy alone. */
  store = webkit_user_content_filter_store_new (filters);
  webkit_user_content_filter_store_fetch_identifiers (store, NULL, identifiers_fetched, &identifiers);
  while (identifiers == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_strv_length (identifiers), ==, 2);

  g_assert_cmpstr (paths, ==, "");
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
  g_assert_cmpstr (webkit_web_view_get_title (web_view ()), ==, "Courriel test");
  /* Neither the meta refresh nor a script moved the page. */
  g_assert_cmpstr (webkit_web_view_get_uri (web_view ()), ==, "about:blank");
  g_assert_cmpuint (blocked_signals, ==, 2);
  /* A white page (the message's own colours aside), whatever the desktop's style. */
  g_assert_cmphex (pixel_at (630, 470, "html-view-blocked.png"), ==, 0xffffff);
}

static void
test_show_once_loads_images_only (void)
{
  static const char * const images[] = {
    "/img.png", "/srcset-1x.png", "/srcset-2x.png", "/bg.png", "/bg2.png", "/onerror.png", "/poster.png", NULL,
  };
  g_autofree char *html = hostile_html ();
  g_autofree char *paths = NULL;
  g_auto (GStrv) asked = NULL;

  reset_server ();
  blocked_signals = 0;
  load_and_settle (html, NULL, TRUE, 1000);
  paths = server_paths ();
  g_test_message ("Show once: %d connections for requests: %s", g_atomic_int_get (&server.connections), paths);

  asked = g_strsplit (paths, " ", -1);
  g_assert_true (g_strv_contains ((const char * const *)asked, "/img.png"));
  g_assert_true (g_strv_contains ((const char * const *)asked, "/bg.png"));
  for (guint i = 0; asked[i] != NULL; i++)
    if (!g_strv_contains (images, asked[i]))
      g_error ("\"Show once\" let through %s, which is not an image (all: %s)", asked[i], paths);
  /* Every connection carried an image request: no preconnect, no prefetch. */
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, g_strv_length (asked));
  g_assert_cmpstr (webkit_web_view_get_title (web_view ()), ==, "Courriel test");
  g_assert_cmpstr (webkit_web_view_get_uri (web_view ()), ==, "about:blank");
  g_assert_cmpuint (blocked_signals, ==, 0);

  /* Back to a blocked load on the same view: closed again. */
  reset_server ();
  load_and_settle (html, NULL, FALSE, 500);
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
  g_assert_cmpuint (blocked_signals, ==, 1);
}

static void
test_local_message_is_not_flagged (void)
{
  blocked_signals = 0;
  load_and_settle ("<p>Plain <a href=\"https://example.org/\">link</a> and <img src=\"cid:x@y\"></p>"
                   "<p style=\"color: red\">https://example.org/ in text</p>"
                   "<meta property=\"og:image\" content=\"https://example.org/card.png\">"
                   "<!-- <img src=\"https://example.org/commented-out.png\"> -->", NULL, FALSE, 100);
  g_assert_cmpuint (blocked_signals, ==, 0);

  /* A relative reference under a remote <base> is remote; so is a protocol-relative one. */
  load_and_settle ("<base href=\"https://example.org/\"><img src=\"pixel.png\">", NULL, FALSE, 100);
  g_assert_cmpuint (blocked_signals, ==, 1);
  load_and_settle ("<IMG SRC = //example.org/pixel.png>", NULL, FALSE, 100);
  g_assert_cmpuint (blocked_signals, ==, 2);
}

/* Every cut of the hostile page (unclosed tags, quotes, comments, styles) loads without a crash
 * and still without a connection. */
static void
test_truncated_html (void)
{
  g_autofree char *html = hostile_html ();
  gsize length = strlen (html);

  reset_server ();
  for (gsize cut = 0; cut < length; cut += 13)
    {
      g_autofree char *part = g_strndup (html, cut);

      courriel_html_view_load (view, part, NULL, FALSE);
    }
  load_and_settle ("<title>after</title>", NULL, FALSE, 500);
  g_assert_cmpstr (webkit_web_view_get_title (web_view ()), ==, "after");
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
}

static GBytes *
red_png (void)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 64);
  g_autoptr (GError) error = NULL;
  gchar *buffer = NULL;
  gsize size = 0;

  gdk_pixbuf_fill (pixbuf, 0xff0000ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, NULL));
  return g_bytes_new_take (buffer, size);
}

/* multipart/related: the HTML and a red square it shows through cid:. */
static GMimeMessage *
related_message (void)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  g_autoptr (GMimeMultipart) related = g_mime_multipart_new_with_subtype ("related");
  g_autoptr (GMimeTextPart) html = g_mime_text_part_new_with_subtype ("html");
  g_autoptr (GMimePart) image = g_mime_part_new_with_type ("image", "png");
  g_autoptr (GBytes) png = red_png ();
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (png, NULL),
                                                                      g_bytes_get_size (png));
  g_autoptr (GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_text_part_set_text (html, "<img src=\"cid:red%40courriel.test\">");
  g_mime_part_set_content (image, content);
  g_mime_part_set_content_encoding (image, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_content_id (GMIME_OBJECT (image), "red@courriel.test");
  g_mime_multipart_add (related, GMIME_OBJECT (html));
  g_mime_multipart_add (related, GMIME_OBJECT (image));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (related));

  /* Round-trip through text, as a message from the store would be: base64 on the wire. */
  {
    g_autoptr (GMimeStream) wire = g_mime_stream_mem_new ();
    g_autoptr (GMimeParser) parser = NULL;

    g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, wire);
    g_mime_stream_seek (wire, 0, GMIME_STREAM_SEEK_SET);
    parser = g_mime_parser_new_with_stream (wire);
    g_object_unref (message);
    message = g_mime_parser_construct_message (parser, NULL);
  }
  return message;
}

static void
test_cid_images_render (void)
{
  g_autoptr (GMimeMessage) message = related_message ();
  GMimeObject *html = g_mime_multipart_get_part (GMIME_MULTIPART (g_mime_message_get_mime_part (message)), 0);
  g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (html));
  g_autofree char *page = g_strdup_printf ("<body style=\"margin:0\">%s"
                                           "<img src=\"cid:unknown@courriel.test\"></body>", text);

  load_and_settle (page, message, FALSE, 500);
  /* Inside the 64×64 red square at the top left, past the user style's margin. */
  g_assert_cmphex (pixel_at (40, 40, "html-view-cid.png"), ==, 0xff0000);
  g_assert_cmphex (pixel_at (300, 300, NULL), ==, 0xffffff);

  /* With the Content-ID's angle brackets kept in the URL, as some senders write it. */
  load_and_settle ("<body style=\"margin:0\"><img src=\"cid:%3Cred@courriel.test%3E\"></body>", message, FALSE, 200);
  g_assert_cmphex (pixel_at (40, 40, NULL), ==, 0xff0000);

  /* Without the message, the same cid: is an error answer: a page without the image, no crash. */
  load_and_settle (page, NULL, FALSE, 500);
  g_assert_cmphex (pixel_at (40, 40, NULL), ==, 0xffffff);
}

static void
on_link_activated (CourrielHtmlView *html_view, const char *uri, const char *visible_text, gpointer data)
{
  g_ptr_array_add (activated_links, g_strdup (uri));
  g_ptr_array_add (activated_texts, g_strdup (visible_text != NULL ? visible_text : "(none)"));
}

static void
clicked (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (JSCValue) value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, NULL);
  gboolean *done = data;

  *done = TRUE;
}

static void
test_links_are_handed_out (void)
{
  g_autofree char *navigate = g_strdup_printf ("http://127.0.0.1:%u/navigate", server.port);
  WebKitSettings *settings;
  gboolean done = FALSE;

  reset_server ();
  g_ptr_array_set_size (activated_links, 0);
  g_ptr_array_set_size (activated_texts, 0);
  load_and_settle ("<title>Links</title><a id=\"l\" href=\"https://example.org/landing?a=1\">Landing</a>"
                   "<a id=\"b\" href=\"mailto:someone@example.org\" target=\"_blank\">Write</a>"
                   "<a id=\"j\" href=\"javascript:document.title='JS LINK RAN'\">Script</a>", NULL, FALSE, 100);

  /* A click, as the user would make it. The page itself still runs no script: the test turns on
   * script for the API only (markup stays off) to press the link. */
  settings = webkit_web_view_get_settings (web_view ());
  webkit_settings_set_enable_javascript (settings, TRUE);
  g_assert_false (webkit_settings_get_enable_javascript_markup (settings));
  webkit_web_view_evaluate_javascript (web_view (), "document.getElementById('l').click();"
                                                    "document.getElementById('b').click();"
                                                    "document.getElementById('j').click();",
                                       -1, NULL, NULL, NULL, clicked, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  webkit_settings_set_enable_javascript (settings, FALSE);
  spin (500);

  /* The javascript: link is not handed out: it is no place to go. */
  g_assert_cmpuint (activated_links->len, ==, 2);
  g_assert_cmpstr (activated_links->pdata[0], ==, "https://example.org/landing?a=1");
  g_assert_cmpstr (activated_links->pdata[1], ==, "mailto:someone@example.org");
  /* Pressed without the pointer over them (as from the keyboard): what they show is not known. */
  g_assert_cmpstr (activated_texts->pdata[0], ==, "(none)");
  g_assert_cmpstr (activated_texts->pdata[1], ==, "(none)");
  g_assert_cmpstr (webkit_web_view_get_uri (web_view ()), ==, "about:blank");
  g_assert_cmpstr (webkit_web_view_get_title (web_view ()), ==, "Links");

  /* A navigation that is not a click (what a refresh or a form would ask) goes nowhere, silently. */
  webkit_web_view_load_uri (web_view (), navigate);
  spin (500);
  g_assert_cmpuint (activated_links->len, ==, 2);
  g_assert_cmpstr (webkit_web_view_get_uri (web_view ()), ==, "about:blank");
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
}

#ifdef HAVE_XTEST
static gboolean hovered_link;

static void
wait_until (gboolean *condition, gboolean value)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*condition != value && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_true (*condition == value);
}

/* Hovers (@x, @y) of the web view and clicks there with the real pointer. */
static void
click_at (Display *display, int x, int y)
{
  guint before = activated_links->len;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  test_pointer_move (display, GTK_WIDGET (web_view ()), x, y);
  wait_until (&hovered_link, TRUE);
  test_pointer_click (display);
  while (activated_links->len == before && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_cmpuint (activated_links->len, ==, before + 1);
}
#endif

/* A link clicked with the mouse comes with what it shows (its text, else its title), so the
 * reader can see that https://mybank.example/ leads somewhere else. */
static void
test_link_text_is_handed_out (void)
{
#ifdef HAVE_XTEST
  Display *display = test_pointer_display (GTK_WIDGET (view));
  gulong handler;

  if (display == NULL)
    return;
  g_ptr_array_set_size (activated_links, 0);
  g_ptr_array_set_size (activated_texts, 0);
  load_and_settle ("<body style=\"margin:0;font-size:24px\">"
                   "<a href=\"https://evil.example/\" style=\"display:block;height:100px\">https://mybank.example/</a>"
                   "<a href=\"https://pictures.example/\" title=\"Our pictures\" "
                   "style=\"display:block;height:100px;background:#00f\"></a>"
                   "<p style=\"height:100px\">No link here</p></body>", NULL, FALSE, 200);
  handler = g_signal_connect (web_view (), "mouse-target-changed", G_CALLBACK (test_pointer_track_link), &hovered_link);

  /* The text the link shows comes with it. */
  click_at (display, 40, 50);
  g_assert_cmpstr (activated_links->pdata[0], ==, "https://evil.example/");
  g_assert_cmpstr (activated_texts->pdata[0], ==, "https://mybank.example/");

  /* A link without text (an image's, say) shows its title. */
  click_at (display, 40, 150);
  g_assert_cmpstr (activated_links->pdata[1], ==, "https://pictures.example/");
  g_assert_cmpstr (activated_texts->pdata[1], ==, "Our pictures");

  /* Off the links, the text is forgotten: the same link pressed otherwise (the keyboard) comes
   * without one rather than with a text it may not show. */
  test_pointer_move (display, GTK_WIDGET (web_view ()), 40, 250);
  wait_until (&hovered_link, FALSE);
  webkit_settings_set_enable_javascript (webkit_web_view_get_settings (web_view ()), TRUE);
  webkit_web_view_evaluate_javascript (web_view (), "document.querySelector('a').click();", -1, NULL, NULL, NULL,
                                       NULL, NULL);
  while (activated_links->len < 3)
    spin (10);
  webkit_settings_set_enable_javascript (webkit_web_view_get_settings (web_view ()), FALSE);
  g_assert_cmpstr (activated_links->pdata[2], ==, "https://evil.example/");
  g_assert_cmpstr (activated_texts->pdata[2], ==, "(none)");
  g_signal_handler_disconnect (web_view (), handler);
#else
  g_test_skip ("built without XTEST (libxtst-dev): no way to move the real pointer");
#endif
}

/* Right-click offers copying, never a way to open, download, reload or inspect. */
static void
test_context_menu (void)
{
  static const WebKitContextMenuAction offered[] = {
    WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK, WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK_IN_NEW_WINDOW,
    WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_LINK_TO_DISK, WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD,
    WEBKIT_CONTEXT_MENU_ACTION_OPEN_IMAGE_IN_NEW_WINDOW, WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_IMAGE_TO_DISK,
    WEBKIT_CONTEXT_MENU_ACTION_GO_BACK, WEBKIT_CONTEXT_MENU_ACTION_RELOAD, WEBKIT_CONTEXT_MENU_ACTION_COPY,
    WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT, WEBKIT_CONTEXT_MENU_ACTION_OPEN_FRAME_IN_NEW_WINDOW,
  };
  g_autoptr (WebKitContextMenu) menu = webkit_context_menu_new ();
  gboolean suppressed = TRUE;
  GList *items;

  load_and_settle ("<p>text</p>", NULL, FALSE, 0);
  for (guint i = 0; i < G_N_ELEMENTS (offered); i++)
    webkit_context_menu_append (menu, webkit_context_menu_item_new_from_stock_action (offered[i]));
  g_signal_emit_by_name (web_view (), "context-menu", menu, NULL, &suppressed);

  g_assert_false (suppressed);
  items = webkit_context_menu_get_items (menu);
  g_assert_cmpuint (g_list_length (items), ==, 2);
  g_assert_cmpint (webkit_context_menu_item_get_stock_action (items->data), ==,
                   WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD);
  g_assert_cmpint (webkit_context_menu_item_get_stock_action (items->next->data), ==,
                   WEBKIT_CONTEXT_MENU_ACTION_COPY);

  /* Nothing left to offer: no menu at all. */
  webkit_context_menu_remove_all (menu);
  webkit_context_menu_append (menu, webkit_context_menu_item_new_from_stock_action (WEBKIT_CONTEXT_MENU_ACTION_RELOAD));
  g_signal_emit_by_name (web_view (), "context-menu", menu, NULL, &suppressed);
  g_assert_true (suppressed);
}

static void
test_clear (void)
{
  guint before;

  load_and_settle ("<title>Before</title><p>text</p>", NULL, FALSE, 100);
  before = loads_finished;
  courriel_html_view_clear (view);
  wait_for_load (before);
  g_assert_cmpstr (webkit_web_view_get_title (web_view ()), !=, "Before");
  g_assert_cmphex (pixel_at (20, 20, NULL), ==, 0xffffff);
}

static void
remove_tree (GFile *file)
{
  g_autoptr (GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                    G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
    {
      g_autoptr (GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

static void
on_blocked (CourrielHtmlView *html_view, gpointer data)
{
  blocked_signals++;
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("courriel-html-view-XXXXXX", NULL);
  int status;

  /* The compiled content filters go to the cache folder: a private one. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  g_mime_init ();

  start_server ();
  activated_links = g_ptr_array_new_with_free_func (g_free);
  activated_texts = g_ptr_array_new_with_free_func (g_free);
  view = COURRIEL_HTML_VIEW (courriel_html_view_new ());
  g_signal_connect (view, "notify::child", G_CALLBACK (on_child_changed), NULL);
  g_signal_connect (view, "remote-content-blocked", G_CALLBACK (on_blocked), NULL);
  g_signal_connect (view, "link-activated", G_CALLBACK (on_link_activated), NULL);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 640, 480);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);

  g_test_add_func ("/html-view/blocks-everything", test_blocks_everything);
  g_test_add_func ("/html-view/show-once-loads-images-only", test_show_once_loads_images_only);
  g_test_add_func ("/html-view/local-message-is-not-flagged", test_local_message_is_not_flagged);
  g_test_add_func ("/html-view/truncated-html", test_truncated_html);
  g_test_add_func ("/html-view/cid-images-render", test_cid_images_render);
  g_test_add_func ("/html-view/links-are-handed-out", test_links_are_handed_out);
  g_test_add_func ("/html-view/link-text-is-handed-out", test_link_text_is_handed_out);
  g_test_add_func ("/html-view/context-menu", test_context_menu);
  g_test_add_func ("/html-view/clear", test_clear);

  status = g_test_run ();
  gtk_window_destroy (window);
  g_socket_service_stop (server.service);
  {
    g_autoptr (GFile) cache_dir = g_file_new_for_path (cache);

    remove_tree (cache_dir);
  }
  return status;
}
