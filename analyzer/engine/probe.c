/* \summary: SMTP detection by evidence; see probe.h.
 *
 * Sources for the rules: Zeek's DPD signatures (SMTP needs the client's
 * HELO/EHLO and the server's 220; FTP's USER with 230/331), Suricata's probing
 * parsers, nDPI 4.2's FTP/POP3/IMAP/Usenet dissectors, RFC 959, 1939, 3501,
 * 3977 and 5321 (research note ../shared/notes/smtp-detection-evidence.md). */
#include "analyzer/engine/probe.h"
#include "analyzer/engine/classify.h"
#include "analyzer/base/limits.h"
#include "dissectors/text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pline {
	uint8_t *buf;              /* a line split across chunks (owned, PROBE_LINE_KEEP bytes,
	                              allocated when a line is first split) */
	uint16_t len;              /* bytes kept of the current line */
	uint16_t lines;            /* lines seen (a server's multi-line reply counts once) */
	uint16_t cont;             /* continuation lines ("NNN-") of the server seen */
	uint8_t resync;            /* after a gap: drop bytes up to the next LF */
};

/* Small while idle: an open flow that is still undecided (a banner and
 * nothing else) holds only this struct. */
struct probe {
	struct tunnel *tun;        /* owned; allocated when the client's first byte may begin a
	                              prelude (freed at once if it begins none): only flows
	                              with a tunnel pay for it */
	struct pline l[2];         /* [0] client, [1] server: inner streams */
	uint8_t tun_done;          /* no prelude (any more): bytes go straight to the lines */
	uint8_t verdict;           /* enum probe_verdict */
	uint8_t reason;            /* enum probe_reason when NOT_SMTP */
	uint8_t evidence;          /* enum probe_evidence */
	uint8_t in_greeting;       /* the greeting's lines are being read */
	uint8_t await;             /* a client SMTP-only command waits for its reply */
	uint8_t await_tls;         /* ... and it was STARTTLS */
	uint8_t await_any;         /* QUIT, RSET, NOOP or HELP waits: confirmed only by a reply
	                              with an RFC 3463 code (a capture begun mid-session) */
	uint8_t smtp_verbs;        /* client SMTP-only commands seen */
	uint8_t greeting;          /* the server's first line was 220/421/554 */
	uint8_t greeting_smtp;     /* ... and it says SMTP */
	uint8_t greeting_ftp;      /* ... and it says FTP */
	uint8_t ext_lines;         /* server "250-KEYWORD" lines with an SMTP extension */
	uint8_t ndpi_family;       /* a counter-evidence label from nDPI (classify family) */
};

static const char *const ev_names[] = {
#define X(c, n) n,
	PROBE_EVIDENCE(X)
#undef X
};

static const char *const reason_names[] = {
#define X(c, n) n,
	PROBE_REASONS(X)
#undef X
};

const char *probe_evidence_name(enum probe_evidence e)
{
	return (unsigned)e < sizeof ev_names / sizeof ev_names[0] ? ev_names[e] : "none";
}

const char *probe_reason_name(enum probe_reason r)
{
	return (unsigned)r < PROBE_R__COUNT ? reason_names[r] : "none";
}

struct probe *probe_new(void)
{
	return calloc(1, sizeof(struct probe));
}

static void lines_release(struct probe *pr)
{
	free(pr->l[0].buf);
	free(pr->l[1].buf);
	pr->l[0].buf = pr->l[1].buf = NULL;
}

void probe_free(struct probe *pr)
{
	if (!pr)
		return;
	free(pr->tun);
	lines_release(pr);
	free(pr);
}

/* ---- word tables ------------------------------------------------------------ */

static const char *const smtp_only[] = { "EHLO", "HELO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT",
					  "STARTTLS", "VRFY", "EXPN", NULL };
static const char *const ftp_verbs[] = {
	"USER", "PASS", "ACCT", "SYST", "FEAT", "OPTS", "PASV", "EPSV", "EPRT", "PORT", "TYPE",
	"STRU", "CWD", "CDUP", "PWD", "XPWD", "LIST", "NLST", "MLSD", "MLST", "RETR", "STOR", "STOU",
	"APPE", "REST", "RNFR", "RNTO", "DELE", "RMD", "MKD", "XMKD", "SIZE", "MDTM", "SITE", "ABOR",
	"PBSZ", "PROT", "CCC", "ALLO", NULL };
static const char *const pop3_verbs[] = { "CAPA", "STLS", "APOP", "UIDL", "TOP", "STAT", NULL };
static const char *const nntp_verbs[] = { "AUTHINFO", "GROUP", "LISTGROUP", "ARTICLE", "CAPABILITIES",
					   "NEWNEWS", "NEWGROUPS", "XOVER", "OVER", "IHAVE", "POST",
					   "XHDR", "HDR", NULL };
static const char *const imap_verbs[] = { "CAPABILITY", "LOGIN", "AUTHENTICATE", "STARTTLS", "SELECT",
					   "EXAMINE", "LIST", "LSUB", "LOGOUT", "NOOP", "ID", "ENABLE",
					   "FETCH", "UID", "STATUS", "IDLE", NULL };
/* EHLO keywords a server-only capture may show (RFC 5321 and extensions) */
static const char *const ext_words[] = { "PIPELINING", "SIZE", "8BITMIME", "STARTTLS", "AUTH",
					  "ENHANCEDSTATUSCODES", "DSN", "CHUNKING", "SMTPUTF8",
					  "BINARYMIME", "X-EXPS", "XEXCH50", "ETRN", "DELIVERBY", NULL };

static int word_in(const uint8_t *w, size_t n, const char *const *tab)
{
	size_t i;

	for (i = 0; tab[i]; i++)
		if (strlen(tab[i]) == n && strncasecmp((const char *)w, tab[i], n) == 0)
			return 1;
	return 0;
}

static size_t word_end(const uint8_t *p, size_t n, size_t from)
{
	while (from < n && p[from] != ' ' && p[from] != '\t')
		from++;
	return from;
}

static int digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* An RFC 3463 enhanced status code "d.d{1,3}.d{1,3}" at the start of t. */
static int has_enhanced(const uint8_t *t, size_t n)
{
	size_t i = 0, part;

	if (n < 5 || (t[0] < '2' || t[0] > '5') || t[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		size_t d = 0;
		while (i < n && digit(t[i]) && d < 3) {
			i++;
			d++;
		}
		if (!d)
			return 0;
		if (part == 0) {
			if (i >= n || t[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n || t[i] == ' ';
}

/* Case-insensitive (ASCII) substring of p[0..n). */
static int contains(const uint8_t *p, size_t n, const char *z)
{
	return text_ci_find((const char *)p, n, z) != NULL;
}

/* ---- decisions ------------------------------------------------------------------ */

static void reject(struct probe *pr, enum probe_reason r)
{
	if (pr->verdict != PROBE_UNDECIDED)
		return;
	pr->verdict = PROBE_NOT_SMTP;
	pr->reason = (uint8_t)r;
}

static void confirm(struct probe *pr)
{
	if (pr->verdict != PROBE_UNDECIDED)
		return;
	pr->verdict = PROBE_SMTP;
	pr->evidence = PROBE_EV_CONFIRMED;
}

/* The greeting's words after the name: SMTP-ish or FTP-ish. */
static void greeting_words(struct probe *pr, const uint8_t *t, size_t n)
{
	size_t i = word_end(t, n, 0); /* the first word is the host name */

	while (i < n) {
		size_t s = i, e;
		while (s < n && (t[s] == ' ' || t[s] == '\t'))
			s++;
		e = word_end(t, n, s);
		if (e > s) {
			if (contains(t + s, e - s, "smtp") || contains(t + s, e - s, "lmtp") ||
			    (e - s >= 4 && e - s <= 5 && strncasecmp((const char *)t + s, "mail", 4) == 0))
				pr->greeting_smtp = 1;
			if (contains(t + s, e - s, "ftp") || contains(t + s, e - s, "filezilla"))
				pr->greeting_ftp = 1;
		}
		i = e;
	}
	/* vsftpd "220 (vsFTPd 3.0.3)", ProFTPD, Pure-FTPd, FileZilla in the first word too */
	if (contains(t, word_end(t, n, 0), "ftp") || contains(t, word_end(t, n, 0), "filezilla"))
		pr->greeting_ftp = 1;
}

static void server_line(struct probe *pr, const uint8_t *p, size_t n, int first)
{
	int code, cont;
	const uint8_t *t;
	size_t tl;

	if (first) {
		if ((n >= 3 && memcmp(p, "+OK", 3) == 0) || (n >= 4 && memcmp(p, "-ERR", 4) == 0)) {
			reject(pr, PROBE_R_POP3);
			return;
		}
		if (n >= 4 && p[0] == '*' && p[1] == ' ' &&
		    (strncasecmp((const char *)p + 2, "OK", 2) == 0 ||
		     (n >= 9 && strncasecmp((const char *)p + 2, "PREAUTH", 7) == 0) ||
		     (n >= 5 && strncasecmp((const char *)p + 2, "BYE", 3) == 0))) {
			reject(pr, PROBE_R_IMAP);
			return;
		}
		if ((n >= 4 && memcmp(p, "SSH-", 4) == 0) || (n >= 5 && memcmp(p, "HTTP/", 5) == 0)) {
			reject(pr, PROBE_R_OTHER);
			return;
		}
	}
	if (n < 3 || !digit(p[0]) || !digit(p[1]) || !digit(p[2]) || (n > 3 && p[3] != ' ' && p[3] != '-')) {
		return;
	}
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	cont = n > 3 && p[3] == '-';
	t = p + (n > 4 ? 4 : n);
	tl = (size_t)(p + n - t);
	if (first) {
		if (code == 200 || code == 201) { /* NNTP greets with 200/201, SMTP and FTP never */
			reject(pr, PROBE_R_NNTP);
			return;
		}
		if (code == 120) {
			reject(pr, PROBE_R_FTP);
			return;
		}
		if (code == 220 || code == 421 || code == 554)
			pr->greeting = pr->in_greeting = 1;
	}
	if (pr->in_greeting) {
		greeting_words(pr, t, tl);
		pr->in_greeting = (uint8_t)cont;
	}
	switch (code) {
	/* RFC 959 codes that RFC 5321 and its extensions never send */
	case 110: case 125: case 150: case 200: case 202: case 212: case 213: case 215: case 225:
	case 226: case 227: case 228: case 229: case 230: case 232: case 234: case 257: case 331:
	case 332: case 350: case 425: case 426: case 532:
		reject(pr, PROBE_R_FTP);
		return;
	case 211:
		if (tl >= 8 && strncasecmp((const char *)t, "Features", 8) == 0) {
			reject(pr, PROBE_R_FTP); /* the FEAT list */
			return;
		}
		break;
	default:
		if (code < 200) { /* SMTP never sends 1yz (RFC 5321 4.2.1) */
			reject(pr, PROBE_R_FTP);
			return;
		}
		break;
	}
	if (code == 250 && cont && !first) {
		size_t we = word_end(t, tl, 0), k = we;
		const uint8_t *eq = memchr(t, '=', we);
		if (eq)
			k = (size_t)(eq - t);
		if (word_in(t, k, ext_words) && pr->ext_lines < 255)
			pr->ext_lines++;
	}
	if (pr->await_any && !cont && has_enhanced(t, tl)) {
		confirm(pr); /* FTP, POP3, IMAP and NNTP never send RFC 3463 codes */
		return;
	}
	if (!pr->await || cont)
		return;
	/* the final line of a reply to a client SMTP-only command */
	if (code == 250 || code == 251 || code == 252 || code == 354 || code == 334 || code == 235 ||
	    (code == 220 && pr->await_tls) || has_enhanced(t, tl)) {
		confirm(pr);
		return;
	}
	if (code != 220)
		pr->await = pr->await_tls = 0;
}

/* A tagged IMAP command: "a001 LOGIN ...", tag of letters/digits/'.'. */
static int imap_tagged(const uint8_t *p, size_t n)
{
	size_t te = word_end(p, n, 0), i, ve;

	if (te == 0 || te > 20 || te >= n)
		return 0;
	for (i = 0; i < te; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || digit(p[i]) || p[i] == '.'))
			return 0;
	ve = word_end(p, n, te + 1);
	return word_in(p + te + 1, ve - te - 1, imap_verbs);
}

static void client_line(struct probe *pr, const uint8_t *p, size_t n)
{
	size_t ve = word_end(p, n, 0), ae, as;

	if (ve == 0)
		return;
	as = ve < n ? ve + 1 : n;
	ae = word_end(p, n, as);
	if ((ve == 4 && (strncasecmp((const char *)p, "QUIT", 4) == 0 || strncasecmp((const char *)p, "RSET", 4) == 0 ||
			 strncasecmp((const char *)p, "NOOP", 4) == 0 || strncasecmp((const char *)p, "HELP", 4) == 0))) {
		pr->await_any = 1;
		return;
	}
	if (word_in(p, ve, smtp_only)) {
		int mail = ve == 4 && strncasecmp((const char *)p, "MAIL", 4) == 0;
		int rcpt = ve == 4 && strncasecmp((const char *)p, "RCPT", 4) == 0;
		if ((mail && !(n >= as + 5 && strncasecmp((const char *)p + as, "FROM:", 5) == 0)) ||
		    (rcpt && !(n >= as + 3 && strncasecmp((const char *)p + as, "TO:", 3) == 0)))
			return;
		pr->await = 1;
		pr->await_tls = ve == 8;
		if (pr->smtp_verbs < 255)
			pr->smtp_verbs++;
		return;
	}
	if (ve == 4 && strncasecmp((const char *)p, "AUTH", 4) == 0) {
		/* SMTP AUTH takes a SASL mechanism; FTP's AUTH TLS / SSL (RFC 4217) */
		if ((ae - as == 3 && (strncasecmp((const char *)p + as, "TLS", 3) == 0 ||
				      strncasecmp((const char *)p + as, "SSL", 3) == 0)) ||
		    (ae - as == 5 && strncasecmp((const char *)p + as, "TLS-", 4) == 0)) {
			reject(pr, PROBE_R_FTP);
			return;
		}
		if (ae > as) {
			pr->await = 1;
			pr->await_tls = 0;
			if (pr->smtp_verbs < 255)
				pr->smtp_verbs++;
		}
		return;
	}
	if (ve == 4 && strncasecmp((const char *)p, "MODE", 4) == 0 && ae - as == 6 &&
	    strncasecmp((const char *)p + as, "READER", 6) == 0) {
		reject(pr, PROBE_R_NNTP);
		return;
	}
	if (word_in(p, ve, ftp_verbs)) {
		/* USER/PASS/RETR/LIST are POP3's too: the greeting tells */
		reject(pr, PROBE_R_FTP);
		return;
	}
	if (word_in(p, ve, pop3_verbs)) {
		reject(pr, PROBE_R_POP3);
		return;
	}
	if (word_in(p, ve, nntp_verbs)) {
		reject(pr, PROBE_R_NNTP);
		return;
	}
	if (imap_tagged(p, n)) {
		reject(pr, PROBE_R_IMAP);
		return;
	}
	if ((ve == 3 || ve == 4 || ve == 7) && n > ve && (strncasecmp((const char *)p, "GET", 3) == 0 ||
	    strncasecmp((const char *)p, "POST", 4) == 0 || strncasecmp((const char *)p, "CONNECT", 7) == 0) &&
	    contains(p, n, " HTTP/1."))
		reject(pr, PROBE_R_OTHER);
}

/* Lines of the inner stream of one direction. */
static void lines_feed(struct probe *pr, int from_client, const uint8_t *p, size_t n)
{
	struct pline *l = &pr->l[from_client ? 0 : 1];
	size_t i = 0;

	if (l->resync) {
		const uint8_t *lf = memchr(p, '\n', n);
		if (!lf)
			return;
		l->resync = 0;
		i = (size_t)(lf - p) + 1;
	}
	while (i < n && pr->verdict == PROBE_UNDECIDED && l->lines < PROBE_LINES_MAX) {
		const uint8_t *lf = memchr(p + i, '\n', n - i), *line;
		size_t take = lf ? (size_t)(lf - (p + i)) : n - i, room = PROBE_LINE_KEEP - l->len, ln;
		int first = l->lines == 0 && l->cont == 0;

		if (lf && l->len == 0) { /* the whole line is in p: no copy */
			line = p + i;
			ln = take < PROBE_LINE_KEEP ? take : PROBE_LINE_KEEP;
		} else {
			if (!l->buf && !(l->buf = malloc(PROBE_LINE_KEEP))) {
				pr->verdict = PROBE_NOT_SMTP; /* out of memory: give the flow up */
				pr->reason = PROBE_R_UNCONFIRMED;
				return;
			}
			memcpy(l->buf + l->len, p + i, take < room ? take : room);
			l->len += (uint16_t)(take < room ? take : room);
			line = l->buf;
			ln = l->len;
		}
		i += take;
		if (!lf)
			break;
		i++; /* the LF */
		if (ln && line[ln - 1] == '\r')
			ln--;
		l->len = 0;
		/* a long multi-line banner must not use up the lines before EHLO's reply */
		if (!from_client && ln > 3 && line[3] == '-' && line[0] >= '1' && line[0] <= '5' &&
		    l->cont < PROBE_CONT_LINES_MAX)
			l->cont++;
		else
			l->lines++;
		if (from_client)
			client_line(pr, line, ln);
		else
			server_line(pr, line, ln, first);
	}
}

/* ---- the API -------------------------------------------------------------------- */

/* Can the client's first byte c begin a prelude (tunnel.h)? */
static int may_begin_prelude(uint8_t c)
{
	return c == 'P' || c == 'C' || c == 0x0D || c == 0x04 || c == 0x05;
}

/* The prelude part: returns the bytes of p to skip. */
static size_t tunnel_part(struct probe *pr, int from_client, const uint8_t *p, size_t n)
{
	size_t skip;

	if (pr->tun_done)
		return 0;
	if (!pr->tun) {
		if (!from_client || !may_begin_prelude(p[0])) {
			pr->tun_done = 1; /* the server spoke first, or the client began otherwise */
			return 0;
		}
		if (!(pr->tun = malloc(sizeof *pr->tun))) {
			pr->tun_done = 1;
			return 0;
		}
		tunnel_init(pr->tun);
	}
	skip = tunnel_feed(pr->tun, from_client, p, n);
	if (pr->tun->info.status == TUNNEL_ABSENT) {
		free(pr->tun);
		pr->tun = NULL;
		pr->tun_done = 1;
	} else if (tunnel_done(pr->tun)) {
		pr->tun_done = 1; /* kept for what it carried (tunnel_info) */
	}
	return skip;
}

size_t probe_feed(struct probe *pr, int from_client, const uint8_t *p, size_t n)
{
	size_t skip;

	if (!n)
		return 0;
	skip = tunnel_part(pr, from_client, p, n);
	if (pr->verdict == PROBE_UNDECIDED && skip < n)
		lines_feed(pr, from_client, p + skip, n - skip);
	if (pr->verdict == PROBE_UNDECIDED && pr->l[0].lines >= PROBE_LINES_MAX &&
	    pr->l[1].lines >= PROBE_LINES_MAX)
		probe_finish(pr, 1, NULL);
	if (pr->verdict != PROBE_UNDECIDED)
		lines_release(pr);
	return skip;
}

void probe_gap(struct probe *pr, int from_client)
{
	struct pline *l = &pr->l[from_client ? 0 : 1];

	if (!pr->tun_done) { /* a hole in a prelude: what follows is taken as the inner stream */
		pr->tun_done = 1;
		if (pr->tun && pr->tun->info.status == TUNNEL_OPENING)
			pr->tun->info.status = TUNNEL_FAILED;
	}
	if (pr->verdict != PROBE_UNDECIDED || l->lines >= PROBE_LINES_MAX)
		return;
	if (l->len) { /* the line cut by the hole is judged on what arrived */
		size_t ln = l->len;
		l->len = 0;
		l->lines++;
		if (from_client)
			client_line(pr, l->buf, ln);
		else
			server_line(pr, l->buf, ln, l->lines == 1 && l->cont == 0);
	}
	l->resync = 1;
	if (pr->verdict != PROBE_UNDECIDED)
		lines_release(pr);
}

void probe_ndpi(struct probe *pr, int family, int dpi)
{
	if (!dpi || pr->verdict != PROBE_UNDECIDED)
		return;
	switch (family) {
	case CLASSIFY_F_HTTP:
		/* nDPI names the CONNECT request HTTP: the tunnel decides */
		if ((pr->tun && pr->tun->info.kind == TUNNEL_HTTP_CONNECT) || (!pr->tun_done && !pr->tun))
			return;
		/* fall through */
	case CLASSIFY_F_FTP:
	case CLASSIFY_F_POP3:
	case CLASSIFY_F_IMAP:
	case CLASSIFY_F_NNTP:
	case CLASSIFY_F_OTHER:
		if (pr->tun && pr->tun->info.kind != TUNNEL_NONE)
			return; /* the label is the tunnel's, not the inner stream's */
		pr->ndpi_family = (uint8_t)family;
		reject(pr, PROBE_R_NDPI);
		break;
	default:
		break;
	}
}

enum probe_verdict probe_verdict(const struct probe *pr, enum probe_reason *reason)
{
	if (pr->verdict == PROBE_NOT_SMTP && reason)
		*reason = (enum probe_reason)pr->reason;
	return (enum probe_verdict)pr->verdict;
}

enum probe_verdict probe_finish(struct probe *pr, int server_spoke, enum probe_reason *reason)
{
	if (pr->verdict == PROBE_UNDECIDED) {
		if (pr->greeting && pr->greeting_ftp)
			reject(pr, PROBE_R_FTP);
		else if (pr->greeting && (pr->greeting_smtp || pr->ext_lines)) {
			pr->verdict = PROBE_SMTP;
			pr->evidence = PROBE_EV_GREETING_ONLY;
		} else if (!pr->greeting && pr->ext_lines >= 2) {
			pr->verdict = PROBE_SMTP; /* an EHLO reply seen without its greeting */
			pr->evidence = PROBE_EV_GREETING_ONLY;
		} else if (!server_spoke && pr->smtp_verbs >= 2) {
			pr->verdict = PROBE_SMTP;
			pr->evidence = PROBE_EV_CLIENT_ONLY;
		} else if (pr->tun && pr->tun->info.status == TUNNEL_FAILED) {
			reject(pr, PROBE_R_TUNNEL_FAILED);
		} else if (pr->greeting) {
			reject(pr, pr->smtp_verbs ? PROBE_R_UNCONFIRMED : PROBE_R_BANNER_ONLY);
		} else {
			reject(pr, PROBE_R_UNCONFIRMED);
		}
	}
	return probe_verdict(pr, reason);
}

enum probe_evidence probe_evidence_of(const struct probe *pr)
{
	return (enum probe_evidence)pr->evidence;
}

const struct tunnel_info *probe_tunnel(const struct probe *pr)
{
	static const struct tunnel_info none;

	return pr->tun ? &pr->tun->info : &none;
}
