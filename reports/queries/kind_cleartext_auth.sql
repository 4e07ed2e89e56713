-- cleartext_auth: AUTH or X-EXPS in sessions without STARTTLS.  One pass over
-- the sessions (a plain scan: few of them authenticate, so walking an index
-- and looking each session up would cost more), per server and mechanism.
-- One finding per server and mechanism class:
--   password   LOGIN, PLAIN, XOAUTH2, OAUTHBEARER: the password or bearer
--              token itself crosses the wire, readable (high)
--   challenge  every other mechanism (CRAM-MD5, DIGEST-MD5, SCRAM-*, NTLM,
--              GSSAPI ...): a challenge-response an eavesdropper can attack
--              offline or relay (medium)
-- named after the class's most used mechanism.  Columns: server_ip,
-- server_port, sessions, login_plain, xexps_used, t0, t1, accepted, class,
-- mechanism.
CREATE TEMP TABLE an_auths AS SELECT id, server_ip, server_port,
       upper(auth_mechanism) AS mech, auth_code, xexps_used, first_ts, last_ts,
       CASE WHEN upper(auth_mechanism) IN ('LOGIN', 'PLAIN', 'XOAUTH2', 'OAUTHBEARER')
            THEN 'password' ELSE 'challenge' END AS class
  FROM sessions NOT INDEXED WHERE auth_mechanism IS NOT NULL AND starttls = 0;
CREATE INDEX temp.an_auths_k ON an_auths(server_ip, server_port, class, id);
CREATE TEMP TABLE an_auth AS SELECT server_ip, server_port, class, mech, count(*) AS n,
       sum(mech IN ('LOGIN', 'PLAIN')) AS plain, sum(xexps_used) AS xu,
       min(first_ts) AS t0, max(last_ts) AS t1, sum(auth_code BETWEEN 200 AND 299) AS ok
  FROM an_auths GROUP BY server_ip, server_port, class, mech;
-- in the order the mechanisms are listed and picked (most used first), so
-- neither the evidence nor the name needs a sort per finding
CREATE INDEX temp.an_auth_k ON an_auth(server_ip, server_port, class, n DESC, mech);
SELECT a.server_ip, a.server_port, sum(a.n), sum(a.plain), sum(a.xu), min(a.t0), max(a.t1), sum(a.ok),
       a.class,
       (SELECT b.mech FROM an_auth b WHERE b.server_ip = a.server_ip AND b.server_port = a.server_port
         AND b.class = a.class ORDER BY b.n DESC, b.mech LIMIT 1)
  FROM an_auth a WHERE a.server_ip IS NOT NULL GROUP BY a.server_ip, a.server_port, a.class
 ORDER BY a.server_ip, a.server_port, a.class = 'challenge';
