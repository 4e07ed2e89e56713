-- How many report mails carry 4.4.7 (each mail once).
SELECT count(DISTINCT m.id) AS reports
  FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id
 WHERE d.status = '4.4.7'
    OR (m.is_dsn AND (d.diagnostic LIKE '%#4.4.7%' OR d.final_recipient LIKE '%#4.4.7%'
                      OR d.action LIKE '%#4.4.7%'));
