/*
 * so_dterms.c - the search terms of one directory entry, unit or city
 * (so_dterms.h).
 *
 * Every term of a build is written into one growing text buffer, the
 * arena, and found again through an open-addressing hash set of term
 * indexes, so a duplicate costs a hash and one comparison and is never
 * stored. The arena, the set and the term array are kept from one build to
 * the next: an import that reuses one so_dterms allocates only while its
 * largest entry so far grows.
 *
 * Loose terms ("~=w", "~^p") are written for a name word whose loose key
 * differs from its strict key, and of its prefixes only those that differ
 * from the strict prefix of the same length: a search that looks for a
 * loose word both as "~^p" and as "^p" finds the others.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_dterms.h"
#include "so_fold.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Slots of the hash set at first; it doubles when half full. */
#define ARENA_SLOTS_MIN 256
#define ARENA_TEXT_MIN 4096

struct so_dterms_arena {
    char *text; /* every term, NUL-terminated, back to back */
    size_t len;
    size_t cap;
    uint32_t *off; /* where term i starts in text */
    size_t off_cap;
    uint32_t *slot; /* term index + 1; 0 for an empty slot */
    size_t nslot;   /* a power of two */
};

/* What the word callbacks of one build share. */
struct dt_build {
    struct so_dterms *t;
    struct so_dterms_arena *a;
    enum so_err err;
    char *key; /* name_key being joined, or NULL */
    size_t keylen;
    size_t keyused;
    /* the designation's words without stopwords, being joined */
    char dkey[SO_FOLD_TEXT_MAX + 1];
    size_t dkeyused;
};

static uint64_t hash_text(const char *s, size_t len)
{
    uint64_t h = FNV_OFFSET;
    size_t i;

    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
    return h;
}

static enum so_err arena_reset(struct so_dterms_arena *a)
{
    if (a->slot == NULL) {
        a->slot = calloc(ARENA_SLOTS_MIN, sizeof(a->slot[0]));
        if (a->slot == NULL)
            return SO_ENOMEM;
        a->nslot = ARENA_SLOTS_MIN;
    } else {
        memset(a->slot, 0, a->nslot * sizeof(a->slot[0]));
    }
    a->len = 0;
    return SO_OK;
}

/* Doubles the hash set and puts the N terms back into it. */
static enum so_err arena_rehash(struct so_dterms_arena *a, size_t n)
{
    size_t nslot = a->nslot * 2, mask = nslot - 1, i, j;
    uint32_t *slot = calloc(nslot, sizeof(slot[0]));

    if (slot == NULL)
        return SO_ENOMEM;
    for (i = 0; i < n; i++) {
        const char *s = a->text + a->off[i];

        j = (size_t)hash_text(s, strlen(s)) & mask;
        while (slot[j] != 0)
            j = (j + 1) & mask;
        slot[j] = (uint32_t)(i + 1);
    }
    free(a->slot);
    a->slot = slot;
    a->nslot = nslot;
    return SO_OK;
}

/* Makes room for NEED more bytes of text and one more term. */
static enum so_err arena_reserve(struct so_dterms_arena *a, size_t n,
                                 size_t need)
{
    if (a->len + need > a->cap) {
        size_t cap = a->cap > 0 ? a->cap : ARENA_TEXT_MIN;
        char *text;

        while (a->len + need > cap)
            cap *= 2;
        if (cap > UINT32_MAX)
            return SO_ELIMIT;
        text = realloc(a->text, cap);
        if (text == NULL)
            return SO_ENOMEM;
        a->text = text;
        a->cap = cap;
    }
    if (n + 1 > a->off_cap) {
        size_t cap = a->off_cap > 0 ? a->off_cap * 2 : 128;
        uint32_t *off = realloc(a->off, cap * sizeof(off[0]));

        if (off == NULL)
            return SO_ENOMEM;
        a->off = off;
        a->off_cap = cap;
    }
    return SO_OK;
}

/*
 * Adds the term TAG + S[0..LEN) unless it is there already. Returns false
 * (with B->err set) on failure.
 */
static bool term_add(struct dt_build *b, const char *tag, const char *s,
                     size_t len)
{
    struct so_dterms_arena *a = b->a;
    size_t taglen = strlen(tag), total = taglen + len, mask, j;
    char *cand;
    uint32_t idx;
    enum so_err err;

    err = arena_reserve(a, b->t->n, total + 1);
    if (err != SO_OK) {
        b->err = err;
        return false;
    }
    cand = a->text + a->len;
    memcpy(cand, tag, taglen);
    memcpy(cand + taglen, s, len);
    cand[total] = '\0';
    mask = a->nslot - 1;
    j = (size_t)hash_text(cand, total) & mask;
    while ((idx = a->slot[j]) != 0) {
        if (strcmp(a->text + a->off[idx - 1], cand) == 0)
            return true;
        j = (j + 1) & mask;
    }
    a->off[b->t->n] = (uint32_t)a->len;
    a->slot[j] = (uint32_t)(b->t->n + 1);
    a->len += total + 1;
    b->t->n++;
    if (b->t->n * 2 > a->nslot) {
        err = arena_rehash(a, b->t->n);
        if (err != SO_OK) {
            b->err = err;
            return false;
        }
    }
    return true;
}

/* True when byte I of WORD (LEN bytes) ends a code point. */
static bool cp_end(const char *word, size_t len, size_t i)
{
    return i == len || ((unsigned char)word[i] & 0xC0) != 0x80;
}

/* "^p" (TAG) for every prefix of WORD of two code points or more that is
 * longer than FROM bytes. */
static bool prefixes_add(struct dt_build *b, const char *tag, const char *word,
                         size_t len, size_t from)
{
    size_t i, cps = 0;

    for (i = 1; i <= len; i++) {
        if (!cp_end(word, len, i))
            continue;
        cps++;
        if (cps >= 2 && i > from && !term_add(b, tag, word, i))
            return false;
    }
    return true;
}

/* A word of name_en or name_ur: "=w", "^p" and their loose forms; a
 * stopword gives none. */
static bool name_word(const char *word, size_t len, void *arg)
{
    struct dt_build *b = arg;
    char loose[SO_FOLD_WORD_MAX + 1];
    size_t diff = 0;

    if (so_fold_is_stopword(word))
        return true;
    if (!term_add(b, "=", word, len) || !prefixes_add(b, "^", word, len, 0))
        return false;
    memcpy(loose, word, len + 1);
    if (so_fold_loosen(loose)) {
        while (loose[diff] == word[diff])
            diff++;
        if (!term_add(b, "~=", loose, len) ||
            !prefixes_add(b, "~^", loose, len, diff))
            return false;
    }
    return true;
}

/* A word of name_en: its terms, and its place in name_key. */
static bool name_en_word(const char *word, size_t len, void *arg)
{
    struct dt_build *b = arg;
    size_t sep = b->keyused > 0 ? 1 : 0;

    if (b->keyused + sep + len + 1 > b->keylen) {
        b->err = SO_ELIMIT;
        return false;
    }
    if (sep)
        b->key[b->keyused++] = ' ';
    memcpy(b->key + b->keyused, word, len + 1);
    b->keyused += len;
    return name_word(word, len, arg);
}

/* A word of a unit's or city's name: "=w" and, where it differs, "~=w". */
static bool place_word(const char *word, size_t len, void *arg)
{
    struct dt_build *b = arg;
    char loose[SO_FOLD_WORD_MAX + 1];

    if (so_fold_is_stopword(word))
        return true;
    if (!term_add(b, "=", word, len))
        return false;
    memcpy(loose, word, len + 1);
    if (so_fold_loosen(loose) && !so_fold_is_stopword(loose))
        return term_add(b, "~=", loose, len);
    return true;
}

static enum so_err field_add(struct dt_build *b, const char *text,
                             so_fold_word_fn *fn);

/* A word of the designation: "d:w", and its place in the "D:" key. */
static bool designation_word(const char *word, size_t len, void *arg)
{
    struct dt_build *b = arg;
    size_t sep = b->dkeyused > 0 ? 1 : 0;

    if (so_fold_is_stopword(word))
        return true;
    if (b->dkeyused + sep + len + 1 > sizeof(b->dkey)) {
        b->err = SO_ELIMIT;
        return false;
    }
    if (sep)
        b->dkey[b->dkeyused++] = ' ';
    memcpy(b->dkey + b->dkeyused, word, len + 1);
    b->dkeyused += len;
    return term_add(b, "d:", word, len);
}

/* The designation's words as one term, "D:w1 w2 ...". */
static enum so_err designation_add(struct dt_build *b, const char *text)
{
    enum so_err err = field_add(b, text, designation_word);

    if (err != SO_OK || b->dkeyused == 0)
        return err;
    if (!term_add(b, "D:", b->dkey, b->dkeyused))
        return b->err;
    return SO_OK;
}

/* Folds TEXT (NULL: nothing) and hands its words to FN. */
static enum so_err field_add(struct dt_build *b, const char *text,
                             so_fold_word_fn *fn)
{
    enum so_err err;

    if (text == NULL)
        return SO_OK;
    err = so_fold_words(text, strlen(text), SO_FOLD_STRICT, fn, b);
    return err != SO_OK ? err : b->err;
}

/* A code as given (NULL or "": none), after TAG. Codes must be text. */
static enum so_err code_add(struct dt_build *b, const char *tag,
                            const char *code)
{
    size_t i;

    if (code == NULL || code[0] == '\0')
        return SO_OK;
    for (i = 0; code[i] != '\0'; i++)
        if ((unsigned char)code[i] < 0x20 || code[i] == 0x7F)
            return SO_EINVAL;
    if (i > SO_FOLD_TEXT_MAX)
        return SO_ELIMIT;
    if (!term_add(b, tag, code, i))
        return b->err;
    return SO_OK;
}

static enum so_err entry_add(struct dt_build *b, const struct so_dentry *e)
{
    char grade[16];
    enum so_err err;
    size_t i;

    err = field_add(b, e->name_en, name_en_word);
    if (err == SO_OK)
        err = field_add(b, e->name_ur, name_word);
    if (err == SO_OK)
        err = designation_add(b, e->designation);
    for (i = 0; err == SO_OK && i < e->nunits; i++)
        err = code_add(b, "u:", e->unit_code[i]);
    if (err == SO_OK)
        err = code_add(b, "c:", e->city_code);
    if (err == SO_OK && e->bps > 0) {
        snprintf(grade, sizeof(grade), "%d", e->bps);
        err = code_add(b, "g:", grade);
    }
    return err;
}

/* Points T's term array into the arena. */
static enum so_err terms_publish(struct so_dterms *t)
{
    size_t i;

    if (t->n > t->cap) {
        size_t cap = t->cap > 0 ? t->cap : 64;
        char **term;

        while (cap < t->n)
            cap *= 2;
        term = realloc(t->term, cap * sizeof(term[0]));
        if (term == NULL)
            return SO_ENOMEM;
        t->term = term;
        t->cap = cap;
    }
    for (i = 0; i < t->n; i++)
        t->term[i] = t->arena->text + t->arena->off[i];
    return SO_OK;
}

/* Empties T and readies B to build into it. */
static enum so_err build_begin(struct dt_build *b, struct so_dterms *t)
{
    t->n = 0;
    if (t->arena == NULL) {
        t->arena = calloc(1, sizeof(*t->arena));
        if (t->arena == NULL)
            return SO_ENOMEM;
    }
    memset(b, 0, sizeof(*b));
    b->t = t;
    b->a = t->arena;
    b->err = SO_OK;
    return arena_reset(t->arena);
}

enum so_err so_dterms_build(const struct so_dentry *e, struct so_dterms *t,
                            char *name_key, size_t keylen)
{
    struct dt_build b;
    enum so_err err;

    t->n = 0;
    if (keylen == 0)
        return SO_ELIMIT;
    name_key[0] = '\0';
    err = build_begin(&b, t);
    if (err != SO_OK)
        return err;
    b.key = name_key;
    b.keylen = keylen;
    err = entry_add(&b, e);
    if (err == SO_OK)
        err = terms_publish(t);
    if (err != SO_OK) {
        t->n = 0;
        name_key[0] = '\0';
    }
    return err;
}

enum so_err so_dterms_place(const char *name_en, const char *name_ur,
                            struct so_dterms *t)
{
    struct dt_build b;
    enum so_err err;

    err = build_begin(&b, t);
    if (err == SO_OK)
        err = field_add(&b, name_en, place_word);
    if (err == SO_OK)
        err = field_add(&b, name_ur, place_word);
    if (err == SO_OK)
        err = terms_publish(t);
    if (err != SO_OK)
        t->n = 0;
    return err;
}

void so_dterms_clear(struct so_dterms *t)
{
    if (t->arena != NULL) {
        free(t->arena->text);
        free(t->arena->off);
        free(t->arena->slot);
        free(t->arena);
    }
    free(t->term);
    t->arena = NULL;
    t->term = NULL;
    t->n = 0;
    t->cap = 0;
}
