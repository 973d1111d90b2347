/*
 * test_audit.c - audit records: validation, the canonical form's hash, the
 * chain check and the bounded queue.
 *
 * The known answers were computed independently with Python's hashlib over
 * the form documented in docs/modules/audit.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_audit.h"
#include "so_test.h"

#define ZERO32                                                                 \
    "0000000000000000000000000000000000000000000000000000000000000000"
#define ONES32                                                                 \
    "1111111111111111111111111111111111111111111111111111111111111111"

static void hex_decode(const char *hex, uint8_t out[SO_AUDIT_HASH_LEN])
{
    int i;

    for (i = 0; i < SO_AUDIT_HASH_LEN; i++) {
        unsigned v;

        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void hex_encode(const uint8_t in[SO_AUDIT_HASH_LEN], char *out)
{
    int i;

    for (i = 0; i < SO_AUDIT_HASH_LEN; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static void record_make(struct so_audit_record *rec,
                        const struct so_audit_event *ev, int64_t seq)
{
    enum so_err err = so_audit_record_set(rec, ev);

    ck_assert_msg(err == SO_OK, "record_set: expected SO_OK, got %s",
                  so_err_str(err));
    rec->seq = seq;
}

/* Known answers: prev, record, expected hash. */
static const struct {
    const char *prev;
    int64_t seq;
    struct so_audit_event ev;
    const char *hash;
} kats[] = {
    {ZERO32,
     1,
     {1700000000000000, "gov.pk", "omemo_policy", "refuse", "plaintext",
      "alice@gov.pk", "bob@gov.pk"},
     "10434b212f278151d374cd69bb1f522f079789eb15222177220815295afa5bbd"},
    {"10434b212f278151d374cd69bb1f522f079789eb15222177220815295afa5bbd",
     42,
     {-1, "lahore.gov.pk", "cli", "zone-add", "federation", "admin@gov.pk",
      NULL},
     "e93a8496a6318fe28c68b593653d2a88e236c40025a4e9bf87b2b22b16c3bf40"},
    {ONES32,
     7,
     {0, "gov.pk", "rollout", "refuse-login", "city-not-live",
      "\xd8\xb9\xd9\x84\xdb\x8c@gov.pk", ""},
     "31f44252ab2de17561d5df74025aac0829ee3196c65e6e0e9d1c9139503e32f0"},
};

START_TEST(test_audit_kat)
{
    struct so_audit_record *rec = malloc(sizeof(*rec));
    uint8_t prev[SO_AUDIT_HASH_LEN], out[SO_AUDIT_HASH_LEN];
    char got[2 * SO_AUDIT_HASH_LEN + 1];
    char errbuf[256] = "";
    enum so_err err;

    ck_assert_ptr_nonnull(rec);
    record_make(rec, &kats[_i].ev, kats[_i].seq);
    hex_decode(kats[_i].prev, prev);
    err = so_audit_hash(prev, rec, out, errbuf, sizeof(errbuf));
    ck_assert_msg(err == SO_OK, "expected SO_OK, got %s (%s)", so_err_str(err),
                  errbuf);
    hex_encode(out, got);
    ck_assert_msg(strcmp(got, kats[_i].hash) == 0,
                  "seq %lld: expected %s, got %s", (long long)kats[_i].seq,
                  kats[_i].hash, got);
    free(rec);
}
END_TEST

/* Each change to a record or to the previous hash changes the hash. */
enum change {
    CH_SEQ,
    CH_AT,
    CH_FIELD0, /* host .. object follow */
    CH_PREV = CH_FIELD0 + SO_AUDIT_NFIELDS,
    CH_SHIFT, /* move a byte from one field to the next */
    CH_COUNT,
};

static void apply_change(struct so_audit_record *rec, uint8_t *prev, int ch)
{
    if (ch == CH_SEQ) {
        rec->seq++;
    } else if (ch == CH_AT) {
        rec->at_us++;
    } else if (ch < CH_PREV) {
        char *f = (char *)so_audit_field(rec, ch - CH_FIELD0);
        size_t n = strlen(f);

        if (n == 0)
            strcpy(f, "x");
        else
            f[n - 1] ^= 0x01;
    } else if (ch == CH_PREV) {
        prev[31] ^= 0x80;
    } else {
        /* "refuse" + "plaintext" becomes "refus" + "eplaintext" */
        rec->decision[strlen(rec->decision) - 1] = '\0';
        memmove(rec->rule + 1, rec->rule, strlen(rec->rule) + 1);
        rec->rule[0] = 'e';
    }
}

START_TEST(test_audit_change)
{
    struct so_audit_record *rec = malloc(sizeof(*rec));
    uint8_t prev[SO_AUDIT_HASH_LEN], base[SO_AUDIT_HASH_LEN];
    uint8_t out[SO_AUDIT_HASH_LEN];
    char want[2 * SO_AUDIT_HASH_LEN + 1], got[2 * SO_AUDIT_HASH_LEN + 1];

    ck_assert_ptr_nonnull(rec);
    record_make(rec, &kats[0].ev, kats[0].seq);
    hex_decode(kats[0].prev, prev);
    ck_assert(so_audit_hash(prev, rec, base, NULL, 0) == SO_OK);
    apply_change(rec, prev, _i);
    ck_assert(so_audit_record_check(rec) == SO_OK);
    ck_assert(so_audit_hash(prev, rec, out, NULL, 0) == SO_OK);
    hex_encode(base, want);
    hex_encode(out, got);
    ck_assert_msg(strcmp(want, got) != 0,
                  "change %d: expected a hash other than %s, got %s", _i, want,
                  got);
    free(rec);
}
END_TEST

static char long_field[SO_AUDIT_SUBJECT_MAX + 2];

static const struct {
    const char *what;
    struct so_audit_event ev;
    enum so_err want;
} validity[] = {
    {"complete", {0, "h", "m", "d", "r", "s", "o"}, SO_OK},
    {"no subject, object", {0, "h", "m", "d", "r", NULL, NULL}, SO_OK},
    {"Urdu", {0, "h", "m", "d", "r", "\xd8\xb9@x", ""}, SO_OK},
    {"four-byte", {0, "h", "m", "d", "r", "\xf0\x9f\x98\x80", ""}, SO_OK},
    {"no host", {0, "", "m", "d", "r", "", ""}, SO_EINVAL},
    {"no module", {0, "h", NULL, "d", "r", "", ""}, SO_EINVAL},
    {"no decision", {0, "h", "m", "", "r", "", ""}, SO_EINVAL},
    {"no rule", {0, "h", "m", "d", "", "", ""}, SO_EINVAL},
    {"newline", {0, "h", "m", "d", "r\n", "", ""}, SO_EINVAL},
    {"tab", {0, "h", "m", "d", "r", "a\tb", ""}, SO_EINVAL},
    {"DEL", {0, "h", "m", "d", "r", "", "\x7f"}, SO_EINVAL},
    {"C1 control", {0, "h", "m", "d", "r", "\xc2\x85", ""}, SO_EINVAL},
    {"overlong", {0, "h", "m", "d", "r", "\xc0\xaf", ""}, SO_EINVAL},
    {"surrogate", {0, "h", "m", "d", "r", "\xed\xa0\x80", ""}, SO_EINVAL},
    {"truncated", {0, "h", "m", "d", "r", "\xe2\x82", ""}, SO_EINVAL},
    {"above U+10FFFF",
     {0, "h", "m", "d", "r", "\xf4\x90\x80\x80", ""},
     SO_EINVAL},
    {"too long", {0, "h", "m", "d", "r", long_field, ""}, SO_ELIMIT},
};

START_TEST(test_audit_validity)
{
    struct so_audit_record *rec = malloc(sizeof(*rec));
    enum so_err got;

    ck_assert_ptr_nonnull(rec);
    memset(long_field, 'a', sizeof(long_field) - 1);
    got = so_audit_record_set(rec, &validity[_i].ev);
    ck_assert_msg(got == validity[_i].want, "%s: expected %s, got %s",
                  validity[_i].what, so_err_str(validity[_i].want),
                  so_err_str(got));
    free(rec);
}
END_TEST

/* A chain of three; each case breaks one link the way an attacker would. */
enum breakage { BR_NONE, BR_GAP, BR_PREV, BR_CONTENTS };

static const struct {
    const char *what;
    enum breakage br;
    enum so_audit_link want;
} links[] = {
    {"intact", BR_NONE, SO_AUDIT_LINK_OK},
    {"record 2 deleted", BR_GAP, SO_AUDIT_LINK_SEQ},
    {"record 3 chained elsewhere", BR_PREV, SO_AUDIT_LINK_PREV},
    {"record 3 changed", BR_CONTENTS, SO_AUDIT_LINK_CONTENTS},
};

START_TEST(test_audit_chain)
{
    struct so_audit_record *rec = malloc(3 * sizeof(*rec));
    uint8_t hash[3][SO_AUDIT_HASH_LEN], zero[SO_AUDIT_HASH_LEN] = {0};
    uint8_t prev3[SO_AUDIT_HASH_LEN];
    enum so_audit_link got;
    int i;

    ck_assert_ptr_nonnull(rec);
    for (i = 0; i < 3; i++) {
        record_make(&rec[i], &kats[0].ev, i + 1);
        ck_assert(so_audit_hash(i == 0 ? zero : hash[i - 1], &rec[i], hash[i],
                                NULL, 0) == SO_OK);
    }
    memcpy(prev3, hash[1], sizeof(prev3));
    if (links[_i].br == BR_PREV)
        prev3[0] ^= 1;
    if (links[_i].br == BR_CONTENTS)
        strcpy(rec[2].decision, "allow");
    /* after a deletion, record 3 follows record 1 */
    if (links[_i].br == BR_GAP)
        got = so_audit_chain_check(2, hash[0], &rec[2], prev3, hash[2]);
    else
        got = so_audit_chain_check(3, hash[1], &rec[2], prev3, hash[2]);
    ck_assert_msg(got == links[_i].want, "%s: expected %d, got %d",
                  links[_i].what, links[_i].want, got);
    free(rec);
}
END_TEST

START_TEST(test_audit_queue)
{
    struct so_audit_queue *q = so_audit_queue_new(3);
    struct so_audit_record *out = malloc(4 * sizeof(*out));
    struct so_audit_event ev = kats[0].ev;
    struct so_audit_event bad = {0, "h", "m", "d", "r\n", NULL, NULL};
    size_t n;
    int i;

    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(so_audit_queue_capacity(q), 4);
    for (i = 0; i < 4; i++) {
        ev.at_us = i;
        ck_assert_int_eq(so_audit_queue_push(q, &ev), SO_OK);
    }
    ev.at_us = 99;
    ck_assert_int_eq(so_audit_queue_push(q, &ev), SO_ELIMIT);
    ck_assert_uint_eq(so_audit_queue_dropped(q), 1);
    ck_assert_int_eq(so_audit_queue_push(q, &bad), SO_ELIMIT);
    ck_assert_uint_eq(so_audit_queue_dropped(q), 2);
    ck_assert_uint_eq(so_audit_queue_len(q), 4);

    n = so_audit_queue_pop(q, out, 3);
    ck_assert_uint_eq(n, 3);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(out[i].at_us, i);
    ck_assert_str_eq(out[0].subject, "alice@gov.pk");

    ck_assert_int_eq(so_audit_queue_push(q, &bad), SO_EINVAL);
    ck_assert_uint_eq(so_audit_queue_refused(q), 1);
    for (i = 4; i < 7; i++) {
        ev.at_us = i;
        ck_assert_int_eq(so_audit_queue_push(q, &ev), SO_OK);
    }
    n = so_audit_queue_pop(q, out, 4);
    ck_assert_uint_eq(n, 4);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(out[i].at_us, i + 3);
    ck_assert_uint_eq(so_audit_queue_pop(q, out, 4), 0);
    ck_assert_uint_eq(so_audit_queue_dropped(q), 2);
    free(out);
    so_audit_queue_free(q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("audit");

    tcase_add_loop_test(tc, test_audit_kat, 0, SO_TEST_COUNT(kats));
    tcase_add_loop_test(tc, test_audit_change, 0, CH_COUNT);
    tcase_add_loop_test(tc, test_audit_validity, 0, SO_TEST_COUNT(validity));
    tcase_add_loop_test(tc, test_audit_chain, 0, SO_TEST_COUNT(links));
    tcase_add_test(tc, test_audit_queue);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
