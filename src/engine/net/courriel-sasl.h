/* courriel-sasl.h — SASL mechanisms for IMAP, POP3 and SMTP authentication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define COURRIEL_TYPE_SASL (courriel_sasl_get_type ())
G_DECLARE_FINAL_TYPE (CourrielSasl, courriel_sasl, COURRIEL, SASL, GObject)

CourrielSasl       *courriel_sasl_new                  (const char          *mechanism,
                                                        const char          *username,
                                                        const char          *secret,
                                                        GError             **error);
const char * const *courriel_sasl_get_supported        (void);
const char         *courriel_sasl_choose               (const char * const  *offered,
                                                        gboolean             have_token);
const char         *courriel_sasl_get_mechanism        (CourrielSasl        *self);
gboolean            courriel_sasl_has_initial_response (CourrielSasl        *self);
gboolean            courriel_sasl_step                 (CourrielSasl        *self,
                                                        GBytes              *challenge,
                                                        GBytes             **response,
                                                        gboolean            *done,
                                                        GError             **error);

char               *courriel_sasl_step_base64          (CourrielSasl        *self,
                                                        const char          *challenge,
                                                        GError             **error);

G_END_DECLS
