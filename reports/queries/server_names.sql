-- Names a server announced.  ?1 server_ip, ?2 server_port.
SELECT * FROM (
  SELECT 'greeting' AS source, banner_host AS name, fqdn_kind(banner_host) AS kind,
         count(*) AS sessions, min(first_ts) AS first_ts, max(last_ts) AS last_ts
    FROM sessions WHERE server_ip = ?1 AND server_port = ?2 AND banner_host IS NOT NULL
   GROUP BY banner_host
  UNION ALL
  SELECT 'EHLO reply', greeting_host, fqdn_kind(greeting_host),
         count(*), min(first_ts), max(last_ts)
    FROM sessions WHERE server_ip = ?1 AND server_port = ?2 AND greeting_host IS NOT NULL
   GROUP BY greeting_host)
 ORDER BY sessions DESC, source, name
 LIMIT 20;
