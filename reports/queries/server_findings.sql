-- A server's findings, most severe first.  ?1 server_ip, ?2 server_port.
SELECT id, severity, kind, name, summary, remediation, evidence, json_valid(evidence) AS evidence_ok,
       first_ts, last_ts, finding_key, is_new, suggested_name, suggested_source
  FROM findings WHERE server_ip = ?1 AND server_port = ?2
 ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, kind, id;
