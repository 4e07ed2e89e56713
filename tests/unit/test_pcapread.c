/* \summary: analyzer/capture/pcapread.c, the in-place reader of classic
 * pcap files: which headers it takes, records across its read blocks,
 * timestamps, the snapshot cut, and the corrupt and truncated records with
 * libpcap's messages and offsets. */
#include "analyzer/capture/pcapread.h"
#include "analyzer/base/limits.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/smtpscope-test-pcapread-XXXXXX";

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, sizeof v, 1, f);
}

static void header(FILE *f, uint32_t magic, uint16_t major, uint16_t minor, uint32_t snaplen)
{
	put32(f, magic);
	fwrite(&major, 2, 1, f);
	fwrite(&minor, 2, 1, f);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, 1);
}

/* A record whose bytes say its index: data[i] = (idx + i) & 0xff. */
static void record(FILE *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len, uint32_t idx)
{
	uint32_t i;

	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	for (i = 0; i < caplen; i++)
		fputc((int)((idx + i) & 0xff), f);
}

static int bytes_ok(const u_char *d, uint32_t n, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (d[i] != ((idx + i) & 0xff))
			return 0;
	return 1;
}

/* Opens the file written at path for the reader, past its header. */
static FILE *reopen(struct pcapread *r, uint32_t snapshot, int nano)
{
	FILE *f = fopen(path, "rb");

	if (!f || lseek(fileno(f), PCAPREAD_HEADER, SEEK_SET) != PCAPREAD_HEADER)
		return NULL;
	if (pcapread_init(r, f, snapshot, nano) < 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

static FILE *create(void)
{
	return fopen(path, "wb");
}

static void test_accepts(void)
{
	uint8_t h[24];
	FILE *f;
	int nano = -1;

	f = create();
	header(f, 0xa1b2c3d4u, 2, 4, 65535);
	fclose(f);
	f = fopen(path, "rb");
	ok(fread(h, 1, sizeof h, f) == sizeof h, "header written");
	fclose(f);
	ok(pcapread_accepts(h, 24, &nano) && nano == 0, "microsecond pcap 2.4 in this byte order: taken");
	ok(pcapread_accepts(h, 8, &nano), "8 bytes (magic and version) decide");
	ok(!pcapread_accepts(h, 7, &nano), "fewer than 8 bytes: not taken");
	h[0] = 0x4d; h[1] = 0x3c; /* a1b23c4d, little-endian */
	ok(pcapread_accepts(h, 24, &nano) && nano == 1, "nanosecond magic: taken, nano");
	memcpy(h, "\xa1\xb2\xc3\xd4", 4);
	ok(!pcapread_accepts(h, 24, &nano), "the other byte order: left to libpcap");
	memcpy(h, "\x0a\x0d\x0d\x0a", 4);
	ok(!pcapread_accepts(h, 24, &nano), "pcapng: left to libpcap");
	memcpy(h, "\x34\xcd\xb2\xa1", 4);
	ok(!pcapread_accepts(h, 24, &nano), "the modified (Kuznetzov) format: left to libpcap");
	memcpy(h, "\xd4\xc3\xb2\xa1\x02\x00\x03\x00", 8);
	ok(!pcapread_accepts(h, 24, &nano), "version 2.3 (caplen and len may be swapped): left to libpcap");
}

static void test_records(void)
{
	struct pcapread r;
	struct pcap_pkthdr h;
	const u_char *d;
	char err[256];
	uint64_t at = 0, off = PCAPREAD_HEADER;
	uint32_t i, n = 3000, bad = 0, sizes = 0;
	FILE *f = create();

	header(f, 0xa1b2c3d4u, 2, 4, 262144);
	/* 3000 records of growing sizes: about 3.4 MB, across several read blocks */
	for (i = 0; i < n; i++)
		record(f, 1000 + i, 999999 - i, 60 + (i * 7) % 2200, 60 + (i * 7) % 2200 + (i % 2), i);
	/* a record of the largest size, then a last one */
	record(f, 5000, 1, CAPTURE_SNAPLEN_MAX, CAPTURE_SNAPLEN_MAX, 77);
	record(f, 5001, 2, 0, 64, 0);
	fclose(f);
	if (!ok((f = reopen(&r, 262144, 0)) != NULL, "reader opened"))
		return;
	for (i = 0; i < n; i++) {
		uint32_t want = 60 + (i * 7) % 2200;
		if (pcapread_next(&r, &h, &d, err, sizeof err, &at) != 1 || h.caplen != want ||
		    h.len != want + (i % 2) || h.ts.tv_sec != (time_t)(1000 + i) ||
		    h.ts.tv_usec != (suseconds_t)(999999 - i) * 1000 || !bytes_ok(d, want, i))
			bad++;
		off += 16 + want;
		if (pcapread_offset(&r) != off)
			sizes++;
	}
	is_int(bad, 0, "3000 records across read blocks: lengths, times (in ns), bytes");
	is_int(sizes, 0, "the offset after each record is the file's");
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1 && h.caplen == CAPTURE_SNAPLEN_MAX &&
	   bytes_ok(d, h.caplen, 77), "a record of CAPTURE_SNAPLEN_MAX bytes");
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1 && h.caplen == 0 && h.len == 64,
	   "an empty record");
	is_int(pcapread_next(&r, &h, &d, err, sizeof err, &at), 0, "then the end");
	is_int(pcapread_next(&r, &h, &d, err, sizeof err, &at), 0, "and the end again");
	pcapread_fini(&r);
	fclose(f);
}

static void test_nano_and_snapshot(void)
{
	struct pcapread r;
	struct pcap_pkthdr h;
	const u_char *d;
	char err[256];
	uint64_t at = 0;
	FILE *f = create();

	header(f, 0xa1b23c4du, 2, 4, 100);
	record(f, 7, 123456789, 200, 300, 5); /* longer than the snapshot length */
	record(f, 8, 5, 50, 50, 9);
	record(f, 0x80000001u, 0xfa000000u, 10, 10, 3); /* signed 32-bit fields, as libpcap reads them */
	fclose(f);
	if (!ok((f = reopen(&r, 100, 1)) != NULL, "reader opened (nanoseconds, snapshot 100)"))
		return;
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1 && h.ts.tv_usec == 123456789 &&
	   h.caplen == 100 && h.len == 300 && bytes_ok(d, 100, 5),
	   "nanoseconds kept; a record above the snapshot length is cut to it");
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1 && h.caplen == 50 && bytes_ok(d, 50, 9),
	   "the record after it is read whole (the cut bytes were skipped)");
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1 && h.ts.tv_sec == (time_t)(int32_t)0x80000001u &&
	   h.ts.tv_usec == (suseconds_t)(int32_t)0xfa000000u, "times are signed 32-bit fields (as libpcap)");
	is_int(pcapread_next(&r, &h, &d, err, sizeof err, &at), 0, "end");
	pcapread_fini(&r);
	fclose(f);
}

/* One good record, then tail (written by fn); the error and its offset. */
static void bad_tail(const char *name, uint32_t snapshot, void (*fn)(FILE *), const char *want_err,
		     uint64_t want_at)
{
	struct pcapread r;
	struct pcap_pkthdr h;
	const u_char *d;
	char err[256] = "", t[300];
	uint64_t at = 0;
	FILE *f = create();

	header(f, 0xa1b2c3d4u, 2, 4, snapshot);
	record(f, 1, 2, 40, 40, 1); /* bytes 24..80 */
	fn(f);
	fclose(f);
	if (!ok((f = reopen(&r, snapshot, 0)) != NULL, "%s: reader opened", name))
		return;
	ok(pcapread_next(&r, &h, &d, err, sizeof err, &at) == 1, "%s: the good record first", name);
	snprintf(t, sizeof t, "%s: an error", name);
	is_int(pcapread_next(&r, &h, &d, err, sizeof err, &at), -1, t);
	ok(strcmp(err, want_err) == 0, "%s: libpcap's message (%s)", name, err);
	snprintf(t, sizeof t, "%s: the offset where reading stopped", name);
	is_int(at, want_at, t);
	pcapread_fini(&r);
	fclose(f);
}

static void tail_huge(FILE *f)
{
	put32(f, 3);
	put32(f, 4);
	put32(f, 0x80000000u);
	put32(f, 0x80000000u);
	fwrite("xxxx", 1, 4, f);
}

static void tail_short_header(FILE *f)
{
	fwrite("0123456789", 1, 10, f);
}

/* snapshot 100: a record of 200 cut at 50 bytes, then one cut at 150 */
static void tail_cut_below_snapshot(FILE *f)
{
	put32(f, 3);
	put32(f, 4);
	put32(f, 200);
	put32(f, 200);
	fwrite("01234567890123456789012345678901234567890123456789", 1, 50, f);
}

static void tail_cut_above_snapshot(FILE *f)
{
	uint8_t b[150];

	memset(b, 'x', sizeof b);
	put32(f, 3);
	put32(f, 4);
	put32(f, 200);
	put32(f, 200);
	fwrite(b, 1, sizeof b, f);
}

static void tail_short_data(FILE *f)
{
	put32(f, 3);
	put32(f, 4);
	put32(f, 74);
	put32(f, 74);
	fwrite("012345678901234567890123456789", 1, 30, f);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	test_accepts();
	test_records();
	test_nano_and_snapshot();
	bad_tail("2 GB captured length", 262144, tail_huge,
		 "invalid packet capture length 2147483648, bigger than snaplen of 262144", 80 + 16);
	bad_tail("cut record header", 262144, tail_short_header,
		 "truncated dump file; tried to read 16 header bytes, only got 10", 80 + 10);
	bad_tail("cut record data", 262144, tail_short_data,
		 "truncated dump file; tried to read 74 captured bytes, only got 30", 80 + 16 + 30);
	bad_tail("record longer than the snapshot, cut before it", 100, tail_cut_below_snapshot,
		 "truncated dump file; tried to read 100 captured bytes, only got 50", 80 + 16 + 50);
	bad_tail("record longer than the snapshot, cut after it", 100, tail_cut_above_snapshot,
		 "truncated dump file; tried to read 200 captured bytes, only got 150", 80 + 16 + 150);
	unlink(path);
	return done_testing();
}
