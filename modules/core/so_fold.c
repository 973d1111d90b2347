/*
 * so_fold.c - folding people's names into search keys (rules in so_fold.h).
 *
 * A text is folded in three stages over one buffer of code points:
 *   1. decode: ASCII text is lower-cased directly; anything else goes
 *      through utf8proc (compatibility decomposition, full case folding,
 *      marks stripped) and is then recomposed, which together is NFKC
 *      with the marks gone;
 *   2. map: each code point is replaced by its Arabic-script folding
 *      (table below), removed, or kept;
 *   3. split: words are cut where a code point is neither a letter, a
 *      mark, a digit nor one of % _ \ ' "; each word is capped at
 *      SO_FOLD_WORD_MAX bytes and then replaced by its romanisation
 *      variant's spelling when it has one.
 *
 * Details the header leaves open, decided here:
 * - every format character (Unicode category Cf: zero-width space, ZWNJ,
 *   ZWJ, word joiner, bidi marks and isolates, BOM, soft hyphen, Arabic
 *   number signs) is removed like tatweel, not treated as a separator;
 * - typographic apostrophes (U+2018, U+2019, U+02BC) become ', so that
 *   O'Brien is one word whichever apostrophe was typed;
 * - alef with wavy hamza (U+0672, U+0673) folds to alef like wasla, and
 *   teh marbuta goal (U+06C3) to heh goal like teh marbuta;
 * - a word longer than SO_FOLD_WORD_MAX loses its tail; the tail does not
 *   become a word of its own.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "so_fold.h"

/*
 * Code points one text may take after decomposition. Case folding and
 * compatibility decomposition turn one code point into at most 18 (U+FDFA
 * of 3 bytes), so no input of SO_FOLD_TEXT_MAX bytes needs more than 6 per
 * byte.
 */
#define FOLD_CP_MAX (SO_FOLD_TEXT_MAX * 6)

#define FOLD_DECOMPOSE                                                         \
    (UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |                \
     UTF8PROC_STRIPMARK)

/* Removed from the text entirely. */
#define CP_DROP (-1)

/* Romanisations of one name, each folded to the spelling on the right.
 * Only whole words are replaced. */
static const struct {
    const char *from;
    const char *to;
} roman_table[] = {
    {"mohammad", "muhammad"}, {"mohammed", "muhammad"},
    {"muhammed", "muhammad"}, {"mohamed", "muhammad"},
    {"mohamad", "muhammad"},  {"muhamad", "muhammad"},
    {"muhamed", "muhammad"},  {"mohd", "muhammad"},
    {"md", "muhammad"},       {"husain", "hussain"},
    {"hussein", "hussain"},   {"husein", "hussain"},
    {"rahman", "rehman"},     {"chaudhary", "chaudhry"},
    {"choudhry", "chaudhry"}, {"choudhary", "chaudhry"},
    {"chaudhri", "chaudhry"}, {"chaudri", "chaudhry"},
    {"chaudary", "chaudhry"}, {"ch", "chaudhry"},
};

/*
 * Titles a query may leave out, as folded (strict) words. Family and clan
 * names that people are searched by (rana, khawaja, malik, mirza,
 * chaudhry) are deliberately not here: dropping them would widen a query
 * far more than a title does; begum is not here either, as it is often a
 * woman's surname. The Urdu titles are written as they fold (انجینئر as
 * انجینیر), and میاں also in its loose form.
 */
static const char *const honorific_table[] = {
    "syed",     "sayyid",    "sayed",   "sayyed",  "syeda", "sayyida", "dr",
    "doctor",   "mian",      "hafiz",   "qazi",    "qadi",  "sheikh",  "shaikh",
    "shaykh",   "mr",        "mrs",     "ms",      "miss",  "mst",     "engr",
    "prof",     "professor", "haji",    "hajji",   "pir",   "sardar",  "janab",
    "mohtaram", "mohtarma",  "maulana", "molana",  "mufti", "sahib",   "sahab",
    "سید",      "سیدہ",      "ڈاکٹر",   "میاں",    "میان",  "حافظ",    "قاضی",
    "شیخ",      "حاجی",      "پیر",     "سردار",   "جناب",  "محترم",   "محترمہ",
    "مولانا",   "مفتی",      "پروفیسر", "انجینیر", "صاحب",
};

/* Words a query ignores, as folded (strict) words. */
static const char *const stopword_table[] = {
    "the", "of", "in", "at",  "for", "and", "from",
    "کا",  "کی", "کے", "میں", "مین", "اور", "سے",
};

/* The strict Arabic-script folding of one code point (after NFKC, case
 * folding and mark stripping), CP_DROP, or CP itself. */
static int32_t map_strict(int32_t cp)
{
    if (cp < 0x80)
        return cp;
    if (cp >= 0x0660 && cp <= 0x0669)
        return '0' + (cp - 0x0660);
    if (cp >= 0x06F0 && cp <= 0x06F9)
        return '0' + (cp - 0x06F0);
    switch (cp) {
    case 0x064A: /* Arabic yeh */
    case 0x0649: /* alef maksura */
        return 0x06CC;
    case 0x0643: /* Arabic kaf */
        return 0x06A9;
    case 0x0647: /* Arabic heh */
    case 0x06D5: /* ae, also what heh with yeh above becomes */
    case 0x0629: /* teh marbuta */
    case 0x06C3: /* teh marbuta goal */
        return 0x06C1;
    case 0x0622: /* alef with madda, hamza above, hamza below (these are */
    case 0x0623: /* decomposed already; kept for clarity) */
    case 0x0625:
    case 0x0671: /* alef wasla */
    case 0x0672: /* alef with wavy hamza above, below */
    case 0x0673:
        return 0x0627;
    case 0x0640: /* tatweel */
        return CP_DROP;
    case 0x2018: /* typographic apostrophes */
    case 0x2019:
    case 0x02BC:
        return '\'';
    }
    if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CF)
        return CP_DROP;
    return cp;
}

/* The loose key's further folding of a strict code point. */
static int32_t map_loose(int32_t cp)
{
    switch (cp) {
    case 0x06BE: /* heh doachashmee */
        return 0x06C1;
    case 0x06D2: /* yeh barree */
        return 0x06CC;
    case 0x06BA: /* noon ghunna */
        return 0x0646;
    }
    return cp;
}

static bool is_ordinary(int32_t cp)
{
    return cp == '%' || cp == '_' || cp == '\\' || cp == '\'' || cp == '"';
}

/* True for a code point that belongs inside a word. */
static bool in_word(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
               (cp >= 'A' && cp <= 'Z') || is_ordinary(cp);
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

/*
 * Checks that TEXT is UTF-8 without control characters; sets *ASCII when
 * every byte is ASCII. Returns SO_OK or SO_EINVAL.
 */
static enum so_err text_check(const char *text, size_t len, bool *ascii)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
    size_t i = 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;

    *ascii = true;
    while (i < len) {
        if (s[i] < 0x80) {
            if (s[i] < 0x20 || s[i] == 0x7F)
                return SO_EINVAL;
            i++;
            continue;
        }
        *ascii = false;
        n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || cp < 0 || (cp >= 0x80 && cp <= 0x9F))
            return SO_EINVAL;
        i += (size_t)n;
    }
    return SO_OK;
}

/* Decodes checked TEXT into BUF as NFKC, case-folded, marks stripped.
 * Returns the count of code points, or -1 when BUF is too small. */
static long text_decode(const char *text, size_t len, bool ascii, int32_t *buf,
                        size_t cap)
{
    utf8proc_ssize_t n;
    size_t i;

    if (ascii) {
        if (len > cap)
            return -1;
        for (i = 0; i < len; i++) {
            unsigned char c = (unsigned char)text[i];

            buf[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
        }
        return (long)len;
    }
    n = utf8proc_decompose_custom(
        (const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, buf,
        (utf8proc_ssize_t)cap, FOLD_DECOMPOSE, NULL, NULL);
    if (n < 0 || (size_t)n > cap)
        return -1;
    n = utf8proc_normalize_utf32(buf, n, UTF8PROC_COMPOSE);
    return n < 0 ? -1 : (long)n;
}

/* One word being built. */
struct fold_word {
    char buf[SO_FOLD_WORD_MAX + 1];
    size_t len;
    bool ascii;
    bool full; /* the cap was reached: the rest of the word is dropped */
};

static void word_add(struct fold_word *w, int32_t cp)
{
    utf8proc_uint8_t tmp[4];
    utf8proc_ssize_t n;

    if (w->full)
        return;
    n = utf8proc_encode_char(cp, tmp);
    if (n <= 0)
        return;
    if (w->len + (size_t)n > SO_FOLD_WORD_MAX) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->len, tmp, (size_t)n);
    w->len += (size_t)n;
    if (cp >= 0x80)
        w->ascii = false;
}

/* Replaces W by the spelling of its romanisation variant, if it has one. */
static void word_romanise(struct fold_word *w)
{
    size_t i;

    if (!w->ascii || w->len > 9)
        return;
    for (i = 0; i < sizeof(roman_table) / sizeof(roman_table[0]); i++) {
        if (roman_table[i].from[0] == w->buf[0] &&
            strcmp(roman_table[i].from, w->buf) == 0) {
            w->len = strlen(roman_table[i].to);
            memcpy(w->buf, roman_table[i].to, w->len + 1);
            return;
        }
    }
}

/* Hands a finished word to FN; false when FN asked to stop. */
static bool word_emit(struct fold_word *w, so_fold_word_fn *fn, void *arg)
{
    bool go = true;

    if (w->len > 0) {
        w->buf[w->len] = '\0';
        word_romanise(w);
        go = fn(w->buf, w->len, arg);
    }
    w->len = 0;
    w->ascii = true;
    w->full = false;
    return go;
}

enum so_err so_fold_words(const char *text, size_t len, enum so_fold_key key,
                          so_fold_word_fn *fn, void *arg)
{
    int32_t cps[FOLD_CP_MAX];
    struct fold_word w = {.len = 0, .ascii = true, .full = false};
    enum so_err err;
    bool ascii;
    long n, i;

    if (len > SO_FOLD_TEXT_MAX)
        return SO_ELIMIT;
    err = text_check(text, len, &ascii);
    if (err != SO_OK)
        return err;
    n = text_decode(text, len, ascii, cps, FOLD_CP_MAX);
    if (n < 0)
        return SO_ELIMIT;
    for (i = 0; i < n; i++) {
        int32_t cp = map_strict(cps[i]);

        if (cp == CP_DROP)
            continue;
        if (key == SO_FOLD_LOOSE)
            cp = map_loose(cp);
        if (in_word(cp)) {
            word_add(&w, cp);
            continue;
        }
        if (!word_emit(&w, fn, arg))
            return SO_OK;
    }
    word_emit(&w, fn, arg);
    return SO_OK;
}

/* What so_fold_text's callback writes into. */
struct fold_join {
    char *out;
    size_t outlen;
    size_t used;
    bool over;
};

static bool join_word(const char *word, size_t len, void *arg)
{
    struct fold_join *j = arg;
    size_t sep = j->used > 0 ? 1 : 0;

    if (j->used + sep + len + 1 > j->outlen) {
        j->over = true;
        return false;
    }
    if (sep)
        j->out[j->used++] = ' ';
    memcpy(j->out + j->used, word, len);
    j->used += len;
    j->out[j->used] = '\0';
    return true;
}

enum so_err so_fold_text(const char *text, size_t len, enum so_fold_key key,
                         char *out, size_t outlen)
{
    struct fold_join j = {out, outlen, 0, false};
    enum so_err err;

    if (outlen == 0)
        return SO_ELIMIT;
    out[0] = '\0';
    err = so_fold_words(text, len, key, join_word, &j);
    if (err != SO_OK) {
        out[0] = '\0';
        return err;
    }
    if (j.over) {
        out[0] = '\0';
        return SO_ELIMIT;
    }
    return SO_OK;
}

bool so_fold_loosen(char *word)
{
    bool changed = false;
    unsigned char *p = (unsigned char *)word;

    /* The three loose foldings are two-byte code points becoming
     * two-byte code points: DA BE -> DB 81, DB 92 -> DB 8C, DA BA ->
     * D9 86. */
    for (; *p != '\0'; p++) {
        if (p[0] == 0xDA && p[1] == 0xBE) {
            p[0] = 0xDB;
            p[1] = 0x81;
        } else if (p[0] == 0xDB && p[1] == 0x92) {
            p[1] = 0x8C;
        } else if (p[0] == 0xDA && p[1] == 0xBA) {
            p[0] = 0xD9;
            p[1] = 0x86;
        } else {
            continue;
        }
        changed = true;
        p++;
    }
    return changed;
}

static bool in_table(const char *const *table, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (table[i][0] == word[0] && strcmp(table[i], word) == 0)
            return true;
    return false;
}

bool so_fold_is_honorific(const char *word)
{
    return in_table(honorific_table,
                    sizeof(honorific_table) / sizeof(honorific_table[0]), word);
}

bool so_fold_is_stopword(const char *word)
{
    return in_table(stopword_table,
                    sizeof(stopword_table) / sizeof(stopword_table[0]), word);
}

size_t so_fold_meaningful(const char *word)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)word;
    size_t count = 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;

    while (*s != '\0') {
        n = utf8proc_iterate(s, -1, &cp);
        if (n <= 0)
            break;
        s += n;
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
            count++;
            break;
        default:
            break;
        }
    }
    return count;
}

/* Code points of a word the trigrams look at; a folded word has at most
 * SO_FOLD_WORD_MAX, which gives SO_FOLD_WORD_MAX + 1 trigrams. */
#define TRGM_CP_MAX (SO_FOLD_TRIGRAMS_MAX - 1)

static int trgm_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

size_t so_fold_trigrams(const char *word, char out[][16], size_t max)
{
    /* The padded word: two spaces, the code points, one space; each
     * element as its UTF-8 bytes. */
    char cp[TRGM_CP_MAX + 3][5];
    char all[TRGM_CP_MAX + 1][16];
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)word;
    size_t n = 2, count, i, uniq;
    utf8proc_int32_t c;
    utf8proc_ssize_t len;

    strcpy(cp[0], " ");
    strcpy(cp[1], " ");
    while (*s != '\0' && n < TRGM_CP_MAX + 2) {
        len = utf8proc_iterate(s, -1, &c);
        if (len <= 0)
            break;
        memcpy(cp[n], s, (size_t)len);
        cp[n][len] = '\0';
        s += len;
        n++;
    }
    if (n == 2)
        return 0;
    strcpy(cp[n++], " ");
    count = n - 2;
    for (i = 0; i < count; i++) {
        strcpy(all[i], cp[i]);
        strcat(all[i], cp[i + 1]);
        strcat(all[i], cp[i + 2]);
    }
    qsort(all, count, sizeof(all[0]), trgm_cmp);
    uniq = 0;
    for (i = 0; i < count; i++) {
        if (uniq > 0 && strcmp(all[uniq - 1], all[i]) == 0)
            continue;
        if (uniq != i)
            memcpy(all[uniq], all[i], sizeof(all[0]));
        uniq++;
    }
    if (uniq > max)
        uniq = max;
    for (i = 0; i < uniq; i++)
        memcpy(out[i], all[i], sizeof(all[0]));
    return uniq;
}

double so_fold_similarity(char a[][16], size_t na, char b[][16], size_t nb)
{
    size_t shared = 0, i, j;

    if (na + nb == 0)
        return 0.0;
    for (i = 0; i < na; i++) {
        for (j = 0; j < nb; j++) {
            if (strcmp(a[i], b[j]) == 0) {
                shared++;
                break;
            }
        }
    }
    return (double)shared / (double)(na + nb - shared);
}
