/* \summary: which SMTP server software a banner (or EHLO reply) names.
 *
 * A table of patterns: Exchange 2000 ("Microsoft ESMTP MAIL Service, Version:
 * 5.0.2195.x"), Windows 2003 IIS SMTP / Exchange 2003 ("6.0.3790.x"), later
 * Exchange ("Microsoft ESMTP MAIL Service ready at"), Postfix, Sendmail, Exim,
 * qmail, OpenSMTPD, Microsoft IIS 5/6 variants, Lotus Domino, GroupWise,
 * Zimbra, MailEnable, hMailServer, Courier, Haraka, and others: unknown. */
#ifndef SMTPSCOPE_SOFTWARE_H
#define SMTPSCOPE_SOFTWARE_H

#include <stddef.h>

/* Looks at the banner text (everything after "220 ", all lines).  Returns the
 * software's name (a static string such as "Exchange 2000", "Postfix") or
 * NULL when unknown, and writes the version when the banner carries one
 * ("5.0.2195.1600", "8.15.2", "4.96") into version (NUL-terminated, cut to
 * vlen), else an empty string. */
const char *software_fingerprint(const char *text, size_t len, char *version, size_t vlen);

/* 1 when name is one of the Exchange 2000 family (the KB 301401 senders). */
int software_is_exchange2000(const char *name);

#endif
