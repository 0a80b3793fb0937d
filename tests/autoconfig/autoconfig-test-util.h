/* autoconfig-test-util.h — what the tests of src/engine/autoconfig share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only: each test program is one file plus this.
 */
#pragma once

#include <gio/gio.h>

/* The real ISP database's files, in ../shared/ispdb/ (COURRIEL_SHARED_DIR). They are never copied into
 * the repository: in a clone without them, this skips the test, saying why, and returns NULL. */
static G_GNUC_UNUSED char *
autoconfig_test_ispdb_dir (void)
{
  const char *shared = g_getenv ("COURRIEL_SHARED_DIR");
  g_autofree char *dir = g_build_filename (shared != NULL ? shared : "../shared", "ispdb", NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *why = g_strdup_printf ("%s is absent (a clone without the ISP database)", dir);
      g_test_skip (why);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* ---- certificates made at start with openssl, under a test CA: committed ones would expire ---- */

/* Runs openssl in @dir with the arguments that follow, up to NULL. */
static G_GNUC_UNUSED G_GNUC_NULL_TERMINATED gboolean
autoconfig_test_openssl (const char *dir, GError **error, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *output = NULL;
  int status;
  va_list args;

  g_ptr_array_add (argv, "openssl");
  va_start (args, error);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer)arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (dir, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &output, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "openssl: %s: ", output);
      return FALSE;
    }
  return TRUE;
}

/* A test CA in @dir (req.cnf, ca.pem, ca.key). Returns: (nullable): a trust store of it alone. */
static G_GNUC_UNUSED GTlsDatabase *
autoconfig_test_make_ca (const char *dir, GError **error)
{
  g_autofree char *config = g_build_filename (dir, "req.cnf", NULL);
  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);

  if (!g_file_set_contents (config, "[req]\ndistinguished_name = dn\n[dn]\n", -1, error)
      || !autoconfig_test_openssl (dir, error, "req", "-config", "req.cnf", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-keyout", "ca.key",
                                   "-out", "ca.pem", "-subj", "/CN=Courriel autoconfig test CA", "-addext",
                                   "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
                                   NULL))
    return NULL;
  return g_tls_file_database_new (ca, error);
}

/* A certificate for @san ("DNS:a.test,DNS:b.test"), signed by the test CA of @dir, as NAME.pem and
 * NAME.key there. */
static G_GNUC_UNUSED GTlsCertificate *
autoconfig_test_make_certificate (const char *dir, const char *name, const char *san, GError **error)
{
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *pem = g_strconcat (name, ".pem", NULL);
  g_autofree char *subject = g_strdup_printf ("/CN=%s", name);
  g_autofree char *alt = g_strdup_printf ("subjectAltName=%s", san);
  g_autofree char *key_path = g_build_filename (dir, key, NULL);
  g_autofree char *pem_path = g_build_filename (dir, pem, NULL);

  if (!autoconfig_test_openssl (dir, error, "req", "-config", "req.cnf", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-keyout", key, "-out", pem,
                                "-subj", subject, "-CA", "ca.pem", "-CAkey", "ca.key", "-addext", alt, "-addext",
                                "basicConstraints=critical,CA:FALSE", NULL))
    return NULL;
  return g_tls_certificate_new_from_files (pem_path, key_path, error);
}
