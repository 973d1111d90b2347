/*
 * st_snapshot.h - one consistent view of the federation zones: the zone
 * set the hot path asks, each pattern's certificate pins, and the cache
 * file that keeps the last view across a restart while PostgreSQL is
 * down.
 *
 * A snapshot is built in full, then never changes. A failed build yields
 * no snapshot at all: nothing is decided from half-loaded data.
 *
 * The cache file is text, one item per line:
 *
 *   smartoffice-zones-cache 1
 *   zone PATTERN [PIN ...]       one per zone, PIN as lower-case hex
 *   end N                        N zone lines above; nothing after it
 */
#ifndef ST_SNAPSHOT_H
#define ST_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "so_zones.h"
#include "st_db.h"
#include "st_follow.h"

struct st_snapshot;

/*
 * Loads every zone with its pins in one statement on DB, a consistent
 * view. On ST_OK *OUT is the snapshot, owned by the caller
 * (st_snapshot_free()). On failure *OUT is NULL and st_db_error(DB) says
 * why; a pattern or pin in the table that is not in canonical form fails
 * the whole load with ST_EDATA, the reason naming the zone.
 */
enum st_err st_snapshot_load(struct st_db *db, struct st_snapshot **out);

/*
 * Reads the cache file PATH. Returns the snapshot (owned by the caller,
 * source ST_FOLLOW_CACHE), or NULL with a one-line reason in WHY
 * ("line 3: ...") when the file is missing, unreadable or not valid in
 * every line.
 */
struct st_snapshot *st_snapshot_read(const char *path, char *why,
                                     size_t whylen);

/*
 * Writes SNAP to the cache file PATH atomically: PATH.tmp, fsync, rename,
 * then (best effort) fsync of the directory. False with a reason in WHY on
 * failure; PATH is then unchanged.
 */
bool st_snapshot_write(const struct st_snapshot *snap, const char *path,
                       char *why, size_t whylen);

void st_snapshot_free(struct st_snapshot *snap);

/* True when A and B hold the same patterns with the same pins and come
 * from the same source. NULL equals only NULL. */
bool st_snapshot_equal(const struct st_snapshot *a,
                       const struct st_snapshot *b);

/* The source, the number of patterns, and the zone set (borrowed from
 * SNAP). A NULL SNAP has source none, 0 patterns and a NULL zone set. */
enum st_follow_source st_snapshot_source(const struct st_snapshot *snap);
size_t st_snapshot_count(const struct st_snapshot *snap);
const struct so_zones *st_snapshot_zones(const struct st_snapshot *snap);

/* As st_follow_pins(), for SNAP (which may be NULL). */
size_t st_snapshot_pins(const struct st_snapshot *snap, const char *domain,
                        const char *const **pins);

#endif
