-- Findings per severity, every severity listed (0 when none).
SELECT s.severity, count(f.id) AS findings
  FROM (SELECT 'high' AS severity, 1 AS r UNION ALL SELECT 'medium', 2
        UNION ALL SELECT 'low', 3 UNION ALL SELECT 'info', 4) s
  LEFT JOIN findings f ON f.severity = s.severity
 GROUP BY s.severity, s.r
 ORDER BY s.r;
