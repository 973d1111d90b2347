/*
 * test_jid.c - JID splitting and comparisons.
 */
#include <stdlib.h>
#include <string.h>

#include "so_jid.h"
#include "so_test.h"

static const struct {
    const char *jid;
    bool ok;
    const char *local, *domain, *resource; /* NULL: absent */
} split_cases[] = {
    {"romeo@montague.lit/orchard", true, "romeo", "montague.lit", "orchard"},
    {"romeo@montague.lit", true, "romeo", "montague.lit", NULL},
    {"montague.lit", true, NULL, "montague.lit", NULL},
    {"montague.lit/res@x", true, NULL, "montague.lit", "res@x"},
    {"room@conference.lit/nick/with/slash", true, "room", "conference.lit",
     "nick/with/slash"},
    {"a@b/", true, "a", "b", ""},
    {"", false, NULL, "", NULL},
    {"romeo@", false, "romeo", "", NULL},
    {"/res", false, NULL, "", "res"},
};

static void expect_part(const char *what, const char *jid, const char *want,
                        const char *got, size_t len, bool present)
{
    if (want == NULL) {
        ck_assert_msg(!present || len == 0, "%s of '%s': expected none", what,
                      jid);
        return;
    }
    ck_assert_msg(strlen(want) == len && strncmp(want, got, len) == 0,
                  "%s of '%s': expected '%s', got '%.*s'", what, jid, want,
                  (int)len, got != NULL ? got : "");
}

START_TEST(test_split)
{
    struct so_jid j;
    bool ok = so_jid_split(split_cases[_i].jid, &j);

    ck_assert_msg(ok == split_cases[_i].ok, "'%s': expected %d, got %d",
                  split_cases[_i].jid, split_cases[_i].ok, ok);
    expect_part("local", split_cases[_i].jid, split_cases[_i].local, j.local,
                j.local_len, j.local != NULL);
    expect_part("domain", split_cases[_i].jid, split_cases[_i].domain, j.domain,
                j.domain_len, true);
    expect_part("resource", split_cases[_i].jid, split_cases[_i].resource,
                j.resource, j.resource_len, j.has_resource);
}
END_TEST

static const struct {
    const char *jid;
    const char *other;
    bool bare_eq;
    bool under;
} cmp_cases[] = {
    {"Romeo@Montague.LIT/x", "romeo@montague.lit", true, false},
    {"romeo@montague.lit", "romeo@montague.lit", true, false},
    {"romeo@montague.lit", "juliet@montague.lit", false, false},
    {"romeo@montague.lit", "romeox@montague.lit", false, false},
    {"romeo@montague.lit", "montague.lit", false, true},
    {"montague.lit", "montague.lit", true, true},
    {"conference.montague.lit", "montague.lit", false, true},
    {"evilmontague.lit", "montague.lit", false, false},
    {"montague.lit.evil", "montague.lit", false, false},
    {"lit", "montague.lit", false, false},
    {"Directory.Example.GOV/x", "example.gov", false, true},
};

START_TEST(test_compare)
{
    struct so_jid j;
    bool eq, under;

    ck_assert(so_jid_split(cmp_cases[_i].jid, &j));
    eq = so_jid_bare_eq(&j, cmp_cases[_i].other);
    under = so_jid_domain_under(&j, cmp_cases[_i].other);
    ck_assert_msg(eq == cmp_cases[_i].bare_eq,
                  "bare_eq('%s', '%s'): expected %d, got %d", cmp_cases[_i].jid,
                  cmp_cases[_i].other, cmp_cases[_i].bare_eq, eq);
    ck_assert_msg(under == cmp_cases[_i].under,
                  "domain_under('%s', '%s'): expected %d, got %d",
                  cmp_cases[_i].jid, cmp_cases[_i].other, cmp_cases[_i].under,
                  under);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jid");
    TCase *tc = tcase_create("jid");

    tcase_add_loop_test(tc, test_split, 0, SO_TEST_COUNT(split_cases));
    tcase_add_loop_test(tc, test_compare, 0, SO_TEST_COUNT(cmp_cases));
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
