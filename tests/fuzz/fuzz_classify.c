/*
 * fuzz_classify.c - parse any bytes as a stanza and classify it under a
 * strict and a permissive policy. Crashes and sanitizer reports are bugs;
 * the verdict itself is checked only for internal consistency.
 */
#include <stdint.h>
#include <stdlib.h>

#include "so_omemo.h"
#include "so_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct so_policy *strict_policy;
static struct so_policy *open_policy;

static void setup(void)
{
    strict_policy = so_policy_new();
    open_policy = so_policy_new();
    if (strict_policy == NULL || open_policy == NULL)
        abort();
    so_policy_add_host(strict_policy, "montague.lit");
    so_policy_add_host(open_policy, "capulet.lit");
    so_policy_set(open_policy, "chat", "warn", NULL, 0);
    so_policy_set(open_policy, "strictness", "compatible", NULL, 0);
    so_policy_set(open_policy, "schemes", "omemo2 openpgp pgp-legacy otr", NULL,
                  0);
    so_policy_set(open_policy, "exempt_rooms", "room@conference.capulet.lit",
                  NULL, 0);
}

static void check(const struct so_policy *policy, const struct so_node *root)
{
    struct so_verdict v;

    so_omemo_classify(policy, root, &v);
    /* Invariants every binding relies on. */
    if (v.action == SO_REFUSE && v.cond == SO_COND_NONE)
        abort();
    if (v.action == SO_REWRITE && v.rewrite == 0)
        abort();
    if (v.judged == NULL || (unsigned)v.cls >= SO_CLASS_COUNT ||
        (unsigned)v.reason >= SO_R_COUNT)
        abort();
    (void)so_refusal_text_ur(v.reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct so_arena arena;
    struct so_xml_error err;
    const struct so_node *root;

    if (strict_policy == NULL)
        setup();
    so_arena_init(&arena);
    if (so_xml_parse(&arena, (const char *)data, size, &root, &err) == SO_OK) {
        check(strict_policy, root);
        check(open_policy, root);
    }
    so_arena_free(&arena);
    return 0;
}
