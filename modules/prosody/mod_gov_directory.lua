-- mod_gov_directory: the government directory inside the user's client.
--
-- vCards (XEP-0054, vcard-temp): a local user asking for the vCard of an
-- employee (a colleague's, or their own) gets the stored vCard with the
-- directory's fields in place of the stored ones: FN (English name),
-- NICKNAME (Urdu name), TITLE (designation), ORG (ORGNAME: the ministry
-- or division at the top of the office's path; ORGUNIT: the office), TEL
-- WORK VOICE (office phone), EMAIL WORK INTERNET. The directory owns N,
-- ROLE, JABBERID, every TEL and EMAIL but a HOME one, and a WORK ADR as
-- well: they are dropped. A vCard the employee sets loses all of these
-- before it is stored; the rest (photo, home phone, ...) is kept.
--
-- vCard4 (XEP-0292, PEP node urn:xmpp:vcard4): an item an employee
-- publishes there, themselves or through mod_vcard_legacy's mirror of
-- vcard-temp, is stored with the same properties taken from the
-- directory.
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

-- Elements of a vcard-temp or vCard4 vCard named NAME (no namespace check:
-- children of a stanza built in Lua carry none).
local function child_named(tag, name)
	for _, child in ipairs(tag.tags) do
		if child.name == name then
			return child;
		end
	end
	return nil;
end

-- vcard-temp fields the directory owns whatever their type.
local owned_temp = {
	FN = true; N = true; NICKNAME = true; TITLE = true; ROLE = true;
	ORG = true; JABBERID = true;
};

-- True when the vcard-temp field TAG is the directory's: the fields above,
-- every TEL and EMAIL but a HOME one, and a WORK ADR.
local function owned(tag)
	local name = tag.name:upper();
	if owned_temp[name] then
		return true;
	end
	if name == "TEL" or name == "EMAIL" then
		return child_named(tag, "WORK") ~= nil
			or child_named(tag, "HOME") == nil;
	end
	if name == "ADR" then
		return child_named(tag, "WORK") ~= nil;
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

-- vCard4 over PEP (XEP-0292) ---------------------------------------------

local node_vcard4 = "urn:xmpp:vcard4";
local xmlns_vcard4 = "urn:ietf:params:xml:ns:vcard-4.0";

-- vCard4 properties the directory owns whatever their type.
local owned_v4 = {
	fn = true; n = true; nickname = true; title = true; role = true;
	org = true;
};

-- The TYPE parameter values of the vCard4 property TAG, lower case.
local function v4_types(tag)
	local types = {};
	local params = child_named(tag, "parameters");
	local type_param = params and child_named(params, "type");
	for _, value in ipairs(type_param and type_param.tags or {}) do
		if value.name == "text" then
			types[value:get_text():lower()] = true;
		end
	end
	return types;
end

-- True when the vCard4 property TAG is the directory's: the properties
-- above, an xmpp: IMPP (vcard-temp's JABBERID), every tel and email but
-- a home one, and a work adr.
local function owned_vcard4(tag)
	local name = tag.name:lower();
	if owned_v4[name] then
		return true;
	end
	if name == "impp" then
		local uri = tag:get_child_text("uri") or "";
		return uri:sub(1, 5):lower() == "xmpp:";
	end
	if name == "tel" or name == "email" then
		local types = v4_types(tag);
		return types.work or not types.home;
	end
	if name == "adr" then
		return v4_types(tag).work == true;
	end
	return false;
end

-- Adds ENTRY's fields to VCARD (a vCard4 element without them), RFC 6351.
local function add_vcard4_fields(vcard, entry)
	vcard:reset();
	if entry.name_en ~= "" then
		vcard:tag("fn"):text_tag("text", entry.name_en):up();
	end
	if entry.name_ur ~= "" then
		vcard:tag("nickname"):tag("parameters"):tag("language")
			:text_tag("language-tag", "ur"):up():up()
			:text_tag("text", entry.name_ur):up();
	end
	if entry.designation ~= "" then
		vcard:tag("title"):text_tag("text", entry.designation):up();
	end
	if entry.org_en ~= "" or entry.unit_en ~= "" then
		vcard:tag("org"):text_tag("text", entry.org_en)
			:text_tag("text", entry.unit_en):up();
	end
	if entry.office_phone ~= "" then
		vcard:tag("tel"):tag("parameters"):tag("type")
			:text_tag("text", "work"):text_tag("text", "voice"):up():up()
			:text_tag("uri", "tel:" .. entry.office_phone):up();
	end
	if entry.email ~= "" then
		vcard:tag("email"):tag("parameters"):tag("type")
			:text_tag("text", "work"):up():up()
			:text_tag("text", entry.email):up();
	end
end

-- Puts the directory's fields into ITEM (a pubsub <item/>) published to
-- the vCard4 node of BARE, when BARE is in the directory.
local function rewrite_vcard4_item(bare, item)
	local vcard = item.tags[1];
	local entry = directory and directory:lookup(bare);
	if not entry or not vcard or vcard.name ~= "vcard"
		or vcard.attr.xmlns ~= xmlns_vcard4 then
		return;
	end
	vcard:maptags(function (tag)
		if owned_vcard4(tag) then
			return nil;
		end
		return tag;
	end);
	add_vcard4_fields(vcard, entry);
end

-- Every publish to a user's PEP service passes here: a client's XEP-0060
-- publish, mod_vcard4's and mod_vcard_legacy's mirror of vcard-temp.
-- Prosody 0.12 fires its events only after the item is stored, so the
-- service's own publish method is wrapped.
local wrapped_services = setmetatable({}, { __mode = "k" });

local function wrap_pep_service(event)
	local service = event.item.service;
	if not service or wrapped_services[service] then
		return;
	end
	local bare = event.item.jid;
	local publish = service.publish;
	wrapped_services[service] = publish;
	function service:publish(node, actor, id, item, ...) -- luacheck: ignore 212
		if node == node_vcard4 and type(item) == "table" then
			rewrite_vcard4_item(bare, item);
		end
		return publish(self, node, actor, id, item, ...);
	end
end

local function unwrap_pep_service(event)
	local service = event.item.service;
	if service and wrapped_services[service] then
		service.publish = nil; -- the class's method again
		wrapped_services[service] = nil;
	end
end

module:handle_items("pep-service", wrap_pep_service, unwrap_pep_service,
	true);

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
	for service in pairs(wrapped_services) do
		service.publish = nil;
	end
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
