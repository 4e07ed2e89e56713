-- non_public_name: a server announces (220 banner or HELO/EHLO reply) a
-- well-formed FQDN that no sender can resolve on the internet: a private-use
-- name (RFC 2606, 6761, 6762 appendix G, 8375, ...) or one under no suffix of
-- the Public Suffix List (name_class(), dissectors/name_class.c).  One row per
-- server and name.  Columns: server_ip, server_port, src, name, class, t0, t1,
-- server_sessions, name_sessions, peers, public_peers.
CREATE TEMP TABLE an_npn AS
SELECT n.server_ip, n.server_port,
       CASE WHEN count(DISTINCT n.src) > 1 THEN 'greeting+ehlo_reply' ELSE min(n.src) END AS src,
       n.name, name_class(n.name) AS class, min(n.t0) AS t0, max(n.t1) AS t1, s.n AS server_sessions,
       (SELECT sum(b.n) FROM an_base b
         WHERE b.server_ip = n.server_ip AND b.server_port = n.server_port
           AND ((b.b220 AND b.banner_host = n.name) OR (b.hok AND b.greeting_host = n.name))) AS name_sessions
  FROM an_name n JOIN an_srv s ON s.server_ip = n.server_ip AND s.server_port = n.server_port
 WHERE n.kind = 'fqdn' AND n.server_ip IS NOT NULL AND name_class(n.name) IN ('private_use', 'unknown_suffix')
 GROUP BY n.server_ip, n.server_port, n.name;
CREATE TEMP TABLE an_npn_peers AS
SELECT server_ip, server_port, count(*) AS peers, sum(NOT is_private_ip(client_ip)) AS public_peers
  FROM (SELECT DISTINCT s.server_ip, s.server_port, s.client_ip FROM sessions s
         WHERE EXISTS (SELECT 1 FROM an_npn p WHERE p.server_ip = s.server_ip AND p.server_port = s.server_port))
 GROUP BY server_ip, server_port;
SELECT p.server_ip, p.server_port, p.src, p.name, p.class, p.t0, p.t1, p.server_sessions, p.name_sessions,
       coalesce(q.peers, 0), coalesce(q.public_peers, 0)
  FROM an_npn p LEFT JOIN an_npn_peers q ON q.server_ip = p.server_ip AND q.server_port = p.server_port
 ORDER BY p.server_ip, p.server_port, p.name;
