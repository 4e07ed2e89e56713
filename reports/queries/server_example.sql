-- The session whose transcript is shown for a server: a stalled attempt
-- (aborted after EHLO) first, then a completed one, then any with commands;
-- the lowest id of the first kind found.  Picks in id order, each stopping
-- at its first match (coalesce() runs a pick only when the ones before it
-- found nothing), instead of one sort of all the server's sessions.
-- ?1 server_ip, ?2 server_port.
SELECT id, client_ip, client_port, first_ts, outcome, helo_verb, helo_arg
  FROM sessions
 WHERE id = coalesce(
         (SELECT id FROM sessions s
           WHERE server_ip = ?1 AND server_port = ?2
             AND outcome = 'aborted' AND helo_verb IS NOT NULL
             AND EXISTS (SELECT 1 FROM replies r WHERE r.session_id = s.id)
           ORDER BY id LIMIT 1),
         (SELECT id FROM sessions s
           WHERE server_ip = ?1 AND server_port = ?2 AND outcome = 'completed'
             AND EXISTS (SELECT 1 FROM replies r WHERE r.session_id = s.id)
           ORDER BY id LIMIT 1),
         (SELECT id FROM sessions s
           WHERE server_ip = ?1 AND server_port = ?2
             AND EXISTS (SELECT 1 FROM replies r WHERE r.session_id = s.id)
           ORDER BY id LIMIT 1));
