/*
 * dir_pages.c - the bounded table of paging states.
 */
#include <stdlib.h>
#include <string.h>

#include "dir_pages.h"

struct dir_pages {
    size_t n;
    uint64_t ttl_ms;
    struct dir_page_state slot[];
};

struct dir_pages *dir_pages_new(size_t slots, uint64_t ttl_ms)
{
    struct dir_pages *t;

    if (slots == 0)
        return NULL;
    t = calloc(1, sizeof(*t) + slots * sizeof(t->slot[0]));
    if (t == NULL)
        return NULL;
    t->n = slots;
    t->ttl_ms = ttl_ms;
    return t;
}

void dir_pages_free(struct dir_pages *t)
{
    free(t);
}

static bool live(const struct dir_pages *t, const struct dir_page_state *s,
                 uint64_t now_ms)
{
    return s->used_ms != 0 && now_ms - s->used_ms < t->ttl_ms;
}

struct dir_page_state *dir_pages_get(struct dir_pages *t, const char *key,
                                     uint64_t now_ms)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        struct dir_page_state *s = &t->slot[i];

        if (s->used_ms != 0 && strcmp(s->key, key) == 0) {
            if (!live(t, s, now_ms)) {
                memset(s, 0, sizeof(*s));
                return NULL;
            }
            s->used_ms = now_ms;
            return s;
        }
    }
    return NULL;
}

struct dir_page_state *dir_pages_put(struct dir_pages *t, const char *key,
                                     uint64_t now_ms)
{
    struct dir_page_state *s = NULL;
    size_t i;

    if (strlen(key) >= DIR_PAGES_KEY_MAX)
        return NULL;
    for (i = 0; i < t->n && s == NULL; i++)
        if (t->slot[i].used_ms != 0 && strcmp(t->slot[i].key, key) == 0)
            s = &t->slot[i];
    for (i = 0; i < t->n && s == NULL; i++)
        if (!live(t, &t->slot[i], now_ms))
            s = &t->slot[i];
    if (s == NULL) { /* every slot is live: take the one used last */
        s = &t->slot[0];
        for (i = 1; i < t->n; i++)
            if (t->slot[i].used_ms < s->used_ms)
                s = &t->slot[i];
    }
    memset(s, 0, sizeof(*s));
    strcpy(s->key, key);
    s->used_ms = now_ms == 0 ? 1 : now_ms;
    return s;
}

void dir_pages_drop(struct dir_pages *t, const char *key)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (t->slot[i].used_ms != 0 && strcmp(t->slot[i].key, key) == 0)
            memset(&t->slot[i], 0, sizeof(t->slot[i]));
}
