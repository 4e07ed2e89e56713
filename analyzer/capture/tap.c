/* \summary: -c COUNT and -w FILE for live captures (see tap.h). */
#include "analyzer/capture/tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture_tap {
	uint64_t max, taken;       /* taken: atomic */
	pthread_mutex_t mu;        /* guards the dumper */
	pcap_t *dead;              /* owned, for the dumper's header */
	pcap_dumper_t *dump;       /* owned, or NULL */
	uint64_t written;
	int failed;
	char err[256];
};

struct capture_tap *capture_tap_open(const char *path, uint64_t max_packets, int dlt, int snaplen, int nano,
				     char *err, size_t errlen)
{
	struct capture_tap *t;

	err[0] = 0;
	if (!path && !max_packets)
		return NULL;
	if (!(t = calloc(1, sizeof *t))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	t->max = max_packets;
	if (path) {
		t->dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen, nano ? PCAP_TSTAMP_PRECISION_NANO
										  : PCAP_TSTAMP_PRECISION_MICRO);
		if (!t->dead) {
			snprintf(err, errlen, "-w %s: out of memory", path);
			capture_tap_close(t);
			return NULL;
		}
		t->dump = !strcmp(path, "-") ? pcap_dump_fopen(t->dead, stdout) : pcap_dump_open(t->dead, path);
		if (!t->dump) {
			snprintf(err, errlen, "-w %s: %s", path, pcap_geterr(t->dead));
			capture_tap_close(t);
			return NULL;
		}
	}
	return t;
}

enum tap_verdict capture_tap_frame(struct capture_tap *t, const struct pcap_pkthdr *h, const u_char *bytes)
{
	uint64_t n = __atomic_add_fetch(&t->taken, 1, __ATOMIC_RELAXED);

	if (t->max && n > t->max)
		return TAP_DROP;
	if (t->dump) {
		pthread_mutex_lock(&t->mu);
		if (!t->failed) {
			pcap_dump((u_char *)t->dump, h, bytes);
			if (ferror(pcap_dump_file(t->dump))) {
				t->failed = 1;
				snprintf(t->err, sizeof t->err, "-w: write failed: %s", strerror(errno));
			} else {
				t->written++;
			}
		}
		pthread_mutex_unlock(&t->mu);
	}
	return t->max && n == t->max ? TAP_TAKE_LAST : TAP_TAKE;
}

void capture_tap_flush(struct capture_tap *t)
{
	if (!t || !t->dump)
		return;
	pthread_mutex_lock(&t->mu);
	pcap_dump_flush(t->dump);
	pthread_mutex_unlock(&t->mu);
}

uint64_t capture_tap_written(struct capture_tap *t, int *failed, char *err, size_t errlen)
{
	uint64_t n;

	*failed = 0;
	if (!t)
		return 0;
	pthread_mutex_lock(&t->mu);
	n = t->written;
	*failed = t->failed;
	if (t->failed)
		snprintf(err, errlen, "%s", t->err);
	pthread_mutex_unlock(&t->mu);
	return n;
}

void capture_tap_close(struct capture_tap *t)
{
	if (!t)
		return;
	if (t->dump) {
		pcap_dump_flush(t->dump);
		pcap_dump_close(t->dump); /* closes stdout too for "-": the run is over */
	}
	if (t->dead)
		pcap_close(t->dead);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
