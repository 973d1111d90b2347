/*
 * test_b64.c - strict base64 validation (RFC 4648 §4, §3.5).
 */
#include <stdlib.h>
#include <string.h>

#include "so_b64.h"
#include "so_test.h"

static const struct {
    const char *in;
    bool valid;
    size_t decoded;
} cases[] = {
    {"", true, 0},
    {"   \n", true, 0},
    {"QQ==", true, 1},
    {"QUI=", true, 2},
    {"QUJD", true, 3},
    {"QUJD\nRA==", true, 4},
    {" Q U J D ", true, 3},
    {"QUJDRA==\r\n", true, 4},
    {"ab+/", true, 3},
    {"QUJD=", false, 0},    /* length not a multiple of 4 */
    {"QQ=", false, 0},      /* padding short */
    {"Q===", false, 0},     /* three pad characters */
    {"QQ==QQ==", false, 0}, /* data after padding */
    {"QR==", false, 0},     /* non-zero pad bits */
    {"QUJ=", false, 0},     /* non-zero pad bits */
    {"QUJD-_", false, 0},   /* base64url alphabet */
    {"QUJD\x01", false, 0}, /* control character */
    {"QU\xc3\xa9"
     "D",
     false, 0}, /* non-ASCII */
    {"QUJ", false, 0},
    /* runs long enough for the four-at-a-time path, broken anywhere */
    {"QUJDQUJDQUJD", true, 9},
    {"QUJDQUJ\nDQUJD", true, 9},
    {"QUJDQUJDQQ==", true, 7},
    {"QUJDQQ==QUJD", false, 0}, /* data after padding */
    {"QUJDQUJDQR==", false, 0}, /* non-zero pad bits */
    {"QUJDQU\x80JDQUJD", false, 0},
    {"QUJDQUJDQUJ", false, 0},
};

START_TEST(test_b64_table)
{
    size_t dec = 12345;
    bool got = so_b64_valid(cases[_i].in, strlen(cases[_i].in), &dec);

    ck_assert_msg(got == cases[_i].valid, "'%s': expected %s, got %s",
                  cases[_i].in, cases[_i].valid ? "valid" : "invalid",
                  got ? "valid" : "invalid");
    if (got)
        ck_assert_msg(dec == cases[_i].decoded,
                      "'%s': expected %zu bytes, got %zu", cases[_i].in,
                      cases[_i].decoded, dec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("b64");
    TCase *tc = tcase_create("valid");

    tcase_add_loop_test(tc, test_b64_table, 0, SO_TEST_COUNT(cases));
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
