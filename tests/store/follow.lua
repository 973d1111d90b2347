-- tests/store/follow.lua - the Lua face of the store (smartoffice.store,
-- domain_normalize, cert_sha256) against the suite's PostgreSQL.
--
--   LUA_CPATH=build/prosody/?.so lua5.4 tests/store/follow.lua WORKDIR
--
-- Needs SMARTOFFICE_DB and SO, as tests/store/follow.sh sets them.
local so = require "smartoffice";

local work = assert(arg[1], "usage: follow.lua WORKDIR");
local db = assert(os.getenv("SMARTOFFICE_DB"), "SMARTOFFICE_DB is not set");
local SO = assert(os.getenv("SO"), "SO is not set");

local failed = 0;

local function expect(what, want, got)
	if want == got then
		print("  ok: " .. what);
	else
		print(string.format("  FAIL: %s\n    expected: %s\n    got:      %s",
			what, tostring(want), tostring(got)));
		failed = failed + 1;
	end
end

local function shell(cmd)
	local p = assert(io.popen(cmd .. " 2>&1"));
	local out = p:read("a");
	p:close();
	return (out:gsub("\n$", ""));
end

local function quote(s)
	return "'" .. s:gsub("'", "'\\''") .. "'";
end

local function sql(query)
	return shell("psql " .. quote(db) .. " -X -q -At -c " .. quote(query));
end

-- Calls store:poll() until COND() holds, for at most LIMIT seconds.
local function wait(store, cond, limit)
	for _ = 1, limit * 100 do
		store:poll();
		if cond() then
			return true;
		end
		os.execute("sleep 0.01");
	end
	return false;
end

print("follow.lua: domain_normalize");
local cases = {
	{ "Bücher.Example.", "xn--bcher-kva.example" },
	{ "FINANCE.GOV.PK", "finance.gov.pk" },
	{ "10.0.0.1", nil },
	{ "a..b", nil },
};
for _, c in ipairs(cases) do
	local got, why = so.domain_normalize(c[1]);
	expect(c[1], c[2], got);
	if not c[2] then
		expect(c[1] .. " has a reason", "string", type(why));
	end
end

print("follow.lua: cert_sha256");
local key, crt = work .. "/lua.key", work .. "/lua.crt";
shell("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=peer.example "
	.. "-days 1 -keyout " .. key .. " -out " .. crt);
local pem = assert(io.open(crt)):read("a");
local want = shell("openssl x509 -noout -fingerprint -sha256 -in " .. crt)
	:match("=(.*)$"):gsub(":", ""):lower();
expect("fingerprint as openssl x509 computes it", want, so.cert_sha256(pem));
local none, why = so.cert_sha256("not a certificate");
expect("garbage refused", nil, none);
expect("with our context first", "reading the certificate: ",
	why and why:sub(1, 25));

print("follow.lua: store");
local store = assert(so.store(db, work .. "/lua.spill", work .. "/lua.cache"));
expect("connected",
	true, wait(store, function() return store:status().source == "database" end, 5));
shell(SO .. " zone add lua.example --reason t --by follow_lua");
sql("UPDATE smartoffice.federation_zone SET pins = ARRAY['"
	.. string.rep("0f", 32) .. "'] WHERE pattern = 'lua.example'");
expect("zone added", true,
	wait(store, function() return #store:pins("lua.example") == 1 end, 2));
expect("allows", true, store:allows("lua.example"));
expect("denies a subdomain", false, store:allows("x.lua.example"));
expect("the pin", string.rep("0f", 32), store:pins("lua.example")[1]);
expect("no pins: empty table", 0, #store:pins("x.lua.example"));
expect("poll without a change", false, store:poll());

for i = 1, 10 do
	local ok, err = store:audit("gov.pk", "follow_lua", "refuse",
		"not-approved", "l" .. i .. "@gov.pk", "evil.example");
	if not ok then
		expect("audit " .. i, true, err);
	end
end
local ok2, err2 = store:audit("gov.pk", "follow_lua", "", "rule");
expect("an empty decision", "nil invalid", tostring(ok2) .. " " .. err2);
expect("10 written", true,
	wait(store, function() return store:status().audit_written >= 10 end, 5));
expect("10 in the table", "10", sql("SELECT count(*) FROM smartoffice.audit "
	.. "WHERE module = 'follow_lua'"));

local st = store:status();
for _, k in ipairs({ "source", "zones", "connected", "error", "cache_error",
	"audit_queued", "audit_dropped", "audit_written", "audit_spilled",
	"audit_lost" }) do
	expect("status." .. k .. " present", true, st[k] ~= nil);
end

shell(SO .. " zone remove lua.example");
expect("zone removed", true,
	wait(store, function() return not store:allows("lua.example") end, 2));

store:close();
expect("closed: denies", false, store:allows("finance.gov.pk"));
local ok3, err3 = store:audit("gov.pk", "follow_lua", "refuse", "r");
expect("closed: audit refused", "nil closed", tostring(ok3) .. " " .. err3);
store = nil;
collectgarbage();

os.exit(failed == 0 and 0 or 1);
