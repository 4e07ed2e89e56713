/* \summary: the catalogue of finding kinds: what each is called for a person,
 * and whether it is a problem that costs mail or a hygiene finding.
 *
 * The analysis (reports/analysis/) computes the kinds; the renderers read this
 * catalogue so that the internal kind (findings.kind) never reaches a reader
 * without its human name.  Adding a kind: one entry in kinds.c, one builder
 * and one query (see reports/analysis/kinds.c). */
#ifndef SMTPSCOPE_QUERY_KINDS_H
#define SMTPSCOPE_QUERY_KINDS_H

enum kind_group {
	KIND_PROBLEM = 0,   /* costs mail: stalls, expiries, refused names */
	KIND_HYGIENE = 1    /* worth fixing, nothing lost yet */
};

struct kind_info {
	const char *kind;      /* findings.kind */
	const char *title;     /* a person's name for it, sentence case */
	const char *why;       /* one sentence: why it matters */
	enum kind_group group;
};

/* The entry of kind, or NULL when the kind is not in the catalogue. */
const struct kind_info *kind_info(const char *kind);
/* The human name of kind (the kind itself when unknown; "-" for NULL). */
const char *kind_title(const char *kind);
/* KIND_HYGIENE for hygiene kinds and unknown kinds with severity below
 * high, else KIND_PROBLEM. */
enum kind_group kind_group(const char *kind, const char *severity);

/* How a name class of fqdn_kind() reads in a sentence: "single label",
 * "bare IP address", ... (the class itself, '_' as ' ', when unknown; the
 * result points into buf or static text). */
const char *name_kind_words(const char *k, char *buf, unsigned n);

/* "high" 1, "medium" 2, "low" 3, "info" 4, anything else 0. */
int severity_rank(const char *severity);

#endif
