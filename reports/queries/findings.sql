-- Findings: problems that cost mail first (by severity), hygiene after.
-- ?1: row limit (-1 for all).  Filters (NULL: no filter): ?2 lowest severity
-- rank (1 high .. 4 info), ?3 kinds (comma separated), ?4 server_ip,
-- ?5 server_port, ?6 first_seen at or after (Unix time), ?7 1: new only.
SELECT id, severity, server_ip, server_port, client_ip, kind, name, summary,
       first_ts, last_ts, remediation, evidence, json_valid(evidence) AS evidence_ok,
       finding_key, first_seen, last_seen, is_new, suggested_name, suggested_source
  FROM findings
 WHERE (?2 IS NULL OR CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                                    WHEN 'low' THEN 3 ELSE 4 END <= ?2)
   AND (?3 IS NULL OR instr(',' || ?3 || ',', ',' || kind || ',') > 0)
   AND (?4 IS NULL OR server_ip = ?4 OR client_ip = ?4)
   AND (?5 IS NULL OR server_port = ?5)
   AND (?6 IS NULL OR first_seen >= ?6)
   AND (coalesce(?7, 0) = 0 OR is_new = 1)
 ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
          server_ip IS NULL, server_ip, server_port, kind, client_ip, id
 LIMIT ?1;
