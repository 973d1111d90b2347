/*
 * so_rate.h - per-requester rate limits (token buckets), so that the
 * directory cannot be harvested one query at a time.
 *
 * A limiter holds one bucket per key (a bare JID) in a fixed-size table;
 * when the table is full the bucket idle longest is reused, so memory is
 * bounded whatever the number of requesters. Time is passed in by the
 * caller (monotonic milliseconds), so tests need no clock.
 */
#ifndef SO_RATE_H
#define SO_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct so_rate;

/* A limiter allowing BURST requests at once and PER_MINUTE on average,
 * for up to SLOTS keys. NULL when out of memory or an argument is 0. */
struct so_rate *so_rate_new(unsigned burst, unsigned per_minute, size_t slots);
void so_rate_free(struct so_rate *rate);

/*
 * Takes one token from KEY's bucket at time NOW_MS. True when allowed;
 * false when the bucket is empty, with *RETRY_S (when not NULL) set to the
 * seconds until a token is back.
 */
bool so_rate_take(struct so_rate *rate, const char *key, uint64_t now_ms,
                  unsigned *retry_s);

#endif
