/* courriel-engine.c — start-up and process-wide settings of the Courriel engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "courriel-engine"

#include "config.h"
#include "courriel-engine.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

static char *data_dir;
static gboolean data_dir_is_private;

/**
 * courriel_engine_init:
 *
 * Prepares the libraries the engine builds on. Call once, early in main(); calling it again
 * does nothing.
 */
void
courriel_engine_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      g_once_init_leave (&initialized, 1);
    }
}

/**
 * courriel_engine_set_data_dir:
 * @path: the directory that holds Courriel's database and caches
 *
 * Overrides the data directory, as the `--data-dir` option of both programs does.
 * A relative @path is taken from the current directory. The directory is created if needed.
 *
 * Returns: %TRUE, or %FALSE with @error set when the directory cannot be created
 */
gboolean
courriel_engine_set_data_dir (const char *path, GError **error)
{
  g_autofree char *absolute = NULL;

  g_return_val_if_fail (path != NULL && *path != '\0', FALSE);

  absolute = g_canonicalize_filename (path, NULL);
  if (g_mkdir_with_parents (absolute, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot use “%s” as the data folder: %s"), absolute, g_strerror (saved));
      return FALSE;
    }

  g_free (data_dir);
  data_dir = g_steal_pointer (&absolute);
  data_dir_is_private = TRUE;
  return TRUE;
}

/**
 * courriel_engine_get_data_dir:
 *
 * Returns: the directory for Courriel's database: the one given with
 *   courriel_engine_set_data_dir(), else `$COURRIEL_DATA_DIR`, else `$XDG_DATA_HOME/courriel`
 */
const char *
courriel_engine_get_data_dir (void)
{
  if (data_dir == NULL)
    {
      const char *env = g_getenv (COURRIEL_DATA_DIR_ENV);

      if (env != NULL && *env != '\0')
        {
          data_dir = g_canonicalize_filename (env, NULL);
          data_dir_is_private = TRUE;
        }
      else
        data_dir = g_build_filename (g_get_user_data_dir (), "courriel", NULL);
    }

  return data_dir;
}

/**
 * courriel_engine_has_private_data_dir:
 *
 * Returns: %TRUE when the data directory was chosen by an option or the environment rather
 *   than being the user's usual one, so that a separate instance of the app may run on it
 */
gboolean
courriel_engine_has_private_data_dir (void)
{
  courriel_engine_get_data_dir ();
  return data_dir_is_private;
}

/* The store's database file, in the data folder. */
char *
courriel_engine_dup_database_path (void)
{
  return g_build_filename (courriel_engine_get_data_dir (), "courriel.db", NULL);
}

/**
 * courriel_engine_describe_versions:
 *
 * Returns: (transfer full): one line per library the engine runs on, with the version in use,
 *   for bug reports
 */
char *
courriel_engine_describe_versions (void)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "GLib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
  g_string_append_printf (out, "GMime %u.%u.%u\n", gmime_major_version, gmime_minor_version, gmime_micro_version);
  g_string_append_printf (out, "SQLite %s\n", sqlite3_libversion ());
  g_string_append_printf (out, "libsoup %u.%u.%u\n", soup_get_major_version (), soup_get_minor_version (),
                          soup_get_micro_version ());
  g_string_append_printf (out, "libsecret %d.%d.%d\n", SECRET_MAJOR_VERSION, SECRET_MINOR_VERSION,
                          SECRET_MICRO_VERSION);

  return g_string_free (out, FALSE);
}
