-- legacy_software: the banner names end-of-life software.  Columns:
-- server_ip, server_port, software, sessions, t0, t1.
SELECT server_ip, server_port, legacy, n, t0, t1 FROM an_srv
 WHERE server_ip IS NOT NULL AND legacy IS NOT NULL;
