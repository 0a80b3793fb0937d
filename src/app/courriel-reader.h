/* courriel-reader.h — the message reader pane: headers, sender verification, body, attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <gmime/gmime.h>

#include "courriel-store.h"

G_BEGIN_DECLS

/* How the reader makes and drives its HTML view (CourrielHtmlView, unless set otherwise): a table
 * of functions, so that tests can put a view of their own. */
typedef struct
{
  GtkWidget *(*create) (void);
  void       (*load)   (GtkWidget    *view,
                        const char   *html,
                        GMimeMessage *message,
                        gboolean      allow_remote);
  void       (*clear)  (GtkWidget    *view);
} CourrielReaderHtmlView;

#define COURRIEL_TYPE_READER (courriel_reader_get_type ())
G_DECLARE_FINAL_TYPE (CourrielReader, courriel_reader, COURRIEL, READER, AdwBin)

void       courriel_reader_set_html_view_factory  (const CourrielReaderHtmlView *factory);

GtkWidget *courriel_reader_new                    (void);
void       courriel_reader_show_message           (CourrielReader       *self,
                                                   CourrielStore        *store,
                                                   gint64                message_id);
void       courriel_reader_clear                  (CourrielReader       *self);
gint64     courriel_reader_get_message_id         (CourrielReader       *self);

void       courriel_reader_body_arrived           (CourrielReader       *self,
                                                   gint64                message_id);
void       courriel_reader_body_failed            (CourrielReader       *self,
                                                   gint64                message_id,
                                                   const GError         *error);

void       courriel_reader_activate_link          (CourrielReader       *self,
                                                   const char           *uri,
                                                   const char           *visible_text);

void       courriel_reader_save_attachment_async  (CourrielReader       *self,
                                                   guint                 index,
                                                   GFile                *file,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean   courriel_reader_save_attachment_finish (CourrielReader       *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
