/* courriel-sasl.c — SASL mechanisms for IMAP, POP3 and SMTP authentication
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PLAIN (RFC 4616), LOGIN, XOAUTH2 and OAUTHBEARER (RFC 7628) with a token from the caller.
 * Responses are raw bytes: the protocol encodes them (base64 for IMAP, POP3 and SMTP).
 */
#define G_LOG_DOMAIN "courriel-net"

#include "config.h"
#include "courriel-sasl.h"

#include <glib/gi18n-lib.h>

#include "courriel-net-error.h"

typedef enum
{
  MECH_PLAIN,
  MECH_LOGIN,
  MECH_XOAUTH2,
  MECH_OAUTHBEARER,
} Mechanism;

static const char *mechanism_names[] = { "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER" };

/* Best first, for passwords. */
static const char *supported[] = { "PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2", NULL };

struct _CourrielSasl
{
  GObject   parent_instance;

  Mechanism mechanism;
  char     *username;
  char     *secret;
  guint     step;
};

G_DEFINE_FINAL_TYPE (CourrielSasl, courriel_sasl, G_TYPE_OBJECT)

static void
courriel_sasl_finalize (GObject *object)
{
  CourrielSasl *self = COURRIEL_SASL (object);

  g_free (self->username);
  /* Do not leave the password lying in freed memory. */
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);

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

CourrielSasl *
courriel_sasl_new (const char *mechanism, const char *username, const char *secret, GError **error)
{
  CourrielSasl *self;

  g_return_val_if_fail (mechanism != NULL && username != NULL && secret != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (g_ascii_strcasecmp (mechanism, mechanism_names[i]) == 0)
      {
        self = g_object_new (COURRIEL_TYPE_SASL, NULL);
        self->mechanism = i;
        self->username = g_strdup (username);
        self->secret = g_strdup (secret);
        return self;
      }
  g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL,
               _("Courriel does not know the “%s” way of logging in."), mechanism);
  return NULL;
}

const char * const *
courriel_sasl_get_supported (void)
{
  return supported;
}

/* The best mechanism the server offers: a token mechanism when the account has a token,
 * else a password one. */
const char *
courriel_sasl_choose (const char * const *offered, gboolean have_token)
{
  const char *token_order[] = { "OAUTHBEARER", "XOAUTH2" };
  const char *password_order[] = { "PLAIN", "LOGIN" };
  const char **order = have_token ? token_order : password_order;

  for (guint i = 0; i < 2; i++)
    for (guint j = 0; offered != NULL && offered[j] != NULL; j++)
      if (g_ascii_strcasecmp (offered[j], order[i]) == 0)
        return order[i];
  return NULL;
}

const char *
courriel_sasl_get_mechanism (CourrielSasl *self)
{
  g_return_val_if_fail (COURRIEL_IS_SASL (self), NULL);
  return mechanism_names[self->mechanism];
}

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

/**
 * courriel_sasl_step:
 * @challenge: (nullable): the decoded server challenge; %NULL for the initial response
 * @response: (out): what to send, raw (the protocol encodes it)
 * @done: (out): whether this is the last response the mechanism will send
 */
gboolean
courriel_sasl_step (CourrielSasl *self, GBytes *challenge, GBytes **response, gboolean *done, GError **error)
{
  GString *out = g_string_new (NULL);
  guint step = self->step++;

  g_return_val_if_fail (COURRIEL_IS_SASL (self), FALSE);

  *done = FALSE;
  switch (self->mechanism)
    {
    case MECH_PLAIN:
      if (step > 0)
        goto unexpected;
      g_string_append_c (out, '\0');
      g_string_append (out, self->username);
      g_string_append_c (out, '\0');
      g_string_append (out, self->secret);
      *done = TRUE;
      break;

    case MECH_LOGIN:
      /* Servers ask "Username:" then "Password:"; their wording varies, the order does not.
       * A server with SASL-IR may get no initial response from us: we wait for its question. */
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
        goto unexpected;
      break;

    case MECH_XOAUTH2:
      if (step == 0)
        {
          g_string_append_printf (out, "user=%s\001auth=Bearer %s\001\001", self->username, self->secret);
          *done = TRUE;
        }
      /* An error challenge (JSON) is answered with an empty response; the server then says NO. */
      break;

    case MECH_OAUTHBEARER:
      if (step == 0)
        {
          g_string_append_printf (out, "n,a=%s,\001auth=Bearer %s\001\001", self->username, self->secret);
          *done = TRUE;
        }
      else
        g_string_append_c (out, '\001'); /* RFC 7628, 3.2.3: acknowledge the error */
      break;
    }

  *response = bytes_from_string (out);
  return TRUE;

unexpected:
  g_string_free (out, TRUE);
  g_set_error (error, COURRIEL_NET_ERROR, COURRIEL_NET_ERROR_SASL,
               _("The mail server asked for more during the %s login than the mechanism allows."),
               mechanism_names[self->mechanism]);
  return FALSE;
}
