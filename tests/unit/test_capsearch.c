/* Unit tests: capsearch.c - the capacity search on simulated devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsearch.h"

/*
 * A device that holds at most cap connections: a round of n > cap holds
 * cap - short_by (a table may be partly taken by others), the rest fail
 * to open.  Runs the search to its end; returns the rounds it took.
 */
static unsigned simulate(struct capsearch *s, uint64_t cap, uint64_t short_by)
{
	unsigned rounds = 0;
	uint64_t n;

	while ((n = capsearch_next(s)) != 0) {
		uint64_t held = n <= cap ? n : cap - short_by;

		assert_true(rounds < 100);
		rounds++;
		capsearch_note(s, n, held == n ? CAP_HELD : CAP_OPEN, held);
	}
	return rounds;
}

static void test_finds_table_size(void **state)
{
	static const uint64_t caps[] = { 500, 4096, 10000, 3, 123457 };
	struct capsearch s;
	unsigned i, rounds;

	(void)state;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		capsearch_init(&s, 1000, 2.0, 0, 30, 1000000);
		rounds = simulate(&s, caps[i], 0);
		/* a full table holds exactly its size: the hint finds it */
		assert_int_equal(s.good, caps[i]);
		assert_true(s.bad > s.good);
		assert_int_equal(s.why_bad, CAP_OPEN);
		/* steps, the hint, one step past it */
		assert_true(rounds <= 12);
		assert_true(s.bad - s.good <= 1 + s.good / 200);
	}
}

static void test_bisects_when_hint_is_low(void **state)
{
	struct capsearch s;

	(void)state;
	/* failed rounds hold 40 fewer than the device can: bisect to 0.5% */
	capsearch_init(&s, 1000, 1.5, 0, 30, 1000000);
	simulate(&s, 10000, 40);
	assert_true(s.good <= 10000);
	assert_true(s.good >= 10000 - 10000 / 200);
	assert_true(s.bad - s.good <= 1 + s.good / 200);
}

static void test_refine_caps_rounds(void **state)
{
	struct capsearch s;

	(void)state;
	capsearch_init(&s, 1000, 2.0, 2, 30, 1000000);
	/* 1000..8000 held, 16000 not; two bisecting rounds: 12000, 10000 */
	simulate(&s, 9000, 3000);
	assert_int_equal(s.bisects, 2);
	assert_int_equal(s.good, 8000);
	assert_int_equal(s.bad, 10000);
}

static void test_first_round_fails(void **state)
{
	struct capsearch s;

	(void)state;
	capsearch_init(&s, 1000, 2.0, 0, 30, 1000000);
	assert_int_equal(simulate(&s, 100, 0), 3);	/* 1000, 100, 101 */
	assert_int_equal(s.good, 100);
	assert_int_equal(s.bad, 101);
}

static void test_client_limit_is_not_device(void **state)
{
	struct capsearch s;

	(void)state;
	/* the device holds anything; the client has 3000 ports */
	capsearch_init(&s, 1000, 2.0, 0, 30, 3000);
	simulate(&s, 1000000, 0);
	assert_int_equal(s.good, 3000);
	assert_true(s.client_hit);
	assert_int_equal(s.bad, 0);
	/* the last round allowed, at the client's limit: still the client's */
	capsearch_init(&s, 200000, 2.0, 0, 1, 19936);
	assert_int_equal(simulate(&s, 1000000, 0), 1);
	assert_int_equal(s.good, 19936);
	assert_true(s.client_hit);
	/* a round that failed on the client's side ends the search */
	capsearch_init(&s, 1000, 2.0, 0, 30, 1000000);
	assert_int_equal(capsearch_next(&s), 1000);
	capsearch_note(&s, 1000, CAP_HELD, 1000);
	assert_int_equal(capsearch_next(&s), 2000);
	capsearch_note(&s, 2000, CAP_CLIENT, 1500);
	assert_int_equal(capsearch_next(&s), 0);
	assert_int_equal(s.good, 1000);
	assert_string_equal(capsearch_reason(s.why_bad), "client");
}

static void test_rounds_run_out(void **state)
{
	struct capsearch s;

	(void)state;
	capsearch_init(&s, 10, 2.0, 0, 3, 1000000);
	simulate(&s, 1000000, 0);
	assert_int_equal(s.good, 40);
	assert_int_equal(s.why_bad, CAP_LIMIT);
}

static void test_judge(void **state)
{
	static struct hold_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.spec.target = 100;
	r.s.started = 100;
	r.established = 100;
	r.held = 100;
	assert_int_equal(capsearch_judge(&r), CAP_HELD);
	r.held = 90;
	r.lost = 10;
	r.s.err[OUT_TIMEOUT] = 10;
	assert_int_equal(capsearch_judge(&r), CAP_ANSWER);
	r.established = 95;	/* 5 never opened: opening is blamed first */
	assert_int_equal(capsearch_judge(&r), CAP_OPEN);
	r.s.err[OUT_ADDR_NOT_AVAIL] = 1;	/* the client's ports: never the device */
	assert_int_equal(capsearch_judge(&r), CAP_CLIENT);
	r.s.err[OUT_ADDR_NOT_AVAIL] = 0;
	r.s.err[OUT_FD_LIMIT] = 1;
	assert_int_equal(capsearch_judge(&r), CAP_CLIENT);
	r.s.err[OUT_FD_LIMIT] = 0;
	r.s.unstarted = 1;
	assert_int_equal(capsearch_judge(&r), CAP_CLIENT);
	r.interrupted = true;
	assert_int_equal(capsearch_judge(&r), CAP_INTERRUPTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_table_size),
		cmocka_unit_test(test_bisects_when_hint_is_low),
		cmocka_unit_test(test_refine_caps_rounds),
		cmocka_unit_test(test_first_round_fails),
		cmocka_unit_test(test_client_limit_is_not_device),
		cmocka_unit_test(test_rounds_run_out),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests_name("capsearch", tests, NULL, NULL);
}
