/*
 * st_zones.c - read and change smartoffice.federation_zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_zones.h"

static const char add_sql[] =
    "INSERT INTO smartoffice.federation_zone (pattern, reason, added_by) "
    "VALUES ($1, $2, $3) ON CONFLICT (pattern) DO NOTHING";
static const char remove_sql[] =
    "DELETE FROM smartoffice.federation_zone WHERE pattern = $1";
static const char pins_sql[] = "UPDATE smartoffice.federation_zone SET pins = "
                               "string_to_array($2, ' ') WHERE pattern = $1";
static const char list_sql[] =
    "SELECT pattern, reason, added_by, "
    "to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM smartoffice.federation_zone ORDER BY pattern";
static const char load_sql[] =
    "SELECT pattern FROM smartoffice.federation_zone";

/* True when the statement that gave RES changed no row. */
static bool no_rows(const PGresult *res)
{
    return strcmp(PQcmdTuples((PGresult *)res), "0") == 0;
}

/* Runs a statement that changes one zone; MISSING is the result when it
 * changed no row (the zone exists already, or does not exist). */
static enum st_err change_zone(struct st_db *db, const char *what,
                               const char *sql, int n,
                               const char *const *params, enum st_err missing)
{
    PGresult *res;
    enum st_err err;

    err = st_db_exec(db, what, sql, n, params, PGRES_COMMAND_OK, &res);
    if (err != ST_OK)
        return err;
    if (no_rows(res))
        err = missing;
    PQclear(res);
    return err;
}

enum st_err st_zones_add(struct st_db *db, const char *pattern,
                         const char *reason, const char *by)
{
    const char *params[3] = {pattern, reason, by};

    return change_zone(db, "adding a zone", add_sql, 3, params, ST_EEXIST);
}

enum st_err st_zones_remove(struct st_db *db, const char *pattern)
{
    const char *params[1] = {pattern};

    return change_zone(db, "removing a zone", remove_sql, 1, params, ST_ENOENT);
}

enum st_err st_zones_set_pins(struct st_db *db, const char *pattern,
                              const char *const *pins, size_t n)
{
    char joined[ST_ZONES_PINS_MAX * 65 + 1] = "";
    const char *params[2] = {pattern, joined};
    size_t i, len = 0;

    if (n > ST_ZONES_PINS_MAX) {
        st_db_set_error(db, "pinning a zone", "too many pins");
        return ST_EQUERY;
    }
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%.64s",
                                i > 0 ? " " : "", pins[i]);
    return change_zone(db, "pinning a zone", pins_sql, 2, params, ST_ENOENT);
}

enum st_err st_zones_list(struct st_db *db, struct st_zone_list *list)
{
    size_t i;
    enum st_err err;

    memset(list, 0, sizeof(*list));
    err = st_db_exec(db, "listing zones", list_sql, 0, NULL, PGRES_TUPLES_OK,
                     &list->res);
    if (err != ST_OK)
        return err;
    list->n = (size_t)PQntuples(list->res);
    list->zones = calloc(list->n > 0 ? list->n : 1, sizeof(*list->zones));
    if (list->zones == NULL) {
        st_db_set_error(db, "listing zones", "out of memory");
        return ST_ENOMEM;
    }
    for (i = 0; i < list->n; i++) {
        list->zones[i].pattern = PQgetvalue(list->res, (int)i, 0);
        list->zones[i].reason = PQgetvalue(list->res, (int)i, 1);
        list->zones[i].added_by = PQgetvalue(list->res, (int)i, 2);
        list->zones[i].added_at = PQgetvalue(list->res, (int)i, 3);
    }
    return ST_OK;
}

void st_zone_list_free(struct st_zone_list *list)
{
    free(list->zones);
    PQclear(list->res);
    memset(list, 0, sizeof(*list));
}

enum st_err st_zones_load(struct st_db *db, struct so_zones **out)
{
    PGresult *res;
    const char **patterns = NULL;
    size_t i, n;
    enum so_err zerr;
    enum st_err err;

    *out = NULL;
    err = st_db_exec(db, "loading zones", load_sql, 0, NULL, PGRES_TUPLES_OK,
                     &res);
    if (err != ST_OK)
        goto out;
    n = (size_t)PQntuples(res);
    err = ST_ENOMEM;
    patterns = calloc(n > 0 ? n : 1, sizeof(*patterns));
    if (patterns == NULL)
        goto out_res;
    for (i = 0; i < n; i++)
        patterns[i] = PQgetvalue(res, (int)i, 0);
    *out = so_zones_new(patterns, n, &zerr);
    if (*out != NULL) {
        err = ST_OK;
    } else if (zerr == SO_EINVAL) {
        st_db_set_error(db, "loading zones",
                        "a pattern is not in normalised form");
        err = ST_EQUERY;
    } else {
        st_db_set_error(db, "loading zones", "out of memory");
    }
    free(patterns);
out_res:
    PQclear(res);
out:
    return err;
}
