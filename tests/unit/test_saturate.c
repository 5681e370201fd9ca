/* Unit tests: saturate.c - the decision on synthetic rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "saturate.h"

static const struct sat_params P = {
	.max_error_rate = 0.01, .slowdown = 3.0, .max_lag_ns = 1000000,
};

static struct sat_sample round_at(double rate)
{
	struct sat_sample s = {
		.target_rate = rate, .achieved_rate = rate, .started = 10000,
		.errors = 0, .p50_ns = 100000, .lag_p99_ns = 20000,
	};

	return s;
}

static void test_good(void **state)
{
	struct sat_sample prev = round_at(1000), cur = round_at(1500);

	(void)state;
	assert_int_equal(saturate_judge(&P, NULL, &cur), SAT_GOOD);
	cur.p50_ns = 299999;	/* just under 3x */
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_GOOD);
	cur.achieved_rate = 1500 * 0.951;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_GOOD);
	cur.errors = 100;	/* exactly 1%: not over */
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_GOOD);
}

static void test_each_reason(void **state)
{
	struct sat_sample prev = round_at(1000), cur;

	(void)state;
	cur = round_at(1500);
	cur.errors = 101;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_ERRORS);
	cur = round_at(1500);
	cur.lag_p99_ns = 1000001;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_CLIENT);
	/* starts not made: the client fell behind, however small its lag */
	cur = round_at(1500);
	cur.unstarted = 1;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_CLIENT);
	cur = round_at(1500);
	cur.achieved_rate = 1400;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_SHORTFALL);
	cur = round_at(1500);
	cur.p50_ns = 300001;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_SLOWDOWN);
	/* the first round has nothing to slow down from */
	assert_int_equal(saturate_judge(&P, NULL, &cur), SAT_GOOD);
	cur = round_at(1500);
	cur.started = 0;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_ERRORS);
}

static void test_blame_order(void **state)
{
	struct sat_sample prev = round_at(1000), cur = round_at(1500);

	(void)state;
	/* a lagging client also misses its rate: blame the client first */
	cur.lag_p99_ns = 50000000;
	cur.achieved_rate = 900;
	cur.p50_ns = 50000000;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_CLIENT);
	/* but failures come before everything */
	cur.errors = 5000;
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_ERRORS);
	assert_string_equal(saturate_reason(SAT_CLIENT), "client");
	assert_string_equal(saturate_reason(SAT_SLOWDOWN), "slowdown");
}

/* A round whose schedule the client could not keep is judged the client's. */
static void test_sample_unstarted(void **state)
{
	static struct round_result r;
	struct sat_sample prev = round_at(1000), cur;

	(void)state;
	stats_init(&r.s);
	r.spec.rate_milli = 1500 * 1000;
	r.achieved_rate = 1500;
	r.s.started = 9990;
	r.s.unstarted = 10;
	r.s.ok = 9990;
	histo_add(&r.s.latency, 100000);
	histo_add(&r.s.lag, 1000);
	saturate_sample(&r, &cur);
	assert_int_equal(cur.unstarted, 10);
	assert_int_equal(cur.started, 9990);
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_CLIENT);
	r.s.unstarted = 0;
	saturate_sample(&r, &cur);
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_GOOD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_each_reason),
		cmocka_unit_test(test_blame_order),
		cmocka_unit_test(test_sample_unstarted),
	};

	return cmocka_run_group_tests_name("saturate", tests, NULL, NULL);
}
