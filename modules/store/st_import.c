/*
 * st_import.c - the directory import's transaction: staging tables filled
 * with COPY in binary format, then set-based merges.
 *
 * Employees are merged in three statements rather than one INSERT ... ON
 * CONFLICT DO UPDATE, which locks (and so writes) every conflicting row
 * even when its WHERE then leaves it alone: one join finds the staged rows
 * that are new or differ (so_delta), and only those are updated or
 * inserted. Into an empty table the rows are copied straight in.
 *
 * The distinct whole designations of the employees put (their "D:"
 * terms, so_dterms.h) are gathered here in a hash set and added to
 * smartoffice.designation with the employees' merge, as one text[]
 * parameter.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_import.h"

/* Rows are sent to the server in chunks of about this many bytes. */
#define COPY_CHUNK (256 * 1024)
/* Employees fetched per batch when their terms are recomputed. */
#define REFOLD_BATCH "20000"

/* The element type of text[] (pg_type.oid of text), for binary arrays. */
#define TEXT_OID 25
/* Slots of the set of designation keys at first; it doubles when half
 * full. */
#define DKEY_SLOTS_MIN 256

/* The distinct "D:" terms of the employees put so far. */
struct dkeys {
    char **slot;  /* owned strings; NULL for an empty slot */
    size_t nslot; /* a power of two, or 0 */
    size_t n;
};

struct st_import {
    struct st_db *db;
    bool open;      /* the transaction is open */
    bool copying;   /* a COPY is in progress */
    bool employees; /* employee rows were copied in this transaction */
    bool direct;    /* ... straight into smartoffice.employee */
    bool rebuild;   /* ... with its secondary indexes dropped (so_index) */
    enum st_import_load load;
    bool to_direct; /* the COPY in progress goes straight in */
    long copied;    /* rows copied straight in */
    bool delta;     /* so_delta holds the staged rows that are new or differ */
    long fresh;     /* ... of which new */
    long differ;    /* ... and the others */
    char *buf;      /* rows not yet sent, COPY binary format */
    size_t len;
    size_t cap;
    struct dkeys dkeys; /* designations of the employees put */
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
    [ST_IMPORT_CITY] = "COPY so_stage_city FROM STDIN (FORMAT binary)",
    [ST_IMPORT_UNIT] = "COPY so_stage_unit FROM STDIN (FORMAT binary)",
    [ST_IMPORT_EMPLOYEE] = "COPY so_stage_employee FROM STDIN (FORMAT binary)",
    [ST_IMPORT_WORD] = "COPY so_stage_word FROM STDIN (FORMAT binary)",
};
/* The first load: the staging table's columns but line. */
static const char copy_direct_sql[] =
    "COPY smartoffice.employee (employee_no, name_en, name_ur, designation,"
    " bps, unit, city, office_phone, email, jid, status, name_key, terms)"
    " FROM STDIN (FORMAT binary)";

/* COPY's binary header: signature, flags, no header extension. */
static const char copy_header[19] = "PGCOPY\n\377\r\n\0"
                                    "\0\0\0\0"
                                    "\0\0\0\0";

static const char read_cities_sql[] =
    "SELECT code, name_en, name_ur FROM smartoffice.city";
static const char read_units_sql[] =
    "SELECT code, parent, kind, name_en, name_ur, path "
    "FROM smartoffice.org_unit";

/* Only new or changed rows can take a JID another employee holds. */
static const char jid_clash_sql[] =
    "SELECT d.line, d.jid, e.employee_no FROM so_delta d "
    "JOIN smartoffice.employee e ON e.jid = d.jid "
    "AND e.employee_no <> d.employee_no ORDER BY d.line";

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
static const char delta_sql[] =
    "CREATE TEMPORARY TABLE so_delta ON COMMIT DROP AS "
    "SELECT s.*, e.employee_no IS NULL AS is_new FROM so_stage_employee s "
    "LEFT JOIN smartoffice.employee e ON e.employee_no = s.employee_no "
    "WHERE e.employee_no IS NULL"
    " OR (e.name_en, e.name_ur, e.designation, e.bps, e.unit, e.city,"
    " e.office_phone, e.email, e.jid, e.status, e.name_key, e.terms)"
    " IS DISTINCT FROM (s.name_en, s.name_ur, s.designation, s.bps, s.unit,"
    " s.city, s.office_phone, s.email, s.jid, s.status, s.name_key,"
    " s.terms)";
static const char delta_count_sql[] =
    "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new)"
    " FROM so_delta";
static const char delta_analyze_sql[] = "ANALYZE so_delta";
static const char delta_drop_sql[] = "DROP TABLE so_delta";
static const char employee_update_sql[] =
    "WITH m AS ("
    " UPDATE smartoffice.employee e SET name_en = d.name_en,"
    "  name_ur = d.name_ur, designation = d.designation, bps = d.bps,"
    "  unit = d.unit, city = d.city, office_phone = d.office_phone,"
    "  email = d.email, jid = d.jid, status = d.status,"
    "  name_key = d.name_key, terms = d.terms"
    " FROM so_delta d WHERE NOT d.is_new AND e.employee_no = d.employee_no"
    " RETURNING d.line) "
    "SELECT 0, count(*) FILTER (WHERE line > 0),"
    " count(*) FILTER (WHERE line = 0) FROM m";
static const char employee_insert_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.employee"
    "  (employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms)"
    " SELECT employee_no, name_en, name_ur, designation, bps, unit, city,"
    "  office_phone, email, jid, status, name_key, terms"
    " FROM so_delta WHERE is_new RETURNING 1) "
    "SELECT count(*), 0, 0 FROM m";

/* The first load is copied straight in when there is no employee yet. */
static const char employee_empty_sql[] =
    "SELECT NOT EXISTS (SELECT 1 FROM smartoffice.employee)";

/*
 * The first load by the table's owner drops the employee table's
 * secondary indexes and unique constraints, copies, and builds them again
 * in bulk, several times faster than maintaining them row by row. Their
 * definitions are read from the catalog (so they are the schema's own,
 * install-2.sql) and kept in so_index until they are built again. The
 * primary key stays (rollout_account refers to it), and so does any index
 * a foreign key refers to. All of it is undone by a rollback.
 */
static const char employee_owner_sql[] =
    "SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c"
    " WHERE c.oid = 'smartoffice.employee'::regclass";
/* taken before the table is found empty again, so that it stays empty */
static const char employee_lock_sql[] =
    "LOCK TABLE smartoffice.employee IN ACCESS EXCLUSIVE MODE";
static const char index_save_sql[] =
    "CREATE TEMPORARY TABLE so_index ON COMMIT DROP AS "
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname) AS name,"
    " pg_get_indexdef(i.indexrelid) AS def, k.conname,"
    " pg_get_constraintdef(k.oid) AS condef "
    "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
    " JOIN pg_namespace n ON n.oid = ic.relnamespace"
    " LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid"
    "  AND k.conrelid = i.indrelid AND k.contype IN ('u', 'x') "
    "WHERE i.indrelid = 'smartoffice.employee'::regclass"
    " AND NOT i.indisprimary"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint f"
    "  WHERE f.contype = 'f' AND f.conindid = i.indexrelid)";
static const char index_drop_sql[] =
    "DO $$DECLARE r record; BEGIN"
    " FOR r IN SELECT name, conname FROM so_index LOOP"
    "  IF r.conname IS NULL THEN EXECUTE 'DROP INDEX ' || r.name;"
    "  ELSE EXECUTE format('ALTER TABLE smartoffice.employee"
    " DROP CONSTRAINT %I', r.conname);"
    "  END IF;"
    " END LOOP; END$$";
static const char index_build_sql[] =
    "DO $$DECLARE r record; BEGIN"
    " FOR r IN SELECT def, conname, condef FROM so_index LOOP"
    "  IF r.conname IS NULL THEN EXECUTE r.def;"
    "  ELSE EXECUTE format('ALTER TABLE smartoffice.employee"
    " ADD CONSTRAINT %I %s', r.conname, r.condef);"
    "  END IF;"
    " END LOOP; END$$";
static const char index_forget_sql[] = "DROP TABLE so_index";

/*
 * New search terms go to the GIN index's pending list (limit raised for
 * this transaction), which is then folded into the index in one pass:
 * several times faster than the default clean-up every 4 MB. Only the
 * index's owner may ask for that; for anyone else autovacuum does it.
 * temp_buffers must be set before the first temporary table is touched.
 * Every setting ends with the transaction.
 */
static const char settings_sql[] =
    "SELECT set_config('gin_pending_list_limit', '2097151', true),"
    " set_config('maintenance_work_mem', '1GB', true),"
    " set_config('work_mem', '256MB', true),"
    " set_config('temp_buffers', '512MB', true)";
static const char gin_clean_sql[] =
    "SELECT gin_clean_pending_list(c.oid) FROM pg_class c"
    " WHERE c.oid = 'smartoffice.employee_terms'::regclass"
    " AND pg_has_role(c.relowner, 'USAGE')";

/* After an import that changed rows, outside its transaction. */
static const char analyze_sql[] =
    "ANALYZE smartoffice.employee, smartoffice.org_unit, smartoffice.city,"
    " smartoffice.directory_word";

static const char word_merge_sql[] =
    "WITH m AS ("
    " INSERT INTO smartoffice.directory_word (word, trigrams)"
    " SELECT word, trigrams FROM so_stage_word"
    " ON CONFLICT (word) DO NOTHING RETURNING 1) "
    "SELECT count(*), 0, 0 FROM m";

/* $1: the "D:" keys of the employees put, an array literal. */
static const char designation_merge_sql[] =
    "INSERT INTO smartoffice.designation (key)"
    " SELECT unnest($1::text[]) ON CONFLICT (key) DO NOTHING";

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

static enum st_err indexes_build(struct st_import *imp);

/* ---- designation keys ------------------------------------------------ */

static size_t dkey_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (size_t)h;
}

/* The slot of KEY in SLOT (NSLOT of them): where it is, or the empty
 * slot where it would go. */
static size_t dkey_find(char *const *slot, size_t nslot, const char *key)
{
    size_t j = dkey_hash(key) & (nslot - 1);

    while (slot[j] != NULL && strcmp(slot[j], key) != 0)
        j = (j + 1) & (nslot - 1);
    return j;
}

/* Makes room in D for one more key. False when memory ran out. */
static bool dkeys_reserve(struct dkeys *d)
{
    size_t nslot = d->nslot > 0 ? d->nslot * 2 : DKEY_SLOTS_MIN;
    char **slot;

    if ((d->n + 1) * 2 <= d->nslot)
        return true;
    slot = calloc(nslot, sizeof(slot[0]));
    if (slot == NULL)
        return false;
    for (size_t i = 0; i < d->nslot; i++)
        if (d->slot[i] != NULL)
            slot[dkey_find(slot, nslot, d->slot[i])] = d->slot[i];
    free(d->slot);
    d->slot = slot;
    d->nslot = nslot;
    return true;
}

/* Adds KEY to D unless it is there. False when memory ran out. */
static bool dkeys_add(struct dkeys *d, const char *key)
{
    size_t j;

    if (!dkeys_reserve(d))
        return false;
    j = dkey_find(d->slot, d->nslot, key);
    if (d->slot[j] != NULL)
        return true;
    d->slot[j] = strdup(key);
    if (d->slot[j] == NULL)
        return false;
    d->n++;
    return true;
}

/* The keys of D as an array literal, every element quoted; owned by the
 * caller; NULL when memory ran out. */
static char *dkeys_literal(const struct dkeys *d)
{
    size_t len = 3, o = 0;
    char *out;

    for (size_t i = 0; i < d->nslot; i++)
        if (d->slot[i] != NULL)
            len += 3 + 2 * strlen(d->slot[i]);
    out = malloc(len);
    if (out == NULL)
        return NULL;
    out[o++] = '{';
    for (size_t i = 0; i < d->nslot; i++) {
        if (d->slot[i] == NULL)
            continue;
        if (o > 1)
            out[o++] = ',';
        out[o++] = '"';
        for (const char *p = d->slot[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                out[o++] = '\\';
            out[o++] = *p;
        }
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
    return out;
}

static void dkeys_clear(struct dkeys *d)
{
    for (size_t i = 0; i < d->nslot; i++)
        free(d->slot[i]);
    free(d->slot);
    memset(d, 0, sizeof(*d));
}

/* Adds the keys gathered so far to smartoffice.designation. */
static enum st_err dkeys_merge(struct st_import *imp)
{
    const char *params[1];
    char *lit;
    enum st_err err;

    if (imp->dkeys.n == 0)
        return ST_OK;
    lit = dkeys_literal(&imp->dkeys);
    if (lit == NULL) {
        st_db_set_error(imp->db, "adding designations", "out of memory");
        return ST_ENOMEM;
    }
    params[0] = lit;
    err = st_db_exec(imp->db, "adding designations", designation_merge_sql, 1,
                     params, PGRES_COMMAND_OK, NULL);
    free(lit);
    return err;
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
    err = exec(imp, "starting the import", settings_sql, PGRES_TUPLES_OK, NULL);
    if (err != ST_OK)
        goto fail_tx;
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
    dkeys_clear(&imp->dkeys);
    free(imp->buf);
    free(imp);
}

enum st_err st_import_commit(struct st_import *imp)
{
    PGconn *conn = st_db_conn(imp->db);
    PGresult *r;
    enum st_err err = ST_OK;

    /* not without the indexes dropped for the first load */
    err = indexes_build(imp);
    if (err != ST_OK)
        return err;
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

/* Appends V in network byte order; the room was reserved. */
static void put_u16(struct st_import *imp, uint16_t v)
{
    v = htons(v);
    memcpy(imp->buf + imp->len, &v, 2);
    imp->len += 2;
}

static void put_u32(struct st_import *imp, uint32_t v)
{
    v = htonl(v);
    memcpy(imp->buf + imp->len, &v, 4);
    imp->len += 4;
}

/* Starts a row of N fields. */
static enum st_err put_row(struct st_import *imp, int n)
{
    if (reserve(imp, 2) != ST_OK)
        return ST_ENOMEM;
    put_u16(imp, (uint16_t)n);
    return ST_OK;
}

/* Appends a text field: S, or NULL when S is NULL. */
static enum st_err put_text(struct st_import *imp, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n > INT32_MAX || reserve(imp, 4 + n) != ST_OK)
        return ST_ENOMEM;
    if (s == NULL) {
        put_u32(imp, UINT32_MAX); /* -1: NULL */
        return ST_OK;
    }
    put_u32(imp, (uint32_t)n);
    memcpy(imp->buf + imp->len, s, n);
    imp->len += n;
    return ST_OK;
}

/* Appends an integer field of 2 or 4 (SIZE) bytes. */
static enum st_err put_int(struct st_import *imp, long v, int size)
{
    if (reserve(imp, 8) != ST_OK)
        return ST_ENOMEM;
    put_u32(imp, (uint32_t)size);
    if (size == 2)
        put_u16(imp, (uint16_t)(int16_t)v);
    else
        put_u32(imp, (uint32_t)(int32_t)v);
    return ST_OK;
}

/* Appends the N strings ITEM as a text[] field in array_recv's binary
 * form: dimensions, no NULLs, element type, then each element. */
static enum st_err put_array(struct st_import *imp, const char *const *item,
                             size_t n)
{
    size_t i, len, body = n > 0 ? 20 : 12;

    for (i = 0; i < n; i++)
        body += 4 + strlen(item[i]);
    if (body > INT32_MAX || reserve(imp, 4 + body) != ST_OK)
        return ST_ENOMEM;
    put_u32(imp, (uint32_t)body);
    put_u32(imp, n > 0 ? 1 : 0); /* dimensions */
    put_u32(imp, 0);             /* no NULL elements */
    put_u32(imp, TEXT_OID);
    if (n > 0) {
        put_u32(imp, (uint32_t)n); /* length of the dimension */
        put_u32(imp, 1);           /* its lower bound */
    }
    for (i = 0; i < n; i++) {
        len = strlen(item[i]);
        put_u32(imp, (uint32_t)len);
        memcpy(imp->buf + imp->len, item[i], len);
        imp->len += len;
    }
    return ST_OK;
}

static int term_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the N terms T, sorted in place first, so that the same terms
 * are always stored in the same order. */
static enum st_err put_terms(struct st_import *imp, char **t, size_t n)
{
    qsort(t, n, sizeof(t[0]), term_cmp);
    return put_array(imp, (const char *const *)t, n);
}

/* Ends a row: sends the buffer when it is full enough. */
static enum st_err end_row(struct st_import *imp)
{
    if (imp->len >= COPY_CHUNK)
        return flush(imp);
    return ST_OK;
}

/* Runs SQL, which returns one boolean, into *V (false without a row). */
static enum st_err ask(struct st_import *imp, const char *what, const char *sql,
                       bool *v)
{
    PGresult *res;
    enum st_err err;

    err = exec(imp, what, sql, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        return err;
    *v = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return ST_OK;
}

/* Decides how the employees go in: merged (imp->direct false), copied
 * straight into the empty table, and then whether its indexes are built
 * again afterwards (imp->rebuild, the table's owner only). */
static enum st_err employees_plan(struct st_import *imp)
{
    bool owner;
    enum st_err err;

    err = ask(imp, "counting the employees", employee_empty_sql, &imp->direct);
    if (err != ST_OK || !imp->direct)
        return err;
    err = ask(imp, "checking the employee table's owner", employee_owner_sql,
              &owner);
    if (err != ST_OK || !owner)
        return err;
    err = exec(imp, "locking the employees", employee_lock_sql,
               PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        err = ask(imp, "counting the employees", employee_empty_sql,
                  &imp->direct);
    if (err != ST_OK || !imp->direct)
        return err;
    err = exec(imp, "saving the employee indexes", index_save_sql,
               PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        err = exec(imp, "dropping the employee indexes", index_drop_sql,
                   PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        imp->rebuild = true;
    return err;
}

/* Builds the indexes employees_plan() dropped. */
static enum st_err indexes_build(struct st_import *imp)
{
    enum st_err err;

    if (!imp->rebuild)
        return ST_OK;
    err = exec(imp, "building the employee indexes", index_build_sql,
               PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        err = exec(imp, "building the employee indexes", index_forget_sql,
                   PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        imp->rebuild = false;
    return err;
}

enum st_err st_import_copy_begin(struct st_import *imp,
                                 enum st_import_kind kind)
{
    const char *sql = copy_sql[kind];
    enum st_err err;

    if (kind == ST_IMPORT_EMPLOYEE && !imp->employees) {
        err = employees_plan(imp);
        if (err != ST_OK)
            return err;
        imp->employees = true;
        imp->load = !imp->direct   ? ST_IMPORT_MERGED
                    : imp->rebuild ? ST_IMPORT_REBUILT
                                   : ST_IMPORT_KEPT;
    }
    imp->to_direct = kind == ST_IMPORT_EMPLOYEE && imp->direct;
    if (imp->to_direct)
        sql = copy_direct_sql;
    err = exec(imp, "starting to send rows", sql, PGRES_COPY_IN, NULL);
    if (err != ST_OK)
        return err;
    imp->copying = true;
    memcpy(imp->buf, copy_header, sizeof(copy_header));
    imp->len = sizeof(copy_header);
    return ST_OK;
}

enum st_err st_import_put_city(struct st_import *imp,
                               const struct st_import_city *c)
{
    if (put_row(imp, 7) != ST_OK || put_int(imp, c->line, 4) != ST_OK ||
        put_text(imp, c->code) != ST_OK || put_text(imp, c->name_en) != ST_OK ||
        put_text(imp, c->name_ur) != ST_OK ||
        put_text(imp, c->province) != ST_OK ||
        put_int(imp, c->phase, 4) != ST_OK ||
        put_terms(imp, c->terms, c->nterms) != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_put_unit(struct st_import *imp,
                               const struct st_import_unit *u)
{
    if (put_row(imp, 8) != ST_OK || put_int(imp, u->line, 4) != ST_OK ||
        put_text(imp, u->code) != ST_OK || put_text(imp, u->parent) != ST_OK ||
        put_text(imp, u->kind) != ST_OK || put_text(imp, u->name_en) != ST_OK ||
        put_text(imp, u->name_ur) != ST_OK ||
        put_array(imp, u->path, u->npath) != ST_OK ||
        put_terms(imp, u->terms, u->nterms) != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_put_employee(struct st_import *imp,
                                   struct st_import_employee *e)
{
    bool line = !imp->to_direct;

    for (size_t i = 0; i < e->nterms; i++) {
        if (strncmp(e->terms[i], "D:", 2) == 0 &&
            !dkeys_add(&imp->dkeys, e->terms[i])) {
            st_db_set_error(imp->db, "sending rows", "out of memory");
            return ST_ENOMEM;
        }
    }
    if (put_row(imp, line ? 14 : 13) != ST_OK ||
        (line && put_int(imp, e->line, 4) != ST_OK) ||
        put_text(imp, e->employee_no) != ST_OK ||
        put_text(imp, e->name_en) != ST_OK ||
        put_text(imp, e->name_ur) != ST_OK ||
        put_text(imp, e->designation) != ST_OK ||
        put_int(imp, e->bps, 2) != ST_OK || put_text(imp, e->unit) != ST_OK ||
        put_text(imp, e->city) != ST_OK ||
        put_text(imp, e->office_phone) != ST_OK ||
        put_text(imp, e->email) != ST_OK || put_text(imp, e->jid) != ST_OK ||
        put_text(imp, e->status) != ST_OK ||
        put_text(imp, e->name_key) != ST_OK ||
        put_terms(imp, e->terms, e->nterms) != ST_OK)
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
    if (put_row(imp, 2) != ST_OK || put_text(imp, word) != ST_OK ||
        put_array(imp, item, n) != ST_OK)
        return ST_ENOMEM;
    return end_row(imp);
}

enum st_err st_import_copy_end(struct st_import *imp)
{
    PGconn *conn = st_db_conn(imp->db);
    PGresult *r;
    enum st_err err;

    err = reserve(imp, 2);
    if (err == ST_OK) {
        put_u16(imp, UINT16_MAX); /* -1: the end of the rows */
        err = flush(imp);
    }
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
        } else if (PQresultStatus(r) == PGRES_COMMAND_OK && imp->to_direct) {
            imp->copied += strtol(PQcmdTuples(r), NULL, 10);
        }
        PQclear(r);
    }
    imp->copying = false;
    return err;
}

/* Runs SQL, which returns one row of COLS counts, into V. */
static enum st_err run_counts(struct st_import *imp, const char *what,
                              const char *sql, long *v, int cols)
{
    PGresult *res;
    enum st_err err;
    int i;

    err = exec(imp, what, sql, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        return err;
    for (i = 0; i < cols; i++)
        v[i] = PQntuples(res) == 1 && PQnfields(res) >= cols
                   ? strtol(PQgetvalue(res, 0, i), NULL, 10)
                   : 0;
    PQclear(res);
    return ST_OK;
}

/* Finds the staged employees that are new or differ (so_delta) unless
 * that was done since they were staged. */
static enum st_err delta_build(struct st_import *imp)
{
    long v[2];
    enum st_err err;

    if (imp->delta)
        return ST_OK;
    err =
        exec(imp, "comparing the employees", delta_sql, PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        err = exec(imp, "comparing the employees", delta_analyze_sql,
                   PGRES_COMMAND_OK, NULL);
    if (err == ST_OK)
        err = run_counts(imp, "counting the changes", delta_count_sql, v, 2);
    if (err != ST_OK)
        return err;
    imp->delta = true;
    imp->fresh = v[0];
    imp->differ = v[1];
    return ST_OK;
}

enum st_err st_import_check_jids(struct st_import *imp, st_import_clash_fn *fn,
                                 void *arg, long *n)
{
    PGresult *res;
    enum st_err err;
    int i;

    *n = 0;
    if (imp->direct) /* nobody was there to hold a JID */
        return ST_OK;
    err = delta_build(imp);
    if (err != ST_OK || imp->fresh + imp->differ == 0)
        return err;
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
    long v[3];
    enum st_err err;

    err = run_counts(imp, what, sql, v, 3);
    if (err == ST_OK && counts != NULL) {
        counts->inserted += v[0];
        counts->updated += v[1];
        counts->followed += v[2];
    }
    return err;
}

/* Merges the staged employees, or counts those copied straight in. */
static enum st_err merge_employees(struct st_import *imp,
                                   struct st_import_counts *counts)
{
    struct st_import_counts c = {0, 0, 0};
    enum st_err err = ST_OK;

    if (imp->direct) {
        c.inserted = imp->copied;
        err = indexes_build(imp);
    } else {
        err = delta_build(imp);
        /* statements without rows would still notify the listeners */
        if (err == ST_OK && imp->differ > 0)
            err = run_merge(imp, "updating the employees", employee_update_sql,
                            &c);
        if (err == ST_OK && imp->fresh > 0)
            err =
                run_merge(imp, "adding the employees", employee_insert_sql, &c);
        if (err == ST_OK)
            err = exec(imp, "merging the employees", delta_drop_sql,
                       PGRES_COMMAND_OK, NULL);
        if (err == ST_OK)
            imp->delta = false;
    }
    if (err == ST_OK && c.inserted + c.updated + c.followed > 0)
        err = exec(imp, "updating the search index", gin_clean_sql,
                   PGRES_TUPLES_OK, NULL);
    if (err == ST_OK)
        err = dkeys_merge(imp);
    if (err != ST_OK)
        return err;
    if (counts != NULL) {
        counts->inserted += c.inserted;
        counts->updated += c.updated;
        counts->followed += c.followed;
    }
    return ST_OK;
}

enum st_err st_import_merge(struct st_import *imp, enum st_import_kind kind,
                            struct st_import_counts *counts)
{
    enum st_err err;

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
        return merge_employees(imp, counts);
    case ST_IMPORT_WORD:
        return run_merge(imp, "adding directory words", word_merge_sql, counts);
    }
    st_db_set_error(imp->db, "merging", "unknown kind");
    return ST_EQUERY;
}

enum st_import_load st_import_employee_load(const struct st_import *imp)
{
    return imp->load;
}

enum st_err st_import_analyze(struct st_import *imp)
{
    if (imp->open) {
        st_db_set_error(imp->db, "analysing the directory",
                        "the import is not committed");
        return ST_EQUERY;
    }
    return exec(imp, "analysing the directory", analyze_sql, PGRES_COMMAND_OK,
                NULL);
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
