/*
 * st_dirfollow.h - the employee directory followed beside the hot path.
 *
 * A directory follower owns a store thread with its own connection (the
 * same st_db handling and backoff as st_follow.h). It loads every
 * employee with a JID, the units, the cities and the rollout exceptions
 * into a table (st_dirsnap.h) and hands the table over whole. Then, on
 * each NOTIFY smartoffice_directory, it fetches only the employee rows
 * and deletions whose change number is above the last one seen, in pages,
 * and reloads the units, cities and exceptions when their contents
 * changed. The host thread applies those pages to its table in
 * st_dirfollow_poll(), a bounded number of rows per call. While
 * PostgreSQL is away the table stays as it was.
 *
 * Change numbers come from one sequence, so a transaction may commit a
 * smaller number after a larger one was read. A page read while another
 * transaction was in progress therefore does not move the point the next
 * fetch starts from, and a fetch follows one second later: rows are read
 * again rather than missed (applying a row twice changes nothing).
 *
 * All functions below belong to the host thread, the one that created the
 * follower.
 */
#ifndef ST_DIRFOLLOW_H
#define ST_DIRFOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st_db.h"
#include "st_dirsnap.h"

struct st_dirfollow_status {
    bool loaded;        /* a table has been handed over */
    bool connected;     /* the connection is up */
    char error[256];    /* the last database error, "" after a load */
    size_t backlog;     /* fetched rows not yet applied */
    uint64_t applied;   /* rows applied since the start */
    uint64_t org_loads; /* unit, city and exception sets installed */
};

struct st_dirfollow;

/*
 * Starts following the database CONNINFO (libpq connection string; NULL
 * or "" means libpq's defaults). Returns at once; connecting happens on
 * the store thread. The caller owns the follower (st_dirfollow_free()).
 * NULL when memory ran out or the thread could not start.
 */
struct st_dirfollow *st_dirfollow_new(const char *conninfo);

/* Stops the store thread (waiting for at most one statement in progress)
 * and frees F with its table. F may be NULL. */
void st_dirfollow_free(struct st_dirfollow *f);

/*
 * Installs what the store thread handed over since the last call: a whole
 * new table, new units/cities/exceptions, fetched rows (at most MAX_ROWS
 * of them; the rest wait for the next call). Returns true when the table
 * changed. Pointers lent by the table are invalid after a true return.
 */
bool st_dirfollow_poll(struct st_dirfollow *f, size_t max_rows);

/* The current table, borrowed; NULL until the first one is handed over.
 * Valid until the next st_dirfollow_poll() or st_dirfollow_free(). */
struct st_dirsnap *st_dirfollow_table(struct st_dirfollow *f);

/* Fills *OUT; takes the handover mutex briefly. */
void st_dirfollow_status(struct st_dirfollow *f,
                         struct st_dirfollow_status *out);

#endif
