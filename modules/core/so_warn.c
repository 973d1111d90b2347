/*
 * so_warn.c - a fixed-size table of recently warned conversations.
 *
 * Each slot keeps a 64-bit hash of "from\0to" (ASCII-lower-cased) and the
 * time of the last notice. A new conversation simply takes over its slot.
 */
#include "so_warn.h"

#include <stdint.h>
#include <stdlib.h>

struct warn_slot {
    uint64_t hash; /* 0: empty */
    unsigned long when;
};

struct so_warn_table {
    size_t mask;
    struct warn_slot slots[];
};

struct so_warn_table *so_warn_table_new(size_t slots)
{
    struct so_warn_table *table;
    size_t n = 1;

    if (slots > (SIZE_MAX / 2) / sizeof(struct warn_slot))
        return NULL;
    while (n < slots)
        n <<= 1;
    table = calloc(1, sizeof(*table) + n * sizeof(struct warn_slot));
    if (table == NULL)
        return NULL;
    table->mask = n - 1;
    return table;
}

void so_warn_table_free(struct so_warn_table *table)
{
    free(table);
}

/* FNV-1a over S, lower-casing ASCII, continuing from H. */
static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

bool so_warn_due(struct so_warn_table *table, const char *from, const char *to,
                 unsigned long now, unsigned long interval)
{
    struct warn_slot *slot;
    uint64_t h = 0xcbf29ce484222325ULL;

    if (table == NULL || from == NULL || to == NULL)
        return true;
    h = hash_str(h, from);
    h ^= 0xff; /* a separator no JID byte sequence can forge */
    h *= 0x100000001b3ULL;
    h = hash_str(h, to);
    if (h == 0)
        h = 1;
    slot = &table->slots[(h ^ (h >> 32)) & table->mask];
    if (slot->hash == h && now >= slot->when && now - slot->when < interval)
        return false;
    slot->hash = h;
    slot->when = now;
    return true;
}
