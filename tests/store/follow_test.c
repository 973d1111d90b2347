/*
 * follow_test.c - the store follower against a real PostgreSQL: zones
 * added and removed with the CLI reach st_follow_poll() within 2 s (the
 * latency is printed); pins follow; while PostgreSQL is stopped the last
 * snapshot stays and audit records spill, and are replayed in order when
 * it returns; a restart with PostgreSQL down loads the cache; a corrupt
 * cache is ignored with a reason.
 *
 *   follow_test WORKDIR
 *
 * Needs SMARTOFFICE_DB (a database with the schema and nothing else
 * writing audit records), SO (the smartoffice binary), TOP and PG_DIR, as
 * tests/store/follow.sh sets them. Leaves PostgreSQL running.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "st_follow.h"

#define LIMIT_MS 2000 /* issue 4: a zone change takes effect within 2 s */
#define PIN_UPPER                                                              \
    "AB01CD23EF45AB01CD23EF45AB01CD23EF45AB01CD23EF45AB01CD23EF45AB01"

static int failures;
static char spill[512], cache[512];

static void check(bool ok, const char *what, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("  ok: %s\n", what);
        return;
    }
    printf("  FAIL: %s: ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    failures++;
}

static void check_str(const char *what, const char *want, const char *got)
{
    check(strcmp(want, got) == 0, what, "expected '%s', got '%s'", want, got);
}

static void check_u64(const char *what, uint64_t want, uint64_t got)
{
    check(want == got, what, "expected %" PRIu64 ", got %" PRIu64, want, got);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

/* Runs CMD with the shell; its first output line into OUT (may be NULL). */
static int run(char *out, size_t len, const char *fmt, ...)
{
    char cmd[1024], line[512] = "";
    va_list ap;
    FILE *p;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    if (fgets(line, sizeof(line), p) != NULL)
        line[strcspn(line, "\n")] = '\0';
    while (fgetc(p) != EOF)
        ;
    if (out != NULL)
        snprintf(out, len, "%s", line);
    return pclose(p);
}

static void sql(char *out, size_t len, const char *query)
{
    run(out, len, "psql \"$SMARTOFFICE_DB\" -X -q -At -c \"%s\" 2>&1", query);
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Polls F every millisecond until WANT(F) holds or LIMIT ms pass; the
 * time taken in ms, or -1. */
static int64_t wait_for(struct st_follow *f, bool (*want)(struct st_follow *),
                        int limit)
{
    int64_t start = now_ms();

    for (;;) {
        st_follow_poll(f);
        if (want(f))
            return now_ms() - start;
        if (now_ms() - start > limit)
            return -1;
        sleep_ms(1);
    }
}

/* Like wait_for(), timing from START_US (before the change was made) in
 * ms with a fraction; -1 when LIMIT ms pass. */
static double latency(struct st_follow *f, bool (*want)(struct st_follow *),
                      int64_t start_us)
{
    if (wait_for(f, want, LIMIT_MS) < 0)
        return -1;
    return (double)(now_us() - start_us) / 1000.0;
}

static bool zone_present(struct st_follow *f)
{
    return st_follow_allows(f, "a.follow.example");
}

static bool zone_absent(struct st_follow *f)
{
    return !st_follow_allows(f, "a.follow.example");
}

static bool from_database(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return st.source == ST_FOLLOW_DATABASE && st.connected;
}

static bool disconnected(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return !st.connected && st.error[0] != '\0';
}

static bool has_pins(struct st_follow *f)
{
    const char *const *pins;

    return st_follow_pins(f, "a.follow.example", &pins) == 1;
}

static bool data_refused(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return st.invalid[0] != '\0';
}

static bool data_accepted(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return st.invalid[0] == '\0';
}

static uint64_t want_written, want_spilled;

static bool audit_settled(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return st.audit_written >= want_written &&
           st.audit_spilled >= want_spilled && st.audit_queued == 0;
}

static bool cache_settled(struct st_follow *f)
{
    struct st_follow_status st;

    st_follow_status(f, &st);
    return st.source != ST_FOLLOW_NONE || st.cache_error[0] != '\0';
}

/* Queues N records numbered from FIRST; how many were refused. */
static int audit_n(struct st_follow *f, int first, int n)
{
    char subject[64];
    int i, refused = 0;

    for (i = first; i < first + n; i++) {
        struct so_audit_event ev = {
            0,       "gov.pk",      "follow_test", "refuse", "not-approved",
            subject, "evil.example"};

        snprintf(subject, sizeof(subject), "f%d@gov.pk", i);
        if (st_follow_audit(f, &ev) != ST_FOLLOW_QUEUED)
            refused++;
    }
    return refused;
}

static struct st_follow *start(void)
{
    enum st_err err;
    struct st_follow *f =
        st_follow_new(getenv("SMARTOFFICE_DB"), spill, cache, &err);

    if (f == NULL) {
        printf("  FAIL: st_follow_new: error %d\n", err);
        exit(1);
    }
    return f;
}

static void live_changes(struct st_follow *f)
{
    const char *const *pins;
    char out[512];
    int64_t t0;
    double ms;

    printf("follow: live zone changes\n");
    check(wait_for(f, from_database, 5000) >= 0, "first snapshot",
          "no database snapshot within 5 s");
    check(!st_follow_allows(f, "a.follow.example"), "not approved yet",
          "a.follow.example is allowed before it was added");
    t0 = now_us();
    run(out, sizeof(out),
        "\"$SO\" zone add '*.follow.example' --reason t "
        "--by follow_test 2>&1");
    ms = latency(f, zone_present, t0);
    printf("  zone add (CLI started) -> st_follow_allows: %.1f ms\n", ms);
    check(ms >= 0, "an added zone is approved within 2 s", "not after %d ms",
          LIMIT_MS);
    check(!st_follow_allows(f, "follow.example"), "the wildcard's own domain",
          "follow.example allowed by *.follow.example");
    check(st_follow_pins(f, "a.follow.example", &pins) == 0 && pins == NULL,
          "no pins yet", "pins before any were set");

    t0 = now_us();
    run(out, sizeof(out),
        "\"$SO\" zone pin '*.follow.example' " PIN_UPPER " 2>&1");
    ms = latency(f, has_pins, t0);
    printf("  zone pin (CLI started) -> st_follow_pins: %.1f ms\n", ms);
    check(ms >= 0, "a pin arrives within 2 s", "not after %d ms", LIMIT_MS);
    if (st_follow_pins(f, "x.a.follow.example", &pins) == 1)
        check_str("the pin, in lower case",
                  "ab01cd23ef45ab01cd23ef45ab01cd23ef45ab01cd23ef45ab01cd23ef4"
                  "5ab01",
                  pins[0]);

    t0 = now_us();
    run(out, sizeof(out), "\"$SO\" zone remove '*.follow.example' 2>&1");
    ms = latency(f, zone_absent, t0);
    printf("  zone remove (CLI started) -> denied: %.1f ms\n", ms);
    check(ms >= 0, "a removed zone is denied within 2 s", "not after %d ms",
          LIMIT_MS);
    check(!st_follow_poll(f), "no change without a change",
          "poll reported a change");
    run(out, sizeof(out),
        "\"$SO\" zone add '*.follow.example' --reason t "
        "--by follow_test 2>&1");
    check(wait_for(f, zone_present, LIMIT_MS) >= 0, "added again", "no");
}

/* A pin the loader refuses, as an install older than the table's CHECK
 * may hold: the data is reported invalid (not the database unreachable),
 * the last snapshot stays, and a correction is followed at once. */
static void invalid_data(struct st_follow *f)
{
    struct st_follow_status st;
    char out[512];

    printf("follow: invalid zone data\n");
    sql(out, sizeof(out),
        "ALTER TABLE smartoffice.federation_zone "
        "DROP CONSTRAINT federation_zone_pins_check");
    sql(out, sizeof(out),
        "UPDATE smartoffice.federation_zone SET pins = ARRAY['NOT-HEX'] "
        "WHERE pattern = '*.follow.example'");
    check(wait_for(f, data_refused, LIMIT_MS) >= 0, "the bad pin is seen",
          "no invalid data reported within 2 s");
    st_follow_status(f, &st);
    check_str("the reason names the zone",
              "loading zones: zone *.follow.example: a pin is not a "
              "SHA-256 fingerprint in hex",
              st.invalid);
    check(st.connected && st.error[0] == '\0', "still connected",
          "connected %d, error '%s'", st.connected, st.error);
    check(st_follow_allows(f, "a.follow.example"), "the last snapshot stays",
          "a.follow.example denied");

    run(out, sizeof(out), "\"$SO\" zone unpin '*.follow.example' 2>&1");
    check(wait_for(f, data_accepted, LIMIT_MS) >= 0, "corrected data loads",
          "still invalid after 2 s");
    run(out, sizeof(out), "\"$SO\" zone remove '*.follow.example' 2>&1");
    check(wait_for(f, zone_absent, LIMIT_MS) >= 0, "a removal follows",
          "a.follow.example still allowed after 2 s");
    run(out, sizeof(out),
        "\"$SO\" zone add '*.follow.example' --reason t "
        "--by follow_test 2>&1");
    check(wait_for(f, zone_present, LIMIT_MS) >= 0, "added again", "no");
}

static void outage(struct st_follow *f)
{
    struct st_follow_status st;
    char out[512];
    int64_t ms;

    printf("follow: audit records through an outage\n");
    check(audit_n(f, 1, 100) == 0, "100 records queued", "some refused");
    want_written = 100;
    check(wait_for(f, audit_settled, 5000) >= 0, "100 records written",
          "not within 5 s");

    run(out, sizeof(out), "\"$TOP/scripts/pg-stack\" stop \"$PG_DIR\" 2>&1");
    ms = wait_for(f, disconnected, 5000);
    printf("  PostgreSQL stopped -> seen as disconnected: %" PRId64 " ms\n",
           ms);
    check(ms >= 0, "the loss is noticed", "still connected after 5 s");
    check(st_follow_allows(f, "a.follow.example"), "the last snapshot stays",
          "a.follow.example denied during the outage");
    check(audit_n(f, 101, 150) == 0, "150 records queued during the outage",
          "some refused");
    want_spilled = 150;
    check(wait_for(f, audit_settled, 5000) >= 0, "150 records spilled",
          "not within 5 s");
    st_follow_status(f, &st);
    check_u64("nothing lost", 0, st.audit_lost);

    run(out, sizeof(out), "\"$TOP/scripts/pg-stack\" start \"$PG_DIR\" 2>&1");
    ms = wait_for(f, from_database, 10000);
    printf("  PostgreSQL started -> reconnected: %" PRId64 " ms\n", ms);
    check(ms >= 0, "reconnected", "not within 10 s");
    check(audit_n(f, 251, 50) == 0, "50 more records queued", "some refused");
    want_written = 300;
    check(wait_for(f, audit_settled, 10000) >= 0, "spill replayed",
          "written stays below 300");
    check(audit_n(f, 301, 20) == 0, "20 records queued just before free",
          "some refused");
}

static void stored_in_order(void)
{
    char out[512];

    sql(out, sizeof(out),
        "SELECT count(*), count(DISTINCT subject) FROM smartoffice.audit "
        "WHERE module = 'follow_test'");
    check_str("every record stored once", "320|320", out);
    sql(out, sizeof(out),
        "SELECT bool_and(n = r) FROM (SELECT substring(subject FROM "
        "'f([0-9]+)@')::int AS n, row_number() OVER (ORDER BY seq) AS r "
        "FROM smartoffice.audit WHERE module = 'follow_test') x");
    check_str("in the order they were queued", "t", out);
    run(out, sizeof(out), "\"$SO\" audit verify 2>&1");
    check(strncmp(out, "audit chain intact", 18) == 0, "chain intact", "'%s'",
          out);
}

static void restart_from_cache(void)
{
    struct st_follow_status st;
    struct st_follow *f;
    char out[512];

    printf("follow: restart while PostgreSQL is down\n");
    run(out, sizeof(out), "\"$TOP/scripts/pg-stack\" stop \"$PG_DIR\" 2>&1");
    f = start();
    check(wait_for(f, cache_settled, 5000) >= 0, "cache read", "nothing");
    st_follow_status(f, &st);
    check_str("source", "cache", st_follow_source_str(st.source));
    check(st_follow_allows(f, "a.follow.example"), "cached zone approved",
          "denied");
    check(!st_follow_allows(f, "evil.example"), "others denied", "allowed");
    st_follow_free(f);

    printf("follow: a corrupt cache is ignored\n");
    run(out, sizeof(out), "sed -i 's/^end .*/end 7/' '%s'", cache);
    f = start();
    check(wait_for(f, cache_settled, 5000) >= 0, "cache judged", "nothing");
    st_follow_status(f, &st);
    check_str("source", "none", st_follow_source_str(st.source));
    printf("  reason: %s\n", st.cache_error);
    check(strstr(st.cache_error, "end line") != NULL, "the reason names it",
          "'%s'", st.cache_error);
    check(!st_follow_allows(f, "a.follow.example"), "deny all", "allowed");

    run(out, sizeof(out), "\"$TOP/scripts/pg-stack\" start \"$PG_DIR\" 2>&1");
    check(wait_for(f, zone_present, 10000) >= 0, "PostgreSQL back: zones",
          "not within 10 s");
    st_follow_status(f, &st);
    check_str("source", "database", st_follow_source_str(st.source));
    check_str("cache rewritten", "", st.cache_error);
    st_follow_free(f);
}

int main(int argc, char **argv)
{
    struct st_follow *f;

    if (argc != 2 || getenv("SMARTOFFICE_DB") == NULL) {
        fprintf(stderr, "usage: SMARTOFFICE_DB=... follow_test WORKDIR\n");
        return 2;
    }
    snprintf(spill, sizeof(spill), "%s/audit.spill", argv[1]);
    snprintf(cache, sizeof(cache), "%s/zones.cache", argv[1]);
    f = start();
    live_changes(f);
    invalid_data(f);
    outage(f);
    st_follow_free(f);
    stored_in_order();
    restart_from_cache();
    return failures > 0 ? 1 : 0;
}
