/*
 * test_texts.c - each refusal text names what was refused and gives advice
 * the sender can follow for that reason, in English and Urdu.
 */
#include <stdio.h>
#include <string.h>

#include "so_omemo.h"
#include "so_test.h"

static const struct {
    enum so_reason reason;
    const char *en_has; /* a phrase the English text must hold */
    const char *en_not; /* advice that does not fit; NULL for none */
    const char *ur_has; /* a word the Urdu text must hold */
} text_cases[] = {
    {SO_R_BODY, "Turn on OMEMO", NULL, "OMEMO"},
    {SO_R_REACTION, "Send your reaction as an encrypted message",
     "send it again", "ردِعمل"},
    {SO_R_INVITE_REASON, "Invite again without a reason", "Turn on OMEMO",
     "دعوت"},
    {SO_R_SUBJECT, "without a subject", "Turn on OMEMO", "عنوان"},
    {SO_R_XHTML, "formatted", NULL, "فارمیٹ"},
    {SO_R_OOB, "link or file", NULL, "فائل"},
    {SO_R_REFERENCE, "link or file", NULL, "فائل"},
    {SO_R_PGP_MALFORMED, "OpenPGP", "OMEMO encryption is damaged", "OpenPGP"},
    {SO_R_OMEMO_STRAY_TEXT, "OMEMO encryption is damaged", NULL, "OMEMO"},
    {SO_R_OMEMO_IV, "OMEMO encryption is damaged", NULL, "OMEMO"},
    {SO_R_TOO_COMPLEX, "shorter", NULL, "مختصر"},
};

START_TEST(test_text)
{
    const char *en = so_refusal_text_en(text_cases[_i].reason);
    const char *ur = so_refusal_text_ur(text_cases[_i].reason);
    const char *name = so_reason_str(text_cases[_i].reason);

    ck_assert_msg(en != NULL && strstr(en, text_cases[_i].en_has) != NULL,
                  "%s: expected English text with '%s', got '%s'", name,
                  text_cases[_i].en_has, en);
    ck_assert_msg(text_cases[_i].en_not == NULL ||
                      strstr(en, text_cases[_i].en_not) == NULL,
                  "%s: expected English text without '%s', got '%s'", name,
                  text_cases[_i].en_not, en);
    ck_assert_msg(ur != NULL && strstr(ur, text_cases[_i].ur_has) != NULL,
                  "%s: expected Urdu text with '%s', got '%s'", name,
                  text_cases[_i].ur_has, ur);
}
END_TEST

/* Every reason has a name and both texts. */
START_TEST(test_every_reason)
{
    enum so_reason r = (enum so_reason)_i;

    ck_assert_msg(strcmp(so_reason_str(r), "?") != 0,
                  "reason %d: expected a name, got '?'", _i);
    ck_assert_msg(so_refusal_text_en(r) != NULL &&
                      so_refusal_text_ur(r) != NULL,
                  "%s: expected both texts", so_reason_str(r));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("texts");
    TCase *tc = tcase_create("texts");

    tcase_add_loop_test(tc, test_text, 0, SO_TEST_COUNT(text_cases));
    tcase_add_loop_test(tc, test_every_reason, 0, SO_R_COUNT);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
