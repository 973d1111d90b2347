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
 * same queries. Entry I makes a query of category I mod 5:
 *   urdu      the Urdu full name
 *   latin     the Latin full name
 *   word      one word of the Latin name: the last (a surname) for even I,
 *             the first for odd I
 *   misspelt  the Latin name with its longest word misspelt: two letters
 *             swapped, or one dropped
 *   title     the designation and the city, "deputy secretary lahore"
 * and what ejabberd can express of it: "lfn" (Latin and misspelt names,
 * exact), "lnickname" (Urdu), "lfamily" or "lgiven" (one word), nothing
 * for a designation and a city (vCard has no title among its search
 * fields).
 *
 * Query file, one tab-separated line per query: category, the expected
 * employee number, their JID ("-": none), the text, ejabberd's field ("-":
 * not expressible).
 *
 * sql writes one line per query: category, Smart Office ms, found (1/0),
 * results, ejabberd ms, found, results ("-" where not expressible).
 * "Found" means the expected employee is on the first page (PAGE entries,
 * ejabberd's LIMIT). The first WARMUP queries are run once, untimed.
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
    "e.designation, c.name_en "
    "FROM smartoffice.employee e JOIN smartoffice.city c ON c.code = e.city "
    "WHERE abs(hashtext(e.employee_no)::bigint) % $1::bigint = 0 "
    "ORDER BY hashtext(e.employee_no), e.employee_no LIMIT $2::bigint";

static const char count_sql[] = "SELECT count(*) FROM smartoffice.employee";

static bool has_tab_or_newline(const char *s)
{
    return strpbrk(s, "\t\r\n") != NULL;
}

/* Copies the word number WHICH (0-based; -1 the last) of S, at most LEN
 * bytes with its NUL, into OUT. Words are separated by spaces. */
static void nth_word(const char *s, int which, char *out, size_t len)
{
    const char *w = NULL, *p = s;
    size_t n = 0;
    int i = 0;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (which < 0 || i == which) {
            w = p;
            n = strcspn(p, " ");
        }
        p += strcspn(p, " ");
        i++;
    }
    if (w == NULL || n >= len)
        n = 0;
    memcpy(out, w != NULL ? w : "", n);
    out[n] = '\0';
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

/* Writes NAME into OUT with its longest word misspelt: letters I and I+1
 * swapped (when they differ) for even SEED, letter I dropped otherwise,
 * I inside the word. Names are ASCII in Latin script; a name whose
 * longest word has fewer than 4 letters is copied unchanged (false). */
static bool misspell(const char *name, unsigned seed, char *out, size_t len)
{
    const char *p = name, *best = NULL;
    size_t best_n = 0, n, at, i;

    if (strlen(name) >= len)
        return false;
    for (p = name; *p != '\0'; p += n) {
        p += strspn(p, " ");
        n = strcspn(p, " ");
        if (n > best_n) {
            best = p;
            best_n = n;
        }
    }
    strcpy(out, name);
    if (best == NULL || best_n < 4)
        return false;
    at = (size_t)(best - name) + 1 + seed % (best_n - 2);
    if (seed % 2 == 0 && out[at] != out[at + 1]) {
        char c = out[at];

        out[at] = out[at + 1];
        out[at + 1] = c;
        return true;
    }
    for (i = at; out[i] != '\0'; i++)
        out[i] = out[i + 1];
    return true;
}

/* Writes entry I's query line to OUT; false when the entry gives none. */
static bool write_query(FILE *out, unsigned i, const struct source *s)
{
    char text[DIRBENCH_LINE_MAX], word[256];
    const char *field = "-";
    int cat = (int)(i % CATEGORIES);

    switch (cat) {
    case 0:
        snprintf(text, sizeof(text), "%s", s->name_ur);
        field = "lnickname";
        break;
    case 1:
        snprintf(text, sizeof(text), "%s", s->name_en);
        field = "lfn";
        break;
    case 2:
        nth_word(s->name_en, (i / CATEGORIES) % 2 ? 0 : -1, word, sizeof(word));
        snprintf(text, sizeof(text), "%s", word);
        field = (i / CATEGORIES) % 2 ? "lgiven" : "lfamily";
        break;
    case 3:
        if (!misspell(s->name_en, i / CATEGORIES, text, sizeof(text)))
            return false;
        field = "lfn";
        break;
    default:
        snprintf(text, sizeof(text), "%s %s", s->designation, s->city_en);
        ascii_lower(text);
        break;
    }
    if (text[0] == '\0')
        return false;
    fprintf(out, "%s\t%s\t%s\t%s\t%s\n", category_name[cat], s->employee_no,
            s->jid[0] != '\0' ? s->jid : "-", text, field);
    return true;
}

static bool source_usable(const struct source *s)
{
    return !has_tab_or_newline(s->employee_no) && !has_tab_or_newline(s->jid) &&
           !has_tab_or_newline(s->name_en) && !has_tab_or_newline(s->name_ur) &&
           !has_tab_or_newline(s->designation) &&
           !has_tab_or_newline(s->city_en);
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
        };

        if (source_usable(&s) && write_query(out, written, &s))
            written++;
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

/* Splits LINE of Q into its five fields; false when it has fewer. */
static bool query_split(struct dirbench_query *q)
{
    char *f[5], *p = q->line;
    int i;

    p[strcspn(p, "\n")] = '\0';
    for (i = 0; i < 5; i++) {
        f[i] = p;
        p = strchr(p, '\t');
        if (p == NULL && i < 4)
            return false;
        if (p != NULL)
            *p++ = '\0';
    }
    q->category = f[0];
    q->expected = f[1];
    q->jid = f[2];
    q->text = f[3];
    q->ej_field = f[4];
    return true;
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

/* One Smart Office search of Q; sets *MS, *FOUND and *RESULTS. */
static int so_search(struct st_db *db, const struct dirbench_query *q,
                     double *ms, bool *found, size_t *results)
{
    static struct st_dir_page page;
    struct so_dquery dq;
    double t0 = bench_now_ns();
    enum st_err err = ST_OK;
    size_t i;

    *found = false;
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
    for (i = 0; i < page.n; i++) {
        if (strcmp(page.entry[i].employee_no, q->expected) == 0)
            *found = true;
    }
    *results = page.n;
    st_dir_page_clear(&page);
    return 0;
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
                     double *ms, bool *found, size_t *results)
{
    const struct ej_statement *st = ej_statement_for(q->ej_field);
    const char *params[1] = {q->text};
    PGresult *res = NULL;
    double t0;
    int row;

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
    *found = false;
    for (row = 0; row < PQntuples(res); row++) {
        if (strcmp(PQgetvalue(res, row, 0), q->expected) == 0)
            *found = true;
    }
    *results = (size_t)PQntuples(res);
    PQclear(res);
    return 0;
}

static bool ej_expressible(const struct dirbench_query *q)
{
    return strcmp(q->ej_field, "-") != 0;
}

/* Runs query Q on both and writes its line to OUT (when not NULL). */
static int run_one(struct st_db *db, const struct dirbench_query *q, FILE *out)
{
    double so_ms, ej_ms;
    bool so_found, ej_found;
    size_t so_n, ej_n;

    if (so_search(db, q, &so_ms, &so_found, &so_n) != 0)
        return -1;
    if (!ej_expressible(q)) {
        if (out != NULL)
            fprintf(out, "%s\t%.3f\t%d\t%zu\t-\t-\t-\n", q->category, so_ms,
                    so_found, so_n);
        return 0;
    }
    if (ej_search(db, q, &ej_ms, &ej_found, &ej_n) != 0)
        return -1;
    if (out != NULL)
        fprintf(out, "%s\t%.3f\t%d\t%zu\t%.3f\t%d\t%zu\n", q->category, so_ms,
                so_found, so_n, ej_ms, ej_found, ej_n);
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
