/* pointer-test-util.h — the X server's real pointer for UI tests: moves and clicks through XTEST
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WebKit learns what is under the pointer (the link a click opens, its text) only from real
 * pointer events, which GTK 4 cannot make up: XTEST moves the pointer of the Xvfb the tests run
 * in. Built with HAVE_XTEST only (tests/meson.build), on an X11 display only.
 */
#pragma once

#ifdef HAVE_XTEST
#include <X11/extensions/XTest.h>
#include <gdk/x11/gdkx.h>
#include <gtk/gtk.h>
#include <webkit/webkit.h>

/* The display to move the pointer of, or NULL (and the test skipped) when there is none. */
static inline Display *
test_pointer_display (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  int event_base, error_base, major, minor;

  if (!GDK_IS_X11_DISPLAY (display))
    {
      g_test_skip ("the pointer is moved through X11's XTEST, and this display is not X11");
      return NULL;
    }
  if (!XTestQueryExtension (gdk_x11_display_get_xdisplay (display), &event_base, &error_base, &major, &minor))
    {
      g_test_skip ("the X server has no XTEST extension to move the pointer with");
      return NULL;
    }
  return gdk_x11_display_get_xdisplay (display);
}

/* Moves the real pointer to (@x, @y) of @widget, as a mouse would. */
static inline void
test_pointer_move (Display *display, GtkWidget *widget, int x, int y)
{
  GtkNative *native = gtk_widget_get_native (widget);
  Window xid = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  graphene_point_t in_widget = GRAPHENE_POINT_INIT (x, y);
  graphene_point_t in_native;
  double surface_x, surface_y;
  int root_x, root_y;
  Window ignored;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &in_widget, &in_native));
  gtk_native_get_surface_transform (native, &surface_x, &surface_y);
  XTranslateCoordinates (display, xid, DefaultRootWindow (display), 0, 0, &root_x, &root_y, &ignored);
  XTestFakeMotionEvent (display, -1, root_x + (int)(in_native.x + surface_x), root_y + (int)(in_native.y + surface_y),
                        CurrentTime);
  XFlush (display);
}

/* Presses and releases the first button where the pointer is. */
static inline void
test_pointer_click (Display *display)
{
  XTestFakeButtonEvent (display, 1, True, CurrentTime);
  XTestFakeButtonEvent (display, 1, False, CurrentTime);
  XFlush (display);
}

/* WebKit's view of the pointer: whether it is over a link (set from "mouse-target-changed"). */
static inline void
test_pointer_track_link (WebKitWebView *web_view, WebKitHitTestResult *hit, guint modifiers, gboolean *over_link)
{
  /* The flag itself is not TRUE. */
  *over_link = webkit_hit_test_result_context_is_link (hit) != 0;
}
#endif
