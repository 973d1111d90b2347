/*
 * so_audit.h - audit records of policy decisions, their canonical form,
 * the SHA-256 chain over them, and a bounded queue that takes records off
 * the hot path.
 *
 * A record never holds message content: only when, where, which module,
 * the decision, the rule and bare JIDs or domains. The canonical form and
 * the chain are documented in docs/modules/audit.md; changing either is a
 * new format version.
 */
#ifndef SO_AUDIT_H
#define SO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "so_view.h"

/* Maximum bytes of each field, without the NUL. Subject and object hold
 * bare JIDs (RFC 7622 §3.1: 1023-byte local and domain parts). */
#define SO_AUDIT_HOST_MAX 1023
#define SO_AUDIT_MODULE_MAX 63
#define SO_AUDIT_DECISION_MAX 63
#define SO_AUDIT_RULE_MAX 127
#define SO_AUDIT_SUBJECT_MAX 2047
#define SO_AUDIT_OBJECT_MAX 2047

#define SO_AUDIT_HASH_LEN 32 /* SHA-256 */
#define SO_AUDIT_FORMAT_VERSION 1

/* The largest canonical form: version byte, seq, time, six lengths and the
 * six fields at their maximum. */
#define SO_AUDIT_CANON_MAX                                                     \
    (1 + 8 + 8 + 6 * 4 + SO_AUDIT_HOST_MAX + SO_AUDIT_MODULE_MAX +             \
     SO_AUDIT_DECISION_MAX + SO_AUDIT_RULE_MAX + SO_AUDIT_SUBJECT_MAX +        \
     SO_AUDIT_OBJECT_MAX)

/* One decision, as stored. Strings are NUL-terminated UTF-8 without
 * control characters; so_audit_record_set() is the way to fill them. */
struct so_audit_record {
    int64_t seq;   /* position in the chain; 0 until the store assigns it */
    int64_t at_us; /* UTC, microseconds since 1970-01-01 */
    char host[SO_AUDIT_HOST_MAX + 1];         /* the server's domain */
    char module[SO_AUDIT_MODULE_MAX + 1];     /* "omemo_policy", "cli" */
    char decision[SO_AUDIT_DECISION_MAX + 1]; /* "refuse", "allow" */
    char rule[SO_AUDIT_RULE_MAX + 1];         /* which rule decided */
    char subject[SO_AUDIT_SUBJECT_MAX + 1];   /* bare JID or domain, or "" */
    char object[SO_AUDIT_OBJECT_MAX + 1];     /* bare JID or domain, or "" */
};

/* A decision as a producer has it: borrowed strings, NULL meaning "". */
struct so_audit_event {
    int64_t at_us;
    const char *host;
    const char *module;
    const char *decision;
    const char *rule;
    const char *subject;
    const char *object;
};

/*
 * Checks EV and copies it into REC with seq 0. Returns SO_OK, or SO_EINVAL
 * when a field is not valid UTF-8, holds a control character, or host,
 * module, decision or rule is empty, or SO_ELIMIT when a field is longer
 * than its maximum. On failure REC is unchanged.
 */
enum so_err so_audit_record_set(struct so_audit_record *rec,
                                const struct so_audit_event *ev);

/*
 * Checks EV as so_audit_record_set() does. On failure *FIELD (when not
 * NULL) is the index of the first bad field, for so_audit_field_name().
 */
enum so_err so_audit_event_check(const struct so_audit_event *ev, int *field);

/* The most bytes field I may hold (0 when I is out of range). */
size_t so_audit_field_max(int i);

/* True when S[0..LEN) is valid UTF-8 without C0 or C1 control characters
 * or DEL: the text every field must be. */
bool so_audit_text_valid(const char *s, size_t len);

/* Checks every field of REC as so_audit_record_set() does. */
enum so_err so_audit_record_check(const struct so_audit_record *rec);

/* Field I of REC (0 host .. 5 object) and its name ("host"), for code that
 * walks all six. Borrowed from REC; NULL when I is out of range. */
const char *so_audit_field(const struct so_audit_record *rec, int i);
const char *so_audit_field_name(int i);
#define SO_AUDIT_NFIELDS 6

/*
 * Writes the canonical form of REC into BUF (at most SO_AUDIT_CANON_MAX
 * bytes) and returns its length. REC must have passed the checks.
 */
size_t so_audit_canonical(const struct so_audit_record *rec, uint8_t *buf);

/*
 * OUT = SHA-256(PREV || canonical form of REC). Returns SO_OK, or SO_EINVAL
 * when REC is not valid, or SO_ENOMEM when OpenSSL failed; then ERRBUF (if
 * not NULL) holds "audit hash: <our step>: <OpenSSL's reason>".
 */
enum so_err so_audit_hash(const uint8_t prev[SO_AUDIT_HASH_LEN],
                          const struct so_audit_record *rec,
                          uint8_t out[SO_AUDIT_HASH_LEN], char *errbuf,
                          size_t errlen);

/* How one stored record relates to the chain before it. */
enum so_audit_link {
    SO_AUDIT_LINK_OK = 0,
    SO_AUDIT_LINK_SEQ,      /* seq is not the expected one (gap: deleted) */
    SO_AUDIT_LINK_PREV,     /* prev_hash is not the predecessor's hash */
    SO_AUDIT_LINK_CONTENTS, /* hash does not match prev_hash and contents */
    SO_AUDIT_LINK_ERROR,    /* the hash could not be computed */
};

/*
 * Checks one stored record REC with its stored PREV_HASH and HASH against
 * the chain so far: EXPECT_SEQ and EXPECT_PREV are the seq and hash the
 * record must follow (the predecessor's seq + 1 and hash). Checks in the
 * order seq, previous hash, contents and returns the first failure.
 */
enum so_audit_link
so_audit_chain_check(int64_t expect_seq,
                     const uint8_t expect_prev[SO_AUDIT_HASH_LEN],
                     const struct so_audit_record *rec,
                     const uint8_t prev_hash[SO_AUDIT_HASH_LEN],
                     const uint8_t hash[SO_AUDIT_HASH_LEN]);

/*
 * A bounded queue of records between one producer thread (the host's event
 * loop) and one consumer thread (the store's writer). Push never blocks and
 * never allocates; when the queue is full it drops the record and counts
 * the drop. Lock-free: C11 atomics on the two indices.
 */
struct so_audit_queue;

/* A queue for CAPACITY records (rounded up to a power of two, at least 2).
 * The caller owns it; so_audit_queue_free(). NULL on allocation failure. */
struct so_audit_queue *so_audit_queue_new(size_t capacity);
void so_audit_queue_free(struct so_audit_queue *q);

/* Producer only. Copies EV into the queue. Returns SO_OK, SO_EINVAL or
 * SO_ELIMIT for a bad event (counted as refused), or SO_ELIMIT when the
 * queue is full (counted as dropped). */
enum so_err so_audit_queue_push(struct so_audit_queue *q,
                                const struct so_audit_event *ev);

/* Consumer only. Moves up to MAX records into OUT in queue order and
 * returns how many. */
size_t so_audit_queue_pop(struct so_audit_queue *q, struct so_audit_record *out,
                          size_t max);

/* Records queued now, the capacity, records dropped because the queue was
 * full, and events refused as invalid. Any thread. */
size_t so_audit_queue_len(const struct so_audit_queue *q);
size_t so_audit_queue_capacity(const struct so_audit_queue *q);
uint64_t so_audit_queue_dropped(const struct so_audit_queue *q);
uint64_t so_audit_queue_refused(const struct so_audit_queue *q);

#endif
