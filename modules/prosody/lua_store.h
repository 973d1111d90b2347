/*
 * lua_store.h - the store and name helpers of the smartoffice Lua module.
 */
#ifndef LUA_STORE_H
#define LUA_STORE_H

#include <lua.h>

/*
 * Adds store(), domain_normalize() and cert_sha256() to the module table
 * on the top of L's stack and registers the store's metatable. Called
 * once from luaopen_smartoffice().
 */
void lua_store_register(lua_State *L);

#endif
