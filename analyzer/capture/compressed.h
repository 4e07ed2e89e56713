/* \summary: capture files compressed with gzip, zstd or xz, read directly
 * (as tshark does): a stdio stream (fopencookie) that decompresses, handed to
 * libpcap's pcap_fopen_offline().  zlib, libzstd and liblzma from Debian.
 * Concatenated members/frames/streams are read one after the other. */
#ifndef SMTPSCOPE_COMPRESSED_H
#define SMTPSCOPE_COMPRESSED_H

#include <stddef.h>
#include <stdio.h>

enum compression { COMP_NONE, COMP_GZIP, COMP_ZSTD, COMP_XZ, COMP_BZIP2 };

/* The compression that the first bytes of a file announce. */
enum compression compression_sniff(const unsigned char *p, size_t n);
const char *compression_name(enum compression c);   /* "gzip", "zstd", "xz", "bzip2", "none" */

/* Takes raw (a file opened for reading, or stdin), reads its first bytes and
 * returns a stream of the decompressed content; for an uncompressed file the
 * same bytes come through unchanged.  Closing the returned stream closes raw.
 * *kind says what was found.  NULL with err set (bzip2, out of memory); raw
 * is then still the caller's. */
FILE *compressed_open(FILE *raw, enum compression *kind, char *err, size_t errlen);

#endif
