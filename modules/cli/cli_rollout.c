/*
 * cli_rollout.c - smartoffice rollout: the city-by-city rollout, from the
 * administrator's side.
 *
 *   status              one line per city: state, people, accounts, use
 *   open|pilot|pause|resume CITY
 *                       the city's state, by the rules in transitions[]
 *   exception add|remove|list
 *                       units and persons admitted whatever their city
 *   provision CITY      accounts and invitation links (XEP-0401 easy
 *                       onboarding, XEP-0445 pre-authenticated
 *                       registration) for the city's active staff
 *   deprovision [CITY]  accounts of retired or suspended staff closed
 *   report --html FILE  one static page for officials, English and Urdu
 *
 * Every change is checked as an audit record before it is made and
 * written to the audit trail after it (module "rollout"), as zone changes
 * are. Reads go through st_db_exec(); every change is sent without the
 * store's retry, so that a statement is never repeated outside the
 * transaction it belonged to.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cli.h"
#include "cli_change.h"
#include "so_audit.h"
#include "so_domain.h"
#include "so_jid.h"
#include "st_db.h"

/* Random bytes in an invitation token: 144 bits, 24 base64url digits. */
#define TOKEN_BYTES 18
#define TOKEN_CHARS 24
#define DEFAULT_EXPIRES "14d"
#define EXPIRES_MAX_DAYS 365

enum ro_opt {
    OPT_DB = 1 << 0,
    OPT_BY = 1 << 1,
    OPT_REASON = 1 << 2,
    OPT_HOST = 1 << 3,
    OPT_EXPIRES = 1 << 4,
    OPT_OUT = 1 << 5,
    OPT_EMPLOYEE = 1 << 6,
    OPT_HTML = 1 << 7,
    OPT_JSON = 1 << 8,
    OPT_FORCE = 1 << 9,
    OPT_RENEW = 1 << 10,
};

struct ro_args {
    const char *sub;
    const char *pos[4]; /* the arguments after SUB */
    int npos;
    unsigned given; /* enum ro_opt bits */
    const char *conninfo;
    const char *by;
    const char *reason;
    const char *host;
    const char *expires;
    const char *out;
    const char *employee;
    const char *html;
};

/* One city as the commands need it. Copies, not borrowed. */
struct ro_city {
    char code[8];
    char name_en[256];
    char state[16];
    char paused_from[16]; /* "" when NULL */
};

static void rollout_usage(FILE *out)
{
    fprintf(out,
            "usage: %s rollout status [--json] [--db CONNINFO]\n"
            "       %s rollout open|pilot|pause|resume CITY [--reason TEXT]\n"
            "                 [--by WHO] [--db CONNINFO]\n"
            "       %s rollout exception add unit CODE|person JID --reason "
            "TEXT\n"
            "                 [--by WHO] [--db CONNINFO]\n"
            "       %s rollout exception remove unit CODE|person JID "
            "[--reason TEXT]\n"
            "                 [--by WHO] [--db CONNINFO]\n"
            "       %s rollout exception list [--db CONNINFO]\n"
            "       %s rollout provision CITY [--host DOMAIN] [--expires "
            "14d]\n"
            "                 [--out FILE.csv] [--force] [--renew] [--by WHO]"
            "\n"
            "       %s rollout deprovision [CITY | --employee NUMBER] [--by "
            "WHO]\n"
            "       %s rollout report --html FILE [--force] [--db CONNINFO]\n\n"
            "CITY is a city code (LHE) or its English name, in any case.\n\n"
            "States and the commands that change them:\n"
            "  open    planned, pilot or paused -> live\n"
            "  pilot   planned -> pilot\n"
            "  pause   live or pilot -> paused (the state is remembered)\n"
            "  resume  paused -> the state it had before the pause\n"
            "A change the rules refuse changes nothing and exits with 1.\n\n"
            "provision creates an account row (provisioned, with a secret "
            "stored\n"
            "only as its SHA-256 hash) for every active employee of CITY "
            "with a\n"
            "JID and no account yet, and writes their invitation links to "
            "FILE.csv\n"
            "(mode 0600; the only copy of the secrets). Already provisioned "
            "people\n"
            "are skipped; --renew reissues secrets that expired unused.\n"
            "deprovision closes the accounts of retired and suspended staff "
            "(of\n"
            "CITY when given), or of one employee with --employee.\n\n"
            "options:\n"
            "  --by WHO       who makes the change, for the audit trail\n"
            "                 (default: $SUDO_USER, else $USER)\n"
            "  --reason TEXT  why, for the audit trail (exception add: "
            "required)\n"
            "  --host DOMAIN  provision only JIDs on DOMAIN\n"
            "  --expires N[dhw]  how long invitations stay valid (default "
            "%s,\n"
            "                 at most %d days)\n"
            "  --out FILE     the invitations CSV (default: "
            "invites-CITY-TIME.csv)\n"
            "  --force        replace FILE (--out, --html) if it exists; a\n"
            "                 symbolic link is replaced, never written "
            "through\n"
            "  --json         status as a JSON array\n"
            "  --db CONNINFO  libpq connection string (default: "
            "$SMARTOFFICE_DB)\n"
            "  --help         this text\n",
            cli_progname, cli_progname, cli_progname, cli_progname,
            cli_progname, cli_progname, cli_progname, cli_progname,
            DEFAULT_EXPIRES, EXPIRES_MAX_DAYS);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "%s rollout: %s%s%s\ntry '%s rollout --help'\n",
            cli_progname, what, arg != NULL ? " " : "", arg != NULL ? arg : "",
            cli_progname);
    return CLI_EXIT_USAGE;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "smartoffice rollout: " and the message to stderr. */
static void say(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s rollout: ", cli_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ------------------------------------------------------------ arguments */

struct opt_def {
    const char *name;
    enum ro_opt bit;
    size_t field; /* offset of the value in struct ro_args; 0: a flag */
};

static const struct opt_def opt_defs[] = {
    {"--db", OPT_DB, offsetof(struct ro_args, conninfo)},
    {"--by", OPT_BY, offsetof(struct ro_args, by)},
    {"--reason", OPT_REASON, offsetof(struct ro_args, reason)},
    {"--host", OPT_HOST, offsetof(struct ro_args, host)},
    {"--expires", OPT_EXPIRES, offsetof(struct ro_args, expires)},
    {"--out", OPT_OUT, offsetof(struct ro_args, out)},
    {"--employee", OPT_EMPLOYEE, offsetof(struct ro_args, employee)},
    {"--html", OPT_HTML, offsetof(struct ro_args, html)},
    {"--json", OPT_JSON, 0},
    {"--force", OPT_FORCE, 0},
    {"--renew", OPT_RENEW, 0},
};
#define NOPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

static int take_positional(struct ro_args *a, const char *arg)
{
    if (a->sub == NULL) {
        a->sub = arg;
        return CLI_EXIT_OK;
    }
    if (a->npos == (int)(sizeof(a->pos) / sizeof(a->pos[0])))
        return usage_error("unexpected argument", arg);
    a->pos[a->npos++] = arg;
    return CLI_EXIT_OK;
}

/* Takes the option at ARGV[*I] when it is one of opt_defs. 1 when taken,
 * 0 when not an option we know, or a usage error. */
static int take_option(int argc, char **argv, int *i, struct ro_args *a)
{
    bool missing = false;
    const char *v;
    size_t k;

    for (k = 0; k < NOPTS; k++) {
        const struct opt_def *d = &opt_defs[k];

        if (d->field == 0) {
            if (strcmp(argv[*i], d->name) != 0)
                continue;
            a->given |= d->bit;
            return 1;
        }
        v = cli_option_value(argc, argv, i, d->name, &missing);
        if (missing)
            return usage_error("missing value for", d->name);
        if (v == NULL)
            continue;
        if (a->given & d->bit)
            return usage_error("given twice:", d->name);
        a->given |= d->bit;
        *(const char **)((char *)a + d->field) = v;
        return 1;
    }
    return 0;
}

/* Parses ARGV into A. CLI_EXIT_OK, -1 after --help, or a usage error.
 * After "--" every argument is positional. */
static int parse_args(int argc, char **argv, struct ro_args *a)
{
    bool options = true;
    int i, rc = CLI_EXIT_OK, taken;

    for (i = 1; i < argc && rc == CLI_EXIT_OK; i++) {
        if (!options) {
            rc = take_positional(a, argv[i]);
        } else if (strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            rollout_usage(stdout);
            rc = -1;
        } else if ((taken = take_option(argc, argv, &i, a)) != 0) {
            rc = taken == 1 ? CLI_EXIT_OK : taken;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            rc = usage_error("unknown option", argv[i]);
        } else {
            rc = take_positional(a, argv[i]);
        }
    }
    return rc;
}

/* Refuses options outside ALLOWED for the subcommand, and a number of
 * positional arguments outside MIN..MAX. */
static int check_shape(const struct ro_args *a, unsigned allowed, int min,
                       int max, const char *what)
{
    size_t k;

    for (k = 0; k < NOPTS; k++) {
        if ((a->given & opt_defs[k].bit) && !(allowed & opt_defs[k].bit)) {
            fprintf(stderr,
                    "%s rollout: %s is not an option of '%s'\ntry '%s "
                    "rollout --help'\n",
                    cli_progname, opt_defs[k].name, a->sub, cli_progname);
            return CLI_EXIT_USAGE;
        }
    }
    if (a->npos < min)
        return usage_error("missing", what);
    if (a->npos > max)
        return usage_error("unexpected argument", a->pos[max]);
    return CLI_EXIT_OK;
}

/* Every change names who made it: --by, else $SUDO_USER, else $USER. */
static int default_by(struct ro_args *a)
{
    a->by = cli_change_by(a->by);
    if (a->by == NULL)
        return usage_error("--by WHO is needed ($SUDO_USER and $USER are "
                           "unset)",
                           NULL);
    if (!so_audit_text_valid(a->by, strlen(a->by)))
        return usage_error("--by must be one line of UTF-8 without control "
                           "characters",
                           NULL);
    if (a->reason != NULL &&
        (a->reason[0] == '\0' ||
         !so_audit_text_valid(a->reason, strlen(a->reason))))
        return usage_error("--reason must be one line of UTF-8 without "
                           "control characters, and not empty",
                           NULL);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ audit */

/* An audit record of one change, checked before the change is made. */
struct ro_event {
    char rule[SO_AUDIT_RULE_MAX + 1];
    char object[SO_AUDIT_OBJECT_MAX + 1];
    struct cli_change c; /* c.ev.rule and c.ev.object point at the above */
};

/* Fills E: module "rollout", DECISION, the rule RULE (": REASON" added
 * when REASON is not NULL), subject BY, object OBJECT. CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after naming what the record cannot hold; then nothing
 * may change. */
static int event_init(struct ro_event *e, const char *decision,
                      const char *rule, const char *reason, const char *by,
                      const char *object)
{
    static const char *const field[SO_AUDIT_NFIELDS] = {
        "the host name",          "the module", "the decision",
        "the rule with --reason", "--by",       "the object",
    };
    struct so_audit_event ev = {
        .module = "rollout",
        .decision = decision,
        .rule = e->rule,
        .subject = by,
        .object = e->object,
    };
    size_t n;

    n = (size_t)snprintf(e->rule, sizeof(e->rule), "%s%s%s", rule,
                         reason != NULL ? ": " : "",
                         reason != NULL ? reason : "");
    snprintf(e->object, sizeof(e->object), "%s", object);
    if (n >= sizeof(e->rule)) {
        say("--reason is too long for the audit record (the rule and the "
            "reason at most %d bytes); nothing changed",
            SO_AUDIT_RULE_MAX);
        return CLI_EXIT_USAGE;
    }
    return cli_change_init(&e->c, "rollout", &ev, field);
}

static int event_write(const struct ro_args *a, struct ro_event *e)
{
    return cli_audit_record(a->conninfo, &e->c.ev);
}

/* ------------------------------------------------------------ database */

static int db_failed(struct st_db *db)
{
    say("%s", st_db_error(db));
    return CLI_EXIT_DB;
}

/*
 * Sends one statement of a change, without the store's retry (a retry
 * after a broken connection would run it outside its transaction). On
 * CLI_EXIT_OK *RES (when RES is not NULL) is the caller's to PQclear;
 * otherwise prints "WHAT: why" and returns CLI_EXIT_DB.
 */
static int change_exec(struct st_db *db, const char *what, const char *sql,
                       int n, const char *const *params, ExecStatusType want,
                       PGresult **res)
{
    PGconn *conn = st_db_conn(db);
    PGresult *r;
    const char *why;
    int rc = CLI_EXIT_OK;

    if (res != NULL)
        *res = NULL;
    r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (r != NULL && PQresultStatus(r) == want) {
        if (res != NULL) {
            *res = r; /* the caller's now */
            r = NULL;
        }
        goto out;
    }
    why = r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    if (why == NULL || why[0] == '\0')
        why = PQerrorMessage(conn);
    say("%s: %.*s", what, (int)strcspn(why, "\n"), why);
    rc = CLI_EXIT_DB;
out:
    PQclear(r);
    return rc;
}

static int tx_begin(struct st_db *db)
{
    return change_exec(db, "starting a transaction", "BEGIN", 0, NULL,
                       PGRES_COMMAND_OK, NULL);
}

static int tx_commit(struct st_db *db)
{
    return change_exec(db, "committing", "COMMIT", 0, NULL, PGRES_COMMAND_OK,
                       NULL);
}

/* Rolls back after a failure; its own failure changes nothing more. */
static void tx_rollback(struct st_db *db)
{
    PQclear(PQexec(st_db_conn(db), "ROLLBACK"));
}

static const char cities_sql[] =
    "SELECT code, name_en, state, coalesce(paused_from, '') "
    "FROM smartoffice.city ORDER BY code";

static bool ascii_caseeq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a, y = *b;

        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return *a == *b;
}

static void city_copy(struct ro_city *c, PGresult *res, int row)
{
    snprintf(c->code, sizeof(c->code), "%s", PQgetvalue(res, row, 0));
    snprintf(c->name_en, sizeof(c->name_en), "%s", PQgetvalue(res, row, 1));
    snprintf(c->state, sizeof(c->state), "%s", PQgetvalue(res, row, 2));
    snprintf(c->paused_from, sizeof(c->paused_from), "%s",
             PQgetvalue(res, row, 3));
}

/*
 * Finds the city NAME, a code or an English name in any (ASCII) case,
 * into C. Case is folded here rather than by a collation of the server.
 * CLI_EXIT_OK; CLI_EXIT_INPUT when no city or more than one has that
 * name; CLI_EXIT_DB.
 */
static int city_find(struct st_db *db, const char *name, struct ro_city *c)
{
    PGresult *res;
    int i, found = -1, matches = 0, rc = CLI_EXIT_OK;

    if (st_db_exec(db, "reading the cities", cities_sql, 0, NULL,
                   PGRES_TUPLES_OK, &res) != ST_OK)
        return db_failed(db);
    for (i = 0; i < PQntuples(res); i++) {
        if (ascii_caseeq(PQgetvalue(res, i, 0), name)) {
            found = i; /* a code beats any name */
            matches = 1;
            break;
        }
        if (ascii_caseeq(PQgetvalue(res, i, 1), name)) {
            found = i;
            matches++;
        }
    }
    if (matches == 0) {
        say("no city '%s' (give a code or an English name; '%s rollout "
            "status' lists them)",
            name, cli_progname);
        rc = CLI_EXIT_INPUT;
    } else if (matches > 1) {
        say("more than one city is named '%s'; give its code", name);
        rc = CLI_EXIT_INPUT;
    } else {
        city_copy(c, res, found);
    }
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------ states */

/* The rules of the city states. RESUME goes back to paused_from. */
struct transition {
    const char *verb;
    const char *from[3];
    const char *to; /* NULL: the state before the pause */
    const char *rule_text;
};

static const struct transition transitions[] = {
    {"open",
     {"planned", "pilot", "paused"},
     "live",
     "only a planned, pilot or paused city can be opened"},
    {"pilot",
     {"planned", NULL, NULL},
     "pilot",
     "a pilot starts only from planned"},
    {"pause",
     {"live", "pilot", NULL},
     "paused",
     "only a live or pilot city can be paused"},
    {"resume",
     {"paused", NULL, NULL},
     NULL,
     "only a paused city can be resumed"},
};
#define NTRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

static const struct transition *transition_find(const char *verb)
{
    size_t i;

    for (i = 0; i < NTRANSITIONS; i++) {
        if (strcmp(transitions[i].verb, verb) == 0)
            return &transitions[i];
    }
    return NULL;
}

/* The state T leads C to, or NULL after saying why T does not apply. */
static const char *transition_target(const struct transition *t,
                                     const struct ro_city *c)
{
    bool from_ok = false;
    size_t i;

    for (i = 0; i < 3 && t->from[i] != NULL; i++)
        from_ok = from_ok || strcmp(t->from[i], c->state) == 0;
    if (!from_ok) {
        say("city %s (%s) is %s: %s; nothing changed", c->code, c->name_en,
            c->state, t->rule_text);
        return NULL;
    }
    if (t->to != NULL)
        return t->to;
    if (c->paused_from[0] == '\0') {
        say("city %s (%s) was paused by other means and its state before "
            "the pause is unknown; nothing changed. Use '%s rollout open "
            "%s' to make it live",
            c->code, c->name_en, cli_progname, c->code);
        return NULL;
    }
    return c->paused_from;
}

static const char state_sql[] =
    "UPDATE smartoffice.city SET state = $2, paused_from = $3, "
    "updated_at = now() WHERE code = $1 AND state = $4 RETURNING code";

static int cmd_state(struct st_db *db, const struct ro_args *a)
{
    const struct transition *t = transition_find(a->sub);
    const char *params[4], *to;
    struct ro_event e;
    struct ro_city c;
    char rule[64];
    PGresult *res;
    int rc;

    rc = city_find(db, a->pos[0], &c);
    if (rc != CLI_EXIT_OK)
        return rc;
    to = transition_target(t, &c);
    if (to == NULL)
        return CLI_EXIT_INPUT;
    snprintf(rule, sizeof(rule), "%s->%s", c.state, to);
    rc = event_init(&e, t->verb, rule, a->reason, a->by, c.code);
    if (rc != CLI_EXIT_OK)
        return rc;
    params[0] = c.code;
    params[1] = to;
    params[2] = strcmp(to, "paused") == 0 ? c.state : NULL;
    params[3] = c.state;
    rc = change_exec(db, "changing the city's state", state_sql, 4, params,
                     PGRES_TUPLES_OK, &res);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (PQntuples(res) != 1) {
        say("city %s changed while this command ran; nothing changed, run "
            "it again",
            c.code);
        PQclear(res);
        return CLI_EXIT_INPUT;
    }
    PQclear(res);
    printf("%s (%s): %s -> %s\n", c.code, c.name_en, c.state, to);
    return event_write(a, &e);
}

/* ------------------------------------------------------------ status */

/* Per city: active employees; accounts issued and not withdrawn
 * (provisioned or active); accounts activated; users online by rows
 * fresher than two minutes; messages sent and refused over the last 30
 * days (today included). */
static const char status_sql[] =
    "SELECT c.code, c.name_en, c.name_ur, c.state, c.phase, "
    "(SELECT count(*) FROM smartoffice.employee e "
    "  WHERE e.city = c.code AND e.status = 'active'), "
    "(SELECT count(*) FROM smartoffice.rollout_account a "
    "  JOIN smartoffice.employee e USING (employee_no) "
    "  WHERE e.city = c.code AND a.state IN ('provisioned', 'active')), "
    "(SELECT count(*) FROM smartoffice.rollout_account a "
    "  JOIN smartoffice.employee e USING (employee_no) "
    "  WHERE e.city = c.code AND a.state = 'active'), "
    "(SELECT coalesce(sum(o.online), 0) FROM smartoffice.rollout_online o "
    "  WHERE o.city = c.code AND o.at > now() - interval '2 minutes'), "
    "(SELECT coalesce(sum(k.sent), 0) FROM smartoffice.rollout_counter k "
    "  WHERE k.city = c.code AND k.day > current_date - 30), "
    "(SELECT coalesce(sum(k.refused), 0) FROM smartoffice.rollout_counter k "
    "  WHERE k.city = c.code AND k.day > current_date - 30) "
    "FROM smartoffice.city c ORDER BY c.phase, c.code";

enum ro_metric {
    M_EMPLOYEES = 0,
    M_PROVISIONED,
    M_ACTIVATED,
    M_ONLINE,
    M_COUNTS, /* the metrics above are counts */
};

/* One city's figures. Strings are borrowed from the status result. */
struct ro_stats {
    const char *code;
    const char *name_en;
    const char *name_ur;
    const char *state;
    const char *phase;
    long long count[M_COUNTS];
    long long sent;
    long long refused;
    bool has_share;
    double share;        /* percent of messages encrypted at the first try */
    char share_text[16]; /* "87.5" or "-" */
};

static long long as_count(const char *s)
{
    long long v = strtoll(s, NULL, 10);

    return v < 0 ? 0 : v;
}

/*
 * Reads every city's figures: *RES is the result (the caller PQclear()s
 * it) and *OUT an array of PQntuples(*RES) entries borrowing from it
 * (the caller frees it). CLI_EXIT_OK or CLI_EXIT_DB.
 */
static int stats_fetch(struct st_db *db, PGresult **res, struct ro_stats **out)
{
    struct ro_stats *s;
    int i, n;

    *out = NULL;
    if (st_db_exec(db, "reading the rollout status", status_sql, 0, NULL,
                   PGRES_TUPLES_OK, res) != ST_OK)
        return db_failed(db);
    n = PQntuples(*res);
    s = calloc(n > 0 ? (size_t)n : 1, sizeof(*s));
    if (s == NULL) {
        say("out of memory reading %d cities", n);
        PQclear(*res);
        *res = NULL;
        return CLI_EXIT_DB;
    }
    for (i = 0; i < n; i++) {
        int m;

        s[i].code = PQgetvalue(*res, i, 0);
        s[i].name_en = PQgetvalue(*res, i, 1);
        s[i].name_ur = PQgetvalue(*res, i, 2);
        s[i].state = PQgetvalue(*res, i, 3);
        s[i].phase = PQgetvalue(*res, i, 4);
        for (m = 0; m < M_COUNTS; m++)
            s[i].count[m] = as_count(PQgetvalue(*res, i, 5 + m));
        s[i].sent = as_count(PQgetvalue(*res, i, 9));
        s[i].refused = as_count(PQgetvalue(*res, i, 10));
        s[i].has_share = s[i].sent > 0;
        strcpy(s[i].share_text, "-");
        if (s[i].has_share) {
            long long ok = s[i].sent - s[i].refused;

            s[i].share = 100.0 * (double)(ok > 0 ? ok : 0) / (double)s[i].sent;
            snprintf(s[i].share_text, sizeof(s[i].share_text), "%.1f",
                     s[i].share);
        }
    }
    *out = s;
    return CLI_EXIT_OK;
}

/* Columns on a terminal: code points, not bytes. */
static int text_width(const char *s)
{
    int w = 0;

    for (; *s != '\0'; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void print_padded(const char *s, int width, bool right)
{
    int pad = width - text_width(s);

    if (right)
        printf("%*s%s", pad > 0 ? pad : 0, "", s);
    else
        printf("%s%*s", s, pad > 0 ? pad : 0, "");
}

#define STATUS_COLUMNS 9

static void status_cells(const struct ro_stats *s,
                         char cells[STATUS_COLUMNS][32], const char **text)
{
    int m;

    text[0] = s->code;
    text[1] = s->name_en;
    text[2] = s->state;
    text[3] = s->phase;
    for (m = 0; m < M_COUNTS; m++) {
        snprintf(cells[4 + m], sizeof(cells[0]), "%lld", s->count[m]);
        text[4 + m] = cells[4 + m];
    }
    snprintf(cells[8], sizeof(cells[0]), "%s%s", s->share_text,
             s->has_share ? "%" : "");
    text[8] = cells[8];
}

static void status_text(const struct ro_stats *s, int n)
{
    static const char *const head[STATUS_COLUMNS] = {
        "CITY",        "NAME",      "STATE",  "PHASE",     "EMPLOYEES",
        "PROVISIONED", "ACTIVATED", "ONLINE", "ENCRYPTED",
    };
    char cells[STATUS_COLUMNS][32];
    const char *text[STATUS_COLUMNS];
    int width[STATUS_COLUMNS], i, k;

    for (k = 0; k < STATUS_COLUMNS; k++)
        width[k] = text_width(head[k]);
    for (i = 0; i < n; i++) {
        status_cells(&s[i], cells, text);
        for (k = 0; k < STATUS_COLUMNS; k++)
            if (text_width(text[k]) > width[k])
                width[k] = text_width(text[k]);
    }
    for (k = 0; k < STATUS_COLUMNS; k++) {
        print_padded(head[k], width[k], k >= 3);
        fputs(k + 1 < STATUS_COLUMNS ? "  " : "\n", stdout);
    }
    for (i = 0; i < n; i++) {
        status_cells(&s[i], cells, text);
        for (k = 0; k < STATUS_COLUMNS; k++) {
            print_padded(text[k], width[k], k >= 3);
            fputs(k + 1 < STATUS_COLUMNS ? "  " : "\n", stdout);
        }
    }
}

/* Writes S as a JSON string (RFC 8259 §7) to OUT. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void status_json(const struct ro_stats *s, int n)
{
    int i;

    fputs("[", stdout);
    for (i = 0; i < n; i++) {
        fputs(i > 0 ? ",\n {" : "\n {", stdout);
        fputs("\"code\": ", stdout);
        json_string(stdout, s[i].code);
        fputs(", \"name_en\": ", stdout);
        json_string(stdout, s[i].name_en);
        fputs(", \"name_ur\": ", stdout);
        json_string(stdout, s[i].name_ur);
        fputs(", \"state\": ", stdout);
        json_string(stdout, s[i].state);
        printf(", \"phase\": %s, \"employees\": %lld, \"provisioned\": %lld, "
               "\"activated\": %lld, \"online\": %lld, \"sent_30d\": %lld, "
               "\"refused_30d\": %lld, \"encrypted_first_try_pct\": %s}",
               s[i].phase, s[i].count[M_EMPLOYEES], s[i].count[M_PROVISIONED],
               s[i].count[M_ACTIVATED], s[i].count[M_ONLINE], s[i].sent,
               s[i].refused, s[i].has_share ? s[i].share_text : "null");
    }
    fputs(n > 0 ? "\n]\n" : "]\n", stdout);
}

static int cmd_status(struct st_db *db, const struct ro_args *a)
{
    struct ro_stats *s;
    PGresult *res;
    int rc;

    rc = stats_fetch(db, &res, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->given & OPT_JSON)
        status_json(s, PQntuples(res));
    else
        status_text(s, PQntuples(res));
    free(s);
    PQclear(res);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ exceptions */

static const char unit_exists_sql[] =
    "SELECT 1 FROM smartoffice.org_unit WHERE code = $1";
static const char exception_add_sql[] =
    "INSERT INTO smartoffice.rollout_exception (kind, target, reason, "
    "added_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING "
    "RETURNING kind";
static const char exception_remove_sql[] =
    "DELETE FROM smartoffice.rollout_exception WHERE kind = $1 AND "
    "target = $2 RETURNING kind";
static const char exception_list_sql[] =
    "SELECT kind, target, reason, added_by, "
    "to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM smartoffice.rollout_exception ORDER BY kind, target";

/*
 * Writes the stored form of the exception target IN of KIND into OUT: a
 * unit code in upper case, or a bare JID (local@domain, no resource)
 * with ASCII letters in lower case. CLI_EXIT_OK, or CLI_EXIT_USAGE after
 * saying why IN is not one.
 */
static int target_normalize(const char *kind, const char *in, char *out,
                            size_t len)
{
    struct so_jid j;
    size_t i, n = strlen(in);
    bool unit = strcmp(kind, "unit") == 0;

    if (n == 0 || n >= len || !so_audit_text_valid(in, n)) {
        say("%s '%s' is empty, too long or not one line of UTF-8", kind, in);
        return CLI_EXIT_USAGE;
    }
    for (i = 0; i <= n; i++) {
        char c = in[i];

        if (unit && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!unit && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[i] = c;
    }
    if (unit)
        return CLI_EXIT_OK;
    if (!so_jid_split(out, &j) || j.local_len == 0 || j.has_resource ||
        strchr(out, ' ') != NULL) {
        say("person '%s' is not a bare JID (user@domain, no resource)", in);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int exception_list(struct st_db *db)
{
    PGresult *res;
    int i;

    if (st_db_exec(db, "listing the rollout exceptions", exception_list_sql, 0,
                   NULL, PGRES_TUPLES_OK, &res) != ST_OK)
        return db_failed(db);
    for (i = 0; i < PQntuples(res); i++)
        printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
               PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    PQclear(res);
    return CLI_EXIT_OK;
}

/* Refuses a unit exception for a unit the directory does not have. */
static int unit_check(struct st_db *db, const char *code)
{
    const char *params[1] = {code};
    PGresult *res;
    int rc = CLI_EXIT_OK;

    if (st_db_exec(db, "looking for the unit", unit_exists_sql, 1, params,
                   PGRES_TUPLES_OK, &res) != ST_OK)
        return db_failed(db);
    if (PQntuples(res) == 0) {
        say("no unit '%s' in the directory; nothing changed", code);
        rc = CLI_EXIT_INPUT;
    }
    PQclear(res);
    return rc;
}

static int cmd_exception(struct st_db *db, const struct ro_args *a)
{
    const char *op = a->pos[0], *kind = a->pos[1], *params[4];
    bool add = strcmp(op, "add") == 0;
    char target[SO_AUDIT_OBJECT_MAX + 1], rule[32];
    struct ro_event e;
    PGresult *res;
    int rc;

    if (strcmp(op, "list") == 0)
        return exception_list(db);
    rc = target_normalize(kind, a->pos[2], target, sizeof(target));
    if (rc != CLI_EXIT_OK)
        return rc;
    snprintf(rule, sizeof(rule), "%s-exception", kind);
    rc = event_init(&e, add ? "exception-added" : "exception-removed", rule,
                    a->reason, a->by, target);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (add && strcmp(kind, "unit") == 0) {
        rc = unit_check(db, target);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    params[0] = kind;
    params[1] = target;
    params[2] = a->reason;
    params[3] = a->by;
    rc = change_exec(db,
                     add ? "adding the exception"
                         : "removing the "
                           "exception",
                     add ? exception_add_sql : exception_remove_sql,
                     add ? 4 : 2, params, PGRES_TUPLES_OK, &res);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (PQntuples(res) == 0) {
        say("%s exception %s %s; nothing changed", kind, target,
            add ? "already exists" : "does not exist");
        PQclear(res);
        return CLI_EXIT_INPUT;
    }
    PQclear(res);
    printf("%s %s exception %s\n", add ? "added" : "removed", kind, target);
    return event_write(a, &e);
}

/* ------------------------------------------------------------ provision */

/* One employee to provision or to renew, from provision_rows_sql. */
static const char provision_rows_sql[] =
    "SELECT e.employee_no, e.name_en, e.name_ur, e.jid, "
    "coalesce(a.state, ''), coalesce(a.secret_expires < now(), false) "
    "FROM smartoffice.employee e "
    "LEFT JOIN smartoffice.rollout_account a USING (employee_no) "
    "WHERE e.city = $1 AND e.status = 'active' AND e.jid IS NOT NULL "
    "ORDER BY e.employee_no FOR UPDATE OF e";
static const char provision_insert_sql[] =
    "INSERT INTO smartoffice.rollout_account (employee_no, jid, state, "
    "secret_hash, secret_expires, provisioned_by) "
    "VALUES ($1, $2, 'provisioned', decode($3, 'hex'), "
    "now() + $4::interval, $5) "
    "RETURNING to_char(secret_expires AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
static const char provision_renew_sql[] =
    "UPDATE smartoffice.rollout_account SET secret_hash = decode($2, 'hex'), "
    "secret_expires = now() + $3::interval, provisioned_by = $4 "
    "WHERE employee_no = $1 AND state = 'provisioned' "
    "AND secret_expires < now() "
    "RETURNING to_char(secret_expires AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

/* What one provision run did. */
struct prov_counts {
    long provisioned;
    long renewed;
    long skipped;    /* already has an account */
    long other_host; /* JID not on --host */
};

/* Parses "N" followed by d, h or w into *SECONDS. False when it is not
 * that, or is zero or longer than EXPIRES_MAX_DAYS. */
static bool expires_parse(const char *s, long *seconds)
{
    char *end;
    long n, unit;

    errno = 0;
    n = strtol(s, &end, 10);
    if (errno != 0 || end == s || n <= 0 || s[0] == '+' || end[1] != '\0')
        return false;
    if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else if (*end == 'w')
        unit = 7 * 86400;
    else
        return false;
    if (n > EXPIRES_MAX_DAYS * 86400L / unit)
        return false;
    *seconds = n * unit;
    return true;
}

/* RFC 4648 §5 base64url without padding of the N bytes IN into OUT. */
static void base64url(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
                                 "stuvwxyz0123456789-_";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 |
                          (unsigned long)in[i + 1] << 8 | in[i + 2];

        out[o++] = digits[(v >> 18) & 63];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = digits[(v >> 6) & 63];
        out[o++] = digits[v & 63];
    }
    out[o] = '\0'; /* TOKEN_BYTES is a multiple of 3: nothing is left */
}

static void openssl_failed(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_error_string_n(e, buf, sizeof(buf));
    say("%s: %s", what, e != 0 ? buf : "no reason given");
    ERR_clear_error();
}

/*
 * A fresh invitation token (TOKEN_BYTES from RAND_bytes, base64url) in
 * TOKEN and the hex of SHA-256 over its text, as the host module will
 * compute it over the token a client presents, in HASH_HEX.
 * CLI_EXIT_OK, or CLI_EXIT_DB after saying what OpenSSL said.
 */
static int token_new(char token[TOKEN_CHARS + 1], char hash_hex[65])
{
    unsigned char raw[TOKEN_BYTES], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    int rc = CLI_EXIT_DB;

    ERR_clear_error();
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        openssl_failed("making an invitation secret");
        goto out;
    }
    base64url(raw, sizeof(raw), token);
    if (!EVP_Digest(token, TOKEN_CHARS, md, &mdlen, EVP_sha256(), NULL) ||
        mdlen != 32) {
        openssl_failed("hashing an invitation secret");
        goto out;
    }
    for (i = 0; i < mdlen; i++)
        snprintf(hash_hex + 2 * i, 3, "%02x", md[i]);
    rc = CLI_EXIT_OK;
out:
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

/* Writes S[0..N) to OUT, percent-encoding all but RFC 3986 unreserved
 * characters, for a JID inside an xmpp: URI (RFC 5122 §2.7). */
static void uri_part(FILE *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            fputc(c, out);
        else
            fprintf(out, "%%%02X", c);
    }
}

/* Writes one CSV field (RFC 4180 §2): quoted when it holds a comma, a
 * quote or a line break, quotes doubled. */
static void csv_field(FILE *out, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
    } else {
        fputc('"', out);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    }
    fputs(last ? "\r\n" : ",", out);
}

/* One CSV line: the employee's row ROW of RES, the link and expiry. */
static void csv_invite(FILE *out, PGresult *res, int row, const char *token,
                       const char *expires_at)
{
    struct so_jid j;
    const char *jid = PQgetvalue(res, row, 3);

    csv_field(out, PQgetvalue(res, row, 0), false);
    csv_field(out, PQgetvalue(res, row, 1), false);
    csv_field(out, PQgetvalue(res, row, 2), false);
    csv_field(out, jid, false);
    /* XEP-0401 §5: xmpp:JID?register;preauth=TOKEN (no quoting needed:
     * the encoded parts and the base64url token hold no comma or quote) */
    so_jid_split(jid, &j);
    fputs("xmpp:", out);
    uri_part(out, j.local, j.local_len);
    fputc('@', out);
    uri_part(out, j.domain, j.domain_len);
    fprintf(out, "?register;preauth=%s,", token);
    csv_field(out, expires_at, true);
}

/* ------------------------------------------------------------ output files */

/*
 * A file the CLI writes for the operator (the invitations CSV, the
 * report). It is created with O_EXCL | O_NOFOLLOW, so an existing file or
 * a symbolic link is never written through; with --force the content goes
 * to a temporary file beside it that replaces PATH only when complete.
 */
struct ro_file {
    const char *path; /* borrowed: the name the operator gave */
    char *tmp;        /* owned: the temporary name when replacing, or NULL */
    FILE *fp;
};

/* Says why PATH cannot be created (ERR from open), naming the file. */
static void out_file_refused(const char *path, int err, bool force)
{
    struct stat st;

    if (err == EISDIR ||
        (err == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        say("%s: is a directory; nothing changed", path);
    else if (err == EEXIST && !force && lstat(path, &st) == 0 &&
             S_ISLNK(st.st_mode))
        say("%s: is a symbolic link, never written through (--force "
            "replaces the link itself); nothing changed",
            path);
    else if (err == EEXIST && !force)
        say("%s: %s (--force replaces it); nothing changed", path,
            strerror(err));
    else if (err == ENOENT || err == ENOTDIR)
        say("%s: its directory does not exist; nothing changed", path);
    else
        say("%s: %s; nothing changed", path, strerror(err));
}

/* The temporary name beside PATH: DIR/.BASE.XXXXXX. NULL without memory. */
static char *out_file_tmpname(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    size_t len = strlen(path) + sizeof("/..XXXXXX");
    char *tmp = malloc(len);

    if (tmp != NULL)
        snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dir_len, path,
                 path + dir_len);
    return tmp;
}

/* Opens F->tmp beside the existing F->path. The descriptor or -1 after
 * saying why. */
static int out_file_open_tmp(struct ro_file *f)
{
    struct stat st;
    int fd;

    if (lstat(f->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        out_file_refused(f->path, EISDIR, true);
        return -1;
    }
    f->tmp = out_file_tmpname(f->path);
    if (f->tmp == NULL) {
        say("%s: out of memory; nothing changed", f->path);
        return -1;
    }
    fd = mkstemp(f->tmp); /* O_CREAT | O_EXCL, mode 0600 */
    if (fd < 0) {
        say("%s: cannot create a temporary file beside it: %s; nothing "
            "changed",
            f->path, strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
    }
    return fd;
}

/* Closes F's stream if open and removes the file F created (the temporary
 * one when replacing): nothing the operator had is touched. */
static void out_file_abort(struct ro_file *f)
{
    if (f->fp != NULL)
        fclose(f->fp);
    f->fp = NULL;
    unlink(f->tmp != NULL ? f->tmp : f->path);
    free(f->tmp);
    f->tmp = NULL;
}

/*
 * Creates PATH for writing with MODE, refusing an existing one (or a
 * directory, or a symbolic link) unless FORCE; with FORCE an existing
 * file or link is replaced by out_file_commit(), never written through.
 * CLI_EXIT_OK with F->fp open, or CLI_EXIT_INPUT after naming the file.
 * Undo with out_file_abort() or finish with out_file_commit().
 */
static int out_file_open(struct ro_file *f, const char *path, bool force,
                         mode_t mode)
{
    int fd, err;

    f->path = path;
    f->tmp = NULL;
    f->fp = NULL;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST && force)
        fd = out_file_open_tmp(f);
    else if (fd < 0)
        out_file_refused(path, errno, force);
    if (fd < 0)
        return CLI_EXIT_INPUT;
    if (fchmod(fd, mode) != 0 || (f->fp = fdopen(fd, "w")) == NULL) {
        err = errno;
        close(fd);
        out_file_abort(f);
        say("%s: %s; nothing changed", path, strerror(err));
        return CLI_EXIT_INPUT;
    }
    return CLI_EXIT_OK;
}

/* Flushes, syncs and closes F's stream. CLI_EXIT_OK, or CLI_EXIT_INPUT
 * after saying why; either way F->fp is closed. */
static int out_file_finish(struct ro_file *f)
{
    int failed = fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp));
    int err = errno;

    if (fclose(f->fp) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    f->fp = NULL;
    if (failed) {
        say("%s: writing failed: %s; nothing changed", f->path, strerror(err));
        return CLI_EXIT_INPUT;
    }
    return CLI_EXIT_OK;
}

/* Puts a finished F in place: renames the temporary file over F->path
 * when replacing. CLI_EXIT_OK, or CLI_EXIT_INPUT after saying why (the
 * temporary file is then left for the caller to keep or abort). */
static int out_file_place(struct ro_file *f)
{
    if (f->tmp == NULL)
        return CLI_EXIT_OK;
    if (rename(f->tmp, f->path) != 0) {
        say("%s: cannot replace it: %s", f->path, strerror(errno));
        return CLI_EXIT_INPUT;
    }
    free(f->tmp);
    f->tmp = NULL;
    return CLI_EXIT_OK;
}

/* Issues a secret for row ROW of RES (a new account, or RENEW an expired
 * one) and writes its CSV line. */
static int provision_one(struct st_db *db, const struct ro_args *a,
                         PGresult *res, int row, bool renew,
                         const char *interval, FILE *out)
{
    char token[TOKEN_CHARS + 1], hash[65];
    const char *params[5];
    PGresult *r;
    int rc;

    rc = token_new(token, hash);
    if (rc != CLI_EXIT_OK)
        return rc;
    params[0] = PQgetvalue(res, row, 0);
    if (renew) {
        params[1] = hash;
        params[2] = interval;
        params[3] = a->by;
        rc = change_exec(db, "renewing an invitation", provision_renew_sql, 4,
                         params, PGRES_TUPLES_OK, &r);
    } else {
        params[1] = PQgetvalue(res, row, 3);
        params[2] = hash;
        params[3] = interval;
        params[4] = a->by;
        rc = change_exec(db, "adding an account", provision_insert_sql, 5,
                         params, PGRES_TUPLES_OK, &r);
    }
    if (rc != CLI_EXIT_OK)
        goto out;
    if (PQntuples(r) != 1) {
        say("the account of employee %s changed while this command ran; "
            "nothing changed, run it again",
            params[0]);
        rc = CLI_EXIT_INPUT;
    } else {
        csv_invite(out, res, row, token, PQgetvalue(r, 0, 0));
    }
    PQclear(r);
out:
    OPENSSL_cleanse(token, sizeof(token));
    return rc;
}

/* Provisions, inside the caller's transaction, every employee of CITY
 * that needs it, counting into N. */
static int provision_rows(struct st_db *db, const struct ro_args *a,
                          const char *city, const char *host,
                          const char *interval, FILE *out,
                          struct prov_counts *n)
{
    const char *params[1] = {city};
    PGresult *res;
    int i, rc;

    rc = change_exec(db, "reading the city's employees", provision_rows_sql, 1,
                     params, PGRES_TUPLES_OK, &res);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (i = 0; i < PQntuples(res) && rc == CLI_EXIT_OK; i++) {
        const char *state = PQgetvalue(res, i, 4);
        bool expired = strcmp(PQgetvalue(res, i, 5), "t") == 0;
        struct so_jid j;

        if (host != NULL && (!so_jid_split(PQgetvalue(res, i, 3), &j) ||
                             !so_jid_eq(j.domain, j.domain_len, host))) {
            n->other_host++;
        } else if (state[0] == '\0') {
            rc = provision_one(db, a, res, i, false, interval, out);
            n->provisioned++;
        } else if ((a->given & OPT_RENEW) &&
                   strcmp(state, "provisioned") == 0 && expired) {
            rc = provision_one(db, a, res, i, true, interval, out);
            n->renewed++;
        } else {
            n->skipped++;
        }
    }
    PQclear(res);
    return rc;
}

/* The audit rule of a provision run: counts, host and validity. False
 * when it does not fit in LEN bytes. */
static bool provision_rule(char *buf, size_t len, const struct prov_counts *n,
                           const char *host, const char *expires)
{
    int w = snprintf(
        buf, len, "provisioned %ld, renewed %ld, skipped %ld%s%s, valid %.15s",
        n->provisioned, n->renewed, n->skipped, host ? ", host " : "",
        host ? host : "", expires);

    return w >= 0 && (size_t)w < len;
}

static int cmd_provision(struct st_db *db, const struct ro_args *a)
{
    const struct prov_counts most = {9999999, 9999999, 9999999, 0};
    struct prov_counts n = {0, 0, 0, 0};
    char host[SO_DOMAIN_BUF], why[160], interval[32], path[64];
    char rule[512];
    const char *expires = a->expires ? a->expires : DEFAULT_EXPIRES;
    const char *out_path = a->out;
    struct ro_event e;
    struct ro_city c;
    long seconds;
    struct ro_file out;
    int rc;

    if (!expires_parse(expires, &seconds)) {
        say("--expires '%s' is not a duration like 14d, 36h or 2w (at most "
            "%d days)",
            expires, EXPIRES_MAX_DAYS);
        return CLI_EXIT_USAGE;
    }
    snprintf(interval, sizeof(interval), "%ld seconds", seconds);
    if (a->host != NULL && so_domain_normalize(a->host, host, sizeof(host), why,
                                               sizeof(why)) != SO_OK) {
        say("--host '%s': %s", a->host, why);
        return CLI_EXIT_USAGE;
    }
    rc = city_find(db, a->pos[0], &c);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* the record with the longest counts must fit before anything moves */
    if (!provision_rule(rule, sizeof(rule), &most, a->host ? host : NULL,
                        expires)) {
        say("--host is too long for the audit record; nothing changed");
        return CLI_EXIT_USAGE;
    }
    rc = event_init(&e, "provision", rule, NULL, a->by, c.code);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (out_path == NULL) {
        time_t now = time(NULL);
        struct tm tm;

        gmtime_r(&now, &tm);
        snprintf(path, sizeof(path), "invites-%s-", c.code);
        strftime(path + strlen(path), sizeof(path) - strlen(path),
                 "%Y%m%dT%H%M%SZ.csv", &tm);
        out_path = path;
    }
    rc = out_file_open(&out, out_path, a->given & OPT_FORCE, 0600);
    if (rc != CLI_EXIT_OK)
        return rc;
    fputs("employee_no,name_en,name_ur,jid,invite_link,expires_at\r\n", out.fp);
    rc = tx_begin(db);
    if (rc != CLI_EXIT_OK)
        goto fail_file;
    rc = provision_rows(db, a, c.code, a->host ? host : NULL, interval, out.fp,
                        &n);
    if (rc != CLI_EXIT_OK)
        goto fail_tx;
    rc = out_file_finish(&out);
    if (rc != CLI_EXIT_OK)
        goto fail_tx;
    rc = tx_commit(db);
    if (rc != CLI_EXIT_OK)
        goto fail_file;
    if (out_file_place(&out) != CLI_EXIT_OK) {
        /* the accounts are committed: their only secrets must survive */
        say("the invitations are in %s; move it over %s by hand", out.tmp,
            out_path);
        free(out.tmp);
        return CLI_EXIT_INPUT;
    }
    printf("%s (%s): provisioned %ld, renewed %ld, skipped %ld (already "
           "provisioned)",
           c.code, c.name_en, n.provisioned, n.renewed, n.skipped);
    if (a->host != NULL)
        printf(", %ld not on %s", n.other_host, host);
    printf("; invitations in %s (mode 0600)\n", out_path);
    if (provision_rule(rule, sizeof(rule), &n, a->host ? host : NULL,
                       expires) &&
        strlen(rule) < sizeof(e.rule))
        memcpy(e.rule, rule, strlen(rule) + 1);
    return event_write(a, &e);

fail_tx:
    tx_rollback(db);
fail_file:
    out_file_abort(&out);
    return rc;
}

/* ------------------------------------------------------------ deprovision */

/* Accounts of retired or suspended staff ($1: a city code, or NULL for
 * every city), or of employee $1 whatever the status. */
static const char deprovision_status_sql[] =
    "UPDATE smartoffice.rollout_account a SET state = 'deprovisioned', "
    "deprovisioned_at = now(), secret_hash = NULL, secret_expires = NULL "
    "FROM smartoffice.employee e WHERE e.employee_no = a.employee_no "
    "AND a.state <> 'deprovisioned' AND e.status IN ('retired', 'suspended') "
    "AND ($1::text IS NULL OR e.city = $1) "
    "RETURNING a.employee_no, a.jid, e.status, e.name_en";
static const char deprovision_one_sql[] =
    "UPDATE smartoffice.rollout_account a SET state = 'deprovisioned', "
    "deprovisioned_at = now(), secret_hash = NULL, secret_expires = NULL "
    "FROM smartoffice.employee e WHERE e.employee_no = a.employee_no "
    "AND a.state <> 'deprovisioned' AND a.employee_no = $1 "
    "RETURNING a.employee_no, a.jid, e.status, e.name_en";
static const char account_state_sql[] =
    "SELECT state FROM smartoffice.rollout_account WHERE employee_no = $1";

/* Says why employee NO had no account to close. */
static int deprovision_none(struct st_db *db, const char *no)
{
    const char *params[1] = {no};
    PGresult *res;

    if (st_db_exec(db, "reading the account", account_state_sql, 1, params,
                   PGRES_TUPLES_OK, &res) != ST_OK)
        return db_failed(db);
    if (PQntuples(res) == 0)
        say("employee %s has no rollout account; nothing changed", no);
    else
        say("the account of employee %s is already deprovisioned; nothing "
            "changed",
            no);
    PQclear(res);
    return CLI_EXIT_INPUT;
}

/* Prints and audits each account of RES, one record each. */
static int deprovision_report(const struct ro_args *a, PGresult *res,
                              const struct ro_event *tmpl)
{
    int i, rc = CLI_EXIT_OK, r;

    for (i = 0; i < PQntuples(res); i++) {
        struct ro_event e = *tmpl;
        const char *status = PQgetvalue(res, i, 2);
        char rule[64];

        printf("deprovisioned %s %s (%s, %s)\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 3), status);
        if (a->employee != NULL)
            snprintf(rule, sizeof(rule), "by request, employee %s", status);
        else
            snprintf(rule, sizeof(rule), "employee %s", status);
        snprintf(e.rule, sizeof(e.rule), "%s", rule);
        snprintf(e.object, sizeof(e.object), "%s", PQgetvalue(res, i, 1));
        e.c.ev.rule = e.rule;
        e.c.ev.object = e.object;
        e.c.ev.host = e.c.host;
        if (so_audit_event_check(&e.c.ev, NULL) != SO_OK) {
            /* a JID the record cannot hold: name the employee instead */
            snprintf(e.object, sizeof(e.object), "employee %s",
                     PQgetvalue(res, i, 0));
        }
        r = event_write(a, &e);
        if (r != CLI_EXIT_OK)
            rc = r;
    }
    return rc;
}

static int cmd_deprovision(struct st_db *db, const struct ro_args *a)
{
    const char *params[1] = {NULL};
    struct ro_event tmpl;
    struct ro_city c;
    PGresult *res;
    int rc;

    if (a->npos == 1) {
        rc = city_find(db, a->pos[0], &c);
        if (rc != CLI_EXIT_OK)
            return rc;
        params[0] = c.code;
    } else if (a->employee != NULL) {
        params[0] = a->employee;
    }
    rc = event_init(&tmpl, "deprovision", "by request, employee suspended",
                    NULL, a->by, "x");
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = change_exec(db, "closing accounts",
                     a->employee != NULL ? deprovision_one_sql
                                         : deprovision_status_sql,
                     1, params, PGRES_TUPLES_OK, &res);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (PQntuples(res) == 0 && a->employee != NULL) {
        PQclear(res);
        return deprovision_none(db, a->employee);
    }
    rc = deprovision_report(a, res, &tmpl);
    printf("%d account%s deprovisioned\n", PQntuples(res),
           PQntuples(res) == 1 ? "" : "s");
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------ report */

/* Geometry of one city's chart, in CSS pixels. */
#define BAR_W 44
#define BAR_GAP 24
#define CHART_H 160
#define CHART_TOP 28
#define CHART_LEFT 16
#define CHART_BOTTOM 48
#define NBARS (M_COUNTS + 1)

struct metric_text {
    const char *key; /* data-metric */
    const char *en;
    const char *ur;
    const char *ur_short; /* under the bar */
};

static const struct metric_text metric_texts[NBARS] = {
    {"employees", "Employees (active)", "ملازمین (فعال)", "ملازمین"},
    {"provisioned", "Accounts issued", "جاری کردہ اکاؤنٹس", "جاری"},
    {"activated", "Accounts activated", "فعال کردہ اکاؤنٹس", "فعال"},
    {"online", "Online now", "اس وقت آن لائن", "آن لائن"},
    {"encrypted", "Encrypted at first try, 30 days (%)",
     "پہلی کوشش میں خفیہ کردہ پیغامات، 30 دن (%)", "خفیہ %"},
};

struct state_text {
    const char *state;
    const char *ur;
};

static const struct state_text state_texts[] = {
    {"planned", "منصوبہ بند"},
    {"pilot", "آزمائشی"},
    {"live", "جاری"},
    {"paused", "موقوف"},
};

static const char *state_ur(const char *state)
{
    size_t i;

    for (i = 0; i < sizeof(state_texts) / sizeof(state_texts[0]); i++) {
        if (strcmp(state_texts[i].state, state) == 0)
            return state_texts[i].ur;
    }
    return state;
}

/* Writes S to OUT with &, <, >, " and ' as character references. */
static void html_text(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static const char report_css[] =
    "body{font-family:'Noto Sans','DejaVu Sans',sans-serif;margin:24px;"
    "color:#1b1b1b;background:#fff}\n"
    "[lang=ur]{font-family:'Noto Nastaliq Urdu','Noto Naskh Arabic',"
    "'DejaVu Sans',sans-serif}\n"
    "h1,h2{margin:4px 0}\n"
    ".pair{display:flex;justify-content:space-between;gap:24px;"
    "align-items:baseline}\n"
    "table{border-collapse:collapse;margin:12px 0}\n"
    "th,td{border:1px solid #999;padding:4px 8px}\n"
    "td.n{text-align:right}\n"
    "th span[lang=ur]{display:block;font-weight:normal}\n"
    "section.city{display:inline-block;vertical-align:top;margin:12px;"
    "padding:8px;border:1px solid #ccc}\n"
    "rect.employees{fill:#4e79a7}rect.provisioned{fill:#f28e2b}"
    "rect.activated{fill:#59a14f}rect.online{fill:#b07aa1}"
    "rect.encrypted{fill:#76b7b2}\n"
    "svg text{font-size:11px}\n";

static void report_head(FILE *out, const char *when)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<title>Smart Office rollout report</title>\n<style>\n",
          out);
    fputs(report_css, out);
    fputs("</style>\n</head>\n<body>\n<header class=\"pair\">\n"
          "<h1>Smart Office rollout report</h1>\n"
          "<h1 dir=\"rtl\" lang=\"ur\">اسمارٹ آفس: شہر بہ شہر آغاز کی "
          "رپورٹ</h1>\n</header>\n<div class=\"pair\">\n<p>Generated ",
          out);
    html_text(out, when);
    fputs(" (UTC). Counts are bars to the scale of the city's largest "
          "count; the share of messages encrypted at the first try is a "
          "bar to the scale of 100%.</p>\n<p dir=\"rtl\" lang=\"ur\">تیاری "
          "کا وقت ",
          out);
    html_text(out, when);
    fputs(" (UTC)۔ تعداد کی پٹیاں شہر کی سب سے بڑی تعداد کے پیمانے پر ہیں؛ "
          "پہلی کوشش میں خفیہ کردہ پیغامات کی شرح 100% کے پیمانے پر ہے۔</p>\n"
          "</div>\n",
          out);
}

static void report_th(FILE *out, const char *en, const char *ur)
{
    fputs("<th>", out);
    html_text(out, en);
    fputs("<span dir=\"rtl\" lang=\"ur\">", out);
    html_text(out, ur);
    fputs("</span></th>", out);
}

static void report_table(FILE *out, const struct ro_stats *s, int n)
{
    int i, m;

    fputs("<section id=\"summary\">\n<div class=\"pair\"><h2>Summary</h2>"
          "<h2 dir=\"rtl\" lang=\"ur\">خلاصہ</h2></div>\n<table>\n<thead><tr>",
          out);
    report_th(out, "City", "شہر");
    report_th(out, "State", "حالت");
    report_th(out, "Phase", "مرحلہ");
    for (m = 0; m < NBARS; m++)
        report_th(out, metric_texts[m].en, metric_texts[m].ur);
    fputs("</tr></thead>\n<tbody>\n", out);
    for (i = 0; i < n; i++) {
        fputs("<tr data-city=\"", out);
        html_text(out, s[i].code);
        fputs("\"><td>", out);
        html_text(out, s[i].name_en);
        fputs(" (", out);
        html_text(out, s[i].code);
        fputs(")<br><span dir=\"rtl\" lang=\"ur\">", out);
        html_text(out, s[i].name_ur);
        fputs("</span></td><td>", out);
        html_text(out, s[i].state);
        fputs("<br><span dir=\"rtl\" lang=\"ur\">", out);
        html_text(out, state_ur(s[i].state));
        fputs("</span></td><td class=\"n\">", out);
        html_text(out, s[i].phase);
        fputs("</td>", out);
        for (m = 0; m < M_COUNTS; m++)
            fprintf(out, "<td class=\"n\" data-metric=\"%s\">%lld</td>",
                    metric_texts[m].key, s[i].count[m]);
        fprintf(out, "<td class=\"n\" data-metric=\"encrypted\">%s</td></tr>\n",
                s[i].share_text);
    }
    fputs("</tbody>\n</table>\n</section>\n", out);
}

/* One bar: the rect with its title, the number above it, the label
 * below it. */
static void report_bar(FILE *out, const struct ro_stats *s, int m,
                       double height, const char *value)
{
    double x = CHART_LEFT + m * (BAR_W + BAR_GAP);
    double y = CHART_TOP + CHART_H - height;

    fputs("<rect class=\"", out);
    fputs(metric_texts[m].key, out);
    fprintf(out, "\" x=\"%.0f\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" ", x, y,
            BAR_W, height);
    fputs("data-city=\"", out);
    html_text(out, s->code);
    fprintf(out, "\" data-metric=\"%s\" data-value=\"%s\"><title>",
            metric_texts[m].key, value);
    html_text(out, s->name_en);
    fprintf(out, ": %s: %s / ", metric_texts[m].en, value);
    html_text(out, s->name_ur);
    fprintf(out, ": %s: %s</title></rect>\n", metric_texts[m].ur, value);
    fprintf(out,
            "<text class=\"value\" x=\"%.0f\" y=\"%.2f\" "
            "text-anchor=\"middle\" data-city=\"",
            x + BAR_W / 2.0, y - 6);
    html_text(out, s->code);
    fprintf(out, "\" data-metric=\"%s\">%s</text>\n", metric_texts[m].key,
            value);
    fprintf(out,
            "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
            "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\" lang=\"ur\" "
            "direction=\"rtl\">%s</text>\n",
            x + BAR_W / 2.0, CHART_TOP + CHART_H + 16, metric_texts[m].key,
            x + BAR_W / 2.0, CHART_TOP + CHART_H + 36,
            metric_texts[m].ur_short);
}

static void report_city(FILE *out, const struct ro_stats *s)
{
    long long most = 0;
    char value[32];
    int m;

    for (m = 0; m < M_COUNTS; m++)
        if (s->count[m] > most)
            most = s->count[m];
    fputs("<section class=\"city\" data-city=\"", out);
    html_text(out, s->code);
    fputs("\">\n<h2>", out);
    html_text(out, s->name_en);
    fputs(" (", out);
    html_text(out, s->code);
    fputs("): ", out);
    html_text(out, s->state);
    fputs(", phase ", out);
    html_text(out, s->phase);
    fputs("</h2>\n<h2 dir=\"rtl\" lang=\"ur\">", out);
    html_text(out, s->name_ur);
    fputs(": ", out);
    html_text(out, state_ur(s->state));
    fputs("، مرحلہ ", out);
    html_text(out, s->phase);
    fprintf(out,
            "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" role=\"img\">\n",
            2 * CHART_LEFT + NBARS * (BAR_W + BAR_GAP) - BAR_GAP,
            CHART_TOP + CHART_H + CHART_BOTTOM);
    for (m = 0; m < M_COUNTS; m++) {
        snprintf(value, sizeof(value), "%lld", s->count[m]);
        report_bar(out, s, m,
                   most > 0 ? (double)s->count[m] * CHART_H / (double)most
                            : 0.0,
                   value);
    }
    report_bar(out, s, M_COUNTS, s->has_share ? s->share * CHART_H / 100.0 : 0,
               s->share_text);
    fputs("</svg>\n</section>\n", out);
}

static int cmd_report(struct st_db *db, const struct ro_args *a)
{
    struct ro_stats *s;
    PGresult *res;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    struct ro_file f;
    FILE *out;
    int i, rc;

    rc = stats_fetch(db, &res, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = out_file_open(&f, a->html, a->given & OPT_FORCE, 0644);
    if (rc != CLI_EXIT_OK)
        goto out_stats;
    out = f.fp;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    report_head(out, when);
    report_table(out, s, PQntuples(res));
    for (i = 0; i < PQntuples(res); i++)
        report_city(out, &s[i]);
    fputs("</body>\n</html>\n", out);
    rc = out_file_finish(&f);
    if (rc == CLI_EXIT_OK)
        rc = out_file_place(&f);
    if (rc != CLI_EXIT_OK) {
        out_file_abort(&f);
        goto out_stats;
    }
    printf("wrote %s (%d cities)\n", a->html, PQntuples(res));
out_stats:
    free(s);
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------ main */

static int check_exception(struct ro_args *a)
{
    const char *op = a->npos > 0 ? a->pos[0] : "";

    if (strcmp(op, "list") == 0)
        return check_shape(a, OPT_DB, 1, 1, "");
    if (strcmp(op, "add") != 0 && strcmp(op, "remove") != 0)
        return usage_error("exception needs add, remove or list; got",
                           a->npos > 0 ? op : "nothing");
    if (check_shape(a, OPT_DB | OPT_BY | OPT_REASON, 3, 3,
                    "'unit CODE' or 'person JID'") != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (strcmp(a->pos[1], "unit") != 0 && strcmp(a->pos[1], "person") != 0)
        return usage_error("an exception is for a 'unit' or a 'person', "
                           "not",
                           a->pos[1]);
    if (strcmp(op, "add") == 0 && a->reason == NULL)
        return usage_error("exception add needs --reason TEXT", NULL);
    return default_by(a);
}

/* Checks A for its subcommand; fills in the default --by for changes. */
static int check_args(struct ro_args *a)
{
    const unsigned change = OPT_DB | OPT_BY | OPT_REASON;

    if (strcmp(a->sub, "status") == 0)
        return check_shape(a, OPT_DB | OPT_JSON, 0, 0, "");
    if (transition_find(a->sub) != NULL) {
        if (check_shape(a, change, 1, 1, "CITY") != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        return default_by(a);
    }
    if (strcmp(a->sub, "exception") == 0)
        return check_exception(a);
    if (strcmp(a->sub, "report") == 0) {
        if (check_shape(a, OPT_DB | OPT_HTML | OPT_FORCE, 0, 0, "") !=
            CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        if (a->html == NULL)
            return usage_error("report needs --html FILE", NULL);
        return CLI_EXIT_OK;
    }
    if (strcmp(a->sub, "deprovision") == 0) {
        if (check_shape(a, OPT_DB | OPT_BY | OPT_EMPLOYEE, 0, 1, "") !=
            CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        if (a->npos == 1 && a->employee != NULL)
            return usage_error("give CITY or --employee, not both", NULL);
        return default_by(a);
    }
    if (strcmp(a->sub, "provision") == 0) {
        if (check_shape(a,
                        OPT_DB | OPT_BY | OPT_HOST | OPT_EXPIRES | OPT_OUT |
                            OPT_FORCE | OPT_RENEW,
                        1, 1, "CITY") != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        return default_by(a);
    }
    return usage_error("unknown subcommand", a->sub);
}

int cli_rollout_main(int argc, char **argv)
{
    struct ro_args args = {0};
    struct st_db *db;
    int rc;

    rc = parse_args(argc, argv, &args);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (args.sub == NULL)
        return usage_error("no subcommand given (status, open, pilot, "
                           "pause, resume, exception, provision, deprovision "
                           "or report)",
                           NULL);
    rc = check_args(&args);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_db_connect(args.conninfo, &db);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(args.sub, "status") == 0)
        rc = cmd_status(db, &args);
    else if (strcmp(args.sub, "exception") == 0)
        rc = cmd_exception(db, &args);
    else if (strcmp(args.sub, "provision") == 0)
        rc = cmd_provision(db, &args);
    else if (strcmp(args.sub, "deprovision") == 0)
        rc = cmd_deprovision(db, &args);
    else if (strcmp(args.sub, "report") == 0)
        rc = cmd_report(db, &args);
    else
        rc = cmd_state(db, &args);
    st_db_free(db);
    return rc;
}
