/*
 * test_fold.c - search keys of names: every spelling of one name folds to
 * one key, and what folding refuses.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "so_fold.h"
#include "so_test.h"

static void expect_fold(const char *text, enum so_fold_key key,
                        const char *want)
{
    char got[SO_FOLD_TEXT_MAX * 2];
    enum so_err err;

    err = so_fold_text(text, strlen(text), key, got, sizeof(got));
    ck_assert_msg(err == SO_OK, "fold '%s': expected ok, got %s", text,
                  so_err_str(err));
    ck_assert_msg(strcmp(got, want) == 0, "fold '%s': expected '%s', got '%s'",
                  text, want, got);
}

/* Strict key: each row is one spelling and the key all its spellings
 * share. */
static const struct {
    const char *text;
    const char *key;
} strict_cases[] = {
    /* Ali: Urdu yeh, Arabic yeh, alef maksura */
    {"علی", "علی"},
    {"علي", "علی"},
    {"على", "علی"},
    /* Muhammad in Arabic script: diacritics (damma, fatha, shadda),
     * tatweel, presentation forms */
    {"محمد", "محمد"},
    {"مُحَمَّد", "محمد"},
    {"مـحـمـد", "محمد"},
    {"\xEF\xBB\xA3\xEF\xBA\xA4\xEF\xBB\xA4\xEF\xBA\xAA", "محمد"},
    /* Karim: Arabic kaf and keheh; kasra */
    {"کریم", "کریم"},
    {"كريم", "کریم"},
    {"كَرِيم", "کریم"},
    /* heh goal, Arabic heh, teh marbuta, ae */
    {"فاطمہ", "فاطمہ"},
    {"فاطمه", "فاطمہ"},
    {"فاطمة", "فاطمہ"},
    {"فاطمە", "فاطمہ"},
    {"\xEF\xBA\x93", "ہ"},     /* teh marbuta isolated form */
    {"\xD9\x87\xD9\x94", "ہ"}, /* heh + hamza above */
    {"\xDB\x80", "ہ"},         /* heh with yeh above */
    /* alef with madda, hamza above, hamza below, wasla */
    {"آمنہ", "امنہ"},
    {"أمنہ", "امنہ"},
    {"إمنہ", "امنہ"},
    {"ٱمنہ", "امنہ"},
    {"امنہ", "امنہ"},
    {"\xD8\xA7\xD9\x93\xD9\x85\xD9\x86\xDB\x81", "امنہ"}, /* alef + madda */
    /* sukun, tanween, superscript alef, kasra under shadda */
    {"حَسَنْ", "حسن"},
    {"رَحْمٰن", "رحمن"},
    {"عِلْمًا", "علما"},
    /* invisible characters are removed, not separators */
    {"ع\xE2\x80\x8Cلی", "علی"},             /* ZWNJ */
    {"ع\xE2\x80\x8Dلی", "علی"},             /* ZWJ */
    {"\xE2\x80\x8Fعلی\xE2\x80\x8E", "علی"}, /* RLM, LRM */
    {"\xE2\x80\xABعلی\xE2\x80\xAC", "علی"}, /* RLE ... PDF */
    {"\xE2\x81\xA7علی\xE2\x81\xA9", "علی"}, /* FSI ... PDI */
    {"\xEF\xBB\xBF"
     "Ali",
     "ali"}, /* BOM */
    {"A\xE2\x80\x8B"
     "li",
     "ali"}, /* zero-width space */
    {"\xD8\x9C"
     "علی",
     "علی"}, /* Arabic letter mark */
    /* lam-alef ligature, lam initial form */
    {"\xEF\xBB\xBB", "لا"},
    {"\xEF\xBB\x9F\xEF\xBA\x8E", "لا"},
    /* digits */
    {"٠١٢٣٤٥٦٧٨٩", "0123456789"},
    {"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
    {"ب-۱۷", "ب 17"},
    /* romanisations */
    {"Muhammad", "muhammad"},
    {"Mohammad", "muhammad"},
    {"Mohammed", "muhammad"},
    {"Muhammed", "muhammad"},
    {"Mohamed", "muhammad"},
    {"Muhamad", "muhammad"},
    {"Md.", "muhammad"},
    {"MOHD", "muhammad"},
    {"Md Ali", "muhammad ali"},
    {"Hussain", "hussain"},
    {"Husain", "hussain"},
    {"Hussein", "hussain"},
    {"Rehman", "rehman"},
    {"Rahman", "rehman"},
    {"Abdul Rahman", "abdul rehman"},
    {"Chaudhry", "chaudhry"},
    {"Chaudhary", "chaudhry"},
    {"Ch.", "chaudhry"},
    {"Choudhry", "chaudhry"},
    {"Chaudri", "chaudhry"},
    /* whole words only */
    {"Mdx Rahmani Chx", "mdx rahmani chx"},
    /* Latin: full case folding, accents, compatibility forms */
    {"STRASSE", "strasse"},
    {"Straße", "strasse"},
    {"José Müller", "jose muller"},
    {"ÇAĞLAR", "caglar"},
    {"İbrahim", "ibrahim"},
    {"ΣΟΦΙΑ", "σοφια"},
    {"\xEF\xAC\x81"
     "roz",
     "firoz"},                /* fi ligature */
    {"ＡＬＩ", "ali"},        /* fullwidth */
    {"Cafe\xCC\x81", "cafe"}, /* e + combining acute */
    /* word splitting */
    {"  Ali   Khan  ", "ali khan"},
    {"Ali-Khan", "ali khan"},
    {"Ali\xC2\xA0Khan", "ali khan"},     /* no-break space */
    {"Ali\xE2\x80\x83Khan", "ali khan"}, /* em space */
    {"Ali\xE3\x80\x80Khan", "ali khan"}, /* ideographic space */
    {"گریڈ۱۷", "گریڈ17"},
    {"Ali,Khan.(Shah)", "ali khan shah"},
    {"علی، خان۔", "علی خان"},
    {"ali*", "ali"},
    {"", ""},
    {"  ,. ", ""},
    /* ordinary characters stay in the word and match only themselves */
    {"a%b", "a%b"},
    {"a_i", "a_i"},
    {"a\\b", "a\\b"},
    {"O'Brien", "o'brien"},
    {"O\xE2\x80\x99"
     "Brien",
     "o'brien"},
    {"say \"ali\"", "say \"ali\""},
    {"%", "%"},
};

START_TEST(test_strict)
{
    expect_fold(strict_cases[_i].text, SO_FOLD_STRICT, strict_cases[_i].key);
}
END_TEST

/* Loose key: Urdu spellings writers really mix. */
static const struct {
    const char *text;
    const char *strict;
    const char *loose;
} loose_cases[] = {
    {"ظہیر", "ظہیر", "ظہیر"},
    {"ظھیر", "ظھیر", "ظہیر"},
    {"مصطفے", "مصطفے", "مصطفی"},
    {"مصطفی", "مصطفی", "مصطفی"},
    {"مصطفى", "مصطفی", "مصطفی"},
    {"خاں", "خاں", "خان"},
    {"خان", "خان", "خان"},
    {"Ali Khan", "ali khan", "ali khan"},
    {"بھٹے خاں", "بھٹے خاں", "بہٹی خان"},
};

START_TEST(test_loose)
{
    char word[SO_FOLD_TEXT_MAX];

    expect_fold(loose_cases[_i].text, SO_FOLD_STRICT, loose_cases[_i].strict);
    expect_fold(loose_cases[_i].text, SO_FOLD_LOOSE, loose_cases[_i].loose);
    /* loosening the strict key gives the loose key */
    snprintf(word, sizeof(word), "%s", loose_cases[_i].strict);
    ck_assert_msg(so_fold_loosen(word) == (strcmp(loose_cases[_i].strict,
                                                  loose_cases[_i].loose) != 0),
                  "loosen '%s': changed flag wrong", loose_cases[_i].strict);
    ck_assert_msg(strcmp(word, loose_cases[_i].loose) == 0,
                  "loosen '%s': expected '%s', got '%s'",
                  loose_cases[_i].strict, loose_cases[_i].loose, word);
}
END_TEST

/* Texts folding refuses. */
static const struct {
    const char *text;
    size_t len; /* 0: strlen */
    enum so_err err;
} refused_cases[] = {
    {"ali\x01", 0, SO_EINVAL},
    {"ali\tkhan", 0, SO_EINVAL},
    {"ali\nkhan", 0, SO_EINVAL},
    {"ali\x7f", 0, SO_EINVAL},
    {"ali\xC2\x85", 0, SO_EINVAL},      /* C1 NEL */
    {"ali\0khan", 8, SO_EINVAL},        /* NUL inside */
    {"\xC3", 0, SO_EINVAL},             /* truncated */
    {"\xC0\xAF", 0, SO_EINVAL},         /* overlong */
    {"\xE0\x80\xAF", 0, SO_EINVAL},     /* overlong */
    {"\xED\xA0\x80", 0, SO_EINVAL},     /* surrogate */
    {"\xF4\x90\x80\x80", 0, SO_EINVAL}, /* beyond U+10FFFF */
    {"\xFF", 0, SO_EINVAL},
    {"a\x80", 0, SO_EINVAL}, /* lone continuation */
};

START_TEST(test_refused)
{
    const char *text = refused_cases[_i].text;
    size_t len = refused_cases[_i].len ? refused_cases[_i].len : strlen(text);
    char got[64];
    enum so_err err = so_fold_text(text, len, SO_FOLD_STRICT, got, sizeof(got));

    ck_assert_msg(err == refused_cases[_i].err,
                  "fold case %d: expected %s, got %s", _i,
                  so_err_str(refused_cases[_i].err), so_err_str(err));
}
END_TEST

static bool count_all(const char *word, size_t len, void *arg)
{
    int *n = arg;

    (void)word;
    (void)len;
    ++*n;
    return true;
}

START_TEST(test_limits)
{
    char text[SO_FOLD_TEXT_MAX + 2];
    char out[SO_FOLD_TEXT_MAX * 8];
    size_t i;
    int words = 0;
    enum so_err err;

    /* longest input that is still taken */
    memset(text, 'a', SO_FOLD_TEXT_MAX);
    err =
        so_fold_text(text, SO_FOLD_TEXT_MAX, SO_FOLD_STRICT, out, sizeof(out));
    ck_assert_msg(err == SO_OK, "1024 bytes: expected ok, got %s",
                  so_err_str(err));
    /* a long word is cut at SO_FOLD_WORD_MAX bytes */
    ck_assert_uint_eq(strlen(out), SO_FOLD_WORD_MAX);
    err = so_fold_text(text, SO_FOLD_TEXT_MAX + 1, SO_FOLD_STRICT, out,
                       sizeof(out));
    ck_assert_msg(err == SO_ELIMIT, "1025 bytes: expected %s, got %s",
                  so_err_str(SO_ELIMIT), so_err_str(err));
    /* the code point that expands most, as often as fits */
    for (i = 0; i + 3 <= SO_FOLD_TEXT_MAX; i += 3)
        memcpy(text + i, "\xEF\xB7\xBA", 3);
    err = so_fold_words(text, i, SO_FOLD_STRICT, count_all, &words);
    ck_assert_msg(err == SO_OK, "U+FDFA x %zu: expected ok, got %s", i / 3,
                  so_err_str(err));
    /* four words each, the last and first of neighbours joined */
    ck_assert_int_eq(words, 3 * (int)(i / 3) + 1);
    /* Arabic letters are 2 bytes: a cut never splits one */
    for (i = 0; i + 2 <= 100; i += 2)
        memcpy(text + i, "\xD8\xA8", 2);
    err = so_fold_text(text, 99, SO_FOLD_STRICT, out, sizeof(out));
    ck_assert_msg(err == SO_EINVAL, "a split letter: expected %s, got %s",
                  so_err_str(SO_EINVAL), so_err_str(err));
    err = so_fold_text(text, 100, SO_FOLD_STRICT, out, sizeof(out));
    ck_assert(err == SO_OK);
    ck_assert_uint_eq(strlen(out), SO_FOLD_WORD_MAX);
    /* an output buffer too small */
    err = so_fold_text("ali khan", 8, SO_FOLD_STRICT, out, 8);
    ck_assert_msg(err == SO_ELIMIT, "small buffer: expected %s, got %s",
                  so_err_str(SO_ELIMIT), so_err_str(err));
    ck_assert_str_eq(out, "");
    err = so_fold_text("ali khan", 8, SO_FOLD_STRICT, out, 9);
    ck_assert(err == SO_OK);
    ck_assert_str_eq(out, "ali khan");
}
END_TEST

/* Honorifics and stopwords, given as typed; they are folded first. */
static const struct {
    const char *text;
    bool honorific;
    bool stopword;
} word_cases[] = {
    {"Syed", true, false},      {"Sayyid", true, false},
    {"Dr", true, false},        {"Mian", true, false},
    {"Hafiz", true, false},     {"Qazi", true, false},
    {"Sheikh", true, false},    {"Shaikh", true, false},
    {"Mr", true, false},        {"Mrs", true, false},
    {"Ms", true, false},        {"Engr", true, false},
    {"Prof", true, false},      {"Haji", true, false},
    {"Pir", true, false},       {"Sardar", true, false},
    {"سید", true, false},       {"سيد", true, false},
    {"ڈاکٹر", true, false},     {"ڈاكٹر", true, false},
    {"میاں", true, false},      {"حافظ", true, false},
    {"قاضی", true, false},      {"قاضي", true, false},
    {"شیخ", true, false},       {"حاجی", true, false},
    {"سيدة", true, false},      {"انجينئر", true, false},
    {"Sayed", true, false},     {"Sayyed", true, false},
    {"Syeda", true, false},     {"Doctor", true, false},
    {"Qadi", true, false},      {"Shaykh", true, false},
    {"Miss", true, false},      {"Mst", true, false},
    {"Professor", true, false}, {"Hajji", true, false},
    {"Janab", true, false},     {"Mohtaram", true, false},
    {"Mohtarma", true, false},  {"Maulana", true, false},
    {"Molana", true, false},    {"Mufti", true, false},
    {"Sahib", true, false},     {"Sahab", true, false},
    {"پیر", true, false},       {"سردار", true, false},
    {"جناب", true, false},      {"محترم", true, false},
    {"محترمه", true, false},    {"مولانا", true, false},
    {"مفتي", true, false},      {"پروفیسر", true, false},
    {"صاحب", true, false},      {"مياں", true, false},
    {"Rana", false, false},     {"Khawaja", false, false},
    {"Mirza", false, false},    {"Chaudhry", false, false},
    {"Begum", false, false},    {"بیگم", false, false},
    {"Malik", false, false},    {"Ali", false, false},
    {"the", false, true},       {"Of", false, true},
    {"in", false, true},        {"at", false, true},
    {"for", false, true},       {"and", false, true},
    {"from", false, true},      {"کا", false, true},
    {"كي", false, true},        {"کے", false, true},
    {"میں", false, true},       {"ميں", false, true},
    {"اور", false, true},       {"سے", false, true},
    {"theory", false, false},   {"کام", false, false},
};

START_TEST(test_words)
{
    char w[128];

    ck_assert(so_fold_text(word_cases[_i].text, strlen(word_cases[_i].text),
                           SO_FOLD_STRICT, w, sizeof(w)) == SO_OK);
    ck_assert_msg(so_fold_is_honorific(w) == word_cases[_i].honorific,
                  "honorific '%s': expected %d, got %d", word_cases[_i].text,
                  word_cases[_i].honorific, so_fold_is_honorific(w));
    ck_assert_msg(so_fold_is_stopword(w) == word_cases[_i].stopword,
                  "stopword '%s': expected %d, got %d", word_cases[_i].text,
                  word_cases[_i].stopword, so_fold_is_stopword(w));
}
END_TEST

static const struct {
    const char *word;
    size_t meaningful;
} meaningful_cases[] = {
    {"ali", 3}, {"a_i", 2}, {"%", 0},    {"o'brien", 6},
    {"علی", 3}, {"17", 2},  {"%_\\", 0}, {"", 0},
};

START_TEST(test_meaningful)
{
    size_t got = so_fold_meaningful(meaningful_cases[_i].word);

    ck_assert_msg(got == meaningful_cases[_i].meaningful,
                  "meaningful '%s': expected %zu, got %zu",
                  meaningful_cases[_i].word, meaningful_cases[_i].meaningful,
                  got);
}
END_TEST

/* Trigrams as pg_trgm's show_trgm() lists them for one word. */
static const struct {
    const char *word;
    const char *trigrams; /* sorted, separated by '|' */
} trigram_cases[] = {
    {"ali", "  a| al|ali|li "},  {"a", "  a| a "},           {"", ""},
    {"aaaa", "  a| aa|aa |aaa"}, {"علی", "  ع| عل|علی|لی "},
};

START_TEST(test_trigrams)
{
    char t[SO_FOLD_TRIGRAMS_MAX][16];
    char got[SO_FOLD_TRIGRAMS_MAX * 17] = "";
    size_t n =
        so_fold_trigrams(trigram_cases[_i].word, t, SO_FOLD_TRIGRAMS_MAX);
    size_t i;

    for (i = 0; i < n; i++) {
        if (i > 0)
            strcat(got, "|");
        strcat(got, t[i]);
    }
    ck_assert_msg(strcmp(got, trigram_cases[_i].trigrams) == 0,
                  "trigrams '%s': expected '%s', got '%s'",
                  trigram_cases[_i].word, trigram_cases[_i].trigrams, got);
}
END_TEST

/* Similarity as pg_trgm's similarity() gives it for two words. */
static const struct {
    const char *a;
    const char *b;
    double sim;
} similarity_cases[] = {
    {"ali", "ali", 1.0},
    {"ali", "alee", 2.0 / 7.0}, /* shared "  a", " al" */
    {"hussain", "husain", 6.0 / 9.0},
    {"ali", "zzz", 0.0},
    {"", "", 0.0},
};

START_TEST(test_similarity)
{
    char a[SO_FOLD_TRIGRAMS_MAX][16], b[SO_FOLD_TRIGRAMS_MAX][16];
    size_t na =
        so_fold_trigrams(similarity_cases[_i].a, a, SO_FOLD_TRIGRAMS_MAX);
    size_t nb =
        so_fold_trigrams(similarity_cases[_i].b, b, SO_FOLD_TRIGRAMS_MAX);
    double got = so_fold_similarity(a, na, b, nb);

    ck_assert_msg(fabs(got - similarity_cases[_i].sim) < 1e-9,
                  "similarity('%s', '%s'): expected %f, got %f",
                  similarity_cases[_i].a, similarity_cases[_i].b,
                  similarity_cases[_i].sim, got);
}
END_TEST

/* so_fold_words stops when its callback says so. */
static bool count_two(const char *word, size_t len, void *arg)
{
    int *n = arg;

    (void)word;
    (void)len;
    return ++*n < 2;
}

START_TEST(test_stop)
{
    int n = 0;

    ck_assert(so_fold_words("a b c d", 7, SO_FOLD_STRICT, count_two, &n) ==
              SO_OK);
    ck_assert_int_eq(n, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fold");
    TCase *tc = tcase_create("fold");

    tcase_add_loop_test(tc, test_strict, 0, SO_TEST_COUNT(strict_cases));
    tcase_add_loop_test(tc, test_loose, 0, SO_TEST_COUNT(loose_cases));
    tcase_add_loop_test(tc, test_refused, 0, SO_TEST_COUNT(refused_cases));
    tcase_add_test(tc, test_limits);
    tcase_add_loop_test(tc, test_words, 0, SO_TEST_COUNT(word_cases));
    tcase_add_loop_test(tc, test_meaningful, 0,
                        SO_TEST_COUNT(meaningful_cases));
    tcase_add_loop_test(tc, test_trigrams, 0, SO_TEST_COUNT(trigram_cases));
    tcase_add_loop_test(tc, test_similarity, 0,
                        SO_TEST_COUNT(similarity_cases));
    tcase_add_test(tc, test_stop);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
