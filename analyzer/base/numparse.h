/* \summary: the one parser for numbers given on the command line: whole
 * numbers and seconds, each with its allowed range.  Nothing else in the
 * tree calls strtod/strtoull on an option. */
#ifndef SMTPSCOPE_NUMPARSE_H
#define SMTPSCOPE_NUMPARSE_H

#include <stdint.h>

/* A whole decimal number in [lo, hi] ("12"; no sign, no fraction, no
 * trailing text).  0, or -1 (v untouched). */
int num_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v);

/* A decimal number in [lo, hi], fractions allowed ("0.5", "10", "1e3"),
 * never NaN or infinite.  0, or -1 (v untouched). */
int num_parse_double(const char *s, double lo, double hi, double *v);

#endif
