-- oracle.sql - what the directory bench expects a query to find, in plain
-- SQL over the stored columns of smartoffice.employee, without the
-- search's own terms, folding or word lists (bench_directory.c says which
-- set each category expects). Schema dirbench of the bench database:
--
--   dirbench.latin_words(name)  the lower-cased words of a Latin name,
--       the spellings scripts/gen-directory varies read as one word
--       (its MUHAMMAD and LATIN_VARIANTS: keep the two in step)
--   dirbench.urdu_key(name)     an Urdu name with the letters an Arabic
--       keyboard types (gen-directory's ARABIC_KEYBOARD) read as Urdu ones
--   dirbench.person             one row per employee: employee number, JID,
--       those two keys, the lower-cased designation and the city code,
--       indexed for the three kinds of expected set
--
-- Built after every load, before the queries are drawn.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS dirbench CASCADE;
CREATE SCHEMA dirbench;

CREATE FUNCTION dirbench.latin_words(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(CASE w
        WHEN 'mohammad' THEN 'muhammad'
        WHEN 'muhammed' THEN 'muhammad'
        WHEN 'm.' THEN 'muhammad'
        WHEN 'husain' THEN 'hussain'
        WHEN 'rahman' THEN 'rehman'
        WHEN 'ch.' THEN 'chaudhry'
        ELSE w END), '{}')
    FROM unnest(regexp_split_to_array(lower(btrim(name)), '\s+')) AS w
    WHERE w <> ''
$$;

-- Arabic yeh, kaf and heh as Farsi yeh, keheh and heh goal.
CREATE FUNCTION dirbench.urdu_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(btrim(name), U&'\064A\0643\0647', U&'\06CC\06A9\06C1')
$$;

CREATE TABLE dirbench.person AS
SELECT e.employee_no, e.jid,
       dirbench.latin_words(e.name_en) AS words,
       dirbench.urdu_key(e.name_ur) AS urdu,
       lower(e.designation) AS designation,
       e.city
FROM smartoffice.employee e;

CREATE INDEX ON dirbench.person (employee_no);
CREATE INDEX ON dirbench.person (jid);
CREATE INDEX ON dirbench.person USING gin (words);
CREATE INDEX ON dirbench.person (urdu);
CREATE INDEX ON dirbench.person (designation, city);
VACUUM ANALYZE dirbench.person;
