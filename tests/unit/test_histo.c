/* Unit tests: histo.c - accuracy against exact percentiles, merging. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "histo.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	return sorted[rank ? rank - 1 : 0];
}

/* Log-uniform samples from 1 us to 100 s: every octave gets its share. */
static uint64_t sample(void)
{
	double e = 3.0 + 8.0 * ((double)rand() / RAND_MAX);	/* 10^3..10^11 ns */

	return (uint64_t)pow(10.0, e);
}

static void test_buckets(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i + 1 < HISTO_BUCKETS; i++) {
		assert_true(histo_bucket_lo(i) <= histo_bucket_hi(i));
		assert_int_equal(histo_bucket_hi(i) + 1, histo_bucket_lo(i + 1));
		assert_int_equal(histo_index(histo_bucket_lo(i)), i);
		assert_int_equal(histo_index(histo_bucket_hi(i)), i);
		if (histo_bucket_lo(i) >= 1000)
			assert_true((double)(histo_bucket_hi(i) - histo_bucket_lo(i)) <=
				    0.01 * (double)histo_bucket_lo(i));
	}
	assert_true(histo_bucket_hi(HISTO_BUCKETS - 1) >= 100ULL * 1000000000ULL);
	assert_int_equal(histo_index(UINT64_MAX), HISTO_BUCKETS - 1);
}

static void test_accuracy(void **state)
{
	static const double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999 };
	const size_t n = 200000;
	uint64_t *v = malloc(n * sizeof(*v));
	struct histo *h = malloc(sizeof(*h));
	size_t i, k;

	(void)state;
	srand(42);
	histo_init(h);
	for (i = 0; i < n; i++) {
		v[i] = sample();
		histo_add(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		double want = (double)exact(v, n, qs[k]);
		double got = (double)histo_quantile(h, qs[k]);

		assert_true(fabs(got - want) <= 0.01 * want);
	}
	assert_int_equal(histo_quantile(h, 0), v[0]);
	assert_int_equal(histo_quantile(h, 1), v[n - 1]);
	assert_int_equal(h->count, n);
	free(v);
	free(h);
}

static void test_merge(void **state)
{
	struct histo *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
		     *all = malloc(sizeof(*all));
	unsigned i;

	(void)state;
	histo_init(a);
	histo_init(b);
	histo_init(all);
	srand(7);
	for (i = 0; i < 50000; i++) {
		uint64_t x = sample();

		histo_add(i % 3 ? a : b, x);
		histo_add(all, x);
	}
	histo_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	/* merging an empty one changes nothing, min included */
	histo_init(b);
	histo_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	free(a);
	free(b);
	free(all);
}

static void test_small_and_empty(void **state)
{
	struct histo *h = malloc(sizeof(*h));

	(void)state;
	histo_init(h);
	assert_int_equal(histo_quantile(h, 0.5), 0);
	assert_int_equal(histo_mean(h), 0);
	histo_add(h, 5);
	histo_add(h, 7);
	histo_add(h, 9);
	assert_int_equal(histo_quantile(h, 0.5), 7);	/* exact below 128 ns */
	assert_int_equal(histo_mean(h), 7);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_accuracy),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_small_and_empty),
	};

	return cmocka_run_group_tests_name("histo", tests, NULL, NULL);
}
