-- The report's opening summary: one row.
SELECT (SELECT count(*) FROM captures) AS captures,
       (SELECT coalesce(sum(packets), 0) FROM captures) AS packets,
       (SELECT coalesce(sum(bytes), 0) FROM captures) AS bytes,
       (SELECT coalesce(sum(dropped), 0) FROM captures) AS dropped,
       coalesce((SELECT min(first_ts) FROM sessions), (SELECT min(first_ts) FROM captures)) AS first_ts,
       coalesce((SELECT max(last_ts) FROM sessions), (SELECT max(last_ts) FROM captures)) AS last_ts,
       (SELECT count(*) FROM sessions) AS sessions,
       (SELECT count(*) FROM (SELECT 1 FROM sessions GROUP BY server_ip, server_port)) AS servers,
       (SELECT count(DISTINCT client_ip) FROM sessions) AS clients,
       (SELECT count(*) FROM mails) AS mails,
       (SELECT count(*) FROM findings) AS findings;
