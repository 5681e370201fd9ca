/* Unit tests: units.c - strict number parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "units.h"

static void test_count(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(units_parse_count("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(units_parse_count("10k", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(units_parse_count("2.5M", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2500000);
	assert_int_equal(units_parse_count("1G", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1000000000);
	assert_int_equal(units_parse_count("101", 0, 100, &v), -ERANGE);
	assert_int_equal(units_parse_count("0", 1, 100, &v), -ERANGE);
	assert_int_equal(units_parse_count("abc", 0, 100, &v), -EINVAL);
	assert_int_equal(units_parse_count("", 0, 100, &v), -EINVAL);
	assert_int_equal(units_parse_count("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(units_parse_count("12x", 0, 100, &v), -EINVAL);
	assert_int_equal(units_parse_count(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(units_parse_count("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
}

static void test_duration(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(units_parse_duration_ns("2", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2000000000ULL);
	assert_int_equal(units_parse_duration_ns("0.001", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1000000ULL);
	assert_int_equal(units_parse_duration_ns("500us", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 500000ULL);
	assert_int_equal(units_parse_duration_ns("10ms", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 10000000ULL);
	assert_int_equal(units_parse_duration_ns("250ns", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(units_parse_duration_ns("1.5s", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1500000000ULL);
	assert_int_equal(units_parse_duration_ns("2m", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 120000000000ULL);
	assert_int_equal(units_parse_duration_ns("1h", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 3600000000000ULL);
	assert_int_equal(units_parse_duration_ns("-1", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(units_parse_duration_ns("1d", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(units_parse_duration_ns(".", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(units_parse_duration_ns("0", 1, UINT64_MAX, &v), -ERANGE);
}

static void test_rate(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(units_parse_rate_milli("2000", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(units_parse_rate_milli("2k", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(units_parse_rate_milli("0.5", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(units_parse_rate_milli("1.5k", 1, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1500000);
	assert_int_equal(units_parse_rate_milli("0", 1, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(units_parse_rate_milli("0.0001", 1, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(units_parse_rate_milli("fast", 1, UINT64_MAX, &v), -EINVAL);
}

static void test_double(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(units_parse_double("1.5", 1.0, 2.0, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(units_parse_double("3", 1.0, 2.0, &d), -ERANGE);
	assert_int_equal(units_parse_double("nan", 0, 2.0, &d), -EINVAL);
	assert_int_equal(units_parse_double("inf", 0, 2.0, &d), -EINVAL);
	assert_int_equal(units_parse_double("1.5x", 0, 2.0, &d), -EINVAL);
	assert_int_equal(units_parse_double("", 0, 2.0, &d), -EINVAL);
}

static void test_cpulist(void **state)
{
	unsigned short c[8];
	unsigned n = 99;

	(void)state;
	assert_int_equal(units_parse_cpulist("3", 64, c, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0], 3);
	/* in the order written, duplicates dropped */
	assert_int_equal(units_parse_cpulist("4-6,0,5,1", 64, c, 8, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(c[0], 4);
	assert_int_equal(c[1], 5);
	assert_int_equal(c[2], 6);
	assert_int_equal(c[3], 0);
	assert_int_equal(c[4], 1);
	assert_int_equal(units_parse_cpulist("0-7", 8, c, 8, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(units_parse_cpulist("0-8", 64, c, 8, &n), -ERANGE);
	assert_int_equal(units_parse_cpulist("8", 8, c, 8, &n), -ERANGE);
	assert_int_equal(units_parse_cpulist("", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("1,", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist(",1", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("3-1", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("1-", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("-1", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("1 2", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("0x1", 64, c, 8, &n), -EINVAL);
	assert_int_equal(units_parse_cpulist("123456", 1 << 20, c, 8, &n), -EINVAL);
	assert_int_equal(n, 8);	/* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
