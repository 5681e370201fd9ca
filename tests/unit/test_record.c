/* Unit tests: record.c - counter deltas of a round's record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"

static void test_delta(void **state)
{
	json_object *a = json_tokener_parse(
		"{\"type\":\"server\",\"accepted\":10,\"cpu\":{\"user_s\":1.5},"
		"\"errors\":{\"reset\":2},\"config\":{\"threads\":2}}");
	json_object *b = json_tokener_parse(
		"{\"type\":\"server\",\"accepted\":25,\"cpu\":{\"user_s\":2.0},"
		"\"errors\":{\"reset\":2,\"fd_limit\":3},\"config\":{\"threads\":2}}");
	json_object *d = record_json_delta(a, b);

	(void)state;
	assert_int_equal(record_get_u(d, "accepted", NULL), 15);
	assert_true(record_get_d(d, "cpu", "user_s") > 0.49 && record_get_d(d, "cpu", "user_s") < 0.51);
	assert_int_equal(record_get_u(d, "errors", "reset"), 0);
	assert_int_equal(record_get_u(d, "errors", "fd_limit"), 3);	/* new in b: from 0 */
	assert_false(json_object_object_get_ex(d, "config", NULL));	/* settings, not counters */
	assert_false(json_object_object_get_ex(d, "type", NULL));
	json_object_put(d);
	d = record_json_delta(NULL, b);		/* the first round: from nothing */
	assert_int_equal(record_get_u(d, "accepted", NULL), 25);
	json_object_put(d);
	json_object_put(a);
	json_object_put(b);
}

static void test_get(void **state)
{
	json_object *o = json_tokener_parse("{\"a\":{\"b\":7.5},\"n\":3}");

	(void)state;
	assert_true(record_get_d(o, "a", "b") == 7.5);
	assert_int_equal(record_get_u(o, "n", NULL), 3);
	assert_true(record_get_d(o, "missing", NULL) == 0);
	assert_true(record_get_d(o, "a", "missing") == 0);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
