/*
 * st_audit.c - the audit chain in PostgreSQL, with a local spill file.
 *
 * Appending locks smartoffice.audit_head, so records from every writer
 * form one sequence. Each record carries an origin id made by its writer
 * (a random per-writer prefix and a counter); inserts skip an origin id
 * already stored, so a transaction repeated after an unanswered COMMIT, or
 * a spill file replayed twice after a crash, stores nothing twice.
 *
 * The spill file holds one record per line (see docs/modules/audit.md).
 * It is locked with flock() for the whole of an append, so writers that
 * share it keep its order, and it is replayed before any new record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "st_audit.h"
#include "st_db.h"

#define ORIGIN_MAX 48    /* bytes of an origin id, with the NUL */
#define REPLAY_BATCH 256 /* records per replay transaction */
#define WALK_BATCH 1000  /* rows per query when walking the chain */

struct st_audit_writer {
    char *conninfo;
    char *spill_path; /* NULL: never spill */
    int spill_fd;     /* -1 until first needed */
    PGconn *conn;     /* NULL while disconnected */
    char origin_prefix[33];
    uint64_t origin_next;
    struct so_audit_record *scratch; /* the record being hashed */
    struct st_audit_counts counts;
    char err[512];
};

/* A run of records with their origin ids, for one transaction. */
struct batch {
    const struct so_audit_record *recs;
    char (*origins)[ORIGIN_MAX];
    size_t n;
    uint64_t inserted; /* set by tx_append */
};

static const char sql_head_lock[] =
    "SELECT seq, hash FROM smartoffice.audit_head FOR UPDATE";
static const char sql_insert[] =
    "INSERT INTO smartoffice.audit (seq, at, host, module, decision, rule, "
    "subject, object, prev_hash, hash, origin_id) VALUES ($1, "
    "'epoch'::timestamptz + $2::bigint * interval '1 microsecond', "
    "$3, $4, $5, $6, $7, $8, $9, $10, $11) "
    "ON CONFLICT (origin_id) DO NOTHING";
static const char sql_set_head[] =
    "UPDATE smartoffice.audit_head SET seq = $1, hash = $2";
/* The columns every reader decodes with row_decode(), in this order. */
#define ROW_COLUMNS                                                            \
    "seq, (extract(epoch FROM at) * 1000000)::bigint, host, module, "          \
    "decision, rule, subject, object, prev_hash, hash"

const char *st_audit_status_str(enum st_audit_status st)
{
    switch (st) {
    case ST_AUDIT_OK:
        return "ok";
    case ST_AUDIT_SPILLED:
        return "spilled";
    case ST_AUDIT_EINVAL:
        return "invalid argument";
    case ST_AUDIT_ENOMEM:
        return "out of memory";
    case ST_AUDIT_EDB:
        return "database error";
    case ST_AUDIT_EIO:
        return "spill file error";
    }
    return "unknown";
}

static void set_error(struct st_audit_writer *w, const char *what,
                      const char *detail)
{
    size_t n;

    snprintf(w->err, sizeof(w->err), "%s: %s", what, detail);
    n = strcspn(w->err, "\n");
    w->err[n] = '\0';
}

static void set_errno(struct st_audit_writer *w, const char *what)
{
    set_error(w, what, strerror(errno));
}

/*
 * Checks that RES has status WANT. Returns RES, or NULL after recording
 * "WHAT: the server's primary message" and clearing RES.
 */
static PGresult *checked(struct st_audit_writer *w, const char *what,
                         PGresult *res, ExecStatusType want)
{
    const char *msg;

    if (res != NULL && PQresultStatus(res) == want)
        return res;
    msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    set_error(w, what, msg != NULL ? msg : PQerrorMessage(w->conn));
    PQclear(res);
    return NULL;
}

/* Runs a statement without parameters that returns no rows. */
static bool run_simple(struct st_audit_writer *w, const char *what,
                       const char *sql)
{
    PGresult *res = checked(w, what, PQexec(w->conn, sql), PGRES_COMMAND_OK);

    PQclear(res);
    return res != NULL;
}

static void rollback(struct st_audit_writer *w)
{
    if (PQstatus(w->conn) == CONNECTION_OK &&
        PQtransactionStatus(w->conn) != PQTRANS_IDLE)
        PQclear(PQexec(w->conn, "ROLLBACK"));
}

static bool prepare(struct st_audit_writer *w, const char *name,
                    const char *sql)
{
    PGresult *res =
        checked(w, "preparing an audit statement",
                PQprepare(w->conn, name, sql, 0, NULL), PGRES_COMMAND_OK);

    PQclear(res);
    return res != NULL;
}

/* Connects when not connected. TODO(#4): move to st_db once it has a
 * transaction-level retry. */
static bool conn_ready(struct st_audit_writer *w)
{
    if (w->conn != NULL && PQstatus(w->conn) == CONNECTION_OK)
        return true;
    PQfinish(w->conn);
    w->conn = st_db_connect(w->conninfo);
    if (w->conn == NULL) {
        set_error(w, "connecting to PostgreSQL", "out of memory");
        return false;
    }
    if (PQstatus(w->conn) != CONNECTION_OK) {
        set_error(w, "connecting to PostgreSQL", PQerrorMessage(w->conn));
        goto fail;
    }
    if (!prepare(w, "st_audit_head", sql_head_lock) ||
        !prepare(w, "st_audit_insert", sql_insert) ||
        !prepare(w, "st_audit_set_head", sql_set_head))
        goto fail;
    return true;
fail:
    PQfinish(w->conn);
    w->conn = NULL;
    return false;
}

typedef enum st_audit_status (*tx_fn)(struct st_audit_writer *w, void *arg);

/* One try of FN; forgets a connection that FN found broken. */
static enum st_audit_status tx_attempt(struct st_audit_writer *w, tx_fn fn,
                                       void *arg)
{
    enum st_audit_status st;

    if (!conn_ready(w))
        return ST_AUDIT_EDB;
    st = fn(w, arg);
    if (st != ST_AUDIT_OK) {
        rollback(w);
        if (PQstatus(w->conn) != CONNECTION_OK) {
            PQfinish(w->conn);
            w->conn = NULL;
        }
    }
    return st;
}

/*
 * Runs the transaction FN; when it fails on a connection that was up
 * before, reconnects and runs it once more. FN must be safe to repeat
 * after a COMMIT whose answer was lost.
 */
static enum st_audit_status with_retry(struct st_audit_writer *w, tx_fn fn,
                                       void *arg)
{
    bool had_conn = w->conn != NULL;
    enum st_audit_status st = tx_attempt(w, fn, arg);

    if (st == ST_AUDIT_EDB && had_conn && w->conn == NULL)
        st = tx_attempt(w, fn, arg);
    return st;
}

static int64_t get_be64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | u[i];
    return (int64_t)v;
}

/* Reads seq and hash (binary) from row 0 of RES. */
static bool seq_hash_decode(const PGresult *res, int64_t *seq,
                            uint8_t hash[SO_AUDIT_HASH_LEN])
{
    if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 8 ||
        PQgetlength(res, 0, 1) != SO_AUDIT_HASH_LEN)
        return false;
    *seq = get_be64(PQgetvalue(res, 0, 0));
    memcpy(hash, PQgetvalue(res, 0, 1), SO_AUDIT_HASH_LEN);
    return true;
}

/* Takes RES (NULL after a failed query) and clears it; reads seq and hash
 * from its one row, or records WHAT: PROBLEM and returns ST_AUDIT_EDB. */
static enum st_audit_status seq_hash_take(struct st_audit_writer *w,
                                          PGresult *res, const char *what,
                                          const char *problem, int64_t *seq,
                                          uint8_t hash[SO_AUDIT_HASH_LEN])
{
    bool ok;

    if (res == NULL)
        return ST_AUDIT_EDB;
    ok = seq_hash_decode(res, seq, hash);
    PQclear(res);
    if (!ok) {
        set_error(w, what, problem);
        return ST_AUDIT_EDB;
    }
    return ST_AUDIT_OK;
}

/* Opens a transaction for WHAT and locks the head; *SEQ and HASH are its
 * record. */
static enum st_audit_status begin_locked(struct st_audit_writer *w,
                                         const char *what, int64_t *seq,
                                         uint8_t hash[SO_AUDIT_HASH_LEN])
{
    PGresult *res;

    if (!run_simple(w, what, "BEGIN"))
        return ST_AUDIT_EDB;
    res = checked(
        w, "locking the audit head",
        PQexecPrepared(w->conn, "st_audit_head", 0, NULL, NULL, NULL, 1),
        PGRES_TUPLES_OK);
    return seq_hash_take(w, res, "locking the audit head", "no single head row",
                         seq, hash);
}

/* Commits the transaction; WHAT names it in the error. */
static enum st_audit_status commit(struct st_audit_writer *w, const char *what)
{
    return run_simple(w, what, "COMMIT") ? ST_AUDIT_OK : ST_AUDIT_EDB;
}

/* Inserts W->scratch; *ADDED is false when its origin id was stored. */
static enum st_audit_status insert_one(struct st_audit_writer *w,
                                       const uint8_t prev[SO_AUDIT_HASH_LEN],
                                       const uint8_t hash[SO_AUDIT_HASH_LEN],
                                       const char *origin, bool *added)
{
    const struct so_audit_record *r = w->scratch;
    char seq[24], at[24];
    const char *values[11] = {
        seq,     at,         r->host,   r->module,          r->decision,
        r->rule, r->subject, r->object, (const char *)prev, (const char *)hash,
        origin,
    };
    const int lengths[11] = {[8] = SO_AUDIT_HASH_LEN, [9] = SO_AUDIT_HASH_LEN};
    const int formats[11] = {[8] = 1, [9] = 1};
    PGresult *res;

    snprintf(seq, sizeof(seq), "%" PRId64, r->seq);
    snprintf(at, sizeof(at), "%" PRId64, r->at_us);
    res = checked(w, "inserting an audit record",
                  PQexecPrepared(w->conn, "st_audit_insert", 11, values,
                                 lengths, formats, 0),
                  PGRES_COMMAND_OK);
    if (res == NULL)
        return ST_AUDIT_EDB;
    *added = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    return ST_AUDIT_OK;
}

static enum st_audit_status head_set(struct st_audit_writer *w, int64_t seq,
                                     const uint8_t hash[SO_AUDIT_HASH_LEN])
{
    char seqtext[24];
    const char *values[2] = {seqtext, (const char *)hash};
    const int lengths[2] = {0, SO_AUDIT_HASH_LEN};
    const int formats[2] = {0, 1};
    PGresult *res;

    snprintf(seqtext, sizeof(seqtext), "%" PRId64, seq);
    res = checked(w, "moving the audit head",
                  PQexecPrepared(w->conn, "st_audit_set_head", 2, values,
                                 lengths, formats, 0),
                  PGRES_COMMAND_OK);
    PQclear(res);
    return res != NULL ? ST_AUDIT_OK : ST_AUDIT_EDB;
}

/* The transaction of one append: lock the head, chain and insert every
 * record not stored yet, move the head, commit. */
static enum st_audit_status tx_append(struct st_audit_writer *w, void *arg)
{
    struct batch *b = arg;
    uint8_t prev[SO_AUDIT_HASH_LEN], hash[SO_AUDIT_HASH_LEN];
    enum st_audit_status st;
    int64_t seq;
    size_t i;

    b->inserted = 0;
    st = begin_locked(w, "starting an audit transaction", &seq, prev);
    if (st != ST_AUDIT_OK)
        return st;
    for (i = 0; i < b->n; i++) {
        bool added = false;

        *w->scratch = b->recs[i];
        w->scratch->seq = seq + 1;
        if (so_audit_hash(prev, w->scratch, hash, w->err, sizeof(w->err)) !=
            SO_OK)
            return ST_AUDIT_EDB;
        st = insert_one(w, prev, hash, b->origins[i], &added);
        if (st != ST_AUDIT_OK)
            return st;
        if (added) {
            seq++;
            memcpy(prev, hash, sizeof(prev));
            b->inserted++;
        }
    }
    if (b->inserted > 0) {
        st = head_set(w, seq, prev);
        if (st != ST_AUDIT_OK)
            return st;
    }
    return commit(w, "committing audit records");
}

/* The spill file. */

static bool spill_open(struct st_audit_writer *w)
{
    if (w->spill_fd >= 0)
        return true;
    w->spill_fd =
        open(w->spill_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (w->spill_fd < 0) {
        set_errno(w, "opening the audit spill file");
        return false;
    }
    return true;
}

/* Appends S to the line being built at *P, escaping \, tab and newline. */
static char *escape_into(char *p, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '\t' || *s == '\n') {
            *p++ = '\\';
            *p++ = *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\';
        } else {
            *p++ = *s;
        }
    }
    return p;
}

/* Line: "1", origin, at_us, then the six fields, tab-separated. */
static size_t line_max(const struct so_audit_record *r)
{
    size_t n = 2 + ORIGIN_MAX + 24 + 1;
    int i;

    for (i = 0; i < SO_AUDIT_NFIELDS; i++)
        n += 2 * strlen(so_audit_field(r, i)) + 1;
    return n;
}

static char *line_format(char *p, const struct so_audit_record *r,
                         const char *origin)
{
    int i;

    p += sprintf(p, "1\t%s\t%" PRId64, origin, r->at_us);
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        *p++ = '\t';
        p = escape_into(p, so_audit_field(r, i));
    }
    *p++ = '\n';
    return p;
}

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* A run of bytes of the spill file that is not a record. */
struct span {
    off_t off;
    size_t len;
};

/* Copies SPAN of the spill file, then a newline, to FD. */
static bool span_copy(struct st_audit_writer *w, int fd, struct span span)
{
    char buf[4096];

    while (span.len > 0) {
        size_t want = span.len < sizeof(buf) ? span.len : sizeof(buf);
        ssize_t n = pread(w->spill_fd, buf, want, span.off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO; /* the file is shorter than it was */
        if (n <= 0 || !write_all(fd, buf, (size_t)n))
            return false;
        span.off += n;
        span.len -= (size_t)n;
    }
    return write_all(fd, "\n", 1);
}

/* Appends the N SPANS of the spill file, one line each, to "<spill>.bad"
 * and fsyncs it; counts them. */
static bool bad_save(struct st_audit_writer *w, const struct span *spans,
                     size_t n)
{
    bool ok = true;
    char *path;
    size_t i;
    int fd;

    if (n == 0)
        return true;
    path = malloc(strlen(w->spill_path) + sizeof(".bad"));
    if (path == NULL) {
        set_error(w, "opening the audit spill's .bad file", "out of memory");
        return false;
    }
    sprintf(path, "%s.bad", w->spill_path);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0) {
        set_errno(w, "opening the audit spill's .bad file");
        return false;
    }
    for (i = 0; i < n && ok; i++)
        ok = span_copy(w, fd, spans[i]);
    if (!ok || fsync(fd) != 0) {
        set_errno(w, "writing the audit spill's .bad file");
        ok = false;
    }
    close(fd);
    if (!ok)
        return false;
    for (i = 0; i < n; i++) {
        w->counts.bad_lines++;
        w->counts.bad_bytes += spans[i].len;
    }
    return true;
}

/* Sets *END to the offset just after the last newline of the first SIZE
 * bytes of the spill file, 0 when there is none. */
static bool last_newline_end(struct st_audit_writer *w, off_t size, off_t *end)
{
    char buf[4096];

    while (size > 0) {
        size_t want = size < (off_t)sizeof(buf) ? (size_t)size : sizeof(buf);
        ssize_t n = pread(w->spill_fd, buf, want, size - (off_t)want);

        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)want)
            return false;
        while (n > 0 && buf[n - 1] != '\n')
            n--;
        if (n > 0) {
            *end = size - (off_t)want + n;
            return true;
        }
        size -= (off_t)want;
    }
    *end = 0;
    return true;
}

/*
 * Sets *SIZE to the spill file's length after cutting off a last line
 * without its newline (a writer that died mid-append): appending after it
 * would glue the next record to it. The torn line goes to the .bad file
 * first; when that fails it is dropped all the same, counted, and the
 * error kept, so that the records being spilled are not lost with it.
 */
static bool spill_trim(struct st_audit_writer *w, off_t *size)
{
    struct stat sb;
    struct span torn;
    off_t end;

    if (fstat(w->spill_fd, &sb) != 0 ||
        !last_newline_end(w, sb.st_size, &end)) {
        set_errno(w, "checking the audit spill file");
        return false;
    }
    *size = end;
    if (end == sb.st_size)
        return true;
    torn.off = end;
    torn.len = (size_t)(sb.st_size - end);
    if (!bad_save(w, &torn, 1)) {
        w->counts.bad_lines++;
        w->counts.bad_bytes += torn.len;
    }
    if (ftruncate(w->spill_fd, end) != 0) {
        set_errno(w, "cutting a torn line off the audit spill file");
        return false;
    }
    return true;
}

/* Appends the batch to the spill file and fsyncs it; a failed append is
 * cut off again. The caller holds the file's lock. */
static enum st_audit_status spill_write(struct st_audit_writer *w,
                                        const struct batch *b)
{
    enum st_audit_status st = ST_AUDIT_EIO;
    size_t len = 0, i;
    char *buf, *p;
    off_t size;

    for (i = 0; i < b->n; i++)
        len += line_max(&b->recs[i]);
    buf = malloc(len);
    if (buf == NULL) {
        set_error(w, "spilling audit records", "out of memory");
        return ST_AUDIT_ENOMEM;
    }
    p = buf;
    for (i = 0; i < b->n; i++)
        p = line_format(p, &b->recs[i], b->origins[i]);
    if (!spill_trim(w, &size))
        goto out;
    if (!write_all(w->spill_fd, buf, (size_t)(p - buf)) ||
        fsync(w->spill_fd) != 0) {
        set_errno(w, "writing the audit spill file");
        if (ftruncate(w->spill_fd, size) != 0)
            set_errno(w, "undoing a failed write to the audit spill file");
        goto out;
    }
    w->counts.spilled += b->n;
    st = ST_AUDIT_SPILLED;
out:
    free(buf);
    return st;
}

/* Undoes escape_into() in place. False on an unknown escape. */
static bool unescape(char *s)
{
    char *out = s;

    for (; *s != '\0'; s++) {
        if (*s != '\\') {
            *out++ = *s;
            continue;
        }
        s++;
        if (*s == '\\')
            *out++ = '\\';
        else if (*s == 't')
            *out++ = '\t';
        else if (*s == 'n')
            *out++ = '\n';
        else
            return false;
    }
    *out = '\0';
    return true;
}

static bool origin_valid(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n < ORIGIN_MAX && strspn(s, "0123456789abcdef-") == n;
}

/* Parses one spill line (without its newline) into REC and ORIGIN. */
static bool line_parse(char *line, struct so_audit_record *rec,
                       char origin[ORIGIN_MAX])
{
    char *part[3 + SO_AUDIT_NFIELDS];
    struct so_audit_event ev;
    char *end;
    int i;

    for (i = 0; i < 3 + SO_AUDIT_NFIELDS; i++) {
        part[i] = strsep(&line, "\t");
        if (part[i] == NULL)
            return false;
    }
    if (line != NULL || strcmp(part[0], "1") != 0 || !origin_valid(part[1]))
        return false;
    errno = 0;
    ev.at_us = strtoll(part[2], &end, 10);
    if (errno != 0 || end == part[2] || *end != '\0')
        return false;
    for (i = 3; i < 3 + SO_AUDIT_NFIELDS; i++) {
        if (!unescape(part[i]))
            return false;
    }
    ev.host = part[3];
    ev.module = part[4];
    ev.decision = part[5];
    ev.rule = part[6];
    ev.subject = part[7];
    ev.object = part[8];
    if (so_audit_record_set(rec, &ev) != SO_OK)
        return false;
    strcpy(origin, part[1]);
    return true;
}

/* Writes B's first N records, then empties B. */
static enum st_audit_status replay_flush(struct st_audit_writer *w,
                                         struct batch *b)
{
    enum st_audit_status st;

    if (b->n == 0)
        return ST_AUDIT_OK;
    st = with_retry(w, tx_append, b);
    if (st == ST_AUDIT_OK)
        w->counts.replayed += b->inserted;
    b->n = 0;
    return st;
}

/* Adds SPAN to the N spans at *SPANS, growing the array. */
static bool span_add(struct span **spans, size_t *n, struct span span)
{
    struct span *more;

    if ((*n & (*n - 1)) == 0) {
        more = realloc(*spans, (*n != 0 ? 2 * *n : 1) * sizeof(**spans));
        if (more == NULL)
            return false;
        *spans = more;
    }
    (*spans)[(*n)++] = span;
    return true;
}

/*
 * Writes every record of the spill file to PostgreSQL in batches, then
 * moves the lines that are not records to the .bad file and empties the
 * spill file. A last line without its newline was cut short by a crash
 * before its append returned; it is not a record either. The caller holds
 * the file's lock.
 */
static enum st_audit_status spill_replay(struct st_audit_writer *w)
{
    struct so_audit_record *recs = NULL;
    char(*origins)[ORIGIN_MAX] = NULL;
    enum st_audit_status st = ST_AUDIT_ENOMEM;
    struct batch b = {0};
    struct span *bad = NULL;
    size_t nbad = 0;
    char *line = NULL;
    size_t cap = 0;
    off_t off = 0;
    ssize_t len;
    FILE *f = NULL;
    int fd;

    recs = malloc(REPLAY_BATCH * sizeof(*recs));
    origins = malloc(REPLAY_BATCH * sizeof(*origins));
    if (recs == NULL || origins == NULL) {
        set_error(w, "replaying the audit spill file", "out of memory");
        goto out;
    }
    b.recs = recs;
    b.origins = origins;
    fd = dup(w->spill_fd);
    if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || (f = fdopen(fd, "r")) == NULL) {
        set_errno(w, "reading the audit spill file");
        if (fd >= 0 && f == NULL)
            close(fd);
        st = ST_AUDIT_EIO;
        goto out;
    }
    st = ST_AUDIT_OK;
    while (st == ST_AUDIT_OK && (len = getline(&line, &cap, f)) > 0) {
        struct span span = {off, (size_t)len};

        off += len;
        if (line[len - 1] == '\n') {
            line[--len] = '\0';
            span.len--;
            if (line_parse(line, &recs[b.n], origins[b.n])) {
                if (++b.n == REPLAY_BATCH)
                    st = replay_flush(w, &b);
                continue;
            }
        }
        if (!span_add(&bad, &nbad, span)) {
            set_error(w, "replaying the audit spill file", "out of memory");
            st = ST_AUDIT_ENOMEM;
        }
    }
    if (st == ST_AUDIT_OK && ferror(f)) {
        set_errno(w, "reading the audit spill file");
        st = ST_AUDIT_EIO;
    }
    if (st == ST_AUDIT_OK)
        st = replay_flush(w, &b);
    if (st == ST_AUDIT_OK && !bad_save(w, bad, nbad))
        st = ST_AUDIT_EIO;
    if (st == ST_AUDIT_OK &&
        (ftruncate(w->spill_fd, 0) != 0 || fsync(w->spill_fd) != 0)) {
        set_errno(w, "emptying the audit spill file");
        st = ST_AUDIT_EIO;
    }
out:
    if (f != NULL)
        fclose(f);
    free(line);
    free(bad);
    free(origins);
    free(recs);
    return st;
}

/* Replays the spill file when it holds anything. Caller holds the lock. */
static enum st_audit_status spill_drain(struct st_audit_writer *w)
{
    struct stat sb;

    if (fstat(w->spill_fd, &sb) != 0) {
        set_errno(w, "checking the audit spill file");
        return ST_AUDIT_EIO;
    }
    if (sb.st_size == 0)
        return ST_AUDIT_OK;
    return spill_replay(w);
}

static bool spill_lock(struct st_audit_writer *w, int op)
{
    while (flock(w->spill_fd, op) != 0) {
        if (errno != EINTR) {
            set_errno(w, "locking the audit spill file");
            return false;
        }
    }
    return true;
}

struct st_audit_writer *st_audit_writer_new(const char *conninfo,
                                            const char *spill_path)
{
    struct st_audit_writer *w = calloc(1, sizeof(*w));
    unsigned char rnd[16];
    int i;

    if (w == NULL)
        return NULL;
    w->spill_fd = -1;
    w->conninfo = strdup(conninfo != NULL ? conninfo : "");
    w->spill_path = spill_path != NULL ? strdup(spill_path) : NULL;
    w->scratch = malloc(sizeof(*w->scratch));
    if (w->conninfo == NULL || (spill_path != NULL && w->spill_path == NULL) ||
        w->scratch == NULL)
        goto fail;
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        goto fail;
    for (i = 0; i < (int)sizeof(rnd); i++)
        sprintf(w->origin_prefix + 2 * i, "%02x", rnd[i]);
    return w;
fail:
    st_audit_writer_free(w);
    return NULL;
}

void st_audit_writer_free(struct st_audit_writer *w)
{
    if (w == NULL)
        return;
    PQfinish(w->conn);
    if (w->spill_fd >= 0)
        close(w->spill_fd);
    free(w->scratch);
    free(w->spill_path);
    free(w->conninfo);
    free(w);
}

const char *st_audit_error(const struct st_audit_writer *w)
{
    return w->err;
}

void st_audit_counts(const struct st_audit_writer *w,
                     struct st_audit_counts *out)
{
    *out = w->counts;
}

/* Spill file locked (when there is one), replay it, then run B. */
static enum st_audit_status append_locked(struct st_audit_writer *w,
                                          struct batch *b)
{
    enum st_audit_status st = ST_AUDIT_OK;

    if (w->spill_path != NULL)
        st = spill_drain(w);
    if (st == ST_AUDIT_OK && b->n > 0) {
        st = with_retry(w, tx_append, b);
        if (st == ST_AUDIT_OK)
            w->counts.written += b->inserted;
    }
    if (st == ST_AUDIT_OK || b->n == 0)
        return st;
    if (w->spill_path == NULL)
        return ST_AUDIT_EDB;
    return spill_write(w, b);
}

static enum st_audit_status append_batch(struct st_audit_writer *w,
                                         struct batch *b)
{
    enum st_audit_status st;

    w->err[0] = '\0';
    if (w->spill_path == NULL)
        return append_locked(w, b);
    if (!spill_open(w) || !spill_lock(w, LOCK_EX))
        return b->n > 0 ? ST_AUDIT_EIO : ST_AUDIT_EDB;
    st = append_locked(w, b);
    spill_lock(w, LOCK_UN);
    return st;
}

enum st_audit_status st_audit_append(struct st_audit_writer *w,
                                     const struct so_audit_record *recs,
                                     size_t n)
{
    struct batch b = {.recs = recs, .n = n};
    enum st_audit_status st;
    size_t i;

    if (w == NULL || (recs == NULL && n > 0))
        return ST_AUDIT_EINVAL;
    for (i = 0; i < n; i++) {
        if (so_audit_record_check(&recs[i]) != SO_OK) {
            set_error(w, "appending audit records", "a record is invalid");
            return ST_AUDIT_EINVAL;
        }
    }
    b.origins = malloc((n > 0 ? n : 1) * sizeof(*b.origins));
    if (b.origins == NULL)
        return ST_AUDIT_ENOMEM;
    for (i = 0; i < n; i++)
        snprintf(b.origins[i], ORIGIN_MAX, "%s-%" PRIx64, w->origin_prefix,
                 w->origin_next++);
    st = append_batch(w, &b);
    free(b.origins);
    return st;
}

enum st_audit_status st_audit_replay(struct st_audit_writer *w)
{
    struct batch b = {0};

    if (w == NULL)
        return ST_AUDIT_EINVAL;
    return append_batch(w, &b);
}

/* Reading the chain. */

/* Decodes row I of RES (columns ROW_COLUMNS, binary) into REC, PREV and
 * HASH. Text longer than its field is cut, so its hash will not match. */
static bool row_decode(const PGresult *res, int i, struct so_audit_record *rec,
                       uint8_t prev[SO_AUDIT_HASH_LEN],
                       uint8_t hash[SO_AUDIT_HASH_LEN])
{
    static const size_t max[SO_AUDIT_NFIELDS] = {
        SO_AUDIT_HOST_MAX, SO_AUDIT_MODULE_MAX,  SO_AUDIT_DECISION_MAX,
        SO_AUDIT_RULE_MAX, SO_AUDIT_SUBJECT_MAX, SO_AUDIT_OBJECT_MAX,
    };
    char *fields[SO_AUDIT_NFIELDS] = {
        rec->host, rec->module,  rec->decision,
        rec->rule, rec->subject, rec->object,
    };
    int f;

    if (PQgetlength(res, i, 0) != 8 || PQgetlength(res, i, 1) != 8 ||
        PQgetlength(res, i, 8) != SO_AUDIT_HASH_LEN ||
        PQgetlength(res, i, 9) != SO_AUDIT_HASH_LEN)
        return false;
    rec->seq = get_be64(PQgetvalue(res, i, 0));
    rec->at_us = get_be64(PQgetvalue(res, i, 1));
    for (f = 0; f < SO_AUDIT_NFIELDS; f++) {
        size_t n = (size_t)PQgetlength(res, i, 2 + f);

        if (n > max[f])
            n = max[f];
        memcpy(fields[f], PQgetvalue(res, i, 2 + f), n);
        fields[f][n] = '\0';
    }
    memcpy(prev, PQgetvalue(res, i, 8), SO_AUDIT_HASH_LEN);
    memcpy(hash, PQgetvalue(res, i, 9), SO_AUDIT_HASH_LEN);
    return true;
}

/* Reads the one-row table TABLE's seq and hash; *FOUND false when empty. */
static enum st_audit_status read_seq_hash(struct st_audit_writer *w,
                                          const char *sql, const char *what,
                                          bool *found, int64_t *seq,
                                          uint8_t hash[SO_AUDIT_HASH_LEN])
{
    PGresult *res = checked(
        w, what, PQexecParams(w->conn, sql, 0, NULL, NULL, NULL, NULL, 1),
        PGRES_TUPLES_OK);

    *found = res != NULL && PQntuples(res) > 0;
    if (res != NULL && !*found) {
        PQclear(res);
        return ST_AUDIT_OK;
    }
    return seq_hash_take(w, res, what, "unexpected row shape", seq, hash);
}

struct walk {
    struct st_audit_verdict *v;
    int64_t head_seq;
    uint8_t head_hash[SO_AUDIT_HASH_LEN];
    int64_t pred_seq; /* the record checked last, or the anchor */
    uint8_t pred_hash[SO_AUDIT_HASH_LEN];
    uint8_t pred_prev[SO_AUDIT_HASH_LEN]; /* its prev_hash */
    bool have_pred_prev;                  /* false at the anchor */
};

static void broken(struct walk *k, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void broken(struct walk *k, int64_t seq, const char *fmt, ...)
{
    va_list ap;
    int n;

    k->v->intact = false;
    k->v->broken_seq = seq;
    n = snprintf(k->v->why, sizeof(k->v->why), "record %" PRId64 ": ", seq);
    va_start(ap, fmt);
    vsnprintf(k->v->why + n, sizeof(k->v->why) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Explains why REC does not follow the chain; see so_audit_chain_check. */
static void explain(struct walk *k, const struct so_audit_record *rec,
                    const uint8_t prev[SO_AUDIT_HASH_LEN],
                    enum so_audit_link link)
{
    int64_t want = k->pred_seq + 1;

    if (link == SO_AUDIT_LINK_SEQ && rec->seq <= k->v->anchor_seq)
        broken(k, rec->seq, "at or before the anchor %" PRId64 " (inserted)",
               k->v->anchor_seq);
    else if (link == SO_AUDIT_LINK_SEQ && rec->seq == want + 1)
        broken(k, rec->seq, "follows %" PRId64 " (record %" PRId64 " deleted)",
               k->pred_seq, want);
    else if (link == SO_AUDIT_LINK_SEQ)
        broken(k, rec->seq,
               "follows %" PRId64 " (records %" PRId64 "..%" PRId64 " deleted)",
               k->pred_seq, want, rec->seq - 1);
    else if (link == SO_AUDIT_LINK_PREV && k->have_pred_prev &&
             memcmp(prev, k->pred_prev, SO_AUDIT_HASH_LEN) == 0)
        broken(k, k->pred_seq,
               "inserted (record %" PRId64 " chains to record %" PRId64 ")",
               rec->seq, k->pred_seq - 1);
    else if (link == SO_AUDIT_LINK_PREV)
        broken(k, rec->seq,
               "previous hash does not match record %" PRId64
               " (inserted or reordered)",
               k->pred_seq);
    else if (link == SO_AUDIT_LINK_CONTENTS)
        broken(k, rec->seq, "hash does not match its contents (changed)");
    else
        broken(k, rec->seq, "its hash could not be computed");
}

/* Checks the rows of RES in order; false once the chain is broken. */
static bool walk_rows(struct walk *k, const PGresult *res,
                      struct so_audit_record *rec)
{
    uint8_t prev[SO_AUDIT_HASH_LEN], hash[SO_AUDIT_HASH_LEN];
    enum so_audit_link link;
    int i;

    for (i = 0; i < PQntuples(res); i++) {
        if (!row_decode(res, i, rec, prev, hash)) {
            broken(k, k->pred_seq + 1, "unreadable row (changed)");
            return false;
        }
        if (rec->seq > k->head_seq) {
            broken(k, rec->seq, "beyond the head %" PRId64 " (inserted)",
                   k->head_seq);
            return false;
        }
        link = so_audit_chain_check(k->pred_seq + 1, k->pred_hash, rec, prev,
                                    hash);
        if (link != SO_AUDIT_LINK_OK) {
            explain(k, rec, prev, link);
            return false;
        }
        if (k->v->count++ == 0)
            k->v->first_seq = rec->seq;
        k->v->last_seq = rec->seq;
        k->pred_seq = rec->seq;
        memcpy(k->pred_prev, prev, SO_AUDIT_HASH_LEN);
        memcpy(k->pred_hash, hash, SO_AUDIT_HASH_LEN);
        k->have_pred_prev = true;
    }
    return true;
}

/* After the last record: the chain must end exactly at the head. */
static void walk_end(struct walk *k)
{
    if (k->pred_seq < k->head_seq)
        broken(k, k->pred_seq + 1,
               "missing, the head is %" PRId64 " (records %" PRId64 "..%" PRId64
               " deleted)",
               k->head_seq, k->pred_seq + 1, k->head_seq);
    else if (memcmp(k->pred_hash, k->head_hash, SO_AUDIT_HASH_LEN) != 0)
        broken(k, k->pred_seq, "hash differs from the head's (changed)");
}

static enum st_audit_status tx_verify(struct st_audit_writer *w, void *arg)
{
    static const char sql_rows[] =
        "SELECT " ROW_COLUMNS " FROM smartoffice.audit WHERE seq > $1 "
        "ORDER BY seq LIMIT 1000";
    struct walk k = {.v = arg};
    struct so_audit_record *rec = w->scratch;
    enum st_audit_status st;
    bool found, more = true;
    int64_t after = INT64_MIN;

    memset(k.v, 0, sizeof(*k.v));
    k.v->intact = true;
    if (!run_simple(w, "starting the audit check",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return ST_AUDIT_EDB;
    st = read_seq_hash(w, "SELECT seq, hash FROM smartoffice.audit_anchor",
                       "reading the audit anchor", &found, &k.pred_seq,
                       k.pred_hash);
    if (st != ST_AUDIT_OK)
        return st;
    k.v->anchor_seq = found ? k.pred_seq : 0;
    st = read_seq_hash(w, "SELECT seq, hash FROM smartoffice.audit_head",
                       "reading the audit head", &found, &k.head_seq,
                       k.head_hash);
    if (st != ST_AUDIT_OK)
        return st;
    if (!found) {
        set_error(w, "reading the audit head", "no head row");
        return ST_AUDIT_EDB;
    }
    while (more && k.v->intact) {
        char aftertext[24];
        const char *values[1] = {aftertext};
        PGresult *res;

        snprintf(aftertext, sizeof(aftertext), "%" PRId64, after);
        res = checked(
            w, "reading audit records",
            PQexecParams(w->conn, sql_rows, 1, NULL, values, NULL, NULL, 1),
            PGRES_TUPLES_OK);
        if (res == NULL)
            return ST_AUDIT_EDB;
        more = PQntuples(res) == WALK_BATCH;
        if (walk_rows(&k, res, rec))
            after = k.pred_seq;
        PQclear(res);
    }
    if (k.v->intact)
        walk_end(&k);
    return commit(w, "ending the audit check");
}

enum st_audit_status st_audit_verify(struct st_audit_writer *w,
                                     struct st_audit_verdict *out)
{
    if (w == NULL || out == NULL)
        return ST_AUDIT_EINVAL;
    w->err[0] = '\0';
    return with_retry(w, tx_verify, out);
}

struct export_args {
    int64_t from_us, to_us;
    int (*emit)(const struct st_audit_row *row, void *arg);
    void *arg;
    int64_t count;
};

static enum st_audit_status tx_export(struct st_audit_writer *w, void *arg)
{
    static const char sql_rows[] =
        "SELECT " ROW_COLUMNS " FROM smartoffice.audit "
        "WHERE at >= 'epoch'::timestamptz + $1::bigint * interval "
        "'1 microsecond' AND at < 'epoch'::timestamptz + $2::bigint * "
        "interval '1 microsecond' AND seq > $3 ORDER BY seq LIMIT 1000";
    struct export_args *x = arg;
    uint8_t prev[SO_AUDIT_HASH_LEN], hash[SO_AUDIT_HASH_LEN];
    struct st_audit_row row = {w->scratch, prev, hash};
    char from[24], to[24], after[24];
    const char *values[3] = {from, to, after};
    bool more = true, stop = false;
    int64_t last = INT64_MIN;

    x->count = 0;
    snprintf(from, sizeof(from), "%" PRId64, x->from_us);
    snprintf(to, sizeof(to), "%" PRId64, x->to_us);
    if (!run_simple(w, "starting the audit export",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return ST_AUDIT_EDB;
    while (more && !stop) {
        PGresult *res;
        int i;

        snprintf(after, sizeof(after), "%" PRId64, last);
        res = checked(
            w, "reading audit records",
            PQexecParams(w->conn, sql_rows, 3, NULL, values, NULL, NULL, 1),
            PGRES_TUPLES_OK);
        if (res == NULL)
            return ST_AUDIT_EDB;
        more = PQntuples(res) == WALK_BATCH;
        for (i = 0; i < PQntuples(res) && !stop; i++) {
            if (!row_decode(res, i, w->scratch, prev, hash))
                continue;
            last = w->scratch->seq;
            x->count++;
            stop = x->emit(&row, x->arg) != 0;
        }
        PQclear(res);
    }
    return commit(w, "ending the audit export");
}

enum st_audit_status
st_audit_export(struct st_audit_writer *w, int64_t from_us, int64_t to_us,
                int (*emit)(const struct st_audit_row *row, void *arg),
                void *arg, int64_t *count)
{
    struct export_args x = {from_us, to_us, emit, arg, 0};
    enum st_audit_status st;

    if (w == NULL || emit == NULL)
        return ST_AUDIT_EINVAL;
    w->err[0] = '\0';
    st = with_retry(w, tx_export, &x);
    if (count != NULL)
        *count = x.count;
    return st;
}

struct expire_args {
    int64_t before_us;
    int64_t expired;
    int64_t anchor;
};

/* Runs SQL with one text parameter and returns the rows, or NULL. */
static PGresult *query1(struct st_audit_writer *w, const char *what,
                        const char *sql, const char *param, int binary,
                        ExecStatusType want)
{
    const char *values[1] = {param};

    return checked(
        w, what,
        PQexecParams(w->conn, sql, 1, NULL, values, NULL, NULL, binary), want);
}

/* Reads the seq and hash of record CUT, the last one to expire. */
static enum st_audit_status read_cut(struct st_audit_writer *w, const char *sql,
                                     const char *cut, int64_t *seq,
                                     uint8_t hash[SO_AUDIT_HASH_LEN])
{
    PGresult *res = query1(w, "reading the last expired audit record", sql, cut,
                           1, PGRES_TUPLES_OK);

    return seq_hash_take(
        w, res, "expiring audit records",
        "the last record to expire is missing; run audit verify", seq, hash);
}

static enum st_audit_status tx_expire(struct st_audit_writer *w, void *arg)
{
    static const char sql_cut[] =
        "SELECT coalesce((SELECT min(seq) - 1 FROM smartoffice.audit "
        "WHERE at >= 'epoch'::timestamptz + $1::bigint * interval "
        "'1 microsecond'), (SELECT max(seq) FROM smartoffice.audit)), "
        "(SELECT coalesce(max(seq), 0) FROM smartoffice.audit_anchor)";
    static const char sql_hash[] =
        "SELECT seq, hash FROM smartoffice.audit WHERE seq = $1";
    static const char sql_delete[] =
        "DELETE FROM smartoffice.audit WHERE seq <= $1";
    static const char sql_anchor[] =
        "INSERT INTO smartoffice.audit_anchor (seq, hash) VALUES ($1, $2) "
        "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, "
        "hash = excluded.hash, expired_at = now()";
    struct expire_args *x = arg;
    uint8_t hash[SO_AUDIT_HASH_LEN];
    char text[24], cut[24];
    const char *values[2] = {cut, (const char *)hash};
    const int lengths[2] = {0, SO_AUDIT_HASH_LEN};
    const int formats[2] = {0, 1};
    enum st_audit_status st;
    PGresult *res;
    int64_t seq;
    bool found;

    x->expired = 0;
    st = begin_locked(w, "starting the audit expiry", &seq, hash);
    if (st != ST_AUDIT_OK)
        return st;
    snprintf(text, sizeof(text), "%" PRId64, x->before_us);
    res = query1(w, "finding expired audit records", sql_cut, text, 0,
                 PGRES_TUPLES_OK);
    if (res == NULL)
        return ST_AUDIT_EDB;
    x->anchor = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    found = !PQgetisnull(res, 0, 0) &&
            strtoll(PQgetvalue(res, 0, 0), NULL, 10) > x->anchor;
    snprintf(cut, sizeof(cut), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!found)
        return commit(w, "ending the audit expiry");
    st = read_cut(w, sql_hash, cut, &seq, hash);
    if (st != ST_AUDIT_OK)
        return st;
    res = query1(w, "deleting expired audit records", sql_delete, cut, 0,
                 PGRES_COMMAND_OK);
    if (res == NULL)
        return ST_AUDIT_EDB;
    x->expired = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    res = checked(
        w, "moving the audit anchor",
        PQexecParams(w->conn, sql_anchor, 2, NULL, values, lengths, formats, 0),
        PGRES_COMMAND_OK);
    if (res == NULL)
        return ST_AUDIT_EDB;
    PQclear(res);
    x->anchor = seq;
    return commit(w, "committing the audit expiry");
}

enum st_audit_status st_audit_expire(struct st_audit_writer *w,
                                     int64_t before_us, int64_t *expired,
                                     int64_t *anchor)
{
    struct expire_args x = {before_us, 0, 0};
    enum st_audit_status st;

    if (w == NULL)
        return ST_AUDIT_EINVAL;
    w->err[0] = '\0';
    st = with_retry(w, tx_expire, &x);
    if (expired != NULL)
        *expired = st == ST_AUDIT_OK ? x.expired : 0;
    if (anchor != NULL)
        *anchor = x.anchor;
    return st;
}
