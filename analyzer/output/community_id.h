/* \summary: Community ID v1 flow hashes (corelight/community-id-spec), the
 * value Zeek (`community_id_v1`) and Suricata (`community-id: yes`) put in
 * their logs, so an smtpscope record joins theirs on one key.
 *
 * v1 = "1:" + base64(SHA-1(seed(2, big-endian) . saddr . daddr . proto(1)
 * . 0(1) . sport(2) . dport(2))), with the endpoints ordered so that the
 * smaller (address, port) comes first: both directions of a flow give the
 * same ID.  Addresses are in network byte order, 4 or 16 bytes.  Only
 * port-based protocols (TCP 6, UDP 17, SCTP 132) are handled: SMTP runs on
 * TCP, and ICMP's type/code mapping is not needed here. */
#ifndef SMTPSCOPE_COMMUNITY_ID_H
#define SMTPSCOPE_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 31   /* "1:" + 28 base64 characters + NUL */

/* From raw addresses (alen 4 or 16, both the same).  0, or -1 (bad
 * length, protocol without ports, or out buffer smaller than COMMUNITY_ID_LEN). */
int community_id_v1(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
		    uint16_t sport, uint16_t dport, char *out, size_t outlen);

/* From inet_ntop text ("192.0.2.1", "2001:db8::1").  0, or -1 when an
 * address does not parse or the two are not of one family. */
int community_id_v1_str(uint16_t seed, uint8_t proto, const char *saddr, uint16_t sport, const char *daddr,
			uint16_t dport, char *out, size_t outlen);

#endif
