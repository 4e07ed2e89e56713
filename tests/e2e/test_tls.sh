# TLS after STARTTLS (issue 16), from captures: the generated fixtures
# (tls-exch01.pcap: banner EXCH01, certificate for exch01.corp.example.com;
# starttls-plaintext.pcap: SMTP in clear after the 220 to STARTTLS), then, when
# ../shared is there, the lab STARTTLS captures against their README's ground
# truth (client write sizes) and the public STARTTLS captures: JA3 against
# tshark, JA4 against the values FoxIO's reference gave (shared note, 4.2).
. tests/e2e/lib.sh

# ---- EXCH01 with a certificate naming exch01.corp.example.com
db=$(fresh_db tls-exch01)
"$BIN" replay -q --db "$db" "$PCAPS/tls-exch01.pcap"
ok $? "replay tls-exch01.pcap"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE banner_host = 'EXCH01' AND tls_mode = 'starttls' AND outcome = 'tls'")" \
	2 "two STARTTLS sessions to the server greeting as EXCH01"
is "$(db_val "$db" "SELECT subject || ' | ' || sans FROM certificates WHERE subject_cn LIKE 'exch01%'")" \
	"CN=exch01.corp.example.com,O=Corp Example | DNS:autodiscover.corp.example.com,DNS:exch01.corp.example.com,DNS:EXCH01" \
	"its certificate: subject and SANs"
is "$(db_val "$db" "SELECT count(*) FROM session_certificates l JOIN certificates c ON c.id = l.certificate_id WHERE c.subject_cn LIKE 'exch01%'")" \
	2 "linked to both sessions, stored once ($(db_val "$db" "SELECT count(*) FROM certificates") certificate rows)"
is "$(db_val "$db" "SELECT json_extract(evidence, '\$.suggested_name') FROM findings WHERE kind = 'certificate_suggests_name' AND name = 'EXCH01'")" \
	"exch01.corp.example.com" "finding certificate_suggests_name: suggested name exch01.corp.example.com"
like "$(db_val "$db" "SELECT remediation FROM findings WHERE kind = 'certificate_suggests_name'")" \
	"to exch01\\.corp\\.example\\.com, the FQDN its own certificate names" "and the remediation names it"
is "$(db_val "$db" "SELECT suggested_name || ' ' || suggested_source FROM findings WHERE kind = 'certificate_suggests_name'")" \
	"exch01.corp.example.com tls_certificate" "its findings.suggested_name column too"
is "$(db_val "$db" "SELECT suggested_name || ' ' || suggested_source FROM findings WHERE kind = 'non_fqdn_greeting' AND name = 'EXCH01'")" \
	"exch01.corp.example.com tls_certificate" "the non-FQDN greeting finding suggests the certificate's FQDN"
is "$(db_val "$db" "SELECT group_concat(verdict || ' ' || ended_after_ehlo) FROM tls_estimates e JOIN sessions s ON s.id = e.session_id WHERE s.banner_host = 'EXCH01'")" \
	"ehlo_quit 1,ehlo_quit 1" "estimate: both sessions said EHLO and QUIT inside TLS"
is "$(db_val "$db" "SELECT json_extract(evidence, '\$.attempts') || ' ' || json_extract(evidence, '\$.estimated_attempts') FROM findings WHERE kind = 'stalled_deliveries'")" \
	"2 2" "stalled_deliveries counts them, labelled as estimated"
like "$(db_val "$db" "SELECT summary FROM findings WHERE kind = 'stalled_deliveries'")" "estimated from encrypted record sizes" \
	"and says so in its summary"
is "$(db_val "$db" "SELECT name || ' ' || json_extract(evidence, '\$.expired_sessions') FROM findings WHERE kind = 'certificate_expired'")" \
	"old.corp.example.com 1" "the certificate that expired before the capture is certificate_expired"
is "$(db_val "$db" "SELECT server_ip || ' ' || name FROM findings WHERE kind = 'certificate_name_mismatch'")" \
	"192.0.2.62 mail.corp.example.com" "and it does not cover the banner's mail.corp.example.com"
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind IN ('certificate_self_signed', 'tls_legacy_version')")" 0 \
	"no self-signed finding (documentation-range clients are not public) nor legacy TLS"
"$BIN" report --db "$db" -o "$OUT/tls-exch01.html" > /dev/null 2>&1
ok $? "the report renders with the TLS findings"
grep -q 'exch01.corp.example.com' "$OUT/tls-exch01.html"
ok $? "and shows the suggested name"

# ---- plaintext after the 220 to STARTTLS
db=$(fresh_db tls-plaintext)
"$BIN" replay -q --db "$db" "$PCAPS/starttls-plaintext.pcap"
ok $? "replay starttls-plaintext.pcap"
is "$(db_val "$db" "SELECT tls_mode || ' ' || tls_plaintext || ' ' || outcome || ' ' || mails FROM sessions")" \
	"starttls 1 completed 1" "session flagged tls_plaintext, parsed on: completed with one mail"
is "$(db_val "$db" "SELECT group_concat(arg, ' ') FROM (SELECT arg FROM commands WHERE verb = 'EHLO' ORDER BY seq)")" \
	"client.example.com again.example.com" "both EHLOs stored"
is "$(db_val "$db" "SELECT m.mail_from || '|' || m.is_dsn || '|' || d.status || '|' || m.final_code FROM mails m JOIN dsn_recipients d ON d.mail_id = m.id")" \
	"|1|4.4.7|250" "the mail after it is stored, a DSN with status 4.4.7"
is "$(db_val "$db" "SELECT count(*) FROM anomalies WHERE kind = 'plaintext_after_starttls'")" 1 "anomaly plaintext_after_starttls"
is "$(db_val "$db" "SELECT count(*) FROM tls_handshakes")" 0 "and no TLS handshake invented"

# ---- the old random-bytes STARTTLS fixture: counted, never a crash
db=$(fresh_db tls-random)
"$BIN" replay -q --db "$db" "$PCAPS/starttls.pcap"
ok $? "starttls.pcap (random record bodies) replays"
is "$(db_val "$db" "SELECT outcome FROM sessions")" "tls" "outcome tls"

# ---- the lab captures (../shared/pcaps/lab-starttls) against their ground truth
LAB="$SHARED/pcaps/lab-starttls"
if [ -f "$LAB/README.md" ]; then
	db=$(fresh_db tls-lab)
	"$BIN" replay -q --db "$db" "$LAB"/*.pcap
	# expected messages: BODY+DOT and BDAT+CHUNK writes in the README's table
	sed -n 's/^| `\([a-z0-9_.]*\.pcap\)` | [^|]* | \(.*\) |$/\1 \2/p' "$LAB/README.md" |
		while read -r f rest; do
			case "$rest" in
			*"port 4465"*) continue ;;
			*"same as "*) # "same as smtplib_1.2": that row's writes
				other=$(echo "$rest" | sed -E 's/.*same as `?([a-z0-9_.]+)`?.*/\1/')
				rest=$(grep -F "| \`$other.pcap\` |" "$LAB/README.md") ;;
			esac
			echo "$f $(echo "$rest" | grep -o -i -E 'body|bdat\+chunk' | wc -l | tr -d ' ')"
		done > "$OUT/tls-lab-truth.txt"
	n=0 right=0
	while read -r f want; do
		got=$(db_val "$db" "SELECT coalesce(e.messages, 'none') FROM captures c JOIN sessions s ON s.capture_id = c.id LEFT JOIN tls_estimates e ON e.session_id = s.id WHERE c.source LIKE '%/$f'")
		n=$((n + 1))
		if [ "$got" = "$want" ]; then right=$((right + 1)); else echo "# $f: truth $want, estimated $got"; fi
	done < "$OUT/tls-lab-truth.txt"
	echo "# lab estimate: $right of $n sessions right"
	ok "$([ "$n" -ge 20 ] && [ "$right" -eq "$n" ]; echo $?)" "lab: estimated message count right for all $n sessions ($right)"
	is "$(db_val "$db" "SELECT e.client_turns FROM captures c JOIN sessions s ON s.capture_id = c.id JOIN tls_estimates e ON e.session_id = s.id WHERE c.source LIKE '%/t13_c_three_msgs.pcap'")" \
		"25,47,27,6,353,48,27,6,4003,49,27,6,40003,6" "lab: TLS 1.3 client turns equal the write sizes (EHLO MAIL RCPT DATA BODY+DOT ...)"
	is "$(db_val "$db" "SELECT e.client_turns FROM captures c JOIN sessions s ON s.capture_id = c.id JOIN tls_estimates e ON e.session_id = s.id WHERE c.source LIKE '%/t12_e_pipe_three_msgs.pcap'")" \
		"25,80,353,81,4003,82,40009" "lab: TLS 1.2 pipelined turns equal the write sizes"
	is "$(db_val "$db" "SELECT h.alert FROM captures c JOIN sessions s ON s.capture_id = c.id JOIN tls_handshakes h ON h.session_id = s.id WHERE c.source LIKE '%/reject_tls1_3.pcap'")" \
		"fatal unknown_ca from client" "lab: the client's plaintext alert is recorded"
	is "$(db_val "$db" "SELECT group_concat(DISTINCT h.ja4) FROM captures c JOIN sessions s ON s.capture_id = c.id JOIN tls_handshakes h ON h.session_id = s.id WHERE c.source LIKE '%/t12_b_one_msg.pcap' OR c.source LIKE '%/t13_b_one_msg.pcap'")" \
		"t12d150700_d68b136fe8d9_e7e480e5a997,t13d041000_16476d049b0b_78f1d400d464" "lab: JA4 equals FoxIO's reference (TLS 1.2, 1.3)"
	if command -v tshark > /dev/null 2>&1; then
		bad=0
		for f in "$LAB"/t1*.pcap; do
			want=$(tshark -r "$f" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.ja3 2> /dev/null | head -n 1)
			wants=$(tshark -r "$f" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.ja3s 2> /dev/null | head -n 1)
			got=$(db_val "$db" "SELECT h.ja3 || ' ' || h.ja3s FROM captures c JOIN sessions s ON s.capture_id = c.id JOIN tls_handshakes h ON h.session_id = s.id WHERE c.source = '$f'")
			[ "$got" = "$want $wants" ] || { bad=$((bad + 1)); echo "# $f: $got vs tshark $want $wants"; }
		done
		is "$bad" 0 "lab: JA3 and JA3S equal tshark's for every t1* capture"
	else
		skip "lab JA3 against tshark" "no tshark"
	fi
	is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'certificate_name_mismatch' AND name = 'mx2.lab.example'")" 1 \
		"lab: the self-signed mx.lab.example certificate does not cover the banner mx2.lab.example"
	# merge: TLS rows follow their sessions, certificates stay one row each
	m1=$(fresh_db tls-merge-a) m2=$(fresh_db tls-merge-b) m3=$(fresh_db tls-merge-out)
	"$BIN" replay -q --db "$m1" "$LAB/t12_a_ehlo_quit.pcap" "$LAB/t13_b_one_msg.pcap"
	"$BIN" replay -q --db "$m2" "$LAB/t12_b_one_msg.pcap" "$LAB/t12_b_one_msg_rsa_selfsigned.pcap"
	"$BIN" merge "$m3" "$m1" "$m2" > /dev/null 2>&1
	ok $? "merge of two databases with TLS rows"
	q="SELECT (SELECT count(*) FROM tls_handshakes) || ' ' || (SELECT count(*) FROM tls_estimates) || ' ' || (SELECT count(*) FROM certificates) || ' ' || (SELECT count(*) FROM session_certificates)"
	is "$(db_val "$m3" "$q")" "4 4 3 5" "merged: 4 handshakes and estimates, 3 distinct certificates (lab leaf + root + self-signed), 5 links"
	is "$(db_val "$m3" "SELECT count(*) FROM certificates c WHERE (SELECT count(*) FROM certificate_names n WHERE n.certificate_id = c.id) = 0")" 0 \
		"merged: every certificate keeps its names"
else
	skip "lab STARTTLS captures" "no $LAB"
fi

# ---- public captures
PUB="$SHARED/pcaps/public"
if [ -f "$PUB/ndpi-smtp-starttls.pcap" ] && [ -f "$PUB/suricata-verify-smtp-startssl.pcap" ]; then
	db=$(fresh_db tls-public)
	"$BIN" replay -q --db "$db" "$PUB/ndpi-smtp-starttls.pcap" "$PUB/suricata-verify-smtp-startssl.pcap"
	is "$(db_val "$db" "SELECT group_concat(ja4, ' ') FROM (SELECT h.ja4 FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id ORDER BY s.id)")" \
		"t10i290100_cdba58456bdf_e78b541c01a9 t12d150900_073e58a039a6_b44afb9f0e6a t13i901000_b064c20b0b05_b9249812b67b" \
		"public: JA4 of the three sessions equals FoxIO's reference"
	is "$(db_val "$db" "SELECT group_concat(v, ' ') FROM (SELECT h.version || '/' || h.certificate || '/' || e.messages AS v FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id JOIN tls_estimates e ON e.session_id = s.id ORDER BY s.id)")" \
		"TLSv1.0/sent/1 TLSv1.2/sent/1 TLSv1.3/hidden/1" "public: versions, certificates, one message each (the second through a capture gap)"
	is "$(db_val "$db" "SELECT subject_cn FROM certificates c JOIN session_certificates l ON l.certificate_id = c.id WHERE l.seq = 0 ORDER BY l.session_id LIMIT 1")" \
		"mx.google.com" "public: mx.google.com's leaf certificate"
	is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'tls_legacy_version'")" 1 "public: TLS 1.0 negotiated is a finding"
	is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'certificate_expired'")" 0 \
		"public: both certificates were valid when captured (2013, 2018): no certificate_expired"
	is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'certificate_self_signed' AND name = 'jw-vm08-int-dns'")" 1 \
		"public: the self-signed jw-vm08-int-dns certificate shown to a public IPv6 client is a finding"
	is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'certificate_name_mismatch' AND name = 'jw-vm08-int-dns.webernetz.net'")" 1 \
		"public: it does not cover the banner's FQDN jw-vm08-int-dns.webernetz.net"
else
	skip "public STARTTLS captures" "not in $PUB"
fi
done_testing
