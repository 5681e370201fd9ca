/* Unit tests: harness/order.c - interleaved, counterbalanced runs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "order.h"

#define MAXB 8
#define MAXK 12

static void seq(unsigned B, unsigned K, char *out)
{
	unsigned o[MAXB * MAXK], i;

	assert_int_equal(order_runs(B, K, o, B * K), 0);
	for (i = 0; i < B * K; i++)
		out[i] = (char)('a' + o[i]);
	out[B * K] = '\0';
}

static void test_known_orders(void **state)
{
	char s[MAXB * MAXK + 1];

	(void)state;
	seq(2, 1, s);
	assert_string_equal(s, "ab");
	seq(2, 2, s);
	assert_string_equal(s, "abba");
	seq(2, 3, s);
	assert_string_equal(s, "abbaab");	/* a: 0+3+4 = 7, b: 1+2+5 = 8 */
	seq(2, 4, s);
	assert_string_equal(s, "abbabaab");	/* the first slot alternates */
	seq(3, 2, s);
	assert_string_equal(s, "abccba");
	seq(3, 3, s);
	assert_string_equal(s, "abccabbca");	/* each build: 0+4+8 etc. = 12 */
}

/*
 * With a drift that grows linearly over the runs (run t is slowed by t),
 * every build's mean drift is the same; where that is impossible (an odd
 * number of repeats of an even number of builds: the total is not
 * divisible), within one run over K.  Every build gets K runs.
 */
static void test_linear_drift(void **state)
{
	unsigned B, K, i, o[MAXB * MAXK];

	(void)state;
	for (B = 1; B <= MAXB; B++)
		for (K = 1; K <= MAXK; K++) {
			unsigned long sum[MAXB] = { 0 }, lo = ~0UL, hi = 0;
			unsigned count[MAXB] = { 0 };

			memset(o, 0xff, sizeof(o));
			assert_int_equal(order_runs(B, K, o, B * K), 0);
			for (i = 0; i < B * K; i++) {
				assert_true(o[i] < B);
				count[o[i]]++;
				sum[o[i]] += i;
			}
			for (i = 0; i < B; i++) {
				if (count[i] != K)
					fail_msg("%u builds, %u repeats: build %u runs %u times", B, K, i, count[i]);
				lo = sum[i] < lo ? sum[i] : lo;
				hi = sum[i] > hi ? sum[i] : hi;
			}
			if (K == 1)
				assert_true(hi - lo <= B - 1);
			else if (K % 2 == 0 || B % 2 == 1) {
				if (hi != lo)
					fail_msg("%u builds, %u repeats: drift sums %lu..%lu", B, K, lo, hi);
			} else if (hi - lo > 1)
				fail_msg("%u builds, %u repeats: drift sums %lu..%lu", B, K, lo, hi);
		}
}

/* No build runs three times in a row, and the first run rotates. */
static void test_runs_spread(void **state)
{
	unsigned B, K, i, o[MAXB * MAXK];

	(void)state;
	for (B = 2; B <= MAXB; B++)
		for (K = 2; K <= MAXK; K++) {
			assert_int_equal(order_runs(B, K, o, B * K), 0);
			for (i = 2; i < B * K; i++)
				if (o[i] == o[i - 1] && o[i] == o[i - 2])
					fail_msg("%u builds, %u repeats: build %u thrice at %u", B, K, o[i], i);
		}
	assert_int_equal(order_runs(3, 4, o, 12), 0);
	assert_int_equal(o[0], 0);
	assert_int_equal(o[6], 1);	/* the second pair starts with b */
}

static void test_bad(void **state)
{
	unsigned o[16];

	(void)state;
	assert_int_equal(order_runs(0, 3, o, 16), -EINVAL);
	assert_int_equal(order_runs(2, 0, o, 16), -EINVAL);
	assert_int_equal(order_runs(3, 6, o, 16), -EINVAL);	/* 18 runs */
	assert_int_equal(order_runs(ORDER_MAX_BUILDS + 1, 1, o, 16), -EINVAL);
	assert_int_equal(order_runs(4, 4, o, 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_orders),
		cmocka_unit_test(test_linear_drift),
		cmocka_unit_test(test_runs_spread),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
