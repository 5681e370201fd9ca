/* Unit tests: runopts.c - connrate-lab run's options and command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runopts.h"

static struct run_opts o;
static char err[512];
static char line_buf[1024];

static int parse(const char *line)
{
	char *argv[64], *tok, *save = NULL;
	int argc = 0;

	run_opts_free(&o);
	snprintf(line_buf, sizeof(line_buf), "%s", line);
	argv[argc++] = (char *)"run";
	for (tok = strtok_r(line_buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err[0] = '\0';
	return run_opts_parse(&o, argc, argv, err, sizeof(err));
}

/* The words of av from index from on, joined by blanks. */
static const char *joined(char **av, unsigned from)
{
	static char buf[1024];
	size_t k = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = from; av[i]; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i > from ? " " : "", av[i]);
	return buf;
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("--topology dut --rate 1000"), 0);
	assert_int_equal(o.port, 7171);
	assert_int_equal(o.nprofiles, 1);
	assert_string_equal(o.profile_names[0], "default");
	assert_int_equal(o.npass, 0);
}

static void test_pass_through(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology dut --profile a,b --rate 1k,2k --duration 2 "
			       "--no-half-close --spin 100us --request req.txt"), 0);
	assert_int_equal(o.nprofiles, 2);
	assert_string_equal(o.profile_names[1], "b");
	run_client_argv(&o, "connrate", "10.0.0.1:7171", av, false);
	assert_string_equal(joined(av, 0),
		"connrate client --target 10.0.0.1:7171 --rate 1k,2k --request req.txt "
		"--duration 2 --no-half-close --spin 100us --json -");
	run_client_argv(&o, "connrate", "10.0.0.1:7171", av, true);
	assert_string_equal(av[15], "--dry-run");
	assert_null(av[16]);
}

static void test_expect_bytes(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology dut --rate 5 --response r.txt"), 0);
	snprintf(o.response_bytes, sizeof(o.response_bytes), "64");
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "client --target t --rate 5 --expect-bytes 64 --json -");
	/* the user's own word wins */
	assert_int_equal(parse("--topology dut --rate 5 --response r.txt --expect-bytes 10"), 0);
	snprintf(o.response_bytes, sizeof(o.response_bytes), "64");
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "client --target t --rate 5 --expect-bytes 10 --json -");
}

static void test_saturate(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology dut --refine 2"), -1);
	assert_string_equal(err, "say what to run: one of --rate R[,R2...], --concurrency C, --saturate or --capacity");
	assert_int_equal(parse("--topology dut --rate 5 --refine 2"), -1);
	assert_string_equal(err, "--refine only goes with --saturate or --capacity");
	assert_int_equal(parse("--topology dut --saturate --refine 2 --start 500"), 0);
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "saturate --target t --refine 2 --start 500 --json -");
}

/* Phases pass on to client and saturate; the criteria only with --saturate. */
static void test_phases(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology dut --rate 5k --ramp-up 2s --sustain 10s --ramp-down 1s --init-rate 100"), 0);
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "client --target t --rate 5k --ramp-up 2s --sustain 10s "
			    "--ramp-down 1s --init-rate 100 --json -");
	assert_int_equal(parse("--topology dut --rate 5k --criteria rfc9411"), -1);
	assert_string_equal(err, "--criteria only goes with --saturate or --capacity");
	assert_int_equal(parse("--topology dut --saturate --criteria rfc9411 --ramp-up 1s --sustain 5s"), 0);
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "saturate --target t --criteria rfc9411 --ramp-up 1s --sustain 5s --json -");
}

static void test_capacity(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology dut --capacity --saturate"), -1);
	assert_int_equal(parse("--topology dut --capacity --request r.txt"), -1);
	assert_int_equal(parse("--topology dut --rate 5 --client-addresses 2"), -1);
	assert_string_equal(err, "--client-addresses only goes with --capacity");
	assert_int_equal(parse("--topology dut --capacity --start 500 --client-addresses 8"), 0);
	assert_int_equal(o.client_addrs, 8);
	strcpy(o.source, "10.0.0.1-10.0.0.8");
	strcpy(o.cooldown, "12000ms");
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "saturate --hold-search --target t --source 10.0.0.1-10.0.0.8 "
			    "--cooldown 12000ms --start 500 --json -");
	run_server_argv(&o, "connrate", "::", av, false);
	assert_string_equal(joined(av, 0), "connrate server --keepalive --port 7171 --listen :: --json -");
	/* a --cooldown of the user's own wins */
	assert_int_equal(parse("--topology dut --capacity --cooldown 1s"), 0);
	strcpy(o.cooldown, "12000ms");
	run_client_argv(&o, "c", "t", av, false);
	assert_string_equal(joined(av, 1), "saturate --hold-search --target t --cooldown 1s --json -");
}

static void test_server_argv(void **state)
{
	char *av[RUN_MAX_ARGS];

	(void)state;
	assert_int_equal(parse("--topology pair --rate 5 --port 8080 --server-threads 2 "
			       "--respond-after http --response r.txt"), 0);
	run_server_argv(&o, "connrate", "::", av, false);
	assert_string_equal(joined(av, 0),
		"connrate server --port 8080 --listen :: --threads 2 --response r.txt "
		"--respond-after http --json -");
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("--rate 5"), -1);
	assert_string_equal(err, "--topology T is required (a shipped name such as dut, or a .topo file)");
	assert_int_equal(parse("--topology dut --rate 5 --target 1.2.3.4:5"), -1);
	assert_non_null(strstr(err, "--target: the lab sets it itself"));
	assert_int_equal(parse("--topology dut --rate 5 --json x"), -1);
	assert_non_null(strstr(err, "--json"));
	assert_int_equal(parse("--topology dut --rate 5 --port 0"), -1);
	assert_string_equal(err, "--port '0': expected a port from 1 to 65535");
	assert_int_equal(parse("--topology dut --rate 5 --name 9bad"), -1);
	assert_int_equal(parse("--topology dut --rate 5 --bogus"), -1);
	assert_string_equal(err, "unknown option '--bogus' (try --help)");
	assert_int_equal(parse("--topology dut --rate 5 --dut-sim x --dut-cmd y"), -1);
	assert_int_equal(parse("--topology dut --rate 5 --profile a,b,c,d,e,f,g,h,i"), -1);
	assert_string_equal(err, "--profile: at most 8 profiles");
	assert_int_equal(parse("--topology dut --rate 5 --profile ,"), -1);
	assert_int_equal(parse("--topology dut --rate 5 stray"), -1);
	/* one --hdr-log file, one client run: several would truncate it in turn */
	assert_int_equal(parse("--topology dut --rate 5 --profile a,b --hdr-log x"), -1);
	assert_non_null(strstr(err, "--hdr-log FILE holds one client run"));
	assert_int_equal(parse("--topology dut --rate 5 --repeat 2 --hdr-log x"), -1);
	assert_int_equal(parse("--topology dut --rate 5 --build a=none --build b=none --hdr-log x"), -1);
	assert_int_equal(parse("--topology dut --rate 5 --hdr-log x"), 0);
}

static void test_split(void **state)
{
	char cmd[] = "  --queue-maxlen 4096\t--queue 3 ", *av[8];

	(void)state;
	assert_int_equal(run_split_argv(cmd, av, 8), 4);
	assert_string_equal(av[3], "3");
	assert_null(av[4]);
}

static int teardown(void **state)
{
	(void)state;
	run_opts_free(&o);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_saturate),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_expect_bytes),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_server_argv),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
