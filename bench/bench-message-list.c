/* bench-message-list.c — the message list of a 100,000-message folder under Xvfb: time to the first rows, frames while scrolling, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes a store file with one folder of N messages (varied senders, subjects, dates over six
 * years, previews, flags, attachments, 40% replies), directly in one transaction, then opens it
 * in a real GtkWindow holding the real CourrielMessageListView, as the window will:
 *
 *  - open: from courriel_message_list_new() + set_model() to the first frame painted whose
 *    visible rows are all loaded (frame clock "after-paint"), ROUNDS times;
 *  - scroll: the list's adjustment moved PAGES_PER_SECOND pages a second by a tick callback for
 *    SCROLL_SECONDS seconds: frames painted, frames dropped (more than 1.5 refresh intervals
 *    after the previous one), frames that showed a row still loading;
 *  - jump: the scrollbar dragged to JUMPS random places: time until the rows there are painted
 *    loaded;
 *  - the same folder opened threaded (conversations of the 100,000);
 *  - peak RSS of the process (VmHWM), the store's writing included.
 *
 * Run it under build-aux/test-session (Xvfb); it prints a table and exits 0 whatever the figures.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/resource.h>

#include "bench-common.h"
#include "courriel-message-list-row.h"
#include "courriel-message-list-view.h"

#define ROUNDS           10
#define SCROLL_SECONDS   10.0
#define PAGES_PER_SECOND 4.0
#define JUMPS            20
#define TARGET_MS        150.0

static const char *first_names[] = { "Élodie", "Bob", "Chloé", "Dmitri", "Emma", "François", "Grace", "Hiroshi",
                                     "Inès", "Jürgen", "Karim", "Léa", "Mateo", "Nadia", "Olivier", "Priya",
                                     "Quentin", "Rosa", "Søren", "Tomás" };
static const char *last_names[] = { "Martin", "Dupont", "Smith", "Nguyen", "García", "Müller", "Rossi", "Kowalski",
                                    "Yamamoto", "Okafor", "Lefèvre", "Andersson" };
static const char *domains[] = { "example.test", "mail.example.org", "université.example", "corp.example.net" };
static const char *topics[] = { "Réunion de lundi", "Facture n° %u", "Your order #%u has shipped",
                                "Weekly report — week %u", "Vacances d'été", "Re: budget %u", "Invitation: dîner",
                                "[courriel-dev] Patch %u/7: store paging", "Security alert for your account",
                                "Photos from the trip", "Contrat à signer", "Lunch?", "Newsletter n°%u",
                                "Quarterly planning", "Question about the release %u" };
static const char *words[] = { "bonjour", "merci", "the", "meeting", "tomorrow", "facture", "ci-joint", "please",
                               "review", "document", "projet", "semaine", "prochaine", "attached", "numbers",
                               "déjà", "envoyé", "question", "réponse", "schedule", "coffee", "later", "été" };

typedef struct
{
  guint count;
} Fill;

static gboolean
fill_folder (sqlite3 *db, gpointer data, GError **error)
{
  Fill *fill = data;
  GRand *rand = g_rand_new_with_seed (42);
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 span = 6 * 365 * 24 * 3600;
  int rc = sqlite3_exec (db,
                         "INSERT INTO accounts (id, address, incoming_protocol, incoming_host, incoming_port, "
                         "incoming_security, incoming_username, created) VALUES (1, 'alice@example.test', 'imap', "
                         "'imap.example.test', 993, 'tls', 'alice', 0);"
                         "INSERT INTO folders (id, account_id, name, raw_name, role) VALUES (1, 1, 'INBOX', 'INBOX', "
                         "'inbox');",
                         NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO messages (folder_id, uid, flags, date, received, size, message_id, "
                             "in_reply_to, refs, subject, sender, recipients_to, preview, has_attachments) "
                             "VALUES (1, ?1, ?2, ?3, ?3, ?4, ?5, ?6, ?6, ?7, ?8, 'alice@example.test', ?9, ?10)",
                             -1, &stmt, NULL);
  for (guint i = 1; rc == SQLITE_OK && i <= fill->count; i++)
    {
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
      const char *domain = domains[g_rand_int_range (rand, 0, G_N_ELEMENTS (domains))];
      g_autofree char *sender = NULL;
      g_autofree char *subject = NULL;
      g_autofree char *message_id = g_strdup_printf ("<%u.bench@example.test>", i);
      g_autofree char *parent = NULL;
      g_autoptr (GString) preview = g_string_new (NULL);
      gboolean reply = i > 10 && g_rand_int_range (rand, 0, 100) < 40;
      guint flags = (g_rand_int_range (rand, 0, 100) < 97 ? 1 : 0) | (g_rand_int_range (rand, 0, 100) < 3 ? 4 : 0);
      /* Dates rise with the UID, with some disorder, over six years up to now. */
      gint64 date = now - span + (gint64)((double)i / fill->count * span) - g_rand_int_range (rand, 0, 7200);

      sender = g_rand_int_range (rand, 0, 10) == 0
                 ? g_strdup_printf ("%s.%s@%s", first, last, domain)
                 : g_strdup_printf ("%s %s <%s.%s@%s>", first, last, first, last, domain);
      {
        GString *text = g_string_new (topics[g_rand_int_range (rand, 0, G_N_ELEMENTS (topics))]);
        g_autofree char *number = g_strdup_printf ("%d", g_rand_int_range (rand, 1, 5000));

        g_string_replace (text, "%u", number, 0);
        subject = g_string_free (text, FALSE);
      }
      if (reply)
        {
          g_autofree char *base = g_steal_pointer (&subject);

          parent = g_strdup_printf ("<%u.bench@example.test>", (guint)g_rand_int_range (rand, MAX (1, (int)i - 200), i));
          subject = g_strdup_printf ("Re: %s", base);
        }
      while (preview->len < 140)
        g_string_append_printf (preview, "%s ", words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, i);
      sqlite3_bind_int (stmt, 2, flags);
      sqlite3_bind_int64 (stmt, 3, date);
      sqlite3_bind_int64 (stmt, 4, g_rand_int_range (rand, 2000, 100000));
      sqlite3_bind_text (stmt, 5, message_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, parent, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, subject, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 8, sender, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 9, preview->str, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 10, g_rand_int_range (rand, 0, 100) < 20);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (db);
    }
  sqlite3_finalize (stmt);
  g_rand_free (rand);
  return courriel_store_set_error_from_db (db, rc, error);
}

/* Widgets ------------------------------------------------------------------------------------------ */

static void
collect (GtkWidget *widget, GType type, GPtrArray *into)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (into, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    collect (child, type, into);
}

/* How many rows are on screen, and how many of them still wait for their page. */
static void
count_rows (GtkWidget *view, guint *shown, guint *loading)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  *shown = *loading = 0;
  collect (view, COURRIEL_TYPE_MESSAGE_LIST_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      CourrielMessageSummary *summary = courriel_message_list_row_get_summary (rows->pdata[i]);

      if (summary == NULL || !gtk_widget_get_mapped (rows->pdata[i]))
        continue;
      (*shown)++;
      *loading += !courriel_message_summary_get_loaded (summary);
    }
}

typedef struct
{
  GtkWidget     *view;
  GtkAdjustment *adjustment;

  /* open and jump: the first frame with every visible row loaded */
  gint64         start;
  gint64         ready;      /* µs after start, 0 until then */
  gint64         listed;     /* µs after start when the model knew its ids */
  guint          min_rows;

  /* scrolling */
  gboolean       scrolling;
  gint64         scroll_start;
  gint64         last_paint;
  GArray        *intervals;  /* gint64 µs between consecutive paints */
  guint          frames_with_loading_rows;
  guint          frames;
} Probe;

static void
after_paint (GdkFrameClock *clock, Probe *probe)
{
  gint64 now = g_get_monotonic_time ();
  guint shown, loading;

  count_rows (probe->view, &shown, &loading);
  if (probe->ready == 0 && probe->start != 0 && shown >= probe->min_rows && loading == 0)
    probe->ready = now - probe->start;
  if (probe->scrolling)
    {
      if (probe->last_paint != 0)
        {
          gint64 interval = now - probe->last_paint;
          g_array_append_val (probe->intervals, interval);
        }
      probe->last_paint = now;
      probe->frames++;
      probe->frames_with_loading_rows += loading > 0;
    }
}

static gboolean
scroll_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  Probe *probe = data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double elapsed, value, page = gtk_adjustment_get_page_size (probe->adjustment);

  if (probe->scroll_start == 0)
    probe->scroll_start = now;
  elapsed = (now - probe->scroll_start) / (double)G_USEC_PER_SEC;
  if (elapsed >= SCROLL_SECONDS)
    {
      probe->scrolling = FALSE;
      return G_SOURCE_REMOVE;
    }
  value = MIN (elapsed * PAGES_PER_SECOND * page, gtk_adjustment_get_upper (probe->adjustment) - page);
  gtk_adjustment_set_value (probe->adjustment, value);
  return G_SOURCE_CONTINUE;
}

static void
wait_ready (Probe *probe, double timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)(timeout * G_USEC_PER_SEC);

  while (probe->ready == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static void
settle (double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64)(seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static double
max_of (double *values, guint n)
{
  double best = 0;

  for (guint i = 0; i < n; i++)
    best = MAX (best, values[i]);
  return best;
}

static glong
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || (line = strstr (status, field)) == NULL)
    return -1;
  return strtol (line + strlen (field) + 1, NULL, 10);
}

/* Opens the folder (threaded or not) in the view; returns the ms to the first loaded rows. */
static void
listed (CourrielMessageList *list, GParamSpec *pspec, Probe *probe)
{
  if (!courriel_message_list_get_loading (list) && probe->listed == 0)
    probe->listed = g_get_monotonic_time () - probe->start;
}

static double listed_ms[ROUNDS + 2];
static guint n_listed;
static double cpu_ms[ROUNDS + 2];
static guint n_cpu;

/* CPU time of the whole process (every thread), in ms: less at the mercy of the machine's
 * other work than the wall clock. */
static double
process_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static double
open_folder (Probe *probe, CourrielStore *store, gboolean threaded, CourrielMessageList **out)
{
  CourrielMessageList *list;
  double cpu;

  courriel_message_list_view_set_model (COURRIEL_MESSAGE_LIST_VIEW (probe->view), NULL);
  settle (0.3);
  probe->ready = 0;
  probe->min_rows = 5;
  probe->start = g_get_monotonic_time ();
  probe->listed = 0;
  cpu = process_cpu_ms ();
  list = courriel_message_list_new (store, 1);
  g_signal_connect (list, "notify::loading", G_CALLBACK (listed), probe);
  courriel_message_list_set_threaded (list, threaded);
  courriel_message_list_view_set_model (COURRIEL_MESSAGE_LIST_VIEW (probe->view), list);
  wait_ready (probe, 30);
  if (n_cpu < G_N_ELEMENTS (cpu_ms))
    cpu_ms[n_cpu++] = process_cpu_ms () - cpu;
  while (courriel_message_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  if (n_listed < G_N_ELEMENTS (listed_ms))
    listed_ms[n_listed++] = probe->listed / 1000.0;
  if (out != NULL)
    *out = g_object_ref (list);
  g_object_unref (list);
  return probe->ready / 1000.0;
}

int
main (int argc, char **argv)
{
  guint count = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-message-list-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr (CourrielStore) store = NULL;
  g_autoptr (CourrielMessageList) list = NULL;
  g_autoptr (GString) lines = g_string_new (NULL);
  Table table = { g_string_new (NULL) };
  Fill fill = { count };
  Probe probe = { 0 };
  GtkWindow *window;
  GdkFrameClock *clock;
  GtkScrolledWindow *scrolled;
  double opens[ROUNDS], jumps[JUMPS], threaded_ms, write_seconds;
  gint64 refresh_interval = 0;
  guint dropped = 0;
  glong rss_before, rss_after;
  GRand *rand = g_rand_new_with_seed (7);

  bench_begin ();
  if (dir == NULL)
    g_error ("%s", error->message);
  if (!gtk_init_check ())
    {
      printf ("bench-message-list needs a display: run it under build-aux/test-session\n");
      return 0;
    }
  adw_init ();

  /* The folder. */
  path = g_build_filename (dir, "courriel.db", NULL);
  store = courriel_store_open (path, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  {
    g_autoptr (GAsyncResult) result = NULL;
    gint64 start = g_get_monotonic_time ();

    courriel_store_write_async (store, fill_folder, &fill, NULL, NULL, got_result, &result);
    if (!courriel_store_write_finish (store, wait_for (&result), &error))
      g_error ("%s", error->message);
    write_seconds = seconds_since (start);
    progress ("%u messages written in %.1f s", count, write_seconds);
  }
  rss_before = status_kib ("VmRSS:");

  /* The window, as the list pane of the main window would be. */
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 480, 800);
  probe.view = courriel_message_list_view_new ();
  gtk_window_set_child (window, probe.view);
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (probe.view))
    g_main_context_iteration (NULL, TRUE);
  settle (0.5);
  clock = gtk_widget_get_frame_clock (probe.view);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &probe);
  probe.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Open. */
  for (guint i = 0; i < ROUNDS; i++)
    {
      opens[i] = open_folder (&probe, store, FALSE, NULL);
      progress ("open %u: first rows in %.1f ms (CPU %.1f ms), whole list known in %.1f ms", i + 1, opens[i],
                cpu_ms[n_cpu - 1], probe.listed / 1000.0);
    }
  if (g_getenv ("BENCH_OPEN_ONLY") != NULL)
    return 0;
  open_folder (&probe, store, FALSE, &list);
  settle (0.5);

  /* Scroll. */
  {
    g_autoptr (GPtrArray) found = g_ptr_array_new ();

    collect (probe.view, GTK_TYPE_SCROLLED_WINDOW, found);
    scrolled = found->pdata[0];
  }
  probe.adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  gdk_frame_clock_get_refresh_info (clock, g_get_monotonic_time (), &refresh_interval, NULL);
  if (refresh_interval <= 0)
    refresh_interval = G_USEC_PER_SEC / 60;
  probe.start = 0;
  probe.scrolling = TRUE;
  gtk_widget_add_tick_callback (probe.view, scroll_tick, &probe, NULL);
  while (probe.scrolling)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < probe.intervals->len; i++)
    dropped += g_array_index (probe.intervals, gint64, i) > refresh_interval * 3 / 2;
  progress ("scrolled %.0f px in %.0f s: %u frames, %u dropped", gtk_adjustment_get_value (probe.adjustment),
            SCROLL_SECONDS, probe.frames, dropped);

  /* Jump. */
  for (guint i = 0; i < JUMPS; i++)
    {
      double upper = gtk_adjustment_get_upper (probe.adjustment) - gtk_adjustment_get_page_size (probe.adjustment);

      settle (0.1);
      probe.ready = 0;
      probe.start = g_get_monotonic_time ();
      gtk_adjustment_set_value (probe.adjustment, g_rand_double_range (rand, 0, upper));
      wait_ready (&probe, 10);
      jumps[i] = probe.ready / 1000.0;
    }

  /* Conversations. */
  threaded_ms = open_folder (&probe, store, TRUE, NULL);
  progress ("threaded: first rows in %.1f ms (CPU %.1f ms)", threaded_ms, cpu_ms[n_cpu - 1]);
  rss_after = status_kib ("VmRSS:");

  {
    double open_median = median (opens, ROUNDS);
    double open_max = max_of (opens, ROUNDS);
    double jump_median, jump_max = max_of (jumps, JUMPS);
    g_autofree char *renderer = g_strdup (G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));

    jump_median = median (jumps, JUMPS);
    g_string_append_printf (lines, "- folder: %u messages in one SQLite file (%s), written in %.1f s (not in the figures)\n",
                            count, path, write_seconds);
    g_string_append_printf (lines, "- window 480×800 under Xvfb, renderer %s, refresh interval %.1f ms; rows 3 lines\n",
                            renderer, refresh_interval / 1000.0);
    g_string_append_printf (lines, "- Courriel at %s\n", g_getenv ("COURRIEL_COMMIT") ? g_getenv ("COURRIEL_COMMIT") : "(set COURRIEL_COMMIT)");
    table_row (&table, "open the folder: new model + set_model → first rows painted loaded (median of %d) | %.1f ms | — | ≤ %.0f ms | %s",
               ROUNDS, open_median, TARGET_MS, yes_no (TRUE, open_median <= TARGET_MS));
    table_row (&table, "open the folder, slowest of %d | %.1f ms | — | ≤ %.0f ms | %s", ROUNDS, open_max, TARGET_MS,
               yes_no (TRUE, open_max <= TARGET_MS));
    table_row (&table, "open the folder: CPU time of the process (all threads) until then (median of %d) | %.1f ms | — | — | —",
               ROUNDS, median (cpu_ms, ROUNDS));
    table_row (&table, "open the folder → its whole id list known (median of %d) | %.1f ms | — | — | —", ROUNDS,
               median (listed_ms, ROUNDS));
    table_row (&table, "scroll %.0f pages/s for %.0f s: frames painted | %u (%.1f/s) | %.0f/s refresh | — | —",
               PAGES_PER_SECOND, SCROLL_SECONDS, probe.frames, probe.frames / SCROLL_SECONDS,
               G_USEC_PER_SEC / (double)refresh_interval);
    table_row (&table, "scroll: frames dropped (> 1.5 refresh intervals after the previous) | %u (%.1f%%) | — | — | —",
               dropped, probe.intervals->len > 0 ? 100.0 * dropped / probe.intervals->len : 0.0);
    table_row (&table, "scroll: frames that showed a row still loading | %u | — | — | —", probe.frames_with_loading_rows);
    table_row (&table, "jump to a random place (scrollbar) → rows painted loaded, median of %d | %.1f ms | — | — | —",
               JUMPS, jump_median);
    table_row (&table, "jump, slowest | %.1f ms | — | — | —", jump_max);
    table_row (&table, "open threaded (JWZ over all %u) → first rows | %.1f ms | — | — | —", count, threaded_ms);
    table_row (&table, "RSS before opening → after everything | %.1f → %.1f MiB | — | — | —", rss_before / 1024.0,
               rss_after / 1024.0);
    table_row (&table, "peak RSS (VmHWM, the writing of the folder included) | %.1f MiB | — | — | —",
               status_kib ("VmHWM:") / 1024.0);
    print_report ("## bench-message-list", lines->str, &table, "reference");
  }

  gtk_window_destroy (window);
  g_clear_object (&list);
  courriel_store_close (store);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
        g_remove (file);
      }
    g_rmdir (dir);
  }
  g_array_unref (probe.intervals);
  g_string_free (table.rows, TRUE);
  g_rand_free (rand);
  return 0;
}
