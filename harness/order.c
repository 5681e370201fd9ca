/*
 * order.c - interleaved, counterbalanced runs of several builds (see order.h).
 */
#include <errno.h>
#include <stdint.h>

#include "order.h"

/* A block in rotation r, then its mirror: positions sum to 2B-1 per build. */
static unsigned *put_pair(unsigned *o, unsigned B, unsigned r)
{
	unsigned p;

	for (p = 0; p < B; p++)
		o[p] = (r + p) % B;
	for (p = 0; p < B; p++)
		o[B + p] = o[B - 1 - p];
	return o + 2 * B;
}

/*
 * Three blocks.  Build i sits at a(i) = (i - r) mod B, then at
 * b(i) = (a(i) + B/2) mod B: the sums a + b then take each value once
 * (odd B) or twice (even B) over a run of consecutive numbers.  The third
 * block puts the builds in order of decreasing a + b, so the three
 * positions add up alike (odd B) or within one (even B).
 */
static void put_triple(unsigned *o, unsigned B, unsigned r)
{
	unsigned i, j, p, sum[ORDER_MAX_BUILDS], by[ORDER_MAX_BUILDS];

	for (i = 0; i < B; i++) {
		unsigned a = (i + B - r) % B, b = (a + B / 2) % B;

		o[a] = i;
		o[B + b] = i;
		sum[i] = a + b;
		by[i] = i;
	}
	for (i = 1; i < B; i++)		/* insertion sort, stable, decreasing */
		for (j = i; j > 0 && sum[by[j]] > sum[by[j - 1]]; j--) {
			unsigned t = by[j];

			by[j] = by[j - 1];
			by[j - 1] = t;
		}
	for (p = 0; p < B; p++)
		o[2 * B + p] = by[p];
}

int order_runs(unsigned builds, unsigned repeats, unsigned *order, size_t len)
{
	unsigned pairs, j, p, *o = order;

	if (!builds || !repeats || builds > ORDER_MAX_BUILDS ||
	    (uint64_t)builds * repeats > len)
		return -EINVAL;
	if (repeats == 1) {
		for (p = 0; p < builds; p++)
			order[p] = p;
		return 0;
	}
	pairs = repeats % 2 ? (repeats - 3) / 2 : repeats / 2;
	for (j = 0; j < pairs; j++)
		o = put_pair(o, builds, j % builds);
	if (repeats % 2)
		put_triple(o, builds, pairs % builds);
	return 0;
}
