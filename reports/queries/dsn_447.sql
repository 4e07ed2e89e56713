-- Delivery-status reports with status 4.4.7 (message expired), with the
-- server each is about (banner name = Reporting-MTA, its first label for
-- single-label names, or the recipient's domain), as reports/analyze.c ties
-- them; endpoints written ip:port or [v6]:port.  ?1 limit.
SELECT m.id AS mail_id, coalesce(m.ts, s.first_ts) AS ts,
       CASE WHEN instr(s.server_ip, ':') > 0 THEN '[' || s.server_ip || ']:' ELSE s.server_ip || ':' END || s.server_port AS carried_by,
       d.reporting_mta, d.final_recipient, d.status, d.action, d.diagnostic,
       coalesce(
         (SELECT CASE WHEN instr(t.server_ip, ':') > 0 THEN '[' || t.server_ip || ']:' ELSE t.server_ip || ':' END || t.server_port FROM sessions t
           WHERE t.banner_host = d.reporting_mta COLLATE NOCASE AND t.banner_code = 220 LIMIT 1),
         (SELECT CASE WHEN instr(t.server_ip, ':') > 0 THEN '[' || t.server_ip || ']:' ELSE t.server_ip || ':' END || t.server_port FROM sessions t
           WHERE instr(d.reporting_mta, '.') > 1
             AND t.banner_host = substr(d.reporting_mta, 1, instr(d.reporting_mta, '.') - 1) COLLATE NOCASE
             AND t.banner_code = 220 AND fqdn_kind(t.banner_host) = 'single_label' LIMIT 1),
         (SELECT CASE WHEN instr(t.server_ip, ':') > 0 THEN '[' || t.server_ip || ']:' ELSE t.server_ip || ':' END || t.server_port FROM sessions t
           WHERE instr(d.final_recipient, '@') > 0
             AND t.banner_host = substr(d.final_recipient, instr(d.final_recipient, '@') + 1) COLLATE NOCASE
             AND t.banner_code = 220 LIMIT 1)) AS about_server
  FROM dsn_recipients d
  JOIN mails m ON m.id = d.mail_id
  JOIN sessions s ON s.id = m.session_id
 WHERE d.status = '4.4.7'
    OR (m.is_dsn AND (d.diagnostic LIKE '%#4.4.7%' OR d.final_recipient LIKE '%#4.4.7%'
                      OR d.action LIKE '%#4.4.7%'))
 ORDER BY ts, m.id
 LIMIT ?1;
