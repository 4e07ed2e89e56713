-- smtpscope schema version 2: transcripts, mail transactions, delivery-status
-- reports, anomalies, findings, capture counters and statistics, the servers view.

ALTER TABLE sessions ADD COLUMN client_helo_kind TEXT;     -- fqdn_kind of helo_arg
ALTER TABLE sessions ADD COLUMN banner_host_kind TEXT;     -- fqdn_kind of banner_host
ALTER TABLE sessions ADD COLUMN greeting_host_kind TEXT;   -- fqdn_kind of greeting_host
ALTER TABLE sessions ADD COLUMN starttls_code INTEGER;
ALTER TABLE sessions ADD COLUMN auth_code INTEGER;
ALTER TABLE sessions ADD COLUMN auth_round_trips INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN auth_payload_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN xexps_mechanisms TEXT;
ALTER TABLE sessions ADD COLUMN auth_advertised TEXT;
ALTER TABLE sessions ADD COLUMN commands_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN replies_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN gap_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN midstream INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN quit INTEGER NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS commands (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,          -- order in the session, from 1
    ts         REAL NOT NULL,
    verb       TEXT NOT NULL,
    arg        TEXT                       -- AUTH/X-EXPS payloads redacted
);

CREATE TABLE IF NOT EXISTS replies (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    ts         REAL NOT NULL,
    code       INTEGER NOT NULL,
    enhanced   TEXT,                      -- RFC 3463 x.y.z
    text       TEXT                       -- lines joined with '\n'
);

CREATE TABLE IF NOT EXISTS mails (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,         -- order in the session, from 1
    ts          REAL,
    mail_from   TEXT,                     -- '' for the null reverse path <>
    rcpt_count  INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    size        INTEGER,                  -- message bytes (after dot-unstuffing)
    subject     TEXT,
    message_id  TEXT,
    is_dsn      INTEGER NOT NULL DEFAULT 0,
    params      TEXT,
    size_param  INTEGER,
    body_type   TEXT,
    ret         TEXT,
    envid       TEXT,
    auth        TEXT,
    mail_code   INTEGER,
    data_code   INTEGER,
    final_code  INTEGER,
    final_enhanced TEXT,
    bdat        INTEGER NOT NULL DEFAULT 0,
    bdat_chunks INTEGER NOT NULL DEFAULT 0,
    completed   INTEGER NOT NULL DEFAULT 0,
    hdr_from    TEXT,
    hdr_to      TEXT,
    hdr_date    TEXT,
    content_type TEXT
);

CREATE TABLE IF NOT EXISTS recipients (
    mail_id  INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    address  TEXT NOT NULL,
    code     INTEGER,
    enhanced TEXT
);

CREATE TABLE IF NOT EXISTS dsn_recipients (
    mail_id         INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
    final_recipient TEXT,
    action          TEXT,
    status          TEXT,
    reporting_mta   TEXT,
    diagnostic      TEXT
);

CREATE TABLE IF NOT EXISTS anomalies (
    session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE, -- NULL: capture-level
    capture_id INTEGER REFERENCES captures(id),
    ts         REAL,
    kind       TEXT NOT NULL,
    detail     TEXT
);

CREATE TABLE IF NOT EXISTS capture_counters (
    capture_id INTEGER NOT NULL REFERENCES captures(id),
    name       TEXT NOT NULL,             -- non_ip, non_tcp, ooo_segments, retransmissions, ...
    value      INTEGER NOT NULL,
    PRIMARY KEY (capture_id, name)
);

CREATE TABLE IF NOT EXISTS capture_stats (
    capture_id INTEGER NOT NULL REFERENCES captures(id),
    ts         REAL NOT NULL,             -- wall clock of the sample
    packets    INTEGER NOT NULL,          -- cumulative
    bytes      INTEGER NOT NULL,
    pps        REAL,
    mbps       REAL,
    smtp_sessions INTEGER NOT NULL DEFAULT 0,
    dropped    INTEGER NOT NULL DEFAULT 0, -- cumulative ps_drop
    if_dropped INTEGER NOT NULL DEFAULT 0  -- cumulative ps_ifdrop
);

CREATE TABLE IF NOT EXISTS findings (
    id          INTEGER PRIMARY KEY,
    server_ip   TEXT,                     -- NULL for client-side findings keyed by client
    server_port INTEGER,
    kind        TEXT NOT NULL,            -- non_fqdn_greeting, name_mismatch, ...
    severity    TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low', 'info')),
    name        TEXT,                     -- the name at fault (banner host, HELO argument)
    summary     TEXT NOT NULL,
    evidence    TEXT NOT NULL,            -- JSON object
    first_ts    REAL,
    last_ts     REAL,
    remediation TEXT,
    client_ip   TEXT                      -- for client-side findings
);

CREATE INDEX IF NOT EXISTS commands_session ON commands(session_id);
CREATE INDEX IF NOT EXISTS replies_session ON replies(session_id);
CREATE INDEX IF NOT EXISTS mails_session ON mails(session_id);
CREATE INDEX IF NOT EXISTS recipients_mail ON recipients(mail_id);
CREATE INDEX IF NOT EXISTS dsn_mail ON dsn_recipients(mail_id);
CREATE INDEX IF NOT EXISTS anomalies_session ON anomalies(session_id);
CREATE INDEX IF NOT EXISTS findings_server ON findings(server_ip, server_port);
CREATE INDEX IF NOT EXISTS sessions_client ON sessions(client_ip, server_ip, server_port);

CREATE VIEW IF NOT EXISTS servers AS
SELECT server_ip,
       server_port,
       group_concat(DISTINCT banner_host) AS names,
       (SELECT s2.software FROM sessions s2
         WHERE s2.server_ip = s.server_ip AND s2.server_port = s.server_port
           AND s2.software IS NOT NULL
         GROUP BY s2.software ORDER BY count(*) DESC LIMIT 1) AS software,
       count(*) AS sessions,
       sum(outcome = 'aborted') AS aborted,
       min(first_ts) AS first_ts,
       max(last_ts) AS last_ts
  FROM sessions s
 GROUP BY server_ip, server_port;

PRAGMA user_version = 2;
