/* Unit tests: addr.c - endpoints, ranges, ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"

static void test_endpoint(void **state)
{
	struct endpoint e;
	char buf[80];

	(void)state;
	assert_int_equal(addr_parse_endpoint("127.0.0.1:7171", &e), 0);
	assert_int_equal(e.ss.ss_family, AF_INET);
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "127.0.0.1:7171");
	assert_int_equal(addr_parse_endpoint("[::1]:80", &e), 0);
	assert_int_equal(e.ss.ss_family, AF_INET6);
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "[::1]:80");
	assert_int_equal(addr_parse_endpoint("localhost:80", &e), 0);
	assert_int_equal(addr_port(&e), 80);
	assert_int_equal(addr_parse_endpoint("::1:80", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("127.0.0.1", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("127.0.0.1:0", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("127.0.0.1:65536", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("127.0.0.1:1k", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint(":80", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("[::1]80", &e), -EINVAL);
	assert_int_equal(addr_parse_endpoint("no-such-host.invalid:80", &e), -ENOENT);
}

static void test_range(void **state)
{
	struct addr_range r;
	struct endpoint e;
	char buf[80];

	(void)state;
	assert_int_equal(addr_parse_range("10.0.0.250-10.0.1.4", &r), 0);
	assert_int_equal(r.count, 11);
	addr_range_nth(&r, 0, &e);
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "10.0.0.250:0");
	addr_range_nth(&r, 6, &e);	/* carries into the third byte */
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "10.0.1.0:0");
	addr_range_nth(&r, 11, &e);	/* wraps round */
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "10.0.0.250:0");
	assert_int_equal(addr_parse_range("fd00::1-fd00::3", &r), 0);
	assert_int_equal(r.count, 3);
	addr_range_nth(&r, 2, &e);
	assert_string_equal(addr_format(&e, buf, sizeof(buf)), "[fd00::3]:0");
	assert_int_equal(addr_parse_range("10.0.0.1", &r), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(addr_parse_range("10.0.0.5-10.0.0.1", &r), -ERANGE);
	assert_int_equal(addr_parse_range("10.0.0.1-fd00::1", &r), -EINVAL);
	assert_int_equal(addr_parse_range("10.0.0.x", &r), -EINVAL);
}

static void test_ports(void **state)
{
	uint16_t lo, hi;

	(void)state;
	assert_int_equal(addr_parse_ports("2345", &lo, &hi), 0);
	assert_int_equal(lo, 2345);
	assert_int_equal(hi, 2345);
	assert_int_equal(addr_parse_ports("2345-2348", &lo, &hi), 0);
	assert_int_equal(hi, 2348);
	assert_int_equal(addr_parse_ports("2348-2345", &lo, &hi), -EINVAL);
	assert_int_equal(addr_parse_ports("0", &lo, &hi), -EINVAL);
	assert_int_equal(addr_parse_ports("70000", &lo, &hi), -EINVAL);
	assert_int_equal(addr_parse_ports("2k", &lo, &hi), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
