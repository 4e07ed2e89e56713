/* \summary: the remediation texts of the finding kinds (reports/analysis/remedy.h).
 * Written whole into findings.remediation; every output shows them whole. */
#include "reports/analysis/remedy.h"

const char REM_KB301401[] =
	"Give the SMTP virtual server a valid fully qualified domain name that resolves "
	"to it: in Exchange System Manager open the SMTP virtual server's Properties, "
	"Delivery tab, Advanced, and set 'Fully-qualified domain name' (e.g. "
	"mail.example.com). Bring the sending Exchange 2000 servers to Service Pack 2 or "
	"later (Microsoft KB 301401) so they no longer stop after EHLO, then retry the "
	"queues before messages expire (default 2 days, NDR 4.4.7).";
const char REM_FQDN[] =
	"Announce a fully qualified domain name that resolves to the server in the SMTP "
	"banner and the EHLO reply (RFC 5321 4.1.1.1, 4.3.1): Postfix myhostname (and "
	"smtpd_banner), Sendmail confDOMAIN_NAME, Exim primary_hostname / "
	"smtp_banner, Exchange the virtual server's or receive connector's FQDN.";
const char REM_MISMATCH[] =
	"Use one name, an FQDN that resolves to the server (with a matching PTR record), "
	"in both the banner and the EHLO reply.";
const char REM_STALLED[] =
	"Senders connect, say EHLO and disconnect without sending: check the sender's "
	"queue and logs for why it gives up (a non-FQDN greeting breaks Exchange 2000 "
	"before SP2, KB 301401) and fix it before the messages expire.";
const char REM_447[] =
	"Messages expired in the sender's queue (4.4.7). Fix the delivery problem of the "
	"named server (see its other findings), then ask senders to resend.";
const char REM_447_UNTIED[] =
	"Messages expired in a sender's queue (4.4.7). The reporting MTA was not seen as "
	"a server in the capture: capture its traffic to find why deliveries stall.";
const char REM_CLIENT_HELO[] =
	"Configure the client to send its fully qualified domain name, or an address "
	"literal such as [192.0.2.1], in HELO/EHLO (RFC 5321 4.1.1.1); many receivers "
	"reject or score bare names.";
const char REM_CLEARTEXT[] =
	"Offer STARTTLS and require it before AUTH (Postfix smtpd_tls_auth_only = yes, "
	"Exchange: require TLS on the receive connector); disable LOGIN/PLAIN without "
	"TLS. Change the passwords that crossed the network in clear.";
const char REM_STARTTLS[] =
	"Enable STARTTLS (RFC 3207) with a certificate for the server's FQDN.";
const char REM_REJECTED[] =
	"Check that rejections are intended (access lists, rate limits, RBLs); "
	"legitimate senders rejected at greeting or EHLO queue and retry.";
const char REM_LEGACY[] =
	"Replace or update the end-of-life mail server software.";
