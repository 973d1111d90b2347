-- mod_omemo_policy: refuse messages that are not end-to-end encrypted.
--
-- The decision is made by the Smart Office core (smartoffice.so, next to
-- this file); this module only hooks Prosody's events and applies the
-- verdict. See docs/modules/omemo_policy.md.
--
-- Load it on each VirtualHost and on each MUC Component.

local st = require "util.stanza";
local jid = require "util.jid";
local usermanager = require "core.usermanager";

local jid_bare, jid_host = jid.bare, jid.host;

local so = module:require("smartoffice_loader");

local xmlns_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
local xmlns_fallback = "urn:xmpp:fallback:0";
local xmlns_hints = "urn:xmpp:hints";
local xmlns_muc_owner = "http://jabber.org/protocol/muc#owner";
local xmlns_data = "jabber:x:data";

-- Higher than every module that delivers, copies or stores a message:
-- mod_carbons (-0.5), mod_mam (0 and -1), mod_message (default 0),
-- mod_offline (runs from mod_message) and mod_muc (0).
local priority = 1000;

local is_component = module:get_host_type() == "component";

-- First contact needs the OMEMO keys of every account readable without a
-- presence subscription: mod_omemo_pep (docs/omemo-first-contact.md).
local mod_pep;
if not is_component then
	module:depends("omemo_pep");
	mod_pep = module:depends("pep");
end

-- Log lines -------------------------------------------------------------

-- A message type as a log line may show it: a known word or "other", so
-- that a type holding a newline cannot forge a line.
local type_words = {
	chat = "chat", normal = "normal", groupchat = "groupchat",
	headline = "headline", error = "error",
};

local function type_word(t)
	return t == nil and "normal" or type_words[t] or "other";
end

-- TEXT with every control character replaced by '?'. Prosody preps the
-- JIDs it routes, but a log line must not depend on that.
local function loggable(text)
	return (tostring(text):gsub("%c", "?"));
end

-- Configuration -------------------------------------------------------

-- The textual form of a config value for the core, or nil, message.
local function option_text(opt, value)
	local t = type(value);
	if t == "string" then
		return value;
	elseif t == "boolean" then
		return value and "true" or "false";
	elseif t == "number" then
		if value < 0 or value % 1 ~= 0 then
			return nil, "expected a non-negative integer";
		end
		return string.format("%d", value);
	elseif t == "table" and opt.type == "list" then
		local words = {};
		for i, item in ipairs(value) do
			if type(item) ~= "string" then
				return nil, "item " .. i .. " is not a string";
			end
			words[i] = item;
		end
		return table.concat(words, ",");
	end
	return nil, "expected a " .. opt.type .. ", got a " .. t;
end

local function parent_domain(host)
	return host:match("^[^.]+%.(.+)$");
end

-- A policy from the config (or, when DEFAULTS_ONLY, with every option at
-- its default), or nil, message naming the option.
local function load_policy(defaults_only)
	local policy, err = so.policy();
	if not policy then
		return nil, err;
	end
	for _, opt in ipairs(defaults_only and {} or so.options()) do
		local key = opt.prosody;
		local value = module:get_option(key);
		if value ~= nil then
			local text, why = option_text(opt, value);
			local ok = text ~= nil;
			if ok then
				ok, why = policy:set(opt.name, text);
			end
			if not ok then
				-- the core's message may start with the bare name
				why = why:gsub("^" .. opt.name .. ": ", "");
				return nil, key .. ": " .. why;
			end
		end
	end
	local served = { module.host };
	if is_component then
		served[#served + 1] = parent_domain(module.host);
	end
	for host in pairs(prosody.hosts) do
		served[#served + 1] = host;
	end
	for _, host in ipairs(served) do
		local ok, why = policy:add_host(host);
		if not ok then
			return nil, why;
		end
	end
	return policy;
end

-- Prosody ignores an option nobody reads: a misspelled "omemo_policy_*"
-- in this host's section or the global one is logged as an error.
local function check_option_names()
	module:require("smartoffice_options").check(so, "omemo_policy");
end

check_option_names();

-- Fail closed: a mistake in the config must not leave the host without
-- enforcement. Every option's default is the strict choice (both modes
-- required, no exemption beyond the host's own services), so the host
-- enforces the defaults until the config is fixed and reloaded.
local policy, load_err = load_policy(false);
if not policy then
	module:log_status("error",
		"%s; enforcing the default policy until the config is fixed",
		loggable(load_err));
	policy = assert(load_policy(true));
end

local warned = assert(so.warn_table(4096));

module:hook_global("config-reloaded", function ()
	check_option_names();
	local fresh, err = load_policy();
	if not fresh then
		module:log_status("error",
			"config reload: %s; the previous policy stays in force",
			loggable(err));
		return;
	end
	policy = fresh;
	module:set_status("info", "policy reloaded", true);
	module:log("info", "policy reloaded from the config");
end);

module:hook_global("host-activated", function (host)
	policy:add_host(host);
end);

-- Statistics ------------------------------------------------------------

local decisions = module:metric("counter", "decisions", "",
	"OMEMO policy decisions", { "action", "class" });

-- The counter of each action and class, found once: with_labels walks the
-- family's label table on every call.
local decision_counters = {};

local function count_decision(action, class)
	local by_class = decision_counters[action];
	if not by_class then
		by_class = {};
		decision_counters[action] = by_class;
	end
	local counter = by_class[class];
	if not counter then
		counter = decisions:with_labels(action, class);
		by_class[class] = counter;
	end
	counter:add(1);
end

-- Audit -------------------------------------------------------------------

-- Each refusal, and each notice sent in warn mode, is one record of the
-- audit trail (issue 4, docs/modules/audit.md) when smartoffice_db is set:
-- this module then loads mod_smartoffice_store, as mod_residency does.
-- Without it, or when the store cannot start, the policy is enforced all
-- the same and nothing is audited. A record names the decision, the
-- reason and bare JIDs (a room's for a room), never any content. Allowed
-- messages are only counted (decision counters), so the audit costs the
-- hot path nothing.
local store_mod;
do
	local db_option = so.option("smartoffice_store", "db").prosody;
	local conninfo = module:get_option(db_option);
	if type(conninfo) == "string" and conninfo ~= "" then
		local ok, mod = pcall(module.depends, module, "smartoffice_store");
		if ok then
			store_mod = mod;
		else
			module:log("error", "mod_smartoffice_store did not load, so "
				.. "decisions are not audited: %s", loggable(mod));
		end
	end
end

local audit_failures = module:metric("counter", "audit_failures", "",
	"OMEMO policy audit records the store did not take", {});

-- Queues one record; the store is asked for at each call, so a store that
-- a reload of mod_smartoffice_store replaced is never used.
local function audit(decision, rule, subject, object)
	local store = store_mod and store_mod.get_store();
	if not store then
		return;
	end
	local ok, why = store:audit(module.host, "omemo_policy", decision, rule,
		subject or "", jid_bare(object) or object or "");
	if not ok then
		audit_failures:with_labels():add(1);
		module:log("warn", "audit record of the %s from %s not queued: %s",
			decision, loggable(subject), why or "unknown reason");
	end
end

-- Applying a verdict ------------------------------------------------------

-- A fresh error for a refused message: never a copy of the original, so
-- the content that was refused never travels back (st.error_reply in
-- 0.12 copies no children either, but we do not rely on it).
-- NO_DEVICE adds the core's sentence saying the recipient has not set up
-- encryption yet.
local function refusal(stanza, from, reason_code, condition, no_device)
	local en, ur = so.refusal_text(reason_code);
	if no_device then
		local dev_en, dev_ur = so.no_device_text();
		en, ur = en .. " " .. dev_en, ur .. " " .. dev_ur;
	end
	local texts = {
		{ "en", en };
		{ "ur", ur };
	};
	-- Many clients show only the first <text>: put the sender's own
	-- language first (each stanza carries the stream's xml:lang).
	local lang = stanza.attr["xml:lang"];
	if type(lang) == "string" and lang:lower():match("^ur") then
		texts[1], texts[2] = texts[2], texts[1];
	end
	local reply = st.message({
		type = "error";
		id = stanza.attr.id;
		from = from;
		to = stanza.attr.from;
	}):tag("error", { type = "modify" })
		:tag(condition or "policy-violation",
			{ xmlns = xmlns_stanzas }):up();
	for _, text in ipairs(texts) do
		reply:text_tag("text", text[2],
			{ xmlns = xmlns_stanzas; ["xml:lang"] = text[1] });
	end
	return reply:up();
end

local function send_to_sender(origin, stanza)
	if origin and origin.type == "c2s" and origin.send then
		origin.send(stanza);
	else
		module:send(stanza);
	end
end

-- The fallback text of the policy in force, built once per policy (a
-- config reload makes a new policy). FALLBACK_VALID says whether it passed
-- util.stanza's text check, which then need not run for every message.
local fallback_policy, fallback_text, fallback_valid;

-- True when CHILD is a <body> of the stanza namespace.
local function is_body(child)
	if child.name ~= "body" then
		return false;
	end
	local xmlns = child.attr.xmlns;
	return xmlns == nil or xmlns == "jabber:client" or xmlns == "jabber:server";
end

local function fallback_child(child)
	if is_body(child) then
		return st.stanza("body", child.attr):text(fallback_text);
	elseif child.name == "fallback"
	and child.attr.xmlns == xmlns_fallback then
		return nil;
	end
	return child;
end

-- True when every <body> of TAGS (a message's child elements) holds
-- exactly one text node and there is no XEP-0428 fallback marker: then the
-- texts can be replaced in place. Numeric loops: this runs for every
-- encrypted message, and an ipairs step costs several times as much.
local function bodies_replaceable(tags)
	for i = 1, #tags do
		local child = tags[i];
		local name = child.name;
		if name == "body" then
			if #child ~= 1 or type(child[1]) ~= "string" then
				return false;
			end
		elseif name == "fallback" and child.attr.xmlns == xmlns_fallback then
			return false;
		end
	end
	return true;
end

-- Replaces the text of each <body> with the fallback text and drops the
-- XEP-0428 fallback markers, whose ranges pointed into the old body. The
-- usual message (one body, one text node, no marker) has its text set in
-- place; the others get new <body> elements.
local function rewrite_fallback(msg)
	if fallback_policy ~= policy then
		fallback_policy = policy;
		fallback_text = policy:get("fallback_text_en") .. "\n"
			.. policy:get("fallback_text_ur");
		fallback_valid = pcall(function ()
			st.stanza("body"):text(fallback_text);
		end);
	end
	local tags = msg.tags;
	if not fallback_valid or not bodies_replaceable(tags) then
		msg:maptags(fallback_child);
		return;
	end
	for i = 1, #tags do
		local child = tags[i];
		if is_body(child) then
			child[1] = fallback_text;
		end
	end
end

-- Strips an error message down to its first <error>: the payload it
-- echoed (RFC 6120 §8.3.1 allows that) would carry plaintext past the
-- policy.
local stanza_namespaces = {
	["jabber:client"] = true;
	["jabber:server"] = true;
	["jabber:component:accept"] = true;
};

local function strip_to_error(msg)
	local kept;
	for _, child in ipairs(msg.tags) do
		local xmlns = child.attr.xmlns;
		if child.name == "error"
		and (xmlns == nil or stanza_namespaces[xmlns]) then
			kept = child;
			break;
		end
	end
	for i = #msg, 1, -1 do
		msg[i] = nil;
	end
	msg.tags = {};
	if kept then
		msg:add_direct_child(kept);
	end
end

-- A notice to the sender of a message that warn mode let through. It
-- comes from the server itself (or the MUC service), which the core
-- classifies as server traffic, so it is never policed in turn; it is
-- not sent through any pre-message event either.
local function send_notice(origin, stanza)
	local en, ur = so.warn_text();
	local notice = st.message({
		type = "chat";
		from = module.host;
		to = stanza.attr.from;
		id = "omemo-policy-" .. os.time();
	}):text_tag("body", en .. "\n" .. ur)
		:tag("no-store", { xmlns = xmlns_hints }):up()
		:tag("no-copy", { xmlns = xmlns_hints }):up();
	send_to_sender(origin, notice);
end

-- OMEMO device list nodes of both versions (XEP-0384 §5.3.1).
local device_list_nodes = {
	"eu.siacs.conversations.axolotl.devicelist";
	"urn:xmpp:omemo:2:devices";
};

-- True when RECIPIENT (bare) is an existing account of this host that has
-- no OMEMO device published in either version; an address that is no
-- account has nobody to ask to sign in. Only called on a refusal.
local function has_no_device(recipient)
	local username, host = jid.split(recipient);
	if not mod_pep or not username or host ~= module.host
	or not usermanager.user_exists(username, host) then
		return false;
	end
	local service = mod_pep.get_pep_service(username);
	for _, node in ipairs(device_list_nodes) do
		local ok, items = service:get_items(node, true);
		if ok then
			for _, id in ipairs(items) do
				local item = items[id];
				local list = item and item.tags[1];
				if list and list:get_child("device") then
					return false;
				end
			end
		end
	end
	return true;
end

-- Judges the stanza of EVENT and applies the verdict. PARTIES(event)
-- gives the sender (bare), the recipient (bare) and the address a refusal
-- comes from; it is only called for a refusal or a notice, as most
-- messages are delivered unchanged and need none of them. Returns true
-- when the stanza was refused and must go no further.
local function enforce(event, parties)
	local origin, stanza = event.origin, event.stanza;
	local action, class, reason, code, condition, rewrite, warn,
		groupchat, judged = policy:classify(stanza);
	count_decision(action, class);

	if action == "refuse" then
		local sender, recipient, error_from = parties(event);
		module:log("info", "refused %s message from %s to %s: %s (%s)",
			type_word(stanza.attr.type), loggable(sender),
			loggable(recipient), class, reason);
		audit("refuse", reason, sender, recipient);
		-- counted per city by mod_rollout; no content, only who and why
		module:fire_event("smartoffice/omemo-refused", { origin = origin;
			sender = sender; recipient = recipient; class = class });
		if stanza.attr.type ~= "error" then
			local no_device = false;
			if class == "plaintext" then
				-- never let a storage problem undo the refusal
				local ok, none = pcall(has_no_device, recipient);
				no_device = ok and none;
			end
			send_to_sender(origin, refusal(stanza, error_from, code,
				condition, no_device));
		end
		return true;
	end
	if rewrite == "fallback-body" and judged then
		rewrite_fallback(judged);
	elseif rewrite == "strip-to-error" and judged then
		strip_to_error(judged);
	end
	if warn then
		local interval = policy:get("warn_interval");
		local sender, recipient = parties(event);
		if warned:due(sender, recipient, os.time(), interval) then
			module:log("info",
				"warned %s about a %s %s message to %s, delivering",
				loggable(sender), class, groupchat and "groupchat" or "chat",
				loggable(recipient));
			send_notice(origin, stanza);
			audit("warn", reason, sender, recipient);
		end
	end
	return nil;
end

-- Ingress 1: messages from local clients ---------------------------------

-- A local client's message is judged here, before mod_carbons copies it
-- to the sender's other devices and mod_mam archives it for the sender,
-- even when it goes on to a room (a private message, an invitation). Only
-- a groupchat message to a local component that loads this module too
-- (the MUC service) is left to it: the sender's side neither copies nor
-- archives it, and the room knows its own settings.
local function judged_in_room(stanza)
	local to = stanza.attr.to;
	if stanza.attr.type ~= "groupchat" or not to then
		return false;
	end
	local host = prosody.hosts[jid_host(to)];
	return host ~= nil and host.type == "component"
		and host.modules.omemo_policy ~= nil;
end

-- True when ORIGIN is a client session of a host that loads this module,
-- whose c2s ingress has judged the stanza already: the MUC service must
-- not judge, count or warn about it a second time. (A mark on the stanza
-- would not do: mod_mam hands the next handlers a clone of the stanza
-- once it has archived it, and a clone carries no private field.)
local function judged_at_c2s(origin)
	local host = origin and origin.type == "c2s" and prosody.hosts[origin.host];
	return host and host.modules.omemo_policy ~= nil or false;
end

-- The error comes from the intended recipient's bare JID: Profanity and
-- others show an error from a bare JID in the chat window, but one from a
-- full JID only in the console, and the sender must see why the message
-- did not arrive in the conversation it was written in.
local function local_parties(event)
	local origin, stanza = event.origin, event.stanza;
	local sender = jid_bare(stanza.attr.from)
		or (origin.username .. "@" .. origin.host);
	local recipient = jid_bare(stanza.attr.to) or sender;
	return sender, recipient, recipient;
end

local function from_local_client(event)
	if judged_in_room(event.stanza) then
		return;
	end
	return enforce(event, local_parties);
end

-- Ingress 2: messages from other servers to local users -------------------

local function remote_parties(event)
	local stanza = event.stanza;
	local recipient = jid_bare(stanza.attr.to);
	return jid_bare(stanza.attr.from), recipient, recipient;
end

local function from_remote_server(event)
	if event.origin.type ~= "s2sin" then
		return;
	end
	return enforce(event, remote_parties);
end

if not is_component then
	module:hook("pre-message/bare", from_local_client, priority);
	module:hook("pre-message/full", from_local_client, priority);
	module:hook("pre-message/host", from_local_client, priority);
	module:hook("message/bare", from_remote_server, priority);
	module:hook("message/full", from_remote_server, priority);
end

-- Ingress 3: the MUC service ---------------------------------------------

local room_text_en = "Group chats on this server must be members-only "
	.. "and non-anonymous, so that their messages can be end-to-end "
	.. "encrypted (OMEMO). This room configuration is not allowed.";
local room_text_ur = "اس سرور پر گروپ چیٹ صرف اراکین کے لیے اور "
	.. "غیر گمنام ہونی چاہیے تاکہ اس کے پیغامات اینڈ ٹو اینڈ خفیہ "
	.. "(OMEMO) کیے جا سکیں۔ کمرے کی یہ ترتیب قابلِ قبول نہیں۔";

local join_text_en = "This room is not members-only and non-anonymous, "
	.. "as end-to-end encryption (OMEMO) requires. Ask its owner to "
	.. "change its configuration.";
local join_text_ur = "یہ کمرہ صرف اراکین کے لیے اور غیر گمنام نہیں، "
	.. "جو اینڈ ٹو اینڈ خفیہ کاری (OMEMO) کے لیے ضروری ہے۔ اس کے "
	.. "مالک سے اس کی ترتیب بدلنے کو کہیں۔";

local function room_error(stanza, from, condition, en, ur)
	local reply = st.error_reply(stanza, "modify", condition, nil, from);
	reply:tag("text", { xmlns = xmlns_stanzas; ["xml:lang"] = "en" })
		:text(en):up();
	reply:tag("text", { xmlns = xmlns_stanzas; ["xml:lang"] = "ur" })
		:text(ur):up();
	return reply;
end

local function room_rule_applies(room)
	if policy:get("groupchat") ~= "required" then
		return false;
	end
	for _, exempt in ipairs(policy:get("exempt_rooms")) do
		if exempt == room.jid then
			return false;
		end
	end
	return true;
end

local function room_complies(room)
	return room:get_members_only() and room:get_whois() == "anyone";
end

local function form_bool(value)
	return value == "1" or value == "true";
end

-- Groupchat: after mod_muc's role check (50), before the broadcast that
-- mod_muc_mam archives.
local function groupchat_parties(event)
	local room_jid = event.room.jid;
	return jid_bare(event.stanza.attr.from), room_jid, room_jid;
end

local function from_occupant_groupchat(event)
	return enforce(event, groupchat_parties);
end

-- Private messages: seen as message/full on the component, while the
-- stanza still carries the sender's real JID. One from a client of this
-- server was judged at its c2s ingress already.
local function private_parties(event)
	local stanza = event.stanza;
	return jid_bare(stanza.attr.from), stanza.attr.to,
		jid_bare(stanza.attr.to);
end

local function from_occupant_private(event)
	if event.stanza.attr.type == "groupchat"
	or judged_at_c2s(event.origin) then
		return;
	end
	return enforce(event, private_parties);
end

-- New rooms start members-only and non-anonymous (mod_muc has already
-- applied its own defaults when this fires).
local function on_room_pre_create(event)
	local room = event.room;
	if room_rule_applies(room) then
		room:set_members_only(true);
		room:set_whois("anyone");
	end
end

-- A configuration form that would make the room anonymous or open, or an
-- instant room accepted while the room is so, is refused before mod_muc
-- applies it.
local function on_owner_set(event)
	local origin, stanza = event.origin, event.stanza;
	local room_jid = jid_bare(stanza.attr.to);
	local muc = prosody.hosts[module.host].modules.muc;
	local room = muc and muc.get_room_from_jid(room_jid);
	if not room or not room_rule_applies(room) then
		return;
	end
	local form = stanza.tags[1]:get_child("x", xmlns_data);
	if not form or form.attr.type ~= "submit" then
		return;
	end
	local members_only, whois = room:get_members_only(), room:get_whois();
	for field in form:childtags("field") do
		local var, value = field.attr.var, field:get_child_text("value");
		if var == "muc#roomconfig_membersonly" and value then
			members_only = form_bool(value);
		elseif var == "muc#roomconfig_whois" and value then
			whois = value;
		end
	end
	if members_only and whois == "anyone" then
		return;
	end
	module:log("info", "refused configuration of %s by %s: %s",
		loggable(room_jid), loggable(jid_bare(stanza.attr.from)),
		members_only and "anonymous" or "not members-only");
	audit("refuse", members_only and "room anonymous"
		or "room not members-only", jid_bare(stanza.attr.from), room_jid);
	origin.send(room_error(stanza, room_jid, "not-acceptable",
		room_text_en, room_text_ur));
	return true;
end

-- Joining a room that does not comply (one made before the policy) is
-- refused, except to its owners and admins so they can fix it.
local function on_occupant_pre_join(event)
	local room, stanza = event.room, event.stanza;
	if event.is_new_room or not room_rule_applies(room)
	or room_complies(room) then
		return;
	end
	local affiliation = room:get_affiliation(stanza.attr.from);
	if affiliation == "owner" or affiliation == "admin" then
		return;
	end
	module:log("info", "refused join of %s to %s: room not compliant",
		loggable(jid_bare(stanza.attr.from)), loggable(room.jid));
	audit("refuse", "room not compliant", jid_bare(stanza.attr.from),
		room.jid);
	event.origin.send(room_error(stanza, room.jid, "not-acceptable",
		join_text_en, join_text_ur));
	return true;
end

if is_component then
	module:hook("muc-occupant-groupchat", from_occupant_groupchat, 45);
	module:hook("message/full", from_occupant_private, priority);
	module:hook("muc-room-pre-create", on_room_pre_create, -100);
	module:hook("muc-occupant-pre-join", on_occupant_pre_join, 20);
	module:hook("iq-set/bare/" .. xmlns_muc_owner .. ":query",
		on_owner_set, priority);
end
