/*
 * dir_pages.h - where a search continues: a bounded table, in memory
 * only, of the last search of each requester (the chat interface, keyed
 * by bare JID) or of each command session (keyed by session id and full
 * JID). A slot keeps the folded query and the cursor, never the text
 * typed; slots expire, and when the table is full the slot used longest
 * ago is taken.
 */
#ifndef DIR_PAGES_H
#define DIR_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "dir_service.h"

/* Longest key, NUL included. */
#define DIR_PAGES_KEY_MAX 2304

struct dir_page_state {
    char key[DIR_PAGES_KEY_MAX];
    bool has_query; /* false: a command session waiting for its form */
    struct dir_query query;
    char cursor[ST_DIR_CURSOR_MAX]; /* after this entry; "": from start */
    uint64_t used_ms;               /* 0: free */
};

struct dir_pages;

/* A table of SLOTS states that expire TTL_MS after their last use. NULL
 * when out of memory. */
struct dir_pages *dir_pages_new(size_t slots, uint64_t ttl_ms);
void dir_pages_free(struct dir_pages *t);

/* The live state of KEY, borrowed from T until the next call, or NULL.
 * Using it renews it. */
struct dir_page_state *dir_pages_get(struct dir_pages *t, const char *key,
                                     uint64_t now_ms);

/* The state of KEY, emptied if it existed, else a new one taken from a
 * free, expired or least recently used slot. Borrowed; NULL only when
 * KEY is too long. */
struct dir_page_state *dir_pages_put(struct dir_pages *t, const char *key,
                                     uint64_t now_ms);

/* Forgets KEY's state. */
void dir_pages_drop(struct dir_pages *t, const char *key);

#endif
