-- The servers without any finding, for the report's compact table: busiest
-- first.  ?1: limit.
SELECT s.server_ip, s.server_port,
       (SELECT banner_host FROM sessions x
         WHERE x.server_ip = s.server_ip AND x.server_port = s.server_port AND x.banner_host IS NOT NULL
         GROUP BY banner_host ORDER BY count(*) DESC, banner_host DESC LIMIT 1) AS name,
       (SELECT software FROM sessions x
         WHERE x.server_ip = s.server_ip AND x.server_port = s.server_port AND x.software IS NOT NULL
         GROUP BY software ORDER BY count(*) DESC, software DESC LIMIT 1) AS software,
       s.sessions, s.aborted, s.mails, s.first_ts, s.last_ts
  FROM (SELECT server_ip, server_port, count(*) AS sessions, sum(outcome = 'aborted') AS aborted,
               sum(mails) AS mails, min(first_ts) AS first_ts, max(last_ts) AS last_ts
          FROM sessions GROUP BY server_ip, server_port) s
 WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.server_ip = s.server_ip
                   AND f.server_port = s.server_port)
 ORDER BY s.sessions DESC, s.server_ip, s.server_port
 LIMIT ?1;
