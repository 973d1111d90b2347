/*
 * test_confline.c - "name = value" lines: what so_confline_split() takes,
 * what it refuses and why, newline trimming and the byte order mark.
 */
#include <stdio.h>
#include <string.h>

#include "so_confline.h"
#include "so_test.h"

/* Each row: a line, the extra name characters, and either the name and
 * value it yields, SKIP, or the fault it is refused with. */
static const struct {
    const char *line;
    const char *extra;
    enum so_confline_kind kind;
    const char *name;
    const char *value;
    enum so_confline_fault fault;
} split_cases[] = {
    {"", NULL, SO_CONFLINE_SKIP, NULL, NULL, 0},
    {"   \t", NULL, SO_CONFLINE_SKIP, NULL, NULL, 0},
    {"  # a comment", NULL, SO_CONFLINE_SKIP, NULL, NULL, 0},
    {"port = 5347", NULL, SO_CONFLINE_SETTING, "port", "5347", 0},
    {"port=5347", NULL, SO_CONFLINE_SETTING, "port", "5347", 0},
    {"  a_b\t=\tx y  # note", NULL, SO_CONFLINE_SETTING, "a_b", "x y", 0},
    {"empty =", NULL, SO_CONFLINE_SETTING, "empty", "", 0},
    {"s = \"a # b\"", NULL, SO_CONFLINE_SETTING, "s", "a # b", 0},
    {"s = \"q\\\"\\\\\"  # c", NULL, SO_CONFLINE_SETTING, "s", "q\"\\", 0},
    {"a.b-c = 1", "-.", SO_CONFLINE_SETTING, "a.b-c", "1", 0},
    {"a.b = 1", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_NO_EQUALS},
    {"= 1", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_NO_NAME},
    {"name", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_NO_EQUALS},
    {"s = \"open", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_OPEN_QUOTE},
    {"s = \"\\n\"", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_BAD_ESCAPE},
    {"s = \"a\" b", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_AFTER_QUOTE},
    {"s = a\"b", NULL, SO_CONFLINE_BAD, NULL, NULL, SO_CONFLINE_QUOTE_IN_BARE},
};

START_TEST(test_split)
{
    char line[128];
    char *name = NULL, *value = NULL;
    enum so_confline_fault fault = -1;
    enum so_confline_kind kind;

    snprintf(line, sizeof(line), "%s", split_cases[_i].line);
    kind =
        so_confline_split(line, split_cases[_i].extra, &name, &value, &fault);
    ck_assert_msg(kind == split_cases[_i].kind,
                  "'%s': expected kind %d, got %d", split_cases[_i].line,
                  split_cases[_i].kind, kind);
    if (kind == SO_CONFLINE_BAD)
        ck_assert_msg(fault == split_cases[_i].fault,
                      "'%s': expected fault %d, got %d", split_cases[_i].line,
                      split_cases[_i].fault, fault);
    if (kind != SO_CONFLINE_SETTING)
        return;
    ck_assert_msg(strcmp(name, split_cases[_i].name) == 0,
                  "'%s': expected name '%s', got '%s'", split_cases[_i].line,
                  split_cases[_i].name, name);
    ck_assert_msg(strcmp(value, split_cases[_i].value) == 0,
                  "'%s': expected value '%s', got '%s'", split_cases[_i].line,
                  split_cases[_i].value, value);
}
END_TEST

/* Each row: raw bytes (with length), whether trimming accepts them, and
 * the text left. */
static const struct {
    const char *raw;
    size_t len;
    int rc;
    const char *want;
} trim_cases[] = {
    {"a = 1\n", 6, 0, "a = 1"}, {"a = 1\r\n", 7, 0, "a = 1"},
    {"a = 1", 5, 0, "a = 1"},   {"\n", 1, 0, ""},
    {"a\0b\n", 4, -1, NULL},
};

START_TEST(test_trim)
{
    char line[32];
    size_t len = trim_cases[_i].len;
    int rc;

    memcpy(line, trim_cases[_i].raw, len + 1);
    rc = so_confline_trim(line, &len);
    ck_assert_msg(rc == trim_cases[_i].rc, "trim row %d: expected %d, got %d",
                  _i, trim_cases[_i].rc, rc);
    if (rc != 0)
        return;
    ck_assert_msg(strcmp(line, trim_cases[_i].want) == 0 &&
                      len == strlen(trim_cases[_i].want),
                  "trim row %d: expected '%s', got '%s'", _i,
                  trim_cases[_i].want, line);
}
END_TEST

START_TEST(test_bom)
{
    char with[] = "\xef\xbb\xbf"
                  "a = 1";
    char without[] = "a = 1";

    ck_assert_str_eq(so_confline_skip_bom(with), "a = 1");
    ck_assert_ptr_eq(so_confline_skip_bom(without), without);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("confline");
    TCase *tc = tcase_create("confline");

    tcase_add_loop_test(tc, test_split, 0, SO_TEST_COUNT(split_cases));
    tcase_add_loop_test(tc, test_trim, 0, SO_TEST_COUNT(trim_cases));
    tcase_add_test(tc, test_bom);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
