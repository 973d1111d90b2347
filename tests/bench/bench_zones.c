/*
 * bench_zones.c - cost of one federation decision, so_zones_allows(), with
 * 10,000 approved zones.
 *
 * Half the zones are exact domains, half "*." patterns, spread over
 * several parents as a national deployment would have them. Four kinds of
 * remote domain are asked about: an exact hit, a subdomain under a
 * wildcard, a miss in a known parent, and a miss with many labels under an
 * unknown one. Each kind is timed on its own and in an even mix; several
 * runs are made and the median is reported in ns per decision.
 *
 * Not a test: figures are printed, never enforced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_domain.h"
#include "so_zones.h"
#include "bench_util.h"

#define ZONES 10000
#define QUERIES 4096 /* per kind; a power of two */
#define RUNS 7
#define ROUNDS 200

enum kind { EXACT_HIT, WILD_HIT, NEAR_MISS, DEEP_MISS, MIX, KINDS };

static const char *const kind_names[KINDS] = {
    "exact hit",      "wildcard hit", "miss, known parent",
    "miss, 6 labels", "even mix",
};

static const char *const parents[] = {"gov.pk", "punjab.gov.pk", "sindh.gov.pk",
                                      "kp.gov.pk", "xn--mgbai9azgqp6j.example"};
#define PARENTS (sizeof(parents) / sizeof(parents[0]))

static char zone_text[ZONES][SO_DOMAIN_BUF];
static char query_text[KINDS][QUERIES][SO_DOMAIN_BUF];

static void build_zones(const char **ptrs)
{
    size_t i;

    for (i = 0; i < ZONES; i++) {
        snprintf(zone_text[i], SO_DOMAIN_BUF, "%sdept%zu.%s", i % 2 ? "*." : "",
                 i / 2, parents[i % PARENTS]);
        ptrs[i] = zone_text[i];
    }
}

/* Zone I (an exact one when I is even) as a domain of kind K. */
static void build_query(enum kind k, size_t q, char *out)
{
    size_t i = (q * 7919) % ZONES;
    size_t even = i & ~(size_t)1, odd = i | 1;

    switch (k) {
    case EXACT_HIT:
        snprintf(out, SO_DOMAIN_BUF, "%s", zone_text[even]);
        break;
    case WILD_HIT:
        snprintf(out, SO_DOMAIN_BUF, "xmpp.%s", zone_text[odd] + 2);
        break;
    case NEAR_MISS:
        snprintf(out, SO_DOMAIN_BUF, "office%zu.%s", i, parents[i % PARENTS]);
        break;
    case DEEP_MISS:
        snprintf(out, SO_DOMAIN_BUF, "a.b.c.host%zu.example.org", i);
        break;
    default:
        build_query((enum kind)(q % MIX), q / MIX, out);
        break;
    }
}

static double time_kind(const struct so_zones *z, enum kind k, size_t *allowed)
{
    double runs[RUNS], start;
    size_t r, round, q;

    for (r = 0; r < RUNS; r++) {
        *allowed = 0;
        start = bench_now_ns();
        for (round = 0; round < ROUNDS; round++) {
            for (q = 0; q < QUERIES; q++)
                *allowed += so_zones_allows(z, query_text[k][q]);
        }
        runs[r] = (bench_now_ns() - start) / ((double)ROUNDS * QUERIES);
    }
    return bench_median(runs, RUNS);
}

int main(void)
{
    static const char *ptrs[ZONES];
    struct so_zones *z;
    enum so_err err;
    double ns, start;
    size_t q, allowed;
    int k;

    build_zones(ptrs);
    for (k = 0; k < KINDS; k++) {
        for (q = 0; q < QUERIES; q++)
            build_query((enum kind)k, q, query_text[k][q]);
    }
    start = bench_now_ns();
    z = so_zones_new(ptrs, ZONES, &err);
    if (z == NULL) {
        fprintf(stderr, "bench_zones: so_zones_new: %s\n", so_err_str(err));
        return 1;
    }
    printf("zone set: %zu zones (half exact, half wildcard) built in "
           "%.2f ms\n",
           so_zones_count(z), (bench_now_ns() - start) / 1e6);
    printf("so_zones_allows, median of %d runs of %d decisions:\n", RUNS,
           ROUNDS * QUERIES);
    for (k = 0; k < KINDS; k++) {
        ns = time_kind(z, (enum kind)k, &allowed);
        printf("  %-20s %7.1f ns/decision  (%zu of %d allowed)\n",
               kind_names[k], ns, allowed / ROUNDS, QUERIES);
    }
    so_zones_free(z);
    return 0;
}
