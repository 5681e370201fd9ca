/* Unit tests: harness/nfq.c - the kernel's nfnetlink_queue table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nfq.h"

static void test_proc_stats(void **state)
{
	static const char text[] =
		"    0  12345     0 2   128  17     3     9999  1\n"
		"    3  12346     0 2   128  5      0     12  1\n";
	uint64_t qd, ud;

	(void)state;
	assert_int_equal(nfq_proc_stats(text, 3, &qd, &ud), 0);
	assert_int_equal(qd, 5);
	assert_int_equal(ud, 0);
	assert_int_equal(nfq_proc_stats(text, 0, &qd, &ud), 0);
	assert_int_equal(qd, 17);
	assert_int_equal(ud, 3);
	assert_int_equal(nfq_proc_stats(text, 7, &qd, &ud), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_stats),
	};

	return cmocka_run_group_tests_name("nfq", tests, NULL, NULL);
}
