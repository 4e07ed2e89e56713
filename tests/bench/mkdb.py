#!/usr/bin/env python3
"""mkdb.py DB TARGET: grows a replayed smtpscope database to at least TARGET
sessions by copying its rows with SQL, for the findings/report benchmark.

Each step copies up to as many sessions as the database holds (so the count
roughly doubles), the last step only as many as are still missing.  Copies
get new ids (offset by the current maximum), timestamps shifted past the
current span (so copies never overlap in time), and client ports rotated.
Child rows follow their session: extensions (before schema 7; since then
the copies point to the same EHLO profiles), commands, replies, mails,
recipients, dsn_recipients, anomalies (the times inside a copied transcript
row are not shifted).  Server addresses stay the same, so a
server's session count grows as it would with a longer capture.  Indexes are
dropped during the copy and rebuilt at the end.  The findings table is left
to `smtpscope analyze`.  Prints one JSON line with the row counts."""
import json
import sqlite3
import sys
import time

SESSION_CHILDREN = ("extensions", "commands", "replies", "transcripts", "anomalies")
MAIL_CHILDREN = ("recipients", "dsn_recipients")
TS_COLUMNS = ("ts", "first_ts", "last_ts")


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def tables(db):
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def copy_rows(db, table, key, key_expr, where, shift):
    """INSERT INTO table SELECT ... with key column replaced by key_expr."""
    cols = columns(db, table)
    exprs = []
    for c in cols:
        if c == key:
            exprs.append(key_expr)
        elif c in TS_COLUMNS:
            exprs.append(f"{c} + {shift!r}")
        elif c == "id" and table == "mails":
            exprs.append("id + :moff")
        elif c == "client_port" and table == "sessions":
            exprs.append("1024 + (client_port + :soff) % 64512")
        else:
            exprs.append(c)
    names = ", ".join(cols)
    return f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} WHERE {where}"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkdb.py DB TARGET_SESSIONS")
    path, target = sys.argv[1], int(sys.argv[2])
    t0 = time.monotonic()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("PRAGMA cache_size=-262144")
    have = tables(db)
    indexes = [r for r in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")]
    db.execute("BEGIN")
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    steps = 0
    while True:
        n = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
        if n == 0:
            sys.exit("mkdb.py: the database has no sessions")
        if n >= target:
            break
        want = min(n, target - n)
        # the copy: the first `want` sessions by id
        thr = db.execute("SELECT id FROM sessions ORDER BY id LIMIT 1 OFFSET ?",
                         (want - 1,)).fetchone()[0]
        soff = db.execute("SELECT max(id) FROM sessions").fetchone()[0]
        moff = db.execute("SELECT coalesce(max(id), 0) FROM mails").fetchone()[0]
        lo, hi = db.execute("SELECT min(first_ts), max(last_ts) FROM sessions").fetchone()
        shift = float(int(hi - lo) + 3600)
        p = {"thr": thr, "soff": soff, "moff": moff}
        db.execute(copy_rows(db, "sessions", "id", "id + :soff", "id <= :thr", shift), p)
        for t in SESSION_CHILDREN:
            if t in have:
                db.execute(copy_rows(db, t, "session_id", "session_id + :soff",
                                     "session_id <= :thr", shift), p)
        if "mails" in have:
            db.execute(copy_rows(db, "mails", "session_id", "session_id + :soff",
                                 "session_id <= :thr", shift), p)
            db.execute("CREATE TEMP TABLE IF NOT EXISTS copied(id INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM copied")
            db.execute("INSERT INTO copied SELECT id FROM mails WHERE session_id <= :thr "
                       "AND id <= :moff", p)
            for t in MAIL_CHILDREN:
                if t in have:
                    db.execute(copy_rows(db, t, "mail_id", "mail_id + :moff",
                                         "mail_id IN (SELECT id FROM copied)", shift), p)
        steps += 1
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("sessions", "extensions", "commands", "replies", "mails",
                        "recipients", "dsn_recipients", "anomalies", "ehlo_profiles")
              if t in have or t in views}
    db.close()
    print(json.dumps({"steps": steps, "seconds": round(time.monotonic() - t0, 1), **counts}))


if __name__ == "__main__":
    main()
