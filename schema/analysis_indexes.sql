-- Indexes the analysis (reports/analyze.c) and the reports read, and ingest
-- does not: not a migration (no NNN_ prefix).  analyze_run() runs this file
-- first (CREATE INDEX IF NOT EXISTS: building an index in one sorted pass
-- costs less than keeping it up to date row by row during a replay), and a
-- replay into a database of at most STORE_REINDEX_SESSIONS sessions drops
-- them before it writes (analyzer/store/store.c).  The covering indexes for
-- big databases are in analysis_indexes_big.sql.
-- Each statement is one line of the form "CREATE INDEX IF NOT EXISTS name ON ...".

-- per server (the analysis' INDEXED BY, the report's per-server sections)
CREATE INDEX IF NOT EXISTS sessions_server ON sessions(server_ip, server_port);
-- which servers advertised an extension: the profiles that have it, then their sessions (schema 007)
CREATE INDEX IF NOT EXISTS sessions_profile ON sessions(ehlo_profile, server_ip, server_port);
