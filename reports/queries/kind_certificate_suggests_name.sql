-- certificate_suggests_name (issue 16): the 220 banner host is no FQDN but
-- the server's own certificate names one: that FQDN is the suggested name
-- (evidence.suggested_name, summary and remediation).  The certificate's DNS
-- names and CN that are FQDNs compete; one whose first label is the banner
-- name wins (EXCH01 -> exch01.corp.example.com), then the CN.
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
SELECT server_ip, server_port, 'medium', banner_host,
       server_ip || ':' || server_port || ' greets as ''' || substr(banner_host, 1, 80) ||
       ''' (not an FQDN) but its TLS certificate names ''' || substr(fqdn, 1, 200) ||
       ''': announce ' || substr(fqdn, 1, 200) || '.',
       t0, t1,
       'Set the name the server announces in its banner and EHLO reply to ' || fqdn ||
       ', the FQDN its own certificate names (Exchange: the SMTP virtual server''s or receive '
       'connector''s FQDN; Postfix myhostname; Exim primary_hostname), and make it resolve to the server.',
       banner_host AS name, bkind AS kind, fqdn AS suggested_name, sha256 AS certificate_sha256,
       subject AS certificate_subject, sans AS certificate_sans, n AS sessions, ex AS example_session
  FROM (SELECT l.server_ip, l.server_port, b.banner_host, b.bkind, cn.name AS fqdn, l.sha256,
               l.subject, l.sans, l.n, l.t0, l.t1, l.ex,
               row_number() OVER (PARTITION BY l.server_ip, l.server_port ORDER BY
                   lower(substr(cn.name, 1, instr(cn.name || '.', '.') - 1)) = lower(b.banner_host) DESC,
                   cn.kind = 'cn' DESC, l.n DESC, cn.rowid) AS rn
          FROM an_tls_leaf l
          JOIN an_tls_banner b ON b.server_ip = l.server_ip AND b.server_port = l.server_port
          JOIN certificate_names cn ON cn.certificate_id = l.cert_id
         WHERE b.bkind <> 'fqdn' AND cn.kind IN ('dns', 'cn') AND cn.name NOT LIKE '*%'
           AND fqdn_kind(cn.name) = 'fqdn')
 WHERE rn = 1
 ORDER BY server_ip, server_port;
