/* Unit tests: stats.c - error classes and merging. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "stats.h"

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(stats_classify(ECONNREFUSED), OUT_REFUSED);
	assert_int_equal(stats_classify(ECONNRESET), OUT_RESET);
	assert_int_equal(stats_classify(EPIPE), OUT_RESET);
	assert_int_equal(stats_classify(ETIMEDOUT), OUT_SYN_TIMEOUT);
	assert_int_equal(stats_classify(EADDRNOTAVAIL), OUT_ADDR_NOT_AVAIL);
	assert_int_equal(stats_classify(EMFILE), OUT_FD_LIMIT);
	assert_int_equal(stats_classify(ENFILE), OUT_FD_LIMIT);
	assert_int_equal(stats_classify(EHOSTUNREACH), OUT_OTHER);
	assert_string_equal(stats_outcome_name(OUT_ADDR_NOT_AVAIL), "addr_not_avail");
	assert_string_equal(stats_outcome_name(OUT_OK), "ok");
}

static void test_other_table(void **state)
{
	struct stats *s = malloc(sizeof(*s));
	int i;

	(void)state;
	stats_init(s);
	stats_fail(s, OUT_OTHER, EHOSTUNREACH);
	stats_fail(s, OUT_OTHER, EHOSTUNREACH);
	stats_fail(s, OUT_OTHER, ENETUNREACH);
	assert_int_equal(s->err[OUT_OTHER], 3);
	assert_int_equal(s->other[0].err, EHOSTUNREACH);
	assert_int_equal(s->other[0].count, 2);
	assert_int_equal(s->other[1].count, 1);
	for (i = 0; i < STATS_ERRNO_SLOTS + 2; i++)
		stats_fail(s, OUT_OTHER, 1000 + i);
	assert_int_equal(s->other_unlisted, 4);
	assert_int_equal(stats_errors(s), 3 + STATS_ERRNO_SLOTS + 2);
	free(s);
}

static void test_merge(void **state)
{
	struct stats *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	(void)state;
	stats_init(a);
	stats_init(b);
	a->started = 10;
	a->ok = 8;
	stats_fail(a, OUT_TIMEOUT, 0);
	stats_fail(a, OUT_OTHER, EHOSTUNREACH);
	a->unstarted = 3;
	b->started = 5;
	b->unstarted = 2;
	b->ok = 4;
	stats_fail(b, OUT_OTHER, EHOSTUNREACH);
	b->bytes_sent = 100;
	histo_add(&b->latency, 1000);
	stats_merge(a, b);
	assert_int_equal(a->started, 15);
	assert_int_equal(a->unstarted, 5);
	assert_int_equal(a->ok, 12);
	assert_int_equal(a->ok + stats_errors(a), a->started);
	assert_int_equal(a->other[0].count, 2);
	assert_int_equal(a->bytes_sent, 100);
	assert_int_equal(a->latency.count, 1);
	free(a);
	free(b);
}

/* The time to first byte is a fourth histogram: kept apart, merged, reset. */
static void test_ttfb(void **state)
{
	struct stats *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	(void)state;
	stats_init(a);
	stats_init(b);
	histo_add(&a->ttfb, 2000);
	histo_add(&b->ttfb, 5000);
	histo_add(&b->ttfb, 7000);
	histo_add(&b->latency, 9000);
	stats_merge(a, b);
	assert_int_equal(a->ttfb.count, 3);
	assert_int_equal(histo_quantile(&a->ttfb, 0), 2000);
	assert_int_equal(histo_quantile(&a->ttfb, 1), 7000);
	assert_int_equal(a->latency.count, 1);
	assert_int_equal(a->lag.count + a->connect.count, 0);
	stats_init(a);
	assert_int_equal(a->ttfb.count, 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_other_table),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_ttfb),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
