-- mod_omemo_pep: OMEMO keys readable by every colleague.
--
-- Under an OMEMO policy a first message to someone found in the directory
-- must be encryptable before any presence subscription exists. Prosody 0.12
-- gives every PEP node the "presence" access model by default, so a
-- non-contact fetching a device list or bundle gets <forbidden/>. This
-- module keeps the OMEMO nodes of both versions (device lists and bundles)
-- on the "open" access model whatever the client asked for, and keeps
-- publishing with their owner. It also advertises publish-options on the
-- host's own disco#info, where some clients (Profanity 0.13) look for it,
-- in addition to the account where mod_pep advertises it.
--
-- Loaded by mod_omemo_policy on each VirtualHost; see
-- docs/modules/omemo_policy.md.

local st = require "util.stanza";
local jid_split = require "util.jid".split;

local xmlns_pubsub = "http://jabber.org/protocol/pubsub";
local xmlns_data = "jabber:x:data";
local publish_options_form_type =
	"http://jabber.org/protocol/pubsub#publish-options";

local mod_pep = module:depends("pep");

-- Device lists and bundles of legacy OMEMO (eu.siacs.conversations.axolotl,
-- one bundle node per device) and OMEMO 2 (XEP-0384 §5.3.1, §5.3.2).
local function is_omemo_node(node)
	if type(node) ~= "string" then
		return false;
	end
	return node == "eu.siacs.conversations.axolotl.devicelist"
		or node:match("^eu%.siacs%.conversations%.axolotl%.bundles:%d+$") ~= nil
		or node == "urn:xmpp:omemo:2:devices"
		or node == "urn:xmpp:omemo:2:bundles";
end

-- The configuration every OMEMO node must have, whatever was asked for.
local forced_config = {
	access_model = "open";
	publish_model = "publishers";
};

-- Sets or adds a text-single field in a data form.
local function set_form_field(form, var, value)
	local field = form:get_child_with_attr("field", xmlns_data, "var", var);
	if not field then
		form:tag("field", { xmlns = xmlns_data, var = var })
			:tag("value", { xmlns = xmlns_data }):text(value):up()
			:up();
		return;
	end
	field:maptags(function (child)
		if child.name == "value" then
			return nil;
		end
		return child;
	end);
	field:tag("value", { xmlns = xmlns_data }):text(value):up();
end

-- Makes the client's publish-options ask for the forced configuration, so
-- that a node created by this publish gets it and an existing node (which
-- open_node() has fixed first) passes Prosody's precondition check.
local function force_publish_options(pubsub)
	local options = pubsub:get_child("publish-options");
	if not options then
		options = st.stanza("publish-options", { xmlns = xmlns_pubsub });
		table.insert(pubsub, options);
		table.insert(pubsub.tags, options);
	end
	local form = options:get_child("x", xmlns_data);
	if not form then
		form = st.stanza("x", { xmlns = xmlns_data, type = "submit" });
		table.insert(options, form);
		table.insert(options.tags, form);
		set_form_field(form, "FORM_TYPE", publish_options_form_type);
	end
	for key, value in pairs(forced_config) do
		set_form_field(form, "pubsub#" .. key, value);
	end
end

-- Gives an existing OMEMO node the forced configuration. Returns nothing
-- useful; a node that does not exist yet is left to the publish.
local function open_node(service, node)
	local ok, config = service:get_node_config(node, true);
	if not ok then
		return;
	end
	local changed = false;
	for key, value in pairs(forced_config) do
		if config[key] ~= value then
			config[key] = value;
			changed = true;
		end
	end
	if not changed then
		return;
	end
	local set_ok, err = service:set_node_config(node, true, config);
	if set_ok then
		module:log("debug", "opened omemo node %s of %s", node,
			service.config.jid or "?");
	else
		module:log("warn", "could not open omemo node %s of %s: %s", node,
			service.config.jid or "?", tostring(err));
	end
end

-- Runs before mod_pep (priority 0) on every PEP request.
module:hook("iq/bare/" .. xmlns_pubsub .. ":pubsub", function (event)
	local stanza, origin = event.stanza, event.origin;
	local pubsub = stanza.tags[1];
	local action = pubsub and pubsub.tags[1];
	if not action or not is_omemo_node(action.attr.node) then
		return;
	end
	local username = origin.username;
	if stanza.attr.to ~= nil then
		username = jid_split(stanza.attr.to);
	end
	if not username then
		return;
	end
	local service = mod_pep.get_pep_service(username);
	open_node(service, action.attr.node);
	if stanza.attr.type == "set" and action.name == "publish" then
		force_publish_options(pubsub);
	end
end, 10);

-- XEP-0060 §7.1.5: publish-options, also on the server's own disco#info.
module:add_feature(xmlns_pubsub .. "#publish-options");

return {
	is_omemo_node = is_omemo_node;
};
