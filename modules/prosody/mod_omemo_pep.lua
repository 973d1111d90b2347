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
-- Every way a node's configuration is set is covered, before mod_pep
-- (priority 0) sees the request:
--   * any request on an existing node (also one created before this
--     module was loaded) first gives that node the forced configuration;
--   * a publish has its publish-options rewritten to ask for it, so a node
--     it creates gets it and an existing one passes the precondition check;
--   * a create with a <configure/> form, and an owner's configure form,
--     have the form rewritten the same way;
--   * an owner's first legacy bundle also publishes the device list it
--     lacks (see seed_device_list()).
--
-- Loaded by mod_omemo_policy on each VirtualHost; see
-- docs/omemo-first-contact.md.

local st = require "util.stanza";
local jid_split = require "util.jid".split;

local xmlns_pubsub = "http://jabber.org/protocol/pubsub";
local xmlns_pubsub_owner = xmlns_pubsub .. "#owner";
local xmlns_data = "jabber:x:data";
local form_type_publish_options = xmlns_pubsub .. "#publish-options";
local form_type_node_config = xmlns_pubsub .. "#node_config";

local mod_pep = module:depends("pep");

local legacy_devices = "eu.siacs.conversations.axolotl.devicelist";
local omemo2_bundles = "urn:xmpp:omemo:2:bundles";

-- Device lists and bundles of legacy OMEMO (eu.siacs.conversations.axolotl,
-- one bundle node per device) and OMEMO 2 (XEP-0384 §5.3.1, §5.3.2).
local function is_omemo_node(node)
	if type(node) ~= "string" then
		return false;
	end
	return node == legacy_devices
		or node:match("^eu%.siacs%.conversations%.axolotl%.bundles:%d+$") ~= nil
		or node == "urn:xmpp:omemo:2:devices"
		or node == omemo2_bundles;
end

-- The configuration every OMEMO node must have, whatever was asked for:
-- readable by anyone, written by its owner only.
local forced_config = {
	access_model = "open";
	publish_model = "publishers";
};

-- OMEMO 2 keeps one bundle item per device in a single node
-- (XEP-0384 §5.3.2); with Prosody's default of one item each device's
-- bundle would evict the others'.
local forced_bundles_config = {
	access_model = "open";
	publish_model = "publishers";
	max_items = "max";
};

local function forced_for(node)
	if node == omemo2_bundles then
		return forced_bundles_config;
	end
	return forced_config;
end

-- Sets or adds a field with a single value in a data form.
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

-- Appends CHILD to PARENT without moving PARENT's build cursor.
local function append_child(parent, child)
	table.insert(parent, child);
	table.insert(parent.tags, child);
	return child;
end

-- The data form in CONTAINER, created (of FORM_TYPE) when missing.
local function form_in(container, form_type)
	local form = container:get_child("x", xmlns_data);
	if not form then
		form = append_child(container,
			st.stanza("x", { xmlns = xmlns_data, type = "submit" }));
		set_form_field(form, "FORM_TYPE", form_type);
	end
	return form;
end

local function force_form(form, node)
	for key, value in pairs(forced_for(node)) do
		set_form_field(form, "pubsub#" .. key, value);
	end
end

-- Makes a publish ask for the forced configuration in its publish-options
-- (XEP-0060 §7.1.5), so that a node created by this publish gets it and
-- an existing node (which open_node() has fixed first) passes Prosody's
-- precondition check. A client's own publish-options are overridden.
local function force_publish_options(pubsub, node)
	local options = pubsub:get_child("publish-options");
	if not options then
		options = append_child(pubsub,
			st.stanza("publish-options", { xmlns = xmlns_pubsub }));
	end
	force_form(form_in(options, form_type_publish_options), node);
end

-- A create with a configuration form (XEP-0060 §8.1.3) gets the forced
-- configuration in that form; one without a form takes the node defaults
-- and is fixed by open_node() on the next request.
local function force_create_config(pubsub, node)
	local configure = pubsub:get_child("configure");
	if configure then
		force_form(form_in(configure, form_type_node_config), node);
	end
end

-- Gives an existing OMEMO node the forced configuration. A node that does
-- not exist yet is left to the request that creates it.
local function open_node(service, node)
	local ok, config = service:get_node_config(node, true);
	if not ok then
		return;
	end
	local changed = false;
	for key, value in pairs(forced_for(node)) do
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

-- A brand-new account's Profanity 0.13 publishes its legacy bundle, then
-- asks for its own device list and adds its device only to a list it has
-- received; with no list at all (<item-not-found/>) it never publishes
-- one and nobody can encrypt for it. So when an owner publishes a legacy
-- bundle and has no legacy device list yet, the server publishes the list
-- with that one device, as the owner. An existing list is never touched;
-- an empty list would be invalid (XEP-0384 0.3 schema: one device or more).
local function seed_device_list(service, node)
	local device_id = node:match(
		"^eu%.siacs%.conversations%.axolotl%.bundles:(%d+)$");
	if not device_id or service.nodes[legacy_devices] then
		return;
	end
	local item = st.stanza("item", { xmlns = xmlns_pubsub, id = "current" })
		:tag("list", { xmlns = "eu.siacs.conversations.axolotl" })
			:tag("device", { id = device_id }):up()
		:up();
	local config = {};
	for key, value in pairs(forced_config) do
		config[key] = value;
	end
	local ok, err = service:publish(legacy_devices, true, "current", item,
		config);
	if ok then
		module:log("info", "published the first omemo device list of %s",
			service.config.jid or "?");
	else
		module:log("warn", "could not publish the omemo device list of %s: %s",
			service.config.jid or "?", tostring(err));
	end
end

-- The PEP service a request is for: the account in `to`, or the sender's
-- own account when `to` is absent (Prosody removes a `to` that is the
-- sender's own bare JID before this event, so both look alike here).
local function service_of(event)
	local stanza, origin = event.stanza, event.origin;
	local username = origin.username;
	if stanza.attr.to ~= nil then
		username = jid_split(stanza.attr.to);
	end
	if not username then
		return nil;
	end
	return mod_pep.get_pep_service(username);
end

-- For a request on an OMEMO node: opens the node on its PEP service and
-- returns the <pubsub/> element, its action child, the node name and the
-- service. nil for any other request, which is left to mod_pep.
local function open_request(event)
	local pubsub = event.stanza.tags[1];
	local action = pubsub and pubsub.tags[1];
	local node = action and action.attr.node;
	if not is_omemo_node(node) then
		return nil;
	end
	local service = service_of(event);
	if not service then
		return nil;
	end
	open_node(service, node);
	return pubsub, action, node, service;
end

-- Runs before mod_pep (priority 0) on every PEP request of the pubsub
-- namespace: publish, items, create, retract, subscribe...
local function on_pubsub(event)
	local stanza = event.stanza;
	local pubsub, action, node, service = open_request(event);
	if not pubsub or stanza.attr.type ~= "set" then
		return;
	end
	if action.name == "publish" then
		force_publish_options(pubsub, node);
		if stanza.attr.to == nil then
			seed_device_list(service, node);
		end
	elseif action.name == "create" then
		force_create_config(pubsub, node);
	end
end

-- The owner namespace: a configure form may not take the node back to a
-- narrower access model (or another publish model). Other owner requests
-- (delete, purge, affiliations) are left alone.
local function on_pubsub_owner(event)
	local pubsub, action, node = open_request(event);
	if pubsub and event.stanza.attr.type == "set"
			and action.name == "configure" then
		local form = action:get_child("x", xmlns_data);
		if form and form.attr.type == "submit" then
			force_form(form, node);
		end
	end
end

module:hook("iq/bare/" .. xmlns_pubsub .. ":pubsub", on_pubsub, 10);
module:hook("iq/bare/" .. xmlns_pubsub_owner .. ":pubsub",
	on_pubsub_owner, 10);

-- XEP-0060 §7.1.5: publish-options, also on the server's own disco#info.
module:add_feature(xmlns_pubsub .. "#publish-options");

return {
	is_omemo_node = is_omemo_node;
};
