-- smtpscope schema version 1: captures, sessions, extensions.
-- The contract is documented table by table in schema/README.md.
-- Timestamps are Unix seconds as REAL (microsecond precision); addresses are
-- text in inet_ntop form; booleans are 0/1.

CREATE TABLE IF NOT EXISTS captures (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,          -- file path, '-' for stdin, or interface name
    kind          TEXT NOT NULL CHECK (kind IN ('file', 'live')),
    interface     TEXT,                   -- live only
    filter        TEXT,                   -- BPF filter, live only
    started       REAL NOT NULL,          -- wall clock when the run began
    finished      REAL,                   -- wall clock when it ended; NULL while running
    packets       INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    dropped       INTEGER NOT NULL DEFAULT 0, -- pcap_stats ps_drop (live)
    if_dropped    INTEGER NOT NULL DEFAULT 0, -- pcap_stats ps_ifdrop (live)
    smtp_sessions INTEGER NOT NULL DEFAULT 0,
    linktype      TEXT,                   -- libpcap's name for the link type
    content_hash  TEXT,                   -- FNV-1a 64 of the file (hex), file only
    file_size     INTEGER,                -- bytes, file only
    first_ts      REAL,                   -- capture time of the first packet
    last_ts       REAL,                   -- capture time of the last packet
    status        TEXT NOT NULL DEFAULT 'running', -- running, finished, error, interrupted
    error         TEXT                    -- why a replay stopped early
);

CREATE TABLE IF NOT EXISTS sessions (
    id              INTEGER PRIMARY KEY,
    capture_id      INTEGER NOT NULL REFERENCES captures(id),
    client_ip       TEXT NOT NULL,
    client_port     INTEGER NOT NULL,
    server_ip       TEXT NOT NULL,
    server_port     INTEGER NOT NULL,
    vlan            INTEGER NOT NULL DEFAULT 0,
    first_ts        REAL NOT NULL,
    last_ts         REAL NOT NULL,
    ndpi_protocol   TEXT,                 -- nDPI's name for the flow ("SMTP", "SMTPS", "Unknown")
    banner_code     INTEGER,
    banner_text     TEXT,
    banner_host     TEXT,
    software        TEXT,                 -- fingerprint from the banner ("Exchange 2000", "Postfix")
    helo_verb       TEXT,
    helo_arg        TEXT,
    greeting_host   TEXT,                 -- first word of the EHLO/HELO reply
    starttls        INTEGER NOT NULL DEFAULT 0,
    auth_mechanism  TEXT,
    xexps_advertised INTEGER NOT NULL DEFAULT 0,
    xexps_used      INTEGER NOT NULL DEFAULT 0,
    mails           INTEGER NOT NULL DEFAULT 0,
    outcome         TEXT NOT NULL,        -- completed aborted rejected tls reset truncated
    pipelined       INTEGER NOT NULL DEFAULT 0,
    bdat            INTEGER NOT NULL DEFAULT 0,
    bytes_c2s       INTEGER NOT NULL DEFAULT 0,
    bytes_s2c       INTEGER NOT NULL DEFAULT 0,
    gaps            INTEGER NOT NULL DEFAULT 0,
    anomalies       INTEGER NOT NULL DEFAULT 0,
    software_version TEXT,
    helo_code       INTEGER,
    ehlo_first_line TEXT,
    end_reason      TEXT                  -- fin rst timeout evicted capture
);

CREATE TABLE IF NOT EXISTS extensions (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,          -- order in the EHLO reply, from 1
    keyword    TEXT NOT NULL,             -- upper case
    params     TEXT
);

CREATE INDEX IF NOT EXISTS sessions_server ON sessions(server_ip, server_port);
CREATE INDEX IF NOT EXISTS sessions_capture ON sessions(capture_id);
CREATE INDEX IF NOT EXISTS extensions_session ON extensions(session_id);

PRAGMA user_version = 1;
