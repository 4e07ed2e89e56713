-- The wide indexes only the analysis (reports/analyze.c) and the reports
-- read: not a migration (no NNN_ prefix).  analyze_run() runs this file when
-- the database holds more than ANALYZE_BIG_SESSIONS sessions (below that a
-- scan and a sort of the sessions cost less than building them), so they
-- are built once, in one sorted pass each, and kept up to date from then on.

-- per client and server
CREATE INDEX IF NOT EXISTS sessions_client ON sessions(client_ip, server_ip, server_port);
-- delivery-status reports tied to the names servers announced (schema 003)
CREATE INDEX IF NOT EXISTS sessions_banner_host ON sessions(banner_host COLLATE NOCASE);
-- covering per-server summary, in the analysis' GROUP BY order (schema 004)
CREATE INDEX IF NOT EXISTS sessions_server_summary ON sessions(server_ip, server_port, banner_host, greeting_host, banner_code, helo_code, software, software_version, outcome, mails, helo_verb, starttls, xexps_advertised, first_ts, last_ts);
-- which servers advertised an extension: the profiles that have it, then their sessions (schema 007)
CREATE INDEX IF NOT EXISTS sessions_profile ON sessions(ehlo_profile, server_ip, server_port);
-- covering per-client summary (schema 004)
CREATE INDEX IF NOT EXISTS sessions_client_summary ON sessions(client_ip, helo_arg, server_ip, server_port, outcome, mails, first_ts, last_ts);
