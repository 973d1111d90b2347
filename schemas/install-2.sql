-- Smart Office schema, version 2: full install.
--
-- Applied by `smartoffice db init` to an empty database whose encoding is
-- UTF8. A later version N adds install-N.sql (full) and upgrade-(N-1)-N.sql
-- (one step); CI applies both paths and compares the results.

BEGIN;

CREATE SCHEMA smartoffice;

CREATE TABLE smartoffice.schema_version (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- Approved remote domains (data residency). PATTERN is the normalised
-- A-label form (lower case, no trailing dot): 'finance.gov.pk' means
-- exactly that domain, '*.gov.pk' every subdomain of gov.pk.
CREATE TABLE smartoffice.federation_zone (
    pattern     text PRIMARY KEY
                CHECK (pattern ~ '^(\*\.)?[a-z0-9.-]+$'),
    reason      text NOT NULL CHECK (reason <> ''),
    added_by    text NOT NULL CHECK (added_by <> ''),
    added_at    timestamptz NOT NULL DEFAULT now(),
    -- optional SHA-256 fingerprints (hex, lower case) of the peer's
    -- certificate; empty means any valid certificate. The zone loader
    -- refuses a whole snapshot with one bad pin, so none gets in.
    pins        text[] NOT NULL DEFAULT '{}'
                CONSTRAINT federation_zone_pins_check
                CHECK (array_position(pins, NULL) IS NULL
                       AND array_to_string(pins, ',')
                           ~ '^([0-9a-f]{64}(,[0-9a-f]{64})*)?$')
);

-- Tamper-evident audit trail of policy decisions. No message content,
-- ever: only the decision, the rule and bare JIDs or domains.
-- hash = SHA-256(prev_hash || canonical form of the record), see
-- docs/modules/audit.md; the first record's prev_hash is 32 zero bytes
-- or the anchor left by expiry. ORIGIN_ID is the writer's unique name for
-- the record, so that a record replayed from a spill file after an
-- unacknowledged commit is not stored twice; it is not part of the hash.
CREATE TABLE smartoffice.audit (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    host        text NOT NULL,
    module      text NOT NULL,
    decision    text NOT NULL,
    rule        text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    object      text NOT NULL DEFAULT '',
    prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    origin_id   text NOT NULL UNIQUE CHECK (origin_id <> '')
);
CREATE INDEX audit_at ON smartoffice.audit (at);

-- The head of the chain: one row, locked by each writer so that records
-- from every host and tool form one sequence.
CREATE TABLE smartoffice.audit_head (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq         bigint NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO smartoffice.audit_head (seq, hash)
    VALUES (0, decode(repeat('00', 32), 'hex'));

-- Where verification starts after old records expired: the sequence
-- number and hash of the last expired record.
CREATE TABLE smartoffice.audit_anchor (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq         bigint NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    expired_at  timestamptz NOT NULL DEFAULT now()
);

-- Listeners (the Prosody modules) follow zone changes.
CREATE FUNCTION smartoffice.notify_zones() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('smartoffice_zones', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER federation_zone_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON smartoffice.federation_zone
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_zones();

-- The government directory (version 2). Names, designations and places
-- are stored as the HR office wrote them (UTF-8, byte for byte); every
-- search key beside them is computed by our tools in C (modules/core
-- so_fold), never by SQL collations, so that every host and tool folds a
-- name the same way. No national identity numbers, no home addresses.

-- Cities, with their place in the rollout (see docs/operations.md).
CREATE TABLE smartoffice.city (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    name_en     text NOT NULL CHECK (name_en <> ''),
    name_ur     text NOT NULL CHECK (name_ur <> ''),
    province    text NOT NULL CHECK (province IN (
                    'Islamabad Capital Territory', 'Punjab', 'Sindh',
                    'Khyber Pakhtunkhwa', 'Balochistan', 'Gilgit-Baltistan',
                    'Azad Jammu and Kashmir')),
    phase       integer NOT NULL CHECK (phase BETWEEN 1 AND 99),
    state       text NOT NULL DEFAULT 'planned'
                CHECK (state IN ('planned', 'pilot', 'live', 'paused')),
    -- the state a paused city had before `smartoffice rollout pause`,
    -- to which `rollout resume` returns it; NULL when the city is not
    -- paused or was paused by other means (then resume refuses)
    paused_from text CHECK (paused_from IN ('pilot', 'live')),
    -- search terms of the names (so_dterms_place): "=word" strict words
    -- of both names, "~=word" their loose key where it differs
    terms       text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX city_terms ON smartoffice.city USING gin (terms);

-- The organisation tree: a ministry or division at the root, then
-- departments, wings or sections, and offices. PATH lists the codes from
-- the root down to the unit itself; the tools keep it (a unit's parent
-- must exist before the unit).
CREATE TABLE smartoffice.org_unit (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
    parent      text REFERENCES smartoffice.org_unit (code),
    kind        text NOT NULL CHECK (kind IN ('ministry', 'division',
                    'department', 'wing', 'section', 'office')),
    name_en     text NOT NULL CHECK (name_en <> ''),
    name_ur     text NOT NULL CHECK (name_ur <> ''),
    path        text[] NOT NULL CHECK (cardinality(path) BETWEEN 1 AND 16),
    -- search terms of the names, as for city.terms
    terms       text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent IS DISTINCT FROM code),
    CHECK (path[cardinality(path)] = code)
);
CREATE INDEX org_unit_parent ON smartoffice.org_unit (parent);
CREATE INDEX org_unit_terms ON smartoffice.org_unit USING gin (terms);

CREATE SEQUENCE smartoffice.directory_change;

-- Employees, keyed by the HR employee number.
--   name_key  the folded English name
--   terms     search terms (modules/core/so_dterms.h): "=word" whole
--             words of the two names; "^prefix" prefixes of name words;
--             "~..." the loose Urdu key where it differs; "d:word"
--             designation words; "u:UNIT" the unit and each unit above
--             it; "c:CITY"; "g:GRADE". No stopwords, and no words of
--             unit or city names: the search finds those in
--             org_unit.terms and city.terms and asks for "u:" or "c:".
--   change    a number from directory_change, newer on every change, so
--             that followers fetch only what changed.
--
-- UNIT and CITY name an org_unit and a city, but not through foreign
-- keys: a foreign key checks each inserted or updated row on its own,
-- and those checks cost more than half of a bulk import (3 million rows).
-- The triggers below check the same thing once per statement, over all
-- of its rows, and refuse to delete or recode a unit or city an employee
-- still names.
CREATE TABLE smartoffice.employee (
    employee_no  text PRIMARY KEY
                 CHECK (employee_no ~ '^[A-Za-z0-9][A-Za-z0-9/-]{0,31}$'),
    name_en      text NOT NULL CHECK (name_en <> ''),
    name_ur      text NOT NULL CHECK (name_ur <> ''),
    designation  text NOT NULL CHECK (designation <> ''),
    bps          smallint NOT NULL CHECK (bps BETWEEN 1 AND 22),
    unit         text NOT NULL,
    city         text NOT NULL,
    office_phone text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    jid          text UNIQUE CHECK (jid <> ''),
    status       text NOT NULL CHECK (status IN ('active', 'on_leave',
                     'suspended', 'retired')),
    status_rank  smallint NOT NULL GENERATED ALWAYS AS (
                     CASE status WHEN 'active' THEN 0 WHEN 'on_leave' THEN 1
                     WHEN 'suspended' THEN 2 ELSE 3 END) STORED,
    name_key     text NOT NULL,
    terms        text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    change       bigint NOT NULL DEFAULT nextval('smartoffice.directory_change')
);
-- The planner chooses between employee_terms and a scan in
-- employee_order by how frequent each searched term is: it needs the
-- frequencies of many more terms than the default keeps. For an array
-- column the most-common-elements list holds ten times the target, so
-- 1000 tracks about 10,000 terms while ANALYZE samples 300,000 rows.
ALTER TABLE smartoffice.employee ALTER COLUMN terms SET STATISTICS 1000;
CREATE INDEX employee_terms ON smartoffice.employee USING gin (terms);
-- the search's order within a tier: status, then employee number
CREATE INDEX employee_order ON smartoffice.employee
    (status_rank, employee_no COLLATE "C");
CREATE INDEX employee_change ON smartoffice.employee (change);
CREATE INDEX employee_unit ON smartoffice.employee (unit);

-- Employees removed outright (rather than retired), for followers.
CREATE TABLE smartoffice.employee_gone (
    employee_no  text NOT NULL,
    jid          text,
    change       bigint NOT NULL DEFAULT nextval('smartoffice.directory_change'),
    gone_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employee_gone_change ON smartoffice.employee_gone (change);

-- Distinct folded words of names, with their trigrams (computed in C),
-- for finding misspelt words. Words are never removed.
CREATE TABLE smartoffice.directory_word (
    word        text PRIMARY KEY COLLATE "C",
    trigrams    text[] NOT NULL
);
CREATE INDEX directory_word_trigrams ON smartoffice.directory_word
    USING gin (trigrams);

-- Distinct whole designations, as the employees' "D:" terms (so_dterms):
-- the search matches a run of query words that is one of them by that
-- single term. Keys are never removed.
CREATE TABLE smartoffice.designation (
    key         text PRIMARY KEY COLLATE "C"
);

-- Rollout exceptions: a whole unit (and everything beneath it) or one
-- person may log in whatever the state of their city.
CREATE TABLE smartoffice.rollout_exception (
    kind        text NOT NULL CHECK (kind IN ('unit', 'person')),
    target      text NOT NULL CHECK (target <> ''),
    reason      text NOT NULL CHECK (reason <> ''),
    added_by    text NOT NULL CHECK (added_by <> ''),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, target)
);

CREATE FUNCTION smartoffice.employee_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change := nextval('smartoffice.directory_change');
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER employee_touched BEFORE UPDATE ON smartoffice.employee
    FOR EACH ROW EXECUTE FUNCTION smartoffice.employee_touch();

CREATE FUNCTION smartoffice.employee_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO smartoffice.employee_gone (employee_no, jid)
        VALUES (OLD.employee_no, OLD.jid);
    RETURN OLD;
END;
$$;
CREATE TRIGGER employee_removed AFTER DELETE ON smartoffice.employee
    FOR EACH ROW EXECUTE FUNCTION smartoffice.employee_removed();

-- The employees' units and cities, checked once per statement (see
-- smartoffice.employee). The units and cities named are first locked as a
-- foreign key would lock them, so that none can go before the statement's
-- transaction ends; then the first employee (by number) whose unit or
-- city is missing is reported with SQLSTATE 23503.
CREATE FUNCTION smartoffice.employee_refs_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    PERFORM 1 FROM smartoffice.org_unit
        WHERE code IN (SELECT DISTINCT unit FROM employee_new)
        FOR KEY SHARE;
    PERFORM 1 FROM smartoffice.city
        WHERE code IN (SELECT DISTINCT city FROM employee_new)
        FOR KEY SHARE;
    SELECT m.employee_no, m.what, m.code INTO bad FROM (
        SELECT n.employee_no, 'unit' AS what, n.unit AS code
            FROM employee_new n
            WHERE NOT EXISTS (SELECT 1 FROM smartoffice.org_unit u
                              WHERE u.code = n.unit)
        UNION ALL
        SELECT n.employee_no, 'city', n.city
            FROM employee_new n
            WHERE NOT EXISTS (SELECT 1 FROM smartoffice.city c
                              WHERE c.code = n.city)
    ) m
    ORDER BY m.employee_no COLLATE "C", m.what
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'employee % names % %, which does not exist',
            bad.employee_no, bad.what, bad.code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER employee_refs_inserted AFTER INSERT ON smartoffice.employee
    REFERENCING NEW TABLE AS employee_new
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.employee_refs_check();
CREATE TRIGGER employee_refs_updated AFTER UPDATE ON smartoffice.employee
    REFERENCING NEW TABLE AS employee_new
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.employee_refs_check();

-- A unit or city an employee names may be neither deleted nor given
-- another code, nor emptied by TRUNCATE while there are employees. (A
-- trigger with transition tables cannot be limited to UPDATE OF code, so
-- updates compare the codes before and after.)
CREATE FUNCTION smartoffice.place_refs_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    col text := CASE TG_TABLE_NAME WHEN 'org_unit' THEN 'unit'
                ELSE 'city' END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT e.employee_no, '' AS code INTO bad
            FROM smartoffice.employee e LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot truncate %: there are employees',
                TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format(
            'SELECT e.employee_no, e.%1$I AS code FROM smartoffice.employee e'
            ' WHERE e.%1$I IN (SELECT code FROM place_old'
            ' EXCEPT SELECT code FROM place_new)'
            ' ORDER BY e.employee_no COLLATE "C" LIMIT 1', col) INTO bad;
    ELSE
        EXECUTE format(
            'SELECT e.employee_no, e.%1$I AS code FROM smartoffice.employee e'
            ' WHERE e.%1$I IN (SELECT code FROM place_old)'
            ' ORDER BY e.employee_no COLLATE "C" LIMIT 1', col) INTO bad;
    END IF;
    IF bad.employee_no IS NOT NULL THEN
        RAISE EXCEPTION '% % is still named by employee %',
            col, bad.code, bad.employee_no
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_unit_refs_deleted AFTER DELETE ON smartoffice.org_unit
    REFERENCING OLD TABLE AS place_old
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();
CREATE TRIGGER org_unit_refs_updated AFTER UPDATE ON smartoffice.org_unit
    REFERENCING OLD TABLE AS place_old NEW TABLE AS place_new
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();
CREATE TRIGGER city_refs_deleted AFTER DELETE ON smartoffice.city
    REFERENCING OLD TABLE AS place_old
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();
CREATE TRIGGER city_refs_updated AFTER UPDATE ON smartoffice.city
    REFERENCING OLD TABLE AS place_old NEW TABLE AS place_new
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();
CREATE TRIGGER org_unit_refs_truncated
    BEFORE TRUNCATE ON smartoffice.org_unit
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();
CREATE TRIGGER city_refs_truncated BEFORE TRUNCATE ON smartoffice.city
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.place_refs_check();

-- Listeners (the directory and rollout modules) follow every change of
-- people, units, cities and exceptions on one channel.
CREATE FUNCTION smartoffice.notify_directory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('smartoffice_directory', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER employee_changed
    AFTER INSERT OR UPDATE OR DELETE ON smartoffice.employee
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_directory();
CREATE TRIGGER org_unit_changed
    AFTER INSERT OR UPDATE OR DELETE ON smartoffice.org_unit
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_directory();
CREATE TRIGGER city_changed
    AFTER INSERT OR UPDATE OR DELETE ON smartoffice.city
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_directory();
CREATE TRIGGER rollout_exception_changed
    AFTER INSERT OR UPDATE OR DELETE ON smartoffice.rollout_exception
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_directory();

-- Accounts the rollout created on the host for directory employees
-- (`smartoffice rollout provision CITY`). The activation secret is
-- stored only as its SHA-256 hash and expires; the host module creates
-- the account through its own account interface and activates it when a
-- client presents the secret (docs/modules/rollout.md).
CREATE TABLE smartoffice.rollout_account (
    employee_no      text PRIMARY KEY
                     REFERENCES smartoffice.employee (employee_no),
    jid              text NOT NULL UNIQUE CHECK (jid <> ''),
    state            text NOT NULL CHECK (state IN ('provisioned', 'active',
                         'deprovisioned')),
    secret_hash      bytea CHECK (length(secret_hash) = 32),
    secret_expires   timestamptz,
    provisioned_at   timestamptz NOT NULL DEFAULT now(),
    provisioned_by   text NOT NULL CHECK (provisioned_by <> ''),
    activated_at     timestamptz,
    deprovisioned_at timestamptz,
    change           bigint NOT NULL
                     DEFAULT nextval('smartoffice.directory_change'),
    CHECK ((secret_hash IS NULL) = (secret_expires IS NULL))
);
CREATE INDEX rollout_account_change ON smartoffice.rollout_account (change);

-- Counters the host modules add to, per day and city: messages sent, and
-- of those refused by the encryption policy (no content, only counts);
-- and users online now, per host and city, refreshed by the host.
CREATE TABLE smartoffice.rollout_counter (
    day         date NOT NULL,
    city        text NOT NULL,
    sent        bigint NOT NULL DEFAULT 0 CHECK (sent >= 0),
    refused     bigint NOT NULL DEFAULT 0 CHECK (refused >= 0),
    PRIMARY KEY (day, city)
);
CREATE TABLE smartoffice.rollout_online (
    host        text NOT NULL,
    city        text NOT NULL,
    online      integer NOT NULL CHECK (online >= 0),
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host, city)
);

CREATE FUNCTION smartoffice.rollout_account_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change := nextval('smartoffice.directory_change');
    RETURN NEW;
END;
$$;
CREATE TRIGGER rollout_account_touched BEFORE UPDATE
    ON smartoffice.rollout_account
    FOR EACH ROW EXECUTE FUNCTION smartoffice.rollout_account_touch();
CREATE TRIGGER rollout_account_changed
    AFTER INSERT OR UPDATE OR DELETE ON smartoffice.rollout_account
    FOR EACH STATEMENT EXECUTE FUNCTION smartoffice.notify_directory();

INSERT INTO smartoffice.schema_version (version) VALUES (2);

COMMIT;
