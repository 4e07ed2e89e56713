/* \summary: unit tests for name_classify() and addr_is_private()
 * (dissectors/name_class.c, the Public Suffix List through libpsl). */
#include <string.h>

#include "dissectors/name_class.h"
#include "tests/tap.h"

static void check(const char *name, enum name_class want)
{
	enum name_class got = name_classify(name, strlen(name));

	if (!ok(got == want, "%s is %s", name, name_class_name(want)))
		printf("#   got %s\n", name_class_name(got));
}

int main(void)
{
	check("mail.example.com", NCLASS_PUBLIC_FQDN);
	check("MAIL.EXAMPLE.CO.UK", NCLASS_PUBLIC_FQDN);
	check("mx.example.org.", NCLASS_PUBLIC_FQDN);
	check("foo.blogspot.com", NCLASS_PUBLIC_FQDN);
	check("AMS0EPF0000019A.mail.protection.outlook.com", NCLASS_PUBLIC_FQDN);
	check("mx.example.de", NCLASS_PUBLIC_FQDN);
	check("localhost.localdomain", NCLASS_PRIVATE_USE);
	check("MacBook-Air.localdomain", NCLASS_PRIVATE_USE);
	check("exch01.corp.local", NCLASS_PRIVATE_USE);
	check("srv.internal", NCLASS_PRIVATE_USE);
	check("router.home.arpa", NCLASS_PRIVATE_USE);
	check("nas.lan", NCLASS_PRIVATE_USE);
	check("mail.corp", NCLASS_PRIVATE_USE);
	check("box.home", NCLASS_PRIVATE_USE);
	check("web.intranet", NCLASS_PRIVATE_USE);
	check("a.private", NCLASS_PRIVATE_USE);
	check("mail.corp.example", NCLASS_PRIVATE_USE);
	check("host.test", NCLASS_PRIVATE_USE);
	check("x.invalid", NCLASS_PRIVATE_USE);
	check("abc.onion", NCLASS_PRIVATE_USE);
	check("my.alt", NCLASS_PRIVATE_USE);
	check("a.localhost", NCLASS_PRIVATE_USE);
	check("mail.gma", NCLASS_UNKNOWN_SUFFIX);
	check("bug.server", NCLASS_UNKNOWN_SUFFIX);
	check("mx.examplecom", NCLASS_UNKNOWN_SUFFIX);
	check("mylocal.com", NCLASS_PUBLIC_FQDN); /* "local" only as a whole label */
	check("localhost", NCLASS_SINGLE_LABEL);
	check("aliasex2000", NCLASS_SINGLE_LABEL);
	check("10.15.2.203", NCLASS_BARE_IP);
	check("[192.0.2.1]", NCLASS_ADDR_LITERAL);
	check("mx-.example.org", NCLASS_INVALID);
	check("", NCLASS_EMPTY);
	ok(addr_is_private("10.1.2.3") && addr_is_private("172.16.0.1") && addr_is_private("172.31.255.255") &&
	   addr_is_private("192.168.1.1") && addr_is_private("127.0.0.1") && addr_is_private("100.64.0.1") &&
	   addr_is_private("169.254.1.1"), "RFC 1918, loopback, link-local, RFC 6598 are private");
	ok(!addr_is_private("172.32.0.1") && !addr_is_private("8.8.8.8") && !addr_is_private("203.0.113.5") &&
	   !addr_is_private("100.128.0.1"), "other IPv4 addresses are not");
	ok(addr_is_private("fd00::1") && addr_is_private("fe80::1") && addr_is_private("::1") &&
	   addr_is_private("::ffff:10.0.0.1"), "RFC 4193, link-local, loopback, mapped private IPv6 are private");
	ok(!addr_is_private("2001:db8::1") && !addr_is_private("::ffff:8.8.8.8") && !addr_is_private("not an ip"),
	   "global IPv6, mapped public IPv4 and garbage are not");
	return done_testing();
}
