/* courriel-file-name.h — a file name from a message made safe for the file system
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define COURRIEL_FILE_NAME_MAX 200 /* bytes, under every common file system's 255 */

char *courriel_file_name_sanitize (const char *name);

G_END_DECLS
