-- starttls_not_offered: servers that answered EHLO but never advertised nor
-- accepted STARTTLS; port 465 (TLS from the start) is skipped.  Columns:
-- server_ip, server_port, ehlo_sessions, t0, t1.
SELECT s.server_ip, s.server_port, s.ehlo_ok, s.t0, s.t1 FROM an_srv s
 WHERE s.server_ip IS NOT NULL AND s.ehlo_ok > 0 AND s.starttls_ok = 0 AND s.server_port <> 465
   AND NOT EXISTS (SELECT 1 FROM an_tls t WHERE t.server_ip = s.server_ip
                   AND t.server_port = s.server_port);
