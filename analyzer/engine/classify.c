/* \summary: nDPI 4.2 classification; see classify.h.
 * API as installed by Debian's libndpi-dev 4.2: 5-argument
 * ndpi_detection_process_packet(), 4-argument ndpi_detection_giveup(). */
#include "analyzer/engine/classify.h"
#include "analyzer/base/limits.h"

#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

struct classifier {
	struct ndpi_detection_module_struct *ndpi;
	uint32_t active;               /* flows holding nDPI state */
	uint64_t skipped;              /* flows not classified: CLASSIFY_FLOWS_MAX reached */
};

struct classifier *classify_new(void)
{
	struct classifier *c = calloc(1, sizeof *c);
	NDPI_PROTOCOL_BITMASK all;

	if (!c)
		return NULL;
	c->ndpi = ndpi_init_detection_module(ndpi_dont_load_tor_hosts);
	if (!c->ndpi) {
		free(c);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
	ndpi_finalize_initialization(c->ndpi);
	return c;
}

void classify_free(struct classifier *c)
{
	if (!c)
		return;
	ndpi_exit_detection_module(c->ndpi);
	free(c);
}

static uint16_t pick(ndpi_protocol p)
{
	return p.app_protocol != NDPI_PROTOCOL_UNKNOWN ? p.app_protocol : p.master_protocol;
}

static void release(struct classifier *c, struct classify_state *st)
{
	if (st->ndpi) {
		ndpi_free_flow(st->ndpi);
		st->ndpi = NULL;
		c->active--;
	}
	st->done = 1;
}

uint16_t classify_packet(struct classifier *c, struct classify_state *st, const uint8_t *l3,
			 uint32_t len, uint64_t ts_us)
{
	ndpi_protocol p;

	if (st->done)
		return st->proto;
	if (!st->ndpi) {
		if (c->active >= CLASSIFY_FLOWS_MAX) {
			c->skipped++;
			st->done = 1;
			return 0;
		}
		st->ndpi = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
		if (!st->ndpi) {
			st->done = 1;
			return 0;
		}
		memset(st->ndpi, 0, SIZEOF_FLOW_STRUCT);
		c->active++;
	}
	if (len > 0xffff)
		len = 0xffff;
	p = ndpi_detection_process_packet(c->ndpi, st->ndpi, l3, (unsigned short)len, ts_us / 1000);
	st->packets++;
	st->proto = pick(p);
	st->dpi = st->ndpi->confidence == NDPI_CONFIDENCE_DPI;
	if (st->proto != NDPI_PROTOCOL_UNKNOWN || st->packets >= NDPI_PACKETS_MAX)
		classify_done(c, st);
	return st->proto;
}

void classify_release(struct classifier *c, struct classify_state *st)
{
	release(c, st);
}

const char *classify_flow_name(struct classifier *c, const struct classify_state *st, uint32_t shost,
			       uint16_t sport, uint32_t dhost, uint16_t dport)
{
	uint16_t proto = st->proto;

	if (!proto && !st->packets)
		proto = pick(ndpi_guess_undetected_protocol(c->ndpi, NULL, 6 /* TCP */, shost, sport,
							    dhost, dport));
	return classify_name(c, proto);
}

void classify_done(struct classifier *c, struct classify_state *st)
{
	if (st->ndpi && st->proto == NDPI_PROTOCOL_UNKNOWN) {
		u_int8_t guessed = 0;
		st->proto = pick(ndpi_detection_giveup(c->ndpi, st->ndpi, 1, &guessed));
		st->dpi = st->ndpi->confidence == NDPI_CONFIDENCE_DPI;
	}
	release(c, st);
}

uint64_t classify_skipped(const struct classifier *c)
{
	return c->skipped;
}

const char *classify_name(struct classifier *c, uint16_t proto)
{
	const char *n = ndpi_get_proto_name(c->ndpi, proto);
	return n ? n : "Unknown";
}

int classify_is_smtp(uint16_t proto)
{
	return proto == NDPI_PROTOCOL_MAIL_SMTP || proto == NDPI_PROTOCOL_MAIL_SMTPS;
}

int classify_family(uint16_t proto)
{
	switch (proto) {
	case NDPI_PROTOCOL_MAIL_SMTP:
	case NDPI_PROTOCOL_MAIL_SMTPS:
		return CLASSIFY_F_SMTP;
	case NDPI_PROTOCOL_FTP_CONTROL:
	case NDPI_PROTOCOL_FTP_DATA:
		return CLASSIFY_F_FTP;
	case NDPI_PROTOCOL_MAIL_POP:
	case NDPI_PROTOCOL_MAIL_POPS:
		return CLASSIFY_F_POP3;
	case NDPI_PROTOCOL_MAIL_IMAP:
	case NDPI_PROTOCOL_MAIL_IMAPS:
		return CLASSIFY_F_IMAP;
	case NDPI_PROTOCOL_USENET:
		return CLASSIFY_F_NNTP;
	case NDPI_PROTOCOL_HTTP:
		return CLASSIFY_F_HTTP;
	case NDPI_PROTOCOL_DNS:
	case NDPI_PROTOCOL_SSH:
	case NDPI_PROTOCOL_QUIC:
	case NDPI_PROTOCOL_BITTORRENT:
	case NDPI_PROTOCOL_RTP:
	case NDPI_PROTOCOL_TELNET:
	case NDPI_PROTOCOL_IRC:
	case NDPI_PROTOCOL_RDP:
	case NDPI_PROTOCOL_VNC:
	case NDPI_PROTOCOL_MYSQL:
	case NDPI_PROTOCOL_REDIS:
		return CLASSIFY_F_OTHER;
	default:
		return CLASSIFY_F_NONE;
	}
}

uint64_t classify_memory(void)
{
	return ndpi_get_tot_allocated_memory();
}
