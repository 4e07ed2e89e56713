/* \summary: FQDN check (RFC 1035, 1123, 3696, 5321); see fqdn.h. */
#include "dissectors/fqdn.h"

#include <string.h>

#define FQDN_MAX   253 /* RFC 1035 2.3.4: 255 octets on the wire, 253 as text */
#define LABEL_MAX  63  /* RFC 1035 2.3.4 */

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A dotted quad of 0..255 values, the whole of s[0..len). */
static int is_ipv4(const char *s, size_t len)
{
	size_t i = 0;
	int parts = 0;

	while (i < len) {
		unsigned v = 0, digits = 0;
		while (i < len && is_digit((unsigned char)s[i])) {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
			i++;
		}
		if (digits == 0)
			return 0;
		parts++;
		if (i == len)
			break;
		if (s[i] != '.' || parts == 4)
			return 0;
		i++;
		if (i == len)
			return 0;
	}
	return parts == 4;
}

/* RFC 5321 4.1.3: "[" IPv4-address-literal / IPv6-address-literal / General "]". */
static int is_addr_literal(const char *s, size_t len)
{
	size_t i;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return 0;
	s++;
	len -= 2;
	if (is_ipv4(s, len))
		return 1;
	/* RFC 5234 2.3: quoted ABNF strings are case-insensitive, so "ipv6:" is
	 * the IPv6 tag too (not a General-address-literal that skips the check) */
	if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		for (i = 5; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
			      c == ':' || c == '.'))
				return 0;
		}
		return 1;
	}
	/* General-address-literal: Standardized-tag ":" 1*dcontent */
	for (i = 0; i < len && s[i] != ':'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(is_alpha(c) || is_digit(c) || c == '-'))
			return 0;
	}
	if (i == 0 || i + 1 >= len)
		return 0;
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']')
			return 0;
	}
	return 1;
}

enum name_kind fqdn_classify(const char *name, size_t len)
{
	size_t i, label_start = 0, labels = 0;
	int all_digits = 1, last_all_digits = 1;

	if (len == 0)
		return NAME_EMPTY;
	if (memchr(name, '\0', len))
		return NAME_INVALID;
	if (name[0] == '[')
		return is_addr_literal(name, len) ? NAME_ADDR_LITERAL : NAME_INVALID;
	if (is_ipv4(name, len))
		return NAME_BARE_IP;
	if (len > 1 && name[len - 1] == '.')
		len--; /* the root label: "mail.example.com." is absolute, still an FQDN */
	if (len > FQDN_MAX)
		return NAME_INVALID;
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '.';
		if (c == '.') {
			size_t n = i - label_start;
			if (n == 0 || n > LABEL_MAX)
				return NAME_INVALID;
			if (name[label_start] == '-' || name[i - 1] == '-')
				return NAME_INVALID;
			labels++;
			label_start = i + 1;
			last_all_digits = all_digits;
			all_digits = 1;
			continue;
		}
		if (!(is_alpha(c) || is_digit(c) || c == '-'))
			return NAME_INVALID;
		if (!is_digit(c))
			all_digits = 0;
	}
	if (last_all_digits) /* RFC 3696 2: the top-level label is never all-numeric */
		return NAME_INVALID;
	return labels >= 2 ? NAME_FQDN : NAME_SINGLE_LABEL;
}

int fqdn_is_fqdn(const char *name, size_t len)
{
	return fqdn_classify(name, len) == NAME_FQDN;
}

const char *fqdn_kind_name(enum name_kind k)
{
	switch (k) {
	case NAME_FQDN: return "fqdn";
	case NAME_SINGLE_LABEL: return "single_label";
	case NAME_ADDR_LITERAL: return "address_literal";
	case NAME_BARE_IP: return "bare_ip";
	case NAME_INVALID: return "invalid";
	case NAME_EMPTY: return "empty";
	}
	return "invalid";
}
