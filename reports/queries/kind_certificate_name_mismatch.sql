-- certificate_name_mismatch (issue 16): the banner announces an FQDN that the
-- server's certificate does not cover (RFC 6125 6.4: DNS SANs, one left-most
-- wildcard label; the CN only when there is no DNS SAN).
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
-- (reads temp.an_tls_leaf and temp.an_tls_banner of analysis_temp.sql)
SELECT server_ip, server_port, 'medium', banner_host,
       server_ip || ':' || server_port || ' announces ''' || substr(banner_host, 1, 80) ||
       ''' but its certificate (' || substr(coalesce(sans, subject, ''), 1, 200) || ') does not cover that name.',
       t0, t1,
       'Install a certificate whose subjectAltName lists the name the server announces (' ||
       banner_host || '), or announce a name the certificate covers.',
       banner_host AS name, sha256 AS certificate_sha256, subject AS certificate_subject,
       sans AS certificate_sans, n AS sessions, ex AS example_session
  FROM (SELECT l.*, b.banner_host, EXISTS (
            SELECT 1 FROM certificate_names cn WHERE cn.certificate_id = l.cert_id AND (
                (cn.kind = 'dns' AND (lower(cn.name) = lower(b.banner_host) OR
                    (cn.name LIKE '*.%' AND length(b.banner_host) > length(cn.name) - 1
                     AND lower(substr(b.banner_host, length(b.banner_host) - length(cn.name) + 2))
                         = lower(substr(cn.name, 2))
                     AND instr(substr(b.banner_host, 1, length(b.banner_host) - length(cn.name) + 1), '.') = 0)))
                OR (cn.kind = 'cn' AND lower(cn.name) = lower(b.banner_host) AND NOT EXISTS (
                    SELECT 1 FROM certificate_names d WHERE d.certificate_id = l.cert_id AND d.kind = 'dns'))))
            AS covered
          FROM an_tls_leaf l
          JOIN an_tls_banner b ON b.server_ip = l.server_ip AND b.server_port = l.server_port
         WHERE b.bkind = 'fqdn')
 WHERE NOT covered
 ORDER BY server_ip, server_port;
