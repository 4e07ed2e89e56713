-- A server's sessions per time bucket.  ?1 server_ip, ?2 server_port,
-- ?3 start time, ?4 bucket width (s), ?5 last bucket index.
SELECT min(max(CAST((first_ts - ?3) / ?4 AS INTEGER), 0), ?5) AS bucket,
       count(*) AS sessions, sum(outcome = 'aborted') AS aborted
  FROM sessions WHERE server_ip = ?1 AND server_port = ?2
 GROUP BY 1 ORDER BY 1;
