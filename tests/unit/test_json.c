/* Unit tests: json.c and the round object of report.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "report.h"

static void test_writer(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	(void)state;
	json_begin(&j, f);
	json_str(&j, "type", "round");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_i64(&j, "neg", -3);
	json_num(&j, "x", 1.5, 2);
	json_num(&j, "nan", 0.0 / 0.0, 2);
	json_bool(&j, "b", true);
	json_obj(&j, "o");
	json_obj_end(&j);
	json_arr(&j, "a");
	json_arr(&j, NULL);
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_arr_end(&j);
	json_arr_end(&j);
	json_str(&j, "esc", "q\"b\\n\nt\tc\x01");
	json_end_line(&j);
	fclose(f);
	assert_string_equal(buf,
		"{\"type\":\"round\",\"n\":18446744073709551615,\"neg\":-3,"
		"\"x\":1.50,\"nan\":null,\"b\":true,\"o\":{},\"a\":[[1,2]],"
		"\"esc\":\"q\\\"b\\\\n\\nt\\tc\\u0001\"}\n");
	free(buf);
}

static void test_round_object(void **state)
{
	struct config *c = calloc(1, sizeof(*c));
	struct round_result *r = calloc(1, sizeof(*r));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	c->mode = MODE_CLIENT;
	c->threads = 2;
	stats_init(&r->s);
	r->spec.rate_milli = 10000 * 1000;
	r->spec.duration_ns = 10ULL * 1000000000ULL;
	r->threads = 2;
	r->s.started = 3;
	r->s.unstarted = 4;
	r->s.ok = 2;
	stats_fail(&r->s, OUT_TIMEOUT, 0);
	histo_add(&r->s.latency, 100000);
	histo_add(&r->s.latency, 100000);
	r->achieved_rate = 0.2;
	report_round_json(f, c, r);
	fclose(f);
	assert_non_null(strstr(buf, "{\"type\":\"round\",\"mode\":\"rate\",\"target_rate\":10000.000,"));
	assert_non_null(strstr(buf, "\"started\":3,\"unstarted\":4,\"ok\":2,\"errors\":{\"refused\":0,\"reset\":0,"
				    "\"timeout\":1,\"syn_timeout\":0,\"addr_not_avail\":0,"
				    "\"fd_limit\":0,\"short\":0,\"other\":0}"));
	assert_non_null(strstr(buf, "\"latency_us\":{\"min\":100.000,\"mean\":100.000,\"p50\":100.000"));
	assert_non_null(strstr(buf, "\"histogram\":{\"unit\":\"ns\",\"buckets\":[[100351,2]]}"));
	assert_non_null(strstr(buf, "\"achieved_rate\":0.2"));
	assert_int_equal(buf[len - 1], '\n');
	assert_ptr_equal(strchr(buf, '\n') + 1, buf + len);	/* one line */
	free(buf);
	free(r);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_round_object),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
