/*
 * so_dquery.h - a directory query, from what a person typed to the words
 * and filters the search runs on.
 *
 * Rules (docs/modules/directory.md#queries):
 * - the text is folded with so_fold (strict and loose keys);
 * - every remaining word must match, by prefix, a word of the name (or a
 *   whole word of the designation, the units or the city), in any order;
 * - honorifics are optional: they are dropped unless nothing else is left;
 *   stopwords are dropped; one-character words are dropped;
 * - '*' means "starts with", which every word already does: it is
 *   accepted anywhere and removed. '%', '_', '\' and quotes are ordinary
 *   characters;
 * - refused: invalid UTF-8 or control characters, more than
 *   SO_DQUERY_TEXT_MAX bytes or SO_DQUERY_WORDS_MAX words, a query whose
 *   words have fewer than two letters or digits in all, or nothing but
 *   wildcards.
 */
#ifndef SO_DQUERY_H
#define SO_DQUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "so_fold.h"

#define SO_DQUERY_TEXT_MAX 256
#define SO_DQUERY_WORDS_MAX 8

/* Why a query was refused. */
enum so_dquery_refusal {
    SO_DQUERY_OK = 0,
    SO_DQUERY_INVALID,   /* not UTF-8, or control characters */
    SO_DQUERY_TOO_LONG,  /* too many bytes or words */
    SO_DQUERY_TOO_SHORT, /* fewer than two meaningful characters */
    SO_DQUERY_WILDCARDS, /* nothing but wildcards */
};

struct so_dquery {
    size_t nwords;
    /* strict and loose keys of each word; loose[i] equals word[i] when
     * the loose key changes nothing */
    char word[SO_DQUERY_WORDS_MAX][SO_FOLD_WORD_MAX + 1];
    char loose[SO_DQUERY_WORDS_MAX][SO_FOLD_WORD_MAX + 1];
};

/*
 * Parses TEXT (LEN bytes) into *Q. Returns SO_DQUERY_OK or the refusal;
 * never allocates.
 */
enum so_dquery_refusal so_dquery_parse(const char *text, size_t len,
                                       struct so_dquery *q);

/* A one-line English text for REFUSAL, for an error stanza. Static. */
const char *so_dquery_refusal_en(enum so_dquery_refusal refusal);
/* The same in Urdu. Static. */
const char *so_dquery_refusal_ur(enum so_dquery_refusal refusal);

/*
 * Folds one filter value (a designation, a unit or city name) the same
 * way, for so_dterms' "d:" terms: the strict words of TEXT joined by a
 * space into OUT. Returns SO_OK, SO_EINVAL or SO_ELIMIT.
 */
enum so_err so_dquery_fold_filter(const char *text, size_t len, char *out,
                                  size_t outlen);

#endif
