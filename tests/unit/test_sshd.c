/* Unit tests: harness/sshd.c - the lab's sshd configuration and known_hosts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sshd.h"
#include "topo.h"

static const char lab[] =
	"node c1\n"
	"node srv\n"
	"node ctl\n"
	"bridge ctl:br0 10.72.0.254/24\n"
	"link c1:eth0 10.71.1.1/24 srv:eth0 10.71.1.2/24\n"
	"link c1:mgmt 10.72.0.11/24 fd72::11/64 ctl:m-c1 master br0\n"
	"link srv:mgmt 10.72.0.2/24 ctl:m-srv master br0\n"
	"sshd c1:mgmt\n"
	"sshd srv:mgmt\n";

static struct topo *parse(void)
{
	struct topo *t = malloc(sizeof(*t));
	char err[256];

	assert_non_null(t);
	if (topo_parse(lab, "lab.topo", t, err, sizeof(err)))
		fail_msg("%s", err);
	return t;
}

/* Count the lines of text that start with what. */
static int lines_with(const char *text, const char *what)
{
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, what, strlen(what)))
			n++;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return n;
}

static void test_config(void **state)
{
	struct topo *t = parse();
	char buf[4096];
	int n;

	(void)state;
	n = sshd_config_text(t, 0, "/run/connrate/x.ssh", buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	/* the management addresses and nothing else: not the data path, not any */
	assert_int_equal(lines_with(buf, "ListenAddress "), 2);
	assert_non_null(strstr(buf, "ListenAddress 10.72.0.11\n"));
	assert_non_null(strstr(buf, "ListenAddress fd72::11\n"));
	assert_null(strstr(buf, "10.71.1.1"));
	assert_null(strstr(buf, "0.0.0.0"));
	/* root by key only, no PAM, keys of the lab's own */
	assert_non_null(strstr(buf, "\nPermitRootLogin prohibit-password\n"));
	assert_non_null(strstr(buf, "\nPasswordAuthentication no\n"));
	assert_non_null(strstr(buf, "\nKbdInteractiveAuthentication no\n"));
	assert_non_null(strstr(buf, "\nUsePAM no\n"));
	assert_non_null(strstr(buf, "\nHostKey /run/connrate/x.ssh/host_ed25519_key\n"));
	assert_non_null(strstr(buf, "\nAuthorizedKeysFile /run/connrate/x.ssh/authorized_keys\n"));
	n = sshd_config_text(t, 1, "/d", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(lines_with(buf, "ListenAddress "), 1);
	assert_non_null(strstr(buf, "ListenAddress 10.72.0.2\n"));
	/* too small a buffer: refused, never cut */
	assert_int_equal(sshd_config_text(t, 0, "/d", buf, 100), -ENOSPC);
	free(t);
}

static void test_known_hosts(void **state)
{
	struct topo *t = parse();
	char buf[4096];
	int n;

	(void)state;
	n = sshd_known_hosts_text(t, "ssh-ed25519 AAAAC3Nz lab\n", buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "10.72.0.11 ssh-ed25519 AAAAC3Nz lab\n"
				 "fd72::11 ssh-ed25519 AAAAC3Nz lab\n"
				 "10.72.0.2 ssh-ed25519 AAAAC3Nz lab\n");
	assert_int_equal(sshd_known_hosts_text(t, "k", buf, 20), -ENOSPC);
	free(t);
}

static void test_dir(void **state)
{
	char buf[256];

	(void)state;
	sshd_dir("crab12", buf, sizeof(buf));
	assert_string_equal(buf, "/run/connrate/crab12.ssh");
	/* never a path outside the lab's own directory */
	assert_int_equal(sshd_remove("../etc"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_known_hosts),
		cmocka_unit_test(test_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
