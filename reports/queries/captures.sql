-- The captures imported (the first 20).
SELECT id, source, kind, status, packets, bytes, dropped, smtp_sessions, first_ts, last_ts
  FROM captures ORDER BY id LIMIT 20;
