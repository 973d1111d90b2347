/*
 * fuzz_dquery.c - any bytes as a directory query and as a name to fold.
 * Crashes and sanitizer reports are bugs; the results are checked for the
 * promises of so_dquery.h and so_fold.h that do not depend on the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "so_dquery.h"
#include "so_fold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every folded word is non-empty, at most SO_FOLD_WORD_MAX bytes,
 * NUL-terminated where its length says, and has trigrams that are a set
 * (its similarity to itself is 1). */
static bool check_word(const char *word, size_t len, void *arg)
{
    char t[SO_FOLD_TRIGRAMS_MAX][16];
    size_t n;

    (void)arg;
    if (len == 0 || len > SO_FOLD_WORD_MAX || strlen(word) != len)
        abort();
    n = so_fold_trigrams(word, t, SO_FOLD_TRIGRAMS_MAX);
    if (n == 0 || n > SO_FOLD_TRIGRAMS_MAX)
        abort();
    if (so_fold_similarity(t, n, t, n) != 1.0)
        abort();
    (void)so_fold_is_honorific(word);
    (void)so_fold_is_stopword(word);
    return true;
}

static void check_query(const char *text, size_t len)
{
    struct so_dquery q;
    enum so_dquery_refusal r = so_dquery_parse(text, len, &q);
    char copy[SO_FOLD_WORD_MAX + 1];
    size_t i;

    if (r != SO_DQUERY_OK) {
        if (q.nwords != 0 || so_dquery_refusal_en(r)[0] == '\0' ||
            so_dquery_refusal_ur(r)[0] == '\0')
            abort();
        return;
    }
    if (q.nwords == 0 || q.nwords > SO_DQUERY_WORDS_MAX)
        abort();
    for (i = 0; i < q.nwords; i++) {
        if (strlen(q.word[i]) < 2 || strlen(q.word[i]) > SO_FOLD_WORD_MAX ||
            strlen(q.loose[i]) != strlen(q.word[i]))
            abort();
        memcpy(copy, q.word[i], sizeof(copy));
        so_fold_loosen(copy);
        if (strcmp(copy, q.loose[i]) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char key[SO_FOLD_TEXT_MAX * 8];
    enum so_err strict, loose;

    check_query(text, size);
    strict = so_fold_words(text, size, SO_FOLD_STRICT, check_word, NULL);
    loose = so_fold_words(text, size, SO_FOLD_LOOSE, check_word, NULL);
    if (strict != loose)
        abort();
    if (strict == SO_OK &&
        so_fold_text(text, size, SO_FOLD_STRICT, key, sizeof(key)) == SO_OK) {
        /* the strict key of a strict key is itself */
        char again[SO_FOLD_TEXT_MAX * 8];

        if (strlen(key) <= SO_FOLD_TEXT_MAX &&
            (so_fold_text(key, strlen(key), SO_FOLD_STRICT, again,
                          sizeof(again)) != SO_OK ||
             strcmp(key, again) != 0))
            abort();
    }
    return 0;
}
