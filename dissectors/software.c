/* \summary: SMTP server software from its banner (or EHLO reply); see software.h.
 *
 * One table, tried in order: the first row whose patterns all occur in the
 * text (case-insensitive substring, bounded by len: the text need not be
 * NUL-terminated) names the software.  More specific rows come first. */
#include "dissectors/software.h"
#include "dissectors/text.h"

#include <string.h>

struct fingerprint {
	const char *must;      /* occurs in the text */
	const char *also;      /* and this too, or NULL */
	const char *name;      /* what we report */
	const char *ver_after; /* the version follows this text, or NULL */
};

static const struct fingerprint table[] = {
	/* Windows 2000's IIS 5 SMTP service and Exchange 2000 (which extends that
	 * service) greet with the very same "Microsoft ESMTP MAIL Service,
	 * Version: 5.0.2195.x": a banner cannot tell them apart, so both are
	 * reported as Exchange 2000, the KB 301401 case. */
	{ "Microsoft", "Version: 5.0.2195", "Exchange 2000", "Version: " },
	/* Windows Server 2003 IIS 6 SMTP, which Exchange 2003 also extends. */
	{ "Microsoft", "Version: 6.0.3790", "IIS 6 SMTP / Exchange 2003", "Version: " },
	{ "Microsoft", "Version: 6.0.2600", "IIS 5.1 SMTP", "Version: " },      /* Windows XP */
	{ "Microsoft", "Version: 7.0.", "IIS 7 SMTP", "Version: " },            /* Windows 2008 */
	{ "Microsoft", "Version: 7.5.", "IIS 7.5 SMTP", "Version: " },          /* Windows 2008 R2 */
	{ "Microsoft", "Version: 8.", "IIS 8 SMTP", "Version: " },              /* Windows 2012 (R2) */
	{ "Microsoft", "Version: 10.", "IIS 10 SMTP", "Version: " },            /* Windows 2016+ */
	{ "Microsoft ESMTP MAIL Service, Version:", NULL, "Microsoft SMTP Service", "Version: " },
	{ "Microsoft Exchange Internet Mail Service", NULL, "Exchange 5.5", "Internet Mail Service " },
	/* Exchange 2007 and later: no version in the banner.  Exchange Online
	 * greets the same way from *.outlook.com hosts. */
	{ "Microsoft ESMTP MAIL Service ready", "outlook.com", "Exchange Online", NULL },
	{ "Microsoft ESMTP MAIL Service ready", NULL, "Exchange 2007+", NULL },
	{ "Microsoft SMTP", NULL, "Microsoft SMTP Service", NULL },
	{ "Lotus Domino", NULL, "Lotus Domino", "Release " },
	{ "IBM Domino", NULL, "Lotus Domino", "Release " },
	{ "HCL Domino", NULL, "Lotus Domino", "Release " },
	{ "GroupWise", NULL, "GroupWise", "Agent " },
	{ "Zimbra", NULL, "Zimbra", NULL },      /* before Postfix: Zimbra runs one */
	{ "Postfix", NULL, "Postfix", NULL },
	{ "Sendmail", NULL, "Sendmail", "Sendmail " },
	{ "Exim ", NULL, "Exim", "Exim " },
	{ "OpenSMTPD", NULL, "OpenSMTPD", NULL },
	{ "qmail", NULL, "qmail", NULL },        /* "ESMTP qmail", netqmail */
	{ "hMailServer", NULL, "hMailServer", NULL },
	{ "MailEnable", NULL, "MailEnable", "Version: " },
	{ "Mail Enable", NULL, "MailEnable", "Version: " },
	{ "Courier", NULL, "Courier", NULL },
	{ "Haraka", NULL, "Haraka", "Haraka " },
	{ "MDaemon", NULL, "MDaemon", "MDaemon " },
	{ "Kerio Connect", NULL, "Kerio Connect", "Kerio Connect " },
	{ "CommuniGate Pro", NULL, "CommuniGate Pro", "CommuniGate Pro " },
	{ "IceWarp", NULL, "IceWarp", "IceWarp " },
	{ "gsmtp", NULL, "Gmail", NULL },
	{ NULL, NULL, NULL, NULL },
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The version right after `after`: a digit, then letters, digits and dots
 * ("5.0.2195.1600", "8.15.2" of "8.15.2/8.15.2;", "8.5.3FP6"), trailing
 * dots dropped.  Empty when there is none. */
static void version_after(const char *text, size_t len, const char *after, char *v, size_t vlen)
{
	const char *p = text_ci_find(text, len, after), *end = text + len;
	size_t k = 0, i;

	if (!p)
		return;
	p += strlen(after);
	while (p < end && *p == ' ')
		p++;
	if (p >= end || !is_digit((unsigned char)*p))
		return;
	for (i = 0; p + i < end && (is_alnum((unsigned char)p[i]) || p[i] == '.'); i++)
		;
	while (i > 0 && p[i - 1] == '.')
		i--;
	for (k = 0; k < i && k + 1 < vlen; k++)
		v[k] = p[k];
	v[k] = '\0';
}

const char *software_fingerprint(const char *text, size_t len, char *version, size_t vlen)
{
	const struct fingerprint *f;

	if (version && vlen > 0)
		version[0] = '\0';
	if (!text)
		return NULL;
	for (f = table; f->must; f++) {
		if (!text_ci_find(text, len, f->must) || (f->also && !text_ci_find(text, len, f->also)))
			continue;
		if (f->ver_after && version && vlen > 0)
			version_after(text, len, f->ver_after, version, vlen);
		return f->name;
	}
	return NULL;
}

int software_is_exchange2000(const char *name)
{
	return name && strcmp(name, "Exchange 2000") == 0;
}
