/*
 * st_follow.c - the store thread: zones followed with LISTEN/NOTIFY,
 * audit records drained from the queue, reconnection with backoff.
 *
 * The store thread sleeps in poll() on the connection's socket and an
 * eventfd, waking at least every TICK_MS to drain the audit queue. A
 * notification reloads the whole snapshot; a broken connection is dropped
 * and opened again after 100 ms, doubling up to 5 s, while the last
 * snapshot stays in force. Signals are blocked in the store thread: the
 * host's handlers run on the host's own thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "st_audit.h"
#include "st_follow.h"
#include "st_rollout.h"
#include "st_snapshot.h"
#include "st_thread.h"

#define QUEUE_SLOTS 1024 /* about 5.5 MB of records */
#define DRAIN_BATCH 64   /* records per append transaction */
#define TICK_MS 200      /* longest sleep between two drains */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define REFRESH_TRIES 3    /* loads in a row on a connection that resets */
#define ROLLOUT_SLOTS 1024 /* queued rollout writes */

static const char listen_sql[] = "LISTEN smartoffice_zones";

/* What the store thread hands to the host thread, under LOCK. */
struct handover {
    pthread_mutex_t lock;
    struct st_snapshot *pending; /* owned; NULL when nothing new */
    bool connected;
    char error[256];
    char invalid[256];
    char cache_error[256];
    struct st_audit_counts counts;
    uint64_t lost;
};

struct st_follow {
    /* Set before the store thread starts, then only read. */
    char *conninfo;
    char *cache_path; /* NULL: no cache */
    int wake_fd;      /* eventfd: stop, or the queue is filling */
    struct so_audit_queue *queue;
    struct st_rollout_queue *rollout;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    struct handover ho;

    /* The host thread's. */
    struct st_snapshot *current;
    bool nudged; /* woke the store thread for this fill of the queue */

    /* The store thread's. */
    struct st_audit_writer *writer;
    struct so_audit_record *batch; /* DRAIN_BATCH records */
    struct st_db *db;              /* NULL while disconnected */
    int listen_pid;                /* backend that ran LISTEN */
    unsigned backoff_ms;
    int64_t next_try_ms;
    bool handed_over; /* some snapshot was handed over */
    bool cache_tried;
    bool spill_pending; /* the spill file may hold records */
    int64_t reload_ms;  /* when to load invalid zone data again; 0: no */
};

const char *st_follow_source_str(enum st_follow_source source)
{
    switch (source) {
    case ST_FOLLOW_NONE:
        return "none";
    case ST_FOLLOW_DATABASE:
        return "database";
    case ST_FOLLOW_CACHE:
        return "cache";
    }
    return "none";
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void wake(struct st_follow *f)
{
    uint64_t one = 1;

    /* A full counter (EAGAIN) already means "wake up". */
    (void)!write(f->wake_fd, &one, sizeof(one));
}

/* -- The store thread --------------------------------------------------- */

/* Hands SNAP (owned) over, replacing a pending one the host never took. */
static void hand_over(struct st_follow *f, struct st_snapshot *snap)
{
    struct st_snapshot *old;

    pthread_mutex_lock(&f->ho.lock);
    old = f->ho.pending;
    f->ho.pending = snap;
    pthread_mutex_unlock(&f->ho.lock);
    st_snapshot_free(old);
    f->handed_over = true;
}

static void set_text(struct st_follow *f, char *field, size_t len,
                     const char *text)
{
    pthread_mutex_lock(&f->ho.lock);
    snprintf(field, len, "%s", text);
    pthread_mutex_unlock(&f->ho.lock);
}

/* Records the connection state and ERROR as one line of single spaces
 * (libpq's texts hold newlines and tabs). */
static void set_connected(struct st_follow *f, bool connected,
                          const char *error)
{
    char line[sizeof(f->ho.error)];
    size_t i, n = 0;

    for (i = 0; error[i] != '\0' && n + 1 < sizeof(line); i++) {
        bool space = (unsigned char)error[i] < 0x20 || error[i] == ' ';

        if (!space)
            line[n++] = error[i];
        else if (n > 0 && line[n - 1] != ' ')
            line[n++] = ' ';
    }
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    pthread_mutex_lock(&f->ho.lock);
    f->ho.connected = connected;
    memcpy(f->ho.error, line, n + 1);
    pthread_mutex_unlock(&f->ho.lock);
}

/* With no snapshot yet, once: the cache stands in for the database. */
static void use_cache(struct st_follow *f)
{
    struct st_snapshot *snap;
    char why[256] = "no zones cache configured";

    if (f->handed_over || f->cache_tried)
        return;
    f->cache_tried = true;
    snap = f->cache_path != NULL
               ? st_snapshot_read(f->cache_path, why, sizeof(why))
               : NULL;
    if (snap == NULL) {
        set_text(f, f->ho.cache_error, sizeof(f->ho.cache_error), why);
        return;
    }
    hand_over(f, snap);
}

/* Forgets the connection after WHY and schedules the next attempt. */
static void drop(struct st_follow *f, const char *why)
{
    set_connected(f, false, why);
    st_db_free(f->db);
    f->db = NULL;
    f->next_try_ms = now_ms() + f->backoff_ms;
    f->backoff_ms *= 2;
    if (f->backoff_ms > BACKOFF_MAX_MS)
        f->backoff_ms = BACKOFF_MAX_MS;
    use_cache(f);
}

/* Writes a database snapshot to the cache; says so when it cannot. */
static void keep_in_cache(struct st_follow *f, const struct st_snapshot *snap)
{
    char why[256] = "";

    if (f->cache_path == NULL)
        return;
    st_snapshot_write(snap, f->cache_path, why, sizeof(why));
    set_text(f, f->ho.cache_error, sizeof(f->ho.cache_error), why);
}

/* The zone data was refused as invalid: the connection is fine, so it
 * stays (with LISTEN, a correction is seen at once); the last snapshot
 * stays in force and the load is tried again every BACKOFF_MAX_MS. */
static void data_invalid(struct st_follow *f)
{
    set_text(f, f->ho.invalid, sizeof(f->ho.invalid), st_db_error(f->db));
    f->reload_ms = now_ms() + BACKOFF_MAX_MS;
    use_cache(f);
}

/*
 * Loads the zones and hands them over. The connection may have been reset
 * inside st_db_exec(), losing LISTEN: then LISTEN again and load again,
 * so no change between the two sessions goes unseen.
 */
static bool refresh(struct st_follow *f)
{
    struct st_snapshot *snap;
    PGconn *conn = st_db_conn(f->db);
    enum st_err err;
    int tries;

    for (tries = 0; tries < REFRESH_TRIES; tries++) {
        if (PQbackendPID(conn) != f->listen_pid) {
            if (st_db_exec(f->db, "listening for zone changes", listen_sql, 0,
                           NULL, PGRES_COMMAND_OK, NULL) != ST_OK)
                goto fail;
            f->listen_pid = PQbackendPID(conn);
        }
        err = st_snapshot_load(f->db, &snap);
        if (err == ST_EDATA) {
            data_invalid(f);
            return true;
        }
        if (err != ST_OK)
            goto fail;
        f->reload_ms = 0;
        set_text(f, f->ho.invalid, sizeof(f->ho.invalid), "");
        keep_in_cache(f, snap);
        hand_over(f, snap);
        if (PQbackendPID(conn) == f->listen_pid)
            return true;
    }
    st_db_set_error(f->db, "following zone changes",
                    "the connection keeps being reset");
fail:
    drop(f, st_db_error(f->db));
    return false;
}

static void try_connect(struct st_follow *f)
{
    char why[512];

    if (st_db_open(f->conninfo, &f->db, why, sizeof(why)) != ST_OK) {
        drop(f, why);
        return;
    }
    st_db_quiet(f->db);
    f->listen_pid = 0;
    if (!refresh(f))
        return;
    f->backoff_ms = BACKOFF_MIN_MS;
    set_connected(f, true, "");
}

/* Reads what arrived on the connection; reloads on a notification. */
static void on_readable(struct st_follow *f)
{
    PGconn *conn = st_db_conn(f->db);
    PGnotify *n;
    bool changed = false;
    char why[512];

    if (!PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD) {
        snprintf(why, sizeof(why), "following zone changes: %s",
                 PQerrorMessage(conn));
        why[strcspn(why, "\n")] = '\0';
        drop(f, why);
        return;
    }
    while ((n = PQnotifies(conn)) != NULL) {
        changed = true;
        PQfreemem(n);
    }
    if (changed)
        refresh(f);
}

/* Sleeps until the connection or the eventfd wakes us, or a tick. */
static void wait_events(struct st_follow *f)
{
    struct pollfd fds[2] = {{.fd = f->wake_fd, .events = POLLIN},
                            {.fd = -1, .events = POLLIN}};
    int timeout = TICK_MS;
    uint64_t count;

    if (f->db != NULL) {
        fds[1].fd = PQsocket(st_db_conn(f->db));
    } else {
        int64_t left = f->next_try_ms - now_ms();

        timeout = left < 0 ? 0 : left < TICK_MS ? (int)left : TICK_MS;
    }
    if (poll(fds, 2, timeout) <= 0)
        return; /* a tick, or EINTR: the loop comes round again */
    if (fds[0].revents != 0)
        (void)!read(f->wake_fd, &count, sizeof(count));
    if (f->db != NULL && fds[1].revents != 0)
        on_readable(f);
}

/* Copies the writer's counters for st_follow_status(). */
static void publish_counts(struct st_follow *f, uint64_t lost)
{
    struct st_audit_counts c;

    st_audit_counts(f->writer, &c);
    pthread_mutex_lock(&f->ho.lock);
    f->ho.counts = c;
    f->ho.lost += lost;
    pthread_mutex_unlock(&f->ho.lock);
}

/* Writes what the queue holds, then what an outage left in the spill. */
static void drain(struct st_follow *f)
{
    enum st_audit_status st;
    uint64_t lost = 0;
    size_t n;

    do {
        n = so_audit_queue_pop(f->queue, f->batch, DRAIN_BATCH);
        if (n == 0)
            break;
        st = st_audit_append(f->writer, f->batch, n);
        if (st == ST_AUDIT_SPILLED)
            f->spill_pending = true;
        else if (st != ST_AUDIT_OK)
            lost += n;
    } while (n == DRAIN_BATCH);
    if (f->spill_pending && f->db != NULL &&
        st_audit_replay(f->writer) == ST_AUDIT_OK)
        f->spill_pending = false;
    publish_counts(f, lost);
    if (f->db != NULL && st_rollout_run(f->rollout, f->db) == ST_ECONNECT)
        drop(f, st_db_error(f->db));
}

static void *follow_main(void *arg)
{
    struct st_follow *f = arg;

    f->next_try_ms = now_ms();
    while (!atomic_load(&f->stop)) {
        if (f->db == NULL && now_ms() >= f->next_try_ms)
            try_connect(f);
        else if (f->db != NULL && f->reload_ms != 0 && now_ms() >= f->reload_ms)
            refresh(f);
        wait_events(f);
        drain(f);
    }
    drain(f); /* what was queued before the stop */
    st_db_free(f->db);
    f->db = NULL;
    return NULL;
}

/* -- The host thread ---------------------------------------------------- */

/* Frees what F holds once the store thread is gone (or never ran). */
static void release(struct st_follow *f)
{
    st_snapshot_free(f->current);
    st_snapshot_free(f->ho.pending);
    pthread_mutex_destroy(&f->ho.lock);
    free(f->batch);
    st_audit_writer_free(f->writer);
    so_audit_queue_free(f->queue);
    st_rollout_queue_free(f->rollout);
    if (f->wake_fd >= 0)
        close(f->wake_fd);
    free(f->cache_path);
    free(f->conninfo);
    free(f);
}

struct st_follow *st_follow_new(const char *conninfo, const char *spill_path,
                                const char *cache_path, enum st_err *err)
{
    struct st_follow *f = calloc(1, sizeof(*f));

    *err = ST_ENOMEM;
    if (f == NULL)
        return NULL;
    f->wake_fd = -1;
    if (pthread_mutex_init(&f->ho.lock, NULL) != 0) {
        free(f);
        return NULL;
    }
    atomic_init(&f->stop, false);
    f->backoff_ms = BACKOFF_MIN_MS;
    f->spill_pending = true; /* a previous run may have left records */
    f->conninfo = strdup(conninfo != NULL ? conninfo : "");
    f->cache_path = cache_path != NULL ? strdup(cache_path) : NULL;
    f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    f->queue = so_audit_queue_new(QUEUE_SLOTS);
    f->rollout = st_rollout_queue_new(ROLLOUT_SLOTS);
    f->writer = st_audit_writer_new(conninfo, spill_path);
    f->batch = malloc(DRAIN_BATCH * sizeof(*f->batch));
    if (f->conninfo == NULL || (cache_path != NULL && f->cache_path == NULL) ||
        f->wake_fd < 0 || f->queue == NULL || f->rollout == NULL ||
        f->writer == NULL || f->batch == NULL ||
        !st_thread_start(&f->thread, follow_main, f))
        goto fail;
    f->started = true;
    *err = ST_OK;
    return f;

fail:
    release(f);
    return NULL;
}

void st_follow_free(struct st_follow *f)
{
    if (f == NULL)
        return;
    if (f->started) {
        atomic_store(&f->stop, true);
        wake(f);
        pthread_join(f->thread, NULL);
    }
    release(f);
}

bool st_follow_poll(struct st_follow *f)
{
    struct st_snapshot *snap;

    pthread_mutex_lock(&f->ho.lock);
    snap = f->ho.pending;
    f->ho.pending = NULL;
    pthread_mutex_unlock(&f->ho.lock);
    if (snap == NULL)
        return false;
    if (st_snapshot_equal(snap, f->current)) {
        st_snapshot_free(snap);
        return false;
    }
    st_snapshot_free(f->current);
    f->current = snap;
    return true;
}

bool st_follow_allows(const struct st_follow *f, const char *domain)
{
    return so_zones_allows(st_snapshot_zones(f->current), domain);
}

size_t st_follow_pins(const struct st_follow *f, const char *domain,
                      const char *const **pins)
{
    return st_snapshot_pins(f->current, domain, pins);
}

void st_follow_status(struct st_follow *f, struct st_follow_status *out)
{
    memset(out, 0, sizeof(*out));
    out->source = st_snapshot_source(f->current);
    out->zones = st_snapshot_count(f->current);
    out->audit_queued = so_audit_queue_len(f->queue);
    out->audit_dropped = so_audit_queue_dropped(f->queue);
    pthread_mutex_lock(&f->ho.lock);
    out->connected = f->ho.connected;
    memcpy(out->error, f->ho.error, sizeof(out->error));
    memcpy(out->invalid, f->ho.invalid, sizeof(out->invalid));
    memcpy(out->cache_error, f->ho.cache_error, sizeof(out->cache_error));
    out->audit_written = f->ho.counts.written + f->ho.counts.replayed;
    out->audit_spilled = f->ho.counts.spilled;
    out->audit_lost = f->ho.lost;
    pthread_mutex_unlock(&f->ho.lock);
}

enum st_follow_push st_follow_audit(struct st_follow *f,
                                    const struct so_audit_event *ev)
{
    struct so_audit_event copy = *ev;
    uint64_t dropped = so_audit_queue_dropped(f->queue);
    size_t half = so_audit_queue_capacity(f->queue) / 2;

    if (copy.at_us == 0)
        copy.at_us = now_us();
    if (so_audit_queue_push(f->queue, &copy) != SO_OK) {
        if (so_audit_queue_dropped(f->queue) != dropped)
            return ST_FOLLOW_FULL;
        return ST_FOLLOW_INVALID;
    }
    /* Half full: wake the store thread once rather than wait for a tick. */
    if (so_audit_queue_len(f->queue) < half) {
        f->nudged = false;
    } else if (!f->nudged) {
        f->nudged = true;
        wake(f);
    }
    return ST_FOLLOW_QUEUED;
}

enum st_rollout_push st_follow_rollout(struct st_follow *f,
                                       const struct st_rollout_write *w)
{
    return st_rollout_push(f->rollout, w);
}

void st_follow_rollout_counts(struct st_follow *f,
                              struct st_rollout_counts *out)
{
    st_rollout_counts(f->rollout, out);
}
