-- smtpscope schema version 3: indexes for the analysis (reports/analyze.c)
-- and the report queries (reports/queries/*.sql).

-- Tying delivery-status reports to servers: the report's Reporting-MTA or
-- recipient domain is looked up among the names servers announced, without
-- regard to case (`banner_host = ? COLLATE NOCASE` uses this index).
CREATE INDEX IF NOT EXISTS sessions_banner_host ON sessions(banner_host COLLATE NOCASE);

-- "Which sessions were offered STARTTLS / X-EXPS": a range of this index
-- instead of a scan of every extension row.
CREATE INDEX IF NOT EXISTS extensions_keyword ON extensions(keyword, session_id);

PRAGMA user_version = 3;
