/*
 * bench_rollout.c - what the rollout's login gate costs with a national
 * directory in memory, beside what a Lua-only module would keep.
 *
 *   bench_rollout [ENTRIES [DECISIONS]]      (3000000, 1000000)
 *
 *  1. The snapshot: ENTRIES synthetic employees (JIDs
 *     firstname.lastname.N@gov.example, 12 ministries of 8 wings of 10
 *     sections, 18 cities live, pilot, paused or planned, three unit
 *     exceptions, person exceptions, 1,000 rollout accounts) applied row
 *     by row with st_dirsnap_apply(); the units, cities and exceptions
 *     are libpq results made in memory, as the follower's queries would
 *     return them. No PostgreSQL is involved. Timed; its memory as
 *     st_dirsnap_stats() estimates it and as the process's RSS grows.
 *  2. DECISIONS random JIDs (90% in the directory, 10% not) judged as
 *     mod_rollout does: lookup by JID, the rollout account, the person
 *     exception for a JID the directory lacks, then so_gate_decide().
 *     Timed in batches of BATCH: the median batch's ns per decision, and
 *     the mean over all. Then so_gate_decide() alone on the same facts.
 *     ROUNDS rounds of each, interleaved with the Lua side's (3).
 *  3. The anchor, in the same process: Lua 5.4, a table of ENTRIES
 *     JID -> {status=, city=, unit=} and the same rules written in Lua
 *     (city states, units under an exception and excepted JIDs in
 *     tables of their own), asked for the same JIDs in the same batches;
 *     its memory by collectgarbage("count") and RSS. Both sides count
 *     every verdict once, untimed, and must agree.
 *
 * Not a test: figures are printed, never enforced. Exit 1 only when
 * something could not be built or the two sides disagree.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "so_gate.h"
#include "st_dirsnap.h"
#include "bench_util.h"

#define ENTRIES_DEFAULT 3000000
#define DECISIONS_DEFAULT 1000000
#define BATCH 1000
#define ROUNDS 3
#define ABSENT_PERCENT 10
#define DOMAIN "gov.example"
#define WINGS 8
#define SECTIONS 10
#define PERSON_EXCEPTION_EVERY 100000 /* every Nth employee by JID */
#define SERVICE_ACCOUNTS 10           /* excepted JIDs not in the directory */
#define ACCOUNT_EVERY 3000            /* a rollout account for every Nth */
#define JID_MAX 96

struct city_def {
    const char *code, *en, *ur, *phase, *state;
};

static const struct city_def cities[] = {
    {"ISB", "Islamabad", "اسلام آباد", "1", "live"},
    {"RWP", "Rawalpindi", "راولپنڈی", "1", "live"},
    {"LHE", "Lahore", "لاہور", "1", "live"},
    {"KHI", "Karachi", "کراچی", "2", "pilot"},
    {"PEW", "Peshawar", "پشاور", "2", "pilot"},
    {"LYP", "Faisalabad", "فیصل آباد", "2", "paused"},
    {"GRW", "Gujranwala", "گوجرانوالہ", "2", "planned"},
    {"MUX", "Multan", "ملتان", "2", "planned"},
    {"UET", "Quetta", "کوئٹہ", "3", "planned"},
    {"HDD", "Hyderabad", "حیدرآباد", "3", "planned"},
    {"SKT", "Sialkot", "سیالکوٹ", "3", "planned"},
    {"SKZ", "Sukkur", "سکھر", "3", "planned"},
    {"BHV", "Bahawalpur", "بہاولپور", "3", "planned"},
    {"ABT", "Abbottabad", "ایبٹ آباد", "3", "planned"},
    {"GIL", "Gilgit", "گلگت", "4", "planned"},
    {"MFG", "Muzaffarabad", "مظفرآباد", "4", "planned"},
    {"GWD", "Gwadar", "گوادر", "4", "planned"},
    {"DSK", "Dera Ismail Khan", "ڈیرہ اسماعیل خان", "4", "planned"},
};
#define NCITIES (sizeof(cities) / sizeof(cities[0]))

static const char *const orgs[] = {"CABDIV", "ESTDIV", "MOFA", "MOI",
                                   "MOF",    "MOD",    "MOLJ", "MOITT",
                                   "MOPDSI", "MOE",    "MOH",  "MOC"};
#define NORGS (sizeof(orgs) / sizeof(orgs[0]))

/* A whole ministry, one wing, one section. */
static const char *const unit_exceptions[] = {"CABDIV", "MOITT-W1",
                                              "MOI-W3-S07"};
#define NUNIT_EXCEPTIONS (sizeof(unit_exceptions) / sizeof(unit_exceptions[0]))

struct name_def {
    const char *en, *ur;
};

static const struct name_def given[] = {
    {"Ali", "علی"},      {"Ahmed", "احمد"},    {"Imran", "عمران"},
    {"Usman", "عثمان"},  {"Bilal", "بلال"},    {"Hassan", "حسن"},
    {"Hussain", "حسین"}, {"Umar", "عمر"},      {"Asif", "آصف"},
    {"Tariq", "طارق"},   {"Kamran", "کامران"}, {"Naveed", "نوید"},
    {"Ayesha", "عائشہ"}, {"Fatima", "فاطمہ"},  {"Sana", "ثناء"},
    {"Hina", "حنا"},     {"Saima", "صائمہ"},   {"Nadia", "نادیہ"},
    {"Amna", "آمنہ"},    {"Maryam", "مریم"},
};
#define NGIVEN (sizeof(given) / sizeof(given[0]))

static const struct name_def family[] = {
    {"Khan", "خان"},          {"Raza", "رضا"},    {"Siddiqui", "صدیقی"},
    {"Qureshi", "قریشی"},     {"Malik", "ملک"},   {"Chaudhry", "چوہدری"},
    {"Butt", "بٹ"},           {"Sheikh", "شیخ"},  {"Abbasi", "عباسی"},
    {"Hashmi", "ہاشمی"},      {"Naqvi", "نقوی"},  {"Bukhari", "بخاری"},
    {"Awan", "اعوان"},        {"Baloch", "بلوچ"}, {"Memon", "میمن"},
    {"Yousafzai", "یوسفزئی"},
};
#define NFAMILY (sizeof(family) / sizeof(family[0]))

static const char *const designations[] = {
    "Section Officer",  "Assistant", "Deputy Secretary",
    "Superintendent",   "Director",  "Assistant Director",
    "Computer Operator"};
#define NDESIGNATIONS (sizeof(designations) / sizeof(designations[0]))

/* One made-up employee: the row and the strings it points into. */
struct gen {
    struct st_dir_row row;
    char jid[JID_MAX], no[16], name_en[64], name_ur[96], unit[32], phone[24];
};

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The JID of employee I (1-based); numbers past ENTRIES name nobody. */
static void gen_jid(uint64_t i, char *buf, size_t len)
{
    uint64_t r = mix64(i);
    const struct name_def *g = &given[r % NGIVEN];
    const struct name_def *f = &family[(r >> 8) % NFAMILY];
    size_t k;

    snprintf(buf, len, "%s.%s.%" PRIu64 "@" DOMAIN, g->en, f->en, i);
    for (k = 0; buf[k] != '\0'; k++)
        if (buf[k] >= 'A' && buf[k] <= 'Z')
            buf[k] = (char)(buf[k] + 32);
}

static const char *gen_status(uint64_t r)
{
    unsigned p = (unsigned)(r % 100);

    if (p < 93)
        return "active";
    if (p < 97)
        return "on_leave";
    return p < 99 ? "suspended" : "retired";
}

/* Employee I: 90% in a section, 10% in a wing; cities evenly. */
static void gen_row(uint64_t i, struct gen *g)
{
    uint64_t r = mix64(i), s = mix64(r);
    const struct name_def *gn = &given[r % NGIVEN];
    const struct name_def *fn = &family[(r >> 8) % NFAMILY];
    unsigned org = (unsigned)((s >> 8) % NORGS);
    unsigned wing = 1 + (unsigned)((s >> 16) % WINGS);
    unsigned section = 1 + (unsigned)((s >> 24) % SECTIONS);

    gen_jid(i, g->jid, sizeof(g->jid));
    snprintf(g->no, sizeof(g->no), "FG-%07" PRIu64, i);
    snprintf(g->name_en, sizeof(g->name_en), "%s %s", gn->en, fn->en);
    snprintf(g->name_ur, sizeof(g->name_ur), "%s %s", gn->ur, fn->ur);
    if ((s >> 32) % 10 == 0)
        snprintf(g->unit, sizeof(g->unit), "%s-W%u", orgs[org], wing);
    else
        snprintf(g->unit, sizeof(g->unit), "%s-W%u-S%02u", orgs[org], wing,
                 section);
    snprintf(g->phone, sizeof(g->phone), "+92 51 92%05u",
             (unsigned)((s >> 40) % 100000));
    g->row = (struct st_dir_row){
        .employee_no = g->no,
        .jid = g->jid,
        .name_en = g->name_en,
        .name_ur = g->name_ur,
        .designation = designations[(s >> 48) % NDESIGNATIONS],
        .bps = 11 + (int)((s >> 52) % 10),
        .unit = g->unit,
        .city = cities[(s >> 4) % NCITIES].code,
        .office_phone = g->phone,
        .email = g->jid,
        .status = gen_status(r >> 32),
    };
}

/* -- The org results, as the follower's queries return them ------------- */

#define RESULT_COLS_MAX 16

/* An empty result of NCOLS (at most RESULT_COLS_MAX) text columns; NULL
 * when memory ran out. */
static PGresult *result_new(int ncols)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc att[RESULT_COLS_MAX];
    int c;

    if (res == NULL || ncols > RESULT_COLS_MAX) {
        PQclear(res);
        return NULL;
    }
    memset(att, 0, sizeof(att));
    for (c = 0; c < ncols; c++) {
        att[c].name = "c";
        att[c].typid = 25; /* text */
        att[c].typlen = -1;
        att[c].atttypmod = -1;
    }
    if (!PQsetResultAttrs(res, ncols, att)) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Appends a row of NCOLS values (NULL for SQL NULL). */
static bool result_add(PGresult *res, int ncols, const char *const *v)
{
    int row = PQntuples(res), c;

    for (c = 0; c < ncols; c++)
        if (!PQsetvalue(res, row, c, (char *)v[c],
                        v[c] != NULL ? (int)strlen(v[c]) : -1))
            return false;
    return true;
}

static bool add_unit(PGresult *res, const char *code, const char *kind,
                     const char *path)
{
    const char *v[5] = {code, kind, code, code, path};

    return result_add(res, 5, v);
}

/* Units: each ministry, its wings, their sections, with their paths. */
static PGresult *make_units(void)
{
    PGresult *res = result_new(5);
    char code[48], wcode[32], path[160];
    unsigned o, w, s;
    bool ok = res != NULL;

    for (o = 0; ok && o < NORGS; o++) {
        ok = add_unit(res, orgs[o], "ministry", orgs[o]);
        for (w = 1; ok && w <= WINGS; w++) {
            snprintf(wcode, sizeof(wcode), "%s-W%u", orgs[o], w);
            snprintf(path, sizeof(path), "%s %s", orgs[o], wcode);
            ok = add_unit(res, wcode, "wing", path);
            for (s = 1; ok && s <= SECTIONS; s++) {
                snprintf(code, sizeof(code), "%s-S%02u", wcode, s);
                snprintf(path, sizeof(path), "%s %s %s", orgs[o], wcode, code);
                ok = add_unit(res, code, "section", path);
            }
        }
    }
    if (!ok) {
        PQclear(res);
        return NULL;
    }
    return res;
}

static PGresult *make_cities(void)
{
    PGresult *res = result_new(5);
    size_t i;

    for (i = 0; res != NULL && i < NCITIES; i++) {
        const char *v[5] = {cities[i].code, cities[i].en, cities[i].ur,
                            cities[i].phase, cities[i].state};

        if (!result_add(res, 5, v)) {
            PQclear(res);
            return NULL;
        }
    }
    return res;
}

/* The JID of service account K, excepted but not in the directory. */
static void service_jid(unsigned k, char *buf, size_t len)
{
    snprintf(buf, len, "svc.gateway.%u@" DOMAIN, k);
}

static PGresult *make_exceptions(uint64_t entries)
{
    PGresult *res = result_new(2);
    char jid[JID_MAX];
    uint64_t i;
    unsigned k;
    bool ok = res != NULL;

    for (k = 0; ok && k < NUNIT_EXCEPTIONS; k++) {
        const char *v[2] = {"unit", unit_exceptions[k]};

        ok = result_add(res, 2, v);
    }
    for (i = PERSON_EXCEPTION_EVERY; ok && i <= entries;
         i += PERSON_EXCEPTION_EVERY) {
        const char *v[2] = {"person", jid};

        gen_jid(i, jid, sizeof(jid));
        ok = result_add(res, 2, v);
    }
    for (k = 1; ok && k <= SERVICE_ACCOUNTS; k++) {
        const char *v[2] = {"person", jid};

        service_jid(k, jid, sizeof(jid));
        ok = result_add(res, 2, v);
    }
    if (!ok) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* The state of the rollout account of employee I, or NULL for none:
 * one in ACCOUNT_EVERY has one, a tenth of those closed. */
static const char *account_of(uint64_t i)
{
    if (i % ACCOUNT_EVERY != 0)
        return NULL;
    return (i / ACCOUNT_EVERY) % 10 == 0 ? "deprovisioned" : "active";
}

/* The accounts as change rows of kind 'a' (st_dirsnap_apply_result). */
static enum st_err apply_accounts(struct st_dirsnap *snap, uint64_t entries)
{
    PGresult *res = result_new(13);
    char jid[JID_MAX], no[16];
    uint64_t i;
    enum st_err err = ST_ENOMEM;

    for (i = ACCOUNT_EVERY; res != NULL && i <= entries; i += ACCOUNT_EVERY) {
        const char *v[13] = {"a", no,   jid,  account_of(i), NULL, NULL, NULL,
                             "0", NULL, NULL, NULL,          NULL, "1"};

        gen_jid(i, jid, sizeof(jid));
        snprintf(no, sizeof(no), "FG-%07" PRIu64, i);
        if (!result_add(res, 13, v))
            goto out;
    }
    if (res != NULL)
        err = st_dirsnap_apply_result(snap, res, 0);
out:
    PQclear(res);
    return err;
}

/* -- Memory ------------------------------------------------------------- */

/* The resident set of this process in bytes; 0 when unknown. */
static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %zu kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static double mb(double bytes)
{
    return bytes / (1024.0 * 1024.0);
}

/* -- The snapshot ------------------------------------------------------- */

/* A snapshot of ENTRIES employees and their org, owned by the caller;
 * NULL (with a message printed) on failure. */
static struct st_dirsnap *build_snapshot(uint64_t entries)
{
    struct st_dirsnap *snap = st_dirsnap_new(entries);
    PGresult *units = make_units(), *city = make_cities();
    PGresult *exceptions = make_exceptions(entries);
    struct gen g;
    uint64_t i;
    enum st_err err = ST_ENOMEM;

    if (snap == NULL || units == NULL || city == NULL || exceptions == NULL) {
        PQclear(units);
        PQclear(city);
        PQclear(exceptions);
        goto fail;
    }
    /* owned by the table from here on, whatever the outcome */
    err = st_dirsnap_set_org(snap, units, city, exceptions);
    for (i = 1; err == ST_OK && i <= entries; i++) {
        gen_row(i, &g);
        err = st_dirsnap_apply(snap, &g.row, (int64_t)i);
    }
    if (err == ST_OK)
        err = apply_accounts(snap, entries);
    if (err == ST_OK)
        return snap;
fail:
    fprintf(stderr, "bench_rollout: building the snapshot failed (%d)\n",
            (int)err);
    st_dirsnap_free(snap);
    return NULL;
}

/* -- The queries -------------------------------------------------------- */

struct queries {
    char (*jid)[JID_MAX]; /* owned */
    size_t n;
};

/* N JIDs: ABSENT_PERCENT of them nobody's, the rest random employees. */
static bool queries_make(struct queries *q, size_t n, uint64_t entries)
{
    uint64_t r = 0x5eed;
    size_t i;

    q->n = n;
    q->jid = malloc(n * sizeof(*q->jid));
    if (q->jid == NULL)
        return false;
    for (i = 0; i < n; i++) {
        uint64_t who;

        r = mix64(r);
        who = 1 + (r >> 8) % entries;
        if (r % 100 < ABSENT_PERCENT)
            who += entries; /* the same shape, past the last employee */
        gen_jid(who, q->jid[i], JID_MAX);
    }
    return true;
}

/* -- The decision, as mod_rollout's judge() makes it -------------------- */

static enum so_emp_status emp_status(enum st_dir_status s)
{
    switch (s) {
    case ST_DIR_ACTIVE:
        return SO_EMP_ACTIVE;
    case ST_DIR_ON_LEAVE:
        return SO_EMP_ON_LEAVE;
    case ST_DIR_SUSPENDED:
        return SO_EMP_SUSPENDED;
    default:
        return SO_EMP_RETIRED; /* as the binding reads an unknown word */
    }
}

static enum so_account_state account_state(enum st_acct_state s)
{
    switch (s) {
    case ST_ACCT_PROVISIONED:
        return SO_ACCOUNT_PROVISIONED;
    case ST_ACCT_ACTIVE:
        return SO_ACCOUNT_ACTIVE;
    case ST_ACCT_DEPROVISIONED:
        return SO_ACCOUNT_DEPROVISIONED;
    default:
        return SO_ACCOUNT_NONE;
    }
}

/* Gathers the facts about JID into *IN, then judges them. */
static enum so_gate judge(const struct st_dirsnap *snap, const char *jid,
                          struct so_gate_input *in)
{
    struct st_dir_view v;
    struct st_acct_view a;
    int state;

    memset(in, 0, sizeof(*in));
    in->in_directory = st_dirsnap_lookup(snap, jid, &v);
    if (in->in_directory) {
        in->status = emp_status(v.status);
        state = so_city_state_parse(v.city_state);
        in->city_state = state < 0 ? SO_CITY_PLANNED : state;
        in->unit_exception = v.unit_exception;
        in->person_exception = v.person_exception;
    } else {
        in->person_exception = st_dirsnap_jid_excepted(snap, jid);
    }
    if (st_dirsnap_account(snap, jid, &a))
        in->account = account_state(a.state);
    return so_gate_decide(in);
}

/* -- Timing in batches -------------------------------------------------- */

/* Per-batch times of one way of deciding, over every round. */
struct timing {
    double *per; /* owned: ns per decision of each batch */
    size_t nper, cap;
    double total_ns;
    size_t decisions, allowed;
};

/* RUN decides for queries [FIRST, LAST) and returns how many it allowed. */
typedef size_t run_fn(void *ctx, size_t first, size_t last);

/* Runs RUN over [0, N) once in batches of BATCH, adding each batch's
 * time to T. False when memory ran out. */
static bool time_round(run_fn *run, void *ctx, size_t n, struct timing *t)
{
    size_t nb = (n + BATCH - 1) / BATCH, b;
    double t0, dt;

    if (t->nper + nb > t->cap) {
        double *per = realloc(t->per, (t->nper + nb) * sizeof(*per));

        if (per == NULL)
            return false;
        t->per = per;
        t->cap = t->nper + nb;
    }
    for (b = 0; b < nb; b++) {
        size_t first = b * BATCH, last = first + BATCH < n ? first + BATCH : n;

        t0 = bench_now_ns();
        t->allowed += run(ctx, first, last);
        dt = bench_now_ns() - t0;
        t->total_ns += dt;
        t->per[t->nper++] = dt / (double)(last - first);
    }
    t->decisions += n;
    return true;
}

struct c_ctx {
    const struct st_dirsnap *snap;
    const struct queries *q;
    struct so_gate_input *facts; /* one per query */
};

static size_t run_judge(void *ctx, size_t first, size_t last)
{
    struct c_ctx *c = ctx;
    size_t i, allowed = 0;

    for (i = first; i < last; i++)
        allowed += judge(c->snap, c->q->jid[i], &c->facts[i]) == SO_GATE_ALLOW;
    return allowed;
}

static size_t run_decide(void *ctx, size_t first, size_t last)
{
    struct c_ctx *c = ctx;
    size_t i, allowed = 0;

    for (i = first; i < last; i++)
        allowed += so_gate_decide(&c->facts[i]) == SO_GATE_ALLOW;
    return allowed;
}

/* -- The Lua anchor ----------------------------------------------------- */

/* What a Lua-only module would do: the rules of so_gate.c over plain
 * tables. Arguments: entries (JID -> {status, city, unit}), city states,
 * units under an exception, excepted JIDs, account states. Returns the
 * batch function and the verdict counter. */
static const char lua_rules[] =
    "local entries, city_state, unit_exc, person_exc, accounts = ...\n"
    "local function decide(jid)\n"
    "  if accounts[jid] == 'deprovisioned' then return 'closed' end\n"
    "  local e = entries[jid]\n"
    "  local s = e and e.status\n"
    "  if person_exc[jid] and s ~= 'suspended' and s ~= 'retired' then\n"
    "    return 'allow'\n"
    "  end\n"
    "  if not e then return 'unknown' end\n"
    "  if s == 'on_leave' then return 'on-leave' end\n"
    "  if s == 'suspended' then return 'suspended' end\n"
    "  if s ~= 'active' then return 'retired' end\n"
    "  if unit_exc[e.unit] then return 'allow' end\n"
    "  local c = city_state[e.city]\n"
    "  if c == 'live' or c == 'pilot' then return 'allow' end\n"
    "  if c == 'paused' then return 'paused' end\n"
    "  return 'planned'\n"
    "end\n"
    "local function batch(queries, first, last)\n"
    "  local allowed = 0\n"
    "  for i = first, last do\n"
    "    if decide(queries[i]) == 'allow' then allowed = allowed + 1 end\n"
    "  end\n"
    "  return allowed\n"
    "end\n"
    "local function verdicts(queries)\n"
    "  local n = {}\n"
    "  for i = 1, #queries do\n"
    "    local v = decide(queries[i])\n"
    "    n[v] = (n[v] or 0) + 1\n"
    "  end\n"
    "  return n\n"
    "end\n"
    "return batch, verdicts\n";

/* Registry slots of the anchor's objects. */
struct lua_side {
    lua_State *L;
    int entries, queries, batch, verdicts;
};

static double lua_count_kb(lua_State *L)
{
    double kb = 0;

    lua_gc(L, LUA_GCCOLLECT);
    if (luaL_dostring(L, "return collectgarbage('count')") == LUA_OK) {
        kb = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    return kb;
}

static void set_str(lua_State *L, const char *key, const char *value)
{
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

/* The entries table, ENTRIES of them, left in the registry. */
static void lua_build_entries(struct lua_side *s, uint64_t entries)
{
    lua_State *L = s->L;
    struct gen g;
    uint64_t i;

    lua_newtable(L);
    for (i = 1; i <= entries; i++) {
        gen_row(i, &g);
        lua_createtable(L, 0, 3);
        set_str(L, "status", g.row.status);
        set_str(L, "city", g.row.city);
        set_str(L, "unit", g.row.unit);
        lua_setfield(L, -2, g.jid);
    }
    s->entries = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* The org tables and the rules; false when the chunk does not load. */
static bool lua_build_rules(struct lua_side *s, uint64_t entries)
{
    lua_State *L = s->L;
    char code[32], jid[JID_MAX];
    unsigned o, w, k, x;
    uint64_t i;
    size_t c;

    if (luaL_loadstring(L, lua_rules) != LUA_OK)
        return false;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->entries);
    lua_newtable(L);
    for (c = 0; c < NCITIES; c++)
        set_str(L, cities[c].code, cities[c].state);
    /* every unit at or under an excepted one, as a module would keep it */
    lua_newtable(L);
    for (o = 0; o < NORGS; o++) {
        for (w = 0; w <= WINGS; w++) {
            for (k = 0; k <= (w > 0 ? SECTIONS : 0); k++) {
                if (w == 0)
                    snprintf(code, sizeof(code), "%s", orgs[o]);
                else if (k == 0)
                    snprintf(code, sizeof(code), "%s-W%u", orgs[o], w);
                else
                    snprintf(code, sizeof(code), "%s-W%u-S%02u", orgs[o], w, k);
                for (x = 0; x < NUNIT_EXCEPTIONS; x++) {
                    size_t len = strlen(unit_exceptions[x]);

                    if (strncmp(code, unit_exceptions[x], len) == 0 &&
                        (code[len] == '\0' || code[len] == '-')) {
                        lua_pushboolean(L, 1);
                        lua_setfield(L, -2, code);
                    }
                }
            }
        }
    }
    lua_newtable(L);
    for (i = PERSON_EXCEPTION_EVERY; i <= entries;
         i += PERSON_EXCEPTION_EVERY) {
        gen_jid(i, jid, sizeof(jid));
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, jid);
    }
    for (k = 1; k <= SERVICE_ACCOUNTS; k++) {
        service_jid(k, jid, sizeof(jid));
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, jid);
    }
    lua_newtable(L);
    for (i = ACCOUNT_EVERY; i <= entries; i += ACCOUNT_EVERY) {
        gen_jid(i, jid, sizeof(jid));
        set_str(L, jid, account_of(i));
    }
    if (lua_pcall(L, 5, 2, 0) != LUA_OK)
        return false;
    s->verdicts = luaL_ref(L, LUA_REGISTRYINDEX);
    s->batch = luaL_ref(L, LUA_REGISTRYINDEX);
    return true;
}

static void lua_build_queries(struct lua_side *s, const struct queries *q)
{
    size_t i;

    lua_createtable(s->L, (int)q->n, 0);
    for (i = 0; i < q->n; i++) {
        lua_pushstring(s->L, q->jid[i]);
        lua_rawseti(s->L, -2, (lua_Integer)i + 1);
    }
    s->queries = luaL_ref(s->L, LUA_REGISTRYINDEX);
}

static size_t run_lua(void *ctx, size_t first, size_t last)
{
    struct lua_side *s = ctx;
    size_t allowed;

    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->batch);
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->queries);
    lua_pushinteger(s->L, (lua_Integer)first + 1);
    lua_pushinteger(s->L, (lua_Integer)last);
    if (lua_pcall(s->L, 3, 1, 0) != LUA_OK) {
        fprintf(stderr, "bench_rollout: lua: %s\n", lua_tostring(s->L, -1));
        exit(1);
    }
    allowed = (size_t)lua_tointeger(s->L, -1);
    lua_pop(s->L, 1);
    return allowed;
}

/* Compares the Lua side's count of each verdict with COUNTS (C's);
 * prints the mix. True when they agree. */
static bool lua_verdicts_agree(struct lua_side *s, const size_t *counts,
                               size_t n)
{
    lua_State *L = s->L;
    bool agree = true;
    int g;

    lua_rawgeti(L, LUA_REGISTRYINDEX, s->verdicts);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->queries);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        return false;
    printf("verdicts:");
    for (g = SO_GATE_ALLOW; g <= SO_GATE_PAUSED; g++) {
        lua_Integer got;

        lua_getfield(L, -1, so_gate_str((enum so_gate)g));
        got = lua_tointeger(L, -1);
        lua_pop(L, 1);
        printf(" %s %.1f%%", so_gate_str((enum so_gate)g),
               100.0 * (double)counts[g] / (double)n);
        if ((size_t)got != counts[g]) {
            printf(" (Lua: %lld)", (long long)got);
            agree = false;
        }
    }
    lua_pop(L, 1);
    printf("\n");
    return agree;
}

/* -- Main --------------------------------------------------------------- */

static void print_timing(const char *what, struct timing *t)
{
    printf("  %-46s %8.1f %8.1f\n", what, bench_median(t->per, t->nper),
           t->total_ns / (double)t->decisions);
}

int main(int argc, char **argv)
{
    uint64_t entries = argc > 1 ? strtoull(argv[1], NULL, 10) : ENTRIES_DEFAULT;
    size_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : DECISIONS_DEFAULT;
    struct st_dirsnap *snap = NULL;
    struct st_dirsnap_stats st;
    struct queries q = {NULL, 0};
    struct c_ctx c = {NULL, NULL, NULL};
    struct lua_side lua = {NULL, 0, 0, 0, 0};
    struct timing t_judge = {0}, t_decide = {0}, t_lua = {0};
    size_t counts[SO_GATE_PAUSED + 1] = {0}, rss0, rss1, i;
    double t0, build_s, lua_s, kb0, kb1;
    int rc = 1, round;

    if (entries == 0 || n == 0) {
        fprintf(stderr, "usage: bench_rollout [ENTRIES [DECISIONS]]\n");
        return 2;
    }
    printf("snapshot: %" PRIu64 " synthetic employees (JIDs like %s),\n",
           entries, "ali.khan.17@" DOMAIN);
    printf("  %zu cities, %zu units, %zu unit and %" PRIu64
           " person exceptions, %" PRIu64 " rollout accounts\n",
           NCITIES, NORGS * (1 + WINGS * (1 + SECTIONS)), NUNIT_EXCEPTIONS,
           entries / PERSON_EXCEPTION_EVERY + SERVICE_ACCOUNTS,
           entries / ACCOUNT_EVERY);

    /* 1. The snapshot. */
    rss0 = rss_bytes();
    t0 = bench_now_s();
    snap = build_snapshot(entries);
    if (snap == NULL)
        goto out;
    build_s = bench_now_s() - t0;
    rss1 = rss_bytes();
    st_dirsnap_stats(snap, &st);
    printf("snapshot build: %zu entries in %.2f s (%.0f rows/s, "
           "st_dirsnap_apply row by row)\n",
           st.entries, build_s, (double)entries / build_s);
    printf("snapshot memory: %.1f MB by st_dirsnap_stats, %.0f B/entry; "
           "process RSS %.1f -> %.1f MB (+%.1f MB, %.0f B/entry)\n",
           mb((double)st.bytes), (double)st.bytes / (double)st.entries,
           mb((double)rss0), mb((double)rss1), mb((double)(rss1 - rss0)),
           (double)(rss1 - rss0) / (double)st.entries);

    /* 2. Decisions in C. */
    if (!queries_make(&q, n, entries))
        goto out;
    c = (struct c_ctx){snap, &q, malloc(n * sizeof(*c.facts))};
    if (c.facts == NULL)
        goto out;
    for (i = 0; i < n; i++) /* untimed: warms up, counts each verdict */
        counts[judge(snap, q.jid[i], &c.facts[i])]++;

    /* 3. The Lua anchor. */
    lua.L = luaL_newstate();
    if (lua.L == NULL)
        goto out;
    luaL_openlibs(lua.L);
    kb0 = lua_count_kb(lua.L);
    rss0 = rss_bytes();
    t0 = bench_now_s();
    lua_build_entries(&lua, entries);
    lua_s = bench_now_s() - t0;
    kb1 = lua_count_kb(lua.L);
    rss1 = rss_bytes();
    if (!lua_build_rules(&lua, entries)) {
        fprintf(stderr, "bench_rollout: lua: %s\n", lua_tostring(lua.L, -1));
        goto out;
    }
    lua_build_queries(&lua, &q);
    /* interleaved, so that both sides meet the same noise */
    for (round = 0; round < ROUNDS; round++)
        if (!time_round(run_judge, &c, n, &t_judge) ||
            !time_round(run_decide, &c, n, &t_decide) ||
            !time_round(run_lua, &lua, n, &t_lua))
            goto out;
    printf("Lua 5.4 table: %" PRIu64 " entries JID -> {status=, city=, "
           "unit=} built in %.2f s;\n  collectgarbage(\"count\") +%.1f MB "
           "(%.0f B/entry); process RSS +%.1f MB (%.0f B/entry)\n",
           entries, lua_s, (kb1 - kb0) / 1024.0,
           (kb1 - kb0) * 1024.0 / (double)entries, mb((double)(rss1 - rss0)),
           (double)(rss1 - rss0) / (double)entries);
    printf("memory per entry, snapshot vs Lua table: %.0f vs %.0f B "
           "(the snapshot also holds names, phone, email, designation)\n",
           (double)st.bytes / (double)st.entries,
           (kb1 - kb0) * 1024.0 / (double)entries);

    printf("decisions: %zu random JIDs, %d%% not in the directory, %d "
           "interleaved rounds\n",
           n, ABSENT_PERCENT, ROUNDS);
    printf("  ns per decision (p50 of batches of %d)%*s %8s %8s\n", BATCH, 6,
           "", "p50", "mean");
    print_timing("C: lookup by JID + so_gate_decide", &t_judge);
    print_timing("C: so_gate_decide alone", &t_decide);
    print_timing("Lua 5.4: plain table lookup + rules in Lua", &t_lua);
    if (!lua_verdicts_agree(&lua, counts, n) ||
        t_judge.allowed != t_decide.allowed ||
        t_judge.allowed != t_lua.allowed) {
        printf("C and Lua DISAGREE on the verdicts (allowed: %zu, %zu, "
               "%zu)\n",
               t_judge.allowed, t_decide.allowed, t_lua.allowed);
        goto out;
    }
    printf("C and Lua agree on every verdict count\n");
    rc = 0;
out:
    if (lua.L != NULL)
        lua_close(lua.L);
    free(t_judge.per);
    free(t_decide.per);
    free(t_lua.per);
    free(c.facts);
    free(q.jid);
    st_dirsnap_free(snap);
    return rc;
}
