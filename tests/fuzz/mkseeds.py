#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets: tests/fuzz/corpus/<target>/.

Everything here is made up by this script (no third-party capture is copied).
Input formats are described at the top of each tests/fuzz/fuzz_<target>.c.

    python3 tests/fuzz/mkseeds.py [corpus-dir]
"""
import os
import struct
import sys

SEP = b"\x00\xffSP"
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crlf(*lines):
    return b"".join(l.encode() + b"\r\n" for l in lines)


# ---- SMTP transcripts (server first, then alternating) ------------------------

BANNER_X2K = crlf("220 mail1 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  "
                  "Thu, 1 Feb 2001 10:00:00 +0100 ")
EHLO_X2K = crlf("250-mail1 Hello [192.0.2.10]", "250-TURN", "250-ATRN", "250-SIZE", "250-ETRN",
                "250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES", "250-8bitmime",
                "250-BINARYMIME", "250-CHUNKING", "250-VRFY", "250-X-EXPS GSSAPI NTLM LOGIN",
                "250-X-EXPS=LOGIN", "250-AUTH GSSAPI NTLM LOGIN", "250-AUTH=LOGIN",
                "250-X-LINK2STATE", "250-XEXCH50", "250 OK")

DSN_447 = crlf(
    "From: postmaster@relay.example.net",
    "To: alice@example.org",
    "Subject: Delivery Status Notification (Delay)",
    "Date: Thu, 1 Feb 2001 12:00:00 +0100",
    "Message-ID: <dsn.1@relay.example.net>",
    "MIME-Version: 1.0",
    "Content-Type: multipart/report; report-type=delivery-status;",
    "\tboundary=\"=_b0und4ry\"",
    "",
    "--=_b0und4ry",
    "Content-Type: text/plain",
    "",
    "This is an automatically generated Delivery Status Notification.",
    "Delivery to the following recipients has been delayed.",
    "",
    "--=_b0und4ry",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns;relay.example.net",
    "Arrival-Date: Thu, 1 Feb 2001 10:00:00 +0100",
    "",
    "Final-Recipient: rfc822;bob@mail1",
    "Action: failed",
    "Status: 4.4.7",
    "Diagnostic-Code: smtp; 452 4.4.7 Message expired",
    "",
    "Final-Recipient: rfc822; carol@example.com",
    "Original-Recipient: rfc822;carol@example.com",
    "Action: delayed",
    "Status: 4.4.1",
    "",
    "--=_b0und4ry",
    "Content-Type: text/rfc822-headers",
    "",
    "From: alice@example.org",
    "Subject: hello",
    "",
    "--=_b0und4ry--",
)

NDR_X2K = crlf(
    "From: System Administrator <postmaster@mail1>",
    "To: alice@example.org",
    "Subject: Undeliverable: quarterly figures",
    "Date: Thu, 1 Feb 2001 12:00:00 +0100",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=\"iso-8859-1\"",
    "",
    "Your message",
    "",
    "  Subject:\tquarterly figures",
    "  Sent:\t1/2/2001 10:00 AM",
    "",
    "did not reach the following recipient(s):",
    "",
    "bob@example.net on 1/2/2001 12:00 PM",
    "            Could not deliver the message in the time limit specified.  Please retry or",
    "contact your administrator.",
    "            <mail1 #4.4.7>",
    "",
)


def smtp(ctl, *chunks):
    return bytes([ctl]) + SEP.join(chunks)


def smtp_seeds():
    write("smtp", "kb301401_ehlo_quit", smtp(
        0x00, BANNER_X2K, crlf("EHLO client.example.com"), EHLO_X2K, crlf("QUIT"),
        crlf("221 2.0.0 mail1 Service closing transmission channel")))
    # the same, compared against a piece-by-piece feed, ended by RST
    write("smtp", "kb301401_split_rst", smtp(
        0x40 | (1 << 3), BANNER_X2K, crlf("EHLO client.example.com"), EHLO_X2K))
    write("smtp", "pipelining_dsn", smtp(
        0x40, crlf("220 mx.example.org ESMTP Postfix (Debian/GNU)"), crlf("EHLO relay.example.net"),
        crlf("250-mx.example.org", "250-PIPELINING", "250-SIZE 10240000", "250-DSN",
             "250-ENHANCEDSTATUSCODES", "250 8BITMIME"),
        crlf("MAIL FROM:<> SIZE=1500 BODY=8BITMIME RET=HDRS ENVID=QQ314159",
             "RCPT TO:<alice@example.org> NOTIFY=FAILURE ORCPT=rfc822;alice@example.org",
             "RCPT TO:<nobody@example.org>", "DATA"),
        crlf("250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 <nobody@example.org>: Recipient address rejected",
             "354 End data with <CR><LF>.<CR><LF>"),
        DSN_447.replace(b"\r\n.", b"\r\n..") + b".\r\n",
        crlf("250 2.0.0 Ok: queued as 4F2A1"),
        crlf("QUIT"), crlf("221 2.0.0 Bye")))
    write("smtp", "bdat_chunking", smtp(
        0x00, crlf("220 mx ESMTP"), crlf("EHLO a"), crlf("250-mx", "250-CHUNKING", "250 BINARYMIME"),
        crlf("MAIL FROM:<a@example.org> BODY=BINARYMIME", "RCPT TO:<b@example.org>")
        + b"BDAT 12\r\nSubject: x\r\n", crlf("250 2.1.0 ok", "250 2.1.5 ok", "250 2.0.0 12 octets"),
        b"BDAT 6 LAST\r\n\r\nbody!", crlf("250 2.0.0 ok"), crlf("QUIT"), crlf("221 bye")))
    write("smtp", "auth_login", smtp(
        0x00, crlf("220 smtp.example.com ESMTP"), crlf("EHLO laptop"),
        crlf("250-smtp.example.com", "250-AUTH LOGIN PLAIN CRAM-MD5", "250 AUTH=LOGIN"),
        crlf("AUTH LOGIN"), crlf("334 VXNlcm5hbWU6"), crlf("dXNlcg=="), crlf("334 UGFzc3dvcmQ6"),
        crlf("c2VjcmV0"), crlf("235 2.7.0 Authentication successful"),
        crlf("AUTH PLAIN AHVzZXIAc2VjcmV0"), crlf("503 5.5.1 Already authenticated")))
    write("smtp", "xexps_gssapi", smtp(
        0x00, BANNER_X2K, crlf("EHLO mail2"), EHLO_X2K, crlf("X-EXPS GSSAPI"), crlf("334 "),
        crlf("YIIBhAYJKoZIhvcSAQICAQBuggFz"), crlf("334 YGwGCSqGSIb3EgECAgIAb10wW6ADAgEF"),
        crlf(""), crlf("235 2.7.0 ok"), crlf("XEXCH50 10 2"), crlf("354 Send binary data"),
        b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", crlf("250 2.0.0 XEXCH50 OK"),
        crlf("X-LINK2STATE LAST CHUNK=ABC"), crlf("250 ok")))
    write("smtp", "starttls", smtp(
        0x00, crlf("220-mx.example.org ESMTP", "220 no UCE"), crlf("EHLO c"),
        crlf("250-mx.example.org", "250 STARTTLS"), crlf("STARTTLS"), crlf("220 2.0.0 Ready to start TLS"),
        b"\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03" + bytes(32), b"\x16\x03\x03\x00\x10" + bytes(16)))
    write("smtp", "rejected_gap", smtp(
        0x02 | (2 << 3), crlf("421 4.3.2 mx Service not available, closing transmission channel"),
        crlf("HELO x"), crlf("503 5.5.1 bad sequence"), crlf("helo y", "mail from:<a@b>"),
        crlf("250 hi", "250 ok")))
    write("smtp", "long_lines", smtp(
        0x00, b"220 " + b"h" * 5000 + b"\r\n", b"EHLO " + b"x" * 600 + b"\n",
        b"250-" + b"y" * 2000 + b"\r\n250 SIZE\r\n", b"RCPT TO:<a@b>\r\nNOOP\rRSET\r\n\x00\x01\x02\r\n",
        b"503 5.5.1 need MAIL\r\n250 ok\r\n250 ok\r\n500 what\r\n"))
    write("smtp", "midstream_data", smtp(
        0x00, crlf("250 2.1.5 ok", "354 go ahead"),
        crlf("Subject: mid", "", "line", "..", ".x", "."), crlf("250 queued"),
        crlf("VRFY postmaster", "EXPN list", "HELP", "ETRN example.org", "TURN", "ATRN", "NOOP"),
        crlf("252 2.1.5 cannot verify", "502 no", "214 help", "250 ok", "502 no", "502 no", "250 ok")))


    # bit 7: every chunk fed SMTP_REPEAT (1124) times, to reach the caps
    write("smtp", "caps_repeat", smtp(
        0x80, crlf("220 mx.example.org ESMTP"), crlf("MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>"),
        crlf("250 2.1.0 ok"), crlf("RCPT TO:<c@example.org> NOTIFY=NEVER"), crlf("550 5.1.1 no"),
        crlf("NOOP")))
    write("smtp", "caps_repeat_split", smtp(
        0xc0, crlf("250-mx", "250-X-EXPS LOGIN", "250 AUTH LOGIN"), crlf("EHLO a", "VRFY b")))
    # a gap inside an XEXCH50 blob (gap after every 3rd chunk)
    write("smtp", "xexch50_gap", smtp(
        0x03, crlf("220 mx Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713"), crlf("XEXCH50 200 2"),
        crlf("354 Send binary data"), b"\x05" + bytes(40), b"", bytes(100), crlf("250 2.0.0 XEXCH50 OK"),
        crlf("QUIT")))


def message_seeds():
    write("message", "dsn_447", bytes([0x01]) + DSN_447)
    write("message", "dsn_447_split", bytes([0x07]) + SEP.join([DSN_447[:100], DSN_447[100:377], DSN_447[377:]]))
    write("message", "ndr_exchange", bytes([0x00]) + NDR_X2K)
    write("message", "ndr_exchange_split", bytes([0x05]) + NDR_X2K[:250] + SEP + NDR_X2K[250:])
    write("message", "plain", bytes([0x02]) + crlf(
        "Received: from a by b; Thu, 1 Feb 2001 10:00:00 +0100",
        "From: \"Alice\" <alice@example.org>", "To: bob@example.net,", " carol@example.net",
        "Subject: =?iso-8859-1?q?gr=FC=DFe?=", "Message-ID: <1@a>", "Content-Type: text/plain", "",
        "hello", ""))
    # bit 3: every chunk fed MSG_REPEAT (512) times: header block, DSN scan and DSN recipient caps
    write("message", "caps_header_block", bytes([0x08]) + crlf("X-Filler: " + "f" * 200))
    write("message", "caps_dsn", bytes([0x09]) + crlf(
        "From: MAILER-DAEMON@relay.example.net", "Content-Type: multipart/report; report-type=delivery-status;",
        " boundary=b", "", "--b", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns;r.example",
        "") + SEP + crlf("Final-Recipient: rfc822;x@example.org", "Action: failed", "Status: 4.4.7",
                         "Diagnostic-Code: smtp; " + "d" * 500, ""))
    write("message", "caps_ndr", bytes([0x08]) + NDR_X2K[:NDR_X2K.index(b"bob@")] + SEP + NDR_X2K[NDR_X2K.index(b"bob@"):])
    write("message", "nested_mime", bytes([0x05]) + crlf(
        "From: x@y", "Content-Type: multipart/mixed; boundary=outer", "", "preamble", "--outer",
        "Content-Type: multipart/alternative; boundary=\"inner\"", "", "--inner",
        "Content-Type: text/plain", "", "a", "--inner--", "--outer",
        "Content-Type: message/rfc822", "", "From: z@w", "Subject: inner", "", "b", "--outer--"))


# ---- packets ------------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(proto, payload, src=b"\xc0\x00\x02\x01", dst=b"\xc0\x00\x02\x02", ident=1, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(nh, payload, src=b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01", dst=b"\x20\x01\x0d\xb8" + bytes(11) + b"\x02"):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(ethertype, payload, vlan=None):
    h = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", ethertype) + payload


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def decode_seeds():
    seg = tcp(25025, 25, 1000, 2000, PSH | ACK, b"EHLO client\r\n")
    ip4 = ipv4(6, seg)
    ip6 = ipv6(6, seg)
    # dlt index: 0 EN10MB, 1 LINUX_SLL, 2 LINUX_SLL2, 3 RAW, 4 NULL, 5 LOOP, 6 IPV4, 7 IPV6
    write("decode", "eth_ipv4_tcp", b"\x00\x00" + SEP.join([
        eth(0x0800, ipv4(6, tcp(1025, 25, 1, 0, SYN))), eth(0x0800, ip4),
        eth(0x86dd, ip6), eth(0x0806, bytes(28))]))
    write("decode", "eth_vlan_qinq", b"\x00\x00" + SEP.join([
        eth(0x0800, ip4, vlan=100),
        b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + struct.pack("!HHHH", 0x88a8, 10, 0x8100, 20)
        + struct.pack("!H", 0x0800) + ip4]))
    write("decode", "sll", b"\x01\x00" + struct.pack("!HHH8sH", 0, 1, 6, bytes(8), 0x0800) + ip4)
    write("decode", "sll2", b"\x02\x00" + struct.pack("!HHIHBB8s", 0x86dd, 0, 2, 1, 0, 6, bytes(8)) + ip6)
    write("decode", "raw", b"\x03\x01" + ip4 + SEP + ip6)
    write("decode", "null_loop", b"\x04\x00" + struct.pack("<I", 2) + ip4 + SEP + struct.pack("<I", 30) + ip6)
    write("decode", "loop", b"\x05\x00" + struct.pack("!I", 2) + ip4)
    write("decode", "ipv4", b"\x06\x00" + ip4)
    # IPv6 with hop-by-hop and destination options before TCP
    ext = ipv6(0, bytes([60, 0]) + bytes(6) + bytes([6, 0]) + bytes(6) + seg)
    write("decode", "ipv6_ext", b"\x07\x00" + ext)
    # IPv4 fragments (out of order), TCP split at 16 bytes (2 * 8)
    body = ipv4(6, seg)[20:]
    f1 = ipv4(6, body[:16], ident=77, frag=0x2000)
    f2 = ipv4(6, body[16:], ident=77, frag=2)
    write("decode", "frag_v4", b"\x03\x00" + f2 + SEP + f1)
    write("decode", "frag_v4_timeout", b"\x03\x04" + f1 + SEP + f2)
    # GRE (IPv4 inside), GRE transparent Ethernet bridging, ERSPAN II, VXLAN
    write("decode", "gre", b"\x00\x00" + eth(0x0800, ipv4(47, struct.pack("!HH", 0, 0x0800) + ip4)))
    write("decode", "gre_teb", b"\x00\x00" + eth(0x0800, ipv4(47, struct.pack("!HH", 0, 0x6558) + eth(0x0800, ip4))))
    erspan = struct.pack("!HHI", 0x1000, 0x88be, 5) + struct.pack("!II", 0x10010064, 0) + eth(0x0800, ip4)
    write("decode", "erspan2", b"\x00\x00" + eth(0x0800, ipv4(47, erspan)))
    vx = udp(40000, 4789, struct.pack("!II", 0x08000000, 42 << 8) + eth(0x0800, ip4))
    write("decode", "vxlan", b"\x00\x00" + eth(0x0800, ipv4(17, vx)))
    write("decode", "truncated", b"\x00\x01" + SEP.join([eth(0x0800, ip4)[:40], eth(0x0800, ip4)[:14], b"\x02"]))


def reasm_seeds():
    def op(dirn, kind, seq, payload=b"", syn=0, fin=0, cut=0, pad=0, extra=0):
        o = dirn | kind << 1 | syn << 4 | fin << 5 | cut << 6 | pad << 7
        return struct.pack("<BHBB", o, seq, len(payload), extra) + payload
    hdr = lambda budget, flush, b0, b1: struct.pack("<BBII", budget, flush, b0, b1)
    # handshake, in order, FIN
    write("reasm", "in_order", hdr(255, 1, 1000, 5000) +
          op(0, 6, 0) + op(1, 6, 0) + op(1, 0, 1, b"220 hi\r\n") + op(0, 0, 1, b"EHLO x\r\n") +
          op(1, 0, 9, b"250 ok\r\n", fin=1) + op(0, 0, 9, b"QUIT\r\n", fin=1) + op(0, 7, 0) + op(1, 7, 0))
    # out of order, overlap with different bytes, retransmission, ack-declared gap
    write("reasm", "ooo_overlap", hdr(255, 1, 0xfffffff0, 7) +
          op(0, 6, 0) + op(0, 0, 11, b"WORLD") + op(0, 0, 9, b"xxHELLO") + op(0, 0, 1, b"abcdefgh") +
          op(0, 0, 1, b"abcd") + op(0, 0, 40, b"later") + op(0, 5, 30) + op(0, 7, 0))
    # snaplen cut and padding, cap hits with a tiny budget
    write("reasm", "cut_and_caps", hdr(1, 0, 100, 200) +
          op(1, 0, 0, b"first") + op(1, 0, 5, b"cut", cut=1, extra=10) + op(1, 0, 18, b"pad!!", pad=1, extra=2) +
          op(1, 0, 100, b"A" * 40) + op(1, 0, 200, b"B" * 40) + op(1, 0, 300, b"C" * 40) + op(1, 1, 21, b"fill"))
    # SYN carrying data, FIN then bytes past it
    write("reasm", "syn_data_fin", hdr(255, 1, 50, 60) +
          op(0, 0, 0, b"syndata", syn=1) + op(0, 0, 8, b"more", fin=1) + op(0, 0, 12, b"after") +
          op(1, 0, 0, b"", syn=1) + op(1, 0, 20, b"hole") + op(1, 7, 0))


# ---- capture files --------------------------------------------------------------

def session_frames(cport=40001, sport=25, client=b"\xc0\x00\x02\x0a", server=b"\xc0\x00\x02\x19"):
    """An SMTP session as (direction, flags, payload); c2s = 0."""
    conv = [(0, SYN, b""), (1, SYN | ACK, b""), (0, ACK, b""),
            (1, PSH | ACK, BANNER_X2K), (0, PSH | ACK, crlf("EHLO client.example.com")),
            (1, PSH | ACK, EHLO_X2K), (0, PSH | ACK, crlf("MAIL FROM:<>", "RCPT TO:<bob@mail1>", "DATA")),
            (1, PSH | ACK, crlf("250 2.1.0 ok", "250 2.1.5 ok", "354 go")),
            (0, PSH | ACK, DSN_447[:700]), (0, PSH | ACK, DSN_447[700:] + b".\r\n"),
            (1, PSH | ACK, crlf("250 2.6.0 queued")), (0, PSH | ACK, crlf("QUIT")),
            (1, PSH | ACK | FIN, crlf("221 bye")), (0, ACK | FIN, b""), (1, ACK, b"")]
    seq = [1000, 9000]
    out = []
    for d, fl, pl in conv:
        src, dst = (client, server) if d == 0 else (server, client)
        sp, dp = (cport, sport) if d == 0 else (sport, cport)
        t = tcp(sp, dp, seq[d], seq[1 - d], fl, pl)
        out.append(ipv4(6, t, src=src, dst=dst))
        seq[d] = (seq[d] + len(pl) + (1 if fl & (SYN | FIN) else 0)) & 0xffffffff
    return out


def pcap(linktype, frames, nano=False):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    b = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)
    for i, f in enumerate(frames):
        b += struct.pack("<IIII", 981018000 + i, i * 1000, len(f), len(f)) + f
    return b


def pcapng(linktype, frames):
    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", t, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
    b = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    b += block(1, struct.pack("<HHI", linktype, 0, 262144))
    for i, f in enumerate(frames):
        ts = (981018000 + i) * 1000000
        b += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(f), len(f)) + f)
    return b


def pcap_seeds():
    frames = session_frames()
    write("pcap", "smtp_eth.pcap", pcap(1, [eth(0x0800, f) for f in frames]))
    # raw IP, nanosecond stamps, the server's EHLO reply before the banner (reordered)
    fr = list(frames)
    fr[3], fr[5] = fr[5], fr[3]
    write("pcap", "smtp_raw_reordered_ns.pcap", pcap(101, fr, nano=True))
    # pcapng, Linux cooked v2, port 587, mid-stream (no handshake)
    mid = session_frames(cport=40002, sport=587)[3:9]
    sll2 = [struct.pack("!HHIHBB8s", 0x0800, 0, 1, 1, 0, 6, bytes(8)) + f for f in mid]
    write("pcap", "smtp_sll2_midstream.pcapng", pcapng(276, sll2))


def probe_seeds():
    """fuzz_probe: control byte (bit 0: server first; bits 1-3: gap every Nth
    chunk; bit 4: an nDPI label of family bits 5-7), chunks alternate direction."""
    def probe(ctl, *chunks):
        return bytes([ctl]) + SEP.join(chunks)
    write("probe", "smtp", probe(0x01, b"220 mx.example.com ESMTP\r\n", b"EHLO c\r\n", b"250-mx\r\n250 PIPELINING\r\n"))
    write("probe", "ftp", probe(0x01, b"220 (vsFTPd 3.0.3)\r\n", b"USER a\r\n", b"331 pw\r\n"))
    write("probe", "pop3_ndpi", probe(0x31, b"+OK ready\r\n", b"CAPA\r\n"))
    write("probe", "connect", probe(0xd0, b"CONNECT mx:25 HTTP/1.1\r\nHost: mx\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\n\r\n220 mx ESMTP\r\n", b"EHLO c\r\n", b"250 mx\r\n"))
    write("probe", "proxy_v1", probe(0x00, b"PROXY TCP4 203.0.113.7 198.51.100.20 40000 25\r\n", b"220 mx\r\n",
                                     b"EHLO c\r\n", b"250 mx\r\n"))
    write("probe", "proxy_v2", probe(0x00, b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" + bytes([203, 0, 113, 9, 198, 51, 100, 60, 0x9c, 0x42, 0, 25]),
                                     b"220 mx\r\n"))
    write("probe", "socks5", probe(0x00, b"\x05\x02\x00\x02", b"\x05\x02", b"\x01\x01u\x01p", b"\x01\x00",
                                   b"\x05\x01\x00\x03\x02mx\x00\x19", b"\x05\x00\x00\x01\x01\x02\x03\x04\x00\x19220 mx\r\n"))
    write("probe", "socks4a_gap", probe(0x04, b"\x04\x01\x00\x19\x00\x00\x00\x01u\x00mx\x00", b"\x00\x5a" + bytes(6),
                                        b"EHLO c\r\n", b"250 mx\r\n"))


if __name__ == "__main__":
    smtp_seeds()
    message_seeds()
    decode_seeds()
    reasm_seeds()
    pcap_seeds()
    probe_seeds()
