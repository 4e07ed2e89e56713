-- certificate_expired (issue 16): the certificate was expired, or not yet
-- valid, at the capture time of sessions that showed it.
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
SELECT server_ip, server_port, 'high', subject_cn,
       server_ip || ':' || server_port || ' presented a certificate that was ' ||
       CASE WHEN expired_n > 0 THEN 'expired (not after ' || datetime(not_after, 'unixepoch') || ' UTC)'
            ELSE 'not yet valid (not before ' || datetime(not_before, 'unixepoch') || ' UTC)' END ||
       ' in ' || (expired_n + early_n) || ' of ' || n || ' sessions.',
       t0, t1,
       'Renew the certificate (and check the server''s clock); senders that verify certificates '
       '(DANE, MTA-STS) defer mail to this server.',
       sha256 AS certificate_sha256, subject AS certificate_subject, not_before, not_after,
       expired_n AS expired_sessions, early_n AS not_yet_valid_sessions, n AS sessions,
       ex AS example_session
  FROM an_tls_leaf WHERE expired_n > 0 OR early_n > 0
 ORDER BY server_ip, server_port;
