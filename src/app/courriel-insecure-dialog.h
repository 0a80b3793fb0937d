/* courriel-insecure-dialog.h — asking before a password crosses the network without encryption
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "courriel-mail-config.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_INSECURE_DIALOG (courriel_insecure_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CourrielInsecureDialog, courriel_insecure_dialog, COURRIEL, INSECURE_DIALOG, AdwMessageDialog)

/* The responses: "cancel" (the default, and closing), "starttls" (added once a server chosen
 * without encryption turns out to offer STARTTLS) and "insecure" (destructive). */
#define COURRIEL_INSECURE_DIALOG_CANCEL   "cancel"
#define COURRIEL_INSECURE_DIALOG_STARTTLS "starttls"
#define COURRIEL_INSECURE_DIALOG_INSECURE "insecure"

GtkWindow *courriel_insecure_dialog_new            (GtkWindow                *parent,
                                                    const CourrielMailServer *const *servers,
                                                    guint                     n_servers);
gboolean   courriel_insecure_dialog_offers_starttls (CourrielInsecureDialog   *self,
                                                     const char               *host,
                                                     guint16                   port);
gboolean   courriel_insecure_dialog_is_checking     (CourrielInsecureDialog   *self);

G_END_DECLS
