-- smtpscope schema version 7: a cheaper write path (issue 15).
--
-- 1. EHLO capability lists are stored once each.  A server answers every
--    EHLO with the same list, so the old `extensions` table repeated ~13
--    rows per session.  Now `ehlo_profiles` holds each distinct list once
--    (keyed by its content), `ehlo_profile_extensions` its rows, and
--    `sessions.ehlo_profile` points to it.  `extensions` is a VIEW with the
--    documented columns (session_id, seq, keyword, params), so every query
--    written against the table still works.
-- 2. The transcript tables (`commands`, `replies`) are clustered on
--    (session_id, seq) (WITHOUT ROWID): one B-tree per table instead of the
--    table plus its session index.  Same columns, same meaning.
-- 3. Indexes that only the analysis and the reports read are no longer
--    maintained row by row during ingest: the analysis (reports/analyze.c,
--    analyze_indexes()) creates them when it starts, in one sorted pass.
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

-- ---- the transcript, clustered by session ----------------------------------
CREATE TABLE commands_v7 (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,          -- order in the session, from 1
    ts         REAL NOT NULL,
    verb       TEXT NOT NULL,
    arg        TEXT,                      -- AUTH/X-EXPS payloads redacted
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
INSERT INTO commands_v7 (session_id, seq, ts, verb, arg)
SELECT session_id, seq, ts, verb, arg FROM commands ORDER BY session_id, seq;
DROP TABLE commands;
ALTER TABLE commands_v7 RENAME TO commands;

CREATE TABLE replies_v7 (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    ts         REAL NOT NULL,
    code       INTEGER NOT NULL,
    enhanced   TEXT,                      -- RFC 3463 x.y.z
    text       TEXT,                      -- lines joined with '\n'
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
INSERT INTO replies_v7 (session_id, seq, ts, code, enhanced, text)
SELECT session_id, seq, ts, code, enhanced, text FROM replies ORDER BY session_id, seq;
DROP TABLE replies;
ALTER TABLE replies_v7 RENAME TO replies;

-- ---- indexes: what ingest needs stays, what the analysis reads is its own ----
-- Kept: sessions_capture (forgetting and merging a capture), mails_session,
-- recipients_mail, dsn_mail, anomalies_session, findings_server.
-- Built by the analysis (reports/analyze.c): the five below and
-- sessions_profile.
DROP INDEX IF EXISTS sessions_server;
DROP INDEX IF EXISTS sessions_client;
DROP INDEX IF EXISTS sessions_banner_host;
DROP INDEX IF EXISTS sessions_server_summary;
DROP INDEX IF EXISTS sessions_client_summary;

PRAGMA user_version = 7;
