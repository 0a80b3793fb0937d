/* courriel-server-probe.c — does this host:port speak the protocol, securely, with a good certificate?
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Guessing servers means knocking on doors: imap.DOMAIN:993, mail.DOMAIN:143… A probe opens the
 * connection the way Courriel would use it, with the protocol's own client, so that what it
 * concludes holds later: the greeting must be the protocol's, STARTTLS must really upgrade the
 * connection (capabilities are read again after it), and the certificate must be valid for the
 * host name. Nothing is sent that needs a password. A certificate that is not trusted is not an
 * error here but an outcome, with its fingerprint, for the user to accept or not.
 */
#define G_LOG_DOMAIN "courriel-autoconfig"

#include "config.h"
#include "courriel-server-probe.h"

#include "courriel-net-error.h"
#include "courriel-server-session.h"

typedef struct
{
  CourrielProbeResult *result;
  CourrielConnection  *connection;
  GObject             *client;
  gint64               started;
} Probe;

void
courriel_probe_result_free (CourrielProbeResult *result)
{
  if (result == NULL)
    return;
  courriel_mail_server_free (result->server);
  g_free (result->message);
  g_free (result->fingerprint);
  g_free (result);
}

static void
probe_free (Probe *probe)
{
  courriel_probe_result_free (probe->result);
  if (probe->connection != NULL)
    courriel_connection_close (probe->connection);
  g_clear_object (&probe->connection);
  g_clear_object (&probe->client);
  g_free (probe);
}

static CourrielProbeOutcome
outcome_of (const GError *error)
{
  if (error->domain == COURRIEL_NET_ERROR)
    switch (error->code)
      {
      case COURRIEL_NET_ERROR_CERTIFICATE_UNTRUSTED:
        return COURRIEL_PROBE_CERTIFICATE;
      case COURRIEL_NET_ERROR_TLS_FAILED:
        return COURRIEL_PROBE_TLS_FAILED;
      case COURRIEL_NET_ERROR_STARTTLS_UNAVAILABLE:
        return COURRIEL_PROBE_NO_STARTTLS;
      case COURRIEL_NET_ERROR_LINE_TOO_LONG:
        return COURRIEL_PROBE_NOT_THIS_PROTOCOL;
      default:
        return COURRIEL_PROBE_UNREACHABLE;
      }
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return COURRIEL_PROBE_UNREACHABLE;
  /* The protocol's client could not make sense of the greeting, or was turned away. */
  return COURRIEL_PROBE_NOT_THIS_PROTOCOL;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  CourrielProbeResult *probed = probe->result;
  g_autoptr (GError) error = NULL;
  gboolean ok = courriel_server_session_connect_finish (probe->client, result, &error);

  probed->elapsed_us = g_get_monotonic_time () - probe->started;
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ok)
    {
      probed->outcome = outcome_of (error);
      probed->message = g_strdup (error->message);
      if (probed->outcome == COURRIEL_PROBE_CERTIFICATE)
        {
          probed->fingerprint = g_strdup (courriel_net_error_get_fingerprint (error));
          probed->certificate_errors = courriel_net_error_get_certificate_errors (error);
        }
    }
  g_debug ("Probed %s %s:%u: outcome %d in %" G_GINT64_FORMAT " ms%s%s",
           courriel_mail_server_type_to_string (probed->server->type), probed->server->host, probed->server->port,
           probed->outcome, probed->elapsed_us / 1000, ok ? "" : ": ", ok ? "" : error->message);
  g_task_return_pointer (task, g_steal_pointer (&probe->result), (GDestroyNotify)courriel_probe_result_free);
}

/**
 * courriel_server_probe_async:
 * @server: the type, host, port and security to try
 * @timeout_seconds: how long a silent server is waited for
 *
 * Connects as Courriel would, reads the greeting and capabilities, upgrades with STARTTLS when
 * asked, and reports what it found. Fails only when @cancellable was cancelled.
 */
void
courriel_server_probe_async (const CourrielMailServer *server, guint timeout_seconds, GTlsDatabase *database,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Probe *probe = g_new0 (Probe, 1);

  probe->result = g_new0 (CourrielProbeResult, 1);
  probe->result->server = courriel_mail_server_copy (server);
  probe->result->outcome = COURRIEL_PROBE_OK;
  probe->connection = courriel_connection_new (server->host, server->port, server->security);
  courriel_connection_set_timeout (probe->connection, timeout_seconds);
  if (database != NULL)
    courriel_connection_set_tls_database (probe->connection, database);
  probe->started = g_get_monotonic_time ();
  g_task_set_source_tag (task, courriel_server_probe_async);
  g_task_set_task_data (task, probe, (GDestroyNotify)probe_free);
  probe->client = courriel_server_session_new (server->type, probe->connection);
  courriel_server_session_connect_async (probe->client, cancellable, on_connected, task);
}

CourrielProbeResult *
courriel_server_probe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
