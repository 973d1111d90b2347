/*
 * lua_smartoffice.c - the Lua binding of the Smart Office core for Prosody.
 *
 * require "smartoffice" gives:
 *
 *   smartoffice.policy()             -> policy
 *   policy:set(name, value)          -> true | nil, message
 *   policy:add_host(domain)          -> true | nil, message
 *   policy:get(name)                 -> value | nil, message
 *   policy:classify(stanza)          -> action, class, reason_text,
 *                                       reason_code, condition, rewrite,
 *                                       warn, groupchat, judged
 *       rewrite is nil, "fallback-body" or "strip-to-error" (the
 *       so_rewrite bits of so_omemo.h, applied to judged)
 *   smartoffice.refusal_text(code)   -> en, ur
 *   smartoffice.warn_text()          -> en, ur
 *   smartoffice.no_device_text()     -> en, ur
 *   smartoffice.options([module])    -> { {name=, prosody=, type=,
 *                                          default=, choices=, doc=},
 *                                          ... }, prefix
 *       the options of "omemo_policy" (the default), "residency" or
 *       "smartoffice_store"; prosody is the option's name in the config
 *   smartoffice.option(module, name) -> the same table for one option, or
 *                                       nil
 *   smartoffice.option_value(module, name, value)
 *                                    -> value | nil, message
 *       VALUE (string, integer or boolean, as read from the config)
 *       checked against the option's type: a bool gives a boolean, an int
 *       or a period a number of seconds, any other the string
 *   smartoffice.period(value)        -> seconds | nil, message
 *       "30d", "4w", "6m" (31 days), "1y" or a number of seconds
 *   smartoffice.warn_table(slots)    -> table
 *   table:due(from, to, now, interval) -> boolean
 *
 * classify() reads a util.stanza table in place: names, attribute values
 * and single text nodes are borrowed Lua strings, which stay alive because
 * the stanza is on the Lua stack for the whole call. Only text split over
 * several nodes is copied, into an arena on the C stack. Of the attributes
 * only those the core declares it reads (so_omemo_attrs_read()) enter the
 * view. While the view is built no Lua function that can raise is called,
 * so the arena cannot leak.
 */
#include <lauxlib.h>
#include <lua.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lua_directory.h"
#include "lua_rollout.h"
#include "lua_store.h"
#include "so_omemo.h"
#include "so_options.h"
#include "so_view.h"
#include "so_warn.h"

#define POLICY_MT "smartoffice.policy"
#define WARN_MT "smartoffice.warn_table"

/* Largest warn table a script may ask for. */
#define WARN_MAX_SLOTS (1u << 24)

/* Lua stack slots the builder needs besides one per level of nesting:
 * the stanza itself, its name, attr and xmlns, and one per attribute read
 * (at most the number of entries of so_omemo_attrs_read()). */
#define BUILD_STACK_FIXED 4

/* Upvalues of the policy methods: the keys classify() looks up, pushed
 * without allocating or hashing. UV_FIRST_READ + i holds the attribute name
 * of entry i of so_omemo_attrs_read(). */
enum {
    UV_NAME = 1,   /* "name" */
    UV_ATTR,       /* "attr" */
    UV_XMLNS,      /* "xmlns" */
    UV_READS,      /* struct attr_reads */
    UV_FIRST_READ, /* the first attribute name */
};

/* so_omemo_attrs_read() with the length of each element name, made once
 * when the library is opened (a userdata held as upvalue UV_READS). */
struct attr_read_key {
    const char *element;
    size_t element_len;
    const char *attr;
};

struct attr_reads {
    int n;
    struct attr_read_key keys[];
};

struct policy_box {
    struct so_policy *policy; /* owned; NULL once collected */
};

struct warn_box {
    struct so_warn_table *table; /* owned; NULL once collected */
};

/* What building a view needs besides the arena. */
struct builder {
    lua_State *L;
    struct so_arena *arena;
    const struct attr_reads *reads; /* borrowed from upvalue UV_READS */
};

/* -- Building the view -------------------------------------------------- */

/*
 * Every builder function is handed the index T of a stanza table at the
 * top of the Lua stack, pushes what it reads above T and leaves the stack
 * as it found it: no slot index is ever looked up with lua_gettop(), and
 * classify() checks the stack space once for the deepest view.
 */

/* Pushes T[key] where KEY is upvalue UV. Never raises. */
static int raw_field(lua_State *L, int t, int uv)
{
    lua_pushvalue(L, lua_upvalueindex(uv));
    return lua_rawget(L, t);
}

/* Adds to NODE, whose name is NAME_LEN bytes long, the attributes the
 * classifier reads of an element with its name (so_omemo_attrs_read()),
 * taken from the table at ATTR. Other attributes are never looked at.
 * Leaves one value per attribute read on the stack for the caller to pop:
 * the values stay referenced by the stanza. */
static enum so_err build_attrs(struct builder *b, int attr,
                               struct so_node *node, size_t name_len)
{
    lua_State *L = b->L;
    const struct attr_reads *r = b->reads;
    enum so_err err = SO_OK;
    int i;

    for (i = 0; i < r->n && err == SO_OK; i++) {
        const struct attr_read_key *k = &r->keys[i];

        if (k->element_len != name_len || k->element[0] != node->name[0] ||
            memcmp(k->element, node->name, name_len) != 0)
            continue;
        if (raw_field(L, attr, UV_FIRST_READ + i) == LUA_TSTRING)
            err =
                so_view_attr_add(b->arena, node, k->attr, lua_tostring(L, -1));
    }
    return err;
}

/* Copies the PIECES string children of the stanza at T (N array items)
 * into one arena string, as NODE's text of TOTAL bytes. */
static enum so_err join_text(struct builder *b, int t, lua_Integer n,
                             size_t total, struct so_node *node)
{
    lua_State *L = b->L;
    char *buf = so_arena_alloc(b->arena, total + 1);
    lua_Integer i;
    size_t len;

    if (buf == NULL)
        return SO_ENOMEM;
    node->text = buf;
    for (i = 1; i <= n; i++) {
        if (lua_rawgeti(L, t, i) == LUA_TSTRING) {
            const char *s = lua_tolstring(L, t + 1, &len);

            memcpy(buf, s, len);
            buf += len;
        }
        lua_settop(L, t);
    }
    *buf = '\0';
    return SO_OK;
}

static enum so_err build_node(struct builder *b, int t, struct so_node *parent,
                              const char *parent_ns, struct so_node **out);

/* Builds NODE's text and a node for every child stanza (table) in one
 * pass over the array part of the stanza at T. Text in one piece is
 * borrowed; text split over several is joined into the arena. */
static enum so_err build_content(struct builder *b, int t, struct so_node *node)
{
    lua_State *L = b->L;
    lua_Integer n = (lua_Integer)lua_rawlen(L, t), i;
    enum so_err err = SO_OK;
    size_t total = 0, pieces = 0, len;

    for (i = 1; i <= n && err == SO_OK; i++) {
        struct so_node *child;

        switch (lua_rawgeti(L, t, i)) {
        case LUA_TSTRING:
            node->text = lua_tolstring(L, t + 1, &len);
            total += len;
            pieces++;
            break;
        case LUA_TTABLE:
            err = build_node(b, t + 1, node, node->ns, &child);
            break;
        default:
            break;
        }
        lua_settop(L, t);
    }
    node->text_len = total;
    if (err == SO_OK && pieces > 1)
        err = join_text(b, t, n, total, node);
    return err;
}

/* Builds the node for the stanza at T under PARENT (NULL for the root). */
static enum so_err build_node(struct builder *b, int t, struct so_node *parent,
                              const char *parent_ns, struct so_node **out)
{
    lua_State *L = b->L;
    struct so_node *node;
    enum so_err err = SO_OK;
    size_t name_len;

    node = so_view_node_new(b->arena, parent, &err);
    if (node == NULL)
        return err;
    *out = node;
    /* The name and the attribute values stay referenced by the stanza. */
    if (raw_field(L, t, UV_NAME) != LUA_TSTRING) {
        lua_settop(L, t);
        return SO_EINVAL;
    }
    node->name = lua_tolstring(L, t + 1, &name_len);
    node->ns = parent_ns;
    if (raw_field(L, t, UV_ATTR) == LUA_TTABLE) {
        if (raw_field(L, t + 2, UV_XMLNS) == LUA_TSTRING)
            node->ns = lua_tostring(L, t + 3);
        err = build_attrs(b, t + 2, node, name_len);
    }
    lua_settop(L, t);
    if (err == SO_OK)
        err = build_content(b, t, node);
    return err;
}

/* Builds the view of the stanza at T, the top of the stack, into *ROOT. */
static enum so_err build_view(struct builder *b, int t, struct so_node **root)
{
    if (!lua_checkstack(b->L,
                        SO_VIEW_MAX_DEPTH + BUILD_STACK_FIXED + b->reads->n))
        return SO_ENOMEM;
    return build_node(b, t, NULL, "jabber:client", root);
}

/* -- Finding the judged message's table ---------------------------------- */

/* Where the judged message sits in the stanza: the position among element
 * children at each level below the root, deepest first. Taken from the view
 * before its arena is released. */
struct node_path {
    bool present;
    unsigned depth;
    lua_Integer index[SO_VIEW_MAX_DEPTH];
};

static void node_path_of(const struct so_node *node, struct node_path *path)
{
    path->present = node != NULL;
    path->depth = 0;
    for (; node != NULL && node->parent != NULL; node = node->parent) {
        const struct so_node *c = node->parent->first_child;
        lua_Integer k = 1;

        for (; c != NULL && c != node; c = c->next)
            k++;
        if (path->depth < SO_VIEW_MAX_DEPTH)
            path->index[path->depth++] = k;
    }
}

/* Pushes the K-th table child of the stanza at T, or nil. */
static void push_element_child(lua_State *L, int t, lua_Integer k)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, t), i;

    for (i = 1; i <= n; i++) {
        if (lua_rawgeti(L, t, i) == LUA_TTABLE && --k == 0)
            return;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
}

/* Pushes the table at PATH below the stanza at ROOT, or nil. */
static void push_path(lua_State *L, int root, const struct node_path *path)
{
    unsigned i;

    if (!path->present) {
        lua_pushnil(L);
        return;
    }
    lua_pushvalue(L, root);
    for (i = path->depth; i > 0 && !lua_isnil(L, -1); i--) {
        push_element_child(L, lua_gettop(L), path->index[i - 1]);
        lua_remove(L, -2);
    }
}

/* -- The policy ---------------------------------------------------------- */

static struct so_policy *check_policy(lua_State *L, int arg)
{
    struct policy_box *box = luaL_checkudata(L, arg, POLICY_MT);

    if (box->policy == NULL)
        luaL_argerror(L, arg, "policy already freed");
    return box->policy;
}

static int l_policy(lua_State *L)
{
    struct policy_box *box = lua_newuserdatauv(L, sizeof(*box), 0);

    box->policy = NULL;
    luaL_setmetatable(L, POLICY_MT);
    box->policy = so_policy_new();
    if (box->policy == NULL) {
        luaL_pushfail(L);
        lua_pushstring(L, so_err_str(SO_ENOMEM));
        return 2;
    }
    return 1;
}

static int l_policy_gc(lua_State *L)
{
    struct policy_box *box = luaL_checkudata(L, 1, POLICY_MT);

    so_policy_free(box->policy);
    box->policy = NULL;
    return 0;
}

static int l_policy_set(lua_State *L)
{
    struct so_policy *policy = check_policy(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const char *value = luaL_checkstring(L, 3);
    char errbuf[256];
    enum so_err err;

    errbuf[0] = '\0';
    err = so_policy_set(policy, name, value, errbuf, sizeof(errbuf));
    if (err != SO_OK) {
        luaL_pushfail(L);
        if (errbuf[0] != '\0')
            lua_pushstring(L, errbuf);
        else
            lua_pushfstring(L, "%s: %s", name, so_err_str(err));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_policy_add_host(lua_State *L)
{
    struct so_policy *policy = check_policy(L, 1);
    const char *domain = luaL_checkstring(L, 2);
    enum so_err err = so_policy_add_host(policy, domain);

    if (err != SO_OK) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", domain, so_err_str(err));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const char *mode_str(enum so_mode mode)
{
    switch (mode) {
    case SO_MODE_OFF:
        return "off";
    case SO_MODE_WARN:
        return "warn";
    case SO_MODE_REQUIRED:
        return "required";
    }
    return "?";
}

static void push_strlist(lua_State *L, const struct so_strlist *list)
{
    size_t i;

    lua_createtable(L, (int)list->n, 0);
    for (i = 0; i < list->n; i++) {
        lua_pushstring(L, list->items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* The current value of the few settings the Prosody module acts on itself
 * (modes, texts, interval, room exemptions). */
static int l_policy_get(lua_State *L)
{
    struct so_policy *policy = check_policy(L, 1);
    const char *name = luaL_checkstring(L, 2);

    if (strcmp(name, "chat") == 0)
        lua_pushstring(L, mode_str(policy->chat));
    else if (strcmp(name, "groupchat") == 0)
        lua_pushstring(L, mode_str(policy->groupchat));
    else if (strcmp(name, "warn_interval") == 0)
        lua_pushinteger(L, (lua_Integer)policy->warn_interval);
    else if (strcmp(name, "fallback_text_en") == 0)
        lua_pushstring(L, policy->fallback_text_en);
    else if (strcmp(name, "fallback_text_ur") == 0)
        lua_pushstring(L, policy->fallback_text_ur);
    else if (strcmp(name, "exempt_rooms") == 0)
        push_strlist(L, &policy->exempt_rooms);
    else {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: not readable", name);
        return 2;
    }
    return 1;
}

/* The verdict for a stanza the builder could not take in whole. */
static void verdict_too_complex(lua_State *L, int stanza, struct so_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->action = SO_REFUSE;
    v->cls = SO_CLASS_MALFORMED;
    v->reason = SO_R_TOO_COMPLEX;
    v->cond = SO_COND_POLICY_VIOLATION;
    if (lua_getfield(L, stanza, "attr") == LUA_TTABLE) {
        lua_getfield(L, -1, "type");
        v->groupchat = lua_isstring(L, -1) &&
                       strcmp(lua_tostring(L, -1), "groupchat") == 0;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int push_verdict(lua_State *L, int stanza, const struct so_verdict *v,
                        const struct node_path *judged)
{
    lua_pushstring(L, so_action_str(v->action));
    lua_pushstring(L, so_class_str(v->cls));
    lua_pushstring(L, so_reason_str(v->reason));
    lua_pushinteger(L, (lua_Integer)v->reason);
    if (v->cond == SO_COND_NONE)
        lua_pushnil(L);
    else
        lua_pushstring(L, so_cond_str(v->cond));
    if (v->rewrite & SO_RW_STRIP_TO_ERROR)
        lua_pushliteral(L, "strip-to-error");
    else if (v->rewrite & SO_RW_FALLBACK_BODY)
        lua_pushliteral(L, "fallback-body");
    else
        lua_pushnil(L);
    lua_pushboolean(L, v->warn);
    lua_pushboolean(L, v->groupchat);
    push_path(L, stanza, judged);
    return 9;
}

static int l_policy_classify(lua_State *L)
{
    struct so_policy *policy = check_policy(L, 1);
    struct builder b;
    struct so_arena arena;
    struct so_verdict verdict;
    struct node_path judged;
    struct so_node *root = NULL;
    enum so_err err;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);

    so_arena_init(&arena);
    b.L = L;
    b.arena = &arena;
    b.reads = lua_touserdata(L, lua_upvalueindex(UV_READS));
    err = build_view(&b, 2, &root);
    if (err == SO_OK) {
        so_omemo_classify(policy, root, &verdict);
        node_path_of(verdict.judged, &judged);
    }
    /* Nothing below points into the arena any more. */
    verdict.judged = NULL;
    verdict.culprit = NULL;
    so_arena_free(&arena);
    lua_settop(L, 2);

    if (err == SO_ENOMEM)
        return luaL_error(L, "classify: %s", so_err_str(err));
    if (err == SO_EINVAL)
        return luaL_argerror(L, 2, "not a stanza (an element without name)");
    if (err != SO_OK) {
        verdict_too_complex(L, 2, &verdict);
        judged.present = true;
        judged.depth = 0;
    }
    return push_verdict(L, 2, &verdict, &judged);
}

/* -- The warn table ------------------------------------------------------ */

static int l_warn_table(lua_State *L)
{
    lua_Integer slots = luaL_checkinteger(L, 1);
    struct warn_box *box;

    luaL_argcheck(L, slots > 0 && slots <= WARN_MAX_SLOTS, 1,
                  "slots out of range");
    box = lua_newuserdatauv(L, sizeof(*box), 0);
    box->table = NULL;
    luaL_setmetatable(L, WARN_MT);
    box->table = so_warn_table_new((size_t)slots);
    if (box->table == NULL) {
        luaL_pushfail(L);
        lua_pushstring(L, so_err_str(SO_ENOMEM));
        return 2;
    }
    return 1;
}

static int l_warn_gc(lua_State *L)
{
    struct warn_box *box = luaL_checkudata(L, 1, WARN_MT);

    so_warn_table_free(box->table);
    box->table = NULL;
    return 0;
}

static int l_warn_due(lua_State *L)
{
    struct warn_box *box = luaL_checkudata(L, 1, WARN_MT);
    const char *from = luaL_checkstring(L, 2);
    const char *to = luaL_checkstring(L, 3);
    lua_Integer now = luaL_checkinteger(L, 4);
    lua_Integer interval = luaL_checkinteger(L, 5);

    luaL_argcheck(L, box->table != NULL, 1, "warn table already freed");
    luaL_argcheck(L, now >= 0, 4, "negative time");
    luaL_argcheck(L, interval >= 0, 5, "negative interval");
    lua_pushboolean(L, so_warn_due(box->table, from, to, (unsigned long)now,
                                   (unsigned long)interval));
    return 1;
}

/* -- Texts and options --------------------------------------------------- */

static int l_refusal_text(lua_State *L)
{
    lua_Integer code = luaL_checkinteger(L, 1);

    luaL_argcheck(L, code >= 0 && code < SO_R_COUNT, 1, "no such reason");
    lua_pushstring(L, so_refusal_text_en((enum so_reason)code));
    lua_pushstring(L, so_refusal_text_ur((enum so_reason)code));
    return 2;
}

static int l_warn_text(lua_State *L)
{
    lua_pushstring(L, so_warn_text_en());
    lua_pushstring(L, so_warn_text_ur());
    return 2;
}

static int l_no_device_text(lua_State *L)
{
    lua_pushstring(L, so_no_device_text_en());
    lua_pushstring(L, so_no_device_text_ur());
    return 2;
}

static void set_string_field(lua_State *L, const char *key, const char *value)
{
    if (value == NULL)
        return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

/* The option set named by argument ARG (default "omemo_policy"); raises
 * for an unknown name, which is a programming error. */
static const struct so_option_set *check_set(lua_State *L, int arg)
{
    const char *module = luaL_optstring(L, arg, "omemo_policy");
    const struct so_option_set *set = so_option_set_find(module);

    if (set == NULL)
        luaL_argerror(L, arg, lua_pushfstring(L, "no module '%s'", module));
    return set;
}

static void push_option(lua_State *L, const struct so_option_set *set,
                        const struct so_option *opt)
{
    lua_createtable(L, 0, 6);
    set_string_field(L, "name", opt->name);
    lua_pushfstring(L, "%s%s", set->prefix, opt->name);
    lua_setfield(L, -2, "prosody");
    set_string_field(L, "type", so_opt_type_str(opt->type));
    set_string_field(L, "default", opt->def);
    set_string_field(L, "choices", opt->choices);
    set_string_field(L, "doc", opt->doc);
}

static int l_options(lua_State *L)
{
    const struct so_option_set *set = check_set(L, 1);
    const struct so_option *opt;
    lua_Integer i = 0;

    lua_newtable(L);
    for (opt = set->options; opt->name != NULL; opt++) {
        push_option(L, set, opt);
        lua_rawseti(L, -2, ++i);
    }
    lua_pushstring(L, set->prefix);
    return 2;
}

static int l_option(lua_State *L)
{
    const struct so_option_set *set = check_set(L, 1);
    const struct so_option *opt = so_option_in(set, luaL_checkstring(L, 2));

    if (opt == NULL)
        return 0;
    push_option(L, set, opt);
    return 1;
}

/* Pushes the textual form of the config value at ARG, or nil and a
 * message; a number must be a whole non-negative one. */
static bool push_value_text(lua_State *L, int arg, const char **why)
{
    lua_Integer n;

    switch (lua_type(L, arg)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, arg, &len);

        if (strlen(s) != len) {
            *why = "text holds a NUL byte";
            return false;
        }
        lua_pushvalue(L, arg);
        return true;
    }
    case LUA_TBOOLEAN:
        lua_pushstring(L, lua_toboolean(L, arg) ? "true" : "false");
        return true;
    case LUA_TNUMBER:
        if (!lua_isinteger(L, arg)) {
            lua_Number f = lua_tonumber(L, arg);

            if (f != f || f < 0 || f > 9007199254740991.0 ||
                f != (lua_Number)(lua_Integer)f) {
                *why = "expected a whole number that is not negative";
                return false;
            }
            n = (lua_Integer)f;
        } else {
            n = lua_tointeger(L, arg);
        }
        if (n < 0) {
            *why = "expected a whole number that is not negative";
            return false;
        }
        lua_pushfstring(L, "%I", n);
        return true;
    default:
        *why = "expected a string, a number or a boolean";
        return false;
    }
}

static int l_option_value(lua_State *L)
{
    const struct so_option_set *set = check_set(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const struct so_option *opt = so_option_in(set, name);
    struct so_option_value v;
    const char *why = NULL;
    char errbuf[256];

    luaL_argcheck(L, opt != NULL, 2, "no such option");
    luaL_checkany(L, 3);
    if (!push_value_text(L, 3, &why)) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s%s: %s", set->prefix, opt->name, why);
        return 2;
    }
    if (so_option_parse(set, opt, lua_tostring(L, -1), &v, errbuf,
                        sizeof(errbuf)) != SO_OK) {
        luaL_pushfail(L);
        lua_pushstring(L, errbuf);
        return 2;
    }
    switch (opt->type) {
    case SO_OPT_BOOL:
        lua_pushboolean(L, v.flag);
        break;
    case SO_OPT_INT:
    case SO_OPT_PERIOD:
        lua_pushinteger(L, (lua_Integer)v.number);
        break;
    default:
        break; /* the text pushed above is the value */
    }
    return 1;
}

static int l_period(lua_State *L)
{
    const char *why = NULL;
    uint64_t seconds;

    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TBOOLEAN || !push_value_text(L, 1, &why)) {
        luaL_pushfail(L);
        lua_pushstring(L, why != NULL ? why : "not a number or a string");
        return 2;
    }
    if (so_period_parse(lua_tostring(L, -1), &seconds) != SO_OK) {
        luaL_pushfail(L);
        lua_pushliteral(L, "not a period like 30d, 4w, 6m or 1y");
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)seconds);
    return 1;
}

/* -- Registration -------------------------------------------------------- */

static const luaL_Reg policy_methods[] = {
    {"set", l_policy_set}, {"add_host", l_policy_add_host},
    {"get", l_policy_get}, {"classify", l_policy_classify},
    {NULL, NULL},
};

static const luaL_Reg warn_methods[] = {
    {"due", l_warn_due},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"policy", l_policy},
    {"warn_table", l_warn_table},
    {"refusal_text", l_refusal_text},
    {"warn_text", l_warn_text},
    {"no_device_text", l_no_device_text},
    {"options", l_options},
    {"option", l_option},
    {"option_value", l_option_value},
    {"period", l_period},
    {NULL, NULL},
};

/* Pushes the upvalues of the policy methods (UV_NAME ...) and returns
 * their number. */
static int push_classify_keys(lua_State *L)
{
    const struct so_attr_read *a, *first = so_omemo_attrs_read();
    struct attr_reads *reads;
    int n = 0, i;

    for (a = first; a->element != NULL; a++)
        n++;
    if (n > 255 - UV_FIRST_READ)
        luaL_error(L, "smartoffice: too many attributes for upvalues");
    luaL_checkstack(L, UV_FIRST_READ + n, "smartoffice: upvalues");
    lua_pushliteral(L, "name");
    lua_pushliteral(L, "attr");
    lua_pushliteral(L, "xmlns");
    reads = lua_newuserdatauv(
        L, sizeof(*reads) + (size_t)n * sizeof(reads->keys[0]), 0);
    reads->n = n;
    for (i = 0; i < n; i++) {
        reads->keys[i].element = first[i].element;
        reads->keys[i].element_len = strlen(first[i].element);
        reads->keys[i].attr = first[i].attr;
        lua_pushstring(L, first[i].attr);
    }
    return UV_FIRST_READ - 1 + n;
}

/* Creates metatable NAME with METHODS (sharing NUP upvalues on the stack)
 * as __index and GC as __gc; pops the upvalues. */
static void new_class(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction gc, int nup)
{
    luaL_newmetatable(L, name);
    lua_insert(L, -1 - nup);
    lua_createtable(L, 0, 4);
    lua_insert(L, -1 - nup);
    luaL_setfuncs(L, methods, nup);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

int luaopen_smartoffice(lua_State *L);

int luaopen_smartoffice(lua_State *L)
{
    int nup = push_classify_keys(L);

    new_class(L, POLICY_MT, policy_methods, l_policy_gc, nup);
    new_class(L, WARN_MT, warn_methods, l_warn_gc, 0);
    luaL_newlib(L, functions);
    lua_store_register(L);
    lua_directory_register(L);
    lua_rollout_register(L);
    return 1;
}
