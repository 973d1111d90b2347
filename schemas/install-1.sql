-- Smart Office schema, version 1: full install.
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

INSERT INTO smartoffice.schema_version (version) VALUES (1);

COMMIT;
