/*
 * cli_change.h - the audit record of a change a subcommand is about to
 * make: who makes it, and the record checked before anything changes so
 * that no change goes unrecorded for a field the record cannot hold.
 * cli_audit_record() (cli.h) writes it once the change is made.
 */
#ifndef CLI_CHANGE_H
#define CLI_CHANGE_H

#include "so_audit.h"

struct cli_change {
    char host[256];
    struct so_audit_event ev; /* ev.host points at HOST; the rest borrowed */
};

/*
 * Who makes a change: BY when given and not empty, else $SUDO_USER, else
 * $USER. Borrowed (from BY or the environment); NULL when none is set.
 */
const char *cli_change_by(const char *by);

/*
 * Fills C with EV (its strings borrowed: they must outlive C) and this
 * machine's host name, and checks the record. Returns CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after printing "PROG COMMAND: FIELD[i] is too long ..."
 * or "... must be UTF-8 ..." with FIELD naming each field for the user;
 * then nothing may change.
 */
int cli_change_init(struct cli_change *c, const char *command,
                    const struct so_audit_event *ev,
                    const char *const field[SO_AUDIT_NFIELDS]);

#endif
