/*
 * st_zones.h - the federation zones table (smartoffice.federation_zone).
 *
 * Patterns handed in must already be normalised with
 * so_zone_pattern_normalize(); the table's CHECK refuses other forms.
 * Every change fires NOTIFY smartoffice_zones (a trigger in the schema).
 */
#ifndef ST_ZONES_H
#define ST_ZONES_H

#include "so_zones.h"
#include "st_db.h"

/* One row, as read; strings are owned by the st_zone_list. */
struct st_zone {
    const char *pattern;
    const char *reason;
    const char *added_by;
    const char *added_at; /* ISO 8601, UTC: "2025-01-31T09:15:00Z" */
};

struct st_zone_list {
    struct st_zone *zones;
    size_t n;
    PGresult *res; /* holds the strings */
};

/* Adds PATTERN with REASON and BY. ST_EEXIST when it is already there. */
enum st_err st_zones_add(struct st_db *db, const char *pattern,
                         const char *reason, const char *by);

/* Removes PATTERN. ST_ENOENT when it is not there. */
enum st_err st_zones_remove(struct st_db *db, const char *pattern);

/* The most pins one zone may have. */
#define ST_ZONES_PINS_MAX 16

/* Sets the pins of PATTERN to the N fingerprints PINS (each 64 lower-case
 * hex digits; N may be 0 to remove them all). ST_ENOENT when PATTERN is
 * not there. */
enum st_err st_zones_set_pins(struct st_db *db, const char *pattern,
                              const char *const *pins, size_t n);

/* Reads every zone, ordered by pattern, into LIST; free it with
 * st_zone_list_free() whatever the result. */
enum st_err st_zones_list(struct st_db *db, struct st_zone_list *list);
void st_zone_list_free(struct st_zone_list *list);

/*
 * Loads every pattern in one statement, a consistent snapshot, into a new
 * zone set at *OUT (free with so_zones_free()). On failure *OUT is NULL and
 * the caller keeps its previous snapshot.
 */
enum st_err st_zones_load(struct st_db *db, struct so_zones **out);

#endif
