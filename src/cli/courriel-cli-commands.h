/* courriel-cli-commands.h — the commands of courriel-cli that live in files of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "courriel-account.h"
#include "courriel-imap-client.h"
#include "courriel-pop3-client.h"
#include "courriel-store.h"

G_BEGIN_DECLS

/* argv[0] is "account"; returns the exit status (0, 1 failure, 2 usage). */
int courriel_cli_account (int argc, char **argv);
/* argv[0] is "sync", "folders" or "list". */
int courriel_cli_sync    (int argc, char **argv);
int courriel_cli_folders (int argc, char **argv);
int courriel_cli_list    (int argc, char **argv);
/* argv[0] is "show", "search", "mark", "move" or "delete". */
int courriel_cli_show    (int argc, char **argv);
int courriel_cli_search  (int argc, char **argv);
int courriel_cli_mark    (int argc, char **argv);
int courriel_cli_move    (int argc, char **argv);
int courriel_cli_delete  (int argc, char **argv);
/* argv[0] is "send", "draft" or "outbox". */
int courriel_cli_send    (int argc, char **argv);
int courriel_cli_draft   (int argc, char **argv);
int courriel_cli_outbox  (int argc, char **argv);
/* argv[0] is "autoconfig". */
int courriel_cli_autoconfig (int argc, char **argv);

/* --json was given. */
extern gboolean courriel_cli_json;

/* Shared by the commands: running async calls to completion, the store, accounts. */
void             courriel_cli_got_result   (GObject       *source,
                                            GAsyncResult  *result,
                                            gpointer       user_data);
GAsyncResult    *courriel_cli_wait         (GAsyncResult **slot);
CourrielStore   *courriel_cli_open_store   (GError       **error);
CourrielAccount *courriel_cli_find_account (CourrielStore *store,
                                            const char    *which,
                                            GError       **error);
CourrielImapClient *courriel_cli_log_in    (CourrielAccount *account,
                                            const char      *password,
                                            GError         **error);

char               *courriel_cli_lookup_password (CourrielAccount *account,
                                                  GError         **error);
CourrielImapClient *courriel_cli_connect   (CourrielAccount *account,
                                            GError         **error);
CourrielPop3Client *courriel_cli_log_in_pop3 (CourrielAccount *account,
                                              const char      *password,
                                              GError         **error);
char               *courriel_cli_json_string (const char   *text);
/* For --password-stdin: the first line of standard input. */
char               *courriel_cli_read_password (void);
/* Tells the accounts' IMAP servers their queued changes; FALSE when some are still waiting. */
gboolean            courriel_cli_send_changes (CourrielStore *store,
                                               GArray        *account_ids);
int                 courriel_cli_print_rows  (CourrielStore      *store,
                                              const char * const *args);
GArray             *courriel_cli_parse_message_ids (int      argc,
                                                    char   **argv,
                                                    GError **error);

G_END_DECLS
