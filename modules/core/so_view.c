/*
 * so_view.c - the stanza view and its arena.
 */
#include "so_view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct so_arena_block {
    struct so_arena_block *next;
    _Alignas(16) char data[];
};

#define SO_ARENA_BLOCK 16384

const char *so_err_str(enum so_err err)
{
    switch (err) {
    case SO_OK:
        return "ok";
    case SO_ENOMEM:
        return "out of memory";
    case SO_EINVAL:
        return "invalid argument";
    case SO_ELIMIT:
        return "limit exceeded";
    case SO_EPARSE:
        return "malformed input";
    }
    return "unknown error";
}

void so_arena_init(struct so_arena *arena)
{
    arena->extra = NULL;
    arena->used = 0;
    arena->nodes = 0;
    arena->cur = arena->inline_block;
    arena->left = sizeof(arena->inline_block);
}

void so_arena_free(struct so_arena *arena)
{
    struct so_arena_block *b = arena->extra;

    while (b != NULL) {
        struct so_arena_block *next = b->next;
        free(b);
        b = next;
    }
    so_arena_init(arena);
}

void *so_arena_alloc(struct so_arena *arena, size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    void *p;

    if (need < size)
        return NULL;
    if (need > arena->left) {
        size_t cap = need > SO_ARENA_BLOCK ? need : SO_ARENA_BLOCK;
        struct so_arena_block *b;

        if (cap > SIZE_MAX - sizeof(*b))
            return NULL;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->next = arena->extra;
        arena->extra = b;
        arena->cur = b->data;
        arena->left = cap;
    }
    p = arena->cur;
    arena->cur += need;
    arena->left -= need;
    arena->used += need;
    memset(p, 0, size);
    return p;
}

char *so_arena_strndup(struct so_arena *arena, const char *s, size_t len)
{
    char *copy;

    if (len == SIZE_MAX)
        return NULL;
    copy = so_arena_alloc(arena, len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

struct so_node *so_view_node_new(struct so_arena *arena, struct so_node *parent,
                                 enum so_err *err)
{
    struct so_node *node;

    if (arena->nodes >= SO_VIEW_MAX_NODES ||
        (parent != NULL && parent->depth + 1 >= SO_VIEW_MAX_DEPTH)) {
        *err = SO_ELIMIT;
        return NULL;
    }
    node = so_arena_alloc(arena, sizeof(*node));
    if (node == NULL) {
        *err = SO_ENOMEM;
        return NULL;
    }
    arena->nodes++;
    node->name = "";
    node->ns = "";
    node->text = "";
    if (parent != NULL) {
        node->parent = parent;
        node->depth = parent->depth + 1;
        if (parent->last_child == NULL)
            parent->first_child = node;
        else
            ((struct so_node *)parent->last_child)->next = node;
        parent->last_child = node;
    }
    *err = SO_OK;
    return node;
}

enum so_err so_view_attr_add(struct so_arena *arena, struct so_node *node,
                             const char *name, const char *value)
{
    struct so_attr *attr = so_arena_alloc(arena, sizeof(*attr));

    if (attr == NULL)
        return SO_ENOMEM;
    attr->name = name;
    attr->value = value;
    attr->next = node->attrs;
    node->attrs = attr;
    return SO_OK;
}

const char *so_node_attr(const struct so_node *node, const char *name)
{
    const struct so_attr *a;

    for (a = node->attrs; a != NULL; a = a->next)
        if (a->name[0] == name[0] && strcmp(a->name, name) == 0)
            return a->value;
    return NULL;
}

const struct so_node *so_node_child(const struct so_node *node,
                                    const char *name, const char *ns)
{
    const struct so_node *c;

    for (c = node->first_child; c != NULL; c = c->next)
        if (strcmp(c->name, name) == 0 && (ns == NULL || !strcmp(c->ns, ns)))
            return c;
    return NULL;
}

bool so_node_has_text(const struct so_node *node)
{
    size_t i;

    for (i = 0; i < node->text_len; i++) {
        char c = node->text[i];

        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return true;
    }
    return false;
}
