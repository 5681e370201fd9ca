/* Unit tests: harness/profile.c - parsing and checking sysctl profiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "profile.h"

static struct profile P;
static char err[512];

static void test_parse(void **state)
{
	static const char text[] =
		"# tuned\n"
		"[client]\n"
		"net.ipv4.ip_local_port_range =   1024\t 65535  \n"
		"net.ipv4.tcp_tw_reuse=1 # reuse\n"
		"\n"
		"[server]\n"
		"net.core.somaxconn = 65535\n"
		"[all]\n"
		"net.ipv4.tcp_syncookies = 1\n"
		"[host]\n"
		"net.netfilter.nf_conntrack_max = 65536\n";

	(void)state;
	assert_int_equal(profile_parse(text, "t.conf", &P, err, sizeof(err)), 0);
	assert_int_equal(P.n, 5);
	assert_int_equal(P.e[0].section, SEC_CLIENT);
	assert_string_equal(P.e[0].key, "net.ipv4.ip_local_port_range");
	assert_string_equal(P.e[0].value, "1024 65535");
	assert_int_equal(P.e[0].line, 3);
	assert_string_equal(P.e[1].value, "1");
	assert_int_equal(P.e[2].section, SEC_SERVER);
	assert_int_equal(P.e[3].section, SEC_ALL);
	assert_int_equal(P.e[4].section, SEC_HOST);
	assert_true(profile_has(&P, SEC_HOST));
	assert_false(profile_has(&P, SEC_DUT));
	assert_true(profile_value_equal("1024\t65535", "1024 65535"));
	assert_false(profile_value_equal("1024", "1025"));
}

static void expect_bad(const char *text, int line, const char *msg)
{
	char want[32];

	assert_int_equal(profile_parse(text, "b.conf", &P, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "b.conf:%d: ", line);
	if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, msg))
		fail_msg("got '%s', wanted '%s...%s'", err, want, msg);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("net.core.somaxconn = 1\n", 1, "before any section");
	expect_bad("[router]\n", 1, "unknown section '[router]'");
	expect_bad("[client]\nnet.core.somaxconn 1\n", 2, "expected 'key = value'");
	expect_bad("[client]\nnet.core.somaxconn =\n", 2, "no value");
	expect_bad("[client]\nkernel.panic = 1\n", 2, "under net.");
	expect_bad("[client]\nnet.../../kernel/panic = 1\n", 2, "key 'net.../../kernel/panic'");
	expect_bad("[client]\nnet.ipv4..x = 1\n", 2, "key 'net.ipv4..x'");
	expect_bad("[client]\nnet.Core.somaxconn = 1\n", 2, "key");
	expect_bad("[client]\nnet.core.somaxconn = 1; reboot\n", 2, "shell characters");
	expect_bad("[client]\nnet.core.somaxconn = 1\nnet.core.somaxconn = 2\n", 3,
		   "again in [client] (first on line 2)");
	/* the same key in two sections is fine */
	assert_int_equal(profile_parse("[client]\nnet.core.somaxconn = 1\n[server]\nnet.core.somaxconn = 2\n",
				       "ok.conf", &P, err, sizeof(err)), 0);
}

static void test_check(void **state)
{
	static const char text[] =
		"[client]\nnet.ipv4.tcp_tw_reuse = 1\n"
		"[server]\nnet.core.netdev_max_backlog = 5000\n";
	enum key_kind kinds[2] = { KEY_NETNS, KEY_GLOBAL };

	(void)state;
	assert_int_equal(profile_parse(text, "c.conf", &P, err, sizeof(err)), 0);
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "c.conf:4: key 'net.core.netdev_max_backlog' is global"));
	assert_non_null(strstr(err, "[host]"));
	kinds[1] = KEY_MISSING;
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
	kinds[1] = KEY_NETNS;
	assert_int_equal(profile_check(&P, kinds, false, err, sizeof(err)), 0);
}

static void test_check_host(void **state)
{
	static const char text[] = "[host]\nnet.netfilter.nf_conntrack_max = 4096\n";
	enum key_kind kinds[1] = { KEY_GLOBAL };

	(void)state;
	assert_int_equal(profile_parse(text, "h.conf", &P, err, sizeof(err)), 0);
	assert_int_equal(profile_check(&P, kinds, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--allow-host-sysctl"));
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), 0);
	kinds[0] = KEY_NETNS;
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "per network namespace"));
}

/* A key no one can write (a count): refused wherever it stands, as read-only. */
static void test_check_readonly(void **state)
{
	static const char host[] = "# counts\n[host]\nnet.netfilter.nf_conntrack_count = 5\n";
	static const char client[] = "[client]\nnet.netfilter.nf_conntrack_count = 5\n";
	enum key_kind kinds[1] = { KEY_READONLY };

	(void)state;
	assert_int_equal(profile_parse(host, "r.conf", &P, err, sizeof(err)), 0);
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "r.conf:3: key 'net.netfilter.nf_conntrack_count' is read-only"));
	assert_int_equal(profile_parse(client, "r.conf", &P, err, sizeof(err)), 0);
	assert_int_equal(profile_check(&P, kinds, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "r.conf:2: key 'net.netfilter.nf_conntrack_count' is read-only"));
	assert_null(strstr(err, "[host]"));
}

static void test_shipped(void **state)
{
	static const char *const names[] = {
		"default", "tuned", "syncookies-off", "tw-buckets-low", "small-device",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (profile_load(names[i], "sysctl-profiles", &P, err, sizeof(err)))
			fail_msg("%s: %s", names[i], err);
	assert_int_equal(profile_load("tuned", "sysctl-profiles", &P, err, sizeof(err)), 0);
	assert_string_equal(P.name, "tuned");
	assert_true(profile_has(&P, SEC_CLIENT) && profile_has(&P, SEC_SERVER));
	assert_int_equal(profile_load("../x", "sysctl-profiles", &P, err, sizeof(err)), -1);
}

/* "key=value key=value" of what node gets, in the order it is written. */
static const char *plan_of(const char *node, bool lone)
{
	static char out[512];
	const struct profile_entry *plan[PROFILE_MAX_KEYS];
	bool sec[SEC__COUNT];
	unsigned i, n;

	profile_node_sections(node, lone, sec);
	n = profile_plan(&P, sec, plan);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%s", i ? " " : "",
			 plan[i]->key + strlen("net.ipv4."), plan[i]->value);
	return out;
}

static void test_plan(void **state)
{
	/* [all] after [client] in the file, and before [dut]: the role wins either way */
	static const char text[] =
		"[client]\nnet.ipv4.tcp_fin_timeout = 11\nnet.ipv4.tcp_tw_reuse = 1\n"
		"[all]\nnet.ipv4.tcp_fin_timeout = 22\nnet.ipv4.tcp_syncookies = 0\n"
		"[dut]\nnet.ipv4.tcp_syncookies = 1\n"
		"[server]\nnet.ipv4.tcp_fin_timeout = 33\n"
		"[host]\nnet.ipv4.tcp_mem = 1 2 3\n";

	(void)state;
	assert_int_equal(profile_parse(text, "p.conf", &P, err, sizeof(err)), 0);
	/* [all] first, each key once, the role's value in its own turn */
	assert_string_equal(plan_of("client", false),
			    "tcp_syncookies=0 tcp_fin_timeout=11 tcp_tw_reuse=1");
	assert_string_equal(plan_of("server", false), "tcp_syncookies=0 tcp_fin_timeout=33");
	assert_string_equal(plan_of("dut", false), "tcp_fin_timeout=22 tcp_syncookies=1");
	/* the two devices of a paired topology take [dut] too */
	assert_string_equal(plan_of("duta", false), "tcp_fin_timeout=22 tcp_syncookies=1");
	assert_string_equal(plan_of("dutb", false), "tcp_fin_timeout=22 tcp_syncookies=1");
	assert_string_equal(plan_of("router", false), "tcp_fin_timeout=22 tcp_syncookies=0");
	/* a lone node is client, then server: the server's value is the last */
	assert_string_equal(plan_of("host", true),
			    "tcp_syncookies=0 tcp_tw_reuse=1 tcp_fin_timeout=33");
	/* no section for the node: nothing */
	assert_int_equal(profile_parse("[dut]\nnet.ipv4.tcp_syncookies = 1\n", "q.conf", &P,
				       err, sizeof(err)), 0);
	assert_string_equal(plan_of("client", false), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_host),
		cmocka_unit_test(test_check_readonly),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
