-- The busiest clients.  ?1 limit.
-- helo: the client's most used HELO/EHLO name; of names used equally often,
-- the greatest (byte order).  Both the per-client GROUP BYs read the covering
-- index sessions_client_summary (schema 004) in its order.
SELECT t.client_ip,
       (SELECT helo_arg FROM sessions x WHERE x.client_ip = t.client_ip AND x.helo_arg IS NOT NULL
         GROUP BY helo_arg ORDER BY count(*) DESC, helo_arg DESC LIMIT 1) AS helo,
       t.sessions, t.servers, t.aborted, t.mails, t.first_ts, t.last_ts
  FROM (SELECT client_ip, count(*) AS sessions,
               count(DISTINCT server_ip || ' ' || server_port) AS servers,
               sum(outcome = 'aborted') AS aborted, sum(mails) AS mails,
               min(first_ts) AS first_ts, max(last_ts) AS last_ts
          FROM sessions GROUP BY client_ip
         ORDER BY sessions DESC, client_ip LIMIT ?1) t
 ORDER BY t.sessions DESC, t.client_ip;
