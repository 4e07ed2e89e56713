/* \summary: rolling pcap files of SMTP flows for `smtpscope live --write-pcap`;
 * see live_dump.h. */
#include "analyzer/capture/live_dump.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PCAP_FILE_HDR 24u  /* pcap global header */
#define PCAP_REC_HDR  16u  /* per-packet record header */

struct live_dump {
	pthread_mutex_t mu;
	char dir[4096];
	pcap_t *dead;                 /* owned: link type and precision for the dumper */
	pcap_dumper_t *cur;           /* owned: the file being written, NULL after a failure */
	uint64_t cur_bytes;           /* size of cur */
	uint64_t file_max, total_max; /* per-file and total caps, bytes */
	unsigned seq;                 /* file number in this run */
	char files[LIVE_DUMP_FILES_MAX][4200]; /* ring of this run's file names, oldest first */
	uint64_t sizes[LIVE_DUMP_FILES_MAX];
	int nfiles, first;            /* ring fill and start */
	uint64_t total;               /* bytes in the ring's files */
	uint8_t ports[65536 / 8];     /* SMTP server ports, a bitmap (atomic byte access) */
	struct live_dump_stats st;
};

int live_dump_prepare_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "--write-pcap %s: not a directory", dir);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT || mkdir(dir, 0750) < 0) {
		snprintf(err, errlen, "--write-pcap %s: %s", dir, strerror(errno));
		return -1;
	}
	if (uid != (uid_t)-1 && chown(dir, uid, gid) < 0) {
		snprintf(err, errlen, "--write-pcap %s: chown: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void set_bit(uint8_t *map, uint16_t port)
{
	__atomic_fetch_or(&map[port >> 3], (uint8_t)(1u << (port & 7)), __ATOMIC_RELAXED);
}

static int get_bit(const uint8_t *map, uint16_t port)
{
	return (__atomic_load_n(&map[port >> 3], __ATOMIC_RELAXED) >> (port & 7)) & 1;
}

/* Opens the next file; mu held.  0 or -1 (writing stops). */
static int next_file(struct live_dump *d)
{
	char name[4200], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int slot;

	if (d->cur) {
		pcap_dump_close(d->cur);
		d->cur = NULL;
	}
	/* The oldest file goes while the run's files, plus the one about to
	 * be filled, would exceed the total; the ring also bounds the count. */
	while (d->nfiles > 0 && (d->total + d->file_max > d->total_max || d->nfiles == LIVE_DUMP_FILES_MAX)) {
		if (unlink(d->files[d->first]) == 0)
			d->st.deleted++;
		d->total -= d->sizes[d->first];
		d->first = (d->first + 1) % LIVE_DUMP_FILES_MAX;
		d->nfiles--;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(name, sizeof name, "%s/smtpscope-%s-%04u.pcap", d->dir, stamp, ++d->seq);
	d->cur = pcap_dump_open(d->dead, name);
	if (!d->cur) {
		snprintf(d->st.err, sizeof d->st.err, "%s", pcap_geterr(d->dead));
		d->st.failed = 1;
		return -1;
	}
	slot = (d->first + d->nfiles) % LIVE_DUMP_FILES_MAX;
	snprintf(d->files[slot], sizeof d->files[slot], "%s", name);
	d->sizes[slot] = PCAP_FILE_HDR;
	d->nfiles++;
	d->total += PCAP_FILE_HDR;
	d->cur_bytes = PCAP_FILE_HDR;
	d->st.files++;
	return 0;
}

struct live_dump *live_dump_open(const char *dir, uint64_t max_total, int dlt, int snaplen, int nano,
				 char *err, size_t errlen)
{
	struct live_dump *d = calloc(1, sizeof *d);
	static const uint16_t well_known[] = { 25, 465, 587, 2525 };
	size_t i;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (strlen(dir) >= sizeof d->dir) {
		snprintf(err, errlen, "--write-pcap %s: path too long", dir);
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->mu, NULL);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	d->total_max = max_total;
	d->file_max = max_total / 8;
	if (d->file_max < LIVE_DUMP_FILE_MIN)
		d->file_max = LIVE_DUMP_FILE_MIN;
	if (d->file_max > LIVE_DUMP_FILE_MAX)
		d->file_max = LIVE_DUMP_FILE_MAX;
	if (d->file_max > max_total)
		d->file_max = max_total;
	for (i = 0; i < sizeof well_known / sizeof well_known[0]; i++)
		set_bit(d->ports, well_known[i]);
	d->dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen,
						       nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (!d->dead || next_file(d) < 0) {
		snprintf(err, errlen, "--write-pcap %s: cannot write a file there: %s", dir,
			 d->dead ? d->st.err : "out of memory");
		live_dump_close(d);
		return NULL;
	}
	return d;
}

void live_dump_learn_port(struct live_dump *d, uint16_t port)
{
	if (d)
		set_bit(d->ports, port);
}

void live_dump_frame(struct live_dump *d, const struct pcap_pkthdr *h, const u_char *bytes,
		     uint16_t sport, uint16_t dport)
{
	uint64_t rec;

	if (!get_bit(d->ports, sport) && !get_bit(d->ports, dport))
		return;
	rec = PCAP_REC_HDR + (uint64_t)h->caplen;
	pthread_mutex_lock(&d->mu);
	if (d->cur && d->cur_bytes + rec > d->file_max && d->cur_bytes > PCAP_FILE_HDR)
		next_file(d);
	if (d->cur) {
		int slot = (d->first + d->nfiles - 1) % LIVE_DUMP_FILES_MAX;
		pcap_dump((u_char *)d->cur, h, bytes);
		d->cur_bytes += rec;
		d->sizes[slot] += rec;
		d->total += rec;
		d->st.packets++;
		d->st.bytes += rec;
		if (ferror(pcap_dump_file(d->cur))) {
			snprintf(d->st.err, sizeof d->st.err, "write error: %s", strerror(errno));
			d->st.failed = 1;
			pcap_dump_close(d->cur);
			d->cur = NULL;
		}
	}
	pthread_mutex_unlock(&d->mu);
}

void live_dump_flush(struct live_dump *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	if (d->cur && pcap_dump_flush(d->cur) < 0) {
		snprintf(d->st.err, sizeof d->st.err, "write error: %s", strerror(errno));
		d->st.failed = 1;
		pcap_dump_close(d->cur);
		d->cur = NULL;
	}
	pthread_mutex_unlock(&d->mu);
}

void live_dump_get_stats(struct live_dump *d, struct live_dump_stats *out)
{
	pthread_mutex_lock(&d->mu);
	*out = d->st;
	pthread_mutex_unlock(&d->mu);
}

void live_dump_close(struct live_dump *d)
{
	if (!d)
		return;
	if (d->cur)
		pcap_dump_close(d->cur);
	if (d->dead)
		pcap_close(d->dead);
	pthread_mutex_destroy(&d->mu);
	free(d);
}
