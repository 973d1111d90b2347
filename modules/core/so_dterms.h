/*
 * so_dterms.h - the search terms of one directory entry, as stored in
 * smartoffice.employee.terms, and of one unit or city, as stored in
 * smartoffice.org_unit.terms and smartoffice.city.terms; matched by the
 * search (so_dquery).
 *
 * An employee's terms (each a NUL-terminated string):
 *   "=w"      every strict word of name_en and name_ur;
 *   "^p"      every prefix p, of two code points or more, of every strict
 *             word of the two names (the whole word included);
 *   "~=w", "~^p"  the same for the loose key of the names' words, only
 *             where it differs from the strict one;
 *   "d:w"     every strict word of the designation;
 *   "D:k"     the whole designation: its strict words, stopwords left
 *             out, joined by one space ("D:deputy secretary"); none when
 *             it has no such word. smartoffice.designation lists every
 *             key, so a search can match a run of query words that
 *             designations hold by their "D:" terms, one slot for the
 *             run rather than one per word;
 *   "u:CODE"  the unit and every unit above it;
 *   "c:CODE"  the city;
 *   "g:N"     the BPS grade.
 * The names of units and cities are not among them: the search finds
 * their words in the unit's or city's own terms and turns them into
 * "u:CODE" and "c:CODE", so renaming a unit or a city changes no
 * employee's terms (moving a unit does: "u:" follows the path).
 *
 * A unit's or city's terms (so_dterms_place()):
 *   "=w"      every strict word of name_en and name_ur;
 *   "~=w"     the loose key of those words, where it differs.
 *
 * Stopwords (so_fold_is_stopword) are never terms. Duplicates are
 * removed; the order is unspecified.
 */
#ifndef SO_DTERMS_H
#define SO_DTERMS_H

#include <stddef.h>

#include "so_view.h"

/* What one entry's terms are computed from. Unit codes run from the
 * entry's own unit up to the root. All strings UTF-8, borrowed. Place
 * names are not here: units and cities have terms of their own
 * (so_dterms_place). */
struct so_dentry {
    const char *name_en;
    const char *name_ur;
    const char *designation;
    int bps;
    const char *city_code;
    size_t nunits;
    const char *const *unit_code;
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

/*
 * Computes the terms of a unit or a city named NAME_EN and NAME_UR into *T
 * (emptied first, as for so_dterms_build). Returns SO_OK, SO_EINVAL when a
 * name is not valid text, SO_ELIMIT, or SO_ENOMEM (then T is empty).
 */
enum so_err so_dterms_place(const char *name_en, const char *name_ur,
                            struct so_dterms *t);

void so_dterms_clear(struct so_dterms *t);

#endif
