/*
 * test_warn.c - the warned-conversations table, as a script of calls.
 */
#include <stdio.h>
#include <stdlib.h>

#include "so_warn.h"
#include "so_test.h"

static const struct {
    const char *from, *to;
    unsigned long now, interval;
    bool due;
} steps[] = {
    {"romeo@montague.lit", "juliet@capulet.lit", 1000, 60, true},
    {"romeo@montague.lit", "juliet@capulet.lit", 1010, 60, false},
    {"ROMEO@Montague.lit", "Juliet@capulet.lit", 1020, 60, false},
    {"juliet@capulet.lit", "romeo@montague.lit", 1030, 60, true},
    {"romeo@montague.lit", "juliet@capulet.lit", 1059, 60, false},
    {"romeo@montague.lit", "juliet@capulet.lit", 1060, 60, true},
    {"romeo@montague.lit", "juliet@capulet.lit", 1061, 60, false},
    {"romeo@montague.lit", "juliet@capulet.lit", 500, 60, true}, /* clock */
    {"romeo@montague.lit", "nurse@capulet.lit", 2000, 0, true},
    {"romeo@montague.lit", "nurse@capulet.lit", 2000, 0, true},
};

START_TEST(test_warn_script)
{
    struct so_warn_table *t = so_warn_table_new(64);
    size_t i;

    ck_assert_ptr_nonnull(t);
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        bool got = so_warn_due(t, steps[i].from, steps[i].to, steps[i].now,
                               steps[i].interval);

        ck_assert_msg(got == steps[i].due,
                      "step %zu (%s -> %s at %lu): expected %d, got %d", i,
                      steps[i].from, steps[i].to, steps[i].now, steps[i].due,
                      got);
    }
    so_warn_table_free(t);
}
END_TEST

START_TEST(test_warn_bounded)
{
    /* One slot: every new conversation evicts the last; never a crash. */
    struct so_warn_table *t = so_warn_table_new(1);
    char from[32];
    int i;

    ck_assert_ptr_nonnull(t);
    for (i = 0; i < 1000; i++) {
        snprintf(from, sizeof(from), "u%d@x.lit", i);
        ck_assert(so_warn_due(t, from, "y@x.lit", 10, 100));
    }
    ck_assert(!so_warn_due(t, from, "y@x.lit", 11, 100));
    so_warn_table_free(t);
    ck_assert_ptr_nonnull((t = so_warn_table_new(0)));
    so_warn_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("warn");
    TCase *tc = tcase_create("warn");

    tcase_add_test(tc, test_warn_script);
    tcase_add_test(tc, test_warn_bounded);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
