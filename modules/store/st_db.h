/*
 * st_db.h - one PostgreSQL connection for the store layer (libpq).
 *
 * Every statement goes through st_db_exec(): its values travel out of line
 * (PQexecParams), never inside the SQL text, and a connection found broken
 * is reset and the statement sent once more. The database must be UTF8;
 * the client side is always UTF8.
 *
 * A failed call leaves a one-line text in the handle, "what failed: what
 * libpq or the server said", read with st_db_error(). Texts never hold
 * parameter values.
 */
#ifndef ST_DB_H
#define ST_DB_H

#include <libpq-fe.h>
#include <stddef.h>

/* The closed set of error codes of the store. Compare against ST_OK. */
enum st_err {
    ST_OK = 0,
    ST_ENOMEM,    /* an allocation failed */
    ST_ECONNECT,  /* the server could not be reached, even after a reset */
    ST_EENCODING, /* the database's encoding is not UTF8 */
    ST_EQUERY,    /* the server refused a statement */
    ST_EEXIST,    /* the row to add is already there */
    ST_ENOENT,    /* the row to change or remove is not there */
    ST_EDATA,     /* rows read are not valid (not in canonical form) */
};

struct st_db;

/*
 * Starts a blocking connection for CONNINFO (libpq connection string; NULL
 * or "" uses libpq's defaults and PG* variables) with the store's
 * defaults, which CONNINFO may override: connect_timeout=5, keepalives=1,
 * keepalives_idle=10, keepalives_interval=5, keepalives_count=3. The
 * client encoding is always UTF8. The caller owns the result (PQfinish),
 * which may be a failed connection; NULL only when memory ran out.
 */
PGconn *st_db_connect(const char *conninfo);

/*
 * Connects with the libpq connection string CONNINFO (NULL or "" uses
 * libpq's defaults and PG* variables) and checks the database encoding.
 * On ST_OK *OUT is a handle to free with st_db_free(). On failure *OUT is
 * NULL and ERRBUF holds the reason.
 */
enum st_err st_db_open(const char *conninfo, struct st_db **out, char *errbuf,
                       size_t errlen);
void st_db_free(struct st_db *db);

/*
 * Runs SQL with the N text PARAMS ($1..$N; a NULL entry is SQL NULL) and
 * checks that the result status is WANT (PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK). WHAT names the step for the error text ("adding a
 * zone"). When the connection is found broken it is reset and SQL sent
 * once more, so SQL must be a single statement that is safe to repeat
 * (an insert that may have been committed before the break reports a
 * conflict the second time). On ST_OK *RES (when RES is not NULL) is the
 * result, owned by the caller, who PQclear()s it; otherwise the result is
 * cleared here and *RES is NULL.
 */
enum st_err st_db_exec(struct st_db *db, const char *what, const char *sql,
                       int n, const char *const *params, ExecStatusType want,
                       PGresult **res);

/*
 * Sends SCRIPT, several statements of one of our own schema files, as one
 * simple query (the only text that is ever sent whole). Not retried. On
 * ST_EQUERY, *ERRPOS is the 1-based character position of the error in
 * SCRIPT when the server gave one, else 0.
 */
enum st_err st_db_run_script(struct st_db *db, const char *what,
                             const char *script, long *errpos);

/* Sets the error text to "WHAT: WHY", for failures found above libpq. */
void st_db_set_error(struct st_db *db, const char *what, const char *why);

/* The last error text. Borrowed from DB; valid until its next call. */
const char *st_db_error(const struct st_db *db);

/* Stops libpq from printing the server's notices (and its goodbye on an
 * idle connection) to stderr, for a connection inside a host whose log
 * is not ours to write. */
void st_db_quiet(struct st_db *db);

/* The connection, borrowed, for LISTEN and for callers that need
 * PQnotifies(); do not close it. */
PGconn *st_db_conn(struct st_db *db);

#endif
