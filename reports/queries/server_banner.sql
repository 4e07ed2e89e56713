-- One example banner and EHLO reply line of a server.  ?1 server_ip, ?2 server_port.
SELECT banner_code, banner_text, ehlo_first_line
  FROM sessions WHERE server_ip = ?1 AND server_port = ?2 AND banner_text IS NOT NULL
 ORDER BY ehlo_first_line IS NULL, id
 LIMIT 1;
