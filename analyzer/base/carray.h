/* \summary: the capped array: the one way a growing array is grown.  It
 * doubles from a small first size (most sessions are short, and a mirror
 * port holds many at once) and never past its cap from limits.h, so memory
 * stays bounded whatever the input; going over the cap is the caller's to
 * count (an anomaly), never a bigger realloc. */
#ifndef SMTPSCOPE_CARRAY_H
#define SMTPSCOPE_CARRAY_H

#include <stddef.h>

/* Makes *arr (of *cap elements of elem bytes) hold at least need elements:
 * capacity first, 2*first, 4*first ... cut at max.  0 (also when it
 * already did), or -1 when need > max or out of memory: then *arr and *cap
 * are unchanged (the caller still owns *arr).  New elements are not zeroed. */
int carray_reserve(void *arr, size_t *cap, size_t need, size_t elem, size_t first, size_t max);

#endif
