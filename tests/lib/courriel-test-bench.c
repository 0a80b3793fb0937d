/* courriel-test-bench.c — real Dovecot and Postfix servers on loopback for one test program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The servers themselves are configured and started by the `mail-bench` script beside this
 * file; this object chooses a private directory and free ports, retries when another test
 * took a port first, and keeps a guard process that stops the servers and removes the
 * directory as soon as this process closes its end of a pipe: when the test stops the bench,
 * and just as well when it fails an assertion, crashes or is killed.
 */
#define G_LOG_DOMAIN "courriel-test-bench"

#include "config.h"
#include "courriel-test-bench.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define EX_PORTS_BUSY 75
#define MAX_START_ATTEMPTS 8

struct _CourrielTestBench
{
  GObject      parent_instance;

  char        *dir;
  char        *ca_file;
  guint16      ports[COURRIEL_TEST_BENCH_N_SERVICES + 1]; /* the last: the cleartext submission */
  CourrielTestBenchFlags flags;
  GSubprocess *guard;
  GStrv        users;     /* addresses, in the order of the users file */
  GHashTable  *passwords; /* address → password */
  guint        serial;    /* makes maildir file names unique */
};

G_DEFINE_FINAL_TYPE (CourrielTestBench, courriel_test_bench, G_TYPE_OBJECT)

static const char *service_names[COURRIEL_TEST_BENCH_N_SERVICES] = {
  [COURRIEL_TEST_BENCH_IMAP] = "IMAP",
  [COURRIEL_TEST_BENCH_IMAPS] = "IMAPS",
  [COURRIEL_TEST_BENCH_POP3] = "POP3",
  [COURRIEL_TEST_BENCH_POP3S] = "POP3S",
  [COURRIEL_TEST_BENCH_LMTP] = "LMTP",
  [COURRIEL_TEST_BENCH_AUTH] = "AUTH",
  [COURRIEL_TEST_BENCH_SMTP] = "SMTP",
  [COURRIEL_TEST_BENCH_SUBMISSION] = "SUBMISSION",
  [COURRIEL_TEST_BENCH_SUBMISSIONS] = "SUBMISSIONS",
};

const char *
courriel_test_bench_service_name (CourrielTestBenchService service)
{
  g_return_val_if_fail (service < COURRIEL_TEST_BENCH_N_SERVICES, NULL);
  return service_names[service];
}

static const char *
script_path (void)
{
  const char *path = g_getenv ("COURRIEL_MAIL_BENCH");

  return path != NULL ? path : COURRIEL_MAIL_BENCH_SCRIPT;
}

static void
courriel_test_bench_finalize (GObject *object)
{
  CourrielTestBench *self = COURRIEL_TEST_BENCH (object);

  courriel_test_bench_stop (self);
  g_free (self->dir);
  g_free (self->ca_file);
  g_strfreev (self->users);
  g_clear_pointer (&self->passwords, g_hash_table_unref);

  G_OBJECT_CLASS (courriel_test_bench_parent_class)->finalize (object);
}

static void
courriel_test_bench_class_init (CourrielTestBenchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_test_bench_finalize;
}

static void
courriel_test_bench_init (CourrielTestBench *self)
{
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Distinct ports the kernel considers free right now. Another process may still take one
 * before the servers bind it: mail-bench reports that and the caller tries again. */
static gboolean
pick_ports (guint16 *ports, guint n_ports, GError **error)
{
  int fds[COURRIEL_TEST_BENCH_N_SERVICES + 1];
  gboolean ok = TRUE;
  guint i;

  g_assert (n_ports <= G_N_ELEMENTS (fds));
  for (i = 0; i < n_ports; i++)
    fds[i] = -1;

  for (i = 0; i < n_ports && ok; i++)
    {
      struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
      socklen_t len = sizeof addr;

      addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fds[i] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fds[i] < 0 || bind (fds[i], (struct sockaddr *)&addr, sizeof addr) < 0
          || getsockname (fds[i], (struct sockaddr *)&addr, &len) < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not reserve a loopback port: %s", g_strerror (saved));
          ok = FALSE;
          break;
        }
      ports[i] = ntohs (addr.sin_port);
    }

  for (i = 0; i < n_ports; i++)
    if (fds[i] >= 0)
      close (fds[i]);

  return ok;
}

char **
courriel_test_bench_get_environ (CourrielTestBench *self, char **envp)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), envp);

  for (guint i = 0; i < COURRIEL_TEST_BENCH_N_SERVICES; i++)
    {
      g_autofree char *name = g_strdup_printf ("COURRIEL_BENCH_%s_PORT", service_names[i]);
      g_autofree char *value = g_strdup_printf ("%u", self->ports[i]);

      envp = g_environ_setenv (envp, name, value, TRUE);
    }
  if (self->flags & COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION)
    {
      g_autofree char *value = g_strdup_printf ("%u", self->ports[COURRIEL_TEST_BENCH_N_SERVICES]);

      envp = g_environ_setenv (envp, "COURRIEL_BENCH_SUBMISSION_CLEARTEXT_PORT", value, TRUE);
    }
  envp = g_environ_setenv (envp, "COURRIEL_BENCH_DIR", self->dir, TRUE);
  envp = g_environ_setenv (envp, "COURRIEL_BENCH_HOST", courriel_test_bench_get_host (self), TRUE);
  if (self->ca_file != NULL)
    envp = g_environ_setenv (envp, "COURRIEL_BENCH_CA_FILE", self->ca_file, TRUE);

  return envp;
}

static void
guard_child_setup (gpointer user_data)
{
  /* Out of the test's process group: Ctrl+C and meson's kill reach the test, not the guard. */
  setsid ();
}

static gboolean
start_guard (CourrielTestBench *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  const char *argv[] = { script_path (), "guard", self->dir, NULL };

  g_subprocess_launcher_set_child_setup (launcher, guard_child_setup, NULL, NULL);
  self->guard = g_subprocess_launcher_spawnv (launcher, argv, error);

  return self->guard != NULL;
}

/* Runs `mail-bench start`; returns its exit status, or -1 with @error set. */
static int
run_start (CourrielTestBench *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_auto (GStrv) envp = courriel_test_bench_get_environ (self, g_get_environ ());
  g_autofree char *errors = NULL;
  const char *argv[] = { script_path (), "start", self->dir, NULL };
  int status;

  g_subprocess_launcher_set_environ (launcher, envp);
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &errors, error))
    return -1;

  status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : 128;
  if (status != 0 && status != EX_PORTS_BUSY)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "The mail servers did not start (exit %d):\n%s", status, errors);
  return status;
}

static gboolean
read_users (CourrielTestBench *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, "users", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) users = g_ptr_array_new ();

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* address:{PLAIN}password */
      const char *colon = strchr (lines[i], ':');
      const char *brace = colon != NULL ? strchr (colon, '}') : NULL;
      char *address;

      if (brace == NULL)
        continue;
      address = g_strndup (lines[i], colon - lines[i]);
      g_hash_table_insert (self->passwords, address, g_strdup (brace + 1));
      g_ptr_array_add (users, g_strdup (address));
    }
  g_ptr_array_add (users, NULL);
  self->users = (GStrv)g_ptr_array_free (g_steal_pointer (&users), FALSE);

  return TRUE;
}

/**
 * courriel_test_bench_new:
 *
 * Starts Dovecot and Postfix from a new private directory, on free loopback ports, with a
 * fresh self-signed certificate for `localhost` and 127.0.0.1 and the users alice, bob and
 * carol of example.test, each with a random password. The servers stop and the directory
 * goes away when the bench is finalized or stopped, or when this process ends in any way.
 *
 * Returns: (transfer full): the running bench, or %NULL with @error set
 */
CourrielTestBench *
courriel_test_bench_new (GError **error)
{
  return courriel_test_bench_new_full (COURRIEL_TEST_BENCH_FLAGS_NONE, error);
}

/**
 * courriel_test_bench_new_full:
 * @flags: what to add to the usual servers
 *
 * As courriel_test_bench_new(), with more: see #CourrielTestBenchFlags.
 */
CourrielTestBench *
courriel_test_bench_new_full (CourrielTestBenchFlags flags, GError **error)
{
  g_autoptr (CourrielTestBench) self = g_object_new (COURRIEL_TYPE_TEST_BENCH, NULL);
  int status = EX_PORTS_BUSY;
  guint n_ports = COURRIEL_TEST_BENCH_N_SERVICES + ((flags & COURRIEL_TEST_BENCH_CLEARTEXT_SUBMISSION) ? 1 : 0);

  self->flags = flags;

  self->dir = g_dir_make_tmp ("courriel-bench-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  /* Dovecot and Postfix run as their own users and must reach the directory. */
  if (g_chmod (self->dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Could not open %s to the mail servers: %s", self->dir, g_strerror (errno));
      return NULL;
    }

  if (!start_guard (self, error))
    return NULL;

  for (guint attempt = 0; attempt < MAX_START_ATTEMPTS && status == EX_PORTS_BUSY; attempt++)
    {
      if (!pick_ports (self->ports, n_ports, error))
        return NULL;
      status = run_start (self, error);
      if (status != 0 && status != EX_PORTS_BUSY)
        return NULL;
    }
  if (status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "The mail servers found their ports taken %d times in a row", MAX_START_ATTEMPTS);
      return NULL;
    }

  self->ca_file = g_build_filename (self->dir, "cert.pem", NULL);
  if (!read_users (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * courriel_test_bench_stop:
 *
 * Stops the servers and removes the bench's directory; waits until both are done.
 * Calling it again does nothing.
 */
void
courriel_test_bench_stop (CourrielTestBench *self)
{
  g_autoptr (GError) error = NULL;
  GOutputStream *input;

  g_return_if_fail (COURRIEL_IS_TEST_BENCH (self));

  if (self->guard == NULL)
    return;

  input = g_subprocess_get_stdin_pipe (self->guard);
  if (!g_output_stream_close (input, NULL, &error))
    g_warning ("Could not signal the bench guard: %s", error->message);
  else if (!g_subprocess_wait (self->guard, NULL, &error))
    g_warning ("Could not wait for the bench guard: %s", error->message);
  g_clear_object (&self->guard);
}

/**
 * courriel_test_bench_stop_servers:
 *
 * Stops Dovecot and Postfix, keeping the mail, the users and the certificate: a server that
 * went down. courriel_test_bench_start_servers() brings them back on the same ports.
 */
gboolean
courriel_test_bench_stop_servers (CourrielTestBench *self, GError **error)
{
  g_autoptr (GSubprocess) proc = NULL;

  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), FALSE);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error, script_path (), "stop", self->dir, NULL);
  return proc != NULL && g_subprocess_wait_check (proc, NULL, error);
}

gboolean
courriel_test_bench_start_servers (CourrielTestBench *self, GError **error)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), FALSE);
  if (run_start (self, error) == 0)
    return TRUE;
  if (error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "The bench's ports were taken meanwhile");
  return FALSE;
}

const char *
courriel_test_bench_get_dir (CourrielTestBench *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), NULL);
  return self->dir;
}

const char *
courriel_test_bench_get_host (CourrielTestBench *self)
{
  return "127.0.0.1";
}

guint16
courriel_test_bench_get_cleartext_submission_port (CourrielTestBench *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), 0);
  return self->ports[COURRIEL_TEST_BENCH_N_SERVICES];
}

guint16
courriel_test_bench_get_port (CourrielTestBench *self, CourrielTestBenchService service)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), 0);
  g_return_val_if_fail (service < COURRIEL_TEST_BENCH_N_SERVICES, 0);
  return self->ports[service];
}

/* The self-signed certificate every TLS listener presents, as PEM. */
const char *
courriel_test_bench_get_ca_file (CourrielTestBench *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), NULL);
  return self->ca_file;
}

const char * const *
courriel_test_bench_get_users (CourrielTestBench *self)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), NULL);
  return (const char * const *)self->users;
}

const char *
courriel_test_bench_get_password (CourrielTestBench *self, const char *address)
{
  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), NULL);
  return g_hash_table_lookup (self->passwords, address);
}

static gboolean
make_owned_dir (const char *path, uid_t uid, gid_t gid, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0 || (geteuid () == 0 && chown (path, uid, gid) != 0))
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * courriel_test_bench_add_message:
 * @address: whose mailbox, e.g. "alice@example.test"
 * @folder: "INBOX" or a folder name such as "Sent" or "Archive"
 * @message: the raw RFC 5322 message
 * @maildir_flags: (nullable): Maildir flags in ASCII order, e.g. "FS" for flagged and seen
 * @received: the arrival time (Unix seconds) the server reports as INTERNALDATE, or 0 for now
 *
 * Puts a message straight into the user's Maildir, as if delivered earlier. Far faster than
 * SMTP or LMTP for filling large mailboxes; Dovecot indexes it on the next access.
 */
gboolean
courriel_test_bench_add_message (CourrielTestBench *self,
                                 const char        *address,
                                 const char        *folder,
                                 GBytes            *message,
                                 const char        *maildir_flags,
                                 gint64             received,
                                 GError           **error)
{
  g_autofree char *maildir = NULL;
  g_autofree char *folder_dir = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *cur_path = NULL;
  g_autofree char *base = NULL;
  struct passwd *pw = getpwnam ("dovecot");
  uid_t uid = pw != NULL ? pw->pw_uid : geteuid ();
  gid_t gid = pw != NULL ? pw->pw_gid : getegid ();
  struct timeval times[2] = { { 0 } };
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  g_return_val_if_fail (COURRIEL_IS_TEST_BENCH (self), FALSE);
  g_return_val_if_fail (address != NULL && folder != NULL && message != NULL, FALSE);

  if (g_hash_table_lookup (self->passwords, address) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No bench user %s", address);
      return FALSE;
    }

  maildir = g_build_filename (self->dir, "mail", address, "Maildir", NULL);
  if (g_ascii_strcasecmp (folder, "INBOX") == 0)
    folder_dir = g_strdup (maildir);
  else
    {
      /* Maildir++: sub-folders are dot-prefixed directories, hierarchy separated by dots. */
      g_autofree char *dotted = g_strdelimit (g_strdup (folder), "/", '.');
      g_autofree char *name = g_strconcat (".", dotted, NULL);
      folder_dir = g_build_filename (maildir, name, NULL);
    }

  /* Every level must belong to Dovecot's user, or it cannot open the folder. */
  if (!make_owned_dir (folder_dir, uid, gid, error))
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      const char *sub[] = { "cur", "new", "tmp" };
      g_autofree char *path = g_build_filename (folder_dir, sub[i], NULL);
      if (!make_owned_dir (path, uid, gid, error))
        return FALSE;
    }

  if (received <= 0)
    received = g_get_real_time () / G_USEC_PER_SEC;

  base = g_strdup_printf ("%" G_GINT64_FORMAT ".P%dQ%u.courriel-bench", received, (int)getpid (), ++self->serial);
  tmp_path = g_build_filename (folder_dir, "tmp", base, NULL);
  cur_path = g_strdup_printf ("%s/cur/%s:2,%s", folder_dir, base, maildir_flags ? maildir_flags : "");

  if (!g_file_set_contents (tmp_path, data, size, error))
    return FALSE;
  times[0].tv_sec = times[1].tv_sec = received;
  if ((geteuid () == 0 && chown (tmp_path, uid, gid) != 0) || utimes (tmp_path, times) != 0
      || g_rename (tmp_path, cur_path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not store the message in %s: %s", folder_dir, g_strerror (saved));
      g_unlink (tmp_path);
      return FALSE;
    }

  return TRUE;
}
