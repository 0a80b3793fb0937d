/* courriel-auth-results.c — Authentication-Results headers (RFC 8601) and the reader's verdict
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Anyone on the way can write an Authentication-Results header, so only the ones whose
 * authserv-id belongs to the account's own provider count: the provider's MTA added them (RFC
 * 8601 §5 asks it to remove any claiming its name on the way in). The verdict:
 *  - VERIFIED when dmarc=pass, or when dkim=pass with header.d (or header.i) in the From domain's
 *    organisational domain, or spf=pass with smtp.mailfrom in it: DMARC itself accepts an
 *    aligned SPF pass, so the reader does too;
 *  - FAILED when dmarc=fail, or dkim=fail / spf=fail for the From domain (or for no named
 *    domain) and nothing aligned passed;
 *  - NOT_VERIFIED otherwise: no trusted header, neutral, none, temperror, unaligned passes.
 * The parser follows RFC 8601's grammar but accepts what real servers write beyond it
 * (Fastmail's "x-bits=2048", Microsoft's "action=none"): unknown items are kept as properties.
 */
#define G_LOG_DOMAIN "courriel-mime"

#include "config.h"
#include "courriel-auth-results.h"

#include "courriel-domain.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define MAX_COMMENT_DEPTH 32
#define MAX_RESULTS 64

typedef struct
{
  const char *p;
  gboolean    failed;
} Scanner;

/* CFWS: spaces, folding and (nested (comments)) with \-quoted characters. */
static void
skip_cfws (Scanner *s)
{
  for (;;)
    {
      gboolean closed = FALSE;

      while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')
        s->p++;
      if (*s->p != '(')
        return;
      for (int depth = 0; *s->p != '\0' && !closed; s->p++)
        {
          if (*s->p == '\\' && s->p[1] != '\0')
            s->p++;
          else if (*s->p == '(' && ++depth > MAX_COMMENT_DEPTH)
            break;
          else if (*s->p == ')')
            closed = --depth == 0;
        }
      if (!closed)
        {
          s->failed = TRUE; /* unterminated, or nested too deep */
          return;
        }
    }
}

static gboolean
is_keyword_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/* A keyword (method, ptype, property, "reason"), lowercased; NULL when there is none. */
static char *
read_keyword (Scanner *s)
{
  const char *start = s->p;

  while (is_keyword_char (*s->p))
    s->p++;
  return s->p > start ? g_ascii_strdown (start, s->p - start) : NULL;
}

static gboolean
is_value_char (char c)
{
  return c != '\0' && c != ';' && c != '(' && c != '"' && !g_ascii_isspace (c) && c != '\\';
}

/* A value: a quoted string or a run of characters up to a space, comment or ";" (a token, a
 * domain, an address "user@example.com" or "@example.com", base64 "a+b/c="). */
static char *
read_value (Scanner *s)
{
  const char *start = s->p;

  if (*s->p == '"')
    {
      GString *out = g_string_new (NULL);

      for (s->p++; *s->p != '"'; s->p++)
        {
          if (*s->p == '\\' && s->p[1] != '\0')
            s->p++;
          if (*s->p == '\0')
            {
              s->failed = TRUE;
              return g_string_free (out, TRUE);
            }
          g_string_append_c (out, *s->p);
        }
      s->p++;
      return g_string_free (out, FALSE);
    }
  while (is_value_char (*s->p))
    s->p++;
  return s->p > start ? g_strndup (start, s->p - start) : NULL;
}

static void
result_free (CourrielAuthResult *result)
{
  g_free (result->method);
  g_free (result->result);
  g_free (result->reason);
  g_ptr_array_unref (result->properties);
  g_free (result);
}

void
courriel_auth_results_free (CourrielAuthResults *results)
{
  if (results == NULL)
    return;
  g_free (results->authserv_id);
  g_ptr_array_unref (results->results);
  g_free (results);
}

const char *
courriel_auth_result_get_property (const CourrielAuthResult *result, const char *name)
{
  for (guint i = 0; i + 1 < result->properties->len; i += 2)
    if (g_ascii_strcasecmp (result->properties->pdata[i], name) == 0)
      return result->properties->pdata[i + 1];
  return NULL;
}

/* "name[.property] = value" after a methodspec; FALSE when it is not one. */
static gboolean
read_item (Scanner *s, CourrielAuthResult *result)
{
  g_autofree char *name = read_keyword (s);
  g_autofree char *property = NULL;
  g_autofree char *value = NULL;

  if (name == NULL)
    return FALSE;
  skip_cfws (s);
  if (*s->p == '.')
    {
      s->p++;
      skip_cfws (s);
      property = read_keyword (s);
      if (property == NULL)
        return FALSE;
      skip_cfws (s);
    }
  if (*s->p != '=')
    return FALSE;
  s->p++;
  skip_cfws (s);
  value = read_value (s);
  if (value == NULL || s->failed)
    return FALSE;
  if (property == NULL && g_str_equal (name, "reason"))
    {
      g_free (result->reason);
      result->reason = g_steal_pointer (&value);
      return TRUE;
    }
  g_ptr_array_add (result->properties, property != NULL ? g_strdup_printf ("%s.%s", name, property)
                                                        : g_steal_pointer (&name));
  g_ptr_array_add (result->properties, g_steal_pointer (&value));
  return TRUE;
}

/* resinfo after its ";": method[/version] = result, then reason and properties. */
static CourrielAuthResult *
read_resinfo (Scanner *s)
{
  g_autoptr (GPtrArray) properties = g_ptr_array_new_with_free_func (g_free);
  CourrielAuthResult *result;
  g_autofree char *method = NULL;
  g_autofree char *value = NULL;

  skip_cfws (s);
  method = read_keyword (s);
  skip_cfws (s);
  if (method != NULL && *s->p == '/')
    {
      s->p++;
      skip_cfws (s);
      while (g_ascii_isdigit (*s->p))
        s->p++;
      skip_cfws (s);
    }
  if (method == NULL || *s->p != '=')
    return NULL;
  s->p++;
  skip_cfws (s);
  value = read_keyword (s);
  if (value == NULL || s->failed)
    return NULL;

  result = g_new0 (CourrielAuthResult, 1);
  result->method = g_steal_pointer (&method);
  result->result = g_steal_pointer (&value);
  result->properties = g_steal_pointer (&properties);
  for (skip_cfws (s); *s->p != ';' && *s->p != '\0' && !s->failed; skip_cfws (s))
    if (!read_item (s, result))
      {
        result_free (result);
        return NULL;
      }
  return s->failed ? (result_free (result), NULL) : result;
}

/**
 * courriel_auth_results_parse:
 * @value: one Authentication-Results header's value, unfolded or not
 *
 * Returns: the header, or %NULL with G_IO_ERROR_INVALID_DATA when it does not follow RFC 8601
 * (a header with no authserv-id, like Microsoft's, is one of those).
 */
CourrielAuthResults *
courriel_auth_results_parse (const char *value, GError **error)
{
  g_autoptr (CourrielAuthResults) results = g_new0 (CourrielAuthResults, 1);
  Scanner s = { value != NULL ? value : "", FALSE };

  results->results = g_ptr_array_new_with_free_func ((GDestroyNotify)result_free);
  results->version = 1;
  skip_cfws (&s);
  results->authserv_id = read_value (&s);
  if (results->authserv_id == NULL || strchr (results->authserv_id, '=') != NULL)
    goto malformed;
  skip_cfws (&s);
  if (g_ascii_isdigit (*s.p))
    {
      guint64 version = g_ascii_strtoull (s.p, (char **)&s.p, 10);

      results->version = (guint)MIN (version, G_MAXUINT);
      skip_cfws (&s);
    }
  while (*s.p == ';' && !s.failed)
    {
      CourrielAuthResult *result;
      const char *after = ++s.p;

      skip_cfws (&s);
      if (*s.p == '\0')
        break; /* a trailing ";" is harmless */
      if (g_ascii_strncasecmp (s.p, "none", 4) == 0 && !is_keyword_char (s.p[4]) && results->results->len == 0)
        {
          s.p += 4;
          skip_cfws (&s);
          break;
        }
      s.p = after;
      if (results->results->len >= MAX_RESULTS || (result = read_resinfo (&s)) == NULL)
        goto malformed;
      g_ptr_array_add (results->results, result);
    }
  skip_cfws (&s);
  if (*s.p != '\0' || s.failed)
    goto malformed;
  return g_steal_pointer (&results);

malformed:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The Authentication-Results header does not follow RFC 8601"));
  return NULL;
}

/* Providers whose MTAs sign with another domain than the one of their IMAP server. */
static const struct
{
  const char *incoming;
  const char *authserv;
} provider_ids[] = {
  { "gmail.com", "google.com" },      /* imap.gmail.com; the header says mx.google.com */
  { "googlemail.com", "google.com" },
  { "fastmail.com", "messagingengine.com" }, /* imap.fastmail.com; mx6.messagingengine.com */
};

/**
 * courriel_auth_results_trusted_id_for_host:
 * @host: the account's incoming server, "imap.example.fr"
 *
 * Returns: the authserv-id trusted by default: the server's registrable domain ("example.fr"),
 * which trusts "example.fr" and any name under it ("mx1.example.fr").
 */
char *
courriel_auth_results_trusted_id_for_host (const char *host)
{
  g_autofree char *base = NULL;

  if (host == NULL || *host == '\0')
    return NULL;
  base = courriel_domain_registrable (host);
  for (guint i = 0; i < G_N_ELEMENTS (provider_ids); i++)
    if (g_str_equal (base, provider_ids[i].incoming))
      return g_strdup (provider_ids[i].authserv);
  return g_steal_pointer (&base);
}

/* Whether @authserv_id is @trusted_id or a name under it, ignoring case. */
gboolean
courriel_auth_results_id_is_trusted (const char *authserv_id, const char *trusted_id)
{
  gsize id_length, trusted_length;

  if (authserv_id == NULL || trusted_id == NULL || *trusted_id == '\0')
    return FALSE;
  id_length = strlen (authserv_id);
  trusted_length = strlen (trusted_id);
  if (id_length == trusted_length)
    return g_ascii_strcasecmp (authserv_id, trusted_id) == 0;
  return id_length > trusted_length && authserv_id[id_length - trusted_length - 1] == '.'
         && g_ascii_strcasecmp (authserv_id + id_length - trusted_length, trusted_id) == 0;
}

/* The domain of an address or of a bare domain: "a@b.example" → "b.example", "@b" → "b". */
static const char *
domain_of (const char *value)
{
  const char *at = value != NULL ? strrchr (value, '@') : NULL;

  return at != NULL ? at + 1 : value;
}

/* Relaxed alignment (DMARC, RFC 7489 §3.1): the same organisational domain. */
static gboolean
aligned (const char *value, const char *from_base)
{
  const char *domain = domain_of (value);
  g_autofree char *base = NULL;

  if (domain == NULL || *domain == '\0' || from_base == NULL)
    return FALSE;
  base = courriel_domain_registrable (domain);
  return g_str_equal (base, from_base);
}

/* The domain a result speaks for, per method; NULL when it names none. */
static const char *
result_domain (const CourrielAuthResult *r)
{
  const char *value = NULL;

  if (g_str_equal (r->method, "dkim"))
    value = courriel_auth_result_get_property (r, "header.d") ?: courriel_auth_result_get_property (r, "header.i");
  else if (g_str_equal (r->method, "spf"))
    value = courriel_auth_result_get_property (r, "smtp.mailfrom") ?: courriel_auth_result_get_property (r, "smtp.helo");
  else if (g_str_equal (r->method, "dmarc"))
    value = courriel_auth_result_get_property (r, "header.from");
  return domain_of (value);
}

/* One header a line; a line starting with a space continues the one before (folded). */
static GStrv
split_headers (const char *headers)
{
  g_auto (GStrv) lines = g_strsplit (headers != NULL ? headers : "", "\n", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GString) current = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (current != NULL && (lines[i][0] == ' ' || lines[i][0] == '\t'))
        {
          g_string_append (current, lines[i]);
          continue;
        }
      if (current != NULL)
        g_strv_builder_add (builder, current->str);
      g_clear_pointer (&current, g_autoptr_cleanup_gstring_free);
      current = g_string_new (lines[i]);
    }
  if (current != NULL)
    g_strv_builder_add (builder, current->str);
  return g_strv_builder_end (builder);
}

/**
 * courriel_auth_results_verdict:
 * @headers: (nullable): the messages.auth_results column: the Authentication-Results headers,
 *   one a line, topmost first
 * @trusted_id: (nullable): the account's trusted authserv-id
 * @from_address: (nullable): the From address, "someone@example.com"
 * @domain: (out) (optional): the From domain that was verified or failed
 *
 * Returns: what the reader says about who sent the message (see the top of this file).
 */
CourrielAuthVerdict
courriel_auth_results_verdict (const char *headers, const char *trusted_id, const char *from_address, char **domain)
{
  g_auto (GStrv) lines = split_headers (headers);
  const char *from_domain = domain_of (from_address);
  g_autofree char *from_base = from_domain != NULL && *from_domain != '\0' ? courriel_domain_registrable (from_domain) : NULL;
  gboolean passed = FALSE, failed = FALSE, dmarc_failed = FALSE;

  if (domain != NULL)
    *domain = NULL;
  for (guint i = 0; lines[i] != NULL && from_base != NULL; i++)
    {
      g_autoptr (CourrielAuthResults) results = courriel_auth_results_parse (lines[i], NULL);

      if (results == NULL || !courriel_auth_results_id_is_trusted (results->authserv_id, trusted_id))
        continue;
      for (guint j = 0; j < results->results->len; j++)
        {
          const CourrielAuthResult *r = results->results->pdata[j];
          const char *about = result_domain (r);
          gboolean is_dmarc = g_str_equal (r->method, "dmarc");
          gboolean counts = g_str_equal (r->method, "dkim") || g_str_equal (r->method, "spf") || is_dmarc;

          if (!counts)
            continue;
          /* A result about another domain (a mailing list's signature) says nothing of the sender. */
          if (about != NULL && *about != '\0' && !aligned (about, from_base))
            continue;
          if (g_str_equal (r->result, "pass") && (about != NULL || is_dmarc))
            passed = TRUE;
          else if (g_str_equal (r->result, "fail"))
            {
              failed = TRUE;
              dmarc_failed = dmarc_failed || is_dmarc;
            }
        }
    }
  if (from_base != NULL && domain != NULL && (passed || failed))
    *domain = g_ascii_strdown (from_domain, -1);
  if (dmarc_failed)
    return COURRIEL_AUTH_VERDICT_FAILED;
  if (passed)
    return COURRIEL_AUTH_VERDICT_VERIFIED;
  return failed ? COURRIEL_AUTH_VERDICT_FAILED : COURRIEL_AUTH_VERDICT_NOT_VERIFIED;
}
