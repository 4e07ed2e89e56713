-- smtpscope schema version 7: a cheaper write path (issue 15).
--
-- 1. EHLO capability lists are stored once each.  A server answers every
--    EHLO with the same list, so the old `extensions` table repeated ~13
--    rows per session.  Now `ehlo_profiles` holds each distinct list once
--    (keyed by its content), `ehlo_profile_extensions` its rows, and
--    `sessions.ehlo_profile` points to it.  `extensions` is a VIEW with the
--    documented columns (session_id, seq, keyword, params), so every query
--    written against the table still works.
-- 2. A session's transcript is one `transcripts` row (two JSON arrays)
--    instead of a row per command and per reply; `commands` and `replies`
--    are VIEWs with the documented columns (and accept INSERTs).
-- 3. The indexes only the analysis and the reports read (schemas 1 to 4)
--    leave the schema: the analysis (reports/analyze.c) builds them, one
--    sorted pass each, when they are missing (the wide ones only once a
--    database is big enough for them to pay).
--
-- Existing rows are converted; the queries of schema/README.md give the same
-- answers before and after (tests/e2e/test_migrate.sh).

CREATE TABLE IF NOT EXISTS ehlo_profiles (
    id           INTEGER PRIMARY KEY,
    capabilities TEXT NOT NULL UNIQUE,   -- the list: one "KEYWORD[ params]" per line, in order, joined by '\n'
    extensions   INTEGER NOT NULL        -- how many lines
);

CREATE TABLE IF NOT EXISTS ehlo_profile_extensions (
    profile_id INTEGER NOT NULL REFERENCES ehlo_profiles(id),
    seq        INTEGER NOT NULL,         -- order in the EHLO reply, from 1
    keyword    TEXT NOT NULL,            -- upper case
    params     TEXT,
    PRIMARY KEY (profile_id, seq)
) WITHOUT ROWID;

ALTER TABLE sessions ADD COLUMN ehlo_profile INTEGER REFERENCES ehlo_profiles(id);

-- ---- existing extension rows -> profiles ----------------------------------
-- Each session's list rendered as ehlo_profiles.capabilities (a keyword has
-- no space and no line end; params have no line end and are never ''), so
-- equal text means an equal list.  The window's ORDER BY fixes the order.
CREATE TABLE m007_caps AS
SELECT session_id, caps, n FROM (
    SELECT session_id, seq,
           group_concat(keyword || coalesce(' ' || params, ''), char(10)) OVER w AS caps,
           count(*) OVER w AS n,
           row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn
      FROM extensions
    WINDOW w AS (PARTITION BY session_id ORDER BY seq
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
 WHERE rn = 1;
CREATE INDEX m007_caps_s ON m007_caps(session_id);

INSERT OR IGNORE INTO ehlo_profiles (capabilities, extensions)
SELECT caps, n FROM m007_caps GROUP BY caps ORDER BY min(session_id);

-- the rows of one session per profile (the first that had it)
INSERT INTO ehlo_profile_extensions (profile_id, seq, keyword, params)
SELECT p.id, e.seq, e.keyword, e.params
  FROM ehlo_profiles p
  JOIN (SELECT caps, min(session_id) AS sid FROM m007_caps GROUP BY caps) f ON f.caps = p.capabilities
  JOIN extensions e ON e.session_id = f.sid
 WHERE NOT EXISTS (SELECT 1 FROM ehlo_profile_extensions x WHERE x.profile_id = p.id)
 ORDER BY p.id, e.seq;

UPDATE sessions SET ehlo_profile = (
    SELECT p.id FROM m007_caps c JOIN ehlo_profiles p ON p.capabilities = c.caps
     WHERE c.session_id = sessions.id)
 WHERE id IN (SELECT session_id FROM m007_caps);

DROP TABLE m007_caps;
DROP TABLE extensions;                     -- and its indexes

CREATE VIEW IF NOT EXISTS extensions AS
SELECT s.id AS session_id, e.seq AS seq, e.keyword AS keyword, e.params AS params
  FROM sessions s
  JOIN ehlo_profile_extensions e ON e.profile_id = s.ehlo_profile;

-- ---- the transcript: one row per session -----------------------------------
-- commands: JSON array of [ts_us, verb, arg]; replies: of [ts_us, code,
-- enhanced, text] (analyzer/store/transcript.h).  Times in integer
-- microseconds, so that ts reads back exactly (ts = ts_us / 1e6, as written).
CREATE TABLE IF NOT EXISTS transcripts (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    commands   TEXT,                  -- JSON array, in order; NULL: none
    replies    TEXT                   -- JSON array, in order; NULL: none
);

CREATE TABLE m007_cmd AS
SELECT session_id, '[' || group_concat(json_array(CAST(round(ts * 1e6) AS INTEGER), verb, arg), ',')
         OVER (PARTITION BY session_id ORDER BY seq
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) || ']' AS j,
       row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn
  FROM commands;
CREATE TABLE m007_rep AS
SELECT session_id, '[' || group_concat(json_array(CAST(round(ts * 1e6) AS INTEGER), code, enhanced, text), ',')
         OVER (PARTITION BY session_id ORDER BY seq
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) || ']' AS j,
       row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn
  FROM replies;
INSERT INTO transcripts (session_id, commands, replies)
SELECT s.session_id,
       (SELECT j FROM m007_cmd c WHERE c.session_id = s.session_id AND c.rn = 1),
       (SELECT j FROM m007_rep r WHERE r.session_id = s.session_id AND r.rn = 1)
  FROM (SELECT session_id FROM m007_cmd WHERE rn = 1
        UNION SELECT session_id FROM m007_rep WHERE rn = 1) s
 ORDER BY s.session_id;
DROP TABLE m007_cmd;
DROP TABLE m007_rep;
DROP TABLE commands;                       -- and commands_session
DROP TABLE replies;                        -- and replies_session

-- The documented tables, as views over the transcript.  Only json_each()
-- (innocuous: readable with PRAGMA trusted_schema = OFF, as smtpscope opens
-- every database): one json_each per line, one per field of it.
CREATE VIEW IF NOT EXISTS commands AS
SELECT t.session_id AS session_id, j.key + 1 AS seq,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 0) / 1e6 AS ts,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 1) AS verb,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 2) AS arg
  FROM transcripts t, json_each(t.commands) j;

CREATE VIEW IF NOT EXISTS replies AS
SELECT t.session_id AS session_id, j.key + 1 AS seq,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 0) / 1e6 AS ts,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 1) AS code,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 2) AS enhanced,
       (SELECT f.value FROM json_each(j.value) f WHERE f.key = 3) AS text
  FROM transcripts t, json_each(t.replies) j;

-- Writing to the views still works (scripts and tests that add lines; the
-- JSON functions need trusted_schema on, sqlite3's default): a row is
-- appended to its session's transcript (seq is its place: lines are
-- appended in order).
CREATE TRIGGER IF NOT EXISTS commands_insert INSTEAD OF INSERT ON commands
BEGIN
    INSERT OR IGNORE INTO transcripts (session_id) VALUES (NEW.session_id);
    UPDATE transcripts
       SET commands = json_insert(coalesce(commands, '[]'), '$[#]',
                                  json_array(CAST(round(NEW.ts * 1e6) AS INTEGER), NEW.verb, NEW.arg))
     WHERE session_id = NEW.session_id;
END;

CREATE TRIGGER IF NOT EXISTS replies_insert INSTEAD OF INSERT ON replies
BEGIN
    INSERT OR IGNORE INTO transcripts (session_id) VALUES (NEW.session_id);
    UPDATE transcripts
       SET replies = json_insert(coalesce(replies, '[]'), '$[#]',
                                 json_array(CAST(round(NEW.ts * 1e6) AS INTEGER), NEW.code,
                                            NEW.enhanced, NEW.text))
     WHERE session_id = NEW.session_id;
END;

-- ---- indexes: what ingest needs, and what the analysis builds itself ----
-- Kept: sessions_capture (forgetting and merging a capture), mails_session,
-- recipients_mail, dsn_mail, anomalies_session, findings_server.  The five
-- below (and sessions_profile) are the analysis' own: it builds them in one
-- sorted pass each when they are missing (schema/analysis_indexes*.sql), so
-- a new database is written without them; once built they are kept up to
-- date like the others.
DROP INDEX IF EXISTS sessions_server;
DROP INDEX IF EXISTS sessions_client;
DROP INDEX IF EXISTS sessions_banner_host;
DROP INDEX IF EXISTS sessions_server_summary;
DROP INDEX IF EXISTS sessions_client_summary;

PRAGMA user_version = 7;
