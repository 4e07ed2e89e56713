/* \summary: what tcpdump's -c COUNT and -w FILE do, for `smtpscope live`:
 * a packet budget shared by all capture workers (the capture stops after
 * exactly COUNT frames) and one raw pcap file of every frame captured (after
 * the BPF filter), "-" for standard output.  Thread safe. */
#ifndef SMTPSCOPE_TAP_H
#define SMTPSCOPE_TAP_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

struct capture_tap;

/* path NULL: no file; max_packets 0: no limit.  NULL with err set, or NULL
 * with err empty when neither is asked for. */
struct capture_tap *capture_tap_open(const char *path, uint64_t max_packets, int dlt, int snaplen, int nano,
				     char *err, size_t errlen);

enum tap_verdict {
	TAP_TAKE,        /* process the frame */
	TAP_TAKE_LAST,   /* process it: it was the COUNTth, stop now */
	TAP_DROP,        /* past COUNT (another worker got there): ignore it, stop */
};
/* Counts the frame against the budget and writes it to the file when taken. */
enum tap_verdict capture_tap_frame(struct capture_tap *t, const struct pcap_pkthdr *h, const u_char *bytes);
void capture_tap_flush(struct capture_tap *t);
/* Frames written to the file, and 1 when a write failed (err set). */
uint64_t capture_tap_written(struct capture_tap *t, int *failed, char *err, size_t errlen);
void capture_tap_close(struct capture_tap *t);   /* NULL is a no-op */

#endif
