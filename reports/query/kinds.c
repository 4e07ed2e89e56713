/* \summary: the catalogue of finding kinds (reports/query/kinds.h). */
#include "reports/query/kinds.h"

#include <string.h>

static const struct kind_info kinds[] = {
	/* ---- the first round's kinds ---- */
	{ "non_fqdn_greeting", "Server name is not an FQDN",
	  "Senders that check the name (Exchange 2000 before SP2, KB 301401) stop after EHLO "
	  "and the mail expires; others score or refuse it.", KIND_PROBLEM },
	{ "stalled_deliveries", "Deliveries stop after EHLO",
	  "Senders connect, say EHLO and leave without sending: their mail waits in queues "
	  "until it expires.", KIND_PROBLEM },
	{ "expired_447", "Mail expired (4.4.7)",
	  "Delivery-status reports show mail that expired in a sender's queue: it was lost.",
	  KIND_PROBLEM },
	{ "name_mismatch", "Greeting and EHLO reply name differ",
	  "Two names for one server confuse senders that compare them and make logs "
	  "and certificates disagree.", KIND_HYGIENE },
	{ "client_non_fqdn_helo", "Client HELO name is not an FQDN",
	  "Many receivers reject or score a bare HELO name (Postfix: 504 5.5.2 need "
	  "fully-qualified hostname).", KIND_HYGIENE },
	{ "cleartext_auth", "Authentication without TLS",
	  "Credentials cross the network readable by anyone on the path.", KIND_HYGIENE },
	{ "starttls_not_offered", "STARTTLS not offered",
	  "Mail to and from the server crosses the network unencrypted.", KIND_HYGIENE },
	{ "rejected_sessions", "Sessions rejected",
	  "Senders refused at the greeting or EHLO queue and retry; check that it is intended.",
	  KIND_HYGIENE },
	{ "legacy_software", "End-of-life server software",
	  "Software without security updates, and the source of old interoperability bugs.",
	  KIND_HYGIENE },
	/* ---- add new kinds in a block of their own below ---- */
	/* issue 12 */
	{ "non_public_name", "Server name resolves nowhere",
	  "A private-use name (.local, .localdomain, .corp, ...) or one under no public suffix: "
	  "senders on the internet cannot resolve it, and those that check the name give up.",
	  KIND_PROBLEM },
};

const struct kind_info *kind_info(const char *kind)
{
	size_t i;

	if (!kind)
		return NULL;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

const char *name_kind_words(const char *k, char *buf, unsigned n)
{
	static const char *const words[][2] = {
		{ "fqdn", "FQDN" }, { "single_label", "single label" },
		{ "address_literal", "address literal" }, { "bare_ip", "bare IP address" },
		{ "invalid", "invalid name" }, { "empty", "empty name" },
	};
	unsigned i;

	if (!k)
		return "?";
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], k) == 0)
			return words[i][1];
	if (n == 0)
		return "?";
	for (i = 0; k[i] && i + 1 < n; i++)
		buf[i] = k[i] == '_' ? ' ' : k[i];
	buf[i] = '\0';
	return buf;
}

const char *kind_title(const char *kind)
{
	const struct kind_info *k = kind_info(kind);

	if (k)
		return k->title;
	return kind ? kind : "-";
}

enum kind_group kind_group(const char *kind, const char *severity)
{
	const struct kind_info *k = kind_info(kind);

	if (k)
		return k->group;
	return severity && strcmp(severity, "high") == 0 ? KIND_PROBLEM : KIND_HYGIENE;
}

int severity_rank(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "high") == 0)
		return 1;
	if (strcmp(s, "medium") == 0)
		return 2;
	if (strcmp(s, "low") == 0)
		return 3;
	if (strcmp(s, "info") == 0)
		return 4;
	return 0;
}
