/* courriel-message-list-row.c — one row of the message list: sender, subject, date, preview, marks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are recycled by the GtkListView: a row shows whichever summary it is given and follows
 * its notifications (the page arriving, flags changing).
 *
 * One widget that draws its texts itself, with a height known from the font alone. GTK 4.8's
 * GtkListView makes, binds and measures 200 rows as soon as a folder opens, whatever is on
 * screen: with a template of eleven widgets per row that was 0.7 s of the 0.9 s to the first
 * rows (bench/bench-message-list), and with eight label and image widgets in code still 0.5 s,
 * as every label shapes its text to be measured. Here measuring costs nothing, and text is
 * shaped only when a row is drawn. What the row shows is also its accessible label, and
 * courriel_message_list_row_describe() for tests.
 */
#define G_LOG_DOMAIN "courriel-app"

#include "config.h"
#include "courriel-message-list-row.h"

#include <glib/gi18n.h>

#include "courriel-date-format.h"

#define PAD_TOP    6
#define PAD_BOTTOM 6
#define PAD_START  6
#define PAD_END    12
#define DOT_SIZE   8
#define DOT_SPACE  16   /* the dot's column, before the texts */
#define ICON_SIZE  16
#define SPACING    6
#define LINE_GAP   2

struct _CourrielMessageListRow
{
  GtkWidget               parent_instance;

  CourrielMessageSummary *summary;
  gulong                  notify_id;

  /* what is shown */
  char                   *sender;
  char                   *subject;
  char                   *preview;
  char                   *date;
  guint                   thread_size;
  guint                   unread : 1;
  guint                   starred : 1;
  guint                   attachment : 1;

  /* line heights, for the font they were measured with */
  PangoFontDescription   *measured_font;
  int                     line;
  int                     small_line;
};

G_DEFINE_FINAL_TYPE (CourrielMessageListRow, courriel_message_list_row, GTK_TYPE_WIDGET)

static void
set_text (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

/* The same as what is drawn, for screen readers: "Unread, Élodie Martin, Réunion, 09:05, Starred". */
static void
update_accessible (CourrielMessageListRow *self)
{
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *label = NULL;

  if (self->unread)
    g_ptr_array_add (pieces, g_strdup (_("Unread")));
  g_ptr_array_add (pieces, g_strdup (self->sender));
  g_ptr_array_add (pieces, g_strdup (self->subject));
  g_ptr_array_add (pieces, g_strdup (self->date));
  if (self->starred)
    g_ptr_array_add (pieces, g_strdup (_("Starred")));
  if (self->attachment)
    g_ptr_array_add (pieces, g_strdup (_("Has attachments")));
  if (self->thread_size > 1)
    g_ptr_array_add (pieces, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u message", "%'u messages",
                                                           self->thread_size),
                                              self->thread_size));
  g_ptr_array_add (pieces, NULL);
  label = g_strjoinv (", ", (char **)pieces->pdata);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->preview, -1);
}

static void
update_texts (CourrielMessageListRow *self)
{
  CourrielMessageSummary *summary = self->summary;
  gboolean loaded = summary != NULL && courriel_message_summary_get_loaded (summary);
  const char *name = loaded ? courriel_message_summary_get_sender_name (summary) : "";
  const char *subject = loaded ? courriel_message_summary_get_subject (summary) : "";

  if (*name == '\0' && loaded)
    name = courriel_message_summary_get_sender_address (summary);
  if (*subject == '\0' && loaded)
    subject = _("(No subject)");
  set_text (&self->sender, name);
  set_text (&self->subject, subject);
  set_text (&self->preview, loaded ? courriel_message_summary_get_preview (summary) : "");
}

static void
update_date (CourrielMessageListRow *self)
{
  g_autofree char *date = NULL;

  if (self->summary != NULL && courriel_message_summary_get_loaded (self->summary))
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      date = courriel_date_format_relative (courriel_message_summary_get_date (self->summary), now);
    }
  set_text (&self->date, date != NULL ? date : "");
}

static void
update_marks (CourrielMessageListRow *self)
{
  CourrielMessageSummary *summary = self->summary;
  gboolean loaded = summary != NULL && courriel_message_summary_get_loaded (summary);

  self->unread = loaded && courriel_message_summary_get_unread (summary);
  self->starred = loaded && courriel_message_summary_get_starred (summary);
  self->attachment = loaded && courriel_message_summary_get_has_attachments (summary);
  self->thread_size = summary != NULL ? courriel_message_summary_get_thread_size (summary) : 1;
  if (self->unread)
    gtk_widget_add_css_class (GTK_WIDGET (self), "unread");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unread");
}

static void
update (CourrielMessageListRow *self)
{
  update_texts (self);
  update_date (self);
  update_marks (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A page arriving notifies every property at once, "loaded" among them, after all the values
 * were set: "loaded" updates everything, the others only what they concern. */
static void
summary_notified (CourrielMessageListRow *self, GParamSpec *pspec)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "loaded"))
    {
      update (self);
      return;
    }
  if (g_str_equal (name, "date"))
    update_date (self);
  else if (g_str_equal (name, "subject") || g_str_equal (name, "preview") || g_str_has_prefix (name, "sender-"))
    update_texts (self);
  else if (g_str_equal (name, "unread") || g_str_equal (name, "starred") || g_str_equal (name, "has-attachments")
           || g_str_equal (name, "thread-size"))
    update_marks (self);
  else
    return;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Shows @summary (NULL: nothing), following its changes. */
void
courriel_message_list_row_set_summary (CourrielMessageListRow *self, CourrielMessageSummary *summary)
{
  g_return_if_fail (COURRIEL_IS_MESSAGE_LIST_ROW (self));

  if (self->summary == summary)
    return;
  if (self->summary != NULL)
    g_clear_signal_handler (&self->notify_id, self->summary);
  g_set_object (&self->summary, summary);
  if (summary != NULL)
    self->notify_id = g_signal_connect_swapped (summary, "notify", G_CALLBACK (summary_notified), self);
  update (self);
}

CourrielMessageSummary *
courriel_message_list_row_get_summary (CourrielMessageListRow *self)
{
  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_ROW (self), NULL);
  return self->summary;
}

/**
 * courriel_message_list_row_describe:
 *
 * What the row draws, in drawing order, "|" after each piece: the sender, the conversation's
 * size, "[attachment]", "[starred]", the date, the subject, the preview; the marks and the size
 * only when shown.
 */
char *
courriel_message_list_row_describe (CourrielMessageListRow *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (COURRIEL_IS_MESSAGE_LIST_ROW (self), NULL);

  g_string_append_printf (out, "%s|", self->sender);
  if (self->thread_size > 1)
    g_string_append_printf (out, "%u|", self->thread_size);
  if (self->attachment)
    g_string_append (out, "[attachment]|");
  if (self->starred)
    g_string_append (out, "[starred]|");
  g_string_append_printf (out, "%s|%s|%s|", self->date, self->subject, self->preview);
  return g_string_free (out, FALSE);
}

/* Drawing ------------------------------------------------------------------------------------------ */

/* The heights of a line of text, normal and small, from the font's metrics: no text shaped.
 * Kept until the font changes. */
static void
measure_lines (CourrielMessageListRow *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *font = pango_context_get_font_description (context);
  PangoFontMetrics *metrics;
  int height;

  if (self->measured_font != NULL && font != NULL && pango_font_description_equal (font, self->measured_font))
    return;
  g_clear_pointer (&self->measured_font, pango_font_description_free);
  self->measured_font = font != NULL ? pango_font_description_copy (font) : NULL;
  metrics = pango_context_get_metrics (context, NULL, NULL);
  height = pango_font_metrics_get_height (metrics);
  pango_font_metrics_unref (metrics);
  self->line = (int)ceil ((double)height / PANGO_SCALE);
  self->small_line = (int)ceil (height * PANGO_SCALE_SMALL / PANGO_SCALE);
}

static void
courriel_message_list_row_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                                   int *natural, int *minimum_baseline, int *natural_baseline)
{
  CourrielMessageListRow *self = COURRIEL_MESSAGE_LIST_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = PAD_START + DOT_SPACE + 120 + PAD_END;
      *natural = PAD_START + DOT_SPACE + 320 + PAD_END;
      return;
    }
  measure_lines (self);
  *minimum = *natural = PAD_TOP + 2 * self->line + self->small_line + 2 * LINE_GAP + PAD_BOTTOM;
}

static PangoLayout *
new_layout (GtkWidget *widget, const char *text, int width, gboolean bold, gboolean small)
{
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attributes = pango_attr_list_new ();

  if (bold)
    pango_attr_list_insert (attributes, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (small)
    pango_attr_list_insert (attributes, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attributes);
  pango_attr_list_unref (attributes);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (width > 0)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      /* Right to left, every text starts at the right of its box, whatever its own script. */
      if (rtl)
        {
          pango_layout_set_auto_dir (layout, FALSE);
          pango_layout_set_alignment (layout, PANGO_ALIGN_RIGHT);
        }
    }
  return layout;
}

static void
draw_layout (GtkSnapshot *snapshot, PangoLayout *layout, int x, int y, const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_icon (GtkWidget *widget, GtkSnapshot *snapshot, const char *icon_name, int x, int y, const GdkRGBA *color)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));
  g_autoptr (GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, icon_name, NULL, ICON_SIZE,
                                                                   gtk_widget_get_scale_factor (widget),
                                                                   gtk_widget_get_direction (widget), 0);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, ICON_SIZE, ICON_SIZE, color, 1);
  gtk_snapshot_restore (snapshot);
}

/* @x of a box @w wide, laid out left to right, where it goes in the widget's direction. */
static int
mirror (GtkWidget *widget, int x, int w)
{
  if (gtk_widget_get_direction (widget) != GTK_TEXT_DIR_RTL)
    return x;
  return gtk_widget_get_width (widget) - x - w;
}

/* Laid out left to right (x from the left); mirror() turns every box for right-to-left. */
static void
courriel_message_list_row_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  CourrielMessageListRow *self = COURRIEL_MESSAGE_LIST_ROW (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int line;
  int x = PAD_START + DOT_SPACE;
  int right = width - PAD_END;
  int text_width = MAX (right - x, 1);
  GdkRGBA color, dim, accent;
  g_autoptr (PangoLayout) date = NULL;
  g_autoptr (PangoLayout) sender = NULL;
  g_autoptr (PangoLayout) subject = NULL;
  g_autoptr (PangoLayout) preview = NULL;
  int date_width, date_height;

  measure_lines (self);
  line = self->line;
  gtk_style_context_get_color (style, &color);
  dim = color;
  dim.alpha *= 0.55f;
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    accent = (GdkRGBA){ 0.21f, 0.52f, 0.89f, 1.0f };

  if (self->unread)
    {
      GskRoundedRect dot;

      gsk_rounded_rect_init_from_rect (&dot,
                                       &GRAPHENE_RECT_INIT (mirror (widget, PAD_START + (DOT_SPACE - DOT_SIZE) / 2, DOT_SIZE),
                                                            PAD_TOP + (line - DOT_SIZE) / 2.0f, DOT_SIZE, DOT_SIZE),
                                       DOT_SIZE / 2.0f);
      gtk_snapshot_push_rounded_clip (snapshot, &dot);
      gtk_snapshot_append_color (snapshot, &accent, &dot.bounds);
      gtk_snapshot_pop (snapshot);
    }

  /* Line 1, from the right: date, star, attachment, conversation size; the sender takes the rest. */
  date = new_layout (widget, self->date, -1, FALSE, TRUE);
  pango_layout_get_pixel_size (date, &date_width, &date_height);
  draw_layout (snapshot, date, mirror (widget, right - date_width, date_width), PAD_TOP + (line - date_height) / 2,
               &dim);
  right -= date_width + (date_width > 0 ? SPACING : 0);
  if (self->starred)
    {
      right -= ICON_SIZE;
      draw_icon (widget, snapshot, "starred-symbolic", mirror (widget, right, ICON_SIZE), PAD_TOP + (line - ICON_SIZE) / 2,
                 &accent);
      right -= SPACING;
    }
  if (self->attachment)
    {
      right -= ICON_SIZE;
      draw_icon (widget, snapshot, "mail-attachment-symbolic", mirror (widget, right, ICON_SIZE),
                 PAD_TOP + (line - ICON_SIZE) / 2, &dim);
      right -= SPACING;
    }
  if (self->thread_size > 1)
    {
      g_autofree char *count = courriel_format_count (self->thread_size);
      g_autoptr (PangoLayout) layout = NULL;
      int count_width, count_height;

      layout = new_layout (widget, count, -1, FALSE, FALSE);
      pango_layout_get_pixel_size (layout, &count_width, &count_height);
      right -= count_width;
      draw_layout (snapshot, layout, mirror (widget, right, count_width), PAD_TOP, &dim);
      right -= SPACING;
    }
  sender = new_layout (widget, self->sender, MAX (right - x, 1), self->unread, FALSE);
  draw_layout (snapshot, sender, mirror (widget, x, MAX (right - x, 1)), PAD_TOP, &color);

  /* Lines 2 and 3. */
  subject = new_layout (widget, self->subject, text_width, self->unread, FALSE);
  draw_layout (snapshot, subject, mirror (widget, x, text_width), PAD_TOP + line + LINE_GAP, &color);
  preview = new_layout (widget, self->preview, text_width, FALSE, TRUE);
  draw_layout (snapshot, preview, mirror (widget, x, text_width), PAD_TOP + 2 * (line + LINE_GAP), &dim);
}

static void
courriel_message_list_row_direction_changed (GtkWidget *widget, GtkTextDirection previous)
{
  gtk_widget_queue_draw (widget);
}

/* GObject ----------------------------------------------------------------------------------------- */

static void
courriel_message_list_row_dispose (GObject *object)
{
  courriel_message_list_row_set_summary (COURRIEL_MESSAGE_LIST_ROW (object), NULL);

  G_OBJECT_CLASS (courriel_message_list_row_parent_class)->dispose (object);
}

static void
courriel_message_list_row_finalize (GObject *object)
{
  CourrielMessageListRow *self = COURRIEL_MESSAGE_LIST_ROW (object);

  g_free (self->sender);
  g_free (self->subject);
  g_free (self->preview);
  g_free (self->date);
  g_clear_pointer (&self->measured_font, pango_font_description_free);

  G_OBJECT_CLASS (courriel_message_list_row_parent_class)->finalize (object);
}

static void
courriel_message_list_row_class_init (CourrielMessageListRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = courriel_message_list_row_dispose;
  object_class->finalize = courriel_message_list_row_finalize;
  widget_class->measure = courriel_message_list_row_measure;
  widget_class->snapshot = courriel_message_list_row_snapshot;
  widget_class->direction_changed = courriel_message_list_row_direction_changed;

  gtk_widget_class_set_css_name (widget_class, "messagelistrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
courriel_message_list_row_init (CourrielMessageListRow *self)
{
  self->sender = g_strdup ("");
  self->subject = g_strdup ("");
  self->preview = g_strdup ("");
  self->date = g_strdup ("");
  self->thread_size = 1;
}

GtkWidget *
courriel_message_list_row_new (void)
{
  return g_object_new (COURRIEL_TYPE_MESSAGE_LIST_ROW, NULL);
}
