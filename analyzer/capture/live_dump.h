/* \summary: --write-pcap: rolling pcap files of the packets of SMTP flows,
 * written by `smtpscope live` next to its database.
 *
 * "SMTP flow" is decided per packet by port: a TCP packet is written when
 * either port is a known SMTP server port.  The set starts with 25, 465, 587
 * and 2525 and learns every server port on which a session was seen (after
 * the first session there ends), so SMTP on odd ports is kept from then on.
 * Files are DIR/smtpscope-YYYYMMDD-HHMMSS-NNNN.pcap; each is closed at the
 * per-file size, and the oldest files of this run are deleted while the run's
 * files together exceed the total cap.  Shared by the workers: every call is
 * thread safe (one mutex).  A write error stops the writing (counted, said
 * once) and never stops the capture. */
#ifndef SMTPSCOPE_LIVE_DUMP_H
#define SMTPSCOPE_LIVE_DUMP_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LIVE_DUMP_FILES_MAX   64                 /* files of one run tracked for deletion */
#define LIVE_DUMP_FILE_MIN    (1ull << 20)       /* a file is at least 1 MiB ... */
#define LIVE_DUMP_FILE_MAX    (256ull << 20)     /* ... at most 256 MiB, else total/8 */

struct live_dump;

struct live_dump_stats {
	uint64_t packets, bytes;    /* written, bytes including pcap headers */
	uint64_t files, deleted;    /* files opened, files deleted for the total cap */
	int failed;                 /* writing stopped on an error */
	char err[256];
};

/* Makes sure dir exists (mode 0750, created and chowned to uid:gid when
 * missing; uid (uid_t)-1 = leave the owner).  0, or -1 with err set. */
int live_dump_prepare_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

/* Opens the first file in dir.  max_total in bytes.  NULL with err set. */
struct live_dump *live_dump_open(const char *dir, uint64_t max_total, int dlt, int snaplen, int nano,
				 char *err, size_t errlen);
/* Writes the frame if sport or dport is an SMTP port (see above). */
void live_dump_frame(struct live_dump *d, const struct pcap_pkthdr *h, const u_char *bytes,
		     uint16_t sport, uint16_t dport);
void live_dump_learn_port(struct live_dump *d, uint16_t port);  /* a server port seen as SMTP */
void live_dump_flush(struct live_dump *d);
void live_dump_get_stats(struct live_dump *d, struct live_dump_stats *out);
void live_dump_close(struct live_dump *d);    /* NULL is a no-op */

#endif
