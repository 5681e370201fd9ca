/*
 * hdrlog.h - latency histograms as an HdrHistogram interval log.
 *
 * The HdrHistogram ecosystem (HistogramLogReader, HistogramLogProcessor,
 * the plotters) reads interval logs: a few header lines, then one line per
 * interval, "start,length,max,BASE64", where BASE64 is a histogram in the
 * V2 compressed encoding: cookie 0x1c849314, the length of a zlib stream,
 * and the stream, which inflates to cookie 0x1c849313, the payload length,
 * the histogram's parameters and its counts array, each count ZigZag
 * LEB128 (at most 9 bytes), a run of n > 1 empty buckets written as -n.
 *
 * connrate's histogram (histo.h) has exactly the bucket layout of an
 * HdrHistogram of nanoseconds with lowest discernible value 1, 2
 * significant digits (256 sub-buckets, the upper 128 per power of two):
 * below 256 ns one bucket per nanosecond, above, 128 buckets per power of
 * two.  So every connrate bucket is one HdrHistogram bucket and a count
 * moves across unchanged; the highest trackable value is histo's top.
 *
 * No zlib: the stream is written with stored (uncompressed) deflate
 * blocks and its Adler-32, which every inflater reads.  Values are
 * nanoseconds; Interval_Max is in milliseconds, as the Java writer's
 * default.  Timestamps are seconds after the BaseTime header.
 */
#ifndef CR_HDRLOG_H
#define CR_HDRLOG_H

#include <stddef.h>
#include <stdint.h>

#include "histo.h"

#define HDR_LOWEST 1
#define HDR_HIGHEST ((1ULL << HISTO_MAX_BITS) - 1)
#define HDR_DIGITS 2
#define HDR_COOKIE 0x1c849313u		/* V2, 8-byte word (0x10) */
#define HDR_COOKIE_COMPRESSED 0x1c849314u

struct hdrlog;

/* Create path and write the header; base_wall_ns: StartTime and BaseTime.  0 or -errno. */
int hdrlog_open(const char *path, int64_t base_wall_ns, struct hdrlog **out);
/* One interval line: [start_wall_ns, + length_ns), latency h.  0 or -errno. */
int hdrlog_write(struct hdrlog *l, int64_t start_wall_ns, uint64_t length_ns,
		 const struct histo *h);
/* Close; 0 or -errno (a failed write, reported once). */
int hdrlog_close(struct hdrlog *l);

/* The pieces, for tests and for other writers. */
/* HdrHistogram's counts index of value v (lowest 1, 2 digits). */
unsigned hdr_counts_index(uint64_t v);
/* v ZigZag then LEB128 (9 bytes at most) into out; bytes written. */
size_t hdr_zigzag_put(int64_t v, uint8_t out[9]);
/* The reverse, reading at most n bytes; bytes read, 0 when malformed. */
size_t hdr_zigzag_get(const uint8_t *in, size_t n, int64_t *v);
uint32_t hdr_adler32(const uint8_t *p, size_t n);
/* Base64 (RFC 4648, padded) of n bytes into out (4 * ((n + 2) / 3) + 1 bytes). */
void hdr_base64(const uint8_t *in, size_t n, char *out);
/* The V2 compressed encoding of h: *out (malloc'd, caller frees), *len.  0 or -ENOMEM. */
int hdr_encode(const struct histo *h, uint8_t **out, size_t *len);

#endif
