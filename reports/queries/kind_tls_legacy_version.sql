-- tls_legacy_version (issue 16): SSLv3, TLS 1.0 or TLS 1.1 negotiated (RFC 8996).
-- Columns (the TLS kinds' common layout, reports/analysis/kinds_tls.c): server_ip,
-- server_port, severity, name, summary, first_ts, last_ts, remediation, then
-- the evidence, one key per column (its alias).
SELECT s.server_ip, s.server_port, 'medium', group_concat(DISTINCT h.version),
       s.server_ip || ':' || s.server_port || ' negotiated ' || group_concat(DISTINCT h.version) ||
       ' in ' || count(*) || ' sessions.',
       min(s.first_ts), max(s.last_ts),
       'Disable SSLv3, TLS 1.0 and TLS 1.1 (RFC 8996) on the server and its senders: Postfix '
       'smtpd_tls_protocols = >=TLSv1.2, Exchange: disable the protocols in SCHANNEL.',
       group_concat(DISTINCT h.version) AS versions, count(*) AS sessions,
       count(DISTINCT s.client_ip) AS clients, min(s.id) AS example_session
  FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id
 WHERE h.version IN ('SSLv3', 'TLSv1.0', 'TLSv1.1')
 GROUP BY s.server_ip, s.server_port
 ORDER BY s.server_ip, s.server_port;
