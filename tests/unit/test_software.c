/* \summary: unit tests for software_fingerprint() (dissectors/software.c). */
#include <stdlib.h>
#include <string.h>

#include "dissectors/software.h"
#include "tests/tap.h"

struct fp_case {
	const char *banner;
	const char *name;     /* NULL: unknown */
	const char *version;  /* "" when none */
};

static const struct fp_case cases[] = {
	{ "mail.example.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  Thu, 7 Jun 2001 10:00:00 +0000",
	  "Exchange 2000", "5.0.2195.1600" },
	/* IIS 5 SMTP on Windows 2000 without Exchange: same banner, same answer */
	{ "w2k.example.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713 ready at  Mon, 1 Jan 2007 00:00:00 +0100",
	  "Exchange 2000", "5.0.2195.6713" },
	{ "aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at Thu, 7 Jun 2001 10:00:00 +0000",
	  "Exchange 2000", "5.0.2195.1600" },
	{ "ex2003.corp.example Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at  Tue, 3 Mar 2009 12:00:00 +0100",
	  "IIS 6 SMTP / Exchange 2003", "6.0.3790.3959" },
	{ "xp Microsoft ESMTP MAIL Service, Version: 6.0.2600.5512 ready at  Tue, 3 Mar 2009 12:00:00 +0100",
	  "IIS 5.1 SMTP", "6.0.2600.5512" },
	{ "srv Microsoft ESMTP MAIL Service, Version: 7.5.7601.17514 ready at  Tue, 3 Mar 2011 12:00:00 +0100",
	  "IIS 7.5 SMTP", "7.5.7601.17514" },
	{ "srv Microsoft ESMTP MAIL Service, Version: 8.5.9600.16384 ready at  Tue, 3 Mar 2015 12:00:00 +0100",
	  "IIS 8 SMTP", "8.5.9600.16384" },
	{ "ex2016.corp.example Microsoft ESMTP MAIL Service ready at Wed, 1 Feb 2023 10:00:00 +0100",
	  "Exchange 2007+", "" },
	{ "AM6PR01MB1234.eurprd01.prod.outlook.com Microsoft ESMTP MAIL Service ready at Wed, 1 Feb 2023 10:00:00 +0000",
	  "Exchange Online", "" },
	{ "mx.example.com Microsoft Exchange Internet Mail Service 5.5.2653.13 ready",
	  "Exchange 5.5", "5.5.2653.13" },
	{ "mail.example.org ESMTP Postfix (Debian/GNU)", "Postfix", "" },
	{ "mail.example.org ESMTP Postfix", "Postfix", "" },
	{ "mx.example.org ESMTP Sendmail 8.15.2/8.15.2; Thu, 7 Jun 2001 10:00:00 GMT",
	  "Sendmail", "8.15.2" },
	{ "mx.example.org ESMTP Sendmail ready", "Sendmail", "" },
	{ "mx.example.org ESMTP Exim 4.96 Mon, 02 Jan 2023 10:00:00 +0000", "Exim", "4.96" },
	{ "mx.example.org ESMTP Exim 4.94.2", "Exim", "4.94.2" },
	{ "mx.example.org ESMTP qmail", "qmail", "" },
	{ "qmail.example.org qmail ready", "qmail", "" },
	{ "mx.example.org ESMTP OpenSMTPD", "OpenSMTPD", "" },
	{ "notes.example.com ESMTP Service (Lotus Domino Release 8.5.3FP6) ready at Thu, 7 Jun 2012 10:00:00 +0200",
	  "Lotus Domino", "8.5.3FP6" },
	{ "notes.example.com ESMTP Service (IBM Domino Release 9.0.1FP10) ready", "Lotus Domino", "9.0.1FP10" },
	{ "gw.example.com GroupWise Internet Agent 18.1.0 Ready (C)1993, 2018 Micro Focus", "GroupWise", "18.1.0" },
	{ "mx ESMTP hMailServer", "hMailServer", "" },
	{ "mx.example.com ESMTP MailEnable Service, Version: 10.23--10.23 ready at 01/02/2023 10:00:00",
	  "MailEnable", "10.23" },
	{ "zm.example.com ESMTP Zimbra ready", "Zimbra", "" },
	{ "mail.example.com ESMTP Courier mail server ready", "Courier", "" },
	{ "mx.example.com ESMTP Haraka 2.8.25 ready", "Haraka", "2.8.25" },
	{ "mx.example.com ESMTP MDaemon 21.5.2; Mon, 02 Jan 2023", "MDaemon", "21.5.2" },
	{ "mx.google.com ESMTP a1-20020a170906000000b00000000000000si000000ejc.1 - gsmtp", "Gmail", "" },
	/* case-insensitive */
	{ "MX ESMTP POSTFIX", "Postfix", "" },
	{ "mail.example.com microsoft esmtp mail service, version: 5.0.2195.1600 ready", "Exchange 2000", "5.0.2195.1600" },
	/* multi-line banner (lines joined with '\n') */
	{ "mail.example.com\nESMTP Exim 4.96 ready", "Exim", "4.96" },
	/* unknown */
	{ "mail.example.com ESMTP ready", NULL, "" },
	{ "mail.example.com ESMTP", NULL, "" },
	{ "", NULL, "" },
};

int main(void)
{
	size_t i;
	char v[64], label[160];
	const char *name;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fp_case *c = &cases[i];
		/* an exact-size copy without NUL, so ASan catches any read past len */
		size_t n = strlen(c->banner);
		char *copy = malloc(n ? n : 1);
		if (n)
			memcpy(copy, c->banner, n);
		memset(v, 'x', sizeof v);
		name = software_fingerprint(copy, n, v, sizeof v);
		snprintf(label, sizeof label, "%s", c->banner);
		for (char *q = label; *q; q++)
			if (*q == '\n')
				*q = '|'; /* keep TAP lines whole */
		is_str(name, c->name, label);
		is_str(v, c->version, "  its version");
		free(copy);
	}

	/* version cut to vlen */
	name = software_fingerprint("x Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready", 59, v, 6);
	is_str(name, "Exchange 2000", "cut version: still Exchange 2000");
	is_str(v, "5.0.2", "version cut to vlen-1 bytes");
	/* len bounds the search: the pattern past len is not seen */
	name = software_fingerprint("mx ESMTP Postfix", 10, v, sizeof v);
	is_str(name, NULL, "text past len is not read");
	/* NULL version buffer is allowed */
	name = software_fingerprint("ESMTP Exim 4.96", 15, NULL, 0);
	is_str(name, "Exim", "NULL version buffer");
	is_str(software_fingerprint(NULL, 0, v, sizeof v), NULL, "NULL text");
	is_str(v, "", "NULL text: empty version");
	/* a NUL byte inside the bounded text does not stop the search */
	name = software_fingerprint("mx\0ESMTP Postfix", 16, v, sizeof v);
	is_str(name, "Postfix", "NUL inside the text");

	ok(software_is_exchange2000("Exchange 2000"), "Exchange 2000 is the KB 301401 family");
	ok(!software_is_exchange2000("IIS 6 SMTP / Exchange 2003"), "Exchange 2003 is not");
	ok(!software_is_exchange2000("Exchange 2007+"), "Exchange 2007+ is not");
	ok(!software_is_exchange2000("Postfix"), "Postfix is not");
	ok(!software_is_exchange2000(NULL), "NULL is not");
	return done_testing();
}
