-- name_mismatch: sessions whose 220 banner host and EHLO reply host differ.
-- Columns: server_ip, server_port, sessions, t0, t1, bad (one of the two
-- names is not an FQDN).
CREATE TEMP TABLE an_mm AS SELECT server_ip, server_port, banner_host AS b,
       greeting_host AS g, sum(n) AS n, min(t0) AS t0, max(t1) AS t1,
       min(ex) AS ex, fqdn_kind(banner_host) AS bk, fqdn_kind(greeting_host) AS gk
  FROM an_base WHERE b220 AND banner_host IS NOT NULL AND greeting_host IS NOT NULL
   AND hok AND banner_host <> greeting_host COLLATE NOCASE
 GROUP BY server_ip, server_port, banner_host, greeting_host;
CREATE INDEX temp.an_mm_k ON an_mm(server_ip, server_port);
SELECT server_ip, server_port, sum(n), min(t0), max(t1),
       max(bk <> 'fqdn' OR gk <> 'fqdn')
  FROM an_mm WHERE server_ip IS NOT NULL GROUP BY server_ip, server_port;
