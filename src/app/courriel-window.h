/* courriel-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-application.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_WINDOW (courriel_window_get_type ())
G_DECLARE_FINAL_TYPE (CourrielWindow, courriel_window, COURRIEL, WINDOW, AdwApplicationWindow)

CourrielWindow *courriel_window_new (CourrielApplication *application);

G_END_DECLS
