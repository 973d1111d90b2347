-- Smart Office schema: upgrade from version 1 to version 2 (the
-- government directory and the rollout's cities). Applied by
-- `smartoffice db upgrade`; CI checks that install-1 + this file gives
-- the same schema as install-2.

BEGIN;

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
    updated_at  timestamptz NOT NULL DEFAULT now()
);

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
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent IS DISTINCT FROM code),
    CHECK (path[cardinality(path)] = code)
);
CREATE INDEX org_unit_parent ON smartoffice.org_unit (parent);

CREATE SEQUENCE smartoffice.directory_change;

-- Employees, keyed by the HR employee number.
--   name_key  the folded English name, for ordering results
--   terms     search terms (docs/modules/directory.md#terms): "=word"
--             whole words of the names, designation, units and city;
--             "^prefix" prefixes of name words; "~..." the loose Urdu
--             key where it differs; "u:UNIT" the unit and each unit above
--             it; "c:CITY"; "g:GRADE"; "d:word" designation words.
--   change    a number from directory_change, newer on every change, so
--             that followers fetch only what changed.
CREATE TABLE smartoffice.employee (
    employee_no  text PRIMARY KEY
                 CHECK (employee_no ~ '^[A-Za-z0-9][A-Za-z0-9/-]{0,31}$'),
    name_en      text NOT NULL CHECK (name_en <> ''),
    name_ur      text NOT NULL CHECK (name_ur <> ''),
    designation  text NOT NULL CHECK (designation <> ''),
    bps          smallint NOT NULL CHECK (bps BETWEEN 1 AND 22),
    unit         text NOT NULL REFERENCES smartoffice.org_unit (code),
    city         text NOT NULL REFERENCES smartoffice.city (code),
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
CREATE INDEX employee_terms ON smartoffice.employee USING gin (terms);
CREATE INDEX employee_order ON smartoffice.employee
    (status_rank, name_key COLLATE "C", employee_no COLLATE "C");
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
