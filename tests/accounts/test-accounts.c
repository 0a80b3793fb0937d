/* test-accounts.c — accounts are kept in the store and their passwords in the Secret Service:
 * never in the database, its journal or anywhere in the data folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "courriel-account.h"
#include "courriel-secrets.h"

#include <string.h>

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
lookup (const char *address, const char *role)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  char *password;

  courriel_secrets_lookup_async (address, role, NULL, got_result, &result);
  password = courriel_secrets_lookup_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return password;
}

static GPtrArray *
list (CourrielStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *accounts;

  courriel_account_list_async (store, NULL, got_result, &result);
  accounts = courriel_account_list_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);
  return accounts;
}

/* Does any file under @dir contain @needle? */
static gboolean
folder_contains (const char *dir, const char *needle)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (folder_contains (path, needle))
            return TRUE;
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL)
          && memmem (contents, length, needle, strlen (needle)) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_save_list_remove (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "courriel", NULL);
  g_autofree char *path = g_build_filename (dir, "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielAccount) account = courriel_account_new ("alice@example.test");
  g_autofree char *incoming = g_strdup_printf ("in-%08x-%08x", g_random_int (), g_random_int ());
  g_autofree char *outgoing = g_strdup_printf ("out-%08x-%08x", g_random_int (), g_random_int ());
  g_autofree char *found = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  CourrielAccount *saved;
  gint64 id;

  g_assert_no_error (error);
  g_free (account->display_name);
  account->display_name = g_strdup ("Alice Durand");
  account->incoming = (CourrielServer){ g_strdup ("imap.example.test"), 993, COURRIEL_SECURITY_TLS,
                                        g_strdup ("alice@example.test"), NULL, g_strdup ("AB:CD") };
  account->outgoing = (CourrielServer){ g_strdup ("smtp.example.test"), 587, COURRIEL_SECURITY_STARTTLS,
                                        g_strdup ("alice"), g_strdup ("PLAIN"), NULL };

  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_save_async (store, account, incoming, outgoing, NULL, got_result, &result);
    id = courriel_account_save_finish (wait_for (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
  }

  accounts = list (store);
  g_assert_cmpuint (accounts->len, ==, 1);
  saved = accounts->pdata[0];
  g_assert_cmpint (saved->id, ==, id);
  g_assert_cmpstr (saved->display_name, ==, "Alice Durand");
  g_assert_cmpstr (saved->incoming.host, ==, "imap.example.test");
  g_assert_cmpuint (saved->incoming.port, ==, 993);
  g_assert_cmpint (saved->incoming.security, ==, COURRIEL_SECURITY_TLS);
  g_assert_cmpstr (saved->incoming.fingerprint, ==, "AB:CD");
  g_assert_cmpint (saved->outgoing.security, ==, COURRIEL_SECURITY_STARTTLS);
  g_assert_cmpstr (saved->outgoing.auth, ==, "PLAIN");
  g_assert_cmpint (saved->protocol, ==, COURRIEL_PROTOCOL_IMAP);

  found = lookup ("alice@example.test", "incoming");
  g_assert_cmpstr (found, ==, incoming);
  g_free (found);
  found = lookup ("alice@example.test", "outgoing");
  g_assert_cmpstr (found, ==, outgoing);

  /* Saving again updates the same account; a NULL password keeps the stored one. */
  g_free (account->display_name);
  account->display_name = g_strdup ("Alice D.");
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_save_async (store, account, NULL, NULL, NULL, got_result, &result);
    g_assert_cmpint (courriel_account_save_finish (wait_for (&result), &error), ==, id);
    g_assert_no_error (error);
  }
  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = list (store);
  g_assert_cmpuint (accounts->len, ==, 1);
  g_assert_cmpstr (((CourrielAccount *)accounts->pdata[0])->display_name, ==, "Alice D.");
  g_free (found);
  found = lookup ("alice@example.test", "incoming");
  g_assert_cmpstr (found, ==, incoming);

  /* Never on disk: the database, its WAL and journal, anything in the data folder. */
  courriel_store_close (store);
  g_test_message ("data folder: %s", dir);
  g_assert_false (folder_contains (dir, incoming));
  g_assert_false (folder_contains (dir, outgoing));
  /* The search itself works: the server name is there, in the same binary files. */
  g_assert_true (folder_contains (dir, "imap.example.test"));
  g_clear_object (&store);

  store = courriel_store_open (path, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GAsyncResult) result = NULL;
    courriel_account_remove_async (store, "alice@example.test", NULL, got_result, &result);
    g_assert_true (courriel_account_remove_finish (wait_for (&result), &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = list (store);
  g_assert_cmpuint (accounts->len, ==, 0);
  g_free (found);
  found = lookup ("alice@example.test", "incoming");
  g_assert_null (found);
  found = lookup ("alice@example.test", "outgoing");
  g_assert_null (found);
}

static CourrielAccount *
save_and_list_again (CourrielStore *store, CourrielAccount *account)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) accounts = NULL;

  courriel_account_save_async (store, account, NULL, NULL, NULL, got_result, &result);
  g_assert_cmpint (courriel_account_save_finish (wait_for (&result), &error), >, 0);
  g_assert_no_error (error);
  accounts = list (store);
  g_assert_cmpuint (accounts->len, ==, 1);
  return courriel_account_copy (accounts->pdata[0]);
}

/* The authserv-id whose Authentication-Results the reader trusts: derived from the incoming
 * server, or set by the user and kept in the account's settings. */
static void
test_authserv_id (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "authserv", "courriel.db", NULL);
  g_autoptr (CourrielStore) store = courriel_store_open (path, &error);
  g_autoptr (CourrielAccount) account = courriel_account_new ("bob@example.fr");
  g_autoptr (CourrielAccount) saved = NULL;
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  account->incoming = (CourrielServer){ g_strdup ("imap.mail.example.fr"), 993, COURRIEL_SECURITY_TLS,
                                        g_strdup ("bob"), NULL, NULL };
  saved = save_and_list_again (store, account);
  g_assert_null (saved->authserv_id);
  id = courriel_account_get_authserv_id (saved);
  g_assert_cmpstr (id, ==, "example.fr");

  courriel_account_set_authserv_id (account, " mx.provider.example ");
  g_clear_pointer (&saved, courriel_account_free);
  saved = save_and_list_again (store, account);
  g_assert_cmpstr (saved->authserv_id, ==, "mx.provider.example");
  g_free (id);
  id = courriel_account_get_authserv_id (saved);
  g_assert_cmpstr (id, ==, "mx.provider.example");

  /* Cleared: derived again. */
  courriel_account_set_authserv_id (account, "");
  g_clear_pointer (&saved, courriel_account_free);
  saved = save_and_list_again (store, account);
  g_assert_null (saved->authserv_id);
  g_free (id);
  id = courriel_account_get_authserv_id (saved);
  g_assert_cmpstr (id, ==, "example.fr");
}

static void
store_password (const char *address, const char *role, const char *host, const char *username, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_secrets_store_async (address, role, host, username, password, NULL, got_result, &result);
  g_assert_true (courriel_secrets_store_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
forget (const char *address)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  courriel_secrets_clear_async (address, NULL, got_result, &result);
  g_assert_true (courriel_secrets_clear_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

/* A new password after the user changed the server's host or user name replaces the old one: the
 * old item must not stay beside it, where a lookup could still find the old password. */
static void
test_password_replaced (void)
{
  const char *address = "replaced@example.test";

  for (guint round = 0; round < 5; round++)
    {
      g_autofree char *first = NULL;
      g_autofree char *second = NULL;
      g_autofree char *third = NULL;
      g_autofree char *outgoing = NULL;

      forget (address);
      store_password (address, "incoming", "imap.example.test", "replaced", "old secret");
      store_password (address, "outgoing", "smtp.example.test", "replaced", "sending secret");
      first = lookup (address, "incoming");
      g_assert_cmpstr (first, ==, "old secret");
      store_password (address, "incoming", "mail.example.test", "replaced", "new secret");
      second = lookup (address, "incoming");
      g_assert_cmpstr (second, ==, "new secret");
      store_password (address, "incoming", "mail.example.test", "replaced@example.test", "newest secret");
      third = lookup (address, "incoming");
      g_assert_cmpstr (third, ==, "newest secret");
      /* The other role is left alone. */
      outgoing = lookup (address, "outgoing");
      g_assert_cmpstr (outgoing, ==, "sending secret");
    }
  forget (address);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("No D-Bus session: run the tests through build-aux/check, which starts one with gnome-keyring");
  g_test_add_func ("/accounts/save-list-remove", test_save_list_remove);
  g_test_add_func ("/accounts/authserv-id", test_authserv_id);
  g_test_add_func ("/accounts/password-replaced", test_password_replaced);
  return g_test_run ();
}
