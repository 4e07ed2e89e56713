-- non_fqdn_greeting candidates: per server, its most common announced name
-- when that is not an FQDN; the greeting (220 banner) name is preferred to the EHLO reply
-- name.  Columns: server_ip, server_port, src, name, kind, t0, t1, exch2000,
-- xexps, server_sessions.
SELECT server_ip, server_port, src, name, kind, t0, t1, exch2000, xexps, n
  FROM (SELECT t.server_ip, t.server_port, t.src, t.name, t.kind, t.t0, t.t1,
               s.exch2000, s.xexps, s.n,
               row_number() OVER (PARTITION BY t.server_ip, t.server_port
                                  ORDER BY t.src = 'ehlo_reply') AS rn
          FROM an_top t JOIN an_srv s
            ON s.server_ip = t.server_ip AND s.server_port = t.server_port
         WHERE t.kind <> 'fqdn')
 WHERE rn = 1 AND server_ip IS NOT NULL AND name IS NOT NULL
 ORDER BY server_ip, server_port;
