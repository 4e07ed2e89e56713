-- The servers shown in detail (every server with a finding, up to ?1): worst
-- finding first, then most findings, then sessions.
WITH f AS (SELECT server_ip, server_port, count(*) AS findings,
                  min(CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                                    WHEN 'low' THEN 3 ELSE 4 END) AS worst
             FROM findings WHERE server_ip IS NOT NULL GROUP BY server_ip, server_port),
     s AS (SELECT server_ip, server_port, count(*) AS sessions, sum(outcome = 'aborted') AS aborted,
                  sum(mails) AS mails, min(first_ts) AS first_ts, max(last_ts) AS last_ts
             FROM sessions GROUP BY server_ip, server_port),
     t AS (SELECT s.server_ip, s.server_port, s.sessions, s.aborted, s.mails,
                  coalesce(f.findings, 0) AS findings,
                  CASE f.worst WHEN 1 THEN 'high' WHEN 2 THEN 'medium' WHEN 3 THEN 'low'
                               WHEN 4 THEN 'info' END AS worst_severity,
                  s.first_ts, s.last_ts, coalesce(f.worst, 9) AS rank
             FROM s JOIN f ON f.server_ip = s.server_ip AND f.server_port = s.server_port
            ORDER BY rank, findings DESC, s.sessions DESC, s.server_ip, s.server_port
            LIMIT ?1)
-- name, software: the most frequent; of values equally frequent, the greatest
-- (byte order).  The per-server GROUP BYs read the covering index
-- sessions_server_summary (schema 004).
SELECT t.server_ip, t.server_port,
       (SELECT banner_host FROM sessions x
         WHERE x.server_ip = t.server_ip AND x.server_port = t.server_port AND x.banner_host IS NOT NULL
         GROUP BY banner_host ORDER BY count(*) DESC, banner_host DESC LIMIT 1) AS name,
       (SELECT software FROM sessions x
         WHERE x.server_ip = t.server_ip AND x.server_port = t.server_port AND x.software IS NOT NULL
         GROUP BY software ORDER BY count(*) DESC, software DESC LIMIT 1) AS software,
       t.sessions, t.aborted, t.mails, t.findings, t.worst_severity, t.first_ts, t.last_ts
  FROM t ORDER BY t.rank, t.findings DESC, t.sessions DESC, t.server_ip, t.server_port;
