/*
 * lua_directory.c - the employee directory follower for Lua.
 *
 *   smartoffice.directory(conninfo)  -> directory | nil, message
 *   directory:poll([max_rows])       -> changed (applies at most MAX_ROWS
 *                                       fetched rows, default 20000)
 *   directory:lookup(jid)            -> entry | nil
 *       entry = { jid=, employee_no=, name_en=, name_ur=, designation=,
 *                 bps=, status=, office_phone=, email=, unit=, unit_en=,
 *                 unit_ur=, unit_kind=, org=, org_en=, org_ur=, city=,
 *                 city_en=, city_ur=, city_state=, city_phase=,
 *                 person_exception=, unit_exception=, account=,
 *                 secret_hash=, secret_expires= }
 *       account is the rollout account's state ("provisioned", "active",
 *       "deprovisioned"; absent without one), secret_hash its activation
 *       secret's SHA-256 (32 bytes) and secret_expires when that expires
 *       (seconds since 1970), both absent without a secret
 *   directory:account(jid)           -> { account=, secret_hash=,
 *                                         secret_expires= } | nil
 *       the same for any JID, in the directory or not
 *   directory:person_exception(jid)  -> boolean (for any JID)
 *   directory:accounts(state[, max]) -> { jid, ... }, total
 *       JIDs of the rollout accounts in STATE, at most MAX (default and
 *       limit 10000)
 *   directory:office_members(unit[, max]) -> { jid, ... }, total
 *       active and on-leave members of UNIT by English name; at most MAX
 *       (default 150, never more than 10000); TOTAL counts them all
 *   directory:unit(code)             -> name_en, name_ur | nil
 *   directory:poll_changes([max])    -> { change, ... } (at most MAX,
 *                                       default 1000), oldest first
 *       change = { kind = "added"|"updated"|"removed"|"reset"|"org"|
 *                         "account",
 *                  jid=, old_unit=, new_unit=, old_city=, new_city=,
 *                  old_status=, new_status= }  (codes "" for none)
 *   directory:stats()                -> { loaded=, connected=, error=,
 *                                         entries=, units=, cities=,
 *                                         exceptions=, bytes=, change=,
 *                                         backlog=, applied=, org_loads= }
 *   directory:close()                stops the store thread now
 *
 * A directory belongs to the Lua state (the host thread) that made it;
 * its store thread never touches Lua. Before the first load, and once
 * closed, lookup() finds nobody.
 */
#include <lauxlib.h>
#include <lua.h>

#include <stdlib.h>
#include <string.h>

#include "lua_directory.h"
#include "st_dirfollow.h"

#define DIRECTORY_MT "smartoffice.directory"
#define MEMBERS_DEFAULT 150
#define MEMBERS_MAX 10000
#define CHANGES_DEFAULT 1000
#define CHANGES_MAX 10000
#define POLL_ROWS_DEFAULT 20000

struct directory_box {
    struct st_dirfollow *follow; /* owned; NULL once closed or collected */
};

static struct st_dirfollow *check_directory(lua_State *L)
{
    struct directory_box *box = luaL_checkudata(L, 1, DIRECTORY_MT);

    return box->follow;
}

/* The table, or NULL before the first load or once closed. */
static struct st_dirsnap *table_of(lua_State *L)
{
    struct st_dirfollow *f = check_directory(L);

    return f != NULL ? st_dirfollow_table(f) : NULL;
}

static int l_directory(lua_State *L)
{
    const char *conninfo = luaL_checkstring(L, 1);
    struct directory_box *box;

    box = lua_newuserdatauv(L, sizeof(*box), 0);
    box->follow = NULL;
    luaL_setmetatable(L, DIRECTORY_MT);
    box->follow = st_dirfollow_new(conninfo);
    if (box->follow == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "starting the directory thread: out of memory");
        return 2;
    }
    return 1;
}

static int l_close(lua_State *L)
{
    struct directory_box *box = luaL_checkudata(L, 1, DIRECTORY_MT);

    st_dirfollow_free(box->follow);
    box->follow = NULL;
    return 0;
}

static int l_poll(lua_State *L)
{
    struct st_dirfollow *f = check_directory(L);
    lua_Integer max = luaL_optinteger(L, 2, POLL_ROWS_DEFAULT);

    luaL_argcheck(L, max > 0, 2, "must be positive");
    lua_pushboolean(L, f != NULL && st_dirfollow_poll(f, (size_t)max));
    return 1;
}

static void set_str(lua_State *L, const char *key, const char *value)
{
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

static void set_bool(lua_State *L, const char *key, bool value)
{
    lua_pushboolean(L, value);
    lua_setfield(L, -2, key);
}

/* Sets the account fields of A in the table on the top of the stack. */
static void set_account(lua_State *L, const struct st_acct_view *a)
{
    set_str(L, "account", st_acct_state_str(a->state));
    if (a->has_secret) {
        lua_pushlstring(L, (const char *)a->secret_hash,
                        sizeof(a->secret_hash));
        lua_setfield(L, -2, "secret_hash");
        set_int(L, "secret_expires", (lua_Integer)a->secret_expires);
    }
}

static int l_account(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    const char *jid = luaL_checkstring(L, 2);
    struct st_acct_view a;

    if (snap == NULL || !st_dirsnap_account(snap, jid, &a)) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 3);
    set_account(L, &a);
    return 1;
}

static int l_person_exception(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    const char *jid = luaL_checkstring(L, 2);

    lua_pushboolean(L, snap != NULL && st_dirsnap_jid_excepted(snap, jid));
    return 1;
}

static int l_accounts(lua_State *L)
{
    static const char *const states[] = {"provisioned", "active",
                                         "deprovisioned", NULL};
    struct st_dirsnap *snap = table_of(L);
    int state = luaL_checkoption(L, 2, NULL, states) + ST_ACCT_PROVISIONED;
    lua_Integer max = luaL_optinteger(L, 3, MEMBERS_MAX);
    const char **jids;
    size_t total = 0, n, i;

    luaL_argcheck(L, max >= 0 && max <= MEMBERS_MAX, 3, "out of range");
    jids = lua_newuserdatauv(L, ((size_t)max + 1) * sizeof(*jids), 0);
    if (snap != NULL)
        total = st_dirsnap_accounts(snap, (enum st_acct_state)state,
                                    (size_t)max, jids);
    n = total < (size_t)max ? total : (size_t)max;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, jids[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushinteger(L, (lua_Integer)total);
    return 2;
}

static int l_lookup(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    const char *jid = luaL_checkstring(L, 2);
    struct st_dir_view v;
    struct st_acct_view a;

    if (snap == NULL || !st_dirsnap_lookup(snap, jid, &v)) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 26);
    set_str(L, "jid", v.jid);
    set_str(L, "employee_no", v.employee_no);
    set_str(L, "name_en", v.name_en);
    set_str(L, "name_ur", v.name_ur);
    set_str(L, "designation", v.designation);
    set_int(L, "bps", v.bps);
    set_str(L, "status", st_dir_status_str(v.status));
    set_str(L, "office_phone", v.office_phone);
    set_str(L, "email", v.email);
    set_str(L, "unit", v.unit);
    set_str(L, "unit_en", v.unit_en);
    set_str(L, "unit_ur", v.unit_ur);
    set_str(L, "unit_kind", v.unit_kind);
    set_str(L, "org", v.org);
    set_str(L, "org_en", v.org_en);
    set_str(L, "org_ur", v.org_ur);
    set_str(L, "city", v.city);
    set_str(L, "city_en", v.city_en);
    set_str(L, "city_ur", v.city_ur);
    set_str(L, "city_state", v.city_state);
    set_int(L, "city_phase", v.city_phase);
    set_bool(L, "person_exception", v.person_exception);
    set_bool(L, "unit_exception", v.unit_exception);
    if (st_dirsnap_account(snap, jid, &a))
        set_account(L, &a);
    return 1;
}

static int l_office_members(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    const char *unit = luaL_checkstring(L, 2);
    lua_Integer max = luaL_optinteger(L, 3, MEMBERS_DEFAULT);
    const char **jids;
    size_t total = 0, n, i;

    luaL_argcheck(L, max >= 0 && max <= MEMBERS_MAX, 3, "out of range");
    jids = lua_newuserdatauv(L, ((size_t)max + 1) * sizeof(*jids), 0);
    if (snap != NULL)
        total = st_dirsnap_members(snap, unit, (size_t)max, jids);
    n = total < (size_t)max ? total : (size_t)max;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, jids[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushinteger(L, (lua_Integer)total);
    return 2;
}

static int l_unit(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    const char *code = luaL_checkstring(L, 2);
    const char *en, *ur;

    if (snap == NULL || !st_dirsnap_unit(snap, code, &en, &ur)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, en);
    lua_pushstring(L, ur);
    return 2;
}

static const char *kind_str(enum st_dir_change_kind kind)
{
    switch (kind) {
    case ST_DIR_ADDED:
        return "added";
    case ST_DIR_UPDATED:
        return "updated";
    case ST_DIR_REMOVED:
        return "removed";
    case ST_DIR_RESET:
        return "reset";
    case ST_DIR_ORG:
        return "org";
    case ST_DIR_ACCOUNT:
        return "account";
    }
    return "reset";
}

static int l_poll_changes(lua_State *L)
{
    struct st_dirsnap *snap = table_of(L);
    lua_Integer max = luaL_optinteger(L, 2, CHANGES_DEFAULT);
    struct st_dir_change *c;
    size_t n = 0, i;

    luaL_argcheck(L, max > 0 && max <= CHANGES_MAX, 2, "out of range");
    if (snap == NULL) {
        lua_newtable(L);
        return 1;
    }
    /* records stay queued until every one of them is in the array */
    c = lua_newuserdatauv(L, (size_t)max * sizeof(*c), 0);
    n = st_dirsnap_changes(snap, (size_t)max, c);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 0, 8);
        set_str(L, "kind", kind_str(c[i].kind));
        set_str(L, "jid", c[i].jid);
        set_str(L, "old_unit", c[i].old_unit);
        set_str(L, "new_unit", c[i].new_unit);
        set_str(L, "old_city", c[i].old_city);
        set_str(L, "new_city", c[i].new_city);
        set_str(L, "old_status", st_dir_status_str(c[i].old_status));
        set_str(L, "new_status", st_dir_status_str(c[i].new_status));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    st_dirsnap_changes_done(snap, n);
    return 1;
}

static int l_stats(lua_State *L)
{
    struct st_dirfollow *f = check_directory(L);
    struct st_dirfollow_status st;
    struct st_dirsnap_stats s;

    memset(&st, 0, sizeof(st));
    memset(&s, 0, sizeof(s));
    if (f != NULL) {
        st_dirfollow_status(f, &st);
        if (st_dirfollow_table(f) != NULL)
            st_dirsnap_stats(st_dirfollow_table(f), &s);
    } else {
        strcpy(st.error, "closed");
    }
    lua_createtable(L, 0, 12);
    set_bool(L, "loaded", st.loaded);
    set_bool(L, "connected", st.connected);
    set_str(L, "error", st.error);
    set_int(L, "entries", (lua_Integer)s.entries);
    set_int(L, "units", (lua_Integer)s.units);
    set_int(L, "cities", (lua_Integer)s.cities);
    set_int(L, "exceptions", (lua_Integer)s.exceptions);
    set_int(L, "bytes", (lua_Integer)s.bytes);
    set_int(L, "change", (lua_Integer)s.change);
    set_int(L, "backlog", (lua_Integer)st.backlog);
    set_int(L, "applied", (lua_Integer)st.applied);
    set_int(L, "org_loads", (lua_Integer)st.org_loads);
    return 1;
}

static const luaL_Reg methods[] = {
    {"poll", l_poll},
    {"lookup", l_lookup},
    {"office_members", l_office_members},
    {"unit", l_unit},
    {"account", l_account},
    {"person_exception", l_person_exception},
    {"accounts", l_accounts},
    {"poll_changes", l_poll_changes},
    {"stats", l_stats},
    {"close", l_close},
    {NULL, NULL},
};

void lua_directory_register(lua_State *L)
{
    luaL_newmetatable(L, DIRECTORY_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_directory);
    lua_setfield(L, -2, "directory");
}
