/*
 * test_gate.c - the rollout's login gate: every rule of so_gate.h, and
 * the texts a refused person reads.
 */
#include <check.h>
#include <string.h>

#include "so_gate.h"
#include "so_test.h"

struct gate_case {
    const char *what;
    struct so_gate_input in;
    enum so_gate want;
};

#define STAFF(status, city)                                                    \
    {                                                                          \
        true, status, city, false, false, SO_ACCOUNT_NONE                      \
    }

static const struct gate_case gate_cases[] = {
    {"active, live city", STAFF(SO_EMP_ACTIVE, SO_CITY_LIVE), SO_GATE_ALLOW},
    {"active, pilot city", STAFF(SO_EMP_ACTIVE, SO_CITY_PILOT), SO_GATE_ALLOW},
    {"active, planned city", STAFF(SO_EMP_ACTIVE, SO_CITY_PLANNED),
     SO_GATE_PLANNED},
    {"active, paused city", STAFF(SO_EMP_ACTIVE, SO_CITY_PAUSED),
     SO_GATE_PAUSED},
    {"on leave, live city", STAFF(SO_EMP_ON_LEAVE, SO_CITY_LIVE),
     SO_GATE_ON_LEAVE},
    {"suspended, live city", STAFF(SO_EMP_SUSPENDED, SO_CITY_LIVE),
     SO_GATE_SUSPENDED},
    {"retired, live city", STAFF(SO_EMP_RETIRED, SO_CITY_LIVE),
     SO_GATE_RETIRED},
    {"not in the directory",
     {false, 0, 0, false, false, SO_ACCOUNT_NONE},
     SO_GATE_UNKNOWN},
    {"service account with a person exception",
     {false, 0, 0, false, true, SO_ACCOUNT_NONE},
     SO_GATE_ALLOW},
    {"person exception, planned city",
     {true, SO_EMP_ACTIVE, SO_CITY_PLANNED, false, true, SO_ACCOUNT_NONE},
     SO_GATE_ALLOW},
    {"person exception, on leave",
     {true, SO_EMP_ON_LEAVE, SO_CITY_PAUSED, false, true, SO_ACCOUNT_NONE},
     SO_GATE_ALLOW},
    {"person exception does not cover a suspension",
     {true, SO_EMP_SUSPENDED, SO_CITY_LIVE, false, true, SO_ACCOUNT_NONE},
     SO_GATE_SUSPENDED},
    {"person exception does not cover retirement",
     {true, SO_EMP_RETIRED, SO_CITY_LIVE, false, true, SO_ACCOUNT_NONE},
     SO_GATE_RETIRED},
    {"unit exception, planned city",
     {true, SO_EMP_ACTIVE, SO_CITY_PLANNED, true, false, SO_ACCOUNT_NONE},
     SO_GATE_ALLOW},
    {"unit exception, paused city",
     {true, SO_EMP_ACTIVE, SO_CITY_PAUSED, true, false, SO_ACCOUNT_NONE},
     SO_GATE_ALLOW},
    {"unit exception does not cover leave",
     {true, SO_EMP_ON_LEAVE, SO_CITY_LIVE, true, false, SO_ACCOUNT_NONE},
     SO_GATE_ON_LEAVE},
    {"deprovisioned, live city",
     {true, SO_EMP_ACTIVE, SO_CITY_LIVE, false, false,
      SO_ACCOUNT_DEPROVISIONED},
     SO_GATE_CLOSED},
    {"deprovisioned beats a person exception",
     {true, SO_EMP_ACTIVE, SO_CITY_LIVE, true, true, SO_ACCOUNT_DEPROVISIONED},
     SO_GATE_CLOSED},
    {"provisioned, live city",
     {true, SO_EMP_ACTIVE, SO_CITY_LIVE, false, false, SO_ACCOUNT_PROVISIONED},
     SO_GATE_ALLOW},
};

START_TEST(test_decide)
{
    const struct gate_case *c = &gate_cases[_i];
    enum so_gate got = so_gate_decide(&c->in);

    ck_assert_msg(got == c->want, "%s: expected %s, got %s", c->what,
                  so_gate_str(c->want), so_gate_str(got));
}
END_TEST

struct text_case {
    enum so_gate gate;
    const char *lang;
    const char *city;
    int phase;
    const char *want;
};

static const struct text_case text_cases[] = {
    {SO_GATE_PLANNED, "en", "Quetta", 3,
     "Smart Office opens in Quetta in phase 3."},
    {SO_GATE_PLANNED, "ur", "کوئٹہ", 3,
     "سمارٹ آفس کوئٹہ میں مرحلہ 3 میں شروع ہوگا۔"},
    {SO_GATE_PLANNED, "ur-PK", "کوئٹہ", 12,
     "سمارٹ آفس کوئٹہ میں مرحلہ 12 میں شروع ہوگا۔"},
    {SO_GATE_PAUSED, "en", "Lahore", 1,
     "Smart Office is paused in Lahore for now."},
    {SO_GATE_PLANNED, "en", NULL, 2,
     "Smart Office opens in your city in phase 2."},
    {SO_GATE_SUSPENDED, "en", "Lahore", 1, "This account is suspended."},
    {SO_GATE_SUSPENDED, "ur", "", 1, "یہ اکاؤنٹ معطل ہے۔"},
    {SO_GATE_SUSPENDED, "urx", "", 1, "This account is suspended."},
    {SO_GATE_SUSPENDED, NULL, "", 1, "This account is suspended."},
    {SO_GATE_ALLOW, "en", "Lahore", 1, ""},
};

START_TEST(test_text)
{
    const struct text_case *c = &text_cases[_i];
    char buf[512];
    size_t n =
        so_gate_text(c->gate, c->lang, c->city, c->phase, buf, sizeof(buf));

    ck_assert_msg(strcmp(buf, c->want) == 0, "expected \"%s\", got \"%s\"",
                  c->want, buf);
    ck_assert_uint_eq(n, strlen(c->want));
}
END_TEST

/* Every refusal has a text in both languages; a short buffer gets "". */
START_TEST(test_text_all)
{
    char buf[512], tiny[8];
    int g;

    for (g = SO_GATE_CLOSED; g <= SO_GATE_PAUSED; g++) {
        ck_assert_uint_gt(so_gate_text(g, "en", "X", 1, buf, sizeof(buf)), 10);
        ck_assert_uint_gt(so_gate_text(g, "ur", "X", 1, buf, sizeof(buf)), 10);
        ck_assert_msg((unsigned char)buf[0] >= 0xd8,
                      "%s: Urdu text starts with \"%.8s\"", so_gate_str(g),
                      buf);
        ck_assert_uint_gt(so_gate_text(g, "ur", "X", 1, tiny, sizeof(tiny)),
                          sizeof(tiny));
        ck_assert_str_eq(tiny, "");
    }
}
END_TEST

START_TEST(test_parse)
{
    ck_assert_int_eq(so_emp_status_parse("active"), SO_EMP_ACTIVE);
    ck_assert_int_eq(so_emp_status_parse("on_leave"), SO_EMP_ON_LEAVE);
    ck_assert_int_eq(so_emp_status_parse("retired"), SO_EMP_RETIRED);
    ck_assert_int_eq(so_emp_status_parse("Active"), -1);
    ck_assert_int_eq(so_emp_status_parse(NULL), -1);
    ck_assert_int_eq(so_city_state_parse("paused"), SO_CITY_PAUSED);
    ck_assert_int_eq(so_city_state_parse("live "), -1);
    ck_assert_int_eq(so_account_state_parse("deprovisioned"),
                     SO_ACCOUNT_DEPROVISIONED);
    ck_assert_int_eq(so_account_state_parse(""), -1);
    ck_assert_str_eq(so_gate_str(SO_GATE_PLANNED), "planned");
    ck_assert_str_eq(so_gate_str((enum so_gate)99), "?");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("gate");

    tcase_add_loop_test(tc, test_decide, 0, SO_TEST_COUNT(gate_cases));
    tcase_add_loop_test(tc, test_text, 0, SO_TEST_COUNT(text_cases));
    tcase_add_test(tc, test_text_all);
    tcase_add_test(tc, test_parse);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
