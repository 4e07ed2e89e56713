-- certificate_expired (issue 16): the certificate was expired, or not yet
-- valid, at the capture time of sessions that showed it.
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
-- (reads temp.an_tls_leaf and temp.an_tls_banner of analysis_temp.sql)
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
