/* Unit tests: walltime.c - RFC 3339 and @EPOCH parsing, formatting, --start-at limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cli.h"
#include "walltime.h"

/* The independent reference: libc's timegm of the broken-down time. */
static int64_t ref(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm) * 1000000000;
}

static void test_rfc3339(void **state)
{
	wall_ns t;

	(void)state;
	assert_int_equal(walltime_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(walltime_parse("2026-11-30T06:00:05Z", &t), 0);
	assert_int_equal(t, ref(2026, 11, 30, 6, 0, 5));
	/* fractions, lower case, a space, offsets east and west */
	assert_int_equal(walltime_parse("2026-11-30t06:00:05.25z", &t), 0);
	assert_int_equal(t, ref(2026, 11, 30, 6, 0, 5) + 250000000);
	assert_int_equal(walltime_parse("2026-11-30 07:30:05.000000001+01:30", &t), 0);
	assert_int_equal(t, ref(2026, 11, 30, 6, 0, 5) + 1);
	assert_int_equal(walltime_parse("2026-11-29T23:00:05-07:00", &t), 0);
	assert_int_equal(t, ref(2026, 11, 30, 6, 0, 5));
	/* leap days: 2024 and 2000 have one, 2023 and 2100 not */
	assert_int_equal(walltime_parse("2024-02-29T23:59:59.999999999Z", &t), 0);
	assert_int_equal(t, ref(2024, 3, 1, 0, 0, 0) - 1);
	assert_int_equal(walltime_parse("2000-02-29T00:00:00Z", &t), 0);
	assert_int_equal(t, ref(2000, 2, 29, 0, 0, 0));
	assert_int_equal(walltime_parse("2023-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(walltime_parse("2100-02-29T00:00:00Z", &t), -EINVAL);
}

static void test_rfc3339_refused(void **state)
{
	static const char *const bad[] = {
		"", "2026-11-30", "2026-11-30T06:00:05", "2026-11-30T06:00Z",
		"2026-11-30T24:00:00Z", "2026-11-30T06:60:00Z", "2026-11-30T06:00:60Z",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-11-30T06:00:05.Z", "2026-11-30T06:00:05.1234567890Z",
		"2026-11-30T06:00:05+01", "2026-11-30T06:00:05+01:60",
		"2026-11-30T06:00:05+24:00", "2026-11-30T06:00:05Zjunk",
		"2026-11-30T06:00:05 Z", "26-11-30T06:00:05Z", "1969-12-31T23:59:59Z",
		"2026-11-30X06:00:05Z", "+2026-11-30T06:00:05Z",
	};
	wall_ns t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (walltime_parse(bad[i], &t) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_epoch(void **state)
{
	static const char *const bad[] = {
		"@", "@.5", "@1.", "@-1", "@1e9", "@1.2.3", "@ 1", "@1 ", "@123456789012",
		"@1.0123456789",
	};
	wall_ns t;
	size_t i;

	(void)state;
	assert_int_equal(walltime_parse("@1795932005", &t), 0);
	assert_int_equal(t, 1795932005LL * 1000000000);
	assert_int_equal(walltime_parse("@1795932005.5", &t), 0);
	assert_int_equal(t, 1795932005LL * 1000000000 + 500000000);
	assert_int_equal(walltime_parse("@0.000000001", &t), 0);
	assert_int_equal(t, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (walltime_parse(bad[i], &t) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_format_and_clocks(void **state)
{
	char buf[40];
	wall_ns t = ref(2026, 11, 30, 6, 0, 5) + 123456789, back;
	int64_t off = walltime_mono_offset();
	mono_ns m = clock_now_ns();

	(void)state;
	assert_string_equal(walltime_format(t, buf, sizeof(buf)),
			    "2026-11-30T06:00:05.123456Z");
	assert_int_equal(walltime_parse(buf, &back), 0);
	assert_int_equal(back, t - 789);	/* microseconds kept */
	assert_int_equal(walltime_to_mono(walltime_from_mono(m, off), off), m);
	/* the offset maps now to now, within a scheduling hiccup */
	back = walltime_from_mono(clock_now_ns(), off) - walltime_now();
	assert_true(back > -50000000 && back < 50000000);
}

/* --start-at: a time in the past, or more than a day ahead, is refused. */
static int start_at(const char *when, char *err, size_t len)
{
	static struct config c;
	char a0[] = "client", a1[] = "--target", a2[] = "127.0.0.1:9", a3[] = "--rate",
	     a4[] = "10", a5[] = "--start-at", a6[64];
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };
	int rc;

	snprintf(a6, sizeof(a6), "%s", when);
	rc = cli_parse(&c, MODE_CLIENT, 7, argv, err, len);
	if (!rc)
		rc = cli_validate(&c, err, len);
	cli_free(&c);
	return rc;
}

static void test_start_at_limits(void **state)
{
	char err[256], when[64];
	time_t now = time(NULL);

	(void)state;
	snprintf(when, sizeof(when), "@%lld", (long long)now - 10);
	assert_int_equal(start_at(when, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in the past"));
	snprintf(when, sizeof(when), "@%lld.5", (long long)now + 2 * 86400);
	assert_int_equal(start_at(when, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than a day ahead"));
	snprintf(when, sizeof(when), "@%lld.25", (long long)now + 60);
	assert_int_equal(start_at(when, err, sizeof(err)), 0);
	assert_int_equal(start_at("tomorrow", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--start-at 'tomorrow'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_rfc3339_refused),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_format_and_clocks),
		cmocka_unit_test(test_start_at_limits),
	};

	return cmocka_run_group_tests_name("walltime", tests, NULL, NULL);
}
