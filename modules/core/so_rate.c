/*
 * so_rate.c - token buckets for a bounded number of requesters
 * (so_rate.h).
 *
 * A bucket's level is counted in sixty-thousandths of a token, so that a
 * rate of N per minute is exactly N units per millisecond and no
 * arithmetic rounds. Buckets live in a fixed array; an open-addressing
 * hash table (linear probing, backward-shift deletion) finds a key's
 * bucket, and a list ordered by last use gives the idlest bucket in
 * constant time when a new key needs room.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "so_rate.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* One token, in the units bucket levels are counted in. */
#define RATE_UNIT 60000u
/* No bucket: the end of the list of buckets by last use. */
#define RATE_NONE SIZE_MAX

struct rate_bucket {
    char *key; /* owned; NULL while the bucket is unused */
    uint64_t hash;
    uint64_t level;   /* tokens * RATE_UNIT */
    uint64_t last_ms; /* when the level was last brought up to date */
    size_t older;     /* neighbours in the list by last use */
    size_t newer;
};

struct so_rate {
    uint64_t cap;    /* burst * RATE_UNIT */
    uint64_t per_ms; /* units gained per millisecond */
    struct rate_bucket *bucket;
    size_t nbucket;
    size_t used;
    size_t *index; /* bucket number + 1; 0 for an empty slot */
    size_t mask;   /* index slots - 1, a power of two minus one */
    size_t oldest; /* the idlest bucket */
    size_t newest;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = FNV_OFFSET;

    for (; *key != '\0'; key++)
        h = (h ^ (unsigned char)*key) * FNV_PRIME;
    return h;
}

struct so_rate *so_rate_new(unsigned burst, unsigned per_minute, size_t slots)
{
    struct so_rate *rate;
    size_t nindex = 1;

    if (burst == 0 || per_minute == 0 || slots == 0 || slots > SIZE_MAX / 8)
        return NULL;
    while (nindex < slots * 2)
        nindex *= 2;
    rate = calloc(1, sizeof(*rate));
    if (rate == NULL)
        return NULL;
    rate->bucket = calloc(slots, sizeof(rate->bucket[0]));
    rate->index = calloc(nindex, sizeof(rate->index[0]));
    if (rate->bucket == NULL || rate->index == NULL) {
        so_rate_free(rate);
        return NULL;
    }
    rate->cap = (uint64_t)burst * RATE_UNIT;
    rate->per_ms = per_minute;
    rate->nbucket = slots;
    rate->mask = nindex - 1;
    rate->oldest = rate->newest = RATE_NONE;
    return rate;
}

void so_rate_free(struct so_rate *rate)
{
    size_t i;

    if (rate == NULL)
        return;
    if (rate->bucket != NULL)
        for (i = 0; i < rate->used; i++)
            free(rate->bucket[i].key);
    free(rate->bucket);
    free(rate->index);
    free(rate);
}

/* The index slot holding KEY's bucket, or the empty slot where it
 * belongs. */
static size_t index_find(const struct so_rate *rate, const char *key,
                         uint64_t h)
{
    size_t i = (size_t)h & rate->mask;
    const struct rate_bucket *b;

    while (rate->index[i] != 0) {
        b = &rate->bucket[rate->index[i] - 1];
        if (b->hash == h && strcmp(b->key, key) == 0)
            return i;
        i = (i + 1) & rate->mask;
    }
    return i;
}

/* Empties index slot I and moves later entries of its run back, so that
 * no lookup stops early at the hole. */
static void index_remove(struct so_rate *rate, size_t i)
{
    size_t j = i, home;

    for (;;) {
        j = (j + 1) & rate->mask;
        if (rate->index[j] == 0)
            break;
        home = (size_t)rate->bucket[rate->index[j] - 1].hash & rate->mask;
        /* the entry at j stays when its home lies cyclically in (i, j] */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        rate->index[i] = rate->index[j];
        i = j;
    }
    rate->index[i] = 0;
}

static void list_unlink(struct so_rate *rate, size_t n)
{
    struct rate_bucket *b = &rate->bucket[n];

    if (b->older != RATE_NONE)
        rate->bucket[b->older].newer = b->newer;
    else
        rate->oldest = b->newer;
    if (b->newer != RATE_NONE)
        rate->bucket[b->newer].older = b->older;
    else
        rate->newest = b->older;
}

static void list_push(struct so_rate *rate, size_t n)
{
    struct rate_bucket *b = &rate->bucket[n];

    b->older = rate->newest;
    b->newer = RATE_NONE;
    if (rate->newest != RATE_NONE)
        rate->bucket[rate->newest].newer = n;
    else
        rate->oldest = n;
    rate->newest = n;
}

/* A full bucket for KEY, taken from the unused ones or from the idlest
 * key; RATE_NONE when out of memory. */
static size_t bucket_claim(struct so_rate *rate, const char *key, uint64_t h,
                           uint64_t now_ms)
{
    char *copy = strdup(key);
    struct rate_bucket *b;
    size_t n;

    if (copy == NULL)
        return RATE_NONE;
    if (rate->used < rate->nbucket) {
        n = rate->used++;
    } else {
        n = rate->oldest;
        b = &rate->bucket[n];
        index_remove(rate, index_find(rate, b->key, b->hash));
        list_unlink(rate, n);
        free(b->key);
    }
    b = &rate->bucket[n];
    b->key = copy;
    b->hash = h;
    b->level = rate->cap;
    b->last_ms = now_ms;
    rate->index[index_find(rate, key, h)] = n + 1;
    list_push(rate, n);
    return n;
}

/* Adds what B has earned since it was last brought up to date. */
static void bucket_refill(const struct so_rate *rate, struct rate_bucket *b,
                          uint64_t now_ms)
{
    uint64_t elapsed, to_full;

    if (now_ms <= b->last_ms)
        return;
    elapsed = now_ms - b->last_ms;
    b->last_ms = now_ms;
    to_full = (rate->cap - b->level + rate->per_ms - 1) / rate->per_ms;
    if (elapsed >= to_full)
        b->level = rate->cap;
    else
        b->level += elapsed * rate->per_ms;
}

bool so_rate_take(struct so_rate *rate, const char *key, uint64_t now_ms,
                  unsigned *retry_s)
{
    uint64_t h, wait_ms;
    size_t i, n;
    struct rate_bucket *b;

    if (key == NULL)
        key = "";
    h = hash_key(key);
    i = index_find(rate, key, h);
    if (rate->index[i] != 0) {
        n = rate->index[i] - 1;
        bucket_refill(rate, &rate->bucket[n], now_ms);
        list_unlink(rate, n);
        list_push(rate, n);
    } else {
        n = bucket_claim(rate, key, h, now_ms);
    }
    if (n == RATE_NONE) {
        /* out of memory: refuse rather than let a request through
         * unlimited */
        if (retry_s != NULL)
            *retry_s = 1;
        return false;
    }
    b = &rate->bucket[n];
    if (b->level >= RATE_UNIT) {
        b->level -= RATE_UNIT;
        return true;
    }
    if (retry_s != NULL) {
        wait_ms = (RATE_UNIT - b->level + rate->per_ms - 1) / rate->per_ms;
        *retry_s = (unsigned)((wait_ms + 999) / 1000);
        if (*retry_s == 0)
            *retry_s = 1;
    }
    return false;
}
