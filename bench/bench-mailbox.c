/* bench-mailbox.c — large mailboxes with realistic sizes and headers, fast, for the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a mailbox of some years looks like to an IMAP client: senders and recipients with
 * accented names (RFC 2047 encoded), subjects in French and English, Received, DKIM and
 * Authentication-Results headers, threads through Message-ID, In-Reply-To and References,
 * dates spread over six years, text/plain bodies with some multipart/alternative HTML and
 * some attachments, from about 2 KB to 100 KB and about 20 KB on average. Text is cut from a
 * corpus made once, so that 100,000 messages are written in about a minute; the content comes
 * from a seed, so every run writes the same mailbox. Messages go straight into Dovecot's
 * Maildir through courriel_test_bench_add_message().
 */
#include "config.h"
#include "bench-mailbox.h"

#include <gmime/gmime.h>
#include <math.h>

#define DAY (24 * 60 * 60)
#define SPAN (6 * 365 * DAY)
#define MAX_SIZE (100 * 1024)
#define CORPUS_SIZE (384 * 1024)
#define RECENT 64
#define MAX_REFERENCES 10
#define BASE64_LINE 77 /* 76 characters and a line feed */

typedef struct
{
  const char *name;
  const char *ascii; /* for the address */
} Name;

static const Name first_names[] = {
  { "Élodie", "elodie" }, { "François", "francois" }, { "Amélie", "amelie" }, { "Jérôme", "jerome" },
  { "Chloé", "chloe" },   { "Noël", "noel" },         { "Hélène", "helene" }, { "Loïc", "loic" },
  { "Maëlle", "maelle" }, { "Zoé", "zoe" },           { "Inès", "ines" },     { "José", "jose" },
  { "Björn", "bjorn" },   { "Sarah", "sarah" },       { "James", "james" },   { "Priya", "priya" },
  { "Tom", "tom" },       { "Emily", "emily" },       { "Marc", "marc" },     { "Anaïs", "anais" },
};

static const Name last_names[] = {
  { "Martin", "martin" },   { "Dupont", "dupont" },     { "Lefèvre", "lefevre" }, { "Bérard", "berard" },
  { "Garnier", "garnier" }, { "Rousseau", "rousseau" }, { "Moreau", "moreau" },   { "Thompson", "thompson" },
  { "O'Connor", "oconnor" }, { "Raman", "raman" },      { "Becker", "becker" },   { "Müller", "muller" },
  { "Núñez", "nunez" },     { "Çelik", "celik" },       { "Dubois", "dubois" },   { "Faure", "faure" },
};

static const char *domains[] = {
  "example.org", "example.net", "example.com", "mairie.example", "univ-lyon.example", "atelier.example",
};

typedef struct
{
  const char *text;
  gboolean    numbered; /* a number follows, as in invoices and digests */
  gboolean    french;
} Subject;

static const Subject subjects[] = {
  { "Réunion de lundi : ordre du jour", FALSE, TRUE },
  { "Facture n°", TRUE, TRUE },
  { "Compte rendu du conseil d’école", FALSE, TRUE },
  { "Vacances d’été — qui garde le chat ?", FALSE, TRUE },
  { "Budget prévisionnel", TRUE, TRUE },
  { "Covoiturage pour le festival", FALSE, TRUE },
  { "Relecture du mémoire, chapitre", TRUE, TRUE },
  { "Invitation : pot de départ de Noël", FALSE, TRUE },
  { "Votre colis est en route, suivi", TRUE, TRUE },
  { "Dossier de subvention — pièces manquantes", FALSE, TRUE },
  { "Anniversaire surprise de Léa", FALSE, TRUE },
  { "Travaux dans l’immeuble", FALSE, TRUE },
  { "Déménagement des bureaux", FALSE, TRUE },
  { "Recette de la tarte Tatin", FALSE, TRUE },
  { "Project kickoff: mobile app redesign", FALSE, FALSE },
  { "Quarterly report draft", TRUE, FALSE },
  { "Weekend hike?", FALSE, FALSE },
  { "Book club: next pick", FALSE, FALSE },
  { "Server migration tonight", FALSE, FALSE },
  { "Invoice from Example Hosting", TRUE, FALSE },
  { "Weekly digest #", TRUE, FALSE },
  { "Flat viewing on Thursday", FALSE, FALSE },
  { "Conference talk proposal", FALSE, FALSE },
  { "Café meeting notes", FALSE, FALSE },
  { "Release notes: version 4.", TRUE, FALSE },
};

static const char *french_words[] = {
  "le", "la", "les", "un", "une", "des", "et", "ou", "mais", "donc", "pour", "avec", "sans", "dans", "sur", "chez",
  "nous", "vous", "ils", "elle", "on", "je", "tu", "il", "est", "sont", "avons", "avez", "fait", "faire", "prévoir",
  "réunion", "budget", "facture", "semaine", "prochaine", "équipe", "bureau", "école", "été", "hiver", "déjà",
  "très", "bientôt", "après", "avant", "jusqu’à", "peut-être", "évidemment", "réponse", "question", "problème",
  "télévision", "théâtre", "château", "forêt", "hôpital", "élève", "garçon", "leçon", "façade", "crème", "tête",
  "fenêtre", "mairie", "dossier", "subvention", "relecture", "chapitre", "projet", "planning", "rendez-vous",
  "vendredi", "lundi", "matin", "soir", "merci", "bonne", "journée", "courriel", "pièce", "jointe", "ordre", "jour",
};

static const char *english_words[] = {
  "the", "a", "an", "and", "or", "but", "so", "for", "with", "without", "in", "on", "at", "from", "to", "we",
  "you", "they", "she", "he", "it", "is", "are", "have", "has", "will", "would", "could", "should", "meeting",
  "budget", "invoice", "week", "next", "team", "office", "report", "draft", "quarter", "numbers", "review",
  "server", "migration", "release", "version", "notes", "weekend", "hike", "trail", "book", "club", "flat",
  "viewing", "agency", "talk", "proposal", "slides", "deadline", "schedule", "project", "design", "accessibility",
  "audit", "sprint", "please", "thanks", "again", "soon", "today", "tomorrow", "yesterday", "morning", "evening",
  "attached", "document", "question", "answer", "problem", "café", "naïve", "résumé", "update", "status",
};

typedef struct
{
  const char *filename; /* as the Content-Disposition parameter is written */
  const char *type;
} Attachment;

static const Attachment attachments[] = {
  { "filename=\"facture.pdf\"", "application/pdf" },
  { "filename=\"photo-vacances.jpg\"", "image/jpeg" },
  { "filename*=utf-8''budget%20pr%C3%A9visionnel.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
  { "filename=\"compte-rendu.odt\"", "application/vnd.oasis.opendocument.text" },
};

typedef struct
{
  char *message_id; /* with brackets */
  char *references; /* space separated, with brackets, or NULL */
  char *subject;    /* without "Re: " */
} Recent;

typedef struct
{
  CourrielTestBench *bench;
  const char        *address;
  const char        *folder;
  GRand             *rand;
  gint64             now;
  guint32            seed;
  guint              serial;
  GString           *corpus[2]; /* French, English */
  GString           *base64;
  GString           *message;
  Recent             recent[RECENT];
  guint              n_recent;
  BenchMailboxStats  stats;
} Writer;

static guint
pick (Writer *w, guint n)
{
  return g_rand_int_range (w->rand, 0, n);
}

/* A sentence of 6 to 16 words, capitalised, word by word, wrapped at 72 columns. */
static void
append_sentence (Writer *w, GString *out, gsize *column, const char **words, guint n_words)
{
  guint length = 6 + pick (w, 11);

  for (guint i = 0; i < length; i++)
    {
      const char *word = words[pick (w, n_words)];
      glong width = g_utf8_strlen (word, -1) + 1;

      if (*column > 0 && *column + width > 72)
        {
          g_string_append_c (out, '\n');
          *column = 0;
        }
      else if (*column > 0)
        g_string_append_c (out, ' ');
      if (i == 0)
        {
          g_string_append_unichar (out, g_unichar_toupper (g_utf8_get_char (word)));
          g_string_append (out, g_utf8_next_char (word));
        }
      else
        g_string_append (out, word);
      if (i + 1 == length)
        g_string_append_c (out, '.');
      *column += width;
    }
}

/* Paragraphs of three to six sentences. */
static GString *
make_corpus (Writer *w, const char **words, guint n_words)
{
  GString *corpus = g_string_sized_new (CORPUS_SIZE + 1024);

  while (corpus->len < CORPUS_SIZE)
    {
      guint sentences = 3 + pick (w, 4);
      gsize column = 0;

      for (guint i = 0; i < sentences; i++)
        append_sentence (w, corpus, &column, words, n_words);
      g_string_append (corpus, "\n\n");
    }
  return corpus;
}

/* Random bytes in base64, 76 characters a line, as attachments are sent. */
static GString *
make_base64 (Writer *w)
{
  gsize n_bytes = 57 * (MAX_SIZE / 76 + 16);
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  g_autofree char *encoded = NULL;
  GString *out = g_string_new (NULL);
  gsize length;

  for (gsize i = 0; i < n_bytes; i++)
    bytes[i] = (guint8)g_rand_int (w->rand);
  encoded = g_base64_encode (bytes, n_bytes);
  length = strlen (encoded);
  for (gsize i = 0; i < length; i += 76)
    {
      g_string_append_len (out, encoded + i, MIN (76, length - i));
      g_string_append_c (out, '\n');
    }
  return out;
}

/* About @size bytes of whole lines of the corpus, from a random line. */
static void
append_text (Writer *w, GString *out, gboolean french, gsize size)
{
  GString *corpus = w->corpus[french ? 0 : 1];
  gsize start;
  const char *end;

  size = MIN (size, corpus->len / 2);
  start = pick (w, corpus->len - size);
  while (start > 0 && corpus->str[start - 1] != '\n')
    start--;
  end = strchr (corpus->str + start + size, '\n'); /* the corpus ends with one */
  g_string_append_len (out, corpus->str + start, end + 1 - (corpus->str + start));
}

static void
append_html (Writer *w, GString *out, const char *text)
{
  g_string_append (out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
                        "<body style=\"font-family: Helvetica, Arial, sans-serif; font-size: 14px\">\n<div>\n<p>");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '\n' && p[1] == '\n')
        {
          g_string_append (out, "</p>\n<p>");
          p++;
        }
      else
        g_string_append_c (out, *p);
    }
  g_string_append (out, "</p>\n</div>\n<p style=\"color: #77767b; font-size: 12px\">"
                        "<a href=\"https://example.org/preferences\">Preferences</a></p>\n</body></html>\n");
}

static void
append_date (GString *out, gint64 t)
{
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  int offset = (t / DAY) % 3 == 0 ? 0 : (t / DAY) % 3 == 1 ? 60 : 120; /* minutes east of UTC */
  g_autoptr (GDateTime) date = g_date_time_new_from_unix_utc (t + offset * 60);

  g_string_append_printf (out, "%s, %02d %s %d %02d:%02d:%02d +%02d%02d", days[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date), months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date), g_date_time_get_hour (date), g_date_time_get_minute (date),
                          g_date_time_get_second (date), offset / 60, offset % 60);
}

static const Name *
first_name (guint which)
{
  return &first_names[which % G_N_ELEMENTS (first_names)];
}

static const Name *
last_name (guint which)
{
  return &last_names[(which / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)];
}

static char *
person_name (guint which)
{
  return g_strdup_printf ("%s %s", first_name (which)->name, last_name (which)->name);
}

static void
append_person (Writer *w, GString *out, guint which)
{
  const Name *first = first_name (which);
  const Name *last = last_name (which);
  const char *domain = domains[which % G_N_ELEMENTS (domains)];
  g_autofree char *name = person_name (which);
  g_autofree char *encoded = g_mime_utils_header_encode_phrase (NULL, name, "utf-8");

  g_string_append_printf (out, "%s <%s.%s@%s>", encoded, first->ascii, last->ascii, domain);
}

static guint
n_people (void)
{
  return G_N_ELEMENTS (first_names) * G_N_ELEMENTS (last_names);
}

/* A line of base64 as a signature value. */
static void
append_signature_line (Writer *w, GString *out, guint length)
{
  gsize line = pick (w, w->base64->len / BASE64_LINE);

  g_string_append_len (out, w->base64->str + line * BASE64_LINE, MIN (length, 76));
}

static void
append_trace_headers (Writer *w, GString *out, const char *domain, gint64 received)
{
  g_string_append_printf (out,
                          "Return-Path: <bounces@%s>\nDelivered-To: %s\n"
                          "Received: from mx.%s (mx.%s [192.0.2.%u])\n\tby mail.example.test (Postfix) with ESMTPS "
                          "id 4Q%08X\n\tfor <%s>; ",
                          domain, w->address, domain, domain, 1 + pick (w, 250), g_rand_int (w->rand), w->address);
  append_date (out, received);
  g_string_append_printf (out, "\nReceived: from [10.%u.%u.%u] by smtp.%s with ESMTPSA id %08x; ", pick (w, 256),
                          pick (w, 256), pick (w, 256), domain, g_rand_int (w->rand));
  append_date (out, received - 2);
  g_string_append_printf (out, "\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=mail2024;\n"
                               "\tt=%" G_GINT64_FORMAT "; h=from:to:cc:subject:date:message-id:in-reply-to;\n\tbh=",
                          domain, received);
  append_signature_line (w, out, 44);
  g_string_append (out, ";\n\tb=");
  for (guint i = 0; i < 4; i++)
    {
      append_signature_line (w, out, 76);
      g_string_append (out, i < 3 ? "\n\t " : "\n");
    }
  g_string_append_printf (out, "Authentication-Results: mail.example.test;\n\tdkim=pass (2048-bit key) header.d=%s;\n"
                               "\tspf=pass smtp.mailfrom=bounces@%s;\n\tdmarc=pass (p=none) header.from=%s\n",
                          domain, domain, domain);
}

static void
remember (Writer *w, const char *message_id, const char *references, const char *subject)
{
  Recent *slot = &w->recent[w->n_recent++ % RECENT];

  g_free (slot->message_id);
  g_free (slot->references);
  g_free (slot->subject);
  slot->message_id = g_strdup (message_id);
  slot->references = g_strdup (references);
  slot->subject = g_strdup (subject);
}

/* References of a reply: the parent's, at most the last few, then the parent. */
static char *
reply_references (const Recent *parent)
{
  g_auto (GStrv) ids = parent->references != NULL ? g_strsplit (parent->references, " ", -1) : g_new0 (char *, 1);
  guint n = g_strv_length (ids);
  GString *out = g_string_new (NULL);

  for (guint i = n >= MAX_REFERENCES ? n - MAX_REFERENCES + 1 : 0; i < n; i++)
    g_string_append_printf (out, "%s ", ids[i]);
  g_string_append (out, parent->message_id);
  return g_string_free (out, FALSE);
}

static void
append_body (Writer *w, GString *out, gboolean french, const char *greeting, const char *signature)
{
  double exponential = -8000.0 * log (1.0 - g_rand_double (w->rand));
  gsize size = 400 + (gsize)MIN (exponential, 44000.0);
  g_autoptr (GString) text = g_string_new (greeting);
  gboolean html = pick (w, 100) < 30;
  gboolean attached = pick (w, 100) < 20;
  const char *boundary_mixed = "=_mixed_0b7c2e";
  const char *boundary_alt = "=_alt_4f9a1d";

  append_text (w, text, french, size);
  g_string_append_printf (text, "\n-- \n%s\n", signature);

  if (attached)
    g_string_append_printf (out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\nThis is a multi-part message in "
                                 "MIME format.\n\n--%s\n", boundary_mixed, boundary_mixed);
  if (html)
    g_string_append_printf (out, "Content-Type: multipart/alternative; boundary=\"%s\"\n\n--%s\n", boundary_alt,
                            boundary_alt);
  g_string_append_printf (out, "Content-Type: text/plain; charset=utf-8; format=flowed\n"
                               "Content-Transfer-Encoding: 8bit\n\n%s",
                          text->str);
  if (html)
    {
      g_string_append_printf (out, "\n--%s\nContent-Type: text/html; charset=utf-8\n"
                                   "Content-Transfer-Encoding: 8bit\n\n", boundary_alt);
      append_html (w, out, text->str);
      g_string_append_printf (out, "\n--%s--\n", boundary_alt);
      w->stats.html++;
    }
  if (attached)
    {
      const Attachment *a = &attachments[pick (w, G_N_ELEMENTS (attachments))];
      gsize room = out->len + 512 < MAX_SIZE ? MAX_SIZE - out->len - 512 : 0;
      gsize wanted = 4096 + pick (w, 72 * 1024);
      gsize lines = MIN (room, wanted) / BASE64_LINE;
      gsize first = pick (w, w->base64->len / BASE64_LINE - lines);

      g_string_append_printf (out, "\n--%s\nContent-Type: %s\nContent-Transfer-Encoding: base64\n"
                                   "Content-Disposition: attachment; %s\n\n",
                              boundary_mixed, a->type, a->filename);
      g_string_append_len (out, w->base64->str + first * BASE64_LINE, lines * BASE64_LINE);
      g_string_append_printf (out, "\n--%s--\n", boundary_mixed);
      w->stats.attachments++;
    }
}

static const char *
maildir_flags (Writer *w, gint64 received)
{
  gboolean unread = received > w->now - 14 * DAY ? pick (w, 2) == 0 : pick (w, 100) < 2;
  gboolean flagged = pick (w, 100) < 3;
  gboolean answered = pick (w, 100) < 10;
  static const char *table[] = { "S", "RS", "FS", "FRS", "", "R", "F", "FR" };

  w->stats.unread += unread;
  w->stats.flagged += flagged;
  return table[(unread ? 4 : 0) + (flagged ? 2 : 0) + (answered ? 1 : 0)];
}

static gboolean
write_message (Writer *w, guint index, guint n_messages, GError **error)
{
  GString *m = w->message;
  guint sender = pick (w, n_people ());
  const char *domain = domains[sender % G_N_ELEMENTS (domains)];
  const Subject *topic = &subjects[pick (w, G_N_ELEMENTS (subjects))];
  gint64 date = w->now - SPAN + (gint64)((double)SPAN * index / n_messages) + pick (w, 600);
  gint64 received = date + 5 + pick (w, 300);
  Recent *parent = w->n_recent > 0 && pick (w, 100) < 40 ? &w->recent[pick (w, MIN (w->n_recent, RECENT))] : NULL;
  g_autofree char *subject = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *references = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *signature = person_name (sender);
  g_autoptr (GBytes) bytes = NULL;

  if (parent != NULL)
    subject = g_strdup (parent->subject);
  else if (topic->numbered)
    subject = g_strdup_printf ("%s %u", topic->text, 100 + pick (w, 9900));
  else
    subject = g_strdup (topic->text);
  message_id = g_strdup_printf ("<%08x.%u.%08x@%s>", w->seed, ++w->serial, g_rand_int (w->rand), domain);

  g_string_truncate (m, 0);
  append_trace_headers (w, m, domain, received);
  g_string_append_printf (m, "Message-ID: %s\n", message_id);
  if (parent != NULL)
    {
      references = reply_references (parent);
      g_string_append_printf (m, "In-Reply-To: %s\nReferences: ", parent->message_id);
      for (const char *p = references; *p != '\0'; p++)
        if (*p == ' ')
          g_string_append (m, "\n\t");
        else
          g_string_append_c (m, *p);
      g_string_append_c (m, '\n');
      w->stats.replies++;
    }
  g_string_append (m, "Date: ");
  append_date (m, date);
  g_string_append (m, "\nFrom: ");
  append_person (w, m, sender);
  g_string_append_printf (m, "\nTo: %s\n", w->address);
  if (pick (w, 100) < 30)
    {
      guint n_cc = 1 + pick (w, 3);

      g_string_append (m, "Cc: ");
      for (guint i = 0; i < n_cc; i++)
        {
          append_person (w, m, pick (w, n_people ()));
          g_string_append (m, i + 1 < n_cc ? ",\n\t" : "\n");
        }
    }
  {
    g_autofree char *shown = parent != NULL ? g_strconcat ("Re: ", subject, NULL) : g_strdup (subject);
    encoded = g_mime_utils_header_encode_text (NULL, shown, "utf-8");
  }
  g_string_append_printf (m, "Subject: %s\nMIME-Version: 1.0\nUser-Agent: %s\n", encoded,
                          topic->french ? "Thunderbird 115.6" : "Evolution 3.46");
  if (pick (w, 100) < 20)
    g_string_append_printf (m, "List-Id: <news.%s>\nList-Unsubscribe: <https://%s/unsubscribe>\n", domain, domain);

  append_body (w, m, topic->french, topic->french ? "Bonjour,\n\n" : "Hi,\n\n", signature);

  remember (w, message_id, references, subject);
  bytes = g_bytes_new_static (m->str, m->len);
  w->stats.messages++;
  w->stats.bytes += m->len;
  w->stats.smallest = w->stats.smallest == 0 ? m->len : MIN (w->stats.smallest, m->len);
  w->stats.largest = MAX (w->stats.largest, m->len);
  return courriel_test_bench_add_message (w->bench, w->address, w->folder, bytes, maildir_flags (w, received),
                                          received, error);
}

/**
 * bench_mailbox_fill:
 * @folder: "INBOX" or another folder, created if needed
 * @seed: the same seed writes the same messages
 * @stats: (out) (optional): what was written
 *
 * Writes @n_messages into the user's folder, oldest first (so UIDs follow dates).
 */
gboolean
bench_mailbox_fill (CourrielTestBench *bench,
                    const char        *address,
                    const char        *folder,
                    guint              n_messages,
                    guint32            seed,
                    BenchMailboxStats *stats,
                    GError           **error)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  Writer w = {
    .bench = bench,
    .address = address,
    .folder = folder,
    .rand = rand,
    .now = g_get_real_time () / G_USEC_PER_SEC,
    .seed = seed,
  };
  gboolean ok = TRUE;

  g_mime_init ();
  w.corpus[0] = make_corpus (&w, french_words, G_N_ELEMENTS (french_words));
  w.corpus[1] = make_corpus (&w, english_words, G_N_ELEMENTS (english_words));
  w.base64 = make_base64 (&w);
  w.message = g_string_sized_new (MAX_SIZE + 16 * 1024);

  for (guint i = 0; ok && i < n_messages; i++)
    ok = write_message (&w, i, n_messages, error);

  if (stats != NULL)
    *stats = w.stats;
  for (guint i = 0; i < RECENT; i++)
    {
      g_free (w.recent[i].message_id);
      g_free (w.recent[i].references);
      g_free (w.recent[i].subject);
    }
  g_string_free (w.corpus[0], TRUE);
  g_string_free (w.corpus[1], TRUE);
  g_string_free (w.base64, TRUE);
  g_string_free (w.message, TRUE);
  return ok;
}
