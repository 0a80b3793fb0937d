/* courriel-address-book.h — addresses seen in the store, for completing recipients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-store.h"

G_BEGIN_DECLS

typedef struct
{
  char  *name;     /* nullable: the display name seen most recently */
  char  *address;
  guint  count;    /* messages it was seen in */
  gint64 last;     /* Unix time of the newest of them */
} CourrielAddressEntry;

void   courriel_address_entry_free     (CourrielAddressEntry *entry);
char  *courriel_address_entry_format   (const CourrielAddressEntry *entry);

#define COURRIEL_TYPE_ADDRESS_BOOK (courriel_address_book_get_type ())
G_DECLARE_FINAL_TYPE (CourrielAddressBook, courriel_address_book, COURRIEL, ADDRESS_BOOK, GObject)

CourrielAddressBook *courriel_address_book_new          (CourrielStore        *store);
/* Reads the senders and recipients of every stored message on a worker thread. */
void                 courriel_address_book_load_async   (CourrielAddressBook  *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean             courriel_address_book_load_finish  (CourrielAddressBook  *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
gboolean             courriel_address_book_is_loaded    (CourrielAddressBook  *self);
/* At most @limit entries (borrowed: valid until the next load) whose name or address has a
 * word starting with @prefix, ignoring case and accents; most used first, then most recent. */
GPtrArray           *courriel_address_book_complete     (CourrielAddressBook  *self,
                                                         const char           *prefix,
                                                         guint                 limit);

G_END_DECLS
