/* Unit tests: dut/dline.c - the delay line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dline.h"

static void test_delay_line(void **state)
{
	struct dline d;
	uint32_t id, i;
	mono_ns due;

	(void)state;
	assert_int_equal(dline_init(&d, 2), 0);
	assert_false(dline_peek(&d, &id, &due));
	for (i = 0; i < 1000; i++)	/* grows past its first size, wrapped */
		assert_int_equal(dline_push(&d, 100 + i, 5000 + i * 10), 0);
	for (i = 0; i < 500; i++) {
		assert_true(dline_peek(&d, &id, &due));
		assert_int_equal(id, 100 + i);
		assert_int_equal(due, 5000 + i * 10);
		dline_pop(&d);
	}
	for (i = 1000; i < 1300; i++)
		assert_int_equal(dline_push(&d, 100 + i, 5000 + i * 10), 0);
	for (i = 500; i < 1300; i++) {	/* still in arrival order */
		assert_true(dline_peek(&d, &id, &due));
		assert_int_equal(id, 100 + i);
		dline_pop(&d);
	}
	assert_false(dline_peek(&d, &id, &due));
	dline_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_line),
	};

	return cmocka_run_group_tests_name("dline", tests, NULL, NULL);
}
