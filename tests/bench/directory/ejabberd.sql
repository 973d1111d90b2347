-- ejabberd.sql - ejabberd mod_vcard's search table, as its PostgreSQL
-- schema defines it (one text column and one lower-cased twin per vCard
-- search field, a primary key on lusername and a btree index on every
-- other lower-cased column), in schema ejabberd of the bench database,
-- filled from smartoffice.employee: the same people, so that both
-- searches are asked about the same data.
--
-- Mapping: username = employee number; fn = name_en; given = its first
-- word, family = its last word (none for a one-word name), middle = the
-- words between; nickname = name_ur; locality = the city's English name;
-- orgname = the ministry (the root of the unit's path); orgunit = the
-- unit; email as stored; ctry = PK; bday empty. Every l* column is
-- lower() of its twin, as ejabberd lowercases (no other folding).
-- The indexes are built after the fill.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ejabberd CASCADE;
CREATE SCHEMA ejabberd;

CREATE TABLE ejabberd.vcard_search (
    username text NOT NULL,
    lusername text NOT NULL,
    fn text NOT NULL,
    lfn text NOT NULL,
    "family" text NOT NULL,
    lfamily text NOT NULL,
    given text NOT NULL,
    lgiven text NOT NULL,
    middle text NOT NULL,
    lmiddle text NOT NULL,
    nickname text NOT NULL,
    lnickname text NOT NULL,
    bday text NOT NULL,
    lbday text NOT NULL,
    ctry text NOT NULL,
    lctry text NOT NULL,
    locality text NOT NULL,
    llocality text NOT NULL,
    email text NOT NULL,
    lemail text NOT NULL,
    orgname text NOT NULL,
    lorgname text NOT NULL,
    orgunit text NOT NULL,
    lorgunit text NOT NULL
);

INSERT INTO ejabberd.vcard_search
SELECT e.employee_no, lower(e.employee_no),
       e.name_en, lower(e.name_en),
       n.family, lower(n.family),
       n.given, lower(n.given),
       n.middle, lower(n.middle),
       e.name_ur, lower(e.name_ur),
       '', '',
       'PK', 'pk',
       c.name_en, lower(c.name_en),
       e.email, lower(e.email),
       m.name_en, lower(m.name_en),
       u.name_en, lower(u.name_en)
FROM smartoffice.employee e
JOIN smartoffice.city c ON c.code = e.city
JOIN smartoffice.org_unit u ON u.code = e.unit
JOIN smartoffice.org_unit m ON m.code = u.path[1]
CROSS JOIN LATERAL (
    SELECT regexp_split_to_array(btrim(e.name_en), '\s+') AS w
) s
CROSS JOIN LATERAL (
    SELECT s.w[1] AS given,
           CASE WHEN cardinality(s.w) > 1 THEN s.w[cardinality(s.w)]
                ELSE '' END AS family,
           coalesce(array_to_string(s.w[2:cardinality(s.w) - 1], ' '), '')
               AS middle
) n;

ALTER TABLE ejabberd.vcard_search ADD PRIMARY KEY (lusername);
CREATE INDEX i_vcard_search_lfn ON ejabberd.vcard_search (lfn);
CREATE INDEX i_vcard_search_lfamily ON ejabberd.vcard_search (lfamily);
CREATE INDEX i_vcard_search_lgiven ON ejabberd.vcard_search (lgiven);
CREATE INDEX i_vcard_search_lmiddle ON ejabberd.vcard_search (lmiddle);
CREATE INDEX i_vcard_search_lnickname ON ejabberd.vcard_search (lnickname);
CREATE INDEX i_vcard_search_lbday ON ejabberd.vcard_search (lbday);
CREATE INDEX i_vcard_search_lctry ON ejabberd.vcard_search (lctry);
CREATE INDEX i_vcard_search_llocality ON ejabberd.vcard_search (llocality);
CREATE INDEX i_vcard_search_lemail ON ejabberd.vcard_search (lemail);
CREATE INDEX i_vcard_search_lorgname ON ejabberd.vcard_search (lorgname);
CREATE INDEX i_vcard_search_lorgunit ON ejabberd.vcard_search (lorgunit);
VACUUM ANALYZE ejabberd.vcard_search;
