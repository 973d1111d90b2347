/*
 * dir_service.c - access, rate limits, the database connection and the
 * search call shared by every interface of the component.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_log.h"
#include "dir_service.h"
#include "so_jid.h"

/* Buckets of the rate limiter: requesters tracked at once. */
#define RATE_SLOTS 4096
/* Waits between attempts to reach PostgreSQL after a failure. */
#define DB_BACKOFF_FIRST_MS 500
#define DB_BACKOFF_MAX_MS 5000
/* Age after which the city list of the forms is read again. */
#define CITIES_MAX_AGE_MS (5 * 60 * 1000)

/* Whether a filter's code is in the directory (both tables are small). */
#define UNIT_EXISTS_SQL "SELECT 1 FROM smartoffice.org_unit WHERE code = $1"
#define CITY_EXISTS_SQL "SELECT 1 FROM smartoffice.city WHERE code = $1"

#define CITIES_SQL                                                             \
    "SELECT code, name_en, name_ur FROM smartoffice.city "                     \
    "ORDER BY name_en LIMIT 200"

uint64_t dir_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *conninfo(const struct dir_service *svc)
{
    return svc->cfg->db != NULL ? svc->cfg->db : "";
}

/* Opens the connection unless it is open or a retry is not yet due. */
static enum dir_status db_ready(struct dir_service *svc)
{
    char err[512];
    uint64_t now = dir_now_ms();

    if (svc->db != NULL)
        return DIR_OK;
    if (now < svc->db_retry_ms)
        return DIR_EUNAVAIL;
    if (st_db_open(conninfo(svc), &svc->db, err, sizeof(err)) == ST_OK) {
        dir_log(DIR_LOG_INFO, "postgresql connected");
        svc->db_backoff_ms = 0;
        return DIR_OK;
    }
    svc->db_backoff_ms = svc->db_backoff_ms == 0 ? DB_BACKOFF_FIRST_MS
                         : svc->db_backoff_ms * 2 > DB_BACKOFF_MAX_MS
                             ? DB_BACKOFF_MAX_MS
                             : svc->db_backoff_ms * 2;
    svc->db_retry_ms = now + svc->db_backoff_ms;
    dir_log(DIR_LOG_WARN, "postgresql unreachable (%s), next attempt in %u ms",
            err, svc->db_backoff_ms);
    return DIR_EUNAVAIL;
}

/* Forgets a connection found broken; the next request opens a new one. */
static void db_lost(struct dir_service *svc)
{
    dir_log(DIR_LOG_WARN,
            "postgresql lost (%s), answering wait errors until "
            "it is back",
            st_db_error(svc->db));
    st_db_free(svc->db);
    svc->db = NULL;
    svc->db_backoff_ms = DB_BACKOFF_FIRST_MS;
    svc->db_retry_ms = dir_now_ms() + DB_BACKOFF_FIRST_MS;
}

/* Maps a store error to a status, dropping a broken connection. */
static enum dir_status from_store(struct dir_service *svc, enum st_err err,
                                  const char *what)
{
    switch (err) {
    case ST_OK:
        return DIR_OK;
    case ST_ECONNECT:
        db_lost(svc);
        return DIR_EUNAVAIL;
    case ST_ENOENT:
        return DIR_ENOENT;
    default:
        dir_log(DIR_LOG_WARN, "%s failed: %s", what,
                svc->db != NULL ? st_db_error(svc->db) : "no connection");
        return DIR_EINTERNAL;
    }
}

int dir_service_init(struct dir_service *svc, const struct dir_config *cfg)
{
    memset(svc, 0, sizeof(*svc));
    svc->cfg = cfg;
    svc->rate = so_rate_new(cfg->rate_burst, cfg->rate_per_minute, RATE_SLOTS);
    if (svc->rate == NULL)
        return -1;
    if (db_ready(svc) == DIR_OK)
        dir_service_cities(svc);
    return 0;
}

static void cities_clear(struct dir_service *svc)
{
    while (svc->ncities > 0) {
        struct dir_city *c = &svc->city[--svc->ncities];

        free(c->name_en);
        free(c->name_ur);
    }
}

void dir_service_clear(struct dir_service *svc)
{
    cities_clear(svc);
    st_db_free(svc->db);
    so_rate_free(svc->rate);
    memset(svc, 0, sizeof(*svc));
}

static void lower_into(char *out, const char *in, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        out[i] =
            (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    out[len] = '\0';
}

enum dir_status dir_service_admit(const struct dir_service *svc,
                                  const char *from, char *bare, size_t barelen)
{
    struct so_jid j;
    size_t i, n;

    if (!so_jid_split(from, &j) || j.domain_len > 1023 || j.local_len > 1023 ||
        j.local_len + j.domain_len + 2 > barelen)
        return DIR_EBADREQ;
    n = 0;
    if (j.local_len > 0) {
        lower_into(bare, j.local, j.local_len);
        n = j.local_len;
        bare[n++] = '@';
    }
    lower_into(bare + n, j.domain, j.domain_len);
    for (i = 0; i < svc->cfg->ndomains; i++)
        if (so_jid_eq(j.domain, j.domain_len, svc->cfg->domains[i]))
            return DIR_OK;
    return DIR_EFORBIDDEN;
}

enum dir_status dir_service_take(struct dir_service *svc, const char *bare,
                                 struct dir_outcome *out)
{
    unsigned retry = 0;

    if (so_rate_take(svc->rate, bare, dir_now_ms(), &retry))
        return DIR_OK;
    svc->limited++;
    out->status = DIR_ERATE;
    out->retry_s = retry > 0 ? retry : 1;
    return DIR_ERATE;
}

static bool is_blank(const char *s)
{
    return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

/* Copies an upper-cased code of at most MAX characters of ALLOWED
 * (letters are taken in either case). */
static bool parse_code(const char *in, char *out, size_t max, bool digits)
{
    size_t i, len;

    in += strspn(in, " \t");
    len = strcspn(in, " \t");
    if (len == 0 || len > max || in[len + strspn(in + len, " \t")] != '\0')
        return false;
    for (i = 0; i < len; i++) {
        char c = in[i];

        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') ||
              (digits && ((c >= '0' && c <= '9') || (c == '-' && i > 0)))))
            return false;
        out[i] = c;
    }
    out[len] = '\0';
    return true;
}

static bool parse_grade(const char *in, int *bps)
{
    char *end;
    long v;

    if (*in < '0' || *in > '9')
        return false;
    v = strtol(in, &end, 10);
    if (*end != '\0' || v < 1 || v > 22)
        return false;
    *bps = (int)v;
    return true;
}

static enum dir_status refuse(struct dir_outcome *out,
                              enum so_dquery_refusal why)
{
    out->status = DIR_EREFUSED;
    out->refusal = why;
    return DIR_EREFUSED;
}

static enum dir_status bad_request(struct dir_outcome *out,
                                   enum dir_bad_field field)
{
    out->status = DIR_EBADREQ;
    out->bad_field = field;
    return DIR_EBADREQ;
}

enum dir_status dir_query_parse(const struct dir_request *req,
                                struct dir_query *q, struct dir_outcome *out)
{
    enum so_dquery_refusal why;

    memset(q, 0, sizeof(*q));
    if (!is_blank(req->designation)) {
        size_t len = strlen(req->designation);

        if (len > SO_DQUERY_TEXT_MAX)
            return refuse(out, SO_DQUERY_TOO_LONG);
        if (so_dquery_fold_filter(req->designation, len, q->designation,
                                  sizeof(q->designation)) != SO_OK)
            return refuse(out, SO_DQUERY_INVALID);
    }
    if (!is_blank(req->q)) {
        why = so_dquery_parse(req->q, strlen(req->q), &q->q);
        if (why != SO_DQUERY_OK)
            return refuse(out, why);
    } else if (q->designation[0] == '\0') {
        return refuse(out, SO_DQUERY_TOO_SHORT);
    }
    if (!is_blank(req->grade) && !parse_grade(req->grade, &q->bps))
        return bad_request(out, DIR_BAD_ANY);
    if (!is_blank(req->unit) &&
        !parse_code(req->unit, q->unit, sizeof(q->unit) - 1, true))
        return bad_request(out, DIR_BAD_UNIT);
    if (!is_blank(req->city) &&
        !parse_code(req->city, q->city, sizeof(q->city) - 1, false))
        return bad_request(out, DIR_BAD_CITY);
    if (q->city[0] != '\0' && strlen(q->city) != 3)
        return bad_request(out, DIR_BAD_CITY);
    return DIR_OK;
}

/* Whether CODE is a row of the table SQL looks in: DIR_OK, DIR_EBADREQ
 * with OUT->bad_field = FIELD, or the store's failure. */
static enum dir_status code_known(struct dir_service *svc, const char *sql,
                                  const char *code, enum dir_bad_field field,
                                  struct dir_outcome *out)
{
    const char *params[1] = {code};
    PGresult *res = NULL;
    enum dir_status st;
    enum st_err err;

    err = st_db_exec(svc->db, "checking a filter code", sql, 1, params,
                     PGRES_TUPLES_OK, &res);
    st = from_store(svc, err, "checking a filter code");
    if (st == DIR_OK && PQntuples(res) == 0)
        st = bad_request(out, field);
    PQclear(res);
    return st;
}

/* The office and city filters of Q must name rows of the directory. */
static enum dir_status codes_known(struct dir_service *svc,
                                   const struct dir_query *q,
                                   struct dir_outcome *out)
{
    enum dir_status st = DIR_OK;

    if (q->unit[0] != '\0')
        st = code_known(svc, UNIT_EXISTS_SQL, q->unit, DIR_BAD_UNIT, out);
    if (st == DIR_OK && q->city[0] != '\0')
        st = code_known(svc, CITY_EXISTS_SQL, q->city, DIR_BAD_CITY, out);
    return st;
}

enum dir_status dir_service_search(struct dir_service *svc,
                                   const struct dir_query *q, const char *after,
                                   size_t max, struct st_dir_page *page,
                                   struct dir_outcome *out)
{
    struct st_dir_filter f;
    enum st_err err;

    out->status = db_ready(svc);
    if (out->status != DIR_OK)
        goto out;
    svc->searches++;
    out->status = codes_known(svc, q, out);
    if (out->status != DIR_OK)
        goto out;
    f.designation = q->designation;
    f.bps = q->bps;
    f.unit = q->unit;
    f.city = q->city;
    err = st_dir_search(svc->db, &q->q, &f, after, max, page);
    if (err == ST_EDATA) {
        out->status = DIR_ECURSOR;
        goto out;
    }
    out->status = from_store(svc, err, "a search");
out:
    if (out->status == DIR_ECURSOR || out->status == DIR_EBADREQ)
        svc->bad++;
    else if (out->status != DIR_OK)
        svc->failed++;
    return out->status;
}

static bool valid_employee_no(const char *s)
{
    size_t i, len = strlen(s);

    if (len == 0 || len > 32)
        return false;
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (i > 0 && (c == '/' || c == '-'))))
            return false;
    }
    return true;
}

enum dir_status dir_service_entry(struct dir_service *svc,
                                  const char *employee_no,
                                  struct st_dir_entry *e,
                                  struct dir_outcome *out)
{
    char upper[33];
    size_t i;
    enum st_err err;

    out->status = DIR_ENOENT;
    if (!valid_employee_no(employee_no))
        return out->status;
    out->status = db_ready(svc);
    if (out->status != DIR_OK)
        return out->status;
    err = st_dir_entry_get(svc->db, employee_no, e);
    if (err == ST_ENOENT) {
        /* addresses are lower-cased by servers; HR numbers may not be */
        for (i = 0; employee_no[i] != '\0'; i++)
            upper[i] = (employee_no[i] >= 'a' && employee_no[i] <= 'z')
                           ? (char)(employee_no[i] - 'a' + 'A')
                           : employee_no[i];
        upper[i] = '\0';
        if (strcmp(upper, employee_no) != 0)
            err = st_dir_entry_get(svc->db, upper, e);
    }
    out->status = from_store(svc, err, "reading an entry");
    return out->status;
}

static int city_copy(struct dir_city *c, PGresult *res, int row)
{
    snprintf(c->code, sizeof(c->code), "%s", PQgetvalue(res, row, 0));
    c->name_en = strdup(PQgetvalue(res, row, 1));
    c->name_ur = strdup(PQgetvalue(res, row, 2));
    return c->name_en != NULL && c->name_ur != NULL ? 0 : -1;
}

void dir_service_cities(struct dir_service *svc)
{
    PGresult *res = NULL;
    enum st_err err;
    uint64_t now = dir_now_ms();
    int i, rows;

    if (svc->cities_ms != 0 && now - svc->cities_ms < CITIES_MAX_AGE_MS)
        return;
    if (db_ready(svc) != DIR_OK)
        return;
    err = st_db_exec(svc->db, "reading the cities", CITIES_SQL, 0, NULL,
                     PGRES_TUPLES_OK, &res);
    if (from_store(svc, err, "reading the cities") != DIR_OK)
        return;
    cities_clear(svc);
    rows = PQntuples(res);
    for (i = 0; i < rows && i < DIR_CITIES_MAX; i++) {
        if (city_copy(&svc->city[svc->ncities++], res, i) != 0) {
            cities_clear(svc);
            break;
        }
    }
    PQclear(res);
    svc->cities_ms = now;
    dir_log(DIR_LOG_DEBUG, "read %zu cities for the search forms",
            svc->ncities);
}

void dir_service_summary(struct dir_service *svc, unsigned seconds)
{
    if (svc->searches + svc->refused + svc->limited + svc->bad + svc->failed >
        0)
        dir_log(DIR_LOG_INFO,
                "%lu searches, %lu refused, %lu rate-limited, %lu bad "
                "requests, %lu failed in the last %u s",
                svc->searches, svc->refused, svc->limited, svc->bad,
                svc->failed, seconds);
    svc->searches = svc->refused = svc->limited = svc->bad = svc->failed = 0;
}

bool dir_entry_address(const struct dir_service *svc,
                       const struct st_dir_entry *e, char *out, size_t outlen)
{
    size_t n = 0;
    const char *p;

    if (e->jid[0] != '\0')
        return (size_t)snprintf(out, outlen, "%s", e->jid) < outlen;
    for (p = e->employee_no; *p != '\0'; p++) {
        if (n + 4 >= outlen)
            return false;
        if (*p == '/') { /* XEP-0106: '/' may not be in a local part */
            memcpy(out + n, "\\2f", 3);
            n += 3;
        } else {
            out[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        }
    }
    return (size_t)snprintf(out + n, outlen - n, "@%s", svc->cfg->jid) <
           outlen - n;
}

bool dir_employee_from_local(const char *local, size_t len, char *out,
                             size_t outlen)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (n + 1 >= outlen)
            return false;
        if (local[i] == '\\') {
            if (len - i < 3 || local[i + 1] != '2' ||
                (local[i + 2] != 'f' && local[i + 2] != 'F'))
                return false;
            out[n++] = '/';
            i += 2;
        } else {
            out[n++] = local[i];
        }
    }
    out[n] = '\0';
    return n > 0 && valid_employee_no(out);
}
