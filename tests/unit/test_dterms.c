/*
 * test_dterms.c - the search terms of sample directory entries, units and
 * cities.
 */
#include <stdio.h>
#include <string.h>

#include "so_dterms.h"
#include "so_fold.h"
#include "so_test.h"

static const char *const units_code[] = {"FIN-ACC", "FIN", "GOP"};

static const struct so_dentry entries[] = {
    {"Syed Muhammad Ali Shah", "سید محمد علی شاہ", "Deputy Secretary", 19,
     "ISB", 3, units_code},
    {"Mohd. Zaheer Khan", "محمد ظھیر خاں", "Section Officer (Admin)", 17, "LHR",
     1, units_code},
    {"Ali Ali", "علی علي على", "Ali", 0, NULL, 0, NULL},
    {"Ahmed From Swat", "احمد سے سوات", "Director of Finance and Accounts", 20,
     "KHI", 1, units_code},
};

/* What the terms of entries[entry] must and must not hold, '|' between
 * terms. */
static const struct {
    int entry;
    const char *name_key;
    const char *has;
    const char *lacks;
} term_cases[] = {
    {0, "syed muhammad ali shah",
     "=syed|^sy|^sye|^syed|=muhammad|^mu|^muhammad|=ali|^al|^ali|=shah|"
     "=سید|^سی|=محمد|^مح|^محمد|=علی|^عل|=شاہ|"
     "d:deputy|d:secretary|D:deputy secretary|u:FIN-ACC|u:FIN|u:GOP|c:ISB|"
     "g:19",
     "^s|^m|^a|^س|d:of|^deputy|D:deputy|D:secretary|D:Deputy "
     "Secretary|^islamabad|~=علی|=|^|"
     "=syed muhammad ali shah|^secretary|"
     /* designation words are not whole-word terms, and unit and city
      * names are not employee terms at all */
     "=deputy|=secretary|=accounts|=wing|=finance|=division|=government|"
     "=of|=pakistan|=اکاونٹس|=ونگ|=فنانس|=ڈویژن|=حکومت|=پاکستان|"
     "=islamabad|=اسلام|=اباد"},
    {1, "muhammad zaheer khan",
     "=muhammad|=zaheer|^za|^zah|^zaheer|=khan|=محمد|=ظھیر|^ظھ|^ظھی|"
     "~=ظہیر|~^ظہ|~^ظہی|~^ظہیر|=خاں|^خاں|~=خان|~^خان|^خا|"
     "d:section|d:officer|d:admin|D:section officer admin|u:FIN-ACC|c:LHR|"
     "g:17",
     "=mohd|D:section officer|D:section officer "
     "(admin)|u:FIN|u:GOP|~^خا|~=محمد|~^مح|=finance|=section|=officer|"
     "=admin|=lahore|=لاہور"},
    {2, "ali ali", "=ali|^al|^ali|=علی|^عل|^علی|d:ali|D:ali",
     "g:0|c:|u:|=علي|=على|D:|D:ali ali"},
    /* stopwords (from, سے; of, and) give no term, not even prefixes */
    {3, "ahmed from swat",
     "=ahmed|=swat|^sw|=احمد|=سوات|d:director|d:finance|d:accounts|"
     "D:director finance accounts|u:FIN-ACC|c:KHI|g:20",
     "D:director of finance and "
     "accounts|D:director|=from|^fr|^fro|^from|=سے|^سے|d:of|d:and|=of|=and|="
     "director"},
};

static bool holds(const struct so_dterms *t, const char *term, size_t len)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strlen(t->term[i]) == len && memcmp(t->term[i], term, len) == 0)
            return true;
    return false;
}

/* Checks every '|'-separated term of LIST is (WANT) or is not in T. */
static void expect_terms(const struct so_dterms *t, int entry, const char *list,
                         bool want)
{
    const char *p = list, *end;

    while (*p != '\0') {
        end = strchr(p, '|');
        if (end == NULL)
            end = p + strlen(p);
        ck_assert_msg(holds(t, p, (size_t)(end - p)) == want,
                      "entry %d: expected '%.*s' %s, got %s", entry,
                      (int)(end - p), p, want ? "present" : "absent",
                      want ? "absent" : "present");
        p = *end == '|' ? end + 1 : end;
    }
}

START_TEST(test_terms)
{
    int entry = term_cases[_i].entry;
    struct so_dterms t = {0};
    char key[128];
    enum so_err err;
    size_t i, j;

    err = so_dterms_build(&entries[entry], &t, key, sizeof(key));
    ck_assert_msg(err == SO_OK, "entry %d: expected ok, got %s", entry,
                  so_err_str(err));
    ck_assert_msg(strcmp(key, term_cases[_i].name_key) == 0,
                  "entry %d: expected name_key '%s', got '%s'", entry,
                  term_cases[_i].name_key, key);
    expect_terms(&t, entry, term_cases[_i].has, true);
    expect_terms(&t, entry, term_cases[_i].lacks, false);
    for (i = 0; i < t.n; i++)
        for (j = i + 1; j < t.n; j++)
            ck_assert_msg(strcmp(t.term[i], t.term[j]) != 0,
                          "entry %d: term '%s' twice", entry, t.term[i]);
    so_dterms_clear(&t);
    ck_assert_uint_eq(t.n, 0);
    ck_assert_ptr_null(t.term);
}
END_TEST

/* One so_dterms reused for many entries, as an import does: each build
 * starts empty. */
START_TEST(test_reuse)
{
    struct so_dterms t = {0};
    char key[128];
    size_t first, k;

    ck_assert(so_dterms_build(&entries[0], &t, key, sizeof(key)) == SO_OK);
    first = t.n;
    for (k = 0; k < 100; k++) {
        ck_assert(so_dterms_build(&entries[k % 3], &t, key, sizeof(key)) ==
                  SO_OK);
        if (k % 3 == 0)
            ck_assert_uint_eq(t.n, first);
    }
    ck_assert(so_dterms_build(&entries[2], &t, key, sizeof(key)) == SO_OK);
    ck_assert_str_eq(key, "ali ali");
    ck_assert(!holds(&t, "=syed", 5));
    so_dterms_clear(&t);
}
END_TEST

/* What the terms of a unit or city named EN and UR must and must not hold,
 * '|' between terms. */
static const struct {
    const char *en;
    const char *ur;
    const char *has;
    const char *lacks;
} place_cases[] = {
    {"Accounts Wing", "اکاؤنٹس ونگ", "=accounts|=wing|=اکاونٹس|=ونگ",
     "^ac|^accounts|u:FIN-ACC|=accounts wing|=|~=accounts"},
    {"Government of Pakistan", "حکومتِ پاکستان",
     "=government|=pakistan|=حکومت|=پاکستان", "=of|^go|=حکومتِ"},
    {"Dera Ghazi Khan", "ڈیرہ غازی خاں", "=dera|=ghazi|=khan|=غازی|=خاں|~=خان",
     "~=khan|^خا|~^خان|c:DGK"},
    {"Sukkur", "سکھر کا شہر", "=sukkur|=سکھر|=شہر", "=کا|~=کا"},
};

START_TEST(test_place)
{
    struct so_dterms t = {0};
    enum so_err err;
    size_t i, j;

    err = so_dterms_place(place_cases[_i].en, place_cases[_i].ur, &t);
    ck_assert_msg(err == SO_OK, "place %d: expected ok, got %s", _i,
                  so_err_str(err));
    expect_terms(&t, _i, place_cases[_i].has, true);
    expect_terms(&t, _i, place_cases[_i].lacks, false);
    for (i = 0; i < t.n; i++)
        for (j = i + 1; j < t.n; j++)
            ck_assert_msg(strcmp(t.term[i], t.term[j]) != 0,
                          "place %d: term '%s' twice", _i, t.term[i]);
    so_dterms_clear(&t);
}
END_TEST

/* A place whose name cannot be folded leaves no terms; the same
 * so_dterms serves entries and places in turn. */
START_TEST(test_place_refused)
{
    struct so_dterms t = {0};
    char key[128];
    enum so_err err;

    ck_assert(so_dterms_build(&entries[0], &t, key, sizeof(key)) == SO_OK);
    err = so_dterms_place("Lahore", "\xD8", &t);
    ck_assert_msg(err == SO_EINVAL, "bad UTF-8: expected %s, got %s",
                  so_err_str(SO_EINVAL), so_err_str(err));
    ck_assert_uint_eq(t.n, 0);
    err = so_dterms_place("Lahore", NULL, &t);
    ck_assert_msg(err == SO_OK, "no Urdu name: expected ok, got %s",
                  so_err_str(err));
    ck_assert_uint_eq(t.n, 1);
    ck_assert_str_eq(t.term[0], "=lahore");
    so_dterms_clear(&t);
}
END_TEST

/* Entries whose terms cannot be built. */
START_TEST(test_refused)
{
    struct so_dterms t = {0};
    struct so_dentry e = entries[0];
    char key[128];
    enum so_err err;

    e.designation = "Deputy\x01Secretary";
    err = so_dterms_build(&e, &t, key, sizeof(key));
    ck_assert_msg(err == SO_EINVAL, "control character: expected %s, got %s",
                  so_err_str(SO_EINVAL), so_err_str(err));
    ck_assert_uint_eq(t.n, 0);
    e = entries[0];
    e.name_ur = "\xD8";
    err = so_dterms_build(&e, &t, key, sizeof(key));
    ck_assert_msg(err == SO_EINVAL, "bad UTF-8: expected %s, got %s",
                  so_err_str(SO_EINVAL), so_err_str(err));
    e = entries[0];
    e.city_code = "IS\nB";
    err = so_dterms_build(&e, &t, key, sizeof(key));
    ck_assert_msg(err == SO_EINVAL, "bad code: expected %s, got %s",
                  so_err_str(SO_EINVAL), so_err_str(err));
    e = entries[0];
    err = so_dterms_build(&e, &t, key, 10);
    ck_assert_msg(err == SO_ELIMIT, "short name_key: expected %s, got %s",
                  so_err_str(SO_ELIMIT), so_err_str(err));
    ck_assert_str_eq(key, "");
    ck_assert_uint_eq(t.n, 0);
    so_dterms_clear(&t);
}
END_TEST

/* A long name: many prefixes, the hash set grows. */
START_TEST(test_large)
{
    struct so_dterms t = {0};
    struct so_dentry e = {0};
    char name[SO_FOLD_TEXT_MAX + 1];
    char key[SO_FOLD_TEXT_MAX + 1];
    size_t i;

    for (i = 0; i < 16; i++)
        snprintf(name + i * 64, 65, "%c%062zu ", 'a' + (int)i, i);
    e.name_en = name;
    e.name_ur = "علی";
    e.designation = "Officer";
    ck_assert(so_dterms_build(&e, &t, key, sizeof(key)) == SO_OK);
    /* per word: "=w" and 62 prefixes; then علی's 3 and officer's 2 ("d:"
     * and "D:") */
    ck_assert_uint_eq(t.n, 16 * 63 + 3 + 2);
    so_dterms_clear(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dterms");
    TCase *tc = tcase_create("dterms");

    tcase_add_loop_test(tc, test_terms, 0, SO_TEST_COUNT(term_cases));
    tcase_add_test(tc, test_reuse);
    tcase_add_loop_test(tc, test_place, 0, SO_TEST_COUNT(place_cases));
    tcase_add_test(tc, test_place_refused);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_large);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
