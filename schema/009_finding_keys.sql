-- smtpscope schema version 9: findings a monitoring system can follow.
--
-- Every finding gets a stable key (its kind, its server or client and its
-- name) that survives `analyze`, when it was first and last seen by an
-- analysis (wall clock), whether it is new in the latest analysis, and the
-- name the server should announce when the evidence shows one.  The history
-- of keys is kept in finding_history, across analyses; analyses counts them.

ALTER TABLE findings ADD COLUMN finding_key TEXT;      -- 16 hex digits, stable across analyses
ALTER TABLE findings ADD COLUMN first_seen REAL;       -- wall clock of the first analysis that found it
ALTER TABLE findings ADD COLUMN last_seen REAL;        -- wall clock of the latest analysis that found it
ALTER TABLE findings ADD COLUMN is_new INTEGER NOT NULL DEFAULT 0; -- 1: the previous analysis did not find it
ALTER TABLE findings ADD COLUMN suggested_name TEXT;   -- the name to announce, when evidence shows one
ALTER TABLE findings ADD COLUMN suggested_source TEXT; -- where that name was seen (ehlo_reply, ...)

CREATE INDEX IF NOT EXISTS findings_key ON findings(finding_key);

CREATE TABLE IF NOT EXISTS analyses (
    id       INTEGER PRIMARY KEY,
    ts       REAL NOT NULL,                -- wall clock (or SOURCE_DATE_EPOCH)
    findings INTEGER NOT NULL DEFAULT 0,
    new      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS finding_history (
    finding_key   TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    server_ip     TEXT,
    server_port   INTEGER,
    client_ip     TEXT,
    name          TEXT,
    first_seen    REAL NOT NULL,
    last_seen     REAL NOT NULL,
    last_analysis INTEGER NOT NULL         -- analyses.id that last found it
);
