-- A server's findings.  ?1 server_ip, ?2 server_port.
SELECT severity, kind, name, summary
  FROM findings WHERE server_ip = ?1 AND server_port = ?2
 ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, kind;
