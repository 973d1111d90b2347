/*
 * st_dirsnap.c - the in-memory directory: interned codes, one allocation
 * per employee, two pointer tables (JID, employee number), members per
 * unit, and the bounded queue of change records.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "st_dirsnap.h"

#define FIELD_MAX 4000    /* longest string field, bytes */
#define JID_BUF 3072      /* longest JID asked for, NUL included */
#define CHANGES_MAX 65536 /* queued change records */
#define PATH_MAX_UNITS 16 /* as the schema's CHECK */

enum { F_NO, F_NAME_EN, F_NAME_UR, F_PHONE, F_EMAIL, F_END, N_OFF };

/* One employee: the header, then "jid\0no\0name_en\0name_ur\0phone\0
 * email\0"; OFF[i] is where string i + 1 starts (the JID is at 0). */
struct person {
    uint32_t unit;  /* unit code id */
    uint32_t title; /* designation id */
    uint16_t city;  /* city code id */
    uint8_t bps;
    uint8_t status; /* enum st_dir_status */
    uint16_t off[N_OFF];
    char text[];
};

/* Strings interned for good: id 0 is "". */
struct pool {
    char **str; /* owned, with each string; str[0] is "" (static) */
    uint32_t n, cap;
    uint32_t *slot; /* ids, 0 empty; a power of two of them */
    size_t nslot;
};

/* Open addressing with linear probing; a power of two of slots. */
struct ptab {
    struct person **slot;
    size_t cap, n;
};

struct unit {
    const char *en, *ur, *kind; /* borrowed from the org results */
    uint32_t *path;             /* owned: code ids, root first */
    uint8_t depth;
    bool loaded;
    bool self_exception; /* a unit exception names this unit */
    bool exception;      /* ... this unit or one above it */
    bool sorted;         /* members are in name order */
    struct person **member;
    uint32_t n, cap;
};

struct city {
    const char *en, *ur, *state; /* borrowed from the org results */
    int phase;
    bool loaded;
};

struct record {
    char *jid; /* owned; NULL for RESET and ORG */
    uint32_t old_unit, new_unit;
    uint16_t old_city, new_city;
    uint8_t kind, old_status, new_status;
};

struct st_dirsnap {
    struct pool units_pool, cities_pool, titles;
    struct ptab by_jid, by_no;
    struct unit *unit; /* indexed by unit code id; units_pool.cap of them */
    size_t nunit;
    struct city *city; /* indexed by city code id */
    size_t ncity;
    size_t units_loaded, cities_loaded, nexceptions;
    PGresult *org[3];      /* owned: units, cities, exceptions */
    const char **excepted; /* person exception targets, sorted */
    size_t nexcepted;
    size_t person_bytes; /* what the employee blocks take */
    int64_t change;
    bool track;
    struct st_diracct *accounts; /* the rollout's accounts */
    struct record *rec;          /* a ring of CHANGES_MAX */
    size_t rec_head, rec_n;
    bool rec_lost;
};

static const char *const status_names[] = {"", "active", "on_leave",
                                           "suspended", "retired"};

const char *st_dir_status_str(enum st_dir_status status)
{
    if ((unsigned)status >= sizeof(status_names) / sizeof(status_names[0]))
        return "";
    return status_names[status];
}

static enum st_dir_status status_parse(const char *s)
{
    int i;

    for (i = ST_DIR_ACTIVE; i <= ST_DIR_RETIRED; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (enum st_dir_status)i;
    return ST_DIR_NONE;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    while (*s != '\0') {
        h ^= (unsigned char)*s++;
        h *= 0x100000001b3ULL;
    }
    /* FNV's low bits are weak for keys that differ in a digit or two:
     * mix every bit into them (the finaliser of MurmurHash3) */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static size_t grown(size_t n)
{
    size_t cap = 16;

    while (cap - cap / 4 <= n)
        cap *= 2;
    return cap;
}

/* -- Interned strings --------------------------------------------------- */

static bool pool_init(struct pool *p)
{
    static char empty[] = "";

    p->cap = 16;
    p->str = calloc(p->cap, sizeof(*p->str));
    p->nslot = 32;
    p->slot = calloc(p->nslot, sizeof(*p->slot));
    if (p->str == NULL || p->slot == NULL)
        return false;
    p->str[0] = empty;
    p->n = 1;
    return true;
}

static void pool_clear(struct pool *p)
{
    uint32_t i;

    for (i = 1; i < p->n; i++)
        free(p->str[i]);
    free(p->str);
    free(p->slot);
}

static uint32_t pool_find(const struct pool *p, const char *s)
{
    size_t mask = p->nslot - 1, i;

    if (s[0] == '\0')
        return 0;
    for (i = hash_str(s) & mask; p->slot[i] != 0; i = (i + 1) & mask)
        if (strcmp(p->str[p->slot[i]], s) == 0)
            return p->slot[i];
    return UINT32_MAX;
}

static bool pool_rehash(struct pool *p, size_t nslot)
{
    uint32_t *slot = calloc(nslot, sizeof(*slot)), id;
    size_t i;

    if (slot == NULL)
        return false;
    for (id = 1; id < p->n; id++) {
        for (i = hash_str(p->str[id]) & (nslot - 1); slot[i] != 0;
             i = (i + 1) & (nslot - 1))
            ;
        slot[i] = id;
    }
    free(p->slot);
    p->slot = slot;
    p->nslot = nslot;
    return true;
}

/* The id of S, interned now if new; UINT32_MAX when memory ran out. */
static uint32_t pool_intern(struct pool *p, const char *s, uint32_t limit)
{
    uint32_t id = pool_find(p, s);
    size_t i;

    if (id != UINT32_MAX)
        return id;
    if (p->n >= limit)
        return UINT32_MAX;
    if (p->n == p->cap) {
        char **str = realloc(p->str, 2 * (size_t)p->cap * sizeof(*str));

        if (str == NULL)
            return UINT32_MAX;
        p->str = str;
        p->cap *= 2;
    }
    if ((p->n + 1) * 4 >= p->nslot * 3 && !pool_rehash(p, p->nslot * 2))
        return UINT32_MAX;
    p->str[p->n] = strdup(s);
    if (p->str[p->n] == NULL)
        return UINT32_MAX;
    for (i = hash_str(s) & (p->nslot - 1); p->slot[i] != 0;
         i = (i + 1) & (p->nslot - 1))
        ;
    p->slot[i] = p->n;
    return p->n++;
}

static size_t pool_bytes(const struct pool *p)
{
    size_t bytes = p->cap * sizeof(*p->str) + p->nslot * sizeof(*p->slot);
    uint32_t i;

    for (i = 1; i < p->n; i++)
        bytes += malloc_usable_size(p->str[i]) + 8;
    return bytes;
}

/* -- Employees ---------------------------------------------------------- */

static const char *p_jid(const struct person *p)
{
    return p->text;
}

static const char *p_field(const struct person *p, int field)
{
    return p->text + p->off[field];
}

static const char *p_no(const struct person *p)
{
    return p_field(p, F_NO);
}

static size_t p_size(const struct person *p)
{
    return sizeof(*p) + p->off[F_END];
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Grows the unit and city arrays to the pools' sizes. */
static bool slots_fit(struct st_dirsnap *snap)
{
    if (snap->nunit < snap->units_pool.n) {
        size_t n = snap->units_pool.cap;
        struct unit *u = realloc(snap->unit, n * sizeof(*u));

        if (u == NULL)
            return false;
        memset(u + snap->nunit, 0, (n - snap->nunit) * sizeof(*u));
        snap->unit = u;
        snap->nunit = n;
    }
    if (snap->ncity < snap->cities_pool.n) {
        size_t n = snap->cities_pool.cap;
        struct city *c = realloc(snap->city, n * sizeof(*c));

        if (c == NULL)
            return false;
        memset(c + snap->ncity, 0, (n - snap->ncity) * sizeof(*c));
        snap->city = c;
        snap->ncity = n;
    }
    return true;
}

/* A new employee block for ROW, with its codes interned; NULL with *ERR
 * set on failure. */
static struct person *person_make(struct st_dirsnap *snap,
                                  const struct st_dir_row *row,
                                  enum st_err *err)
{
    const char *s[N_OFF] = {or_empty(row->employee_no), or_empty(row->name_en),
                            or_empty(row->name_ur), or_empty(row->office_phone),
                            or_empty(row->email)};
    const char *jid = or_empty(row->jid);
    size_t len[N_OFF], jidlen = strlen(jid), total, i;
    struct person *p;
    char *at;

    *err = ST_EDATA;
    if (jidlen >= JID_BUF || row->bps < 0 || row->bps > 255)
        return NULL;
    total = jidlen + 1;
    for (i = 0; i < F_END; i++) {
        len[i] = strlen(s[i]);
        if (len[i] > FIELD_MAX)
            return NULL;
        total += len[i] + 1;
    }
    if (strlen(or_empty(row->designation)) > FIELD_MAX)
        return NULL;
    *err = ST_ENOMEM;
    p = malloc(sizeof(*p) + total);
    if (p == NULL)
        return NULL;
    p->status = (uint8_t)status_parse(or_empty(row->status));
    p->bps = (uint8_t)row->bps;
    p->unit = pool_intern(&snap->units_pool, or_empty(row->unit), UINT32_MAX);
    p->city = 0;
    p->title =
        pool_intern(&snap->titles, or_empty(row->designation), UINT32_MAX);
    if (p->unit != UINT32_MAX) {
        uint32_t city =
            pool_intern(&snap->cities_pool, or_empty(row->city), UINT16_MAX);

        p->city = city == UINT32_MAX ? 0 : (uint16_t)city;
        if (city == UINT32_MAX)
            p->unit = UINT32_MAX;
    }
    if (p->unit == UINT32_MAX || p->title == UINT32_MAX || !slots_fit(snap)) {
        free(p);
        return NULL;
    }
    for (i = 0; jid[i] != '\0'; i++)
        p->text[i] =
            (jid[i] >= 'A' && jid[i] <= 'Z') ? (char)(jid[i] + 32) : jid[i];
    p->text[jidlen] = '\0';
    at = p->text + jidlen + 1;
    for (i = 0; i < F_END; i++) {
        p->off[i] = (uint16_t)(at - p->text);
        memcpy(at, s[i], len[i] + 1);
        at += len[i] + 1;
    }
    p->off[F_END] = (uint16_t)(at - p->text);
    *err = ST_OK;
    return p;
}

static bool person_equal(const struct person *a, const struct person *b)
{
    return p_size(a) == p_size(b) && memcmp(a, b, p_size(a)) == 0;
}

/* -- Pointer tables ----------------------------------------------------- */

typedef const char *key_fn(const struct person *p);

static struct person *ptab_find(const struct ptab *t, key_fn *key,
                                const char *k)
{
    size_t mask = t->cap - 1, i;

    for (i = hash_str(k) & mask; t->slot[i] != NULL; i = (i + 1) & mask)
        if (strcmp(key(t->slot[i]), k) == 0)
            return t->slot[i];
    return NULL;
}

static void ptab_put(struct ptab *t, key_fn *key, struct person *p)
{
    size_t mask = t->cap - 1, i;

    for (i = hash_str(key(p)) & mask; t->slot[i] != NULL; i = (i + 1) & mask)
        ;
    t->slot[i] = p;
    t->n++;
}

static bool ptab_init(struct ptab *t, size_t expected)
{
    t->cap = grown(expected);
    t->n = 0;
    t->slot = calloc(t->cap, sizeof(*t->slot));
    return t->slot != NULL;
}

/* Makes room for one more entry. */
static bool ptab_reserve(struct ptab *t, key_fn *key)
{
    struct ptab bigger;
    size_t i;

    if ((t->n + 1) * 4 < t->cap * 3)
        return true;
    if (!ptab_init(&bigger, t->n + 1))
        return false;
    for (i = 0; i < t->cap; i++)
        if (t->slot[i] != NULL)
            ptab_put(&bigger, key, t->slot[i]);
    free(t->slot);
    *t = bigger;
    return true;
}

/* Removes P, shifting back the entries after it that may move. */
static void ptab_del(struct ptab *t, key_fn *key, const struct person *p)
{
    size_t mask = t->cap - 1, i, j, home;

    for (i = hash_str(key(p)) & mask; t->slot[i] != p; i = (i + 1) & mask)
        if (t->slot[i] == NULL)
            return;
    t->slot[i] = NULL;
    t->n--;
    for (j = (i + 1) & mask; t->slot[j] != NULL; j = (j + 1) & mask) {
        home = hash_str(key(t->slot[j])) & mask;
        /* the entry at J may fill I when I lies in [HOME, J) */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->slot[i] = t->slot[j];
            t->slot[j] = NULL;
            i = j;
        }
    }
}

/* -- Membership and change records -------------------------------------- */

static bool member_add(struct unit *u, struct person *p)
{
    if (u->n == u->cap) {
        uint32_t cap = u->cap > 0 ? 2 * u->cap : 4;
        struct person **m = realloc(u->member, cap * sizeof(*m));

        if (m == NULL)
            return false;
        u->member = m;
        u->cap = cap;
    }
    u->member[u->n++] = p;
    u->sorted = false;
    return true;
}

static void member_del(struct unit *u, const struct person *p)
{
    uint32_t i;

    for (i = 0; i < u->n; i++) {
        if (u->member[i] == p) {
            u->member[i] = u->member[--u->n];
            u->sorted = false;
            return;
        }
    }
}

static void record_free(struct record *r)
{
    free(r->jid);
    r->jid = NULL;
}

static void record_push(struct st_dirsnap *snap, const struct record *r)
{
    struct record *slot;

    if (!snap->track)
        return;
    if (snap->rec_n == CHANGES_MAX) {
        free(r->jid);
        snap->rec_lost = true;
        return;
    }
    slot = &snap->rec[(snap->rec_head + snap->rec_n) % CHANGES_MAX];
    *slot = *r;
    snap->rec_n++;
}

/* Records KIND for the JID of P or Q (either may be NULL), from P's
 * state to Q's. */
static void note_person(struct st_dirsnap *snap, enum st_dir_change_kind kind,
                        const struct person *from, const struct person *to)
{
    struct record r = {.kind = (uint8_t)kind};
    const struct person *who = to != NULL ? to : from;

    if (!snap->track)
        return;
    r.jid = strdup(p_jid(who));
    if (r.jid == NULL) {
        snap->rec_lost = true;
        return;
    }
    if (from != NULL) {
        r.old_unit = from->unit;
        r.old_city = from->city;
        r.old_status = from->status;
    }
    if (to != NULL) {
        r.new_unit = to->unit;
        r.new_city = to->city;
        r.new_status = to->status;
    }
    record_push(snap, &r);
}

void st_dirsnap_note(struct st_dirsnap *snap, enum st_dir_change_kind kind)
{
    struct record r = {.kind = (uint8_t)kind};

    record_push(snap, &r);
}

/* Takes P out of every index and frees it. */
static void person_drop(struct st_dirsnap *snap, struct person *p)
{
    ptab_del(&snap->by_jid, p_jid, p);
    ptab_del(&snap->by_no, p_no, p);
    member_del(&snap->unit[p->unit], p);
    snap->person_bytes -= malloc_usable_size(p) + 8;
    free(p);
}

static bool person_link(struct st_dirsnap *snap, struct person *p)
{
    if (!ptab_reserve(&snap->by_jid, p_jid) ||
        !ptab_reserve(&snap->by_no, p_no) ||
        !member_add(&snap->unit[p->unit], p))
        return false;
    ptab_put(&snap->by_jid, p_jid, p);
    ptab_put(&snap->by_no, p_no, p);
    snap->person_bytes += malloc_usable_size(p) + 8;
    return true;
}

/* -- The table ---------------------------------------------------------- */

struct st_dirsnap *st_dirsnap_new(size_t expected)
{
    struct st_dirsnap *snap = calloc(1, sizeof(*snap));

    if (snap == NULL)
        return NULL;
    if (!pool_init(&snap->units_pool) || !pool_init(&snap->cities_pool) ||
        !pool_init(&snap->titles) || !ptab_init(&snap->by_jid, expected) ||
        !ptab_init(&snap->by_no, expected) || !slots_fit(snap) ||
        (snap->accounts = st_diracct_new()) == NULL) {
        st_dirsnap_free(snap);
        return NULL;
    }
    return snap;
}

static void org_clear(struct st_dirsnap *snap)
{
    size_t i;

    for (i = 0; i < snap->nunit; i++) {
        struct unit *u = &snap->unit[i];

        free(u->path);
        u->path = NULL;
        u->depth = 0;
        u->en = u->ur = u->kind = NULL;
        u->loaded = u->self_exception = u->exception = false;
    }
    for (i = 0; i < snap->ncity; i++)
        memset(&snap->city[i], 0, sizeof(snap->city[i]));
    for (i = 0; i < 3; i++) {
        PQclear(snap->org[i]);
        snap->org[i] = NULL;
    }
    free(snap->excepted);
    snap->excepted = NULL;
    snap->nexcepted = 0;
    snap->units_loaded = snap->cities_loaded = snap->nexceptions = 0;
}

void st_dirsnap_free(struct st_dirsnap *snap)
{
    size_t i;

    if (snap == NULL)
        return;
    if (snap->by_jid.slot != NULL)
        for (i = 0; i < snap->by_jid.cap; i++)
            free(snap->by_jid.slot[i]);
    free(snap->by_jid.slot);
    free(snap->by_no.slot);
    org_clear(snap);
    for (i = 0; i < snap->nunit; i++)
        free(snap->unit[i].member);
    free(snap->unit);
    free(snap->city);
    if (snap->rec != NULL)
        for (i = 0; i < snap->rec_n; i++)
            record_free(&snap->rec[(snap->rec_head + i) % CHANGES_MAX]);
    free(snap->rec);
    st_diracct_free(snap->accounts);
    pool_clear(&snap->units_pool);
    pool_clear(&snap->cities_pool);
    pool_clear(&snap->titles);
    free(snap);
}

void st_dirsnap_track(struct st_dirsnap *snap, bool on)
{
    if (on && snap->rec == NULL) {
        snap->rec = calloc(CHANGES_MAX, sizeof(*snap->rec));
        if (snap->rec == NULL)
            return;
    }
    snap->track = on;
}

static void set_change(struct st_dirsnap *snap, int64_t change)
{
    if (change > snap->change)
        snap->change = change;
}

enum st_err st_dirsnap_remove(struct st_dirsnap *snap, const char *employee_no,
                              int64_t change)
{
    struct person *old = ptab_find(&snap->by_no, p_no, employee_no);

    set_change(snap, change);
    if (old != NULL) {
        note_person(snap, ST_DIR_REMOVED, old, NULL);
        person_drop(snap, old);
    }
    return ST_OK;
}

enum st_err st_dirsnap_apply(struct st_dirsnap *snap,
                             const struct st_dir_row *row, int64_t change)
{
    struct person *old, *other, *p;
    enum st_err err;

    if (row->employee_no == NULL || row->employee_no[0] == '\0')
        return ST_EDATA;
    if (row->jid == NULL || row->jid[0] == '\0')
        return st_dirsnap_remove(snap, row->employee_no, change);
    p = person_make(snap, row, &err);
    if (p == NULL)
        return err;
    set_change(snap, change);
    old = ptab_find(&snap->by_no, p_no, row->employee_no);
    if (old != NULL && person_equal(old, p)) {
        free(p);
        return ST_OK;
    }
    /* The JID is unique in the table; an older holder lets it go. */
    other = ptab_find(&snap->by_jid, p_jid, p_jid(p));
    if (other != NULL && other != old) {
        note_person(snap, ST_DIR_REMOVED, other, NULL);
        person_drop(snap, other);
    }
    if (old != NULL && strcmp(p_jid(old), p_jid(p)) == 0) {
        note_person(snap, ST_DIR_UPDATED, old, p);
    } else {
        if (old != NULL)
            note_person(snap, ST_DIR_REMOVED, old, NULL);
        note_person(snap, ST_DIR_ADDED, NULL, p);
    }
    if (old != NULL)
        person_drop(snap, old);
    if (!person_link(snap, p)) {
        /* undo the halves that were linked */
        ptab_del(&snap->by_jid, p_jid, p);
        ptab_del(&snap->by_no, p_no, p);
        free(p);
        return ST_ENOMEM;
    }
    return ST_OK;
}

static const char *col(const PGresult *res, int row, int c)
{
    return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

/* Applies row I of RES, a rollout account (kind 'a'). */
static enum st_err account_apply(struct st_dirsnap *snap, const PGresult *res,
                                 int i, int first)
{
    const char *jid = col(res, i, first + 2);
    struct record r = {.kind = ST_DIR_ACCOUNT};
    bool changed;
    enum st_err err;

    err = st_diracct_put(snap->accounts, jid, col(res, i, first + 3),
                         col(res, i, first + 4), col(res, i, first + 5),
                         &changed);
    if (err != ST_OK || !changed || !snap->track)
        return err;
    r.jid = strdup(jid);
    if (r.jid == NULL)
        snap->rec_lost = true;
    else
        record_push(snap, &r);
    return ST_OK;
}

enum st_err st_dirsnap_apply_result(struct st_dirsnap *snap,
                                    const PGresult *res, int first)
{
    int i, n = PQntuples(res);
    enum st_err err = ST_OK, e = ST_OK;

    if (PQnfields(res) < first + 13)
        return ST_EDATA;
    for (i = 0; i < n && e != ST_ENOMEM; i++) {
        const char *kind = col(res, i, first);
        int64_t change;
        struct st_dir_row row;

        if (kind == NULL)
            continue; /* the empty row of a query that found nothing */
        change = strtoll(PQgetvalue(res, i, first + 12), NULL, 10);
        if (kind[0] == 'g') {
            st_dirsnap_remove(snap, PQgetvalue(res, i, first + 1), change);
            continue;
        }
        if (kind[0] == 'a') {
            e = account_apply(snap, res, i, first);
            set_change(snap, change);
            if (e != ST_OK && err == ST_OK)
                err = e;
            continue;
        }
        row = (struct st_dir_row){
            .employee_no = col(res, i, first + 1),
            .jid = col(res, i, first + 2),
            .name_en = col(res, i, first + 3),
            .name_ur = col(res, i, first + 4),
            .designation = col(res, i, first + 5),
            .bps = atoi(PQgetvalue(res, i, first + 6)),
            .unit = col(res, i, first + 7),
            .city = col(res, i, first + 8),
            .office_phone = col(res, i, first + 9),
            .email = col(res, i, first + 10),
            .status = col(res, i, first + 11),
        };
        e = st_dirsnap_apply(snap, &row, change);
        if (e != ST_OK && err == ST_OK)
            err = e;
    }
    return err;
}

/* -- Units, cities, exceptions ------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads the space-separated codes of PATH into U. */
static bool unit_set_path(struct st_dirsnap *snap, struct unit *u,
                          const char *path)
{
    uint32_t ids[PATH_MAX_UNITS];
    char code[64];
    size_t n = 0, len;
    const char *p = path;

    while (*(p += strspn(p, " ")) != '\0' && n < PATH_MAX_UNITS) {
        len = strcspn(p, " ");
        if (len >= sizeof(code))
            return false;
        memcpy(code, p, len);
        code[len] = '\0';
        ids[n] = pool_intern(&snap->units_pool, code, UINT32_MAX);
        if (ids[n++] == UINT32_MAX)
            return false;
        p += len;
    }
    u->path = malloc((n > 0 ? n : 1) * sizeof(*u->path));
    if (u->path == NULL)
        return false;
    memcpy(u->path, ids, n * sizeof(*ids));
    u->depth = (uint8_t)n;
    return true;
}

static bool org_units(struct st_dirsnap *snap, const PGresult *res)
{
    int i, n = PQntuples(res);
    uint32_t id, k;

    for (i = 0; i < n; i++) {
        id = pool_intern(&snap->units_pool, PQgetvalue(res, i, 0), UINT32_MAX);
        if (id == UINT32_MAX || !slots_fit(snap))
            return false;
        snap->unit[id].kind = PQgetvalue(res, i, 1);
        snap->unit[id].en = PQgetvalue(res, i, 2);
        snap->unit[id].ur = PQgetvalue(res, i, 3);
        snap->unit[id].loaded = true;
        snap->units_loaded++;
        if (!unit_set_path(snap, &snap->unit[id], PQgetvalue(res, i, 4)) ||
            !slots_fit(snap))
            return false;
    }
    /* the path's codes may have grown the array: look them up by id now */
    for (id = 1; id < snap->units_pool.n; id++) {
        struct unit *u = &snap->unit[id];

        for (k = 0; k < u->depth && !u->exception; k++)
            u->exception = snap->unit[u->path[k]].self_exception;
    }
    return true;
}

static bool org_exceptions(struct st_dirsnap *snap, const PGresult *res)
{
    int i, n = PQntuples(res);
    uint32_t id;

    snap->excepted = malloc((n > 0 ? (size_t)n : 1) * sizeof(char *));
    if (snap->excepted == NULL)
        return false;
    for (i = 0; i < n; i++) {
        const char *kind = PQgetvalue(res, i, 0);
        const char *target = PQgetvalue(res, i, 1);

        snap->nexceptions++;
        if (strcmp(kind, "person") == 0) {
            snap->excepted[snap->nexcepted++] = target;
            continue;
        }
        id = pool_intern(&snap->units_pool, target, UINT32_MAX);
        if (id == UINT32_MAX || !slots_fit(snap))
            return false;
        snap->unit[id].self_exception = true;
    }
    qsort(snap->excepted, snap->nexcepted, sizeof(char *), cmp_str);
    return true;
}

static bool org_cities(struct st_dirsnap *snap, const PGresult *res)
{
    int i, n = PQntuples(res);
    uint32_t id;

    for (i = 0; i < n; i++) {
        id = pool_intern(&snap->cities_pool, PQgetvalue(res, i, 0), UINT16_MAX);
        if (id == UINT32_MAX || !slots_fit(snap))
            return false;
        snap->city[id].en = PQgetvalue(res, i, 1);
        snap->city[id].ur = PQgetvalue(res, i, 2);
        snap->city[id].phase = atoi(PQgetvalue(res, i, 3));
        snap->city[id].state = PQgetvalue(res, i, 4);
        snap->city[id].loaded = true;
        snap->cities_loaded++;
    }
    return true;
}

enum st_err st_dirsnap_set_org(struct st_dirsnap *snap, PGresult *units,
                               PGresult *cities, PGresult *exceptions)
{
    org_clear(snap);
    snap->org[0] = units;
    snap->org[1] = cities;
    snap->org[2] = exceptions;
    if (PQnfields(units) < 5 || PQnfields(cities) < 5 ||
        PQnfields(exceptions) < 2) {
        org_clear(snap);
        return ST_EDATA;
    }
    /* exceptions first: the units' flags are computed from them */
    if (!org_exceptions(snap, exceptions) || !org_units(snap, units) ||
        !org_cities(snap, cities)) {
        org_clear(snap);
        return ST_ENOMEM;
    }
    return ST_OK;
}

/* -- Readers ------------------------------------------------------------ */

size_t st_dirsnap_changes(struct st_dirsnap *snap, size_t max,
                          struct st_dir_change *out)
{
    size_t i, n = 0;

    if (snap->rec_lost && snap->rec != NULL) {
        /* what was lost is replaced by one reset, at the end */
        snap->rec_lost = false;
        if (snap->rec_n == CHANGES_MAX) {
            record_free(
                &snap->rec[(snap->rec_head + CHANGES_MAX - 1) % CHANGES_MAX]);
            snap->rec_n--;
        }
        st_dirsnap_note(snap, ST_DIR_RESET);
    }
    for (i = 0; i < snap->rec_n && n < max; i++, n++) {
        const struct record *r = &snap->rec[(snap->rec_head + i) % CHANGES_MAX];

        out[n] = (struct st_dir_change){
            .kind = (enum st_dir_change_kind)r->kind,
            .jid = r->jid != NULL ? r->jid : "",
            .old_unit = snap->units_pool.str[r->old_unit],
            .new_unit = snap->units_pool.str[r->new_unit],
            .old_city = snap->cities_pool.str[r->old_city],
            .new_city = snap->cities_pool.str[r->new_city],
            .old_status = (enum st_dir_status)r->old_status,
            .new_status = (enum st_dir_status)r->new_status,
        };
    }
    return n;
}

void st_dirsnap_changes_done(struct st_dirsnap *snap, size_t n)
{
    while (n-- > 0 && snap->rec_n > 0) {
        record_free(&snap->rec[snap->rec_head]);
        snap->rec_head = (snap->rec_head + 1) % CHANGES_MAX;
        snap->rec_n--;
    }
}

static bool person_excepted(const struct st_dirsnap *snap,
                            const struct person *p)
{
    const char *keys[2] = {p_no(p), p_jid(p)};
    int i;

    for (i = 0; i < 2 && snap->nexcepted > 0; i++)
        if (bsearch(&keys[i], snap->excepted, snap->nexcepted, sizeof(char *),
                    cmp_str) != NULL)
            return true;
    return false;
}

static const char *or_blank(const char *s)
{
    return s != NULL ? s : "";
}

bool st_dirsnap_lookup(const struct st_dirsnap *snap, const char *jid,
                       struct st_dir_view *v)
{
    char key[JID_BUF];
    const struct person *p;
    const struct unit *u, *root;
    const struct city *c;
    size_t i;

    for (i = 0; jid[i] != '\0'; i++) {
        if (i + 1 >= sizeof(key))
            return false;
        key[i] =
            (jid[i] >= 'A' && jid[i] <= 'Z') ? (char)(jid[i] + 32) : jid[i];
    }
    key[i] = '\0';
    p = ptab_find(&snap->by_jid, p_jid, key);
    if (p == NULL)
        return false;
    u = &snap->unit[p->unit];
    root = u->depth > 0 ? &snap->unit[u->path[0]] : u;
    c = &snap->city[p->city];
    *v = (struct st_dir_view){
        .jid = p_jid(p),
        .employee_no = p_no(p),
        .name_en = p_field(p, F_NAME_EN),
        .name_ur = p_field(p, F_NAME_UR),
        .designation = snap->titles.str[p->title],
        .bps = p->bps,
        .status = (enum st_dir_status)p->status,
        .office_phone = p_field(p, F_PHONE),
        .email = p_field(p, F_EMAIL),
        .unit = snap->units_pool.str[p->unit],
        .unit_en = or_blank(u->en),
        .unit_ur = or_blank(u->ur),
        .unit_kind = or_blank(u->kind),
        .org = u->depth > 0 ? snap->units_pool.str[u->path[0]] : "",
        .org_en = or_blank(root->en),
        .org_ur = or_blank(root->ur),
        .city = snap->cities_pool.str[p->city],
        .city_en = or_blank(c->en),
        .city_ur = or_blank(c->ur),
        .city_state = or_blank(c->state),
        .city_phase = c->phase,
        .person_exception = person_excepted(snap, p),
        .unit_exception = u->exception,
    };
    return true;
}

bool st_dirsnap_account(const struct st_dirsnap *snap, const char *jid,
                        struct st_acct_view *out)
{
    return st_diracct_get(snap->accounts, jid, out);
}

size_t st_dirsnap_accounts(const struct st_dirsnap *snap,
                           enum st_acct_state state, size_t max,
                           const char **out)
{
    return st_diracct_list(snap->accounts, state, max, out);
}

bool st_dirsnap_jid_excepted(const struct st_dirsnap *snap, const char *jid)
{
    char key[JID_BUF];
    const char *k = key;
    size_t i;

    for (i = 0; jid[i] != '\0'; i++) {
        if (i + 1 >= sizeof(key))
            return false;
        key[i] =
            (jid[i] >= 'A' && jid[i] <= 'Z') ? (char)(jid[i] + 32) : jid[i];
    }
    key[i] = '\0';
    return snap->nexcepted > 0 && bsearch(&k, snap->excepted, snap->nexcepted,
                                          sizeof(char *), cmp_str) != NULL;
}

static int cmp_member(const void *a, const void *b)
{
    const struct person *x = *(const struct person *const *)a;
    const struct person *y = *(const struct person *const *)b;
    bool xin = x->status <= ST_DIR_ON_LEAVE, yin = y->status <= ST_DIR_ON_LEAVE;
    int c;

    if (xin != yin)
        return xin ? -1 : 1; /* those shown first */
    c = strcmp(p_field(x, F_NAME_EN), p_field(y, F_NAME_EN));
    return c != 0 ? c : strcmp(p_jid(x), p_jid(y));
}

size_t st_dirsnap_members(struct st_dirsnap *snap, const char *unit, size_t max,
                          const char **out)
{
    uint32_t id = pool_find(&snap->units_pool, unit);
    struct unit *u;
    size_t n = 0, i;

    if (id == UINT32_MAX || id == 0)
        return 0;
    u = &snap->unit[id];
    if (!u->sorted) {
        qsort(u->member, u->n, sizeof(*u->member), cmp_member);
        u->sorted = true;
    }
    for (i = 0; i < u->n && u->member[i]->status <= ST_DIR_ON_LEAVE; i++) {
        if (n < max)
            out[n] = p_jid(u->member[i]);
        n++;
    }
    return n;
}

bool st_dirsnap_unit(const struct st_dirsnap *snap, const char *unit,
                     const char **name_en, const char **name_ur)
{
    uint32_t id = pool_find(&snap->units_pool, unit);

    if (id == UINT32_MAX || id == 0 || !snap->unit[id].loaded)
        return false;
    *name_en = snap->unit[id].en;
    *name_ur = snap->unit[id].ur;
    return true;
}

void st_dirsnap_stats(const struct st_dirsnap *snap,
                      struct st_dirsnap_stats *out)
{
    size_t bytes = sizeof(*snap), i;

    bytes += snap->person_bytes;
    bytes += (snap->by_jid.cap + snap->by_no.cap) * sizeof(struct person *);
    bytes +=
        snap->nunit * sizeof(struct unit) + snap->ncity * sizeof(struct city);
    for (i = 0; i < snap->nunit; i++)
        bytes += snap->unit[i].cap * sizeof(struct person *);
    bytes += pool_bytes(&snap->units_pool) + pool_bytes(&snap->cities_pool) +
             pool_bytes(&snap->titles);
    out->entries = snap->by_jid.n;
    out->units = snap->units_loaded;
    out->cities = snap->cities_loaded;
    out->exceptions = snap->nexceptions;
    out->bytes = bytes;
    out->change = snap->change;
}
