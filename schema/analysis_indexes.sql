-- Indexes the analysis (reports/analyze.c) and the reports read, and ingest
-- does not: not a migration (no NNN_ prefix).  analyze_run() runs this file
-- first (CREATE INDEX IF NOT EXISTS: building an index in one sorted pass
-- costs less than keeping it up to date row by row during a replay), and a
-- replay into a database of at most STORE_REINDEX_SESSIONS sessions drops
-- them before it writes (analyzer/store/store.c, store_ingest_begin()).
-- Each statement is one line of the form "CREATE INDEX IF NOT EXISTS name ON ...".

-- per server (the analysis' INDEXED BY, the report's per-server sections)
CREATE INDEX IF NOT EXISTS sessions_server ON sessions(server_ip, server_port);
-- per client and server
CREATE INDEX IF NOT EXISTS sessions_client ON sessions(client_ip, server_ip, server_port);
-- delivery-status reports tied to the names servers announced (schema 003)
CREATE INDEX IF NOT EXISTS sessions_banner_host ON sessions(banner_host COLLATE NOCASE);
-- covering per-server summary, in the analysis' GROUP BY order (schema 004)
CREATE INDEX IF NOT EXISTS sessions_server_summary ON sessions(server_ip, server_port, banner_host, greeting_host, banner_code, helo_code, software, software_version, outcome, mails, helo_verb, starttls, xexps_advertised, first_ts, last_ts);
-- covering per-client summary (schema 004)
CREATE INDEX IF NOT EXISTS sessions_client_summary ON sessions(client_ip, helo_arg, server_ip, server_port, outcome, mails, first_ts, last_ts);
-- which servers advertised an extension: the profiles that have it, then their sessions (schema 007)
CREATE INDEX IF NOT EXISTS sessions_profile ON sessions(ehlo_profile, server_ip, server_port);
