/* courriel-imap-error.c — what can go wrong in an IMAP session, as a caller can act on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include "courriel-imap-error.h"

G_DEFINE_QUARK (courriel-imap-error-quark, courriel_imap_error)
