/*
 * so_audit.c - audit records, their canonical form, the hash chain and the
 * producer/consumer queue.
 *
 * Canonical form, version 1 (all integers big-endian):
 *
 *   offset  size  content
 *   0       1     format version, 0x01
 *   1       8     seq, two's complement
 *   9       8     at_us, two's complement
 *   17      ...   host, module, decision, rule, subject, object, each as
 *                 a 4-byte length followed by that many UTF-8 bytes
 *
 * Every field has its length in front of it, so no two different records
 * share a form. hash = SHA-256(prev_hash || form); the first record of a
 * chain follows 32 zero bytes, or the anchor left by expiry.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "so_audit.h"

static const size_t field_max[SO_AUDIT_NFIELDS] = {
    SO_AUDIT_HOST_MAX, SO_AUDIT_MODULE_MAX,  SO_AUDIT_DECISION_MAX,
    SO_AUDIT_RULE_MAX, SO_AUDIT_SUBJECT_MAX, SO_AUDIT_OBJECT_MAX,
};

/* Host, module, decision and rule must say something. */
static const bool field_required[SO_AUDIT_NFIELDS] = {
    true, true, true, true, false, false,
};

static const char *const field_names[SO_AUDIT_NFIELDS] = {
    "host", "module", "decision", "rule", "subject", "object",
};

const char *so_audit_field_name(int i)
{
    if (i < 0 || i >= SO_AUDIT_NFIELDS)
        return NULL;
    return field_names[i];
}

const char *so_audit_field(const struct so_audit_record *rec, int i)
{
    switch (i) {
    case 0:
        return rec->host;
    case 1:
        return rec->module;
    case 2:
        return rec->decision;
    case 3:
        return rec->rule;
    case 4:
        return rec->subject;
    case 5:
        return rec->object;
    default:
        return NULL;
    }
}

static char *field_slot(struct so_audit_record *rec, int i)
{
    char *const f[SO_AUDIT_NFIELDS] = {
        rec->host, rec->module,  rec->decision,
        rec->rule, rec->subject, rec->object,
    };

    return f[i];
}

static const char *event_field(const struct so_audit_event *ev, int i)
{
    const char *const f[SO_AUDIT_NFIELDS] = {
        ev->host, ev->module, ev->decision, ev->rule, ev->subject, ev->object,
    };

    return f[i] != NULL ? f[i] : "";
}

/* Length of the UTF-8 sequence led by byte C and the smallest code point
 * it may encode (to refuse overlong forms); 0 for a bad lead byte. */
static int utf8_lead(unsigned char c, unsigned long *min)
{
    if (c >= 0xc2 && c <= 0xdf) {
        *min = 0x80;
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        *min = 0x800;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        *min = 0x10000;
        return 4;
    }
    return 0;
}

/* RFC 3629 */
bool so_audit_text_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned long cp, min;
        int n, k;

        if (p[i] < 0x80) {
            if (p[i] < 0x20 || p[i] == 0x7f)
                return false;
            i++;
            continue;
        }
        n = utf8_lead(p[i], &min);
        if (n == 0 || len - i < (size_t)n)
            return false;
        cp = p[i] & (0x7f >> n);
        for (k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += (size_t)n;
    }
    return true;
}

static enum so_err field_check(int i, const char *s, size_t *len)
{
    size_t n = strnlen(s, field_max[i] + 1);

    if (n > field_max[i])
        return SO_ELIMIT;
    if (n == 0 && field_required[i])
        return SO_EINVAL;
    if (!so_audit_text_valid(s, n))
        return SO_EINVAL;
    *len = n;
    return SO_OK;
}

size_t so_audit_field_max(int i)
{
    if (i < 0 || i >= SO_AUDIT_NFIELDS)
        return 0;
    return field_max[i];
}

/* Checks every field of EV into LEN; on failure *FIELD is the bad one. */
static enum so_err event_check(const struct so_audit_event *ev,
                               size_t len[SO_AUDIT_NFIELDS], int *field)
{
    enum so_err err;
    int i;

    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        err = field_check(i, event_field(ev, i), &len[i]);
        if (err != SO_OK) {
            if (field != NULL)
                *field = i;
            return err;
        }
    }
    return SO_OK;
}

enum so_err so_audit_event_check(const struct so_audit_event *ev, int *field)
{
    size_t len[SO_AUDIT_NFIELDS];

    if (ev == NULL)
        return SO_EINVAL;
    return event_check(ev, len, field);
}

enum so_err so_audit_record_set(struct so_audit_record *rec,
                                const struct so_audit_event *ev)
{
    size_t len[SO_AUDIT_NFIELDS];
    enum so_err err;
    int i;

    if (rec == NULL || ev == NULL)
        return SO_EINVAL;
    err = event_check(ev, len, NULL);
    if (err != SO_OK)
        return err;
    rec->seq = 0;
    rec->at_us = ev->at_us;
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        char *dst = field_slot(rec, i);

        memcpy(dst, event_field(ev, i), len[i]);
        dst[len[i]] = '\0';
    }
    return SO_OK;
}

enum so_err so_audit_record_check(const struct so_audit_record *rec)
{
    enum so_err err;
    size_t len;
    int i;

    if (rec == NULL)
        return SO_EINVAL;
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        err = field_check(i, so_audit_field(rec, i), &len);
        if (err != SO_OK)
            return err;
    }
    return SO_OK;
}

static uint8_t *put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(u & 0xff);
        u >>= 8;
    }
    return p + 8;
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

size_t so_audit_canonical(const struct so_audit_record *rec, uint8_t *buf)
{
    uint8_t *p = buf;
    int i;

    *p++ = SO_AUDIT_FORMAT_VERSION;
    p = put_be64(p, rec->seq);
    p = put_be64(p, rec->at_us);
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        const char *f = so_audit_field(rec, i);
        size_t n = strnlen(f, field_max[i]);

        p = put_be32(p, (uint32_t)n);
        memcpy(p, f, n);
        p += n;
    }
    return (size_t)(p - buf);
}

/* ERRBUF = "audit hash: STEP: <OpenSSL's first reason>"; drains the rest
 * of the error queue. */
static void crypto_error(char *errbuf, size_t errlen, const char *step)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "no reason given";

    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "audit hash: %s: %s", step, reason);
    ERR_clear_error();
}

enum so_err so_audit_hash(const uint8_t prev[SO_AUDIT_HASH_LEN],
                          const struct so_audit_record *rec,
                          uint8_t out[SO_AUDIT_HASH_LEN], char *errbuf,
                          size_t errlen)
{
    uint8_t buf[SO_AUDIT_CANON_MAX];
    unsigned int outlen = 0;
    enum so_err err = SO_ENOMEM;
    EVP_MD_CTX *ctx;
    size_t len;

    if (so_audit_record_check(rec) != SO_OK) {
        if (errbuf != NULL && errlen > 0)
            snprintf(errbuf, errlen, "audit hash: record %lld is invalid",
                     (long long)rec->seq);
        return SO_EINVAL;
    }
    len = so_audit_canonical(rec, buf);
    ERR_clear_error();
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        crypto_error(errbuf, errlen, "cannot allocate a digest context");
        return SO_ENOMEM;
    }
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        crypto_error(errbuf, errlen, "cannot start SHA-256");
        goto out_ctx;
    }
    if (EVP_DigestUpdate(ctx, prev, SO_AUDIT_HASH_LEN) != 1 ||
        EVP_DigestUpdate(ctx, buf, len) != 1) {
        crypto_error(errbuf, errlen, "cannot digest the record");
        goto out_ctx;
    }
    if (EVP_DigestFinal_ex(ctx, out, &outlen) != 1 ||
        outlen != SO_AUDIT_HASH_LEN) {
        crypto_error(errbuf, errlen, "cannot finish SHA-256");
        goto out_ctx;
    }
    err = SO_OK;
out_ctx:
    EVP_MD_CTX_free(ctx);
    return err;
}

enum so_audit_link
so_audit_chain_check(int64_t expect_seq,
                     const uint8_t expect_prev[SO_AUDIT_HASH_LEN],
                     const struct so_audit_record *rec,
                     const uint8_t prev_hash[SO_AUDIT_HASH_LEN],
                     const uint8_t hash[SO_AUDIT_HASH_LEN])
{
    uint8_t got[SO_AUDIT_HASH_LEN];

    if (rec->seq != expect_seq)
        return SO_AUDIT_LINK_SEQ;
    if (memcmp(prev_hash, expect_prev, SO_AUDIT_HASH_LEN) != 0)
        return SO_AUDIT_LINK_PREV;
    if (so_audit_record_check(rec) != SO_OK)
        return SO_AUDIT_LINK_CONTENTS;
    if (so_audit_hash(prev_hash, rec, got, NULL, 0) != SO_OK)
        return SO_AUDIT_LINK_ERROR;
    if (memcmp(got, hash, SO_AUDIT_HASH_LEN) != 0)
        return SO_AUDIT_LINK_CONTENTS;
    return SO_AUDIT_LINK_OK;
}

/*
 * The queue: a ring of SIZE slots, SIZE a power of two. HEAD counts pushes
 * and is written only by the producer, TAIL counts pops and is written
 * only by the consumer; each publishes with release and reads the other's
 * with acquire, so a slot is never read while it is being written.
 */
struct so_audit_queue {
    _Alignas(64) atomic_size_t head;
    _Alignas(64) atomic_size_t tail;
    _Alignas(64) atomic_uint_least64_t dropped;
    atomic_uint_least64_t refused;
    size_t mask;
    struct so_audit_record *slots;
};

struct so_audit_queue *so_audit_queue_new(size_t capacity)
{
    struct so_audit_queue *q;
    size_t size = 2;

    while (size < capacity && size < ((size_t)1 << 30))
        size <<= 1;
    q = aligned_alloc(64, (sizeof(*q) + 63) / 64 * 64);
    if (q == NULL)
        return NULL;
    q->slots = calloc(size, sizeof(*q->slots));
    if (q->slots == NULL) {
        free(q);
        return NULL;
    }
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->dropped, 0);
    atomic_init(&q->refused, 0);
    q->mask = size - 1;
    return q;
}

void so_audit_queue_free(struct so_audit_queue *q)
{
    if (q == NULL)
        return;
    free(q->slots);
    free(q);
}

enum so_err so_audit_queue_push(struct so_audit_queue *q,
                                const struct so_audit_event *ev)
{
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    enum so_err err;

    if (head - tail > q->mask) {
        atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
        return SO_ELIMIT;
    }
    err = so_audit_record_set(&q->slots[head & q->mask], ev);
    if (err != SO_OK) {
        atomic_fetch_add_explicit(&q->refused, 1, memory_order_relaxed);
        return err;
    }
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
    return SO_OK;
}

/* Copies SRC to DST field by field, so a short record costs little. */
static void record_move(struct so_audit_record *dst,
                        const struct so_audit_record *src)
{
    int i;

    dst->seq = src->seq;
    dst->at_us = src->at_us;
    for (i = 0; i < SO_AUDIT_NFIELDS; i++) {
        const char *f = so_audit_field(src, i);

        memcpy(field_slot(dst, i), f, strlen(f) + 1);
    }
}

size_t so_audit_queue_pop(struct so_audit_queue *q, struct so_audit_record *out,
                          size_t max)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    size_t n = 0;

    while (n < max && tail + n != head) {
        record_move(&out[n], &q->slots[(tail + n) & q->mask]);
        n++;
    }
    atomic_store_explicit(&q->tail, tail + n, memory_order_release);
    return n;
}

size_t so_audit_queue_len(const struct so_audit_queue *q)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);

    return head - tail;
}

size_t so_audit_queue_capacity(const struct so_audit_queue *q)
{
    return q->mask + 1;
}

uint64_t so_audit_queue_dropped(const struct so_audit_queue *q)
{
    return atomic_load_explicit(&q->dropped, memory_order_relaxed);
}

uint64_t so_audit_queue_refused(const struct so_audit_queue *q)
{
    return atomic_load_explicit(&q->refused, memory_order_relaxed);
}
