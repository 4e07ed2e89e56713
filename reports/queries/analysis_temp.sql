-- The analysis's shared temporary tables (reports/analyze.c runs this file
-- before the finding kinds; each kind's own query may add an_* tables too;
-- every temp.an_* table is dropped when the analysis ends).
--
-- per server and pair of announced names: one pass over the covering index
-- sessions_server_summary (schema 004) in its order, grouped by its leading
-- columns without a sort; the small result is then grouped again by what
-- the findings need (b220, hok), and the software patterns are matched once
-- per group instead of once per session
CREATE TEMP TABLE an_base AS SELECT server_ip, server_port, banner_host, greeting_host,
 banner_code = 220 AS b220, (helo_code IS NULL OR helo_code BETWEEN 200 AND 299) AS hok,
 sum(n) AS n, min(t0) AS t0, max(t1) AS t1, min(ex) AS ex,
 max(coalesce(software LIKE 'Exchange 2000%', 0)) AS exch2000,
 max(xexps) AS xexps, sum(ehlo_ok) AS ehlo_ok, sum(starttls_ok) AS starttls_ok,
 sum(rejected) AS rejected,
 max(CASE WHEN software LIKE 'Exchange 5%' OR software LIKE 'Exchange 2000%'
  OR software LIKE '%Exchange 2003%' OR software LIKE 'IIS 5%' OR software LIKE 'IIS 6%'
  OR software LIKE 'IIS 7%' OR software LIKE 'IIS 8%' THEN software END) AS legacy
 FROM (SELECT server_ip, server_port, banner_host, greeting_host, banner_code, helo_code,
  software, count(*) AS n, min(first_ts) AS t0, max(last_ts) AS t1, min(id) AS ex,
  max(xexps_advertised) AS xexps,
  sum(upper(helo_verb) = 'EHLO' AND helo_code BETWEEN 200 AND 299) AS ehlo_ok,
  sum(starttls) AS starttls_ok, sum(outcome = 'rejected') AS rejected
  FROM sessions GROUP BY server_ip, server_port, banner_host, greeting_host, banner_code,
  helo_code, software)
 GROUP BY server_ip, server_port, banner_host, greeting_host, b220, hok;
-- per server: the candidates of non_fqdn_greeting and non_public_name count
-- each name's sessions here, one server's rows at a time
CREATE INDEX temp.an_base_k ON an_base(server_ip, server_port);

-- per server
CREATE TEMP TABLE an_srv AS SELECT server_ip, server_port, sum(n) AS n,
 min(t0) AS t0, max(t1) AS t1, max(exch2000) AS exch2000, max(xexps) AS xexps,
 sum(ehlo_ok) AS ehlo_ok, sum(starttls_ok) AS starttls_ok, sum(rejected) AS rejected,
 max(legacy) AS legacy FROM an_base GROUP BY server_ip, server_port;
CREATE INDEX temp.an_srv_k ON an_srv(server_ip, server_port);

-- names announced: src 'greeting' = host of 220 greetings (banner_host),
-- src 'ehlo_reply' = host of positive HELO/EHLO replies (greeting_host)
CREATE TEMP TABLE an_name AS
 SELECT server_ip, server_port, 'greeting' AS src, banner_host AS name, sum(n) AS n,
  min(t0) AS t0, max(t1) AS t1, fqdn_kind(banner_host) AS kind
  FROM an_base WHERE b220 AND banner_host IS NOT NULL
  GROUP BY server_ip, server_port, banner_host
 UNION ALL
 SELECT server_ip, server_port, 'ehlo_reply', greeting_host, sum(n),
  min(t0), max(t1), fqdn_kind(greeting_host)
  FROM an_base WHERE greeting_host IS NOT NULL AND hok
  GROUP BY server_ip, server_port, greeting_host;
CREATE INDEX temp.an_name_k ON an_name(server_ip, server_port);
CREATE INDEX temp.an_name_n ON an_name(name COLLATE NOCASE);

-- the most announced name per server and source (ties: the first name):
-- walked in that order on an index, each group's first row looked up there
-- too (a window over one-row partitions costs far more per row)
CREATE INDEX temp.an_name_top ON an_name(server_ip, server_port, src, n DESC, name);
CREATE TEMP TABLE an_top AS SELECT server_ip, server_port, src, name, kind, n, t0, t1
 FROM an_name a WHERE a.rowid = (SELECT b.rowid FROM an_name b
  WHERE b.server_ip IS a.server_ip AND b.server_port IS a.server_port AND b.src IS a.src
  ORDER BY b.n DESC, b.name LIMIT 1);
-- in the order the findings pick a server's name (greeting first)
CREATE INDEX temp.an_top_k ON an_top(server_ip, server_port, src = 'ehlo_reply');

-- attempts that stopped after EHLO/HELO, with the gap to the same client's
-- previous one (a plain scan: a quarter of the sessions or fewer match, and
-- client_ip is in no covering index)
-- (issue 16) plus the TLS sessions whose encrypted phase was ESTIMATED to be
-- EHLO then QUIT/close from record sizes (tls_estimates.ended_after_ehlo):
-- estimated = 1 on those rows, so the finding can label them; CROSS JOIN:
-- from the estimates to their sessions by id (the planner walked every
-- session through an index and looked its estimate up: seconds on 10^6).
-- The gap: the attempts sorted once by server, client and time (rowid in
-- that order), each one's previous is the row before it when of the same
-- server and client (what lag() over those partitions gives, at a fraction
-- of a window's cost per partition: most are a row or two)
CREATE TEMP TABLE an_stall0 AS SELECT id, server_ip, server_port, client_ip, first_ts AS ts,
 estimated
 FROM (SELECT id, server_ip, server_port, client_ip, first_ts, 0 AS estimated
  FROM sessions NOT INDEXED WHERE outcome = 'aborted' AND helo_verb IS NOT NULL AND mails = 0
  UNION ALL
  SELECT s.id, s.server_ip, s.server_port, s.client_ip, s.first_ts, 1
  FROM tls_estimates e CROSS JOIN sessions s ON s.id = e.session_id
  WHERE e.ended_after_ehlo = 1 AND s.outcome = 'tls')
 ORDER BY server_ip, server_port, client_ip, ts, id;
CREATE TEMP TABLE an_stall AS SELECT a.id, a.server_ip, a.server_port, a.client_ip, a.ts,
 a.ts - (SELECT p.ts FROM an_stall0 p WHERE p.rowid = a.rowid - 1
  AND p.server_ip IS a.server_ip AND p.server_port IS a.server_port
  AND p.client_ip IS a.client_ip) AS gap, a.estimated
 FROM an_stall0 a ORDER BY a.rowid;
DROP TABLE temp.an_stall0;   -- (the temp store is memory: a quarter of the sessions)
CREATE INDEX temp.an_stall_g ON an_stall(server_ip, server_port, gap);
CREATE INDEX temp.an_stall_c ON an_stall(server_ip, server_port, client_ip, gap);

-- 4.4.7 delivery-status reports, one row per report recipient
CREATE TEMP TABLE an_dsn AS SELECT DISTINCT m.id AS mail_id,
 coalesce(m.ts, s.first_ts) AS ts, d.reporting_mta AS mta, d.final_recipient AS rcpt,
 CASE WHEN instr(d.final_recipient, '@') > 0
  THEN substr(d.final_recipient, instr(d.final_recipient, '@') + 1) END AS rdomain
 FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id JOIN sessions s ON s.id = m.session_id
 WHERE d.status = '4.4.7' OR (m.is_dsn AND (d.diagnostic LIKE '%#4.4.7%'
  OR d.final_recipient LIKE '%#4.4.7%' OR d.action LIKE '%#4.4.7%'));
CREATE INDEX temp.an_dsn_m ON an_dsn(mail_id);

-- which server each report is about
CREATE TEMP TABLE an_tie AS
 SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'reporting_mta' AS how
  FROM an_dsn r JOIN an_name n ON n.name = r.mta COLLATE NOCASE AND n.src = 'greeting'
 UNION
 SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'reporting_mta_first_label'
  FROM an_dsn r JOIN an_name n ON instr(r.mta, '.') > 1
  AND n.name = substr(r.mta, 1, instr(r.mta, '.') - 1) COLLATE NOCASE
  AND n.src = 'greeting' AND n.kind = 'single_label'
 UNION
 SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'recipient_domain'
  FROM an_dsn r JOIN an_name n ON n.name = r.rdomain COLLATE NOCASE AND n.src = 'greeting';
CREATE INDEX temp.an_tie_k ON an_tie(server_ip, server_port);
CREATE INDEX temp.an_tie_m ON an_tie(mail_id);

-- servers that advertised STARTTLS at least once: the EHLO profiles that
-- list it (schema 7), then the sessions pointing to them (through
-- sessions_profile on a big database, a scan of the sessions on a small one)
CREATE TEMP TABLE an_tls AS SELECT DISTINCT s.server_ip, s.server_port
 FROM sessions s WHERE s.ehlo_profile IN
 (SELECT profile_id FROM ehlo_profile_extensions WHERE keyword = 'STARTTLS');
CREATE INDEX temp.an_tls_k ON an_tls(server_ip, server_port);

-- ---- issue 16: shared by the TLS kinds (kind_certificate_*.sql) ----
-- per server and leaf certificate (session_certificates seq 0), with counts
CREATE TEMP TABLE an_tls_leaf AS
SELECT s.server_ip, s.server_port, c.id AS cert_id, c.sha256, c.subject, c.subject_cn,
       c.sans, c.not_before, c.not_after, c.self_signed, count(*) AS n,
       min(s.first_ts) AS t0, max(s.last_ts) AS t1, min(s.id) AS ex,
       sum(s.first_ts > c.not_after) AS expired_n, sum(s.first_ts < c.not_before) AS early_n,
       sum(is_public_ip(s.client_ip)) AS public_n,
       sum(s.tls_mode = 'x-anonymoustls') AS xanon_n
  FROM sessions s
  JOIN session_certificates sc ON sc.session_id = s.id AND sc.seq = 0
  JOIN certificates c ON c.id = sc.certificate_id AND c.parsed = 1
 GROUP BY s.server_ip, s.server_port, c.id;
-- per server, its most common 220 banner host
CREATE TEMP TABLE an_tls_banner AS
SELECT server_ip, server_port, banner_host, fqdn_kind(banner_host) AS bkind FROM (
    SELECT server_ip, server_port, banner_host, row_number() OVER (
        PARTITION BY server_ip, server_port ORDER BY count(*) DESC, banner_host) AS rn
      FROM sessions WHERE banner_code = 220 AND banner_host IS NOT NULL
       AND server_ip IN (SELECT server_ip FROM an_tls_leaf)
     GROUP BY server_ip, server_port, banner_host)
 WHERE rn = 1;
