/* \summary: unit tests for fqdn_classify() (dissectors/fqdn.c). */
#include <stdlib.h>
#include <string.h>

#include "dissectors/fqdn.h"
#include "tests/tap.h"

/* Classifies an exact-size heap copy (no NUL after it), so ASan catches any
 * read past len. */
static enum name_kind classify_n(const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	enum name_kind k;

	if (!copy)
		return NAME_EMPTY;
	if (n)
		memcpy(copy, s, n);
	k = fqdn_classify(copy, n);
	free(copy);
	return k;
}

static void check(const char *s, enum name_kind want)
{
	enum name_kind got = classify_n(s, strlen(s));

	if (!ok(got == want, "\"%.80s%s\" is %s", s, strlen(s) > 80 ? "..." : "", fqdn_kind_name(want)))
		printf("#   got %s\n", fqdn_kind_name(got));
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

int main(void)
{
	char buf[600];
	char *l63 = repeat('a', 63), *l64 = repeat('a', 64);
	size_t i;

	/* FQDNs */
	check("mail.example.com", NAME_FQDN);
	check("example.com", NAME_FQDN);
	check("MX7.Example.COM", NAME_FQDN);
	check("mail.example.com.", NAME_FQDN);          /* absolute form */
	check("Air-de-catena.localdomain", NAME_FQDN);  /* syntactically fine */
	check("host.localdomain", NAME_FQDN);
	check("a.b", NAME_FQDN);
	check("1mail.example.com", NAME_FQDN);          /* RFC 1123: digits first */
	check("123.example.com", NAME_FQDN);
	check("mx1.example.c0m", NAME_FQDN);            /* top label not all digits */
	check("xn--bcher-kva.example", NAME_FQDN);      /* IDNA A-label */
	check("ex2000.corp.example.com", NAME_FQDN);

	/* single labels */
	check("aliasex2000", NAME_SINGLE_LABEL);
	check("localhost", NAME_SINGLE_LABEL);
	check("EX20001", NAME_SINGLE_LABEL);
	check("mail01", NAME_SINGLE_LABEL);
	check("a", NAME_SINGLE_LABEL);
	check("localhost.", NAME_SINGLE_LABEL);         /* root dot, still one label */
	check("my-host", NAME_SINGLE_LABEL);

	/* address literals (RFC 5321 4.1.3) */
	check("[192.0.2.1]", NAME_ADDR_LITERAL);
	check("[IPv6:2001:db8::1]", NAME_ADDR_LITERAL);
	check("[IPv6:::1]", NAME_ADDR_LITERAL);
	check("[IPv6:::ffff:192.0.2.1]", NAME_ADDR_LITERAL);
	check("[ipv6:2001:db8::1]", NAME_ADDR_LITERAL); /* ABNF strings are case-insensitive */
	check("[ipv6:zz::1]", NAME_INVALID);            /* ... so this is a bad IPv6 literal */
	check("[x-tag:abc]", NAME_ADDR_LITERAL);        /* General-address-literal */
	check("[192.0.2.256]", NAME_INVALID);
	check("[192.0.2]", NAME_INVALID);
	check("[]", NAME_INVALID);
	check("[", NAME_INVALID);
	check("[192.0.2.1", NAME_INVALID);
	check("[IPv6:]", NAME_INVALID);
	check("[IPv6:zz::1]", NAME_INVALID);
	check("[tag:]", NAME_INVALID);
	check("[:abc]", NAME_INVALID);
	check("[tag:a]b]", NAME_INVALID);

	/* bare IPs */
	check("10.15.2.203", NAME_BARE_IP);
	check("192.0.2.1", NAME_BARE_IP);
	check("0.0.0.0", NAME_BARE_IP);
	check("255.255.255.255", NAME_BARE_IP);
	check("256.1.1.1", NAME_INVALID);               /* not an IP, and numeric top label */
	check("1.2.3", NAME_INVALID);
	check("1.2.3.4.5", NAME_INVALID);
	check("1.2.3.4.", NAME_INVALID);
	check("1234.1.1.1", NAME_INVALID);

	/* invalid */
	check("a..b", NAME_INVALID);
	check(".example.com", NAME_INVALID);
	check("example..", NAME_INVALID);
	check(".", NAME_INVALID);
	check("..", NAME_INVALID);
	check("-mail.example.com", NAME_INVALID);
	check("mail-.example.com", NAME_INVALID);
	check("mail.-example.com", NAME_INVALID);
	check("mail.example.com-", NAME_INVALID);
	check("-", NAME_INVALID);
	check("host.123", NAME_INVALID);                 /* RFC 3696 2 */
	check("123", NAME_INVALID);
	check("mail_server.example.com", NAME_INVALID);
	check("_dmarc.example.com", NAME_INVALID);
	check("mail example.com", NAME_INVALID);
	check("mail.example.com ", NAME_INVALID);
	check("m@il.example.com", NAME_INVALID);
	check("caf\xc3\xa9.example", NAME_INVALID);      /* raw UTF-8 */
	check("mail.example.com:25", NAME_INVALID);
	is_int(classify_n("mail\0example.com", 16), NAME_INVALID, "NUL inside is invalid");
	is_int(classify_n("mail.example.com\0", 17), NAME_INVALID, "trailing NUL is invalid");
	is_int(classify_n("\0", 1), NAME_INVALID, "lone NUL is invalid");

	/* empty */
	check("", NAME_EMPTY);
	is_int(fqdn_classify(NULL, 0), NAME_EMPTY, "NULL with len 0 is empty");

	/* label length: 63 fits, 64 does not */
	snprintf(buf, sizeof buf, "%s.example.com", l63);
	check(buf, NAME_FQDN);
	snprintf(buf, sizeof buf, "%s.example.com", l64);
	check(buf, NAME_INVALID);
	snprintf(buf, sizeof buf, "example.%s", l64);
	check(buf, NAME_INVALID);
	check(l63, NAME_SINGLE_LABEL);
	check(l64, NAME_INVALID);

	/* name length: 253 fits, 254 does not; a trailing dot does not count */
	{
		/* 4 labels of 63 + 3 dots = 255; trim to exact sizes */
		char name[300];
		size_t n = 0;
		for (i = 0; i < 4; i++) {
			memcpy(name + n, l63, 63);
			n += 63;
			name[n++] = '.';
		}
		name[--n] = '\0'; /* 255 chars: a...a.a...a.a...a.a...a */
		is_int(strlen(name), 255, "built a 255-char name");
		check(name, NAME_INVALID);
		/* 253: last label of 61 */
		name[253] = '\0';
		check(name, NAME_FQDN);
		name[253] = '.';
		name[254] = '\0';
		check(name, NAME_FQDN); /* 253 + root dot */
		name[253] = 'a';
		name[254] = '\0';
		check(name, NAME_INVALID); /* 254 chars (last label 62) */
		name[254] = '.';
		name[255] = '\0';
		check(name, NAME_INVALID); /* 254 + root dot */
	}

	/* classify reads exactly len bytes */
	is_int(fqdn_classify("mail.example.com", 4), NAME_SINGLE_LABEL, "len bounds the name: \"mail\"");
	is_int(fqdn_classify("mail.example.com", 12), NAME_FQDN, "len bounds the name: \"mail.example\"");
	is_int(fqdn_classify("10.15.2.203xyz", 11), NAME_BARE_IP, "len bounds the IP");

	ok(fqdn_is_fqdn("mail.example.com", 16), "fqdn_is_fqdn yes");
	ok(!fqdn_is_fqdn("aliasex2000", 11), "fqdn_is_fqdn no for a single label");
	ok(!fqdn_is_fqdn("[192.0.2.1]", 11), "fqdn_is_fqdn no for a literal");
	ok(!fqdn_is_fqdn("", 0), "fqdn_is_fqdn no for empty");

	is_str(fqdn_kind_name(NAME_FQDN), "fqdn", "kind name fqdn");
	is_str(fqdn_kind_name(NAME_SINGLE_LABEL), "single_label", "kind name single_label");
	is_str(fqdn_kind_name(NAME_ADDR_LITERAL), "address_literal", "kind name address_literal");
	is_str(fqdn_kind_name(NAME_BARE_IP), "bare_ip", "kind name bare_ip");
	is_str(fqdn_kind_name(NAME_INVALID), "invalid", "kind name invalid");
	is_str(fqdn_kind_name(NAME_EMPTY), "empty", "kind name empty");
	is_str(fqdn_kind_name((enum name_kind)99), "invalid", "kind name out of range");

	free(l63);
	free(l64);
	return done_testing();
}
