/*
 * test_options.c - the option table, the defaults and so_policy_set().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_options.h"
#include "so_test.h"

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

/* Periods as Prosody writes its expiry options. */
static const struct {
    const char *text;
    enum so_err err;
    uint64_t seconds;
} period_cases[] = {
    {"0", SO_OK, 0},
    {"86400", SO_OK, 86400},
    {"30d", SO_OK, 30 * 86400ULL},
    {"4w", SO_OK, 28 * 86400ULL},
    {"6m", SO_OK, 6 * 31 * 86400ULL},
    {"1y", SO_OK, 31556952ULL},
    {"1Y", SO_OK, 31556952ULL},
    {" 12 d ", SO_OK, 12 * 86400ULL},
    {"\t7w\n", SO_OK, 49 * 86400ULL},
    {"1000y", SO_OK, SO_PERIOD_MAX},
    {"31556952000", SO_OK, SO_PERIOD_MAX},
    {"31556952001", SO_EINVAL, 0},
    {"1001y", SO_EINVAL, 0},
    {"99999999999999999999999d", SO_EINVAL, 0},
    {"", SO_EINVAL, 0},
    {"d", SO_EINVAL, 0},
    {"never", SO_EINVAL, 0},
    {"-1", SO_EINVAL, 0},
    {"1.5d", SO_EINVAL, 0},
    {"1h", SO_EINVAL, 0},
    {"1dd", SO_EINVAL, 0},
    {"1 d 2", SO_EINVAL, 0},
    {"30days", SO_EINVAL, 0},
};

START_TEST(test_period)
{
    uint64_t got = 12345;
    enum so_err err = so_period_parse(period_cases[_i].text, &got);

    ck_assert_msg(err == period_cases[_i].err, "'%s': expected %s, got %s",
                  period_cases[_i].text, so_err_str(period_cases[_i].err),
                  so_err_str(err));
    if (err == SO_OK)
        ck_assert_msg(got == period_cases[_i].seconds,
                      "'%s': expected %llu seconds, got %llu",
                      period_cases[_i].text,
                      (unsigned long long)period_cases[_i].seconds,
                      (unsigned long long)got);
}
END_TEST

/* Values of the other modules' options, checked by so_option_parse(). */
static const struct {
    const char *module, *name, *value;
    enum so_err err;
    uint64_t number; /* BOOL: 1 for true */
    const char *msg; /* expected error line; NULL when accepted */
} parse_cases[] = {
    {"residency", "strict", "true", SO_OK, 1, NULL},
    {"residency", "strict", "false", SO_OK, 0, NULL},
    {"residency", "strict", "yes", SO_EINVAL, 0,
     "residency_strict: expected true or false"},
    {"residency", "retention_offline", "30d", SO_OK, 2592000, NULL},
    {"residency", "retention_archive", "86400", SO_OK, 86400, NULL},
    {"residency", "retention_offline", "0", SO_EINVAL, 0,
     "residency_retention_offline: must be longer than 0"},
    {"residency", "retention_uploads", "0d", SO_EINVAL, 0,
     "residency_retention_uploads: must be longer than 0"},
    {"residency", "retention_muc_archive", "soon", SO_EINVAL, 0,
     "residency_retention_muc_archive: not a period like 30d, 4w, 6m or 1y, "
     "or a number of seconds, up to 1000 years"},
    {"smartoffice_store", "db", "host=db dbname=so", SO_OK, 0, NULL},
    {"smartoffice_store", "db", "", SO_OK, 0, NULL},
    {"smartoffice_store", "db", "password=se\x01cret", SO_EINVAL, 0,
     "smartoffice_db: text is not valid UTF-8 or holds control characters"},
    {"smartoffice_store", "audit_spill", "/var/lib/so.spill", SO_OK, 0, NULL},
    {"smartoffice_store", "zones_cache", "", SO_EINVAL, 0,
     "smartoffice_zones_cache: a path must not be empty"},
    {"omemo_policy", "chat", "warn", SO_OK, 0, NULL},
    {"omemo_policy", "chat", "sometimes", SO_EINVAL, 0,
     "omemo_policy_chat: expected one of required|warn|off"},
    {"omemo_policy", "warn_interval", "3600", SO_OK, 3600, NULL},
    {"omemo_policy", "warn_interval", "1h", SO_EINVAL, 0,
     "omemo_policy_warn_interval: expected a whole number"},
};

START_TEST(test_parse)
{
    const struct so_option_set *set =
        so_option_set_find(parse_cases[_i].module);
    const struct so_option *o = so_option_in(set, parse_cases[_i].name);
    struct so_option_value v = {false, 0};
    char err[256] = "";
    enum so_err got;

    ck_assert_ptr_nonnull(o);
    got = so_option_parse(set, o, parse_cases[_i].value, &v, err, sizeof(err));
    ck_assert_msg(
        got == parse_cases[_i].err, "%s %s = '%s': expected %s, got %s (%s)",
        parse_cases[_i].module, parse_cases[_i].name, parse_cases[_i].value,
        so_err_str(parse_cases[_i].err), so_err_str(got), err);
    if (parse_cases[_i].msg != NULL)
        ck_assert_msg(
            strncmp(err, parse_cases[_i].msg, strlen(parse_cases[_i].msg)) == 0,
            "%s: expected message '%s...', got '%s'", parse_cases[_i].name,
            parse_cases[_i].msg, err);
    if (got == SO_OK && o->type == SO_OPT_BOOL)
        ck_assert_msg(v.flag == (parse_cases[_i].number != 0),
                      "%s = '%s': expected %d, got %d", parse_cases[_i].name,
                      parse_cases[_i].value, parse_cases[_i].number != 0,
                      v.flag);
    else if (got == SO_OK &&
             (o->type == SO_OPT_INT || o->type == SO_OPT_PERIOD))
        ck_assert_msg(v.number == parse_cases[_i].number,
                      "%s = '%s': expected %llu, got %llu",
                      parse_cases[_i].name, parse_cases[_i].value,
                      (unsigned long long)parse_cases[_i].number,
                      (unsigned long long)v.number);
}
END_TEST

/* Every module's table: docs, unique names, and a default its own check
 * accepts (the defaults the Prosody modules use). */
START_TEST(test_sets)
{
    const struct so_option_set *set;
    const struct so_option *o;
    char err[256];
    size_t n = 0;

    for (set = so_option_sets(); set->module != NULL; set++, n++) {
        ck_assert_ptr_eq(so_option_set_find(set->module), set);
        ck_assert_ptr_eq(so_options_for(set->module), set->options);
        ck_assert_msg(set->prefix != NULL && set->section != NULL,
                      "%s: no prefix or section", set->module);
        for (o = set->options; o->name != NULL; o++) {
            ck_assert_msg(o->doc != NULL && o->doc[0] != '\0', "%s: no doc",
                          o->name);
            ck_assert_ptr_eq(so_option_in(set, o->name), o);
            ck_assert_str_ne(so_opt_type_doc(o->type), "?");
            err[0] = '\0';
            ck_assert_msg(
                o->def == NULL || so_option_parse(set, o, o->def, NULL, err,
                                                  sizeof(err)) == SO_OK,
                "%s%s: default refused: %s", set->prefix, o->name, err);
        }
    }
    ck_assert_uint_eq(n, 6);
    ck_assert_ptr_eq(so_options_for("omemo_policy"), so_options());
    ck_assert_ptr_null(so_options_for("nope"));
    ck_assert_ptr_null(so_option_set_find(NULL));
}
END_TEST

/* The defaults the Lua modules had before the tables moved to C. */
static const struct {
    const char *module, *name, *def;
} default_cases[] = {
    {"residency", "strict", "true"},
    {"residency", "retention_archive", "1y"},
    {"residency", "retention_muc_archive", "1y"},
    {"residency", "retention_offline", "30d"},
    {"residency", "retention_uploads", "30d"},
    {"smartoffice_store", "db", NULL},
    {"smartoffice_store", "audit_spill", "smartoffice-audit.spill"},
    {"smartoffice_store", "zones_cache", "smartoffice-zones.cache"},
};

START_TEST(test_module_defaults)
{
    const struct so_option *o = so_option_in(
        so_option_set_find(default_cases[_i].module), default_cases[_i].name);

    ck_assert_ptr_nonnull(o);
    if (default_cases[_i].def == NULL)
        ck_assert_ptr_null(o->def);
    else
        ck_assert_str_eq(o->def, default_cases[_i].def);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("options");

    tcase_add_loop_test(tc, test_set, 0, SO_TEST_COUNT(set_cases));
    tcase_add_loop_test(tc, test_canonical, 0, SO_TEST_COUNT(canon_cases));
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_failure_keeps_value);
    tcase_add_test(tc, test_table);
    tcase_add_loop_test(tc, test_period, 0, SO_TEST_COUNT(period_cases));
    tcase_add_loop_test(tc, test_parse, 0, SO_TEST_COUNT(parse_cases));
    tcase_add_test(tc, test_sets);
    tcase_add_loop_test(tc, test_module_defaults, 0,
                        SO_TEST_COUNT(default_cases));
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
