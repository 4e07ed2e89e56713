-- All sessions per time bucket.  ?1 start time, ?2 bucket width (s), ?3 last bucket index.
SELECT min(max(CAST((first_ts - ?1) / ?2 AS INTEGER), 0), ?3) AS bucket,
       count(*) AS sessions, sum(outcome = 'aborted') AS aborted
  FROM sessions
 GROUP BY 1 ORDER BY 1;
