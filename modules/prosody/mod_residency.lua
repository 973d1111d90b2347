-- mod_residency: federation only with approved domains, retention limits
-- and a startup self-check (data residency).
--
-- The approved domains (zones) live in PostgreSQL and reach this module
-- through mod_smartoffice_store, which keeps a snapshot fresh and queues
-- audit records. This module hooks Prosody's routing, s2s and MUC events
-- and applies the store's answer. See docs/modules/residency.md.
--
-- Load it on each VirtualHost and on each Component: a host that does not
-- load it routes to any domain (the self-check names such hosts).

local st = require "util.stanza";
local jid = require "util.jid";
local config = require "core.configmanager";
local modulemanager = require "core.modulemanager";
local timer = require "util.timer";

local jid_bare, jid_host = jid.bare, jid.host;

local so = module:require("smartoffice_loader");
-- A misspelled option would leave its default in force unseen.
module:require("smartoffice_options").check(so, "residency");

local xmlns_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";

local host_type = module:get_host_type();
local is_component = host_type == "component";

local store_mod = module:depends("smartoffice_store");
local store = store_mod.get_store();

-- Options ---------------------------------------------------------------

-- Names, types and defaults come from the core's table (so_options.c;
-- `smartoffice options --module residency`); the core checks each value.
-- A value it refuses stops the module from loading, naming the option.
local options = {};
for _, opt in ipairs(so.options("residency")) do
	local value = module:get_option(opt.prosody);
	if value == nil then
		value = opt.default;
	end
	local checked, why = so.option_value("residency", opt.name, value);
	if checked == nil then
		error(why, 0);
	end
	options[opt.name] = checked;
end

local strict = options.strict;

local day = 86400;

-- Retention per data class, in seconds: one residency_retention_<class>
-- option each. The module expires offline messages itself; for the other
-- classes it checks the host's own setting (self-check).
local retention = {};
for name, seconds in pairs(options) do
	local class = name:match("^retention_(.+)$");
	if class then
		retention[class] = seconds;
	end
end

-- Texts ------------------------------------------------------------------

local bounce_en = "%s is not an approved government domain: this "
	.. "server does not exchange messages with it.";
local bounce_ur = "%s منظور شدہ سرکاری ڈومین نہیں ہے: یہ سرور اس "
	.. "کے ساتھ پیغامات کا تبادلہ نہیں کرتا۔";

local join_en = "Your domain %s is not approved for federation with "
	.. "this server, so you cannot join this room.";
local join_ur = "آپ کا ڈومین %s اس سرور کے ساتھ رابطے کے لیے منظور "
	.. "شدہ نہیں، اس لیے آپ اس کمرے میں شامل نہیں ہو سکتے۔";

-- Stream errors carry one <text> (RFC 6120 §4.9.2); they are read by the
-- peer's administrator, in English.
local stream_texts = {
	["not-approved"] = "%s is not approved for federation with %s";
	["no-snapshot"] = "%s: the approved domains of %s are not loaded yet";
	["no-store"] = "%s: %s has no list of approved domains";
	["bad-domain"] = "%s is not a valid domain name for %s";
	["zone-removed"] = "%s is no longer approved for federation with %s";
	["pin"] = "the certificate of %s does not match the fingerprints "
		.. "pinned for it by %s";
};

-- Statistics and audit ---------------------------------------------------

local refusals = module:metric("counter", "refusals", "",
	"Residency refusals", { "kind", "rule" });

local audit_failures = module:metric("counter", "audit_failures", "",
	"Residency audit records the store did not take", {});

local function audit(decision, rule, subject, object)
	if not store then
		return;
	end
	local ok, why = store:audit(module.host, "residency", decision, rule,
		subject or "", object or "");
	if not ok then
		audit_failures:with_labels():add(1);
		module:log("warn", "audit record for %s %s not queued: %s",
			decision, object or "", why or "unknown reason");
	end
end

-- KIND is stanza, stream, muc-join or certificate.
local function count_refusal(kind, rule)
	refusals:with_labels(kind, rule):add(1);
end

-- The decision -----------------------------------------------------------

-- True, domain when DOMAIN may be federated with; otherwise false, rule,
-- domain (normalised when it could be). Fails closed: no store, no
-- snapshot or a name that cannot be normalised is a refusal.
local function judge(domain)
	if not store then
		return false, "no-store", domain;
	end
	local norm = so.domain_normalize(domain);
	if not norm then
		return false, "bad-domain", domain;
	end
	if store:allows(norm) then
		return true, nil, norm;
	end
	local status = store:status();
	if status.source == "none" then
		return false, "no-snapshot", norm;
	end
	return false, "not-approved", norm;
end

-- 1. Outgoing stanzas ----------------------------------------------------

local bouncy = { message = true; presence = true; iq = true };

-- A fresh error, never a copy of the refused stanza. A message's error
-- comes from the bare JID it was addressed to, so that clients show it
-- in that conversation (as mod_omemo_policy does); iq and presence
-- errors from the exact address.
local function bounce_of(stanza, domain)
	local from = stanza.attr.to;
	if stanza.name == "message" then
		from = jid_bare(from) or from;
	end
	return st.stanza(stanza.name, {
		type = "error";
		id = stanza.attr.id;
		from = from;
		to = stanza.attr.from;
	}):tag("error", { type = "cancel" })
		:tag("policy-violation", { xmlns = xmlns_stanzas }):up()
		:text_tag("text", bounce_en:format(domain),
			{ xmlns = xmlns_stanzas; ["xml:lang"] = "en" })
		:text_tag("text", bounce_ur:format(domain),
			{ xmlns = xmlns_stanzas; ["xml:lang"] = "ur" })
	:up();
end

-- Errors and iq results are never answered (RFC 6120 §8.3.1); stanzas
-- the server generates itself (PEP notifications, presence probes and
-- broadcasts, receipts from a component) are dropped without an error,
-- as nobody sent them.
local function should_bounce(origin, stanza)
	local t = stanza.attr.type;
	if t == "error" or (stanza.name == "iq" and t == "result") then
		return false;
	end
	if not bouncy[stanza.name] or stanza.attr.xmlns ~= nil then
		return false;
	end
	return origin ~= nil and origin.type == "c2s";
end

-- Counts, audits and logs the refusal of STANZA from ORIGIN (sender
-- SENDER) to DOMAIN by RULE, and bounces it when it should be: through
-- SEND, which delivers the bounce to the sender.
local function refuse_stanza(origin, stanza, sender, rule, domain, send)
	count_refusal("stanza", rule);
	audit("refuse", rule, sender, domain);
	if should_bounce(origin, stanza) then
		module:log("info", "refused %s from %s to %s: %s, bouncing",
			stanza.name, sender, domain, rule);
		send(bounce_of(stanza, domain));
	else
		module:log("info", "refused %s from %s to %s: %s, dropping",
			stanza.name, sender, domain, rule);
	end
end

local function send_routed(stanza)
	module:send(stanza);
end

-- Above every module that routes: mod_s2s (-1, -10), mod_onions (200).
-- Returning true means no session is looked up or opened and no DNS
-- query is made.
local function on_route_remote(event)
	local stanza, to_host = event.stanza, event.to_host;
	local ok, rule, domain = judge(to_host);
	if ok then
		return;
	end
	local sender = jid_bare(stanza.attr.from) or event.from_host;
	refuse_stanza(event.origin, stanza, sender, rule, domain, send_routed);
	return true;
end

module:hook("route/remote", on_route_remote, 1000);

-- A local client's message to a remote domain is judged on the sender's
-- host before mod_mam archives it for the sender and mod_carbons copies
-- it to the sender's other devices (both at 0 and below), so a refused
-- message is in neither. Its bounce goes to the sending session alone:
-- routed, it would be carbon-copied as an error from a bare JID. At the
-- same priority as mod_omemo_policy: whichever refuses first ends the
-- event, so a message is refused and bounced once, by either module.
-- Messages to local hosts, and everything else, are left to route/remote.
local function on_pre_message(event)
	local origin, stanza = event.origin, event.stanza;
	local to_host = jid_host(stanza.attr.to);
	if not origin or origin.type ~= "c2s" or not to_host
		or prosody.hosts[to_host] then
		return;
	end
	local ok, rule, domain = judge(to_host);
	if ok then
		return;
	end
	local sender = jid_bare(stanza.attr.from)
		or (origin.username .. "@" .. origin.host);
	refuse_stanza(origin, stanza, sender, rule, domain, origin.send);
	return true;
end

if not is_component then
	module:hook("pre-message/bare", on_pre_message, 1000);
	module:hook("pre-message/full", on_pre_message, 1000);
	module:hook("pre-message/host", on_pre_message, 1000);
end

-- 2. Server-to-server streams --------------------------------------------

local function local_host_of(session)
	if session.direction == "outgoing" then
		return session.from_host;
	end
	return session.to_host;
end

local function remote_host_of(session)
	if session.direction == "outgoing" then
		return session.to_host;
	end
	return session.from_host;
end

-- Closes SESSION with a policy-violation stream error for DOMAIN and
-- audits it, once per session.
local function refuse_stream(session, domain, rule, stage)
	if session.residency_refused then
		return;
	end
	session.residency_refused = true;
	count_refusal(rule == "pin" and "certificate" or "stream", rule);
	audit("refuse", rule, module.host, domain);
	module:log("info", "refused %s s2s stream with %s at %s: %s, closing",
		session.direction or "unknown", domain or "an unnamed peer",
		stage, rule);
	local text = (stream_texts[rule] or stream_texts["not-approved"])
		:format(domain or "peer", module.host);
	session:close({ condition = "policy-violation"; text = text });
end

-- Judges the remote DOMAIN of SESSION; closes the session and returns
-- true when it is refused.
local function check_stream(session, domain, stage)
	if session.residency_refused then
		return true;
	end
	local ok, rule, norm = judge(domain);
	if ok then
		return false;
	end
	refuse_stream(session, norm, rule, stage);
	return true;
end

-- Incoming: the stream header names the peer before TLS; no features
-- (and so no TLS, no SASL, no dialback) are offered to a refused one.
module:hook("s2s-stream-features", function (event)
	local session = event.origin;
	local domain = session.from_host;
	if domain and check_stream(session, domain, "stream open") then
		return true;
	end
end, 1000);

-- Every authentication, by SASL EXTERNAL or dialback, in either
-- direction, names the domain it authenticates (EVENT.host); dialback
-- may add several domains to one incoming stream. Before mod_s2s (-1)
-- marks the session authenticated.
module:hook("s2s-authenticated", function (event)
	if check_stream(event.session, event.host, "authentication") then
		return true;
	end
end, 1000);

local function on_established(event)
	local session = event.session;
	check_stream(session, remote_host_of(session), "establishment");
end

module:hook("s2sin-established", on_established, 1000);
module:hook("s2sout-established", on_established, 1000);

-- Certificate pins. mod_s2s fires this globally: after mod_s2s_auth_certs
-- (509) has checked the chain and name, before mod_s2s's own policy (-1).
local function fingerprint_of(cert)
	local pem = cert and cert.pem and cert:pem();
	return pem and so.cert_sha256(pem);
end

local function pinned(pins, fingerprint)
	for _, pin in ipairs(pins) do
		if pin == fingerprint then
			return true;
		end
	end
	return false;
end

module:hook_global("s2s-check-certificate", function (event)
	local session, domain = event.session, event.host;
	if local_host_of(session) ~= module.host or not domain then
		return;
	end
	if check_stream(session, domain, "certificate check") then
		return false;
	end
	local norm = so.domain_normalize(domain);
	local pins = store:pins(norm);
	if not pins or #pins == 0 then
		return;
	end
	local fingerprint = fingerprint_of(event.cert);
	if fingerprint and pinned(pins, fingerprint) then
		return;
	end
	refuse_stream(session, norm, "pin", "certificate check");
	return false;
end, 100);

-- 3. Live zone changes ---------------------------------------------------

-- The remote domains SESSION speaks for: its peer and, on an incoming
-- stream, every domain dialback authenticated on it.
local function remote_domains(session)
	local domains = {};
	local peer = remote_host_of(session);
	if peer then
		domains[peer] = true;
	end
	if session.direction == "incoming" and session.hosts then
		for domain in pairs(session.hosts) do
			domains[domain] = true;
		end
	end
	return domains;
end

local function peer_certificate(session)
	local sock = session.conn and session.conn:socket();
	if sock and sock.getpeercertificate then
		return sock:getpeercertificate();
	end
end

-- A zone lost, or pins added that the open stream's certificate does
-- not match.
local function recheck_session(session)
	for domain in pairs(remote_domains(session)) do
		local ok, rule, norm = judge(domain);
		if not ok then
			if rule == "not-approved" then
				rule = "zone-removed";
			end
			refuse_stream(session, norm, rule, "zone change");
			return;
		end
		local pins = store:pins(norm);
		if pins and #pins > 0 and not pinned(pins,
			fingerprint_of(peer_certificate(session))) then
			refuse_stream(session, norm, "pin", "zone change");
			return;
		end
	end
end

local function on_zones_changed()
	local closing = {};
	for session in pairs(prosody.incoming_s2s) do
		if session.to_host == module.host then
			closing[#closing + 1] = session;
		end
	end
	local host = prosody.hosts[module.host];
	for _, session in pairs(host and host.s2sout or {}) do
		-- One still resolving or connecting has no stream to close yet;
		-- the certificate and authentication checks judge it once it has
		-- one, before the stanzas queued for it are sent.
		if session.close then
			closing[#closing + 1] = session;
		end
	end
	-- closing changes the tables walked above, so in a second pass
	for _, session in ipairs(closing) do
		recheck_session(session);
	end
end

module:hook_global("smartoffice-zones-changed", on_zones_changed);

-- Occupants of this MUC service from a domain that lost its zone are
-- removed from their rooms (role none, with the reason).
local function evict_occupants()
	local muc = prosody.hosts[module.host].modules.muc;
	if not muc or not muc.live_rooms then
		return;
	end
	for room in muc.live_rooms() do
		local leaving = {};
		for nick, occupant in room:each_occupant() do
			local domain = jid_host(occupant.bare_jid);
			if domain and not prosody.hosts[domain] then
				local ok, rule, norm = judge(domain);
				if not ok then
					if rule == "not-approved" then
						rule = "zone-removed";
					end
					leaving[#leaving + 1] = { nick, occupant.bare_jid,
						rule, norm };
				end
			end
		end
		for _, l in ipairs(leaving) do
			local nick, bare, rule, norm = l[1], l[2], l[3], l[4];
			count_refusal("muc-evict", rule);
			audit("evict", rule, room.jid, norm);
			module:log("info", "removing %s from %s: %s", bare, room.jid,
				rule);
			room:set_role(true, nick, "none",
				join_en:format(norm) .. " / " .. join_ur:format(norm));
		end
	end
end

-- 4. Group chat: remote occupants ----------------------------------------

local function join_error(stanza, room_jid, domain)
	local reply = st.error_reply(stanza, "cancel", "policy-violation",
		nil, room_jid);
	reply:tag("text", { xmlns = xmlns_stanzas; ["xml:lang"] = "en" })
		:text(join_en:format(domain)):up();
	reply:tag("text", { xmlns = xmlns_stanzas; ["xml:lang"] = "ur" })
		:text(join_ur:format(domain)):up();
	return reply;
end

-- Before mod_muc's own checks and mod_omemo_policy (20).
local function on_occupant_pre_join(event)
	local room, stanza = event.room, event.stanza;
	local domain = jid_host(stanza.attr.from);
	if not domain or prosody.hosts[domain] then
		return;
	end
	local ok, rule, norm = judge(domain);
	if ok then
		return;
	end
	count_refusal("muc-join", rule);
	audit("refuse", rule, room.jid, norm);
	module:log("info", "refused join of %s to %s: %s, sending error",
		jid_bare(stanza.attr.from), room.jid, rule);
	event.origin.send(join_error(stanza, room.jid, norm));
	return true;
end

if is_component then
	module:hook("muc-occupant-pre-join", on_occupant_pre_join, 100);
	module:hook_global("smartoffice-zones-changed", evict_occupants);
end

-- 5. Retention: offline messages -----------------------------------------

-- Prosody 0.12 keeps offline messages until the user logs in; they are
-- expired here. Other classes are expired by the host's own modules,
-- whose settings the self-check compares with ours.

local function iso_date(t)
	return os.date("!%Y-%m-%dT%H:%M:%SZ", t);
end

-- Deletes offline messages older than the retention period; returns the
-- number deleted, or nil, message.
local function expire_offline(cutoff)
	local offline = module:open_store("offline", "archive");
	local caps = offline.caps or {};
	if caps.wildcard_delete then
		local n, err = offline:delete(true, { ["end"] = cutoff });
		if not n then
			return nil, err;
		end
		return tonumber(n) or 0;
	end
	if not offline.users then
		return nil, "the storage driver cannot list users";
	end
	local total = 0;
	for user in offline:users() do
		local n, err = offline:delete(user, { ["end"] = cutoff });
		if not n then
			return nil, ("%s: %s"):format(user, tostring(err));
		end
		total = total + (tonumber(n) or 0);
	end
	return total;
end

local expired = module:metric("counter", "expired", "",
	"Items removed by residency retention", { "class" });

local function run_offline_expiry()
	local cutoff = os.time() - retention.offline;
	local ok, n, err = pcall(expire_offline, cutoff);
	if not ok or not n then
		module:log("error", "offline expiry on %s failed: %s, retrying "
			.. "in a day", module.host, tostring(ok and err or n));
		audit("expire-failed", "retention-offline", module.host, "");
		return;
	end
	expired:with_labels("offline"):add(n);
	module:log("info", "expired %d offline messages older than %s",
		n, iso_date(cutoff));
	audit("expire", "retention-offline", module.host,
		("%d offline messages before %s"):format(n, iso_date(cutoff)));
end

if host_type == "local" then
	module:add_timer(5, function ()
		run_offline_expiry();
		return day;
	end);
end

-- 6. Self-check ----------------------------------------------------------

-- The hosts of the config (VirtualHosts and Components), enabled ones.
local function configured_hosts()
	local hosts = {};
	for host, options in pairs(config.getconfig()) do
		if host ~= "*" and options.enabled ~= false then
			hosts[#hosts + 1] = host;
		end
	end
	table.sort(hosts);
	return hosts;
end

local function modules_of(host)
	return (modulemanager.get_modules_for_host(host));
end

-- True when DOMAIN is one of the configured hosts or below one, or is
-- approved in the current zone snapshot.
local function is_ours(domain)
	domain = domain:lower();
	for _, host in ipairs(configured_hosts()) do
		if domain == host or domain:sub(-#host - 1) == "." .. host then
			return true;
		end
	end
	local loopback = domain == "localhost" or domain == "::1"
		or domain:match("^127%.") ~= nil;
	return loopback or (judge(domain));
end

local function url_domain(url)
	if type(url) ~= "string" then
		return nil;
	end
	local authority = url:match("^%a[%w+.-]*://([^/?#]+)");
	if not authority then
		return nil;
	end
	authority = authority:gsub("^.*@", "");
	return authority:match("^%[([^%]]+)%]") or authority:gsub(":%d+$", "");
end

local function host_option(name)
	return config.get(module.host, name);
end

local function global_option(name)
	return config.get("*", name);
end

-- Appends a finding about the host's own retention setting OPTION
-- (default DEFAULT, "never" or a negative number meaning unlimited)
-- against our period for CLASS.
local function retention_finding(found, option, default, class)
	local value = host_option(option);
	if value == nil then
		value = default;
	end
	if value == "never" or (type(value) == "number" and value < 0) then
		found[#found + 1] = ("%s = %q keeps data forever"):format(option,
			tostring(value));
		return;
	end
	local seconds = so.period(value);
	if not seconds then
		found[#found + 1] = ("%s = %q cannot be read"):format(option,
			tostring(value));
	elseif seconds > retention[class] then
		found[#found + 1] = ("%s = %q is longer than "
			.. "residency_retention_%s"):format(option, tostring(value),
			class);
	end
end

-- Modules that copy stanzas or their content to another address or
-- place, with what they do.
local copying_modules = {
	message_logging = "writes every message to log files";
	stanza_debug = "writes whole stanzas to the log";
	scansion_record = "records whole stanzas to a file";
	privilege = "gives external components copies of messages and rosters "
		.. "(XEP-0356)";
	delegation = "hands namespaces and their stanzas to external "
		.. "components (XEP-0355)";
};

local function firewall_copies(found)
	local scripts = host_option("firewall_scripts");
	if type(scripts) == "string" then
		scripts = { scripts };
	end
	for _, path in ipairs(type(scripts) == "table" and scripts or {}) do
		local f = io.open(path);
		if f then
			local n = 0;
			for line in f:lines() do
				n = n + 1;
				local action = line:match("^%s*(%u+)%s*=");
				if action == "COPY" or action == "FORWARD"
				or action == "REDIRECT" then
					found[#found + 1] = ("%s line %d: %s sends stanzas to "
						.. "another address"):format(path, n, action);
				end
			end
			f:close();
		end
	end
end

-- The checks, in the order they are reported. Each RUN returns a list of
-- findings (strings naming the option, module or host), empty when the
-- check passes. docs/modules/residency.md lists the same table.
local checks = {
	{
		id = "store";
		description = "no zone store: every federation is refused "
			.. "and no decision is audited";
		fix = "load mod_smartoffice_store globally and set smartoffice_db";
		run = function ()
			return store and {} or { "smartoffice_db is not set" };
		end;
	};
	{
		id = "s2s-encryption";
		description = "server-to-server streams may be unencrypted";
		fix = "s2s_require_encryption = true (the default)";
		run = function ()
			local v = global_option("s2s_require_encryption");
			return v == false and { "s2s_require_encryption = false" } or {};
		end;
	};
	{
		id = "s2s-secure-auth";
		description = "peers may authenticate by dialback alone, "
			.. "without a valid certificate";
		fix = "s2s_secure_auth = true";
		run = function ()
			local v = global_option("s2s_secure_auth");
			return v ~= true and { "s2s_secure_auth is not true" } or {};
		end;
	};
	{
		id = "s2s-insecure-domains";
		description = "domains exempted from certificate checks";
		fix = "remove s2s_insecure_domains";
		run = function ()
			local found = {};
			local global = global_option("s2s_insecure_domains");
			local here = host_option("s2s_insecure_domains");
			if type(global) == "table" and next(global) ~= nil then
				found[#found + 1] = "s2s_insecure_domains is set";
			end
			if here ~= global and type(here) == "table"
			and next(here) ~= nil then
				found[#found + 1] = "s2s_insecure_domains is set on "
					.. module.host;
			end
			return found;
		end;
	};
	{
		id = "unguarded-host";
		description = "a host routes to other servers without "
			.. "mod_residency";
		fix = "add \"residency\" to the modules_enabled of every "
			.. "VirtualHost and Component";
		run = function ()
			local found = {};
			for _, host in ipairs(configured_hosts()) do
				if not modules_of(host):contains("residency") then
					found[#found + 1] = host .. " does not load residency";
				end
			end
			return found;
		end;
	};
	{
		id = "foreign-component";
		description = "a component is served on a domain that is neither "
			.. "one of this server's hosts (or below one) nor in the zones";
		fix = "name the component under a VirtualHost of this server, "
			.. "or approve its domain";
		run = function ()
			local found, virtual = {}, {};
			for _, host in ipairs(configured_hosts()) do
				if config.get(host, "component_module") == nil then
					virtual[#virtual + 1] = host;
				end
			end
			for _, host in ipairs(configured_hosts()) do
				local under = false;
				for _, vhost in ipairs(virtual) do
					if host == vhost or host:sub(-#vhost - 1) == "." .. vhost
					then
						under = true;
					end
				end
				if not under and not judge(host) then
					found[#found + 1] = ("Component %q is outside this "
						.. "server's hosts and the zones"):format(host);
				end
			end
			return found;
		end;
	};
	{
		id = "foreign-service";
		description = "an upload, web, TURN or other service is on a "
			.. "domain outside the zones";
		fix = "serve it from a configured host or a subdomain of one, "
			.. "or approve its domain";
		run = function ()
			local found = {};
			local urls = {
				"http_external_url", "http_file_share_base_url",
				"http_upload_external_base_url",
			};
			for _, option in ipairs(urls) do
				local domain = url_domain(host_option(option));
				if domain and not is_ours(domain) then
					found[#found + 1] = ("%s points to %s"):format(option,
						domain);
				end
			end
			local names = {
				external_service_host = host_option("external_service_host");
				turn_external_host = host_option("turn_external_host");
			};
			local services = host_option("external_services");
			for i, service in ipairs(type(services) == "table"
				and services or {}) do
				if type(service) == "table" then
					names["external_services[" .. i .. "]"] = service.host;
				end
			end
			for option, domain in pairs(names) do
				if type(domain) == "string" and not is_ours(domain) then
					found[#found + 1] = ("%s is %s"):format(option, domain);
				end
			end
			table.sort(found);
			return found;
		end;
	};
	{
		id = "push-content";
		description = "push notifications carry the sender or the text "
			.. "of messages to app servers";
		fix = "push_notification_with_body = false and "
			.. "push_notification_with_sender = false";
		run = function ()
			if not modules_of(module.host):contains("cloud_notify") then
				return {};
			end
			local found = {};
			for _, option in ipairs({ "push_notification_with_body",
				"push_notification_with_sender" }) do
				if host_option(option) == true then
					found[#found + 1] = option .. " = true";
				end
			end
			return found;
		end;
	};
	{
		id = "remote-storage";
		description = "stanzas are stored in a database on another "
			.. "server";
		fix = "keep the sql database on this server or a host in the "
			.. "zones";
		run = function ()
			local sql = host_option("sql");
			local db_host = type(sql) == "table" and sql.host;
			if type(db_host) == "string" and db_host ~= ""
			and db_host:sub(1, 1) ~= "/" and not is_ours(db_host) then
				return { "sql.host is " .. db_host };
			end
			return {};
		end;
	};
	{
		id = "retention";
		description = "a data class is kept longer than its residency "
			.. "period, or forever";
		fix = "set the host's expiry option to at most the "
			.. "residency_retention_* period";
		run = function ()
			local found = {};
			local mods = modules_of(module.host);
			if mods:contains("mam") then
				retention_finding(found, "archive_expires_after", "1w",
					"archive");
			end
			if mods:contains("muc_mam") then
				retention_finding(found, "muc_log_expires_after", "1w",
					"muc_archive");
			end
			if mods:contains("muc_log") then
				found[#found + 1] = "muc_log keeps room logs forever";
			end
			if mods:contains("http_file_share") then
				if host_option("http_file_share_base_url") then
					found[#found + 1] = "http_file_share_base_url is set, "
						.. "so uploads are never expired";
				end
				retention_finding(found, "http_file_share_expires_after",
					7 * day, "uploads");
			end
			if mods:contains("http_upload") then
				retention_finding(found, "http_upload_expire_after",
					7 * day, "uploads");
			end
			return found;
		end;
	};
	{
		id = "copies-stanzas";
		description = "a module copies stanzas or their content to "
			.. "another address or place";
		fix = "unload the module, or remove the COPY, FORWARD and "
			.. "REDIRECT actions from firewall scripts";
		run = function ()
			local found = {};
			local mods = modules_of(module.host);
			for name, what in pairs(copying_modules) do
				if mods:contains(name) then
					found[#found + 1] = ("mod_%s %s"):format(name, what);
				end
			end
			table.sort(found);
			if mods:contains("firewall") then
				firewall_copies(found);
			end
			return found;
		end;
	};
};

-- Every leak of this host's config, as { id =, finding =, fix = }.
local function self_check()
	local leaks = {};
	for _, check in ipairs(checks) do
		for _, finding in ipairs(check.run()) do
			leaks[#leaks + 1] = {
				id = check.id; finding = finding; fix = check.fix;
			};
		end
	end
	return leaks;
end

-- Prosody keeps serving a host whose module failed to load; so that a
-- refused load does not leave the host federating without policy,
-- server-to-server is switched off on it until the config is fixed and
-- the server restarted.
local function disable_s2s()
	local host = module.host;
	module:log("error", "disabling s2s on %s until the self-check passes",
		host);
	timer.add_task(0, function ()
		if modulemanager.is_loaded(host, "s2s") then
			modulemanager.unload(host, "s2s");
		end
	end);
end

local leaks = self_check();
for _, leak in ipairs(leaks) do
	module:log(strict and "error" or "warn",
		"residency leak %s: %s; fix: %s", leak.id, leak.finding, leak.fix);
end
if #leaks > 0 and strict then
	local names = {};
	for i, leak in ipairs(leaks) do
		names[i] = leak.id .. ": " .. leak.finding;
	end
	disable_s2s();
	error(("residency self-check found %d leak(s) on %s: %s"):format(
		#leaks, module.host, table.concat(names, "; ")));
end
if #leaks > 0 then
	module:set_status("warn", #leaks .. " residency leak(s), see the log");
end
