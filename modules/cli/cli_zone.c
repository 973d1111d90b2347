/*
 * cli_zone.c - smartoffice zone: the approved federation zones.
 *
 * Patterns are normalised before they reach the database, so that every
 * spelling of a name (case, a trailing dot, Unicode or punycode) names the
 * same row.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_change.h"
#include "so_audit.h"
#include "so_domain.h"
#include "st_zones.h"

struct zone_args {
    const char *sub;
    const char *pattern;
    const char *reason;
    const char *by;
    const char *conninfo;
    const char *fingerprints[ST_ZONES_PINS_MAX]; /* of pin */
    size_t nfingerprints;
    const char *extra; /* a fingerprint too many */
};

/* A fingerprint as stored: 64 lower-case hex digits. */
#define PIN_HEX 64

static void zone_usage(FILE *out)
{
    fprintf(out,
            "usage: %s zone add PATTERN --reason TEXT [--by WHO] [--db "
            "CONNINFO]\n"
            "       %s zone remove PATTERN [--by WHO] [--db CONNINFO]\n"
            "       %s zone pin PATTERN FINGERPRINT... [--by WHO] [--db "
            "CONNINFO]\n"
            "       %s zone unpin PATTERN [--by WHO] [--db CONNINFO]\n"
            "       %s zone list [--db CONNINFO]\n\n"
            "Federation is allowed only with the approved zones. PATTERN "
            "is a domain,\n"
            "meaning exactly that domain, or '*.' and a domain, meaning "
            "every\n"
            "subdomain of it. list prints pattern, reason, who added it "
            "and when\n(UTC), separated by tabs.\n\n"
            "pin sets the zone's certificate pins: SHA-256 fingerprints of "
            "the peers'\n"
            "DER certificates in hex (colons and spaces are ignored; several "
            "for a\n"
            "rollover, at most %d). A peer in the zone must then show one of "
            "them.\n"
            "unpin removes them all: any valid certificate will do.\n\n"
            "options:\n"
            "  --reason TEXT  why the zone is approved (required by add)\n"
            "  --by WHO       who makes the change, for the audit trail\n"
            "                 (default: $SUDO_USER, else $USER)\n"
            "  --db CONNINFO  libpq connection string (default: "
            "$SMARTOFFICE_DB)\n"
            "  --help         this text\n",
            cli_progname, cli_progname, cli_progname, cli_progname,
            cli_progname, ST_ZONES_PINS_MAX);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "%s zone: %s%s%s\ntry '%s zone --help'\n", cli_progname,
            what, arg != NULL ? " " : "", arg != NULL ? arg : "", cli_progname);
    return CLI_EXIT_USAGE;
}

/* True when S is one line of text for a tab-separated listing: UTF-8
 * without C0 (tabs, newlines) or C1 control characters or DEL. */
static bool one_line(const char *s)
{
    return so_audit_text_valid(s, strlen(s));
}

/* Takes A as the subcommand, then the pattern, then (pin) fingerprints;
 * one too many is kept for check_args() to refuse. */
static int take_positional(struct zone_args *args, const char *a)
{
    if (args->sub == NULL)
        args->sub = a;
    else if (args->pattern == NULL)
        args->pattern = a;
    else if (strcmp(args->sub, "pin") != 0)
        return usage_error("unexpected argument", a);
    else if (args->nfingerprints < ST_ZONES_PINS_MAX)
        args->fingerprints[args->nfingerprints++] = a;
    else
        args->extra = a;
    return CLI_EXIT_OK;
}

/* Parses ARGV into ARGS. CLI_EXIT_OK, -1 after --help, or a usage error.
 * After "--" every argument is positional (a pattern may start with '-'). */
static int parse_args(int argc, char **argv, struct zone_args *args)
{
    bool missing = false, options = true;
    const char *v;
    int i, rc = CLI_EXIT_OK;

    for (i = 1; i < argc && rc == CLI_EXIT_OK; i++) {
        if (!options) {
            rc = take_positional(args, argv[i]);
        } else if (strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            zone_usage(stdout);
            rc = -1;
        } else if ((v = cli_option_value(argc, argv, &i, "--db", &missing))) {
            args->conninfo = v;
        } else if (!missing && (v = cli_option_value(argc, argv, &i, "--reason",
                                                     &missing))) {
            args->reason = v;
        } else if (!missing &&
                   (v = cli_option_value(argc, argv, &i, "--by", &missing))) {
            args->by = v;
        } else if (missing) {
            rc = usage_error("missing value for", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            rc = usage_error("unknown option", argv[i]);
        } else {
            rc = take_positional(args, argv[i]);
        }
    }
    return rc;
}

/* Checks ARGS for SUB and fills in the default --by. */
static int check_args(struct zone_args *a)
{
    static const char *const subs[] = {"add", "remove", "pin", "unpin", "list"};
    bool takes_pattern = strcmp(a->sub, "list") != 0, known = false;
    size_t i;

    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        known = known || strcmp(a->sub, subs[i]) == 0;
    if (!known)
        return usage_error("unknown subcommand", a->sub);
    if (takes_pattern && a->pattern == NULL)
        return usage_error("no PATTERN given", NULL);
    if (!takes_pattern && a->pattern != NULL)
        return usage_error("unexpected argument", a->pattern);
    if (strcmp(a->sub, "pin") == 0 && a->nfingerprints == 0)
        return usage_error("no FINGERPRINT given", NULL);
    if (a->extra != NULL)
        return usage_error("too many fingerprints; the first too many is",
                           a->extra);
    if (!takes_pattern) {
        if (a->reason != NULL || a->by != NULL)
            return usage_error("--reason and --by are for changes only", NULL);
        return CLI_EXIT_OK;
    }
    /* Every change names who made it, for its audit record. */
    if (strcmp(a->sub, "add") != 0 && a->reason != NULL)
        return usage_error("--reason is for add only", NULL);
    if (strcmp(a->sub, "add") == 0 &&
        (a->reason == NULL || a->reason[0] == '\0'))
        return usage_error("add needs --reason TEXT", NULL);
    a->by = cli_change_by(a->by);
    if (a->by == NULL)
        return usage_error("--by WHO is needed ($SUDO_USER and $USER are "
                           "unset)",
                           NULL);
    if (a->reason != NULL && !one_line(a->reason))
        return usage_error("--reason must be one line of UTF-8 without "
                           "tabs or control characters",
                           NULL);
    if (!one_line(a->by))
        return usage_error("--by must be one line of UTF-8 without tabs or "
                           "control characters",
                           NULL);
    return CLI_EXIT_OK;
}

/* Fills ZE, the audit record of DECISION on PATTERN by BY (may be NULL),
 * checked before the zone is touched. CLI_EXIT_OK, or CLI_EXIT_USAGE after
 * naming the field that the record cannot hold. */
static int zone_event_init(struct cli_change *ze, const char *decision,
                           const char *pattern, const char *by)
{
    static const char *const option[SO_AUDIT_NFIELDS] = {
        "the host name", "the module", "the decision",
        "the rule",      "--by",       "PATTERN",
    };
    struct so_audit_event ev = {
        .module = "cli",
        .decision = decision,
        .rule = "federation-zone",
        .subject = by != NULL ? by : "",
        .object = pattern,
    };

    return cli_change_init(ze, "zone", &ev, option);
}

/* Records the change described by ZE in the audit trail. The zone change
 * and its record are two transactions; a failure to write the record is
 * reported. */
static int zone_audit(const struct zone_args *a, struct cli_change *ze)
{
    return cli_audit_record(a->conninfo, &ze->ev);
}

static int zone_add(struct st_db *db, const struct zone_args *a,
                    const char *pattern)
{
    struct cli_change ze;
    int rc = zone_event_init(&ze, "zone-added", pattern, a->by);

    if (rc != CLI_EXIT_OK)
        return rc;
    switch (st_zones_add(db, pattern, a->reason, a->by)) {
    case ST_OK:
        printf("added %s\n", pattern);
        return zone_audit(a, &ze);
    case ST_EEXIST:
        fprintf(stderr, "%s: zone %s already exists; nothing changed\n",
                cli_progname, pattern);
        return CLI_EXIT_INPUT;
    default:
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return CLI_EXIT_DB;
    }
}

static int zone_remove(struct st_db *db, const struct zone_args *a,
                       const char *pattern)
{
    struct cli_change ze;
    int rc = zone_event_init(&ze, "zone-removed", pattern, a->by);

    if (rc != CLI_EXIT_OK)
        return rc;
    switch (st_zones_remove(db, pattern)) {
    case ST_OK:
        printf("removed %s\n", pattern);
        return zone_audit(a, &ze);
    case ST_ENOENT:
        fprintf(stderr, "%s: zone %s does not exist; nothing removed\n",
                cli_progname, pattern);
        return CLI_EXIT_INPUT;
    default:
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return CLI_EXIT_DB;
    }
}

/* Normalises the fingerprint IN into OUT: colons and spaces dropped, hex
 * digits in lower case. False when what is left is not 64 hex digits. */
static bool fingerprint_normalize(const char *in, char out[PIN_HEX + 1])
{
    size_t n = 0;

    for (; *in != '\0'; in++) {
        char c = *in;

        if (c == ':' || c == ' ')
            continue;
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (n == PIN_HEX || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == PIN_HEX;
}

/* Normalises every fingerprint of A into HEX. CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after naming the first that is not one. */
static int fingerprints_normalize(const struct zone_args *a,
                                  char hex[][PIN_HEX + 1])
{
    size_t i;

    for (i = 0; i < a->nfingerprints; i++) {
        if (!fingerprint_normalize(a->fingerprints[i], hex[i])) {
            fprintf(stderr,
                    "%s zone: fingerprint %zu is not a SHA-256 fingerprint "
                    "(64 hex digits; colons and spaces are ignored); nothing "
                    "changed\n",
                    cli_progname, i + 1);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* Sets the pins of PATTERN to the N normalised fingerprints PINS (none:
 * unpin). */
static int zone_pin(struct st_db *db, const struct zone_args *a,
                    const char *pattern, const char *const *pins, size_t n)
{
    bool pin = n > 0;
    struct cli_change ze;
    int rc;

    rc = zone_event_init(&ze, pin ? "zone-pinned" : "zone-unpinned", pattern,
                         a->by);
    if (rc != CLI_EXIT_OK)
        return rc;
    switch (st_zones_set_pins(db, pattern, pins, n)) {
    case ST_OK:
        if (pin)
            printf("pinned %s (%zu fingerprint%s)\n", pattern, n,
                   n == 1 ? "" : "s");
        else
            printf("unpinned %s\n", pattern);
        return zone_audit(a, &ze);
    case ST_ENOENT:
        fprintf(stderr, "%s: zone %s does not exist; nothing changed\n",
                cli_progname, pattern);
        return CLI_EXIT_INPUT;
    default:
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return CLI_EXIT_DB;
    }
}

static int zone_list(struct st_db *db)
{
    struct st_zone_list list;
    size_t i;
    int rc = CLI_EXIT_OK;

    if (st_zones_list(db, &list) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        rc = CLI_EXIT_DB;
        goto out;
    }
    for (i = 0; i < list.n; i++)
        printf("%s\t%s\t%s\t%s\n", list.zones[i].pattern, list.zones[i].reason,
               list.zones[i].added_by, list.zones[i].added_at);
out:
    st_zone_list_free(&list);
    return rc;
}

int cli_zone_main(int argc, char **argv)
{
    struct zone_args args = {0};
    char pattern[SO_DOMAIN_BUF], why[160];
    char hex[ST_ZONES_PINS_MAX][PIN_HEX + 1];
    const char *pins[ST_ZONES_PINS_MAX];
    struct st_db *db;
    size_t i;
    int rc;

    rc = parse_args(argc, argv, &args);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (args.sub == NULL)
        return usage_error("no subcommand given (add, remove, pin, unpin or "
                           "list)",
                           NULL);
    rc = check_args(&args);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (args.pattern != NULL &&
        so_zone_pattern_normalize(args.pattern, pattern, sizeof(pattern), why,
                                  sizeof(why)) != SO_OK) {
        fprintf(stderr, "%s: invalid zone '%s': %s\n", cli_progname,
                args.pattern, why);
        return CLI_EXIT_USAGE;
    }
    rc = fingerprints_normalize(&args, hex);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (i = 0; i < args.nfingerprints; i++)
        pins[i] = hex[i];
    rc = cli_db_connect(args.conninfo, &db);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(args.sub, "add") == 0)
        rc = zone_add(db, &args, pattern);
    else if (strcmp(args.sub, "remove") == 0)
        rc = zone_remove(db, &args, pattern);
    else if (strcmp(args.sub, "pin") == 0 || strcmp(args.sub, "unpin") == 0)
        rc = zone_pin(db, &args, pattern, pins, args.nfingerprints);
    else
        rc = zone_list(db);
    st_db_free(db);
    return rc;
}
