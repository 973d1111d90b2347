/*
 * test_zones.c - federation decisions against a zone set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_zones.h"
#include "so_test.h"

static const char *const patterns[] = {
    "finance.gov.pk", "*.punjab.gov.pk", "*.example", "xn--bcher-kva.example",
    "health.gov.pk",  "*.health.gov.pk", "localhost", "finance.gov.pk",
};

static const struct {
    const char *domain;
    bool allowed;
} decide_cases[] = {
    {"finance.gov.pk", true},
    {"x.finance.gov.pk", false}, /* exact means exactly */
    {"gov.pk", false},
    {"pk", false},
    {"punjab.gov.pk", false}, /* a wildcard excludes its own domain */
    {"lahore.punjab.gov.pk", true},
    {"a.b.lahore.punjab.gov.pk", true},
    {"xpunjab.gov.pk", false},
    {"punjab.gov.pk.evil", false},
    {"example", false},
    {"anything.example", true},
    {"xn--bcher-kva.example", true},
    {"health.gov.pk", true},
    {"mail.health.gov.pk", true},
    {"localhost", true},
    {"sub.localhost", false},
    {"finance.gov.p", false},
    {"inance.gov.pk", false},
    {".example", false},
    {"", false},
};

START_TEST(test_decide)
{
    enum so_err err;
    struct so_zones *z =
        so_zones_new(patterns, sizeof(patterns) / sizeof(patterns[0]), &err);
    bool got;

    ck_assert_msg(z != NULL, "so_zones_new: expected a set, got error %d", err);
    got = so_zones_allows(z, decide_cases[_i].domain);
    ck_assert_msg(got == decide_cases[_i].allowed, "'%s': expected %s, got %s",
                  decide_cases[_i].domain,
                  decide_cases[_i].allowed ? "allow" : "deny",
                  got ? "allow" : "deny");
    so_zones_free(z);
}
END_TEST

/* Seven distinct patterns: the duplicate counts once; x and *.x twice. */
START_TEST(test_count)
{
    enum so_err err;
    struct so_zones *z =
        so_zones_new(patterns, sizeof(patterns) / sizeof(patterns[0]), &err);

    ck_assert_ptr_nonnull(z);
    ck_assert_uint_eq(so_zones_count(z), 7);
    so_zones_free(z);
}
END_TEST

START_TEST(test_default_deny)
{
    enum so_err err;
    struct so_zones *z = so_zones_new(NULL, 0, &err);

    ck_assert_ptr_nonnull(z);
    ck_assert(!so_zones_allows(z, "finance.gov.pk"));
    ck_assert(!so_zones_allows(NULL, "finance.gov.pk"));
    ck_assert(!so_zones_allows(z, NULL));
    so_zones_free(z);
    so_zones_free(NULL);
}
END_TEST

/* Patterns not in normalised form are refused, not silently never hit. */
static const char *const bad_patterns[] = {
    "Finance.gov.pk", "finance.gov.pk.", "*", "*.",  "a..b", ".a",
    "a.*.b",          "bücher.example",  "",  "a b",
};

START_TEST(test_bad_pattern)
{
    enum so_err err = SO_OK;
    const char *one[1] = {bad_patterns[_i]};
    struct so_zones *z = so_zones_new(one, 1, &err);

    ck_assert_msg(z == NULL && err == SO_EINVAL,
                  "'%s': expected SO_EINVAL, got %s (%d)", bad_patterns[_i],
                  z != NULL ? "a set" : "no set", err);
    so_zones_free(z);
}
END_TEST

/* Many zones: every inserted one is found, their neighbours are not. */
START_TEST(test_many)
{
    enum { N = 5000 };
    static char names[N][32];
    const char *ptrs[N];
    char probe[48];
    enum so_err err;
    struct so_zones *z;
    size_t i;

    for (i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "%sd%zu.gov.pk", i % 2 ? "*." : "",
                 i);
        ptrs[i] = names[i];
    }
    z = so_zones_new(ptrs, N, &err);
    ck_assert_ptr_nonnull(z);
    for (i = 0; i < N; i++) {
        snprintf(probe, sizeof(probe), "d%zu.gov.pk", i);
        ck_assert_msg(so_zones_allows(z, probe) == (i % 2 == 0),
                      "'%s': expected %d", probe, i % 2 == 0);
        snprintf(probe, sizeof(probe), "x.d%zu.gov.pk", i);
        ck_assert_msg(so_zones_allows(z, probe) == (i % 2 == 1),
                      "'%s': expected %d", probe, i % 2 == 1);
        snprintf(probe, sizeof(probe), "d%zu.gov.pk", i + N);
        ck_assert_msg(!so_zones_allows(z, probe), "'%s': expected 0", probe);
    }
    so_zones_free(z);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zones");
    TCase *tc = tcase_create("zones");

    tcase_add_loop_test(tc, test_decide, 0, SO_TEST_COUNT(decide_cases));
    tcase_add_test(tc, test_count);
    tcase_add_test(tc, test_default_deny);
    tcase_add_loop_test(tc, test_bad_pattern, 0, SO_TEST_COUNT(bad_patterns));
    tcase_add_test(tc, test_many);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
