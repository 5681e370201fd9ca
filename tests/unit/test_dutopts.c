/* Unit tests: dut/dutopts.c - connrate-dut's options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dutopts.h"

static struct dut_opts o;
static char err[256];

static int parse(const char *line)
{
	static char buf[512];
	char *argv[32], *save = NULL, *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"connrate-dut";
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err[0] = '\0';
	return dut_opts_parse(&o, argc, argv, err, sizeof(err));
}

static void test_defaults_and_values(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(o.queue, 0);
	assert_int_equal(o.flow_timeout_ns, 30000000000ULL);
	assert_int_equal(o.maxlen, 1024);
	assert_int_equal(o.max_flows, 0);
	assert_int_equal(parse("--queue 3 --delay 20ms --cost-us 5 --drop 0.01 --max-flows 100 "
			       "--flow-timeout 2s --queue-maxlen 4096 --fail-open --json -"), 0);
	assert_int_equal(o.queue, 3);
	assert_int_equal(o.delay_ns, 20000000ULL);
	assert_int_equal(o.cost_ns, 5000);
	assert_true(o.drop == 0.01);
	assert_int_equal(o.max_flows, 100);
	assert_int_equal(o.flow_timeout_ns, 2000000000ULL);
	assert_int_equal(o.maxlen, 4096);
	assert_true(o.fail_open);
	assert_string_equal(o.json, "-");
	assert_int_equal(parse("--help"), 0);
	assert_true(o.help);
}

static void expect(const char *line, const char *msg)
{
	if (parse(line) != -1 || !strstr(err, msg))
		fail_msg("'%s': got '%s', wanted '%s'", line, err, msg);
}

static void test_bad(void **state)
{
	(void)state;
	expect("--delay forever", "--delay 'forever'");
	expect("--delay 61s", "up to 60s");
	expect("--drop 1.5", "--drop '1.5'");
	expect("--drop -0.1", "--drop");
	expect("--queue 70000", "--queue '70000'");
	expect("--queue 1k", "--queue '1k'");
	expect("--max-flows -1", "--max-flows");
	expect("--cost-us 2000000", "--cost-us");
	expect("--flow-timeout 0", "--flow-timeout");
	expect("--bogus", "unknown option '--bogus'");
	expect("--delay", "needs a value");
	expect("extra", "unexpected argument 'extra'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests_name("dutopts", tests, NULL, NULL);
}
