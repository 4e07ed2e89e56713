/* \summary: name classes with the Public Suffix List; see name_class.h. */
#include "dissectors/name_class.h"

#include <arpa/inet.h>
#include <libpsl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "dissectors/fqdn.h"

/* Private-use and special-use names, as the last label(s) of a name. */
static const char *const private_suffixes[] = {
	"localhost", "test", "example", "invalid",           /* RFC 2606, RFC 6761 */
	"local",                                              /* RFC 6762 */
	"intranet", "internal", "private", "corp", "home", "lan", /* RFC 6762 appendix G */
	"home.arpa",                                          /* RFC 8375 */
	"onion",                                              /* RFC 7686 */
	"alt",                                                /* RFC 9476 */
	"localdomain",                                        /* /etc/hosts convention (SAC045) */
	NULL,
};

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl; /* never freed: one list for the process */

static void psl_load(void)
{
	psl = psl_latest(NULL); /* the newest of the system list and libpsl's built-in one */
}

static int ends_with_label(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	if (n < k)
		return 0;
	if (strncasecmp(s + n - k, suf, k) != 0)
		return 0;
	return n == k || s[n - k - 1] == '.';
}

enum name_class name_classify(const char *name, size_t len)
{
	char low[256], tld[64];
	const char *dot;
	size_t i;

	switch (fqdn_classify(name, len)) {
	case NAME_FQDN: break;
	case NAME_SINGLE_LABEL: return NCLASS_SINGLE_LABEL;
	case NAME_ADDR_LITERAL: return NCLASS_ADDR_LITERAL;
	case NAME_BARE_IP: return NCLASS_BARE_IP;
	case NAME_EMPTY: return NCLASS_EMPTY;
	default: return NCLASS_INVALID;
	}
	if (len && name[len - 1] == '.')
		len--;
	if (len >= sizeof low)
		return NCLASS_INVALID; /* fqdn_classify() allows at most 253 */
	for (i = 0; i < len; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[len] = 0;
	for (i = 0; private_suffixes[i]; i++)
		if (ends_with_label(low, len, private_suffixes[i]))
			return NCLASS_PRIVATE_USE;
	pthread_once(&psl_once, psl_load);
	if (!psl)
		return NCLASS_PUBLIC_FQDN;
	dot = strrchr(low, '.');
	if (!dot || strlen(dot + 1) >= sizeof tld)
		return NCLASS_UNKNOWN_SUFFIX;
	strcpy(tld, dot + 1);
	return psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) ? NCLASS_PUBLIC_FQDN
										      : NCLASS_UNKNOWN_SUFFIX;
}

const char *name_class_name(enum name_class c)
{
	switch (c) {
	case NCLASS_PUBLIC_FQDN: return "public_fqdn";
	case NCLASS_PRIVATE_USE: return "private_use";
	case NCLASS_UNKNOWN_SUFFIX: return "unknown_suffix";
	case NCLASS_SINGLE_LABEL: return "single_label";
	case NCLASS_BARE_IP: return "bare_ip";
	case NCLASS_ADDR_LITERAL: return "address_literal";
	case NCLASS_INVALID: return "invalid";
	case NCLASS_EMPTY: return "empty";
	}
	return "invalid";
}

int addr_is_private(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		       a[0] == 127 || (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char loop[16] = { [15] = 1 };
		if (memcmp(a, loop, 16) == 0)
			return 1;
		if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
			return 1;
		/* IPv4-mapped: judge the IPv4 address */
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			char v4[16];
			inet_ntop(AF_INET, a + 12, v4, sizeof v4);
			return addr_is_private(v4);
		}
	}
	return 0;
}
