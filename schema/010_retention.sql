-- smtpscope schema version 10: retention (`smtpscope prune`, `live --retain`).
-- Pruning deletes old sessions with all their rows; what must outlive them
-- is kept here: per-server daily summaries of the sessions deleted, and the
-- findings as they stood before each prune (the findings table itself is
-- recomputed from the sessions that remain).

-- What pruned sessions contributed, per server and UTC day of first_ts.
CREATE TABLE IF NOT EXISTS server_history (
    server_ip   TEXT NOT NULL,
    server_port INTEGER NOT NULL,
    day         TEXT NOT NULL,            -- 'YYYY-MM-DD' (UTC) of the sessions' first_ts
    names       TEXT,                     -- distinct banner_host values, comma separated
    software    TEXT,                     -- a fingerprint seen that day (most frequent)
    sessions    INTEGER NOT NULL DEFAULT 0,
    aborted     INTEGER NOT NULL DEFAULT 0,
    mails       INTEGER NOT NULL DEFAULT 0,
    first_ts    REAL,
    last_ts     REAL,
    PRIMARY KEY (server_ip, server_port, day)
);

-- Every finding seen before a prune, one row per finding key; first_ts and
-- last_ts widen as later prunes see it again, the rest is the latest state.
CREATE TABLE IF NOT EXISTS findings_history (
    kind        TEXT NOT NULL,
    server_ip   TEXT NOT NULL DEFAULT '',  -- '' where findings.server_ip is NULL
    server_port INTEGER NOT NULL DEFAULT 0,
    client_ip   TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    remediation TEXT,
    first_ts    REAL,
    last_ts     REAL,
    recorded    REAL NOT NULL,            -- wall clock of the prune that last wrote it
    PRIMARY KEY (kind, server_ip, server_port, client_ip, name)
);

-- One row per prune run.
CREATE TABLE IF NOT EXISTS prunes (
    id          INTEGER PRIMARY KEY,
    started     REAL NOT NULL,
    finished    REAL,
    cutoff      REAL NOT NULL,            -- sessions that ended before this were deleted
    sessions    INTEGER NOT NULL DEFAULT 0,
    stats_rows  INTEGER NOT NULL DEFAULT 0,
    batches     INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'running'  -- running, finished, interrupted, error
);

-- Per server over all time: the sessions still stored plus the pruned ones.
CREATE VIEW IF NOT EXISTS server_totals AS
SELECT server_ip, server_port, sum(sessions) AS sessions, sum(aborted) AS aborted, sum(mails) AS mails,
       min(first_ts) AS first_ts, max(last_ts) AS last_ts
  FROM (SELECT server_ip, server_port, count(*) AS sessions, sum(outcome = 'aborted') AS aborted,
               sum(mails) AS mails, min(first_ts) AS first_ts, max(last_ts) AS last_ts
          FROM sessions GROUP BY server_ip, server_port
        UNION ALL
        SELECT server_ip, server_port, sessions, aborted, mails, first_ts, last_ts FROM server_history)
 GROUP BY server_ip, server_port;

-- The prune's batches pick old sessions by end time.
CREATE INDEX IF NOT EXISTS sessions_last_ts ON sessions(last_ts);
CREATE INDEX IF NOT EXISTS capture_stats_ts ON capture_stats(ts);

PRAGMA user_version = 10;
