/*
 * st_snapshot.c - zone snapshots: built from PostgreSQL or the cache file,
 * written to the cache file, asked for pins.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "so_domain.h"
#include "st_snapshot.h"

#define CACHE_HEADER "smartoffice-zones-cache 1"

static const char load_sql[] = "SELECT pattern, array_to_string(pins, ' ') "
                               "FROM smartoffice.federation_zone";

struct zone {
    char *pattern; /* owned */
    char **pins;   /* owned, with each string; NULL when none */
    size_t npins;
};

struct st_snapshot {
    enum st_follow_source source;
    struct so_zones *set; /* owned; NULL until built */
    struct zone *zones;   /* sorted by pattern once built */
    size_t n, cap;
};

__attribute__((format(printf, 3, 4))) static void set_why(char *why, size_t len,
                                                          const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

static void zone_clear(struct zone *z)
{
    size_t i;

    for (i = 0; i < z->npins; i++)
        free(z->pins[i]);
    free(z->pins);
    free(z->pattern);
}

void st_snapshot_free(struct st_snapshot *snap)
{
    size_t i;

    if (snap == NULL)
        return;
    for (i = 0; i < snap->n; i++)
        zone_clear(&snap->zones[i]);
    free(snap->zones);
    so_zones_free(snap->set);
    free(snap);
}

/* A pin is 64 hex digits; any case in, lower case stored. */
static char *pin_copy(const char *s, size_t len)
{
    char *p;
    size_t i;

    if (len != ST_FOLLOW_PIN_LEN || strspn(s, "0123456789abcdefABCDEF") < len)
        return NULL;
    p = malloc(len + 1);
    if (p == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        p[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    p[len] = '\0';
    return p;
}

static bool pattern_canonical(const char *pattern)
{
    char buf[SO_DOMAIN_BUF];

    return so_zone_pattern_normalize(pattern, buf, sizeof(buf), NULL, 0) ==
               SO_OK &&
           strcmp(buf, pattern) == 0;
}

/* Splits PINS (space-separated) into Z's pins. */
static bool zone_set_pins(struct zone *z, const char *pins, char *why,
                          size_t whylen)
{
    const char *p = pins;
    size_t count = 0, len;

    for (p = pins + strspn(pins, " "); *p != '\0'; p += strspn(p, " ")) {
        count++;
        p += strcspn(p, " ");
    }
    if (count == 0)
        return true;
    z->pins = calloc(count, sizeof(*z->pins));
    if (z->pins == NULL) {
        set_why(why, whylen, "out of memory");
        return false;
    }
    for (p = pins + strspn(pins, " "); *p != '\0'; p += strspn(p, " ")) {
        len = strcspn(p, " ");
        z->pins[z->npins] = pin_copy(p, len);
        if (z->pins[z->npins] == NULL) {
            set_why(why, whylen,
                    "zone %s: a pin is not a SHA-256 fingerprint in hex",
                    z->pattern);
            return false;
        }
        z->npins++;
        p += len;
    }
    return true;
}

/* Adds PATTERN with its space-separated PINS to the snapshot being built. */
static bool snap_add(struct st_snapshot *s, const char *pattern,
                     const char *pins, char *why, size_t whylen)
{
    struct zone *z;

    if (!pattern_canonical(pattern)) {
        set_why(why, whylen, "zone %s is not in normalised form", pattern);
        return false;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap > 0 ? 2 * s->cap : 16;
        struct zone *grown = realloc(s->zones, cap * sizeof(*grown));

        if (grown == NULL) {
            set_why(why, whylen, "out of memory");
            return false;
        }
        s->zones = grown;
        s->cap = cap;
    }
    z = &s->zones[s->n];
    memset(z, 0, sizeof(*z));
    z->pattern = strdup(pattern);
    if (z->pattern == NULL) {
        set_why(why, whylen, "out of memory");
        return false;
    }
    s->n++; /* owned by S from here, whatever happens to the pins */
    return zone_set_pins(z, pins, why, whylen);
}

static int zone_cmp(const void *a, const void *b)
{
    return strcmp(((const struct zone *)a)->pattern,
                  ((const struct zone *)b)->pattern);
}

/* Sorts S, refuses duplicates and builds its zone set. */
static bool snap_finish(struct st_snapshot *s, char *why, size_t whylen)
{
    const char **patterns;
    enum so_err err;
    size_t i;

    if (s->n > 1)
        qsort(s->zones, s->n, sizeof(*s->zones), zone_cmp);
    for (i = 1; i < s->n; i++) {
        if (strcmp(s->zones[i - 1].pattern, s->zones[i].pattern) == 0) {
            set_why(why, whylen, "zone %s appears twice", s->zones[i].pattern);
            return false;
        }
    }
    patterns = calloc(s->n > 0 ? s->n : 1, sizeof(*patterns));
    if (patterns == NULL) {
        set_why(why, whylen, "out of memory");
        return false;
    }
    for (i = 0; i < s->n; i++)
        patterns[i] = s->zones[i].pattern;
    s->set = so_zones_new(patterns, s->n, &err);
    free(patterns);
    if (s->set == NULL) {
        set_why(why, whylen, "building the zone set: %s", so_err_str(err));
        return false;
    }
    return true;
}

static struct st_snapshot *snap_new(enum st_follow_source source)
{
    struct st_snapshot *s = calloc(1, sizeof(*s));

    if (s != NULL)
        s->source = source;
    return s;
}

enum st_err st_snapshot_load(struct st_db *db, struct st_snapshot **out)
{
    struct st_snapshot *s = NULL;
    PGresult *res = NULL;
    char why[256] = "out of memory";
    enum st_err err;
    int i, n;

    *out = NULL;
    err = st_db_exec(db, "loading zones", load_sql, 0, NULL, PGRES_TUPLES_OK,
                     &res);
    if (err != ST_OK)
        goto out;
    err = ST_ENOMEM;
    s = snap_new(ST_FOLLOW_DATABASE);
    if (s == NULL)
        goto fail;
    err = ST_EDATA;
    n = PQntuples(res);
    for (i = 0; i < n; i++) {
        if (PQgetisnull(res, i, 0) ||
            !snap_add(s, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), why,
                      sizeof(why)))
            goto fail;
    }
    if (!snap_finish(s, why, sizeof(why)))
        goto fail;
    *out = s;
    err = ST_OK;
    goto out;

fail:
    st_db_set_error(db, "loading zones", why);
    st_snapshot_free(s);
out:
    PQclear(res);
    return err;
}

/* Parses one cache line (without its newline) into S. */
static bool cache_line(struct st_snapshot *s, char *line, bool *ended,
                       char *why, size_t whylen)
{
    char *end, *pins;
    unsigned long long n;

    if (*ended) {
        set_why(why, whylen, "text after the end line");
        return false;
    }
    if (strncmp(line, "zone ", 5) == 0) {
        line += 5;
        pins = line + strcspn(line, " ");
        if (*pins != '\0')
            *pins++ = '\0';
        return snap_add(s, line, pins, why, whylen);
    }
    if (strncmp(line, "end ", 4) == 0) {
        errno = 0;
        n = strtoull(line + 4, &end, 10);
        if (errno != 0 || end == line + 4 || *end != '\0' || n != s->n) {
            set_why(why, whylen, "the end line does not count %zu zones", s->n);
            return false;
        }
        *ended = true;
        return true;
    }
    set_why(why, whylen, "not a zone or end line");
    return false;
}

struct st_snapshot *st_snapshot_read(const char *path, char *why, size_t whylen)
{
    struct st_snapshot *s = NULL;
    char reason[200] = "";
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    bool ended = false;
    ssize_t len;
    FILE *f;

    f = fopen(path, "re");
    if (f == NULL) {
        set_why(why, whylen, "opening the zones cache: %s", strerror(errno));
        return NULL;
    }
    s = snap_new(ST_FOLLOW_CACHE);
    if (s == NULL) {
        set_why(why, whylen, "reading the zones cache: out of memory");
        goto fail;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] != '\n' || strlen(line) != (size_t)len) {
            snprintf(reason, sizeof(reason), "cut short or holds NUL bytes");
            goto bad_line;
        }
        line[len - 1] = '\0';
        if (lineno == 1) {
            if (strcmp(line, CACHE_HEADER) != 0) {
                snprintf(reason, sizeof(reason), "not a zones cache header");
                goto bad_line;
            }
            continue;
        }
        if (!cache_line(s, line, &ended, reason, sizeof(reason)))
            goto bad_line;
    }
    if (ferror(f)) {
        set_why(why, whylen, "reading the zones cache: %s", strerror(errno));
        goto fail;
    }
    if (!ended) {
        set_why(why, whylen, "zones cache: no end line (cut short)");
        goto fail;
    }
    if (!snap_finish(s, reason, sizeof(reason))) {
        set_why(why, whylen, "zones cache: %s", reason);
        goto fail;
    }
    free(line);
    fclose(f);
    return s;

bad_line:
    set_why(why, whylen, "zones cache line %ld: %s", lineno, reason);
fail:
    st_snapshot_free(s);
    free(line);
    fclose(f);
    return NULL;
}

static bool cache_print(const struct st_snapshot *snap, FILE *f)
{
    size_t i, j;

    if (fprintf(f, "%s\n", CACHE_HEADER) < 0)
        return false;
    for (i = 0; i < snap->n; i++) {
        const struct zone *z = &snap->zones[i];

        if (fprintf(f, "zone %s", z->pattern) < 0)
            return false;
        for (j = 0; j < z->npins; j++) {
            if (fprintf(f, " %s", z->pins[j]) < 0)
                return false;
        }
        if (fputc('\n', f) == EOF)
            return false;
    }
    return fprintf(f, "end %zu\n", snap->n) >= 0;
}

/* Makes a rename in PATH's directory durable. Best effort. */
static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    int fd;

    if (copy == NULL)
        return;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

bool st_snapshot_write(const struct st_snapshot *snap, const char *path,
                       char *why, size_t whylen)
{
    char *tmp = NULL;
    FILE *f = NULL;
    bool ok = false;
    int fd;

    if (asprintf(&tmp, "%s.tmp", path) < 0) {
        tmp = NULL;
        set_why(why, whylen, "writing the zones cache: out of memory");
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        set_why(why, whylen, "creating the zones cache: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out_tmp;
    }
    if (!cache_print(snap, f) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        set_why(why, whylen, "writing the zones cache: %s", strerror(errno));
        goto out_file;
    }
    if (fclose(f) != 0) {
        f = NULL;
        set_why(why, whylen, "writing the zones cache: %s", strerror(errno));
        goto out_tmp;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        set_why(why, whylen, "replacing the zones cache: %s", strerror(errno));
        goto out_tmp;
    }
    sync_dir(path);
    ok = true;
    goto out;

out_file:
    fclose(f);
out_tmp:
    unlink(tmp);
out:
    free(tmp);
    return ok;
}

bool st_snapshot_equal(const struct st_snapshot *a, const struct st_snapshot *b)
{
    size_t i, j;

    if (a == NULL || b == NULL)
        return a == b;
    if (a->source != b->source || a->n != b->n)
        return false;
    for (i = 0; i < a->n; i++) {
        const struct zone *x = &a->zones[i], *y = &b->zones[i];

        if (strcmp(x->pattern, y->pattern) != 0 || x->npins != y->npins)
            return false;
        for (j = 0; j < x->npins; j++) {
            if (strcmp(x->pins[j], y->pins[j]) != 0)
                return false;
        }
    }
    return true;
}

enum st_follow_source st_snapshot_source(const struct st_snapshot *snap)
{
    return snap != NULL ? snap->source : ST_FOLLOW_NONE;
}

size_t st_snapshot_count(const struct st_snapshot *snap)
{
    return snap != NULL ? snap->n : 0;
}

const struct so_zones *st_snapshot_zones(const struct st_snapshot *snap)
{
    return snap != NULL ? snap->set : NULL;
}

static const struct zone *zone_find(const struct st_snapshot *snap,
                                    const char *pattern)
{
    struct zone key = {.pattern = (char *)pattern};

    return bsearch(&key, snap->zones, snap->n, sizeof(*snap->zones), zone_cmp);
}

size_t st_snapshot_pins(const struct st_snapshot *snap, const char *domain,
                        const char *const **pins)
{
    char key[SO_DOMAIN_BUF + 2];
    const struct zone *z;
    const char *d = domain;

    *pins = NULL;
    if (snap == NULL || snap->n == 0)
        return 0;
    /* "a.b.c" is approved by "a.b.c", "*.b.c" or "*.c", in that order of
     * precedence (so_zones.h). */
    z = zone_find(snap, domain);
    while (z == NULL && (d = strchr(d, '.')) != NULL) {
        d++;
        if ((size_t)snprintf(key, sizeof(key), "*.%s", d) >= sizeof(key))
            return 0;
        z = zone_find(snap, key);
    }
    if (z == NULL || z->npins == 0)
        return 0;
    *pins = (const char *const *)z->pins;
    return z->npins;
}
