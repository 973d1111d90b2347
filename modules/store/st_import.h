/*
 * st_import.h - loading the directory (cities, organisation units,
 * employees) into PostgreSQL in one transaction.
 *
 * An import opens a transaction and four temporary staging tables. Rows,
 * already checked and folded by the caller, are streamed into a staging
 * table with COPY (binary format); then set-based statements merge the
 * staging table into the real one, changing only rows whose values differ,
 * so that importing the same rows again moves no row's `change` or
 * updated_at. The first employees copied into an empty employee table go
 * straight into it instead (there is nothing to merge with); when the
 * importing role owns the table, its secondary indexes are dropped for
 * that copy and built again before the merge returns.
 * Nothing is visible to others until st_import_commit(); st_import_free()
 * without it rolls everything back.
 *
 * Only one COPY is open at a time: st_import_copy_begin() ...
 * st_import_put_*() ... st_import_copy_end(). No other statement may run
 * on the connection in between.
 */
#ifndef ST_IMPORT_H
#define ST_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "st_db.h"

enum st_import_kind {
    ST_IMPORT_CITY,
    ST_IMPORT_UNIT,
    ST_IMPORT_EMPLOYEE,
    ST_IMPORT_WORD,
};

/* One city; strings borrowed for the call. TERMS (so_dterms_place) are
 * sorted in place, as an employee's are. */
struct st_import_city {
    long line; /* in the file; 0 for rows that come from the database */
    const char *code;
    const char *name_en;
    const char *name_ur;
    const char *province;
    int phase;
    size_t nterms;
    char **terms;
};

/* One organisation unit; PATH runs from the root down to CODE. TERMS as
 * for a city. */
struct st_import_unit {
    long line;
    const char *code;
    const char *parent; /* NULL at the root */
    const char *kind;
    const char *name_en;
    const char *name_ur;
    size_t npath;
    const char *const *path;
    size_t nterms;
    char **terms;
};

/* One employee with its computed keys; TERMS need not be sorted (they
 * are sorted in place, so that the same terms are always stored in the
 * same order). */
struct st_import_employee {
    long line;
    const char *employee_no;
    const char *name_en;
    const char *name_ur;
    const char *designation;
    int bps;
    const char *unit;
    const char *city;
    const char *office_phone;
    const char *email;
    const char *jid; /* NULL when the person has none */
    const char *status;
    const char *name_key;
    size_t nterms;
    char **terms;
};

/* What a merge did: rows of the file inserted, updated, and rows that
 * were not in the file but changed because of it (unit paths below a
 * moved unit; employees whose terms were recomputed). */
struct st_import_counts {
    long inserted;
    long updated;
    long followed;
};

struct st_import;

/*
 * Begins a transaction on DB and creates the staging tables (dropped at
 * its end). On ST_OK *OUT is the import, to end with st_import_free().
 * On failure *OUT is NULL and st_db_error(DB) says why.
 */
enum st_err st_import_new(struct st_db *db, struct st_import **out);

/* Rolls back unless st_import_commit() succeeded, and frees IMP. */
void st_import_free(struct st_import *imp);

/* Commits everything. */
enum st_err st_import_commit(struct st_import *imp);

/* How the employees went in: merged through the staging table; copied
 * into the empty table and its secondary indexes built again at the end
 * (the importing role owns the table); or copied into the empty table
 * with its indexes kept up row by row (it does not). */
enum st_import_load {
    ST_IMPORT_MERGED,
    ST_IMPORT_REBUILT,
    ST_IMPORT_KEPT,
};

/* After the employees' first st_import_copy_begin(); ST_IMPORT_MERGED
 * before it. */
enum st_import_load st_import_employee_load(const struct st_import *imp);

/* After st_import_commit(): refreshes the planner's statistics of the
 * directory's tables (a role that may not is skipped with a warning). */
enum st_err st_import_analyze(struct st_import *imp);

/*
 * Reads every city (code, name_en, name_ur) or every unit (code, parent,
 * kind, name_en, name_ur, path as an array literal) of the database. On
 * ST_OK *RES is the result, owned by the caller (PQclear). Parent is SQL
 * NULL at the root.
 */
enum st_err st_import_read_cities(struct st_import *imp, PGresult **res);
enum st_err st_import_read_units(struct st_import *imp, PGresult **res);

/* Starts streaming rows of KIND into its staging table. */
enum st_err st_import_copy_begin(struct st_import *imp,
                                 enum st_import_kind kind);
enum st_err st_import_put_city(struct st_import *imp,
                               const struct st_import_city *c);
enum st_err st_import_put_unit(struct st_import *imp,
                               const struct st_import_unit *u);
enum st_err st_import_put_employee(struct st_import *imp,
                                   struct st_import_employee *e);
/* One directory word with its N trigrams. */
enum st_err st_import_put_word(struct st_import *imp, const char *word,
                               char trigrams[][16], size_t n);
/* Ends the COPY; the server's verdict on the rows comes here. */
enum st_err st_import_copy_end(struct st_import *imp);

/* Called for each staged employee whose JID belongs to another employee
 * of the database: LINE of the file, the JID and the other's number,
 * borrowed for the call. */
typedef void st_import_clash_fn(long line, const char *jid,
                                const char *employee_no, void *arg);

/* Reports staged JIDs held by other employees, in line order; *N is
 * their count. Must follow the employees' copy_end and come before their
 * merge. */
enum st_err st_import_check_jids(struct st_import *imp, st_import_clash_fn *fn,
                                 void *arg, long *n);

/*
 * Merges the staging table of KIND into the directory: inserts new keys,
 * updates rows whose values differ, leaves equal rows and rows absent
 * from the staging table alone. Directory words are only added. COUNTS
 * may be NULL.
 */
enum st_err st_import_merge(struct st_import *imp, enum st_import_kind kind,
                            struct st_import_counts *counts);

/*
 * Opens a cursor over the employees whose terms depend on what the last
 * merge of units changed: those in a unit whose path changed (it moved,
 * or a unit above it did). Names play no part: employees' terms hold the
 * unit codes only. Must follow that merge.
 */
enum st_err st_import_refold_open(struct st_import *imp);

/*
 * Fetches the next batch of those employees, columns employee_no,
 * name_en, name_ur, designation, bps, unit, city, office_phone, email,
 * jid (NULL when none), status. On ST_OK *RES is the batch (PQclear),
 * with no rows at the end.
 */
enum st_err st_import_refold_fetch(struct st_import *imp, PGresult **res);

#endif
