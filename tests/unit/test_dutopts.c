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
#include "opt.h"

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
	assert_int_equal(parse("--help"), OPT_HELP);
	assert_int_equal(parse("--version"), OPT_VERSION);
}

/* The lab holds the options as one string: --queue-maxlen must not pass for --queue. */
static void test_parse_line(void **state)
{
	struct dut_opts d;

	(void)state;
	assert_int_equal(dut_opts_parse_line(&d, "--queue-maxlen 4096 --queue 3", err, sizeof(err)), 0);
	assert_int_equal(d.queue, 3);
	assert_int_equal(d.maxlen, 4096);
	assert_int_equal(d.flow_timeout_ns, 30000000000ULL);	/* the table's default */
	dut_opts_free(&d);
	assert_int_equal(dut_opts_parse_line(&d, "  --delay\t20ms  --json /tmp/x.json ", err, sizeof(err)), 0);
	assert_int_equal(d.queue, 0);
	assert_int_equal(d.delay_ns, 20000000ULL);
	assert_string_equal(d.json, "/tmp/x.json");
	dut_opts_free(&d);
	assert_int_equal(dut_opts_parse_line(&d, "", err, sizeof(err)), 0);
	assert_int_equal(d.maxlen, 1024);
	dut_opts_free(&d);
	assert_int_equal(dut_opts_parse_line(&d, "--queue 3 --drop 7", err, sizeof(err)), -1);
	assert_string_equal(err, "--drop '7': expected a fraction from 0 to 1 (e.g. 0.01)");
	dut_opts_free(&d);
}

/* --help prints the table with its defaults. */
static void test_usage(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	dut_opts_usage(f);
	fclose(f);
	assert_non_null(strstr(text, "--flow-timeout DUR"));
	assert_non_null(strstr(text, "[30s]"));
	assert_non_null(strstr(text, "--queue-maxlen N"));
	assert_non_null(strstr(text, "[1024]"));
	assert_non_null(strstr(text, "--fail-open"));
	free(text);
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
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests_name("dutopts", tests, NULL, NULL);
}
