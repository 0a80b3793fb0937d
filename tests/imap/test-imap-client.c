/* test-imap-client.c — the IMAP client against the bench's real Dovecot, over implicit TLS and
 * STARTTLS, and against small scripted servers for what a real one will not do on demand
 * (a STARTTLS that is not offered, injected bytes, malformed and truncated replies, BYE).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "courriel-certificate.h"
#include "courriel-connection.h"
#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-net-error.h"
#include "courriel-test-bench.h"
#include "courriel-test-curl.h"

static CourrielTestBench *bench;
static char *pinned;

/* Async calls, run to completion on the default main context. */
static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*slot);
  return *slot;
}

#define RUN(call_async, call_finish, client, ...)                                                                   \
  ({                                                                                                                \
    g_autoptr (GAsyncResult) _result = NULL;                                                                        \
    call_async (client, __VA_ARGS__, NULL, got_result, &_result);                                                   \
    call_finish (client, wait_for (&_result), &error);                                                              \
  })
#define RUN0(call_async, call_finish, client)                                                                       \
  ({                                                                                                                \
    g_autoptr (GAsyncResult) _result = NULL;                                                                        \
    call_async (client, NULL, got_result, &_result);                                                                \
    call_finish (client, wait_for (&_result), &error);                                                              \
  })

static CourrielImapClient *
new_client (CourrielSecurity security)
{
  guint16 port = courriel_test_bench_get_port (bench, security == COURRIEL_SECURITY_TLS ? COURRIEL_TEST_BENCH_IMAPS
                                                                                       : COURRIEL_TEST_BENCH_IMAP);
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", port, security);

  courriel_connection_set_pinned_fingerprint (connection, pinned);
  courriel_connection_set_timeout (connection, 20);
  return courriel_imap_client_new (connection);
}

static CourrielImapClient *
connect_as (CourrielSecurity security, const char *address)
{
  g_autoptr (GError) error = NULL;
  CourrielImapClient *client = new_client (security);

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  if (address != NULL)
    {
      g_assert_true (RUN (courriel_imap_client_login_async, courriel_imap_client_login_finish, client, address,
                          courriel_test_bench_get_password (bench, address)));
      g_assert_no_error (error);
    }
  return client;
}

static void
add_message (const char *address, const char *folder, const char *subject, const char *flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_strdup_printf ("From: Élodie Martin <elodie@example.org>\r\nTo: %s\r\n"
                                          "Subject: %s\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\n"
                                          "Message-ID: <%s@example.org>\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour !\r\n",
                                          address, subject, subject);
  g_autoptr (GBytes) bytes = g_bytes_new (raw, strlen (raw));

  courriel_test_bench_add_message (bench, address, folder, bytes, flags, 0, &error);
  g_assert_no_error (error);
}

static void
check_session (CourrielSecurity security)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (security, NULL);
  g_auto (GStrv) before = NULL;

  g_assert_true (courriel_connection_is_encrypted (courriel_imap_client_get_connection (client)));
  g_assert_true (courriel_imap_client_has_capability (client, "IMAP4rev1"));
  g_assert_false (courriel_imap_client_is_authenticated (client));
  /* STARTTLS is no longer offered once in TLS: the capabilities were read again. */
  g_assert_false (courriel_imap_client_has_capability (client, "STARTTLS"));

  g_assert_true (RUN (courriel_imap_client_login_async, courriel_imap_client_login_finish, client, "bob@example.test",
                      courriel_test_bench_get_password (bench, "bob@example.test")));
  g_assert_no_error (error);
  g_assert_true (courriel_imap_client_is_authenticated (client));
  /* Dovecot tells more after login. */
  g_assert_true (courriel_imap_client_has_capability (client, "QRESYNC"));
  g_assert_true (courriel_imap_client_has_capability (client, "IDLE"));

  g_assert_true (RUN0 (courriel_imap_client_noop_async, courriel_imap_client_noop_finish, client));
  g_assert_no_error (error);
  g_assert_true (RUN0 (courriel_imap_client_logout_async, courriel_imap_client_logout_finish, client));
  g_assert_no_error (error);

  /* Anything after LOGOUT fails clearly, at once. */
  g_assert_false (RUN0 (courriel_imap_client_noop_async, courriel_imap_client_noop_finish, client));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
}

static void
test_session_tls (void)
{
  check_session (COURRIEL_SECURITY_TLS);
}

static void
test_session_starttls (void)
{
  check_session (COURRIEL_SECURITY_STARTTLS);
}

static void
test_wrong_password (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (COURRIEL_SECURITY_TLS, NULL);

  g_assert_false (RUN (courriel_imap_client_login_async, courriel_imap_client_login_finish, client,
                       "bob@example.test", "not-the-password"));
  g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_false (RUN (courriel_imap_client_authenticate_async, courriel_imap_client_authenticate_finish, client,
                       "PLAIN", "bob@example.test", "still-wrong"));
  g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  /* The session survives a refused login: the right password still works. */
  g_assert_true (RUN (courriel_imap_client_authenticate_async, courriel_imap_client_authenticate_finish, client,
                      NULL, "bob@example.test", courriel_test_bench_get_password (bench, "bob@example.test")));
  g_assert_no_error (error);
  g_assert_true (courriel_imap_client_is_authenticated (client));
}

static void
test_authenticate_mechanisms (void)
{
  const char *mechanisms[] = { "PLAIN", "LOGIN" };

  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    for (guint tls = 0; tls < 2; tls++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (CourrielImapClient) client = connect_as (tls ? COURRIEL_SECURITY_TLS : COURRIEL_SECURITY_STARTTLS,
                                                            NULL);

        g_assert_true (RUN (courriel_imap_client_authenticate_async, courriel_imap_client_authenticate_finish, client,
                            mechanisms[i], "carol@example.test",
                            courriel_test_bench_get_password (bench, "carol@example.test")));
        g_assert_no_error (error);
        g_assert_true (courriel_imap_client_is_authenticated (client));
      }
}

static void
test_no_password_in_clear (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielConnection) connection = courriel_connection_new (
    "127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAP), COURRIEL_SECURITY_NONE);
  g_autoptr (CourrielImapClient) client = courriel_imap_client_new (connection);

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  g_assert_false (courriel_connection_is_encrypted (connection));

  g_assert_false (RUN (courriel_imap_client_login_async, courriel_imap_client_login_finish, client,
                       "bob@example.test", courriel_test_bench_get_password (bench, "bob@example.test")));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED);
  g_clear_error (&error);
  g_assert_false (RUN (courriel_imap_client_authenticate_async, courriel_imap_client_authenticate_finish, client,
                       "PLAIN", "bob@example.test", courriel_test_bench_get_password (bench, "bob@example.test")));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_INSECURE_AUTH_REFUSED);
  g_assert_false (courriel_imap_client_is_authenticated (client));
}

static void
test_certificate_rules (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielConnection) connection = courriel_connection_new (
    "127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAPS), COURRIEL_SECURITY_TLS);
  g_autoptr (CourrielImapClient) client = courriel_imap_client_new (connection);

  /* Self-signed and not pinned: refused, with what the UI needs to ask the user. */
  g_assert_false (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_cmpstr (courriel_net_error_get_fingerprint (error), ==, pinned);
  g_assert_nonnull (courriel_net_error_get_certificate (error));
  g_clear_error (&error);

  /* Pinned to another certificate: refused again. */
  {
    g_autoptr (CourrielConnection) other = courriel_connection_new (
      "127.0.0.1", courriel_test_bench_get_port (bench, COURRIEL_TEST_BENCH_IMAP), COURRIEL_SECURITY_STARTTLS);
    g_autoptr (CourrielImapClient) other_client = courriel_imap_client_new (other);
    g_autofree char *wrong = g_strdup (pinned);

    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    courriel_connection_set_pinned_fingerprint (other, wrong);
    g_assert_false (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, other_client));
    g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED);
  }
}

static void
test_id_enable_namespace (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (COURRIEL_SECURITY_TLS, "bob@example.test");
  g_autoptr (GHashTable) ours = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) theirs = NULL;
  g_auto (GStrv) enabled = NULL;
  g_autoptr (GPtrArray) namespaces = NULL;
  const char *extensions[] = { "QRESYNC", "UTF8=ACCEPT", NULL };

  g_hash_table_insert (ours, (char *)"name", (char *)"Courriel");
  g_hash_table_insert (ours, (char *)"version", (char *)PACKAGE_VERSION);
  theirs = RUN (courriel_imap_client_id_async, courriel_imap_client_id_finish, client, ours);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (theirs, "name"), ==, "Dovecot");

  enabled = RUN (courriel_imap_client_enable_async, courriel_imap_client_enable_finish, client, extensions);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *)enabled, "QRESYNC"));
  g_assert_true (courriel_imap_client_is_enabled (client, "QRESYNC"));

  namespaces = RUN0 (courriel_imap_client_namespace_async, courriel_imap_client_namespace_finish, client);
  g_assert_no_error (error);
  g_assert_cmpuint (namespaces->len, >=, 1);
  g_assert_cmpstr (((CourrielImapNamespace *)namespaces->pdata[0])->prefix, ==, "");
  g_assert_cmpuint (((CourrielImapNamespace *)namespaces->pdata[0])->delimiter, ==, '/');
}

static CourrielImapMailbox *
find_mailbox (GPtrArray *mailboxes, const char *name)
{
  for (guint i = 0; i < mailboxes->len; i++)
    if (g_strcmp0 (courriel_imap_mailbox_get_name (mailboxes->pdata[i]), name) == 0)
      return mailboxes->pdata[i];
  return NULL;
}

static void
check_folders (CourrielSecurity security)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (security, "carol@example.test");
  g_autoptr (GPtrArray) mailboxes = NULL;
  CourrielImapMailbox *mailbox;
  const char *name = "Réunions/Été 2026 & co";
  const char *renamed = "Archives familiales";

  mailboxes = RUN (courriel_imap_client_list_async, courriel_imap_client_list_finish, client, "", "*",
                   "MESSAGES UNSEEN UIDNEXT UIDVALIDITY");
  g_assert_no_error (error);
  mailbox = find_mailbox (mailboxes, "Sent");
  g_assert_nonnull (mailbox);
  g_assert_true (courriel_imap_mailbox_get_attributes (mailbox) & COURRIEL_IMAP_MAILBOX_SENT);
  g_assert_true (courriel_imap_mailbox_get_attributes (find_mailbox (mailboxes, "Trash")) & COURRIEL_IMAP_MAILBOX_TRASH);
  g_assert_true (courriel_imap_mailbox_get_attributes (find_mailbox (mailboxes, "Junk")) & COURRIEL_IMAP_MAILBOX_JUNK);
  g_assert_nonnull (courriel_imap_mailbox_get_status (find_mailbox (mailboxes, "INBOX")));
  g_clear_pointer (&mailboxes, g_ptr_array_unref);

  /* Non-ASCII names travel as modified UTF-7 and come back as they were typed. */
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_CREATE, name));
  g_assert_no_error (error);
  g_assert_false (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                       COURRIEL_IMAP_MAILBOX_CREATE, name));
  g_assert_error (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_SUBSCRIBE, name));
  g_assert_no_error (error);
  mailboxes = RUN (courriel_imap_client_list_async, courriel_imap_client_list_finish, client, "", "*", NULL);
  g_assert_no_error (error);
  g_assert_nonnull (find_mailbox (mailboxes, name));
  g_assert_nonnull (find_mailbox (mailboxes, "Réunions"));
  g_clear_pointer (&mailboxes, g_ptr_array_unref);

  g_assert_true (RUN (courriel_imap_client_rename_async, courriel_imap_client_rename_finish, client, name, renamed));
  g_assert_no_error (error);
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_UNSUBSCRIBE, renamed));
  g_assert_no_error (error);
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_DELETE, renamed));
  g_assert_no_error (error);
  mailboxes = RUN (courriel_imap_client_list_async, courriel_imap_client_list_finish, client, "", "*", NULL);
  g_assert_no_error (error);
  g_assert_null (find_mailbox (mailboxes, renamed));
  g_assert_null (find_mailbox (mailboxes, name));

  g_assert_false (RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, client, "Nowhere", FALSE,
                       NULL));
  /* Dovecot 2.3 says a plain NO here; servers following RFC 5530 add [NONEXISTENT]. */
  g_assert_true (g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_NONEXISTENT)
                 || g_error_matches (error, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_NO));
  g_assert_nonnull (strstr (error->message, "Nowhere"));
  g_assert_null (courriel_imap_client_get_selected (client));
}

static void
test_folders_tls (void)
{
  check_folders (COURRIEL_SECURITY_TLS);
}

static void
test_folders_starttls (void)
{
  check_folders (COURRIEL_SECURITY_STARTTLS);
}

static void
count_fetch (CourrielImapFetch *fetch, gpointer user_data)
{
  (*(guint *)user_data)++;
}

static void
check_messages (CourrielSecurity security)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (CourrielImapSelection) selection = NULL;
  g_autoptr (GPtrArray) fetches = NULL;
  g_autoptr (CourrielImapUidSet) all = courriel_imap_uid_set_parse ("1:*", NULL);
  g_autoptr (CourrielImapUidSet) first = courriel_imap_uid_set_parse ("1", NULL);
  g_autoptr (CourrielImapUidSet) modified = NULL;
  g_autoptr (CourrielImapUidSet) found = NULL;
  g_autoptr (CourrielImapCopyResult) copied = NULL;
  g_autoptr (CourrielImapStatusData) status = NULL;
  const char *extensions[] = { "QRESYNC", NULL };
  const char *flagged[] = { "\\Flagged", NULL };
  const char *deleted[] = { "\\Deleted", NULL };
  g_auto (GStrv) enabled = NULL;
  guint each = 0;
  guint64 modseq;

  /* Each run has its own folders: the same steps run over implicit TLS and over STARTTLS. */
  const char *folder = security == COURRIEL_SECURITY_TLS ? "Work TLS" : "Work STARTTLS";
  g_autofree char *archive = g_strconcat (folder, " archive", NULL);
  g_autofree char *trash = g_strconcat (folder, " trash", NULL);

  add_message ("alice@example.test", folder, "Ordre du jour", "S");
  add_message ("alice@example.test", folder, "Facture avril", "");
  add_message ("alice@example.test", folder, "Vacances d'été", "F");

  client = connect_as (security, "alice@example.test");
  enabled = RUN (courriel_imap_client_enable_async, courriel_imap_client_enable_finish, client, extensions);
  g_assert_no_error (error);
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_CREATE, archive));
  g_assert_no_error (error);
  g_assert_true (RUN (courriel_imap_client_mailbox_async, courriel_imap_client_mailbox_finish, client,
                      COURRIEL_IMAP_MAILBOX_CREATE, trash));
  g_assert_no_error (error);

  selection = RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, client, folder, FALSE, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (selection->exists, ==, 3);
  g_assert_cmpuint (selection->uidnext, ==, 4);
  g_assert_cmpuint (selection->uidvalidity, !=, 0);
  g_assert_cmpuint (selection->highestmodseq, >, 0);
  g_assert_false (selection->read_only);
  g_assert_true (g_strv_contains ((const char * const *)selection->flags, "\\Seen"));
  g_assert_cmpstr (courriel_imap_client_get_selected (client), ==, folder);
  modseq = selection->highestmodseq;

  fetches = RUN (courriel_imap_client_uid_fetch_async, courriel_imap_client_uid_fetch_finish, client, all,
                 "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ "
                 "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] BINARY.PEEK[1])",
                 0, count_fetch, &each);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 3);
  g_assert_cmpuint (each, ==, 3);
  {
    CourrielImapFetch *fetch = fetches->pdata[0];

    g_assert_cmpuint (fetch->uid, ==, 1);
    g_assert_true (g_strv_contains ((const char * const *)fetch->flags, "\\Seen"));
    g_assert_nonnull (fetch->envelope);
    g_assert_cmpstr (fetch->envelope->subject, ==, "Ordre du jour");
    g_assert_nonnull (fetch->bodystructure);
    g_assert_cmpuint (fetch->rfc822_size, >, 100);
    g_assert_nonnull (fetch->internaldate);
  }

  /* Flags: set, then a conditional store that lost the race reports the UID as MODIFIED. */
  modified = RUN (courriel_imap_client_uid_store_async, courriel_imap_client_uid_store_finish, client, first,
                  COURRIEL_IMAP_STORE_ADD, flagged, 0);
  g_assert_no_error (error);
  g_assert_true (courriel_imap_uid_set_is_empty (modified));
  g_clear_pointer (&modified, courriel_imap_uid_set_free);
  modified = RUN (courriel_imap_client_uid_store_async, courriel_imap_client_uid_store_finish, client, first,
                  COURRIEL_IMAP_STORE_REMOVE, flagged, modseq);
  g_assert_no_error (error);
  g_assert_true (courriel_imap_uid_set_contains (modified, 1));

  found = RUN (courriel_imap_client_uid_search_async, courriel_imap_client_uid_search_finish, client, "FLAGGED");
  g_assert_no_error (error);
  g_assert_true (courriel_imap_uid_set_contains (found, 1));
  g_assert_true (courriel_imap_uid_set_contains (found, 3));
  g_assert_false (courriel_imap_uid_set_contains (found, 2));
  g_clear_pointer (&found, courriel_imap_uid_set_free);

  /* CHANGEDSINCE: only what changed after the first SELECT. */
  g_clear_pointer (&fetches, g_ptr_array_unref);
  fetches = RUN (courriel_imap_client_uid_fetch_async, courriel_imap_client_uid_fetch_finish, client, all,
                 "(UID FLAGS)", modseq, NULL, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 1);
  g_assert_cmpuint (((CourrielImapFetch *)fetches->pdata[0])->uid, ==, 1);

  /* COPY reports the new UIDs; MOVE takes the message away. */
  copied = RUN (courriel_imap_client_uid_copy_async, courriel_imap_client_uid_copy_finish, client, first, archive,
                FALSE);
  g_assert_no_error (error);
  g_assert_cmpuint (copied->uidvalidity, !=, 0);
  g_assert_nonnull (copied->uids);
  g_clear_pointer (&copied, courriel_imap_copy_result_free);
  copied = RUN (courriel_imap_client_uid_copy_async, courriel_imap_client_uid_copy_finish, client, first, trash,
                TRUE);
  g_assert_no_error (error);
  g_assert_true (courriel_imap_uid_set_contains (copied->source_uids, 1));
  found = RUN (courriel_imap_client_uid_search_async, courriel_imap_client_uid_search_finish, client, "ALL");
  g_assert_no_error (error);
  g_assert_false (courriel_imap_uid_set_contains (found, 1));
  g_clear_pointer (&found, courriel_imap_uid_set_free);

  /* Delete and expunge exactly one message. */
  {
    g_autoptr (CourrielImapUidSet) two = courriel_imap_uid_set_parse ("2", NULL);
    g_autoptr (CourrielImapUidSet) unused = RUN (courriel_imap_client_uid_store_async,
                                                 courriel_imap_client_uid_store_finish, client, two,
                                                 COURRIEL_IMAP_STORE_ADD, deleted, 0);
    g_assert_no_error (error);
    g_assert_true (RUN (courriel_imap_client_expunge_async, courriel_imap_client_expunge_finish, client, two));
    g_assert_no_error (error);
  }
  found = RUN (courriel_imap_client_uid_search_async, courriel_imap_client_uid_search_finish, client, "ALL");
  g_assert_no_error (error);
  g_assert_true (courriel_imap_uid_set_contains (found, 3));
  g_assert_false (courriel_imap_uid_set_contains (found, 2));

  status = RUN (courriel_imap_client_status_async, courriel_imap_client_status_finish, client, trash,
                "MESSAGES UIDNEXT UIDVALIDITY");
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 1);

  /* A second device resynchronises with QRESYNC from what it knew at the first SELECT:
   * the server names the vanished UIDs and sends only what changed. */
  {
    g_autoptr (CourrielImapClient) other = connect_as (security, "alice@example.test");
    g_autoptr (CourrielImapSelection) resync = NULL;
    g_auto (GStrv) other_enabled = NULL;
    g_autoptr (CourrielImapUidSet) known = courriel_imap_uid_set_parse ("1:3", NULL);
    CourrielImapQresync qresync = { selection->uidvalidity, modseq, known };

    other_enabled = RUN (courriel_imap_client_enable_async, courriel_imap_client_enable_finish, other, extensions);
    g_assert_no_error (error);
    resync = RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, other, folder, FALSE, &qresync);
    g_assert_no_error (error);
    g_assert_nonnull (resync->vanished);
    g_assert_true (courriel_imap_uid_set_contains (resync->vanished, 1));
    g_assert_true (courriel_imap_uid_set_contains (resync->vanished, 2));
    g_assert_false (courriel_imap_uid_set_contains (resync->vanished, 3));
    g_assert_cmpuint (resync->exists, ==, 1);
    g_assert_cmpuint (resync->highestmodseq, >, modseq);
  }
}

static void
test_messages_tls (void)
{
  check_messages (COURRIEL_SECURITY_TLS);
}

static void
test_messages_starttls (void)
{
  check_messages (COURRIEL_SECURITY_STARTTLS);
}

static void
check_append (CourrielSecurity security)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (security, "bob@example.test");
  g_autoptr (CourrielImapCopyResult) appended = NULL;
  g_autoptr (GDateTime) date = g_date_time_new_from_iso8601 ("2026-07-14T10:20:30+02:00", NULL);
  g_autoptr (GPtrArray) fetches = NULL;
  g_autoptr (CourrielImapSelection) selection = NULL;
  const char *raw = "From: Bob <bob@example.test>\r\nSubject: Brouillon\r\n\r\nÀ finir demain.\r\n";
  g_autoptr (GBytes) message = g_bytes_new_static (raw, strlen (raw));
  const char *flags[] = { "\\Seen", "\\Draft", NULL };
  CourrielImapFetch *fetch;
  GBytes *body;

  appended = RUN (courriel_imap_client_append_async, courriel_imap_client_append_finish, client, "Drafts", message,
                  flags, date);
  g_assert_no_error (error);
  g_assert_cmpuint (appended->uidvalidity, !=, 0);
  g_assert_nonnull (appended->uids);

  selection = RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, client, "Drafts", TRUE, NULL);
  g_assert_no_error (error);
  g_assert_true (selection->read_only);
  fetches = RUN (courriel_imap_client_uid_fetch_async, courriel_imap_client_uid_fetch_finish, client, appended->uids,
                 "(UID FLAGS INTERNALDATE BODY.PEEK[])", 0, NULL, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 1);
  fetch = fetches->pdata[0];
  g_assert_true (g_strv_contains ((const char * const *)fetch->flags, "\\Draft"));
  g_assert_cmpint (g_date_time_to_unix (fetch->internaldate), ==, g_date_time_to_unix (date));
  body = courriel_imap_fetch_get_section (fetch, "BODY[]");
  g_assert_nonnull (body);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), raw, strlen (raw));
}

static void
test_append_tls (void)
{
  check_append (COURRIEL_SECURITY_TLS);
}

static void
test_append_starttls (void)
{
  check_append (COURRIEL_SECURITY_STARTTLS);
}

static void
collect_literal (const char *item, guint64 total, const guint8 *data, gsize length, gboolean last, gpointer user_data)
{
  g_byte_array_append (user_data, data, length);
}

/* A body larger than the in-memory limit goes to the sink, chunk by chunk, intact. */
static void
test_large_body_streamed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = NULL;
  g_autoptr (CourrielImapSelection) selection = NULL;
  g_autoptr (GPtrArray) fetches = NULL;
  g_autoptr (GByteArray) received = g_byte_array_new ();
  g_autoptr (GString) raw = g_string_new ("From: bob@example.test\r\nSubject: Big\r\n\r\n");
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CourrielImapUidSet) all = courriel_imap_uid_set_parse ("1:*", NULL);
  CourrielImapFetch *fetch;

  for (guint i = 0; raw->len < 3 * 1024 * 1024; i++)
    g_string_append_printf (raw, "Line %u of a large message, with some text to fill it up.\r\n", i);
  bytes = g_bytes_new (raw->str, raw->len);
  courriel_test_bench_add_message (bench, "bob@example.test", "Big", bytes, NULL, 0, &error);
  g_assert_no_error (error);

  client = connect_as (COURRIEL_SECURITY_TLS, "bob@example.test");
  courriel_imap_client_set_literal_sink (client, 64 * 1024, collect_literal, received, NULL);
  selection = RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, client, "Big", TRUE, NULL);
  g_assert_no_error (error);
  fetches = RUN (courriel_imap_client_uid_fetch_async, courriel_imap_client_uid_fetch_finish, client, all,
                 "(UID BODY.PEEK[])", 0, NULL, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 1);
  fetch = fetches->pdata[0];
  g_assert_null (courriel_imap_fetch_get_section (fetch, "BODY[]"));
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (fetch->streamed, "BODY[]")), ==, raw->len);
  g_assert_cmpmem (received->data, received->len, raw->str, raw->len);
}

static void
on_exists (CourrielImapClient *client, guint exists, gpointer user_data)
{
  *(gint64 *)user_data = g_get_monotonic_time ();
}

static void
test_idle (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CourrielImapClient) client = connect_as (COURRIEL_SECURITY_TLS, "carol@example.test");
  g_autoptr (CourrielImapSelection) selection = NULL;
  g_autoptr (GAsyncResult) idle_result = NULL;
  g_autofree char *file = NULL;
  gint64 announced = 0;
  gint64 sent;

  selection = RUN (courriel_imap_client_select_async, courriel_imap_client_select_finish, client, "INBOX", FALSE, NULL);
  g_assert_no_error (error);
  g_signal_connect (client, "exists", G_CALLBACK (on_exists), &announced);

  /* A short keep-alive proves IDLE is renewed without losing news. */
  courriel_imap_client_set_idle_keepalive (client, 1);
  courriel_imap_client_idle_async (client, NULL, got_result, &idle_result);
  for (gint64 until = g_get_monotonic_time () + 2500 * 1000; g_get_monotonic_time () < until;)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);

  {
    g_autofree char *target = courriel_test_url (bench, "smtps", COURRIEL_TEST_BENCH_SUBMISSIONS, NULL);
    g_autofree char *user = courriel_test_credentials (bench, "alice@example.test");
    const char *text = "From: alice@example.test\r\nTo: carol@example.test\r\nSubject: IDLE\r\n\r\nNouveau !\r\n";
    const char *args[] = { "--ssl-reqd", "--cacert", courriel_test_bench_get_ca_file (bench), "--mail-from",
                           "alice@example.test", "--mail-rcpt", "carol@example.test", "--user", user,
                           "--upload-file", NULL, target, NULL };
    int fd = g_file_open_tmp ("idle-XXXXXX.eml", &file, NULL);

    close (fd);
    g_file_set_contents (file, text, -1, NULL);
    args[10] = file;
    g_assert_cmpint (courriel_test_curl (args, NULL), ==, 0);
    g_unlink (file);
  }
  sent = g_get_monotonic_time ();
  while (announced == 0 && g_get_monotonic_time () < sent + 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (announced, !=, 0);
  g_test_message ("New mail announced %.0f ms after Postfix accepted it", (announced - sent) / 1000.0);
  g_assert_cmpint (announced - sent, <, 2 * G_USEC_PER_SEC);

  /* A command while idling: IDLE makes way, the command runs. */
  g_assert_true (RUN0 (courriel_imap_client_noop_async, courriel_imap_client_noop_finish, client));
  g_assert_no_error (error);
  g_assert_true (courriel_imap_client_idle_finish (client, wait_for (&idle_result), &error));
  g_assert_no_error (error);
}

/* Scripted servers ------------------------------------------------------------------------------ */

typedef struct
{
  const char *const *script; /* what to send: lines sent as they are, "<" waits for one client line,
                                "TLS" starts TLS as the server, "CLOSE" hangs up */
  GTlsCertificate   *certificate;
  GSocketService    *service;
  guint16            port;
  GPtrArray         *received;
  gint               running; /* server threads still talking */
} Scripted;

static void
scripted_run (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Scripted *scripted = data;
  GIOStream *stream = g_object_ref (source);
  g_autoptr (GDataInputStream) in = NULL;

  in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  for (guint i = 0; scripted->script[i] != NULL; i++)
    {
      const char *step = scripted->script[i];

      if (g_str_equal (step, "<"))
        {
          char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
          if (line == NULL)
            break;
          g_ptr_array_add (scripted->received, g_strchomp (line));
        }
      else if (g_str_equal (step, "CLOSE"))
        break;
      else if (g_str_equal (step, "TLS"))
        {
          GIOStream *tls = g_tls_server_connection_new (stream, scripted->certificate, NULL);
          if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL))
            break;
          g_object_unref (stream);
          stream = tls;
          g_object_unref (in);
          in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
          g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
        }
      else if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), step, strlen (step), NULL, NULL,
                                           NULL))
        break;
    }
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
  g_atomic_int_dec_and_test (&scripted->running);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (connection, NULL, NULL, NULL);

  g_atomic_int_inc (&((Scripted *)user_data)->running);
  g_task_set_task_data (task, user_data, NULL);
  g_task_run_in_thread (task, scripted_run);
  return TRUE;
}

static Scripted *
scripted_start (const char *const *script)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cert = g_build_filename (courriel_test_bench_get_dir (bench), "cert.pem", NULL);
  g_autofree char *key = g_build_filename (courriel_test_bench_get_dir (bench), "key.pem", NULL);
  Scripted *scripted = g_new0 (Scripted, 1);

  scripted->script = script;
  scripted->received = g_ptr_array_new_with_free_func (g_free);
  scripted->certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  scripted->service = g_socket_service_new ();
  {
    g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr (GSocketAddress) effective = NULL;

    g_socket_listener_add_address (G_SOCKET_LISTENER (scripted->service), address, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
    g_assert_no_error (error);
    scripted->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  g_signal_connect (scripted->service, "incoming", G_CALLBACK (on_incoming), scripted);
  g_socket_service_start (scripted->service);
  return scripted;
}

static void
scripted_free (Scripted *scripted)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* The server threads end once the client has hung up: wait for them. */
  while (g_atomic_int_get (&scripted->running) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&scripted->running), ==, 0);
  g_socket_service_stop (scripted->service);
  g_object_unref (scripted->service);
  g_object_unref (scripted->certificate);
  g_ptr_array_unref (scripted->received);
  g_free (scripted);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scripted, scripted_free)

static CourrielImapClient *
scripted_client (Scripted *scripted, CourrielSecurity security)
{
  g_autoptr (CourrielConnection) connection = courriel_connection_new ("127.0.0.1", scripted->port, security);

  courriel_connection_set_pinned_fingerprint (connection, pinned);
  courriel_connection_set_timeout (connection, 5);
  return courriel_imap_client_new (connection);
}

static void
test_starttls_not_offered (void)
{
  const char *script[] = { "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Plain only\r\n", "<", "<", NULL };
  g_autoptr (Scripted) scripted = scripted_start (script);
  g_autoptr (CourrielImapClient) client = scripted_client (scripted, COURRIEL_SECURITY_STARTTLS);
  g_autoptr (GError) error = NULL;

  g_assert_false (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE);
  /* No downgrade: nothing more was said, least of all a password. */
  g_usleep (100 * 1000);
  g_assert_cmpuint (scripted->received->len, ==, 0);
}

static void
test_starttls_injection (void)
{
  /* The server's STARTTLS reply smuggles a fake capability list in the same packet. */
  const char *script[] = { "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Hello\r\n", "<",
                           "C1 OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=INJECTED] Injected\r\n", "TLS", "<",
                           "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nC2 OK done\r\n", "<", NULL };
  g_autoptr (Scripted) scripted = scripted_start (script);
  g_autoptr (CourrielImapClient) client = scripted_client (scripted, COURRIEL_SECURITY_STARTTLS);
  g_autoptr (GError) error = NULL;

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  g_assert_true (courriel_connection_is_encrypted (courriel_imap_client_get_connection (client)));
  g_assert_false (courriel_imap_client_has_capability (client, "AUTH=INJECTED"));
  g_assert_true (courriel_imap_client_has_capability (client, "AUTH=PLAIN"));
  g_assert_cmpstr (scripted->received->pdata[0], ==, "C1 STARTTLS");
  g_assert_cmpstr (scripted->received->pdata[1], ==, "C2 CAPABILITY");
}

/* A server that stops answering while the client idles (a network gone without a word) is
 * found out at IDLE's next renewal: DONE unanswered for the connection's timeout. */
static void
test_idle_dead_connection (void)
{
  const char *script[] = { "TLS", "* OK [CAPABILITY IMAP4rev1 IDLE] Hello\r\n", "<", "+ idling\r\n", "<", "<", NULL };
  g_autoptr (Scripted) scripted = scripted_start (script);
  g_autoptr (CourrielImapClient) client = scripted_client (scripted, COURRIEL_SECURITY_TLS);
  g_autoptr (GAsyncResult) idle_result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  courriel_imap_client_set_idle_keepalive (client, 1);
  start = g_get_monotonic_time ();
  courriel_imap_client_idle_async (client, NULL, got_result, &idle_result);
  while (idle_result == NULL && g_get_monotonic_time () < start + 20 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  g_assert_nonnull (idle_result);
  g_assert_false (courriel_imap_client_idle_finish (client, idle_result, &error));
  g_assert_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT);
  /* The keep-alive (1 s), then the timeout (5 s): not the silence of the idling itself. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 5 * G_USEC_PER_SEC);
  g_assert_cmpstr (scripted->received->pdata[1], ==, "DONE");
}

/* Without MOVE, a move is COPY, STORE \Deleted and UID EXPUNGE of exactly those UIDs. */
static void
test_move_fallback (void)
{
  const char *script[] = { "TLS", "* OK [CAPABILITY IMAP4rev1 UIDPLUS] No MOVE here\r\n",
                           "<", "C1 OK [COPYUID 9 7 42] Copied\r\n",
                           "<", "C2 OK Stored\r\n",
                           "<", "* 3 EXPUNGE\r\nC3 OK Expunged\r\n", "<", NULL };
  g_autoptr (Scripted) scripted = scripted_start (script);
  g_autoptr (CourrielImapClient) client = scripted_client (scripted, COURRIEL_SECURITY_TLS);
  g_autoptr (CourrielImapUidSet) seven = courriel_imap_uid_set_parse ("7", NULL);
  g_autoptr (CourrielImapCopyResult) moved = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  moved = RUN (courriel_imap_client_uid_copy_async, courriel_imap_client_uid_copy_finish, client, seven, "Trash", TRUE);
  g_assert_no_error (error);
  g_assert_cmpuint (moved->uidvalidity, ==, 9);
  g_assert_true (courriel_imap_uid_set_contains (moved->uids, 42));
  g_assert_cmpuint (scripted->received->len, ==, 3);
  g_assert_cmpstr (scripted->received->pdata[0], ==, "C1 UID COPY 7 \"Trash\"");
  g_assert_cmpstr (scripted->received->pdata[1], ==, "C2 UID STORE 7 +FLAGS.SILENT (\\Deleted)");
  g_assert_cmpstr (scripted->received->pdata[2], ==, "C3 UID EXPUNGE 7");
}

static void
check_broken_server (const char *const *script, GQuark domain, int code)
{
  g_autoptr (Scripted) scripted = scripted_start (script);
  g_autoptr (CourrielImapClient) client = scripted_client (scripted, COURRIEL_SECURITY_TLS);
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) noop = NULL;
  g_autoptr (GAsyncResult) second = NULL;

  g_assert_true (RUN0 (courriel_imap_client_connect_async, courriel_imap_client_connect_finish, client));
  g_assert_no_error (error);
  /* Two commands pending: both get the same clear error. */
  courriel_imap_client_noop_async (client, NULL, got_result, &noop);
  courriel_imap_client_noop_async (client, NULL, got_result, &second);
  g_assert_false (courriel_imap_client_noop_finish (client, wait_for (&noop), &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (courriel_imap_client_noop_finish (client, wait_for (&second), &error));
  g_assert_error (error, domain, code);
}

static void
test_broken_servers (void)
{
  const char *bye[] = { "TLS", "* OK [CAPABILITY IMAP4rev1] Hi\r\n", "<", "* BYE Shutting down for maintenance\r\n", "CLOSE",
                        NULL };
  const char *truncated[] = { "TLS", "* OK [CAPABILITY IMAP4rev1] Hi\r\n", "<", "* 1 FETCH (UID 1 BODY[] {500}\r\nshort",
                              "CLOSE", NULL };
  const char *garbage[] = { "TLS", "* OK [CAPABILITY IMAP4rev1] Hi\r\n", "<", "* 1 FETCH (UID \"unterminated\r\n\r\n",
                            "<", NULL };
  const char *unknown_tag[] = { "TLS", "* OK [CAPABILITY IMAP4rev1] Hi\r\n", "<", "Z99 OK what?\r\n", "<", NULL };
  const char *silent[] = { "TLS", "* OK [CAPABILITY IMAP4rev1] Hi\r\n", "<", "<", "<", NULL };

  check_broken_server (bye, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_BYE);
  check_broken_server (truncated, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_CLOSED);
  check_broken_server (garbage, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
  check_broken_server (unknown_tag, COURRIEL_IMAP_ERROR, COURRIEL_IMAP_ERROR_PROTOCOL);
  check_broken_server (silent, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_TIMEOUT);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  bench = courriel_test_bench_new (&error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_file (courriel_test_bench_get_ca_file (bench), &error);
  g_assert_no_error (error);
  pinned = courriel_certificate_get_fingerprint (certificate);

  g_test_add_func ("/imap-client/session/tls", test_session_tls);
  g_test_add_func ("/imap-client/session/starttls", test_session_starttls);
  g_test_add_func ("/imap-client/wrong-password", test_wrong_password);
  g_test_add_func ("/imap-client/authenticate", test_authenticate_mechanisms);
  g_test_add_func ("/imap-client/no-password-in-clear", test_no_password_in_clear);
  g_test_add_func ("/imap-client/certificate-rules", test_certificate_rules);
  g_test_add_func ("/imap-client/id-enable-namespace", test_id_enable_namespace);
  g_test_add_func ("/imap-client/folders/tls", test_folders_tls);
  g_test_add_func ("/imap-client/folders/starttls", test_folders_starttls);
  g_test_add_func ("/imap-client/messages/tls", test_messages_tls);
  g_test_add_func ("/imap-client/messages/starttls", test_messages_starttls);
  g_test_add_func ("/imap-client/append/tls", test_append_tls);
  g_test_add_func ("/imap-client/append/starttls", test_append_starttls);
  g_test_add_func ("/imap-client/idle", test_idle);
  g_test_add_func ("/imap-client/large-body-streamed", test_large_body_streamed);
  g_test_add_func ("/imap-client/starttls-not-offered", test_starttls_not_offered);
  g_test_add_func ("/imap-client/starttls-injection", test_starttls_injection);
  g_test_add_func ("/imap-client/broken-servers", test_broken_servers);
  g_test_add_func ("/imap-client/idle-dead-connection", test_idle_dead_connection);
  g_test_add_func ("/imap-client/move-fallback", test_move_fallback);

  status = g_test_run ();
  g_clear_object (&bench);
  g_free (pinned);
  return status;
}
