/*
 * st_audit.h - the audit trail in PostgreSQL: appending records to the
 * hash chain, spilling them to a local file while the server is away,
 * verifying the chain, exporting a time range and expiring old records.
 *
 * Tables smartoffice.audit, audit_head and audit_anchor (schemas/); the
 * chain and the spill file are described in docs/modules/audit.md.
 */
#ifndef ST_AUDIT_H
#define ST_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "so_audit.h"

enum st_audit_status {
    ST_AUDIT_OK = 0,  /* written to PostgreSQL */
    ST_AUDIT_SPILLED, /* PostgreSQL failed; the records are in the spill
                         file and will be written first next time */
    ST_AUDIT_EINVAL,  /* a bad argument or an invalid record */
    ST_AUDIT_ENOMEM,  /* an allocation failed */
    ST_AUDIT_EDB,     /* PostgreSQL failed and there was nowhere to spill */
    ST_AUDIT_EIO,     /* the spill file could not be read or written */
};

/* "ok", "spilled", ... Static. */
const char *st_audit_status_str(enum st_audit_status st);

struct st_audit_writer;

/*
 * A writer for the database CONNINFO (libpq connection string; NULL or ""
 * means libpq's defaults) that spills to SPILL_PATH (NULL: never spill).
 * Connects lazily. The caller owns it; st_audit_writer_free(). Returns
 * NULL when memory or the system's random source fails.
 */
struct st_audit_writer *st_audit_writer_new(const char *conninfo,
                                            const char *spill_path);
void st_audit_writer_free(struct st_audit_writer *w);

/* The last error, one line without values; "" when none. Borrowed from W,
 * valid until its next call. */
const char *st_audit_error(const struct st_audit_writer *w);

/*
 * Appends the N records RECS (their seq is ignored) to the chain, in order,
 * in one transaction: first whatever the spill file holds, then RECS. When
 * PostgreSQL cannot be reached or the transaction fails, the connection is
 * reset and the transaction tried once more; if that fails too, RECS go to
 * the end of the spill file (fsync'd) and ST_AUDIT_SPILLED is returned.
 * Returns ST_AUDIT_OK, ST_AUDIT_SPILLED, ST_AUDIT_EINVAL (nothing written),
 * ST_AUDIT_EDB (no spill file) or ST_AUDIT_EIO (records lost: the spill
 * file failed too; st_audit_error() says why).
 */
enum st_audit_status st_audit_append(struct st_audit_writer *w,
                                     const struct so_audit_record *recs,
                                     size_t n);

/* Writes whatever the spill file holds, if PostgreSQL is reachable.
 * ST_AUDIT_OK when the file is now empty, else as st_audit_append(). */
enum st_audit_status st_audit_replay(struct st_audit_writer *w);

/* Records appended to PostgreSQL, spilled, and replayed from the spill
 * file by W so far; lines of the spill file that were not records (a
 * line torn by a crash, a damaged line) and their bytes without the
 * newline, moved by W to "<spill>.bad" (one per line, fsync'd) instead
 * of being replayed. A torn line that could not be saved there is
 * dropped and counted too; st_audit_error() then says why. */
struct st_audit_counts {
    uint64_t written;
    uint64_t spilled;
    uint64_t replayed;
    uint64_t bad_lines;
    uint64_t bad_bytes;
};
void st_audit_counts(const struct st_audit_writer *w,
                     struct st_audit_counts *out);

/* The outcome of a verification. */
struct st_audit_verdict {
    bool intact;
    int64_t count;     /* records checked */
    int64_t first_seq; /* first and last record checked; 0 when none */
    int64_t last_seq;
    int64_t anchor_seq; /* where the walk started (0: the chain's start) */
    int64_t broken_seq; /* the first broken record, when not intact */
    char why[256];      /* "record 42: ..." when not intact */
};

/*
 * Walks the chain in seq order from the anchor (or from 32 zero bytes) to
 * the head in one snapshot and fills *OUT. Returns ST_AUDIT_OK (then see
 * OUT->intact) or ST_AUDIT_EDB.
 */
enum st_audit_status st_audit_verify(struct st_audit_writer *w,
                                     struct st_audit_verdict *out);

/* A stored record as export hands it out; all members borrowed for the
 * duration of the callback. */
struct st_audit_row {
    const struct so_audit_record *rec;
    const uint8_t *prev_hash; /* SO_AUDIT_HASH_LEN bytes */
    const uint8_t *hash;
};

/*
 * Calls EMIT for every record with FROM_US <= at < TO_US, in seq order,
 * until EMIT returns non-zero. Returns ST_AUDIT_OK or ST_AUDIT_EDB; *COUNT
 * (when not NULL) is the number of records emitted.
 */
enum st_audit_status
st_audit_export(struct st_audit_writer *w, int64_t from_us, int64_t to_us,
                int (*emit)(const struct st_audit_row *row, void *arg),
                void *arg, int64_t *count);

/*
 * Deletes, in one transaction, the longest run of records from the start
 * of the chain whose times are all before BEFORE_US, and stores the last
 * deleted record's seq and hash as the anchor. A record older than
 * BEFORE_US stays while an earlier record is newer (clocks of different
 * hosts disagree). Returns ST_AUDIT_OK or ST_AUDIT_EDB; *EXPIRED (when not
 * NULL) is the number of records deleted, *ANCHOR the anchor's seq.
 */
enum st_audit_status st_audit_expire(struct st_audit_writer *w,
                                     int64_t before_us, int64_t *expired,
                                     int64_t *anchor);

#endif
