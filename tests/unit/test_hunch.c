/*
 * test_hunch.c - when the send-at-connect and read-at-accept shortcuts are
 * tried: while they hit, and one connection in 64 once they miss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loop.h"

/* How many of n connections would try the shortcut, none of them hitting. */
static unsigned tries_missing(struct hunch *h, unsigned n)
{
	unsigned k = 0;

	while (n--)
		if (hunch_try(h)) {
			k++;
			hunch_note(h, false);
		}
	return k;
}

static void test_tries_while_hitting(void **state)
{
	struct hunch h = { 0, 0 };
	unsigned i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_true(hunch_try(&h));
		hunch_note(&h, true);
	}
	assert_int_equal(h.score, 8);	/* bounded: a change is noticed soon */
}

static void test_misses_stop_it_probes_go_on(void **state)
{
	struct hunch h = { 0, 0 };

	(void)state;
	/* from a fresh start a single miss stops it ... */
	assert_int_equal(tries_missing(&h, 1), 1);
	assert_false(hunch_try(&h));
	/* ... and from then on one in 64 probes */
	assert_int_equal(tries_missing(&h, 64 * 100), 100);
	assert_int_equal(h.score, -8);
}

static void test_hits_bring_it_back(void **state)
{
	struct hunch h = { 0, 0 };
	unsigned n = 0;

	(void)state;
	(void)tries_missing(&h, 10000);
	/* the peer moved close: probes hit, and tries resume */
	for (n = 0; h.score < 0 && n < 100000; n++)
		if (hunch_try(&h))
			hunch_note(&h, true);
	assert_true(n <= 8 * 64);
	/* three hits to a miss: it keeps trying */
	for (n = 0; n < 1000; n++) {
		assert_true(hunch_try(&h));
		hunch_note(&h, n % 4 != 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tries_while_hitting),
		cmocka_unit_test(test_misses_stop_it_probes_go_on),
		cmocka_unit_test(test_hits_bring_it_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
