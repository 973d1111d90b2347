/*
 * cli_directory.c - smartoffice directory import: HR's CSV files of
 * cities, organisation units and employees into the directory.
 *
 * The kind of file is told by its header line. Every row is checked;
 * every bad row is reported as FILE:LINE: reason, and then nothing at all
 * is imported. A good file is loaded in one transaction (see st_import.h)
 * and rows that are not in the file are left alone. docs/directory-import.md
 * is the reference for the formats and rules.
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "so_dterms.h"
#include "so_fold.h"
#include "so_jid.h"
#include "st_db.h"
#include "st_import.h"

/* Most fields a row may have; more are counted but not kept. */
#define FIELDS_MAX 16
/* Longest value of a name or designation, in bytes. */
#define TEXT_MAX 256
#define PHONE_MAX 32
#define EMAIL_MAX 254
#define JID_MAX 256
/* Deepest organisation tree (the schema's CHECK on path). */
#define DEPTH_MAX 16
/* libcsv's parser state between rows (ROW_NOT_BEGUN in libcsv.c). */
#define CSV_ROW_NOT_BEGUN 0

enum file_kind { KIND_CITY, KIND_UNIT, KIND_EMPLOYEE };

static const char *const city_header[] = {"code",     "name_en", "name_ur",
                                          "province", "phase",   NULL};
static const char *const unit_header[] = {"code",    "parent",  "kind",
                                          "name_en", "name_ur", NULL};
static const char *const employee_header[] = {
    "employee_no", "name_en",      "name_ur", "designation", "bps",    "unit",
    "city",        "office_phone", "email",   "jid",         "status", NULL};

static const char *const provinces[] = {
    "Islamabad Capital Territory", "Punjab",      "Sindh",
    "Khyber Pakhtunkhwa",          "Balochistan", "Gilgit-Baltistan",
    "Azad Jammu and Kashmir",      NULL};
static const char *const unit_kinds[] = {
    "ministry", "division", "department", "wing", "section", "office", NULL};
static const char *const statuses[] = {"active", "on_leave", "suspended",
                                       "retired", NULL};

/* ---- memory: an arena of strings that live until the end ---- */

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
};

struct arena {
    struct arena_block *head;
};

#define ARENA_BLOCK (1024 * 1024)

/* N bytes aligned for a pointer, owned by A; NULL when memory ran out. */
static void *arena_alloc(struct arena *a, size_t n)
{
    struct arena_block *b = a->head;
    size_t size;

    n = (n + 7) & ~(size_t)7;
    if (b == NULL || b->size - b->used < n) {
        size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof(*b) + size);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

static char *arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static void arena_free(struct arena *a)
{
    struct arena_block *b, *next;

    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

/* ---- a string-keyed map (open addressing); keys are borrowed ---- */

struct map {
    size_t cap, n;
    const char **key;
    void **val;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The slot of KEY: where it is, or the empty one where it would go. */
static size_t map_slot(const struct map *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);

    while (m->key[i] != NULL && strcmp(m->key[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void *map_get(const struct map *m, const char *key)
{
    size_t i;

    if (m->cap == 0)
        return NULL;
    i = map_slot(m, key);
    return m->key[i] != NULL ? m->val[i] : NULL;
}

static int map_grow(struct map *m)
{
    struct map bigger;
    size_t i, j;

    bigger.cap = m->cap ? m->cap * 2 : 64;
    bigger.n = m->n;
    bigger.key = calloc(bigger.cap, sizeof(*bigger.key));
    bigger.val = calloc(bigger.cap, sizeof(*bigger.val));
    if (bigger.key == NULL || bigger.val == NULL) {
        free(bigger.key);
        free(bigger.val);
        return -1;
    }
    for (i = 0; i < m->cap; i++) {
        if (m->key[i] == NULL)
            continue;
        j = map_slot(&bigger, m->key[i]);
        bigger.key[j] = m->key[i];
        bigger.val[j] = m->val[i];
    }
    free(m->key);
    free(m->val);
    *m = bigger;
    return 0;
}

/* Sets KEY (borrowed; must outlive M) to VAL (not NULL). 0 or -1. */
static int map_put(struct map *m, const char *key, void *val)
{
    size_t i;

    if ((m->n + 1) * 2 > m->cap && map_grow(m) != 0)
        return -1;
    i = map_slot(m, key);
    if (m->key[i] == NULL)
        m->n++;
    m->key[i] = key;
    m->val[i] = val;
    return 0;
}

static void map_free(struct map *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof(*m));
}

/* ---- reading records: libcsv, fed one physical line at a time ---- */

/* One record: NFIELDS fields (only the first FIELDS_MAX kept), each
 * NUL-terminated in the reader's buffer, starting at physical LINE. */
struct record {
    long line;
    size_t nfields;
    size_t off[FIELDS_MAX];
    size_t len[FIELDS_MAX];
};

struct reader {
    const char *path;
    FILE *f;
    struct csv_parser csv;
    long lineno; /* physical lines read so far */
    long start;  /* where the record being parsed started */
    char *line;  /* getline's buffer */
    size_t linecap;
    char *buf; /* fields of the pending records */
    size_t len, cap;
    struct record *rec; /* records completed, not yet handed out */
    size_t nrec, caprec, next;
    struct record cur;
    bool oom;
    long problems; /* bad rows reported */
};

static void report(struct reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct reader *r, long line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%ld: ", r->path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    r->problems++;
}

static void on_field(void *data, size_t len, void *arg)
{
    struct reader *r = arg;
    size_t need = len + 1, i = r->cur.nfields;
    char *p;

    r->cur.nfields++;
    if (i >= FIELDS_MAX)
        return;
    if (r->len + need > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;

        while (cap < r->len + need)
            cap *= 2;
        p = realloc(r->buf, cap);
        if (p == NULL) {
            r->oom = true;
            return;
        }
        r->buf = p;
        r->cap = cap;
    }
    if (len > 0)
        memcpy(r->buf + r->len, data, len);
    r->buf[r->len + len] = '\0';
    r->cur.off[i] = r->len;
    r->cur.len[i] = len;
    r->len += need;
}

static void on_record(int term, void *arg)
{
    struct reader *r = arg;
    struct record *p;

    (void)term;
    if (r->nrec == r->caprec) {
        size_t cap = r->caprec ? r->caprec * 2 : 8;

        p = realloc(r->rec, cap * sizeof(*p));
        if (p == NULL) {
            r->oom = true;
            return;
        }
        r->rec = p;
        r->caprec = cap;
    }
    r->cur.line = r->start;
    r->rec[r->nrec++] = r->cur;
    memset(&r->cur, 0, sizeof(r->cur));
}

static int reader_open(struct reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->path = path;
    r->f = fopen(path, "rb");
    if (r->f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", cli_progname, path, strerror(errno));
        return -1;
    }
    if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) !=
        0) {
        fprintf(stderr, "%s: %s: out of memory\n", cli_progname, path);
        fclose(r->f);
        return -1;
    }
    return 0;
}

static void reader_close(struct reader *r)
{
    csv_free(&r->csv);
    if (r->f != NULL)
        fclose(r->f);
    free(r->line);
    free(r->buf);
    free(r->rec);
}

/* After a quoting error: drops the record and starts afresh. */
static void reader_restart(struct reader *r)
{
    csv_free(&r->csv);
    memset(&r->cur, 0, sizeof(r->cur));
    if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        r->oom = true;
}

/*
 * Hands out the next record in *REC (borrowed until the next call).
 * Returns 1, 0 at the end of the file, or -1 when reading failed (after
 * saying why). Quoting errors are reported and the reader goes on with
 * the next line.
 */
static int reader_next(struct reader *r, struct record **rec)
{
    ssize_t n;
    char *p;

    if (r->next == r->nrec) {
        r->next = r->nrec = 0;
        r->len = 0;
    }
    while (r->nrec == 0) {
        n = getline(&r->line, &r->linecap, r->f);
        if (n < 0)
            break;
        r->lineno++;
        p = r->line;
        if (r->lineno == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
            p += 3; /* a byte order mark: Excel writes one */
            n -= 3;
        }
        if (r->csv.pstate == CSV_ROW_NOT_BEGUN)
            r->start = r->lineno;
        if (csv_parse(&r->csv, p, (size_t)n, on_field, on_record, r) !=
            (size_t)n) {
            report(r, r->lineno, "malformed quoting (%s)",
                   csv_strerror(csv_error(&r->csv)));
            reader_restart(r);
        }
        if (r->oom)
            goto oom;
    }
    if (r->nrec == 0) {
        if (ferror(r->f)) {
            fprintf(stderr, "%s: %s: %s\n", cli_progname, r->path,
                    strerror(errno));
            return -1;
        }
        if (csv_fini(&r->csv, on_field, on_record, r) != 0) {
            report(r, r->start, "a quoted field is not closed");
            reader_restart(r);
        }
        if (r->oom)
            goto oom;
        if (r->nrec == 0)
            return 0;
    }
    *rec = &r->rec[r->next++];
    return 1;
oom:
    fprintf(stderr, "%s: %s: out of memory\n", cli_progname, r->path);
    return -1;
}

/* Field I of REC, borrowed (writable, for normalising in place). */
static char *field(struct reader *r, const struct record *rec, size_t i)
{
    return r->buf + rec->off[i];
}

/* ---- checking values ---- */

/* NULL when S (LEN bytes) is valid UTF-8 without control characters,
 * else why not. */
static const char *utf8_problem(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    unsigned c, min;
    int more;

    while (p < end) {
        c = *p++;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return "holds a control character";
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            min = 0x80;
            c &= 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            min = 0x800;
            c &= 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            return "is not valid UTF-8";
        }
        if (end - p < more)
            return "is not valid UTF-8";
        while (more-- > 0) {
            if ((*p & 0xc0) != 0x80)
                return "is not valid UTF-8";
            c = (c << 6) | (*p++ & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return "is not valid UTF-8";
        if (c <= 0x9f) /* C1 controls, U+0080..U+009F */
            return "holds a control character";
        /* invisible characters that reorder or hide text, so that a name
         * could display as another: zero width space, LRM and RLM, the
         * bidi embeddings, overrides and isolates, word joiner and
         * invisible operators, and a BOM inside the text (ZWNJ and ZWJ,
         * which Urdu typing uses, are allowed) */
        if (c == 0x200b || c == 0x200e || c == 0x200f ||
            (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
            (c >= 0x2066 && c <= 0x2069) || c == 0xfeff)
            return "holds an invisible formatting character (bidi "
                   "control or zero width space)";
    }
    return NULL;
}

/* Checks text field I (NAME) of REC: valid, at most MAX bytes, and not
 * empty when REQUIRED. True when good; else reported. */
static bool check_text(struct reader *r, const struct record *rec, size_t i,
                       const char *name, size_t max, bool required)
{
    const char *why;

    if (rec->len[i] == 0) {
        if (!required)
            return true;
        report(r, rec->line, "%s is empty", name);
        return false;
    }
    why = utf8_problem(field(r, rec, i), rec->len[i]);
    if (why != NULL) {
        report(r, rec->line, "%s %s", name, why);
        return false;
    }
    if (rec->len[i] > max) {
        report(r, rec->line, "%s is longer than %zu bytes", name, max);
        return false;
    }
    return true;
}

/* True when S matches ^[A-Z0-9][A-Z0-9-]{0,31}$ (LOWER: also a-z and /,
 * the employee number's alphabet). */
static bool code_ok(const char *s, bool employee_no)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        bool ok =
            (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (i > 0 && c == '-') ||
            (employee_no && ((c >= 'a' && c <= 'z') || (i > 0 && c == '/')));

        if (!ok)
            return false;
    }
    return i >= 1 && i <= 32;
}

static bool city_code_ok(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
           s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

/* Index of S in the NULL-terminated LIST, or -1. */
static int one_of(const char *s, const char *const *list)
{
    int i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return i;
    }
    return -1;
}

/* Parses a decimal integer from LO to HI; false when S is not one. */
static bool int_in(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool phone_ok(const char *s)
{
    size_t digits = 0;

    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (strchr("+-() .", *s) == NULL)
            return false;
    }
    return digits >= 3;
}

/* An address of the shape local@domain: ASCII, no spaces, one '@', a
 * domain of letters, digits, '-' and '.' that neither starts nor ends
 * with a dot. */
static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@'), *p;

    if (at == NULL || at == s || at[1] == '\0' || at[1] == '.')
        return false;
    for (p = s; p < at; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
            strchr("<>()[],;:\\\"@", *p) != NULL)
            return false;
    }
    for (p = at + 1; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return false;
    }
    return p[-1] != '.';
}

/*
 * A bare JID with a local part (RFC 7622 §3.3: none of " & ' / : < > @
 * in it) and a domain of letters, digits, '-' and '.' labels. Lowers the
 * ASCII letters of S in place (local parts are case-insensitive).
 */
static bool jid_ok(char *s)
{
    struct so_jid j;
    size_t i;
    char *p;

    for (p = s; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        if (*p == ' ')
            return false;
    }
    if (!so_jid_split(s, &j) || j.has_resource || j.local_len == 0)
        return false;
    for (i = 0; i < j.local_len; i++) {
        if (strchr("\"&'/:<>@", j.local[i]) != NULL)
            return false;
    }
    if (j.domain[0] == '.' || j.domain[j.domain_len - 1] == '.' ||
        j.domain[0] == '-')
        return false;
    for (i = 0; i < j.domain_len; i++) {
        char c = j.domain[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.') ||
            (c == '.' && j.domain[i + 1] == '.'))
            return false;
    }
    return true;
}

/* The status as stored, for S in any ASCII case, "on leave" allowed for
 * on_leave; NULL when S is none. Static. */
static const char *status_norm(const char *s)
{
    char low[16];
    size_t i;
    int k;

    for (i = 0; s[i] != '\0' && i < sizeof(low) - 1; i++) {
        char c = s[i];

        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        if (low[i] == ' ' || low[i] == '-')
            low[i] = '_';
    }
    if (s[i] != '\0')
        return NULL;
    low[i] = '\0';
    k = one_of(low, statuses);
    return k < 0 ? NULL : statuses[k];
}

/* ---- the directory as far as terms need it ---- */

struct city {
    const char *code, *name_en, *name_ur, *province;
    int phase;
    long line; /* 0: from the database */
};

struct unit {
    const char *code, *parent, *kind, *name_en, *name_ur;
    const char *db_path; /* as stored ("{A,B}"), NULL when new */
    long line;           /* 0: from the database */
    int state;           /* 0 new, 1 being walked, 2 done, 3 broken */
    size_t nchain;       /* the unit, then every unit above it */
    const char **chain_code;
};

struct ref {
    struct arena arena;
    struct map cities; /* code -> struct city */
    struct map units;  /* code -> struct unit */
};

static void ref_free(struct ref *ref)
{
    map_free(&ref->cities);
    map_free(&ref->units);
    arena_free(&ref->arena);
}

/* Adds the database's cities to REF (where the file has none). */
static int ref_load_cities(struct ref *ref, struct st_import *imp,
                           struct st_db *db)
{
    PGresult *res;
    struct city *c;
    int i, rc = -1;

    if (st_import_read_cities(imp, &res) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return -1;
    }
    for (i = 0; i < PQntuples(res); i++) {
        if (map_get(&ref->cities, PQgetvalue(res, i, 0)) != NULL)
            continue;
        c = arena_alloc(&ref->arena, sizeof(*c));
        if (c == NULL)
            goto oom;
        memset(c, 0, sizeof(*c));
        c->code = arena_strdup(&ref->arena, PQgetvalue(res, i, 0));
        c->name_en = arena_strdup(&ref->arena, PQgetvalue(res, i, 1));
        c->name_ur = arena_strdup(&ref->arena, PQgetvalue(res, i, 2));
        if (c->code == NULL || c->name_en == NULL || c->name_ur == NULL ||
            map_put(&ref->cities, c->code, c) != 0)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "%s: out of memory\n", cli_progname);
out:
    PQclear(res);
    return rc;
}

/* Adds the database's units to REF (where the file has none). */
static int ref_load_units(struct ref *ref, struct st_import *imp,
                          struct st_db *db)
{
    PGresult *res;
    struct unit *u;
    int i, rc = -1;

    if (st_import_read_units(imp, &res) != ST_OK) {
        fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(db));
        return -1;
    }
    for (i = 0; i < PQntuples(res); i++) {
        u = map_get(&ref->units, PQgetvalue(res, i, 0));
        if (u != NULL) { /* the file's row wins; remember the stored path */
            u->db_path = arena_strdup(&ref->arena, PQgetvalue(res, i, 5));
            if (u->db_path == NULL)
                goto oom;
            continue;
        }
        u = arena_alloc(&ref->arena, sizeof(*u));
        if (u == NULL)
            goto oom;
        memset(u, 0, sizeof(*u));
        u->code = arena_strdup(&ref->arena, PQgetvalue(res, i, 0));
        u->parent = PQgetisnull(res, i, 1)
                        ? NULL
                        : arena_strdup(&ref->arena, PQgetvalue(res, i, 1));
        u->kind = arena_strdup(&ref->arena, PQgetvalue(res, i, 2));
        u->name_en = arena_strdup(&ref->arena, PQgetvalue(res, i, 3));
        u->name_ur = arena_strdup(&ref->arena, PQgetvalue(res, i, 4));
        u->db_path = arena_strdup(&ref->arena, PQgetvalue(res, i, 5));
        if (u->code == NULL || u->kind == NULL || u->name_en == NULL ||
            u->name_ur == NULL || u->db_path == NULL ||
            (!PQgetisnull(res, i, 1) && u->parent == NULL) ||
            map_put(&ref->units, u->code, u) != 0)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "%s: out of memory\n", cli_progname);
out:
    PQclear(res);
    return rc;
}

/*
 * Works out U's chain (U and every unit above it). Returns 0, 1 when the
 * chain is broken (a missing parent, a cycle, deeper than DEPTH_MAX), -1
 * when memory ran out.
 */
static int unit_chain(struct ref *ref, struct unit *u)
{
    struct unit *up;
    size_t n;
    int rc;

    if (u->state == 2)
        return 0;
    if (u->state == 1 || u->state == 3) {
        u->state = 3;
        return 1;
    }
    up = NULL;
    if (u->parent != NULL) {
        up = map_get(&ref->units, u->parent);
        if (up == NULL) {
            u->state = 3;
            return 1;
        }
        u->state = 1;
        rc = unit_chain(ref, up);
        if (rc != 0) {
            u->state = 3;
            return rc;
        }
    }
    n = up != NULL ? up->nchain + 1 : 1;
    if (n > DEPTH_MAX) {
        u->state = 3;
        return 1;
    }
    u->chain_code = arena_alloc(&ref->arena, n * sizeof(char *));
    if (u->chain_code == NULL)
        return -1;
    u->chain_code[0] = u->code;
    if (up != NULL) {
        memcpy(u->chain_code + 1, up->chain_code, (n - 1) * sizeof(char *));
    }
    u->nchain = n;
    u->state = 2;
    return 0;
}

/* ---- folding one employee ---- */

struct folder {
    struct so_dterms terms;
    char name_key[SO_FOLD_TEXT_MAX * 2];
    struct arena *arena; /* of the words */
    struct map *words;   /* distinct strict name words */
    bool oom;
};

static bool add_word(const char *word, size_t len, void *arg)
{
    struct folder *f = arg;
    char *copy;

    (void)len;
    if (map_get(f->words, word) != NULL)
        return true;
    copy = arena_strdup(f->arena, word);
    if (copy == NULL || map_put(f->words, copy, copy) != 0) {
        f->oom = true;
        return false;
    }
    return true;
}

/*
 * Computes E's name_key and terms from its unit U (its chain of codes) and
 * city C, and adds
 * the strict words of its names to F's words when F->words is set.
 * Returns SO_OK or the folding's error.
 */
static enum so_err fold_employee(struct folder *f, struct st_import_employee *e,
                                 const struct unit *u, const struct city *c)
{
    struct so_dentry d;
    enum so_err err;

    memset(&d, 0, sizeof(d));
    d.name_en = e->name_en;
    d.name_ur = e->name_ur;
    d.designation = e->designation;
    d.bps = e->bps;
    d.city_code = c->code;
    d.nunits = u->nchain;
    d.unit_code = u->chain_code;
    err = so_dterms_build(&d, &f->terms, f->name_key, sizeof(f->name_key));
    if (err != SO_OK)
        return err;
    e->name_key = f->name_key;
    e->nterms = f->terms.n;
    e->terms = f->terms.term;
    if (f->words == NULL)
        return SO_OK;
    err = so_fold_words(e->name_en, strlen(e->name_en), SO_FOLD_STRICT,
                        add_word, f);
    if (err == SO_OK)
        err = so_fold_words(e->name_ur, strlen(e->name_ur), SO_FOLD_STRICT,
                            add_word, f);
    if (err == SO_OK && f->oom)
        err = SO_ENOMEM;
    return err;
}

/* ---- the import ---- */

struct job {
    const char *path;
    const char *conninfo;
    bool dry_run;
    struct reader rd;
    struct st_db *db;
    struct st_import *imp;
    struct ref ref;
    long rows; /* data rows read */
    struct st_import_counts counts;
    long refolded; /* employees whose terms changed with moved units */
    long words;    /* directory words added */
};

static int db_failed(struct job *j)
{
    fprintf(stderr, "%s: %s\n", cli_progname, st_db_error(j->db));
    return CLI_EXIT_DB;
}

static int out_of_memory(void)
{
    fprintf(stderr, "%s: out of memory\n", cli_progname);
    return CLI_EXIT_DB;
}

/* Checks that REC has as many fields as HEADER; reports it otherwise. */
static bool check_width(struct job *j, const struct record *rec,
                        const char *const *header)
{
    size_t n = 0;

    while (header[n] != NULL)
        n++;
    if (rec->nfields == n)
        return true;
    report(&j->rd, rec->line, "has %zu fields, expected %zu", rec->nfields, n);
    return false;
}

static bool check_code(struct job *j, const struct record *rec, size_t i,
                       const char *name)
{
    const char *v = field(&j->rd, rec, i);

    if (rec->len[i] == 0) {
        report(&j->rd, rec->line, "%s is empty", name);
        return false;
    }
    if (!code_ok(v, false) || strlen(v) != rec->len[i]) {
        report(&j->rd, rec->line,
               "%s is not a code of 1 to 32 capital letters, digits and "
               "'-'",
               name);
        return false;
    }
    return true;
}

/* Reads and checks every city row; good ones go into J's reference. */
static int read_cities(struct job *j)
{
    struct record *rec;
    struct city *c, *old;
    char *code;
    int phase = 0, rc;
    bool ok;

    while ((rc = reader_next(&j->rd, &rec)) == 1) {
        j->rows++;
        if (!check_width(j, rec, city_header))
            continue;
        code = field(&j->rd, rec, 0);
        ok = true;
        if (!city_code_ok(code)) {
            report(&j->rd, rec->line, "code is not three capital letters");
            ok = false;
        }
        ok &= check_text(&j->rd, rec, 1, "name_en", TEXT_MAX, true);
        ok &= check_text(&j->rd, rec, 2, "name_ur", TEXT_MAX, true);
        if (one_of(field(&j->rd, rec, 3), provinces) < 0) {
            report(&j->rd, rec->line,
                   "province is not one of the seven (see "
                   "docs/directory-import.md)");
            ok = false;
        }
        if (!int_in(field(&j->rd, rec, 4), 1, 99, &phase)) {
            report(&j->rd, rec->line, "phase is not a number from 1 to 99");
            ok = false;
        }
        if (!ok)
            continue;
        old = map_get(&j->ref.cities, code);
        if (old != NULL) {
            report(&j->rd, rec->line, "city %s is already on line %ld", code,
                   old->line);
            continue;
        }
        c = arena_alloc(&j->ref.arena, sizeof(*c));
        if (c == NULL)
            return out_of_memory();
        c->code = arena_strdup(&j->ref.arena, code);
        c->name_en = arena_strdup(&j->ref.arena, field(&j->rd, rec, 1));
        c->name_ur = arena_strdup(&j->ref.arena, field(&j->rd, rec, 2));
        c->province = arena_strdup(&j->ref.arena, field(&j->rd, rec, 3));
        c->phase = phase;
        c->line = rec->line;
        if (c->code == NULL || c->name_en == NULL || c->name_ur == NULL ||
            c->province == NULL || map_put(&j->ref.cities, c->code, c) != 0)
            return out_of_memory();
    }
    return rc < 0 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}

/* Reads and checks every unit row; good ones go into J's reference. */
static int read_units(struct job *j)
{
    struct record *rec;
    struct unit *u, *old;
    char *code, *parent;
    bool ok;
    int rc;

    while ((rc = reader_next(&j->rd, &rec)) == 1) {
        j->rows++;
        if (!check_width(j, rec, unit_header))
            continue;
        code = field(&j->rd, rec, 0);
        parent = field(&j->rd, rec, 1);
        ok = check_code(j, rec, 0, "code");
        if (rec->len[1] > 0 && !check_code(j, rec, 1, "parent"))
            ok = false;
        if (ok && strcmp(code, parent) == 0) {
            report(&j->rd, rec->line, "unit %s is its own parent", code);
            ok = false;
        }
        if (one_of(field(&j->rd, rec, 2), unit_kinds) < 0) {
            report(&j->rd, rec->line,
                   "kind is not one of ministry, division, department, "
                   "wing, section, office");
            ok = false;
        }
        ok &= check_text(&j->rd, rec, 3, "name_en", TEXT_MAX, true);
        ok &= check_text(&j->rd, rec, 4, "name_ur", TEXT_MAX, true);
        if (!ok)
            continue;
        old = map_get(&j->ref.units, code);
        if (old != NULL) {
            report(&j->rd, rec->line, "unit %s is already on line %ld", code,
                   old->line);
            continue;
        }
        u = arena_alloc(&j->ref.arena, sizeof(*u));
        if (u == NULL)
            return out_of_memory();
        memset(u, 0, sizeof(*u));
        u->code = arena_strdup(&j->ref.arena, code);
        u->parent =
            rec->len[1] > 0 ? arena_strdup(&j->ref.arena, parent) : NULL;
        u->kind = arena_strdup(&j->ref.arena, field(&j->rd, rec, 2));
        u->name_en = arena_strdup(&j->ref.arena, field(&j->rd, rec, 3));
        u->name_ur = arena_strdup(&j->ref.arena, field(&j->rd, rec, 4));
        u->line = rec->line;
        if (u->code == NULL || (rec->len[1] > 0 && u->parent == NULL) ||
            u->kind == NULL || u->name_en == NULL || u->name_ur == NULL ||
            map_put(&j->ref.units, u->code, u) != 0)
            return out_of_memory();
    }
    return rc < 0 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}

/*
 * Computes into *T the terms of the unit or city CODE named EN and UR, of
 * LINE (0 when it comes from the database). Returns CLI_EXIT_OK,
 * CLI_EXIT_INPUT when the file's names cannot be folded, or CLI_EXIT_DB
 * when memory ran out or stored names cannot be folded (said why).
 */
static int fold_place(struct job *j, long line, const char *code,
                      const char *en, const char *ur, struct so_dterms *t)
{
    enum so_err err = so_dterms_place(en, ur, t);

    if (err == SO_OK)
        return CLI_EXIT_OK;
    if (err == SO_ENOMEM)
        return out_of_memory();
    if (line > 0) {
        report(&j->rd, line, "the names cannot be folded (%s)",
               so_err_str(err));
        return CLI_EXIT_INPUT;
    }
    fprintf(stderr, "%s: %s: the stored names cannot be folded (%s)\n",
            cli_progname, code, so_err_str(err));
    return CLI_EXIT_DB;
}

/* Writes U's path as PostgreSQL prints a text[] of codes ("{A,B}"). */
static void path_literal(const struct unit *u, char *out, size_t len)
{
    size_t i, n = 0;

    n += (size_t)snprintf(out + n, len - n, "{");
    for (i = u->nchain; i-- > 0 && n < len;)
        n += (size_t)snprintf(out + n, len - n, "%s%s", u->chain_code[i],
                              i > 0 ? "," : "");
    if (n < len)
        snprintf(out + n, len - n, "}");
}

/*
 * Checks every unit of the file against the tree (file and database) and
 * stages the file's units and the stored units whose path changes.
 */
static int stage_units(struct job *j)
{
    const char *path[DEPTH_MAX];
    char literal[DEPTH_MAX * 34 + 4];
    struct st_import_unit su;
    struct so_dterms t = {0};
    struct unit *u;
    size_t i, k;
    int rc, ret = CLI_EXIT_DB;

    for (i = 0; i < j->ref.units.cap; i++) {
        u = j->ref.units.val[i];
        if (j->ref.units.key[i] == NULL || u->line == 0)
            continue;
        rc = unit_chain(&j->ref, u);
        if (rc < 0)
            return out_of_memory();
        if (rc == 0)
            continue;
        if (u->parent != NULL && map_get(&j->ref.units, u->parent) == NULL)
            report(&j->rd, u->line,
                   "parent %s is neither in the file nor in the database",
                   u->parent);
        else
            report(&j->rd, u->line,
                   "unit %s is in a cycle of parents or more than %d "
                   "levels deep",
                   u->code, DEPTH_MAX);
    }
    if (j->rd.problems > 0)
        return CLI_EXIT_INPUT;
    if (st_import_copy_begin(j->imp, ST_IMPORT_UNIT) != ST_OK)
        return db_failed(j);
    for (i = 0; i < j->ref.units.cap; i++) {
        u = j->ref.units.val[i];
        if (j->ref.units.key[i] == NULL)
            continue;
        if (unit_chain(&j->ref, u) != 0) { /* a stored unit below a bad one */
            ret = out_of_memory();
            goto out;
        }
        if (u->line == 0) {
            path_literal(u, literal, sizeof(literal));
            if (u->db_path != NULL && strcmp(literal, u->db_path) == 0)
                continue; /* not in the file and not moved */
        }
        for (k = 0; k < u->nchain; k++)
            path[k] = u->chain_code[u->nchain - 1 - k];
        ret = fold_place(j, u->line, u->code, u->name_en, u->name_ur, &t);
        if (ret != CLI_EXIT_OK)
            goto out;
        ret = CLI_EXIT_DB;
        su = (struct st_import_unit){u->line,    u->code,    u->parent, u->kind,
                                     u->name_en, u->name_ur, u->nchain, path,
                                     t.n,        t.term};
        if (st_import_put_unit(j->imp, &su) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
    }
    if (st_import_copy_end(j->imp) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    ret = CLI_EXIT_OK;
out:
    so_dterms_clear(&t);
    return ret;
}

static int stage_cities(struct job *j)
{
    struct st_import_city sc;
    struct so_dterms t = {0};
    struct city *c;
    size_t i;
    int ret = CLI_EXIT_DB;

    if (j->rd.problems > 0)
        return CLI_EXIT_INPUT;
    if (st_import_copy_begin(j->imp, ST_IMPORT_CITY) != ST_OK)
        return db_failed(j);
    for (i = 0; i < j->ref.cities.cap; i++) {
        c = j->ref.cities.val[i];
        if (j->ref.cities.key[i] == NULL || c->line == 0)
            continue;
        ret = fold_place(j, c->line, c->code, c->name_en, c->name_ur, &t);
        if (ret != CLI_EXIT_OK)
            goto out;
        ret = CLI_EXIT_DB;
        sc = (struct st_import_city){c->line,    c->code,     c->name_en,
                                     c->name_ur, c->province, c->phase,
                                     t.n,        t.term};
        if (st_import_put_city(j->imp, &sc) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
    }
    if (st_import_copy_end(j->imp) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    ret = CLI_EXIT_OK;
out:
    so_dterms_clear(&t);
    return ret;
}

/* Checks one employee row into E (pointing into the reader's buffer) and
 * finds its unit and city. True when good; else reported. */
static bool check_employee(struct job *j, const struct record *rec,
                           struct st_import_employee *e, struct unit **u,
                           struct city **c)
{
    struct reader *r = &j->rd;
    char *v;
    bool ok = true;

    e->line = rec->line;
    e->employee_no = field(r, rec, 0);
    if (!code_ok(e->employee_no, true) ||
        strlen(e->employee_no) != rec->len[0]) {
        report(r, rec->line,
               "employee_no is not 1 to 32 letters, digits, '-' and '/'");
        ok = false;
    }
    /* XMPP addresses are lower-cased by servers, so two numbers that
     * differ only in case could never both be told apart: numbers are
     * stored in upper case, and fg-1 and FG-1 are the same employee */
    for (v = field(r, rec, 0); *v != '\0'; v++)
        if (*v >= 'a' && *v <= 'z')
            *v = (char)(*v - 'a' + 'A');
    ok &= check_text(r, rec, 1, "name_en", TEXT_MAX, true);
    ok &= check_text(r, rec, 2, "name_ur", TEXT_MAX, true);
    ok &= check_text(r, rec, 3, "designation", TEXT_MAX, true);
    e->name_en = field(r, rec, 1);
    e->name_ur = field(r, rec, 2);
    e->designation = field(r, rec, 3);
    if (!int_in(field(r, rec, 4), 1, 22, &e->bps)) {
        report(r, rec->line, "bps is not a grade from 1 to 22");
        ok = false;
    }
    e->unit = field(r, rec, 5);
    if (!check_code(j, rec, 5, "unit")) {
        ok = false;
    } else if ((*u = map_get(&j->ref.units, e->unit)) == NULL) {
        report(r, rec->line, "unit %s does not exist", e->unit);
        ok = false;
    } else if (unit_chain(&j->ref, *u) != 0) {
        /* stored units always reach a root; only memory can fail here */
        report(r, rec->line, "the units above %s cannot be read", e->unit);
        ok = false;
    }
    e->city = field(r, rec, 6);
    if (!city_code_ok(e->city)) {
        report(r, rec->line, "city is not three capital letters");
        ok = false;
    } else if ((*c = map_get(&j->ref.cities, e->city)) == NULL) {
        report(r, rec->line, "city %s does not exist", e->city);
        ok = false;
    }
    e->office_phone = field(r, rec, 7);
    if (rec->len[7] > 0 &&
        (rec->len[7] > PHONE_MAX || strlen(e->office_phone) != rec->len[7] ||
         !phone_ok(e->office_phone))) {
        report(r, rec->line,
               "office_phone is not up to %d digits, spaces and + - ( ) .",
               PHONE_MAX);
        ok = false;
    }
    e->email = field(r, rec, 8);
    if (rec->len[8] > 0 &&
        (rec->len[8] > EMAIL_MAX || strlen(e->email) != rec->len[8] ||
         !email_ok(e->email))) {
        report(r, rec->line, "email is not an address like name@example.org");
        ok = false;
    }
    v = field(r, rec, 9);
    e->jid = rec->len[9] > 0 ? v : NULL;
    if (e->jid != NULL) {
        if (!check_text(r, rec, 9, "jid", JID_MAX, true)) {
            ok = false;
        } else if (!jid_ok(v)) {
            report(r, rec->line,
                   "jid is not a bare JID like name@example.org (RFC 7622)");
            ok = false;
        }
    }
    e->status = status_norm(field(r, rec, 10));
    if (e->status == NULL) {
        report(r, rec->line,
               "status is not one of active, on_leave, suspended, retired");
        ok = false;
    }
    return ok;
}

/* Remembers KEY of LINE in SEEN; reports a repeat as WHAT. False when it
 * was there already or memory ran out (*OOM). */
static bool first_time(struct job *j, struct map *seen, const char *key,
                       long line, const char *what, bool *oom)
{
    long *first = map_get(seen, key);
    char *copy;

    if (first != NULL) {
        report(&j->rd, line, "%s %s is already on line %ld", what, key, *first);
        return false;
    }
    first = arena_alloc(&j->ref.arena, sizeof(*first));
    copy = arena_strdup(&j->ref.arena, key);
    if (first == NULL || copy == NULL || map_put(seen, copy, first) != 0) {
        *oom = true;
        return false;
    }
    *first = line;
    return true;
}

static void report_jid_clash(long line, const char *jid,
                             const char *employee_no, void *arg)
{
    struct job *j = arg;

    report(&j->rd, line, "jid %s belongs to employee %s", jid, employee_no);
}

/* Stages the directory words, each with its trigrams. */
static int stage_words(struct job *j, struct map *words)
{
    char tri[SO_FOLD_TRIGRAMS_MAX][16];
    size_t i, n;

    if (st_import_copy_begin(j->imp, ST_IMPORT_WORD) != ST_OK)
        return db_failed(j);
    for (i = 0; i < words->cap; i++) {
        if (words->key[i] == NULL)
            continue;
        n = so_fold_trigrams(words->key[i], tri, SO_FOLD_TRIGRAMS_MAX);
        if (st_import_put_word(j->imp, words->key[i], tri, n) != ST_OK)
            return db_failed(j);
    }
    if (st_import_copy_end(j->imp) != ST_OK)
        return db_failed(j);
    return CLI_EXIT_OK;
}

/* Reads, checks, folds and stages every employee row. */
static int stage_employees(struct job *j, struct map *words)
{
    struct st_import_employee e;
    struct folder f;
    struct map seen_no = {0}, seen_jid = {0};
    struct record *rec;
    struct unit *u = NULL;
    struct city *c = NULL;
    enum so_err err;
    bool oom = false;
    long clashes = 0;
    int rc, ret = CLI_EXIT_DB;

    memset(&f, 0, sizeof(f));
    f.arena = &j->ref.arena;
    f.words = words;
    if (st_import_copy_begin(j->imp, ST_IMPORT_EMPLOYEE) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    while ((rc = reader_next(&j->rd, &rec)) == 1) {
        j->rows++;
        memset(&e, 0, sizeof(e));
        if (!check_width(j, rec, employee_header) ||
            !check_employee(j, rec, &e, &u, &c))
            continue;
        if (!first_time(j, &seen_no, e.employee_no, e.line, "employee", &oom) ||
            (e.jid != NULL &&
             !first_time(j, &seen_jid, e.jid, e.line, "jid", &oom))) {
            if (oom)
                goto oom;
            continue;
        }
        /* Once nothing will be imported the row is staged unfolded, only
         * for the check of its JID against the database. */
        err = SO_OK;
        if (j->rd.problems > 0)
            e.name_key = "";
        else
            err = fold_employee(&f, &e, u, c);
        if (err == SO_ENOMEM)
            goto oom;
        if (err != SO_OK) {
            report(&j->rd, e.line, "the names cannot be folded (%s)",
                   so_err_str(err));
            continue;
        }
        if (st_import_put_employee(j->imp, &e) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
    }
    if (rc < 0) {
        ret = CLI_EXIT_INPUT;
        goto out;
    }
    if (st_import_copy_end(j->imp) != ST_OK ||
        st_import_check_jids(j->imp, report_jid_clash, j, &clashes) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    if (j->rd.problems > 0) {
        ret = CLI_EXIT_INPUT;
        goto out;
    }
    ret = stage_words(j, words);
    goto out;
oom:
    ret = out_of_memory();
out:
    so_dterms_clear(&f.terms);
    map_free(&seen_no);
    map_free(&seen_jid);
    return ret;
}

/* Recomputes the terms of the employees in or under the units whose path
 * the last merge of units changed. */
static int refold(struct job *j)
{
    struct st_import_employee e;
    struct st_import_counts counts = {0, 0, 0};
    struct folder f;
    struct unit *u;
    struct city *c;
    PGresult *res = NULL;
    enum so_err err;
    int i, ret = CLI_EXIT_DB;

    memset(&f, 0, sizeof(f));
    /* the reference as merged, read afresh */
    ref_free(&j->ref);
    if (ref_load_cities(&j->ref, j->imp, j->db) != 0 ||
        ref_load_units(&j->ref, j->imp, j->db) != 0)
        goto out;
    if (st_import_refold_open(j->imp) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    for (;;) {
        if (st_import_refold_fetch(j->imp, &res) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
        if (PQntuples(res) == 0)
            break;
        if (st_import_copy_begin(j->imp, ST_IMPORT_EMPLOYEE) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
        for (i = 0; i < PQntuples(res); i++) {
            memset(&e, 0, sizeof(e));
            e.employee_no = PQgetvalue(res, i, 0);
            e.name_en = PQgetvalue(res, i, 1);
            e.name_ur = PQgetvalue(res, i, 2);
            e.designation = PQgetvalue(res, i, 3);
            e.bps = atoi(PQgetvalue(res, i, 4));
            e.unit = PQgetvalue(res, i, 5);
            e.city = PQgetvalue(res, i, 6);
            e.office_phone = PQgetvalue(res, i, 7);
            e.email = PQgetvalue(res, i, 8);
            e.jid = PQgetisnull(res, i, 9) ? NULL : PQgetvalue(res, i, 9);
            e.status = PQgetvalue(res, i, 10);
            u = map_get(&j->ref.units, e.unit);
            c = map_get(&j->ref.cities, e.city);
            if (u == NULL || c == NULL || unit_chain(&j->ref, u) != 0) {
                fprintf(stderr, "%s: employee %s: unit or city missing\n",
                        cli_progname, e.employee_no);
                goto out;
            }
            err = fold_employee(&f, &e, u, c);
            if (err != SO_OK) {
                fprintf(stderr, "%s: employee %s: folding failed (%s)\n",
                        cli_progname, e.employee_no, so_err_str(err));
                goto out;
            }
            if (st_import_put_employee(j->imp, &e) != ST_OK) {
                ret = db_failed(j);
                goto out;
            }
        }
        if (st_import_copy_end(j->imp) != ST_OK) {
            ret = db_failed(j);
            goto out;
        }
        PQclear(res);
        res = NULL;
    }
    if (st_import_merge(j->imp, ST_IMPORT_EMPLOYEE, &counts) != ST_OK) {
        ret = db_failed(j);
        goto out;
    }
    j->refolded = counts.followed;
    ret = CLI_EXIT_OK;
out:
    PQclear(res);
    so_dterms_clear(&f.terms);
    return ret;
}

/* Tells the file's kind from its header REC; -1 when it is none. */
static int header_kind(struct job *j, const struct record *rec)
{
    static const char *const *const headers[] = {
        [KIND_CITY] = city_header,
        [KIND_UNIT] = unit_header,
        [KIND_EMPLOYEE] = employee_header,
    };
    size_t k, i;

    for (k = 0; k < sizeof(headers) / sizeof(headers[0]); k++) {
        for (i = 0; headers[k][i] != NULL && i < rec->nfields && i < FIELDS_MAX;
             i++) {
            if (strcasecmp(field(&j->rd, rec, i), headers[k][i]) != 0)
                break;
        }
        if (headers[k][i] == NULL && i == rec->nfields)
            return (int)k;
    }
    return -1;
}

static const char *const kind_names[] = {
    [KIND_CITY] = "cities",
    [KIND_UNIT] = "organisation units",
    [KIND_EMPLOYEE] = "employees",
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Runs the import of J's file, all or nothing. */
static int import_file(struct job *j)
{
    struct map words = {0};
    struct record *rec;
    struct timespec t0;
    double secs;
    int kind, rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = reader_next(&j->rd, &rec);
    if (rc <= 0) {
        if (rc == 0)
            fprintf(stderr, "%s: %s: the file is empty\n", cli_progname,
                    j->path);
        return CLI_EXIT_INPUT;
    }
    kind = header_kind(j, rec);
    if (kind < 0) {
        report(&j->rd, rec->line,
               "the header is none of: %s; %s; %s (see "
               "docs/directory-import.md)",
               "code,name_en,name_ur,province,phase",
               "code,parent,kind,name_en,name_ur",
               "employee_no,name_en,name_ur,designation,bps,unit,city,"
               "office_phone,email,jid,status");
        return CLI_EXIT_INPUT;
    }
    rc = cli_db_connect(j->conninfo, &j->db);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (st_import_new(j->db, &j->imp) != ST_OK) {
        rc = db_failed(j);
        goto out;
    }
    switch (kind) {
    case KIND_CITY:
        rc = read_cities(j);
        if (rc == CLI_EXIT_OK)
            rc = stage_cities(j);
        break;
    case KIND_UNIT:
        rc = read_units(j);
        if (rc == CLI_EXIT_OK && ref_load_units(&j->ref, j->imp, j->db) != 0)
            rc = CLI_EXIT_DB;
        if (rc == CLI_EXIT_OK)
            rc = stage_units(j);
        break;
    default:
        if (ref_load_cities(&j->ref, j->imp, j->db) != 0 ||
            ref_load_units(&j->ref, j->imp, j->db) != 0) {
            rc = CLI_EXIT_DB;
            break;
        }
        rc = stage_employees(j, &words);
        break;
    }
    if (rc == CLI_EXIT_OK && j->rd.problems > 0)
        rc = CLI_EXIT_INPUT;
    if (rc == CLI_EXIT_INPUT) {
        if (j->rd.problems > 0)
            fprintf(stderr, "%s: %s: %ld problem%s; nothing imported\n",
                    cli_progname, j->path, j->rd.problems,
                    j->rd.problems == 1 ? "" : "s");
        goto out;
    }
    if (rc != CLI_EXIT_OK)
        goto out;
    if (kind == KIND_CITY || kind == KIND_UNIT) {
        enum st_import_kind sk =
            kind == KIND_CITY ? ST_IMPORT_CITY : ST_IMPORT_UNIT;

        if (st_import_merge(j->imp, sk, &j->counts) != ST_OK) {
            rc = db_failed(j);
            goto out;
        }
        if (kind == KIND_UNIT)
            rc = refold(j);
    } else {
        struct st_import_counts wc = {0, 0, 0};

        if (st_import_merge(j->imp, ST_IMPORT_EMPLOYEE, &j->counts) != ST_OK ||
            st_import_merge(j->imp, ST_IMPORT_WORD, &wc) != ST_OK) {
            rc = db_failed(j);
            goto out;
        }
        j->words = wc.inserted;
    }
    if (rc != CLI_EXIT_OK)
        goto out;
    if (!j->dry_run && st_import_commit(j->imp) != ST_OK) {
        rc = db_failed(j);
        goto out;
    }
    /* the planner's figures after a change, outside the transaction */
    if (!j->dry_run &&
        j->counts.inserted + j->counts.updated + j->counts.followed +
                j->refolded + j->words >
            0 &&
        st_import_analyze(j->imp) != ST_OK) {
        rc = db_failed(j);
        goto out;
    }
    secs = seconds_since(&t0);
    printf("%s: %s: %ld rows read, %ld inserted, %ld updated, %ld "
           "unchanged",
           j->path, kind_names[kind], j->rows, j->counts.inserted,
           j->counts.updated, j->rows - j->counts.inserted - j->counts.updated);
    if (j->counts.followed > 0)
        printf("; %ld units below moved", j->counts.followed);
    if (j->refolded > 0)
        printf("; terms of %ld employees recomputed", j->refolded);
    if (kind == KIND_EMPLOYEE)
        printf("; %ld new directory words", j->words);
    if (kind == KIND_EMPLOYEE &&
        st_import_employee_load(j->imp) == ST_IMPORT_REBUILT)
        printf("; first load: indexes built after the copy");
    else if (kind == KIND_EMPLOYEE &&
             st_import_employee_load(j->imp) == ST_IMPORT_KEPT)
        printf("; first load with the indexes kept up row by row (not the "
               "table's owner)");
    printf(" in %.2f s (%.0f rows/s)\n", secs,
           secs > 0 ? (double)j->rows / secs : 0.0);
    if (j->dry_run)
        printf("dry run: nothing was written\n");
out:
    st_import_free(j->imp); /* rolls back unless committed */
    j->imp = NULL;
    st_db_free(j->db);
    j->db = NULL;
    map_free(&words);
    return rc;
}

static void directory_usage(FILE *out)
{
    fprintf(out,
            "usage: %s directory import FILE.csv [--db CONNINFO] "
            "[--dry-run]\n\n"
            "Imports HR's CSV file of cities, organisation units or "
            "employees (told\n"
            "by its header line) into the directory. Every bad row is "
            "reported as\n"
            "FILE:LINE: reason, and then nothing is imported. Rows not in "
            "the file are\n"
            "left alone; importing the same file again changes nothing.\n\n"
            "options:\n"
            "  --db CONNINFO  libpq connection string (default: "
            "$SMARTOFFICE_DB,\n"
            "                 else libpq's PG* variables)\n"
            "  --dry-run      check and count everything, then roll back\n"
            "  --help         this text\n\n"
            "exit status: 0 imported, 1 bad rows or an unreadable file "
            "(nothing\n"
            "imported), 2 bad arguments, 4 database error (nothing "
            "imported).\n"
            "See docs/directory-import.md for the formats.\n",
            cli_progname);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "%s directory: %s%s%s\ntry '%s directory --help'\n",
            cli_progname, what, arg != NULL ? " " : "", arg != NULL ? arg : "",
            cli_progname);
    return CLI_EXIT_USAGE;
}

int cli_directory_main(int argc, char **argv)
{
    struct job j;
    const char *sub = NULL, *v;
    bool missing = false;
    int i, rc;

    memset(&j, 0, sizeof(j));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            directory_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_option_value(argc, argv, &i, "--db", &missing))) {
            j.conninfo = v;
            continue;
        }
        if (missing)
            return usage_error("missing value for", argv[i]);
        if (strcmp(argv[i], "--dry-run") == 0) {
            j.dry_run = true;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage_error("unexpected argument", argv[i]);
        if (sub == NULL)
            sub = argv[i];
        else if (j.path == NULL)
            j.path = argv[i];
        else
            return usage_error("unexpected argument", argv[i]);
    }
    if (sub == NULL)
        return usage_error("no subcommand given (import)", NULL);
    if (strcmp(sub, "import") != 0)
        return usage_error("unknown subcommand", sub);
    if (j.path == NULL)
        return usage_error("no file given", NULL);
    if (reader_open(&j.rd, j.path) != 0)
        return CLI_EXIT_INPUT;
    rc = import_file(&j);
    reader_close(&j.rd);
    ref_free(&j.ref);
    return rc;
}
