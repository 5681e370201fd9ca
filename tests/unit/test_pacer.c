/* Unit tests: pacer.c - the open-loop schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pacer.h"

static void test_no_drift(void **state)
{
	const uint64_t rate = 1000000ULL * 1000;	/* 1e6/s */
	uint64_t i;

	(void)state;
	/* every due time exact: connection i at i microseconds */
	for (i = 0; i < 10000000ULL; i += 9973)
		assert_int_equal(pacer_due(5, rate, i), 5 + i * 1000);
	assert_int_equal(pacer_due(0, rate, 10000000ULL), 10ULL * NS_PER_S);
	/* 3 per second: 333333333, 666666666, 1000000000 */
	assert_int_equal(pacer_due(0, 3000, 1), 333333333);
	assert_int_equal(pacer_due(0, 3000, 3), NS_PER_S);
	assert_int_equal(pacer_due(0, 3000, 3000000), 1000000ULL * NS_PER_S);
}

static void test_total(void **state)
{
	(void)state;
	assert_int_equal(pacer_total(2000 * 1000, 3 * NS_PER_S), 6000);
	assert_int_equal(pacer_total(3000, NS_PER_S), 3);
	assert_int_equal(pacer_total(500, NS_PER_S), 1);	/* 0.5/s: one at 0 */
	assert_int_equal(pacer_total(1000000ULL * 1000, 10 * NS_PER_S), 10000000ULL);
	assert_int_equal(pacer_total(1000, 1), 1);
}

static void test_threads_partition(void **state)
{
	const unsigned T = 3;
	const uint64_t total = pacer_total(7000, 2 * NS_PER_S);	/* 14 */
	uint64_t seen = 0, count = 0;
	struct pacer p;
	mono_ns due, prev;
	unsigned t;

	(void)state;
	for (t = 0; t < T; t++) {
		pacer_init(&p, 100, 7000, 2 * NS_PER_S, t, T);
		prev = 0;
		while (pacer_peek(&p, &due)) {
			assert_true(due >= prev);
			assert_true(due < 100 + 2 * NS_PER_S);
			assert_int_equal(due, pacer_due(100, 7000, p.next_i));
			assert_int_equal(p.next_i % T, t);
			seen |= 1ULL << p.next_i;
			count++;
			prev = due;
			pacer_advance(&p);
		}
	}
	assert_int_equal(count, total);
	assert_int_equal(seen, (1ULL << total) - 1);
}

/* Dropping what is left at any point: made + dropped == the thread's share. */
static void test_drop(void **state)
{
	const unsigned T = 3;
	const uint64_t total = pacer_total(7000, 2 * NS_PER_S);	/* 14 */
	uint64_t made, all = 0, k;
	struct pacer p;
	mono_ns due;
	unsigned t;

	(void)state;
	for (t = 0; t < T; t++) {
		for (k = 0; k <= 6; k++) {
			pacer_init(&p, 0, 7000, 2 * NS_PER_S, t, T);
			for (made = 0; made < k && pacer_peek(&p, &due); made++)
				pacer_advance(&p);
			made += pacer_drop(&p);
			assert_false(pacer_peek(&p, &due));
			assert_int_equal(pacer_drop(&p), 0);
			assert_int_equal(made, (total - t + T - 1) / T);
		}
		all += made;
	}
	assert_int_equal(all, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_threads_partition),
		cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests_name("pacer", tests, NULL, NULL);
}
