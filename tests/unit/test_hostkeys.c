/* Unit tests: harness/hostkeys.c - the save files of [host] keys, read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostkeys.h"

static char dir[] = "/tmp/crhostXXXXXX";
static char err[512];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_read(void **state)
{
	struct hostkeys_save s;
	const char *path = write_file("net.ipv4.tcp_rmem",
				      "prefix cr12ab\npid 4242\nstarttime 99\nold 4096 131072 6291456\n");

	(void)state;
	assert_int_equal(hostkeys_read(path, &s, err, sizeof(err)), 0);
	assert_string_equal(s.key, "net.ipv4.tcp_rmem");
	assert_string_equal(s.prefix, "cr12ab");
	assert_int_equal(s.pid, 4242);
	assert_int_equal(s.starttime, 99);
	assert_string_equal(s.old, "4096 131072 6291456");
}

/* Every failure says what and where, in one line. */
static void expect_bad(const char *path, const char *msg)
{
	struct hostkeys_save s;

	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	assert_int_equal(hostkeys_read(path, &s, err, sizeof(err)), -1);
	if (!strstr(err, path) || !strstr(err, msg) || strchr(err, '\n') || strchr(err, 'x') == err)
		fail_msg("got '%.100s', wanted %s and '%s'", err, path, msg);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("/etc/passwd/net.core.somaxconn", "Not a directory");
	expect_bad(write_file("net.core.somaxconn", "prefix cr1\npid 1\nstarttime 1\n"),
		   "not a save of connrate-lab");
	expect_bad(write_file("net.core.rmem_max", "prefix ../x\npid 1\nstarttime 1\nold 1\n"),
		   "not a save of connrate-lab");
	expect_bad(write_file("net.core.wmem_max", "prefix cr1\npid -4\nstarttime 1\nold 1\n"),
		   "not a save of connrate-lab");
	/* the name is the key: anything else is not a save */
	expect_bad(write_file("kernel.panic", "prefix cr1\npid 1\nstarttime 1\nold 1\n"),
		   "not the save of a sysctl key");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests_name("hostkeys", tests, setup, teardown);
}
