/* test-secret-service.c — the test session has a working Secret Service: a password stored
 * through libsecret comes back, and is gone once cleared. Account tests rely on it; without it
 * (no D-Bus session, a locked keyring) they would fail in confusing ways, so this says it plainly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsecret/secret.h>

static const SecretSchema test_schema = {
  "io.github.courriel.Courriel.Test", SECRET_SCHEMA_NONE,
  {
    { "test-run", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static void
test_store_lookup_clear (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *run = g_strdup_printf ("%d-%" G_GINT64_FORMAT, (int)getpid (), g_get_real_time ());
  g_autofree char *password = g_strdup_printf ("mot de passe é %s", run);
  g_autofree char *found = NULL;
  gboolean removed;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("No D-Bus session: run the tests through build-aux/check, which starts one with gnome-keyring");

  secret_password_store_sync (&test_schema, SECRET_COLLECTION_DEFAULT, "Courriel test", password, NULL, &error,
                              "test-run", run, NULL);
  g_assert_no_error (error);

  found = secret_password_lookup_sync (&test_schema, NULL, &error, "test-run", run, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, password);

  removed = secret_password_clear_sync (&test_schema, NULL, &error, "test-run", run, NULL);
  g_assert_no_error (error);
  g_assert_true (removed);

  g_clear_pointer (&found, g_free);
  found = secret_password_lookup_sync (&test_schema, NULL, &error, "test-run", run, NULL);
  g_assert_no_error (error);
  g_assert_null (found);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secret-service/store-lookup-clear", test_store_lookup_clear);
  return g_test_run ();
}
