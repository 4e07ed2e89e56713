/* \summary: the flow table; see flow.h.
 *
 * Layout: flows are malloc'd one by one (never per packet) and chained in a
 * power-of-two bucket array that doubles when the load passes 1.  Each flow
 * is on exactly one of three idle lists, ordered by last activity, so the idle
 * scan and eviction only ever look at list heads:
 *   short:  handshake only                     -> timeout_half_us
 *   long:   carrying data                      -> timeout_est_us
 *   closed: ended (FIN both ways, RST), kept to absorb late packets ->
 *           timeout_half_us, and at most FLOW_CLOSED_MAX of them (the oldest
 *           goes first: a capture whose clock barely moves must not pile them up)
 * Endpoint 0 of a flow is the smaller (address, port) pair; reassembly and
 * probing are indexed by the sending endpoint, and the SMTP direction is
 * derived from which endpoint is the client. */
#include "analyzer/engine/flow.h"
#include "dissectors/tls.h"
#include "analyzer/engine/classify.h"
#include "analyzer/engine/probe.h"
#include "analyzer/base/limits.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum flow_state {
	FLOW_PROBE,   /* looking for the start of SMTP */
	FLOW_SMTP,    /* an SMTP session is attached */
	FLOW_IGNORE,  /* not SMTP: only tracked until it ends */
	FLOW_CLOSED,  /* ended; kept briefly to absorb late packets */
};

enum { LIST_SHORT, LIST_LONG, LIST_CLOSED, LIST__COUNT };

/* A flow is its head (struct flow: identity, timers, lists) and, while it
 * is probed or SMTP, what parsing it needs (struct flow_live, which begins
 * with the head).  A flow that ended, or was given up as not SMTP, needs only
 * the head: it is moved into a block of just that (compact(): a 112-byte
 * malloc chunk instead of 240), so the flows a busy link holds open that we
 * ignore cost little.  live(f) is valid only while !f->compact. */
struct flow {
	struct flow *hnext;            /* bucket chain */
	struct flow *lprev, *lnext;    /* idle list */
	uint8_t addr[2][16];           /* endpoint addresses (IPv4 in the first 4 bytes) */
	uint16_t port[2];
	uint16_t vlan;
	uint8_t ipv;                   /* 4 or 6 */
	uint8_t list : 7;              /* LIST_SHORT, LIST_LONG or LIST_CLOSED */
	uint8_t compact : 1;           /* only the head is allocated (FLOW_IGNORE, FLOW_CLOSED) */
	uint8_t state;                 /* enum flow_state */
	int8_t client;                 /* endpoint that is the client, -1 unknown */
	uint8_t syn_seen;              /* bit e: endpoint e sent a SYN */
	uint8_t fin_seen;              /* bit e: endpoint e sent a FIN */
	uint8_t sent[2];               /* endpoint e delivered bytes */
	uint8_t smtp_hint;             /* nDPI named it SMTP */
	uint8_t smtp_failed;           /* the parser returned -1 (out of memory): fed no more */
	uint32_t hash;
	uint8_t probes[2];             /* chunks probed per sending endpoint */
	uint8_t plen[2];               /* bytes in pbuf[e] */
	uint64_t first_ts, last_ts;
};

struct flow_live {
	struct flow h;                 /* first: a struct flow * of a live flow points here */
	struct classify_state cls;
	struct reasm_dir rd[2];        /* by sending endpoint; owns held segments */
	struct smtp_session *smtp;     /* owned, NULL unless FLOW_SMTP */
	struct probe *pr;              /* owned: is it SMTP (probe.h); from the first payload on */
	uint8_t pbuf[2][PROBE_PREFIX]; /* a first chunk too short to judge, kept until more comes */
};

static struct flow_live *live(struct flow *f)
{
	return (struct flow_live *)f;
}

static const struct flow_live *live_c(const struct flow *f)
{
	return (const struct flow_live *)f;
}

struct flow_list {
	struct flow *head, *tail;
};

struct flow_table {
	struct flow_config cfg;
	struct classifier *cls;        /* borrowed */
	session_end_fn on_end;
	void *ctx;
	struct flow **buckets;         /* owned */
	uint32_t nbuckets;             /* power of two */
	struct flow_list lists[LIST__COUNT];
	uint32_t n_closed;             /* flows on LIST_CLOSED */
	uint64_t n_compact;            /* flows holding only their head (compact()) */
	struct reasm_env env;
	struct reasm_sink sink;
	struct flow *cur;              /* the flow reassembly is delivering for */
	uint64_t now;                  /* latest capture time seen */
	uint64_t next_expire;
	struct flow_stats st;
};

void flow_config_default(struct flow_config *cfg)
{
	cfg->max_flows = FLOW_TABLE_DEFAULT;
	cfg->timeout_est_us = FLOW_TIMEOUT_EST_US;
	cfg->timeout_half_us = FLOW_TIMEOUT_HALF_US;
}

/* ---- lists and hashing ------------------------------------------------- */

static void list_unlink(struct flow_table *t, struct flow *f)
{
	struct flow_list *l = &t->lists[f->list];

	if (f->list == LIST_CLOSED) /* every flow is on exactly one list */
		t->n_closed--;
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void list_append(struct flow_table *t, struct flow *f, int which)
{
	struct flow_list *l = &t->lists[which];

	f->list = (uint8_t)which;
	if (which == LIST_CLOSED)
		t->n_closed++;
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

static void touch(struct flow_table *t, struct flow *f, int which)
{
	if (f->list == which && t->lists[which].tail == f)
		return;
	list_unlink(t, f);
	list_append(t, f, which);
}

static uint32_t hash_key(const uint8_t a[2][16], const uint16_t port[2], uint16_t vlan)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)port[0] << 32 | (uint64_t)port[1] << 16 | vlan);
	uint64_t w;
	int e, i;

	for (e = 0; e < 2; e++)
		for (i = 0; i < 16; i += 8) {
			memcpy(&w, a[e] + i, 8);
			h ^= w;
			h *= 0xff51afd7ed558ccdull;
			h ^= h >> 32;
		}
	return (uint32_t)(h ^ (h >> 29));
}

static int grow(struct flow_table *t)
{
	uint32_t n = t->nbuckets * 2, i;
	struct flow **b = calloc(n, sizeof *b);

	if (!b)
		return -1;
	for (i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i], *next;
		for (; f; f = next) {
			next = f->hnext;
			f->hnext = b[f->hash & (n - 1)];
			b[f->hash & (n - 1)] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return 0;
}

static void hash_remove(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
}

/* ---- reassembly sink: in-order bytes to the probe or the SMTP session ---- */

static enum smtp_dir smtp_dir_of(const struct flow *f, int sender)
{
	return sender == f->client ? SMTP_C2S : SMTP_S2C;
}

/* The dissector's calls return -1 only when it ran out of memory (or on a
 * bug): the session is dead.  It is counted once, fed no more, and still
 * written when it ends, its record saying so (ANOM_OUT_OF_MEMORY). */
static void smtp_call(struct flow_table *t, struct flow *f, int rc)
{
	if (rc < 0 && !f->smtp_failed) {
		f->smtp_failed = 1;
		t->st.parser_failed++;
	}
}

static void start_smtp(struct flow_table *t, struct flow *f)
{
	live(f)->smtp = smtp_new();
	if (!live(f)->smtp) {
		f->state = FLOW_IGNORE;
		return;
	}
	f->state = FLOW_SMTP;
	t->st.smtp_flows++;
	classify_release(t->cls, &live(f)->cls); /* decided: nDPI is not asked any more */
	if (!(f->syn_seen)) {
		t->st.midstream++;
		smtp_note_anomaly(live(f)->smtp, ANOM_MIDSTREAM, NULL, f->first_ts);
	}
}

/* The probe (or probing) says this flow is not SMTP: drop what was built,
 * count the reason, and only track the flow until it ends. */
static void give_up(struct flow_table *t, struct flow *f, enum probe_reason why)
{
	if (live(f)->smtp) {
		smtp_free(live(f)->smtp);
		live(f)->smtp = NULL;
		t->st.smtp_flows--;
		if (!f->syn_seen)
			t->st.midstream--;
	}
	probe_free(live(f)->pr);
	live(f)->pr = NULL;
	f->state = FLOW_IGNORE;
	t->st.not_smtp++;
	t->st.not_smtp_reason[why < PROBE_R__COUNT ? why : PROBE_R_UNCONFIRMED]++;
}

/* Decides the client from the first SMTP-looking chunk when no SYN said it. */
static int probe_chunk(struct flow *f, int sender, const uint8_t *p, size_t n)
{
	int r;

	if (f->client >= 0)
		return smtp_probe(smtp_dir_of(f, sender), p, n);
	if ((r = smtp_probe(SMTP_S2C, p, n)) > 0) {
		f->client = (int8_t)!sender;
		return r;
	}
	if ((r = smtp_probe(SMTP_C2S, p, n)) > 0) {
		f->client = (int8_t)sender;
		return r;
	}
	return 0;
}

/* Will the probe recognise this packet's payload by itself?  A cheap look
 * without side effects, to spare nDPI the packets our probe decides on: only
 * a segment with nothing kept before it, as if it arrived in order. */
static int probe_peek(const struct flow *f, int sender, const struct pkt *p)
{
	size_t n = p->payload_len < 64 ? p->payload_len : 64;

	if (!n || f->plen[sender] || (n < PROBE_PREFIX && !memchr(p->payload, '\n', n)))
		return 0;
	if (f->client >= 0)
		return smtp_probe(smtp_dir_of(f, sender), p->payload, n) > 0;
	return smtp_probe(SMTP_S2C, p->payload, n) > 0 || smtp_probe(SMTP_C2S, p->payload, n) > 0;
}

/* Probing: is this in-order chunk (after what pbuf[sender] kept) the start
 * of SMTP?  A chunk too short to tell (a banner split after "22") is kept in
 * pbuf until PROBE_PREFIX bytes or a line end arrived. */
/* Implicit TLS (issue 16): a TLS hello from the client to port 465, or on a
 * flow nDPI named SMTP/SMTPS, starts an SMTP session that is TLS from its
 * first byte (sessions.evidence 'implicit_tls'). */
static int implicit_tls(const struct flow *f, int sender, const uint8_t *p, size_t n)
{
	return (f->port[!sender] == SMTPS_PORT || f->smtp_hint) && (f->client < 0 || f->client == sender) &&
	       tls_probe(p, n);
}

static void probe_data(struct flow_table *t, struct flow *f, int sender, const uint8_t *p, size_t n,
		       uint64_t ts)
{
	uint8_t view[PROBE_PREFIX + 64];
	size_t kept = f->plen[sender], vn;

	if (kept + n < PROBE_PREFIX && !memchr(p, '\n', n)) {
		memcpy(live(f)->pbuf[sender] + kept, p, n);
		f->plen[sender] = (uint8_t)(kept + n);
		return;
	}
	memcpy(view, live(f)->pbuf[sender], kept);
	vn = n < 64 ? n : 64;
	memcpy(view + kept, p, vn);
	if (implicit_tls(f, sender, view, kept + vn)) {
		f->client = (int8_t)sender;
		start_smtp(t, f);
		/* the SMTP evidence probe has nothing to read in a TLS stream */
		probe_free(live(f)->pr);
		live(f)->pr = NULL;
		if (f->state == FLOW_SMTP && smtp_begin_tls(live(f)->smtp) == 0 && kept)
			smtp_feed(live(f)->smtp, smtp_dir_of(f, sender), live(f)->pbuf[sender], kept, ts);
		f->plen[sender] = 0;
		return;
	}
	if (probe_chunk(f, sender, view, kept + vn) > 0 || f->smtp_hint) {
		if (f->client < 0) /* nDPI said SMTP but the content is not telling */
			f->client = (int8_t)(f->port[0] < f->port[1] ? 1 : 0);
		start_smtp(t, f);
		if (f->state == FLOW_SMTP && kept)
			smtp_call(t, f, smtp_feed(live(f)->smtp, smtp_dir_of(f, sender), live(f)->pbuf[sender], kept, ts));
	} else if (++f->probes[sender] >= PROBE_PAYLOAD_MAX) {
		enum probe_reason why = PROBE_R_NO_SMTP_START;
		if (live(f)->pr)
			probe_verdict(live(f)->pr, &why);
		give_up(t, f, why);
	}
	f->plen[sender] = 0;
}

static void sink_data(void *ctx, int sender, const uint8_t *p, size_t n, uint64_t ts)
{
	struct flow_table *t = ctx;
	struct flow *f = t->cur;

	f->sent[sender] = 1;
	if (f->state != FLOW_PROBE && f->state != FLOW_SMTP)
		return;
	if (f->client < 0 && f->state == FLOW_PROBE) {
		/* no SYN: the content tells the direction (a reply line is the server) */
		if (smtp_probe(SMTP_S2C, p, n) > 0)
			f->client = (int8_t)!sender;
		else if (smtp_probe(SMTP_C2S, p, n) > 0)
			f->client = (int8_t)sender;
	}
	if (f->state == FLOW_PROBE && f->plen[sender] == 0 && implicit_tls(f, sender, p, n)) {
		probe_data(t, f, sender, p, n, ts); /* starts the session in TLS */
		if (f->state == FLOW_SMTP)
			smtp_feed(live(f)->smtp, smtp_dir_of(f, sender), p, n, ts);
		return;
	}
	if (live(f)->pr && f->client >= 0) {
		enum probe_reason why = PROBE_R_NONE;
		size_t skip = probe_feed(live(f)->pr, sender == f->client, p, n);
		if (probe_verdict(live(f)->pr, &why) == PROBE_NOT_SMTP) {
			give_up(t, f, why);
			return;
		}
		p += skip;
		n -= skip;
		if (!n)
			return;
	}
	if (f->state == FLOW_PROBE)
		probe_data(t, f, sender, p, n, ts);
	if (f->state == FLOW_SMTP && !f->smtp_failed)
		smtp_call(t, f, smtp_feed(live(f)->smtp, smtp_dir_of(f, sender), p, n, ts));
}

static void sink_gap(void *ctx, int sender, uint64_t n, uint64_t ts)
{
	struct flow_table *t = ctx;
	struct flow *f = t->cur;

	f->plen[sender] = 0; /* a kept prefix no longer joins what follows */
	if (live(f)->pr && f->client >= 0 && (f->state == FLOW_PROBE || f->state == FLOW_SMTP)) {
		enum probe_reason why = PROBE_R_NONE;
		probe_gap(live(f)->pr, sender == f->client);
		if (probe_verdict(live(f)->pr, &why) == PROBE_NOT_SMTP) {
			give_up(t, f, why);
			return;
		}
	}
	if (f->state == FLOW_SMTP && !f->smtp_failed)
		smtp_call(t, f, smtp_gap(live(f)->smtp, smtp_dir_of(f, sender), n, ts));
}

static void sink_anomaly(void *ctx, int sender, enum anomaly_kind kind, uint64_t ts)
{
	struct flow_table *t = ctx;
	struct flow *f = t->cur;

	(void)sender;
	if (f->state == FLOW_SMTP)
		smtp_note_anomaly(live(f)->smtp, kind, NULL, ts);
}

/* ---- creating and ending flows ----------------------------------------- */

struct flow_table *flow_table_new(const struct flow_config *cfg, struct classifier *cls,
				  session_end_fn on_end, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_flows == 0)
		t->cfg.max_flows = 1;
	t->cls = cls;
	t->on_end = on_end;
	t->ctx = ctx;
	t->nbuckets = 4096;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	reasm_env_init(&t->env);
	t->sink.data = sink_data;
	t->sink.gap = sink_gap;
	t->sink.anomaly = sink_anomaly;
	t->sink.ctx = t;
	return t;
}

/* An address as inet_ntop() writes it; IPv4 by hand (dotted decimal, what
 * inet_ntop prints), which costs a tenth: 10^6 sessions end at once when a
 * capture of open flows ends. */
static void addr_text(int ipv, const uint8_t *a, char *out, size_t cap)
{
	char *o = out;
	int i;

	if (ipv == 6 || cap < INET_ADDRSTRLEN) {
		inet_ntop(ipv == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap);
		return;
	}
	for (i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (i)
			*o++ = '.';
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
	}
	*o = 0;
}

static void fill_meta(const struct flow_table *t, const struct flow *f, struct session_meta *m)
{
	int c = f->client >= 0 ? f->client : (f->port[0] < f->port[1] ? 1 : 0);
	int s = !c;

	memset(m, 0, sizeof *m);
	addr_text(f->ipv, f->addr[c], m->client_ip, sizeof m->client_ip);
	addr_text(f->ipv, f->addr[s], m->server_ip, sizeof m->server_ip);
	m->client_port = f->port[c];
	m->server_port = f->port[s];
	m->vlan = f->vlan;
	m->first_ts = f->first_ts;
	m->last_ts = f->last_ts;
	m->ndpi_protocol = classify_flow_name(t->cls, &live_c(f)->cls,
					      f->ipv == 4 ? (uint32_t)f->addr[c][0] << 24 | (uint32_t)f->addr[c][1] << 16 |
						      (uint32_t)f->addr[c][2] << 8 | f->addr[c][3] : 0,
					      f->port[c],
					      f->ipv == 4 ? (uint32_t)f->addr[s][0] << 24 | (uint32_t)f->addr[s][1] << 16 |
						      (uint32_t)f->addr[s][2] << 8 | f->addr[s][3] : 0,
					      f->port[s]);
	m->midstream = !f->syn_seen;
	if (!live_c(f)->pr && live_c(f)->smtp && smtp_record(live_c(f)->smtp)->tls_mode &&
	    strcmp(smtp_record(live_c(f)->smtp)->tls_mode, "implicit") == 0)
		m->evidence = "implicit_tls";
	if (live_c(f)->pr) {
		const struct tunnel_info *ti = probe_tunnel(live_c(f)->pr);
		m->evidence = probe_evidence_name(probe_evidence_of(live_c(f)->pr));
		if (ti->kind != TUNNEL_NONE) {
			m->tunnel = tunnel_kind_name((enum tunnel_kind)ti->kind);
			memcpy(m->tunnel_target, ti->target, sizeof m->tunnel_target);
			memcpy(m->proxied_client_ip, ti->proxied_ip, sizeof m->proxied_client_ip);
			m->proxied_client_port = ti->proxied_port;
		}
	}
}

/* Ends the flow's SMTP session (if any): flush, finish, hand it out, free it. */
static void end_session(struct flow_table *t, struct flow *f, enum smtp_end how)
{
	int e;

	if (f->compact) { /* nothing is held, parsed or classified any more */
		f->state = FLOW_CLOSED;
		return;
	}
	t->cur = f;
	if (f->state != FLOW_CLOSED && f->state != FLOW_IGNORE)
		for (e = 0; e < 2; e++)
			reasm_flush(&live(f)->rd[e], &t->env, &t->sink, e, f->last_ts);
	for (e = 0; e < 2; e++)
		reasm_release(&live(f)->rd[e], &t->env);
	classify_done(t->cls, &live(f)->cls);
	if (live(f)->smtp && live(f)->pr) {
		enum probe_reason why = PROBE_R_NONE;
		int c = f->client >= 0 ? f->client : 0;
		if (probe_finish(live(f)->pr, f->sent[!c], &why) == PROBE_NOT_SMTP)
			give_up(t, f, why);
	}
	if (live(f)->smtp) {
		smtp_call(t, f, smtp_finish(live(f)->smtp, how, f->last_ts));
		if (smtp_record(live(f)->smtp)->saw_smtp) {
			struct session *s = malloc(sizeof *s);
			if (!(f->sent[0] && f->sent[1]))
				t->st.one_sided++;
			if (s) {
				s->next = NULL;
				fill_meta(t, f, &s->meta);
				s->rec = smtp_take_record(live(f)->smtp); /* frees the parser */
				live(f)->smtp = NULL;
			}
			if (s && s->rec) {
				t->on_end(t->ctx, s); /* the callback owns it now */
			} else {
				t->st.lost_nomem++;
				free(s);
			}
		} else {
			t->st.dropped_speculative++;
		}
		smtp_free(live(f)->smtp);
		live(f)->smtp = NULL;
	}
	t->cur = NULL;
	probe_free(live(f)->pr);
	live(f)->pr = NULL;
	f->state = FLOW_CLOSED;
}

static void destroy(struct flow_table *t, struct flow *f)
{
	int e;

	hash_remove(t, f);
	list_unlink(t, f);
	if (!f->compact) {
		for (e = 0; e < 2; e++)
			reasm_release(&live(f)->rd[e], &t->env);
		classify_done(t->cls, &live(f)->cls);
		smtp_free(live(f)->smtp);
		probe_free(live(f)->pr);
	} else {
		t->n_compact--;
	}
	free(f);
	t->st.active--;
}

/* Moves an ended or ignored flow into a block of just its head (its tail
 * is released first); the flow's new address, or f itself when there is no
 * memory for the move.  It stays in its bucket and on its list. */
static struct flow *compact(struct flow_table *t, struct flow *f)
{
	struct flow *g;
	int e, which = f->list;

	if (f->compact || (g = malloc(sizeof *g)) == NULL)
		return f;
	for (e = 0; e < 2; e++)
		reasm_release(&live(f)->rd[e], &t->env);
	classify_done(t->cls, &live(f)->cls);
	smtp_free(live(f)->smtp);
	probe_free(live(f)->pr);
	hash_remove(t, f);
	list_unlink(t, f);
	*g = *f;
	free(f);
	g->compact = 1;
	t->n_compact++;
	g->hnext = t->buckets[g->hash & (t->nbuckets - 1)];
	t->buckets[g->hash & (t->nbuckets - 1)] = g;
	list_append(t, g, which);
	return g;
}

static void end_and_destroy(struct flow_table *t, struct flow *f, enum smtp_end how)
{
	if (f->state != FLOW_CLOSED)
		end_session(t, f, how);
	destroy(t, f);
}

static void evict_one(struct flow_table *t)
{
	struct flow *f = t->lists[LIST_CLOSED].head;

	if (f) { /* an ended flow: nothing to write, not an eviction */
		destroy(t, f);
		return;
	}
	if (!(f = t->lists[LIST_SHORT].head))
		f = t->lists[LIST_LONG].head;
	if (!f)
		return;
	t->st.evicted++;
	if (!f->compact && live(f)->smtp)
		smtp_note_anomaly(live(f)->smtp, ANOM_FLOW_EVICTED, NULL, t->now);
	end_and_destroy(t, f, SMTP_END_EVICTED);
}

static struct flow *create(struct flow_table *t, const uint8_t a[2][16], const uint16_t port[2],
			   uint16_t vlan, uint8_t ipv, uint32_t h, uint64_t ts)
{
	struct flow_live *fl;
	struct flow *f;

	while (t->st.active >= t->cfg.max_flows)
		evict_one(t);
	if (t->st.active >= t->nbuckets && t->nbuckets < (1u << 30))
		grow(t); /* on failure the chains just get longer */
	if (!(fl = calloc(1, sizeof *fl)))
		return NULL;
	f = &fl->h;
	memcpy(f->addr, a, sizeof f->addr);
	f->port[0] = port[0];
	f->port[1] = port[1];
	f->vlan = vlan;
	f->ipv = ipv;
	f->hash = h;
	f->client = -1;
	f->first_ts = f->last_ts = ts;
	f->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = f;
	list_append(t, f, LIST_SHORT);
	t->st.flows++;
	if (++t->st.active > t->st.peak)
		t->st.peak = t->st.active;
	return f;
}

/* An ended flow joins the closed list (compacted); past FLOW_CLOSED_MAX the
 * oldest goes. */
static void close_flow(struct flow_table *t, struct flow *f)
{
	f = compact(t, f);
	touch(t, f, LIST_CLOSED);
	while (t->n_closed > FLOW_CLOSED_MAX && t->lists[LIST_CLOSED].head != f)
		destroy(t, t->lists[LIST_CLOSED].head);
}

/* ---- the per-packet path ------------------------------------------------ */

void flow_packet(struct flow_table *t, const struct pkt *p)
{
	uint8_t a[2][16];
	uint16_t port[2];
	int sender, other, cmp;
	uint32_t h;
	struct flow *f;
	int syn = !!(p->flags & TH_SYN), ack = !!(p->flags & TH_ACK);
	int fin = !!(p->flags & TH_FIN), rst = !!(p->flags & TH_RST);

	if (p->ts > t->now)
		t->now = p->ts;
	if (t->now >= t->next_expire) {
		if (t->next_expire)
			flow_expire(t, t->now);
		t->next_expire = t->now + FLOW_EXPIRE_EVERY_US;
	}

	cmp = memcmp(p->src, p->dst, 16);
	if (cmp == 0)
		cmp = (int)p->sport - (int)p->dport;
	sender = cmp <= 0 ? 0 : 1;
	memcpy(a[sender], p->src, 16);
	memcpy(a[!sender], p->dst, 16);
	port[sender] = p->sport;
	port[!sender] = p->dport;
	other = !sender;
	h = hash_key((const uint8_t (*)[16])a, port, p->vlan);

	for (f = t->buckets[h & (t->nbuckets - 1)]; f; f = f->hnext)
		if (f->hash == h && f->port[0] == port[0] && f->port[1] == port[1] &&
		    f->vlan == p->vlan && memcmp(f->addr, a, sizeof a) == 0)
			break;

	if (f && syn && !ack) {
		/* A new connection on an old 5-tuple (port reuse), not a retransmitted SYN. */
		unsigned bit = 1u << (unsigned)sender;
		/* (a compact flow is closed, or sent bytes or a FIN: no look at rd) */
		int reuse = f->state == FLOW_CLOSED || f->sent[0] || f->sent[1] || f->fin_seen ||
			    f->compact || ((f->syn_seen & bit) && live(f)->rd[sender].isn != p->seq + 1);
		if (reuse) {
			t->st.port_reuse++;
			end_and_destroy(t, f, SMTP_END_TIMEOUT); /* the old one vanished unseen */
			f = NULL;
		}
	}
	if (!f) {
		if (!syn && p->payload_wire_len == 0) {
			t->st.stray++;
			return;
		}
		f = create(t, (const uint8_t (*)[16])a, port, p->vlan, p->ip_version, h, p->ts);
		if (!f)
			return;
	}
	if (p->ts > f->last_ts)
		f->last_ts = p->ts;

	if (f->state == FLOW_CLOSED) {
		touch(t, f, LIST_CLOSED);
		return;
	}
	if (syn) {
		f->syn_seen |= (uint8_t)(1u << (unsigned)sender);
		if (f->client < 0 || !(f->syn_seen & (1u << (unsigned)other)))
			f->client = (int8_t)(ack ? other : sender);
	}
	if (f->state == FLOW_IGNORE) {
		if (rst || ((f->fin_seen |= (uint8_t)(fin << sender)) == 3)) {
			end_session(t, f, rst ? SMTP_END_RST : SMTP_END_FIN);
			close_flow(t, f);
		} else {
			/* nothing more is ever read from its tail; a flow that never
			 * delivered a byte nor sent a FIN keeps its tail, whose ISNs
			 * tell a retransmitted SYN from port reuse */
			if (f->sent[0] || f->sent[1] || f->fin_seen)
				f = compact(t, f);
			touch(t, f, LIST_LONG);
		}
		return;
	}

	/* nDPI sees the packets with payload of flows our own probe has not
	 * decided yet (its label is counter-evidence, probe.h); a packet that
	 * our probe will recognise by itself (a banner, a command) is not
	 * given to it: most SMTP connections never reach nDPI. */
	if (!live(f)->pr && p->payload_wire_len && f->state == FLOW_PROBE && !(live(f)->pr = probe_new())) {
		give_up(t, f, PROBE_R_UNCONFIRMED); /* out of memory: no evidence can be kept */
		return;
	}
	if (f->state == FLOW_PROBE && !live(f)->cls.done && p->l3 && p->payload_wire_len &&
	    !probe_peek(f, sender, p)) {
		uint16_t proto = classify_packet(t->cls, &live(f)->cls, p->l3, p->l3_len, p->ts);
		if (proto && live(f)->pr) {
			enum probe_reason why = PROBE_R_NONE;
			int fam = classify_family(proto);
			if (fam == CLASSIFY_F_SMTP)
				f->smtp_hint = 1;
			probe_ndpi(live(f)->pr, fam, live(f)->cls.dpi);
			if (probe_verdict(live(f)->pr, &why) == PROBE_NOT_SMTP)
				give_up(t, f, why);
		}
	}

	t->cur = f;
	if (f->state != FLOW_IGNORE) {
		if (syn)
			reasm_syn(&live(f)->rd[sender], p->seq);
		if (p->payload_wire_len || fin)
			reasm_segment(&live(f)->rd[sender], &t->env, &t->sink, sender, p->seq, p->payload,
				      p->payload_len, p->payload_wire_len, syn, fin, p->ts);
		if (ack && live(f)->rd[other].started)
			reasm_ack(&live(f)->rd[other], &t->env, &t->sink, other, p->ack, p->ts);
	}
	t->cur = NULL;

	if (f->state == FLOW_IGNORE) { /* decided while delivering: drop what is held */
		reasm_release(&live(f)->rd[0], &t->env);
		reasm_release(&live(f)->rd[1], &t->env);
		classify_done(t->cls, &live(f)->cls);
	}
	if (fin)
		f->fin_seen |= (uint8_t)(1u << (unsigned)sender);
	if (rst) {
		end_session(t, f, SMTP_END_RST);
		close_flow(t, f);
		return;
	}
	if (f->fin_seen == 3 && (!live(f)->rd[0].fin || live(f)->rd[0].next >= live(f)->rd[0].fin_off) &&
	    (!live(f)->rd[1].fin || live(f)->rd[1].next >= live(f)->rd[1].fin_off)) {
		end_session(t, f, SMTP_END_FIN);
		close_flow(t, f);
		return;
	}
	touch(t, f, (f->sent[0] || f->sent[1]) && !f->fin_seen ? LIST_LONG : LIST_SHORT);
}

void flow_expire(struct flow_table *t, uint64_t now)
{
	int which;

	for (which = 0; which < LIST__COUNT; which++) {
		uint64_t timeout = which == LIST_LONG ? t->cfg.timeout_est_us : t->cfg.timeout_half_us;
		struct flow *f;
		while ((f = t->lists[which].head) && f->last_ts + timeout <= now) {
			if (f->state != FLOW_CLOSED)
				t->st.timed_out++;
			end_and_destroy(t, f, SMTP_END_TIMEOUT);
		}
	}
}

void flow_flush_all(struct flow_table *t, enum smtp_end how)
{
	int which;

	for (which = 0; which < LIST__COUNT; which++) {
		struct flow *f;
		while ((f = t->lists[which].head))
			end_and_destroy(t, f, how);
	}
}

void flow_table_free(struct flow_table *t)
{
	int which;

	if (!t)
		return;
	for (which = 0; which < LIST__COUNT; which++) {
		struct flow *f;
		while ((f = t->lists[which].head))
			destroy(t, f);
	}
	free(t->buckets);
	free(t);
}

const struct flow_stats *flow_get_stats(const struct flow_table *t)
{
	return &t->st;
}

const struct reasm_stats *flow_reasm_stats(const struct flow_table *t)
{
	return &t->env.stats;
}

uint64_t flow_memory(const struct flow_table *t)
{
	return (t->st.active - t->n_compact) * sizeof(struct flow_live) + t->n_compact * sizeof(struct flow) +
	       (uint64_t)t->nbuckets * sizeof(struct flow *) + t->env.held_bytes;
}
