/*
 * histo.c - log-linear histogram (see histo.h).
 */
#include <math.h>
#include <string.h>

#include "histo.h"

void histo_init(struct histo *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

unsigned histo_index(uint64_t v)
{
	unsigned e, shift;

	if (v < HISTO_SUB)
		return (unsigned)v;
	if (v >> HISTO_MAX_BITS)
		return HISTO_BUCKETS - 1;
	e = 63u - (unsigned)__builtin_clzll(v);		/* >= SUB_BITS */
	shift = e - HISTO_SUB_BITS;
	return HISTO_SUB + shift * HISTO_SUB +
	       (unsigned)((v >> shift) - HISTO_SUB);
}

uint64_t histo_bucket_lo(unsigned i)
{
	unsigned shift;

	if (i < HISTO_SUB)
		return i;
	shift = (i - HISTO_SUB) / HISTO_SUB;
	return (uint64_t)(HISTO_SUB + (i - HISTO_SUB) % HISTO_SUB) << shift;
}

uint64_t histo_bucket_hi(unsigned i)
{
	if (i < HISTO_SUB)
		return i;
	return histo_bucket_lo(i) + (1ULL << ((i - HISTO_SUB) / HISTO_SUB)) - 1;
}

void histo_add(struct histo *h, uint64_t v)
{
	h->bucket[histo_index(v)]++;
	h->count++;
	h->sum_ns += v;
	if (v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
}

void histo_merge(struct histo *dst, const struct histo *src)
{
	unsigned i;

	if (!src->count)
		return;
	for (i = 0; i < HISTO_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t histo_quantile(const struct histo *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (!h->count)
		return 0;
	if (q <= 0.0)
		return h->min_ns;
	if (q >= 1.0)
		return h->max_ns;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HISTO_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == HISTO_BUCKETS)
		return h->max_ns;
	v = histo_bucket_lo(i) + (histo_bucket_hi(i) - histo_bucket_lo(i)) / 2;
	if (v < h->min_ns)
		v = h->min_ns;
	if (v > h->max_ns)
		v = h->max_ns;
	return v;
}

uint64_t histo_mean(const struct histo *h)
{
	return h->count ? (uint64_t)(h->sum_ns / h->count) : 0;
}
