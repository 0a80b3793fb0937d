/* courriel-imap-error.h — what can go wrong in an IMAP session, as a caller can act on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define COURRIEL_IMAP_ERROR (courriel_imap_error_quark ())

typedef enum
{
  COURRIEL_IMAP_ERROR_PROTOCOL,       /* malformed server response: the connection is dropped */
  COURRIEL_IMAP_ERROR_LIMIT,          /* a line, literal, nesting depth or response exceeded a limit */
  COURRIEL_IMAP_ERROR_NO,             /* the server answered NO */
  COURRIEL_IMAP_ERROR_BAD,            /* the server answered BAD */
  COURRIEL_IMAP_ERROR_AUTH_FAILED,    /* login refused: wrong user name or password */
  COURRIEL_IMAP_ERROR_BYE,            /* the server said BYE */
  COURRIEL_IMAP_ERROR_UNSUPPORTED,    /* the server lacks a needed capability */
  COURRIEL_IMAP_ERROR_NONEXISTENT,    /* no such mailbox */
  COURRIEL_IMAP_ERROR_ALREADY_EXISTS,
  COURRIEL_IMAP_ERROR_OVER_QUOTA,
  COURRIEL_IMAP_ERROR_MODIFIED,       /* UNCHANGEDSINCE conflict */
} CourrielImapError;

GQuark courriel_imap_error_quark (void);

G_END_DECLS
