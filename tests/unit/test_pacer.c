/* Unit tests: pacer.c - the open-loop schedule. */
#include <setjmp.h>
#include <errno.h>
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
			assert_false(pacer_done(&p));
			assert_true(due >= prev);
			assert_true(due < 100 + 2 * NS_PER_S);
			assert_int_equal(due, pacer_due(100, 7000, p.next_i));
			assert_int_equal(p.next_i % T, t);
			seen |= 1ULL << p.next_i;
			count++;
			prev = due;
			pacer_advance(&p);
		}
		assert_true(pacer_done(&p));
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
			assert_int_equal(pacer_done(&p), made == (total - t + T - 1) / T);
			made += pacer_drop(&p);
			assert_false(pacer_peek(&p, &due));
			assert_true(pacer_done(&p));
			assert_int_equal(pacer_drop(&p), 0);
			assert_int_equal(made, (total - t + T - 1) / T);
		}
		all += made;
	}
	assert_int_equal(all, total);
}

/* --- phases --- */

#define RPS(x) ((uint64_t)(x) * 1000)	/* connections/s in milli */

static const struct ramp ramp_1s = {
	.init_milli = RPS(1000), .rate_milli = RPS(3000),
	.up_ns = NS_PER_S, .sustain_ns = NS_PER_S, .down_ns = NS_PER_S,
};

/*
 * 1000/s to 3000/s over 1 s: N(t) = 1000 t + 1000 t^2, so N = 2000 at the
 * end of the ramp-up and connection 750 is due at exactly 0.5 s; the
 * ramp-down mirrors it: N = 3000 t - 1000 t^2, 1250 at 0.5 s.
 */
static void test_ramp_known_points(void **state)
{
	const struct ramp *r = &ramp_1s;
	const struct ramp gold = { RPS(1), RPS(3), NS_PER_S, 0, 0 };

	(void)state;
	assert_int_equal(pacer_ramp_check(r), 0);
	assert_int_equal(pacer_ramp_duration_ns(r), 3 * NS_PER_S);
	assert_int_equal(pacer_ramp_edge(r, PHASE_RAMP_UP), 2000);
	assert_int_equal(pacer_ramp_edge(r, PHASE_SUSTAIN), 5000);
	assert_int_equal(pacer_ramp_edge(r, PHASE_RAMP_DOWN), 7000);
	assert_int_equal(pacer_ramp_due(r, 0), 0);
	assert_int_equal(pacer_ramp_due(r, 750), NS_PER_S / 2);
	assert_int_equal(pacer_ramp_due(r, 2000), NS_PER_S);
	assert_int_equal(pacer_ramp_due(r, 2001), NS_PER_S + 333333);
	assert_int_equal(pacer_ramp_due(r, 5000), 2 * NS_PER_S);
	assert_int_equal(pacer_ramp_due(r, 5000 + 1250), 2 * NS_PER_S + NS_PER_S / 2);
	assert_true(pacer_ramp_due(r, 6999) < 3 * NS_PER_S);
	/* the phase boundaries: the last of one phase, the first of the next */
	assert_int_equal(pacer_ramp_phase(r, 1999), PHASE_RAMP_UP);
	assert_int_equal(pacer_ramp_phase(r, 2000), PHASE_SUSTAIN);
	assert_int_equal(pacer_ramp_phase(r, 4999), PHASE_SUSTAIN);
	assert_int_equal(pacer_ramp_phase(r, 5000), PHASE_RAMP_DOWN);
	assert_true(pacer_ramp_due(r, 1999) < NS_PER_S);
	assert_true(pacer_ramp_due(r, 4999) < 2 * NS_PER_S);
	assert_int_equal(pacer_ramp_phase_at(r, NS_PER_S - 1), PHASE_RAMP_UP);
	assert_int_equal(pacer_ramp_phase_at(r, NS_PER_S), PHASE_SUSTAIN);
	assert_int_equal(pacer_ramp_phase_at(r, 2 * NS_PER_S), PHASE_RAMP_DOWN);
	/* 1/s to 3/s over 1 s: t + t^2 = 1 at t = (sqrt 5 - 1) / 2 */
	assert_int_equal(pacer_ramp_edge(&gold, PHASE_RAMP_DOWN), 2);
	assert_int_equal(pacer_ramp_due(&gold, 1), 618033988);
}

/*
 * Connection i is due at the last nanosecond where the integral of the
 * rate (in units of 2 x milli x ns, one connection = 2e12) is at most i:
 * checked in each phase's own terms, in integers, scaled by the ramp's
 * length so that nothing is rounded.
 */
static void assert_exact(const struct ramp *r, uint64_t i)
{
	const __int128 R0 = r->init_milli, R = r->rate_milli, c = R - R0;
	const __int128 U = r->up_ns, S = r->sustain_ns, D = r->down_ns;
	__int128 y = (__int128)i * 2000000000000LL, t = pacer_ramp_due(r, i), tau;

	if (i < pacer_ramp_edge(r, PHASE_RAMP_UP)) {
		assert_true(t < U);
		assert_true(2 * R0 * U * t + c * t * t <= U * y);
		assert_true(2 * R0 * U * (t + 1) + c * (t + 1) * (t + 1) > U * y);
		return;
	}
	y -= (R0 + R) * U;
	if (i < pacer_ramp_edge(r, PHASE_SUSTAIN)) {
		tau = t - U;
		assert_true(tau >= 0 && tau < S);
		assert_true(2 * R * tau <= y && 2 * R * (tau + 1) > y);
		return;
	}
	y -= 2 * R * S;
	tau = t - U - S;
	assert_true(tau >= 0 && tau < D);
	assert_true(2 * R * D * tau - c * tau * tau <= D * y);
	assert_true(2 * R * D * (tau + 1) - c * (tau + 1) * (tau + 1) > D * y);
}

/*
 * 10^5/s to 10^6/s in 100 s, 1000 s at 10^6/s, down again in 100 s: over
 * 10^9 starts, with every due time the exact one.
 */
static void test_ramp_no_drift(void **state)
{
	const struct ramp r = { RPS(100000), RPS(1000000), 100 * NS_PER_S,
				1000 * NS_PER_S, 100 * NS_PER_S };
	const uint64_t e1 = 55000000ULL, e2 = e1 + 1000000000ULL;
	uint64_t i, prev = 0;

	(void)state;
	assert_int_equal(pacer_ramp_edge(&r, PHASE_RAMP_UP), e1);
	assert_int_equal(pacer_ramp_edge(&r, PHASE_SUSTAIN), e2);
	assert_int_equal(pacer_ramp_edge(&r, PHASE_RAMP_DOWN), e2 + e1);
	/* N(50 s) = 5e6 + 9e5 * 50^2 / 200 = 16.25e6; the mirror 38.75e6 */
	assert_int_equal(pacer_ramp_due(&r, 16250000), 50 * NS_PER_S);
	assert_int_equal(pacer_ramp_due(&r, e2 + 38750000), 1150 * NS_PER_S);
	assert_int_equal(pacer_ramp_due(&r, e2 - 1), 1100 * NS_PER_S - 1000);
	assert_int_equal(pacer_ramp_due(&r, e1 + 123456789), 100 * NS_PER_S + 123456789000ULL);
	for (i = 0; i < e2 + e1; i += 999983) {
		uint64_t t = pacer_ramp_due(&r, i);

		assert_true(t >= prev);
		prev = t;
		assert_exact(&r, i);
	}
	for (i = e1 - 3; i < e1 + 3; i++)
		assert_exact(&r, i);
	for (i = e2 - 3; i < e2 + 3; i++)
		assert_exact(&r, i);
	for (i = e2 + e1 - 3; i < e2 + e1; i++)
		assert_exact(&r, i);
}

/* R0 = R is the constant schedule; zero-length phases drop out. */
static void test_ramp_edges(void **state)
{
	const uint64_t R = 7000;	/* 7/s */
	struct ramp flat = { R, R, NS_PER_S, NS_PER_S, NS_PER_S };
	struct ramp sus = { R / 7, R, 0, 2 * NS_PER_S, 0 };
	struct ramp peak = ramp_1s;
	uint64_t i;

	(void)state;
	for (i = 0; i < 21; i++)
		assert_int_equal(pacer_ramp_due(&flat, i), pacer_due(0, R, i));
	assert_int_equal(pacer_ramp_edge(&flat, PHASE_RAMP_DOWN), pacer_total(R, 3 * NS_PER_S));
	for (i = 0; i < 14; i++) {
		assert_int_equal(pacer_ramp_due(&sus, i), pacer_due(0, R, i));
		assert_int_equal(pacer_ramp_phase(&sus, i), PHASE_SUSTAIN);
	}
	assert_int_equal(pacer_ramp_edge(&sus, PHASE_RAMP_UP), 0);
	assert_int_equal(pacer_ramp_edge(&sus, PHASE_RAMP_DOWN), 14);
	/* no sustain: straight from the ramp-up into the ramp-down */
	peak.sustain_ns = 0;
	assert_int_equal(pacer_ramp_edge(&peak, PHASE_SUSTAIN), 2000);
	assert_int_equal(pacer_ramp_edge(&peak, PHASE_RAMP_DOWN), 4000);
	assert_int_equal(pacer_ramp_phase(&peak, 2000), PHASE_RAMP_DOWN);
	assert_int_equal(pacer_ramp_due(&peak, 2000), NS_PER_S);
	assert_int_equal(pacer_ramp_due(&peak, 2000 + 1250), NS_PER_S + NS_PER_S / 2);
	/* what no schedule can follow */
	peak.init_milli = 0;
	assert_int_equal(pacer_ramp_check(&peak), -EINVAL);
	peak.init_milli = peak.rate_milli + 1;
	assert_int_equal(pacer_ramp_check(&peak), -EINVAL);
	peak = ramp_1s;
	peak.up_ns = peak.sustain_ns = peak.down_ns = 0;
	assert_int_equal(pacer_ramp_check(&peak), -EINVAL);
	peak = ramp_1s;
	peak.up_ns = RAMP_MAX_NS + 1;
	assert_int_equal(pacer_ramp_check(&peak), -EINVAL);
}

/* Threads share a ramp as they share a constant schedule; per-phase leftovers. */
static void test_ramp_threads(void **state)
{
	const unsigned T = 3;
	const uint64_t total = pacer_ramp_edge(&ramp_1s, PHASE_RAMP_DOWN);
	uint64_t count = 0, below = 0, dropped = 0;
	struct pacer p;
	mono_ns due;
	unsigned t;

	(void)state;
	for (t = 0; t < T; t++) {
		pacer_init_ramp(&p, 10, &ramp_1s, t, T);
		while (pacer_peek(&p, &due)) {
			assert_int_equal(due, 10 + pacer_ramp_due(&ramp_1s, p.next_i));
			assert_int_equal(p.next_i % T, t);
			count++;
			pacer_advance(&p);
			if (p.next_i >= 4000)
				break;
		}
		below += pacer_left_below(&p, 5000);
		dropped += pacer_drop(&p);
	}
	assert_int_equal(count + dropped, total);
	assert_int_equal(below, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_threads_partition),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_ramp_known_points),
		cmocka_unit_test(test_ramp_no_drift),
		cmocka_unit_test(test_ramp_edges),
		cmocka_unit_test(test_ramp_threads),
	};

	return cmocka_run_group_tests_name("pacer", tests, NULL, NULL);
}
