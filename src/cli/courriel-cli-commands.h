/* courriel-cli-commands.h — the commands of courriel-cli that live in files of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "account"; returns the exit status (0, 1 failure, 2 usage). */
int courriel_cli_account (int argc, char **argv);

G_END_DECLS
