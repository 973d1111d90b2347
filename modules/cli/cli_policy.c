/*
 * cli_policy.c - read a policy file: "name = value" lines.
 *
 * Names are those of so_options() (the Prosody option without its
 * "omemo_policy_" prefix). '#' starts a comment outside quotes; blank
 * lines are skipped. A value is either bare text up to the end of the line
 * or a comment (lists: words separated by commas and/or spaces), or one
 * double-quoted string in which \" and \\ stand for " and \. Each option
 * may appear once. A UTF-8 byte order mark before the first line is
 * skipped. Values are checked by so_policy_set(), so a file means
 * exactly what the same setting means in the Prosody config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "so_confline.h"

#define PROSODY_PREFIX "omemo_policy_"

struct policy_line {
    char *name;
    char *value;
};

/* This file's wording of what so_confline_split() refused. */
static const char *fault_text(enum so_confline_fault fault)
{
    switch (fault) {
    case SO_CONFLINE_NO_NAME:
        return "expected 'name = value'";
    case SO_CONFLINE_NO_EQUALS:
        return "expected '=' after the option name";
    case SO_CONFLINE_OPEN_QUOTE:
        return "missing closing quote";
    case SO_CONFLINE_BAD_ESCAPE:
        return "unknown escape in quoted value (only \\\" and \\\\)";
    case SO_CONFLINE_AFTER_QUOTE:
        return "text after the closing quote";
    case SO_CONFLINE_QUOTE_IN_BARE:
        return "a quote inside an unquoted value; quote the whole value";
    }
    return "bad line";
}

/* Checks NAME and applies VALUE; on failure writes the reason to ERRBUF. */
static int apply(struct so_policy *policy, const struct policy_line *pl,
                 unsigned long *seen, unsigned long lineno, char *errbuf,
                 size_t errlen)
{
    const struct so_option *opt = so_option_find(pl->name);
    size_t idx;

    if (opt == NULL) {
        const char *bare = pl->name + strlen(PROSODY_PREFIX);

        if (strncmp(pl->name, PROSODY_PREFIX, strlen(PROSODY_PREFIX)) == 0 &&
            so_option_find(bare) != NULL)
            snprintf(errbuf, errlen,
                     "unknown option '%s' (a policy file says '%s')", pl->name,
                     bare);
        else
            snprintf(errbuf, errlen,
                     "unknown option '%s' (see 'smartoffice options')",
                     pl->name);
        return -1;
    }
    idx = (size_t)(opt - so_options());
    if (seen[idx] != 0) {
        snprintf(errbuf, errlen, "option '%s' already set on line %lu",
                 pl->name, seen[idx]);
        return -1;
    }
    seen[idx] = lineno;
    if (so_policy_set(policy, pl->name, pl->value, errbuf, errlen) != SO_OK)
        return -1;
    return 0;
}

static size_t option_count(void)
{
    const struct so_option *o = so_options();
    size_t n = 0;

    while (o[n].name != NULL)
        n++;
    return n;
}

int cli_policy_read(struct so_policy *policy, const char *path, char *errbuf,
                    size_t errlen)
{
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned long *seen = NULL;
    unsigned long lineno = 0;
    char why[256];
    ssize_t len;
    int rc = -1;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    seen = calloc(option_count() + 1, sizeof(*seen));
    if (seen == NULL) {
        snprintf(errbuf, errlen, "%s: out of memory", path);
        goto out_close;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        size_t n = (size_t)len;
        struct policy_line pl;
        char *text;
        enum so_confline_fault fault;
        enum so_confline_kind kind;

        lineno++;
        if (so_confline_trim(line, &n) != 0) {
            snprintf(errbuf, errlen, "%s:%lu: NUL byte in line", path, lineno);
            goto out_free;
        }
        text = lineno == 1 ? so_confline_skip_bom(line) : line;
        kind = so_confline_split(text, "-.", &pl.name, &pl.value, &fault);
        if (kind == SO_CONFLINE_BAD) {
            snprintf(errbuf, errlen, "%s:%lu: %s", path, lineno,
                     fault_text(fault));
            goto out_free;
        }
        if (kind == SO_CONFLINE_SKIP)
            continue;
        if (apply(policy, &pl, seen, lineno, why, sizeof(why)) != 0) {
            snprintf(errbuf, errlen, "%s:%lu: %s", path, lineno, why);
            goto out_free;
        }
    }
    if (ferror(f)) {
        snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out_free;
    }
    rc = 0;
out_free:
    free(line);
    free(seen);
out_close:
    fclose(f);
out:
    return rc;
}
