/*
 * cli_audit.c - smartoffice audit: verify the hash chain, export a time
 * range, expire old records, and log a record from a script.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "so_options.h"
#include "st_audit.h"

struct audit_opts {
    const char *db;
    const char *spill;
    const char *from, *to, *before, *older_than, *at;
    const char *format;
    struct so_audit_event ev;
};

static void audit_usage(FILE *out)
{
    fprintf(out,
            "usage: %s audit verify [--db CONNINFO]\n"
            "       %s audit export --from TIME --to TIME "
            "[--format jsonl|csv] [--db CONNINFO]\n"
            "       %s audit expire --before TIME | --older-than PERIOD\n"
            "                 [--db CONNINFO]\n"
            "       %s audit log --host H --module M --decision D --rule R\n"
            "                 [--subject S] [--object O] [--at TIME]\n"
            "                 [--spill FILE] [--db CONNINFO]\n\n"
            "TIME is ISO 8601 (2024-05-01, 2024-05-01T09:30:00Z,\n"
            "2024-05-01T14:30:00+05:00); without a zone it is UTC.\n"
            "PERIOD is a number of seconds, or of days, weeks, months\n"
            "(31 days) or years: 400d, 60w, 13m, 1y.\n"
            "CONNINFO defaults to $SMARTOFFICE_DB, FILE to\n"
            "$SMARTOFFICE_AUDIT_SPILL (none: fail when PostgreSQL is "
            "down).\n",
            cli_progname, cli_progname, cli_progname, cli_progname);
}

/* Parses N digits at *P into *V and moves *P past them. */
static bool digits(const char **p, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return true;
}

/* The fraction of a second at *P, as microseconds (digits beyond the
 * sixth are ignored). */
static int64_t fraction_us(const char **p)
{
    int64_t us = 0, scale = 100000;

    while (**p >= '0' && **p <= '9') {
        us += (**p - '0') * scale;
        scale /= 10;
        (*p)++;
    }
    return us;
}

/* Parses the zone at P ("", "Z", "+05:00", "-0330") into seconds east of
 * UTC. */
static bool zone_offset(const char *p, long *off)
{
    int h, m, sign;

    *off = 0;
    if (*p == '\0' || strcmp(p, "Z") == 0)
        return true;
    if (*p != '+' && *p != '-')
        return false;
    sign = *p++ == '-' ? -1 : 1;
    if (!digits(&p, 2, &h))
        return false;
    if (*p == ':')
        p++;
    if (!digits(&p, 2, &m) || *p != '\0' || h > 23 || m > 59)
        return false;
    *off = sign * (h * 3600L + m * 60L);
    return true;
}

/* ISO 8601 date, or date and time, into microseconds since the epoch. */
static bool time_parse(const char *s, int64_t *out)
{
    struct tm tm = {0};
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t us = 0;
    long off;
    time_t t;

    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, &d))
        return false;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                us = fraction_us(&p);
            }
        }
    }
    if (!zone_offset(p, &off) || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (tm.tm_mday != d) /* 31 April and the like */
        return false;
    *out = ((int64_t)t - off) * 1000000 + us;
    return true;
}

/* "2024-05-01T09:30:00.000000Z" into BUF (at least 32 bytes). */
static void time_format(int64_t at_us, char *buf, size_t len)
{
    int64_t sec = at_us / 1000000, us = at_us % 1000000;
    time_t t;
    struct tm tm;
    size_t n;

    if (us < 0) {
        us += 1000000;
        sec--;
    }
    t = (time_t)sec;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "(time out of range: %" PRId64 " us)", at_us);
        return;
    }
    n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06" PRId64 "Z", us);
}

static bool time_arg(const char *name, const char *s, int64_t *out)
{
    if (time_parse(s, out))
        return true;
    fprintf(stderr, "%s audit: --%s '%s' is not an ISO 8601 time\n",
            cli_progname, name, s);
    return false;
}

/* The option ARGV[*I] names, with its value; false for an unknown or
 * valueless option. */
static bool opt_take(struct audit_opts *o, int argc, char **argv, int *i)
{
    const struct {
        const char *name;
        const char **slot;
    } table[] = {
        {"--db", &o->db},
        {"--spill", &o->spill},
        {"--from", &o->from},
        {"--to", &o->to},
        {"--before", &o->before},
        {"--older-than", &o->older_than},
        {"--at", &o->at},
        {"--format", &o->format},
        {"--host", &o->ev.host},
        {"--module", &o->ev.module},
        {"--decision", &o->ev.decision},
        {"--rule", &o->ev.rule},
        {"--subject", &o->ev.subject},
        {"--object", &o->ev.object},
    };
    size_t k;

    for (k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
        if (strcmp(argv[*i], table[k].name) != 0)
            continue;
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s audit: %s needs a value\n", cli_progname,
                    argv[*i]);
            return false;
        }
        *table[k].slot = argv[++*i];
        return true;
    }
    fprintf(stderr, "%s audit: unknown option '%s'\n", cli_progname, argv[*i]);
    return false;
}

/* A writer for O's database and spill file, or NULL after saying why. */
static struct st_audit_writer *writer_open(const struct audit_opts *o)
{
    const char *db = o->db != NULL ? o->db : getenv("SMARTOFFICE_DB");
    const char *spill =
        o->spill != NULL ? o->spill : getenv("SMARTOFFICE_AUDIT_SPILL");
    struct st_audit_writer *w;

    if (spill != NULL && *spill == '\0')
        spill = NULL;
    w = st_audit_writer_new(db, spill);
    if (w == NULL)
        fprintf(stderr, "%s audit: cannot create a writer: out of memory\n",
                cli_progname);
    return w;
}

static int db_failed(struct st_audit_writer *w)
{
    fprintf(stderr, "%s audit: %s\n", cli_progname, st_audit_error(w));
    return CLI_EXIT_DB;
}

static int cmd_verify(struct st_audit_writer *w)
{
    struct st_audit_verdict v;

    if (st_audit_verify(w, &v) != ST_AUDIT_OK)
        return db_failed(w);
    if (!v.intact) {
        printf("audit chain broken: %s\n", v.why);
        return CLI_EXIT_INPUT;
    }
    if (v.count == 0)
        printf("audit chain intact: 0 records");
    else
        printf("audit chain intact: %" PRId64 " records, seq %" PRId64
               "..%" PRId64,
               v.count, v.first_seq, v.last_seq);
    if (v.anchor_seq > 0)
        printf(" (from the anchor at %" PRId64 ")", v.anchor_seq);
    printf("\n");
    return CLI_EXIT_OK;
}

static void hex_print(FILE *out, const uint8_t *h)
{
    int i;

    for (i = 0; i < SO_AUDIT_HASH_LEN; i++)
        fprintf(out, "%02x", h[i]);
}

/* S as a JSON string; fields hold no control characters. */
static void json_print(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        /* RFC 8259 §7: control characters are escaped, so that a field
         * edited in the database cannot forge a line of the export. */
        if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void csv_print(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int emit_jsonl(const struct st_audit_row *row, void *arg)
{
    FILE *out = arg;
    char at[40];
    int i;

    time_format(row->rec->at_us, at, sizeof(at));
    fprintf(out, "{\"seq\":%" PRId64 ",\"at\":\"%s\"", row->rec->seq, at);
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        fprintf(out, ",\"%s\":", so_audit_field_name(i));
        json_print(out, so_audit_field(row->rec, i));
    }
    fprintf(out, ",\"prev_hash\":\"");
    hex_print(out, row->prev_hash);
    fprintf(out, "\",\"hash\":\"");
    hex_print(out, row->hash);
    fprintf(out, "\"}\n");
    return 0;
}

static int emit_csv(const struct st_audit_row *row, void *arg)
{
    FILE *out = arg;
    char at[40];
    int i;

    time_format(row->rec->at_us, at, sizeof(at));
    fprintf(out, "%" PRId64 ",%s", row->rec->seq, at);
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        fputc(',', out);
        csv_print(out, so_audit_field(row->rec, i));
    }
    fputc(',', out);
    hex_print(out, row->prev_hash);
    fputc(',', out);
    hex_print(out, row->hash);
    fputc('\n', out);
    return 0;
}

static int cmd_export(struct st_audit_writer *w, const struct audit_opts *o)
{
    const char *format = o->format != NULL ? o->format : "jsonl";
    int (*emit)(const struct st_audit_row *, void *);
    int64_t from, to, count;

    if (o->from == NULL || o->to == NULL) {
        fprintf(stderr, "%s audit export: --from and --to are required\n",
                cli_progname);
        return CLI_EXIT_USAGE;
    }
    if (!time_arg("from", o->from, &from) || !time_arg("to", o->to, &to))
        return CLI_EXIT_USAGE;
    if (strcmp(format, "jsonl") == 0) {
        emit = emit_jsonl;
    } else if (strcmp(format, "csv") == 0) {
        emit = emit_csv;
        printf("seq,at,host,module,decision,rule,subject,object,"
               "prev_hash,hash\n");
    } else {
        fprintf(stderr, "%s audit export: --format is jsonl or csv\n",
                cli_progname);
        return CLI_EXIT_USAGE;
    }
    if (st_audit_export(w, from, to, emit, stdout, &count) != ST_AUDIT_OK)
        return db_failed(w);
    fprintf(stderr, "%s audit export: %" PRId64 " records\n", cli_progname,
            count);
    return CLI_EXIT_OK;
}

/* Appends EV through W (time now when EV's at_us is 0); WHAT names the
 * command in messages ("audit log"). Returns CLI_EXIT_OK when the record
 * was written or spilled, else the exit status after saying why. */
/* Says which field of EV so_audit_record_set() refused, and why. */
static void event_invalid(const struct so_audit_event *ev, const char *what)
{
    int i = 0;
    enum so_err err = so_audit_event_check(ev, &i);
    const char *name = so_audit_field_name(i);

    if (err == SO_ELIMIT)
        fprintf(stderr, "%s %s: %s is too long (at most %zu bytes)\n",
                cli_progname, what, name, so_audit_field_max(i));
    else
        fprintf(stderr,
                "%s %s: %s must be UTF-8 without control characters%s\n",
                cli_progname, what, name, i < 4 ? ", and not empty" : "");
}

static int append_event(struct st_audit_writer *w, struct so_audit_event *ev,
                        const char *what)
{
    struct so_audit_record *rec;
    struct timespec now;
    enum st_audit_status st;
    int rc = CLI_EXIT_USAGE;

    if (ev->at_us == 0) {
        clock_gettime(CLOCK_REALTIME, &now);
        ev->at_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    }
    rec = malloc(sizeof(*rec));
    if (rec == NULL) {
        fprintf(stderr, "%s %s: out of memory\n", cli_progname, what);
        return CLI_EXIT_DB;
    }
    if (so_audit_record_set(rec, ev) != SO_OK) {
        event_invalid(ev, what);
        goto out;
    }
    st = st_audit_append(w, rec, 1);
    if (st == ST_AUDIT_OK) {
        rc = CLI_EXIT_OK;
    } else if (st == ST_AUDIT_SPILLED) {
        fprintf(stderr, "%s %s: spilled to the local file (%s)\n", cli_progname,
                what, st_audit_error(w));
        rc = CLI_EXIT_OK;
    } else {
        rc = db_failed(w);
    }
out:
    free(rec);
    return rc;
}

/* The cutoff of expire into *BEFORE: --before TIME, or now minus
 * --older-than PERIOD; false after saying why. */
static bool expire_cutoff(const struct audit_opts *o, int64_t *before)
{
    struct timespec now;
    uint64_t seconds;

    if ((o->before == NULL) == (o->older_than == NULL)) {
        fprintf(stderr,
                "%s audit expire: give either --before TIME or "
                "--older-than PERIOD\n",
                cli_progname);
        return false;
    }
    if (o->before != NULL)
        return time_arg("before", o->before, before);
    if (so_period_parse(o->older_than, &seconds) != SO_OK || seconds == 0) {
        fprintf(stderr,
                "%s audit expire: --older-than '%s' is not a period like "
                "400d, 60w, 13m or 1y\n",
                cli_progname, o->older_than);
        return false;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    *before =
        ((int64_t)now.tv_sec - (int64_t)seconds) * 1000000 + now.tv_nsec / 1000;
    return true;
}

/* Records an expiry run that deleted EXPIRED records before BEFORE. It is
 * appended after the deletion's commit, so it chains to the head like any
 * other record and verification from the new anchor covers it. */
static int expire_audit(struct st_audit_writer *w, int64_t before,
                        int64_t expired, int64_t anchor)
{
    struct so_audit_event ev = {0};
    char host[256], at[40], object[128];
    const char *by = getenv("SUDO_USER");

    if (by == NULL || by[0] == '\0')
        by = getenv("USER");
    if (gethostname(host, sizeof(host)) != 0)
        strcpy(host, "localhost");
    host[sizeof(host) - 1] = '\0';
    time_format(before, at, sizeof(at));
    snprintf(object, sizeof(object),
             "%" PRId64 " records before %s, anchor at %" PRId64, expired, at,
             anchor);
    ev.host = host;
    ev.module = "cli";
    ev.decision = "audit-expired";
    ev.rule = "retention-audit";
    ev.subject = by != NULL ? by : "";
    ev.object = object;
    return append_event(w, &ev, "audit expire");
}

static int cmd_expire(struct st_audit_writer *w, const struct audit_opts *o)
{
    int64_t before, expired, anchor;
    char at[40];
    int rc;

    if (!expire_cutoff(o, &before))
        return CLI_EXIT_USAGE;
    if (st_audit_expire(w, before, &expired, &anchor) != ST_AUDIT_OK)
        return db_failed(w);
    time_format(before, at, sizeof(at));
    printf("audit expire: %" PRId64 " records deleted (before %s), anchor at "
           "%" PRId64 "\n",
           expired, at, anchor);
    fflush(stdout);
    rc = expire_audit(w, before, expired, anchor);
    if (rc != CLI_EXIT_OK)
        fprintf(stderr,
                "%s audit expire: the records are deleted but this run is "
                "not in the audit trail\n",
                cli_progname);
    return rc;
}

static int cmd_log(struct st_audit_writer *w, struct audit_opts *o)
{
    if (o->at != NULL && !time_arg("at", o->at, &o->ev.at_us))
        return CLI_EXIT_USAGE;
    return append_event(w, &o->ev, "audit log");
}

int cli_audit_main(int argc, char **argv)
{
    struct audit_opts o = {0};
    struct st_audit_writer *w;
    const char *sub;
    int i, rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        audit_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            audit_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!opt_take(&o, argc, argv, &i))
            return CLI_EXIT_USAGE;
    }
    if (strcmp(sub, "verify") != 0 && strcmp(sub, "export") != 0 &&
        strcmp(sub, "expire") != 0 && strcmp(sub, "log") != 0) {
        fprintf(stderr, "%s audit: unknown subcommand '%s'\n", cli_progname,
                sub);
        audit_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    w = writer_open(&o);
    if (w == NULL)
        return CLI_EXIT_DB;
    if (strcmp(sub, "verify") == 0)
        rc = cmd_verify(w);
    else if (strcmp(sub, "export") == 0)
        rc = cmd_export(w, &o);
    else if (strcmp(sub, "expire") == 0)
        rc = cmd_expire(w, &o);
    else
        rc = cmd_log(w, &o);
    st_audit_writer_free(w);
    return rc;
}

int cli_audit_record(const char *conninfo, struct so_audit_event *ev)
{
    struct audit_opts o = {0};
    struct st_audit_writer *w;
    int rc;

    o.db = conninfo;
    w = writer_open(&o);
    if (w == NULL)
        return CLI_EXIT_DB;
    rc = append_event(w, ev, "audit of this change");
    st_audit_writer_free(w);
    return rc;
}
