#!/usr/bin/env python3
"""A syslog receiver for tests/e2e/test_live_events.sh: binds a unix datagram
socket and appends every datagram it receives, as one line, to a file.
usage: syslog_reader.py SOCKET OUTFILE"""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)  # the capture runs as nobody
with open(out, "ab", buffering=0) as f:
    f.write(b"")
    while True:
        data = s.recv(1 << 20)
        f.write(data.replace(b"\n", b"\\n") + b"\n")
