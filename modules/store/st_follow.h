/*
 * st_follow.h - PostgreSQL followed beside the hot path.
 *
 * A follower owns a store thread that keeps a snapshot of the federation
 * zones (patterns and certificate pins) fresh through LISTEN
 * smartoffice_zones, and writes the audit records the host queues,
 * spilling them to a local file while PostgreSQL is away. After each
 * load the snapshot is also written to a cache file, read back when a
 * restart finds PostgreSQL down. With neither, there is no snapshot and
 * every domain is denied.
 *
 * All functions below belong to the host thread, the one that created the
 * follower. Only it reads the current snapshot, so asking about a domain
 * takes no lock; the store thread hands new snapshots over through a slot
 * guarded by a mutex that either side holds only for a pointer swap.
 */
#ifndef ST_FOLLOW_H
#define ST_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "so_audit.h"
#include "st_db.h"
#include "st_rollout.h"

/* Lower-case hex SHA-256 fingerprint, without the NUL. */
#define ST_FOLLOW_PIN_LEN 64

/* Where the current snapshot came from. */
enum st_follow_source {
    ST_FOLLOW_NONE = 0, /* no snapshot: every domain is denied */
    ST_FOLLOW_DATABASE,
    ST_FOLLOW_CACHE,
};

/* "none", "database", "cache". Static. */
const char *st_follow_source_str(enum st_follow_source source);

struct st_follow_status {
    enum st_follow_source source; /* of the current snapshot */
    size_t zones;                 /* patterns in the current snapshot */
    bool connected;               /* the zone connection is up */
    char error[256];              /* the last database error, "" after a load */
    char invalid[256];      /* why the zone data was refused, "" after a load */
    char cache_error[256];  /* why the cache was not used or written, or "" */
    size_t audit_queued;    /* records waiting in the queue now */
    uint64_t audit_dropped; /* refused because the queue was full */
    uint64_t audit_written; /* stored in PostgreSQL, replays included */
    uint64_t audit_spilled; /* written to the spill file */
    uint64_t audit_lost;    /* neither stored nor spilled */
};

/* What st_follow_audit() did with an event. */
enum st_follow_push {
    ST_FOLLOW_QUEUED = 0,
    ST_FOLLOW_FULL,    /* the queue is full; counted in audit_dropped */
    ST_FOLLOW_INVALID, /* a field is empty, too long or not clean UTF-8 */
};

struct st_follow;

/*
 * Starts following the database CONNINFO (libpq connection string; NULL
 * or "" means libpq's defaults). Audit records spill to SPILL_PATH (NULL:
 * records are lost while PostgreSQL is away); the zone cache lives at
 * CACHE_PATH (NULL: no cache). Returns immediately: connecting happens on
 * the store thread. The caller owns the follower; st_follow_free(). On
 * failure returns NULL with *ERR set to ST_ENOMEM (memory, or the thread
 * could not be started).
 */
struct st_follow *st_follow_new(const char *conninfo, const char *spill_path,
                                const char *cache_path, enum st_err *err);

/*
 * Stops the store thread, which first writes (or spills) every queued
 * record, and frees F. Waits for the thread: at most one statement or
 * connection attempt in progress. F may be NULL.
 */
void st_follow_free(struct st_follow *f);

/*
 * Installs the snapshot the store thread loaded since the last call, if
 * any, and frees the one it replaces. Returns true when the zones, their
 * pins or the source changed. Pointers lent by st_follow_pins() are
 * invalid after a call that installed a snapshot.
 */
bool st_follow_poll(struct st_follow *f);

/* True when DOMAIN (normalised with so_domain_normalize()) is approved by
 * the current snapshot; false when there is none. No lock, no allocation. */
bool st_follow_allows(const struct st_follow *f, const char *domain);

/*
 * The pins of the most specific zone that approves DOMAIN (the domain
 * itself, else the nearest "*." parent). Returns how many; *PINS lends the
 * array of ST_FOLLOW_PIN_LEN-character strings, valid until the next
 * st_follow_poll() or st_follow_free(). 0, with *PINS NULL, when the zone
 * has no pins (any valid certificate) or no zone approves DOMAIN.
 */
size_t st_follow_pins(const struct st_follow *f, const char *domain,
                      const char *const **pins);

/* Fills *OUT. Takes the handover mutex briefly. */
void st_follow_status(struct st_follow *f, struct st_follow_status *out);

/*
 * Queues EV (copied) for the store thread. Never blocks, never allocates.
 * An EV with at_us 0 is stamped with the current time.
 */
enum st_follow_push st_follow_audit(struct st_follow *f,
                                    const struct so_audit_event *ev);

/* Queues the rollout write W (copied) for the store thread, which runs
 * it after the audit records of the same wake-up (st_rollout.h). Never
 * blocks. */
enum st_rollout_push st_follow_rollout(struct st_follow *f,
                                       const struct st_rollout_write *w);

/* Fills *OUT with the rollout queue's counters. */
void st_follow_rollout_counts(struct st_follow *f,
                              struct st_rollout_counts *out);

#endif
