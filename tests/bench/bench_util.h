/*
 * bench_util.h - the clock and the median that the benchmarks share.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic time in nanoseconds. */
static inline double bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Monotonic time in seconds. */
static inline double bench_now_s(void)
{
    return bench_now_ns() / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Sorts v[0..n) in place and returns its median; n must be at least 1. */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A Conversations OMEMO 0.3 message's start: the
 * encrypted element up to its two keys for the recipient's devices. */
#define BENCH_OMEMO_OPEN                                                       \
    "<encrypted xmlns='eu.siacs.conversations.axolotl'>"                       \
    "<header sid='1837462910'>"                                                \
    "<key rid='420981347'>MwohBUx3lmOI7bbbVOaS3SzTFEcCYvuhXWRQ8oxsXhjwpRFJ"    \
    "EAAYACIwq0fDNDO6n5Fgo5nLcOg04/Cc0g3ggN85LTVhvcV7t3W6eObvWj1tRpN8Tqn3"     \
    "wYG3MDBTLQ==</key>"                                                       \
    "<key rid='1094732751'>MwohBXsbmN3rlf8NlMmmJX5GqZHHnM0UdSJibQxkGFNbAk"     \
    "Q7EAEYACIwnBtbm5KjWTzCQ9n5ql+CnDZd3CcoDi5KwiN3/l/4Vmc9lbXj1FmlGHn7Y"      \
    "Zb2AkNPHQ==</key>"

/* The rest of it: iv, payload, the fallback body and the hints. */
#define BENCH_OMEMO_CLOSE                                                      \
    "<iv>meuCrkRg5+TG+aWM</iv>"                                                \
    "</header>"                                                                \
    "<payload>nV68oN2NgidAcVpyxbA5SOLUFJGWqwJO3RVFXV/4k50+fuhOBdGg0sOk"        \
    "</payload>"                                                               \
    "</encrypted>"                                                             \
    "<body>I sent you an OMEMO encrypted message but your client doesn't "     \
    "seem to support that. Find more information on "                          \
    "https://conversations.im/omemo</body>"                                    \
    "<encryption xmlns='urn:xmpp:eme:0' "                                      \
    "namespace='eu.siacs.conversations.axolotl' name='OMEMO'/>"                \
    "<store xmlns='urn:xmpp:hints'/>"                                          \
    "<request xmlns='urn:xmpp:receipts'/>"                                     \
    "<markable xmlns='urn:xmpp:chat-markers:0'/>"

#endif
