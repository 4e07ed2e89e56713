/* \summary: the server's name in a greeting or HELO/EHLO reply; see reply_name.h.
 * Shapes from the research note smtp-detection-evidence.md 6.2 (Postfix, Exim,
 * Sendmail, OpenSMTPD, Haraka, qmail, Exchange, Domino, MDaemon, hMailServer,
 * Coremail, CommuniGate, nmap-service-probes). */
#include "dissectors/reply_name.h"

#include <string.h>
#include <strings.h>

static const char *const greeting_words[] = {
	"hello", "hi", "ok", "welcome", "ready", "requested", "greetings", "pleased", "esmtp",
	"smtp", "service", "hola", NULL,
};

static int is_greeting_word(const char *p, size_t n)
{
	size_t i;

	for (i = 0; greeting_words[i]; i++)
		if (strlen(greeting_words[i]) == n && strncasecmp(p, greeting_words[i], n) == 0)
			return 1;
	return 0;
}

size_t reply_name(const char *text, size_t n, const char **name)
{
	const char *nl = memchr(text, '\n', n);
	size_t len = 0, i;

	*name = NULL;
	if (nl)
		n = (size_t)(nl - text);
	if (n == 0 || text[0] == ' ' || text[0] == '\t' || text[0] == '\r')
		return 0;
	while (len < n && text[len] != ' ' && text[len] != '\t' && text[len] != '\r')
		len++;
	if (text[0] == '(')
		return 0; /* "(delta.peach.mil)": the client's name, in parentheses */
	if (text[0] == '[') { /* an address literal keeps its brackets */
		const char *rb = memchr(text, ']', len);
		if (rb)
			len = (size_t)(rb - text) + 1;
	} else {
		while (len > 0 && (text[len - 1] == ',' || text[len - 1] == ';' || text[len - 1] == ':' ||
				   text[len - 1] == '!'))
			len--;
		if (len > 1 && text[len - 1] == '.' && !memchr(text, '.', len - 1))
			len--; /* "Hello.", "mail." : a single label with a trailing dot */
	}
	if (len == 0)
		return 0;
	for (i = 0; i < len && text[i] != '.'; i++)
		;
	if (i == len && is_greeting_word(text, len))
		return 0;
	if (len > REPLY_NAME_MAX)
		len = REPLY_NAME_MAX;
	*name = text;
	return len;
}
