# End to end (issue 12): only SMTP is SMTP.  Fixtures from tests/gen/mkpcap.c
# (fx12_*): FTP servers (one on port 25), POP3/IMAP/NNTP, SMTP on port 21,
# SMTP inside HTTP CONNECT / SOCKS / behind PROXY v1 and v2, a load-balanced
# address with one bad backend, servers whose EHLO reply begins with a word.
. tests/e2e/lib.sh
rp() { db=$(fresh_db "only-$1"); "$BIN" replay -q --db "$db" "$PCAPS/$1.pcap" && "$BIN" analyze --db "$db" > /dev/null; ok $? "$1: replay and analyze exit 0"; }
q() { db_val "$db" "$1"; }
counter() { q "SELECT coalesce(sum(value), 0) FROM capture_counters WHERE name = '$1'"; }

# --- not SMTP: 0 sessions, 0 findings, every flow given up with its reason
rp ftp-servers
is "$(q "SELECT count(*) FROM sessions")" 0 "ftp: vsftpd, ProFTPD, Pure-FTPd, FileZilla, Microsoft FTP, wu-ftpd: no SMTP session"
is "$(q "SELECT count(*) FROM findings")" 0 "ftp: no finding"
is "$(counter not_smtp_ftp)" 10 "ftp: all 10 flows given up as FTP (not_smtp_ftp)"
is "$(counter not_smtp_flows)" 10 "ftp: not_smtp_flows counts them"
rp mail-protocols
is "$(q "SELECT count(*) FROM sessions")" 0 "pop3/imap/nntp: no SMTP session"
is "$(q "SELECT count(*) FROM findings")" 0 "pop3/imap/nntp: no finding"
is "$(counter not_smtp_pop3) $(counter not_smtp_imap) $(counter not_smtp_nntp)" "2 1 2" \
	"pop3/imap/nntp: given up per reason (2 POP3, 1 IMAP, 2 NNTP)"

# --- SMTP where FTP lives
rp smtp-port21
is "$(q "SELECT server_port || ' ' || evidence || ' ' || banner_host FROM sessions")" "21 confirmed mx21.example.com" \
	"SMTP on port 21 is found, confirmed"

# --- tunnels: every session found, the PROXY client stored
rp tunnels
is "$(q "SELECT count(*) FROM sessions")" 6 "tunnels: all 6 tunnelled sessions found"
is "$(q "SELECT group_concat(tunnel, ' ') FROM (SELECT tunnel FROM sessions ORDER BY client_port)")" \
	"http_connect socks5 socks4a proxy_v1 proxy_v2 proxy_v2" "tunnels: kinds recorded"
is "$(q "SELECT count(*) FROM sessions WHERE evidence = 'confirmed' AND helo_arg IS NOT NULL AND banner_host = 'mx.example.org'")" 6 \
	"tunnels: every inner session parsed from its banner on (prelude stripped)"
is "$(q "SELECT tunnel_target FROM sessions WHERE tunnel = 'http_connect'")" "mx.example.org:25" "CONNECT target stored"
is "$(q "SELECT helo_arg FROM sessions WHERE tunnel = 'http_connect'")" "192.0.2.13" "CONNECT: the bare-IP HELO inside is seen"
is "$(q "SELECT count(*) FROM findings WHERE kind = 'client_non_fqdn_helo' AND client_ip = '192.0.2.13'")" 1 \
	"CONNECT: the bare-IP HELO gets its client finding"
is "$(q "SELECT tunnel_target FROM sessions WHERE tunnel = 'socks5'")" "mx.example.org:25" "SOCKS5 target stored"
is "$(q "SELECT count(*) FROM sessions WHERE banner_text LIKE '%secret%' OR helo_arg LIKE '%secret%'") $(q "SELECT count(*) FROM commands WHERE arg LIKE '%secret%' OR verb LIKE '%secret%'")" "0 0" \
	"SOCKS5 / CONNECT credentials are kept nowhere"
is "$(q "SELECT proxied_client_ip || ':' || proxied_client_port FROM sessions WHERE tunnel = 'proxy_v1'")" "203.0.113.7:40000" \
	"PROXY v1: the real client address is stored"
is "$(q "SELECT group_concat(proxied_client_ip || ':' || proxied_client_port, ' ') FROM (SELECT * FROM sessions WHERE tunnel = 'proxy_v2' ORDER BY client_port)")" \
	"203.0.113.9:40002 2001:db8::77:50000" "PROXY v2 (TCP4 with a TLV, TCP6): the real client addresses are stored"
is "$(q "SELECT count(*) FROM sessions WHERE tunnel LIKE 'proxy%' AND client_ip = '192.0.2.14'")" 3 \
	"PROXY: client_ip stays the address that connected"

# --- every name judged: a load-balanced address, one bad backend of six
rp lb-backend
is "$(q "SELECT count(*) FROM sessions")" 6 "lb: 6 sessions"
is "$(q "SELECT name || ' ' || json_extract(evidence, '\$.name_sessions') || '/' || json_extract(evidence, '\$.server_sessions') FROM findings WHERE kind = 'non_fqdn_greeting'")" \
	"mxbackend3 1/6" "lb: the 1-of-6 single-label backend gets its own non_fqdn_greeting finding"

# --- reply words are not names
rp reply-words
is "$(q "SELECT count(*) FROM sessions")" 5 "reply words: 5 sessions"
is "$(q "SELECT count(*) FROM sessions WHERE greeting_host IS NOT NULL")" 0 \
	"reply words: 'Hello,', ' Hello [addr]', 'OK', '(delta.peach.mil)', 'Hello.' give no greeting_host"
is "$(q "SELECT count(*) FROM findings WHERE name IN ('Hello,', 'Hello', 'OK', '(delta.peach.mil)', 'Hello.', '(vsFTPd', 'ProFTPD', 'Welcome', 'FTP')")" 0 \
	"reply words: no finding names a reply word"
is "$(q "SELECT count(*) FROM findings WHERE kind IN ('non_fqdn_greeting', 'name_mismatch')")" 0 \
	"reply words: no non_fqdn_greeting or name_mismatch (every banner is an FQDN)"

# --- names that resolve nowhere (libpsl, private-use names), severity by peers
rp private-names
is "$(q "SELECT group_concat(name || ' ' || json_extract(evidence, '\$.class') || ' ' || severity, ', ') FROM (SELECT * FROM findings WHERE kind = 'non_public_name' ORDER BY server_ip)")" \
	"exch01.corp.local private_use low, MacBook-Air.localdomain private_use medium, mail.gma unknown_suffix medium, localhost.localdomain private_use medium" \
	"non_public_name: .local (private peers only: low), .localdomain and an unknown suffix reached from public peers (medium)"
is "$(q "SELECT count(*) FROM findings WHERE name = 'mx.example.co.uk' AND kind IN ('non_public_name', 'non_fqdn_greeting')")" 0 \
	"non_public_name: a public FQDN (mx.example.co.uk) has none"

# --- a client whose bare HELO name is refused loses mail: raised severity
rp helo-rejected
is "$(q "SELECT severity || ' ' || json_extract(evidence, '\$.rejected_sessions') FROM findings WHERE kind = 'client_non_fqdn_helo' AND client_ip = '192.0.2.17'")" \
	"high 2" "client HELO rejected by Postfix (504 5.5.2 at RCPT) and Exchange (501 5.5.4): high, 2 rejections"
is "$(q "SELECT group_concat(code || ' ' || enhanced, ', ') FROM (SELECT json_extract(value, '\$.code') AS code, json_extract(value, '\$.enhanced') AS enhanced FROM findings, json_each(json_extract(evidence, '\$.rejections')) WHERE kind = 'client_non_fqdn_helo' AND client_ip = '192.0.2.17' ORDER BY 1)")" \
	"501 5.5.4, 504 5.5.2" "the rejections are tied to the finding with their codes"
is "$(q "SELECT severity FROM findings WHERE kind = 'client_non_fqdn_helo' AND client_ip = '192.0.2.18'")" "low" \
	"a bare HELO that is not refused stays low (a relay denial is no HELO rejection)"
# --- cleartext_auth: one finding per mechanism class, named after its mechanism
is "$(q "SELECT group_concat(name || ' ' || severity, ', ') FROM (SELECT * FROM findings WHERE kind = 'cleartext_auth' AND server_ip = '198.51.100.103' ORDER BY severity)")" \
	"LOGIN high, GSSAPI medium" "cleartext_auth: LOGIN (password readable) high, GSSAPI (challenge) medium, each named after its mechanism"

# --- a capture begun inside DATA: confirmed by the enhanced codes of 250/221
rp midstream-data
is "$(q "SELECT count(*) || ' ' || evidence || ' ' || midstream FROM sessions")" "1 confirmed 1" \
	"mid-DATA pickup: QUIT answered '221 2.0.0' confirms SMTP"

# --- all fixtures together, and the bundled SMTP fixtures still found
db=$(fresh_db only-all)
"$BIN" replay -q --db "$db" "$PCAPS/ftp-servers.pcap" "$PCAPS/mail-protocols.pcap" "$PCAPS/kb301401.pcap" "$PCAPS/socks.pcap" "$PCAPS/midstream.pcap"
"$BIN" analyze --db "$db" > /dev/null
is "$(q "SELECT count(*) FROM findings WHERE server_port IN (21, 2121, 110, 143, 119, 2110) OR server_ip LIKE '198.51.100.2%' OR server_ip LIKE '198.51.100.3%'")" 0 \
	"mixed: no finding for an FTP/POP3/IMAP/NNTP server"
is "$(q "SELECT count(*) FROM sessions WHERE evidence IS NULL OR evidence NOT IN ('confirmed', 'greeting_only', 'client_only')")" 0 \
	"every stored session has an evidence level"
is "$(q "SELECT count(*) FROM sessions s JOIN captures c ON c.id = s.capture_id WHERE c.source LIKE '%socks.pcap' AND s.tunnel = 'socks5'")" 1 \
	"the SOCKS fixture is found and marked socks5"
is "$(q "SELECT count(*) FROM sessions s JOIN captures c ON c.id = s.capture_id WHERE c.source LIKE '%midstream.pcap'")" 1 \
	"a session picked up mid-stream is still found (confirmed by MAIL FROM / 250)"
# --- real public captures of FTP, POP3, IMAP and NNTP (never committed): set
# EXTPCAPS to a folder of them (e.g. nDPI tests/cfgs/default/pcap/{ftp,pop3,
# imap,nntp}*.pcap, suricata-verify tests/{ftp*,pop3*,imap-detection}).
if [ -n "${EXTPCAPS:-}" ] && [ -d "$EXTPCAPS" ]; then
	for f in "$EXTPCAPS"/*.pcap "$EXTPCAPS"/*.pcapng; do
		[ -f "$f" ] || continue
		db=$(fresh_db only-ext)
		"$BIN" replay -q --db "$db" "$f" > /dev/null 2>&1 && "$BIN" analyze --db "$db" > /dev/null
		is "$(q "SELECT count(*) FROM sessions") $(q "SELECT count(*) FROM findings")" "0 0" \
			"$(basename "$f"): 0 SMTP sessions, 0 findings"
	done
else
	skip "real public FTP/POP3/IMAP/NNTP captures" "EXTPCAPS not set"
fi
done_testing
