/*
 * cli.h - the smartoffice admin command: subcommands and shared helpers.
 *
 * One file per subcommand; cli_main.c only dispatches. Every subcommand
 * returns one of the exit statuses below, which are part of the CLI's
 * documented interface (scripts and CI rely on them).
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "so_options.h"

#ifndef CLI_VERSION
#define CLI_VERSION "0.1.0"
#endif

enum cli_exit {
    CLI_EXIT_OK = 0,     /* the command did what was asked */
    CLI_EXIT_INPUT = 1,  /* an input file could not be read or parsed, or
                            the object to add exists / to remove is gone */
    CLI_EXIT_USAGE = 2,  /* bad arguments or a bad policy file */
    CLI_EXIT_REJECT = 3, /* check --fail-on-reject: something was refused */
    CLI_EXIT_DB = 4,     /* the database was unreachable, not UTF8, or
                            refused a statement */
};

/* The program name used in messages ("smartoffice"). Static. */
extern const char *cli_progname;

int cli_check_main(int argc, char **argv);
int cli_options_main(int argc, char **argv);
int cli_audit_main(int argc, char **argv);

struct so_audit_event;
/*
 * Writes one audit record for a change this command made, to the database
 * CONNINFO (NULL: $SMARTOFFICE_DB), spilling to $SMARTOFFICE_AUDIT_SPILL
 * when PostgreSQL fails. EV's time is now when its at_us is 0. Returns
 * CLI_EXIT_OK (written or spilled) or CLI_EXIT_DB after saying why.
 */
int cli_audit_record(const char *conninfo, struct so_audit_event *ev);
int cli_db_main(int argc, char **argv);
int cli_zone_main(int argc, char **argv);
int cli_directory_main(int argc, char **argv);
int cli_rollout_main(int argc, char **argv);

struct st_db;

/*
 * Opens the database CONNINFO (NULL: $SMARTOFFICE_DB, else libpq's
 * defaults) into *DB, to free with st_db_free(). Returns CLI_EXIT_OK, or
 * CLI_EXIT_DB after printing why.
 */
int cli_db_connect(const char *conninfo, struct st_db **db);

/* Value of option NAME at ARGV[*I], as "--name value" or "--name=value"
 * (then *I moves past the value); NULL when ARGV[*I] is not that option.
 * Sets *MISSING when it is but has no value. Borrowed from ARGV. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name,
                             bool *missing);

/*
 * Reads the policy file PATH into POLICY, setting each option it names.
 * Returns 0, or -1 with a one-line message in ERRBUF of the form
 * "PATH:LINE: reason" (or "PATH: reason" when the file cannot be read).
 * On failure POLICY may hold the options of the lines before the bad one.
 */
int cli_policy_read(struct so_policy *policy, const char *path, char *errbuf,
                    size_t errlen);

#endif
