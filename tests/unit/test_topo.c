/* Unit tests: netns/topo.c - the topology parser. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

static const char dut_topo[] =
	"# dut.topo: client -- device under test -- server\n"
	"node client\n"
	"node dut forward stateful\n"
	"node server\n"
	"link client:eth0 10.71.1.1/24 fd71:1::1/64  dut:c0 10.71.1.254/24 fd71:1::fe/64\n"
	"link dut:s0 10.71.2.254/24 fd71:2::fe/64   server:eth0 10.71.2.1/24 fd71:2::1/64\n"
	"route client default via 10.71.1.254\n"
	"route server 10.0.0.0/8 via 10.71.2.254   # comment\n"
	"route server default via fd71:2::fe\n"
	"qdisc dut:s0 tbf rate 100mbit burst 64kb latency 50ms\n"
	"qdisc dut:c0 netem delay 10ms 2ms loss 1.5%\n";

static void test_good(void **state)
{
	struct topo *t = malloc(sizeof(*t));
	char err[256];

	(void)state;
	assert_int_equal(topo_parse(dut_topo, "dut.topo", t, err, sizeof(err)), 0);
	assert_int_equal(t->nnodes, 3);
	assert_true(t->node[1].forward && t->node[1].stateful);
	assert_false(t->node[0].forward);
	assert_int_equal(t->nlinks, 2);
	assert_int_equal(t->link[0].end[0].node, 0);
	assert_string_equal(t->link[0].end[1].ifname, "c0");
	assert_int_equal(t->link[0].end[1].naddr, 2);
	assert_int_equal(t->link[0].end[1].addr[1].family, AF_INET6);
	assert_int_equal(t->link[0].end[1].addr[0].len, 24);
	assert_int_equal(t->link[0].line, 5);
	assert_int_equal(t->nroutes, 3);
	assert_int_equal(t->route[0].dst.len, 0);
	assert_int_equal(t->route[1].dst.len, 8);
	assert_int_equal(t->route[2].gw.family, AF_INET6);
	assert_int_equal(t->nqdiscs, 2);
	assert_int_equal(t->qdisc[0].rate_bps, 100000000ULL);
	assert_int_equal(t->qdisc[0].burst_bytes, 65536);
	assert_int_equal(t->qdisc[0].latency_ns, 50000000ULL);
	assert_int_equal(t->qdisc[1].delay_ns, 10000000ULL);
	assert_int_equal(t->qdisc[1].jitter_ns, 2000000ULL);
	assert_true(t->qdisc[1].loss_pct == 1.5);
	free(t);
}

/* Each bad file must fail on the named line with the named complaint. */
static void expect_bad(const char *text, int line, const char *msg)
{
	struct topo *t = malloc(sizeof(*t));
	char err[256], want[64];

	assert_int_equal(topo_parse(text, "x.topo", t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.topo:%d: ", line);
	if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, msg))
		fail_msg("got '%s', wanted '%s...%s'", err, want, msg);
	free(t);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("node a\nnode a\n", 2, "declared twice");
	expect_bad("node A\n", 1, "names are");
	expect_bad("node abcdefghijklmnop\n", 1, "names are");
	expect_bad("node a b\n", 1, "unknown word 'b'");
	expect_bad("node a stateful\n", 1, "needs 'forward'");
	expect_bad("node a\nlink a:e0 10.0.0.1/24 b:e0 10.0.0.2/24\n", 2, "no node 'b'");
	expect_bad("node a\nnode b\nlink a:e0 10.0.0.1 b:e0\n", 3, "not an ADDRESS/LENGTH");
	expect_bad("node a\nnode b\nlink a:e0 10.0.0.1/33 b:e0\n", 3, "not an ADDRESS/LENGTH");
	expect_bad("node a\nnode b\nlink a:e0 b:e0 a:e1\n", 3, "more than two ends");
	expect_bad("node a\nnode b\nlink a:e0\n", 3, "expected 'link");
	expect_bad("node a\nnode b\nlink a:e0 a:e1\n", 3, "both ends");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nlink a:e0 b:e1\n", 4, "used twice");
	expect_bad("node a\nnode b\nlink a:lo b:e0\n", 3, "used twice");
	expect_bad("node a\nnode b\nlink a:../x b:e0\n", 3, "names are");
	expect_bad("node a\nroute a default 10.0.0.1\n", 2, "expected 'route");
	expect_bad("node a\nroute a default via fd00::1x\n", 2, "not an address");
	expect_bad("node a\nroute a 10.0.0.0/8 via fd00::1\n", 2, "different families");
	expect_bad("node a\nroute b default via 10.0.0.1\n", 2, "no node 'b'");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e1 tbf rate 1mbit burst 4kb latency 1ms\n",
		   4, "no link declares");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e0 tbf rate 1mbit\n", 4, "needs rate, burst and latency");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e0 tbf rate fast burst 4kb latency 1ms\n",
		   4, "bad rate 'fast'");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e0 fq\n", 4, "unknown kind 'fq'");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e0 netem loss 5\n", 4, "bad loss '5'");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nqdisc a:e0 netem delay 1ms\n"
		   "qdisc a:e0 netem delay 2ms\n", 5, "has a qdisc already");
	expect_bad("node a\nvlan a\n", 2, "unknown keyword 'vlan'");
}

static void test_empty(void **state)
{
	struct topo *t = malloc(sizeof(*t));
	char err[256];

	(void)state;
	assert_int_equal(topo_parse("# nothing\n\n", "e.topo", t, err, sizeof(err)), -1);
	assert_string_equal(err, "e.topo: no node declared");
	free(t);
}

static void test_units(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(topo_parse_rate_bps("1mbit", &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(topo_parse_rate_bps("1.5gbit", &v), 0);
	assert_int_equal(v, 1500000000ULL);
	assert_int_equal(topo_parse_rate_bps("100kbps", &v), 0);
	assert_int_equal(v, 800000);
	assert_true(topo_parse_rate_bps("1mb", &v) < 0);
	assert_true(topo_parse_rate_bps("mbit", &v) < 0);
	assert_int_equal(topo_parse_size("64kb", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(topo_parse_size("1500", &v), 0);
	assert_int_equal(v, 1500);
	assert_true(topo_parse_size("4x", &v) < 0);
	assert_true(topo_name_ok("client-1_a"));
	assert_false(topo_name_ok("Client"));
	assert_false(topo_name_ok(""));
	assert_false(topo_name_ok("a/b"));
}

static const char mgmt_topo[] =
	"node c1\n"
	"node c2\n"
	"node ctl\n"
	"bridge ctl:br0 10.72.0.254/24\n"
	"link c1:mgmt 10.72.0.1/24  ctl:m-c1 master br0\n"
	"link c2:mgmt 10.72.0.2/24  ctl:m-c2 master br0\n"
	"link c1:eth0 10.71.1.1/24 c2:eth0 10.71.1.2/24\n"
	"sshd c1:mgmt\n"
	"sshd c2:mgmt\n"
	"sshd ctl:br0\n";

static void test_bridge(void **state)
{
	struct topo *t = malloc(sizeof(*t));
	char err[256];

	(void)state;
	assert_int_equal(topo_parse(mgmt_topo, "m.topo", t, err, sizeof(err)), 0);
	assert_int_equal(t->nbridges, 1);
	assert_int_equal(t->bridge[0].dev.node, 2);
	assert_string_equal(t->bridge[0].dev.ifname, "br0");
	assert_string_equal(t->bridge[0].dev.addr[0].text, "10.72.0.254/24");
	assert_int_equal(t->bridge[0].line, 4);
	assert_int_equal(t->link[0].end[1].master, 1);
	assert_int_equal(t->link[0].end[0].master, 0);
	assert_int_equal(t->link[2].end[0].master, 0);
	assert_int_equal(t->nsshd, 3);
	assert_int_equal(t->sshd[1].node, 1);
	assert_string_equal(t->sshd[1].ifname, "mgmt");
	assert_int_equal(t->sshd[1].line, 9);
	assert_ptr_equal(topo_find_end(t, 2, "br0"), &t->bridge[0].dev);
	assert_ptr_equal(topo_find_end(t, 0, "mgmt"), &t->link[0].end[0]);
	assert_null(topo_find_end(t, 0, "br0"));
	free(t);
}

static void test_bridge_bad(void **state)
{
	(void)state;
	expect_bad("node a\nbridge a\n", 2, "expected NODE:INTERFACE");
	expect_bad("node a\nbridge\n", 2, "expected 'bridge NODE:IF");
	expect_bad("node a\nbridge b:br0\n", 2, "no node 'b'");
	expect_bad("node a\nbridge a:br0 10.0.0.1\n", 2, "not an ADDRESS/LENGTH");
	expect_bad("node a\nbridge a:br0\nbridge a:br0\n", 3, "used twice");
	expect_bad("node a\nnode b\nbridge a:br0\nlink a:br0 b:e0\n", 4, "used twice");
	expect_bad("node a\nnode b\nlink b:e0 a:e0 master br0\n", 3, "no bridge a:br0 declared");
	expect_bad("node a\nnode b\nbridge b:br0\nlink b:e0 a:e0 master br0\n", 4,
		   "no bridge a:br0 declared");
	expect_bad("node a\nnode b\nbridge a:br0\nlink b:e0 a:e0 10.0.0.1/24 master br0\n", 4,
		   "takes no address");
	expect_bad("node a\nnode b\nbridge a:br0\nlink b:e0 a:e0 master br0 10.0.0.1/24\n", 4,
		   "takes no address");
	expect_bad("node a\nnode b\nbridge a:br0\nlink b:e0 a:e0 master\n", 4,
		   "expected 'NODE:IF master BRIDGE'");
	expect_bad("node a\nnode b\nbridge a:br0\nlink master br0 b:e0 a:e0\n", 4,
		   "expected 'NODE:IF master BRIDGE'");
	expect_bad("node a\nnode b\nbridge a:br0\nbridge a:br1\n"
		   "link b:e0 a:e0 master br0 master br1\n", 5, "one master only");
	expect_bad("node a\nsshd a:e0\n", 2, "no link or bridge declares");
	expect_bad("node a\nsshd a\n", 2, "expected NODE:INTERFACE");
	expect_bad("node a\nsshd a:e0 a:e1\n", 2, "expected 'sshd NODE:IF'");
	expect_bad("node a\nnode b\nlink a:e0 b:e0\nsshd a:e0\n", 4, "no address to listen on");
	expect_bad("node a\nnode b\nlink a:e0 10.0.0.1/24 b:e0\nlink a:e1 10.0.1.1/24 b:e1\n"
		   "sshd a:e0\nsshd a:e1\n", 6, "has an sshd already (line 5)");
	expect_bad("node a\nbrige a:br0\n", 2, "bridge, sshd");
}

static void test_shipped(void **state)
{
	static const char *const names[] = { "loopback", "pair", "dut", "dut-shaped", "multi" };
	struct topo *t = malloc(sizeof(*t));
	char err[256], *text;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (topo_load(names[i], "netns/topologies", t, &text, err, sizeof(err)))
			fail_msg("%s: %s", names[i], err);
		free(text);
	}
	/* the design's example, address for address */
	assert_int_equal(topo_load("dut", "netns/topologies", t, &text, err, sizeof(err)), 0);
	free(text);
	assert_string_equal(t->link[0].end[0].addr[0].text, "10.71.1.1/24");
	assert_string_equal(t->link[1].end[1].addr[1].text, "fd71:2::1/64");
	assert_true(t->node[topo_node_index(t, "dut")].stateful);
	assert_int_equal(topo_load("nonexistent", "netns/topologies", t, &text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_int_equal(topo_load("../etc/passwd", "netns/topologies", t, &text, err, sizeof(err)), -1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_bridge_bad),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests_name("topo", tests, NULL, NULL);
}
