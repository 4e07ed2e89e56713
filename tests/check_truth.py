#!/usr/bin/env python3
"""check_truth.py DB TRUTH.json [--min 0.999] [--quiet]

Compares what smtpscope stored in DB with the ground truth that
../shared/tools/smtpgen.py wrote beside its capture.  Sessions are matched by
(client ip, client port, server ip, server port).  For every field of the
truth it prints how many sessions agree, lists the first disagreements, and
checks the findings against the truth's servers:

  * non_fqdn_greeting findings == servers marked misconfigured_non_fqdn
  * each ex2000_short server's stalled_deliveries attempts == aborted_after_ehlo
  * 4.4.7 reports stored == sessions with an ndr_447 mail, and per server
    expired_447 counts == ndr_447_reports

Two truth fields say more than the wire carries, and are compared for what
the wire shows:
  * a mail whose recipients were all refused never sends its body, so an NDR
    in it cannot be seen: its ndr_447 is expected false (the raw truth count
    is printed beside the observable one);
  * xexps_advertised is a property of the server in the truth; a session
    only shows it when the server answered EHLO, so HELO sessions are
    expected false.

Exit status 1 when a session is missing or any rate is below --min.
Standard library only.
"""
import ipaddress
import json
import sqlite3
import sys


def load_db(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    db.row_factory = sqlite3.Row
    sessions = {}
    for r in db.execute("SELECT * FROM sessions"):
        key = (r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
        s = dict(r)
        s["extensions"] = [x[0] for x in db.execute(
            "SELECT keyword FROM extensions WHERE session_id = ? ORDER BY seq", (r["id"],))]
        s["mails_list"] = []
        for m in db.execute("SELECT * FROM mails WHERE session_id = ? ORDER BY seq", (r["id"],)):
            md = dict(m)
            md["rcpts"] = [x[0] for x in db.execute(
                "SELECT address FROM recipients WHERE mail_id = ? ORDER BY seq", (m["id"],))]
            md["dsn"] = [dict(x) for x in db.execute(
                "SELECT * FROM dsn_recipients WHERE mail_id = ?", (m["id"],))]
            s["mails_list"].append(md)
        sessions.setdefault(key, []).append(s)  # a list: one 4-tuple may be reused
    findings = [dict(r) for r in db.execute("SELECT * FROM findings")]
    return sessions, findings


def canon(ip):
    """inet_ntop form: the truth writes IPv6 as 2001:db8:25:0::3c, inet_ntop as 2001:db8:25::3c."""
    return str(ipaddress.ip_address(ip))


def mail_view(m):
    is447 = any((d.get("status") or "") == "4.4.7" for d in m["dsn"])
    rmta = None
    for d in m["dsn"]:
        if (d.get("status") or "") == "4.4.7" and d.get("reporting_mta"):
            rmta = d["reporting_mta"]
            break
    return {"from": m["mail_from"], "rcpts": m["rcpts"], "accepted": m["accepted"],
            "ndr_447": is447, "ndr_reporting_mta": rmta if is447 else None,
            "size": m["size"]}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    minrate = 0.999
    if "--min" in sys.argv:
        minrate = float(sys.argv[sys.argv.index("--min") + 1])
        args = [a for a in args if a != sys.argv[sys.argv.index("--min") + 1]]
    quiet = "--quiet" in sys.argv
    dbpath, truthpath = args[0], args[1]
    truth = json.load(open(truthpath))
    sessions, findings = load_db(dbpath)

    fields = ["banner_host", "helo_verb", "helo_arg", "greeting_host", "extensions",
              "xexps_advertised", "xexps_used", "auth_mechanism", "starttls", "pipelined", "bdat",
              "mails", "outcome", "vlan"]
    agree = {f: 0 for f in fields}
    bad = {f: [] for f in fields}
    missing = []
    for t in truth["sessions"]:
        key = (canon(t["client_ip"]), t["client_port"], canon(t["server_ip"]), t["server_port"])
        cands = sessions.get(key)
        # port reuse: the stored session whose first packet is nearest the truth's start
        s = min(cands, key=lambda x: abs(x["first_ts"] - t["start"])) if cands else None
        if s is None:
            missing.append(t["id"])
            continue
        got = {
            "banner_host": s["banner_host"], "helo_verb": s["helo_verb"], "helo_arg": s["helo_arg"],
            "greeting_host": s["greeting_host"], "extensions": s["extensions"],
            "xexps_advertised": bool(s["xexps_advertised"]), "xexps_used": bool(s["xexps_used"]),
            "auth_mechanism": s["auth_mechanism"], "starttls": bool(s["starttls"]),
            "pipelined": bool(s["pipelined"]), "bdat": bool(s["bdat"]),
            "mails": [mail_view(m) for m in s["mails_list"]], "outcome": s["outcome"],
            "vlan": s["vlan"],
        }
        want = dict(t)
        want["mails"] = [{"from": m["from"], "rcpts": m["rcpts"], "accepted": m["accepted"],
                          "ndr_447": m["ndr_447"] and m["accepted"] > 0,
                          "ndr_reporting_mta": m["ndr_reporting_mta"] if m["accepted"] > 0 else None,
                          "size": m.get("size")} for m in t["mails"]]
        if t["helo_verb"] != "EHLO":
            want["xexps_advertised"] = False
        for f in fields:
            if got[f] == want[f]:
                agree[f] += 1
            elif len(bad[f]) < 5:
                bad[f].append((t["id"], want[f], got[f]))

    n = len(truth["sessions"])
    ok = True
    print("sessions in truth: %d, found: %d, missing: %d, stored: %d" %
          (n, n - len(missing), len(missing), sum(len(v) for v in sessions.values())))
    if missing:
        ok = False
        print("  missing session ids: %s" % missing[:20])
    for f in fields:
        rate = agree[f] / n if n else 1.0
        flag = "ok" if rate >= minrate else "LOW"
        if rate < minrate:
            ok = False
        print("  %-18s %6d/%d  %.4f  %s" % (f, agree[f], n, rate, flag))
        if not quiet:
            for sid, w, g in bad[f]:
                print("      session %s: want %r got %r" % (sid, w, g))

    # findings against the truth's servers
    servers = truth["servers"]
    servers = {"%s:%s" % (canon(v["ip"]), v["port"]): v for v in servers.values()}
    want_bad = sorted(k for k, v in servers.items() if v["misconfigured_non_fqdn"])
    got_bad = sorted("%s:%s" % (f["server_ip"], f["server_port"]) for f in findings
                     if f["kind"] == "non_fqdn_greeting" and f["server_ip"])
    same = want_bad == got_bad
    ok &= same
    print("non_fqdn_greeting servers: want %d, got %d: %s" % (len(want_bad), len(got_bad),
                                                              "equal" if same else "DIFFERENT"))
    if not same:
        print("  missing: %s" % sorted(set(want_bad) - set(got_bad)))
        print("  extra:   %s" % sorted(set(got_bad) - set(want_bad)))
    stalled = {"%s:%s" % (f["server_ip"], f["server_port"]): json.loads(f["evidence"])
               for f in findings if f["kind"] == "stalled_deliveries" and f["server_ip"]}
    for k, v in sorted(servers.items()):
        if v["kind"] != "ex2000_short":
            continue
        ev = stalled.get(k)
        got = ev.get("attempts") if ev else None
        good = got == v["aborted_after_ehlo"]
        ok &= good
        print("stalled_deliveries %-22s want %s got %s %s" % (k, v["aborted_after_ehlo"], got,
                                                               "ok" if good else "DIFFERENT"))
    raw447 = sum(1 for t in truth["sessions"] for m in t["mails"] if m["ndr_447"])
    want447 = sum(1 for t in truth["sessions"] for m in t["mails"] if m["ndr_447"] and m["accepted"] > 0)
    seen_ndr = {}
    for t in truth["sessions"]:
        for m in t["mails"]:
            if m["ndr_447"] and m["accepted"] > 0 and t.get("ndr_about_server"):
                k = canon(t["ndr_about_server"])
                seen_ndr[k] = seen_ndr.get(k, 0) + 1
    got447 = sum(1 for lst in sessions.values() for s in lst
                 for m in s["mails_list"] if mail_view(m)["ndr_447"])
    ok &= want447 == got447
    print("4.4.7 reports: want %d got %d %s (truth lists %d; %d were never transferred: all recipients refused)" %
          (want447, got447, "ok" if want447 == got447 else "DIFFERENT", raw447, raw447 - want447))
    exp = {"%s:%s" % (f["server_ip"], f["server_port"]): json.loads(f["evidence"])
           for f in findings if f["kind"] == "expired_447" and f["server_ip"]}
    for k, v in sorted(servers.items()):
        w = seen_ndr.get(canon(v["ip"]), 0)
        ev = exp.get(k)
        g = ev.get("reports", ev.get("count")) if ev else 0
        good = (w == g)
        ok &= good
        if w or g:
            print("expired_447 %-22s want %s got %s %s" % (k, w, g, "ok" if good else "DIFFERENT"))
    print("RESULT: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
