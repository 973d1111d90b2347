/*
 * cli_change.c - who makes a change, and its audit record checked first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_change.h"

const char *cli_change_by(const char *by)
{
    if (by == NULL || by[0] == '\0')
        by = getenv("SUDO_USER");
    if (by == NULL || by[0] == '\0')
        by = getenv("USER");
    return by != NULL && by[0] != '\0' ? by : NULL;
}

int cli_change_init(struct cli_change *c, const char *command,
                    const struct so_audit_event *ev,
                    const char *const field[SO_AUDIT_NFIELDS])
{
    enum so_err err;
    int i = 0;

    memset(c, 0, sizeof(*c));
    if (gethostname(c->host, sizeof(c->host)) != 0)
        strcpy(c->host, "localhost");
    c->host[sizeof(c->host) - 1] = '\0';
    c->ev = *ev;
    c->ev.host = c->host;
    err = so_audit_event_check(&c->ev, &i);
    if (err == SO_OK)
        return CLI_EXIT_OK;
    if (err == SO_ELIMIT)
        fprintf(stderr,
                "%s %s: %s is too long (at most %zu bytes) for the audit "
                "record; nothing changed\n",
                cli_progname, command, field[i], so_audit_field_max(i));
    else
        fprintf(stderr,
                "%s %s: %s must be UTF-8 without control characters; "
                "nothing changed\n",
                cli_progname, command, field[i]);
    return CLI_EXIT_USAGE;
}
