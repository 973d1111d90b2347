/*
 * test_dquery.c - from what a person typed to the words a directory search
 * runs on, and what is refused.
 */
#include <stdio.h>
#include <string.h>

#include "so_dquery.h"
#include "so_test.h"

/* The query's strict words joined by '|', and its loose words the same
 * way. */
static void join(char out[][SO_FOLD_WORD_MAX + 1], size_t n, char *buf,
                 size_t len)
{
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i > 0)
            strncat(buf, "|", len - strlen(buf) - 1);
        strncat(buf, out[i], len - strlen(buf) - 1);
    }
}

static const char *refusal_name(enum so_dquery_refusal r)
{
    switch (r) {
    case SO_DQUERY_OK:
        return "ok";
    case SO_DQUERY_INVALID:
        return "invalid";
    case SO_DQUERY_TOO_LONG:
        return "too long";
    case SO_DQUERY_TOO_SHORT:
        return "too short";
    case SO_DQUERY_WILDCARDS:
        return "wildcards";
    }
    return "?";
}

static const struct {
    const char *text;
    size_t len; /* 0: strlen */
    enum so_dquery_refusal refusal;
    const char *words; /* strict words in order, '|' between */
    const char *loose; /* NULL: same as words */
} parse_cases[] = {
    /* words in the order typed; each matched on its own */
    {"Ali Khan", 0, SO_DQUERY_OK, "ali|khan", NULL},
    {"khan ali", 0, SO_DQUERY_OK, "khan|ali", NULL},
    {"  ALI   khan ", 0, SO_DQUERY_OK, "ali|khan", NULL},
    {"ali ali", 0, SO_DQUERY_OK, "ali", NULL},
    /* honorifics are optional: dropped unless alone */
    {"Syed Ali", 0, SO_DQUERY_OK, "ali", NULL},
    {"Dr. Muhammad Ali", 0, SO_DQUERY_OK, "muhammad|ali", NULL},
    {"ڈاکٹر علی", 0, SO_DQUERY_OK, "علی", NULL},
    {"Syed", 0, SO_DQUERY_OK, "syed", NULL},
    {"Dr Syed", 0, SO_DQUERY_OK, "dr|syed", NULL},
    {"Rana Sanaullah", 0, SO_DQUERY_OK, "rana|sanaullah", NULL},
    /* stopwords and one-character words are dropped */
    {"Director of Finance", 0, SO_DQUERY_OK, "director|finance", NULL},
    {"the ali", 0, SO_DQUERY_OK, "ali", NULL},
    {"وزارت کا دفتر", 0, SO_DQUERY_OK, "وزارت|دفتر", NULL},
    {"M Ali", 0, SO_DQUERY_OK, "ali", NULL},
    /* romanisation and Arabic-script folding */
    {"Mohd Hussein", 0, SO_DQUERY_OK, "muhammad|hussain", NULL},
    {"علي", 0, SO_DQUERY_OK, "علی", NULL},
    {"ظھیر", 0, SO_DQUERY_OK, "ظھیر", "ظہیر"},
    {"خاں صاحب", 0, SO_DQUERY_OK, "خاں", "خان"},
    {"علی خاں", 0, SO_DQUERY_OK, "علی|خاں", "علی|خان"},
    /* '*' means "starts with", as every word does already */
    {"ali*", 0, SO_DQUERY_OK, "ali", NULL},
    {"*ali* *khan", 0, SO_DQUERY_OK, "ali|khan", NULL},
    {"al*vi", 0, SO_DQUERY_OK, "al|vi", NULL},
    /* ordinary characters */
    {"a_i", 0, SO_DQUERY_OK, "a_i", NULL},
    {"50%", 0, SO_DQUERY_OK, "50%", NULL},
    {"o'brien", 0, SO_DQUERY_OK, "o'brien", NULL},
    {"a\\b", 0, SO_DQUERY_OK, "a\\b", NULL},
    {"ab'", 0, SO_DQUERY_OK, "ab'", NULL},
    /* eight words are fine */
    {"aa bb cc dd ee ff gg hh", 0, SO_DQUERY_OK, "aa|bb|cc|dd|ee|ff|gg|hh",
     NULL},
    {"Syed aa bb cc dd ee ff gg hh", 0, SO_DQUERY_OK, "aa|bb|cc|dd|ee|ff|gg|hh",
     NULL},
    {"aa aa bb cc dd ee ff gg hh", 0, SO_DQUERY_OK, "aa|bb|cc|dd|ee|ff|gg|hh",
     NULL},
    {"aa of bb cc dd ee ff gg hh x", 0, SO_DQUERY_OK, "aa|bb|cc|dd|ee|ff|gg|hh",
     NULL},
    /* refusals */
    {"*", 0, SO_DQUERY_WILDCARDS, "", NULL},
    {"**", 0, SO_DQUERY_WILDCARDS, "", NULL},
    {" * * ", 0, SO_DQUERY_WILDCARDS, "", NULL},
    {"%", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"%%", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"a", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"a*", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"a b c", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"a_", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"   ", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"of the", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"...", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"ع", 0, SO_DQUERY_TOO_SHORT, "", NULL},
    {"aa bb cc dd ee ff gg hh ii", 0, SO_DQUERY_TOO_LONG, "", NULL},
    {"ali\x01", 0, SO_DQUERY_INVALID, "", NULL},
    {"ali\nkhan", 0, SO_DQUERY_INVALID, "", NULL},
    {"ali\xC3", 0, SO_DQUERY_INVALID, "", NULL},
    {"\xC0\xAF", 0, SO_DQUERY_INVALID, "", NULL},
    {"ali\0", 4, SO_DQUERY_INVALID, "", NULL},
};

START_TEST(test_parse)
{
    const char *text = parse_cases[_i].text;
    size_t len = parse_cases[_i].len ? parse_cases[_i].len : strlen(text);
    const char *loose =
        parse_cases[_i].loose ? parse_cases[_i].loose : parse_cases[_i].words;
    struct so_dquery q;
    enum so_dquery_refusal r = so_dquery_parse(text, len, &q);
    char got[1024];

    ck_assert_msg(r == parse_cases[_i].refusal,
                  "parse '%s': expected %s, got %s", text,
                  refusal_name(parse_cases[_i].refusal), refusal_name(r));
    join(q.word, q.nwords, got, sizeof(got));
    ck_assert_msg(strcmp(got, parse_cases[_i].words) == 0,
                  "parse '%s': expected words '%s', got '%s'", text,
                  parse_cases[_i].words, got);
    join(q.loose, q.nwords, got, sizeof(got));
    ck_assert_msg(strcmp(got, loose) == 0,
                  "parse '%s': expected loose words '%s', got '%s'", text,
                  loose, got);
}
END_TEST

START_TEST(test_too_long)
{
    char text[SO_DQUERY_TEXT_MAX + 2];
    struct so_dquery q;
    enum so_dquery_refusal r;

    memset(text, 'a', sizeof(text));
    r = so_dquery_parse(text, SO_DQUERY_TEXT_MAX, &q);
    ck_assert_msg(r == SO_DQUERY_OK, "256 bytes: expected ok, got %s",
                  refusal_name(r));
    ck_assert_uint_eq(q.nwords, 1);
    ck_assert_uint_eq(strlen(q.word[0]), SO_FOLD_WORD_MAX);
    r = so_dquery_parse(text, SO_DQUERY_TEXT_MAX + 1, &q);
    ck_assert_msg(r == SO_DQUERY_TOO_LONG, "257 bytes: expected %s, got %s",
                  refusal_name(SO_DQUERY_TOO_LONG), refusal_name(r));
    ck_assert_uint_eq(q.nwords, 0);
}
END_TEST

START_TEST(test_texts)
{
    enum so_dquery_refusal r;

    for (r = SO_DQUERY_INVALID; r <= SO_DQUERY_WILDCARDS; r++) {
        const char *en = so_dquery_refusal_en(r);
        const char *ur = so_dquery_refusal_ur(r);

        ck_assert_msg(en != NULL && strlen(en) > 10 && strlen(en) < 100,
                      "English text of %s: '%s'", refusal_name(r), en);
        ck_assert_msg(ur != NULL && strlen(ur) > 10 && strlen(ur) < 200,
                      "Urdu text of %s: '%s'", refusal_name(r), ur);
    }
}
END_TEST

static const struct {
    const char *text;
    enum so_err err;
    const char *folded;
} filter_cases[] = {
    {"Deputy Secretary", SO_OK, "deputy secretary"},
    {"Director (Admin & Finance)", SO_OK, "director admin finance"},
    {"ڈپٹی سیکرٹری", SO_OK, "ڈپٹی سیکرٹری"},
    {"bad\x01", SO_EINVAL, ""},
};

START_TEST(test_filter)
{
    char out[128];
    enum so_err err = so_dquery_fold_filter(
        filter_cases[_i].text, strlen(filter_cases[_i].text), out, sizeof(out));

    ck_assert_msg(err == filter_cases[_i].err,
                  "filter '%s': expected %s, got %s", filter_cases[_i].text,
                  so_err_str(filter_cases[_i].err), so_err_str(err));
    ck_assert_msg(strcmp(out, filter_cases[_i].folded) == 0,
                  "filter '%s': expected '%s', got '%s'", filter_cases[_i].text,
                  filter_cases[_i].folded, out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dquery");
    TCase *tc = tcase_create("dquery");

    tcase_add_loop_test(tc, test_parse, 0, SO_TEST_COUNT(parse_cases));
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_texts);
    tcase_add_loop_test(tc, test_filter, 0, SO_TEST_COUNT(filter_cases));
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
