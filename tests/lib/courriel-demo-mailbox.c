/* courriel-demo-mailbox.c — a varied, realistic mailbox for the demo and for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes a mailbox that looks lived in: conversations in French and in English that span
 * several messages (with the user's own replies in Sent), newsletters in HTML, notifications,
 * messages with photos, invoices, spreadsheets and invitations attached, a handful unread and
 * a few starred. The content is generated from a fixed seed, so every demo looks the same.
 * Messages are built with GMime, as real mail would be, and placed in Dovecot's Maildir.
 */
#define G_LOG_DOMAIN "courriel-demo-mailbox"

#include "config.h"
#include "courriel-demo-mailbox.h"

#include "courriel-gmime-autoptr.h"

#define DAY (24 * 60 * 60)

typedef struct
{
  const char *name;
  const char *address;
  gboolean    french;
} Person;

static const Person people[] = {
  { "Élodie Martin", "elodie.martin@example.org", TRUE },
  { "François Dupont", "francois.dupont@example.net", TRUE },
  { "Amélie Lefèvre", "amelie@lefevre.example", TRUE },
  { "Jérôme Bérard", "jerome.berard@example.com", TRUE },
  { "Chloé Garnier", "chloe.garnier@example.org", TRUE },
  { "Noël Rousseau", "noel@rousseau.example", TRUE },
  { "Hélène Moreau", "helene.moreau@example.net", TRUE },
  { "Sarah Thompson", "sarah.thompson@example.com", FALSE },
  { "James O'Connor", "james.oconnor@example.org", FALSE },
  { "Priya Raman", "priya@raman.example", FALSE },
  { "Tom Becker", "tom.becker@example.net", FALSE },
  { "Emily Clarke", "emily.clarke@example.com", FALSE },
};

typedef struct
{
  const char *subject;
  gboolean    french;
  const char *lines[6]; /* one per message of the conversation, alternating correspondent and user */
} Conversation;

static const Conversation conversations[] = {
  { "Réunion de lundi : ordre du jour", TRUE,
    { "Voici l’ordre du jour proposé pour lundi : budget, planning de l’été et questions diverses.",
      "Merci ! Je propose d’ajouter un point sur le déménagement des bureaux.",
      "Bonne idée, je l’ajoute. On commence à 9 h 30 ?",
      "9 h 30 me va très bien. À lundi !", NULL } },
  { "Vacances d’été — qui garde le chat ?", TRUE,
    { "Nous partons du 12 au 26 juillet. Est-ce que quelqu’un pourrait passer nourrir Minou ?",
      "Je peux passer tous les deux jours, si tu me laisses une clé.",
      "Parfait, je te la dépose jeudi soir. Merci mille fois !", NULL } },
  { "Facture n° 2026-0412", TRUE,
    { "Veuillez trouver ci-joint la facture correspondant à la prestation du mois d’avril.",
      "Bien reçue, le virement partira vendredi.",
      "Merci, bonne fin de semaine.", NULL } },
  { "Recette de la tarte Tatin", TRUE,
    { "Comme promis, la recette de ma grand-mère : six pommes, du beurre demi-sel, 150 g de sucre.",
      "Je l’ai faite hier soir, un vrai succès ! Tu mets la pâte brisée ou feuilletée ?",
      "Feuilletée, toujours. Et surtout, on la retourne encore tiède.",
      "Noté. La prochaine, c’est toi qui l’apportes !", NULL } },
  { "Covoiturage pour le festival", TRUE,
    { "Il reste deux places dans ma voiture pour samedi. Départ 8 h de la gare.",
      "Je prends une place ! Je peux participer à l’essence.",
      "Super. On partage les frais de péage, ce sera plus simple.",
      "Parfait, à samedi 8 h.",
      "Petit changement : départ 8 h 15, il y a des travaux devant la gare.", NULL } },
  { "Dossier de subvention — relecture", TRUE,
    { "Pourrais-tu relire la partie budget avant vendredi ? Le dossier complet est en pièce jointe.",
      "J’ai relu : deux coquilles et un total à revoir page 4.",
      "Corrigé, merci pour ton œil de lynx.", NULL } },
  { "Anniversaire surprise de Léa", TRUE,
    { "Chut ! On organise une fête surprise pour les 30 ans de Léa, le 14 au soir.",
      "Génial ! Je m’occupe du gâteau ?",
      "Oui, chocolat-framboise si possible. Et pas un mot à Léa !", NULL } },
  { "Project kickoff: mobile app redesign", FALSE,
    { "Kicking off the redesign next week. Attached is the brief; please skim it before Tuesday.",
      "Read it. The timeline looks tight for the accessibility audit, can we add a week?",
      "Fair point, I moved the audit to the second sprint.",
      "Thanks, that works for everyone on my side.", NULL } },
  { "Weekend hike?", FALSE,
    { "Weather looks great for Saturday. Anyone up for the ridge trail?",
      "Count me in. Meeting at the car park at 8?",
      "8 it is. Bring water, there is no fountain after the second pass.", NULL } },
  { "Quarterly report draft", FALSE,
    { "Here is the first draft of the Q3 report. Numbers in section 2 are still provisional.",
      "Looks good overall. Could you add the comparison with last year?",
      "Added, see the new chart on page 3.",
      "Perfect, I will send it to the board tomorrow.", NULL } },
  { "Book club: next pick", FALSE,
    { "We finished the last one, time to vote. Three candidates in the list below.",
      "I vote for the second one, it has been on my shelf for months.",
      "Second one wins, three votes to one. See you on the 20th!", NULL } },
  { "Server migration tonight", FALSE,
    { "Heads up: the file server moves to the new machine tonight between 22:00 and 23:00.",
      "Noted. Will the old shares stay read-only for a while?",
      "Yes, read-only for two weeks, then archived.",
      "Great, thanks for the warning.",
      "Migration done, everything is back up. Shout if something looks off.", NULL } },
  { "Flat viewing on Thursday", FALSE,
    { "The agency confirmed Thursday at 6 pm for the flat on Rue des Lilas.",
      "I can make it. Should we bring the documents for the application?",
      "Yes, payslips and ID. I will bring copies of mine.", NULL } },
  { "Re: conference talk proposal", FALSE,
    { "Your proposal was accepted! The talk slot is 25 minutes plus questions.",
      "Wonderful news, thank you. Is there a template for the slides?",
      "No template, but please use 16:9. Slides are due a week before.", NULL } },
};

typedef struct
{
  const char *subject;
  const char *sender_name;
  const char *sender_address;
  gboolean    french;
  gboolean    html;
  const char *text;
} Notice;

static const Notice notices[] = {
  { "Votre colis est en route", "La Poste Colis", "suivi@colis.example", TRUE, FALSE,
    "Bonne nouvelle : votre colis a quitté notre centre de tri et sera livré demain avant 13 h." },
  { "Lettre d’information — les nouveautés du mois", "Médiathèque de Lyon", "lettre@mediatheque.example", TRUE, TRUE,
    "Ce mois-ci : une exposition de gravures, des ateliers d’écriture et 300 nouveaux livres." },
  { "Rappel : rendez-vous chez le dentiste", "Cabinet dentaire Saint-Michel", "rdv@dentiste.example", TRUE, FALSE,
    "Nous vous rappelons votre rendez-vous mardi à 14 h 15. Merci de prévenir en cas d’empêchement." },
  { "Votre relevé de compte est disponible", "Banque Coopérative", "ne-pas-repondre@banque.example", TRUE, TRUE,
    "Votre relevé mensuel est disponible dans votre espace client. Nous ne vous demanderons jamais votre mot de passe par courriel." },
  { "Confirmation de réservation — train Paris → Bordeaux", "Rail Voyages", "billets@rail.example", TRUE, TRUE,
    "Votre voyage du 18 à 7 h 52 est confirmé. Voiture 14, place 63. Bon voyage !" },
  { "Your order has shipped", "Bookshop", "orders@bookshop.example", FALSE, TRUE,
    "Your order of 2 items is on its way and should arrive within 3 working days." },
  { "Weekly digest: 12 new posts in your groups", "Community Forum", "digest@forum.example", FALSE, TRUE,
    "Here is what happened this week in the groups you follow: gardening, photography and local events." },
  { "Password changed", "Cloud Storage", "security@storage.example", FALSE, FALSE,
    "The password of your account was changed. If this was not you, reset it now from the website." },
  { "Invitation: team lunch on Friday", "Calendar", "calendar@example.com", FALSE, FALSE,
    "You have been invited to Team lunch, Friday 12:30–13:30 at the canteen." },
  { "Release notes: version 4.2", "Photo Editor", "news@photoeditor.example", FALSE, TRUE,
    "Version 4.2 brings faster exports, a new crop tool and dozens of fixes." },
};

typedef struct
{
  const char *filename;
  const char *type;
  const char *subtype;
} Attachment;

static const Attachment attachments[] = {
  { "photo-vacances.png", "image", "png" },
  { "facture-2026-0412.pdf", "application", "pdf" },
  { "budget prévisionnel.csv", "text", "csv" },
  { "invitation.ics", "text", "calendar" },
  { "project-brief.pdf", "application", "pdf" },
};

/* A 4×4 PNG, for pictures that are real images. */
static const guint8 png_data[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
  0x29, 0x00, 0x00, 0x00, 0x13, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xd8, 0x70, 0xe1, 0x3f,
  0x03, 0x0e, 0x8c, 0x50, 0x08, 0x00, 0x87, 0xc4, 0x3f, 0x01, 0xa9, 0x8e, 0x0a, 0x2f, 0x00, 0x00,
  0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static const char pdf_data[] =
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
  "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
  "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
  "/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
  "4 0 obj<</Length 44>>stream\nBT /F1 24 Tf 72 760 Td (Courriel demo) Tj ET\nendstream endobj\n"
  "5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
  "trailer<</Root 1 0 R>>\n%%EOF\n";

static const char csv_data[] =
  "poste;montant\nloyer;850\ncourses;420\ntransports;75\nloisirs;120\n";

static const char ics_data[] =
  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Courriel//Demo//FR\r\nBEGIN:VEVENT\r\n"
  "UID:demo-lunch@example.com\r\nDTSTART:20261204T113000Z\r\nDTEND:20261204T123000Z\r\n"
  "SUMMARY:Team lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static const char *french_fillers[] = {
  "Dis-moi si cela te convient.",
  "Je reste disponible si tu as des questions.",
  "Bonne journée à toi !",
  "Je t’embrasse.",
  "À très vite,",
  "N’hésite pas à me rappeler.",
};

static const char *english_fillers[] = {
  "Let me know what you think.",
  "Happy to talk it through if that helps.",
  "Have a good day!",
  "Speak soon,",
  "Thanks again,",
  "No rush on this one.",
};

typedef struct
{
  CourrielTestBench        *bench;
  const char               *address;
  const char               *user_name;
  GRand                    *rand;
  gint64                    now;
  guint                     serial;
  CourrielDemoMailboxStats  stats;
} Writer;

static GMimePart *
make_attachment (const Attachment *which)
{
  GMimePart *part = g_mime_part_new_with_type (which->type, which->subtype);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeDataWrapper) content = NULL;

  if (g_str_equal (which->subtype, "png"))
    stream = g_mime_stream_mem_new_with_buffer ((const char *)png_data, sizeof png_data);
  else if (g_str_equal (which->subtype, "pdf"))
    stream = g_mime_stream_mem_new_with_buffer (pdf_data, sizeof pdf_data - 1);
  else if (g_str_equal (which->subtype, "csv"))
    stream = g_mime_stream_mem_new_with_buffer (csv_data, sizeof csv_data - 1);
  else
    stream = g_mime_stream_mem_new_with_buffer (ics_data, sizeof ics_data - 1);

  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  g_mime_part_set_filename (part, which->filename);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);

  return part;
}

static GMimeTextPart *
make_text (const char *subtype, const char *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);

  g_mime_text_part_set_text (part, text);
  return part;
}

static char *
html_from_text (const char *title, const char *text)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);

  return g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n"
                          "<body style=\"font-family: sans-serif; max-width: 600px; margin: auto\">\n"
                          "<h1 style=\"color: #1c71d8\">%s</h1>\n<p>%s</p>\n"
                          "<p><img src=\"https://images.example/banner.png\" alt=\"\" width=\"600\" height=\"120\"></p>\n"
                          "<p style=\"font-size: small; color: #77767b\">"
                          "<a href=\"https://newsletter.example/unsubscribe\">Unsubscribe</a></p>\n"
                          "</body></html>\n",
                          escaped_title, escaped_title, escaped_text);
}

typedef struct
{
  const char *from_name;
  const char *from_address;
  const char *to_name;
  const char *to_address;
  const char *subject;
  const char *text;
  gboolean    french;
  gboolean    html;
  const Attachment *attachment;
  const char *in_reply_to; /* Message-ID without brackets, or NULL */
  const char *references;  /* space separated, with brackets, or NULL */
  gint64      date;
  const char *folder;
} Draft;

/* Builds the message, stores it, and returns its Message-ID. */
static char *
write_message (Writer *w, const Draft *d, GError **error)
{
  g_autoptr (GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr (GDateTime) date = g_date_time_new_from_unix_local (d->date);
  g_autoptr (GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr (GMimeTextPart) plain = make_text ("plain", d->text);
  g_autoptr (GMimeObject) body = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *raw = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *domain = strchr (d->from_address, '@') + 1;
  const char *flags;
  gboolean in_inbox = g_str_equal (d->folder, "INBOX");

  message_id = g_strdup_printf ("demo-%04u.%" G_GINT64_FORMAT "@%s", ++w->serial, d->date, domain);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, d->from_name, d->from_address);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, d->to_name, d->to_address);
  g_mime_message_set_subject (message, d->subject, "utf-8");
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, message_id);
  if (d->in_reply_to != NULL)
    {
      g_autofree char *bracketed = g_strdup_printf ("<%s>", d->in_reply_to);
      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", bracketed, "utf-8");
      g_mime_object_set_header (GMIME_OBJECT (message), "References", d->references, "utf-8");
      w->stats.replies++;
    }
  if (d->html)
    g_mime_object_set_header (GMIME_OBJECT (message), "List-Unsubscribe",
                              "<https://newsletter.example/unsubscribe>", NULL);

  if (d->html)
    {
      g_autofree char *html_text = html_from_text (d->subject, d->text);
      g_autoptr (GMimeTextPart) html = make_text ("html", html_text);
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");

      g_mime_multipart_add (alternative, GMIME_OBJECT (plain));
      g_mime_multipart_add (alternative, GMIME_OBJECT (html));
      body = GMIME_OBJECT (alternative);
      w->stats.html++;
    }
  else
    body = g_object_ref (GMIME_OBJECT (plain));

  if (d->attachment != NULL)
    {
      g_autoptr (GMimePart) part = make_attachment (d->attachment);
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      g_mime_multipart_add (mixed, GMIME_OBJECT (part));
      g_object_unref (body);
      body = GMIME_OBJECT (mixed);
      w->stats.attachments++;
    }
  g_mime_message_set_mime_part (message, body);

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_UNIX);
  raw = g_mime_object_to_string (GMIME_OBJECT (message), options);
  bytes = g_bytes_new (raw, strlen (raw));

  /* The newest few days are unread, as are a few older ones; some are starred. */
  if (!in_inbox)
    flags = "S";
  else
    {
      gboolean unread = d->date > w->now - 3 * DAY || g_rand_int_range (w->rand, 0, 100) < 3;
      gboolean starred = g_rand_int_range (w->rand, 0, 100) < 5;

      flags = unread ? (starred ? "F" : "") : (starred ? "FS" : "S");
      w->stats.unread += unread;
      w->stats.flagged += starred;
      w->stats.inbox++;
    }
  if (!in_inbox)
    w->stats.sent++;
  w->stats.french += d->french;
  w->stats.total++;

  if (!courriel_test_bench_add_message (w->bench, w->address, d->folder, bytes, flags, d->date, error))
    return NULL;

  return g_steal_pointer (&message_id);
}

static const char *
pick (Writer *w, const char **pool, guint n)
{
  return pool[g_rand_int_range (w->rand, 0, n)];
}

static char *
compose_text (Writer *w, const char *line, gboolean french, const char *signature, const char *quoted)
{
  GString *text = g_string_new (french ? "Bonjour,\n\n" : "Hi,\n\n");

  g_string_append_printf (text, "%s\n\n%s\n%s\n",
                          line,
                          french ? pick (w, french_fillers, G_N_ELEMENTS (french_fillers))
                                 : pick (w, english_fillers, G_N_ELEMENTS (english_fillers)),
                          signature);
  if (quoted != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (quoted, "\n", -1);

      g_string_append_c (text, '\n');
      for (guint i = 0; lines[i] != NULL && i < 12; i++)
        g_string_append_printf (text, ">%s%s\n", lines[i][0] == '>' ? "" : " ", lines[i]);
    }
  return g_string_free (text, FALSE);
}

static char *
reply_subject (const char *subject)
{
  if (g_str_has_prefix (subject, "Re: "))
    return g_strdup (subject);
  return g_strconcat ("Re: ", subject, NULL);
}

static gboolean
write_conversation (Writer *w, const Conversation *c, const Person *peer, gint64 start, GError **error)
{
  g_autofree char *previous_text = NULL;
  g_autofree char *previous_id = NULL;
  g_autoptr (GString) references = g_string_new (NULL);
  guint n_lines = g_strv_length ((char **)c->lines);
  gint64 date = start;

  for (guint i = 0; i < G_N_ELEMENTS (c->lines) && c->lines[i] != NULL; i++)
    {
      gboolean from_user = i % 2 == 1;
      g_autofree char *subject = i == 0 ? g_strdup (c->subject) : reply_subject (c->subject);
      g_autofree char *text = compose_text (w, c->lines[i], c->french,
                                            from_user ? w->user_name : peer->name, previous_text);
      Draft d = {
        .from_name = from_user ? w->user_name : peer->name,
        .from_address = from_user ? w->address : peer->address,
        .to_name = from_user ? peer->name : w->user_name,
        .to_address = from_user ? peer->address : w->address,
        .subject = subject,
        .text = text,
        .french = c->french,
        .attachment = i == 0 && (c - conversations) % 3 == 2 ? &attachments[(c - conversations) % G_N_ELEMENTS (attachments)] : NULL,
        .in_reply_to = previous_id,
        .references = references->len > 0 ? references->str : NULL,
        /* Nothing from the future: a conversation started lately is still going on. */
        .date = MIN (date, w->now - (gint64)(n_lines - i) * 10 * 60),
        .folder = from_user ? "Sent" : "INBOX",
      };
      char *id = write_message (w, &d, error);

      if (id == NULL)
        return FALSE;
      g_string_append_printf (references, "%s<%s>", references->len > 0 ? " " : "", id);
      g_free (previous_id);
      previous_id = id;
      g_free (previous_text);
      previous_text = g_steal_pointer (&text);
      date += g_rand_int_range (w->rand, 20 * 60, 30 * 60 * 60);
    }
  return TRUE;
}

static gboolean
write_notice (Writer *w, const Notice *n, guint round, gint64 date, GError **error)
{
  g_autofree char *subject = round == 0 ? g_strdup (n->subject)
                                        : g_strdup_printf ("%s (%u)", n->subject, round + 1);
  g_autofree char *text = g_strdup_printf ("%s\n\n%s\n", n->text, n->sender_name);
  const Attachment *attachment = NULL;
  g_autofree char *id = NULL;

  if (g_str_has_prefix (n->subject, "Invitation"))
    attachment = &attachments[3];
  else if (g_str_has_prefix (n->subject, "Votre relevé"))
    attachment = &attachments[1];

  {
    Draft d = {
      .from_name = n->sender_name,
      .from_address = n->sender_address,
      .to_name = w->user_name,
      .to_address = w->address,
      .subject = subject,
      .text = text,
      .french = n->french,
      .html = n->html,
      .attachment = attachment,
      .date = date,
      .folder = "INBOX",
    };
    id = write_message (w, &d, error);
  }
  return id != NULL;
}

static gboolean
write_note (Writer *w, const Person *p, guint index, gint64 date, GError **error)
{
  static const char *french_subjects[] = { "Des nouvelles", "Photos du week-end", "Petite question",
                                           "Merci pour hier soir", "Le budget prévisionnel" };
  static const char *english_subjects[] = { "Quick question", "Photos from the weekend", "Catching up",
                                            "Thanks for yesterday", "Budget numbers" };
  static const char *french_lines[] = { "Ça fait longtemps ! Comment vas-tu depuis ton retour ?",
                                        "Voici quelques photos de notre balade au bord du lac.",
                                        "Sais-tu à quelle heure ouvre la mairie le samedi ?",
                                        "Encore merci pour le dîner, c’était délicieux.",
                                        "Je t’envoie le tableau du budget, dis-moi si les chiffres te semblent justes." };
  static const char *english_lines[] = { "It has been ages! How have you been since the move?",
                                         "Here are a few photos from our walk by the lake.",
                                         "Do you know when the library opens on Saturdays?",
                                         "Thanks again for dinner, it was lovely.",
                                         "Sending the budget sheet, tell me if the numbers look right." };
  guint k = index % G_N_ELEMENTS (french_subjects);
  g_autofree char *text = compose_text (w, p->french ? french_lines[k] : english_lines[k], p->french, p->name, NULL);
  g_autofree char *id = NULL;
  Draft d = {
    .from_name = p->name,
    .from_address = p->address,
    .to_name = w->user_name,
    .to_address = w->address,
    .subject = p->french ? french_subjects[k] : english_subjects[k],
    .text = text,
    .french = p->french,
    .attachment = k == 1 ? &attachments[0] : k == 4 ? &attachments[2] : NULL,
    .date = date,
    .folder = "INBOX",
  };

  id = write_message (w, &d, error);
  return id != NULL;
}

/**
 * courriel_demo_mailbox_fill:
 * @address: the bench user who receives the mailbox, e.g. "alice@example.test"
 * @n_messages: how many messages to write, at least
 * @stats: (out) (optional): what was written
 *
 * Fills the user's INBOX and Sent folders, spread over the last four months.
 */
gboolean
courriel_demo_mailbox_fill (CourrielTestBench        *bench,
                            const char               *address,
                            guint                     n_messages,
                            CourrielDemoMailboxStats *stats,
                            GError                  **error)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261122);
  Writer w = {
    .bench = bench,
    .address = address,
    .user_name = "Alice Durand",
    .rand = rand,
    .now = g_get_real_time () / G_USEC_PER_SEC,
  };
  const gint64 span = 120 * DAY;
  guint round = 0;

  g_mime_init ();

  while (w.stats.total < n_messages)
    {
      for (guint i = 0; i < G_N_ELEMENTS (conversations) && w.stats.total < n_messages; i++)
        {
          const Conversation *c = &conversations[i];
          const Person *peer;

          do
            peer = &people[g_rand_int_range (rand, 0, G_N_ELEMENTS (people))];
          while (peer->french != c->french);
          if (!write_conversation (&w, c, peer, w.now - g_rand_int_range (rand, 2 * 60 * 60, span), error))
            return FALSE;
        }
      for (guint i = 0; i < G_N_ELEMENTS (notices) && w.stats.total < n_messages; i++)
        if (!write_notice (&w, &notices[i], round, w.now - g_rand_int_range (rand, 60 * 60, span), error))
          return FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (people) * 2 && w.stats.total < n_messages; i++)
        if (!write_note (&w, &people[i % G_N_ELEMENTS (people)], i + round, w.now - g_rand_int_range (rand, 60, span),
                         error))
          return FALSE;
      round++;
    }

  if (stats != NULL)
    *stats = w.stats;
  return TRUE;
}
