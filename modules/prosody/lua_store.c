/*
 * lua_store.c - the store follower and name helpers for Lua.
 *
 *   smartoffice.store(conninfo, spill_path, cache_path)
 *                                    -> store | nil, message
 *   store:poll()                     -> changed
 *   store:allows(domain)             -> boolean (domain normalised)
 *   store:pins(domain)               -> { "hex sha-256", ... }
 *   store:status()                   -> { source=, zones=, connected=,
 *                                         error=, invalid=, cache_error=,
 *                                         audit_queued=, audit_dropped=,
 *                                         audit_written=, audit_spilled=,
 *                                         audit_lost= }
 *   store:audit(host, module, decision, rule[, subject[, object]])
 *                                    -> true | nil, "full" | "invalid"
 *   store:activated(jid)             -> true | nil, "full" | "invalid"
 *   store:add_counts(day, city, sent, refused)
 *                                    -> true | nil, "full" | "invalid"
 *   store:set_online(host, city, online)
 *                                    -> true | nil, "full" | "invalid"
 *       rollout writes the store thread runs later (st_rollout.h): an
 *       account activated, messages counted, users online
 *   store:close()                    stops the store thread now
 *   smartoffice.domain_normalize(name) -> name | nil, reason
 *   smartoffice.cert_sha256(pem)     -> hex | nil, message
 *
 * A store belongs to the Lua state (the host thread) that made it; its
 * store thread never touches Lua. A closed store denies every domain and
 * refuses audit events with "closed".
 */
#include <lauxlib.h>
#include <lua.h>

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lua_store.h"
#include "so_audit.h"
#include "so_domain.h"
#include "st_follow.h"

#define STORE_MT "smartoffice.store"

struct store_box {
    struct st_follow *follow; /* owned; NULL once closed or collected */
};

static struct st_follow *check_store(lua_State *L)
{
    struct store_box *box = luaL_checkudata(L, 1, STORE_MT);

    return box->follow;
}

static int l_store(lua_State *L)
{
    const char *conninfo = luaL_checkstring(L, 1);
    const char *spill = luaL_optstring(L, 2, NULL);
    const char *cache = luaL_optstring(L, 3, NULL);
    struct store_box *box;
    enum st_err err;

    box = lua_newuserdatauv(L, sizeof(*box), 0);
    box->follow = NULL;
    luaL_setmetatable(L, STORE_MT);
    box->follow = st_follow_new(conninfo, spill, cache, &err);
    if (box->follow == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "starting the store thread: out of memory");
        return 2;
    }
    return 1;
}

static int l_store_close(lua_State *L)
{
    struct store_box *box = luaL_checkudata(L, 1, STORE_MT);

    st_follow_free(box->follow);
    box->follow = NULL;
    return 0;
}

static int l_store_poll(lua_State *L)
{
    struct st_follow *f = check_store(L);

    lua_pushboolean(L, f != NULL && st_follow_poll(f));
    return 1;
}

static int l_store_allows(lua_State *L)
{
    struct st_follow *f = check_store(L);
    const char *domain = luaL_checkstring(L, 2);

    lua_pushboolean(L, f != NULL && st_follow_allows(f, domain));
    return 1;
}

static int l_store_pins(lua_State *L)
{
    struct st_follow *f = check_store(L);
    const char *domain = luaL_checkstring(L, 2);
    const char *const *pins = NULL;
    size_t n = 0, i;

    if (f != NULL)
        n = st_follow_pins(f, domain, &pins);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushlstring(L, pins[i], ST_FOLLOW_PIN_LEN);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static int l_store_status(lua_State *L)
{
    struct st_follow *f = check_store(L);
    struct st_follow_status st;

    memset(&st, 0, sizeof(st));
    if (f != NULL)
        st_follow_status(f, &st);
    else
        strcpy(st.error, "closed");
    lua_createtable(L, 0, 11);
    lua_pushstring(L, st_follow_source_str(st.source));
    lua_setfield(L, -2, "source");
    set_int(L, "zones", (lua_Integer)st.zones);
    lua_pushboolean(L, st.connected);
    lua_setfield(L, -2, "connected");
    lua_pushstring(L, st.error);
    lua_setfield(L, -2, "error");
    lua_pushstring(L, st.invalid);
    lua_setfield(L, -2, "invalid");
    lua_pushstring(L, st.cache_error);
    lua_setfield(L, -2, "cache_error");
    set_int(L, "audit_queued", (lua_Integer)st.audit_queued);
    set_int(L, "audit_dropped", (lua_Integer)st.audit_dropped);
    set_int(L, "audit_written", (lua_Integer)st.audit_written);
    set_int(L, "audit_spilled", (lua_Integer)st.audit_spilled);
    set_int(L, "audit_lost", (lua_Integer)st.audit_lost);
    return 1;
}

static int l_store_audit(lua_State *L)
{
    struct st_follow *f = check_store(L);
    struct so_audit_event ev = {
        .at_us = 0, /* stamped when queued */
        .host = luaL_checkstring(L, 2),
        .module = luaL_checkstring(L, 3),
        .decision = luaL_checkstring(L, 4),
        .rule = luaL_checkstring(L, 5),
        .subject = luaL_optstring(L, 6, ""),
        .object = luaL_optstring(L, 7, ""),
    };

    if (f == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    switch (st_follow_audit(f, &ev)) {
    case ST_FOLLOW_QUEUED:
        lua_pushboolean(L, 1);
        return 1;
    case ST_FOLLOW_FULL:
        lua_pushnil(L);
        lua_pushliteral(L, "full");
        return 2;
    case ST_FOLLOW_INVALID:
        break;
    }
    lua_pushnil(L);
    lua_pushliteral(L, "invalid");
    return 2;
}

/* Queues W; pushes what st_follow_rollout() made of it. */
static int push_rollout(lua_State *L, struct st_follow *f,
                        const struct st_rollout_write *w)
{
    if (f == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    switch (st_follow_rollout(f, w)) {
    case ST_ROLLOUT_QUEUED:
        lua_pushboolean(L, 1);
        return 1;
    case ST_ROLLOUT_FULL:
        lua_pushnil(L);
        lua_pushliteral(L, "full");
        return 2;
    case ST_ROLLOUT_INVALID:
        break;
    }
    lua_pushnil(L);
    lua_pushliteral(L, "invalid");
    return 2;
}

static int l_store_activated(lua_State *L)
{
    struct st_follow *f = check_store(L);
    struct st_rollout_write w = {
        .kind = ST_ROLLOUT_ACTIVATE,
        .text = luaL_checkstring(L, 2),
    };

    return push_rollout(L, f, &w);
}

static int l_store_add_counts(lua_State *L)
{
    struct st_follow *f = check_store(L);
    struct st_rollout_write w = {
        .kind = ST_ROLLOUT_COUNT,
        .day = luaL_checkstring(L, 2),
        .text = luaL_checkstring(L, 3),
        .n1 = luaL_checkinteger(L, 4),
        .n2 = luaL_checkinteger(L, 5),
    };

    return push_rollout(L, f, &w);
}

static int l_store_set_online(lua_State *L)
{
    struct st_follow *f = check_store(L);
    struct st_rollout_write w = {
        .kind = ST_ROLLOUT_ONLINE,
        .text = luaL_checkstring(L, 2),
        .city = luaL_checkstring(L, 3),
        .n1 = luaL_checkinteger(L, 4),
    };

    return push_rollout(L, f, &w);
}

static int l_domain_normalize(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    char out[SO_DOMAIN_BUF], why[128];

    if (so_domain_normalize(name, out, sizeof(out), why, sizeof(why)) !=
        SO_OK) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    lua_pushstring(L, out);
    return 1;
}

/* Pushes nil and "WHAT: OpenSSL's first reason", and drains the queue. */
static int openssl_fail(lua_State *L, const char *what)
{
    unsigned long e = ERR_get_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", what,
                    reason != NULL ? reason : "no reason given by OpenSSL");
    return 2;
}

static int l_cert_sha256(lua_State *L)
{
    static const char hex[] = "0123456789abcdef";
    size_t len;
    const char *pem = luaL_checklstring(L, 1, &len);
    unsigned char md[EVP_MAX_MD_SIZE];
    char out[2 * EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    X509 *cert = NULL;
    BIO *bio;
    int ok;

    luaL_argcheck(L, len <= INT_MAX, 1, "certificate too large");
    ERR_clear_error();
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return openssl_fail(L, "reading the certificate");
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (cert == NULL)
        return openssl_fail(L, "reading the certificate");
    ok = X509_digest(cert, EVP_sha256(), md, &mdlen);
    X509_free(cert);
    if (!ok)
        return openssl_fail(L, "hashing the certificate");
    for (i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    lua_pushlstring(L, out, 2 * (size_t)mdlen);
    return 1;
}

static const luaL_Reg store_methods[] = {
    {"poll", l_store_poll},
    {"allows", l_store_allows},
    {"pins", l_store_pins},
    {"status", l_store_status},
    {"audit", l_store_audit},
    {"activated", l_store_activated},
    {"add_counts", l_store_add_counts},
    {"set_online", l_store_set_online},
    {"close", l_store_close},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"store", l_store},
    {"domain_normalize", l_domain_normalize},
    {"cert_sha256", l_cert_sha256},
    {NULL, NULL},
};

void lua_store_register(lua_State *L)
{
    luaL_newmetatable(L, STORE_MT);
    luaL_newlib(L, store_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_store_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_setfuncs(L, functions, 0);
}
