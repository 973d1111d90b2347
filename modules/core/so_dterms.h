/*
 * so_dterms.h - the search terms of one directory entry, as stored in
 * smartoffice.employee.terms and matched by the search (so_dquery).
 *
 * Terms (each a NUL-terminated string):
 *   "=w"      every strict word of name_en, name_ur, the designation, the
 *             names (both scripts) of the unit and every unit above it,
 *             and the city's names;
 *   "^p"      every prefix p, of two code points or more, of every strict
 *             word of the two names (the whole word included);
 *   "~=w", "~^p"  the same for the loose key of the names' words, only
 *             where it differs from the strict one;
 *   "u:CODE"  the unit and every unit above it;
 *   "c:CODE"  the city;
 *   "g:N"     the BPS grade;
 *   "d:w"     every strict word of the designation.
 * Duplicates are removed; the order is unspecified.
 */
#ifndef SO_DTERMS_H
#define SO_DTERMS_H

#include <stddef.h>

#include "so_view.h"

/* What one entry's terms are computed from. Units run from the entry's
 * own unit up to the root. All strings UTF-8, borrowed. */
struct so_dentry {
    const char *name_en;
    const char *name_ur;
    const char *designation;
    int bps;
    const char *city_code;
    const char *city_en;
    const char *city_ur;
    size_t nunits;
    const char *const *unit_code;
    const char *const *unit_en;
    const char *const *unit_ur;
};

struct so_dterms_arena;

/* A growing list of terms, reused from one so_dterms_build() to the
 * next so that a long import allocates only while it warms up. */
struct so_dterms {
    size_t n;
    char **term; /* owned array; the strings live in ARENA */
    size_t cap;
    struct so_dterms_arena *arena; /* owned; private to so_dterms.c */
};

/*
 * Computes E's terms into *T (emptied first; T must be zeroed before its
 * first use) and E's name_key (so_fold_text of name_en, strict) into
 * NAME_KEY. Returns SO_OK, SO_EINVAL when a field is not valid text,
 * SO_ELIMIT, or SO_ENOMEM. Free T's contents with so_dterms_clear().
 */
enum so_err so_dterms_build(const struct so_dentry *e, struct so_dterms *t,
                            char *name_key, size_t keylen);
void so_dterms_clear(struct so_dterms *t);

#endif
