/*
 * st_dirsnap.h - the employee directory in memory: every employee with a
 * JID, the units, the cities and the rollout exceptions, asked by JID
 * without the database.
 *
 * A table belongs to one thread at a time. The store thread builds the
 * first one and hands it over whole (st_dirfollow.h); from then on only
 * the host thread reads it and applies the changed rows the store thread
 * fetched, so asking it takes no lock at all.
 *
 * Each employee is one allocation: a 24-byte header (unit, city and
 * designation as small interned numbers, grade, status, offsets) and its
 * strings back to back, the JID first. Two open-addressing tables of
 * pointers find it by JID and by employee number; each unit keeps the
 * array of its members. Unit codes, city codes and designations are
 * interned once and never freed (a few thousand of each).
 *
 * Applying a row reports what changed for Lua as a change record (old and
 * new unit, city and status of a JID); the queue of records is bounded,
 * and a record with kind ST_DIR_RESET replaces what no longer fits.
 */
#ifndef ST_DIRSNAP_H
#define ST_DIRSNAP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st_db.h"
#include "st_diracct.h"

/* Status of an employee; 0 only in change records, for "no entry". */
enum st_dir_status {
    ST_DIR_NONE = 0,
    ST_DIR_ACTIVE,
    ST_DIR_ON_LEAVE,
    ST_DIR_SUSPENDED,
    ST_DIR_RETIRED,
};

/* "active", "on_leave", "suspended", "retired"; "" for ST_DIR_NONE. */
const char *st_dir_status_str(enum st_dir_status status);

/* One employee row as read (or made up by a benchmark). Strings are
 * borrowed; NULL reads as "". A NULL or empty JID means no account. */
struct st_dir_row {
    const char *employee_no;
    const char *jid;
    const char *name_en;
    const char *name_ur;
    const char *designation;
    int bps;
    const char *unit;
    const char *city;
    const char *office_phone;
    const char *email;
    const char *status;
};

/* What an employee looks like to a reader. Every pointer is borrowed from
 * the table, never NULL ("" where there is nothing), and valid until the
 * next change of the table. */
struct st_dir_view {
    const char *jid;
    const char *employee_no;
    const char *name_en;
    const char *name_ur;
    const char *designation;
    int bps;
    enum st_dir_status status;
    const char *office_phone;
    const char *email;
    const char *unit; /* code; names "" while the unit is not loaded */
    const char *unit_en;
    const char *unit_ur;
    const char *unit_kind;
    const char *org; /* the root of the unit's path: ministry/division */
    const char *org_en;
    const char *org_ur;
    const char *city;
    const char *city_en;
    const char *city_ur;
    const char *city_state; /* planned, pilot, live, paused; "" unknown */
    int city_phase;         /* 0: unknown */
    bool person_exception;  /* a rollout exception names the person */
    bool unit_exception;    /* ... the unit or a unit above it */
};

enum st_dir_change_kind {
    ST_DIR_ADDED = 1,
    ST_DIR_UPDATED,
    ST_DIR_REMOVED,
    ST_DIR_RESET,   /* records were lost, or the table was replaced */
    ST_DIR_ORG,     /* units, cities or exceptions changed */
    ST_DIR_ACCOUNT, /* the rollout account of JID changed (st_diracct.h) */
};

/* One change, as st_dirsnap_changes() lends it. Codes are "" for none. */
struct st_dir_change {
    enum st_dir_change_kind kind;
    const char *jid; /* "" for ST_DIR_RESET and ST_DIR_ORG */
    const char *old_unit, *new_unit;
    const char *old_city, *new_city;
    enum st_dir_status old_status, new_status;
};

struct st_dirsnap_stats {
    size_t entries;    /* employees with a JID */
    size_t units;      /* loaded units */
    size_t cities;     /* loaded cities */
    size_t exceptions; /* rollout exceptions */
    size_t bytes;      /* memory held, estimated with malloc's overhead */
    int64_t change;    /* the newest change number applied */
};

struct st_dirsnap;

/* Sizing hint: the expected number of entries (0: small). Returns a new
 * empty table, owned by the caller (st_dirsnap_free()), or NULL when
 * memory ran out. */
struct st_dirsnap *st_dirsnap_new(size_t expected);
void st_dirsnap_free(struct st_dirsnap *snap);

/*
 * Makes ROW the state of its employee: adds, replaces, or removes it (no
 * JID). CHANGE is the row's change number. A row equal to the entry
 * already held changes nothing. ST_EDATA when the employee number is
 * empty or a field is longer than 4000 bytes; ST_ENOMEM. Records changes
 * only after st_dirsnap_track(SNAP, true).
 */
enum st_err st_dirsnap_apply(struct st_dirsnap *snap,
                             const struct st_dir_row *row, int64_t change);

/* Removes the employee EMPLOYEE_NO (deleted from the directory). */
enum st_err st_dirsnap_remove(struct st_dirsnap *snap, const char *employee_no,
                              int64_t change);

/*
 * Applies the rows of RES (borrowed), as the follower's change query
 * returns them (st_dirfollow.c): kind 'e' or 'g', employee_no, jid,
 * name_en, name_ur, designation, bps, unit, city, office_phone, email,
 * status, change; from column FIRST on. A row of kind 'a' is a rollout
 * account: employee_no, jid, then its state, secret hash (hex) and secret
 * expiry (seconds since 1970) in the columns of name_en, name_ur and
 * designation. A row that is not valid is
 * left out and the rest applied; returns the first failure (ST_EDATA),
 * or ST_ENOMEM, which stops at that row.
 */
enum st_err st_dirsnap_apply_result(struct st_dirsnap *snap,
                                    const PGresult *res, int first);

/*
 * Installs the units, cities and exceptions from the three results
 * (owned by the table from now on, whatever the outcome): units (code,
 * kind, name_en, name_ur, path as space-separated codes), cities (code,
 * name_en, name_ur, phase, state), exceptions (kind, target). The
 * previous ones are freed. ST_ENOMEM leaves the table without units.
 */
enum st_err st_dirsnap_set_org(struct st_dirsnap *snap, PGresult *units,
                               PGresult *cities, PGresult *exceptions);

/* Starts (or stops) recording change records. */
void st_dirsnap_track(struct st_dirsnap *snap, bool on);

/* Queues a record of KIND (ST_DIR_RESET or ST_DIR_ORG). */
void st_dirsnap_note(struct st_dirsnap *snap, enum st_dir_change_kind kind);

/*
 * Lends up to MAX queued change records, oldest first, in *OUT (valid
 * until the next call that changes SNAP); returns how many. They stay
 * queued until st_dirsnap_changes_done(SNAP, N) drops the first N.
 */
size_t st_dirsnap_changes(struct st_dirsnap *snap, size_t max,
                          struct st_dir_change *out);
void st_dirsnap_changes_done(struct st_dirsnap *snap, size_t n);

/* Finds the employee whose JID is JID (a bare JID, compared byte for
 * byte after folding ASCII capitals) and fills *VIEW. False when there is
 * none. No allocation, no lock. */
bool st_dirsnap_lookup(const struct st_dirsnap *snap, const char *jid,
                       struct st_dir_view *view);

/*
 * The JIDs of the members of unit UNIT (its own members, not those of
 * units beneath it) with status active or on_leave, ordered by English
 * name then JID: up to MAX of them in OUT (borrowed, valid until the next
 * change of SNAP). Returns how many such members there are in all, which
 * may exceed MAX. Sorts the unit on first use after a change.
 */
size_t st_dirsnap_members(struct st_dirsnap *snap, const char *unit, size_t max,
                          const char **out);

/* Names of unit UNIT (borrowed); false when it is not loaded. */
bool st_dirsnap_unit(const struct st_dirsnap *snap, const char *unit,
                     const char **name_en, const char **name_ur);

/* The rollout account of JID (st_diracct.h); false when there is none. */
bool st_dirsnap_account(const struct st_dirsnap *snap, const char *jid,
                        struct st_acct_view *out);

/* Lends up to MAX JIDs of the rollout accounts in STATE in OUT (valid
 * until the next change of SNAP); returns how many there are in all. */
size_t st_dirsnap_accounts(const struct st_dirsnap *snap,
                           enum st_acct_state state, size_t max,
                           const char **out);

/* True when a person exception names JID, whether or not the directory
 * has an employee with that JID (a service account). */
bool st_dirsnap_jid_excepted(const struct st_dirsnap *snap, const char *jid);

void st_dirsnap_stats(const struct st_dirsnap *snap,
                      struct st_dirsnap_stats *out);

#endif
