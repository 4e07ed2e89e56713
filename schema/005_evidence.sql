-- smtpscope schema version 5: how each session was recognised as SMTP
-- (analyzer/engine/probe.c) and the tunnel it came through.
-- The contract (levels, which findings use which) is in schema/README.md.

ALTER TABLE sessions ADD COLUMN evidence TEXT;            -- confirmed, greeting_only, client_only; NULL: older rows
ALTER TABLE sessions ADD COLUMN tunnel TEXT;              -- proxy_v1, proxy_v2, http_connect, socks4, socks4a, socks5; NULL: none
ALTER TABLE sessions ADD COLUMN tunnel_target TEXT;       -- CONNECT/SOCKS target or PROXY destination, host:port
ALTER TABLE sessions ADD COLUMN proxied_client_ip TEXT;   -- PROXY header's source address: the real client
ALTER TABLE sessions ADD COLUMN proxied_client_port INTEGER;

PRAGMA user_version = 5;
