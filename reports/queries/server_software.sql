-- Software fingerprints of a server.  ?1 server_ip, ?2 server_port.
SELECT software, software_version AS version, count(*) AS sessions
  FROM sessions WHERE server_ip = ?1 AND server_port = ?2 AND software IS NOT NULL
 GROUP BY software, software_version
 ORDER BY sessions DESC, software
 LIMIT 10;
