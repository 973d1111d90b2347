/*
 * test_rate.c - per-requester token buckets: bursts, refills, the seconds
 * to wait, and which bucket a full table gives up.
 */
#include <stdio.h>
#include <string.h>

#include "so_rate.h"
#include "so_test.h"

/* One call of so_rate_take and what it must answer. */
struct rate_step {
    const char *key;
    uint64_t now_ms;
    bool allowed;
    unsigned retry_s; /* checked when refused */
};

#define STEPS_MAX 24

static const struct {
    const char *name;
    unsigned burst;
    unsigned per_minute;
    size_t slots;
    struct rate_step step[STEPS_MAX]; /* up to the first NULL key */
} scenarios[] = {
    {"burst, then one a second",
     3,
     60,
     8,
     {{"a@x", 0, true, 0},
      {"a@x", 0, true, 0},
      {"a@x", 10, true, 0},
      {"a@x", 20, false, 1},
      {"a@x", 500, false, 1},
      {"a@x", 1010, true, 0},
      {"a@x", 1020, false, 1},
      /* nine seconds idle: full again, not more */
      {"a@x", 10000, true, 0},
      {"a@x", 10000, true, 0},
      {"a@x", 10000, true, 0},
      {"a@x", 10000, false, 1},
      {NULL, 0, false, 0}}},
    {"keys are separate",
     1,
     60,
     8,
     {{"a@x", 0, true, 0},
      {"a@x", 0, false, 1},
      {"b@x", 0, true, 0},
      {"A@x", 0, true, 0},
      {"b@x", 100, false, 1},
      {"", 100, true, 0},
      {NULL, 0, false, 0}}},
    {"retry seconds, two a minute",
     1,
     2,
     8,
     {{"a@x", 1000, true, 0},
      {"a@x", 1000, false, 30},
      {"a@x", 11000, false, 20},
      {"a@x", 30001, false, 1},
      {"a@x", 31000, true, 0},
      {"a@x", 31000, false, 30},
      {NULL, 0, false, 0}}},
    {"refused takes still refill",
     2,
     60,
     8,
     {{"a@x", 0, true, 0},
      {"a@x", 0, true, 0},
      {"a@x", 400, false, 1},
      {"a@x", 800, false, 1},
      {"a@x", 1000, true, 0},
      {NULL, 0, false, 0}}},
    {"a clock going back earns nothing",
     1,
     60,
     8,
     {{"a@x", 5000, true, 0},
      {"a@x", 1000, false, 1},
      {"a@x", 5999, false, 1},
      {"a@x", 6000, true, 0},
      {NULL, 0, false, 0}}},
    {"full table gives up the idlest bucket",
     1,
     1,
     2,
     {{"a@x", 0, true, 0},
      {"b@x", 1, true, 0},
      /* c takes a's bucket: a was idle longest */
      {"c@x", 2, true, 0},
      /* b keeps its empty bucket */
      {"b@x", 3, false, 60},
      /* a comes back full; c, idler than b, gives up its bucket */
      {"a@x", 4, true, 0},
      {"b@x", 5, false, 60},
      /* c comes back full; a (used at 4) goes, b (used at 5) stays */
      {"c@x", 6, true, 0},
      {"b@x", 7, false, 60},
      {"a@x", 8, true, 0},
      {NULL, 0, false, 0}}},
    {"one slot",
     1,
     1,
     1,
     {{"a@x", 0, true, 0},
      {"a@x", 0, false, 60},
      {"b@x", 0, true, 0},
      {"a@x", 0, true, 0},
      {NULL, 0, false, 0}}},
    {"far in the future",
     5,
     1000,
     4,
     {{"a@x", UINT64_MAX - 1, true, 0},
      {"a@x", UINT64_MAX, true, 0},
      {"b@x", UINT64_MAX, true, 0},
      {NULL, 0, false, 0}}},
};

START_TEST(test_scenario)
{
    struct so_rate *rate = so_rate_new(
        scenarios[_i].burst, scenarios[_i].per_minute, scenarios[_i].slots);
    const struct rate_step *s;
    unsigned retry;
    bool allowed;
    size_t k;

    ck_assert_ptr_nonnull(rate);
    for (k = 0; k < STEPS_MAX && scenarios[_i].step[k].key != NULL; k++) {
        s = &scenarios[_i].step[k];
        retry = 0;
        allowed = so_rate_take(rate, s->key, s->now_ms, &retry);
        ck_assert_msg(allowed == s->allowed,
                      "%s, step %zu ('%s' at %llu): expected %s, got %s",
                      scenarios[_i].name, k, s->key,
                      (unsigned long long)s->now_ms,
                      s->allowed ? "allowed" : "refused",
                      allowed ? "allowed" : "refused");
        if (!allowed)
            ck_assert_msg(retry == s->retry_s,
                          "%s, step %zu: expected retry %u s, got %u s",
                          scenarios[_i].name, k, s->retry_s, retry);
    }
    so_rate_free(rate);
}
END_TEST

/* Many more keys than slots: every new key gets its burst, and the most
 * recent keys keep their buckets. */
START_TEST(test_churn)
{
    struct so_rate *rate = so_rate_new(2, 6, 16);
    char key[32];
    unsigned retry;
    int i;

    ck_assert_ptr_nonnull(rate);
    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "user%d@x", i);
        ck_assert_msg(so_rate_take(rate, key, (uint64_t)i, NULL),
                      "new key %s: expected allowed, got refused", key);
        ck_assert(so_rate_take(rate, key, (uint64_t)i, NULL));
        ck_assert_msg(!so_rate_take(rate, key, (uint64_t)i, &retry),
                      "key %s: expected refused after its burst", key);
        ck_assert_uint_eq(retry, 10);
    }
    /* the last sixteen are still known, and still empty */
    for (i = 4984; i < 5000; i++) {
        snprintf(key, sizeof(key), "user%d@x", i);
        ck_assert_msg(!so_rate_take(rate, key, 5000, NULL),
                      "recent key %s: expected refused, got allowed", key);
    }
    so_rate_free(rate);
}
END_TEST

START_TEST(test_new)
{
    struct so_rate *rate;

    ck_assert_ptr_null(so_rate_new(0, 30, 10));
    ck_assert_ptr_null(so_rate_new(10, 0, 10));
    ck_assert_ptr_null(so_rate_new(10, 30, 0));
    rate = so_rate_new(10, 30, 1);
    ck_assert_ptr_nonnull(rate);
    so_rate_free(rate);
    so_rate_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rate");
    TCase *tc = tcase_create("rate");

    tcase_add_loop_test(tc, test_scenario, 0, SO_TEST_COUNT(scenarios));
    tcase_add_test(tc, test_churn);
    tcase_add_test(tc, test_new);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
