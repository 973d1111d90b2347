/*
 * st_db.c - the store's connection: open, run one statement, retry once.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_db.h"

#define ERR_MAX 512

struct st_db {
    PGconn *conn;
    char err[ERR_MAX];
};

__attribute__((format(printf, 3, 4))) static void
format_err(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    char *nl;

    if (buf == NULL || len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    /* libpq's texts end with a newline and may hold several lines */
    while ((nl = strchr(buf, '\n')) != NULL) {
        if (nl[1] == '\0')
            *nl = '\0';
        else
            *nl = ' ';
    }
}

/* The server's primary message for RES, else the connection's text. */
static const char *pq_message(PGconn *conn, const PGresult *res)
{
    const char *msg = NULL;

    if (res != NULL)
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(conn);
    if (msg == NULL || msg[0] == '\0')
        msg = "no message from libpq";
    return msg;
}

static enum st_err check_encoding(PGconn *conn, char *errbuf, size_t errlen)
{
    const char *enc = PQparameterStatus(conn, "server_encoding");

    if (enc != NULL && strcmp(enc, "UTF8") == 0)
        return ST_OK;
    format_err(errbuf, errlen,
               "database '%s' has encoding %s, not UTF8; create it with "
               "ENCODING 'UTF8'",
               PQdb(conn), enc != NULL ? enc : "(unknown)");
    return ST_EENCODING;
}

PGconn *st_db_connect(const char *conninfo)
{
    /* Defaults first: the expanded CONNINFO overrides them. The encoding
     * comes after it, so it cannot be changed. */
    static const char *const keys[] = {"connect_timeout",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "fallback_application_name",
                                       "dbname",
                                       "client_encoding",
                                       NULL};
    const char *values[] = {"5",
                            "1",
                            "10",
                            "5",
                            "3",
                            "smartoffice",
                            conninfo != NULL ? conninfo : "",
                            "UTF8",
                            NULL};

    return PQconnectdbParams(keys, values, 1);
}

enum st_err st_db_open(const char *conninfo, struct st_db **out, char *errbuf,
                       size_t errlen)
{
    struct st_db *db;
    enum st_err err = ST_ENOMEM;

    *out = NULL;
    db = calloc(1, sizeof(*db));
    if (db == NULL) {
        format_err(errbuf, errlen, "connecting to the database: out of memory");
        goto fail;
    }
    db->conn = st_db_connect(conninfo);
    if (db->conn == NULL) {
        format_err(errbuf, errlen, "connecting to the database: out of memory");
        goto fail_db;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        format_err(errbuf, errlen, "connecting to the database: %s",
                   PQerrorMessage(db->conn));
        err = ST_ECONNECT;
        goto fail_conn;
    }
    err = check_encoding(db->conn, errbuf, errlen);
    if (err != ST_OK)
        goto fail_conn;
    *out = db;
    return ST_OK;

fail_conn:
    PQfinish(db->conn);
fail_db:
    free(db);
fail:
    return err;
}

void st_db_free(struct st_db *db)
{
    if (db == NULL)
        return;
    PQfinish(db->conn);
    free(db);
}

void st_db_set_error(struct st_db *db, const char *what, const char *why)
{
    format_err(db->err, sizeof(db->err), "%s: %s", what, why);
}

const char *st_db_error(const struct st_db *db)
{
    return db->err;
}

PGconn *st_db_conn(struct st_db *db)
{
    return db->conn;
}

/* Resets a broken connection. True when it is usable again. */
static bool reconnect(struct st_db *db)
{
    PQreset(db->conn);
    return PQstatus(db->conn) == CONNECTION_OK;
}

/* Records why R (possibly NULL) is not the wanted result; its code. */
static enum st_err result_error(struct st_db *db, const char *what,
                                const PGresult *r)
{
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (r != NULL && st != PGRES_FATAL_ERROR && st != PGRES_NONFATAL_ERROR) {
        format_err(db->err, sizeof(db->err), "%s: unexpected result %s", what,
                   PQresStatus(st));
        return ST_EQUERY;
    }
    format_err(db->err, sizeof(db->err), "%s: %s", what,
               pq_message(db->conn, r));
    if (PQstatus(db->conn) == CONNECTION_BAD)
        return ST_ECONNECT;
    return r == NULL ? ST_ENOMEM : ST_EQUERY;
}

enum st_err st_db_exec(struct st_db *db, const char *what, const char *sql,
                       int n, const char *const *params, ExecStatusType want,
                       PGresult **res)
{
    PGresult *r;
    bool retried = false;
    enum st_err err;

    if (res != NULL)
        *res = NULL;
    for (;;) {
        r = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
        if (r != NULL && PQresultStatus(r) == want) {
            if (res != NULL) {
                *res = r; /* the caller owns it now */
                r = NULL;
            }
            err = ST_OK;
            goto out;
        }
        if (PQstatus(db->conn) != CONNECTION_BAD || retried)
            break;
        PQclear(r);
        r = NULL;
        retried = true;
        if (!reconnect(db)) {
            format_err(db->err, sizeof(db->err),
                       "%s: the connection broke and could not be "
                       "restored: %s",
                       what, PQerrorMessage(db->conn));
            err = ST_ECONNECT;
            goto out;
        }
    }
    err = result_error(db, what, r);
out:
    PQclear(r);
    return err;
}

enum st_err st_db_run_script(struct st_db *db, const char *what,
                             const char *script, long *errpos)
{
    PGresult *r;
    const char *pos;
    enum st_err err = ST_OK;

    *errpos = 0;
    r = PQexec(db->conn, script);
    if (r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK)
        goto out;
    err = result_error(db, what, r);
    pos = r != NULL ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    if (pos != NULL)
        *errpos = strtol(pos, NULL, 10);
out:
    PQclear(r);
    return err;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void st_db_quiet(struct st_db *db)
{
    PQsetNoticeProcessor(st_db_conn(db), ignore_notice, NULL);
}
