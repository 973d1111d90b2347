/*
 * test_options.c - the option table, the defaults and so_policy_set().
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_options.h"

static const struct {
    const char *name, *value;
    enum so_err err;
    const char *msg; /* expected error line prefix; NULL when accepted */
} set_cases[] = {
    {"chat", "required", SO_OK, NULL},
    {"chat", "warn", SO_OK, NULL},
    {"chat", "off", SO_OK, NULL},
    {"chat", "maybe", SO_EINVAL, "chat: expected required, warn or off"},
    {"chat", "", SO_EINVAL, "chat: expected"},
    {"groupchat", "Warn", SO_EINVAL, "groupchat: expected"},
    {"schemes", "omemo2", SO_OK, NULL},
    {"schemes", "omemo-legacy, omemo2,openpgp pgp-legacy otr", SO_OK, NULL},
    {"schemes", "", SO_EINVAL, "schemes: at least one scheme is needed"},
    {"schemes", " , ", SO_EINVAL, "schemes: at least one scheme is needed"},
    {"schemes", "omemo3", SO_EINVAL, "schemes: expected omemo-legacy"},
    {"strictness", "compatible", SO_OK, NULL},
    {"strictness", "lax", SO_EINVAL, "strictness: expected strict"},
    {"exempt_jids", "bot@example.gov, Admin@Example.gov", SO_OK, NULL},
    {"exempt_jids", "bot@example.gov/res", SO_EINVAL, "exempt_jids:"},
    {"exempt_jids", "@example.gov", SO_EINVAL, "exempt_jids:"},
    {"exempt_jids", "a@b@c", SO_EINVAL, "exempt_jids:"},
    {"exempt_jids", "bot@", SO_EINVAL, "exempt_jids:"},
    {"exempt_domains", "partner.gov", SO_OK, NULL},
    {"exempt_domains", "x@partner.gov", SO_EINVAL, "exempt_domains:"},
    {"exempt_domains", ".gov", SO_EINVAL, "exempt_domains:"},
    {"exempt_domains", "mple..gov", SO_EINVAL,
     "exempt_domains: 'mple..gov': name has an empty label"},
    {"exempt_domains", "-bad-.gov", SO_EINVAL, "exempt_domains: '-bad-.gov'"},
    {"exempt_domains", "exa mple..gov", SO_EINVAL,
     "exempt_domains: 'mple..gov'"},
    {"exempt_domains", "a_b.gov", SO_EINVAL, "exempt_domains: 'a_b.gov'"},
    {"exempt_domains", "127.0.0.1", SO_EINVAL, "exempt_domains: '127.0.0.1'"},
    {"exempt_domains", "Partner.GOV.", SO_OK, NULL},
    {"exempt_jids", "not a jid", SO_EINVAL,
     "exempt_jids: 'not' is not a bare JID (expected localpart@domain)"},
    {"exempt_jids", "example.gov", SO_EINVAL,
     "exempt_jids: 'example.gov' is not a bare JID"},
    {"exempt_jids", "bot@mple..gov", SO_EINVAL,
     "exempt_jids: 'bot@mple..gov': name has an empty label"},
    {"exempt_jids", "bot@localhost", SO_OK, NULL},
    {"exempt_jids", "bot\x1b[2J@example.gov", SO_EINVAL,
     "exempt_jids: an entry has a quote"},
    {"exempt_rooms", "not a room", SO_EINVAL,
     "exempt_rooms: 'not' is not a bare JID"},
    {"exempt_rooms", "lobby@-conference-.example.gov", SO_EINVAL,
     "exempt_rooms: 'lobby@-conference-.example.gov'"},
    {"exempt_rooms", "lobby@conference.example.gov", SO_OK, NULL},
    {"exempt_rooms", "lob<by@conference.example.gov", SO_EINVAL,
     "exempt_rooms:"},
    {"exempt_services", "false", SO_OK, NULL},
    {"exempt_services", "yes", SO_EINVAL,
     "exempt_services: expected true or false"},
    {"fallback_text_en", "Encrypted.", SO_OK, NULL},
    {"fallback_text_ur", "یہ پیغام خفیہ ہے۔", SO_OK, NULL},
    {"fallback_text_en", "", SO_EINVAL, "fallback_text_en:"},
    {"fallback_text_en", "bad \xff byte", SO_EINVAL, "fallback_text_en:"},
    {"fallback_text_en", "overlong \xc0\xaf", SO_EINVAL, "fallback_text_en:"},
    {"warn_interval", "0", SO_OK, NULL},
    {"warn_interval", "3600", SO_OK, NULL},
    {"warn_interval", "-1", SO_EINVAL, "warn_interval:"},
    {"warn_interval", "1e3", SO_EINVAL, "warn_interval:"},
    {"warn_interval", "99999999999999999999", SO_EINVAL, "warn_interval:"},
    {"no_such_option", "x", SO_EINVAL, "no_such_option: unknown option"},
};

START_TEST(test_set)
{
    struct so_policy *p = so_policy_new();
    char err[160] = "";
    enum so_err got;

    ck_assert_ptr_nonnull(p);
    got = so_policy_set(p, set_cases[_i].name, set_cases[_i].value, err,
                        sizeof(err));
    ck_assert_msg(got == set_cases[_i].err,
                  "%s = '%s': expected %s, got %s (%s)", set_cases[_i].name,
                  set_cases[_i].value, so_err_str(set_cases[_i].err),
                  so_err_str(got), err);
    if (set_cases[_i].msg != NULL)
        ck_assert_msg(
            strncmp(err, set_cases[_i].msg, strlen(set_cases[_i].msg)) == 0 &&
                strchr(err, '\n') == NULL,
            "%s = '%s': expected message '%s...', got '%s'", set_cases[_i].name,
            set_cases[_i].value, set_cases[_i].msg, err);
    so_policy_free(p);
}
END_TEST

/* List entries are stored in their canonical form. */
static const struct {
    const char *name, *value, *first;
} canon_cases[] = {
    {"exempt_domains", "Partner.GOV.", "partner.gov"},
    {"exempt_domains", "bücher.example", "xn--bcher-kva.example"},
    {"exempt_jids", "Bot@Example.GOV.", "bot@example.gov"},
    {"exempt_rooms", "lobby@conference.bücher.example",
     "lobby@conference.xn--bcher-kva.example"},
};

START_TEST(test_canonical)
{
    struct so_policy *p = so_policy_new();
    const struct so_strlist *list;
    char err[160] = "";

    ck_assert_ptr_nonnull(p);
    ck_assert_msg(so_policy_set(p, canon_cases[_i].name, canon_cases[_i].value,
                                err, sizeof(err)) == SO_OK,
                  "%s = '%s': expected ok, got '%s'", canon_cases[_i].name,
                  canon_cases[_i].value, err);
    list =
        strcmp(canon_cases[_i].name, "exempt_domains") == 0 ? &p->exempt_domains
        : strcmp(canon_cases[_i].name, "exempt_jids") == 0  ? &p->exempt_jids
                                                            : &p->exempt_rooms;
    ck_assert_msg(list->n == 1 &&
                      strcmp(list->items[0], canon_cases[_i].first) == 0,
                  "%s = '%s': expected '%s', got '%s'", canon_cases[_i].name,
                  canon_cases[_i].value, canon_cases[_i].first,
                  list->n > 0 ? list->items[0] : "(empty)");
    so_policy_free(p);
}
END_TEST

START_TEST(test_defaults)
{
    struct so_policy *p = so_policy_new();

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->chat, SO_MODE_REQUIRED);
    ck_assert_int_eq(p->groupchat, SO_MODE_REQUIRED);
    ck_assert_uint_eq(p->schemes, SO_SCHEME_OMEMO_LEGACY | SO_SCHEME_OMEMO2);
    ck_assert(p->strict);
    ck_assert(p->exempt_services);
    ck_assert_uint_eq(p->exempt_jids.n, 0);
    ck_assert_uint_eq(p->warn_interval, 86400);
    ck_assert(strstr(p->fallback_text_en, "OMEMO") != NULL);
    ck_assert(strstr(p->fallback_text_ur, "OMEMO") != NULL);
    so_policy_free(p);
}
END_TEST

START_TEST(test_failure_keeps_value)
{
    struct so_policy *p = so_policy_new();

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(so_policy_set(p, "exempt_jids", "a@b.c, d@e.f", NULL, 0),
                     SO_OK);
    ck_assert_int_eq(so_policy_set(p, "exempt_jids", "g@h.i, bad/x", NULL, 0),
                     SO_EINVAL);
    ck_assert_uint_eq(p->exempt_jids.n, 2);
    ck_assert_str_eq(p->exempt_jids.items[1], "d@e.f");
    ck_assert_int_eq(
        so_policy_set(p, "exempt_jids", "Bot@Example.GOV", NULL, 0), SO_OK);
    ck_assert_uint_eq(p->exempt_jids.n, 1);
    ck_assert_str_eq(p->exempt_jids.items[0], "bot@example.gov");
    ck_assert_int_eq(so_policy_set(p, "chat", "nope", NULL, 0), SO_EINVAL);
    ck_assert_int_eq(p->chat, SO_MODE_REQUIRED);
    so_policy_free(p);
}
END_TEST

START_TEST(test_table)
{
    const struct so_option *o;
    size_t n = 0;

    for (o = so_options(); o->name != NULL; o++, n++) {
        ck_assert_msg(o->doc != NULL && o->doc[0] != '\0', "%s: no doc",
                      o->name);
        ck_assert_ptr_eq(so_option_find(o->name), o);
        ck_assert_str_ne(so_opt_type_str(o->type), "?");
    }
    ck_assert_uint_eq(n, 11);
    ck_assert_ptr_null(so_option_find("nope"));
    ck_assert_str_eq(so_scheme_str(SO_SCHEME_OMEMO2), "omemo2");
    ck_assert_str_eq(so_scheme_str(3), "?");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("options");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_set, 0,
                        (int)(sizeof(set_cases) / sizeof(set_cases[0])));
    tcase_add_loop_test(tc, test_canonical, 0,
                        (int)(sizeof(canon_cases) / sizeof(canon_cases[0])));
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_failure_keeps_value);
    tcase_add_test(tc, test_table);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
