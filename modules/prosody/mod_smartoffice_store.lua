-- mod_smartoffice_store: the one link between Prosody and the Smart Office
-- database, for every host.
--
-- It starts the store (smartoffice.store, a thread in smartoffice.so) that
-- follows the approved federation zones in PostgreSQL and writes audit
-- records beside the event loop, spilling them to a local file while the
-- database is away. Every 0.25 s it installs the newest zone snapshot and,
-- when the zones changed, fires the global event
-- "smartoffice-zones-changed" { store = store, zones = n, source = s }.
--
-- Other modules use it with
--   local store = module:depends("smartoffice_store").get_store();
-- get_store() is nil when smartoffice_db is not set: fail closed.
--
-- It also starts the employee directory follower (smartoffice.directory):
-- every 0.5 s it applies the rows the follower fetched and fires the
-- global event "smartoffice-directory-changed" { directory = d,
-- changes = { change, ... } } when the directory changed; see
-- lua_directory.c for the change records. get_directory() is nil when
-- smartoffice_db is not set.
--
-- Load it globally (modules_enabled in the global section).

module:set_global();

local so = module:require("smartoffice_loader");
-- A misspelled option would leave its default in force unseen.
module:require("smartoffice_options").check(so, "smartoffice_store");

local resolve_relative_path = require "util.paths".resolve_relative_path;

-- Names, types and defaults come from the core's table (so_options.c;
-- `smartoffice options --module smartoffice_store`); the core checks each
-- value. A relative path is under Prosody's data_path.
local function read_options()
	local values = {};
	for _, opt in ipairs(so.options("smartoffice_store")) do
		local value = module:get_option(opt.prosody);
		if value == nil then
			value = opt.default;
		end
		if value ~= nil then
			local checked, why = so.option_value("smartoffice_store",
				opt.name, value);
			if checked == nil then
				-- the message names the option, never its value
				error(why, 0);
			end
			if opt.type == "path" then
				checked = resolve_relative_path(prosody.paths.data, checked);
			end
			values[opt.name] = checked;
		end
	end
	return values;
end

local options = read_options();

-- libpq connection string; may hold a password, so it is never logged.
local conninfo = options.db;
local spill_path = options.audit_spill;
local cache_path = options.zones_cache;

local poll_interval = 0.25;
local drop_log_interval = 60;

local store;

-- libpq quotes pieces of a malformed connection string in its message;
-- such a piece may be a password.
local function safe_error(text)
	if text:find("connection info string", 1, true)
		or text:find("invalid connection option", 1, true)
		or text:find("invalid URI", 1, true)
		or text:find("connection URI", 1, true) then
		return "smartoffice_db is not a valid connection string "
			.. "(details withheld: it may hold a password)";
	end
	return text;
end

-- What was last logged, so each change is logged once.
local last = { connected = nil, source = "none", cache_error = "",
	invalid = "", dropped = 0, lost = 0, drop_logged_at = 0 };

local function log_changes(status)
	if status.connected ~= last.connected then
		if status.connected then
			module:log("info", "zone database connected; %d zones from %s",
				status.zones, status.source);
		elseif last.connected ~= nil or status.error ~= "" then
			module:log("warn", "zone database unreachable, keeping %d zones "
				.. "from %s and retrying: %s", status.zones, status.source,
				safe_error(status.error));
		end
		last.connected = status.connected;
	end
	if status.invalid ~= last.invalid then
		if status.invalid ~= "" then
			module:log("error", "zone data in the database is invalid, "
				.. "keeping %d zones from %s and retrying: %s", status.zones,
				status.source, status.invalid);
		else
			module:log("info", "zone data in the database is valid again");
		end
		last.invalid = status.invalid;
	end
	if status.source ~= last.source then
		if status.source == "cache" then
			module:log("warn", "using %d zones from the cache %s until the "
				.. "database answers", status.zones, cache_path);
		end
		last.source = status.source;
	end
	if status.cache_error ~= last.cache_error then
		if status.cache_error ~= "" then
			module:log("warn", "zones cache %s not used: %s", cache_path,
				status.cache_error);
		end
		last.cache_error = status.cache_error;
	end
	local now = os.time();
	if status.audit_dropped > last.dropped
		and now - last.drop_logged_at >= drop_log_interval then
		module:log("error", "audit queue full: %d records dropped so far",
			status.audit_dropped);
		last.dropped, last.drop_logged_at = status.audit_dropped, now;
	end
	if status.audit_lost > last.lost then
		module:log("error", "%d audit records could be neither stored nor "
			.. "spilled to %s", status.audit_lost - last.lost, spill_path);
		last.lost = status.audit_lost;
	end
end

local function tick()
	if not store then
		return nil;
	end
	local changed = store:poll();
	local status = store:status();
	if changed then
		module:log("info", "federation zones changed: %d zones from %s",
			status.zones, status.source);
		-- A listener's error must not stop this timer: the zones would
		-- no longer follow the database.
		local ok, err = pcall(prosody.events.fire_event,
			"smartoffice-zones-changed",
			{ store = store; zones = status.zones; source = status.source });
		if not ok then
			module:log("error", "a smartoffice-zones-changed listener "
				.. "failed, polling goes on: %s", err);
		end
	end
	log_changes(status);
	return poll_interval;
end

-- The same store survives a reload when its settings did not change, so
-- modules holding it keep a live one.
local key = table.concat({ conninfo or "", spill_path, cache_path }, "\0");

if not conninfo or conninfo == "" then
	module:log_status("error", "smartoffice_db is not set: no federation "
		.. "zones (every remote domain is refused) and no audit trail");
else
	local saved = module.saved_state;
	if saved and saved.store and saved.key == key then
		store = saved.store;
	else
		local err;
		store, err = so.store(conninfo, spill_path, cache_path);
		if not store then
			module:log_status("error", "could not start the store: %s", err);
		end
	end
	if store then
		module:add_timer(0, tick);
	end
end

-- The employee directory.
local directory;
local directory_interval = 0.5;
local directory_rows = 20000; -- rows applied per tick at most

-- What was last logged of the directory, so each change is logged once.
local directory_last = { loaded = false, connected = nil };

local function log_directory(stats)
	if stats.loaded and not directory_last.loaded then
		module:log("info", "employee directory loaded: %d employees with a "
			.. "JID, %d units, %d cities, %d exceptions, %d bytes",
			stats.entries, stats.units, stats.cities, stats.exceptions,
			stats.bytes);
		directory_last.loaded = true;
	end
	if stats.connected ~= directory_last.connected
		and (stats.connected or stats.error ~= "") then
		if stats.connected then
			module:log("info", "directory database connected");
		else
			module:log("warn", "directory database unreachable, keeping %d "
				.. "employees and retrying: %s", stats.entries,
				safe_error(stats.error));
		end
		directory_last.connected = stats.connected;
	end
end

local function directory_tick()
	if not directory then
		return nil;
	end
	log_directory(directory:stats());
	if directory:poll(directory_rows) then
		local changes = directory:poll_changes(10000);
		if #changes > 0 then
			local ok, err = pcall(prosody.events.fire_event,
				"smartoffice-directory-changed",
				{ directory = directory; changes = changes });
			if not ok then
				module:log("error", "a smartoffice-directory-changed "
					.. "listener failed, polling goes on: %s", err);
			end
		end
	end
	return directory_interval;
end

if conninfo and conninfo ~= "" then
	local saved = module.saved_state;
	if saved and saved.directory and saved.key == key then
		directory = saved.directory;
	else
		local err;
		directory, err = so.directory(conninfo);
		if not directory then
			module:log_status("error", "could not start the directory "
				.. "follower: %s", err);
		end
	end
	if directory then
		module:add_timer(0, directory_tick);
	end
end

function get_store() -- luacheck: ignore 131
	return store;
end

function get_directory() -- luacheck: ignore 131
	return directory;
end

function module.save()
	return { store = store; directory = directory; key = key };
end

function module.unload()
	-- On a reload the new instance takes the store over (module.save).
	if store and not module.reloading then
		store:close();
	end
	if directory and not module.reloading then
		directory:close();
	end
end
