-- Commands and replies of one session in order.  Reply n answers command
-- n-1 (reply 1 is the banner), which orders lines with equal times.
-- ?1 session id, ?2 line limit.
SELECT dir, ts, code, verb, text FROM (
  SELECT 'C' AS dir, ts, 2 * seq - 1 AS k, NULL AS code, verb, arg AS text
    FROM commands WHERE session_id = ?1
  UNION ALL
  SELECT 'S', ts, 2 * (seq - 1), code, NULL, text
    FROM replies WHERE session_id = ?1)
 ORDER BY ts, k
 LIMIT ?2;
