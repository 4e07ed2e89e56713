-- EHLO extensions a server advertised, counted over its 2000 most recent
-- EHLO sessions (a sample keeps big servers cheap).  ?1 server_ip, ?2 server_port.
SELECT e.keyword, max(e.params) AS params, count(DISTINCT e.session_id) AS sessions
  FROM extensions e
 WHERE e.session_id IN (SELECT id FROM sessions
                         WHERE server_ip = ?1 AND server_port = ?2 AND helo_verb IS NOT NULL
                         ORDER BY id DESC LIMIT 2000)
 GROUP BY e.keyword
 ORDER BY sessions DESC, e.keyword
 LIMIT 40;
