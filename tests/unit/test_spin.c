/*
 * test_spin.c - how early an open-loop worker wakes for a start (--spin):
 * fixed, off, or learned from the kernel's wake-up latency and bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "spin.h"

#define US NS_PER_US
#define LOOP_FOREVER_NS UINT64_MAX

/* n samples of late_ns each */
static void note_n(struct spin *s, unsigned n, mono_ns late_ns)
{
	while (n--)
		spin_note(s, late_ns);
}

static void test_fixed_and_off(void **state)
{
	struct spin s;

	(void)state;
	spin_init(&s, 50 * US, false, 1000 * US);
	assert_int_equal(spin_margin(&s), 50 * US);
	note_n(&s, 3 * SPIN_WINDOW, 400 * US);	/* a fixed margin does not learn */
	assert_int_equal(spin_margin(&s), 50 * US);
	/* a fixed margin is the user's: not capped by the gap */
	spin_init(&s, 50 * US, false, 10 * US);
	assert_int_equal(spin_margin(&s), 50 * US);
	spin_init(&s, 0, false, 1000 * US);
	note_n(&s, SPIN_WINDOW, 30 * US);
	assert_int_equal(spin_margin(&s), 0);
	/* closed loop: no schedule, no margin */
	spin_init(&s, 50 * US, false, 0);
	assert_int_equal(spin_margin(&s), 0);
	spin_init(&s, 0, true, 0);
	note_n(&s, SPIN_WINDOW, 30 * US);
	assert_int_equal(spin_margin(&s), 0);
}

static void test_auto_learns_per_window(void **state)
{
	struct spin s;

	(void)state;
	spin_init(&s, 0, true, 2000 * US);
	note_n(&s, SPIN_WINDOW - 1, 30 * US);
	assert_int_equal(spin_margin(&s), 0);	/* not a full window yet */
	spin_note(&s, 30 * US);
	assert_int_equal(spin_margin(&s), 30 * US);
	/* the machine got quieter: the next window says so */
	note_n(&s, SPIN_WINDOW, 5 * US);
	assert_int_equal(spin_margin(&s), 5 * US);
}

static void test_auto_ignores_one_outlier(void **state)
{
	struct spin s;
	unsigned i;

	(void)state;
	spin_init(&s, 0, true, 2000 * US);
	for (i = 0; i < SPIN_WINDOW; i++)
		spin_note(&s, i == 17 ? 5000 * US : 10 * US + i * 100);
	/* the second largest is 10us + 63 * 100ns */
	assert_int_equal(spin_margin(&s), 10 * US + 63 * 100);
	/* two outliers are a tail: the margin follows, up to the cap */
	for (i = 0; i < SPIN_WINDOW; i++)
		spin_note(&s, i < 2 ? 300 * US : 10 * US);
	assert_int_equal(spin_margin(&s), 300 * US);
	for (i = 0; i < SPIN_WINDOW; i++)
		spin_note(&s, i < 2 ? 5000 * US : 10 * US);
	assert_int_equal(spin_margin(&s), 400 * US);	/* 2000us / 5 */
}

static void test_auto_capped_by_gap_and_max(void **state)
{
	struct spin s;

	(void)state;
	/* 25,000/s on 2 threads: 80us between a thread's starts, 16 to spend */
	spin_init(&s, 0, true, 80 * US);
	note_n(&s, SPIN_WINDOW, 8 * US);
	assert_int_equal(spin_margin(&s), 8 * US);
	note_n(&s, SPIN_WINDOW, 40 * US);
	assert_int_equal(spin_margin(&s), 16 * US);
	/* 1/s: the gap allows a lot, SPIN_MAX_NS does not */
	spin_init(&s, 0, true, 1000000 * US);
	note_n(&s, SPIN_WINDOW, 3000 * US);
	assert_int_equal(spin_margin(&s), SPIN_MAX_NS);
	/* lateness beyond 32 bits of ns is clamped (huge: the cap), not
	 * wrapped (to 100us) */
	note_n(&s, SPIN_WINDOW, (1ULL << 32) + 100 * US);
	assert_int_equal(spin_margin(&s), SPIN_MAX_NS);
}

/*
 * The cost of a sleep: a wait shorter than it is polled, under auto only,
 * and only once it has been measured.
 */
static void test_poll_when_sleep_costs_more(void **state)
{
	struct spin s;

	(void)state;
	spin_init(&s, 0, true, 40 * US);
	assert_false(spin_poll(&s, 1));		/* nothing measured: sleep */
	spin_note_cost(&s, 20 * US);
	assert_true(spin_poll(&s, 0));
	assert_true(spin_poll(&s, 19 * US));
	assert_true(spin_poll(&s, 20 * US));
	assert_false(spin_poll(&s, 21 * US));
	assert_false(spin_poll(&s, LOOP_FOREVER_NS));
	/* fixed margins and off never poll for cost: --spin off sleeps */
	spin_init(&s, 10 * US, false, 40 * US);
	spin_note_cost(&s, 20 * US);
	assert_false(spin_poll(&s, 1 * US));
	spin_init(&s, 0, false, 40 * US);
	spin_note_cost(&s, 20 * US);
	assert_false(spin_poll(&s, 1 * US));
	/* the closed loop has no schedule to keep */
	spin_init(&s, 0, true, 0);
	spin_note_cost(&s, 20 * US);
	assert_false(spin_poll(&s, 1 * US));
}

/* busy: every wait up to the gap is polled, measured costs or not */
static void test_busy_polls_up_to_the_gap(void **state)
{
	struct spin s;

	(void)state;
	spin_init(&s, 0, false, 500 * US);
	spin_set_busy(&s);
	assert_true(spin_poll(&s, 0));
	assert_true(spin_poll(&s, 500 * US));
	assert_false(spin_poll(&s, 501 * US));	/* past the schedule: sleep */
	spin_note_cost(&s, 1 * US);		/* not learnt */
	note_n(&s, SPIN_WINDOW, 30 * US);
	assert_true(spin_poll(&s, 400 * US));
	assert_int_equal(spin_margin(&s), 0);	/* it never sleeps to a start */
	/* the closed loop has no gap: nothing to poll for */
	spin_init(&s, 0, false, 0);
	spin_set_busy(&s);
	assert_false(spin_poll(&s, 0));
}

/* The median of the last window: outliers either side do not move it. */
static void test_cost_median_of_window(void **state)
{
	struct spin s;
	unsigned i;

	(void)state;
	spin_init(&s, 0, true, 1000 * US);
	spin_note_cost(&s, 5 * US);
	spin_note_cost(&s, 500 * US);	/* clamped to SPIN_COST_MAX_NS */
	spin_note_cost(&s, 7 * US);
	assert_int_equal(s.sleep_cost_ns, 7 * US);
	for (i = 0; i < SPIN_COST_WINDOW; i++)
		spin_note_cost(&s, i == 3 ? 900 * US : i == 4 ? 0 : 22 * US);
	assert_int_equal(s.sleep_cost_ns, 22 * US);
	assert_true(spin_poll(&s, 22 * US));
	/* the machine changed: the window follows it, and keeps following */
	for (i = 0; i < 5 * SPIN_COST_WINDOW; i++)
		spin_note_cost(&s, 3 * US);
	assert_int_equal(s.sleep_cost_ns, 3 * US);
	assert_false(spin_poll(&s, 4 * US));
	/* no more than the cap, however long sleeps took */
	for (i = 0; i < SPIN_COST_WINDOW; i++)
		spin_note_cost(&s, 10000 * US);
	assert_int_equal(s.sleep_cost_ns, SPIN_COST_MAX_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_and_off),
		cmocka_unit_test(test_auto_learns_per_window),
		cmocka_unit_test(test_auto_ignores_one_outlier),
		cmocka_unit_test(test_auto_capped_by_gap_and_max),
		cmocka_unit_test(test_poll_when_sleep_costs_more),
		cmocka_unit_test(test_cost_median_of_window),
		cmocka_unit_test(test_busy_polls_up_to_the_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
