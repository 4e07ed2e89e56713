-- client_non_fqdn_helo: HELO/EHLO arguments that are neither an FQDN nor an
-- address literal, per client, and the servers that rejected them for it
-- (Postfix "504 5.5.2 <name>: Helo command rejected: need fully-qualified
-- hostname", "550 5.7.1 ... Helo command rejected", Exchange "501 5.5.4
-- Invalid domain name"): a 5xx reply, to HELO/EHLO or later (Postfix delays
-- it to RCPT), that speaks of the HELO name.  Columns: client_ip, sessions,
-- t0, t1, rejected (sessions with such a reply).
CREATE TEMP TABLE an_helo AS SELECT * FROM (SELECT client_ip, helo_arg AS arg,
       count(*) AS n, min(first_ts) AS t0, max(last_ts) AS t1, min(id) AS ex,
       fqdn_kind(helo_arg) AS k FROM sessions WHERE helo_arg IS NOT NULL
 GROUP BY client_ip, helo_arg) WHERE k NOT IN ('fqdn', 'address_literal');
CREATE INDEX temp.an_helo_k ON an_helo(client_ip);
-- The sessions that said such an argument first (one pass over the sessions,
-- or the per-client index on a big database), then only their transcripts:
-- CROSS JOIN keeps that order (the planner would otherwise walk every
-- session's replies and look the argument up afterwards).
CREATE TEMP TABLE an_helo_s AS SELECT s.id, s.client_ip, h.arg, s.server_ip, s.server_port
  FROM an_helo h JOIN sessions s ON s.client_ip = h.client_ip AND s.helo_arg = h.arg;
CREATE TEMP TABLE an_helo_rej AS
SELECT client_ip, arg, id, server_ip, server_port, code, enhanced, text FROM (
  SELECT s.client_ip, s.arg, s.id, s.server_ip, s.server_port, r.code, r.enhanced, r.text,
         row_number() OVER (PARTITION BY s.id ORDER BY r.seq) AS rn
    FROM an_helo_s s CROSS JOIN replies r ON r.session_id = s.id
   WHERE r.code IN (501, 504, 550, 554)
     AND (r.enhanced IN ('5.5.2', '5.5.4') OR r.text LIKE '%helo%' OR r.text LIKE '%ehlo%'
          OR r.text LIKE '%fully%qualified%' OR r.text LIKE '%hostname%' OR r.text LIKE '%domain name%'))
 WHERE rn = 1;
CREATE INDEX temp.an_helo_rej_k ON an_helo_rej(client_ip);
SELECT h.client_ip, sum(h.n), min(h.t0), max(h.t1),
       (SELECT count(*) FROM an_helo_rej r WHERE r.client_ip = h.client_ip)
  FROM an_helo h WHERE h.client_ip IS NOT NULL
 GROUP BY h.client_ip;
