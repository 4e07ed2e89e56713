-- One example banner and EHLO reply line of a server: the first session (by
-- id) with both, else the first with a banner.  Two picks in id order, each
-- stopping at its first match (coalesce() runs the second only when the
-- first found nothing), instead of one sort of all the server's sessions.
-- ?1 server_ip, ?2 server_port.
SELECT banner_code, banner_text, ehlo_first_line
  FROM sessions
 WHERE id = coalesce(
         (SELECT id FROM sessions
           WHERE server_ip = ?1 AND server_port = ?2 AND banner_text IS NOT NULL
             AND ehlo_first_line IS NOT NULL
           ORDER BY id LIMIT 1),
         (SELECT id FROM sessions
           WHERE server_ip = ?1 AND server_port = ?2 AND banner_text IS NOT NULL
           ORDER BY id LIMIT 1));
