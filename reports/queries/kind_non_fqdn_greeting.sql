-- non_fqdn_greeting candidates: every distinct name a server announces (220
-- banner or HELO/EHLO reply) that is not an FQDN, each on its own, so one bad
-- backend behind a load-balanced address gets its finding even when the other
-- sessions announce a good name.  Columns: server_ip, server_port, src
-- ('greeting' = the 220 banner, 'ehlo_reply', or 'greeting+ehlo_reply'), name,
-- kind, t0, t1, exch2000,
-- xexps, server_sessions, name_sessions (sessions announcing it).
-- the suggestion's "own_helo" source (reports/analysis/suggest.c): the FQDNs
-- each candidate server's address says in HELO/EHLO when it sends mail
-- itself, keyed by first label, counted once here (one pass over those
-- clients' sessions) instead of one scan of the sessions per finding
CREATE TEMP TABLE an_own_helo AS
SELECT client_ip, substr(helo_arg, 1, instr(helo_arg, '.') - 1) AS label, helo_arg AS name,
       count(*) AS n
  FROM sessions
 WHERE client_ip IN (SELECT server_ip FROM an_name WHERE kind <> 'fqdn')
   AND instr(helo_arg, '.') > 1
 GROUP BY client_ip, helo_arg HAVING is_fqdn(helo_arg);
CREATE INDEX temp.an_own_helo_k ON an_own_helo(client_ip, label COLLATE NOCASE, n DESC, name);
-- the "dsn_reporting_mta" source: the Reporting-MTA FQDNs of the 4.4.7
-- reports, keyed by first label, counted once here instead of one scan of
-- an_dsn per finding (lower() and NOCASE fold the same ASCII letters, so a
-- name's label matches whatever its case)
CREATE TEMP TABLE an_dsn_mta AS
SELECT lower(mta) AS name, substr(lower(mta), 1, instr(mta, '.') - 1) AS label, count(*) AS n
  FROM an_dsn WHERE instr(mta, '.') > 1 AND is_fqdn(mta)
 GROUP BY lower(mta);
CREATE INDEX temp.an_dsn_mta_k ON an_dsn_mta(label COLLATE NOCASE, n DESC, name);
SELECT n.server_ip, n.server_port,
       CASE WHEN count(DISTINCT n.src) > 1 THEN 'greeting+ehlo_reply' ELSE min(n.src) END,
       n.name, min(n.kind), min(n.t0), max(n.t1), s.exch2000, s.xexps, s.n,
       (SELECT sum(b.n) FROM an_base b
         WHERE b.server_ip = n.server_ip AND b.server_port = n.server_port
           AND ((b.b220 AND b.banner_host = n.name) OR (b.hok AND b.greeting_host = n.name)))
  FROM an_name n JOIN an_srv s
    ON s.server_ip = n.server_ip AND s.server_port = n.server_port
 WHERE n.kind <> 'fqdn' AND n.server_ip IS NOT NULL AND n.name IS NOT NULL
 GROUP BY n.server_ip, n.server_port, n.name
 ORDER BY n.server_ip, n.server_port, max(n.n) DESC, n.name;
