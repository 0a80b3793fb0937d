/* courriel-setup-wizard.h — the window that sets up a mail account, from an address and a password
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-store.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_SETUP_WIZARD (courriel_setup_wizard_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSetupWizard, courriel_setup_wizard, COURRIEL, SETUP_WIZARD, AdwWindow)

GtkWindow *courriel_setup_wizard_new (GtkApplication *app,
                                      CourrielStore  *store);
void       courriel_setup_wizard_set_identity (CourrielSetupWizard *self,
                                               const char          *name,
                                               const char          *address);

G_END_DECLS
