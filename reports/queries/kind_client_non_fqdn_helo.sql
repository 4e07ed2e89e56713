-- client_non_fqdn_helo: HELO/EHLO arguments that are neither an FQDN nor an
-- address literal, per client.  Columns: client_ip, sessions, t0, t1.
CREATE TEMP TABLE an_helo AS SELECT * FROM (SELECT client_ip, helo_arg AS arg,
       count(*) AS n, min(first_ts) AS t0, max(last_ts) AS t1, min(id) AS ex,
       fqdn_kind(helo_arg) AS k FROM sessions WHERE helo_arg IS NOT NULL
 GROUP BY client_ip, helo_arg) WHERE k NOT IN ('fqdn', 'address_literal');
CREATE INDEX temp.an_helo_k ON an_helo(client_ip);
SELECT client_ip, sum(n), min(t0), max(t1) FROM an_helo WHERE client_ip IS NOT NULL
 GROUP BY client_ip;
