-- EHLO extensions a server advertised, counted over its 2000 most recent
-- EHLO sessions (a sample keeps big servers cheap).  ?1 server_ip, ?2 server_port.
-- Read through the EHLO profiles (schema 7): the sample's sessions counted
-- per profile, then each keyword of a profile counts its sessions once.
WITH s AS (
  SELECT ehlo_profile AS pid, count(*) AS n
    FROM (SELECT ehlo_profile FROM sessions
           WHERE server_ip = ?1 AND server_port = ?2 AND helo_verb IS NOT NULL
           ORDER BY id DESC LIMIT 2000)
   WHERE ehlo_profile IS NOT NULL
   GROUP BY ehlo_profile)
SELECT k.keyword, max(k.params) AS params, sum(s.n) AS sessions
  FROM s
  JOIN (SELECT profile_id, keyword, max(params) AS params
          FROM ehlo_profile_extensions GROUP BY profile_id, keyword) k ON k.profile_id = s.pid
 GROUP BY k.keyword
 ORDER BY sessions DESC, k.keyword
 LIMIT 40;
