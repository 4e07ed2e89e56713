-- expired_447 about no server seen in the capture: one row when there are
-- such reports.  Columns: reports, first, last.
SELECT n, t0, t1 FROM (SELECT count(DISTINCT mail_id) AS n, min(ts) AS t0, max(ts) AS t1
  FROM an_dsn WHERE mail_id NOT IN (SELECT mail_id FROM an_tie)) WHERE n > 0;
