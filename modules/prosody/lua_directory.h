/*
 * lua_directory.h - the employee directory of the smartoffice Lua module.
 */
#ifndef LUA_DIRECTORY_H
#define LUA_DIRECTORY_H

#include <lua.h>

/*
 * Adds directory() to the module table on the top of L's stack and
 * registers the directory's metatable. Called once from
 * luaopen_smartoffice().
 */
void lua_directory_register(lua_State *L);

#endif
