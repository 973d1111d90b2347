/*
 * so_view.h - a read-only view of one parsed XMPP stanza.
 *
 * A host binding (Prosody's Lua tables, an expat parse of a file, later
 * ejabberd's xmlel) fills these structs; the core only reads them. Strings
 * are borrowed from whoever built the view and must outlive every call that
 * is handed the view. Nothing here is ever re-serialised.
 *
 * Nodes, attributes and copied strings come from one arena so a whole view
 * is released with a single so_arena_free().
 */
#ifndef SO_VIEW_H
#define SO_VIEW_H

#include <stdbool.h>
#include <stddef.h>

/* The closed set of error codes of the core. Compare against SO_OK. */
enum so_err {
    SO_OK = 0,
    SO_ENOMEM, /* an allocation failed */
    SO_EINVAL, /* a bad argument or a bad option value */
    SO_ELIMIT, /* input larger or deeper than the core accepts */
    SO_EPARSE, /* input is not well-formed XML, or uses a refused feature */
};

/* A short lower-case name of an error code ("out of memory", ...). */
const char *so_err_str(enum so_err err);

/* Limits on what a view may hold. A builder returns SO_ELIMIT beyond them. */
#define SO_VIEW_MAX_DEPTH 32
#define SO_VIEW_MAX_NODES 4096

struct so_attr {
    const char *name; /* local name, or "xml:lang" */
    const char *value;
    const struct so_attr *next;
};

struct so_node {
    const char *name; /* local name, never NULL */
    const char *ns;   /* resolved namespace URI, never NULL ("" if none) */
    const struct so_attr *attrs;
    /* All character data directly inside this element, concatenated. */
    const char *text;
    size_t text_len;
    const struct so_node *parent;
    const struct so_node *first_child; /* element children, in order */
    const struct so_node *next;        /* next sibling element */
    const struct so_node *last_child;  /* for builders appending children */
    unsigned depth;                    /* 0 for the root */
};

/* Value of attribute NAME, borrowed from the view; NULL when absent. */
const char *so_node_attr(const struct so_node *node, const char *name);

/* First child element named NAME in namespace NS (NS NULL: any); NULL if
 * none. Borrowed. */
const struct so_node *so_node_child(const struct so_node *node,
                                    const char *name, const char *ns);

/* True when the node's own text holds anything but XML white space. */
bool so_node_has_text(const struct so_node *node);

/*
 * Arena: a bump allocator for one view. The first block lives inside the
 * struct so that a small stanza costs no malloc at all.
 */
#define SO_ARENA_INLINE 4096

struct so_arena_block;

struct so_arena {
    struct so_arena_block *extra; /* blocks taken with malloc, newest first */
    size_t used;
    size_t nodes; /* nodes handed out, checked against SO_VIEW_MAX_NODES */
    char *cur;    /* current block and its free space */
    size_t left;
    _Alignas(16) char inline_block[SO_ARENA_INLINE];
};

void so_arena_init(struct so_arena *arena);
/* Releases every extra block; the arena can be used again afterwards. */
void so_arena_free(struct so_arena *arena);
/* Zeroed memory owned by the arena, or NULL when out of memory. */
void *so_arena_alloc(struct so_arena *arena, size_t size);
/* A NUL-terminated copy of S[0..LEN) owned by the arena, or NULL. */
char *so_arena_strndup(struct so_arena *arena, const char *s, size_t len);

/*
 * Helpers for builders. so_view_node_new() returns a zeroed node linked as
 * the last child of PARENT (or a root when PARENT is NULL), or NULL with
 * *ERR set to SO_ENOMEM or SO_ELIMIT. The caller sets name, ns and text.
 */
struct so_node *so_view_node_new(struct so_arena *arena, struct so_node *parent,
                                 enum so_err *err);
/* Prepends an attribute to NODE; NAME and VALUE are borrowed. */
enum so_err so_view_attr_add(struct so_arena *arena, struct so_node *node,
                             const char *name, const char *value);

#endif
