/*
 * so_zones.c - an immutable set of federation zones.
 *
 * One open-addressing hash table keyed by domain name. A name's entry says
 * whether the name itself is approved (an exact pattern) and whether its
 * strict subdomains are (a "*." pattern). The hash is computed from the
 * last byte of a name towards the first, so while a domain is read from
 * right to left the hash of each of its suffixes is at hand when a dot is
 * reached: one pass over the domain gives every probe a decision needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "so_domain.h"
#include "so_zones.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

#define ZONE_EXACT 1u /* the name itself is approved */
#define ZONE_WILD 2u  /* every strict subdomain of the name is approved */

/* One slot; len 0 marks an empty slot (no name is empty). */
struct zone_entry {
    uint64_t hash;
    uint32_t off; /* of the name in so_zones.names */
    uint16_t len;
    uint8_t flags;
};

struct so_zones {
    struct zone_entry *slots;
    size_t mask; /* slot count - 1; the count is a power of two */
    size_t count;
    char *names; /* every distinct name, back to back, no terminators */
    size_t names_len;
};

static uint64_t hash_step(uint64_t h, char c)
{
    return (h ^ (unsigned char)c) * FNV_PRIME;
}

/* The hash of S[0..LEN), read from the end as the lookup does. */
static uint64_t hash_name(const char *s, size_t len)
{
    uint64_t h = FNV_OFFSET;

    while (len-- > 0)
        h = hash_step(h, s[len]);
    return h;
}

/* True for the normalised form: [*.]ldh-labels, no empty label. */
static bool pattern_valid(const char *p)
{
    size_t len;

    if (strncmp(p, "*.", 2) == 0)
        p += 2;
    len = strlen(p);
    if (len == 0 || len > SO_DOMAIN_MAX || p[0] == '.' || p[len - 1] == '.')
        return false;
    if (strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len)
        return false;
    return strstr(p, "..") == NULL;
}

/* The slot holding NAME[0..LEN), or the empty slot where it belongs. */
static struct zone_entry *slot_find(const struct so_zones *z, uint64_t h,
                                    const char *name, size_t len)
{
    size_t i = (size_t)h & z->mask;
    struct zone_entry *e;

    for (;;) {
        e = &z->slots[i];
        if (e->len == 0)
            return e;
        if (e->hash == h && e->len == len &&
            memcmp(z->names + e->off, name, len) == 0)
            return e;
        i = (i + 1) & z->mask;
    }
}

static void zone_insert(struct so_zones *z, const char *pattern)
{
    unsigned flags = ZONE_EXACT;
    size_t len;
    uint64_t h;
    struct zone_entry *e;

    if (strncmp(pattern, "*.", 2) == 0) {
        pattern += 2;
        flags = ZONE_WILD;
    }
    len = strlen(pattern);
    h = hash_name(pattern, len);
    e = slot_find(z, h, pattern, len);
    if (e->len == 0) {
        e->hash = h;
        e->off = (uint32_t)z->names_len;
        e->len = (uint16_t)len;
        memcpy(z->names + z->names_len, pattern, len);
        z->names_len += len;
    }
    if ((e->flags & flags) == 0)
        z->count++;
    e->flags |= (uint8_t)flags;
}

struct so_zones *so_zones_new(const char *const *patterns, size_t n,
                              enum so_err *err)
{
    struct so_zones *z = NULL;
    size_t i, bytes = 0, slots = 16;

    *err = SO_EINVAL;
    for (i = 0; i < n; i++) {
        if (patterns[i] == NULL || !pattern_valid(patterns[i]))
            goto fail;
        bytes += strlen(patterns[i]);
    }
    *err = SO_ENOMEM;
    if (n > SIZE_MAX / 4 || bytes > UINT32_MAX)
        goto fail;
    while (slots < 2 * n)
        slots *= 2;
    z = calloc(1, sizeof(*z));
    if (z == NULL)
        goto fail;
    z->mask = slots - 1;
    z->slots = calloc(slots, sizeof(*z->slots));
    if (z->slots == NULL)
        goto fail_zones;
    z->names = malloc(bytes > 0 ? bytes : 1);
    if (z->names == NULL)
        goto fail_slots;
    for (i = 0; i < n; i++)
        zone_insert(z, patterns[i]);
    *err = SO_OK;
    return z;

fail_slots:
    free(z->slots);
fail_zones:
    free(z);
fail:
    return NULL;
}

void so_zones_free(struct so_zones *zones)
{
    if (zones == NULL)
        return;
    free(zones->names);
    free(zones->slots);
    free(zones);
}

size_t so_zones_count(const struct so_zones *zones)
{
    return zones != NULL ? zones->count : 0;
}

/* True when NAME[0..LEN), hashed to H, has an entry with FLAG. */
static bool zone_has(const struct so_zones *z, uint64_t h, const char *name,
                     size_t len, unsigned flag)
{
    const struct zone_entry *e = slot_find(z, h, name, len);

    return (e->flags & flag) != 0;
}

bool so_zones_allows(const struct so_zones *zones, const char *domain)
{
    uint64_t h = FNV_OFFSET;
    size_t len, i;

    if (zones == NULL || domain == NULL)
        return false;
    len = strlen(domain);
    if (len == 0)
        return false;
    for (i = len; i-- > 0;) {
        /* here h is the hash of domain[i + 1 .. len) */
        if (domain[i] == '.' && i > 0 && i + 1 < len &&
            zone_has(zones, h, domain + i + 1, len - i - 1, ZONE_WILD))
            return true;
        h = hash_step(h, domain[i]);
    }
    return zone_has(zones, h, domain, len, ZONE_EXACT);
}
