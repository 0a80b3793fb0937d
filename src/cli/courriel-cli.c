/* courriel-cli.c — the Courriel engine from a terminal, for scripts, tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "courriel-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "courriel-cli-commands.h"
#include "courriel-engine.h"

/* Exit statuses scripts can rely on. */
enum
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,   /* the command ran and failed; the reason is on stderr */
  EXIT_USAGE = 2,    /* the command line itself was wrong */
};

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char  *name;
  const char  *summary; /* translatable */
  CommandFunc  run;
} Command;

static int command_help (int argc, char **argv);

static int
command_version (int argc, char **argv)
{
  g_autofree char *versions = courriel_engine_describe_versions ();

  if (courriel_cli_json)
    {
      g_auto (GStrv) lines = g_strsplit (versions, "\n", -1);

      g_print ("{\"name\": \"%s\", \"version\": \"%s\", \"libraries\": [", PACKAGE_NAME, PACKAGE_VERSION);
      for (guint i = 0, n = 0; lines[i] != NULL; i++)
        if (*g_strstrip (lines[i]) != '\0')
          {
            g_autofree char *line = courriel_cli_json_string (lines[i]);
            g_print ("%s%s", n++ > 0 ? ", " : "", line);
          }
      g_print ("]}\n");
      return EXIT_OK;
    }
  g_print ("%s %s\n%s", PACKAGE_NAME, PACKAGE_VERSION, versions);
  return EXIT_OK;
}

static int
command_data_dir (int argc, char **argv)
{
  if (courriel_cli_json)
    {
      g_autofree char *dir = courriel_cli_json_string (courriel_engine_get_data_dir ());
      g_print ("{\"data_dir\": %s}\n", dir);
    }
  else
    g_print ("%s\n", courriel_engine_get_data_dir ());
  return EXIT_OK;
}

static const Command commands[] = {
  { "account", N_("Add (after checking the login), list or remove accounts"), courriel_cli_account },
  { "autoconfig", N_("Find an address’s mail servers, and with --verify log in to them"), courriel_cli_autoconfig },
  { "sync", N_("Bring an account’s folders and message headers into the store"), courriel_cli_sync },
  { "folders", N_("List an account’s folders"), courriel_cli_folders },
  { "list", N_("List a folder’s messages, newest first"), courriel_cli_list },
  { "show", N_("Show a message (downloading it if needed)"), courriel_cli_show },
  { "search", N_("Search the messages of every account"), courriel_cli_search },
  { "mark", N_("Mark messages read, unread, starred or not"), courriel_cli_mark },
  { "move", N_("Move messages to another folder"), courriel_cli_move },
  { "delete", N_("Move messages to the Trash, or delete them from it"), courriel_cli_delete },
  { "send", N_("Send a message (its text on standard input)"), courriel_cli_send },
  { "draft", N_("Save a draft (its text on standard input)"), courriel_cli_draft },
  { "outbox", N_("List the messages waiting to be sent, or send them"), courriel_cli_outbox },
  { "data-dir", N_("Print the folder where Courriel keeps its mail and settings"), command_data_dir },
  { "version", N_("Print the versions of Courriel and of the libraries it uses"), command_version },
  { "help", N_("Show this help"), command_help },
};

static char *
describe_commands (void)
{
  GString *out = g_string_new (_("Commands:"));

  g_string_append_c (out, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));

  return g_string_free (out, FALSE);
}

static int
command_help (int argc, char **argv)
{
  g_autofree char *text = describe_commands ();

  if (courriel_cli_json)
    {
      g_print ("{\"commands\": [");
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          g_autofree char *summary = courriel_cli_json_string (_(commands[i].summary));
          g_print ("%s{\"name\": \"%s\", \"summary\": %s}", i > 0 ? ", " : "", commands[i].name, summary);
        }
      g_print ("]}\n");
      return EXIT_OK;
    }
  g_print (_("Usage: courriel-cli [--data-dir=FOLDER] [--json] COMMAND [ARGUMENTS…]\n\n%s"), text);
  return EXIT_OK;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *description = NULL;
  gboolean show_version = FALSE;
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Use FOLDER for mail and settings instead of the usual one"), N_("FOLDER") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, N_("Same as the version command"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  courriel_engine_init ();
  /* Standard output is for results, which scripts read: every log message goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* --json is accepted anywhere, before or after the command. */
  for (int i = 1, j = 1; i <= argc; i++)
    {
      if (i < argc && g_strcmp0 (argv[i], "--json") == 0)
        {
          courriel_cli_json = TRUE;
          continue;
        }
      argv[j++] = argv[i];
      if (i == argc)
        argc = j - 1;
    }

  context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);
  description = describe_commands ();
  g_option_context_set_description (context, description);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (data_dir != NULL && !courriel_engine_set_data_dir (data_dir, &error))
    {
      g_printerr ("courriel-cli: %s\n", error->message);
      return EXIT_ERROR;
    }

  if (show_version)
    return command_version (0, NULL);

  if (argc < 2)
    {
      command_help (0, NULL);
      return EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("courriel-cli: unknown command “%s”. Run “courriel-cli help” to see the commands.\n"), argv[1]);
  return EXIT_USAGE;
}
