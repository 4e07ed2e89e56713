-- rejected_sessions: servers that rejected the greeting or HELO/EHLO.
-- Columns: server_ip, server_port, rejected, sessions, t0, t1.
SELECT server_ip, server_port, rejected, n, t0, t1 FROM an_srv
 WHERE server_ip IS NOT NULL AND rejected > 0;
