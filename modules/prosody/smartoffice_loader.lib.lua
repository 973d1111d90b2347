-- smartoffice_loader: the Smart Office core (smartoffice.so) for a module
-- that sits beside it.
--
-- A module loads it with
--   local so = module:require("smartoffice_loader");
-- Prosody runs this file in the calling module's environment, so
-- module:get_directory() is that module's directory; smartoffice.so is
-- looked for there first. Lua's require keeps one copy for every module.

local so_path = module:get_directory() .. "/?.so";
if not package.cpath:find(so_path, 1, true) then
	package.cpath = so_path .. ";" .. package.cpath;
end
return require "smartoffice";
