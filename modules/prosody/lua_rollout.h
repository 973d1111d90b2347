/*
 * lua_rollout.h - the login gate and activation helpers of the
 * smartoffice Lua module (gate, gate_text, token_hash, hash_equal).
 */
#ifndef LUA_ROLLOUT_H
#define LUA_ROLLOUT_H

#include <lua.h>

/* Adds the rollout functions to the module table on the top of L's
 * stack. Called once from luaopen_smartoffice(). */
void lua_rollout_register(lua_State *L);

#endif
