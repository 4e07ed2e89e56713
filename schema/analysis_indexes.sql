-- The indexes the analysis (reports/analyze.c) reads: not a migration (no
-- NNN_ prefix).  analyze_run() runs this file first: a new database is
-- written without them (ingest does not pay for them row by row), and each
-- is built here in one sorted pass when missing; once built, ingest keeps
-- them up to date.  The wide ones are in analysis_indexes_big.sql.

-- per server (the analysis' INDEXED BY, the report's per-server sections)
CREATE INDEX IF NOT EXISTS sessions_server ON sessions(server_ip, server_port);
