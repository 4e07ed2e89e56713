-- certificate_self_signed (issue 16): a self-signed certificate on a server
-- that clients from public addresses reach (is_public_ip).  Servers seen only
-- through X-ANONYMOUSTLS are left out: Exchange uses self-signed certificates
-- there by design (Kerberos authenticates the peers).
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
-- (reads temp.an_tls_leaf and temp.an_tls_banner of analysis_temp.sql)
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
