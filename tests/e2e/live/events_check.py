#!/usr/bin/env python3
"""Checks the event streams of tests/e2e/test_live_events.sh.
usage: events_check.py KIND FILE...   KIND: file (JSON lines), syslog (RFC 5424
lines with JSON after the header), redis (one JSON value a line).
Prints one line per check result the shell test reads:
  lines N / invalid N / sessions N / senders a,b,c / keys <sorted keys of session events>
  cid_ok N / cid_bad N / header_bad N / findings N / session_lines <sha of sorted session lines>
Community IDs are recomputed here from the spec (an implementation of its own)."""
import base64
import hashlib
import ipaddress
import json
import re
import struct
import sys

kind, files = sys.argv[1], sys.argv[2:]
hdr = re.compile(r"^<(\d+)>1 (\S+) (\S+) smtpscope (\d+) (\S+) - (.*)$")


def cid(sip, sport, dip, dport, proto=6, seed=0):
    a = ipaddress.ip_address(sip).packed
    b = ipaddress.ip_address(dip).packed
    if (a, sport) > (b, dport):
        a, b, sport, dport = b, a, dport, sport
    data = struct.pack("!H", seed) + a + b + struct.pack("!BBHH", proto, 0, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


lines = invalid = header_bad = cid_ok = cid_bad = findings = 0
senders = []
keys = set()
session_lines = []
for fn in files:
    with open(fn, "rb") as f:
        for raw in f:
            raw = raw.rstrip(b"\n")
            if not raw:
                continue
            lines += 1
            text = raw.decode("utf-8", "replace")
            if kind == "syslog":
                m = hdr.match(text)
                if not m:
                    header_bad += 1
                    continue
                text = m.group(6)
                msgid = m.group(5)
            try:
                ev = json.loads(text)
            except ValueError:
                invalid += 1
                continue
            if kind == "syslog" and msgid != ev.get("event_type"):
                header_bad += 1
            for k in ("timestamp", "event_type", "sensor"):
                if k not in ev:
                    invalid += 1
            if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", ev.get("timestamp", "")):
                invalid += 1
            if ev.get("event_type") == "finding":
                findings += 1
            if ev.get("event_type") != "smtp_session":
                continue
            session_lines.append(text)
            keys.add(",".join(sorted(ev.keys())))
            for m in ev.get("mail", []):
                senders.append(m.get("mail_from") or "")
            want = cid(ev["client_ip"], ev["client_port"], ev["server_ip"], ev["server_port"])
            if ev.get("community_id") == want:
                cid_ok += 1
            else:
                cid_bad += 1
print("lines", lines)
print("invalid", invalid)
print("header_bad", header_bad)
print("sessions", len(session_lines))
print("senders", ",".join(sorted(senders)))
print("keysets", len(keys))
print("keys", sorted(keys)[0] if keys else "")
print("cid_ok", cid_ok)
print("cid_bad", cid_bad)
print("findings", findings)
print("session_lines", hashlib.sha1("\n".join(sorted(session_lines)).encode()).hexdigest())
