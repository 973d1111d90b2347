/*
 * st_directory.c - directory search in tiers, and directory entries.
 *
 * Every statement is a constant text run with PQexecParams (an unnamed
 * statement, so PostgreSQL plans it with the actual values). The query's
 * words travel as one text[] parameter per word slot ($1..$8, NULL when
 * unused), built here as array literals with every element quoted; the
 * filters as one text[] that the entry's terms must contain ($9); the
 * cursor as two parameters ($10, $11); the page size as $12; the terms
 * that put an entry in tier 0 as $13..$20 (tier 1 only: tier 2 runs when
 * tier 1 found nobody, so nobody it finds is in an earlier tier).
 * A NULL slot folds away at planning time ("$n IS NULL OR ..."), so the
 * planner sees only plain "terms && '{...}'" and "terms @> '{...}'"
 * conditions with constant arrays, and estimates them from the column's
 * most common elements.
 *
 * An employee's terms hold no word of a unit's or city's name: before
 * the tiers run, one statement looks up every query word in
 * org_unit.terms and city.terms, and each unit or city found joins the
 * word's slots as "u:CODE" or "c:CODE" (the whole word in tier 0, the
 * loose one too from tier 1; never a prefix). A unit beneath another
 * found by the same word is left out, as "u:" of the one above already
 * covers it. A word that still names more than PLACE_UNITS_MAX_SQL
 * (20) units ("section", "audit") is too general to mean a unit and
 * names none: it matches names, designation words and cities only (so
 * many units' terms made every row test slow and every plan large).
 *
 * A designation's words are not independent ("lower", "division" and
 * "clerk" come together), but the planner multiplies the frequencies of
 * one slot per word as if they were, expects a few rows where there are
 * tens of thousands, and picks a bitmap scan of most of the table. So,
 * also before the tiers, one statement finds which runs of two or more
 * query words designations hold (smartoffice.designation); such a run
 * takes one slot, the "D:" terms of those designations, which the
 * planner estimates from their own frequencies. Its words get no slot of
 * their own and no misspelt alternatives.
 *
 * Tiers: 0 whole words, 1 prefixes and loose keys, 2 misspellings.
 * Tier 1 runs when tier 0 leaves the page short; tier 2 only when tiers
 * 0 and 1 found nobody at all on the first page (a misspelt alternative
 * beside real matches is noise, and tier 2 is the dearest), or when the
 * cursor is already in tier 2. A page continues in its cursor's tier.
 *
 * Plan shapes this relies on (checked with EXPLAIN ANALYZE on 3,000,000
 * generated employees); PostgreSQL picks between the first two from the
 * terms column's most common elements, so it needs fresh statistics:
 * - a selective word or filter: Bitmap Heap Scan on employee_terms (the
 *   GIN index ANDs the slots' posting lists), then a top-N sort;
 * - only common words or filters ("khan", a city): Index Scan on
 *   employee_order in index order with the term conditions as a filter,
 *   stopped by the LIMIT; the cursor is a row comparison on the same
 *   three columns in the same collation, so it is an index condition and
 *   a later page starts where the last one ended;
 * - the page is limited in a subquery before units and cities are
 *   joined, so the joins see at most MAX + 1 rows;
 * - misspellings: directory_word_trigrams (GIN) finds the words sharing
 *   a trigram with the query word; SQL counts the shared trigrams and
 *   returns the CANDIDATES most similar, and C keeps the best ALTS_MAX of
 *   those at SIMILAR or more, or within one or two edits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_dquery.h"
#include "so_fold.h"
#include "st_directory.h"

_Static_assert(SO_DQUERY_WORDS_MAX == 8, "the statements have 8 word slots");

#define TIERS 3
#define ALTS_MAX 5      /* directory words tried in place of a word */
#define ALT_MIN_CHARS 3 /* shorter words get no alternatives */
/* A directory word replaces a query word when their trigram similarity
 * is at least SIMILAR, or when one edit (two for words of EDITS2_CHARS
 * code points or more) turns one into the other: trigrams alone miss a
 * swapped pair of letters in a short name ("imarn", "imran": 0.2). */
#define SIMILAR 0.35
#define SIMILAR_SQL "0.35"
#define EDITS1_CHARS 4
#define EDITS2_CHARS 8
#define CANDIDATES 100 /* candidate words read per query word */
#define CANDIDATES_SQL "100"
#define WORD_CP_MAX SO_FOLD_WORD_MAX
/* A word naming more units than this names no unit (see above). */
#define PLACE_UNITS_MAX_SQL "20"
#define FILTER_MAX 512 /* folded designation filter, NUL included */
/* "D:" and the words of a run of query words joined by spaces, NUL
 * included. */
#define RUN_KEY_MAX (2 + SO_DQUERY_WORDS_MAX * (SO_FOLD_WORD_MAX + 1))
/* A run of words held by more designations than this is too general to
 * be matched as one: its words are matched one by one. */
#define RUN_KEYS_MAX 32
#define RUN_KEYS_MAX_SQL "32"
/* A cursor: version, tier, status rank, ':', employee number,
 * base64url-encoded without padding. Version 1 (and 2, its cut form)
 * carried the name key of the order before; those are refused. */
#define CURSOR_VERSION '3'
#define CURSOR_RAW_MAX ((ST_DIR_CURSOR_MAX - 1) / 4 * 3)
#define EMPLOYEE_NO_MAX 32

/* The columns of an entry, in the order of ENTRY_COLUMNS. */
enum col {
    C_EMPLOYEE_NO,
    C_NAME_EN,
    C_NAME_UR,
    C_DESIGNATION,
    C_BPS,
    C_UNIT,
    C_UNIT_EN,
    C_UNIT_UR,
    C_CITY,
    C_CITY_EN,
    C_CITY_UR,
    C_OFFICE_PHONE,
    C_EMAIL,
    C_JID,
    C_STATUS,
    C_RANK,
    C_COUNT
};

#define ENTRY_COLUMNS                                                          \
    "e.employee_no, e.name_en, e.name_ur, e.designation, e.bps, e.unit, "      \
    "u.name_en, u.name_ur, e.city, c.name_en, c.name_ur, e.office_phone, "     \
    "e.email, coalesce(e.jid, ''), e.status, e.status_rank "

#define ENTRY_JOINS                                                            \
    "JOIN smartoffice.org_unit u ON u.code = e.unit "                          \
    "JOIN smartoffice.city c ON c.code = e.city "

#define ORDER_KEY "e.status_rank, e.employee_no COLLATE \"C\""

/* Word slot P: the entry has one of the slot's terms. */
#define SLOT(p) "(" p "::text[] IS NULL OR e.terms && " p "::text[])"

#define SLOTS(a, b, c, d, e, f, g, h)                                          \
    SLOT(a)                                                                    \
    " AND " SLOT(b) " AND " SLOT(c) " AND " SLOT(d) " AND " SLOT(              \
        e) " AND " SLOT(f) " AND " SLOT(g) " AND " SLOT(h)

#define MATCH                                                                  \
    "WHERE ($9::text[] IS NULL OR e.terms @> $9::text[]) AND " SLOTS(          \
        "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8") " "

#define AFTER                                                                  \
    "AND ($10::smallint IS NULL OR (" ORDER_KEY ") > ($10::smallint, "         \
    "$11::text COLLATE \"C\")) "

#define EARLIER                                                                \
    "AND NOT (" SLOTS("$13", "$14", "$15", "$16", "$17", "$18", "$19",         \
                      "$20") ") "

#define PAGE(cond)                                                             \
    "SELECT " ENTRY_COLUMNS                                                    \
    "FROM (SELECT * FROM smartoffice.employee e " MATCH cond AFTER             \
    "ORDER BY " ORDER_KEY " LIMIT $12::integer) e " ENTRY_JOINS                \
    "ORDER BY " ORDER_KEY

/* Tiers 0 and 2 take $1..$12; tier 1 also $13..$20. */
#define TIER0_PARAMS 12
#define TIER_PARAMS 20
#define EARLIER_PARAM 12 /* index of $13 */

static const char tier0_sql[] = PAGE("");
static const char tier_sql[] = PAGE(EARLIER);

static const char entry_sql[] =
    "SELECT " ENTRY_COLUMNS "FROM smartoffice.employee e " ENTRY_JOINS
    "WHERE e.employee_no = $1";

/* Units and cities with a name word among the terms $1: the word's term
 * and the employee term the place stands for. A unit beneath another
 * unit with the same word is left out: the employees of the one above
 * already include it ("u:" terms name every unit above an entry); a word
 * with more than PLACE_UNITS_MAX_SQL units left gets none. */
static const char places_sql[] =
    "SELECT term, place FROM (SELECT w.term, 'u:' || u.code AS place, "
    "count(*) OVER (PARTITION BY w.term) AS units "
    "FROM smartoffice.org_unit u, unnest(u.terms) w(term) "
    "WHERE u.terms && $1::text[] AND w.term = ANY ($1::text[]) "
    "AND NOT EXISTS (SELECT 1 FROM smartoffice.org_unit a "
    "WHERE a.code = ANY (u.path) AND a.code <> u.code "
    "AND a.terms @> ARRAY[w.term])) p "
    "WHERE p.units <= " PLACE_UNITS_MAX_SQL " "
    "UNION ALL "
    "SELECT w.term, 'c:' || c.code FROM smartoffice.city c, "
    "unnest(c.terms) w(term) "
    "WHERE c.terms && $1::text[] AND w.term = ANY ($1::text[])";

/* Directory words that share a trigram with a query word and are either
 * similar by trigrams or as long give or take EDITS code points (the
 * edit distance is counted here, in C). $1 the word's trigrams, $2 their
 * count, $3 the word, $4 its length in code points, $5 EDITS. */
static const char alts_sql[] =
    "SELECT word, shared::float8 / (n + $2::integer - shared) AS sim "
    "FROM (SELECT d.word, cardinality(d.trigrams) AS n, "
    "(SELECT count(*) FROM unnest(d.trigrams) t WHERE t = ANY ($1::text[])) "
    "AS shared FROM smartoffice.directory_word d "
    "WHERE d.trigrams && $1::text[] AND d.word <> $3::text) w "
    "WHERE w.shared >= " SIMILAR_SQL " * (w.n + $2::integer - w.shared) "
    "OR abs(char_length(w.word) - $4::integer) <= $5::integer "
    "ORDER BY sim DESC, word COLLATE \"C\" LIMIT " CANDIDATES_SQL;

/* For each "D:..." candidate among $1, the designations that hold its
 * words as a run of whole words (the candidate itself included), and how
 * many do; those of a candidate held by more than RUN_KEYS_MAX_SQL are
 * left out, but for the candidate itself. */
static const char designations_sql[] =
    "SELECT cand, key, n FROM (SELECT c.cand, d.key, "
    "count(*) OVER (PARTITION BY c.cand) AS n "
    "FROM unnest($1::text[]) c(cand) JOIN smartoffice.designation d "
    "ON strpos(' ' || substr(d.key, 3) || ' ', "
    "' ' || substr(c.cand, 3) || ' ') > 0) m "
    "WHERE n <= " RUN_KEYS_MAX_SQL " OR key = cand";

/* The query words $1 that are directory words. */
static const char known_sql[] = "SELECT word FROM smartoffice.directory_word "
                                "WHERE word = ANY ($1::text[])";

/* A growing PostgreSQL array literal of quoted text elements. */
struct lit {
    char *s; /* owned; NULL until the first element */
    size_t len, cap;
    size_t n;
};

/* A position in the result order. */
struct cursor {
    int tier;
    int rank;
    char employee_no[EMPLOYEE_NO_MAX + 1];
};

struct search {
    struct st_db *db;
    const struct so_dquery *q;
    size_t max;
    struct st_dir_page *page;
    struct lit filter;
    bool designation;         /* the filter has designation words, DFILTER */
    char dfilter[FILTER_MAX]; /* folded, stopwords left out */
    /* a run of 2+ query words that designations hold starts at word I:
     * the "D:" terms of those designations, the only slot of the run;
     * the run's other words have no slot (INRUN) */
    struct lit phrase[SO_DQUERY_WORDS_MAX];
    bool inrun[SO_DQUERY_WORDS_MAX];
    /* per tier and word: the terms that satisfy the word in that tier */
    struct lit slot[TIERS][SO_DQUERY_WORDS_MAX];
    bool alts_done;
    bool alts_found; /* tier 2 differs from tier 1 */
    bool has_after;
    struct cursor after;
};

/* ---- array literals -------------------------------------------------- */

static bool lit_reserve(struct lit *l, size_t more)
{
    size_t cap;
    char *s;

    if (l->len + more + 1 <= l->cap)
        return true;
    cap = l->cap != 0 ? l->cap : 64;
    while (cap < l->len + more + 1)
        cap *= 2;
    s = realloc(l->s, cap);
    if (s == NULL)
        return false;
    l->s = s;
    l->cap = cap;
    return true;
}

/* Appends the element PREFIX followed by WORD, quoted, with '"' and '\'
 * escaped. False when memory ran out. */
static bool lit_add(struct lit *l, const char *prefix, const char *word)
{
    const char *parts[2] = {prefix, word};
    size_t need = 4 + 2 * (strlen(prefix) + strlen(word));

    if (!lit_reserve(l, need))
        return false;
    l->s[l->len++] = l->n == 0 ? '{' : ',';
    l->s[l->len++] = '"';
    for (int i = 0; i < 2; i++) {
        for (const char *p = parts[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                l->s[l->len++] = '\\';
            l->s[l->len++] = *p;
        }
    }
    l->s[l->len++] = '"';
    l->s[l->len] = '}';
    l->s[l->len + 1] = '\0';
    l->n++;
    return true;
}

/* The literal, borrowed from L, or NULL when it has no element. */
static const char *lit_text(const struct lit *l)
{
    return l->n == 0 ? NULL : l->s;
}

/* Appends every element of SRC (a literal built by lit_add) to DST. */
static bool lit_append(struct lit *dst, const struct lit *src)
{
    size_t body;

    if (src->n == 0)
        return true;
    body = src->len - 1; /* without '{' */
    if (!lit_reserve(dst, body + 2))
        return false;
    if (dst->n == 0) {
        memcpy(dst->s, src->s, src->len + 2);
        dst->len = src->len;
    } else {
        dst->s[dst->len] = ',';
        memcpy(dst->s + dst->len + 1, src->s + 1, body + 1);
        dst->len += body + 1;
        dst->s[dst->len] = '}';
        dst->s[dst->len + 1] = '\0';
    }
    dst->n += src->n;
    return true;
}

static void lit_free(struct lit *l)
{
    free(l->s);
    memset(l, 0, sizeof(*l));
}

/* ---- cursors --------------------------------------------------------- */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    uint32_t v;

    for (size_t i = 0; i < len; i += 3) {
        v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = b64url[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
}

static int b64url_value(char c)
{
    const char *p = c != '\0' ? strchr(b64url, c) : NULL;

    return p != NULL ? (int)(p - b64url) : -1;
}

/* Decodes IN strictly (no padding, no other characters, zero unused
 * bits) into OUT (at most OUTLEN bytes). The length, or -1. */
static long b64url_decode(const char *in, unsigned char *out, size_t outlen)
{
    size_t len = strlen(in), o = 0;
    uint32_t v = 0;
    int bits = 0, d;

    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        d = b64url_value(in[i]);
        if (d < 0)
            return -1;
        v = (v << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == outlen)
                return -1;
            out[o++] = (unsigned char)(v >> bits);
            v &= (1u << bits) - 1;
        }
    }
    if (v != 0)
        return -1;
    return (long)o;
}

static bool employee_no_valid(const char *s, size_t len)
{
    if (len == 0 || len > EMPLOYEE_NO_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                     (c >= 'a' && c <= 'z');

        if (!alnum && (i == 0 || (c != '/' && c != '-')))
            return false;
    }
    return true;
}

/* Length of the UTF-8 sequence at S (LEN bytes left), or 0 when it is
 * not a valid, shortest-form scalar value. */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    size_t n;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return n;
}

/* Writes the cursor of an entry into OUT (ST_DIR_CURSOR_MAX bytes). */
static void cursor_encode(int tier, int rank, const char *employee_no,
                          char *out)
{
    unsigned char raw[CURSOR_RAW_MAX];
    int n = snprintf((char *)raw, sizeof(raw), "%c%d%d:%s", CURSOR_VERSION,
                     tier, rank, employee_no);

    /* employee numbers have at most EMPLOYEE_NO_MAX bytes (schema) */
    if (n < 0 || (size_t)n >= sizeof(raw))
        n = 0;
    b64url_encode(raw, (size_t)n, out);
}

/* Parses cursor TEXT into *C. False when it is not one of ours. */
static bool cursor_decode(const char *text, struct cursor *c)
{
    unsigned char raw[CURSOR_RAW_MAX + 1];
    const char *emp;
    long len;
    size_t elen;

    if (strlen(text) >= ST_DIR_CURSOR_MAX)
        return false;
    len = b64url_decode(text, raw, sizeof(raw) - 1);
    if (len < 5)
        return false;
    raw[len] = '\0';
    if (raw[0] != CURSOR_VERSION)
        return false;
    if (raw[1] < '0' || raw[1] >= '0' + TIERS || raw[2] < '0' || raw[2] > '3' ||
        raw[3] != ':')
        return false;
    emp = (const char *)raw + 4;
    elen = (size_t)len - 4;
    if (!employee_no_valid(emp, elen))
        return false;
    c->tier = raw[1] - '0';
    c->rank = raw[2] - '0';
    memcpy(c->employee_no, emp, elen);
    c->employee_no[elen] = '\0';
    return true;
}

/* ---- entries --------------------------------------------------------- */

void st_dir_entry_clear(struct st_dir_entry *e)
{
    char **fields[] = {&e->employee_no, &e->name_en,      &e->name_ur,
                       &e->designation, &e->unit,         &e->unit_en,
                       &e->unit_ur,     &e->city,         &e->city_en,
                       &e->city_ur,     &e->office_phone, &e->email,
                       &e->jid,         &e->status};

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(*fields[i]);
    memset(e, 0, sizeof(*e));
}

void st_dir_page_clear(struct st_dir_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        st_dir_entry_clear(&page->entry[i]);
    memset(page, 0, sizeof(*page));
}

/* Copies row ROW of RES into *E (zeroed). ST_OK, ST_EDATA or ST_ENOMEM;
 * on failure *E is cleared. */
static enum st_err entry_read(const PGresult *res, int row,
                              struct st_dir_entry *e)
{
    struct {
        int col;
        char **dst;
    } text[] = {
        {C_EMPLOYEE_NO, &e->employee_no},
        {C_NAME_EN, &e->name_en},
        {C_NAME_UR, &e->name_ur},
        {C_DESIGNATION, &e->designation},
        {C_UNIT, &e->unit},
        {C_UNIT_EN, &e->unit_en},
        {C_UNIT_UR, &e->unit_ur},
        {C_CITY, &e->city},
        {C_CITY_EN, &e->city_en},
        {C_CITY_UR, &e->city_ur},
        {C_OFFICE_PHONE, &e->office_phone},
        {C_EMAIL, &e->email},
        {C_JID, &e->jid},
        {C_STATUS, &e->status},
    };
    const char *bps;
    char *end;
    long v;
    enum st_err err = ST_ENOMEM;

    memset(e, 0, sizeof(*e));
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
        *text[i].dst = strdup(PQgetvalue(res, row, text[i].col));
        if (*text[i].dst == NULL)
            goto fail;
    }
    bps = PQgetvalue(res, row, C_BPS);
    v = strtol(bps, &end, 10);
    if (end == bps || *end != '\0' || v < 1 || v > 22) {
        err = ST_EDATA;
        goto fail;
    }
    e->bps = (int)v;
    return ST_OK;

fail:
    st_dir_entry_clear(e);
    return err;
}

/* True when RES has the entry columns with no NULL in them. */
static bool entry_shape(const PGresult *res)
{
    if (PQnfields(res) != C_COUNT)
        return false;
    for (int r = 0; r < PQntuples(res); r++)
        for (int c = 0; c < C_COUNT; c++)
            if (PQgetisnull(res, r, c))
                return false;
    return true;
}

enum st_err st_dir_entry_get(struct st_db *db, const char *employee_no,
                             struct st_dir_entry *e)
{
    const char *params[1] = {employee_no};
    PGresult *res = NULL;
    enum st_err err;

    memset(e, 0, sizeof(*e));
    err = st_db_exec(db, "reading a directory entry", entry_sql, 1, params,
                     PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        goto out;
    if (!entry_shape(res)) {
        st_db_set_error(db, "reading a directory entry", "unexpected columns");
        err = ST_EDATA;
        goto out;
    }
    if (PQntuples(res) == 0) {
        err = ST_ENOENT;
        goto out;
    }
    err = entry_read(res, 0, e);
out:
    PQclear(res);
    return err;
}

/* ---- the search ------------------------------------------------------ */

/* Builds the filter's terms. ST_OK, ST_EDATA or ST_ENOMEM. */
static enum st_err build_filter(struct search *s, const struct st_dir_filter *f)
{
    char folded[FILTER_MAX], grade[16];
    char *word, *save = NULL;
    size_t used = 0, len;

    if (f == NULL)
        return ST_OK;
    /* the words, as an entry's "D:" key has them; the filter's terms
     * follow once it is known whether that key is a designation */
    if (f->designation != NULL && f->designation[0] != '\0') {
        if (so_dquery_fold_filter(f->designation, strlen(f->designation),
                                  folded, sizeof(folded)) != SO_OK)
            return ST_EDATA;
        for (word = strtok_r(folded, " ", &save); word != NULL;
             word = strtok_r(NULL, " ", &save)) {
            if (so_fold_is_stopword(word))
                continue;
            len = strlen(word);
            if (used > 0)
                s->dfilter[used++] = ' ';
            memcpy(s->dfilter + used, word, len + 1);
            used += len;
            s->designation = true;
        }
    }
    if (f->bps < 0 || f->bps > 22)
        return ST_EDATA;
    if (f->bps != 0) {
        snprintf(grade, sizeof(grade), "%d", f->bps);
        if (!lit_add(&s->filter, "g:", grade))
            return ST_ENOMEM;
    }
    if (f->unit != NULL && f->unit[0] != '\0' &&
        !lit_add(&s->filter, "u:", f->unit))
        return ST_ENOMEM;
    if (f->city != NULL && f->city[0] != '\0' &&
        !lit_add(&s->filter, "c:", f->city))
        return ST_ENOMEM;
    return ST_OK;
}

/* Builds the slots of tiers 0 and 1 from the words alone. ST_OK or
 * ST_ENOMEM. */
static enum st_err build_slots(struct search *s)
{
    const struct so_dquery *q = s->q;

    for (size_t i = 0; i < q->nwords; i++) {
        struct lit *t0 = &s->slot[0][i], *t1 = &s->slot[1][i];
        bool loose = strcmp(q->loose[i], q->word[i]) != 0;

        if (!lit_add(t0, "=", q->word[i]) || !lit_add(t0, "d:", q->word[i]) ||
            !lit_append(t1, t0))
            return ST_ENOMEM;
        /* an entry holds "~" terms only where its loose key differs from
         * its strict one, so a loose query word is looked for as both */
        if (!lit_add(t1, "^", q->word[i]) || !lit_add(t1, "~=", q->loose[i]) ||
            !lit_add(t1, "~^", q->loose[i]))
            return ST_ENOMEM;
        if (loose &&
            (!lit_add(t1, "=", q->loose[i]) || !lit_add(t1, "^", q->loose[i])))
            return ST_ENOMEM;
    }
    return ST_OK;
}

/* Writes "D:" and query words I..J joined by spaces into KEY
 * (RUN_KEY_MAX bytes). */
static void run_key(const struct so_dquery *q, size_t i, size_t j, char *key)
{
    size_t used = 2, len;

    memcpy(key, "D:", 3);
    for (size_t k = i; k <= j; k++) {
        if (k > i)
            key[used++] = ' ';
        len = strlen(q->word[k]);
        memcpy(key + used, q->word[k], len + 1);
        used += len;
    }
}

/* True when candidate KEY is a designation itself (a row of RES). */
static bool is_designation(const PGresult *res, const char *key)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(PQgetvalue(res, r, 0), key) == 0 &&
            strcmp(PQgetvalue(res, r, 1), key) == 0)
            return true;
    return false;
}

/* True when candidate KEY is held by at least one designation of RES and
 * by no more than RUN_KEYS_MAX. */
static bool run_known(const PGresult *res, const char *key)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(PQgetvalue(res, r, 0), key) == 0)
            return atol(PQgetvalue(res, r, 2)) <= RUN_KEYS_MAX;
    return false;
}

/* Adds to L the designations of RES that hold candidate KEY. */
static bool run_keys_add(struct lit *l, const PGresult *res, const char *key)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(PQgetvalue(res, r, 0), key) == 0 &&
            !lit_add(l, "", PQgetvalue(res, r, 1)))
            return false;
    return true;
}

/* Takes, left to right, the longest runs of 2+ query words that some
 * designation holds (rows of RES), without overlap; a run's slot is
 * every designation that holds it. */
static enum st_err take_runs(struct search *s, const PGresult *res)
{
    const struct so_dquery *q = s->q;
    char key[RUN_KEY_MAX];
    size_t i = 0, j;

    while (i < q->nwords) {
        for (j = q->nwords - 1; j > i; j--) {
            run_key(q, i, j, key);
            if (run_known(res, key))
                break;
        }
        if (j == i) {
            i++;
            continue;
        }
        if (!run_keys_add(&s->phrase[i], res, key))
            return ST_ENOMEM;
        for (size_t k = i + 1; k <= j; k++)
            s->inrun[k] = true;
        i = j + 1;
    }
    return ST_OK;
}

/* Adds the designation filter's terms: its "D:" key when it has two
 * words or more and is a designation (in RES; NULL: none looked up),
 * else its words ("d:"), as for the query's words. */
static enum st_err filter_designation(struct search *s, const PGresult *res)
{
    char key[FILTER_MAX + 2], words[FILTER_MAX];
    char *word, *save = NULL;

    if (!s->designation)
        return ST_OK;
    snprintf(key, sizeof(key), "D:%s", s->dfilter);
    if (res != NULL && is_designation(res, key))
        return lit_add(&s->filter, "", key) ? ST_OK : ST_ENOMEM;
    memcpy(words, s->dfilter, sizeof(words));
    for (word = strtok_r(words, " ", &save); word != NULL;
         word = strtok_r(NULL, " ", &save))
        if (!lit_add(&s->filter, "d:", word))
            return ST_ENOMEM;
    return ST_OK;
}

/* Finds with one statement which runs of 2+ query words designations
 * hold (smartoffice.designation; at most 28 runs of 8 words), and whether
 * a designation filter of 2+ words is one, and sets the runs' slots and
 * the filter's designation terms. A single word keeps its word terms
 * ("d:w"): "secretary" still finds deputy and joint secretaries. */
static enum st_err build_designations(struct search *s)
{
    const struct so_dquery *q = s->q;
    char key[RUN_KEY_MAX > FILTER_MAX + 2 ? RUN_KEY_MAX : FILTER_MAX + 2];
    struct lit keys = {0};
    const char *params[1];
    PGresult *res = NULL;
    enum st_err err = ST_ENOMEM;

    for (size_t i = 0; i < q->nwords; i++) {
        for (size_t j = i + 1; j < q->nwords; j++) {
            run_key(q, i, j, key);
            if (!lit_add(&keys, "", key))
                goto out;
        }
    }
    if (s->designation && strchr(s->dfilter, ' ') != NULL &&
        !lit_add(&keys, "D:", s->dfilter))
        goto out;
    err = ST_OK;
    if (keys.n > 0) {
        params[0] = lit_text(&keys);
        err = st_db_exec(s->db, "finding designations", designations_sql, 1,
                         params, PGRES_TUPLES_OK, &res);
        if (err == ST_OK && PQnfields(res) != 3) {
            st_db_set_error(s->db, "finding designations",
                            "unexpected columns");
            err = ST_EDATA;
        }
        if (err == ST_OK)
            err = take_runs(s, res);
    }
    if (err == ST_OK)
        err = filter_designation(s, res);
out:
    PQclear(res);
    lit_free(&keys);
    return err;
}

/* True when TERM is PREFIX followed by WORD. */
static bool term_is(const char *term, const char *prefix, const char *word)
{
    size_t n = strlen(prefix);

    return strncmp(term, prefix, n) == 0 && strcmp(term + n, word) == 0;
}

/* Adds PLACE ("u:CODE" or "c:CODE"), found by the place name word TERM,
 * to the slots of every word that TERM stands for. */
static enum st_err add_place(struct search *s, const char *term,
                             const char *place)
{
    const struct so_dquery *q = s->q;

    for (size_t i = 0; i < q->nwords; i++) {
        bool strict = term_is(term, "=", q->word[i]);
        bool loose =
            term_is(term, "=", q->loose[i]) || term_is(term, "~=", q->loose[i]);

        if (strict && !lit_add(&s->slot[0][i], "", place))
            return ST_ENOMEM;
        if ((strict || loose) && !lit_add(&s->slot[1][i], "", place))
            return ST_ENOMEM;
    }
    return ST_OK;
}

/* Adds to the slots of tiers 0 and 1 the units and cities whose names
 * have a query word: one statement for every word. */
static enum st_err build_places(struct search *s)
{
    const struct so_dquery *q = s->q;
    struct lit words = {0};
    const char *params[1];
    PGresult *res = NULL;
    enum st_err err = ST_ENOMEM;

    for (size_t i = 0; i < q->nwords; i++) {
        if (!lit_add(&words, "=", q->word[i]) ||
            !lit_add(&words, "=", q->loose[i]) ||
            !lit_add(&words, "~=", q->loose[i]))
            goto out;
    }
    params[0] = lit_text(&words);
    err = st_db_exec(s->db, "finding units and cities by name", places_sql, 1,
                     params, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        goto out;
    if (PQnfields(res) != 2) {
        st_db_set_error(s->db, "finding units and cities by name",
                        "unexpected columns");
        err = ST_EDATA;
        goto out;
    }
    for (int r = 0; r < PQntuples(res) && err == ST_OK; r++)
        err = add_place(s, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
out:
    PQclear(res);
    lit_free(&words);
    return err;
}

/* The code points of folded WORD into CP (at most WORD_CP_MAX); the
 * count. Stops at the first byte that is not valid UTF-8. */
static size_t code_points(const char *word, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)word;
    size_t len = strlen(word), i = 0, n = 0, k;

    while (i < len && n < WORD_CP_MAX) {
        k = utf8_char(p + i, len - i);
        if (k == 0)
            break;
        cp[n] = 0;
        for (size_t j = 0; j < k; j++)
            cp[n] = (cp[n] << 8) | p[i + j]; /* distinct per code point */
        n++;
        i += k;
    }
    return n;
}

/* The optimal string alignment distance of A and B (insertions,
 * deletions, substitutions and swaps of neighbours). */
static size_t edit_distance(const uint32_t *a, size_t na, const uint32_t *b,
                            size_t nb)
{
    static const size_t w = WORD_CP_MAX + 1;
    size_t d[(WORD_CP_MAX + 1) * (WORD_CP_MAX + 1)];
    size_t best, cost;

    for (size_t i = 0; i <= na; i++)
        d[i * w] = i;
    for (size_t j = 0; j <= nb; j++)
        d[j] = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            cost = a[i - 1] == b[j - 1] ? 0 : 1;
            best = d[(i - 1) * w + j] + 1;
            if (d[i * w + j - 1] + 1 < best)
                best = d[i * w + j - 1] + 1;
            if (d[(i - 1) * w + j - 1] + cost < best)
                best = d[(i - 1) * w + j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[(i - 2) * w + j - 2] + 1 < best)
                best = d[(i - 2) * w + j - 2] + 1;
            d[i * w + j] = best;
        }
    }
    return d[na * w + nb];
}

/* The edits allowed between a query word of N code points and a
 * directory word. */
static size_t edits_allowed(size_t n)
{
    if (n >= EDITS2_CHARS)
        return 2;
    return n >= EDITS1_CHARS ? 1 : 0;
}

/* A candidate word's score: its trigram similarity, or for a word within
 * the allowed edits, the share of code points left alone if higher; a
 * negative score when the word is not close enough. */
static double alt_score(const uint32_t *cp, size_t n, const char *cand,
                        double sim)
{
    uint32_t other[WORD_CP_MAX];
    size_t m = code_points(cand, other), d, longest;
    double by_edits;

    d = edit_distance(cp, n, other, m);
    if (d > edits_allowed(n))
        return sim >= SIMILAR ? sim : -1.0;
    longest = n > m ? n : m;
    by_edits = 1.0 - (double)d / (double)longest;
    return by_edits > sim ? by_edits : sim;
}

/* Adds to tier 2's slot of word I the ALTS_MAX directory words nearest to
 * it. */
static enum st_err find_alts(struct search *s, size_t i)
{
    const char *word = s->q->word[i];
    char tri[SO_FOLD_TRIGRAMS_MAX][16], count[24], len[24], edits[24];
    const char *params[5];
    struct lit trigrams = {0};
    uint32_t cp[WORD_CP_MAX];
    double best[ALTS_MAX], score;
    int pick[ALTS_MAX];
    size_t ncp, n, npick = 0, k;
    PGresult *res = NULL;
    enum st_err err = ST_ENOMEM;

    if (so_fold_meaningful(word) < ALT_MIN_CHARS)
        return ST_OK;
    n = so_fold_trigrams(word, tri, SO_FOLD_TRIGRAMS_MAX);
    if (n == 0)
        return ST_OK;
    for (k = 0; k < n; k++)
        if (!lit_add(&trigrams, "", tri[k]))
            goto out;
    ncp = code_points(word, cp);
    snprintf(count, sizeof(count), "%zu", n);
    snprintf(len, sizeof(len), "%zu", ncp);
    snprintf(edits, sizeof(edits), "%zu", edits_allowed(ncp));
    params[0] = lit_text(&trigrams);
    params[1] = count;
    params[2] = word;
    params[3] = len;
    params[4] = edits;
    err = st_db_exec(s->db, "finding words like a misspelt one", alts_sql, 5,
                     params, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        goto out;
    if (PQnfields(res) != 2) {
        st_db_set_error(s->db, "finding words like a misspelt one",
                        "unexpected columns");
        err = ST_EDATA;
        goto out;
    }
    /* keep the best ALTS_MAX, best first; ties keep the server's order */
    for (int r = 0; r < PQntuples(res); r++) {
        score = alt_score(cp, ncp, PQgetvalue(res, r, 0),
                          strtod(PQgetvalue(res, r, 1), NULL));
        if (score < 0 || (npick == ALTS_MAX && score <= best[npick - 1]))
            continue;
        k = npick < ALTS_MAX ? npick++ : npick - 1;
        while (k > 0 && best[k - 1] < score) {
            best[k] = best[k - 1];
            pick[k] = pick[k - 1];
            k--;
        }
        best[k] = score;
        pick[k] = r;
    }
    err = ST_ENOMEM;
    for (k = 0; k < npick; k++) {
        const char *alt = PQgetvalue(res, pick[k], 0);

        if (!lit_add(&s->slot[2][i], "=", alt) ||
            !lit_add(&s->slot[2][i], "~=", alt))
            goto out;
        s->alts_found = true;
    }
    err = ST_OK;
out:
    PQclear(res);
    lit_free(&trigrams);
    return err;
}

/* Sets KNOWN[I] for each query word I that is a directory word; *NKNOWN
 * is their count. One statement for every word. */
static enum st_err find_known(struct search *s, bool *known, size_t *nknown)
{
    const struct so_dquery *q = s->q;
    struct lit words = {0};
    const char *params[1];
    PGresult *res = NULL;
    enum st_err err = ST_ENOMEM;

    for (size_t i = 0; i < q->nwords; i++)
        if (!lit_add(&words, "", q->word[i]))
            goto out;
    params[0] = lit_text(&words);
    err = st_db_exec(s->db, "finding directory words", known_sql, 1, params,
                     PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        goto out;
    if (PQnfields(res) != 1) {
        st_db_set_error(s->db, "finding directory words", "unexpected columns");
        err = ST_EDATA;
        goto out;
    }
    *nknown = 0;
    for (size_t i = 0; i < q->nwords; i++) {
        for (int r = 0; r < PQntuples(res) && !known[i]; r++)
            known[i] = strcmp(PQgetvalue(res, r, 0), q->word[i]) == 0;
        if (known[i])
            (*nknown)++;
    }
out:
    PQclear(res);
    lit_free(&words);
    return err;
}

/* Builds tier 2's slots: tier 1's terms and the words nearest each. A
 * directory word is taken as spelt right and gets no alternatives,
 * unless every query word is one: in "ftima ali" only "ftima" is
 * misspelt, and alternatives of "ali" would only widen the search. */
static enum st_err build_alts(struct search *s)
{
    bool known[SO_DQUERY_WORDS_MAX] = {false};
    size_t nknown = 0;
    enum st_err err;

    s->alts_done = true;
    err = find_known(s, known, &nknown);
    if (err != ST_OK)
        return err;
    for (size_t i = 0; i < s->q->nwords; i++) {
        if (!lit_append(&s->slot[2][i], &s->slot[1][i]))
            return ST_ENOMEM;
        if (known[i] && nknown < s->q->nwords)
            continue;
        /* a designation's words are spelt as the designation is */
        if (s->phrase[i].n > 0 || s->inrun[i])
            continue;
        err = find_alts(s, i);
        if (err != ST_OK)
            return err;
    }
    return ST_OK;
}

/* Adds the rows of RES (tier TIER) to the page, at most NEED of them. */
static enum st_err take_rows(struct search *s, int tier, const PGresult *res,
                             size_t need)
{
    struct st_dir_page *page = s->page;
    size_t n = (size_t)PQntuples(res);
    enum st_err err;

    if (n > need)
        n = need;
    for (size_t r = 0; r < n; r++) {
        struct st_dir_entry *e = &page->entry[page->n];
        const char *rank = PQgetvalue(res, (int)r, C_RANK);

        if (rank[0] < '0' || rank[0] > '3' || rank[1] != '\0')
            return ST_EDATA;
        err = entry_read(res, (int)r, e);
        if (err != ST_OK)
            return err;
        page->n++;
        cursor_encode(tier, rank[0] - '0', e->employee_no, page->last);
        if (page->n == 1)
            memcpy(page->first, page->last, sizeof(page->first));
    }
    return ST_OK;
}

/* Runs tier TIER for up to NEED + 1 rows, adds up to NEED of them to the
 * page and sets *MORE when there was one more. */
static enum st_err run_tier(struct search *s, int tier, size_t need, bool *more)
{
    const char *params[TIER_PARAMS] = {0};
    char rank[4], limit[24];
    bool earlier = tier == 1;
    PGresult *res = NULL;
    enum st_err err;

    for (size_t i = 0; i < s->q->nwords; i++) {
        const struct lit *t = &s->slot[tier][i], *t0 = &s->slot[0][i];

        if (s->inrun[i])
            continue; /* matched by the run's phrase */
        if (s->phrase[i].n > 0)
            t = t0 = &s->phrase[i];
        params[i] = lit_text(t);
        if (earlier)
            params[EARLIER_PARAM + i] = lit_text(t0);
    }
    params[8] = lit_text(&s->filter);
    if (s->has_after && s->after.tier == tier) {
        snprintf(rank, sizeof(rank), "%d", s->after.rank);
        params[9] = rank;
        params[10] = s->after.employee_no;
    }
    snprintf(limit, sizeof(limit), "%zu", need + 1);
    params[11] = limit;
    err = st_db_exec(
        s->db, "searching the directory", earlier ? tier_sql : tier0_sql,
        earlier ? TIER_PARAMS : TIER0_PARAMS, params, PGRES_TUPLES_OK, &res);
    if (err != ST_OK)
        goto out;
    if (!entry_shape(res)) {
        st_db_set_error(s->db, "searching the directory",
                        "unexpected columns or NULL values");
        err = ST_EDATA;
        goto out;
    }
    *more = (size_t)PQntuples(res) > need;
    err = take_rows(s, tier, res, need);
    if (err == ST_EDATA)
        st_db_set_error(s->db, "searching the directory",
                        "an entry is not valid");
out:
    PQclear(res);
    return err;
}

/* Checks the arguments and prepares S. ST_OK, ST_EDATA or ST_ENOMEM. */
static enum st_err search_start(struct search *s, const struct st_dir_filter *f,
                                const char *after)
{
    enum st_err err;

    if (s->max < 1 || s->max > ST_DIR_PAGE_MAX ||
        s->q->nwords > SO_DQUERY_WORDS_MAX)
        return ST_EDATA;
    err = build_filter(s, f);
    if (err != ST_OK)
        return err;
    /* without words a designation is needed; it is then a single tier */
    if (s->q->nwords == 0 && !s->designation)
        return ST_EDATA;
    if (after != NULL && after[0] != '\0') {
        if (!cursor_decode(after, &s->after))
            return ST_EDATA;
        if (s->q->nwords == 0 && s->after.tier != 0)
            return ST_EDATA;
        s->has_after = true;
    }
    return build_slots(s);
}

static enum st_err search_run(struct search *s)
{
    int last = s->q->nwords == 0 ? 0 : TIERS - 1;
    int tier = s->has_after ? s->after.tier : 0;
    bool more = false;
    enum st_err err;

    err = build_designations(s);
    if (err != ST_OK)
        return err;
    if (s->q->nwords > 0) {
        err = build_places(s);
        if (err != ST_OK)
            return err;
    }
    for (; tier <= last && !more; tier++) {
        if (tier == 2) {
            /* misspellings only when the words matched nobody at all */
            if (s->page->n > 0 || (s->has_after && s->after.tier < 2))
                break;
            if (!s->alts_done)
                err = build_alts(s);
            if (err != ST_OK)
                return err;
            if (!s->alts_found)
                break; /* tier 2 would be tier 1 again */
        }
        err = run_tier(s, tier, s->max - s->page->n, &more);
        if (err != ST_OK)
            return err;
    }
    s->page->more = more;
    return ST_OK;
}

enum st_err st_dir_search(struct st_db *db, const struct so_dquery *q,
                          const struct st_dir_filter *f, const char *after,
                          size_t max, struct st_dir_page *page)
{
    struct search s = {.db = db, .q = q, .max = max, .page = page};
    enum st_err err;

    st_dir_page_clear(page);
    err = search_start(&s, f, after);
    if (err == ST_EDATA)
        st_db_set_error(db, "searching the directory",
                        "not a valid query, filter or cursor");
    if (err == ST_OK)
        err = search_run(&s);
    if (err != ST_OK)
        st_dir_page_clear(page);
    lit_free(&s.filter);
    for (size_t i = 0; i < SO_DQUERY_WORDS_MAX; i++)
        lit_free(&s.phrase[i]);
    for (int t = 0; t < TIERS; t++)
        for (size_t i = 0; i < SO_DQUERY_WORDS_MAX; i++)
            lit_free(&s.slot[t][i]);
    return err;
}
