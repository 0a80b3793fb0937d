/* courriel-imap-client.h — an IMAP4rev1 session: command queue, capabilities, typed commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-connection.h"
#include "courriel-imap-fetch.h"
#include "courriel-imap-mailbox.h"
#include "courriel-imap-parser.h"
#include "courriel-imap-search.h"
#include "courriel-imap-uid-set.h"

G_BEGIN_DECLS

#define COURRIEL_TYPE_IMAP_CLIENT (courriel_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (CourrielImapClient, courriel_imap_client, COURRIEL, IMAP_CLIENT, GObject)

typedef enum
{
  COURRIEL_IMAP_STORE_ADD,     /* +FLAGS */
  COURRIEL_IMAP_STORE_REMOVE,  /* -FLAGS */
  COURRIEL_IMAP_STORE_REPLACE, /* FLAGS */
} CourrielImapStoreMode;

/* What SELECT/EXAMINE reported about the mailbox. */
typedef struct
{
  char               *mailbox;
  gboolean            read_only;
  guint32             exists;
  guint32             recent;
  guint32             uidvalidity;
  guint32             uidnext;
  guint64             highestmodseq;   /* 0 when the server has no CONDSTORE or NOMODSEQ */
  GStrv               flags;
  GStrv               permanent_flags;
  CourrielImapUidSet *vanished;        /* QRESYNC: UIDs expunged since the given modseq, or NULL */
  GPtrArray          *changed;         /* QRESYNC: CourrielImapFetch of messages changed since the given modseq */
} CourrielImapSelection;

void courriel_imap_selection_free (CourrielImapSelection *selection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapSelection, courriel_imap_selection_free)

/* QRESYNC parameters of SELECT (RFC 7162): what the cache knew. */
typedef struct
{
  guint32             uidvalidity;
  guint64             modseq;
  CourrielImapUidSet *known_uids; /* nullable */
} CourrielImapQresync;

/* APPENDUID / COPYUID response codes (RFC 4315). */
typedef struct
{
  guint32             uidvalidity;
  CourrielImapUidSet *source_uids; /* COPYUID only */
  CourrielImapUidSet *uids;        /* the new UIDs in the destination */
} CourrielImapCopyResult;

void courriel_imap_copy_result_free (CourrielImapCopyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CourrielImapCopyResult, courriel_imap_copy_result_free)

typedef struct
{
  char    *prefix;
  gunichar delimiter;
} CourrielImapNamespace;

/* Called for each FETCH response of a UID FETCH as it arrives, before the command completes. */
typedef void (*CourrielImapFetchFunc) (CourrielImapFetch *fetch, gpointer user_data);

CourrielImapClient *courriel_imap_client_new                 (CourrielConnection     *connection);
CourrielConnection *courriel_imap_client_get_connection      (CourrielImapClient     *self);
gboolean            courriel_imap_client_has_capability      (CourrielImapClient     *self,
                                                              const char             *capability);
GStrv               courriel_imap_client_dup_capabilities    (CourrielImapClient     *self);
gboolean            courriel_imap_client_is_authenticated    (CourrielImapClient     *self);
gboolean            courriel_imap_client_is_enabled          (CourrielImapClient     *self,
                                                              const char             *extension);
const char         *courriel_imap_client_get_selected        (CourrielImapClient     *self);
void                courriel_imap_client_set_idle_keepalive  (CourrielImapClient     *self,
                                                              guint                   seconds);
void                courriel_imap_client_set_literal_sink    (CourrielImapClient     *self,
                                                              gsize                   max_in_memory,
                                                              CourrielImapLiteralSink sink,
                                                              gpointer                user_data,
                                                              GDestroyNotify          destroy);

/* Connects, reads the greeting, and with STARTTLS security upgrades before anything else. */
void     courriel_imap_client_connect_async       (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_connect_finish      (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void     courriel_imap_client_capability_async    (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GStrv    courriel_imap_client_capability_finish   (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void     courriel_imap_client_login_async         (CourrielImapClient  *self,
                                                   const char          *username,
                                                   const char          *password,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_login_finish        (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* mechanism: NULL chooses the best the server offers (see courriel_sasl_choose()). */
void     courriel_imap_client_authenticate_async  (CourrielImapClient  *self,
                                                   const char          *mechanism,
                                                   const char          *username,
                                                   const char          *secret,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_authenticate_finish (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* client_id: name → value (nullable); returns the server's (may be empty). */
void        courriel_imap_client_id_async         (CourrielImapClient  *self,
                                                   GHashTable          *client_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GHashTable *courriel_imap_client_id_finish        (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Returns the extensions the server enabled (a subset of those asked for). */
void     courriel_imap_client_enable_async        (CourrielImapClient  *self,
                                                   const char * const  *extensions,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GStrv    courriel_imap_client_enable_finish       (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Returns the personal namespaces (CourrielImapNamespace*), first is the main one. */
void       courriel_imap_client_namespace_async   (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray *courriel_imap_client_namespace_finish  (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* LIST with RETURN (SPECIAL-USE [STATUS (...)]) where the server supports them.
 * status_items: e.g. "MESSAGES UNSEEN UIDNEXT UIDVALIDITY", or NULL. Returns CourrielImapMailbox*. */
void       courriel_imap_client_list_async        (CourrielImapClient  *self,
                                                   const char          *reference,
                                                   const char          *pattern,
                                                   const char          *status_items,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray *courriel_imap_client_list_finish       (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

typedef enum
{
  COURRIEL_IMAP_MAILBOX_CREATE,
  COURRIEL_IMAP_MAILBOX_DELETE,
  COURRIEL_IMAP_MAILBOX_SUBSCRIBE,
  COURRIEL_IMAP_MAILBOX_UNSUBSCRIBE,
} CourrielImapMailboxOperation;

void     courriel_imap_client_mailbox_async       (CourrielImapClient           *self,
                                                   CourrielImapMailboxOperation  operation,
                                                   const char                   *mailbox,
                                                   GCancellable                 *cancellable,
                                                   GAsyncReadyCallback           callback,
                                                   gpointer                      user_data);
gboolean courriel_imap_client_mailbox_finish      (CourrielImapClient           *self,
                                                   GAsyncResult                 *result,
                                                   GError                      **error);

void     courriel_imap_client_rename_async        (CourrielImapClient  *self,
                                                   const char          *mailbox,
                                                   const char          *new_name,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_rename_finish       (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* SELECT, or EXAMINE when read_only. qresync: nullable; with QRESYNC enabled, resynchronises. */
void                   courriel_imap_client_select_async  (CourrielImapClient        *self,
                                                           const char                *mailbox,
                                                           gboolean                   read_only,
                                                           const CourrielImapQresync *qresync,
                                                           GCancellable              *cancellable,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
CourrielImapSelection *courriel_imap_client_select_finish (CourrielImapClient        *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);

/* items: e.g. "MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ" */
void                    courriel_imap_client_status_async  (CourrielImapClient  *self,
                                                            const char          *mailbox,
                                                            const char          *items,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
CourrielImapStatusData *courriel_imap_client_status_finish (CourrielImapClient  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* UID FETCH uids (items) [(CHANGEDSINCE m [VANISHED])]; items as in RFC 3501, e.g.
 * "(UID FLAGS ENVELOPE BODY.PEEK[HEADER.FIELDS (REFERENCES)])" or "(BINARY.PEEK[1]<0.1024>)".
 * each: nullable, called for every FETCH as it arrives. Returns the CourrielImapFetch* in order. */
void       courriel_imap_client_uid_fetch_async   (CourrielImapClient    *self,
                                                   CourrielImapUidSet    *uids,
                                                   const char            *items,
                                                   guint64                changed_since,
                                                   CourrielImapFetchFunc  each,
                                                   gpointer               each_data,
                                                   GCancellable          *cancellable,
                                                   GAsyncReadyCallback    callback,
                                                   gpointer               user_data);
GPtrArray *courriel_imap_client_uid_fetch_finish  (CourrielImapClient    *self,
                                                   GAsyncResult          *result,
                                                   GError               **error);

/* UID STORE, silent. unchanged_since: 0 for none. Returns the UIDs NOT changed because they
 * were modified since (the MODIFIED response code), or an empty set. */
void                courriel_imap_client_uid_store_async  (CourrielImapClient     *self,
                                                           CourrielImapUidSet     *uids,
                                                           CourrielImapStoreMode   mode,
                                                           const char * const     *flags,
                                                           guint64                 unchanged_since,
                                                           GCancellable           *cancellable,
                                                           GAsyncReadyCallback     callback,
                                                           gpointer                user_data);
CourrielImapUidSet *courriel_imap_client_uid_store_finish (CourrielImapClient     *self,
                                                           GAsyncResult           *result,
                                                           GError                **error);

/* UID COPY and UID MOVE (falling back to COPY, STORE \Deleted and UID EXPUNGE without MOVE). */
void                    courriel_imap_client_uid_copy_async  (CourrielImapClient  *self,
                                                              CourrielImapUidSet  *uids,
                                                              const char          *destination,
                                                              gboolean             move,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
CourrielImapCopyResult *courriel_imap_client_uid_copy_finish (CourrielImapClient  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* UID EXPUNGE (UIDPLUS); with uids NULL, a plain EXPUNGE of every \Deleted message. */
void     courriel_imap_client_expunge_async       (CourrielImapClient  *self,
                                                   CourrielImapUidSet  *uids,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_expunge_finish      (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* APPEND with flags and internal date (both nullable). Returns APPENDUID when the server gives it. */
void                    courriel_imap_client_append_async  (CourrielImapClient  *self,
                                                            const char          *mailbox,
                                                            GBytes              *message,
                                                            const char * const  *flags,
                                                            GDateTime           *date,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
CourrielImapCopyResult *courriel_imap_client_append_finish (CourrielImapClient  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* UID SEARCH criteria (RFC 3501 syntax, ASCII); uses ESEARCH when offered. */
void                courriel_imap_client_uid_search_async  (CourrielImapClient  *self,
                                                            const char          *criteria,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
CourrielImapUidSet *courriel_imap_client_uid_search_finish (CourrielImapClient  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* IDLE until courriel_imap_client_idle_stop() or the cancellable; the server's news arrives as
 * signals meanwhile. Re-issued every keep-alive period (default 25 minutes). */
void     courriel_imap_client_idle_async          (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_idle_finish         (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void     courriel_imap_client_idle_stop           (CourrielImapClient  *self);

void     courriel_imap_client_noop_async          (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_noop_finish         (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void     courriel_imap_client_logout_async        (CourrielImapClient  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean courriel_imap_client_logout_finish       (CourrielImapClient  *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
