-- certificate_suggests_name (issue 16): the 220 banner host is no FQDN but
-- the server's own certificate names one: that FQDN is the suggested name
-- (evidence.suggested_name, summary and remediation).  The certificate's DNS
-- names and CN that are FQDNs compete; one whose first label is the banner
-- name wins (EXCH01 -> exch01.corp.example.com), then the CN.
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
-- (reads temp.an_tls_leaf and temp.an_tls_banner of analysis_temp.sql)
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
