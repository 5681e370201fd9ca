/*
 * histo.h - log-linear latency histogram (HdrHistogram-like).
 *
 * Values are nanoseconds.  Below 128 ns every value has its own bucket;
 * above, each power of two is split into 128 equal buckets, so a bucket is
 * never wider than 1/128 of its lower bound and the midpoint reported for a
 * quantile is within 0.4% of any value in it.  The top is 2^37 ns (~137 s);
 * larger values land in the last bucket, and the exact min and max are kept
 * apart.  Fixed size (about 31 KiB), no allocation, merged by adding
 * buckets: one per worker, merged after join.
 */
#ifndef CR_HISTO_H
#define CR_HISTO_H

#include <stdint.h>

#define HISTO_SUB_BITS 7
#define HISTO_SUB (1u << HISTO_SUB_BITS)
#define HISTO_MAX_BITS 37
#define HISTO_BUCKETS (HISTO_SUB + (HISTO_MAX_BITS - HISTO_SUB_BITS) * HISTO_SUB)

struct histo {
	uint64_t count;
	uint64_t min_ns;
	uint64_t max_ns;
	unsigned __int128 sum_ns;
	uint64_t bucket[HISTO_BUCKETS];
};

void histo_init(struct histo *h);
void histo_add(struct histo *h, uint64_t v_ns);
void histo_merge(struct histo *dst, const struct histo *src);
/* Value at quantile q in [0,1]; 0 when empty.  q=0 is min, q=1 is max. */
uint64_t histo_quantile(const struct histo *h, double q);
uint64_t histo_mean(const struct histo *h);
unsigned histo_index(uint64_t v_ns);
/* Smallest and largest value that fall into bucket i. */
uint64_t histo_bucket_lo(unsigned i);
uint64_t histo_bucket_hi(unsigned i);

#endif
