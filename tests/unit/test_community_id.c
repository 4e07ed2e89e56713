/* Community ID v1 against the published vectors: Zeek's btest
 * (testing/btest/scripts/base/protocols/conn/community-id), the spec's
 * baseline as Tenzir's unit test carries it, both directions of each flow,
 * and the seed. */
#include "analyzer/output/community_id.h"
#include "tests/tap.h"

struct vec {
	uint16_t seed;
	uint8_t proto;
	const char *sa;
	uint16_t sp;
	const char *da;
	uint16_t dp;
	const char *want;
};

static const struct vec vecs[] = {
	{ 0, 6, "1.2.3.4", 1122, "5.6.7.8", 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 0, 17, "1.2.3.4", 1122, "5.6.7.8", 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 1, 6, "1.2.3.4", 1122, "5.6.7.8", 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 1, 17, "1.2.3.4", 1122, "5.6.7.8", 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 0, 6, "192.168.1.102", 1180, "68.216.79.113", 37, "1:9L/tZ1ebHzlWhzB/pJyS9AVJWy8=" },
	{ 0, 6, "fe80::219:e3ff:fee7:5d23", 5353, "ff02::fb", 53, "1:A6qv/ihCkQJXov31L4YzlcuKR2k=" },
};

int main(void)
{
	char got[COMMUNITY_ID_LEN], rev[COMMUNITY_ID_LEN], name[160];
	size_t i;

	for (i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		snprintf(name, sizeof name, "proto %u %s:%u -> %s:%u seed %u = %s", v->proto, v->sa, v->sp, v->da,
			 v->dp, v->seed, v->want);
		ok(community_id_v1_str(v->seed, v->proto, v->sa, v->sp, v->da, v->dp, got, sizeof got) == 0,
		   "computes %s", name);
		is_str(got, v->want, name);
		ok(community_id_v1_str(v->seed, v->proto, v->da, v->dp, v->sa, v->sp, rev, sizeof rev) == 0,
		   "reverse direction computes");
		is_str(rev, v->want, "the reverse direction gives the same ID");
	}
	/* Same address, the ports decide the order. */
	community_id_v1_str(0, 6, "10.0.0.1", 25, "10.0.0.1", 40000, got, sizeof got);
	community_id_v1_str(0, 6, "10.0.0.1", 40000, "10.0.0.1", 25, rev, sizeof rev);
	is_str(got, rev, "one address both ends: ordered by port");
	ok(community_id_v1_str(0, 6, "1.2.3.4", 1, "::1", 2, got, sizeof got) < 0, "mixed families refused");
	ok(community_id_v1_str(0, 6, "1.2.3", 1, "1.2.3.4", 2, got, sizeof got) < 0, "a bad address refused");
	ok(community_id_v1_str(0, 1, "1.2.3.4", 8, "5.6.7.8", 0, got, sizeof got) < 0,
	   "ICMP (no ports) is not handled");
	ok(community_id_v1_str(0, 6, "1.2.3.4", 1, "5.6.7.8", 2, got, 10) < 0, "a short buffer refused");
	return done_testing();
}
