/*
 * cli_main.c - smartoffice: dispatch to a subcommand, --help, --version.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *cli_progname = "smartoffice";

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
    {"check", cli_check_main, "classify stanza files as the server would"},
    {"options", cli_options_main, "list the policy options and defaults"},
    {"db", cli_db_main, "install the database schema, show its version"},
    {"zone", cli_zone_main, "add, remove and list approved federation zones"},
    {"audit", cli_audit_main, "verify, export and expire the audit trail"},
    {"directory", cli_directory_main, "import cities, units and employees"},
    {"rollout", cli_rollout_main,
     "open, pause and provision cities; status and report"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    const struct cli_command *c;

    fprintf(out, "usage: %s COMMAND [ARGS]...\n", cli_progname);
    fprintf(out, "       %s --help | --version\n\n", cli_progname);
    fprintf(out, "Smart Office administration.\n\ncommands:\n");
    for (c = commands; c->name != NULL; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nRun '%s COMMAND --help' for a command's options.\n",
            cli_progname);
}

static const struct cli_command *command_find(const char *name)
{
    const struct cli_command *c;

    for (c = commands; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const struct cli_command *c;

    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", cli_progname, CLI_VERSION);
        return CLI_EXIT_OK;
    }
    c = command_find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "%s: unknown command '%s'; try '%s --help'\n",
                cli_progname, argv[1], cli_progname);
        return CLI_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}

const char *cli_option_value(int argc, char **argv, int *i, const char *name,
                             bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}
