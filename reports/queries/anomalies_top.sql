-- Protocol anomalies by kind.
SELECT kind, count(*) AS count, count(DISTINCT session_id) AS sessions
  FROM anomalies GROUP BY kind ORDER BY count DESC, kind LIMIT 40;
