-- certificate_self_signed (issue 16): a self-signed certificate on a server
-- that clients from public addresses reach (is_public_ip).  Servers seen only
-- through X-ANONYMOUSTLS are left out: Exchange uses self-signed certificates
-- there by design (Kerberos authenticates the peers).
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
-- shared by the TLS kinds (issue 16), built by whichever runs first:
-- per server and leaf certificate (session_certificates seq 0), with counts
CREATE TEMP TABLE IF NOT EXISTS an_tls_leaf AS
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
CREATE TEMP TABLE IF NOT EXISTS an_tls_banner AS
SELECT server_ip, server_port, banner_host, fqdn_kind(banner_host) AS bkind FROM (
    SELECT server_ip, server_port, banner_host, row_number() OVER (
        PARTITION BY server_ip, server_port ORDER BY count(*) DESC, banner_host) AS rn
      FROM sessions WHERE banner_code = 220 AND banner_host IS NOT NULL
       AND server_ip IN (SELECT server_ip FROM an_tls_leaf)
     GROUP BY server_ip, server_port, banner_host)
 WHERE rn = 1;
SELECT server_ip, server_port, 'low', subject_cn,
       server_ip || ':' || server_port || ' presents a self-signed certificate (' ||
       substr(coalesce(subject, ''), 1, 200) || ') to clients from public addresses (' || public_n || ' sessions).',
       t0, t1,
       'Use a certificate from a public CA (for example ACME/Let''s Encrypt) for the server''s FQDN; '
       'senders that verify (DANE without a TLSA match, MTA-STS) refuse self-signed certificates.',
       sha256 AS certificate_sha256, subject AS certificate_subject,
       public_n AS public_client_sessions, n AS sessions, ex AS example_session
  FROM an_tls_leaf WHERE self_signed = 1 AND public_n > 0 AND xanon_n < n
 ORDER BY server_ip, server_port;
