/*
 * directory_search_test.c - st_dir_search and st_dir_entry_get against a
 * real PostgreSQL: a small fixed directory (terms computed by
 * so_dterms_build, and so_dterms_place for units and cities), then a
 * table of queries, each read whole at page
 * sizes 1, 2, 3 and 100 and compared with the expected employee numbers
 * in order; bad cursors; entries; PostgreSQL stopped and started again.
 *
 *   directory_search_test
 *
 * Needs SMARTOFFICE_DB (an empty database with the schema), TOP and
 * PG_DIR, as tests/store/directory_search.sh sets them. Leaves
 * PostgreSQL running.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_dquery.h"
#include "so_dterms.h"
#include "so_fold.h"
#include "st_directory.h"

#define LIST_MAX 1024

static int failures;

static void check(bool ok, const char *what, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("  ok: %s\n", what);
        return;
    }
    printf("  FAIL: %s: ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    failures++;
}

static void check_str(const char *what, const char *want, const char *got)
{
    check(strcmp(want, got) == 0, what, "expected '%s', got '%s'", want, got);
}

static void check_err(const char *what, enum st_err want, enum st_err got)
{
    check(want == got, what, "expected error %d, got %d", (int)want, (int)got);
}

/* ---- the fixed directory --------------------------------------------- */

struct city {
    const char *code, *en, *ur;
};

static const struct city cities[] = {
    {"ISB", "Islamabad", "اسلام آباد"},
    {"LHE", "Lahore", "لاہور"},
    {"KHI", "Karachi", "کراچی"},
};

struct unit {
    const char *code, *parent, *kind, *en, *ur;
};

/* parents before children */
static const struct unit units[] = {
    {"MOI", NULL, "ministry", "Ministry of Interior", "وزارت داخلہ"},
    {"MOI-FIA", "MOI", "department", "Federal Investigation Agency",
     "وفاقی تحقیقاتی ادارہ"},
    {"MOI-FIA-CYB", "MOI-FIA", "wing", "Cyber Crime Wing", "سائبر کرائم ونگ"},
    {"MOF", NULL, "ministry", "Ministry of Finance", "وزارت خزانہ"},
    /* "archive" and "section" name 21 units: too many to mean one */
    {"MOE", NULL, "ministry", "Ministry of Education", "وزارت تعلیم"},
    {"MOE-S01", "MOE", "section", "Archive Section Alpha",
     "آرکائیو سیکشن Alpha"},
    {"MOE-S02", "MOE", "section", "Archive Section Bravo",
     "آرکائیو سیکشن Bravo"},
    {"MOE-S03", "MOE", "section", "Archive Section Charlie",
     "آرکائیو سیکشن Charlie"},
    {"MOE-S04", "MOE", "section", "Archive Section Delta",
     "آرکائیو سیکشن Delta"},
    {"MOE-S05", "MOE", "section", "Archive Section Echo", "آرکائیو سیکشن Echo"},
    {"MOE-S06", "MOE", "section", "Archive Section Foxtrot",
     "آرکائیو سیکشن Foxtrot"},
    {"MOE-S07", "MOE", "section", "Archive Section Golf", "آرکائیو سیکشن Golf"},
    {"MOE-S08", "MOE", "section", "Archive Section Hotel",
     "آرکائیو سیکشن Hotel"},
    {"MOE-S09", "MOE", "section", "Archive Section India",
     "آرکائیو سیکشن India"},
    {"MOE-S10", "MOE", "section", "Archive Section Juliet",
     "آرکائیو سیکشن Juliet"},
    {"MOE-S11", "MOE", "section", "Archive Section Kilo", "آرکائیو سیکشن Kilo"},
    {"MOE-S12", "MOE", "section", "Archive Section Lima", "آرکائیو سیکشن Lima"},
    {"MOE-S13", "MOE", "section", "Archive Section Mike", "آرکائیو سیکشن Mike"},
    {"MOE-S14", "MOE", "section", "Archive Section November",
     "آرکائیو سیکشن November"},
    {"MOE-S15", "MOE", "section", "Archive Section Oscar",
     "آرکائیو سیکشن Oscar"},
    {"MOE-S16", "MOE", "section", "Archive Section Papa", "آرکائیو سیکشن Papa"},
    {"MOE-S17", "MOE", "section", "Archive Section Quebec",
     "آرکائیو سیکشن Quebec"},
    {"MOE-S18", "MOE", "section", "Archive Section Romeo",
     "آرکائیو سیکشن Romeo"},
    {"MOE-S19", "MOE", "section", "Archive Section Sierra",
     "آرکائیو سیکشن Sierra"},
    {"MOE-S20", "MOE", "section", "Archive Section Tango",
     "آرکائیو سیکشن Tango"},
    {"MOE-S21", "MOE", "section", "Archive Section Uniform",
     "آرکائیو سیکشن Uniform"},
};

struct person {
    const char *no, *en, *ur, *designation;
    int bps;
    const char *unit, *city, *jid, *status;
};

static const struct person people[] = {
    {"E001", "Imran Khan", "عمران خان", "Deputy Director", 19, "MOI-FIA-CYB",
     "ISB", "imran.khan@gov.example", "active"},
    {"E002", "Imran Khan", "عمران خان", "Section Officer", 17, "MOF", "LHE",
     NULL, "retired"},
    {"E003", "Ali Raza", "علی رضا", "Assistant Director", 17, "MOI-FIA", "KHI",
     NULL, "active"},
    {"E004", "Khanzada Ahmed", "خانزادہ احمد", "Director", 20, "MOI-FIA-CYB",
     "ISB", NULL, "active"},
    {"E005", "Muhammad Ali", "محمد علی", "Director General", 21, "MOI", "ISB",
     NULL, "active"},
    {"E006", "Alia Bibi", "عالیہ بی بی", "Stenotypist", 14, "MOF", "LHE", NULL,
     "active"},
    {"E007", "Imrana Shah", "عمرانہ شاہ", "Assistant", 11, "MOF", "KHI", NULL,
     "on_leave"},
    {"E008", "Sana Khan", "ثنا خان", "Section Officer", 17, "MOI-FIA-CYB",
     "LHE", NULL, "on_leave"},
    {"E009", "Kamran Malik", "کامران ملک", "Director", 20, "MOF", "ISB", NULL,
     "suspended"},
    {"E010", "Imraan Qureshi", "عمران قریشی", "Programmer", 17, "MOI-FIA",
     "ISB", NULL, "active"},
    {"E011", "Zeeshan Tariq", "ذیشان طارق", "Librarian", 16, "MOE-S01", "KHI",
     NULL, "active"},
    /* whole designations of two words ("D:") beside one of one word */
    {"E012", "Farhan Javed", "فرحان جاوید", "Deputy Secretary", 19, "MOE",
     "LHE", NULL, "active"},
    {"E013", "Nadia Hussain", "نادیہ حسین", "Deputy Secretary", 19, "MOE",
     "ISB", NULL, "active"},
    {"E014", "Bilal Haider", "بلال حیدر", "Secretary", 22, "MOE", "LHE", NULL,
     "active"},
    {"E015", "Saima Noor", "صائمہ نور", "Joint Secretary", 20, "MOE", "LHE",
     NULL, "active"},
    {"E016", "Adeel Rana", "عدیل رانا", "Deputy Secretary General", 21, "MOF",
     "KHI", NULL, "active"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A PostgreSQL array literal of N strings, quoted, into OUT. */
static void array_literal(char *const *v, size_t n, char *out, size_t len)
{
    size_t o = 0;

    out[o++] = '{';
    for (size_t i = 0; i < n && o + 8 < len; i++) {
        if (i > 0)
            out[o++] = ',';
        out[o++] = '"';
        for (const char *p = v[i]; *p != '\0' && o + 6 < len; p++) {
            if (*p == '"' || *p == '\\')
                out[o++] = '\\';
            out[o++] = *p;
        }
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
}

static bool exec(struct st_db *db, const char *sql, int n,
                 const char *const *params)
{
    enum st_err err = st_db_exec(db, "loading the test directory", sql, n,
                                 params, PGRES_COMMAND_OK, NULL);

    if (err != ST_OK)
        printf("  FAIL: %s\n", st_db_error(db));
    return err == ST_OK;
}

struct words {
    struct st_db *db;
    bool ok;
};

/* Adds one folded name word to directory_word. */
static bool add_word(const char *word, size_t len, void *arg)
{
    struct words *w = arg;
    char tri[SO_FOLD_TRIGRAMS_MAX][16], lit[2048];
    char *v[SO_FOLD_TRIGRAMS_MAX];
    size_t n = so_fold_trigrams(word, tri, SO_FOLD_TRIGRAMS_MAX);
    const char *params[2] = {word, lit};

    (void)len;
    for (size_t i = 0; i < n; i++)
        v[i] = tri[i];
    array_literal(v, n, lit, sizeof(lit));
    w->ok = w->ok && exec(w->db,
                          "INSERT INTO smartoffice.directory_word "
                          "(word, trigrams) VALUES ($1, $2::text[]) "
                          "ON CONFLICT DO NOTHING",
                          2, params);
    return w->ok;
}

static const struct unit *unit_find(const char *code)
{
    for (size_t i = 0; i < COUNT(units); i++)
        if (code != NULL && strcmp(units[i].code, code) == 0)
            return &units[i];
    return NULL;
}

static bool load_person(struct st_db *db, const struct person *p)
{
    const char *code[8];
    const struct unit *u;
    struct so_dentry e = {p->en, p->ur, p->designation, p->bps, p->city,
                          0,     code};
    struct so_dterms t = {0};
    struct words w = {db, true};
    char key[256], bps[8], terms[8192];
    bool ok = false;

    for (u = unit_find(p->unit); u != NULL; u = unit_find(u->parent)) {
        code[e.nunits] = u->code;
        e.nunits++;
    }
    if (so_dterms_build(&e, &t, key, sizeof(key)) != SO_OK) {
        printf("  FAIL: so_dterms_build refused %s\n", p->no);
        goto out;
    }
    array_literal(t.term, t.n, terms, sizeof(terms));
    snprintf(bps, sizeof(bps), "%d", p->bps);
    /* the whole designation, as the importer lists it */
    for (size_t i = 0; i < t.n; i++) {
        const char *params[1] = {t.term[i]};

        if (strncmp(t.term[i], "D:", 2) == 0 &&
            !exec(db,
                  "INSERT INTO smartoffice.designation (key) VALUES ($1) "
                  "ON CONFLICT DO NOTHING",
                  1, params))
            goto out;
    }
    {
        const char *params[] = {p->no,     p->en,   p->ur,   p->designation,
                                bps,       p->unit, p->city, p->jid,
                                p->status, key,     terms};

        if (!exec(db,
                  "INSERT INTO smartoffice.employee (employee_no, name_en, "
                  "name_ur, designation, bps, unit, city, jid, status, "
                  "name_key, terms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                  "$9, $10, $11::text[])",
                  11, params))
            goto out;
    }
    so_fold_words(p->en, strlen(p->en), SO_FOLD_STRICT, add_word, &w);
    so_fold_words(p->ur, strlen(p->ur), SO_FOLD_STRICT, add_word, &w);
    ok = w.ok;
out:
    so_dterms_clear(&t);
    return ok;
}

/* The terms of a unit or city named EN and UR, as an array literal in
 * OUT. */
static bool place_terms(const char *en, const char *ur, char *out, size_t len)
{
    struct so_dterms t = {0};
    bool ok = so_dterms_place(en, ur, &t) == SO_OK;

    if (ok)
        array_literal(t.term, t.n, out, len);
    else
        printf("  FAIL: so_dterms_place refused '%s'\n", en);
    so_dterms_clear(&t);
    return ok;
}

static bool load(struct st_db *db)
{
    char terms[2048];

    for (size_t i = 0; i < COUNT(cities); i++) {
        const char *params[] = {cities[i].code, cities[i].en, cities[i].ur,
                                terms};

        if (!place_terms(cities[i].en, cities[i].ur, terms, sizeof(terms)) ||
            !exec(db,
                  "INSERT INTO smartoffice.city (code, name_en, name_ur, "
                  "province, phase, terms) "
                  "VALUES ($1, $2, $3, 'Punjab', 1, $4::text[])",
                  4, params))
            return false;
    }
    for (size_t i = 0; i < COUNT(units); i++) {
        const struct unit *u = &units[i];
        char path[256] = "";
        const char *params[7] = {u->code, u->parent, u->kind, u->en,
                                 u->ur,   path,      terms};

        for (const struct unit *a = u; a != NULL; a = unit_find(a->parent)) {
            char tmp[256];

            snprintf(tmp, sizeof(tmp), "%s%s%s", a->code,
                     path[0] != '\0' ? " " : "", path);
            snprintf(path, sizeof(path), "%s", tmp);
        }
        if (!place_terms(u->en, u->ur, terms, sizeof(terms)) ||
            !exec(db,
                  "INSERT INTO smartoffice.org_unit (code, parent, kind, "
                  "name_en, name_ur, path, terms) VALUES ($1, $2, $3, $4, "
                  "$5, string_to_array($6, ' '), $7::text[])",
                  7, params))
            return false;
    }
    for (size_t i = 0; i < COUNT(people); i++)
        if (!load_person(db, &people[i]))
            return false;
    return true;
}

/* ---- searches -------------------------------------------------------- */

struct search_case {
    const char *query;
    struct st_dir_filter filter;
    const char *want; /* employee numbers in order, comma-separated */
};

static const struct search_case cases[] = {
    /* exact before prefix; within a tier active, on leave, suspended,
     * retired, then by employee number */
    {"khan", {0}, "E001,E008,E002,E004"},
    {"Khan", {0}, "E001,E008,E002,E004"},
    /* Arabic yeh typed, Urdu yeh stored */
    {"علي رضا", {0}, "E003"},
    {"رضا علی", {0}, "E003"},
    {"raza ali", {0}, "E003"},
    {"khan imran", {0}, "E001,E002"},
    {"imr", {0}, "E001,E010,E007,E002"},
    {"kh ah", {0}, "E004"},
    /* a prefix: "khan", one edit away, is not added (tier 2 runs only
     * when tiers 0 and 1 find nobody) */
    {"khanz*", {0}, "E004"},
    /* exact, then prefix (imrana); not the misspelt imraan */
    {"imran", {0}, "E001,E002,E007"},
    {"ali", {0}, "E003,E005,E006"},
    {"عمران", {0}, "E001,E010,E002,E007"},
    /* the loose key: do-chashmi heh typed for heh goal; عمران, one edit
     * away, is not added */
    {"عمرانھ", {0}, "E007"},
    /* an exact match: imran and imrana, one edit away, are not added */
    {"imraan", {0}, "E010"},
    /* misspellings: only when no word or prefix matches anybody */
    {"qureshy", {0}, "E010"},
    {"imarn", {0}, "E001,E002"},
    {"imarn khan", {0}, "E001,E002"},
    {"a\\li", {0}, "E003,E005"},
    /* % _ \ and quotes are ordinary characters */
    {"a_i", {0}, ""},
    {"al%", {0}, ""},
    {"ali\"", {0}, "E003,E005,E006"},
    /* a word of a unit's name: the unit and everything beneath it */
    {"finance", {0}, "E006,E016,E007,E009,E002"},
    {"خزانہ", {0}, "E006,E016,E007,E009,E002"},
    {"investigation", {0}, "E001,E003,E004,E010,E008"},
    {"cyber wing", {0}, "E001,E004,E008"},
    {"interior", {0}, "E001,E003,E004,E005,E010,E008"},
    /* a word naming more than 20 units names none; "section" is still a
     * designation word */
    {"archive", {0}, ""},
    {"section", {0}, "E008,E002"},
    {"zeeshan section", {0}, ""},
    {"alpha", {0}, "E011"},
    {"education", {0}, "E011,E012,E013,E014,E015"},
    /* a word of a city's name */
    {"lahore", {0}, "E006,E012,E014,E015,E008,E002"},
    {"لاہور", {0}, "E006,E012,E014,E015,E008,E002"},
    {"khan lahore", {0}, "E008,E002"},
    {"karachi assistant", {0}, "E003,E007"},
    /* a designation word; with a name prefix a later tier */
    {"deputy", {0}, "E001,E012,E013,E016"},
    /* a run of words that designations hold matches those designations
     * (one term each, "D:"); a single word, or words in another order,
     * match word by word */
    {"deputy secretary lahore", {0}, "E012"},
    {"lahore deputy secretary", {0}, "E012"},
    {"deputy secretary", {0}, "E012,E013,E016"},
    {"deputy secretary general", {0}, "E016"},
    {"general deputy secretary", {0}, "E016"},
    {"joint secretary", {0}, "E015"},
    {"secretary", {0}, "E012,E013,E014,E015,E016"},
    {"secretary lahore", {0}, "E012,E014,E015"},
    {"secretary deputy", {0}, "E012,E013,E016"},
    {"farhan deputy secretary", {0}, "E012"},
    {"deputy secretary farh", {0}, "E012"},
    {"director islamabad", {0}, "E001,E004,E005,E009"},
    {"imran finance", {0}, "E002,E007"},
    /* place words are whole words, never prefixes */
    {"laho", {0}, ""},
    /* filters */
    {"khan", {.unit = "MOI"}, "E001,E008,E004"},
    {"khan", {.unit = "MOI-FIA-CYB"}, "E001,E008,E004"},
    {"khan", {.unit = "MOF"}, "E002"},
    {"khan", {.unit = "NOSUCH"}, ""},
    {"khan", {.city = "LHE"}, "E008,E002"},
    {"khan", {.bps = 19}, "E001"},
    {"khan", {.designation = "section officer"}, "E008,E002"},
    {"imran", {.unit = "MOF"}, "E002,E007"},
    {"lahore", {.unit = "MOF"}, "E006,E002"},
    {NULL, {.designation = "Director"}, "E001,E003,E004,E005,E009"},
    {NULL, {.designation = "deputy director"}, "E001"},
    /* a filter that is a whole designation of 2+ words: that one only */
    {NULL, {.designation = "Deputy Secretary"}, "E012,E013"},
    {NULL, {.designation = "secretary"}, "E012,E013,E014,E015,E016"},
    /* a filter of words that is no designation: word by word */
    {NULL, {.designation = "secretary general"}, "E016"},
    {"lahore", {.designation = "deputy secretary"}, "E012"},
    {NULL, {.designation = "director", .city = "ISB"}, "E001,E004,E005,E009"},
    {"ali", {.unit = "MOI"}, "E003,E005"},
};

/* Reads every page of Q at page size MAX into OUT (comma-separated),
 * checking that only the last page says no more follows. */
static enum st_err read_all(struct st_db *db, const struct so_dquery *q,
                            const struct st_dir_filter *f, size_t max,
                            char *out, size_t len, const char *what)
{
    struct st_dir_page page = {0};
    char after[ST_DIR_CURSOR_MAX] = "";
    size_t o = 0, pages = 0;
    enum st_err err;

    out[0] = '\0';
    for (;;) {
        err = st_dir_search(db, q, f, after, max, &page);
        if (err != ST_OK)
            break;
        for (size_t i = 0; i < page.n; i++)
            o += (size_t)snprintf(out + o, len - o, "%s%s", o > 0 ? "," : "",
                                  page.entry[i].employee_no);
        if (page.n > max || (page.more && page.n != max) ||
            (page.n > 0 && (page.first[0] == '\0' || page.last[0] == '\0'))) {
            check(false, what, "page %zu: %zu entries, more %d", pages, page.n,
                  page.more);
            break;
        }
        pages++;
        if (!page.more || pages > 50)
            break;
        memcpy(after, page.last, sizeof(after));
        st_dir_page_clear(&page);
    }
    st_dir_page_clear(&page);
    return err;
}

static void run_cases(struct st_db *db)
{
    static const size_t sizes[] = {1, 2, 3, 100};
    char got[LIST_MAX], what[256];
    struct so_dquery q;
    enum so_dquery_refusal r;
    enum st_err err;

    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct search_case *c = &cases[i];
        const char *text = c->query != NULL ? c->query : "";

        memset(&q, 0, sizeof(q));
        if (c->query != NULL) {
            r = so_dquery_parse(text, strlen(text), &q);
            if (r != SO_DQUERY_OK) {
                check(false, text, "so_dquery_parse refused it (%d)", (int)r);
                continue;
            }
        }
        for (size_t s = 0; s < COUNT(sizes); s++) {
            snprintf(what, sizeof(what),
                     "'%s' unit=%s city=%s bps=%d "
                     "designation=%s, pages of %zu",
                     text, c->filter.unit ? c->filter.unit : "-",
                     c->filter.city ? c->filter.city : "-", c->filter.bps,
                     c->filter.designation ? c->filter.designation : "-",
                     sizes[s]);
            err =
                read_all(db, &q, &c->filter, sizes[s], got, sizeof(got), what);
            if (err != ST_OK) {
                check(false, what, "expected ST_OK, got %d: %s", (int)err,
                      st_db_error(db));
                continue;
            }
            check_str(what, c->want, got);
        }
    }
}

/* ---- cursors --------------------------------------------------------- */

static void b64url(const char *raw, size_t len, char *out)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *in = (const unsigned char *)raw;
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;

        v |= i + 1 < len ? (unsigned)in[i + 1] << 8 : 0;
        v |= i + 2 < len ? in[i + 2] : 0;
        out[o++] = a[(v >> 18) & 63];
        out[o++] = a[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = a[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = a[v & 63];
    }
    out[o] = '\0';
}

static void check_cursors(struct st_db *db)
{
    static const struct {
        const char *what;
        const char *raw; /* encoded here; NULL: TEXT as it is */
        const char *text;
    } bad[] = {
        {"not base64url", NULL, "!!!!"},
        {"standard base64", NULL, "MDA+"},
        {"padding", NULL, "MTAwOkUwMDE6a2hhbg=="},
        {"one character too many", NULL, "MTAwOkUwMDE6a2hhbgA"},
        {"unknown version", "900:E001", NULL},
        {"the old form with a name key", "100:E001:imran khan", NULL},
        {"the old form, key cut", "200:E001:imran", NULL},
        {"no such tier", "330:E001", NULL},
        {"no such status rank", "304:E001", NULL},
        {"no separator", "300E001", NULL},
        {"bad employee number", "300:E 01", NULL},
        {"empty employee number", "300:", NULL},
        {"something after the employee number", "300:E001:imran", NULL},
        {"control character", "300:E001\001", NULL},
        {"too short", "30", NULL},
    };
    struct st_dir_page page = {0};
    struct so_dquery q;
    struct st_dir_filter designation = {.designation = "director"};
    char text[ST_DIR_CURSOR_MAX * 2], what[128];
    enum st_err err;

    so_dquery_parse("khan", 4, &q);
    for (size_t i = 0; i < COUNT(bad); i++) {
        if (bad[i].raw != NULL)
            b64url(bad[i].raw, strlen(bad[i].raw), text);
        else
            snprintf(text, sizeof(text), "%s", bad[i].text);
        snprintf(what, sizeof(what), "bad cursor (%s) is ST_EDATA",
                 bad[i].what);
        err = st_dir_search(db, &q, NULL, text, 3, &page);
        check_err(what, ST_EDATA, err);
        check(page.n == 0, "  and the page is empty", "%zu entries", page.n);
        st_dir_page_clear(&page);
    }
    memset(text, 'A', ST_DIR_CURSOR_MAX);
    text[ST_DIR_CURSOR_MAX] = '\0';
    check_err("overlong cursor is ST_EDATA", ST_EDATA,
              st_dir_search(db, &q, NULL, text, 3, &page));

    /* a well-formed cursor works; the same in tier 1 of a query with no
     * words (which has only tier 0) does not */
    b64url("300:E001", 8, text);
    err = st_dir_search(db, &q, NULL, text, 10, &page);
    check_err("a cursor of our own form is accepted", ST_OK, err);
    check(page.n == 3 && strcmp(page.entry[0].employee_no, "E008") == 0,
          "  and the page starts after it", "%zu entries", page.n);
    st_dir_page_clear(&page);
    memset(&q, 0, sizeof(q));
    b64url("310:E001", 8, text);
    check_err("a tier 1 cursor without words is ST_EDATA", ST_EDATA,
              st_dir_search(db, &q, &designation, text, 3, &page));

    check_err("no words and no designation is ST_EDATA", ST_EDATA,
              st_dir_search(db, &q, NULL, NULL, 3, &page));
    so_dquery_parse("khan", 4, &q);
    check_err("page size 0 is ST_EDATA", ST_EDATA,
              st_dir_search(db, &q, NULL, NULL, 0, &page));
    check_err("page size above the limit is ST_EDATA", ST_EDATA,
              st_dir_search(db, &q, NULL, NULL, ST_DIR_PAGE_MAX + 1, &page));
}

/* ---- entries --------------------------------------------------------- */

static void check_entries(struct st_db *db)
{
    struct st_dir_entry e;
    enum st_err err;

    err = st_dir_entry_get(db, "E001", &e);
    check_err("entry E001 is found", ST_OK, err);
    if (err == ST_OK) {
        check_str("  name_en", "Imran Khan", e.name_en);
        check_str("  name_ur", "عمران خان", e.name_ur);
        check_str("  designation", "Deputy Director", e.designation);
        check(e.bps == 19, "  bps", "expected 19, got %d", e.bps);
        check_str("  unit", "MOI-FIA-CYB", e.unit);
        check_str("  unit_en", "Cyber Crime Wing", e.unit_en);
        check_str("  unit_ur", "سائبر کرائم ونگ", e.unit_ur);
        check_str("  city", "ISB", e.city);
        check_str("  city_en", "Islamabad", e.city_en);
        check_str("  city_ur", "اسلام آباد", e.city_ur);
        check_str("  jid", "imran.khan@gov.example", e.jid);
        check_str("  status", "active", e.status);
        check_str("  email", "", e.email);
    }
    st_dir_entry_clear(&e);
    err = st_dir_entry_get(db, "E002", &e);
    check_err("entry E002 is found", ST_OK, err);
    if (err == ST_OK) {
        check_str("  no account: jid", "", e.jid);
        check_str("  status", "retired", e.status);
    }
    st_dir_entry_clear(&e);
    check_err("entry E999 is ST_ENOENT", ST_ENOENT,
              st_dir_entry_get(db, "E999", &e));
    check_err("entry 'x'' OR 1=1' is ST_ENOENT", ST_ENOENT,
              st_dir_entry_get(db, "x' OR '1'='1", &e));
}

/* ---- PostgreSQL going away ------------------------------------------- */

static int stack(const char *verb)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd),
             "\"$TOP/scripts/pg-stack\" %s \"$PG_DIR\" >/dev/null 2>&1", verb);
    return system(cmd);
}

static void check_outage(struct st_db *db)
{
    struct st_dir_page page = {0};
    struct st_dir_entry e;
    struct so_dquery q;
    enum st_err err;

    so_dquery_parse("khan", 4, &q);
    if (stack("stop") != 0) {
        check(false, "stopping PostgreSQL", "pg-stack stop failed");
        return;
    }
    err = st_dir_search(db, &q, NULL, NULL, 3, &page);
    check_err("search with PostgreSQL stopped is ST_ECONNECT", ST_ECONNECT,
              err);
    check(page.n == 0, "  and the page is empty", "%zu entries", page.n);
    check_err("entry with PostgreSQL stopped is ST_ECONNECT", ST_ECONNECT,
              st_dir_entry_get(db, "E001", &e));
    st_dir_entry_clear(&e);
    if (stack("start") != 0) {
        check(false, "starting PostgreSQL", "pg-stack start failed");
        return;
    }
    err = st_dir_search(db, &q, NULL, NULL, 3, &page);
    check_err("search once PostgreSQL is back is ST_OK", ST_OK, err);
    check(page.n == 3, "  with a full page", "expected 3, got %zu", page.n);
    st_dir_page_clear(&page);
}

int main(void)
{
    const char *conninfo = getenv("SMARTOFFICE_DB");
    struct st_db *db = NULL;
    char err[512];

    if (st_db_open(conninfo, &db, err, sizeof(err)) != ST_OK) {
        fprintf(stderr, "directory_search_test: %s\n", err);
        return 1;
    }
    printf("loading the test directory\n");
    if (!load(db)) {
        st_db_free(db);
        return 1;
    }
    printf("searches\n");
    run_cases(db);
    printf("cursors and arguments\n");
    check_cursors(db);
    printf("entries\n");
    check_entries(db);
    printf("PostgreSQL stopped and started\n");
    check_outage(db);
    st_db_free(db);
    if (failures > 0)
        printf("directory_search_test: %d failed\n", failures);
    return failures > 0 ? 1 : 0;
}
