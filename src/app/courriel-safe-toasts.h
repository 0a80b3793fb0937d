/* courriel-safe-toasts.h — toasts with an action button that libadwaita 1.2 can take away safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_SAFE_TOASTS (courriel_safe_toasts_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSafeToasts, courriel_safe_toasts, COURRIEL, SAFE_TOASTS, GObject)

CourrielSafeToasts *courriel_safe_toasts_new         (AdwToastOverlay    *overlay);
AdwToast           *courriel_safe_toasts_new_toast   (const char         *text,
                                                      const char         *button_label,
                                                      const char         *action_name);
void                courriel_safe_toasts_dismiss     (CourrielSafeToasts *self,
                                                      AdwToast           *toast);

G_END_DECLS
