-- How a server's sessions ended.  ?1 server_ip, ?2 server_port.
SELECT outcome, count(*) AS sessions
  FROM sessions WHERE server_ip = ?1 AND server_port = ?2
 GROUP BY outcome ORDER BY sessions DESC, outcome;
