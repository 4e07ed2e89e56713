#!/usr/bin/env python3
"""migrate_check.py: helpers of tests/e2e/test_migrate.sh (schema migrations).

  migrate_check.py mkv4 V4.db SRC.db
      writes a version-4 database (schema/001..004 as they are in the tree)
      holding every row of SRC.db (a database written by this smtpscope):
      each v4 table gets the columns it has, `extensions` is filled from
      SRC's rows (a table or, since schema 7, a view).
  migrate_check.py dump DB
      prints the answers of the documented queries (schema/README.md's
      examples) and of whole-table reads of the contract tables and views,
      in a fixed order, so that two databases can be compared with diff.
"""
import glob
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "schema")

V4_TABLES = ("captures", "sessions", "extensions", "commands", "replies", "mails", "recipients",
             "dsn_recipients", "anomalies", "capture_counters", "capture_stats", "findings")

# The documented queries (schema/README.md "Example queries"), the servers
# view, and every contract table read whole in a fixed order.
QUERIES = [
    ("non-FQDN servers", """
SELECT server_ip, server_port, banner_host, banner_host_kind,
       greeting_host, greeting_host_kind, software,
       count(*) AS sessions, sum(outcome = 'aborted') AS aborted,
       datetime(max(last_ts), 'unixepoch') AS last_seen
  FROM sessions
 WHERE banner_host_kind NOT IN ('fqdn', 'address_literal')
    OR greeting_host_kind NOT IN ('fqdn', 'address_literal')
 GROUP BY server_ip, server_port, banner_host, greeting_host
 ORDER BY aborted DESC, sessions DESC, server_ip, server_port, banner_host, greeting_host"""),
    ("aborted per server", """
SELECT server_ip, server_port, count(*) AS sessions,
       sum(outcome = 'aborted') AS aborted,
       round(100.0 * sum(outcome = 'aborted') / count(*), 1) AS aborted_pct,
       max(xexps_advertised) AS xexps_advertised,
       group_concat(DISTINCT banner_host) AS names
  FROM sessions GROUP BY server_ip, server_port HAVING aborted > 0
 ORDER BY aborted DESC, server_ip, server_port"""),
    ("4.4.7 reports", """
SELECT datetime(m.ts, 'unixepoch') AS reported, d.final_recipient, d.action, d.status,
       d.reporting_mta, d.diagnostic, s.server_ip AS delivered_to, s.client_ip AS sent_by
  FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id JOIN sessions s ON s.id = m.session_id
 WHERE d.status = '4.4.7' ORDER BY m.ts, d.final_recipient"""),
    ("non-FQDN clients", """
SELECT client_ip, helo_arg, client_helo_kind, count(*) AS sessions FROM sessions
 WHERE client_helo_kind NOT IN ('fqdn', 'address_literal')
 GROUP BY client_ip, helo_arg ORDER BY sessions DESC, client_ip, helo_arg"""),
    ("transcripts", """
SELECT session_id, printf('%.6f', ts) AS t, 'C' AS dir, verb || coalesce(' ' || arg, '') AS line
  FROM commands
UNION ALL
SELECT session_id, printf('%.6f', ts), 'S', code || ' ' || coalesce(text, '') FROM replies
 ORDER BY 1, 2, 3, 4"""),
    ("transcript rows, exact values", """
SELECT 'C', session_id, seq, ts, typeof(ts), verb, arg, NULL, NULL FROM commands
UNION ALL
SELECT 'S', session_id, seq, ts, typeof(ts), code, enhanced, text, typeof(code) FROM replies
 ORDER BY 1, 2, 3"""),
    ("extensions of each session", """
SELECT session_id, seq, keyword, params FROM extensions ORDER BY session_id, seq"""),
    ("servers offering STARTTLS", """
SELECT DISTINCT s.server_ip, s.server_port FROM extensions e JOIN sessions s ON s.id = e.session_id
 WHERE e.keyword = 'STARTTLS' ORDER BY 1, 2"""),
    ("extension counts", """
SELECT s.id, (SELECT count(*) FROM extensions e WHERE e.session_id = s.id) FROM sessions s ORDER BY s.id"""),
    ("servers view", "SELECT * FROM servers ORDER BY server_ip, server_port"),
]


def v4_columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA main.table_info({table})")]


def mkv4(v4, src):
    if os.path.exists(v4):
        os.remove(v4)
    db = sqlite3.connect(v4, isolation_level=None)
    for f in sorted(glob.glob(os.path.join(SCHEMA, "00[1-4]_*.sql"))):
        db.executescript(open(f).read())
    if db.execute("PRAGMA user_version").fetchone()[0] != 4:
        sys.exit("mkv4: the schema files did not give version 4")
    db.execute("ATTACH DATABASE ? AS src", (src,))
    db.execute("BEGIN")
    for t in V4_TABLES:
        cols = ", ".join(f'"{c}"' for c in v4_columns(db, t))
        order = "session_id, seq" if t in ("extensions", "commands", "replies") else "rowid"
        db.execute(f"INSERT INTO main.{t} ({cols}) SELECT {cols} FROM src.{t} ORDER BY {order}")
    db.execute("COMMIT")
    n = db.execute("SELECT count(*) FROM main.extensions").fetchone()[0]
    db.close()
    print(f"mkv4: {v4}: version 4, {n} extension rows")


def dump(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.text_factory = bytes  # wire bytes as they are, invalid UTF-8 included
    for name, sql in QUERIES:
        print(f"== {name}")
        for row in db.execute(sql):
            print("|".join("NULL" if v is None else
                           v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else repr(v)
                           for v in row))
    db.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "mkv4":
        mkv4(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
