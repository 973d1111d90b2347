/*
 * bench_core.c - cost of so_omemo_classify() on an already-built view.
 *
 * Each stanza is parsed once with so_xml_parse(); the classifier then runs
 * on that view in a timed loop. Several runs are made and the median is
 * reported, in ns per stanza and stanzas per second on one core. The cost
 * of building the view from XML text is shown separately: Prosody hands
 * the binding an already-parsed stanza, so it is context, not hot path.
 *
 * Not a test: the comparison with the target is printed, never enforced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_omemo.h"
#include "so_xml.h"
#include "bench_util.h"

#define RUNS 7
#define RUN_NS 200000000.0 /* aim for about 0.2 s per run */
#define TARGET_PER_S 1000000.0
#define GROUP_JIDS 5
#define GROUP_DEVICES_PER_JID 4

/* A 1:1 message as Conversations sends it: OMEMO 0.3 for three devices. */
static const char typical_xml[] =
    "<message xmlns='jabber:client' to='bob@example.gov' "
    "from='alice@example.gov/Conversations.Ab1c' type='chat' "
    "id='3f9d8c2e-4b1a-4c6e-9f0a-2d7e5b8c1a90'>" BENCH_OMEMO_OPEN
    "<key prekey='true' rid='2039485761'>MwjmwJ0DEiEFh8bXrV6NqkfAYnzUg1Ms"
    "+1XRlgPq+3VCk3nZEEvv6DQaIQXxqIlJ3B81I5Ai3ro2NPGAXk3KnIIiB3tnXqdHW3D"
    "YWyJiMwohBSWhJ1VWMZRfHrqQtV2Fyt7dq+4ZI1nF2MzuoUWRXwN8EAAYACIwxQyNuG"
    "Z9w8Pj0gZH+R6ZCXo1uGgsLbVUo3ELMsg=</key>" BENCH_OMEMO_CLOSE
    "<origin-id xmlns='urn:xmpp:sid:0' "
    "id='3f9d8c2e-4b1a-4c6e-9f0a-2d7e5b8c1a90'/>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>";

static const char plaintext_xml[] =
    "<message xmlns='jabber:client' to='bob@example.gov' "
    "from='alice@example.gov/laptop' type='chat' id='p1'>"
    "<body>The budget file is on the shared drive.</body>"
    "<request xmlns='urn:xmpp:receipts'/>"
    "<markable xmlns='urn:xmpp:chat-markers:0'/>"
    "<origin-id xmlns='urn:xmpp:sid:0' id='p1'/>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>";

/* An OMEMO 2 key (a serialised OMEMOKeyExchange-sized blob, base64). */
static const char omemo2_key[] =
    "CiEFsWx0ijOSprP3EdWlEyD8BB9nZcmGdSCIUqUu3iNC6EoSIC1Qfn3Ygs5oxGV1vW"
    "i1yN9G3gLcJkUn2TzROUkN5Rx7GiQIARIgVq3PlxJxb1Kk/YBtHzWk5/6cI1fqHQkb"
    "KzmYTOMbnTQ=";

struct bench_case {
    const char *label;
    const char *xml;
    size_t len;
    enum so_action expect; /* sanity: the path we mean to time */
    struct so_arena arena;
    const struct so_node *root;
};

/* Writes a groupchat message encrypted for GROUP_JIDS * per-JID devices. */
static char *group_xml_new(size_t *len)
{
    size_t cap = 16384, off = 0;
    char *buf = malloc(cap);
    int j, d;

    if (buf == NULL)
        return NULL;
    off += (size_t)snprintf(
        buf + off, cap - off,
        "<message xmlns='jabber:client' to='finance@conference.example.gov'"
        " from='alice@example.gov/Dino.x7' type='groupchat' id='g1'>"
        "<encrypted xmlns='urn:xmpp:omemo:2'><header sid='27183'>");
    for (j = 0; j < GROUP_JIDS; j++) {
        off += (size_t)snprintf(buf + off, cap - off,
                                "<keys jid='user%d@example.gov'>", j);
        for (d = 0; d < GROUP_DEVICES_PER_JID; d++)
            off += (size_t)snprintf(
                buf + off, cap - off, "<key rid='%d'%s>%s</key>",
                1000 + j * 100 + d, d == 0 ? " kex='true'" : "", omemo2_key);
        off += (size_t)snprintf(buf + off, cap - off, "</keys>");
    }
    off += (size_t)snprintf(
        buf + off, cap - off,
        "</header><payload>uDM3dfgctz+jAFgnTuOcVvUXuigr+84wlNK8v92ukPzeqiGE"
        "WBvji7F7+YIN3VEf</payload></encrypted>"
        "<store xmlns='urn:xmpp:hints'/>"
        "<origin-id xmlns='urn:xmpp:sid:0' id='g1'/></message>");
    if (off >= cap) {
        free(buf);
        return NULL;
    }
    *len = off;
    return buf;
}

static volatile unsigned sink;

static double classify_once(const struct so_policy *policy,
                            const struct so_node *root, unsigned long iters)
{
    struct so_verdict v;
    unsigned acc = 0;
    unsigned long i;
    double t0 = bench_now_ns();

    for (i = 0; i < iters; i++) {
        so_omemo_classify(policy, root, &v);
        acc += (unsigned)v.action + (unsigned)v.reason;
    }
    sink = acc;
    return (bench_now_ns() - t0) / (double)iters;
}

static double parse_once(const struct bench_case *c, unsigned long iters)
{
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root;
    unsigned acc = 0;
    unsigned long i;
    double t0 = bench_now_ns();

    for (i = 0; i < iters; i++) {
        so_arena_init(&arena);
        acc += (unsigned)so_xml_parse(&arena, c->xml, c->len, &root, &xerr);
        so_arena_free(&arena);
    }
    sink = acc;
    return (bench_now_ns() - t0) / (double)iters;
}

/* Iterations that take about RUN_NS, from a short trial. */
static unsigned long calibrate(double ns_per_op)
{
    double n = RUN_NS / (ns_per_op > 1 ? ns_per_op : 1);

    return n < 1000 ? 1000 : (unsigned long)n;
}

static double bench_classify(const struct so_policy *policy,
                             const struct bench_case *c)
{
    double runs[RUNS];
    unsigned long iters = calibrate(classify_once(policy, c->root, 10000));
    int r;

    for (r = 0; r < RUNS; r++)
        runs[r] = classify_once(policy, c->root, iters);
    return bench_median(runs, RUNS);
}

static double bench_parse(const struct bench_case *c)
{
    double runs[RUNS];
    unsigned long iters = calibrate(parse_once(c, 1000));
    int r;

    for (r = 0; r < RUNS; r++)
        runs[r] = parse_once(c, iters);
    return bench_median(runs, RUNS);
}

/* Parses each case and checks the verdict is the one we mean to time. */
static int prepare(const struct so_policy *policy, struct bench_case *c)
{
    struct so_xml_error xerr;
    struct so_verdict v;

    so_arena_init(&c->arena);
    if (so_xml_parse(&c->arena, c->xml, c->len, &c->root, &xerr) != SO_OK) {
        fprintf(stderr, "bench_core: %s: %lu:%lu: %s\n", c->label, xerr.line,
                xerr.column, xerr.msg);
        return -1;
    }
    so_omemo_classify(policy, c->root, &v);
    printf("  %-40s %s %s, %s\n", c->label, so_action_str(v.action),
           so_class_str(v.cls), so_reason_str(v.reason));
    if (v.action != c->expect) {
        fprintf(stderr, "bench_core: %s: expected %s, got %s\n", c->label,
                so_action_str(c->expect), so_action_str(v.action));
        return -1;
    }
    return 0;
}

int main(void)
{
    struct bench_case cases[3] = {
        {"typical 1:1 (OMEMO 0.3, 3 keys)",
         typical_xml,
         sizeof(typical_xml) - 1,
         SO_REWRITE,
         {0},
         NULL},
        {"group (OMEMO 2, 20 devices)", NULL, 0, SO_ALLOW, {0}, NULL},
        {"plaintext refusal",
         plaintext_xml,
         sizeof(plaintext_xml) - 1,
         SO_REFUSE,
         {0},
         NULL},
    };
    struct so_policy *policy;
    char *group = NULL;
    int rc = 1, prepared = 0, i;

    policy = so_policy_new();
    if (policy == NULL || so_policy_add_host(policy, "example.gov") != SO_OK)
        goto out;
    group = group_xml_new(&cases[1].len);
    if (group == NULL)
        goto out;
    cases[1].xml = group;

    printf("verdicts (default policy):\n");
    for (; prepared < 3; prepared++) {
        if (prepare(policy, &cases[prepared]) != 0) {
            prepared++;
            goto out;
        }
    }

    printf("\nso_omemo_classify on a built view, one core, median of %d "
           "runs:\n",
           RUNS);
    for (i = 0; i < 3; i++) {
        double ns = bench_classify(policy, &cases[i]);

        printf("  %-40s %8.1f ns/stanza %12.0f stanzas/s", cases[i].label, ns,
               1e9 / ns);
        if (i == 0)
            printf("  target %.0f/s: %s", TARGET_PER_S,
                   1e9 / ns >= TARGET_PER_S ? "PASS" : "BELOW");
        printf("\n");
    }

    printf("\nfor context, building the view from XML (so_xml_parse, "
           "expat):\n");
    for (i = 0; i < 3; i++) {
        double ns = bench_parse(&cases[i]);

        printf("  %-40s %8.1f ns/stanza %12.0f stanzas/s (%zu bytes)\n",
               cases[i].label, ns, 1e9 / ns, cases[i].len);
    }
    rc = 0;
out:
    for (i = 0; i < prepared; i++)
        so_arena_free(&cases[i].arena);
    free(group);
    so_policy_free(policy);
    return rc;
}
