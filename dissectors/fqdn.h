/* \summary: is a name that came off the wire a fully qualified domain name?
 * RFC 1035 2.3.1 / 2.3.4 (labels, lengths), RFC 1123 2.1 (digits first),
 * RFC 5321 4.1.2 / 4.1.3 (Domain, address literals), RFC 3696 2 (the top
 * label is not all-numeric). */
#ifndef SMTPSCOPE_FQDN_H
#define SMTPSCOPE_FQDN_H

#include <stddef.h>

enum name_kind {
	NAME_FQDN,          /* two or more valid labels, alphabetic top label */
	NAME_SINGLE_LABEL,  /* "aliasex2000", "localhost", "mail01" */
	NAME_ADDR_LITERAL,  /* "[192.0.2.1]", "[IPv6:2001:db8::1]" (RFC 5321 4.1.3) */
	NAME_BARE_IP,       /* "10.15.2.203" written without brackets */
	NAME_INVALID,       /* bad characters, empty label, label or name too long, numeric top label */
	NAME_EMPTY,         /* nothing at all */
};

/* Classifies name[0..len). Never reads past len; NUL bytes make it NAME_INVALID. */
enum name_kind fqdn_classify(const char *name, size_t len);

/* 1 when fqdn_classify() says NAME_FQDN. */
int fqdn_is_fqdn(const char *name, size_t len);

/* "fqdn", "single_label", "address_literal", "bare_ip", "invalid", "empty". */
const char *fqdn_kind_name(enum name_kind k);

#endif
