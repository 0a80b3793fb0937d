/* courriel-preferences-window.h — the preferences: GSettings keys and each account's offline and POP3 policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_PREFERENCES_WINDOW (courriel_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CourrielPreferencesWindow, courriel_preferences_window, COURRIEL, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* @store: (nullable): where the accounts are; %NULL when it could not be opened (the accounts page says so). */
GtkWindow *courriel_preferences_window_new (GtkWindow     *parent,
                                            CourrielStore *store);

G_END_DECLS
