-- Findings, most severe first.  ?1: row limit (-1 for all).
SELECT id, severity, server_ip, server_port, client_ip, kind, name, summary,
       first_ts, last_ts, remediation, evidence, json_valid(evidence) AS evidence_ok
  FROM findings
 ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
          server_ip IS NULL, server_ip, server_port, kind, client_ip, id
 LIMIT ?1;
