-- expired_447 tied to a server (temp.an_tie).  Columns: server_ip,
-- server_port, reports, first, last, name.
SELECT t.server_ip, t.server_port, count(DISTINCT t.mail_id), min(r.ts), max(r.ts), min(t.name)
  FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id
 WHERE t.server_ip IS NOT NULL AND t.name IS NOT NULL
 GROUP BY t.server_ip, t.server_port;
