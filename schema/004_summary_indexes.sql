-- smtpscope schema version 4: covering indexes for the per-server and
-- per-client summaries of the analysis (reports/analyze.c) and the report
-- (reports/queries/*.sql).  Indexes only.
--
-- With them, "per server" and "per client" GROUP BYs over 10^6 sessions read
-- the index in its order (no sort, no lookup of the wide sessions rows), and
-- the report's per-server sections read one server's range of the index.

-- Per server: the names it announced, its software, how its sessions ended,
-- and what analyze_run() counts (an_base).  Column order = the analysis'
-- GROUP BY order; the rest only makes the index covering.
CREATE INDEX IF NOT EXISTS sessions_server_summary ON sessions(
    server_ip, server_port, banner_host, greeting_host, banner_code, helo_code, software,
    software_version, outcome, mails, helo_verb, starttls, xexps_advertised, first_ts, last_ts);

-- Per client: the HELO/EHLO names it used (client_non_fqdn_helo, the
-- report's busiest clients).
CREATE INDEX IF NOT EXISTS sessions_client_summary ON sessions(
    client_ip, helo_arg, server_ip, server_port, outcome, mails, first_ts, last_ts);

PRAGMA user_version = 4;
