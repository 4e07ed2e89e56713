-- The session whose transcript is shown for a server: a stalled attempt
-- (aborted after EHLO) first, then a completed one, then any with commands.
-- ?1 server_ip, ?2 server_port.
SELECT id, client_ip, client_port, first_ts, outcome, helo_verb, helo_arg
  FROM sessions s
 WHERE server_ip = ?1 AND server_port = ?2
   AND EXISTS (SELECT 1 FROM replies r WHERE r.session_id = s.id)
 ORDER BY CASE WHEN outcome = 'aborted' AND helo_verb IS NOT NULL THEN 0
               WHEN outcome = 'completed' THEN 1 ELSE 2 END, id
 LIMIT 1;
