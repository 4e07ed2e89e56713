/* \summary: unit tests for reply_name() (dissectors/reply_name.c): the first
 * line of real HELO/EHLO replies (and greetings) of many server products,
 * with the name each must yield (NULL: the line names no server).  Shapes
 * from the products' sources or observed captures (research note
 * smtp-detection-evidence.md 6.2, nmap-service-probes). */
#include <stdlib.h>
#include <string.h>

#include "dissectors/reply_name.h"
#include "tests/tap.h"

struct shape {
	const char *product;
	const char *text;   /* the reply text after "250-" / "250 " (or "220 ") */
	const char *name;   /* what must come out, NULL for none */
};

static const struct shape shapes[] = {
	{ "Postfix EHLO", "mail.example.com", "mail.example.com" },
	{ "Postfix localdomain", "Air-de-catena.localdomain", "Air-de-catena.localdomain" },
	{ "Postfix single label", "mail01", "mail01" },
	{ "Exim", "xc90.websitewelcome.com Hello GP [122.162.143.157]", "xc90.websitewelcome.com" },
	{ "Sendmail 8.17", "tux319.loginserver.ch Hello 173-66-46-112.wash.fios.verizon.net [173.66.46.112], pleased to meet you", "tux319.loginserver.ch" },
	{ "Sendmail 8.8.7 (DARPA 1999)", "(delta.peach.mil) pleased to meet you.", NULL },
	{ "qmail", "qmail.example.net", "qmail.example.net" },
	{ "notqmail smtpgreeting with words", "mx.example.net ESMTP ready", "mx.example.net" },
	{ "OpenSMTPD", "smtpd.example.org Hello client.example.com [192.0.2.7], pleased to meet you", "smtpd.example.org" },
	{ "Haraka", "haraka.example.com Hello client.example.com [192.0.2.7], Haraka is at your service.", "haraka.example.com" },
	{ "Exchange 5.5", "EXCH55.corp.example.com Hello [10.1.1.1]", "EXCH55.corp.example.com" },
	{ "Exchange 2000", "aliasex2000 Hello [10.1.1.2]", "aliasex2000" },
	{ "Exchange 2003", "exch03.example.com Hello [192.0.2.16]", "exch03.example.com" },
	{ "Exchange 2003 anonymised", " Hello [192.0.2.16]", NULL },
	{ "Exchange 2010", "CAS01.example.com Hello [192.0.2.17]", "CAS01.example.com" },
	{ "Exchange 2019", "EX2019.corp.example.com Hello [192.0.2.18]", "EX2019.corp.example.com" },
	{ "Exchange Online", "AMS0EPF0000019A.mail.protection.outlook.com Hello [5.161.254.101]", "AMS0EPF0000019A.mail.protection.outlook.com" },
	{ "IIS 6 SMTP with FQDN", "iis6.example.com Hello [192.0.2.19]", "iis6.example.com" },
	{ "IIS 6 SMTP without FQDN", "10.15.2.203 Hello [10.15.6.146]", "10.15.2.203" },
	{ "Lotus Domino", "mta Hello aaa ([172.17.0.14]), pleased to meet you", "mta" },
	{ "Novell GroupWise GWIA", "gwia.example.com Ready", "gwia.example.com" },
	{ "MDaemon", "bdwater.com Hello xia.bdgs.com, pleased to meet you", "bdwater.com" },
	{ "MailEnable", "mail.example.com [192.0.2.20], this server offers 16 extensions", "mail.example.com" },
	{ "hMailServer EHLO", "WIN-HMAIL01", "WIN-HMAIL01" },
	{ "hMailServer HELO", "Hello.", NULL },
	{ "Kerio Connect", "mail.kerio.example.com", "mail.kerio.example.com" },
	{ "Zimbra (Postfix)", "zimbra.example.com", "zimbra.example.com" },
	{ "Coremail EHLO", "mail", "mail" },
	{ "Coremail HELO", "OK", NULL },
	{ "Gmail", "mx.google.com at your service, [10.0.0.1]", "mx.google.com" },
	{ "CommuniGate Pro", "mx01.ingw.orange.tn is pleased to meet you", "mx01.ingw.orange.tn" },
	{ "Mercury/32", "mercury.example.com Hello client.example.com; ESMTPs are:", "mercury.example.com" },
	{ "Orange (single label)", "opmta1mto02nd1 hello [173.66.46.97], pleased to meet you", "opmta1mto02nd1" },
	{ "Axigen", "mail.axigen.example.com Axigen ESMTP hello", "mail.axigen.example.com" },
	{ "ArGoSoft", "Welcome client.example.com, nice to meet you...", NULL },
	{ "McAfee Email Gateway", "Requested mail action okay, completed.", NULL },
	{ "PineApp", "Ready to receive mail -=-", NULL },
	{ "Panasonic printer", "Hello", NULL },
	{ "a 'Hello,' server", "Hello, client.mydomain.com", NULL },
	{ "address literal", "[192.0.2.1]", "[192.0.2.1]" },
	{ "IPv6 address literal", "[IPv6:2001:db8::1] Hello", "[IPv6:2001:db8::1]" },
	{ "root dot kept", "mx.example.org.", "mx.example.org." },
	{ "name then comma", "mx.example.org, hello", "mx.example.org" },
	{ "empty", "", NULL },
	{ "second line ignored", "\nPIPELINING", NULL },
	{ "banner: Postfix", "mx.example.com ESMTP Postfix (Debian/GNU)", "mx.example.com" },
	{ "banner: vsftpd decoration", "(vsFTPd 3.0.3)", NULL },
	{ "banner: greeting word", "Welcome to the mail service", NULL },
	{ "banner: SMTP word", "ESMTP ready", NULL },
};

static char *copy(const char *s, size_t n)
{
	char *c = malloc(n ? n : 1);

	if (c && n)
		memcpy(c, s, n);
	return c;
}

int main(void)
{
	size_t i;
	char big[600];
	const char *name;
	size_t n;

	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *sh = &shapes[i];
		size_t tl = strlen(sh->text);
		char *t = copy(sh->text, tl), got[300] = "";

		if (!t)
			return 1;
		n = reply_name(t, tl, &name); /* exact-size copy: ASan sees any over-read */
		if (n)
			snprintf(got, sizeof got, "%.*s", (int)n, name);
		is_str(n ? got : NULL, sh->name, sh->product);
		free(t);
	}
	/* a 600-byte token is cut at REPLY_NAME_MAX */
	memset(big, 'a', sizeof big);
	n = reply_name(big, sizeof big, &name);
	is_int(n, REPLY_NAME_MAX, "a 600-byte first token is cut at REPLY_NAME_MAX");
	ok(name == big, "the name points into the text");
	/* lines with NUL and control bytes never crash */
	n = reply_name("a\0b c", 5, &name);
	is_int(n, 3, "a NUL byte inside the token is kept for fqdn_classify() to call invalid");
	ok(sizeof shapes / sizeof shapes[0] >= 40, "the table covers at least 20 products");
	return done_testing();
}
