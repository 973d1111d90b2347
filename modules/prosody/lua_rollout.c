/*
 * lua_rollout.c - the rollout's login gate and activation secrets for Lua.
 *
 *   smartoffice.gate(facts)          -> verdict
 *       FACTS is a table: in_directory (boolean), status ("active",
 *       "on_leave", "suspended", "retired"), city_state ("planned",
 *       "pilot", "live", "paused"), unit_exception, person_exception
 *       (booleans) and account ("provisioned", "active", "deprovisioned";
 *       nil or "" for an account the rollout did not make). VERDICT is
 *       so_gate_str()'s word: "allow", "closed", "unknown", "on-leave",
 *       "suspended", "retired", "planned" or "paused". An unknown status
 *       counts as retired and an unknown city state as planned: a word
 *       this binding does not know never lets anyone in.
 *   smartoffice.gate_text(verdict, lang, city, phase)
 *                                    -> text | nil, message
 *       the refusal's sentence in LANG ("ur..." Urdu, else English);
 *       "" for "allow"
 *   smartoffice.rollout_text(name)   -> en, ur | nil
 *       the module's own texts: "unloaded" (the directory is not loaded
 *       yet), "invite-invalid" (a preauth token that is not valid now),
 *       "invite-only" (registration without an invitation)
 *   smartoffice.token_hash(token)    -> 32 bytes (SHA-256)
 *   smartoffice.hash_equal(a, b)     -> boolean, in time that depends
 *                                       only on the length of A
 *
 * The rules themselves are so_gate.c's; this file only carries facts in
 * and words out.
 */
#include <lauxlib.h>
#include <lua.h>

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "lua_rollout.h"
#include "so_gate.h"

/* Longest refusal text, both scripts and a long city name included. */
#define GATE_TEXT_MAX 1024

static bool field_bool(lua_State *L, int t, const char *key)
{
    bool v;

    lua_getfield(L, t, key);
    v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* The word at KEY parsed by PARSE; MISSING when nil or "", UNKNOWN for a
 * word PARSE does not know. Raises when the field is not a string. */
static int field_word(lua_State *L, int t, const char *key,
                      int (*parse)(const char *), int missing, int unknown)
{
    const char *s;
    int v;

    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return missing;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "gate: facts.%s must be a string", key);
    s = lua_tostring(L, -1);
    v = s[0] == '\0' ? missing : parse(s);
    lua_pop(L, 1);
    return v < 0 ? unknown : v;
}

static int l_gate(lua_State *L)
{
    struct so_gate_input in;

    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&in, 0, sizeof(in));
    in.in_directory = field_bool(L, 1, "in_directory");
    in.unit_exception = field_bool(L, 1, "unit_exception");
    in.person_exception = field_bool(L, 1, "person_exception");
    in.status = field_word(L, 1, "status", so_emp_status_parse, SO_EMP_RETIRED,
                           SO_EMP_RETIRED);
    in.city_state = field_word(L, 1, "city_state", so_city_state_parse,
                               SO_CITY_PLANNED, SO_CITY_PLANNED);
    /* an account word we do not know is treated as closed */
    in.account = field_word(L, 1, "account", so_account_state_parse,
                            SO_ACCOUNT_NONE, SO_ACCOUNT_DEPROVISIONED);
    lua_pushstring(L, so_gate_str(so_gate_decide(&in)));
    return 1;
}

/* The verdict named WORD, or -1. */
static int gate_parse(const char *word)
{
    int g;

    for (g = SO_GATE_ALLOW; g <= SO_GATE_PAUSED; g++)
        if (strcmp(word, so_gate_str((enum so_gate)g)) == 0)
            return g;
    return -1;
}

static int l_gate_text(lua_State *L)
{
    const char *word = luaL_checkstring(L, 1);
    const char *lang = luaL_optstring(L, 2, "en");
    const char *city = luaL_optstring(L, 3, "");
    lua_Integer phase = luaL_optinteger(L, 4, 0);
    char buf[GATE_TEXT_MAX];
    int gate = gate_parse(word);
    size_t need;

    luaL_argcheck(L, phase >= 0 && phase <= 999, 4, "phase out of range");
    if (gate < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "unknown gate verdict %s", word);
        return 2;
    }
    need = so_gate_text((enum so_gate)gate, lang, city, (int)phase, buf,
                        sizeof(buf));
    if (need >= sizeof(buf)) {
        lua_pushnil(L);
        lua_pushliteral(L, "gate text too long (city name?)");
        return 2;
    }
    lua_pushlstring(L, buf, need);
    return 1;
}

struct rollout_text {
    const char *name, *en, *ur;
};

static const struct rollout_text rollout_texts[] = {
    {"unloaded",
     "Smart Office cannot check this account right now; try again in a "
     "few minutes.",
     "سمارٹ آفس اس وقت اس اکاؤنٹ کی جانچ نہیں کر "
     "سکتا؛ چند منٹ بعد دوبارہ کوشش کریں۔"},
    {"invite-invalid",
     "This invitation is not valid: it was used already, has expired, or "
     "was withdrawn. Ask your office's IT staff for a new one.",
     "یہ دعوت نامہ درست نہیں: یہ پہلے استعمال ہو "
     "چکا ہے، اس کی مدت ختم ہو چکی ہے یا اسے واپس "
     "لے لیا گیا ہے۔ نئے دعوت نامے کے لیے اپنے دفتر "
     "کے آئی ٹی عملے سے رابطہ کریں۔"},
    {"invite-only",
     "Smart Office accounts are opened only with the invitation link your "
     "office sent you.",
     "سمارٹ آفس اکاؤنٹ صرف اس دعوتی لنک سے کھلتے "
     "ہیں جو آپ کے دفتر نے آپ کو بھیجا ہے۔"},
    {NULL, NULL, NULL},
};

static int l_rollout_text(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const struct rollout_text *t;

    for (t = rollout_texts; t->name != NULL; t++) {
        if (strcmp(t->name, name) == 0) {
            lua_pushstring(L, t->en);
            lua_pushstring(L, t->ur);
            return 2;
        }
    }
    lua_pushnil(L);
    return 1;
}

static int l_token_hash(lua_State *L)
{
    size_t len;
    const char *token = luaL_checklstring(L, 1, &len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    ERR_clear_error();
    if (!EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL)) {
        ERR_clear_error();
        return luaL_error(L, "token_hash: SHA-256 failed in OpenSSL");
    }
    lua_pushlstring(L, (const char *)md, mdlen);
    return 1;
}

static int l_hash_equal(lua_State *L)
{
    size_t alen, blen;
    const char *a = luaL_checklstring(L, 1, &alen);
    const char *b = luaL_checklstring(L, 2, &blen);

    lua_pushboolean(L,
                    alen == blen && alen > 0 && CRYPTO_memcmp(a, b, alen) == 0);
    return 1;
}

static const luaL_Reg functions[] = {
    {"gate", l_gate},
    {"gate_text", l_gate_text},
    {"rollout_text", l_rollout_text},
    {"token_hash", l_token_hash},
    {"hash_equal", l_hash_equal},
    {NULL, NULL},
};

void lua_rollout_register(lua_State *L)
{
    luaL_setfuncs(L, functions, 0);
}
