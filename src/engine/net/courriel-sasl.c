/* courriel-sasl.c — SASL mechanisms for IMAP, POP3 and SMTP authentication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802, RFC 7677) through libgsasl, so that no hand-written
 * cryptography sits here; PLAIN (RFC 4616), LOGIN, XOAUTH2 and OAUTHBEARER (RFC 7628) with a
 * token from the caller are simple enough to write out. Responses are raw bytes: the protocol
 * encodes them (base64 for IMAP, POP3 and SMTP).
 */
#define G_LOG_DOMAIN "courriel-net"

#include "config.h"
#include "courriel-sasl.h"

#include <glib/gi18n-lib.h>
#include <gsasl.h>
#include <string.h>

#include "courriel-net-error.h"

typedef enum
{
  MECH_SCRAM_SHA_256,
  MECH_SCRAM_SHA_1,
  MECH_PLAIN,
  MECH_LOGIN,
  MECH_OAUTHBEARER,
  MECH_XOAUTH2,
} Mechanism;

/* Indexed by Mechanism; also the order of courriel_sasl_get_supported(), best first. */
static const char *supported[] = {
  "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2", NULL,
};

struct _CourrielSasl
{
  GObject        parent_instance;

  Mechanism      mechanism;
  char          *username;
  char          *secret;
  guint          step;
  gboolean       finished;   /* the client has sent its last response */
  Gsasl_session *session;    /* SCRAM only */
};

G_DEFINE_FINAL_TYPE (CourrielSasl, courriel_sasl, G_TYPE_OBJECT)

static void
wipe (char *secret)
{
  /* Do not leave the password lying in freed memory. */
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
courriel_sasl_finalize (GObject *object)
{
  CourrielSasl *self = COURRIEL_SASL (object);

  g_free (self->username);
  wipe (self->secret);
  g_clear_pointer (&self->session, gsasl_finish);

  G_OBJECT_CLASS (courriel_sasl_parent_class)->finalize (object);
}

static void
courriel_sasl_class_init (CourrielSaslClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = courriel_sasl_finalize;
}

static void
courriel_sasl_init (CourrielSasl *self)
{
}

/* One libgsasl context for the process: it holds no per-login state. */
static Gsasl *
get_gsasl (GError **error)
{
  static gsize initialized = 0;
  static Gsasl *context = NULL;
  static int status = GSASL_OK;

  if (g_once_init_enter (&initialized))
    {
      status = gsasl_init (&context);
      g_once_init_leave (&initialized, 1);
    }
  if (status != GSASL_OK)
    {
      g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL, _("Secure login is not available: %s"),
                   gsasl_strerror (status));
      return NULL;
    }
  return context;
}

static gboolean
start_scram (CourrielSasl *self, GError **error)
{
  Gsasl *context = get_gsasl (error);
  int status;

  if (context == NULL)
    return FALSE;
  status = gsasl_client_start (context, supported[self->mechanism], &self->session);
  if (status == GSASL_OK)
    status = gsasl_property_set (self->session, GSASL_AUTHID, self->username);
  if (status == GSASL_OK)
    status = gsasl_property_set (self->session, GSASL_PASSWORD, self->secret);
  if (status != GSASL_OK)
    {
      g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL, _("Cannot start the %s login: %s"),
                   supported[self->mechanism], gsasl_strerror (status));
      return FALSE;
    }
  return TRUE;
}

/**
 * courriel_sasl_new:
 * @mechanism: a SASL mechanism name, as the server advertises it (any case)
 * @username: the login name
 * @secret: the password, or the OAuth2 access token for XOAUTH2 and OAUTHBEARER
 *
 * Returns: (transfer full): a client for one authentication exchange, or %NULL with a
 *   %COURRIEL_NET_ERROR_SASL error when the mechanism is not one Courriel supports
 */
CourrielSasl *
courriel_sasl_new (const char *mechanism, const char *username, const char *secret, GError **error)
{
  g_autoptr (CourrielSasl) self = NULL;

  g_return_val_if_fail (mechanism != NULL && username != NULL && secret != NULL, NULL);

  for (guint i = 0; supported[i] != NULL; i++)
    if (g_ascii_strcasecmp (mechanism, supported[i]) == 0)
      {
        self = g_object_new (COURRIEL_TYPE_SASL, NULL);
        self->mechanism = i;
        self->username = g_strdup (username);
        self->secret = g_strdup (secret);
        if ((self->mechanism == MECH_SCRAM_SHA_256 || self->mechanism == MECH_SCRAM_SHA_1) &&
            !start_scram (self, error))
          return NULL;
        return g_steal_pointer (&self);
      }
  g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL,
               _("Courriel does not know the “%s” way of logging in."), mechanism);
  return NULL;
}

/**
 * courriel_sasl_get_supported:
 *
 * Returns: (transfer none): the mechanisms Courriel supports, best first
 */
const char * const *
courriel_sasl_get_supported (void)
{
  return supported;
}

/**
 * courriel_sasl_choose:
 * @offered: (nullable): the mechanisms the server offers, %NULL-terminated
 * @have_token: whether the account logs in with an OAuth2 token rather than a password
 *
 * Returns: (nullable): the best of @offered: OAUTHBEARER or XOAUTH2 with a token; otherwise
 *   SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN in that order
 */
const char *
courriel_sasl_choose (const char * const *offered, gboolean have_token)
{
  static const Mechanism token_order[] = { MECH_OAUTHBEARER, MECH_XOAUTH2 };
  static const Mechanism password_order[] = { MECH_SCRAM_SHA_256, MECH_SCRAM_SHA_1, MECH_PLAIN, MECH_LOGIN };
  const Mechanism *order = have_token ? token_order : password_order;
  guint n = have_token ? G_N_ELEMENTS (token_order) : G_N_ELEMENTS (password_order);

  for (guint i = 0; i < n; i++)
    for (guint j = 0; offered != NULL && offered[j] != NULL; j++)
      if (g_ascii_strcasecmp (offered[j], supported[order[i]]) == 0)
        return supported[order[i]];
  return NULL;
}

const char *
courriel_sasl_get_mechanism (CourrielSasl *self)
{
  g_return_val_if_fail (COURRIEL_IS_SASL (self), NULL);
  return supported[self->mechanism];
}

/* Whether the first response can go with the AUTHENTICATE command (SASL-IR, SMTP AUTH). */
gboolean
courriel_sasl_has_initial_response (CourrielSasl *self)
{
  g_return_val_if_fail (COURRIEL_IS_SASL (self), FALSE);
  return self->mechanism != MECH_LOGIN;
}

static GBytes *
bytes_from_string (GString *text)
{
  gsize length = text->len;
  return g_bytes_new_take (g_string_free (text, FALSE), length);
}

static gboolean
scram_step (CourrielSasl *self, GBytes *challenge, GBytes **response, gboolean *done, GError **error)
{
  gsize in_length = 0;
  const char *in = challenge != NULL ? g_bytes_get_data (challenge, &in_length) : NULL;
  char *out = NULL;
  size_t out_length = 0;
  int status;

  status = gsasl_step (self->session, in, in_length, &out, &out_length);
  if (status != GSASL_OK && status != GSASL_NEEDS_MORE)
    {
      gsasl_free (out);
      /* Past the first round trip, a refusal here means the server could not prove that it
       * knows the password: it may not be the real server. */
      g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL,
                   status == GSASL_AUTHENTICATION_ERROR
                     ? _("The mail server could not prove its identity during the %s login.")
                     : _("The mail server answered the %s login with something Courriel does not understand."),
                   supported[self->mechanism]);
      g_debug ("libgsasl: %s", gsasl_strerror (status));
      return FALSE;
    }
  *response = g_bytes_new (out != NULL ? out : "", out_length);
  gsasl_free (out);
  *done = status == GSASL_OK;
  return TRUE;
}

/**
 * courriel_sasl_step:
 * @challenge: (nullable): the decoded server challenge; %NULL for the initial response
 * @response: (out): what to send, raw (the protocol encodes it); always to be sent, even empty
 * @done: (out): whether the client has nothing more to send after @response: for SCRAM, once
 *   the server's signature is verified
 *
 * Returns: %TRUE, or %FALSE with a %COURRIEL_NET_ERROR_SASL error: the protocol should then
 *   cancel the exchange (IMAP and SMTP "*")
 */
gboolean
courriel_sasl_step (CourrielSasl *self, GBytes *challenge, GBytes **response, gboolean *done, GError **error)
{
  GString *out;
  guint step;

  g_return_val_if_fail (COURRIEL_IS_SASL (self), FALSE);
  g_return_val_if_fail (response != NULL && done != NULL, FALSE);

  *response = NULL;
  *done = FALSE;

  if (self->mechanism == MECH_SCRAM_SHA_256 || self->mechanism == MECH_SCRAM_SHA_1)
    {
      if (self->finished)
        goto unexpected;
      /* A server without SASL-IR asks for the first message with an empty challenge. */
      if (self->step++ == 0 && challenge != NULL && g_bytes_get_size (challenge) > 0)
        goto unexpected;
      if (!scram_step (self, self->step == 1 ? NULL : challenge, response, done, error))
        return FALSE;
      self->finished = *done;
      return TRUE;
    }

  out = g_string_new (NULL);
  step = self->step++;
  switch (self->mechanism)
    {
    case MECH_PLAIN:
      if (step > 0)
        goto unexpected_free;
      g_string_append_c (out, '\0');
      g_string_append (out, self->username);
      g_string_append_c (out, '\0');
      g_string_append (out, self->secret);
      *done = TRUE;
      break;

    case MECH_LOGIN:
      /* Servers ask "Username:" then "Password:"; their wording varies, the order does not.
       * Asked for an initial response anyway, we send nothing and wait for the question. */
      if (challenge == NULL && step == 0)
        {
          self->step = 0;
          break;
        }
      if (step == 0)
        g_string_append (out, self->username);
      else if (step == 1)
        {
          g_string_append (out, self->secret);
          *done = TRUE;
        }
      else
        goto unexpected_free;
      break;

    case MECH_XOAUTH2:
    case MECH_OAUTHBEARER:
      if (step == 0)
        {
          if (self->mechanism == MECH_XOAUTH2)
            g_string_append_printf (out, "user=%s\001auth=Bearer %s\001\001", self->username, self->secret);
          else
            g_string_append_printf (out, "n,a=%s,\001auth=Bearer %s\001\001", self->username, self->secret);
          *done = TRUE;
        }
      else if (step == 1)
        /* The token was refused and the server explained why in JSON. RFC 7628, 3.2.3: the
         * client acknowledges with a lone ^A, and the server then answers NO. */
        g_string_append_c (out, '\001');
      else
        goto unexpected_free;
      break;

    case MECH_SCRAM_SHA_256:
    case MECH_SCRAM_SHA_1:
    default:
      g_assert_not_reached ();
    }

  *response = bytes_from_string (out);
  return TRUE;

unexpected_free:
  g_string_free (out, TRUE);
unexpected:
  g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL,
               _("The mail server asked for more during the %s login than the mechanism allows."),
               supported[self->mechanism]);
  return FALSE;
}

/**
 * courriel_sasl_step_base64:
 * @challenge: (nullable): the server's challenge as IMAP, POP3 and SMTP carry it (base64), or
 *   NULL for the initial response
 *
 * courriel_sasl_step() in the wire form the three protocols share. Returns the response in
 * base64 ("" when empty), or NULL with @error set.
 */
char *
courriel_sasl_step_base64 (CourrielSasl *self, const char *challenge, GError **error)
{
  g_autoptr (GBytes) in = NULL;
  g_autoptr (GBytes) out = NULL;
  gboolean done = FALSE;

  if (challenge != NULL)
    {
      gsize length = 0;
      guchar *decoded = g_base64_decode (challenge, &length);
      in = g_bytes_new_take (decoded, length);
    }
  if (!courriel_sasl_step (self, in, &out, &done, error))
    return NULL;
  if (out == NULL || g_bytes_get_size (out) == 0)
    return g_strdup ("");
  return g_base64_encode (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}
