-- Findings from what TLS showed (issue 16), inserted as rows of the findings
-- table by reports/analyze_tls.c inside analyze_run()'s savepoint.  Uses the
-- SQL functions fqdn_kind(name) and is_public_ip(ip).  Kinds:
--   certificate_suggests_name  the 220 banner host is no FQDN, but the server's
--                              certificate names one: that FQDN is the suggestion
--                              (evidence.suggested_name, summary, remediation)
--   certificate_name_mismatch  the banner announces an FQDN its certificate does not cover
--   certificate_expired        the certificate was expired or not yet valid when captured
--   certificate_self_signed    self-signed certificate on a server public clients reach
--                              (X-ANONYMOUSTLS-only servers excepted: Exchange expects it)
--   tls_legacy_version         TLS 1.0/1.1 (or SSLv3) negotiated
-- Only facts parsed in clear are used here (never the tls_estimates table).
INSERT INTO findings (server_ip, server_port, kind, severity, name, summary, evidence,
                      first_ts, last_ts, remediation, client_ip)
WITH leaf AS (
    SELECT s.server_ip, s.server_port, c.id AS cert_id, c.sha256, c.subject, c.subject_cn,
           c.sans, c.not_before, c.not_after, c.self_signed, count(*) AS n,
           min(s.first_ts) AS t0, max(s.last_ts) AS t1, min(s.id) AS ex,
           sum(s.first_ts > c.not_after) AS expired_n, sum(s.first_ts < c.not_before) AS early_n,
           sum(is_public_ip(s.client_ip)) AS public_n,
           sum(s.tls_mode = 'x-anonymoustls') AS xanon_n
    FROM sessions s
    JOIN session_certificates sc ON sc.session_id = s.id AND sc.seq = 0
    JOIN certificates c ON c.id = sc.certificate_id AND c.parsed = 1
    GROUP BY s.server_ip, s.server_port, c.id),
banner AS (
    SELECT server_ip, server_port, banner_host, fqdn_kind(banner_host) AS bkind FROM (
        SELECT server_ip, server_port, banner_host, row_number() OVER (
            PARTITION BY server_ip, server_port ORDER BY count(*) DESC, banner_host) AS rn
        FROM sessions WHERE banner_code = 220 AND banner_host IS NOT NULL
        GROUP BY server_ip, server_port, banner_host)
    WHERE rn = 1),
-- the certificate's DNS names (and CN) that are FQDNs, the one whose first
-- label is the banner name first (EXCH01 -> exch01.corp.example.com)
sugg AS (
    SELECT * FROM (
        SELECT l.server_ip, l.server_port, b.banner_host, b.bkind, cn.name AS fqdn, l.sha256,
               l.subject, l.sans, l.n, l.t0, l.t1, l.ex,
               row_number() OVER (PARTITION BY l.server_ip, l.server_port ORDER BY
                   lower(substr(cn.name, 1, instr(cn.name || '.', '.') - 1)) = lower(b.banner_host) DESC,
                   cn.kind = 'cn' DESC, l.n DESC, cn.rowid) AS rn
        FROM leaf l
        JOIN banner b ON b.server_ip = l.server_ip AND b.server_port = l.server_port
        JOIN certificate_names cn ON cn.certificate_id = l.cert_id
        WHERE b.bkind <> 'fqdn' AND cn.kind IN ('dns', 'cn') AND cn.name NOT LIKE '*%'
          AND fqdn_kind(cn.name) = 'fqdn')
    WHERE rn = 1),
-- does the certificate cover the banner's FQDN (RFC 6125: DNS SANs, one
-- left-most wildcard label; the CN only when there is no DNS SAN)?
cover AS (
    SELECT l.*, b.banner_host, EXISTS (
        SELECT 1 FROM certificate_names cn WHERE cn.certificate_id = l.cert_id AND (
            (cn.kind = 'dns' AND (lower(cn.name) = lower(b.banner_host) OR
                (cn.name LIKE '*.%' AND length(b.banner_host) > length(cn.name) - 1
                 AND lower(substr(b.banner_host, length(b.banner_host) - length(cn.name) + 2))
                     = lower(substr(cn.name, 2))
                 AND instr(substr(b.banner_host, 1, length(b.banner_host) - length(cn.name) + 1), '.') = 0)))
            OR (cn.kind = 'cn' AND lower(cn.name) = lower(b.banner_host) AND NOT EXISTS (
                SELECT 1 FROM certificate_names d WHERE d.certificate_id = l.cert_id AND d.kind = 'dns'))))
        AS covered
    FROM leaf l JOIN banner b ON b.server_ip = l.server_ip AND b.server_port = l.server_port
    WHERE b.bkind = 'fqdn')
SELECT server_ip, server_port, 'certificate_suggests_name', 'medium', banner_host,
       server_ip || ':' || server_port || ' greets as ''' || substr(banner_host, 1, 80) ||
       ''' (not an FQDN) but its TLS certificate names ''' || substr(fqdn, 1, 200) ||
       ''': announce ' || substr(fqdn, 1, 200) || '.',
       json_object('name', banner_host, 'kind', bkind, 'suggested_name', fqdn,
                   'certificate_sha256', sha256, 'certificate_subject', subject,
                   'certificate_sans', sans, 'sessions', n, 'example_session', ex),
       t0, t1,
       'Set the name the server announces in its banner and EHLO reply to ' || fqdn ||
       ', the FQDN its own certificate names (Exchange: the SMTP virtual server''s or receive '
       'connector''s FQDN; Postfix myhostname; Exim primary_hostname), and make it resolve to the server.',
       NULL
FROM sugg
UNION ALL
SELECT server_ip, server_port, 'certificate_name_mismatch', 'medium', banner_host,
       server_ip || ':' || server_port || ' announces ''' || substr(banner_host, 1, 80) ||
       ''' but its certificate (' || substr(coalesce(sans, subject, ''), 1, 200) || ') does not cover that name.',
       json_object('name', banner_host, 'certificate_sha256', sha256, 'certificate_subject', subject,
                   'certificate_sans', sans, 'sessions', n, 'example_session', ex),
       t0, t1,
       'Install a certificate whose subjectAltName lists the name the server announces (' ||
       banner_host || '), or announce a name the certificate covers.', NULL
FROM cover WHERE NOT covered
UNION ALL
SELECT server_ip, server_port, 'certificate_expired', 'high', subject_cn,
       server_ip || ':' || server_port || ' presented a certificate that was ' ||
       CASE WHEN expired_n > 0 THEN 'expired (not after ' || datetime(not_after, 'unixepoch') || ' UTC)'
            ELSE 'not yet valid (not before ' || datetime(not_before, 'unixepoch') || ' UTC)' END ||
       ' in ' || (expired_n + early_n) || ' of ' || n || ' sessions.',
       json_object('certificate_sha256', sha256, 'certificate_subject', subject,
                   'not_before', not_before, 'not_after', not_after, 'expired_sessions', expired_n,
                   'not_yet_valid_sessions', early_n, 'sessions', n, 'example_session', ex),
       t0, t1,
       'Renew the certificate (and check the server''s clock); senders that verify certificates '
       '(DANE, MTA-STS) defer mail to this server.', NULL
FROM leaf WHERE expired_n > 0 OR early_n > 0
UNION ALL
SELECT server_ip, server_port, 'certificate_self_signed', 'low', subject_cn,
       server_ip || ':' || server_port || ' presents a self-signed certificate (' ||
       substr(coalesce(subject, ''), 1, 200) || ') to clients from public addresses (' || public_n || ' sessions).',
       json_object('certificate_sha256', sha256, 'certificate_subject', subject,
                   'public_client_sessions', public_n, 'sessions', n, 'example_session', ex),
       t0, t1,
       'Use a certificate from a public CA (for example ACME/Let''s Encrypt) for the server''s FQDN; '
       'senders that verify (DANE without a TLSA match, MTA-STS) refuse self-signed certificates.', NULL
FROM leaf WHERE self_signed = 1 AND public_n > 0 AND xanon_n < n
UNION ALL
SELECT s.server_ip, s.server_port, 'tls_legacy_version', 'medium', NULL,
       s.server_ip || ':' || s.server_port || ' negotiated ' || group_concat(DISTINCT h.version) ||
       ' in ' || count(*) || ' sessions.',
       json_object('versions', group_concat(DISTINCT h.version), 'sessions', count(*),
                   'clients', count(DISTINCT s.client_ip), 'example_session', min(s.id)),
       min(s.first_ts), max(s.last_ts),
       'Disable SSLv3, TLS 1.0 and TLS 1.1 (RFC 8996) on the server and its senders: Postfix '
       'smtpd_tls_protocols = >=TLSv1.2, Exchange: disable the protocols in SCHANNEL.', NULL
FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id
WHERE h.version IN ('SSLv3', 'TLSv1.0', 'TLSv1.1')
GROUP BY s.server_ip, s.server_port;
