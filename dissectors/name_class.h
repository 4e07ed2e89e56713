/* \summary: can a sender resolve this name on the internet?  The classes of a
 * server or client name, from its syntax (dissectors/fqdn.h) and the Public
 * Suffix List through libpsl (Debian libpsl-dev; the list is the system's,
 * Debian package publicsuffix, /usr/share/publicsuffix; none of our own):
 *
 *   public_fqdn     an FQDN whose top-level label the PSL lists (without the
 *                   "*" rule): mail.example.com, mx.example.co.uk
 *   private_use     an FQDN under a name reserved or conventional for private
 *                   networks, never delegated in the public DNS:
 *                   localhost, test, example, invalid (RFC 2606, RFC 6761),
 *                   local (RFC 6762 mDNS), intranet, internal, private, corp,
 *                   home, lan (RFC 6762 appendix G; .internal reserved by ICANN
 *                   2024), home.arpa (RFC 8375), onion (RFC 7686), alt (RFC
 *                   9476), localdomain (the /etc/hosts convention of
 *                   localhost.localdomain, ICANN SAC045)
 *   unknown_suffix  an FQDN whose top-level label the PSL does not list
 *                   (mail.gma, bug.server): no sender can resolve it
 *   and, unchanged from fqdn.h: single_label, bare_ip, address_literal,
 *   invalid, empty.
 * Case does not matter; one trailing root dot is ignored. */
#ifndef SMTPSCOPE_NAME_CLASS_H
#define SMTPSCOPE_NAME_CLASS_H

#include <stddef.h>

enum name_class {
	NCLASS_PUBLIC_FQDN,
	NCLASS_PRIVATE_USE,
	NCLASS_UNKNOWN_SUFFIX,
	NCLASS_SINGLE_LABEL,
	NCLASS_BARE_IP,
	NCLASS_ADDR_LITERAL,
	NCLASS_INVALID,
	NCLASS_EMPTY,
};

/* Classifies name[0..len).  Thread-safe: the PSL is loaded once.  Without a
 * list (libpsl has none) every FQDN outside the private-use names is
 * public_fqdn: the suffix check needs the list. */
enum name_class name_classify(const char *name, size_t len);

/* "public_fqdn", "private_use", "unknown_suffix", "single_label", ... */
const char *name_class_name(enum name_class c);

/* 1 when the text address is private-use or local: RFC 1918, RFC 6598
 * (100.64/10), loopback, link-local, RFC 4193 (fc00::/7), fe80::/10, ::1. */
int addr_is_private(const char *ip);

#endif
