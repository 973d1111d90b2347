-- mod_rollout: the phased rollout on one VirtualHost.
--
--  * Login gate: a user authenticates only when the core's gate
--    (so_gate.c, through smartoffice.gate) admits them, judged from the
--    directory snapshot in memory; otherwise SASL fails with
--    account-disabled (RFC 6120 §6.5.1) and the reason in English and
--    Urdu. Resource binding asks again.
--  * Live sessions: on every directory change each session of the host
--    is judged again and a refused one is closed with a stream error.
--  * Accounts: each provisioned rollout account on this host gets a host
--    account without a password; a client activates it with the
--    invitation's token (XEP-0401 preauth, then XEP-0077 registration).
--  * Counters: messages sent and refused per city, users online per city,
--    written by the store thread.
--
-- The directory comes from mod_smartoffice_store (smartoffice_db must be
-- set); writes go through its store thread. No database round trip
-- happens on the login or stanza path. See docs/modules/rollout.md.

local st = require "util.stanza";
local jid_util = require "util.jid";
local usermanager = require "core.usermanager";
local hex = require "util.hex";
local random = require "util.random";

local jid_bare, jid_split = jid_util.bare, jid_util.split;

local so = module:require("smartoffice_loader");
-- A misspelled option would leave its default in force unseen.
module:require("smartoffice_options").check(so, "rollout");

local host = module.host;
local xmlns_pars = "urn:xmpp:pars:0";

local store_mod = module:depends("smartoffice_store");

-- Options ---------------------------------------------------------------

-- Names, types and defaults come from the core's table (so_options.c;
-- `smartoffice options --module rollout`); the core checks each value.
local options = {};
for _, opt in ipairs(so.options("rollout")) do
	local value = module:get_option(opt.prosody);
	if value == nil then
		value = opt.default;
	end
	local checked, why = so.option_value("rollout", opt.name, value);
	if checked == nil then
		error(why, 0);
	end
	options[opt.name] = checked;
end
-- a timer of 0 s would spin
for _, name in ipairs({ "counters_interval", "online_interval",
	"sweep_interval" }) do
	options[name] = math.max(1, options[name]);
end

-- The directory and the store -------------------------------------------

local function directory()
	return store_mod.get_directory and store_mod.get_directory() or nil;
end

local function store()
	return store_mod.get_store();
end

local function loaded(dir)
	return dir ~= nil and dir:stats().loaded;
end

if not directory() then
	module:log_status("error", "no employee directory (smartoffice_db not "
		.. "set, or mod_smartoffice_store lacks it): every login is refused");
end

-- The gate --------------------------------------------------------------

-- The verdict for the bare JID BARE and the facts it rests on.
-- "unloaded" while there is no directory snapshot: nobody is judged from
-- half-loaded data.
local function judge(bare)
	local dir = directory();
	if not loaded(dir) then
		return "unloaded", {};
	end
	local facts = dir:lookup(bare);
	if facts then
		facts.in_directory = true;
	else
		facts = dir:account(bare) or {};
		facts.in_directory = false;
		facts.person_exception = dir:person_exception(bare);
	end
	return so.gate(facts), facts;
end

local function is_urdu(lang)
	return type(lang) == "string" and lang:lower():match("^ur") ~= nil;
end

-- The reason for VERDICT as one text: the language LANG asked for first,
-- then the other (clients show one <text/>; both must be there).
local function reason_text(verdict, facts, lang)
	local en, ur;
	if verdict == "unloaded" then
		en, ur = so.rollout_text("unloaded");
	else
		en = so.gate_text(verdict, "en", facts.city_en, facts.city_phase)
			or "";
		ur = so.gate_text(verdict, "ur", facts.city_ur, facts.city_phase)
			or "";
	end
	if is_urdu(lang) then
		return ur .. "\n" .. en;
	end
	return en .. "\n" .. ur;
end

-- Two texts of rollout_text NAME in one, LANG's first.
local function module_text(name, lang)
	local en, ur = so.rollout_text(name);
	if is_urdu(lang) then
		return ur .. "\n" .. en;
	end
	return en .. "\n" .. ur;
end

-- The stream's language, as the SASL <auth/> carried it (each top-level
-- element carries the stream's xml:lang).
module:hook("stanza/urn:ietf:params:xml:ns:xmpp-sasl:auth", function (event)
	local lang = event.stanza.attr["xml:lang"];
	if type(lang) == "string" then
		event.origin.rollout_lang = lang;
	end
end, 10);

-- SASL: a mechanism's success becomes a failure when the gate refuses.
-- Prosody 0.12 has no event between a mechanism's success and the
-- session becoming authenticated, so every handler the auth provider
-- makes is wrapped: process() and the handler clean_clone() returns.

local function wrap_handler(handler, session)
	local process, clean_clone = handler.process, handler.clean_clone;
	function handler:process(message) -- luacheck: ignore 212
		local status, ret, err = process(self, message);
		if status ~= "success" or not self.username then
			return status, ret, err;
		end
		local bare = self.username .. "@" .. host;
		local verdict, facts = judge(bare);
		if verdict == "allow" then
			return status, ret, err;
		end
		module:log("info", "refused login of %s: %s, failing "
			.. "authentication", bare, verdict);
		local condition = verdict == "unloaded" and "temporary-auth-failure"
			or "account-disabled"; -- RFC 6120 §6.5.1
		return "failure", condition,
			reason_text(verdict, facts, session and session.rollout_lang);
	end
	function handler:clean_clone() -- luacheck: ignore 212
		return wrap_handler(clean_clone(self), session);
	end
	return handler;
end

local wrapped = setmetatable({}, { __mode = "k" }); -- provider -> original

local function wrap_provider()
	local provider = prosody.hosts[host].users;
	if not provider or wrapped[provider] then
		return;
	end
	local original = provider.get_sasl_handler;
	wrapped[provider] = original;
	provider.get_sasl_handler = function (session)
		return wrap_handler(original(session), session);
	end
	module:log("debug", "login gate installed on auth provider %s",
		provider.name or "?");
end

local function unwrap_provider()
	for provider, original in pairs(wrapped) do
		provider.get_sasl_handler = original;
		wrapped[provider] = nil;
	end
end

wrap_provider();
-- A reloaded auth module is a new provider: wrap it too.
module:hook("item-added/auth-provider", function ()
	module:add_timer(0, wrap_provider);
end, -10);

-- The second line: resource binding.
module:hook("pre-resource-bind", function (event)
	local session = event.session;
	local bare = session.username .. "@" .. host;
	local verdict, facts = judge(bare);
	if verdict == "allow" then
		session.rollout_city = facts.city;
		return nil;
	end
	module:log("info", "refused resource binding of %s: %s", bare, verdict);
	event.error = { type = "auth", condition = "not-authorized",
		text = reason_text(verdict, facts, session.rollout_lang) };
	return false;
end, 100);

-- Live sessions ---------------------------------------------------------

-- Judges every bound session of the host again and closes the refused
-- ones. A few table lookups per user: cheap enough to run on any change.
local function recheck_sessions(why)
	local dir = directory();
	if not loaded(dir) then
		return; -- the last decisions stand until a snapshot is there
	end
	local closed = 0;
	for username, user in pairs(prosody.hosts[host].sessions or {}) do
		local bare = username .. "@" .. host;
		local verdict, facts = judge(bare);
		for _, session in pairs(user.sessions or {}) do
			if verdict == "allow" then
				session.rollout_city = facts.city;
			else
				closed = closed + 1;
				session:close({ condition = options.close_condition,
					text = reason_text(verdict, facts, session.rollout_lang) });
			end
		end
		if verdict ~= "allow" then
			module:log("info", "closed the sessions of %s: %s (%s)", bare,
				verdict, why);
		end
	end
	return closed;
end

-- Accounts --------------------------------------------------------------

-- Creates the host account of the provisioned rollout account BARE when
-- it is on this host and missing: no password, so nobody can log in to
-- it until it is activated.
local function create_account(bare)
	local username, domain = jid_split(bare);
	if domain ~= host or not username then
		return;
	end
	if usermanager.user_exists(username, host) then
		return;
	end
	-- A password nobody knows: an account without one is no account to
	-- Prosody's internal storage (an empty record is removed). The
	-- activation replaces it.
	local ok, err = usermanager.create_user(username,
		hex.encode(random.bytes(32)), host);
	if ok then
		module:log("info", "created account %s for its invitation", bare);
	else
		module:log("error", "could not create account %s: %s", bare,
			tostring(err));
	end
end

local function create_accounts()
	local dir = directory();
	if not options.create_accounts or not loaded(dir) then
		return;
	end
	local jids, total = dir:accounts("provisioned");
	for _, bare in ipairs(jids) do
		create_account(bare);
	end
	if total > #jids then
		module:log("warn", "%d provisioned accounts, %d looked at; the rest "
			.. "are created as they change", total, #jids);
	end
end

-- Directory changes -----------------------------------------------------

local was_loaded = false;

local function on_changes(changes)
	local reset = false;
	for _, change in ipairs(changes) do
		if change.kind == "reset" then
			reset = true;
		elseif change.kind == "account" and options.create_accounts then
			local dir = directory();
			local acct = dir and dir:account(change.jid);
			if acct and acct.account == "provisioned" then
				create_account(change.jid);
			end
		end
	end
	if reset then
		create_accounts();
	end
	recheck_sessions("directory changed");
end

module:hook_global("smartoffice-directory-changed", function (event)
	on_changes(event.changes or {});
end);

-- Activation ------------------------------------------------------------

-- Tokens used in this process, by hash, so that one cannot be used again
-- before the snapshot shows the account active.
local used = {};

-- The provisioned account on this host whose secret is TOKEN and still
-- valid: its bare JID and the token's hash, or nil.
local function find_invite(token)
	local dir = directory();
	if not loaded(dir) or type(token) ~= "string" or token == ""
		or #token > 1024 then
		return nil;
	end
	local hash = so.token_hash(token);
	if used[hash] then
		return nil;
	end
	local now, found = os.time(), nil;
	local jids = dir:accounts("provisioned");
	for _, bare in ipairs(jids) do
		local acct = dir:account(bare);
		-- every candidate is compared, in constant time each
		if acct and acct.secret_hash and so.hash_equal(hash, acct.secret_hash)
			and (acct.secret_expires or 0) > now
			and select(2, jid_split(bare)) == host then
			found = bare;
		end
	end
	return found, hash;
end

-- True when the invitation INVITE ({ jid=, hash= }) still opens USERNAME.
local function invite_valid(invite, username)
	if not invite or used[invite.hash] or invite.jid ~= username .. "@" .. host
	then
		return false;
	end
	local dir = directory();
	local acct = dir and dir:account(invite.jid);
	return acct ~= nil and acct.account == "provisioned"
		and acct.secret_hash ~= nil
		and so.hash_equal(invite.hash, acct.secret_hash)
		and (acct.secret_expires or 0) > os.time();
end

-- XEP-0401: the client presents the token before registering.
module:hook("stanza/iq/" .. xmlns_pars .. ":preauth", function (event)
	local origin, stanza = event.origin, event.stanza;
	if origin.type ~= "c2s_unauthed" or stanza.attr.type ~= "set" then
		return;
	end
	local lang = stanza.attr["xml:lang"];
	if type(lang) == "string" then
		origin.rollout_lang = lang;
	end
	origin.rollout_preauths = (origin.rollout_preauths or 0) + 1;
	if origin.rollout_preauths > options.preauth_attempts then
		module:log("warn", "closed a connection from %s after %d "
			.. "invitation tokens", origin.ip or "?", options.preauth_attempts);
		origin:close({ condition = "policy-violation",
			text = module_text("invite-invalid", lang) });
		return true;
	end
	local bare, hash = find_invite(stanza.tags[1].attr.token);
	if not bare then
		module:log("info", "refused an invitation token from %s",
			origin.ip or "?");
		origin.send(st.error_reply(stanza, "cancel", "item-not-found",
			module_text("invite-invalid", lang)));
		return true;
	end
	origin.rollout_invite = { jid = bare, hash = hash };
	module:log("info", "invitation token for %s accepted, registration "
		.. "may follow", bare);
	origin.send(st.reply(stanza));
	return true;
end);

-- XEP-0077 through mod_register_ibr: only an invitation opens an account,
-- and only the account it was made for.
module:hook("user-registering", function (event)
	local session = event.session;
	local invite = session and session.rollout_invite;
	local lang = session and session.rollout_lang;
	if invite_valid(invite, event.username) then
		event.allow_reset = event.username;
		return;
	end
	event.allowed = false;
	event.error = { type = "auth", condition = "forbidden",
		text = module_text(invite and "invite-invalid" or "invite-only",
			lang) };
	module:log("info", "refused registration of %s@%s: %s",
		tostring(event.username), host,
		invite and "invitation not valid for it" or "no invitation");
end, 100);

local function on_activated(event)
	local session = event.session;
	local invite = session and session.rollout_invite;
	if not invite or invite.jid ~= event.username .. "@" .. host then
		return;
	end
	used[invite.hash] = true;
	session.rollout_invite = nil;
	local s = store();
	local ok, err = false, "no store";
	if s then
		ok, err = s:activated(invite.jid);
	end
	if ok then
		module:log("info", "activated account %s", invite.jid);
	else
		module:log("error", "activated account %s but could not queue the "
			.. "record of it: %s", invite.jid, err);
	end
end

module:hook("user-password-reset", on_activated);
module:hook("user-registered", on_activated);

-- Counters --------------------------------------------------------------

local sent, refused = {}, {};

local function city_of_origin(origin)
	if origin and origin.type == "c2s" and origin.host == host then
		return origin.rollout_city;
	end
	return nil;
end

local function has_content(stanza)
	return stanza:get_child("body") ~= nil
		or stanza:get_child("encrypted", "eu.siacs.conversations.axolotl")
		or stanza:get_child("encrypted", "urn:xmpp:omemo:2");
end

-- False when TO is a service of this server: a host or component JID
-- without a node (the directory's search, the server itself, the MUC
-- service). mod_omemo_policy exempts exactly those (exempt_services, so
-- is_service in so_omemo.c) and plaintext to them is no figure of the
-- rollout. A JID with a node, even on a component (a room, an occupant),
-- is judged by the policy and counted. No "to": the sender's own
-- account (RFC 6120 §10.3).
local function counted_recipient(to)
	if to == nil then
		return true;
	end
	local node, domain = jid_split(to);
	return node ~= nil or domain == nil or prosody.hosts[domain] == nil;
end

-- Above mod_omemo_policy's priority (1000): a message it refuses is
-- counted as sent, and as refused.
local function count_sent(event)
	local city = city_of_origin(event.origin);
	local stanza = event.stanza;
	if city and city ~= "" and stanza.attr.type ~= "error"
		and has_content(stanza) and counted_recipient(stanza.attr.to) then
		sent[city] = (sent[city] or 0) + 1;
	end
end

module:hook("pre-message/bare", count_sent, 1100);
module:hook("pre-message/full", count_sent, 1100);
module:hook("pre-message/host", count_sent, 1100);

module:hook("smartoffice/omemo-refused", function (event)
	local city = city_of_origin(event.origin);
	if not city then
		local dir = directory();
		local facts = event.sender and dir and dir:lookup(event.sender);
		city = facts and facts.city;
	end
	if city and city ~= "" then
		refused[city] = (refused[city] or 0) + 1;
	end
end);

local function flush_counters()
	local s = store();
	local day = os.date("!%Y-%m-%d");
	local cities = {};
	for city in pairs(sent) do cities[city] = true; end
	for city in pairs(refused) do cities[city] = true; end
	for city in pairs(cities) do
		local ok, err = true, nil;
		if s then
			ok, err = s:add_counts(day, city, sent[city] or 0,
				refused[city] or 0);
		end
		if not ok then
			module:log("warn", "message counters of %s not queued: %s", city,
				tostring(err or "no store"));
		end
	end
	sent, refused = {}, {};
	return options.counters_interval;
end

local online_cities = {}; -- cities reported last time

local function report_online()
	local s = store();
	local counts = {};
	for _, user in pairs(prosody.hosts[host].sessions or {}) do
		local city;
		for _, session in pairs(user.sessions or {}) do
			city = city or session.rollout_city;
		end
		if city and city ~= "" then
			counts[city] = (counts[city] or 0) + 1;
		end
	end
	for city in pairs(online_cities) do
		counts[city] = counts[city] or 0;
	end
	online_cities = {};
	for city, n in pairs(counts) do
		if n > 0 then
			online_cities[city] = true;
		end
		if s then
			s:set_online(host, city, n);
		end
	end
	return options.online_interval;
end

-- Timers ----------------------------------------------------------------

-- The first snapshot arrives without a change record: watch for it.
local function watch_load()
	if not was_loaded and loaded(directory()) then
		was_loaded = true;
		module:log("info", "directory loaded: judging sessions and creating "
			.. "provisioned accounts");
		create_accounts();
		recheck_sessions("directory loaded");
	end
	return 1;
end

module:add_timer(0, watch_load);
module:add_timer(options.sweep_interval, function ()
	recheck_sessions("periodic check");
	return options.sweep_interval;
end);
module:add_timer(options.counters_interval, flush_counters);
module:add_timer(options.online_interval, report_online);

function module.unload()
	unwrap_provider();
	flush_counters();
end
