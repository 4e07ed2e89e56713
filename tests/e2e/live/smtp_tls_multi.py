#!/usr/bin/env python3
"""Ground-truth client for tests/e2e/test_tls_live.sh: one SMTP session over
STARTTLS that sends len(sizes) messages (0 = EHLO then QUIT), each of about
the given size in bytes, with Python's smtplib + ssl (a real TLS stack).
usage: smtp_tls_multi.py HOST HELO tls1.2|tls1.3 SIZE [SIZE...]"""
import smtplib
import ssl
import sys

host, helo, proto = sys.argv[1], sys.argv[2], sys.argv[3]
sizes = [int(a) for a in sys.argv[4:] if int(a) > 0]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
v = ssl.TLSVersion.TLSv1_3 if proto == "tls1.3" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = ctx.maximum_version = v
s = smtplib.SMTP(host, 25, local_hostname=helo, timeout=20)
s.starttls(context=ctx)
s.ehlo(helo)
for k, n in enumerate(sizes):
    head = "From: multi@client.example\r\nTo: rcpt@example.org\r\nSubject: part %d\r\n\r\n" % k
    line = "x" * 70 + "\r\n"
    body = line * max(1, (n - len(head)) // len(line))
    s.sendmail("multi@client.example", ["rcpt%d@example.org" % k], head + body)
s.quit()
