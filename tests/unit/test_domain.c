/*
 * test_domain.c - domain names and zone patterns to their canonical form.
 */
#include <stdlib.h>
#include <string.h>

#include "so_domain.h"
#include "so_test.h"

/* want: the canonical form, or NULL when refused; reason: a part of the
 * reason a refusal must give. */
static const struct {
    const char *in;
    const char *want;
    const char *reason;
} domain_cases[] = {
    {"finance.gov.pk", "finance.gov.pk", NULL},
    {"Finance.GOV.PK", "finance.gov.pk", NULL},
    {"finance.gov.pk.", "finance.gov.pk", NULL},
    {"FINANCE.gov.pk.", "finance.gov.pk", NULL},
    {"localhost", "localhost", NULL},
    {"bücher.example", "xn--bcher-kva.example", NULL},
    {"Bücher.Example.", "xn--bcher-kva.example", NULL},
    {"xn--bcher-kva.example", "xn--bcher-kva.example", NULL},
    {"XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example", NULL},
    /* Urdu script: "pakistan", in Unicode and its A-label */
    {"\xd9\xbe\xd8\xa7\xda\xa9\xd8\xb3\xd8\xaa\xd8\xa7\xd9\x86.example",
     "xn--mgbai9azgqp6j.example", NULL},
    {"xn--mgbai9azgqp6j.example", "xn--mgbai9azgqp6j.example", NULL},
    /* non-transitional: sharp s stays itself */
    {"stra\xc3\x9f"
     "e.de",
     "xn--strae-oqa.de", NULL},
    /* NFC: u + combining diaeresis is the same name as u-umlaut */
    {"bu\xcc\x88"
     "cher.example",
     "xn--bcher-kva.example", NULL},
    {"a-b.example", "a-b.example", NULL},
    {"0day.example", "0day.example", NULL},
    {"", NULL, "empty domain name"},
    {".", NULL, "empty domain name"},
    {"a..b", NULL, "empty label"},
    {".a.b", NULL, "empty label"},
    {"a.b..", NULL, "empty label"},
    {"-a.example", NULL, "hyphen"},
    {"a-.example", NULL, "hyphen"},
    {"under_score.example", NULL, "other than a letter, digit or hyphen"},
    {"a b.example", NULL, "other than a letter, digit or hyphen"},
    {"a@b.example", NULL, "other than a letter, digit or hyphen"},
    {"[::1]", NULL, "other than a letter, digit or hyphen"},
    {"10.0.0.1", NULL, "IP address"},
    {"192.168.1.1.", NULL, "IP address"},
    {"xn--zzzz.example", NULL, "not a valid internationalised name"},
    {"\xf0\x9f\x92\xa9.example", NULL, "not a valid internationalised name"},
    {"bad\xff.example", NULL, "not a valid internationalised name"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     ".example",
     NULL, "63"},
};

static void expect(const char *in, const char *want, const char *reason,
                   int err, const char *got, const char *errbuf)
{
    if (want != NULL) {
        ck_assert_msg(err == SO_OK, "'%s': expected '%s', got error '%s'", in,
                      want, errbuf);
        ck_assert_msg(strcmp(got, want) == 0, "'%s': expected '%s', got '%s'",
                      in, want, got);
        return;
    }
    ck_assert_msg(err == SO_EINVAL, "'%s': expected refusal (%s), got '%s'", in,
                  reason, got);
    ck_assert_msg(strcmp(got, "") == 0, "'%s': expected empty output, got '%s'",
                  in, got);
    ck_assert_msg(strstr(errbuf, reason) != NULL,
                  "'%s': expected a reason with '%s', got '%s'", in, reason,
                  errbuf);
}

START_TEST(test_domain)
{
    char out[SO_DOMAIN_BUF], errbuf[160] = "";
    enum so_err err;

    err = so_domain_normalize(domain_cases[_i].in, out, sizeof(out), errbuf,
                              sizeof(errbuf));
    expect(domain_cases[_i].in, domain_cases[_i].want, domain_cases[_i].reason,
           err, out, errbuf);
}
END_TEST

static const struct {
    const char *in;
    const char *want;
    const char *reason;
} pattern_cases[] = {
    {"*.gov.pk", "*.gov.pk", NULL},
    {"*.GOV.PK.", "*.gov.pk", NULL},
    {"*.example", "*.example", NULL},
    {"*.bücher.example", "*.xn--bcher-kva.example", NULL},
    {"Finance.gov.pk", "finance.gov.pk", NULL},
    {"*", NULL, "'*' is only allowed"},
    {"*.", NULL, "empty domain name"},
    {"**.gov.pk", NULL, "'*' is only allowed"},
    {"a.*.gov.pk", NULL, "'*' is only allowed"},
    {"*x.gov.pk", NULL, "'*' is only allowed"},
    {"*.*.gov.pk", NULL, "'*' is only allowed"},
    {"*.10.0.0.1", NULL, "IP address"},
    {"*.-x.pk", NULL, "hyphen"},
};

START_TEST(test_pattern)
{
    char out[SO_DOMAIN_BUF], errbuf[160] = "";
    enum so_err err;

    err = so_zone_pattern_normalize(pattern_cases[_i].in, out, sizeof(out),
                                    errbuf, sizeof(errbuf));
    expect(pattern_cases[_i].in, pattern_cases[_i].want,
           pattern_cases[_i].reason, err, out, errbuf);
}
END_TEST

/* Lengths: a 253-octet name passes, 254 is refused; a small buffer too. */
START_TEST(test_lengths)
{
    char name[300], out[SO_DOMAIN_BUF], errbuf[160] = "";
    size_t i;

    /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
    memset(name, 'a', sizeof(name));
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    ck_assert_msg(so_domain_normalize(name, out, sizeof(out), errbuf,
                                      sizeof(errbuf)) == SO_OK,
                  "253 octets: expected ok, got '%s'", errbuf);
    ck_assert_uint_eq(strlen(out), 253);
    name[253] = 'a';
    name[254] = '\0';
    ck_assert(so_domain_normalize(name, out, sizeof(out), errbuf,
                                  sizeof(errbuf)) == SO_EINVAL);
    ck_assert_msg(strstr(errbuf, "longer than 253") != NULL,
                  "254 octets: expected 'longer than 253', got '%s'", errbuf);
    for (i = 0; i < sizeof(name) - 1; i++)
        name[i] = 'a';
    name[sizeof(name) - 1] = '\0';
    ck_assert(so_domain_normalize(name, out, sizeof(out), NULL, 0) ==
              SO_EINVAL);
    ck_assert(so_domain_normalize("example.gov", out, 5, errbuf,
                                  sizeof(errbuf)) == SO_EINVAL);
    ck_assert_str_eq(out, "");
    ck_assert(so_domain_normalize(NULL, out, sizeof(out), errbuf,
                                  sizeof(errbuf)) == SO_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("domain");
    TCase *tc = tcase_create("domain");

    tcase_add_loop_test(tc, test_domain, 0, SO_TEST_COUNT(domain_cases));
    tcase_add_loop_test(tc, test_pattern, 0, SO_TEST_COUNT(pattern_cases));
    tcase_add_test(tc, test_lengths);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
