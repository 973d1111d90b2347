/*
 * so_fold.h - search keys for people's names, in Latin and Arabic script.
 *
 * A name is folded into words. The strict key is what two spellings of the
 * same name share whatever keyboard typed them; the loose key also joins
 * the spelling variants Urdu writers really mix. Both keys are computed
 * here, in C, for the directory import and for every query, so that the
 * index and the query can never disagree (no SQL collation is involved).
 *
 * Strict key, in order (utf8proc does the Unicode parts):
 *   1. NFKC (presentation forms become letters), full case folding, and
 *      combining marks removed (Arabic diacritics, hamza above or below,
 *      madda, Latin accents);
 *   2. Arabic yeh and alef maksura -> Urdu yeh (U+06CC); Arabic kaf ->
 *      keheh (U+06A9); Arabic heh, ae and heh with yeh -> heh goal
 *      (U+06C1); alef with madda, hamza or wasla -> alef; teh marbuta ->
 *      heh goal;
 *   3. tatweel, zero-width characters, bidi marks and BOM removed;
 *      Arabic-Indic and Eastern Arabic-Indic digits -> ASCII digits;
 *   4. split into words at white space and at punctuation other than
 *      the ordinary characters % _ \ ' " (which stay inside a word and
 *      match only themselves);
 *   5. romanisation variants of one name -> one spelling, per whole word:
 *      mohammad, mohammed, muhammed, mohamed, muhamad, mohd, md ->
 *      muhammad; husain, hussein -> hussain; rahman -> rehman; chaudhary,
 *      choudhry, chaudri, ch -> chaudhry (the table is in so_fold.c).
 * Loose key: the strict key, then do-chashmi heh (U+06BE) -> heh goal,
 * bari yeh (U+06D2) -> yeh, noon ghunna (U+06BA) -> noon.
 */
#ifndef SO_FOLD_H
#define SO_FOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "so_view.h"

enum so_fold_key {
    SO_FOLD_STRICT,
    SO_FOLD_LOOSE,
};

/* Longest folded word kept, in bytes (longer words are cut at a code point
 * boundary); longest input so_fold_words() takes. */
#define SO_FOLD_WORD_MAX 64
#define SO_FOLD_TEXT_MAX 1024

/* Called once per folded word, in order: WORD is NUL-terminated UTF-8,
 * borrowed for the call. Return false to stop. */
typedef bool so_fold_word_fn(const char *word, size_t len, void *arg);

/*
 * Folds TEXT (LEN bytes) with KEY and calls FN for each word. Returns
 * SO_OK; SO_EINVAL when TEXT is not valid UTF-8 or holds a control
 * character; SO_ELIMIT when LEN > SO_FOLD_TEXT_MAX; SO_ENOMEM.
 */
enum so_err so_fold_words(const char *text, size_t len, enum so_fold_key key,
                          so_fold_word_fn *fn, void *arg);

/*
 * Folds TEXT with KEY into OUT as its words joined by one space (the
 * name_key of the directory). Returns SO_OK, the errors of
 * so_fold_words(), or SO_ELIMIT when OUTLEN is too small.
 */
enum so_err so_fold_text(const char *text, size_t len, enum so_fold_key key,
                         char *out, size_t outlen);

/*
 * Rewrites the strict key WORD (NUL-terminated) in place into its loose
 * key; the length never changes. True when anything changed.
 */
bool so_fold_loosen(char *word);

/* True for a folded word that is an honorific (syed, dr, mian, hafiz,
 * ...; in both scripts), which a query may leave out. */
bool so_fold_is_honorific(const char *word);

/* True for a folded word a query ignores ("the", "of", "in", ...). */
bool so_fold_is_stopword(const char *word);

/* Number of code points of a folded word that are letters or digits. */
size_t so_fold_meaningful(const char *word);

/* At most this many trigrams per word. */
#define SO_FOLD_TRIGRAMS_MAX 70

/*
 * The trigrams of folded WORD, as pg_trgm builds them for one word (two
 * spaces before, one after; by code point), each as a NUL-terminated
 * UTF-8 string of up to 12 bytes written to OUT[i]. Returns the count,
 * without duplicates.
 */
size_t so_fold_trigrams(const char *word, char out[][16], size_t max);

/* Similarity of two trigram sets, as pg_trgm: shared / (|a| + |b| -
 * shared), 0 when both are empty. */
double so_fold_similarity(char a[][16], size_t na, char b[][16], size_t nb);

#endif
