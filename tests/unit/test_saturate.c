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

static const struct sat_params RFC = {
	.max_error_rate = 0.01, .slowdown = 3.0, .max_lag_ns = 1000000,
	.criteria = CRITERIA_RFC9411,
};

/* RFC 9411 7.2.3: under 0.001% failed, under 0.001% reset, within 5%. */
static void test_rfc9411_judge(void **state)
{
	struct sat_sample prev = round_at(1000), cur = round_at(1500);

	(void)state;
	cur.started = 200000;		/* 0.001% of it: 2 */
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_GOOD);
	cur.errors = 1;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_GOOD);
	cur.errors = 2;			/* not fewer than 0.001% */
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_ERRORS);
	/* the default criteria let 1% pass */
	assert_int_equal(saturate_judge(&P, &prev, &cur), SAT_GOOD);
	cur.resets = 2;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_RESETS);
	assert_string_equal(saturate_reason(SAT_RESETS), "resets");
	cur = round_at(1500);
	cur.errors = 1;			/* 1 in 10000: far over */
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_ERRORS);
	/* within 5% of the target, either way; latency does not enter */
	cur = round_at(1500);
	cur.achieved_rate = 1500 * 0.951;
	cur.p50_ns = 100 * prev.p50_ns;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_GOOD);
	cur.achieved_rate = 1500 * 0.949;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_SHORTFALL);
	cur.achieved_rate = 1500 * 1.051;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_SHORTFALL);
	/* a client that fell behind is still the client's */
	cur = round_at(1500);
	cur.unstarted = 1;
	assert_int_equal(saturate_judge(&RFC, &prev, &cur), SAT_CLIENT);
}

/* A device that passes up to a capacity, and counts the rounds it saw. */
struct fake_device {
	double capacity;
	unsigned rounds;
	double max_rate_tried;
};

static int fake_round(void *ctx, uint64_t rate_milli, struct sat_sample *out)
{
	struct fake_device *d = ctx;
	double rate = (double)rate_milli / 1000.0;

	d->rounds++;
	if (rate > d->max_rate_tried)
		d->max_rate_tried = rate;
	*out = round_at(rate);
	out->started = 1000000;
	if (rate > d->capacity)
		out->resets = out->errors = 50;
	return 0;
}

/* Steps up by the factor, then bisects to within 1% of the highest pass. */
static void test_rfc9411_search(void **state)
{
	const struct sat_plan plan = { 1000 * 1000, 1.5, 30, 0 };
	struct fake_device d = { 12345.0, 0, 0 };
	struct sat_result res;

	(void)state;
	saturate_search(&RFC, &plan, fake_round, &d, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.rounds, d.rounds);
	assert_true((double)res.good_rate / 1000.0 <= 12345.0);
	assert_true((double)res.bad_rate / 1000.0 > 12345.0);
	assert_true((double)res.bad_rate <= 1.01 * (double)res.good_rate);
	assert_int_equal(res.why_bad, SAT_RESETS);
	/* 8 steps (1000 ... 11390.625 pass, 17085.9 fails), then log2(ln 1.5 / ln 1.01) ~ 6 */
	assert_true(d.rounds >= 8 + 4 && d.rounds <= 8 + 7);
	assert_true(d.max_rate_tried < 17100);
	/* --refine N caps the bisection at N rounds */
	{
		const struct sat_plan two = { 1000 * 1000, 1.5, 30, 2 };
		struct fake_device e = { 12345.0, 0, 0 };

		saturate_search(&RFC, &two, fake_round, &e, &res);
		assert_int_equal(e.rounds, 8 + 2);
	}
	/* the first round fails: halve until one passes */
	d.capacity = 300;
	d.rounds = 0;
	saturate_search(&RFC, &plan, fake_round, &d, &res);
	assert_true(res.good_rate && (double)res.good_rate / 1000.0 <= 300);
	assert_true((double)res.bad_rate <= 1.01 * (double)res.good_rate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_each_reason),
		cmocka_unit_test(test_blame_order),
		cmocka_unit_test(test_sample_unstarted),
		cmocka_unit_test(test_rfc9411_judge),
		cmocka_unit_test(test_rfc9411_search),
	};

	return cmocka_run_group_tests_name("saturate", tests, NULL, NULL);
}
