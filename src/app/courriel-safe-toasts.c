/* courriel-safe-toasts.c — toasts with an action button that libadwaita 1.2 can take away safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libadwaita 1.2 (Debian 12 has 1.2.2) crashes in two ways when a toast goes early:
 *
 * - It frees a toast's state when its hide animation (300 ms) ends, while a show animation still
 *   running (500 ms when it replaces another toast) goes on using it: a toast dismissed in its first
 *   200 ms on screen can crash the application.
 * - A toast's own button (button-label) dismisses it from its "clicked" at once, whatever its
 *   animation.
 *
 * So a toast that offers an action (Undo) carries a plain button of ours in its custom title, which
 * only runs the action; and a toast the application takes away is dismissed from a timeout: at once
 * while it still waits its turn in the overlay's queue (it has no animation yet), and once on screen
 * only after it has been there longer than any show animation. One of these per toast overlay.
 */
#include "config.h"

#include "courriel-safe-toasts.h"


/* How long a toast of libadwaita 1.2 slides in at most (REPLACE_DURATION, after another toast),
 * and a little more. */
#define SHOW_MS 600
#define TICK_MS 100

struct _CourrielSafeToasts
{
  GObject          parent_instance;

  AdwToastOverlay *overlay;   /* weak */
  GPtrArray       *leaving;   /* AdwToast*, to dismiss once it is safe */
  GArray          *ticks;     /* guint per toast of leaving: ticks seen on screen */
  guint            source;
};

G_DEFINE_FINAL_TYPE (CourrielSafeToasts, courriel_safe_toasts, G_TYPE_OBJECT)

/* Whether @toast is on screen: the overlay has a widget showing it (a toast waiting its turn has
 * none yet). The widget is libadwaita's private AdwToastWidget, read through its "toast" property;
 * without it every toast counts as waiting, and is dismissed at once. */
static gboolean
on_screen (CourrielSafeToasts *self, AdwToast *toast)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->overlay)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autoptr (AdwToast) shown = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "toast") == NULL)
        continue;
      g_object_get (child, "toast", &shown, NULL);
      if (shown == toast)
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_tick (gpointer data)
{
  CourrielSafeToasts *self = data;

  for (guint i = 0; i < self->leaving->len;)
    {
      AdwToast *toast = self->leaving->pdata[i];
      guint *seen = &g_array_index (self->ticks, guint, i);

      if (self->overlay != NULL && on_screen (self, toast) && ++*seen * TICK_MS < SHOW_MS)
        {
          i++;
          continue;
        }
      /* Waiting its turn, on screen long enough, or gone already: dismissing is safe (and a toast
       * dismissed twice is told once). */
      adw_toast_dismiss (toast);
      g_ptr_array_remove_index (self->leaving, i);
      g_array_remove_index (self->ticks, i);
    }
  if (self->leaving->len > 0)
    return G_SOURCE_CONTINUE;
  self->source = 0;
  return G_SOURCE_REMOVE;
}

/**
 * courriel_safe_toasts_dismiss:
 * @toast: a toast added to the overlay
 *
 * Takes @toast away as soon as libadwaita can do it without crashing: never from the caller's own
 * stack (a button's "clicked" may be on it), within about 600 ms.
 */
void
courriel_safe_toasts_dismiss (CourrielSafeToasts *self, AdwToast *toast)
{
  guint none = 0;

  g_return_if_fail (COURRIEL_IS_SAFE_TOASTS (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  if (g_ptr_array_find (self->leaving, toast, NULL))
    return;
  g_ptr_array_add (self->leaving, g_object_ref (toast));
  g_array_append_val (self->ticks, none);
  if (self->source == 0)
    self->source = g_timeout_add (TICK_MS, on_tick, self);
}

/**
 * courriel_safe_toasts_new_toast:
 * @text: what happened
 * @button_label: the button's label, with a mnemonic ("_Undo")
 * @action_name: the action the button runs, such as "win.undo"
 *
 * Returns: (transfer full): a toast whose button runs @action_name and does nothing else: taking
 * the toast away is the action's business, through courriel_safe_toasts_dismiss().
 */
AdwToast *
courriel_safe_toasts_new_toast (const char *text, const char *button_label, const char *action_name)
{
  AdwToast *toast = adw_toast_new (text);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *button = gtk_button_new_with_mnemonic (button_label);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_focus_on_click (button, FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), button);
  adw_toast_set_custom_title (toast, box);
  return toast;
}

/* Closing: what is still leaving goes with the overlay. */
static void
courriel_safe_toasts_dispose (GObject *object)
{
  CourrielSafeToasts *self = COURRIEL_SAFE_TOASTS (object);

  g_clear_handle_id (&self->source, g_source_remove);
  g_ptr_array_set_size (self->leaving, 0);
  g_array_set_size (self->ticks, 0);
  g_clear_weak_pointer (&self->overlay);
  G_OBJECT_CLASS (courriel_safe_toasts_parent_class)->dispose (object);
}

static void
courriel_safe_toasts_finalize (GObject *object)
{
  CourrielSafeToasts *self = COURRIEL_SAFE_TOASTS (object);

  g_ptr_array_unref (self->leaving);
  g_array_unref (self->ticks);
  G_OBJECT_CLASS (courriel_safe_toasts_parent_class)->finalize (object);
}

static void
courriel_safe_toasts_class_init (CourrielSafeToastsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = courriel_safe_toasts_dispose;
  object_class->finalize = courriel_safe_toasts_finalize;
}

static void
courriel_safe_toasts_init (CourrielSafeToasts *self)
{
  self->leaving = g_ptr_array_new_with_free_func (g_object_unref);
  self->ticks = g_array_new (FALSE, TRUE, sizeof (guint));
}

CourrielSafeToasts *
courriel_safe_toasts_new (AdwToastOverlay *overlay)
{
  CourrielSafeToasts *self;

  g_return_val_if_fail (ADW_IS_TOAST_OVERLAY (overlay), NULL);

  self = g_object_new (COURRIEL_TYPE_SAFE_TOASTS, NULL);
  g_set_weak_pointer (&self->overlay, overlay);
  return self;
}
