/* courriel-smtp-client.c — an SMTP submission session: EHLO, STARTTLS, AUTH, sending
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A command goes out, a reply comes back: lines "250-…" up to the last "250 …" (RFC 5321). The
 * session says EHLO (HELO for old servers), upgrades with STARTTLS when the account says so —
 * never going on in clear text if the server cannot — says EHLO again, and logs in with the best
 * SASL mechanism both sides know. Sending checks the size the server announced before anything
 * is sent, gives every recipient's fate (some may be refused while others are accepted), and
 * dot-stuffs the message with CRLF line ends whatever it came with. Reply codes become errors a
 * user can act on: wrong password, recipient refused, too large, relay denied, busy (try later).
 *
 * With a server that offers PIPELINING (RFC 2920), MAIL FROM, every RCPT TO and DATA go out in one
 * write and their replies are read in order; without it, one command at a time. Either way the
 * message itself goes only after a 354: if no recipient was accepted, a pipelined DATA is refused
 * (503/554) and RSET follows, as it does instead of DATA one at a time; a server that says 354
 * anyway gets the connection closed rather than a byte of the message. With PIPELINING, the
 * messages of a session are also pipelined with one another (courriel_smtp_client_send_next_async):
 * the final dot of one goes in the same write as the next one's MAIL FROM, RCPT TO and DATA, which
 * saves a round trip a message; the dot's reply is read first, then the envelope's. The next
 * message's own final dot still waits for its caller (its end), so an Outbox records it SENDING
 * before it can exist, and the previous one's fate is known before that.
 *
 * Sending is in two steps, begin and end, and a caller may record something in between: begin
 * sends the envelope and the whole message but for its final ".\r\n"; end sends that and reads
 * the answer. Until the dot is written the server has no message — a connection lost then makes it
 * discard the transaction — so the one window in which a message may have been sent without
 * Courriel knowing is after the final dot and before the server's reply; end says which of its
 * failures are the server's answer and which leave the message's fate unknown.
 */
#define G_LOG_DOMAIN "courriel-smtp"

#include "config.h"
#include "courriel-smtp-client.h"

#include <glib/gi18n-lib.h>

#include "courriel-net-error.h"
#include "courriel-sasl.h"
#include "courriel-task.h"

G_DEFINE_QUARK (courriel-smtp-error-quark, courriel_smtp_error)

typedef struct _Transaction Transaction;
static void transaction_free (Transaction *t);

struct _CourrielSmtpClient
{
  GObject             parent_instance;

  CourrielConnection *connection;
  GPtrArray          *extensions; /* EHLO lines after the first, e.g. "SIZE 10240000", "AUTH PLAIN LOGIN" */
  Transaction        *open;       /* a message begun, all sent but its final dot */
  CourrielSmtpSendResult *ended;   /* the fate of the message send_next ended… */
  GError                 *ended_error; /* …or its failure */
};

G_DEFINE_FINAL_TYPE (CourrielSmtpClient, courriel_smtp_client, G_TYPE_OBJECT)

void
courriel_smtp_send_result_free (CourrielSmtpSendResult *result)
{
  if (result == NULL)
    return;
  g_strfreev (result->accepted);
  g_ptr_array_unref (result->refused);
  g_free (result);
}

static void
refusal_free (CourrielSmtpRefusal *refusal)
{
  g_free (refusal->address);
  g_free (refusal->text);
  g_free (refusal);
}

static void
courriel_smtp_client_finalize (GObject *object)
{
  CourrielSmtpClient *self = COURRIEL_SMTP_CLIENT (object);

  g_clear_object (&self->connection);
  g_clear_pointer (&self->extensions, g_ptr_array_unref);
  g_clear_pointer (&self->open, transaction_free);
  g_clear_pointer (&self->ended, courriel_smtp_send_result_free);
  g_clear_error (&self->ended_error);
  G_OBJECT_CLASS (courriel_smtp_client_parent_class)->finalize (object);
}

static void
courriel_smtp_client_class_init (CourrielSmtpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_smtp_client_finalize;
}

static void
courriel_smtp_client_init (CourrielSmtpClient *self)
{
}

CourrielSmtpClient *
courriel_smtp_client_new (CourrielConnection *connection)
{
  CourrielSmtpClient *self = g_object_new (COURRIEL_TYPE_SMTP_CLIENT, NULL);

  self->connection = g_object_ref (connection);
  return self;
}

CourrielConnection *
courriel_smtp_client_get_connection (CourrielSmtpClient *self)
{
  g_return_val_if_fail (COURRIEL_IS_SMTP_CLIENT (self), NULL);
  return self->connection;
}

static const char *
extension_value (CourrielSmtpClient *self, const char *name)
{
  gsize length = strlen (name);

  for (guint i = 0; self->extensions != NULL && i < self->extensions->len; i++)
    {
      const char *line = self->extensions->pdata[i];

      if (g_ascii_strncasecmp (line, name, length) == 0 && (line[length] == '\0' || line[length] == ' '
                                                            || line[length] == '='))
        return line[length] != '\0' ? line + length + 1 : "";
    }
  return NULL;
}

gboolean
courriel_smtp_client_has_extension (CourrielSmtpClient *self, const char *name)
{
  g_return_val_if_fail (COURRIEL_IS_SMTP_CLIENT (self), FALSE);
  return extension_value (self, name) != NULL;
}

/* The SASL mechanisms the server offers (AUTH), as its last EHLO said. */
GStrv
courriel_smtp_client_dup_mechanisms (CourrielSmtpClient *self)
{
  const char *auth;

  g_return_val_if_fail (COURRIEL_IS_SMTP_CLIENT (self), NULL);
  auth = extension_value (self, "AUTH");
  return auth != NULL ? g_strsplit_set (auth, " =", -1) : g_new0 (char *, 1);
}

/* The largest message the server takes (SIZE), or 0 when it did not say. */
guint64
courriel_smtp_client_get_max_size (CourrielSmtpClient *self)
{
  const char *size;

  g_return_val_if_fail (COURRIEL_IS_SMTP_CLIENT (self), 0);
  size = extension_value (self, "SIZE");
  return size != NULL ? g_ascii_strtoull (size, NULL, 10) : 0;
}

/* Replies ------------------------------------------------------------------------------------- */

typedef struct
{
  char      *line;      /* to send, without CRLF; NULL to only read (the greeting) */
  GBytes    *data;      /* or raw bytes to send (a pipelined group of commands) */
  gboolean   sensitive;
  guint      code;
  GPtrArray *lines;     /* the reply's texts, code and separator removed */
} Exchange;

static void
exchange_free (Exchange *exchange)
{
  if (exchange->line != NULL)
    memset (exchange->line, 0, strlen (exchange->line));
  g_free (exchange->line);
  g_clear_pointer (&exchange->data, g_bytes_unref);
  g_clear_pointer (&exchange->lines, g_ptr_array_unref);
  g_free (exchange);
}

static char *
reply_text (Exchange *exchange)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < exchange->lines->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "", (const char *)exchange->lines->pdata[i]);
  return g_string_free (text, FALSE);
}

static void
on_reply_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *line = courriel_connection_read_line_finish (self->connection, result, NULL, &error);
  guint code;

  if (line == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (strlen (line) < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2])
      || (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
      || (code = (guint)g_ascii_strtoull (line, NULL, 10)) < 200 || code > 599
      || (exchange->code != 0 && exchange->code != code))
    {
      /* Not SMTP: the session cannot be trusted to be in step any more. */
      courriel_connection_close (self->connection);
      g_task_return_new_error (task, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_PROTOCOL,
                               _("The mail server %s answered something that is not SMTP."),
                               courriel_connection_get_host (self->connection));
      g_object_unref (task);
      return;
    }
  exchange->code = code;
  g_ptr_array_add (exchange->lines, g_strdup (line[3] != '\0' ? line + 4 : ""));
  if (line[3] == '-')
    {
      courriel_connection_read_line_async (self->connection, g_task_get_cancellable (task), on_reply_line, task);
      return;
    }
  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_write_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  courriel_connection_read_line_async (COURRIEL_CONNECTION (source), g_task_get_cancellable (task), on_reply_line,
                                       task);
}

/* Sends @line (or @data; neither: reads the greeting), then reads the reply. */
static void
exchange_async (CourrielSmtpClient *self, const char *line, GBytes *data, gboolean sensitive,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *exchange = g_new0 (Exchange, 1);
  g_autoptr (GBytes) bytes = NULL;

  exchange->line = g_strdup (line);
  exchange->sensitive = sensitive;
  exchange->lines = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, exchange, (GDestroyNotify)exchange_free);
  if (line == NULL && data == NULL)
    {
      courriel_connection_read_line_async (self->connection, cancellable, on_reply_line, task);
      return;
    }
  if (line != NULL)
    {
      g_autofree char *wire = g_strconcat (line, "\r\n", NULL);
      gsize length = strlen (wire);

      if (!sensitive)
        g_debug ("C: %s", line);
      bytes = g_bytes_new_take (g_steal_pointer (&wire), length);
    }
  else
    bytes = g_bytes_ref (data);
  courriel_connection_write_async (self->connection, bytes, cancellable, on_sent, task);
}

/* The reply (owned by @result), or NULL with @error set when the exchange itself failed. */
static Exchange *
exchange_finish (GAsyncResult *result, GError **error)
{
  GError *local = NULL;

  g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_task_get_task_data (G_TASK (result));
}

/* What a refusal means for the user. */
static void
set_error_from_reply (CourrielSmtpClient *self, Exchange *reply, const char *what, gboolean recipient,
                      GError **error)
{
  g_autofree char *text = reply_text (reply);
  CourrielSmtpError code = COURRIEL_SMTP_ERROR_REFUSED;

  if (reply->code >= 400 && reply->code < 500)
    code = COURRIEL_SMTP_ERROR_TEMPORARY;
  else if (reply->code == 535 || reply->code == 534)
    code = COURRIEL_SMTP_ERROR_AUTH_FAILED;
  else if (reply->code == 552 || g_str_has_prefix (text, "5.3.4"))
    code = COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE;
  else if (recipient && (g_str_has_prefix (text, "5.7.1") || strstr (text, "elay") != NULL))
    code = COURRIEL_SMTP_ERROR_RELAY_DENIED;

  switch (code)
    {
    case COURRIEL_SMTP_ERROR_TEMPORARY:
      g_set_error (error, COURRIEL_SMTP_ERROR, code,
                   _("%s is busy and could not take the message now; it will be tried again later (it said “%s”)."),
                   courriel_connection_get_host (self->connection), text);
      break;
    case COURRIEL_SMTP_ERROR_AUTH_FAILED:
      g_set_error (error, COURRIEL_SMTP_ERROR, code,
                   _("Logging in failed: %s refused the user name or the password (it said “%s”)."),
                   courriel_connection_get_host (self->connection), text);
      break;
    case COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE:
      g_set_error (error, COURRIEL_SMTP_ERROR, code, _("The message is too large for %s (it said “%s”)."),
                   courriel_connection_get_host (self->connection), text);
      break;
    case COURRIEL_SMTP_ERROR_RELAY_DENIED:
      g_set_error (error, COURRIEL_SMTP_ERROR, code,
                   _("%s does not send mail to this address for this account: log in, or use the account’s own "
                     "outgoing server (it said “%s”)."),
                   courriel_connection_get_host (self->connection), text);
      break;
    default:
      g_set_error (error, COURRIEL_SMTP_ERROR, code, _("%s failed: the server said “%s”"), what, text);
      break;
    }
}

/* Connecting ----------------------------------------------------------------------------------- */

static char *
hello_name (void)
{
  const char *host = g_get_host_name ();

  /* A domain name, as RFC 5321 asks, or the plainest thing servers accept. */
  return g_strdup (strchr (host, '.') != NULL ? host : "localhost");
}

typedef struct
{
  guint    step;
  gboolean tls_done;
} Connecting;

static void connect_step (GTask *task);

static void
on_tls_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_start_tls_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  connect_step (task);
}

static void
on_connect_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Connecting *state = g_task_get_task_data (task);
  GError *error = NULL;
  Exchange *reply = exchange_finish (result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  switch (state->step)
    {
    case 0: /* greeting */
      if (reply->code != 220)
        {
          set_error_from_reply (self, reply, _("Connecting"), FALSE, &error);
          courriel_task_fail_if (task, error);
          return;
        }
      state->step = 1;
      break;
    case 1: /* EHLO */
      if (reply->code == 250)
        {
          g_clear_pointer (&self->extensions, g_ptr_array_unref);
          self->extensions = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 1; i < reply->lines->len; i++)
            g_ptr_array_add (self->extensions, g_strdup (reply->lines->pdata[i]));
          state->step = 3;
        }
      else if (reply->code >= 500 && !state->tls_done)
        state->step = 2; /* an old server: HELO */
      else
        {
          set_error_from_reply (self, reply, "EHLO", FALSE, &error);
          courriel_task_fail_if (task, error);
          return;
        }
      break;
    case 2: /* HELO */
      if (reply->code != 250)
        {
          set_error_from_reply (self, reply, "HELO", FALSE, &error);
          courriel_task_fail_if (task, error);
          return;
        }
      state->step = 3;
      break;
    case 4: /* STARTTLS */
      if (reply->code != 220)
        {
          set_error_from_reply (self, reply, "STARTTLS", FALSE, &error);
          courriel_task_fail_if (task, error);
          return;
        }
      state->tls_done = TRUE;
      state->step = 1; /* EHLO again: what came before TLS cannot be trusted */
      courriel_connection_start_tls_async (self->connection, g_task_get_cancellable (task), on_tls_started, task);
      return;
    }
  connect_step (task);
}

static void
connect_step (GTask *task)
{
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Connecting *state = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *name = hello_name ();
  g_autofree char *line = NULL;

  switch (state->step)
    {
    case 0:
      exchange_async (self, NULL, NULL, FALSE, cancellable, on_connect_reply, task);
      break;
    case 1:
    case 2:
      line = g_strdup_printf ("%s %s", state->step == 1 ? "EHLO" : "HELO", name);
      exchange_async (self, line, NULL, FALSE, cancellable, on_connect_reply, task);
      break;
    case 3:
      if (courriel_connection_get_security (self->connection) != COURRIEL_SECURITY_STARTTLS || state->tls_done)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          break;
        }
      /* STARTTLS asked for: without it offered, never go on in clear text. */
      if (!courriel_smtp_client_has_extension (self, "STARTTLS"))
        {
          g_task_return_new_error (task, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The mail server %s does not offer to encrypt the connection (STARTTLS)."),
                                   courriel_connection_get_host (self->connection));
          g_object_unref (task);
          break;
        }
      state->step = 4;
      exchange_async (self, "STARTTLS", NULL, FALSE, cancellable, on_connect_reply, task);
      break;
    }
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_connection_connect_finish (COURRIEL_CONNECTION (source), result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  connect_step (task);
}

/* Connects, reads the greeting, says EHLO, and upgrades to TLS when the connection's security is
 * STARTTLS (failing if the server cannot). */
void
courriel_smtp_client_connect_async (CourrielSmtpClient *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_connect_async);
  g_task_set_task_data (task, g_new0 (Connecting, 1), g_free);
  courriel_connection_connect_async (self->connection, cancellable, on_connected, task);
}

gboolean
courriel_smtp_client_connect_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Authentication ------------------------------------------------------------------------------ */

typedef struct
{
  CourrielSasl *sasl;
  char         *username;
  char         *password;
  gboolean      automatic; /* the mechanism was chosen here, from what the server offers */
} Auth;

static void
auth_free (Auth *auth)
{
  g_clear_object (&auth->sasl);
  g_free (auth->username);
  if (auth->password != NULL)
    memset (auth->password, 0, strlen (auth->password));
  g_free (auth->password);
  g_free (auth);
}

static void on_auth_reply (GObject *source, GAsyncResult *result, gpointer user_data);

/* AUTH with @mechanism, its initial response included when it has one (RFC 4954). */
static void
start_auth (GTask *task, const char *mechanism)
{
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Auth *auth = g_task_get_task_data (task);
  g_autofree char *line = NULL;
  GError *error = NULL;

  g_clear_object (&auth->sasl);
  auth->sasl = courriel_sasl_new (mechanism, auth->username, auth->password, &error);
  if (auth->sasl == NULL)
    {
      courriel_task_fail_if (task, error);
      return;
    }
  if (courriel_sasl_has_initial_response (auth->sasl))
    {
      g_autofree char *initial = courriel_sasl_step_base64 (auth->sasl, NULL, &error);

      if (initial == NULL)
        {
          courriel_task_fail_if (task, error);
          return;
        }
      line = g_strdup_printf ("AUTH %s %s", courriel_sasl_get_mechanism (auth->sasl), *initial != '\0' ? initial : "=");
    }
  else
    line = g_strdup_printf ("AUTH %s", courriel_sasl_get_mechanism (auth->sasl));
  exchange_async (self, line, NULL, TRUE, g_task_get_cancellable (task), on_auth_reply, task);
  memset (line, 0, strlen (line));
}

static void
on_auth_cancelled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  exchange_finish (result, &error);
  if (!courriel_task_fail_if (task, error))
    start_auth (task, "PLAIN");
}

static void
on_auth_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Auth *auth = g_task_get_task_data (task);
  GError *error = NULL;
  Exchange *reply = exchange_finish (result, &error);
  g_autofree char *encoded = NULL;

  if (courriel_task_fail_if (task, error))
    return;
  if (reply->code == 235)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (reply->code != 334)
    {
      set_error_from_reply (self, reply, "AUTH", FALSE, &error);
      courriel_task_fail_if (task, error);
      return;
    }
  encoded = courriel_sasl_step_base64 (auth->sasl, reply->lines->len > 0 ? reply->lines->pdata[0] : "", &error);
  if (encoded == NULL)
    {
      /* libgsasl refuses some SCRAM nonces Dovecot (behind Postfix) sends: over TLS, PLAIN is as
       * safe on the wire, so a mechanism chosen here gives way to it. "*" ends the exchange. */
      if (auth->automatic && g_str_has_prefix (courriel_sasl_get_mechanism (auth->sasl), "SCRAM")
          && courriel_connection_is_encrypted (self->connection) && extension_value (self, "AUTH") != NULL
          && strstr (extension_value (self, "AUTH"), "PLAIN") != NULL)
        {
          g_debug ("%s: falling back to PLAIN", error->message);
          g_clear_error (&error);
          auth->automatic = FALSE;
          exchange_async (self, "*", NULL, FALSE, g_task_get_cancellable (task), on_auth_cancelled, task);
          return;
        }
      courriel_connection_close (self->connection);
      courriel_task_fail_if (task, error);
      return;
    }
  exchange_async (self, encoded, NULL, TRUE, g_task_get_cancellable (task), on_auth_reply, task);
}

/**
 * courriel_smtp_client_authenticate_async:
 * @mechanism: (nullable): a SASL mechanism, or NULL for the best the server offers
 *
 * Logs in (AUTH). The password is refused on a connection that is not encrypted unless the
 * account allows it; a refusal by the server is COURRIEL_SMTP_ERROR_AUTH_FAILED.
 */
void
courriel_smtp_client_authenticate_async (CourrielSmtpClient *self, const char *mechanism, const char *username,
                                         const char *password, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Auth *auth;
  GError *error = NULL;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_authenticate_async);
  auth = g_new0 (Auth, 1);
  auth->username = g_strdup (username);
  auth->password = g_strdup (password);
  g_task_set_task_data (task, auth, (GDestroyNotify)auth_free);
  if (!courriel_connection_check_credentials_allowed (self->connection, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  if (mechanism == NULL && extension_value (self, "AUTH") != NULL)
    {
      g_auto (GStrv) offered = g_strsplit (extension_value (self, "AUTH"), " ", -1);
      mechanism = courriel_sasl_choose ((const char * const *)offered, FALSE);
      auth->automatic = TRUE;
    }
  if (mechanism == NULL)
    {
      g_task_return_new_error (task, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_REFUSED,
                               _("%s offers no way to log in that Courriel knows."),
                               courriel_connection_get_host (self->connection));
      g_object_unref (task);
      return;
    }
  start_auth (task, mechanism);
}

gboolean
courriel_smtp_client_authenticate_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Sending -------------------------------------------------------------------------------------- */

/* At most this many commands in one pipelined group: the replies to them (a few kilobytes) fit in
 * any socket buffer, so the server never stalls writing replies while Courriel is still writing
 * commands (the deadlock RFC 2920 warns about). */
#define GROUP_MAX 100

struct _Transaction
{
  GPtrArray              *commands; /* "MAIL FROM:…", one "RCPT TO:…" per recipient, "DATA" */
  GStrv                   recipients;
  GBytes                 *body;     /* CRLF and dot-stuffed, ending with CRLF: all but the final ".\r\n" */
  gboolean                pipelining;
  guint                   sent;     /* commands written */
  guint                   answered; /* replies read */
  GError                 *mail_error; /* MAIL FROM refused: its outcome, once every reply was read */
  GPtrArray              *accepted;
  CourrielSmtpSendResult *result;
  Transaction            *ending;   /* the message before, whose final dot goes first (send_next) */
  gboolean                dot_first; /* the next reply is that dot's */
  GError                 *early_error; /* refused before a byte of it was sent (too large…) */
  gsize                   size;     /* the message's, as SIZE= announces it */
};

static void
transaction_free (Transaction *t)
{
  if (t == NULL)
    return;
  g_clear_pointer (&t->commands, g_ptr_array_unref);
  g_strfreev (t->recipients);
  g_clear_pointer (&t->body, g_bytes_unref);
  g_clear_error (&t->mail_error);
  g_clear_pointer (&t->accepted, g_ptr_array_unref);
  courriel_smtp_send_result_free (t->result);
  transaction_free (t->ending);
  g_clear_error (&t->early_error);
  g_free (t);
}

/* CRLF line ends whatever the message had, a dot doubled at the start of a line, and a CRLF at
 * the end: everything but the final ".\r\n". */
static GBytes *
to_wire (GBytes *message, gboolean *eight_bit)
{
  gsize length;
  const guchar *data = g_bytes_get_data (message, &length);
  GByteArray *out = g_byte_array_sized_new (length + length / 50 + 8);
  gboolean line_start = TRUE;
  guchar high = 0;
  gsize i = 0;

  /* A line at a time: its text in one copy, then CRLF for whatever ended it (CRLF, CR or LF). */
  while (i < length)
    {
      gsize start = i;

      if (line_start && data[i] == '.')
        g_byte_array_append (out, (const guint8 *)".", 1);
      while (i < length && data[i] != '\r' && data[i] != '\n')
        high |= data[i++];
      g_byte_array_append (out, data + start, i - start);
      line_start = line_start && i == start;
      if (i < length)
        {
          i += data[i] == '\r' && i + 1 < length && data[i + 1] == '\n' ? 2 : 1;
          g_byte_array_append (out, (const guint8 *)"\r\n", 2);
          line_start = TRUE;
        }
    }
  if (!line_start)
    g_byte_array_append (out, (const guint8 *)"\r\n", 2);
  *eight_bit = high >= 0x80;
  return g_byte_array_free_to_bytes (out);
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar)*p >= 0x80)
      return FALSE;
  return TRUE;
}

/* Too large: by how much, as far as the message's size and the server's SIZE tell. @said: the
 * server's refusal, or NULL when Courriel refused to send it at all. */
static GError *
too_large_error (CourrielSmtpClient *self, gsize size, const char *said)
{
  const char *host = courriel_connection_get_host (self->connection);
  guint64 max = courriel_smtp_client_get_max_size (self);
  g_autofree char *have = g_format_size (size);
  g_autofree char *limit = g_format_size (max);
  g_autofree char *over = g_format_size (size - MIN (max, size));

  if (max > 0 && size > max)
    return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE,
                        _("The message is too large: it is %s, %s more than the %s that %s accepts. Remove or shrink "
                          "attachments, then send it again."),
                        have, over, limit, host);
  if (max > 0)
    return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE,
                        _("The message is too large for %s: at %s it is close to the %s the server accepts, which "
                          "also counts what the server adds to it (it said “%s”). Remove or shrink attachments, then "
                          "send it again."),
                        host, have, limit, said);
  return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE,
                      _("The message is too large for %s: it is %s, and the server did not say how much it accepts "
                        "(it said “%s”). Remove or shrink attachments, then send it again."),
                      host, have, said);
}

/* The server refused a step of @t's transaction: as set_error_from_reply(), with the sizes when it
 * was too large. */
static void
set_transaction_error (CourrielSmtpClient *self, Transaction *t, Exchange *reply, const char *what, GError **error)
{
  GError *local = NULL;

  set_error_from_reply (self, reply, what, FALSE, &local);
  if (g_error_matches (local, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_MESSAGE_TOO_LARGE))
    {
      g_autofree char *said = reply_text (reply);

      g_clear_error (&local);
      local = too_large_error (self, t->size, said);
    }
  g_propagate_error (error, local);
}

/* Every recipient refused: what that means for the user, from their replies. */
static GError *
recipients_refused_error (CourrielSmtpClient *self, Transaction *t)
{
  CourrielSmtpRefusal *first = t->result->refused->pdata[0];
  gboolean relay = TRUE, temporary = TRUE;

  for (guint i = 0; i < t->result->refused->len; i++)
    {
      CourrielSmtpRefusal *r = t->result->refused->pdata[i];
      relay &= g_str_has_prefix (r->text, "5.7.1") || strstr (r->text, "elay") != NULL;
      temporary &= r->code >= 400 && r->code < 500;
    }
  if (temporary)
    return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_TEMPORARY,
                        _("%s is busy and could not take the message now; it will be tried again later (it said "
                          "“%s”)."),
                        courriel_connection_get_host (self->connection), first->text);
  if (relay)
    return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_RELAY_DENIED,
                        _("%s does not send mail to this address for this account: log in, or use the account’s "
                          "own outgoing server (it said “%s”)."),
                        courriel_connection_get_host (self->connection), first->text);
  return g_error_new (COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_RECIPIENTS_REFUSED,
                      _("No recipient was accepted: %s was refused (“%s”)."), first->address, first->text);
}

static void
on_reset (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);

  exchange_finish (result, NULL);
  courriel_task_fail_if (task, recipients_refused_error (self, g_task_get_task_data (task)));
}

static void
on_body_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;

  if (result != NULL && !courriel_connection_write_finish (self->connection, result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  /* The transaction stays open, waiting for its final dot: the task's copy is emptied. */
  self->open = g_memdup2 (t, sizeof *t);
  memset (t, 0, sizeof *t);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The reply to DATA, the last command of the envelope. */
static void
on_data_reply (GTask *task, Exchange *reply)
{
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;

  if (t->mail_error != NULL || t->accepted->len == 0)
    {
      /* A pipelined DATA after a refused MAIL FROM, or with no recipient: the server should have
       * refused it too. One that did not waits for a message nobody must get: the connection is
       * dropped without a byte of it, and the server discards the transaction. */
      if (reply->code == 354)
        courriel_connection_close (self->connection);
      if (t->mail_error != NULL)
        courriel_task_fail_if (task, g_steal_pointer (&t->mail_error));
      else if (reply->code == 354)
        courriel_task_fail_if (task, recipients_refused_error (self, t));
      else
        exchange_async (self, "RSET", NULL, FALSE, g_task_get_cancellable (task), on_reset, task);
      return;
    }
  if (reply->code != 354)
    {
      set_transaction_error (self, t, reply, "DATA", &error);
      courriel_task_fail_if (task, error);
      return;
    }
  if (g_bytes_get_size (t->body) == 0)
    {
      on_body_written (NULL, NULL, task);
      return;
    }
  courriel_connection_write_async (self->connection, t->body, g_task_get_cancellable (task), on_body_written, task);
}

static void send_group (GTask *task);
static void on_dot_reply (GObject *source, GAsyncResult *result, gpointer user_data);

/* One reply to the envelope's commands, in the order they were sent. */
static void
on_envelope_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;
  Exchange *reply;
  guint index;

  if (t->dot_first)
    {
      /* The group began with the previous message's final dot. */
      on_dot_reply (source, result, user_data);
      return;
    }
  reply = exchange_finish (result, &error);
  index = t->answered++;
  if (courriel_task_fail_if (task, error))
    return;
  if (reply->code == 421)
    {
      /* The server is closing the connection: nothing more will come. */
      set_error_from_reply (self, reply, "MAIL FROM", FALSE, &error);
      courriel_connection_close (self->connection);
      courriel_task_fail_if (task, error);
      return;
    }
  if (index == 0)
    {
      if (reply->code != 250)
        set_transaction_error (self, t, reply, "MAIL FROM", &t->mail_error);
    }
  else if (index == t->commands->len - 1)
    {
      on_data_reply (task, reply);
      return;
    }
  else if (t->mail_error == NULL)
    {
      const char *address = t->recipients[index - 1];

      if (reply->code == 250 || reply->code == 251)
        g_ptr_array_add (t->accepted, g_strdup (address));
      else
        {
          CourrielSmtpRefusal *refusal = g_new0 (CourrielSmtpRefusal, 1);
          refusal->address = g_strdup (address);
          refusal->code = reply->code;
          refusal->text = reply_text (reply);
          g_ptr_array_add (t->result->refused, refusal);
        }
    }
  if (t->answered < t->sent)
    {
      exchange_async (self, NULL, NULL, FALSE, g_task_get_cancellable (task), on_envelope_reply, task);
      return;
    }
  if (t->mail_error != NULL)
    {
      courriel_task_fail_if (task, g_steal_pointer (&t->mail_error));
      return;
    }
  send_group (task);
}

/* Writes the next commands of the envelope: all of them at once (a group of GROUP_MAX at most)
 * when the server offers PIPELINING (RFC 2920), DATA included as the group's last; one at a time
 * otherwise. Every reply to what was written has been read. */
static void
send_group (GTask *task)
{
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  guint end = MIN (t->commands->len, t->sent + (t->pipelining ? GROUP_MAX : 1));
  g_autoptr (GString) group = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;
  gsize length;

  if (t->sent == t->commands->len - 1 && t->accepted->len == 0)
    {
      /* Nobody to send to, and DATA not sent yet: the transaction is abandoned. */
      exchange_async (self, "RSET", NULL, FALSE, g_task_get_cancellable (task), on_reset, task);
      return;
    }
  if (t->ending != NULL)
    g_string_append (group, ".\r\n"); /* the previous message's final dot, its reply read first */
  for (; t->sent < end; t->sent++)
    {
      const char *command = t->commands->pdata[t->sent];

      g_debug ("C: %s", command);
      g_string_append_printf (group, "%s\r\n", command);
    }
  length = group->len;
  bytes = g_bytes_new_take (g_string_free (g_steal_pointer (&group), FALSE), length);
  exchange_async (self, NULL, bytes, FALSE, g_task_get_cancellable (task), on_envelope_reply, task);
}

static Transaction *transaction_new (CourrielSmtpClient *self, const char *from, const char * const *recipients,
                                     GBytes *message);

/**
 * courriel_smtp_client_send_begin_async:
 * @from: the envelope sender (the account's address)
 * @recipients: the envelope recipients (To, Cc and Bcc alike)
 * @message: the message as it will be received; line ends are made CRLF
 *
 * Sends the envelope and the whole message but its final dot: the server has not got a message
 * yet, and would discard it if the connection ended now. Finish, then call
 * courriel_smtp_client_send_end_async() for the dot and the server's answer — whatever the
 * caller records in between (an Outbox's "maybe sent") is recorded before the message can exist.
 * A failure here means the message was not sent.
 */
void
courriel_smtp_client_send_begin_async (CourrielSmtpClient *self, const char *from, const char * const *recipients,
                                       GBytes *message, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;
  Transaction *t;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (self->open == NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_send_begin_async);
  t = transaction_new (self, from, recipients, message);
  g_task_set_task_data (task, t, (GDestroyNotify)transaction_free);
  if (t->early_error != NULL)
    {
      courriel_task_fail_if (task, g_steal_pointer (&t->early_error));
      return;
    }
  send_group (task);
}

/* A message's transaction, not begun; early_error set when it cannot be sent at all. */
static Transaction *
transaction_new (CourrielSmtpClient *self, const char *from, const char * const *recipients, GBytes *message)
{
  Transaction *t;
  GString *line;
  gboolean eight_bit, utf8_addresses;
  guint64 max;

  t = g_new0 (Transaction, 1);
  t->recipients = g_strdupv ((GStrv)recipients);
  t->body = to_wire (message, &eight_bit);
  t->pipelining = courriel_smtp_client_has_extension (self, "PIPELINING");
  t->accepted = g_ptr_array_new_with_free_func (g_free);
  t->result = g_new0 (CourrielSmtpSendResult, 1);
  t->result->refused = g_ptr_array_new_with_free_func ((GDestroyNotify)refusal_free);
  t->size = g_bytes_get_size (message);

  /* Too large for the server: said before a byte of it is sent. */
  max = courriel_smtp_client_get_max_size (self);
  if (max > 0 && t->size > max)
    {
      t->early_error = too_large_error (self, t->size, NULL);
      return t;
    }
  utf8_addresses = !is_ascii (from);
  for (guint i = 0; recipients[i] != NULL; i++)
    utf8_addresses |= !is_ascii (recipients[i]);
  if (utf8_addresses && !courriel_smtp_client_has_extension (self, "SMTPUTF8"))
    {
      g_set_error (&t->early_error, COURRIEL_SMTP_ERROR, COURRIEL_SMTP_ERROR_REFUSED,
                   _("%s cannot send to or from addresses with accents or other non-ASCII letters."),
                   courriel_connection_get_host (self->connection));
      return t;
    }
  line = g_string_new (NULL);
  g_string_printf (line, "MAIL FROM:<%s>", from);
  if (max > 0 || courriel_smtp_client_has_extension (self, "SIZE"))
    g_string_append_printf (line, " SIZE=%" G_GSIZE_FORMAT, t->size);
  if (eight_bit && courriel_smtp_client_has_extension (self, "8BITMIME"))
    g_string_append (line, " BODY=8BITMIME");
  if (utf8_addresses)
    g_string_append (line, " SMTPUTF8");
  t->commands = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (t->commands, g_string_free (line, FALSE));
  for (guint i = 0; recipients[i] != NULL; i++)
    g_ptr_array_add (t->commands, g_strdup_printf ("RCPT TO:<%s>", recipients[i]));
  g_ptr_array_add (t->commands, g_strdup ("DATA"));
  return t;
}

gboolean
courriel_smtp_client_send_begin_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* After the final dot of @t, the server's answer is the message's fate. */
static CourrielSmtpSendResult *
ended_result (CourrielSmtpClient *self, Transaction *t, Exchange *reply, GError **error)
{
  if (reply->code != 250)
    {
      set_transaction_error (self, t, reply, _("Sending"), error);
      return NULL;
    }
  g_ptr_array_add (t->accepted, NULL);
  t->result->accepted = (GStrv)g_ptr_array_steal (t->accepted, NULL);
  return g_steal_pointer (&t->result);
}

/* The reply to the previous message's final dot (send_next): its fate is kept for finish; then the
 * next message's envelope goes on, unless the connection is gone. */
static void
on_dot_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;
  Exchange *reply = exchange_finish (result, &error);

  t->dot_first = FALSE;
  if (reply != NULL)
    self->ended = ended_result (self, t->ending, reply, &self->ended_error);
  else
    self->ended_error = g_error_copy (error); /* the dot may have gone: its fate is unknown */
  g_clear_pointer (&t->ending, transaction_free);
  /* The connection lost: the next message has no final dot, so it was not sent. */
  if (courriel_task_fail_if (task, error))
    return;
  if (reply->code == 421)
    {
      courriel_connection_close (self->connection);
      courriel_task_fail_if (task, g_error_copy (self->ended_error));
      return;
    }
  if (t->early_error != NULL)
    {
      courriel_task_fail_if (task, g_steal_pointer (&t->early_error));
      return;
    }
  if (t->answered < t->sent)
    exchange_async (self, NULL, NULL, FALSE, g_task_get_cancellable (task), on_envelope_reply, task);
  else
    send_group (task);
}

static void
on_end_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;
  Exchange *reply = exchange_finish (result, &error);
  CourrielSmtpSendResult *sent;

  if (courriel_task_fail_if (task, error))
    return;
  sent = ended_result (self, t, reply, &error);
  if (courriel_task_fail_if (task, error))
    return;
  g_task_return_pointer (task, sent, (GDestroyNotify)courriel_smtp_send_result_free);
  g_object_unref (task);
}

/**
 * courriel_smtp_client_send_end_async:
 *
 * Ends the message courriel_smtp_client_send_begin_async() began: writes the final dot and reads
 * the server's answer. Returns (by finish) which recipients the server accepted and which it
 * refused. An error in COURRIEL_SMTP_ERROR (but for COURRIEL_SMTP_ERROR_PROTOCOL) is the server's
 * answer: it did not take the message. Any other (the connection lost, no answer, an answer that
 * is not SMTP) leaves the message's fate unknown: the server may have taken it.
 */
void
courriel_smtp_client_send_end_async (CourrielSmtpClient *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  g_return_if_fail (self->open != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_send_end_async);
  g_task_set_task_data (task, g_steal_pointer (&self->open), (GDestroyNotify)transaction_free);
  exchange_async (self, ".", NULL, FALSE, cancellable, on_end_reply, task);
}

CourrielSmtpSendResult *
courriel_smtp_client_send_end_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * courriel_smtp_client_send_next_async:
 * @from: the next message's envelope sender
 * @recipients: its envelope recipients
 * @message: the next message
 *
 * Ends the message begun (its final dot, as courriel_smtp_client_send_end_async() does) and begins
 * the next (as courriel_smtp_client_send_begin_async() does). With PIPELINING the dot goes in the
 * same write as the next envelope, and its reply is read first; without it, one after the other.
 * The next message's final dot is not sent: end it, or send_next again.
 */
void
courriel_smtp_client_send_next_async (CourrielSmtpClient *self, const char *from, const char * const *recipients,
                                      GBytes *message, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;
  Transaction *t;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (self->open != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_send_next_async);
  g_clear_pointer (&self->ended, courriel_smtp_send_result_free);
  g_clear_error (&self->ended_error);
  t = transaction_new (self, from, recipients, message);
  t->ending = g_steal_pointer (&self->open);
  t->dot_first = TRUE;
  g_task_set_task_data (task, t, (GDestroyNotify)transaction_free);
  if (t->pipelining && t->early_error == NULL)
    send_group (task);
  else
    exchange_async (self, ".", NULL, FALSE, cancellable, on_dot_reply, task);
}

/**
 * courriel_smtp_client_send_next_finish:
 * @ended: (out): the ended message's result, as courriel_smtp_client_send_end_finish() gives it…
 * @ended_error: (out): …or its failure, with the same meaning
 *
 * Returns: whether the next message is begun (all sent but its final dot); FALSE with @error
 * means it was not sent, as for courriel_smtp_client_send_begin_finish().
 */
gboolean
courriel_smtp_client_send_next_finish (CourrielSmtpClient *self, GAsyncResult *result,
                                       CourrielSmtpSendResult **ended, GError **ended_error, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (ended != NULL && ended_error != NULL, FALSE);
  *ended = g_steal_pointer (&self->ended);
  *ended_error = g_steal_pointer (&self->ended_error);
  if (*ended == NULL && *ended_error == NULL)
    *ended_error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The operation was cancelled."));
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_send_ended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  CourrielSmtpSendResult *sent = courriel_smtp_client_send_end_finish (COURRIEL_SMTP_CLIENT (source), result, &error);

  if (courriel_task_fail_if (task, error))
    return;
  g_task_return_pointer (task, sent, (GDestroyNotify)courriel_smtp_send_result_free);
  g_object_unref (task);
}

static void
on_send_begun (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!courriel_smtp_client_send_begin_finish (COURRIEL_SMTP_CLIENT (source), result, &error))
    {
      courriel_task_fail_if (task, error);
      return;
    }
  courriel_smtp_client_send_end_async (COURRIEL_SMTP_CLIENT (source), g_task_get_cancellable (task), on_send_ended,
                                       task);
}

/**
 * courriel_smtp_client_send_async:
 * @from: the envelope sender (the account's address)
 * @recipients: the envelope recipients (To, Cc and Bcc alike)
 * @message: the message as it will be received; line ends are made CRLF
 *
 * Begins and ends a message in one go. Returns (by finish) which recipients the server accepted
 * and which it refused; fails when it refused them all, or the message.
 */
void
courriel_smtp_client_send_async (CourrielSmtpClient *self, const char *from, const char * const *recipients,
                                 GBytes *message, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_send_async);
  courriel_smtp_client_send_begin_async (self, from, recipients, message, cancellable, on_send_begun, task);
}

CourrielSmtpSendResult *
courriel_smtp_client_send_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Ending --------------------------------------------------------------------------------------- */

static void
on_quit_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CourrielSmtpClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  exchange_finish (result, &error);
  courriel_connection_close (self->connection);
  if (!courriel_task_fail_if (task, error))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* Says QUIT and closes the connection. A message begun and not ended is abandoned: the connection
 * is closed without its final dot (QUIT would be taken as a line of it), and the server discards
 * it. */
void
courriel_smtp_client_quit_async (CourrielSmtpClient *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (COURRIEL_IS_SMTP_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, courriel_smtp_client_quit_async);
  if (self->open != NULL)
    {
      g_clear_pointer (&self->open, transaction_free);
      courriel_connection_close (self->connection);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  exchange_async (self, "QUIT", NULL, FALSE, cancellable, on_quit_reply, task);
}

gboolean
courriel_smtp_client_quit_finish (CourrielSmtpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
