/* Unit tests: cli.c - the option table, defaults, validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "client.h"

static struct config cfg;
static char err[512];
static char *copies[256];	/* cfg may point into them: freed at the end */
static int ncopies;

/* Parse (and validate) a command line given as one string. */
static int parse(enum cr_mode mode, const char *line)
{
	char *copy = strdup(line), *argv[64], *tok, *save = NULL;
	int argc = 0, rc;

	if (ncopies < 256)
		copies[ncopies++] = copy;
	argv[argc++] = (char *)"mode";
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err[0] = '\0';
	cli_free(&cfg);
	rc = cli_parse(&cfg, mode, argc, argv, err, sizeof(err));
	if (rc == 0)
		rc = cli_validate(&cfg, err, sizeof(err));
	return rc;
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(MODE_SERVER, ""), 0);
	assert_int_equal(cfg.port_lo, 7171);
	assert_int_equal(cfg.backlog, 65535);
	assert_int_equal(cfg.respond_after, RESPOND_EOF);
	assert_int_equal(cfg.close, CLOSE_FIN);
	assert_int_equal(cfg.timeout_ns, 60ULL * 1000000000ULL);
	assert_true(cfg.threads >= 1);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 2k"), 0);
	assert_int_equal(cfg.duration_ns, 10ULL * 1000000000ULL);
	assert_int_equal(cfg.timeout_ns, 5ULL * 1000000000ULL);
	assert_int_equal(cfg.rate_milli[0], 2000000);
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1"), 0);
	assert_int_equal(cfg.duration_ns, 5ULL * 1000000000ULL);
	assert_int_equal(cfg.start_milli, 1000000);
	assert_true(cfg.factor == 1.5);
	assert_int_equal(cfg.max_lag_ns, 1000000);
}

static void test_values(void **state)
{
	(void)state;
	assert_int_equal(parse(MODE_CLIENT,
			       "--target 127.0.0.1:1 --target [::1]:2 --rate 1000,2k,0.5 "
			       "--duration 500ms --threads 3 --close rst --no-half-close "
			       "--expect-bytes 64 --timeout 250ms"), 0);
	assert_int_equal(cfg.ntargets, 2);
	assert_int_equal(cfg.nrates, 3);
	assert_int_equal(cfg.rate_milli[2], 500);
	assert_int_equal(cfg.duration_ns, 500000000ULL);
	assert_int_equal(cfg.threads, 3);
	assert_int_equal(cfg.close, CLOSE_RST);
	assert_true(cfg.no_half_close);
	assert_int_equal(cfg.expect_bytes, 64);
	/* --cpus: auto by default (every CPU this process may use), in order */
	assert_true(cfg.ncpu >= 1);
	assert_int_equal(cfg_thread_cpu(&cfg, 0), cfg.cpu[0]);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --cpus none"), 0);
	assert_int_equal(cfg.ncpu, 0);
	assert_int_equal(cfg_thread_cpu(&cfg, 3), -1);
	assert_int_equal(parse(MODE_SERVER, "--cpus 0,0"), 0);
	assert_int_equal(cfg.ncpu, 1);
	assert_int_equal(cfg_thread_cpu(&cfg, 5), 0);
	assert_int_equal(parse(MODE_SERVER, "--port 2345-2348 --respond-after bytes:64 --listen ::1"), 0);
	assert_int_equal(cfg.port_hi, 2348);
	assert_int_equal(cfg.respond_after, RESPOND_BYTES);
	assert_int_equal(cfg.respond_bytes, 64);
	assert_true(cfg.sched_batch);		/* --sched batch by default */
	assert_int_equal(parse(MODE_SERVER, "--sched inherit"), 0);
	assert_false(cfg.sched_batch);
	/* --spin: auto by default, off, or a margin up to 1ms */
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1"), 0);
	assert_true(cfg.spin_auto);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin off"), 0);
	assert_false(cfg.spin_auto);
	assert_int_equal(cfg.spin_ns, 0);
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1 --spin 1ms"), 0);
	assert_false(cfg.spin_auto);
	assert_int_equal(cfg.spin_ns, 1000000);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin 50us"), 0);
	assert_int_equal(cfg.spin_ns, 50000);
	assert_false(cfg.spin_busy);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin busy"), 0);
	assert_true(cfg.spin_busy);
	assert_false(cfg.spin_auto);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin busy --spin off"), 0);
	assert_false(cfg.spin_busy);
}

static void expect_error(enum cr_mode mode, const char *line, const char *msg)
{
	int rc = parse(mode, line);

	if (rc != -1 || !strstr(err, msg))
		fail_msg("'%s': rc %d, message '%s', wanted '%s'", line, rc, err, msg);
	assert_null(strchr(err, '\n'));
}

/* --share I/N: host I's schedule begins I/N of a start's interval late. */
static void test_share(void **state)
{
	struct round_spec spec = { .rate_milli = 1000 * 1000 };

	(void)state;
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1000 --share 3/4"), 0);
	assert_int_equal(cfg.share_i, 3);
	assert_int_equal(cfg.share_n, 4);
	assert_int_equal(share_offset_ns(&cfg, &spec), 750000);	/* 3/4 of 1 ms */
	spec.rate_milli = 3000;					/* 3/s: 1/3 s apart */
	assert_int_equal(share_offset_ns(&cfg, &spec), 250000000);
	spec.closed_loop = true;
	assert_int_equal(share_offset_ns(&cfg, &spec), 0);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1000 --share 0/1"), 0);
	spec.closed_loop = false;
	assert_int_equal(share_offset_ns(&cfg, &spec), 0);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1000"), 0);
	assert_int_equal(share_offset_ns(&cfg, &spec), 0);
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share 4/4", "--share '4/4': expected I/N with 0 <= I < N");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share 0/0", "--share '0/0'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share -1/2", "--share '-1/2'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share 1/", "--share '1/'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share 1", "--share '1'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --share 1/5000", "N <= 4096");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --concurrency 4 --share 1/2", "--share offsets an open-loop schedule");
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 0", "--rate '0'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1k,", "--rate '1k,': expected rates > 0");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate abc", "--rate 'abc': expected rates > 0");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1,,2", "--rate '1,,2'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --duration -1", "--duration '-1'");
	expect_error(MODE_CLIENT, "--target nohost --rate 1", "--target 'nohost'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:99999 --rate 1", "--target");
	expect_error(MODE_CLIENT, "--rate 1", "--target HOST:PORT is required");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1", "--rate R");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --concurrency 2", "exclude");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --bogus", "unknown option '--bogus'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --request /nonexistent/x",
		     "expected a readable regular file (No such file or directory)");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --request /", "Is a directory");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --threads 0", "--threads '0'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --close maybe", "fin or rst");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --cpus 1-0", "--cpus '1-0': expected auto, none, or a CPU list");
	expect_error(MODE_SERVER, "--cpus 1023", "--cpus '1023': expected CPUs this process may run on, and 1023 is not one");
	expect_error(MODE_SERVER, "--cpus 5000", "CPUs below 1024");
	expect_error(MODE_CLIENT, "--target [::1]:1 --rate 1 --source 10.0.0.1", "--source is IPv4");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --source 10.0.0.2-10.0.0.1",
		     "--source '10.0.0.2-10.0.0.1': expected a range whose first address comes before its last");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 stray", "unexpected argument 'stray'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate", "needs a value");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --interval 1ms", "--interval");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin 2ms",
		     "--spin '2ms': expected auto, busy, off, or a duration up to 1ms");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin 50", "--spin '50'");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --spin fast", "--spin 'fast'");
	expect_error(MODE_SERVER, "--spin auto", "unknown option '--spin'");
	expect_error(MODE_SERVER, "--sched fifo", "--sched 'fifo': expected batch or inherit");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --sched batch", "unknown option '--sched'");
	expect_error(MODE_SATURATE, "--target 127.0.0.1:1 --rate 1", "unknown option '--rate'");
	expect_error(MODE_SATURATE, "--target 127.0.0.1:1 --factor 1", "--factor '1'");
	expect_error(MODE_SERVER, "--port 0", "--port '0'");
	expect_error(MODE_SERVER, "--port 1-100", "at most 64 ports");
	expect_error(MODE_SERVER, "--listen example.com", "numeric");
	expect_error(MODE_SERVER, "--respond-after bytes:0", "bytes:N");
	expect_error(MODE_SERVER, "--target 127.0.0.1:1", "unknown option '--target'");
}

/* Options a mode would silently ignore are refused; their defaults are not. */
static void test_ignored_options(void **state)
{
	(void)state;
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --keepalive 1s", "go with --hold");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --open-rate 5", "go with --hold");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --concurrency 1 --hold-for 0", "go with --hold");
	expect_error(MODE_SATURATE, "--target 127.0.0.1:1 --hold-for 1s", "go with --hold-search");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --duration 5s", "no --duration");
	expect_error(MODE_SATURATE, "--target 127.0.0.1:1 --hold-search --duration 5s", "no --duration");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --interval 1s", "no --interval or --hdr-log");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --hdr-log x", "no --interval or --hdr-log");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --request /etc/hostname", "no --request");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --expect-bytes 1", "no --request");
	expect_error(MODE_SERVER, "--keepalive --timeout 5s", "no --timeout");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --duration 3s --sustain 1s", "give one");
	expect_error(MODE_SATURATE, "--target 127.0.0.1:1 --duration 3s --ramp-up 1s --sustain 1s", "give one");
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --duration 3s --ramp-up 1s"), 0);
	/* the histogram log is a file of its own */
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --hdr-log -", "--hdr-log '-': expected a file name");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --hdr-log x.log --json x.log",
		     "--hdr-log and --json name one file");
	expect_error(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --hdr-log /dev/null --json /dev/../dev/null",
		     "--hdr-log and --json name one file");
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --hdr-log x.log --json -"), 0);
	/* the defaults, and the options where they take effect, pass */
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1 --duration 5s --timeout 1s"), 0);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --hold 5 --open-rate 5 --hold-for 0 "
				"--keepalive 1s --timeout 1s --cooldown 1s"), 0);
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1 --hold-search --hold-for 1s"), 0);
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1 --duration 1s"), 0);
	assert_int_equal(parse(MODE_SERVER, "--keepalive"), 0);
	assert_int_equal(parse(MODE_SERVER, "--timeout 5s"), 0);
}

static void test_payload(void **state)
{
	char path[] = "/tmp/crtest-payloadXXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	{
		char line[128];

		snprintf(line, sizeof(line), "--target 127.0.0.1:1 --rate 1 --request %s", path);
		assert_int_equal(parse(MODE_CLIENT, line), 0);
	}
	assert_int_equal(cfg.request.len, 5);
	assert_memory_equal(cfg.request.data, "hello", 5);
	unlink(path);
}

static int teardown(void **state)
{
	(void)state;
	cli_free(&cfg);
	while (ncopies)
		free(copies[--ncopies]);
	return 0;
}

/* The config in the JSON says how a result was made, saturate's search too. */
/* Phases and the RFC 9411 criteria: what goes together and what does not. */
static void test_phases(void **state)
{
	const char *t = "--target 127.0.0.1:1 ";
	char line[256];

	(void)state;
	snprintf(line, sizeof(line), "%s--rate 1k --ramp-up 2s --ramp-down 500ms", t);
	assert_int_equal(parse(MODE_CLIENT, line), 0);
	assert_true(cfg.phased);
	assert_int_equal(cfg.ramp_up_ns, 2000000000ULL);
	assert_int_equal(cfg.ramp_down_ns, 500000000ULL);
	assert_int_equal(cfg.sustain_ns, cfg.duration_ns);	/* by default */
	assert_int_equal(cfg.init_milli, 0);			/* 10% per round */
	snprintf(line, sizeof(line), "%s--rate 1k,2k --sustain 3s --init-rate 1k", t);
	assert_int_equal(parse(MODE_CLIENT, line), 0);
	assert_int_equal(cfg.sustain_ns, 3000000000ULL);
	assert_int_equal(cfg.ramp_up_ns, 0);
	assert_int_equal(parse(MODE_CLIENT, "--target 127.0.0.1:1 --rate 1k"), 0);
	assert_false(cfg.phased);
	/* refused, each with a line naming what */
	snprintf(line, sizeof(line), "%s--rate 1k,500 --sustain 3s --init-rate 600", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	assert_non_null(strstr(err, "--init-rate"));
	snprintf(line, sizeof(line), "%s--rate 1k --init-rate 100", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	assert_non_null(strstr(err, "--init-rate needs"));
	snprintf(line, sizeof(line), "%s--concurrency 10 --ramp-up 1s", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	assert_non_null(strstr(err, "--concurrency"));
	snprintf(line, sizeof(line), "%s--rate 1k --ramp-up 2h", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	assert_non_null(strstr(err, "ramp-up"));
	snprintf(line, sizeof(line), "%s--rate 1k --sustain 0", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	/* saturate: phases and criteria */
	snprintf(line, sizeof(line), "%s--ramp-up 1s --sustain 2s --criteria rfc9411", t);
	assert_int_equal(parse(MODE_SATURATE, line), 0);
	assert_int_equal(cfg.criteria, CRITERIA_RFC9411);
	assert_true(cfg.phased);
	snprintf(line, sizeof(line), "%s--criteria rfc9411 --close rst", t);
	assert_int_equal(parse(MODE_SATURATE, line), -1);
	assert_non_null(strstr(err, "RST"));
	snprintf(line, sizeof(line), "%s--criteria rfc3511", t);
	assert_int_equal(parse(MODE_SATURATE, line), -1);
	snprintf(line, sizeof(line), "%s--rate 1k --criteria rfc9411", t);
	assert_int_equal(parse(MODE_CLIENT, line), -1);
	snprintf(line, sizeof(line), "%s--start 500 --sustain 2s --init-rate 600", t);
	assert_int_equal(parse(MODE_SATURATE, line), -1);
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1"), 0);
	assert_int_equal(cfg.criteria, CRITERIA_DEFAULT);
}

static void test_dump(void **state)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct json j;

	(void)state;
	assert_int_equal(parse(MODE_SATURATE, "--target 127.0.0.1:1 --start 500 --factor 2 "
			       "--refine 3 --cooldown 1 --interval 250ms --max-lag 2ms"), 0);
	json_begin(&j, f);
	cli_dump(&cfg, &j);
	json_end_line(&j);
	fclose(f);
	assert_non_null(strstr(buf, "\"cooldown_s\":1.000"));
	assert_non_null(strstr(buf, "\"interval_s\":0.250"));
	assert_non_null(strstr(buf, "\"start_rate\":500.000"));
	assert_non_null(strstr(buf, "\"factor\":2.000"));
	assert_non_null(strstr(buf, "\"refine\":3"));
	assert_non_null(strstr(buf, "\"max_lag_s\":0.002"));
	assert_non_null(strstr(buf, "\"max_rounds\":30"));
	assert_non_null(strstr(buf, "\"slowdown\":3.000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_ignored_options),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, teardown);
}
