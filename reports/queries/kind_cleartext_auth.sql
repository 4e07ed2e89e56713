-- cleartext_auth: AUTH or X-EXPS in sessions without STARTTLS.  One pass over
-- the sessions (a plain scan: few of them authenticate, so walking an index
-- and looking each session up would cost more), per server and mechanism.
-- Columns: server_ip, server_port, sessions, login_plain, xexps_used, t0, t1,
-- accepted.
CREATE TEMP TABLE an_auths AS SELECT id, server_ip, server_port,
       upper(auth_mechanism) AS mech, auth_code, xexps_used, first_ts, last_ts
  FROM sessions NOT INDEXED WHERE auth_mechanism IS NOT NULL AND starttls = 0;
CREATE INDEX temp.an_auths_k ON an_auths(server_ip, server_port, id);
CREATE TEMP TABLE an_auth AS SELECT server_ip, server_port, mech, count(*) AS n,
       sum(mech IN ('LOGIN', 'PLAIN')) AS plain, sum(xexps_used) AS xu,
       min(first_ts) AS t0, max(last_ts) AS t1, sum(auth_code BETWEEN 200 AND 299) AS ok
  FROM an_auths GROUP BY server_ip, server_port, mech;
CREATE INDEX temp.an_auth_k ON an_auth(server_ip, server_port);
SELECT server_ip, server_port, sum(n), sum(plain), sum(xu), min(t0), max(t1), sum(ok)
  FROM an_auth WHERE server_ip IS NOT NULL GROUP BY server_ip, server_port;
