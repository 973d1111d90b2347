/*
 * so_dquery.c - what a person typed into the directory, as search words
 * (rules in so_dquery.h).
 *
 * The text is folded once with the strict key; each word is then sorted
 * into one of two short lists, titles and the rest, dropping stopwords,
 * words of one code point and repeats. The rest is the query unless it is
 * empty, in which case the titles are. A loose word is the strict word
 * loosened (so_fold_loosen), which is exactly what folding with the loose
 * key gives.
 *
 * '*' is punctuation to so_fold and so separates words: "ali*" is "ali",
 * and "al*vi" is "al" and "vi". A text is "nothing but wildcards" when it
 * holds a '*' and otherwise only spaces; a text with no word left and
 * anything else in it ("%", "a", "of the") is too short.
 *
 * The word limit counts the distinct words that are searched: "Syed" in
 * "Syed" and eight other words does not count, a repeated word counts once.
 */
#include <string.h>

#include "so_dquery.h"

/* Words of one kind kept while parsing. */
struct dq_list {
    size_t n;
    bool over; /* more than SO_DQUERY_WORDS_MAX distinct words were seen */
    char word[SO_DQUERY_WORDS_MAX][SO_FOLD_WORD_MAX + 1];
};

struct dq_parse {
    struct dq_list plain;
    struct dq_list titles;
};

static bool one_code_point(const char *word, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (((unsigned char)word[i] & 0xC0) != 0x80)
            n++;
    return n <= 1;
}

static void list_add(struct dq_list *l, const char *word, size_t len)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->word[i], word) == 0)
            return;
    if (l->n == SO_DQUERY_WORDS_MAX) {
        l->over = true;
        return;
    }
    memcpy(l->word[l->n], word, len + 1);
    l->n++;
}

static bool dq_word(const char *word, size_t len, void *arg)
{
    struct dq_parse *p = arg;

    if (one_code_point(word, len) || so_fold_is_stopword(word))
        return true;
    if (so_fold_is_honorific(word))
        list_add(&p->titles, word, len);
    else
        list_add(&p->plain, word, len);
    return true;
}

/* True when TEXT holds at least one '*' and nothing else but spaces. */
static bool only_wildcards(const char *text, size_t len)
{
    bool star = false;
    size_t i;

    for (i = 0; i < len; i++) {
        if (text[i] == '*')
            star = true;
        else if (text[i] != ' ')
            return false;
    }
    return star;
}

enum so_dquery_refusal so_dquery_parse(const char *text, size_t len,
                                       struct so_dquery *q)
{
    struct dq_parse p;
    const struct dq_list *use;
    size_t i, meaningful = 0;
    enum so_err err;

    q->nwords = 0;
    if (len > SO_DQUERY_TEXT_MAX)
        return SO_DQUERY_TOO_LONG;
    p.plain.n = p.titles.n = 0;
    p.plain.over = p.titles.over = false;
    err = so_fold_words(text, len, SO_FOLD_STRICT, dq_word, &p);
    if (err == SO_ELIMIT)
        return SO_DQUERY_TOO_LONG;
    if (err != SO_OK)
        return SO_DQUERY_INVALID;
    if (only_wildcards(text, len))
        return SO_DQUERY_WILDCARDS;
    use = p.plain.n > 0 ? &p.plain : &p.titles;
    if (use->over)
        return SO_DQUERY_TOO_LONG;
    for (i = 0; i < use->n; i++)
        meaningful += so_fold_meaningful(use->word[i]);
    if (meaningful < 2)
        return SO_DQUERY_TOO_SHORT;
    for (i = 0; i < use->n; i++) {
        strcpy(q->word[i], use->word[i]);
        strcpy(q->loose[i], use->word[i]);
        so_fold_loosen(q->loose[i]);
    }
    q->nwords = use->n;
    return SO_DQUERY_OK;
}

const char *so_dquery_refusal_en(enum so_dquery_refusal refusal)
{
    switch (refusal) {
    case SO_DQUERY_OK:
        return "";
    case SO_DQUERY_INVALID:
        return "The search text is not valid: it holds control characters "
               "or is not UTF-8.";
    case SO_DQUERY_TOO_LONG:
        return "The search is too long: type at most 8 words (256 bytes).";
    case SO_DQUERY_TOO_SHORT:
        return "Type at least two letters or digits of a name.";
    case SO_DQUERY_WILDCARDS:
        return "A search cannot be only '*': type part of a name.";
    }
    return "The search was refused.";
}

const char *so_dquery_refusal_ur(enum so_dquery_refusal refusal)
{
    switch (refusal) {
    case SO_DQUERY_OK:
        return "";
    case SO_DQUERY_INVALID:
        return "تلاش کا متن درست نہیں: اس میں کنٹرول "
               "حروف ہیں یا یہ UTF-8 نہیں۔";
    case SO_DQUERY_TOO_LONG:
        return "تلاش بہت لمبی ہے: زیادہ سے زیادہ 8 الفاظ "
               "لکھیں۔";
    case SO_DQUERY_TOO_SHORT:
        return "نام کے کم از کم دو حروف یا ہندسے لکھیں۔";
    case SO_DQUERY_WILDCARDS:
        return "صرف * سے تلاش نہیں ہو سکتی: نام کا کچھ "
               "حصہ لکھیں۔";
    }
    return "تلاش رد کر دی گئی۔";
}

enum so_err so_dquery_fold_filter(const char *text, size_t len, char *out,
                                  size_t outlen)
{
    return so_fold_text(text, len, SO_FOLD_STRICT, out, outlen);
}
