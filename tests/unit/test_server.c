/* Unit tests: server.c - the --respond-after http scanner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "server.h"

static void test_one_piece(void **state)
{
	const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
	unsigned st = 0;

	(void)state;
	assert_int_equal(server_http_scan(&st, req, strlen(req)),
			 (long)(strstr(req, "BODY") - req));
}

static void test_split_everywhere(void **state)
{
	const char *req = "GET / HTTP/1.0\r\nA: b\r\n\r\n";
	size_t n = strlen(req), cut;

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		unsigned st = 0;
		long a = server_http_scan(&st, req, cut);

		if (a >= 0) {
			assert_int_equal(a, (long)n);
			continue;
		}
		assert_int_equal(server_http_scan(&st, req + cut, n - cut),
				 (long)(n - cut));
	}
}

static void test_not_yet(void **state)
{
	unsigned st = 0;

	(void)state;
	assert_int_equal(server_http_scan(&st, "A\r\n\r", 4), -1);
	assert_int_equal(server_http_scan(&st, "x\r\n", 3), -1);	/* broken */
	assert_int_equal(server_http_scan(&st, "\n\r\r\n\r\n", 6), 6);
	st = 0;
	assert_int_equal(server_http_scan(&st, "\n\n\n\n", 4), -1);	/* bare LF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_piece),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_not_yet),
	};

	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
