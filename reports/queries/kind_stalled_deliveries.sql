-- stalled_deliveries: servers with at least 2 attempts that stopped after
-- EHLO/HELO (temp.an_stall).  Columns: server_ip, server_port, attempts,
-- first, last, clients, gaps.
SELECT server_ip, server_port, count(*), min(ts), max(ts),
       count(DISTINCT client_ip), count(gap)
  FROM an_stall WHERE server_ip IS NOT NULL
 GROUP BY server_ip, server_port HAVING count(*) >= 2;
