-- smartoffice_options: report misspelled Smart Office options.
--
-- Prosody ignores an option nobody reads, so a misspelled
-- "residency_strict" would leave the default in force unseen. A module
-- calls
--   module:require("smartoffice_options").check(so, "residency");
-- at load and on config reload; every key in this host's section or the
-- global one that starts with the module's option prefix but is not one of
-- its options (from the core's table) is logged as an error, with the
-- nearest option name when one is at most two edits away. Prosody runs
-- this file in the calling module's environment.

local configmanager = require "core.configmanager";

-- The number of one-character edits that turn A into B (Levenshtein).
local function edit_distance(a, b)
	local prev = {};
	for j = 0, #b do
		prev[j] = j;
	end
	for i = 1, #a do
		local cur = { [0] = i };
		for j = 1, #b do
			local cost = a:byte(i) == b:byte(j) and 0 or 1;
			cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1,
				prev[j - 1] + cost);
		end
		prev = cur;
	end
	return prev[#b];
end

-- True when NAME is in KNOWN; else the nearest of KNOWN at most two edits
-- away, or nil.
local function option_meant(name, known)
	local nearest, best = nil, 3;
	for _, option in ipairs(known) do
		if option == name then
			return true;
		end
		local d = edit_distance(name, option);
		if d < best then
			nearest, best = option, d;
		end
	end
	return nearest;
end

-- Logs each unknown option of module MODULE_NAME (a name of the core's
-- option tables) found in the config. Returns how many were found.
local function check(so, module_name)
	local known = {};
	local options, prefix = so.options(module_name);
	for _, opt in ipairs(options) do
		known[#known + 1] = opt.prosody;
	end
	local config, seen, found = configmanager.getconfig(), {}, 0;
	for _, section in ipairs({ module.host, "*" }) do
		for key in pairs(config[section] or {}) do
			if type(key) == "string" and not seen[key]
			and key:sub(1, #prefix) == prefix then
				seen[key] = true;
				local meant = option_meant(key, known);
				if meant ~= true then
					found = found + 1;
					module:log("error", "unknown option %s in the config, "
						.. "ignored%s", (key:gsub("%c", "?")), meant
						and ("; did you mean " .. meant .. "?") or "");
				end
			end
		end
	end
	return found;
end

return {
	check = check;
};
