/* Unit tests: harness/cost.c - /proc parsers and the CPU-per-connection window. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cost.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A real /proc/stat; its first line is "cpu  8257 0 20593 82077 312 0 1391 25 0 0". */
static void test_stat_fixture(void **state)
{
	char *text = slurp("tests/fixtures/proc-stat.txt");
	struct cost_machine m;

	(void)state;
	assert_int_equal(cost_parse_stat(text, &m), 0);
	assert_int_equal(m.user, 8257);
	assert_int_equal(m.nice, 0);
	assert_int_equal(m.system, 20593);
	assert_int_equal(m.idle, 82077);
	assert_int_equal(m.iowait, 312);
	assert_int_equal(m.irq, 0);
	assert_int_equal(m.softirq, 1391);
	assert_int_equal(m.steal, 25);
	free(text);
}

static void test_stat_lines(void **state)
{
	static const struct { const char *text; int err; uint64_t user, steal; } t[] = {
		/* the per-CPU lines are not the aggregate, wherever they are */
		{ "cpu0 1 2 3 4 5 6 7 8\ncpu  10 0 0 0 0 0 0 80 0 0\n", 0, 10, 80 },
		{ "intr 1 2\ncpu  11 0 0 0 0 0 0 81", 0, 11, 81 },		/* no newline */
		{ "cpu  12 0 0 0 0 0 0 82 7 7 7 7\n", 0, 12, 82 },		/* more fields */
		{ "cpu  1 2 3 4 5 6 7\n", -EINVAL, 0, 0 },			/* no steal */
		{ "cpu  1 2 3 4 5 6 7\ncpu0 8 9\n", -EINVAL, 0, 0 },
		{ "cpu  1 2 x 4 5 6 7 8\n", -EINVAL, 0, 0 },
		{ "cpu  1 2 -3 4 5 6 7 8\n", -EINVAL, 0, 0 },
		{ "cpu  1 2 3 4 5 6 7 8x\n", -EINVAL, 0, 0 },
		{ "cpu  1 2 3 4 5 6 7 99999999999999999999\n", -EINVAL, 0, 0 },
		{ "cpu  18446744073709551615 2 3 4 5 6 7 8\n", 0, UINT64_MAX, 8 },
		{ "cpu0 1 2 3 4 5 6 7 8\n", -ENOENT, 0, 0 },
		{ " cpu  1 2 3 4 5 6 7 8\n", -ENOENT, 0, 0 },
		{ "", -ENOENT, 0, 0 },
	};
	struct cost_machine m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&m, 0, sizeof(m));
		if (cost_parse_stat(t[i].text, &m) != t[i].err)
			fail_msg("case %u: not %d", i, t[i].err);
		if (!t[i].err && (m.user != t[i].user || m.steal != t[i].steal))
			fail_msg("case %u: user %llu steal %llu", i,
				 (unsigned long long)m.user, (unsigned long long)m.steal);
	}
}

/*
 * The kernel's own line for a process named "w) S 1 (x y) 7": splitting at
 * the first ')' would read the name's tail as fields.  utime 6, stime 18.
 */
static void test_pid_stat_fixture(void **state)
{
	char *text = slurp("tests/fixtures/proc-pid-stat.txt");
	struct cost_proc p;

	(void)state;
	assert_non_null(strstr(text, "(w) S 1 (x y) 7)"));
	assert_int_equal(cost_parse_pid_stat(text, &p), 0);
	assert_int_equal(p.utime, 6);
	assert_int_equal(p.stime, 18);
	free(text);
}

static void test_pid_stat_lines(void **state)
{
	static const struct { const char *text; int err; uint64_t ut, st; } t[] = {
		{ "1 (a b) R 0 0 0 0 -1 0 0 0 0 0 111 222 0 0\n", 0, 111, 222 },
		{ "1 (a\nb)) R 0 0 0 0 -1 0 0 0 0 0 111 222", 0, 111, 222 },
		{ "1 () R 0 0 0 0 -1 0 0 0 0 0 3 4 0 0\n", 0, 3, 4 },
		{ "1 (a) R 0 0 0 0 -1 0 0 0 0 0 111\n", -EINVAL, 0, 0 },	/* cut */
		{ "1 (a) R 0\n", -EINVAL, 0, 0 },
		{ "1 (a) R 0 0 0 0 -1 0 0 0 0 0 -1 2 0\n", -EINVAL, 0, 0 },
		{ "1 (a) R 0 0 0 0 -1 0 0 0 0 0 1x 2 0\n", -EINVAL, 0, 0 },
		{ "1 (a) R 0 0  0 -1 0 0 0 0 0 0 1 2 0\n", -EINVAL, 0, 0 },	/* empty field */
		{ "1 (a R 0 0 0 0 -1 0 0 0 0 0 1 2 0\n", -EINVAL, 0, 0 },	/* no ')' */
		{ "(a) R 0 0 0 0 -1 0 0 0 0 0 1 2 0\n", -EINVAL, 0, 0 },	/* no pid */
		{ "1 a) R 0 0 0 0 -1 0 0 0 0 0 1 2 0\n", -EINVAL, 0, 0 },
		{ ")1 (a R 0 0 0 0 -1 0 0 0 0 0 1 2 0\n", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
	};
	struct cost_proc p;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&p, 0, sizeof(p));
		if (cost_parse_pid_stat(t[i].text, &p) != t[i].err)
			fail_msg("case %u: not %d", i, t[i].err);
		if (!t[i].err && (p.utime != t[i].ut || p.stime != t[i].st))
			fail_msg("case %u: utime %llu stime %llu", i,
				 (unsigned long long)p.utime, (unsigned long long)p.stime);
	}
}

/*
 * A window of 1000 ticks at 100/s (10 s of CPU, e.g. 5 s on 2 CPUs), 1000
 * connections, so one tick per connection is 10 us:
 *   busy = user 400 + nice 0 + system 200 + irq 5 + softirq 80 = 685 ticks
 *   idle 300 + iowait 10 + steal 5 make the 1000
 *   client (50+20) = 70 ticks, server (20+10) = 30 ticks
 */
static const struct cost_machine m0 = { 100, 10, 50, 1000, 5, 2, 30, 0, 0, 0 };
static const struct cost_machine m1 = { 500, 10, 250, 1300, 15, 7, 110, 5, 0, 0 };
static const struct cost_proc c0 = { 10, 5 }, c1 = { 60, 25 };
static const struct cost_proc s0 = { 0, 0 }, s1 = { 20, 10 };

static void test_window(void **state)
{
	struct cost c;

	(void)state;
	assert_int_equal(cost_window(&m0, &m1, &c0, &c1, &s0, &s1, 1000, 100, &c), 0);
	assert_true(c.per_conn);
	assert_true(fabs(c.machine_us_per_conn - 6850) < 1e-9);
	assert_true(fabs(c.softirq_us_per_conn - 800) < 1e-9);
	assert_true(fabs(c.client_us_per_conn - 700) < 1e-9);
	assert_true(fabs(c.server_us_per_conn - 300) < 1e-9);
	assert_true(fabs(c.steal_share - 0.005) < 1e-12);
	assert_true(fabs(c.resolution_us - 10) < 1e-12);
	assert_true(fabs(c.window_cpu_s - 10) < 1e-12);
	/* ten times the connections, a tenth of the cost */
	assert_int_equal(cost_window(&m0, &m1, &c0, &c1, &s0, &s1, 10000, 100, &c), 0);
	assert_true(fabs(c.machine_us_per_conn - 685) < 1e-9);
	/* another tick rate: 1000/s makes a tick 1 ms */
	assert_int_equal(cost_window(&m0, &m1, &c0, &c1, &s0, &s1, 1000, 1000, &c), 0);
	assert_true(fabs(c.machine_us_per_conn - 685) < 1e-9);
}

/*
 * With the read times known, busy is what is not idle: the tick fields
 * miss short bursts where the kernel stops its tick (NOHZ).  The same
 * window read over 5 s on 2 CPUs: 1000 ticks less idle 300, iowait 10 and
 * steal 5 is 685, as above; with user and system never sampled (all 0),
 * still 685.
 */
static void test_window_wall(void **state)
{
	struct cost_machine a = m0, b = m1;
	struct cost c;

	(void)state;
	a.wall_ns = 1000000000ull;
	b.wall_ns = 6000000000ull;
	a.ncpu = b.ncpu = 2;
	assert_int_equal(cost_window(&a, &b, &c0, &c1, &s0, &s1, 1000, 100, &c), 0);
	assert_true(fabs(c.machine_us_per_conn - 6850) < 1e-6);
	b.user = a.user;
	b.system = a.system;
	assert_int_equal(cost_window(&a, &b, &c0, &c1, &s0, &s1, 1000, 100, &c), 0);
	assert_true(fabs(c.machine_us_per_conn - 6850) < 1e-6);
	/* CPUs that came and went in the window: back to the ticks */
	b.ncpu = 1;
	assert_int_equal(cost_window(&a, &b, &c0, &c1, &s0, &s1, 1000, 100, &c), 0);
	assert_true(fabs(c.machine_us_per_conn - 6850 + 6000) < 1e-6);
}

static void test_window_edges(void **state)
{
	struct cost_machine back = m1;
	struct cost c;

	(void)state;
	/* no connection: no per-connection figure, and no division by zero */
	assert_int_equal(cost_window(&m0, &m1, &c0, &c1, &s0, &s1, 0, 100, &c), 0);
	assert_false(c.per_conn);
	assert_true(isnan(c.machine_us_per_conn) && isnan(c.client_us_per_conn));
	assert_true(isnan(c.server_us_per_conn) && isnan(c.softirq_us_per_conn));
	assert_true(fabs(c.steal_share - 0.005) < 1e-12);	/* still known */
	/* no tick passed at all */
	assert_int_equal(cost_window(&m0, &m0, &c0, &c0, &s0, &s0, 10, 100, &c), 0);
	assert_true(isnan(c.steal_share));
	assert_true(c.machine_us_per_conn == 0);
	/* client and server not measured */
	assert_int_equal(cost_window(&m0, &m1, NULL, NULL, NULL, NULL, 1000, 100, &c), 0);
	assert_true(isnan(c.client_us_per_conn) && isnan(c.server_us_per_conn));
	assert_true(fabs(c.machine_us_per_conn - 6850) < 1e-9);
	assert_int_equal(cost_window(&m0, &m1, &c0, NULL, &s0, &s1, 1000, 100, &c), -EINVAL);
	assert_int_equal(cost_window(&m0, &m1, &c0, &c1, &s0, &s1, 1000, 0, &c), -EINVAL);
	/* snapshots swapped */
	assert_int_equal(cost_window(&m1, &m0, &c0, &c1, &s0, &s1, 1000, 100, &c), -ERANGE);
	assert_int_equal(cost_window(&m0, &m1, &c1, &c0, &s0, &s1, 1000, 100, &c), -ERANGE);
	/* idle and iowait may step back a little: counted as none */
	back.idle = m0.idle - 1;
	back.iowait = m0.iowait - 1;
	assert_int_equal(cost_window(&m0, &back, &c0, &c1, &s0, &s1, 1000, 100, &c), 0);
	assert_true(fabs(c.steal_share - 5.0 / 690) < 1e-12);
	back = m1;
	back.softirq = m0.softirq - 1;
	assert_int_equal(cost_window(&m0, &back, &c0, &c1, &s0, &s1, 1000, 100, &c), -ERANGE);
}

static double cpu_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn 80 ms of this thread's CPU, then end. */
static void *burn(void *arg)
{
	volatile unsigned long x = 0;
	double t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);

	while (cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0 < 0.08)
		x++;
	return arg;
}

/* The readers on the live machine: a thread's CPU counts after it ended. */
static void test_readers(void **state)
{
	struct cost_machine a, b;
	struct cost_proc p0, p1;
	pthread_t t;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	assert_int_equal(cost_read_machine(&a), 0);
	assert_int_equal(cost_read_pid(getpid(), &p0), 0);
	assert_int_equal(pthread_create(&t, NULL, burn, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(cost_read_pid(getpid(), &p1), 0);
	assert_int_equal(cost_read_machine(&b), 0);
	/* 80 ms is 8 ticks at 100/s; allow for the tick boundaries */
	assert_true((double)(p1.utime + p1.stime - p0.utime - p0.stime) >= 0.08 * (double)hz - 2);
	assert_true(b.user + b.system >= a.user + a.system + 1);
	assert_int_equal(cost_read_pid(0, &p0), -EINVAL);
	assert_int_equal(cost_read_pid(4194305, &p0), -ENOENT);	/* past pid_max */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_fixture),
		cmocka_unit_test(test_stat_lines),
		cmocka_unit_test(test_pid_stat_fixture),
		cmocka_unit_test(test_pid_stat_lines),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_wall),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
