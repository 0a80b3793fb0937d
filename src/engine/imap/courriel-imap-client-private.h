/* courriel-imap-client-private.h — what the IMAP client's files share: commands and their builder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "courriel-imap-client.h"
#include "courriel-imap-error.h"
#include "courriel-imap-parser.h"

G_BEGIN_DECLS

typedef enum
{
  KIND_QUIET,
  KIND_DATA,
  KIND_BARRIER,
} CommandKind;

typedef struct _Command Command;

typedef gboolean (*UntaggedFunc) (CourrielImapClient *self, Command *command, CourrielImapResponse *response);
typedef void (*ContinuationFunc) (CourrielImapClient *self, Command *command, CourrielImapResponse *response);
typedef void (*DoneFunc) (CourrielImapClient *self, Command *command, CourrielImapResponse *response);

typedef struct
{
  GBytes  *bytes;
  gboolean wait_continuation; /* a synchronising literal follows: wait for "+" before sending */
} Segment;

struct _Command
{
  char            *tag;
  CommandKind      kind;
  GQueue           segments; /* Segment*, not yet sent */
  GTask           *task;
  UntaggedFunc     on_untagged;
  ContinuationFunc on_continuation; /* NULL: a continuation releases the next literal */
  DoneFunc         on_done;
  gpointer         data;
  GDestroyNotify   data_free;
};

/* Builds a command's bytes: text, with strings quoted or sent as literals as needed. */
typedef struct
{
  CourrielImapClient *client;
  Command            *command;
  GString            *text;
} Builder;

void     courriel_imap_builder_init            (Builder              *b,
                                                CourrielImapClient   *self,
                                                CommandKind           kind,
                                                GTask                *task);
void     courriel_imap_builder_add             (Builder              *b,
                                                const char           *text);
void     courriel_imap_builder_add_string      (Builder              *b,
                                                const char           *value);
void     courriel_imap_builder_add_mailbox     (Builder              *b,
                                                const char           *mailbox);
void     courriel_imap_builder_add_literal     (Builder              *b,
                                                const guint8         *data,
                                                gsize                 length);
Command *courriel_imap_builder_end             (Builder              *b);

void     courriel_imap_client_queue_command    (CourrielImapClient   *self,
                                                Command              *command);
GTask   *courriel_imap_client_new_task         (CourrielImapClient   *self,
                                                gpointer              source_tag,
                                                const char           *what,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean courriel_imap_client_finish_boolean   (CourrielImapClient   *self,
                                                GAsyncResult         *result,
                                                gpointer              source_tag,
                                                GError              **error);
gpointer courriel_imap_client_finish_pointer   (CourrielImapClient   *self,
                                                GAsyncResult         *result,
                                                gpointer              source_tag,
                                                GError              **error);
void     courriel_imap_client_done_ok          (CourrielImapClient   *self,
                                                Command              *command,
                                                CourrielImapResponse *response);
void     courriel_imap_client_set_selected     (CourrielImapClient   *self,
                                                const char           *mailbox);
void     courriel_imap_set_error_from_response (CourrielImapResponse *response,
                                                const char           *what,
                                                GError              **error);

G_END_DECLS
