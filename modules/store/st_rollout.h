/*
 * st_rollout.h - the rollout's writes to PostgreSQL, queued by the host
 * thread and run by the store thread.
 *
 * The host module records an account's activation and adds to the
 * per-city counters without waiting for the database: it pushes a write
 * into a bounded queue and the store thread runs it, in order, the next
 * time it wakes. A write that fails for want of a connection stays queued
 * and is tried again after the reconnect; one the server refuses is
 * dropped and counted. Each kind of write is one fixed statement whose
 * values travel out of line: no SQL text is built from the values.
 */
#ifndef ST_ROLLOUT_H
#define ST_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st_db.h"

/* Longest JID or host name a write carries, without the NUL. */
#define ST_ROLLOUT_TEXT_MAX 1023

enum st_rollout_kind {
    /* text: the account's bare JID. The account becomes active, with no
     * secret left; a no-op unless it is still provisioned. */
    ST_ROLLOUT_ACTIVATE = 1,
    /* text: the city code, day: YYYY-MM-DD (UTC); n1 messages sent and
     * n2 of them refused, added to that day's counters. */
    ST_ROLLOUT_COUNT,
    /* text: the host, city: the city code; n1 users online now. */
    ST_ROLLOUT_ONLINE,
};

struct st_rollout_write {
    enum st_rollout_kind kind;
    const char *text; /* borrowed; copied by st_rollout_push() */
    const char *city; /* ONLINE: the city code; else NULL */
    const char *day;  /* COUNT: the day; else NULL */
    int64_t n1, n2;
};

struct st_rollout_counts {
    size_t queued;    /* waiting now */
    uint64_t written; /* run to completion */
    uint64_t dropped; /* refused because the queue was full */
    uint64_t failed;  /* refused by the server (then dropped) */
};

struct st_rollout_queue;

/* A queue of SLOTS writes (1 to 65536), owned by the caller
 * (st_rollout_queue_free()); NULL when memory ran out. */
struct st_rollout_queue *st_rollout_queue_new(size_t slots);
void st_rollout_queue_free(struct st_rollout_queue *q);

/* What st_rollout_push() did with a write. */
enum st_rollout_push {
    ST_ROLLOUT_QUEUED = 0,
    ST_ROLLOUT_FULL,    /* counted in dropped */
    ST_ROLLOUT_INVALID, /* a field missing, too long or not a code */
};

/* Copies W into Q. Never blocks for longer than a copy under the
 * queue's mutex; any thread. */
enum st_rollout_push st_rollout_push(struct st_rollout_queue *q,
                                     const struct st_rollout_write *w);

/*
 * Runs the queued writes on DB, oldest first, each in its own statement.
 * Stops at the first that fails for want of a connection (ST_ECONNECT,
 * returned; that write stays queued); a write the server refuses is
 * dropped and counted in failed. ST_OK when the queue was emptied.
 * Belongs to the store thread.
 */
enum st_err st_rollout_run(struct st_rollout_queue *q, struct st_db *db);

/* Fills *OUT; any thread. */
void st_rollout_counts(struct st_rollout_queue *q,
                       struct st_rollout_counts *out);

#endif
