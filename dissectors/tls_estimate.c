/* \summary: encrypted-phase estimate from TLS record lengths (rule in tls_estimate.h). */
#include "dissectors/tls_estimate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct turn {
	int32_t lo, hi;             /* plaintext bytes, an interval for CBC */
};

/* Per-record overhead [lo_over, hi_over]: plaintext = len - over. */
static void overhead(const struct tls_info *i, int *lo_over, int *hi_over)
{
	uint16_t c = i->cipher;
	int mac = 20;

	*lo_over = *hi_over = 24;
	if (i->version == 0x0304) {
		*lo_over = *hi_over = c == 0x1305 ? 9 : 17;
		return;
	}
	if ((c >= 0x009c && c <= 0x009f) || (c >= 0xc02b && c <= 0xc032)) /* AES-GCM */
		return;
	if (c >= 0xcca8 && c <= 0xccae) { /* ChaCha20-Poly1305 */
		*lo_over = *hi_over = 16;
		return;
	}
	if (c == 0x0004 || c == 0x0005 || c == 0xc011) { /* RC4: MAC only */
		*lo_over = *hi_over = c == 0x0004 ? 16 : 20;
		return;
	}
	if (c == 0x003c || c == 0x003d || c == 0x0067 || c == 0x006b || c == 0xc023 || c == 0xc027)
		mac = 32;
	else if (c == 0xc024 || c == 0xc028)
		mac = 48;
	/* CBC: IV 16 + MAC + padding 1..16 */
	*lo_over = 16 + mac + 1;
	*hi_over = 16 + mac + 16;
}

static void list_add(char *buf, size_t cap, const struct turn *t)
{
	size_t o = strlen(buf);
	int k;

	if (o + 24 >= cap) {
		if (o + 4 < cap && (o < 3 || strcmp(buf + o - 3, "...") != 0))
			memcpy(buf + o, "...", 4);
		return;
	}
	if (t->lo == t->hi)
		k = snprintf(buf + o, cap - o, "%s%d", o ? "," : "", t->lo);
	else
		k = snprintf(buf + o, cap - o, "%s%d-%d", o ? "," : "", t->lo, t->hi);
	(void)k;
}

static int is6(const struct turn *t)
{
	return t->lo <= 6 && t->hi >= 6;
}

int tls_estimate(const struct tls_info *i, struct tls_estimate *e)
{
	struct turn *ct = NULL, cur = { 0, 0 }, scur = { 0, 0 };
	int lo_over, hi_over, nct = 0, k, in_c = 0, in_s = 0;
	int skip_c = 0, c_done, finished_len, first_body = -1, unsure = 0;
	int last_c = -1, last_s = -1;

	memset(e, 0, sizeof *e);
	if (!i || (!i->client_hello && !i->server_hello))
		return 0;
	e->valid = 1;
	overhead(i, &lo_over, &hi_over);
	e->overhead = lo_over;
	if (i->n_recs && !(ct = calloc((size_t)i->n_recs, sizeof *ct))) {
		e->valid = 0;
		return 0;
	}
	/* TLS 1.3: the client's Finished is 4 + hash + 17 bytes */
	finished_len = 4 + (i->cipher == 0x1302 ? 48 : 32) + 17;
	c_done = i->version != 0x0304;
	/* the last record of each direction, to drop a final encrypted alert */
	for (k = 0; k < i->n_recs; k++) {
		if (i->recs[k].dir == TLS_C2S && i->recs[k].type == 23)
			last_c = k;
		if (i->recs[k].dir == TLS_S2C && i->recs[k].type == 23)
			last_s = k;
	}
	for (k = 0; k < i->n_recs; k++) {
		const struct tls_app_rec *r = &i->recs[k];
		int32_t lo = (int32_t)r->len - hi_over, hi = (int32_t)r->len - lo_over;

		if (r->type == TLS_REC_SPAN) {
			/* after a gap: a span of bytes of unknown record count; one
			 * record's overhead is taken off (the rest is noise within
			 * the body-size threshold) */
			e->from_span = 1;
		} else if (r->type != 23) {
			continue; /* 1.2 encrypted Finished, encrypted alerts */
		}
		if (lo < 0)
			lo = 0;
		if (hi < 0)
			hi = 0;
		if (r->dir == TLS_C2S && !c_done) {
			skip_c++;
			if ((int)r->len == finished_len || skip_c >= 3)
				c_done = 1;
			continue;
		}
		if (!c_done)
			continue; /* server's encrypted handshake flight (1.3) */
		if (i->version == 0x0304 && r->len == 19 &&
		    (k == last_c || k == last_s))
			continue; /* 1.3 alert (close_notify) */
		if (r->dir == TLS_C2S) {
			if (in_s) {
				list_add(e->server_list, sizeof e->server_list, &scur);
				in_s = 0;
			}
			if (!in_c) {
				cur.lo = cur.hi = 0;
				in_c = 1;
			}
			cur.lo += lo;
			cur.hi += hi;
		} else {
			if (in_c) {
				ct[nct++] = cur;
				in_c = 0;
			}
			if (!in_s) {
				scur.lo = scur.hi = 0;
				in_s = 1;
			}
			scur.lo += lo;
			scur.hi += hi;
		}
	}
	if (in_c)
		ct[nct++] = cur;
	if (in_s)
		list_add(e->server_list, sizeof e->server_list, &scur);
	e->client_turns = nct;
	for (k = 0; k < nct; k++)
		list_add(e->client_list, sizeof e->client_list, &ct[k]);

	if (nct == 0) {
		e->verdict = "tls_only";
	} else {
		int end = nct, mid = 0;
		e->quit = nct >= 2 && is6(&ct[nct - 1]);
		if (e->quit)
			end = nct - 1;
		for (k = 1; k < end; k++) {
			int body = ct[k].hi >= TLS_EST_BODY_MIN ||
				   (is6(&ct[k - 1]) && k - 1 >= 1 && ct[k].hi >= 3);
			mid++;
			/* Kerberos (X-EXPS/GSSAPI, X-ANONYMOUSTLS sessions): the first
			 * big turn after EHLO, followed by more small turns, is the
			 * authentication token, not a message (note 5.8) */
			if (body && k == 1 && i->auth_hint && k + 1 < end && ct[k + 1].hi < TLS_EST_BODY_MIN &&
			    !is6(&ct[k - 1])) {
				e->auth_turn = 1;
				continue;
			}
			if (!body)
				continue;
			if (first_body < 0)
				first_body = k;
			if (!is6(&ct[k - 1]) && !(k - 1 >= 1 && ct[k - 1].hi >= 20 && ct[k - 1].hi < TLS_EST_BODY_MIN))
				unsure = 1;
			e->messages++;
			{
				int32_t sz = (ct[k].lo + ct[k].hi) / 2 - 3;
				if (sz < 0)
					sz = 0;
				e->bytes += (uint64_t)sz;
				if (e->n_sizes < TLS_EST_SIZES_MAX)
					e->sizes[e->n_sizes++] = (uint32_t)sz;
			}
		}
		if (e->messages)
			e->verdict = "messages";
		else if (mid == 0)
			e->verdict = e->quit ? "ehlo_quit" : "ehlo_close";
		else
			e->verdict = "commands_no_message";
		e->ended_after_ehlo = e->messages == 0 && mid == 0;
	}
	if (i->gaps[TLS_C2S] || i->desync[TLS_C2S] || i->n_recs >= TLS_APP_RECS_MAX)
		e->confidence = "low";
	else if (unsure)
		e->confidence = "medium";
	else
		e->confidence = "high";
	free(ct);
	return 1;
}
