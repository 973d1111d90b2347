/*
 * st_dirfollow.c - the directory's store thread: LISTEN
 * smartoffice_directory, a whole load, then pages of changed rows.
 *
 * The store thread sleeps in poll() on its connection's socket and an
 * eventfd (stop). A notification, or a re-read scheduled after a busy
 * page, syncs: the units, cities and exceptions are read again and handed
 * over when their digest changed, then the changed employee rows are read
 * in pages and handed over one page at a time. A broken connection is
 * dropped and opened again after 100 ms, doubling up to 5 s; the host's
 * table stays as it was meanwhile, and the next sync starts where the last
 * good one stopped.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "st_dirfollow.h"
#include "st_thread.h"

#define FULL_PAGE 20000 /* rows per statement of a whole load */
#define DELTA_PAGE 2000 /* rows per statement (and per page) of a sync */
#define FULL_AFTER                                                             \
    200000               /* changed rows after which a whole load is           \
                            cheaper than applying them one by one */
#define BUSY_MARGIN 1000 /* change numbers read again after a busy page */
#define BUSY_RECHECKS 3  /* re-reads after a busy page, one a second */
#define BUSY_RECHECK_MS 1000
#define TICK_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static const char listen_sql[] = "LISTEN smartoffice_directory";

/* $1 the change number read up to, $2 the page size. The first column
 * says whether another transaction was in progress when the statement's
 * snapshot was taken; a page with no rows is one row of NULLs after it. */
static const char page_sql[] =
    "SELECT s.busy, r.* FROM (SELECT "
    "pg_snapshot_xmin(pg_current_snapshot()) <> "
    "pg_snapshot_xmax(pg_current_snapshot()) AS busy) s "
    "LEFT JOIN (SELECT * FROM ("
    "(SELECT 'e'::text AS k, employee_no, jid, name_en, name_ur, "
    "designation, bps::text AS bps, unit, city, office_phone, email, "
    "status, change FROM smartoffice.employee WHERE change > $1::bigint "
    "ORDER BY change LIMIT $2::int) "
    "UNION ALL "
    "(SELECT 'g', employee_no, jid, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, change FROM smartoffice.employee_gone "
    "WHERE change > $1::bigint ORDER BY change LIMIT $2::int) "
    "UNION ALL "
    "(SELECT 'a', employee_no, jid, state, encode(secret_hash, 'hex'), "
    "floor(extract(epoch FROM secret_expires))::bigint::text, NULL, NULL, "
    "NULL, NULL, NULL, NULL, change FROM smartoffice.rollout_account "
    "WHERE change > $1::bigint ORDER BY change LIMIT $2::int)"
    ") u ORDER BY change LIMIT $2::int) r ON true ORDER BY r.change";

static const char units_sql[] =
    "SELECT code, kind, name_en, name_ur, array_to_string(path, ' ') "
    "FROM smartoffice.org_unit ORDER BY code";
static const char cities_sql[] =
    "SELECT code, name_en, name_ur, phase::text, state "
    "FROM smartoffice.city ORDER BY code";
static const char exceptions_sql[] =
    "SELECT kind, target FROM smartoffice.rollout_exception "
    "ORDER BY kind, target";

struct page {
    struct page *next;
    PGresult *res; /* owned */
    size_t rows;
};

struct pages {
    struct page *head, *tail;
    size_t rows;
};

/* What the store thread hands to the host thread, under LOCK. */
struct handover {
    pthread_mutex_t lock;
    struct st_dirsnap *table; /* owned; a whole new table, or NULL */
    PGresult *org[3];         /* owned; new units, cities, exceptions */
    struct pages pages;       /* fetched rows, oldest first */
    bool connected;
    char error[256];
};

struct st_dirfollow {
    /* Set before the store thread starts, then only read. */
    char *conninfo;
    int wake_fd;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    struct handover ho;

    /* The host thread's. */
    struct st_dirsnap *current;
    struct pages backlog;
    uint64_t applied, org_loads;

    /* The store thread's. */
    struct st_db *db; /* NULL while disconnected */
    int listen_pid;
    unsigned backoff_ms;
    int64_t next_try_ms;
    bool have_table; /* a whole table was handed over */
    bool need_sync;
    int64_t from;        /* every row up to this number was read */
    uint64_t org_digest; /* of the last units, cities and exceptions */
    int64_t recheck_ms;  /* 0: none */
    int rechecks;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pages_free(struct pages *ps)
{
    struct page *p, *next;

    for (p = ps->head; p != NULL; p = next) {
        next = p->next;
        PQclear(p->res);
        free(p);
    }
    memset(ps, 0, sizeof(*ps));
}

/* Moves every page of FROM to the end of TO. */
static void pages_move(struct pages *to, struct pages *from)
{
    if (from->head == NULL)
        return;
    if (to->tail != NULL)
        to->tail->next = from->head;
    else
        to->head = from->head;
    to->tail = from->tail;
    to->rows += from->rows;
    memset(from, 0, sizeof(*from));
}

static void org_free(PGresult *org[3])
{
    int i;

    for (i = 0; i < 3; i++) {
        PQclear(org[i]);
        org[i] = NULL;
    }
}

/* -- The store thread --------------------------------------------------- */

/* Records the connection state and WHY on one line. */
static void set_connected(struct st_dirfollow *f, bool connected,
                          const char *why)
{
    size_t i;

    pthread_mutex_lock(&f->ho.lock);
    f->ho.connected = connected;
    snprintf(f->ho.error, sizeof(f->ho.error), "%s", why);
    for (i = 0; f->ho.error[i] != '\0'; i++)
        if ((unsigned char)f->ho.error[i] < 0x20)
            f->ho.error[i] = ' ';
    pthread_mutex_unlock(&f->ho.lock);
}

static void drop(struct st_dirfollow *f, const char *why)
{
    set_connected(f, false, why);
    st_db_free(f->db);
    f->db = NULL;
    f->next_try_ms = now_ms() + f->backoff_ms;
    f->backoff_ms *= 2;
    if (f->backoff_ms > BACKOFF_MAX_MS)
        f->backoff_ms = BACKOFF_MAX_MS;
}

static void hand_over_table(struct st_dirfollow *f, struct st_dirsnap *table)
{
    struct st_dirsnap *old;
    struct pages stale;
    PGresult *stale_org[3];

    pthread_mutex_lock(&f->ho.lock);
    old = f->ho.table;
    f->ho.table = table;
    /* what is still pending is older than TABLE */
    stale = f->ho.pages;
    memset(&f->ho.pages, 0, sizeof(f->ho.pages));
    memcpy(stale_org, f->ho.org, sizeof(stale_org));
    memset(f->ho.org, 0, sizeof(f->ho.org));
    pthread_mutex_unlock(&f->ho.lock);
    st_dirsnap_free(old);
    pages_free(&stale);
    org_free(stale_org);
    f->have_table = true;
}

static void hand_over_org(struct st_dirfollow *f, PGresult *org[3])
{
    PGresult *old[3];

    pthread_mutex_lock(&f->ho.lock);
    memcpy(old, f->ho.org, sizeof(old));
    memcpy(f->ho.org, org, sizeof(old));
    pthread_mutex_unlock(&f->ho.lock);
    org_free(old);
}

/* Hands RES (owned) over as a page of ROWS rows. */
static bool hand_over_page(struct st_dirfollow *f, PGresult *res, size_t rows)
{
    struct page *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        PQclear(res);
        return false;
    }
    p->res = res;
    p->rows = rows;
    pthread_mutex_lock(&f->ho.lock);
    if (f->ho.pages.tail != NULL)
        f->ho.pages.tail->next = p;
    else
        f->ho.pages.head = p;
    f->ho.pages.tail = p;
    f->ho.pages.rows += rows;
    pthread_mutex_unlock(&f->ho.lock);
    return true;
}

static uint64_t digest_result(uint64_t h, const PGresult *res)
{
    int i, j;
    const char *s;

    for (i = 0; i < PQntuples(res); i++) {
        for (j = 0; j < PQnfields(res); j++) {
            for (s = PQgetvalue(res, i, j); *s != '\0'; s++) {
                h ^= (unsigned char)*s;
                h *= 0x100000001b3ULL;
            }
            h ^= 0xff; /* the end of a value */
            h *= 0x100000001b3ULL;
        }
    }
    return h;
}

/* Reads the units, cities and exceptions into ORG. */
static enum st_err read_org(struct st_dirfollow *f, PGresult *org[3],
                            uint64_t *digest)
{
    static const char *const sql[3] = {units_sql, cities_sql, exceptions_sql};
    static const char *const what[3] = {"reading the units",
                                        "reading the cities",
                                        "reading the rollout exceptions"};
    enum st_err err;
    int i;

    *digest = 0xcbf29ce484222325ULL;
    for (i = 0; i < 3; i++) {
        err = st_db_exec(f->db, what[i], sql[i], 0, NULL, PGRES_TUPLES_OK,
                         &org[i]);
        if (err != ST_OK) {
            org_free(org);
            return err;
        }
        *digest = digest_result(*digest, org[i]);
    }
    return ST_OK;
}

/* Reads one page after change AFTER: *RES owned by the caller, *ROWS its
 * employee rows, *LAST the highest change number in it (AFTER when none),
 * *BUSY whether another transaction was in progress. */
static enum st_err read_page(struct st_dirfollow *f, int64_t after, int size,
                             PGresult **res, size_t *rows, int64_t *last,
                             bool *busy)
{
    char a[24], s[16];
    const char *params[2] = {a, s};
    enum st_err err;
    int n;

    snprintf(a, sizeof(a), "%lld", (long long)after);
    snprintf(s, sizeof(s), "%d", size);
    err = st_db_exec(f->db, "reading changed employees", page_sql, 2, params,
                     PGRES_TUPLES_OK, res);
    if (err != ST_OK)
        return err;
    n = PQntuples(*res);
    *busy = n > 0 && PQgetvalue(*res, 0, 0)[0] == 't';
    *rows = 0;
    *last = after;
    if (n > 0 && !PQgetisnull(*res, 0, 1)) {
        *rows = (size_t)n;
        *last = strtoll(PQgetvalue(*res, n - 1, 13), NULL, 10);
    }
    return ST_OK;
}

/* The point the next sync reads from, after a page up to LAST. */
static int64_t next_from(struct st_dirfollow *f, int64_t from, int64_t last,
                         bool busy)
{
    int64_t back = last - BUSY_MARGIN;

    if (!busy)
        return last;
    if (f->rechecks < BUSY_RECHECKS) {
        f->recheck_ms = now_ms() + BUSY_RECHECK_MS;
        f->rechecks++;
    }
    return back > from ? back : from;
}

/* Loads a whole new table and hands it over. */
static enum st_err load_full(struct st_dirfollow *f)
{
    struct st_dirsnap *snap = st_dirsnap_new(0);
    PGresult *org[3] = {NULL, NULL, NULL}, *res;
    int64_t cursor = 0, from = 0, last;
    uint64_t digest;
    size_t rows;
    bool busy;
    enum st_err err;

    if (snap == NULL)
        return ST_ENOMEM;
    err = read_org(f, org, &digest);
    if (err != ST_OK)
        goto fail;
    err = st_dirsnap_set_org(snap, org[0], org[1], org[2]);
    if (err != ST_OK)
        goto fail;
    do {
        if (atomic_load(&f->stop)) {
            err = ST_ECONNECT;
            goto fail;
        }
        err = read_page(f, cursor, FULL_PAGE, &res, &rows, &last, &busy);
        if (err != ST_OK)
            goto fail;
        /* a row that is not valid is left out (st_dirsnap.h) */
        err = st_dirsnap_apply_result(snap, res, 1);
        PQclear(res);
        if (err == ST_ENOMEM) {
            st_db_set_error(f->db, "loading the directory", "out of memory");
            goto fail;
        }
        from = next_from(f, from, last, busy);
        cursor = last;
    } while (rows == FULL_PAGE);
    st_dirsnap_track(snap, true);
    f->from = from;
    f->org_digest = digest;
    hand_over_table(f, snap);
    return ST_OK;

fail:
    st_dirsnap_free(snap);
    return err;
}

/* Reads the changes since the last sync and hands them over. */
static enum st_err sync_changes(struct st_dirfollow *f)
{
    PGresult *org[3] = {NULL, NULL, NULL}, *res;
    int64_t cursor = f->from, last;
    uint64_t digest;
    size_t rows, total = 0;
    bool busy;
    enum st_err err;

    err = read_org(f, org, &digest);
    if (err != ST_OK)
        return err;
    if (digest != f->org_digest) {
        hand_over_org(f, org);
        f->org_digest = digest;
    } else {
        org_free(org);
    }
    do {
        err = read_page(f, cursor, DELTA_PAGE, &res, &rows, &last, &busy);
        if (err != ST_OK)
            return err;
        if (rows == 0)
            PQclear(res);
        else if (!hand_over_page(f, res, rows))
            return ST_ENOMEM;
        f->from = next_from(f, f->from, last, busy);
        cursor = last;
        total += rows;
        if (total >= FULL_AFTER)
            return load_full(f);
    } while (rows == DELTA_PAGE);
    return ST_OK;
}

/* Syncs; on a connection reset LISTEN again first, and sync again. */
static void sync_all(struct st_dirfollow *f)
{
    PGconn *conn = st_db_conn(f->db);
    enum st_err err;
    int tries;

    for (tries = 0; tries < 3; tries++) {
        if (PQbackendPID(conn) != f->listen_pid) {
            if (st_db_exec(f->db, "listening for directory changes", listen_sql,
                           0, NULL, PGRES_COMMAND_OK, NULL) != ST_OK)
                break;
            f->listen_pid = PQbackendPID(conn);
        }
        err = f->have_table ? sync_changes(f) : load_full(f);
        if (err != ST_OK)
            break;
        f->need_sync = false;
        if (PQbackendPID(conn) == f->listen_pid) {
            set_connected(f, true, "");
            return;
        }
    }
    drop(f, st_db_error(f->db));
}

static void try_connect(struct st_dirfollow *f)
{
    char why[512];

    if (st_db_open(f->conninfo, &f->db, why, sizeof(why)) != ST_OK) {
        drop(f, why);
        return;
    }
    st_db_quiet(f->db);
    f->listen_pid = 0;
    f->need_sync = true;
    sync_all(f);
    if (f->db != NULL)
        f->backoff_ms = BACKOFF_MIN_MS;
}

static void on_readable(struct st_dirfollow *f)
{
    PGconn *conn = st_db_conn(f->db);
    PGnotify *n;
    char why[512];

    if (!PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD) {
        snprintf(why, sizeof(why), "following directory changes: %s",
                 PQerrorMessage(conn));
        drop(f, why);
        return;
    }
    while ((n = PQnotifies(conn)) != NULL) {
        f->need_sync = true;
        f->rechecks = 0;
        PQfreemem(n);
    }
}

static void wait_events(struct st_dirfollow *f)
{
    struct pollfd fds[2] = {{.fd = f->wake_fd, .events = POLLIN},
                            {.fd = -1, .events = POLLIN}};
    int64_t until = now_ms() + TICK_MS, left;
    uint64_t count;

    if (f->db != NULL) {
        fds[1].fd = PQsocket(st_db_conn(f->db));
        if (f->recheck_ms != 0 && f->recheck_ms < until)
            until = f->recheck_ms;
    } else if (f->next_try_ms < until) {
        until = f->next_try_ms;
    }
    left = until - now_ms();
    if (poll(fds, 2, left < 0 ? 0 : (int)left) <= 0)
        return;
    if (fds[0].revents != 0)
        (void)!read(f->wake_fd, &count, sizeof(count));
    if (f->db != NULL && fds[1].revents != 0)
        on_readable(f);
}

static void *follow_main(void *arg)
{
    struct st_dirfollow *f = arg;

    f->next_try_ms = now_ms();
    while (!atomic_load(&f->stop)) {
        if (f->db == NULL && now_ms() >= f->next_try_ms) {
            try_connect(f);
        } else if (f->db != NULL && f->recheck_ms != 0 &&
                   now_ms() >= f->recheck_ms) {
            f->recheck_ms = 0;
            f->need_sync = true;
        }
        if (f->db != NULL && f->need_sync)
            sync_all(f);
        if (!atomic_load(&f->stop))
            wait_events(f);
    }
    st_db_free(f->db);
    f->db = NULL;
    return NULL;
}

/* -- The host thread ---------------------------------------------------- */

static void release(struct st_dirfollow *f)
{
    st_dirsnap_free(f->current);
    st_dirsnap_free(f->ho.table);
    org_free(f->ho.org);
    pages_free(&f->ho.pages);
    pages_free(&f->backlog);
    pthread_mutex_destroy(&f->ho.lock);
    if (f->wake_fd >= 0)
        close(f->wake_fd);
    free(f->conninfo);
    free(f);
}

struct st_dirfollow *st_dirfollow_new(const char *conninfo)
{
    struct st_dirfollow *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->wake_fd = -1;
    if (pthread_mutex_init(&f->ho.lock, NULL) != 0) {
        free(f);
        return NULL;
    }
    atomic_init(&f->stop, false);
    f->backoff_ms = BACKOFF_MIN_MS;
    f->conninfo = strdup(conninfo != NULL ? conninfo : "");
    f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (f->conninfo == NULL || f->wake_fd < 0 ||
        !st_thread_start(&f->thread, follow_main, f)) {
        release(f);
        return NULL;
    }
    f->started = true;
    return f;
}

void st_dirfollow_free(struct st_dirfollow *f)
{
    uint64_t one = 1;

    if (f == NULL)
        return;
    if (f->started) {
        atomic_store(&f->stop, true);
        (void)!write(f->wake_fd, &one, sizeof(one));
        pthread_join(f->thread, NULL);
    }
    release(f);
}

bool st_dirfollow_poll(struct st_dirfollow *f, size_t max_rows)
{
    struct st_dirsnap *table;
    PGresult *org[3];
    struct pages pages;
    struct page *p;
    size_t done = 0;
    bool changed = false;

    pthread_mutex_lock(&f->ho.lock);
    table = f->ho.table;
    f->ho.table = NULL;
    memcpy(org, f->ho.org, sizeof(org));
    memset(f->ho.org, 0, sizeof(f->ho.org));
    pages = f->ho.pages;
    memset(&f->ho.pages, 0, sizeof(f->ho.pages));
    pthread_mutex_unlock(&f->ho.lock);

    if (table != NULL) {
        /* readers look at everything again, the first time too: users
         * may have logged in before the directory was loaded */
        st_dirsnap_note(table, ST_DIR_RESET);
        st_dirsnap_free(f->current);
        f->current = table;
        pages_free(&f->backlog); /* older than TABLE */
        changed = true;
    }
    if (org[0] != NULL && f->current != NULL) {
        st_dirsnap_set_org(f->current, org[0], org[1], org[2]);
        st_dirsnap_note(f->current, ST_DIR_ORG);
        f->org_loads++;
        changed = true;
    } else {
        org_free(org);
    }
    pages_move(&f->backlog, &pages);
    while (f->current != NULL && (p = f->backlog.head) != NULL &&
           done < max_rows) {
        /* a row that is not valid is left out; the rest still apply */
        st_dirsnap_apply_result(f->current, p->res, 1);
        done += p->rows;
        f->backlog.rows -= p->rows;
        f->backlog.head = p->next;
        if (f->backlog.head == NULL)
            f->backlog.tail = NULL;
        PQclear(p->res);
        free(p);
    }
    f->applied += done;
    return changed || done > 0;
}

struct st_dirsnap *st_dirfollow_table(struct st_dirfollow *f)
{
    return f->current;
}

void st_dirfollow_status(struct st_dirfollow *f,
                         struct st_dirfollow_status *out)
{
    memset(out, 0, sizeof(*out));
    out->loaded = f->current != NULL;
    out->backlog = f->backlog.rows;
    out->applied = f->applied;
    out->org_loads = f->org_loads;
    pthread_mutex_lock(&f->ho.lock);
    out->connected = f->ho.connected;
    memcpy(out->error, f->ho.error, sizeof(out->error));
    out->backlog += f->ho.pages.rows;
    pthread_mutex_unlock(&f->ho.lock);
}
