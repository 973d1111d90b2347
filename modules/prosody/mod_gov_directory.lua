-- mod_gov_directory: the government directory inside the user's client.
--
-- vCards (XEP-0054, vcard-temp): a local user asking for the vCard of an
-- employee (a colleague's, or their own) gets the stored vCard with the
-- directory's fields in place of the stored ones: FN (English name),
-- NICKNAME (Urdu name), TITLE (designation), ORG (ORGNAME: the ministry
-- or division at the top of the office's path; ORGUNIT: the office), TEL
-- WORK VOICE (office phone), EMAIL WORK INTERNET. A vCard the employee
-- sets loses those fields before it is stored; the rest (photo, home
-- phone, ...) is kept.
--
-- Rosters (RFC 6121): each employee's roster holds the colleagues of
-- their own office (active or on leave, with a JID on this host) in one
-- group named after the office, at most gov_directory_roster_max of them
-- by name, with subscription "both". The items are added when the roster
-- is loaded and are never stored; a directory change reaches the rosters
-- of users online as roster pushes within a second or so.
--
-- Everything is read from the directory follower of mod_smartoffice_store
-- (load it globally); nothing here asks the database.

local st = require "util.stanza";
local jid_bare = require "util.jid".bare;
local jid_split = require "util.jid".split;
local jid_host = require "util.jid".host;
local datamanager = require "util.datamanager";
local rostermanager = require "core.rostermanager";
local modulemanager = require "core.modulemanager";

local so = module:require("smartoffice_loader");
module:require("smartoffice_options").check(so, "gov_directory");

local host = module.host;
local store_mod = module:depends("smartoffice_store");
local directory = store_mod.get_directory();

-- Options, from the core's table (so_options.c).
local options = {};
for _, opt in ipairs(so.options("gov_directory")) do
	local value = module:get_option(opt.prosody);
	if value == nil then
		value = opt.default;
	end
	local checked, why = so.option_value("gov_directory", opt.name, value);
	if checked == nil then
		error(why, 0);
	end
	options[opt.name] = checked;
end
local roster_max = math.min(options.roster_max, 10000);

if not directory then
	module:log_status("error", "no directory: smartoffice_db is not set "
		.. "or mod_smartoffice_store is not loaded globally; vCards and "
		.. "rosters are left as they are");
end

local shown = { active = true; on_leave = true };

-- vCards -------------------------------------------------------------------

local xmlns_vcard = "vcard-temp";

-- The fields the directory owns: FN, NICKNAME, TITLE, ORG, and the work
-- TEL and EMAIL.
local function owned(tag)
	local name = tag.name;
	if name == "FN" or name == "NICKNAME" or name == "TITLE"
		or name == "ORG" then
		return true;
	end
	if name == "TEL" or name == "EMAIL" then
		return tag:get_child("WORK") ~= nil;
	end
	return false;
end

local function strip_owned(vcard)
	vcard:maptags(function (tag)
		if owned(tag) then
			return nil;
		end
		return tag;
	end);
end

local function add_text(vcard, name, text)
	if text and text ~= "" then
		vcard:text_tag(name, text);
	end
end

-- Adds ENTRY's fields to VCARD (a vcard-temp element without them).
local function add_directory_fields(vcard, entry)
	add_text(vcard, "FN", entry.name_en);
	add_text(vcard, "NICKNAME", entry.name_ur);
	add_text(vcard, "TITLE", entry.designation);
	if entry.org_en ~= "" or entry.unit_en ~= "" then
		vcard:tag("ORG");
		add_text(vcard, "ORGNAME", entry.org_en);
		add_text(vcard, "ORGUNIT", entry.unit_en);
		vcard:up();
	end
	if entry.office_phone ~= "" then
		vcard:tag("TEL"):tag("WORK"):up():tag("VOICE"):up()
			:text_tag("NUMBER", entry.office_phone):up();
	end
	if entry.email ~= "" then
		vcard:tag("EMAIL"):tag("WORK"):up():tag("INTERNET"):up()
			:text_tag("USERID", entry.email):up();
	end
end

-- Directory fields go to local users only, never over s2s.
local function may_see(origin)
	return origin.type == "c2s" and prosody.hosts[origin.host] ~= nil;
end

local function vcard_module_loaded()
	return modulemanager.is_loaded(host, "vcard_legacy")
		or modulemanager.is_loaded(host, "vcard");
end

-- Rewrites the vcard-temp result REPLY for ENTRY.
local function merge_reply(reply, entry)
	local vcard = reply:get_child("vCard", xmlns_vcard);
	if not vcard then
		reply:reset();
		vcard = reply:tag("vCard", { xmlns = xmlns_vcard });
	end
	strip_owned(vcard);
	add_directory_fields(vcard, entry);
	return reply;
end

module:hook("iq-get/bare/vcard-temp:vCard", function (event)
	local origin, stanza = event.origin, event.stanza;
	if not directory or not may_see(origin) then
		return;
	end
	local target = stanza.attr.to and jid_bare(stanza.attr.to)
		or (origin.username .. "@" .. origin.host);
	local entry = directory:lookup(target);
	if not entry then
		return;
	end
	if not vcard_module_loaded() then
		local vcard = st.stanza("vCard", { xmlns = xmlns_vcard });
		add_directory_fields(vcard, entry);
		origin.send(st.reply(stanza):add_child(vcard));
		return true;
	end
	-- The host's vCard module answers; its result passes through here on
	-- the way out and gets the directory's fields.
	local id = stanza.attr.id;
	event.origin = setmetatable({
		send = function (reply)
			if reply.name == "iq" and reply.attr.type == "result"
				and reply.attr.id == id then
				reply = merge_reply(reply, entry);
			end
			return origin.send(reply);
		end;
	}, { __index = origin });
end, 10);

-- XEP-0054 §3.2: the user's own vCard, stored without the directory's
-- fields (those are served from the directory).
module:hook("iq-set/self/vcard-temp:vCard", function (event)
	local origin, stanza = event.origin, event.stanza;
	local vcard = stanza:get_child("vCard", xmlns_vcard);
	if not directory or not vcard then
		return;
	end
	if directory:lookup(origin.username .. "@" .. origin.host) then
		strip_owned(vcard);
	end
end, 10);

-- Rosters ------------------------------------------------------------------

-- Offices already reported as larger than roster_max.
local reported_large = {};

-- The group name of ENTRY's office.
local function group_of(entry)
	if entry.unit_en ~= "" then
		return entry.unit_en;
	end
	return entry.unit;
end

-- The items the directory puts in the roster of BARE: { [jid] = item }.
local function directory_items(bare)
	local items = {};
	local me = directory and directory:lookup(bare);
	if not me or not shown[me.status] then
		return items;
	end
	local jids, total = directory:office_members(me.unit, roster_max);
	if total > roster_max and not reported_large[me.unit] then
		reported_large[me.unit] = true;
		module:log("info", "office %s has %d members; roster groups hold "
			.. "the first %d by name", me.unit, total, roster_max);
	end
	local group = group_of(me);
	for _, jid in ipairs(jids) do
		if jid ~= bare and jid_host(jid) == host then
			local other = directory:lookup(jid);
			items[jid] = {
				subscription = "both";
				name = other and other.name_en ~= "" and other.name_en or nil;
				groups = { [group] = true };
				persist = false;
				gov_directory = true;
			};
		end
	end
	return items;
end

local function same_item(a, b)
	if a.name ~= b.name or a.subscription ~= b.subscription then
		return false;
	end
	for g in pairs(a.groups) do
		if not b.groups[g] then
			return false;
		end
	end
	for g in pairs(b.groups) do
		if not a.groups[g] then
			return false;
		end
	end
	return true;
end

-- Items the user keeps in storage win over the directory's.
local function inject(roster, items)
	for jid, item in pairs(items) do
		if not roster[jid] or roster[jid].gov_directory then
			roster[jid] = item;
		end
	end
end

module:hook("roster-load", function (event)
	local roster = event.roster;
	-- items of ours a storage kept anyway are dropped
	for jid, item in pairs(roster) do
		if jid and item.gov_directory then
			roster[jid] = nil;
		end
	end
	inject(roster, directory_items(event.username .. "@" .. event.host));
	if roster[false] then
		-- the roster now changes without a save: no versioning (RFC 6121
		-- §2.6), every roster get returns the full roster
		roster[false].version = true;
	end
end, 10);

-- Rosters saved by the internal storage leave the directory's items out.
local function unstored(username, store_host, datastore, data)
	if store_host ~= host or datastore ~= "roster" or type(data) ~= "table" then
		return username, store_host, datastore, data;
	end
	local kept = {};
	for jid, item in pairs(data) do
		if jid == false or type(item) ~= "table" or not item.gov_directory then
			kept[jid] = item;
		end
	end
	if kept[false] and kept[false].version == true then
		kept[false].version = nil;
	end
	return username, store_host, datastore, kept;
end
datamanager.add_callback(unstored);

function module.unload()
	datamanager.remove_callback(unstored);
end

-- Brings the roster of the online user BARE in line with the directory,
-- pushing each changed item (RFC 6121 §2.1.6). Returns the JIDs added.
local function resync(bare)
	local username = jid_split(bare);
	local session = prosody.bare_sessions[bare];
	local roster = session and session.roster;
	if not roster then
		return {};
	end
	local items, added = directory_items(bare), {};
	for jid, item in pairs(roster) do
		if jid and item.gov_directory and not items[jid] then
			roster[jid] = nil;
			rostermanager.roster_push(username, host, jid);
		end
	end
	for jid, item in pairs(items) do
		local have = roster[jid];
		if not have or (have.gov_directory and not same_item(have, item)) then
			if not have then
				added[#added + 1] = jid;
			end
			roster[jid] = item;
			rostermanager.roster_push(username, host, jid);
		end
	end
	return added;
end

-- Asks for the presence of each contact in ADDED for BARE (a probe, RFC
-- 6121 §4.3), so that a new colleague shows online without a relogin.
local function probe(bare, added)
	for _, jid in ipairs(added) do
		module:send(st.presence({ type = "probe"; from = bare; to = jid }));
	end
end

-- Forgets the cached roster of BARE when no session holds it.
local function evict(bare)
	local cache = prosody.hosts[host] and prosody.hosts[host].roster_cache;
	if cache and not prosody.bare_sessions[bare] then
		cache:set(bare, nil);
	end
end

local function resync_all()
	local added = {};
	local sessions = prosody.hosts[host] and prosody.hosts[host].sessions;
	for username in pairs(sessions or {}) do
		local bare = username .. "@" .. host;
		added[bare] = resync(bare);
	end
	for bare, jids in pairs(added) do
		probe(bare, jids);
	end
	local cache = prosody.hosts[host] and prosody.hosts[host].roster_cache;
	if cache then
		cache:clear();
	end
end

local function on_directory_changed(event)
	local units, people, whole = {}, {}, false;
	for _, change in ipairs(event.changes) do
		if change.kind == "reset" or change.kind == "org" then
			whole = true;
		elseif change.kind == "added" or change.kind == "updated"
			or change.kind == "removed" then
			if change.old_unit ~= "" then
				units[change.old_unit] = true;
			end
			if change.new_unit ~= "" then
				units[change.new_unit] = true;
			end
			if jid_host(change.jid) == host then
				people[change.jid] = true;
			end
		end
	end
	if whole then
		module:log("debug", "directory reloaded: every roster online is "
			.. "checked again");
		resync_all();
		return;
	end
	for unit in pairs(units) do
		local jids = directory:office_members(unit, 10000);
		for _, jid in ipairs(jids) do
			if jid_host(jid) == host then
				people[jid] = true;
			end
		end
	end
	local added = {};
	for bare in pairs(people) do
		evict(bare);
		added[bare] = resync(bare);
	end
	for bare, jids in pairs(added) do
		probe(bare, jids);
	end
end

if directory then
	module:hook_global("smartoffice-directory-changed", on_directory_changed);
end
