/*
 * bench_directory.c - the directory search's latency and recall in SQL,
 * beside ejabberd mod_vcard's SQL search over the same people.
 *
 *   bench_directory queries COUNT OUT   COUNT queries drawn from the data
 *   bench_directory sql QUERIES OUT     both searches, one query at a time
 *   bench_directory xmpp [options] QUERIES OUT
 *                                       end to end (directory/xmpp_search.c)
 *
 * SMARTOFFICE_DB is the libpq connection string of the database, which
 * holds smartoffice.employee and the table ejabberd.vcard_search filled
 * from it (tests/bench/directory/ejabberd.sql).
 *
 * Queries are drawn from the employees whose employee number hashes to a
 * multiple of a modulus (hashtext), in hash order: the same data give the
 * same queries. Entry I makes a query of category I mod 5, typed the way
 * people type (choices from a hash of I):
 *   urdu      the Urdu full name as stored
 *   latin     the Latin full name without "Dr.", "Syed" half the time, and
 *             then either the leading Muhammad dropped (2 in 5) or spelt
 *             another way (1 in 4), or else a middle name dropped (3 in
 *             10) when the name has three words or more
 *   word      one word of the Latin name: the last (a surname) for even I,
 *             the given name (the first but honorifics and Muhammad)
 *             for odd I
 *   misspelt  a latin query with one letter of one word of at least four
 *             letters dropped, swapped with the next or doubled
 *   title     the designation and the city, "deputy secretary lahore"
 * and what ejabberd can express of it: "lfn" (Latin and misspelt names,
 * exact), "lnickname" (Urdu), "lfamily" or "lgiven" (one word), nothing
 * for a designation and a city (vCard has no title among its search
 * fields).
 *
 * Each query expects a set of people, decided by an oracle that knows the
 * stored columns and the generator's spelling variants but nothing of the
 * search (tests/bench/directory/oracle.sql, schema dirbench):
 *   urdu      the people whose Urdu name is the source's, Arabic-keyboard
 *             letters read as Urdu ones
 *   latin     the people with every word of the query among the words of
 *             their lower-cased Latin name, Muhammad's and the other
 *             variant spellings read as one
 *   word      the same for the one word
 *   misspelt  the set of the latin query it was made from
 *   title     lower(designation) and the city code equal
 * A search's found share is |first page ∩ expected| / min(|expected|,
 * page size).
 *
 * Query file, one tab-separated line per query: category, the source
 * employee number, their JID ("-": none), the text, ejabberd's field ("-":
 * not expressible), the oracle's key (the correctly spelt text; for a
 * title "designation|CITY"), and |expected|.
 *
 * sql writes one line per query: category, Smart Office ms, found share,
 * results, ejabberd ms, found share, results ("-" where not expressible),
 * |expected|. The first WARMUP queries are run once, untimed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_dquery.h"
#include "st_db.h"
#include "st_directory.h"
#include "bench_util.h"
#include "directory/dirbench.h"

#define PAGE 30
#define WARMUP 50
#define CATEGORIES 5

static const char *const category_name[CATEGORIES] = {
    "urdu", "latin", "word", "misspelt", "title",
};

/* What the picked entry gives; borrowed from a result row. */
struct source {
    const char *employee_no;
    const char *jid; /* "" when none */
    const char *name_en;
    const char *name_ur;
    const char *designation;
    const char *city_en;
    const char *city;
};

/* ejabberd's statement for one vCard field: its mod_vcard_sql search with
 * one field given, exact match, LIMIT 30; lowercasing done by the server
 * with lower(), as ejabberd's lowercasing (no other folding). */
struct ej_statement {
    const char *field;
    const char *sql;
};

#define EJ_SELECT                                                              \
    "SELECT username, fn, family, given, middle, nickname, bday, ctry, "       \
    "locality, email, orgname, orgunit FROM ejabberd.vcard_search "

static const struct ej_statement ej_statements[] = {
    {"lfn", EJ_SELECT "WHERE lfn = lower($1) LIMIT 30"},
    {"lnickname", EJ_SELECT "WHERE lnickname = lower($1) LIMIT 30"},
    {"lfamily", EJ_SELECT "WHERE lfamily = lower($1) LIMIT 30"},
    {"lgiven", EJ_SELECT "WHERE lgiven = lower($1) LIMIT 30"},
};

static const char pick_sql[] =
    "SELECT e.employee_no, coalesce(e.jid, ''), e.name_en, e.name_ur, "
    "e.designation, c.name_en, e.city "
    "FROM smartoffice.employee e JOIN smartoffice.city c ON c.code = e.city "
    "WHERE abs(hashtext(e.employee_no)::bigint) % $1::bigint = 0 "
    "ORDER BY hashtext(e.employee_no), e.employee_no LIMIT $2::bigint";

static const char count_sql[] = "SELECT count(*) FROM smartoffice.employee";

/* The oracle's sets (oracle.sql): by key $1, the people expected; with
 * $2, a text[] of employee numbers and JIDs, those of them expected. */
enum oracle_kind { ORACLE_LATIN, ORACLE_URDU, ORACLE_TITLE, ORACLE_KINDS };

#define ORACLE_WHERE_LATIN "words @> dirbench.latin_words($1)"
#define ORACLE_WHERE_URDU "urdu = dirbench.urdu_key($1)"
#define ORACLE_WHERE_TITLE                                                     \
    "designation = split_part($1, '|', 1) AND city = split_part($1, '|', 2)"
#define ORACLE_AMONG "(employee_no = ANY($2::text[]) OR jid = ANY($2::text[]))"

static const char *const oracle_count_sql[ORACLE_KINDS] = {
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_WHERE_LATIN,
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_WHERE_URDU,
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_WHERE_TITLE,
};

static const char *const oracle_hits_sql[ORACLE_KINDS] = {
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_AMONG
    " AND " ORACLE_WHERE_LATIN,
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_AMONG
    " AND " ORACLE_WHERE_URDU,
    "SELECT count(*) FROM dirbench.person WHERE " ORACLE_AMONG
    " AND " ORACLE_WHERE_TITLE,
};

/* The spellings of Muhammad a typist picks from. */
static const char *const muhammad_spelling[] = {"Muhammad", "Mohammad",
                                                "Muhammed"};

#define WORDS_MAX 16

static bool has_tab_or_newline(const char *s)
{
    return strpbrk(s, "\t\r\n") != NULL;
}

/* A hash of entry I and SALT, for the typist's choices. */
static unsigned choice(unsigned i, unsigned salt)
{
    unsigned x = i * 2654435761u ^ (salt + 1) * 40503u;

    x ^= x >> 15;
    x *= 2246822519u;
    x ^= x >> 13;
    return x;
}

/* Splits a copy of S into BUF (LEN bytes) at spaces; up to WORDS_MAX
 * words into W. Returns the number of words, 0 when S does not fit. */
static size_t split_words(const char *s, char *buf, size_t len, char **w)
{
    size_t n = 0;
    char *p;

    if (strlen(s) >= len)
        return 0;
    strcpy(buf, s);
    for (p = strtok(buf, " "); p != NULL && n < WORDS_MAX;
         p = strtok(NULL, " "))
        w[n++] = p;
    return n;
}

/* Joins the N words of W with spaces into OUT (LEN bytes). */
static void join_words(const char *const *w, size_t n, char *out, size_t len)
{
    size_t i, at = 0;

    out[0] = '\0';
    for (i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? " " : "", w[i]);
}

static bool is_muhammad(const char *w)
{
    return strcmp(w, "Muhammad") == 0 || strcmp(w, "Mohammad") == 0 ||
           strcmp(w, "Muhammed") == 0 || strcmp(w, "M.") == 0;
}

static bool is_honorific(const char *w)
{
    return strcmp(w, "Dr.") == 0 || strcmp(w, "Syed") == 0 ||
           strcmp(w, "Syeda") == 0;
}

/* Writes NAME as entry I's typist types it (see the top of the file)
 * into OUT (LEN bytes); false when nothing is left. */
static bool type_latin(const char *name, unsigned i, char *out, size_t len)
{
    char buf[DIRBENCH_LINE_MAX], *w[WORDS_MAX];
    const char *typed[WORDS_MAX];
    size_t n = split_words(name, buf, sizeof(buf), w), k = 0, first, j;
    const char *other;

    for (j = 0; j < n && is_honorific(w[j]); j++) {
        if (strcmp(w[j], "Dr.") != 0 && choice(i, 1) % 2 == 0)
            typed[k++] = w[j];
    }
    first = j;
    if (n - first >= 3 && is_muhammad(w[first])) {
        if (choice(i, 2) % 5 < 2) {
            first++;
        } else if (choice(i, 3) % 4 == 0) {
            other = muhammad_spelling[choice(i, 4) % 3];
            if (strcmp(other, w[first]) == 0)
                other = muhammad_spelling[(choice(i, 4) + 1) % 3];
            typed[k++] = other;
            first++;
        }
    } else if (n - first >= 3 && choice(i, 5) % 10 < 3) {
        typed[k++] = w[first];
        first += 2; /* the middle name */
    }
    for (j = first; j < n; j++)
        typed[k++] = w[j];
    join_words(typed, k, out, len);
    return k > 0;
}

/* Writes one word of NAME into OUT (LEN bytes): the last for a surname,
 * else the given name (the first but honorifics and Muhammad). */
static bool name_word(const char *name, bool surname, char *out, size_t len)
{
    char buf[DIRBENCH_LINE_MAX], *w[WORDS_MAX];
    size_t n = split_words(name, buf, sizeof(buf), w), j = 0;

    if (n == 0)
        return false;
    if (!surname) {
        while (j + 1 < n && (is_honorific(w[j]) || is_muhammad(w[j])))
            j++;
    } else {
        j = n - 1;
    }
    return (size_t)snprintf(out, len, "%s", w[j]) < len;
}

static bool all_letters(const char *w)
{
    for (; *w != '\0'; w++) {
        if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z')))
            return false;
    }
    return true;
}

/* Writes TEXT into OUT (LEN bytes) with one letter of one word of at
 * least four letters dropped, swapped with the next or doubled, by
 * entry I's choices; false when no word is long enough. */
static bool misspell(const char *text, unsigned i, char *out, size_t len)
{
    char buf[DIRBENCH_LINE_MAX], *w[WORDS_MAX], word[256];
    size_t n = split_words(text, buf, sizeof(buf), w), cand[WORDS_MAX];
    size_t nc = 0, j, wl, at;
    char c;

    for (j = 0; j < n; j++) {
        if (strlen(w[j]) >= 4 && strlen(w[j]) < sizeof(word) - 1 &&
            all_letters(w[j]))
            cand[nc++] = j;
    }
    if (nc == 0)
        return false;
    j = cand[choice(i, 6) % nc];
    wl = strlen(w[j]);
    strcpy(word, w[j]);
    at = 1 + choice(i, 7) % (wl - 2); /* not the first letter nor the last */
    switch (choice(i, 8) % 3) {
    case 0: /* dropped */
        memmove(word + at, word + at + 1, wl - at);
        break;
    case 1: /* swapped, or doubled when the two are the same */
        if (word[at] != word[at + 1]) {
            c = word[at];
            word[at] = word[at + 1];
            word[at + 1] = c;
            break;
        }
        /* fall through */
    default: /* doubled */
        memmove(word + at + 1, word + at, wl - at + 1);
        break;
    }
    w[j] = word;
    join_words((const char *const *)w, n, out, len);
    return true;
}

/* Lower-cases ASCII letters of S in place (designations and cities are
 * written in English). */
static void ascii_lower(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    }
}

static enum oracle_kind oracle_of(const char *category)
{
    if (strcmp(category, "urdu") == 0)
        return ORACLE_URDU;
    if (strcmp(category, "title") == 0)
        return ORACLE_TITLE;
    return ORACLE_LATIN;
}

/* |expected| of a query of CATEGORY with oracle key KEY, or -1. */
static long long oracle_count(struct st_db *db, const char *category,
                              const char *key)
{
    const char *params[1] = {key};
    PGresult *res = NULL;
    long long n;

    if (st_db_exec(db, "counting the expected",
                   oracle_count_sql[oracle_of(category)], 1, params,
                   PGRES_TUPLES_OK, &res) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", st_db_error(db));
        return -1;
    }
    n = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return n;
}

/* Writes entry I's query line to OUT: 1 written, 0 when the entry gives
 * none, -1 on a database error. */
static int write_query(struct st_db *db, FILE *out, unsigned i,
                       const struct source *s)
{
    char text[DIRBENCH_LINE_MAX], key[DIRBENCH_LINE_MAX];
    const char *field = "-";
    int cat = (int)(i % CATEGORIES);
    unsigned r = i / CATEGORIES;
    long long expected;

    switch (cat) {
    case 0:
        snprintf(text, sizeof(text), "%s", s->name_ur);
        snprintf(key, sizeof(key), "%s", s->name_ur);
        field = "lnickname";
        break;
    case 1:
        if (!type_latin(s->name_en, i, text, sizeof(text)))
            return 0;
        snprintf(key, sizeof(key), "%s", text);
        field = "lfn";
        break;
    case 2:
        if (!name_word(s->name_en, r % 2 == 0, text, sizeof(text)))
            return 0;
        snprintf(key, sizeof(key), "%s", text);
        field = r % 2 == 0 ? "lfamily" : "lgiven";
        break;
    case 3:
        if (!type_latin(s->name_en, i, key, sizeof(key)) ||
            !misspell(key, i, text, sizeof(text)))
            return 0;
        field = "lfn";
        break;
    default:
        snprintf(text, sizeof(text), "%s %s", s->designation, s->city_en);
        ascii_lower(text);
        snprintf(key, sizeof(key), "%s", s->designation);
        ascii_lower(key);
        snprintf(key + strlen(key), sizeof(key) - strlen(key), "|%s", s->city);
        break;
    }
    if (text[0] == '\0')
        return 0;
    expected = oracle_count(db, category_name[cat], key);
    if (expected < 0)
        return -1;
    fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%lld\n", category_name[cat],
            s->employee_no, s->jid[0] != '\0' ? s->jid : "-", text, field, key,
            expected);
    return 1;
}

static bool source_usable(const struct source *s)
{
    return !has_tab_or_newline(s->employee_no) && !has_tab_or_newline(s->jid) &&
           !has_tab_or_newline(s->name_en) && !has_tab_or_newline(s->name_ur) &&
           !has_tab_or_newline(s->designation) &&
           !has_tab_or_newline(s->city_en) && !has_tab_or_newline(s->city) &&
           strchr(s->designation, '|') == NULL;
}

/* The number of employees, or -1. */
static long long employee_count(struct st_db *db)
{
    PGresult *res = NULL;
    long long n;

    if (st_db_exec(db, "counting employees", count_sql, 0, NULL,
                   PGRES_TUPLES_OK, &res) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", st_db_error(db));
        return -1;
    }
    n = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return n;
}

/* Picks COUNT entries and writes their queries to PATH. */
static int make_queries(struct st_db *db, long count, const char *path)
{
    char modulus[32], limit[32];
    const char *params[2] = {modulus, limit};
    PGresult *res = NULL;
    long long total = employee_count(db);
    unsigned written = 0;
    FILE *out = NULL;
    int rc = 1, row;

    if (total < 0)
        goto out;
    /* twice the entries needed, for those that give no query */
    snprintf(modulus, sizeof(modulus), "%lld",
             total / (2 * count) > 1 ? total / (2 * count) : 1);
    snprintf(limit, sizeof(limit), "%ld", 2 * count);
    if (st_db_exec(db, "picking entries", pick_sql, 2, params, PGRES_TUPLES_OK,
                   &res) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", st_db_error(db));
        goto out;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        goto out_res;
    }
    for (row = 0; row < PQntuples(res) && written < (unsigned)count; row++) {
        struct source s = {
            PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
            PQgetvalue(res, row, 2), PQgetvalue(res, row, 3),
            PQgetvalue(res, row, 4), PQgetvalue(res, row, 5),
            PQgetvalue(res, row, 6),
        };
        int w = source_usable(&s) ? write_query(db, out, written, &s) : 0;

        if (w < 0) {
            fclose(out);
            goto out_res;
        }
        written += (unsigned)w;
    }
    if (fclose(out) != 0) {
        perror(path);
        goto out_res;
    }
    if (written < (unsigned)count)
        fprintf(stderr,
                "bench_directory: only %u queries from %lld "
                "employees\n",
                written, total);
    rc = written > 0 ? 0 : 1;
out_res:
    PQclear(res);
out:
    return rc;
}

/* Splits LINE of Q into its seven fields; false when it has fewer. */
static bool query_split(struct dirbench_query *q)
{
    char *f[7], *p = q->line, *end;
    int i;

    p[strcspn(p, "\n")] = '\0';
    for (i = 0; i < 7; i++) {
        f[i] = p;
        p = strchr(p, '\t');
        if (p == NULL && i < 6)
            return false;
        if (p != NULL)
            *p++ = '\0';
    }
    q->category = f[0];
    q->source = f[1];
    q->jid = f[2];
    q->text = f[3];
    q->ej_field = f[4];
    q->key = f[5];
    q->expected = strtoul(f[6], &end, 10);
    return end != f[6] && *end == '\0';
}

struct dirbench_query *dirbench_read_queries(const char *path, size_t *n)
{
    struct dirbench_query *q = NULL, *grown;
    size_t cap = 0;
    FILE *in = fopen(path, "r");

    *n = 0;
    if (in == NULL) {
        perror(path);
        return NULL;
    }
    for (;;) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            grown = realloc(q, cap * sizeof(*q));
            if (grown == NULL)
                goto fail;
            q = grown;
        }
        if (fgets(q[*n].line, sizeof(q[*n].line), in) == NULL)
            break;
        if (!query_split(&q[*n])) {
            fprintf(stderr, "bench_directory: %s: line %zu is not a query\n",
                    path, *n + 1);
            goto fail;
        }
        (*n)++;
    }
    fclose(in);
    return q;
fail:
    fclose(in);
    free(q);
    *n = 0;
    return NULL;
}

/* A new text[] literal of the N strings of IDS; NULL when out of memory.
 * Owned by the caller (free()). */
static char *text_array(const char *const *ids, size_t n)
{
    size_t len = 3, i, at = 0;
    const char *p;
    char *out;

    for (i = 0; i < n; i++)
        len += 2 * strlen(ids[i]) + 3;
    out = malloc(len);
    if (out == NULL)
        return NULL;
    out[at++] = '{';
    for (i = 0; i < n; i++) {
        if (i > 0)
            out[at++] = ',';
        out[at++] = '"';
        for (p = ids[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                out[at++] = '\\';
            out[at++] = *p;
        }
        out[at++] = '"';
    }
    out[at++] = '}';
    out[at] = '\0';
    return out;
}

int dirbench_found(struct st_db *db, const struct dirbench_query *q,
                   const char *const *ids, size_t n, size_t page, double *found)
{
    const char *params[2] = {q->key, NULL};
    size_t want = q->expected < page ? q->expected : page;
    PGresult *res = NULL;
    char *among;
    int rc = -1;

    *found = 0.0;
    if (n == 0 || want == 0)
        return 0;
    among = text_array(ids, n);
    if (among == NULL) {
        fprintf(stderr, "bench_directory: out of memory\n");
        return -1;
    }
    params[1] = among;
    if (st_db_exec(db, "checking the expected",
                   oracle_hits_sql[oracle_of(q->category)], 2, params,
                   PGRES_TUPLES_OK, &res) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", st_db_error(db));
        goto out;
    }
    if (PQntuples(res) == 1) {
        *found = (double)atoll(PQgetvalue(res, 0, 0)) / (double)want;
        rc = 0;
    }
    PQclear(res);
out:
    free(among);
    return rc;
}

/* One Smart Office search of Q; sets *MS, *FOUND and *RESULTS. */
static int so_search(struct st_db *db, const struct dirbench_query *q,
                     double *ms, double *found, size_t *results)
{
    static struct st_dir_page page;
    const char *ids[PAGE];
    struct so_dquery dq;
    double t0 = bench_now_ns();
    enum st_err err = ST_OK;
    size_t i;
    int rc;

    *found = 0.0;
    *results = 0;
    if (so_dquery_parse(q->text, strlen(q->text), &dq) != SO_DQUERY_OK) {
        *ms = (bench_now_ns() - t0) / 1e6;
        return 0; /* refused: nothing found */
    }
    err = st_dir_search(db, &dq, NULL, NULL, PAGE, &page);
    *ms = (bench_now_ns() - t0) / 1e6;
    if (err != ST_OK) {
        fprintf(stderr, "bench_directory: search: %s\n", st_db_error(db));
        return -1;
    }
    for (i = 0; i < page.n && i < PAGE; i++)
        ids[i] = page.entry[i].employee_no;
    *results = page.n;
    rc = dirbench_found(db, q, ids, i, PAGE, found);
    st_dir_page_clear(&page);
    return rc;
}

static const struct ej_statement *ej_statement_for(const char *field)
{
    size_t i;

    for (i = 0; i < sizeof(ej_statements) / sizeof(ej_statements[0]); i++) {
        if (strcmp(ej_statements[i].field, field) == 0)
            return &ej_statements[i];
    }
    return NULL;
}

/* One ejabberd search of Q, which must be expressible. */
static int ej_search(struct st_db *db, const struct dirbench_query *q,
                     double *ms, double *found, size_t *results)
{
    const struct ej_statement *st = ej_statement_for(q->ej_field);
    const char *params[1] = {q->text};
    const char *ids[PAGE];
    PGresult *res = NULL;
    double t0;
    int row, rc;

    if (st == NULL) {
        fprintf(stderr, "bench_directory: no ejabberd field %s\n", q->ej_field);
        return -1;
    }
    t0 = bench_now_ns();
    if (st_db_exec(db, "ejabberd search", st->sql, 1, params, PGRES_TUPLES_OK,
                   &res) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", st_db_error(db));
        return -1;
    }
    *ms = (bench_now_ns() - t0) / 1e6;
    for (row = 0; row < PQntuples(res) && row < PAGE; row++)
        ids[row] = PQgetvalue(res, row, 0); /* the employee number */
    *results = (size_t)PQntuples(res);
    rc = dirbench_found(db, q, ids, (size_t)row, PAGE, found);
    PQclear(res);
    return rc;
}

static bool ej_expressible(const struct dirbench_query *q)
{
    return strcmp(q->ej_field, "-") != 0;
}

/* Runs query Q on both and writes its line to OUT (when not NULL). */
static int run_one(struct st_db *db, const struct dirbench_query *q, FILE *out)
{
    double so_ms, ej_ms, so_found, ej_found;
    size_t so_n, ej_n;

    if (so_search(db, q, &so_ms, &so_found, &so_n) != 0)
        return -1;
    if (!ej_expressible(q)) {
        if (out != NULL)
            fprintf(out, "%s\t%.3f\t%.4f\t%zu\t-\t-\t-\t%zu\n", q->category,
                    so_ms, so_found, so_n, q->expected);
        return 0;
    }
    if (ej_search(db, q, &ej_ms, &ej_found, &ej_n) != 0)
        return -1;
    if (out != NULL)
        fprintf(out, "%s\t%.3f\t%.4f\t%zu\t%.3f\t%.4f\t%zu\t%zu\n", q->category,
                so_ms, so_found, so_n, ej_ms, ej_found, ej_n, q->expected);
    return 0;
}

static int run_sql(struct st_db *db, const char *queries, const char *path)
{
    struct dirbench_query *q;
    FILE *out = NULL;
    size_t n, i;
    int rc = 1;

    q = dirbench_read_queries(queries, &n);
    if (q == NULL)
        return 1;
    for (i = 0; i < n && i < WARMUP; i++) {
        if (run_one(db, &q[i], NULL) != 0)
            goto out;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        goto out;
    }
    setvbuf(out, NULL, _IOLBF, 0); /* a stopped run keeps its lines */
    for (i = 0; i < n; i++) {
        if (run_one(db, &q[i], out) != 0)
            goto out;
    }
    rc = 0;
out:
    if (out != NULL && fclose(out) != 0) {
        perror(path);
        rc = 1;
    }
    free(q);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_directory queries COUNT OUT\n"
                    "       bench_directory sql QUERIES OUT\n"
                    "       bench_directory xmpp [options] QUERIES OUT\n");
}

/* queries and sql: both need the database. */
static int run_db(const char *mode, const char *arg, const char *path)
{
    char err[512];
    struct st_db *db = NULL;
    long count;
    int rc;

    if (st_db_open(getenv("SMARTOFFICE_DB"), &db, err, sizeof(err)) != ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", err);
        return 1;
    }
    if (strcmp(mode, "queries") == 0) {
        count = atol(arg);
        rc = count > 0 ? make_queries(db, count, path) : 2;
    } else {
        rc = run_sql(db, arg, path);
    }
    st_db_free(db);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "xmpp") == 0)
        return dirbench_xmpp(argc - 1, argv + 1);
    if (argc != 4 ||
        (strcmp(argv[1], "queries") != 0 && strcmp(argv[1], "sql") != 0)) {
        usage();
        return 2;
    }
    return run_db(argv[1], argv[2], argv[3]);
}
