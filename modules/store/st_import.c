/*
 * st_import.c - the directory import's transaction: staging tables filled
 * with COPY, then set-based merges.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_import.h"

/* Rows are sent to the server in chunks of about this many bytes. */
#define COPY_CHUNK (256 * 1024)
/* Employees fetched per batch when their terms are recomputed. */
#define REFOLD_BATCH "20000"

struct st_import {
    struct st_db *db;
    bool open;    /* the transaction is open */
    bool copying; /* a COPY is in progress */
    char *buf;    /* rows not yet sent, COPY text format */
    size_t len;
    size_t cap;
};

static const char stage_sql[] =
    "CREATE TEMPORARY TABLE so_stage_city ("
    " line integer NOT NULL, code text NOT NULL, name_en text NOT NULL,"
    " name_ur text NOT NULL, province text NOT NULL, phase integer NOT NULL,"
    " terms text[] NOT NULL) ON COMMIT DROP;"
    "CREATE TEMPORARY TABLE so_stage_unit ("
    " line integer NOT NULL, code text NOT NULL, parent text,"
    " kind text NOT NULL, name_en text NOT NULL, name_ur text NOT NULL,"
    " path text[] NOT NULL, terms text[] NOT NULL) ON COMMIT DROP;"
    "CREATE TEMPORARY TABLE so_stage_employee ("
    " line integer NOT NULL, employee_no text NOT NULL,"
    " name_en text NOT NULL, name_ur text NOT NULL,"
    " designation text NOT NULL, bps smallint NOT NULL, unit text NOT NULL,"
    " city text NOT NULL, office_phone text NOT NULL, email text NOT NULL,"
    " jid text, status text NOT NULL, name_key text NOT NULL,"
    " terms text[] NOT NULL) ON COMMIT DROP;"
    "CREATE TEMPORARY TABLE so_stage_word ("
    " word text NOT NULL, trigrams text[] NOT NULL) ON COMMIT DROP;"
    /* units whose path the last merge changed, for recomputing terms */
    "CREATE TEMPORARY TABLE so_changed (code text PRIMARY KEY)"
    " ON COMMIT DROP";

static const char *const copy_sql[] = {
    [ST_IMPORT_CITY] = "COPY so_stage_city FROM STDIN",
    [ST_IMPORT_UNIT] = "COPY so_stage_unit FROM STDIN",
    [ST_IMPORT_EMPLOYEE] = "COPY so_stage_employee FROM STDIN",
    [ST_IMPORT_WORD] = "COPY so_stage_word FROM STDIN",
};

static const char read_cities_sql[] =
    "SELECT code, name_en, name_ur FROM smartoffice.city";
static const char read_units_sql[] =
    "SELECT code, parent, kind, name_en, name_ur, path "
    "FROM smartoffice.org_unit";

static const char jid_clash_sql[] =
    "SELECT s.line, s.jid, e.employee_no FROM so_stage_employee s "
    "JOIN smartoffice.employee e ON e.jid = s.jid "
    "AND e.employee_no <> s.employee_no ORDER BY s.line";

/* Cities: no employee's terms depend on a city's names. */
static const char city_merge_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.city AS c"
    "  (code, name_en, name_ur, province, phase, terms)"
    " SELECT code, name_en, name_ur, province, phase, terms"
    " FROM so_stage_city"
    " ON CONFLICT (code) DO UPDATE SET name_en = excluded.name_en,"
    "  name_ur = excluded.name_ur, province = excluded.province,"
    "  phase = excluded.phase, terms = excluded.terms, updated_at = now()"
    " WHERE (c.name_en, c.name_ur, c.province, c.phase, c.terms)"
    "  IS DISTINCT FROM (excluded.name_en, excluded.name_ur,"
    "  excluded.province, excluded.phase, excluded.terms)"
    " RETURNING xmax = 0 AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted),"
    " count(*) FILTER (WHERE NOT inserted), 0 FROM m";

/* Units: a moved unit (a new path) changes the "u:" terms of everyone in
 * or below it; a renamed one changes no employee's terms. */
static const char unit_changed_sql[] =
    "INSERT INTO so_changed (code) SELECT s.code FROM so_stage_unit s "
    "JOIN smartoffice.org_unit u ON u.code = s.code "
    "WHERE u.path IS DISTINCT FROM s.path "
    "ON CONFLICT DO NOTHING";
static const char unit_merge_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.org_unit AS u"
    "  (code, parent, kind, name_en, name_ur, path, terms)"
    " SELECT code, parent, kind, name_en, name_ur, path, terms"
    " FROM so_stage_unit"
    " ON CONFLICT (code) DO UPDATE SET parent = excluded.parent,"
    "  kind = excluded.kind, name_en = excluded.name_en,"
    "  name_ur = excluded.name_ur, path = excluded.path,"
    "  terms = excluded.terms, updated_at = now()"
    " WHERE (u.parent, u.kind, u.name_en, u.name_ur, u.path, u.terms)"
    "  IS DISTINCT FROM (excluded.parent, excluded.kind, excluded.name_en,"
    "  excluded.name_ur, excluded.path, excluded.terms)"
    " RETURNING u.code, xmax = 0 AS inserted) "
    "SELECT count(*) FILTER (WHERE m.inserted),"
    " count(*) FILTER (WHERE NOT m.inserted AND s.line > 0),"
    " count(*) FILTER (WHERE NOT m.inserted AND s.line = 0)"
    " FROM m JOIN so_stage_unit s ON s.code = m.code";

/* Employees: the staging rows of the file have line > 0; rows staged to
 * recompute terms have line 0 and change only name_key and terms. */
static const char employee_merge_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.employee AS e"
    "  (employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms)"
    " SELECT employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms"
    " FROM so_stage_employee"
    " ON CONFLICT (employee_no) DO UPDATE SET name_en = excluded.name_en,"
    "  name_ur = excluded.name_ur, designation = excluded.designation,"
    "  bps = excluded.bps, unit = excluded.unit, city = excluded.city,"
    "  office_phone = excluded.office_phone, email = excluded.email,"
    "  jid = excluded.jid, status = excluded.status,"
    "  name_key = excluded.name_key, terms = excluded.terms"
    " WHERE (e.name_en, e.name_ur, e.designation, e.bps, e.unit, e.city,"
    "  e.office_phone, e.email, e.jid, e.status, e.name_key, e.terms)"
    "  IS DISTINCT FROM (excluded.name_en, excluded.name_ur,"
    "  excluded.designation, excluded.bps, excluded.unit, excluded.city,"
    "  excluded.office_phone, excluded.email, excluded.jid,"
    "  excluded.status, excluded.name_key, excluded.terms)"
    " RETURNING e.employee_no, xmax = 0 AS inserted) "
    "SELECT count(*) FILTER (WHERE m.inserted),"
    " count(*) FILTER (WHERE NOT m.inserted AND s.line > 0),"
    " count(*) FILTER (WHERE NOT m.inserted AND s.line = 0)"
    " FROM m JOIN so_stage_employee s ON s.employee_no = m.employee_no";

/* Into an empty table nothing can conflict: a plain insert is cheaper. */
static const char employee_empty_sql[] =
    "SELECT NOT EXISTS (SELECT 1 FROM smartoffice.employee)";
static const char employee_insert_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.employee"
    "  (employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms)"
    " SELECT employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms"
    " FROM so_stage_employee RETURNING 1) "
    "SELECT count(*), 0, 0 FROM m";

/*
 * A big merge sends its new search terms to the GIN index's pending list
 * (limit raised for this transaction) and then folds the list into the
 * index in one pass, which is several times faster than the default of a
 * clean-up every 4 MB. Both settings end with the transaction.
 */
static const char gin_settings_sql[] =
    "SELECT set_config('gin_pending_list_limit', '2097151', true),"
    " set_config('maintenance_work_mem', '1GB', true),"
    " set_config('work_mem', '256MB', true)";
static const char gin_clean_sql[] =
    "SELECT gin_clean_pending_list('smartoffice.employee_terms'::regclass)";

static const char word_merge_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.directory_word (word, trigrams)"
    " SELECT word, trigrams FROM so_stage_word"
    " ON CONFLICT (word) DO NOTHING RETURNING 1) "
    "SELECT count(*), 0, 0 FROM m";

static const char refold_unit_sql[] =
    "DECLARE so_refold NO SCROLL CURSOR FOR "
    "SELECT e.employee_no, e.name_en, e.name_ur, e.designation, e.bps,"
    " e.unit, e.city, e.office_phone, e.email, e.jid, e.status "
    "FROM smartoffice.employee e "
    "JOIN smartoffice.org_unit u ON u.code = e.unit "
    "WHERE u.path && (SELECT coalesce(array_agg(code), '{}') "
    "FROM so_changed)";
static const char refold_fetch_sql[] =
    "FETCH FORWARD " REFOLD_BATCH " FROM so_refold";

static enum st_err exec(struct st_import *imp, const char *what,
                        const char *sql, ExecStatusType want, PGresult **res)
{
    return st_db_exec(imp->db, what, sql, 0, NULL, want, res);
}

enum st_err st_import_new(struct st_db *db, struct st_import **out)
{
    struct st_import *imp;
    enum st_err err = ST_ENOMEM;
    long pos;

    *out = NULL;
    imp = calloc(1, sizeof(*imp));
    if (imp == NULL) {
        st_db_set_error(db, "starting the import", "out of memory");
        goto fail;
    }
    imp->db = db;
    imp->cap = COPY_CHUNK + 64 * 1024;
    imp->buf = malloc(imp->cap);
    if (imp->buf == NULL) {
        st_db_set_error(db, "starting the import", "out of memory");
        goto fail_imp;
    }
    err = exec(imp, "starting the import", "BEGIN", PGRES_COMMAND_OK, NULL);
    if (err != ST_OK)
        goto fail_buf;
    imp->open = true;
    /* our own fixed text, several statements without parameters */
    err = st_db_run_script(db, "creating the staging tables", stage_sql, &pos);
    if (err != ST_OK)
        goto fail_tx;
    *out = imp;
    return ST_OK;

fail_tx:
    PQclear(PQexec(st_db_conn(db), "ROLLBACK"));
fail_buf:
    free(imp->buf);
fail_imp:
    free(imp);
fail:
    return err;
}

void st_import_free(struct st_import *imp)
{
    PGconn *conn;

    if (imp == NULL)
        return;
    conn = st_db_conn(imp->db);
    if (imp->copying)
        PQputCopyEnd(conn, "import abandoned");
    while (imp->copying) {
        PGresult *r = PQgetResult(conn);

        if (r == NULL)
            break;
        PQclear(r);
    }
    if (imp->open)
        PQclear(PQexec(conn, "ROLLBACK"));
    free(imp->buf);
    free(imp);
}

enum st_err st_import_commit(struct st_import *imp)
{
    PGconn *conn = st_db_conn(imp->db);
    PGresult *r;
    enum st_err err = ST_OK;

    /* Never retried: on a new connection the transaction would be gone
     * and COMMIT would succeed with nothing in it. */
    r = PQexec(conn, "COMMIT");
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK ||
        strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        st_db_set_error(imp->db, "committing the import",
                        r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK
                            ? "the transaction was rolled back"
                            : PQerrorMessage(conn));
        err = PQstatus(conn) == CONNECTION_BAD ? ST_ECONNECT : ST_EQUERY;
    }
    PQclear(r);
    imp->open = false;
    return err;
}

enum st_err st_import_read_cities(struct st_import *imp, PGresult **res)
{
    return exec(imp, "reading the cities", read_cities_sql, PGRES_TUPLES_OK,
                res);
}

enum st_err st_import_read_units(struct st_import *imp, PGresult **res)
{
    return exec(imp, "reading the organisation units", read_units_sql,
                PGRES_TUPLES_OK, res);
}

enum st_err st_import_copy_begin(struct st_import *imp,
                                 enum st_import_kind kind)
{
    enum st_err err;

    err =
        exec(imp, "starting to send rows", copy_sql[kind], PGRES_COPY_IN, NULL);
    if (err == ST_OK) {
        imp->copying = true;
        imp->len = 0;
    }
    return err;
}

/* Sends the buffered rows. */
static enum st_err flush(struct st_import *imp)
{
    PGconn *conn = st_db_conn(imp->db);

    if (imp->len == 0)
        return ST_OK;
    if (PQputCopyData(conn, imp->buf, (int)imp->len) != 1) {
        st_db_set_error(imp->db, "sending rows", PQerrorMessage(conn));
        return ST_ECONNECT;
    }
    imp->len = 0;
    return ST_OK;
}

/* Makes room for N more bytes in the buffer. */
static enum st_err reserve(struct st_import *imp, size_t n)
{
    char *p;
    size_t cap;

    if (imp->len + n <= imp->cap)
        return ST_OK;
    cap = imp->cap;
    while (cap < imp->len + n)
        cap *= 2;
    p = realloc(imp->buf, cap);
    if (p == NULL) {
        st_db_set_error(imp->db, "sending rows", "out of memory");
        return ST_ENOMEM;
    }
    imp->buf = p;
    imp->cap = cap;
    return ST_OK;
}

/* Appends S escaped for COPY's text format. */
static enum st_err put_text(struct st_import *imp, const char *s)
{
    size_t n = strlen(s);
    const char *p;
    char *o;

    if (reserve(imp, 2 * n + 2) != ST_OK)
        return ST_ENOMEM;
    o = imp->buf + imp->len;
    for (p = s; *p != '\0'; p++) {
        switch (*p) {
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        default:
            *o++ = *p;
        }
    }
    imp->len = (size_t)(o - imp->buf);
    return ST_OK;
}

/* Appends a NULL (S NULL) or S, then the separator SEP. */
static enum st_err put_field(struct st_import *imp, const char *s, char sep)
{
    if (s == NULL) {
        if (reserve(imp, 3) != ST_OK)
            return ST_ENOMEM;
        memcpy(imp->buf + imp->len, "\\N", 2);
        imp->len += 2;
    } else if (put_text(imp, s) != ST_OK) {
        return ST_ENOMEM;
    }
    imp->buf[imp->len++] = sep; /* put_text left room for it */
    return ST_OK;
}

static enum st_err put_number(struct st_import *imp, long v, char sep)
{
    char num[32];

    snprintf(num, sizeof(num), "%ld", v);
    return put_field(imp, num, sep);
}

/* Appends the N strings ITEM as an array literal ({"a","b"}), escaped
 * first for the array and then for COPY, then SEP. */
static enum st_err put_array(struct st_import *imp, const char *const *item,
                             size_t n, char sep)
{
    size_t i, need = 3;
    const char *p;
    char *o;

    for (i = 0; i < n; i++)
        need += 4 * strlen(item[i]) + 3;
    if (reserve(imp, need) != ST_OK)
        return ST_ENOMEM;
    o = imp->buf + imp->len;
    *o++ = '{';
    for (i = 0; i < n; i++) {
        if (i > 0)
            *o++ = ',';
        *o++ = '"';
        for (p = item[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\') {
                /* the array's backslash, doubled for COPY */
                *o++ = '\\';
                *o++ = '\\';
                if (*p == '\\') {
                    *o++ = '\\';
                    *o++ = '\\';
                    continue;
                }
            } else if (*p == '\t' || *p == '\n' || *p == '\r') {
                *o++ = '\\';
                *o++ = *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
                continue;
            }
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o++ = sep;
    imp->len = (size_t)(o - imp->buf);
    return ST_OK;
}

/* Ends a row: sends the buffer when it is full enough. */
static enum st_err end_row(struct st_import *imp)
{
    if (imp->len >= COPY_CHUNK)
        return flush(imp);
    return ST_OK;
}

static int term_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the N terms T, sorted in place first, then SEP. */
static enum st_err put_terms(struct st_import *imp, char **t, size_t n,
                             char sep)
{
    qsort(t, n, sizeof(t[0]), term_cmp);
    return put_array(imp, (const char *const *)t, n, sep);
}

enum st_err st_import_put_city(struct st_import *imp,
                               const struct st_import_city *c)
{
    if (put_number(imp, c->line, '\t') != ST_OK ||
        put_field(imp, c->code, '\t') != ST_OK ||
        put_field(imp, c->name_en, '\t') != ST_OK ||
        put_field(imp, c->name_ur, '\t') != ST_OK ||
        put_field(imp, c->province, '\t') != ST_OK ||
        put_number(imp, c->phase, '\t') != ST_OK ||
        put_terms(imp, c->terms, c->nterms, '\n') != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_put_unit(struct st_import *imp,
                               const struct st_import_unit *u)
{
    if (put_number(imp, u->line, '\t') != ST_OK ||
        put_field(imp, u->code, '\t') != ST_OK ||
        put_field(imp, u->parent, '\t') != ST_OK ||
        put_field(imp, u->kind, '\t') != ST_OK ||
        put_field(imp, u->name_en, '\t') != ST_OK ||
        put_field(imp, u->name_ur, '\t') != ST_OK ||
        put_array(imp, u->path, u->npath, '\t') != ST_OK ||
        put_terms(imp, u->terms, u->nterms, '\n') != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_put_employee(struct st_import *imp,
                                   struct st_import_employee *e)
{
    if (put_number(imp, e->line, '\t') != ST_OK ||
        put_field(imp, e->employee_no, '\t') != ST_OK ||
        put_field(imp, e->name_en, '\t') != ST_OK ||
        put_field(imp, e->name_ur, '\t') != ST_OK ||
        put_field(imp, e->designation, '\t') != ST_OK ||
        put_number(imp, e->bps, '\t') != ST_OK ||
        put_field(imp, e->unit, '\t') != ST_OK ||
        put_field(imp, e->city, '\t') != ST_OK ||
        put_field(imp, e->office_phone, '\t') != ST_OK ||
        put_field(imp, e->email, '\t') != ST_OK ||
        put_field(imp, e->jid, '\t') != ST_OK ||
        put_field(imp, e->status, '\t') != ST_OK ||
        put_field(imp, e->name_key, '\t') != ST_OK ||
        put_terms(imp, e->terms, e->nterms, '\n') != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_put_word(struct st_import *imp, const char *word,
                               char trigrams[][16], size_t n)
{
    const char *item[64];
    size_t i;

    if (n > sizeof(item) / sizeof(item[0]))
        n = sizeof(item) / sizeof(item[0]);
    for (i = 0; i < n; i++)
        item[i] = trigrams[i];
    if (put_field(imp, word, '\t') != ST_OK ||
        put_array(imp, item, n, '\n') != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_copy_end(struct st_import *imp)
{
    PGconn *conn = st_db_conn(imp->db);
    PGresult *r;
    enum st_err err;

    err = flush(imp);
    if (PQputCopyEnd(conn, err == ST_OK ? NULL : "sending failed") != 1) {
        st_db_set_error(imp->db, "ending the rows", PQerrorMessage(conn));
        err = ST_ECONNECT;
    }
    while ((r = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && err == ST_OK) {
            const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

            st_db_set_error(imp->db, "storing the rows",
                            msg != NULL ? msg : PQerrorMessage(conn));
            err = ST_EQUERY;
        }
        PQclear(r);
    }
    imp->copying = false;
    return err;
}

enum st_err st_import_check_jids(struct st_import *imp, st_import_clash_fn *fn,
                                 void *arg, long *n)
{
    PGresult *res;
    enum st_err err;
    int i;

    err = exec(imp, "checking the JIDs", jid_clash_sql, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        return err;
    *n = PQntuples(res);
    for (i = 0; i < PQntuples(res); i++)
        fn(strtol(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1),
           PQgetvalue(res, i, 2), arg);
    PQclear(res);
    return ST_OK;
}

/* Runs a merge statement SQL that returns inserted, updated, followed. */
static enum st_err run_merge(struct st_import *imp, const char *what,
                             const char *sql, struct st_import_counts *counts)
{
    PGresult *res;
    enum st_err err;

    err = exec(imp, what, sql, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        return err;
    if (counts != NULL && PQntuples(res) == 1) {
        counts->inserted += strtol(PQgetvalue(res, 0, 0), NULL, 10);
        counts->updated += strtol(PQgetvalue(res, 0, 1), NULL, 10);
        counts->followed += strtol(PQgetvalue(res, 0, 2), NULL, 10);
    }
    PQclear(res);
    return ST_OK;
}

/* True (in *EMPTY) when there is no employee yet. */
static enum st_err employees_empty(struct st_import *imp, bool *empty)
{
    PGresult *res;
    enum st_err err;

    err = exec(imp, "counting the employees", employee_empty_sql,
               PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        return err;
    *empty = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return ST_OK;
}

enum st_err st_import_merge(struct st_import *imp, enum st_import_kind kind,
                            struct st_import_counts *counts)
{
    enum st_err err;
    bool empty;

    switch (kind) {
    case ST_IMPORT_CITY:
        return run_merge(imp, "merging the cities", city_merge_sql, counts);
    case ST_IMPORT_UNIT:
        err = exec(imp, "finding moved units", unit_changed_sql,
                   PGRES_COMMAND_OK, NULL);
        if (err != ST_OK)
            return err;
        return run_merge(imp, "merging the units", unit_merge_sql, counts);
    case ST_IMPORT_EMPLOYEE:
        err = employees_empty(imp, &empty);
        if (err == ST_OK)
            err = exec(imp, "preparing the search index", gin_settings_sql,
                       PGRES_TUPLES_OK, NULL);
        if (err == ST_OK)
            err = run_merge(imp, "merging the employees",
                            empty ? employee_insert_sql : employee_merge_sql,
                            counts);
        if (err == ST_OK)
            err = exec(imp, "updating the search index", gin_clean_sql,
                       PGRES_TUPLES_OK, NULL);
        return err;
    case ST_IMPORT_WORD:
        return run_merge(imp, "adding directory words", word_merge_sql, counts);
    }
    st_db_set_error(imp->db, "merging", "unknown kind");
    return ST_EQUERY;
}

enum st_err st_import_refold_open(struct st_import *imp)
{
    return exec(imp, "finding employees whose terms change", refold_unit_sql,
                PGRES_COMMAND_OK, NULL);
}

enum st_err st_import_refold_fetch(struct st_import *imp, PGresult **res)
{
    return exec(imp, "reading employees whose terms change", refold_fetch_sql,
                PGRES_TUPLES_OK, res);
}
